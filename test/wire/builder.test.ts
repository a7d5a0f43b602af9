import { describe, it, expect, beforeEach } from 'vitest';
import { PacketPool } from '../../src/buffers/pool.ts';
import { buildFrame, buildIcmpError, buildTcpReset, FrameSpec } from '../../src/wire/builder.ts';
import { parseFrame } from '../../src/wire/parse.ts';
import { ETH_P_8021AD } from '../../src/wire/ethernet.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { be16, be32, fillA5, fromHex, hex, refChecksum, refIpv4HeaderChecksum, refL4Checksum } from './ref.ts';

const pool = new PacketPool({ capacity: 4 });
const spec = new FrameSpec();
const ORIG = 0;
const OUT = 1;
const routerAddr = Uint32Array.of(0xc0a80101, 0, 0, 0);
const routerAddr6 = Uint32Array.of(0x20010db8, 0, 0, 0xfe);

beforeEach(() => {
  fillA5(pool.bytes, pool.patternAt); // a byte a builder forgets to write stays 0xa5
  spec.reset();
});

/** Writes a checksum the reference computes into `hexStr` at byte `at` (the cccc placeholder). */
function withCsum(bytes: Uint8Array, at: number, value: number): Uint8Array {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value & 0xff;
  return bytes;
}

describe('buildFrame writes every byte (emit tests from a 0xa5-filled slot)', () => {
  it('IPv4 TCP SYN with an MSS option, padded to 60 bytes', () => {
    spec.ipId = 0x1234;
    spec.tcpMss = 1460;
    const len = buildFrame(pool, ORIG, spec);
    expect(len).toBe(60);
    const want = fromHex(
      '020000000001 020000000002 0800' +
      '4500002c 1234 4000 4006 0000 c0a80102 c6336401' +
      '9c40 0050 000003e8 00000000 6002 faf0 0000 0000 020405b4' +
      '0000',
    );
    withCsum(want, 24, refIpv4HeaderChecksum(want, 14));
    withCsum(want, 14 + 20 + 16, refL4Checksum(want, 14, 34, 58, IPPROTO_TCP, 16, true, false));
    expect(hex(pool.frame(ORIG))).toBe(hex(want));
  });

  it('IPv6 UDP in 802.1ad + 802.1Q + PPPoE with hop-by-hop and fragment headers', () => {
    spec.vlanCount = 2;
    spec.vlanTpid0 = ETH_P_8021AD;
    spec.vlanTci0 = 100;
    spec.vlanTci1 = 200;
    spec.pppoeSid = 1;
    spec.family = 6;
    spec.ipv6HopByHop = true;
    spec.ipv6Fragment = true;
    spec.moreFragments = true;
    spec.fragId = 7;
    spec.l4proto = IPPROTO_UDP;
    spec.payloadLen = 4;
    const len = buildFrame(pool, ORIG, spec);
    const want = fromHex(
      '020000000001 020000000002 88a8 0064 8100 00c8 8864 1100 0001 0046 0057' +
      '60000000 001c 00 40 20010db8000000000000000000000002 20010db8000000010000000000000001' +
      '2c00 0104 00000000' +
      '1100 0001 00000007' +
      '9c40 0050 000c 0000 00010203',
    );
    const ip = 30;
    const l4 = ip + 40 + 16;
    withCsum(want, l4 + 6, refL4Checksum(want, ip, l4, want.length, IPPROTO_UDP, 6, true, true));
    expect(len).toBe(want.length);
    expect(hex(pool.frame(ORIG))).toBe(hex(want));
  });

  it('returns 0 when the frame does not fit the slot', () => {
    spec.payloadLen = 4000;
    expect(buildFrame(pool, ORIG, spec)).toBe(0);
  });
});

describe('buildTcpReset (nf_send_reset / nf_reject_ip_tcphdr_put)', () => {
  it('answers a SYN with RST|ACK, seq 0, ack = seq + 1, addresses and ports swapped, DF, TTL 64', () => {
    spec.tcpSeq = 1000;
    spec.tcpFlags = 0x02;
    buildFrame(pool, ORIG, spec);
    expect(parseFrame(pool, ORIG)).toBe(0);
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(54);
    const want = fromHex(
      '000000000000 000000000000 0800' +
      '45000028 0000 4000 4006 0000 c6336401 c0a80102' +
      '0050 9c40 00000000 000003e9 5014 0000 0000 0000',
    );
    withCsum(want, 24, refIpv4HeaderChecksum(want, 14));
    withCsum(want, 50, refL4Checksum(want, 14, 34, 54, IPPROTO_TCP, 16, true, false));
    expect(hex(pool.frame(OUT))).toBe(hex(want));
  });

  it('answers a segment with ACK by RST alone, seq = its ack_seq, ack_seq 0', () => {
    spec.tcpFlags = 0x18;
    spec.tcpAck = 0xdeadbeef;
    spec.payloadLen = 100;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(54);
    const th = pool.frameStart(OUT) + 34;
    expect(be32(pool.bytes, th + 4)).toBe(0xdeadbeef);
    expect(be32(pool.bytes, th + 8)).toBe(0);
    expect(pool.bytes[th + 13]).toBe(0x04);
  });

  it('counts FIN and payload in the ack of a segment without ACK', () => {
    spec.tcpFlags = 0x01;
    spec.tcpSeq = 0xfffffff0;
    spec.payloadLen = 100;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    buildTcpReset(pool, ORIG, OUT);
    expect(be32(pool.bytes, pool.frameStart(OUT) + 34 + 8)).toBe((0xfffffff0 + 1 + 100) >>> 0);
  });

  it('sends nothing for a RST, a bad checksum, or a later fragment', () => {
    spec.tcpFlags = 0x04;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(0);
    spec.tcpFlags = 0x02;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    const csumAt = pool.frameStart(ORIG) + 34 + 16;
    pool.bytes[csumAt] = pool.bytes[csumAt]! ^ 0xff;
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(0);
    spec.fragOffset = 64;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(0);
  });

  it('IPv6 (nf_send_reset6): traffic class 0, hop limit 64, payload 20, swapped addresses', () => {
    spec.family = 6;
    spec.tcpSeq = 7;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildTcpReset(pool, ORIG, OUT)).toBe(74);
    const want = fromHex(
      '000000000000 000000000000 86dd' +
      '60000000 0014 06 40 20010db8000000010000000000000001 20010db8000000000000000000000002' +
      '0050 9c40 00000000 00000008 5014 0000 0000 0000',
    );
    withCsum(want, 54 + 16, refL4Checksum(want, 14, 54, 74, IPPROTO_TCP, 16, true, false));
    expect(hex(pool.frame(OUT))).toBe(hex(want));
  });
});

describe('buildIcmpError (icmp_send / icmp6_send)', () => {
  it('ICMP frag-needed 3/4 carries the next-hop MTU in bytes 6-7 and quotes the whole small packet', () => {
    spec.tos = 0x2b;
    buildFrame(pool, ORIG, spec); // 40-byte SYN padded to 60: the quote is the IP packet, 40 bytes
    parseFrame(pool, ORIG);
    const len = buildIcmpError(pool, ORIG, OUT, 3, 4, 1492, routerAddr, 0);
    expect(len).toBe(14 + 20 + 8 + 40);
    const b = pool.bytes;
    const ip = pool.frameStart(OUT) + 14;
    const icmp = ip + 20;
    expect(Array.from(b.subarray(icmp, icmp + 8)).map((x, i) => (i === 2 || i === 3 ? 0 : x))).toEqual([3, 4, 0, 0, 0, 0, 0x05, 0xd4]);
    expect(b[ip + 1]).toBe((0x2b & 0x1e) | 0xc0); // (tos & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL
    expect(be16(b, ip + 2)).toBe(68);
    expect(be16(b, ip + 6)).toBe(0); // no DF: the ICMP socket uses IP_PMTUDISC_DONT
    expect(b[ip + 8]).toBe(64);
    expect(b[ip + 9]).toBe(IPPROTO_ICMP);
    expect(be32(b, ip + 12)).toBe(0xc0a80101);
    expect(be32(b, ip + 16)).toBe(spec.src4);
    expect(hex(b.subarray(icmp + 8, icmp + 48))).toBe(hex(pool.frame(ORIG).subarray(14, 54)));
    expect(be16(b, ip + 10)).toBe(refIpv4HeaderChecksum(b, ip));
    expect(be16(b, icmp + 2)).toBe(refChecksum(Array.from(b.subarray(icmp, icmp + 48)).map((x, i) => (i === 2 || i === 3 ? 0 : x))));
    expect(hex(b.subarray(pool.frameStart(OUT), pool.frameStart(OUT) + 14))).toBe('0000000000000000000000000800');
  });

  it('time exceeded 11/0 quotes at most 548 bytes, keeping the reply within 576', () => {
    spec.l4proto = IPPROTO_UDP;
    spec.payloadLen = 1000;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 11, 0, 0, routerAddr, 0)).toBe(14 + 576);
    const ip = pool.frameStart(OUT) + 14;
    expect(be16(pool.bytes, ip + 2)).toBe(576);
    expect(hex(pool.bytes.subarray(ip + 28, ip + 576))).toBe(hex(pool.frame(ORIG).subarray(14, 14 + 548)));
  });

  it('stays silent about ICMP errors and later fragments, answers an echo request', () => {
    spec.l4proto = IPPROTO_ICMP;
    spec.icmpType = 3;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 11, 0, 0, routerAddr, 0)).toBe(0);
    spec.icmpType = 8;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 11, 0, 0, routerAddr, 0)).toBeGreaterThan(0);
    spec.l4proto = IPPROTO_TCP;
    spec.fragOffset = 8;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 11, 0, 0, routerAddr, 0)).toBe(0);
  });

  it('ICMPv6 packet too big 2/0 carries the MTU in bytes 4-7 and quotes up to 1232 bytes', () => {
    spec.family = 6;
    spec.l4proto = IPPROTO_UDP;
    spec.payloadLen = 1400;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 2, 0, 1280, routerAddr6, 0)).toBe(14 + 1280);
    const b = pool.bytes;
    const ip = pool.frameStart(OUT) + 14;
    const icmp = ip + 40;
    expect(be32(b, ip)).toBe(0x60000000);
    expect(be16(b, ip + 4)).toBe(1240);
    expect(b[ip + 6]).toBe(IPPROTO_ICMPV6);
    expect(b[ip + 7]).toBe(64);
    expect(be32(b, ip + 8)).toBe(0x20010db8);
    expect(be32(b, ip + 20)).toBe(0xfe);
    expect(hex(b.subarray(ip + 24, ip + 40))).toBe(hex(pool.frame(ORIG).subarray(14 + 8, 14 + 24)));
    expect([b[icmp], b[icmp + 1], be32(b, icmp + 4)]).toEqual([2, 0, 1280]);
    expect(be16(b, icmp + 2)).toBe(refL4Checksum(b, ip, icmp, ip + 1280, IPPROTO_ICMPV6, 2, true, false));
    expect(hex(b.subarray(icmp + 8, icmp + 8 + 1232))).toBe(hex(pool.frame(ORIG).subarray(14, 14 + 1232)));
  });

  it('ICMPv6 time exceeded 3/0 is not sent about an ICMPv6 error', () => {
    spec.family = 6;
    spec.l4proto = IPPROTO_ICMPV6;
    spec.icmpType = 1;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    expect(buildIcmpError(pool, ORIG, OUT, 3, 0, 0, routerAddr6, 0)).toBe(0);
  });

  it('the generated reply parses as what it is', () => {
    spec.l4proto = IPPROTO_UDP;
    buildFrame(pool, ORIG, spec);
    parseFrame(pool, ORIG);
    buildIcmpError(pool, ORIG, OUT, 3, 3, 0, routerAddr, 0);
    expect(parseFrame(pool, OUT)).toBe(0);
    expect(pool.tuple[OUT * 10 + 9]).toBe((4 << 8) | IPPROTO_ICMP);
  });
});
