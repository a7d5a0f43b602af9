import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  csumFinish, csumFold, csumPartial, csumReplace2, csumReplace4, csumUpdate16, csumUpdate32, ipv4HeaderChecksum,
  ipv4HeaderChecksumOk,
} from '../../src/wire/checksum.ts';
import { fromHex, refChecksum } from './ref.ts';

describe('Internet checksum (RFC 1071)', () => {
  it('sums the RFC 1071 §3 example bytes 00 01 f2 03 f4 f5 f6 f7 to 0xddf2', () => {
    const b = fromHex('0001f203f4f5f6f7');
    expect(csumFold(csumPartial(b, 0, 8, 0))).toBe(0xddf2);
    expect(csumFinish(csumPartial(b, 0, 8, 0))).toBe(~0xddf2 & 0xffff);
  });

  it('pads an odd trailing byte with zero', () => {
    const b = Uint8Array.of(0x12, 0x34, 0x56);
    expect(csumFinish(csumPartial(b, 0, 3, 0))).toBe(refChecksum([0x12, 0x34, 0x56, 0]));
  });

  it('computes a textbook IPv4 header checksum (45 00 00 73 … c0 a8 00 01 → 0xb861)', () => {
    const h = fromHex('450000730000400040110000c0a80001c0a800c7');
    expect(ipv4HeaderChecksum(h, 0, 20)).toBe(0xb861);
    h[10] = 0xb8;
    h[11] = 0x61;
    expect(ipv4HeaderChecksumOk(h, 0, 20)).toBe(true);
  });

  it('agrees with a naive reference on random data of any length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
      expect(csumFinish(csumPartial(data, 0, data.length, 0))).toBe(refChecksum(data));
    }));
  });
});

describe('incremental update (RFC 1624)', () => {
  // RFC 1624 §4: C (sum of the other octets) = 0xCD7A, m = 0x5555 → m' = 0x3285.
  const C = 0xcd7a;

  it('RFC 1624 §4 example: HC = 0xDD2F and the recomputed HC\' is 0x0000', () => {
    const hc = ~csumFold(C + 0x5555) & 0xffff;
    expect(hc).toBe(0xdd2f);
    expect(~csumFold(C + 0x3285) & 0xffff).toBe(0x0000);
  });

  it('eqn. 3 gives 0x0000 for that example, not RFC 1141\'s −0 (0xFFFF)', () => {
    expect(csumUpdate16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
    // RFC 1141's HC' = HC + m + ~m' (one's complement) yields the −0 form the RFC warns about.
    const rfc1141 = csumFold(0xdd2f + 0x5555 + (~0x3285 & 0xffff));
    expect(rfc1141).toBe(0xffff);
  });

  it('csum_replace2 patches a checksum field in place', () => {
    const b = Uint8Array.of(0xdd, 0x2f);
    csumReplace2(b, 0, 0x5555, 0x3285);
    expect([b[0], b[1]]).toEqual([0, 0]);
  });

  it('a 16-bit change patched incrementally equals full recomputation', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (raw, pos, nv) => {
      const data = raw.length % 2 === 0 ? raw : raw.subarray(0, raw.length - 1);
      const i = (pos % (data.length / 2)) * 2;
      const hc = refChecksum(data);
      const old = (data[i]! << 8) | data[i + 1]!;
      const next = Uint8Array.from(data);
      next[i] = nv >>> 8;
      next[i + 1] = nv & 0xff;
      // An all-zero block sums to +0, which no real header does (version, protocol are non-zero).
      fc.pre(next.some((x) => x !== 0));
      expect(csumUpdate16(hc, old, nv)).toBe(refChecksum(next));
    }));
  });

  it('a 32-bit change patched incrementally (csum_replace4) equals full recomputation', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (raw, pos, nv) => {
      const data = raw.subarray(0, raw.length & ~3);
      const i = (pos % (data.length / 4)) * 4;
      const hc = refChecksum(data);
      const old = ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0;
      const next = Uint8Array.from(data);
      next[i] = nv >>> 24;
      next[i + 1] = (nv >>> 16) & 0xff;
      next[i + 2] = (nv >>> 8) & 0xff;
      next[i + 3] = nv & 0xff;
      fc.pre(next.some((x) => x !== 0));
      expect(csumUpdate32(hc, old, nv)).toBe(refChecksum(next));
      const field = Uint8Array.of(hc >>> 8, hc & 0xff);
      csumReplace4(field, 0, old, nv);
      expect((field[0]! << 8) | field[1]!).toBe(refChecksum(next));
    }));
  });
});
