import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { CodelVars, REC_INV_SQRT_ONE, codelControlLaw, codelNewtonStep, codelShouldDrop } from './codel.ts';
import type { CodelParams } from './codel.ts';
import { inetEcnSetCe } from './ecn.ts';
import { DelayHistogram } from './histogram.ts';
import { DropList, QdiscStats, reciprocalScale } from './types.ts';
import type { Qdisc } from './types.ts';

export interface FqCodelOptions {
  /** Packet limit over all flows (default 10240, fq_codel_init()). */
  limit?: number;
  /** Number of flow queues (default 1024; 1..65536). */
  flows?: number;
  /** DRR quantum in bytes (default 1514 = psched_mtu() of a 1500-MTU Ethernet device; min 256). */
  quantum?: number;
  /** CoDel target, ns (default 5 ms). */
  target?: number;
  /** CoDel interval, ns (default 100 ms). */
  interval?: number;
  /** Mark ECT packets CE instead of dropping (default true, as fq_codel_init()). */
  ecn?: boolean;
  /** Bytes charged against memory_limit (default 32 MiB). */
  memoryLimit?: number;
  /** Packets dropped at most per overflow (default 64). */
  dropBatchSize?: number;
  /** CoDel's minimum backlog in bytes (params->mtu = psched_mtu(), default 1514). */
  mtu?: number;
  /**
   * skb->truesize for a packet of `len` bytes, charged to memory_limit. Default: a 2 KiB receive
   * buffer plus the sk_buff head (2304 bytes), or len + 512 for larger frames.
   */
  truesize?: (len: number) => number;
}

export function defaultTruesize(len: number): number {
  return len + 512 > 2304 ? len + 512 : 2304;
}

const NO_LIST = 0;
const NEW_LIST = 1;
const OLD_LIST = 2;

/**
 * fq_codel (net/sched/sch_fq_codel.c): packets hash to one of `flows` FIFO queues
 * (reciprocal_scale(hash, flows), fq_codel_hash()); queues are served by DRR with a byte quantum
 * from two round-robin lists — flows that just became active go on `new_flows`, which is served
 * first (the sparse-flow priority), then `old_flows`; each queue runs its own CoDel
 * (codel_dequeue()) on head sojourn time against the qdisc-wide backlog. Over `limit` packets or
 * `memory_limit` bytes, fq_codel_drop() finds the flow with the largest byte backlog and drops
 * from its head until half its backlog is gone, at most `drop_batch_size` packets.
 *
 * Not modelled: external classifiers (tc filters / skb->priority), ce_threshold (off by default),
 * GSO; CoDel's 1024-ns clock (see codel.ts).
 */
export class FqCodel implements Qdisc {
  readonly kind = 'fq_codel';
  readonly stats = new QdiscStats();
  readonly sojourn = new DelayHistogram();
  readonly drops = new DropList(128);

  readonly limit: number;
  readonly flowsCnt: number;
  readonly quantum: number;
  readonly memoryLimit: number;
  readonly dropBatchSize: number;
  readonly params: CodelParams;
  private readonly truesize: (len: number) => number;

  // fq_codel xstats
  dropOverlimit = 0;
  dropOvermemory = 0;
  newFlowCount = 0;
  maxPacket = 0;
  memoryUsage = 0;

  private readonly pool: PacketPool;
  // per-slot: the skb->next chain and the enqueue timestamp (codel_set_enqueue_time())
  private readonly next: Int32Array;
  private readonly enqTime: Float64Array;
  // per-flow queue
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  readonly backlogs: Float64Array;
  private readonly deficit: Int32Array;
  readonly cvars: CodelVars;
  // flowchain lists: fq_codel only ever removes a list's first entry, so singly linked FIFOs do.
  private readonly listOf: Uint8Array;
  private readonly chain: Int32Array;
  private newHead = -1;
  private newTail = -1;
  private oldHead = -1;
  private oldTail = -1;

  private qlen = 0;
  private bytes = 0;

  constructor(pool: PacketPool, opts: FqCodelOptions = {}) {
    const flows = opts.flows ?? 1024;
    if (!Number.isInteger(flows) || flows < 1 || flows > 65536) throw new RangeError(`fq_codel flows must be 1..65536, got ${flows}`);
    const limit = opts.limit ?? 10240;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`fq_codel limit must be a positive integer, got ${limit}`);
    this.pool = pool;
    this.flowsCnt = flows;
    this.limit = limit;
    this.quantum = Math.max(256, opts.quantum ?? 1514);
    this.memoryLimit = Math.min(2 ** 31, opts.memoryLimit ?? 32 * 1024 * 1024);
    this.dropBatchSize = Math.max(1, opts.dropBatchSize ?? 64);
    this.params = {
      target: opts.target ?? 5_000_000,
      interval: opts.interval ?? 100_000_000,
      mtu: opts.mtu ?? 1514,
      ecn: opts.ecn ?? true,
    };
    this.truesize = opts.truesize ?? defaultTruesize;
    this.next = new Int32Array(pool.capacity);
    this.enqTime = new Float64Array(pool.capacity);
    this.head = new Int32Array(flows).fill(-1);
    this.tail = new Int32Array(flows).fill(-1);
    this.backlogs = new Float64Array(flows);
    this.deficit = new Int32Array(flows);
    this.cvars = new CodelVars(flows);
    this.listOf = new Uint8Array(flows);
    this.chain = new Int32Array(flows).fill(-1);
  }

  get backlogPackets(): number {
    return this.qlen;
  }

  get backlogBytes(): number {
    return this.bytes;
  }

  /** Flow queue a hash maps to (fq_codel_hash()). */
  flowIndex(flowHash: number): number {
    return reciprocalScale(flowHash, this.flowsCnt);
  }

  /** Packets queued in one flow (walks the chain: for tests and reports). */
  flowLength(idx: number): number {
    let n = 0;
    for (let s = this.head[idx]!; s !== -1; s = this.next[s]!) n++;
    return n;
  }

  get newFlowsLen(): number {
    return this.countList(this.newHead);
  }

  get oldFlowsLen(): number {
    return this.countList(this.oldHead);
  }

  // models fq_codel_enqueue()
  enqueue(slot: number, flowHash: number, now: number): number {
    const idx = reciprocalScale(flowHash, this.flowsCnt);
    const len = this.pool.len[slot]!;
    this.enqTime[slot] = now;
    this.next[slot] = -1;
    const t = this.tail[idx]!;
    if (t === -1) this.head[idx] = slot;
    else this.next[t] = slot;
    this.tail[idx] = slot;
    this.backlogs[idx] = this.backlogs[idx]! + len;
    this.bytes += len;
    if (this.listOf[idx] === NO_LIST) {
      this.pushNew(idx);
      this.newFlowCount++;
      this.deficit[idx] = this.quantum;
    }
    this.memoryUsage += this.truesize(len);
    const memoryLimited = this.memoryUsage > this.memoryLimit;
    if (++this.qlen <= this.limit && !memoryLimited) {
      this.stats.enqueued++;
      this.stats.enqueuedBytes += len;
      return 0;
    }
    const prevQlen = this.qlen;
    const selfDropped = this.fqCodelDrop(slot);
    const dropped = prevQlen - this.qlen;
    this.dropOverlimit += dropped;
    if (memoryLimited) this.dropOvermemory += dropped;
    if (selfDropped) return DropReason.QDISC_OVERLIMIT;
    this.stats.enqueued++;
    this.stats.enqueuedBytes += len;
    return 0;
  }

  /**
   * fq_codel_drop(): drops from the head of the fattest flow until half its backlog is gone, at
   * most dropBatchSize packets. Returns true when `arriving` was among them (it is then not put on
   * the victim list: enqueue reports it through its return value).
   */
  private fqCodelDrop(arriving: number): boolean {
    let maxbacklog = 0;
    let idx = 0;
    const backlogs = this.backlogs;
    for (let i = 0; i < this.flowsCnt; i++) {
      if (backlogs[i]! > maxbacklog) {
        maxbacklog = backlogs[i]!;
        idx = i;
      }
    }
    const threshold = Math.floor(maxbacklog / 2);
    let len = 0;
    let mem = 0;
    let i = 0;
    let selfDropped = false;
    do {
      const slot = this.head[idx]!;
      if (slot === -1) break;
      this.head[idx] = this.next[slot]!;
      if (this.head[idx] === -1) this.tail[idx] = -1;
      const l = this.pool.len[slot]!;
      len += l;
      mem += this.truesize(l);
      this.stats.countDrop(DropReason.QDISC_OVERLIMIT);
      if (slot === arriving) selfDropped = true;
      else this.drops.push(slot, DropReason.QDISC_OVERLIMIT);
    } while (++i < this.dropBatchSize && len < threshold);
    // Tell codel to increase its signal strength also
    this.cvars.addCount(idx, i);
    this.backlogs[idx] = backlogs[idx]! - len;
    this.memoryUsage -= mem;
    this.bytes -= len;
    this.qlen -= i;
    return selfDropped;
  }

  // models fq_codel_dequeue()
  dequeue(now: number): number {
    for (;;) {
      let fromNew = true;
      let flow = this.newHead;
      if (flow === -1) {
        fromNew = false;
        flow = this.oldHead;
        if (flow === -1) return -1;
      }
      if (this.deficit[flow]! <= 0) {
        this.deficit[flow] = this.deficit[flow]! + this.quantum;
        this.popFront(fromNew);
        this.pushOld(flow);
        continue;
      }
      const slot = this.codelDequeue(flow, now);
      if (slot === -1) {
        // force a pass through old_flows to prevent starvation
        this.popFront(fromNew);
        if (fromNew && this.oldHead !== -1) this.pushOld(flow);
        else this.listOf[flow] = NO_LIST;
        continue;
      }
      const len = this.pool.len[slot]!;
      this.deficit[flow] = this.deficit[flow]! - len;
      this.stats.dequeued++;
      this.stats.dequeuedBytes += len;
      this.sojourn.record(now - this.enqTime[slot]!);
      return slot;
    }
  }

  peekReadyTime(now: number): number {
    return this.qlen > 0 ? now : Infinity;
  }

  /** dequeue_func(): takes the head of a flow queue, or -1. */
  private dequeueHead(flow: number): number {
    const slot = this.head[flow]!;
    if (slot === -1) return -1;
    this.head[flow] = this.next[slot]!;
    if (this.head[flow] === -1) this.tail[flow] = -1;
    const len = this.pool.len[slot]!;
    this.backlogs[flow] = this.backlogs[flow]! - len;
    this.memoryUsage -= this.truesize(len);
    this.qlen--;
    this.bytes -= len;
    return slot;
  }

  private shouldDrop(flow: number, slot: number, now: number): boolean {
    if (slot === -1) {
      this.cvars.firstAboveTime[flow] = 0;
      return false;
    }
    const len = this.pool.len[slot]!;
    if (len > this.maxPacket) this.maxPacket = len;
    return codelShouldDrop(this.cvars, flow, this.params, now - this.enqTime[slot]!, this.bytes, now);
  }

  private dropPacket(slot: number): void {
    this.stats.countDrop(DropReason.QDISC_CODEL);
    this.drops.push(slot, DropReason.QDISC_CODEL);
  }

  // models codel_dequeue() (include/net/codel_impl.h) for one flow
  private codelDequeue(flow: number, now: number): number {
    const v = this.cvars;
    const p = this.params;
    let slot = this.dequeueHead(flow);
    if (slot === -1) {
      v.dropping[flow] = 0;
      return -1;
    }
    let drop = this.shouldDrop(flow, slot, now);
    if (v.dropping[flow]) {
      if (!drop) {
        // sojourn time below target - leave dropping state
        v.dropping[flow] = 0;
      } else if (now >= v.dropNext[flow]!) {
        // Time for the next drop(s): a large backlog may call for several now.
        while (v.dropping[flow] && now >= v.dropNext[flow]!) {
          v.count[flow] = (v.count[flow]! + 1) >>> 0;
          v.recInvSqrt[flow] = codelNewtonStep(v.count[flow]!, v.recInvSqrt[flow]!);
          if (p.ecn && inetEcnSetCe(this.pool, slot)) {
            this.stats.ecnMarks++;
            v.dropNext[flow] = codelControlLaw(v.dropNext[flow]!, p.interval, v.recInvSqrt[flow]!);
            return slot;
          }
          this.dropPacket(slot);
          slot = this.dequeueHead(flow);
          if (!this.shouldDrop(flow, slot, now)) {
            v.dropping[flow] = 0; // leave dropping state
          } else {
            v.dropNext[flow] = codelControlLaw(v.dropNext[flow]!, p.interval, v.recInvSqrt[flow]!);
          }
        }
      }
    } else if (drop) {
      if (p.ecn && inetEcnSetCe(this.pool, slot)) {
        this.stats.ecnMarks++;
      } else {
        this.dropPacket(slot);
        slot = this.dequeueHead(flow);
        drop = this.shouldDrop(flow, slot, now);
      }
      v.dropping[flow] = 1;
      // If min went above target close to when we last went below it, assume the drop rate
      // that controlled the queue on the last cycle is a good starting point.
      const delta = (v.count[flow]! - v.lastcount[flow]!) >>> 0;
      if (delta > 1 && now - v.dropNext[flow]! < 16 * p.interval) {
        v.count[flow] = delta;
        v.recInvSqrt[flow] = codelNewtonStep(delta, v.recInvSqrt[flow]!);
      } else {
        v.count[flow] = 1;
        v.recInvSqrt[flow] = REC_INV_SQRT_ONE;
      }
      v.lastcount[flow] = v.count[flow]!;
      v.dropNext[flow] = codelControlLaw(now, p.interval, v.recInvSqrt[flow]!);
    }
    return slot;
  }

  private pushNew(flow: number): void {
    this.listOf[flow] = NEW_LIST;
    this.chain[flow] = -1;
    if (this.newTail === -1) this.newHead = flow;
    else this.chain[this.newTail] = flow;
    this.newTail = flow;
  }

  private pushOld(flow: number): void {
    this.listOf[flow] = OLD_LIST;
    this.chain[flow] = -1;
    if (this.oldTail === -1) this.oldHead = flow;
    else this.chain[this.oldTail] = flow;
    this.oldTail = flow;
  }

  private popFront(fromNew: boolean): void {
    if (fromNew) {
      const f = this.newHead;
      this.newHead = this.chain[f]!;
      if (this.newHead === -1) this.newTail = -1;
    } else {
      const f = this.oldHead;
      this.oldHead = this.chain[f]!;
      if (this.oldHead === -1) this.oldTail = -1;
    }
  }

  private countList(head: number): number {
    let n = 0;
    for (let f = head; f !== -1; f = this.chain[f]!) n++;
    return n;
  }
}
