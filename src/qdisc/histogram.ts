/**
 * Fixed log-scale histogram of delays (the per-packet sojourn time a qdisc records at dequeue).
 *
 * Buckets are geometric: `perDecade` buckets per factor of ten from `minNs` up to `maxNs`, plus an
 * underflow bucket [0, minNs) and an overflow bucket [maxNs, +∞). Recording is one typed-array
 * increment; nothing is allocated per sample. Quantiles resolve to a bucket, so they are exact to
 * the bucket's relative width (10^(1/perDecade) − 1, ≈ 5.9 % with the default 40 per decade); the
 * exact minimum, maximum and mean are kept as well.
 */
export interface DelayHistogramOptions {
  /** Lower edge of the first log bucket, ns (default 10 µs). */
  minNs?: number;
  /** Upper edge of the last log bucket, ns (default 10 s). */
  maxNs?: number;
  /** Buckets per decade (default 40). */
  perDecade?: number;
}

export class DelayHistogram {
  readonly minNs: number;
  readonly maxNs: number;
  readonly perDecade: number;
  /** counts[0] is the underflow bucket, counts[n-1] the overflow bucket. */
  readonly counts: Float64Array;
  /** edges[i] is the lower edge of bucket i (edges[0] = 0, edges[n] = +∞). */
  readonly edges: Float64Array;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private readonly logMin: number;

  constructor(opts: DelayHistogramOptions = {}) {
    const minNs = opts.minNs ?? 10_000;
    const maxNs = opts.maxNs ?? 10_000_000_000;
    const perDecade = opts.perDecade ?? 40;
    if (!(minNs > 0) || !(maxNs > minNs) || !Number.isInteger(perDecade) || perDecade < 1) {
      throw new RangeError('histogram needs 0 < minNs < maxNs and an integer perDecade ≥ 1');
    }
    this.minNs = minNs;
    this.maxNs = maxNs;
    this.perDecade = perDecade;
    this.logMin = Math.log10(minNs);
    const logBuckets = Math.ceil((Math.log10(maxNs) - this.logMin) * perDecade - 1e-9);
    const n = logBuckets + 2;
    this.counts = new Float64Array(n);
    this.edges = new Float64Array(n + 1);
    this.edges[0] = 0;
    for (let i = 0; i < logBuckets; i++) this.edges[i + 1] = minNs * Math.pow(10, i / perDecade);
    this.edges[n - 1] = maxNs;
    this.edges[n] = Infinity;
  }

  get buckets(): number {
    return this.counts.length;
  }

  /** Bucket index for a value (ns). */
  bucketOf(v: number): number {
    const n = this.counts.length;
    if (!(v >= this.minNs)) return 0; // also NaN and negatives
    if (v >= this.maxNs) return n - 1;
    let i = 1 + Math.floor((Math.log10(v) - this.logMin) * this.perDecade);
    if (i > n - 2) i = n - 2;
    // Correct floating-point error at the edges so [edges[i], edges[i+1]) really holds v.
    const e = this.edges;
    while (i > 1 && v < e[i]!) i--;
    while (i < n - 2 && v >= e[i + 1]!) i++;
    return i;
  }

  record(v: number): void {
    const b = this.bucketOf(v);
    this.counts[b] = this.counts[b]! + 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Bucket holding the q-quantile by nearest rank (rank ⌈q·n⌉, at least 1); -1 when empty. */
  quantileBucket(q: number): number {
    if (this.count === 0) return -1;
    let rank = Math.ceil(q * this.count);
    if (rank < 1) rank = 1;
    if (rank > this.count) rank = this.count;
    let seen = 0;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i]!;
      if (seen >= rank) return i;
    }
    return c.length - 1;
  }

  bucketLow(i: number): number {
    return this.edges[i]!;
  }

  bucketHigh(i: number): number {
    return this.edges[i + 1]!;
  }

  /**
   * The q-quantile as a value: the geometric middle of its bucket, clamped to the observed
   * [min, max] (so a single-valued histogram answers that value). NaN when empty.
   */
  quantile(q: number): number {
    const b = this.quantileBucket(q);
    if (b < 0) return NaN;
    const lo = this.edges[b]!;
    const hi = this.edges[b + 1]!;
    let v: number;
    if (lo === 0) v = hi / 2;
    else if (hi === Infinity) v = lo;
    else v = Math.sqrt(lo * hi);
    if (v < this.min) v = this.min;
    if (v > this.max) v = this.max;
    return v;
  }

  get p50(): number {
    return this.quantile(0.5);
  }

  get p99(): number {
    return this.quantile(0.99);
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
