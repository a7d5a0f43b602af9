import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool, PF_FIRST_FRAG, PF_FRAGMENT, PF_ICMP_ERROR, PF_IP_OPTIONS, PF_L4_VALID, PF_PPPOE, PF_QINQ, PF_VLAN } from '../../src/buffers/pool.ts';
import { buildFrame, FrameSpec } from '../../src/wire/builder.ts';
import { parseFrame, parsedIpLength } from '../../src/wire/parse.ts';
import { TUPLE_WORDS } from '../../src/wire/tuple.ts';
import { applySpec, l4protoOf, specInput, type SpecInput } from './arbitraries.ts';
import { be16, refIpv4HeaderChecksum, refL4Checksum } from './ref.ts';

function expectedFlags(i: SpecInput): number {
  let f = 0;
  if (i.vlanCount >= 1) f |= PF_VLAN;
  if (i.vlanCount === 2) f |= PF_QINQ;
  if (i.pppoeSid >= 0) f |= PF_PPPOE;
  const fragment = i.frag === 'first' || i.frag === 'later';
  if (fragment) f |= PF_FRAGMENT;
  if (i.frag === 'first') f |= PF_FIRST_FRAG;
  if (i.family === 4 ? i.optWords > 0 : i.hbh || i.destOpts > 0) f |= PF_IP_OPTIONS;
  if (i.frag !== 'later') {
    if (i.l4 === 'tcp' || i.l4 === 'udp') f |= PF_L4_VALID;
    if (i.l4 === 'icmp') f |= i.icmpKind === 'error' ? PF_ICMP_ERROR : PF_L4_VALID;
  }
  return f;
}

describe('build → parse round trip', () => {
  const pool = new PacketPool({ capacity: 2 });
  const spec = new FrameSpec();

  it('parseFrame recovers every header the builder wrote, for random header stacks', () => {
    fc.assert(fc.property(specInput, (i) => {
      applySpec(spec, i);
      const slot = 0;
      const len = buildFrame(pool, slot, spec);
      expect(len).toBeGreaterThanOrEqual(60);
      expect(parseFrame(pool, slot)).toBe(0);
      expect(pool.pflags[slot]).toBe(expectedFlags(i));
      expect(pool.vlan0[slot]).toBe(i.vlanCount >= 1 ? i.tci0 & 0xfff : 0);
      expect(pool.vlan1[slot]).toBe(i.vlanCount === 2 ? i.tci1 & 0xfff : 0);
      expect(pool.pppoeSid[slot]).toBe(i.pppoeSid >= 0 ? i.pppoeSid : 0);
      expect(pool.l3proto[slot]).toBe(i.family === 4 ? 0x0800 : 0x86dd);
      const l3off = 14 + 4 * i.vlanCount + (i.pppoeSid >= 0 ? 8 : 0);
      expect(pool.l3off[slot]).toBe(l3off);
      const ipHdr = i.family === 4 ? 20 + 4 * i.optWords : 40 + (i.hbh ? 8 : 0) + 8 * i.destOpts + (i.frag !== 'none' ? 8 : 0);
      expect(pool.l4off[slot]).toBe(l3off + ipHdr);

      const t = slot * TUPLE_WORDS;
      const tup = Array.from(pool.tuple.subarray(t, t + TUPLE_WORDS));
      const proto = l4protoOf(i);
      const srcW = i.family === 4 ? [i.src4, 0, 0, 0] : i.src6;
      const dstW = i.family === 4 ? [i.dst4, 0, 0, 0] : i.dst6;
      let ports = 0;
      if (i.frag !== 'later') {
        if (i.l4 === 'tcp' || i.l4 === 'udp') ports = ((i.sport << 16) | i.dport) >>> 0;
        if (i.l4 === 'icmp' && i.icmpKind !== 'error') ports = (i.icmpId << 16) >>> 0;
      }
      expect(tup).toEqual([...srcW, ...dstW, ports, (i.family << 8) | proto]);

      // Every checksum the builder wrote verifies against the naive reference.
      const f = pool.frameStart(slot);
      const b = pool.bytes;
      const ip = f + l3off;
      const ipEnd = ip + parsedIpLength(pool, slot);
      if (i.family === 4) expect(be16(b, ip + 10)).toBe(refIpv4HeaderChecksum(b, ip));
      if (i.frag !== 'later') {
        const l4 = f + pool.l4off[slot]!;
        if (i.l4 === 'tcp') expect(be16(b, l4 + 16)).toBe(refL4Checksum(b, ip, l4, ipEnd, proto, 16, true, false));
        if (i.l4 === 'udp') {
          const want = i.family === 4 && !i.udpChecksum ? 0 : refL4Checksum(b, ip, l4, ipEnd, proto, 6, true, true);
          expect(be16(b, l4 + 6)).toBe(want);
        }
        if (i.l4 === 'icmp') expect(be16(b, l4 + 2)).toBe(refL4Checksum(b, ip, l4, ipEnd, proto, 2, i.family === 6, false));
      }
    }), { numRuns: 400 });
  });
});
