import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { COBALT_P_DEC, COBALT_P_INC, CobaltVars, cobaltControl, cobaltInvsqrt } from './cobalt.ts';
import type { CobaltParams } from './cobalt.ts';
import { inetEcnSetCe } from './ecn.ts';
import { defaultTruesize } from './fq_codel.ts';
import { DelayHistogram } from './histogram.ts';
import { adjustedLength } from './overhead.ts';
import type { LinkLayer } from './overhead.ts';
import { DropList, QdiscStats, reciprocalScale } from './types.ts';
import type { Qdisc } from './types.ts';

export interface CakeOptions {
  /** Shaped rate in bit/s (`bandwidth`); 0 or absent = unlimited (no shaper, DRR only). */
  rate?: number;
  /**
   * Per-packet overhead (`overhead N`). Giving it sets CAKE_FLAG_OVERHEAD: cake then first strips
   * the packet's network offset (its L2 headers, `pool.l3off`) and adds N, so N describes the
   * whole link framing around the IP packet.
   */
  overhead?: number;
  /** Minimum accounted size (`mpu`). */
  mpu?: number;
  /** 'atm' (ADSL cells) or 'ptm' (VDSL2 64/65) framing (`atm` / `ptm`); default 'ethernet' (none). */
  linklayer?: LinkLayer;
  /** CoDel target before rate scaling, ns (default 5 ms). */
  target?: number;
  /** `rtt`: CoDel interval before rate scaling, ns (default 100 ms). */
  rtt?: number;
  /** `memlimit` in bytes of truesize; default 4 × rate × rtt, at least 4 MiB, at most limit × MTU. */
  memoryLimit?: number;
  /** Packet limit used to cap the memory limit (sch->limit, default 10240). */
  limit?: number;
  /** psched_mtu() of the device (default 1514). */
  mtu?: number;
  /** Seeded source of uniform u32 values for BLUE and DRR dithering (default xorshift32, seed 1). */
  random?: () => number;
  /** skb->truesize model for the memory limit (default as fq_codel). */
  truesize?: (len: number) => number;
}

const CAKE_QUEUES = 1024;
// flow->set
const SET_NONE = 0;
const SET_SPARSE = 1;
const SET_SPARSE_WAIT = 2;
const SET_BULK = 3;
const SET_DECAYING = 4;
// flowchain lists
const L_NONE = 0;
const L_NEW = 1;
const L_OLD = 2;
const L_DECAYING = 3;

function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * A cake-like shaper (net/sched/sch_cake.c) in `besteffort flows` mode — what sqm-scripts'
 * piece_of_cake.qos configures, minus the host isolation.
 *
 * Modelled as the kernel does it:
 *  - Deficit-mode shaper, no token bucket (cake_advance_shaper()): each dequeued packet moves
 *    `time_next_packet` on by adjusted_len × ns-per-byte; nothing is sent before it. An idle queue
 *    resets it to `now` on enqueue, so a backlog never leaves behind a burst allowance.
 *  - Overhead compensation (cake_calc_overhead()): overhead, mpu, ATM cells, PTM.
 *  - Per-flow queues with DRR++ (cake_dequeue()): new (sparse), old (bulk) and decaying lists,
 *    flow states SPARSE / SPARSE_WAIT / BULK / DECAYING, a quantum derived from the rate
 *    (rate/4096 bytes, clamped to 300..1514), quantum dithering from the PRNG.
 *  - COBALT per flow (cobalt_should_drop(), cobalt_queue_full(), cobalt_queue_empty()): CoDel
 *    with the target/interval scaled up for slow links (cake_set_rate()), ECN marking of ECT
 *    packets, BLUE drop probability raised on buffer overflow.
 *  - Memory limit with drops from the longest queue (cake_drop()).
 *
 * Simplified (say so in the docs):
 *  - One tin (`besteffort`): no diffserv3/4/8 tins, no DSCP washing, no fwmark tin selection.
 *  - Flow isolation is per flow on `reciprocal_scale(flowHash, 1024)`: no 8-way set-associative
 *    hash (collisions share a queue, as in fq_codel), no src/dst host fairness (triple-isolate,
 *    dual-srchost/dsthost), no NAT lookup.
 *  - The longest queue for cake_drop() is found by a linear scan, not the overflow max-heap
 *    (same victim, different cost).
 *  - Egress mode only: no `ingress` keyword (drops charged to the shaper), no failsafe timer, no
 *    autorate-ingress, no ACK filter, no GSO splitting (a packet is one frame).
 */
export class Cake implements Qdisc {
  readonly kind = 'cake';
  readonly stats = new QdiscStats();
  readonly sojourn = new DelayHistogram();
  readonly drops = new DropList(128);

  readonly rateBytesPerSec: number;
  readonly flowQuantum: number;
  readonly params: CobaltParams;
  readonly bufferLimit: number;
  readonly overhead: number;
  readonly overheadSet: boolean;
  readonly mpu: number;
  readonly linklayer: LinkLayer;
  /** ns per accounted byte; 0 when unlimited. */
  readonly nsPerByte: number;

  // tin stats
  bufferUsed = 0;
  bufferMaxUsed = 0;
  dropOverlimit = 0;
  blueDrops = 0;
  unresponsiveFlowCount = 0;
  sparseFlowCount = 0;
  bulkFlowCount = 0;
  decayingFlowCount = 0;
  /** Bytes charged to the shaper (after overhead), for rate checks. */
  chargedBytes = 0;
  /** time_next_packet, virtual ns. */
  timeNextPacket = 0;

  private readonly pool: PacketPool;
  private readonly random: () => number;
  private readonly truesize: (len: number) => number;
  private readonly next: Int32Array;
  private readonly enqTime: Float64Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  readonly backlogs: Float64Array;
  private readonly deficit: Int32Array;
  private readonly set: Uint8Array;
  readonly dropped: Uint32Array;
  readonly cvars: CobaltVars;
  // doubly linked flowchain (cake moves flows out of the middle of decaying_flows)
  private readonly listOf: Uint8Array;
  private readonly lnext: Int32Array;
  private readonly lprev: Int32Array;
  private readonly lhead = new Int32Array(4).fill(-1);
  private readonly ltail = new Int32Array(4).fill(-1);
  private qlen = 0;
  private bytes = 0;

  constructor(pool: PacketPool, opts: CakeOptions = {}) {
    const rateBits = opts.rate ?? 0;
    if (!(rateBits >= 0) || !Number.isFinite(rateBits)) throw new RangeError(`cake rate must be ≥ 0 bit/s, got ${rateBits}`);
    this.pool = pool;
    this.random = opts.random ?? xorshift32(1);
    this.truesize = opts.truesize ?? defaultTruesize;
    this.overheadSet = opts.overhead !== undefined;
    this.overhead = opts.overhead ?? 0;
    this.mpu = opts.mpu ?? 0;
    this.linklayer = opts.linklayer ?? 'ethernet';
    const mtu = opts.mtu ?? 1514;
    const targetNs = opts.target ?? 5_000_000;
    const rttNs = opts.rtt ?? 100_000_000;
    const limit = opts.limit ?? 10240;

    // cake_set_rate(): rate in bytes/s, MIN_RATE 64
    const rate = Math.floor(rateBits / 8);
    this.rateBytesPerSec = rate;
    this.flowQuantum = rate ? Math.max(Math.min(Math.floor(rate / 4096), 1514), 300) : 1514;
    this.nsPerByte = rate ? 1e9 / Math.max(64, rate) : 0;
    const byteTargetNs = mtu * this.nsPerByte;
    const target = Math.max((byteTargetNs * 3) / 2, targetNs);
    this.params = {
      target,
      interval: Math.max(rttNs + target - targetNs, target * 2),
      mtuTime: byteTargetNs,
      pInc: COBALT_P_INC,
      pDec: COBALT_P_DEC,
    };
    // cake_reconfigure()
    let bufferLimit: number;
    if (opts.memoryLimit !== undefined) bufferLimit = opts.memoryLimit;
    else if (rate) bufferLimit = Math.max(Math.floor((rate * (rttNs / 1000)) / 250_000), 4 << 20);
    else bufferLimit = 0xffffffff;
    this.bufferLimit = Math.min(bufferLimit, Math.max(limit * mtu, opts.memoryLimit ?? 0));

    const cap = pool.capacity;
    this.next = new Int32Array(cap);
    this.enqTime = new Float64Array(cap);
    this.head = new Int32Array(CAKE_QUEUES).fill(-1);
    this.tail = new Int32Array(CAKE_QUEUES).fill(-1);
    this.backlogs = new Float64Array(CAKE_QUEUES);
    this.deficit = new Int32Array(CAKE_QUEUES);
    this.set = new Uint8Array(CAKE_QUEUES);
    this.dropped = new Uint32Array(CAKE_QUEUES);
    this.cvars = new CobaltVars(CAKE_QUEUES);
    this.listOf = new Uint8Array(CAKE_QUEUES);
    this.lnext = new Int32Array(CAKE_QUEUES).fill(-1);
    this.lprev = new Int32Array(CAKE_QUEUES).fill(-1);
    for (let i = 0; i < CAKE_QUEUES; i++) this.cvars.recInvSqrt[i] = 0;
  }

  get backlogPackets(): number {
    return this.qlen;
  }

  get backlogBytes(): number {
    return this.bytes;
  }

  flowIndex(flowHash: number): number {
    return reciprocalScale(flowHash, CAKE_QUEUES);
  }

  /** cake_calc_overhead() for one frame. */
  adjustedLen(slot: number): number {
    let len = this.pool.len[slot]!;
    if (this.overheadSet) len -= this.pool.l3off[slot]!;
    return adjustedLength(len, this.overhead, this.mpu, this.linklayer);
  }

  peekReadyTime(now: number): number {
    if (this.qlen === 0) return Infinity;
    return this.nsPerByte && this.timeNextPacket > now ? this.timeNextPacket : now;
  }

  // models cake_enqueue()
  enqueue(slot: number, flowHash: number, now: number): number {
    const idx = reciprocalScale(flowHash, CAKE_QUEUES);
    // ensure shaper state isn't stale
    if (this.qlen === 0) {
      if (this.timeNextPacket < now) this.timeNextPacket = now;
      else if (this.timeNextPacket > now) this.stats.overlimits++;
    }
    const len = this.pool.len[slot]!;
    this.enqTime[slot] = now;
    this.next[slot] = -1;
    const t = this.tail[idx]!;
    if (t === -1) this.head[idx] = slot;
    else this.next[t] = slot;
    this.tail[idx] = slot;
    this.qlen++;
    this.bufferUsed += this.truesize(len);
    this.backlogs[idx] = this.backlogs[idx]! + len;
    this.bytes += len;

    // flowchain
    const set = this.set[idx]!;
    if (set === SET_NONE || set === SET_DECAYING) {
      if (set === SET_NONE) this.listAddTail(L_NEW, idx);
      else {
        this.decayingFlowCount--;
        this.listDel(idx);
        this.listAddTail(L_NEW, idx);
      }
      this.set[idx] = SET_SPARSE;
      this.sparseFlowCount++;
      this.deficit[idx] = (this.flowQuantum * 65535) >>> 16; // quantum_div[host_load = 1]
    } else if (set === SET_SPARSE_WAIT) {
      // was empty, accounted sparse, but actually in the bulk rotation
      this.set[idx] = SET_BULK;
      this.sparseFlowCount--;
      this.bulkFlowCount++;
    }

    if (this.bufferUsed > this.bufferMaxUsed) this.bufferMaxUsed = this.bufferUsed;
    let selfDropped = false;
    if (this.bufferUsed > this.bufferLimit) {
      let n = 0;
      while (this.bufferUsed > this.bufferLimit && this.qlen > 0) {
        n++;
        if (this.cakeDrop(now, slot)) selfDropped = true;
      }
      this.dropOverlimit += n;
    }
    if (selfDropped) return DropReason.QDISC_OVERLIMIT;
    this.stats.enqueued++;
    this.stats.enqueuedBytes += len;
    return 0;
  }

  /** cake_drop(): drops the head of the longest queue. Returns true when it was `arriving`. */
  private cakeDrop(now: number, arriving: number): boolean {
    let idx = 0;
    let max = -1;
    for (let i = 0; i < CAKE_QUEUES; i++) {
      if (this.backlogs[i]! > max) {
        max = this.backlogs[i]!;
        idx = i;
      }
    }
    const slot = this.dequeueOne(idx);
    if (slot === -1) return false;
    if (this.cvars.queueFull(idx, this.params, now)) this.unresponsiveFlowCount++;
    this.dropped[idx] = this.dropped[idx]! + 1;
    this.stats.countDrop(DropReason.QDISC_OVERLIMIT);
    if (slot === arriving) return true;
    this.drops.push(slot, DropReason.QDISC_OVERLIMIT);
    return false;
  }

  /** cake_dequeue_one() */
  private dequeueOne(flow: number): number {
    const slot = this.head[flow]!;
    if (slot === -1) return -1;
    this.head[flow] = this.next[slot]!;
    if (this.head[flow] === -1) this.tail[flow] = -1;
    const len = this.pool.len[slot]!;
    this.backlogs[flow] = this.backlogs[flow]! - len;
    this.bytes -= len;
    this.bufferUsed -= this.truesize(len);
    this.qlen--;
    return slot;
  }

  // models cake_dequeue() for one tin in egress mode
  dequeue(now: number): number {
    let firstFlow = true;
    begin: for (;;) {
      if (this.qlen === 0) return -1;
      // global hard shaper
      if (this.nsPerByte && this.timeNextPacket > now) {
        this.stats.overlimits++;
        return -1;
      }
      if (this.sparseFlowCount + this.bulkFlowCount === 0) return -1;
      for (;;) {
        // retry: service this tin
        let list = L_DECAYING;
        if (!firstFlow || this.lhead[L_DECAYING] === -1) {
          list = L_NEW;
          if (this.lhead[L_NEW] === -1) {
            list = L_OLD;
            if (this.lhead[L_OLD] === -1) {
              list = L_DECAYING;
              if (this.lhead[L_DECAYING] === -1) continue begin;
            }
          }
        }
        const flow = this.lhead[list]!;
        firstFlow = false;

        // flow isolation (DRR++)
        if (this.deficit[flow]! <= 0) {
          // keep all flows with deficits out of the sparse and decaying rotations
          if (this.set[flow] === SET_SPARSE) {
            if (this.head[flow] !== -1) {
              this.sparseFlowCount--;
              this.bulkFlowCount++;
              this.set[flow] = SET_BULK;
            } else {
              this.set[flow] = SET_SPARSE_WAIT;
            }
          }
          // dithering avoids accumulating round-off: (quantum·quantum_div[1] + (rand>>16)) >> 16
          this.deficit[flow] = this.deficit[flow]! + Math.floor((this.flowQuantum * 65535 + (this.random() >>> 16)) / 65536);
          this.listDel(flow);
          this.listAddTail(L_OLD, flow);
          continue;
        }

        // retrieve a packet via the AQM
        let slot: number;
        for (;;) {
          slot = this.dequeueOne(flow);
          if (slot === -1) {
            // this queue was actually empty
            const v = this.cvars;
            if (v.queueEmpty(flow, this.params, now)) this.unresponsiveFlowCount--;
            const set = this.set[flow]!;
            if (v.pDrop[flow] !== 0 || v.count[flow] !== 0 || now < v.dropNext[flow]!) {
              // keep in the flowchain until the state has decayed to rest
              this.listDel(flow);
              this.listAddTail(L_DECAYING, flow);
              if (set === SET_BULK) {
                this.bulkFlowCount--;
                this.decayingFlowCount++;
              } else if (set === SET_SPARSE || set === SET_SPARSE_WAIT) {
                this.sparseFlowCount--;
                this.decayingFlowCount++;
              }
              this.set[flow] = SET_DECAYING;
            } else {
              // remove empty queue from the flowchain
              this.listDel(flow);
              if (set === SET_SPARSE || set === SET_SPARSE_WAIT) this.sparseFlowCount--;
              else if (set === SET_BULK) this.bulkFlowCount--;
              else this.decayingFlowCount--;
              this.set[flow] = SET_NONE;
            }
            continue begin;
          }
          // the last packet in a queue may be marked, never dropped
          if (!this.cobaltShouldDrop(flow, slot, now) || this.head[flow] === -1) break;
          this.dropped[flow] = this.dropped[flow]! + 1;
          this.stats.countDrop(DropReason.QDISC_CODEL);
          this.drops.push(slot, DropReason.QDISC_CODEL);
        }

        if (this.cvars.ecnMarked[flow]) this.stats.ecnMarks++;
        const len = this.pool.len[slot]!;
        this.stats.dequeued++;
        this.stats.dequeuedBytes += len;
        this.sojourn.record(now - this.enqTime[slot]!);
        // cake_advance_shaper(): one tin, so the tin and global schedules coincide
        const adj = this.adjustedLen(slot);
        this.chargedBytes += adj;
        if (this.nsPerByte) this.timeNextPacket += adj * this.nsPerByte;
        this.deficit[flow] = this.deficit[flow]! - adj;
        return slot;
      }
    }
  }

  /** cobalt_should_drop() with bulk_flows = 0 (egress mode). Marks ECT packets instead when it can. */
  private cobaltShouldDrop(i: number, slot: number, now: number): boolean {
    const v = this.cvars;
    const p = this.params;
    const sojourn = now - this.enqTime[slot]!;
    let schedule = now - v.dropNext[i]!;
    const overTarget = sojourn > p.target && sojourn > p.mtuTime * 4;
    let nextDue = v.count[i] !== 0 && schedule >= 0;
    let drop = false;
    v.ecnMarked[i] = 0;

    if (overTarget) {
      if (!v.dropping[i]) {
        v.dropping[i] = 1;
        v.dropNext[i] = cobaltControl(now, p.interval, v.recInvSqrt[i]!);
      }
      if (v.count[i] === 0) v.count[i] = 1;
    } else if (v.dropping[i]) {
      v.dropping[i] = 0;
    }

    if (nextDue && v.dropping[i]) {
      // use ECN mark if possible, otherwise drop
      const marked = inetEcnSetCe(this.pool, slot);
      v.ecnMarked[i] = marked ? 1 : 0;
      drop = !marked;
      if (v.count[i] !== 0xffffffff) v.count[i] = v.count[i]! + 1;
      v.recInvSqrt[i] = cobaltInvsqrt(v.count[i]!, v.recInvSqrt[i]!);
      v.dropNext[i] = cobaltControl(v.dropNext[i]!, p.interval, v.recInvSqrt[i]!);
      schedule = now - v.dropNext[i]!;
    } else {
      while (nextDue) {
        v.count[i] = v.count[i]! - 1;
        v.recInvSqrt[i] = cobaltInvsqrt(v.count[i]!, v.recInvSqrt[i]!);
        v.dropNext[i] = cobaltControl(v.dropNext[i]!, p.interval, v.recInvSqrt[i]!);
        schedule = now - v.dropNext[i]!;
        nextDue = v.count[i] !== 0 && schedule >= 0;
      }
    }

    // simple BLUE; lack of ECN is deliberate
    if (v.pDrop[i] !== 0 && this.random() >>> 0 < v.pDrop[i]!) {
      if (!drop) this.blueDrops++;
      drop = true;
    }

    // overload drop_next as an activity timeout
    if (v.count[i] === 0) v.dropNext[i] = now + p.interval;
    else if (schedule > 0 && !drop) v.dropNext[i] = now;
    return drop;
  }

  private listAddTail(list: number, flow: number): void {
    this.listOf[flow] = list;
    this.lnext[flow] = -1;
    const t = this.ltail[list]!;
    this.lprev[flow] = t;
    if (t === -1) this.lhead[list] = flow;
    else this.lnext[t] = flow;
    this.ltail[list] = flow;
  }

  private listDel(flow: number): void {
    const list = this.listOf[flow]!;
    if (list === L_NONE) return;
    const p = this.lprev[flow]!;
    const n = this.lnext[flow]!;
    if (p === -1) this.lhead[list] = n;
    else this.lnext[p] = n;
    if (n === -1) this.ltail[list] = p;
    else this.lprev[n] = p;
    this.listOf[flow] = L_NONE;
    this.lnext[flow] = -1;
    this.lprev[flow] = -1;
  }
}
