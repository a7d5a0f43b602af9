import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RES_POW10, RES_POW2, secNsToUnits, unitsToSecNs } from '../../src/pcap/time.ts';

/**
 * pcapng timestamps are 64-bit unit counts (draft-ietf-opsawg-pcapng §4.6, if_tsresol §4.2);
 * these pin the BigInt-free arithmetic against BigInt.
 */
const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('pcapng timestamp arithmetic', () => {
  it('splits any 64-bit count at 10^-n (n <= 19) into seconds and truncated nanoseconds, exactly', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 19 }), (hi, lo, n) => {
        const t = (BigInt(hi) << 32n) | BigInt(lo);
        const per = 10n ** BigInt(n);
        const out = new Float64Array(2);
        unitsToSecNs(hi, lo, RES_POW10, n, out);
        const sec = t / per;
        expect(out[0]).toBe(Number(sec)); // beyond 2^53 s both round to nearest
        expect(out[1]).toBe(Number(((t % per) * 1_000_000_000n) / per));
      }),
      { numRuns: 1000 },
    );
  });

  it('splits any 64-bit count at 2^-n: exact for n <= 32, within 1 ns beyond', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 63 }), (hi, lo, n) => {
        const t = (BigInt(hi) << 32n) | BigInt(lo);
        const out = new Float64Array(2);
        unitsToSecNs(hi, lo, RES_POW2, n, out);
        expect(out[0]).toBe(Number(t >> BigInt(n)));
        const ns = Number(((t & ((1n << BigInt(n)) - 1n)) * 1_000_000_000n) >> BigInt(n));
        if (n <= 32) expect(out[1]).toBe(ns);
        else expect(Math.abs(out[1]! - ns)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes (seconds, ns) as an exact 64-bit nanosecond count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 - 1 }), fc.integer({ min: 0, max: 999_999_999 }), (sec, nsec) => {
        const out = new Float64Array(2);
        secNsToUnits(sec, nsec, out);
        const t = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
        expect([out[0], out[1]]).toEqual([Number(t >> 32n), Number(t & 0xffffffffn)]);
      }),
      { numRuns: 1000 },
    );
  });
});
