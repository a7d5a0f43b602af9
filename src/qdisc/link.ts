import type { PacketPool } from '../buffers/pool.ts';
import type { Qdisc } from './types.ts';

/** Ethernet framing the frame length in the pool does not include. */
export const ETH_FCS = 4;
/** 7-byte preamble + 1-byte SFD + 12-byte inter-frame gap. */
export const ETH_PREAMBLE_IFG = 20;
/** Shortest frame without FCS: the NIC pads shorter ones to 60 bytes (64 with FCS). */
export const ETH_MIN_FRAME = 60;

/**
 * Time a frame of `frameLen` bytes (as in the pool: MAC header, no FCS) occupies an Ethernet wire
 * of `speedMbps`: (max(len, 60) + 4 FCS + 20 preamble/SFD/IFG) × 8 / rate. 64-byte frames at 1 GbE
 * take 672 ns (1.488 Mpps); 1514-byte frames 12 304 ns.
 */
export function wireTimeNs(frameLen: number, speedMbps: number): number {
  const l = frameLen < ETH_MIN_FRAME ? ETH_MIN_FRAME : frameLen;
  return ((l + ETH_FCS + ETH_PREAMBLE_IFG) * 8000) / speedMbps;
}

/** Slots whose transmission finished, with the virtual time the last bit left (caller drains). */
export class TxDoneList {
  slots: Int32Array;
  times: Float64Array;
  count = 0;

  constructor(capacity = 64) {
    this.slots = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
  }

  push(slot: number, time: number): void {
    if (this.count === this.slots.length) {
      const s = new Int32Array(this.slots.length * 2);
      const t = new Float64Array(this.slots.length * 2);
      s.set(this.slots);
      t.set(this.times);
      this.slots = s;
      this.times = t;
    }
    this.slots[this.count] = slot;
    this.times[this.count] = time;
    this.count++;
  }

  clear(): void {
    this.count = 0;
  }
}

export interface LinkOptions {
  /** Line rate in Mbit/s (10, 100, 1000, 2500, 10000, …). */
  speedMbps: number;
  /**
   * Frames the driver's tx ring may hold, counting the one on the wire (default 1). This stands
   * in for the descriptor ring under BQL: the qdisc is dequeued (qdisc_restart() →
   * dev_hard_start_xmit()) whenever the ring has room, so with 1 the qdisc is served exactly
   * when the wire goes idle and all queueing — and all AQM — happens in the qdisc. A larger
   * value adds that many frames of FIFO delay below the qdisc, as a NIC ring without BQL does.
   */
  txRing?: number;
}

/**
 * An egress port: a qdisc feeding a wire that serialises one frame at a time at line rate.
 *
 * Event-driven on virtual time: `advance(now)` plays out everything up to `now` — it dequeues from
 * the qdisc at the exact virtual time the ring has room and the qdisc is ready
 * (peekReadyTime), so a shaper's release times and CoDel's sojourn times are the ones a real port
 * would see — and appends finished frames to `txDone`. `enqueue` advances to `now` first, so
 * callers only need `enqueue`, `advance` and `nextEventTime()` (when to come back).
 *
 * The caller drains `txDone` (frames sent: hand on or free) and `qdisc.drops` (free and count).
 */
export class Link {
  readonly qdisc: Qdisc;
  readonly speedMbps: number;
  readonly txRing: number;
  readonly txDone = new TxDoneList();
  /** Frames and bytes (pool length) transmitted; busy time of the wire, ns. */
  txPackets = 0;
  txBytes = 0;
  busyNs = 0;
  private readonly pool: PacketPool;
  private readonly ringSlots: Int32Array;
  private readonly ringFinish: Float64Array;
  private ringHead = 0;
  private ringCount = 0;
  /** Time the last frame in the ring finishes. */
  private lastFinish = 0;
  /** Virtual time processed so far. */
  private clock = 0;

  constructor(pool: PacketPool, qdisc: Qdisc, opts: LinkOptions) {
    if (!(opts.speedMbps > 0) || !Number.isFinite(opts.speedMbps)) throw new RangeError(`link speed must be a positive number of Mbit/s, got ${opts.speedMbps}`);
    const ring = opts.txRing ?? 1;
    if (!Number.isInteger(ring) || ring < 1) throw new RangeError(`txRing must be a positive integer, got ${ring}`);
    this.pool = pool;
    this.qdisc = qdisc;
    this.speedMbps = opts.speedMbps;
    this.txRing = ring;
    this.ringSlots = new Int32Array(ring);
    this.ringFinish = new Float64Array(ring);
  }

  wireTimeNs(frameLen: number): number {
    return wireTimeNs(frameLen, this.speedMbps);
  }

  /** Frames dequeued from the qdisc and not yet fully transmitted. */
  get inFlight(): number {
    return this.ringCount;
  }

  /** Offers a packet to the port's qdisc at `now` (after playing out events up to `now`). */
  enqueue(slot: number, flowHash: number, now: number): number {
    this.advance(now);
    const r = this.qdisc.enqueue(slot, flowHash, now);
    this.advance(now); // an idle wire starts on the new packet at once
    return r;
  }

  /** Plays out transmissions and qdisc dequeues up to virtual time `now`. */
  advance(now: number): void {
    if (now < this.clock) now = this.clock;
    for (;;) {
      // fill the ring while it has room and the qdisc has a packet ready by `now`
      while (this.ringCount < this.txRing) {
        const ready = this.qdisc.peekReadyTime(this.clock);
        if (ready > now) break;
        const slot = this.qdisc.dequeue(ready);
        if (ready > this.clock) this.clock = ready;
        if (slot === -1) {
          // AQM dropped what was there; stop if the qdisc would answer the same again
          if (this.qdisc.peekReadyTime(this.clock) <= this.clock && this.qdisc.backlogPackets > 0) return this.stall(now);
          continue;
        }
        const start = this.lastFinish > ready ? this.lastFinish : ready;
        const wire = wireTimeNs(this.pool.len[slot]!, this.speedMbps);
        const finish = start + wire;
        this.busyNs += wire;
        let tail = this.ringHead + this.ringCount;
        if (tail >= this.txRing) tail -= this.txRing;
        this.ringSlots[tail] = slot;
        this.ringFinish[tail] = finish;
        this.ringCount++;
        this.lastFinish = finish;
      }
      if (this.ringCount === 0) break;
      const finish = this.ringFinish[this.ringHead]!;
      if (finish > now) break;
      const slot = this.ringSlots[this.ringHead]!;
      this.ringHead++;
      if (this.ringHead === this.txRing) this.ringHead = 0;
      this.ringCount--;
      this.txPackets++;
      this.txBytes += this.pool.len[slot]!;
      this.txDone.push(slot, finish);
      if (finish > this.clock) this.clock = finish;
    }
    this.clock = now;
  }

  /** Next virtual time at which `advance` has something to do (+Infinity when idle and empty). */
  nextEventTime(): number {
    let t = Infinity;
    if (this.ringCount > 0) t = this.ringFinish[this.ringHead]!;
    if (this.ringCount < this.txRing) {
      const r = this.qdisc.peekReadyTime(this.clock);
      if (r < t) t = r;
    }
    return t;
  }

  private stall(now: number): void {
    // A qdisc that claims readiness but yields nothing would spin; treat it as idle until `now`.
    this.clock = now;
  }
}
