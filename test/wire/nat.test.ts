import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool } from '../../src/buffers/pool.ts';
import { buildFrame, FrameSpec } from '../../src/wire/builder.ts';
import { ipv4HeaderChecksum } from '../../src/wire/checksum.ts';
import {
  ipv4DecTtl, ipv6DecHopLimit, natIcmpSetEchoId, natIpv4SetDst, natIpv4SetSrc, natIpv6SetDst, natIpv6SetSrc, natSetDport,
  natSetSport,
} from '../../src/wire/nat.ts';
import { parseFrame, parsedIpLength } from '../../src/wire/parse.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { applySpec, l4protoOf, specInput } from './arbitraries.ts';
import { be16, be32, fromHex, refIpv4HeaderChecksum, refL4Checksum } from './ref.ts';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** A rewrite the NAT helpers can apply; generated as data so failures print readably. */
type Rewrite =
  | { op: 'src4' | 'dst4'; v: number }
  | { op: 'src6' | 'dst6'; w: number[] }
  | { op: 'sport' | 'dport' | 'echoId'; v: number }
  | { op: 'ttl' };

const rewrite: fc.Arbitrary<Rewrite> = fc.oneof(
  fc.record({ op: fc.constantFrom<'src4' | 'dst4'>('src4', 'dst4'), v: u32 }),
  fc.record({ op: fc.constantFrom<'src6' | 'dst6'>('src6', 'dst6'), w: fc.array(u32, { minLength: 4, maxLength: 4 }) }),
  fc.record({ op: fc.constantFrom<'sport' | 'dport' | 'echoId'>('sport', 'dport', 'echoId'), v: u16 }),
  fc.record({ op: fc.constant<'ttl'>('ttl') }),
);

describe('NAT rewrites keep checksums equal to a full recomputation (RFC 1624 eqn. 3)', () => {
  const pool = new PacketPool({ capacity: 1 });
  const spec = new FrameSpec();
  const words = new Uint32Array(4);

  it('after random address/port/TTL/echo-id rewrites on v4 and v6 TCP/UDP/ICMP frames', () => {
    const input = specInput.filter((i) => i.frag === 'none' && i.l4 !== 'gre');
    fc.assert(fc.property(input, fc.array(rewrite, { minLength: 1, maxLength: 6 }), (i, rewrites) => {
      applySpec(spec, i);
      buildFrame(pool, 0, spec);
      expect(parseFrame(pool, 0)).toBe(0);
      const b = pool.bytes;
      const f = pool.frameStart(0);
      const ip = f + pool.l3off[0]!;
      const l4 = f + pool.l4off[0]!;
      const proto = l4protoOf(i);
      const udpZero = proto === IPPROTO_UDP && be16(b, l4 + 6) === 0;
      for (const r of rewrites) {
        if (i.family === 4) {
          if (r.op === 'src4') natIpv4SetSrc(b, ip, l4, r.v);
          if (r.op === 'dst4') natIpv4SetDst(b, ip, l4, r.v);
          if (r.op === 'ttl' && b[ip + 8]! > 0) ipv4DecTtl(b, ip);
        } else {
          if (r.op === 'src6' || r.op === 'dst6') {
            words.set(r.w);
            if (r.op === 'src6') natIpv6SetSrc(b, ip, l4, proto, words, 0);
            else natIpv6SetDst(b, ip, l4, proto, words, 0);
          }
          if (r.op === 'ttl' && b[ip + 7]! > 0) ipv6DecHopLimit(b, ip);
        }
        if (r.op === 'sport') natSetSport(b, l4, proto, r.v);
        if (r.op === 'dport') natSetDport(b, l4, proto, r.v);
        if (r.op === 'echoId' && (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && i.icmpKind !== 'error') natIcmpSetEchoId(b, l4, r.v);
      }
      const ipEnd = ip + parsedIpLength(pool, 0);
      if (i.family === 4) expect(be16(b, ip + 10)).toBe(refIpv4HeaderChecksum(b, ip));
      if (proto === IPPROTO_TCP) expect(be16(b, l4 + 16)).toBe(refL4Checksum(b, ip, l4, ipEnd, proto, 16, true, false));
      if (proto === IPPROTO_UDP) {
        // A zero UDP checksum ("none", IPv4) stays zero on rewrite (nf_flow_nat_ip_l4).
        if (udpZero) expect(be16(b, l4 + 6)).toBe(0);
        else expect(be16(b, l4 + 6)).toBe(refL4Checksum(b, ip, l4, ipEnd, proto, 6, true, true));
      }
      if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) expect(be16(b, l4 + 2)).toBe(refL4Checksum(b, ip, l4, ipEnd, proto, 2, i.family === 6, false));
    }), { numRuns: 500 });
  });

  it('UDP: an incremental result of 0 is sent as 0xffff (CSUM_MANGLED_0), as a full computation would', () => {
    // Search for a port change whose patched checksum lands on 0 and check the mangled form.
    spec.reset();
    spec.l4proto = IPPROTO_UDP;
    spec.payloadLen = 4;
    buildFrame(pool, 0, spec);
    parseFrame(pool, 0);
    const b = pool.bytes;
    const l4 = pool.frameStart(0) + pool.l4off[0]!;
    const c = be16(b, l4 + 6);
    const sport = be16(b, l4);
    // ~(~c + ~sport + p) = 0  ⇔  ~c + ~sport + p ≡ 0xffff  ⇔  p = c + sport (one's complement).
    let p = c + sport;
    p = (p & 0xffff) + (p >>> 16);
    natSetSport(b, l4, IPPROTO_UDP, p);
    expect(be16(b, l4 + 6)).toBe(0xffff);
    const ip = pool.frameStart(0) + pool.l3off[0]!;
    expect(refL4Checksum(b, ip, l4, ip + parsedIpLength(pool, 0), IPPROTO_UDP, 6, true, true)).toBe(0xffff);
  });
});

describe('ipv4DecTtl (ip_decrease_ttl)', () => {
  it('decrements the TTL and leaves a header checksum equal to a full recomputation', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 1, max: 255 }), (h, ttl) => {
      h[0] = 0x45;
      h[8] = ttl;
      const sum = ipv4HeaderChecksum(h, 0, 20);
      h[10] = sum >>> 8;
      h[11] = sum & 0xff;
      expect(ipv4DecTtl(h, 0)).toBe(ttl - 1);
      expect(h[8]).toBe(ttl - 1);
      expect(be16(h, 10)).toBe(refIpv4HeaderChecksum(h, 0));
    }));
  });

  it('handles the carry out of the high byte (checksum 0xff00 + 0x0100 wraps to 0x0001)', () => {
    const h = fromHex('4500001c000000004001ff00c0a80001c0a80002');
    ipv4DecTtl(h, 0);
    expect(be16(h, 10)).toBe(0x0001);
    expect(h[8]).toBe(0x3f);
  });

  it('writes 0x0000, not 0xffff, when the sum lands on all ones, as the kernel\'s little-endian add does', () => {
    // Only the arithmetic is pinned here: a valid header never needs 0xffff (its sum is never +0).
    const h = fromHex('4500001c000000004001feff0a0000010a000002');
    ipv4DecTtl(h, 0);
    expect(be16(h, 10)).toBe(0x0000);
  });
});

describe('natIpv4SetSrc', () => {
  it('leaves an ICMPv4 checksum alone (no pseudo-header) while patching the IP header', () => {
    const pool = new PacketPool({ capacity: 1 });
    const spec = new FrameSpec();
    spec.l4proto = IPPROTO_ICMP;
    spec.payloadLen = 8;
    buildFrame(pool, 0, spec);
    parseFrame(pool, 0);
    const b = pool.bytes;
    const ip = pool.frameStart(0) + pool.l3off[0]!;
    const l4 = pool.frameStart(0) + pool.l4off[0]!;
    const icmpBefore = be16(b, l4 + 2);
    natIpv4SetSrc(b, ip, l4, 0x0a000001);
    expect(be32(b, ip + 12)).toBe(0x0a000001);
    expect(be16(b, l4 + 2)).toBe(icmpBefore);
    expect(be16(b, ip + 10)).toBe(refIpv4HeaderChecksum(b, ip));
  });
});
