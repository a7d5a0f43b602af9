/**
 * COBALT, cake's AQM (sch_cake.c): CoDel's drop scheduler and BLUE's drop probability run side
 * by side per flow. Struct-of-arrays state for `n` flows; time is virtual ns.
 *
 * Fixed point as the kernel: rec_inv_sqrt is a u32 Q0.32 (not CoDel's u16), counts below 16 take
 * it from a cache built with four Newton steps each (cobalt_cache_init()), larger counts step once
 * (cobalt_newton_step(), computed exactly with 16-bit partial products). BLUE's p_drop is a u32
 * probability compared against a u32 from the caller's seeded PRNG.
 */
export const COBALT_P_INC = 1 << 24; // 1/256
export const COBALT_P_DEC = 1 << 20; // 1/4096
const TWO32 = 4294967296;

/** floor(a·b / 2^32) for u32 a, b, exact. */
function mulhi32(a: number, b: number): number {
  const ah = Math.floor(a / 65536);
  const al = a & 0xffff;
  const bh = Math.floor(b / 65536);
  const bl = b & 0xffff;
  const mid = ah * bl + al * bh; // < 2^33
  return ah * bh + Math.floor((mid * 65536 + al * bl) / TWO32);
}

/** cobalt_newton_step(): (inv/2)·(3 − count·inv²) in Q0.32. */
export function cobaltNewtonStep(count: number, invsqrt: number): number {
  const invsqrt2 = mulhi32(invsqrt, invsqrt);
  const prod = count * invsqrt2;
  const three = 3 * TWO32;
  if (prod > three) {
    // the kernel's u64 would wrap here; take the exact value instead (see codel.ts)
    return count <= 1 ? 0xffffffff : Math.min(0xffffffff, Math.floor(TWO32 / Math.sqrt(count)));
  }
  const val = Math.floor((three - prod) / 4); // < 2^32
  // (val * invsqrt) >> 31 = 2·hi + top bit of lo
  const hi = mulhi32(val, invsqrt);
  const lo = (val * (invsqrt & 0xffff) + ((val * Math.floor(invsqrt / 65536)) % 65536) * 65536) % TWO32;
  return (hi * 2 + (lo >= 2147483648 ? 1 : 0)) >>> 0;
}

const REC_INV_SQRT_CACHE = 16;
const recInvSqrtCache = new Float64Array(REC_INV_SQRT_CACHE);
{
  // cobalt_cache_init()
  let r = 0xffffffff;
  recInvSqrtCache[0] = r;
  for (let count = 1; count < REC_INV_SQRT_CACHE; count++) {
    for (let k = 0; k < 4; k++) r = cobaltNewtonStep(count, r);
    recInvSqrtCache[count] = r;
  }
  recInvSqrtCache[0] = 0xffffffff;
}

/** cobalt_invsqrt() */
export function cobaltInvsqrt(count: number, current: number): number {
  return count < REC_INV_SQRT_CACHE ? recInvSqrtCache[count]! : cobaltNewtonStep(count, current);
}

/** cobalt_control(): t + interval·rec_inv_sqrt / 2^32. */
export function cobaltControl(t: number, interval: number, recInvSqrt: number): number {
  return t + Math.floor(interval * (recInvSqrt / TWO32));
}

export interface CobaltParams {
  interval: number;
  target: number;
  /** Serialisation time of an MTU-sized packet at the shaped rate, ns. */
  mtuTime: number;
  pInc: number;
  pDec: number;
}

export class CobaltVars {
  readonly count: Uint32Array;
  readonly recInvSqrt: Float64Array;
  readonly dropNext: Float64Array;
  readonly blueTimer: Float64Array;
  readonly pDrop: Float64Array;
  readonly dropping: Uint8Array;
  readonly ecnMarked: Uint8Array;

  constructor(n: number) {
    this.count = new Uint32Array(n);
    this.recInvSqrt = new Float64Array(n);
    this.dropNext = new Float64Array(n);
    this.blueTimer = new Float64Array(n);
    this.pDrop = new Float64Array(n);
    this.dropping = new Uint8Array(n);
    this.ecnMarked = new Uint8Array(n);
  }

  /**
   * cobalt_queue_full(): the flow overflowed the buffer. Raises BLUE's p_drop (at most once per
   * target) and arms CoDel. Returns true when BLUE went from quiescent to active.
   */
  queueFull(i: number, p: CobaltParams, now: number): boolean {
    let up = false;
    if (now - this.blueTimer[i]! > p.target) {
      up = this.pDrop[i] === 0;
      let pd = this.pDrop[i]! + p.pInc;
      if (pd > 0xffffffff) pd = 0xffffffff; // saturate (the kernel's wrap check)
      this.pDrop[i] = pd;
      this.blueTimer[i] = now;
    }
    this.dropping[i] = 1;
    this.dropNext[i] = now;
    if (this.count[i] === 0) this.count[i] = 1;
    return up;
  }

  /**
   * cobalt_queue_empty(): the flow was serviced but empty. Decays BLUE and CoDel's count. Returns
   * true when BLUE went from active to quiescent.
   */
  queueEmpty(i: number, p: CobaltParams, now: number): boolean {
    let down = false;
    if (this.pDrop[i] !== 0 && now - this.blueTimer[i]! > p.target) {
      if (this.pDrop[i]! < p.pDec) this.pDrop[i] = 0;
      else this.pDrop[i] = this.pDrop[i]! - p.pDec;
      this.blueTimer[i] = now;
      down = this.pDrop[i] === 0;
    }
    this.dropping[i] = 0;
    if (this.count[i] !== 0 && now - this.dropNext[i]! >= 0) {
      this.count[i] = this.count[i]! - 1;
      this.recInvSqrt[i] = cobaltInvsqrt(this.count[i]!, this.recInvSqrt[i]!);
      this.dropNext[i] = cobaltControl(this.dropNext[i]!, p.interval, this.recInvSqrt[i]!);
    }
    return down;
  }
}
