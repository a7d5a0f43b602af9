/**
 * CoDel state and arithmetic shared by fq_codel (include/net/codel.h, codel_impl.h).
 *
 * Time is the simulator's virtual ns as a float64, not the kernel's 1024-ns `codel_time_t`
 * (so target 5 ms is exactly 5 000 000 ns, not 4 882 × 1024), and never wraps.
 *
 * The drop schedule uses the kernel's fixed-point arithmetic, not a float sqrt: `rec_inv_sqrt`
 * is a u16 holding 1/sqrt(count) in Q0.16, refined by one Newton step per count change
 * (codel_Newton_step()), and the control law is `t + reciprocal_scale(interval, rec_inv_sqrt<<16)`
 * (codel_control_law()). Every intermediate value stays below 2^53, so the float64 computation is
 * bit-exact with the kernel's u64 one — except when count·invsqrt² would exceed 3·2^32 (the
 * kernel's u64 wraps there, after `count = delta` jumps); we then take the exact 1/sqrt(count)
 * instead of emulating the wrap.
 */
export const REC_INV_SQRT_ONE = 0xffff; // ~0U >> REC_INV_SQRT_SHIFT

/** codel_Newton_step(): new = (inv/2)·(3 − count·inv²), in the kernel's fixed point. */
export function codelNewtonStep(count: number, recInvSqrt: number): number {
  const r = recInvSqrt;
  const invsqrt2 = r * r; // ((r<<16)^2) >> 32
  const prod = count * invsqrt2;
  const three = 3 * 4294967296;
  if (prod > three) return exactRecInvSqrt(count);
  const val = Math.floor((three - prod) / 4); // val >>= 2
  // (val * (r<<16)) >> 31, then >> REC_INV_SQRT_SHIFT (16); val·r < 2^48 stays exact.
  const q032 = Math.floor((val * r) / 32768);
  return Math.floor(q032 / 65536) & 0xffff;
}

function exactRecInvSqrt(count: number): number {
  if (count <= 1) return REC_INV_SQRT_ONE;
  return Math.min(REC_INV_SQRT_ONE, Math.floor(65536 / Math.sqrt(count)));
}

/** codel_control_law(): t + interval/sqrt(count) via the reciprocal. */
export function codelControlLaw(t: number, interval: number, recInvSqrt: number): number {
  return t + Math.floor((interval * recInvSqrt) / 65536);
}

export interface CodelParams {
  /** Acceptable standing queue delay, ns (default 5 ms). */
  target: number;
  /** Sliding window and first-drop delay, ns (default 100 ms). */
  interval: number;
  /** Below this backlog in bytes CoDel never drops (`params->mtu` = psched_mtu(dev), 1514). */
  mtu: number;
  /** Mark ECT packets CE instead of dropping them (fq_codel's default: on). */
  ecn: boolean;
}

/** struct codel_vars for `n` queues, struct-of-arrays. */
export class CodelVars {
  readonly count: Uint32Array;
  readonly lastcount: Uint32Array;
  readonly dropping: Uint8Array;
  readonly recInvSqrt: Uint16Array;
  /** 0 = not above target (as the kernel's first_above_time == 0). */
  readonly firstAboveTime: Float64Array;
  readonly dropNext: Float64Array;
  readonly ldelay: Float64Array;

  constructor(n: number) {
    this.count = new Uint32Array(n);
    this.lastcount = new Uint32Array(n);
    this.dropping = new Uint8Array(n);
    this.recInvSqrt = new Uint16Array(n);
    this.firstAboveTime = new Float64Array(n);
    this.dropNext = new Float64Array(n);
    this.ldelay = new Float64Array(n);
  }

  /** Adds to count (fq_codel_drop() "tells codel to increase its signal strength"); u32 wrap. */
  addCount(i: number, n: number): void {
    this.count[i] = (this.count[i]! + n) >>> 0;
  }

  reset(i: number): void {
    this.count[i] = 0;
    this.lastcount[i] = 0;
    this.dropping[i] = 0;
    this.recInvSqrt[i] = 0;
    this.firstAboveTime[i] = 0;
    this.dropNext[i] = 0;
    this.ldelay[i] = 0;
  }
}

/**
 * codel_should_drop() for queue `i`, given the dequeued packet's sojourn and the qdisc's backlog in
 * bytes after removing it. Updates first_above_time and ldelay.
 */
export function codelShouldDrop(v: CodelVars, i: number, p: CodelParams, sojourn: number, backlogBytes: number, now: number): boolean {
  v.ldelay[i] = sojourn;
  if (sojourn < p.target || backlogBytes <= p.mtu) {
    // went below - stay below for at least interval
    v.firstAboveTime[i] = 0;
    return false;
  }
  const fat = v.firstAboveTime[i]!;
  if (fat === 0) {
    // Virtual time may be 0 at start: keep the "unset" sentinel distinct from a real time.
    const t = now + p.interval;
    v.firstAboveTime[i] = t === 0 ? Number.MIN_VALUE : t;
    return false;
  }
  return now > fat;
}
