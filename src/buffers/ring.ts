/**
 * A power-of-two ring of packet slot indices with burst enqueue/dequeue (DPDK's rte_ring, a NIC
 * descriptor ring). Head and tail are free-running uint32 counters kept in an Int32Array so the ring
 * can live in a SharedArrayBuffer; with one producer and one consumer the counters are published
 * with Atomics so a worker thread may sit on either end.
 *
 * A full ring never loses a slot silently: enqueue returns how many it took and counts the rest in
 * `dropped`; the caller owns the refused slots (frees them with a drop reason).
 */
const HEAD = 0; // next index to write (producer)
const TAIL = 1; // next index to read (consumer)
const DROPPED = 2;

export class Ring {
  readonly size: number;
  private readonly mask: number;
  readonly slots: Int32Array;
  /** [head, tail, dropped] */
  readonly ctl: Int32Array;

  constructor(size: number, shared = false) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0 || size > 1 << 30) {
      throw new RangeError(`ring size must be a power of two between 2 and 2^30, got ${size}`);
    }
    this.size = size;
    this.mask = size - 1;
    const mk = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.slots = new Int32Array(mk(size * 4));
    this.ctl = new Int32Array(mk(3 * 4));
  }

  get count(): number {
    return (Atomics.load(this.ctl, HEAD) - Atomics.load(this.ctl, TAIL)) >>> 0;
  }

  get free(): number {
    return this.size - this.count;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get isFull(): boolean {
    return this.count === this.size;
  }

  /** Slots refused because the ring was full. */
  get dropped(): number {
    return this.ctl[DROPPED]! >>> 0;
  }

  /** Enqueues one slot; false (and counted as dropped) when full. */
  enqueue(slot: number): boolean {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    if (((head - tail) >>> 0) === this.size) {
      this.ctl[DROPPED] = (this.ctl[DROPPED]! + 1) | 0;
      return false;
    }
    this.slots[head & this.mask] = slot;
    Atomics.store(this.ctl, HEAD, (head + 1) | 0);
    return true;
  }

  /**
   * Enqueues `src[from .. from+n)`; returns how many were taken (a prefix). The rest are counted as
   * dropped and stay the caller's to free.
   */
  enqueueBurst(src: Int32Array, from: number, n: number): number {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    const room = this.size - ((head - tail) >>> 0);
    const take = n < room ? n : room;
    for (let i = 0; i < take; i++) this.slots[(head + i) & this.mask] = src[from + i]!;
    Atomics.store(this.ctl, HEAD, (head + take) | 0);
    if (take < n) this.ctl[DROPPED] = (this.ctl[DROPPED]! + (n - take)) | 0;
    return take;
  }

  /** Dequeues one slot, or -1 when empty. */
  dequeue(): number {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    if (head === tail) return -1;
    const slot = this.slots[tail & this.mask]!;
    Atomics.store(this.ctl, TAIL, (tail + 1) | 0);
    return slot;
  }

  /** Dequeues up to `max` slots into `dst[from..]`; returns how many. */
  dequeueBurst(dst: Int32Array, from: number, max: number): number {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    const avail = (head - tail) >>> 0;
    const take = max < avail ? max : avail;
    for (let i = 0; i < take; i++) dst[from + i] = this.slots[(tail + i) & this.mask]!;
    Atomics.store(this.ctl, TAIL, (tail + take) | 0);
    return take;
  }

  /** Slot at position i from the tail without removing it, or -1. */
  peek(i = 0): number {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    if (i >= ((head - tail) >>> 0)) return -1;
    return this.slots[(tail + i) & this.mask]!;
  }
}
