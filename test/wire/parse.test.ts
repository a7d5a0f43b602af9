import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool, PF_FIRST_FRAG, PF_FRAGMENT, PF_ICMP_ERROR, PF_IP_OPTIONS, PF_L4_VALID, PF_PPPOE, PF_VLAN } from '../../src/buffers/pool.ts';
import { buildFrame, FrameSpec } from '../../src/wire/builder.ts';
import { DROP_REASON_COUNT, DropReason } from '../../src/wire/drop-reasons.ts';
import { parseFrame, parsedIpLength } from '../../src/wire/parse.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS } from '../../src/wire/tuple.ts';
import { applySpec, specInput } from './arbitraries.ts';
import { fromHex } from './ref.ts';

const pool = new PacketPool({ capacity: 4 });
const spec = new FrameSpec();

function parseBytes(bytes: Uint8Array): number {
  pool.write(0, bytes);
  return parseFrame(pool, 0);
}

function built(): Uint8Array {
  expect(buildFrame(pool, 1, spec)).toBeGreaterThan(0);
  return pool.frame(1).slice();
}

describe('parseFrame: kernel receive checks (ip_rcv_core, ipv6_rcv, pppoe_rcv)', () => {
  it('parses a PPPoE session inside an 802.1Q tag at the offsets the wire dictates', () => {
    // dst, src, 8100 tci=0x0023 (vid 35), 8864, 11 00 sid=0x1234 len=0x002a (40 + 2), 0021, IPv4/TCP
    spec.reset();
    spec.vlanCount = 1;
    spec.vlanTci0 = 0x0023;
    spec.pppoeSid = 0x1234;
    spec.padToMinimum = false;
    const f = built();
    expect(Array.from(f.subarray(12, 26))).toEqual([0x81, 0x00, 0x00, 0x23, 0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0x00, 0x2a, 0x00, 0x21]);
    expect(parseBytes(f)).toBe(0);
    expect(pool.pflags[0]! & (PF_VLAN | PF_PPPOE)).toBe(PF_VLAN | PF_PPPOE);
    expect(pool.vlan0[0]).toBe(35);
    expect(pool.pppoeSid[0]).toBe(0x1234);
    expect(pool.l3off[0]).toBe(26);
    expect(pool.l4off[0]).toBe(46);
  });

  it('accepts an IPv4 header with options (IHL 6) and flags it for the classic path', () => {
    spec.reset();
    spec.ipv4OptionsLen = 4;
    const f = built();
    expect(f[14]).toBe(0x46);
    expect(parseBytes(f)).toBe(0);
    expect(pool.pflags[0]! & PF_IP_OPTIONS).toBe(PF_IP_OPTIONS);
    expect(pool.l4off[0]).toBe(14 + 24);
  });

  it('ignores Ethernet padding: a 54-byte TCP ACK padded to 60 parses with its IP length', () => {
    spec.reset();
    spec.tcpFlags = 0x10;
    const f = built();
    expect(f.length).toBe(60);
    expect(parseBytes(f)).toBe(0);
    expect(parsedIpLength(pool, 0)).toBe(40);
  });

  it('marks IPv4 fragments: first carries ports, later ones have none', () => {
    spec.reset();
    spec.l4proto = IPPROTO_UDP;
    spec.moreFragments = true;
    spec.payloadLen = 64;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & (PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID)).toBe(PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID);
    spec.fragOffset = 72;
    spec.moreFragments = false;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & (PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID)).toBe(PF_FRAGMENT);
    expect(pool.tuple[8]).toBe(0);
  });

  it('an IPv6 fragment header sets PF_FRAGMENT; a later fragment has no ports', () => {
    spec.reset();
    spec.family = 6;
    spec.ipv6Fragment = true;
    spec.moreFragments = true;
    spec.payloadLen = 16;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & (PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID)).toBe(PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID);
    expect(pool.l4off[0]! - pool.l3off[0]!).toBe(48);
    spec.fragOffset = 1232;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & (PF_FRAGMENT | PF_FIRST_FRAG | PF_L4_VALID)).toBe(PF_FRAGMENT);
    expect(pool.tuple[9]).toBe((6 << 8) | IPPROTO_TCP);
  });

  it('an IPv6 hop-by-hop header counts as options (PF_IP_OPTIONS)', () => {
    spec.reset();
    spec.family = 6;
    spec.ipv6HopByHop = true;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & PF_IP_OPTIONS).toBe(PF_IP_OPTIONS);
  });

  it('drops an IPv6 extension-header chain longer than 8', () => {
    spec.reset();
    spec.family = 6;
    spec.ipv6DestOpts = 9;
    expect(parseBytes(built())).toBe(DropReason.IPV6_EXTHDR_CHAIN);
    spec.ipv6DestOpts = 8;
    expect(parseBytes(built())).toBe(0);
  });

  it('keys ICMP echo by identifier and flags ICMP errors', () => {
    spec.reset();
    spec.l4proto = IPPROTO_ICMP;
    spec.icmpId = 0xbeef;
    expect(parseBytes(built())).toBe(0);
    expect(pool.tuple[8]).toBe(0xbeef0000);
    spec.icmpType = 3;
    expect(parseBytes(built())).toBe(0);
    expect(pool.pflags[0]! & (PF_ICMP_ERROR | PF_L4_VALID)).toBe(PF_ICMP_ERROR);
    expect(pool.tuple[8]).toBe(0);
  });

  it('returns 0 for ARP with l3proto 0x0806, UNKNOWN_ETHERTYPE for LLDP with l3proto kept', () => {
    const arp = fromHex('ffffffffffff020000000002' + '0806' + '0001080006040001' + '00'.repeat(20));
    expect(parseBytes(arp)).toBe(0);
    expect(pool.l3proto[0]).toBe(0x0806);
    const lldp = fromHex('0180c200000e020000000002' + '88cc' + '00'.repeat(46));
    expect(parseBytes(lldp)).toBe(DropReason.UNKNOWN_ETHERTYPE);
    expect(pool.l3proto[0]).toBe(0x88cc);
  });

  describe('drop reasons', () => {
    function ipv4Frame(): Uint8Array {
      spec.reset();
      spec.padToMinimum = false;
      spec.payloadLen = 10;
      return built();
    }
    it('PKT_TOO_SMALL below 14 bytes', () => expect(parseBytes(new Uint8Array(13))).toBe(DropReason.PKT_TOO_SMALL));
    it('IP_TRUNCATED when the IPv4 header is cut', () => expect(parseBytes(ipv4Frame().subarray(0, 30))).toBe(DropReason.IP_TRUNCATED));
    it('IP_BAD_VERSION when version is not 4', () => {
      const f = ipv4Frame();
      f[14] = 0x65;
      expect(parseBytes(f)).toBe(DropReason.IP_BAD_VERSION);
    });
    it('IP_BAD_IHL when IHL < 5', () => {
      const f = ipv4Frame();
      f[14] = 0x44;
      expect(parseBytes(f)).toBe(DropReason.IP_BAD_IHL);
    });
    it('IP_CSUM on a corrupted header byte', () => {
      const f = ipv4Frame();
      f[14 + 8] = f[14 + 8]! ^ 1;
      expect(parseBytes(f)).toBe(DropReason.IP_CSUM);
    });
    it('IP_BAD_TOTLEN when total length exceeds the frame', () => {
      const f = ipv4Frame();
      expect(parseBytes(f.subarray(0, f.length - 1))).toBe(DropReason.IP_BAD_TOTLEN);
    });
    it('TCP_BAD_DOFF when data offset < 5, with L3 fields still filled', () => {
      const f = ipv4Frame();
      f[14 + 20 + 12] = 0x40;
      expect(parseBytes(f)).toBe(DropReason.TCP_BAD_DOFF);
      expect(pool.tuple[9]).toBe((4 << 8) | IPPROTO_TCP);
      expect(pool.pflags[0]! & PF_L4_VALID).toBe(0);
    });
    it('UDP_BAD_LENGTH when the UDP length exceeds the IP payload', () => {
      spec.reset();
      spec.l4proto = IPPROTO_UDP;
      const f = built();
      f[14 + 20 + 4] = 0x10;
      expect(parseBytes(f)).toBe(DropReason.UDP_BAD_LENGTH);
    });
    it('PPPoE: bad ver/type, length past the frame, unknown PPP protocol', () => {
      spec.reset();
      spec.pppoeSid = 1;
      spec.padToMinimum = false;
      const good = built();
      const a = good.slice();
      a[14] = 0x12;
      expect(parseBytes(a)).toBe(DropReason.PPPOE_BAD_HEADER);
      const c = good.slice();
      c[18] = 0x7f;
      expect(parseBytes(c)).toBe(DropReason.PPPOE_BAD_LENGTH);
      const d = good.slice();
      d[21] = 0x23;
      expect(parseBytes(d)).toBe(DropReason.PPP_UNKNOWN_PROTO);
      expect(parseBytes(good.subarray(0, 20))).toBe(DropReason.PPPOE_TRUNCATED);
    });
    it('TOO_MANY_TAGS on a third VLAN tag, VLAN_TRUNCATED on a cut tag', () => {
      const three = fromHex('020000000001020000000002' + '8100000188a8000281000003' + '0800' + '00'.repeat(40));
      expect(parseBytes(three)).toBe(DropReason.TOO_MANY_TAGS);
      expect(parseBytes(three.subarray(0, 16))).toBe(DropReason.VLAN_TRUNCATED);
    });
    it('IPv6: payload length past the frame', () => {
      spec.reset();
      spec.family = 6;
      spec.padToMinimum = false;
      const f = built();
      expect(parseBytes(f.subarray(0, f.length - 1))).toBe(DropReason.IP_BAD_TOTLEN);
    });
  });
});

describe('parseFrame never throws', () => {
  const valid = (code: number): boolean => Number.isInteger(code) && code >= 0 && code < DROP_REASON_COUNT;

  it('on random byte strings, returning 0 or a known drop reason', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0x0800, 0x86dd, 0x8100, 0x8864, 0x88a8, -1), (bytes, forceType) => {
      if (forceType >= 0 && bytes.length >= 14) {
        bytes[12] = forceType >>> 8;
        bytes[13] = forceType & 0xff;
      }
      expect(valid(parseBytes(bytes))).toBe(true);
    }), { numRuns: 2000 });
  });

  it('on random truncations and byte flips of valid frames', () => {
    fc.assert(fc.property(specInput, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (i, cut, flips) => {
      applySpec(spec, i);
      const f = built();
      const g = f.slice(0, cut % (f.length + 1));
      for (const [at, v] of flips) if (g.length > 0) g[at % g.length] = v;
      const r = parseBytes(g);
      expect(valid(r)).toBe(true);
      if (r === 0 && (pool.pflags[0]! & PF_L4_VALID) !== 0) {
        // Whatever it accepted, the recorded offsets lie inside the frame.
        expect(pool.l4off[0]!).toBeLessThanOrEqual(g.length);
        expect(pool.l3off[0]! + parsedIpLength(pool, 0)).toBeLessThanOrEqual(g.length);
      }
    }), { numRuns: 1500 });
  });

  it('tuple slots of other packets are untouched', () => {
    pool.tuple.fill(7, TUPLE_WORDS, 2 * TUPLE_WORDS);
    parseBytes(new Uint8Array(5));
    expect(Array.from(pool.tuple.subarray(TUPLE_WORDS, 2 * TUPLE_WORDS))).toEqual(new Array(TUPLE_WORDS).fill(7));
  });
});
