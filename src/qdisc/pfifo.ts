import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { DelayHistogram } from './histogram.ts';
import { DropList, QdiscStats } from './types.ts';
import type { Qdisc } from './types.ts';

export interface PfifoOptions {
  /** Packet limit (default 1000: the device's txqueuelen, as fifo_init() takes it). */
  limit?: number;
}

/**
 * pfifo: one FIFO with a packet limit and tail drop (sch_fifo.c, pfifo_enqueue()): a packet that
 * arrives while `limit` packets wait is dropped (QDISC_DROP); nothing else is ever dropped.
 * The queue is a circular buffer of slot indices sized to the limit.
 */
export class Pfifo implements Qdisc {
  readonly kind = 'pfifo';
  readonly limit: number;
  readonly stats = new QdiscStats();
  readonly sojourn = new DelayHistogram();
  readonly drops = new DropList(16);
  private readonly pool: PacketPool;
  private readonly ring: Int32Array;
  private readonly enqTime: Float64Array;
  private head = 0;
  private qlen = 0;
  private bytes = 0;

  constructor(pool: PacketPool, opts: PfifoOptions = {}) {
    const limit = opts.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pfifo limit must be a positive integer, got ${limit}`);
    this.pool = pool;
    this.limit = limit;
    this.ring = new Int32Array(limit);
    this.enqTime = new Float64Array(limit);
  }

  get backlogPackets(): number {
    return this.qlen;
  }

  get backlogBytes(): number {
    return this.bytes;
  }

  // models pfifo_enqueue(): qdisc_enqueue_tail() below the limit, else qdisc_drop()
  enqueue(slot: number, _flowHash: number, now: number): number {
    if (this.qlen >= this.limit) {
      this.stats.countDrop(DropReason.QDISC_DROP);
      return DropReason.QDISC_DROP;
    }
    let tail = this.head + this.qlen;
    if (tail >= this.limit) tail -= this.limit;
    this.ring[tail] = slot;
    this.enqTime[tail] = now;
    this.qlen++;
    const len = this.pool.len[slot]!;
    this.bytes += len;
    this.stats.enqueued++;
    this.stats.enqueuedBytes += len;
    return 0;
  }

  // models qdisc_dequeue_head()
  dequeue(now: number): number {
    if (this.qlen === 0) return -1;
    const slot = this.ring[this.head]!;
    this.sojourn.record(now - this.enqTime[this.head]!);
    this.head++;
    if (this.head === this.limit) this.head = 0;
    this.qlen--;
    const len = this.pool.len[slot]!;
    this.bytes -= len;
    this.stats.dequeued++;
    this.stats.dequeuedBytes += len;
    return slot;
  }

  peekReadyTime(now: number): number {
    return this.qlen > 0 ? now : Infinity;
  }
}
