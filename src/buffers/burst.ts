/**
 * A burst: a reusable vector of packet slot indices that a stage processes in one call, as a VPP
 * frame or a NAPI poll batch. Stages read `slots[0..n)`, and write survivors into an output burst.
 */
export const BURST_SIZE = 64;

export class Burst {
  readonly slots: Int32Array;
  n = 0;

  constructor(capacity = BURST_SIZE) {
    this.slots = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.slots.length;
  }

  get isFull(): boolean {
    return this.n === this.slots.length;
  }

  /** Appends a slot; the caller checks isFull first (a burst never grows). */
  push(slot: number): void {
    this.slots[this.n++] = slot;
  }

  clear(): void {
    this.n = 0;
  }
}
