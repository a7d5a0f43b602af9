import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DelayHistogram } from '../../src/qdisc/histogram.ts';

describe('DelayHistogram (log-scale sojourn histogram)', () => {
  it('places the nearest-rank percentile of any sample set inside the bucket it reports', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1e11, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0.01, 0.5, 0.9, 0.99, 1),
        (values, q) => {
          const h = new DelayHistogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          const rank = Math.max(1, Math.ceil(q * sorted.length));
          const truth = sorted[rank - 1]!;
          const b = h.quantileBucket(q);
          expect(truth).toBeGreaterThanOrEqual(h.bucketLow(b));
          expect(truth).toBeLessThan(h.bucketHigh(b));
          const est = h.quantile(q);
          // within the bucket's ≈ 6 % width (or clamped to the observed range at the ends)
          if (truth >= h.minNs && truth < h.maxNs) expect(Math.abs(est - truth) / truth).toBeLessThan(0.07);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps exact count, min, max and mean', () => {
    const h = new DelayHistogram();
    for (const v of [2e6, 4e6, 6e6]) h.record(v);
    expect(h.count).toBe(3);
    expect(h.min).toBe(2e6);
    expect(h.max).toBe(6e6);
    expect(h.mean).toBe(4e6);
    expect(h.p50).toBeGreaterThan(3.8e6);
    expect(h.p50).toBeLessThan(4.2e6);
  });

  it('answers a single repeated value exactly, and NaN when empty', () => {
    const h = new DelayHistogram();
    expect(h.p99).toBeNaN();
    for (let i = 0; i < 10; i++) h.record(5e6);
    expect(h.p50).toBe(5e6);
    expect(h.p99).toBe(5e6);
  });

  it('covers 10 µs … 10 s with 40 buckets per decade, plus under- and overflow', () => {
    const h = new DelayHistogram();
    expect(h.buckets).toBe(6 * 40 + 2);
    expect(h.bucketOf(0)).toBe(0);
    expect(h.bucketOf(9_999)).toBe(0);
    expect(h.bucketOf(10_000)).toBe(1);
    expect(h.bucketOf(1e10)).toBe(h.buckets - 1);
  });
});
