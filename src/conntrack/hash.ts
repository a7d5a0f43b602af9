/**
 * Keyed tuple hashing and the seeded PRNG conntrack and NAT use.
 *
 * The kernel hashes the tuple with siphash keyed by a random per-boot secret
 * (hash_conntrack_raw, nf_conntrack_hash_rnd). flowsim uses a murmur3-style mix over the 10 tuple
 * words with a per-run seed: not bit-exact with the kernel, but equally unpredictable to traffic and
 * deterministic for a given seed, which is what the simulation needs.
 */
import {
  TUPLE_WORDS as IMPORTED_TUPLE_WORDS,
} from '../wire/tuple.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const TUPLE_WORDS = IMPORTED_TUPLE_WORDS;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** One murmur3 round (also the flowtable's key hash, flowtable/table.ts). */
export function mix(h: number, w: number): number {
  let k = Math.imul(w, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  return fmix32(h) >>> 0;
}

/**
 * The murmur3 finaliser as a signed 32-bit value: a function that returns a uint32 above 2^31
 * boxes it as a heap number when it is not inlined, one allocation per packet for a tuple hash.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * 32-bit keyed hash (as a signed int32) of the tuple at `t[off…]` (murmur3 body + finaliser): all 10 words for IPv6,
 * the 4 meaningful words for IPv4.
 */
export function hashTuple(t: Uint32Array, off: number, seed: number): number {
  const proto = t[off + 9]!;
  let h = seed | 0;
  if (proto >>> 8 === 4) {
    // IPv4: words 1–3 and 5–7 are zero by the tuple layout; skipping them changes nothing but speed.
    h = mix(h, t[off]!);
    h = mix(h, t[off + 4]!);
    h = mix(h, t[off + 8]!);
    h = mix(h, proto);
    return fmix32(h ^ 16);
  }
  h = mix(h, t[off]!);
  h = mix(h, t[off + 1]!);
  h = mix(h, t[off + 2]!);
  h = mix(h, t[off + 3]!);
  h = mix(h, t[off + 4]!);
  h = mix(h, t[off + 5]!);
  h = mix(h, t[off + 6]!);
  h = mix(h, t[off + 7]!);
  h = mix(h, t[off + 8]!);
  h = mix(h, t[off + 9]!);
  return fmix32(h ^ (TUPLE_WORDS * 4));
}

/** Keyed hash of `n` words (used where the kernel uses jhash2 over an address). */
export function hashWords(t: Uint32Array, off: number, n: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < n; i++) h = mix(h, t[off + i]!);
  return fmix(h ^ (n * 4));
}

/**
 * reciprocal_scale(val, ep_ro) = (u32)(((u64)val * ep_ro) >> 32): maps a 32-bit hash into
 * [0, ep_ro). Computed exactly in float64 by splitting `val` into 16-bit halves.
 */
export function reciprocalScale(val: number, epRo: number): number {
  const a = (val >>> 16) * epRo; // < 2^48, exact
  const b = (val & 0xffff) * epRo; // < 2^48, exact
  const aHi = Math.floor(a / 65536);
  const aLo = a - aHi * 65536;
  return aHi + Math.floor((aLo * 65536 + b) / 4294967296);
}

/** Small seeded PRNG (mulberry32); stands in for the kernel's get_random_u16()/get_random_u32(). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniformly distributed uint32. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  nextU16(): number {
    return this.nextU32() >>> 16;
  }
}
