import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool } from '../../src/buffers/pool.ts';
import { buildFrame, FrameSpec } from '../../src/wire/builder.ts';
import { formatMac, macIsBroadcast, macIsMulticast, parseMac } from '../../src/wire/ethernet.ts';
import { formatIpv4, ipv4Df, ipv4FragOffset, ipv4HeaderLen, ipv4Mf, ipv4Ttl, parseIpv4 } from '../../src/wire/ipv4.ts';
import { tcpFlags, tcpHeaderLen, tcpMss, tcpSetMss } from '../../src/wire/tcp.ts';
import { vlanDei, vlanId, vlanPcp } from '../../src/wire/vlan.ts';
import { IPPROTO_TCP } from '../../src/wire/tuple.ts';
import { be16, fromHex, refL4Checksum } from './ref.ts';

describe('header views', () => {
  it('MAC addresses round-trip through hi16/lo32 and text', () => {
    expect(parseMac('aa:bb:cc:dd:ee:ff')).toEqual([0xaabb, 0xccddeeff]);
    expect(formatMac(0xaabb, 0xccddeeff)).toBe('aa:bb:cc:dd:ee:ff');
    expect(macIsMulticast(0x0100)).toBe(true);
    expect(macIsBroadcast(0xffff, 0xffffffff)).toBe(true);
    expect(parseMac('zz:bb:cc:dd:ee:ff')).toBeNull();
  });

  it('IPv4 text form round-trips', () => {
    expect(parseIpv4('192.168.1.1')).toBe(0xc0a80101);
    expect(formatIpv4(0xc0a80101)).toBe('192.168.1.1');
    expect(parseIpv4('256.0.0.1')).toBe(-1);
  });

  it('reads VLAN PCP/DEI/VID from the TCI (IEEE 802.1Q)', () => {
    const tci = Uint8Array.of(0xb0 | 0x0f, 0xff); // PCP 5, DEI 1, VID 0xfff
    expect([vlanPcp(tci, 0), vlanDei(tci, 0), vlanId(tci, 0)]).toEqual([5, true, 0xfff]);
  });

  it('reads IPv4 flags, fragment offset in octets, TTL and IHL', () => {
    const h = fromHex('46000020abcd2005 4006 0000 0a000001 0a000002 01010000');
    expect([ipv4HeaderLen(h, 0), ipv4Df(h, 0), ipv4Mf(h, 0), ipv4FragOffset(h, 0), ipv4Ttl(h, 0)]).toEqual([24, false, true, 40, 0x40]);
  });
});

describe('TCP MSS option', () => {
  const pool = new PacketPool({ capacity: 1 });
  const spec = new FrameSpec();

  it('is read and clamped with the checksum patched (TCPMSS / nft maxseg), even at an odd offset', () => {
    spec.tcpMss = 1460;
    buildFrame(pool, 0, spec);
    const b = pool.bytes;
    const f = pool.frameStart(0);
    const ip = f + 14;
    const th = ip + 20;
    expect(tcpMss(b, th, ip + 44)).toBe(1460);
    expect(tcpSetMss(b, th, ip + 44, 1452)).toBe(true);
    expect(tcpMss(b, th, ip + 44)).toBe(1452);
    expect(be16(b, th + 16)).toBe(refL4Checksum(b, ip, th, ip + 44, IPPROTO_TCP, 16, true, false));

    // NOP, MSS, NOP, NOP, NOP (8 bytes of options) puts the value at an odd offset.
    const opts = [1, 2, 4, 0x05, 0xb4, 1, 1, 1];
    b[th + 12] = (28 / 4) << 4;
    for (let i = 0; i < 8; i++) b[th + 20 + i] = opts[i]!;
    const end = th + 28;
    b[th + 16] = 0;
    b[th + 17] = 0;
    const c = refL4Checksum(b, ip, th, end, IPPROTO_TCP, 16, true, false);
    b[th + 16] = c >>> 8;
    b[th + 17] = c & 0xff;
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (mss) => {
      expect(tcpSetMss(b, th, end, mss)).toBe(true);
      expect(tcpMss(b, th, end)).toBe(mss);
      expect(be16(b, th + 16)).toBe(refL4Checksum(b, ip, th, end, IPPROTO_TCP, 16, true, false));
    }));
    expect(tcpHeaderLen(b, th)).toBe(28);
    expect(tcpFlags(b, th)).toBe(0x02);
  });

  it('reports no MSS for a header without options or with a malformed option', () => {
    spec.reset();
    buildFrame(pool, 0, spec);
    const th = pool.frameStart(0) + 34;
    expect(tcpMss(pool.bytes, th, th + 20)).toBe(-1);
    const b = Uint8Array.from([...new Array(12).fill(0), 0x60, 0x02, 0, 0, 0, 0, 0, 0, 2, 9, 0, 0]);
    expect(tcpMss(b, 0, b.length)).toBe(-1);
  });
});
