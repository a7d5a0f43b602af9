/**
 * The simulator's agenda: a binary min-heap of (time, kind, arg) events. Ties in time are broken by
 * insertion order (a sequence number), so runs are deterministic and events scheduled for the same
 * instant run first-in first-out.
 *
 * Each entry is three float64 words side by side — time, sequence, kind·2^32 + arg — so a sift
 * step touches one cache line instead of four parallel arrays. Nothing is allocated per event; the
 * heap grows by doubling when full (amortised, outside the steady state).
 */
const W = 3;
const TWO32 = 4294967296;

export class EventQueue {
  private h: Float64Array;
  private n = 0;
  private nextSeq = 0;
  private lastKind = 0;

  constructor(capacity = 1024) {
    this.h = new Float64Array(capacity * W);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or +Infinity. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.h[0]!;
  }

  /** Kind of the earliest event. */
  peekKind(): number {
    return Math.floor(this.h[2]! / TWO32);
  }

  /** Kind of the event the last `pop` returned. */
  get poppedKind(): number {
    return this.lastKind;
  }

  /** Schedules an event; `kind` is a small integer, `arg` an int32. */
  push(time: number, kind: number, arg: number): void {
    if ((this.n + 1) * W > this.h.length) this.grow();
    const h = this.h;
    let i = this.n++;
    const s = this.nextSeq++;
    const ka = kind * TWO32 + (arg >>> 0);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = h[p * W]!;
      if (pt < time || (pt === time && h[p * W + 1]! < s)) break;
      h[i * W] = pt;
      h[i * W + 1] = h[p * W + 1]!;
      h[i * W + 2] = h[p * W + 2]!;
      i = p;
    }
    h[i * W] = time;
    h[i * W + 1] = s;
    h[i * W + 2] = ka;
  }

  /** Removes the earliest event and returns its arg (its kind is `poppedKind`). */
  pop(): number {
    const h = this.h;
    const ka0 = h[2]!;
    const kind = Math.floor(ka0 / TWO32);
    this.lastKind = kind;
    const arg = (ka0 - kind * TWO32) | 0;
    const last = --this.n;
    if (last > 0) {
      const t = h[last * W]!;
      const s = h[last * W + 1]!;
      const ka = h[last * W + 2]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (r < last) {
          const rt = h[r * W]!, lt = h[l * W]!;
          if (rt < lt || (rt === lt && h[r * W + 1]! < h[l * W + 1]!)) c = r;
        }
        const ct = h[c * W]!;
        if (t < ct || (t === ct && s < h[c * W + 1]!)) break;
        h[i * W] = ct;
        h[i * W + 1] = h[c * W + 1]!;
        h[i * W + 2] = h[c * W + 2]!;
        i = c;
      }
      h[i * W] = t;
      h[i * W + 1] = s;
      h[i * W + 2] = ka;
    }
    return arg;
  }

  private grow(): void {
    const bigger = new Float64Array(this.h.length * 2);
    bigger.set(this.h);
    this.h = bigger;
  }
}
