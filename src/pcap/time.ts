/**
 * Timestamp arithmetic without BigInt (BigInt allocates per value).
 *
 * A pcapng timestamp is one 64-bit count of `if_tsresol` units (hi and lo 32-bit words). At
 * nanosecond resolution today's count is ~1.8e18, beyond float64's exact 2^53, so it is divided
 * by long division over hi and the two 16-bit halves of lo: every intermediate value stays below
 * 2^53 as long as the divisor is below 2^37.
 */

/** Resolution kinds of if_tsresol: MSB clear = 10^-n s, MSB set = 2^-n s. */
export const RES_POW10 = 0;
export const RES_POW2 = 1;

/** 10^0 .. 10^22, all exact in float64 (a lookup instead of Math.pow per packet). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The quotient of the last divide(), as a number (exact below 2^53) and as hi/lo 32-bit words. */
let quotient = 0;
let quotientHi = 0;
let quotientLo = 0;

/**
 * Divides hi * 2^32 + lo by d (< 2^37) by long division over hi and the two 16-bit halves of lo,
 * so each step's dividend stays below 2^53. Sets `quotient` (exact below 2^53) and returns the
 * remainder.
 */
function divide(hi: number, lo: number, d: number): number {
  const q0 = Math.floor(hi / d);
  let r = hi - q0 * d;
  let cur = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(cur / d);
  r = cur - q1 * d;
  cur = r * 65536 + (lo & 0xffff);
  const q2 = Math.floor(cur / d);
  quotientHi = q0;
  quotientLo = q1 * 65536 + q2; // q1, q2 < 65536 since each dividend is < d * 65536
  quotient = q0 * 4294967296 + quotientLo;
  return cur - q2 * d;
}

/**
 * Converts a 64-bit count of units (hi, lo) at resolution (kind, n) into whole seconds
 * (out[0]) and nanoseconds within the second (out[1]), truncating sub-nanosecond parts.
 * Exact for 10^-n with n <= 19 and 2^-n with n <= 32 (whole seconds exact below 2^53 s);
 * finer power-of-two resolutions may be 1 ns off.
 */
export function unitsToSecNs(hi: number, lo: number, kind: number, n: number, out: Float64Array): void {
  if (kind === RES_POW10) {
    if (n <= 9) {
      const r = divide(hi, lo, POW10[n]!);
      out[0] = quotient;
      out[1] = r * POW10[9 - n]!;
    } else if (n <= 19) {
      // to whole nanoseconds first (the sub-ns remainder is dropped), then to seconds
      divide(hi, lo, POW10[n - 9]!);
      const r = divide(quotientHi, quotientLo, 1e9);
      out[0] = quotient;
      out[1] = r;
    } else {
      // 10^-20 s or finer: the whole 64-bit range is under 0.2 s.
      out[0] = 0;
      out[1] = Math.floor((hi * 4294967296 + lo) / 10 ** (n - 9));
    }
    return;
  }
  let sec: number;
  let frac: number;
  if (n === 0) {
    sec = hi * 4294967296 + lo;
    frac = 0;
  } else if (n < 32) {
    sec = hi * 2 ** (32 - n) + (lo >>> n);
    frac = (lo & (2 ** n - 1)) >>> 0;
  } else if (n < 64) {
    sec = hi >>> (n - 32);
    frac = (hi & ((2 ** (n - 32) - 1) >>> 0)) * 4294967296 + lo;
  } else {
    sec = 0;
    frac = hi * 4294967296 + lo;
  }
  out[0] = sec;
  if (n <= 9) out[1] = Math.floor((frac * 1e9) / 2 ** n);
  else if (n <= 32) out[1] = Math.floor((frac * 1953125) / 2 ** (n - 9)); // 1e9 = 2^9 * 1953125
  else out[1] = Math.min(999999999, Math.floor((frac / 2 ** n) * 1e9));
}

/**
 * Splits sec * 1e9 + nsec (sec < 2^34, nsec < 1e9) into hi and lo 32-bit words (out[0], out[1]),
 * exactly, for a nanosecond-resolution pcapng timestamp.
 */
export function secNsToUnits(sec: number, nsec: number, out: Float64Array): void {
  const sl = sec % 65536;
  const sh = (sec - sl) / 65536;
  const a = sl * 1e9 + nsec; // < 2^47
  const b = sh * 1e9; // < 2^48
  const bLo = b % 65536;
  const bHi = (b - bLo) / 65536;
  const c = bLo * 65536 + a; // < 2^48
  const cLo = c % 4294967296;
  out[0] = bHi + (c - cLo) / 4294967296;
  out[1] = cLo;
}
