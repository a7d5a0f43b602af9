/**
 * Set back ends: exact-match hash sets and interval sets, keyed by fixed-width words.
 *
 * A key is `words` uint32 words (each concatenated field rounded up to 32-bit registers, as the
 * kernel lays concatenations out in nft_regs). Elements carry an expiry in virtual ns (Infinity
 * when they never expire) and, for maps, a data index into the owner's data table.
 *
 * - HashSet models nft_set_hash/nft_set_rhash: O(1) lookups, open addressing over typed arrays.
 * - IntervalSet models nft_set_rbtree (`flags interval` on one field): sorted ranges, binary search.
 * - RangeTupleSet covers concatenations with ranges (nft_set_pipapo) by a linear scan: correct but
 *   O(n) per lookup — pipapo's bit-parallel lookup is not modelled.
 */

/** Lookup interface shared by the back ends. */
export interface SetBackend {
  readonly words: number;
  /** Element index of the key at reg[off..off+words) alive at `now`, or -1. */
  lookup(reg: Uint32Array, off: number, now: number): number;
  /** Number of live-or-expired elements stored. */
  readonly count: number;
}

function hashWords(reg: Uint32Array, off: number, words: number): number {
  // Word-wise multiply-xorshift (a murmur3-style finaliser per word); deterministic, no seed needed
  // because set contents come from the ruleset, not from traffic.
  let h = 0x9e3779b9 ^ words;
  for (let i = 0; i < words; i++) {
    let k = Math.imul(reg[off + i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Exact-match set: open addressing, linear probing, power-of-two capacity. */
export class HashSet implements SetBackend {
  readonly words: number;
  /** Maximum elements (set `size`), Infinity when unbounded. */
  readonly maxElements: number;
  private mask: number;
  private keys: Uint32Array;
  /** Element index per bucket, -1 empty. */
  private bucket: Int32Array;
  /** Per element: expiry (ns) and the bucket that holds it. */
  expires: Float64Array;
  private elemBucket: Int32Array;
  count = 0;
  private deleted = 0;

  constructor(words: number, expected: number, maxElements = Infinity) {
    this.words = words;
    this.maxElements = maxElements;
    let cap = 8;
    while (cap < expected * 2) cap *= 2;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * words);
    this.bucket = new Int32Array(cap).fill(-1);
    this.expires = new Float64Array(Math.max(4, expected));
    this.elemBucket = new Int32Array(Math.max(4, expected));
  }

  private find(reg: Uint32Array, off: number): number {
    const w = this.words;
    let b = hashWords(reg, off, w) & this.mask;
    for (;;) {
      const e = this.bucket[b]!;
      if (e === -1) return -1;
      if (e >= 0) {
        const base = b * w;
        let i = 0;
        while (i < w && this.keys[base + i] === reg[off + i]) i++;
        if (i === w) return b;
      }
      b = (b + 1) & this.mask;
    }
  }

  lookup(reg: Uint32Array, off: number, now: number): number {
    const b = this.find(reg, off);
    if (b < 0) return -1;
    const e = this.bucket[b]!;
    return this.expires[e]! > now ? e : -1;
  }

  /**
   * Inserts or refreshes a key; returns the element index, or -1 when the set is full.
   * `refresh` false keeps an existing live element's expiry (nft `add`), true resets it (`update`).
   */
  insert(reg: Uint32Array, off: number, expires: number, now: number, refresh = true): number {
    const found = this.find(reg, off);
    if (found >= 0) {
      const e = this.bucket[found]!;
      if (refresh || this.expires[e]! <= now) this.expires[e] = expires;
      return e;
    }
    if (this.count - this.deleted >= this.maxElements) return -1;
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const e = this.count++;
    if (e >= this.expires.length) {
      const ex = new Float64Array(this.expires.length * 2);
      ex.set(this.expires);
      this.expires = ex;
      const eb = new Int32Array(this.elemBucket.length * 2);
      eb.set(this.elemBucket);
      this.elemBucket = eb;
    }
    this.place(reg, off, e);
    this.expires[e] = expires;
    return e;
  }

  /** Removes a key (nft `delete @set`); the element index stays allocated but never matches. */
  remove(reg: Uint32Array, off: number): boolean {
    const b = this.find(reg, off);
    if (b < 0) return false;
    const e = this.bucket[b]!;
    this.expires[e] = -Infinity;
    this.deleted++;
    return true;
  }

  private place(reg: Uint32Array, off: number, e: number): void {
    const w = this.words;
    let b = hashWords(reg, off, w) & this.mask;
    while (this.bucket[b] !== -1) b = (b + 1) & this.mask;
    this.bucket[b] = e;
    this.elemBucket[e] = b;
    for (let i = 0; i < w; i++) this.keys[b * w + i] = reg[off + i]!;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldBucket = this.bucket;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * this.words);
    this.bucket = new Int32Array(cap).fill(-1);
    for (let b = 0; b < oldBucket.length; b++) {
      const e = oldBucket[b]!;
      if (e >= 0) this.place(oldKeys, b * this.words, e);
    }
  }
}

/** Compares two unsigned multi-word keys, most significant word first: -1, 0 or 1. */
export function cmpWords(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number, w: number): number {
  for (let i = 0; i < w; i++) {
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** One-field interval set: sorted, non-overlapping [lo, hi] ranges; binary search per lookup. */
export class IntervalSet implements SetBackend {
  readonly words: number;
  readonly count: number;
  private readonly lo: Uint32Array;
  private readonly hi: Uint32Array;
  /** Element index per sorted range. */
  private readonly elem: Int32Array;
  readonly expires: Float64Array;

  /**
   * `ranges`: per element, lo and hi words. Throws a RangeError naming the first overlap (the
   * kernel refuses overlapping intervals with EEXIST unless auto-merge joins them).
   */
  constructor(words: number, ranges: readonly { lo: Uint32Array; hi: Uint32Array; expires: number }[]) {
    this.words = words;
    const order = ranges.map((_, i) => i).sort((a, b) => cmpWords(ranges[a]!.lo, 0, ranges[b]!.lo, 0, words));
    this.count = ranges.length;
    this.lo = new Uint32Array(ranges.length * words);
    this.hi = new Uint32Array(ranges.length * words);
    this.elem = new Int32Array(ranges.length);
    this.expires = new Float64Array(ranges.length);
    order.forEach((e, i) => {
      const r = ranges[e]!;
      this.lo.set(r.lo, i * words);
      this.hi.set(r.hi, i * words);
      this.elem[i] = e;
      this.expires[e] = r.expires;
      if (i > 0 && cmpWords(this.hi, (i - 1) * words, this.lo, i * words, words) >= 0) {
        throw new RangeError(`interval element ${e + 1} overlaps element ${this.elem[i - 1]! + 1}`);
      }
    });
  }

  lookup(reg: Uint32Array, off: number, now: number): number {
    const w = this.words;
    let lo = 0;
    let hi = this.count - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpWords(this.lo, mid * w, reg, off, w) <= 0) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0 || cmpWords(reg, off, this.hi, best * w, w) > 0) return -1;
    const e = this.elem[best]!;
    return this.expires[e]! > now ? e : -1;
  }
}

/** Concatenation with ranges: per element, per word [lo, hi]; first element that contains the key. */
export class RangeTupleSet implements SetBackend {
  readonly words: number;
  readonly count: number;
  private readonly lo: Uint32Array;
  private readonly hi: Uint32Array;
  readonly expires: Float64Array;

  constructor(words: number, ranges: readonly { lo: Uint32Array; hi: Uint32Array; expires: number }[]) {
    this.words = words;
    this.count = ranges.length;
    this.lo = new Uint32Array(ranges.length * words);
    this.hi = new Uint32Array(ranges.length * words);
    this.expires = new Float64Array(ranges.length);
    ranges.forEach((r, i) => {
      this.lo.set(r.lo, i * words);
      this.hi.set(r.hi, i * words);
      this.expires[i] = r.expires;
    });
  }

  lookup(reg: Uint32Array, off: number, now: number): number {
    // Each concatenated field is its own word range here; a multi-word field (IPv6 address) is
    // compared as a lexicographic range only when it is the sole field, so this class compares
    // word by word — exact for ≤32-bit fields and for prefix ranges of wider ones.
    const w = this.words;
    for (let e = 0; e < this.count; e++) {
      const base = e * w;
      let i = 0;
      while (i < w) {
        const v = reg[off + i]!;
        if (v < this.lo[base + i]! || v > this.hi[base + i]!) break;
        i++;
      }
      if (i === w && this.expires[e]! > now) return e;
    }
    return -1;
  }
}
