import { DROP_REASON_COUNT } from '../wire/drop-reasons.ts';
import type { DelayHistogram } from './histogram.ts';

/**
 * What every egress queueing discipline offers the port that owns it (the kernel's
 * `struct Qdisc_ops`: enqueue, dequeue, peek).
 *
 * Packets are PacketPool slot indices. A qdisc links them in its own typed arrays and reads only
 * `pool.len[slot]` (and, to ECN-mark, the IP header); it never allocates per packet.
 *
 * Drops. `enqueue` returns 0 when the arriving slot is now held by the qdisc, or the DropReason
 * code it was refused with: the caller frees that slot and counts it. Any OTHER slot the qdisc
 * gives up — fq_codel_drop() evicting up to 64 packets from the fattest flow on enqueue, CoDel or
 * COBALT head drops during dequeue, cake_drop() on buffer overflow — is appended to `drops`, the
 * qdisc's victim list (the brief's `lastDropped`, generalised to a batch). The caller drains it after
 * each call: free every `drops.slots[i]`, count `drops.reasons[i]`, then `drops.clear()`. The
 * list is never cleared by the qdisc, so a forgotten drain delays frees but never loses a slot.
 */
export interface Qdisc {
  /** tc's name for the discipline ("pfifo", "fq_codel", "htb", "cake"). */
  readonly kind: string;
  /** 0 when queued; otherwise a DropReason code and the slot stays the caller's to free. */
  enqueue(slot: number, flowHash: number, now: number): number;
  /** Next slot to put on the wire at virtual time `now` (ns), or -1 (empty or throttled). */
  dequeue(now: number): number;
  /**
   * Earliest virtual time ≥ now at which `dequeue` may return a packet: `now` for a work-
   * conserving qdisc with backlog, the shaper's release time for HTB/cake, +Infinity when empty.
   * It is a lower bound: AQM may still drop everything when dequeue runs, returning -1.
   */
  peekReadyTime(now: number): number;
  readonly backlogPackets: number;
  readonly backlogBytes: number;
  readonly stats: QdiscStats;
  /** Sojourn time (enqueue → dequeue, ns) of every packet dequeued. */
  readonly sojourn: DelayHistogram;
  /** Victims other than the arriving slot; see above. */
  readonly drops: DropList;
}

/** Counters as `tc -s qdisc show` prints them (gnet_stats_basic + gnet_stats_queue + xstats). */
export class QdiscStats {
  /** Packets accepted by enqueue. */
  enqueued = 0;
  enqueuedBytes = 0;
  /** Packets handed out by dequeue (qdisc_bstats_update). */
  dequeued = 0;
  dequeuedBytes = 0;
  /** All drops, any reason (qstats.drops). */
  drops = 0;
  /** Drops per DropReason code. */
  readonly dropsByReason = new Float64Array(DROP_REASON_COUNT);
  /** Times the shaper held back a backlog because its rate was used up (qstats.overlimits). */
  overlimits = 0;
  /** Packets CE-marked instead of dropped (codel ecn_mark / cake ECN_MARKED_PACKETS). */
  ecnMarks = 0;

  countDrop(reason: number, n = 1): void {
    this.drops += n;
    this.dropsByReason[reason] = this.dropsByReason[reason]! + n;
  }

  dropsFor(reason: number): number {
    return this.dropsByReason[reason] ?? 0;
  }
}

/**
 * Slots a qdisc dropped on its own initiative, with their reasons, in drop order. Grows by
 * doubling (rarely: its size is kept), so filling it allocates nothing in the steady state.
 */
export class DropList {
  slots: Int32Array;
  reasons: Uint16Array;
  count = 0;

  constructor(capacity = 256) {
    this.slots = new Int32Array(capacity);
    this.reasons = new Uint16Array(capacity);
  }

  push(slot: number, reason: number): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[this.count] = slot;
    this.reasons[this.count] = reason;
    this.count++;
  }

  /** The most recent victim, or -1. */
  get lastDropped(): number {
    return this.count === 0 ? -1 : this.slots[this.count - 1]!;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const reasons = new Uint16Array(this.slots.length * 2);
    slots.set(this.slots);
    reasons.set(this.reasons);
    this.slots = slots;
    this.reasons = reasons;
  }
}

/** `reciprocal_scale(val, ep_ro)`: maps a 32-bit hash onto [0, n) as the kernel does (no modulo). */
export function reciprocalScale(hash: number, n: number): number {
  // (u64)(hash >>> 0) * n >> 32, exact in float64 while n < 2^21.
  return Math.floor(((hash >>> 0) * n) / 4294967296);
}
