/**
 * Frame mutators for the whole-router fuzzer. Each one takes a valid frame (recorded as a host put
 * it on the wire) and returns a damaged or unusual variant of the kinds the kernel's receive path
 * must survive: truncations, wrong IP/UDP/PPPoE lengths, bad IHL, bad checksums, odd ethertypes,
 * nested VLAN tags, IPv6 extension-header chains, ICMP errors quoting garbage, random bytes.
 *
 * Randomness is the simulator's seeded sfc32 (src/sim/rng.ts), so a run is reproducible from its
 * seed and the index of the failing input.
 */
import { Rng } from '../../src/sim/rng.ts';
import { ipv4HeaderChecksum, l4ChecksumV6, plainChecksum } from '../../src/wire/checksum.ts';

/** Where the IP header starts in an Ethernet frame (after VLAN tags and a PPPoE session header). */
export interface L3Info {
  /** Offset of the IP header, or -1 when the frame carries no IP. */
  readonly off: number;
  readonly family: 4 | 6 | 0;
  /** Offset of the PPPoE session header, or -1. */
  readonly pppoe: number;
}

export function l3Of(b: Uint8Array): L3Info {
  let at = 12;
  let pppoe = -1;
  for (let tags = 0; tags < 4; tags++) {
    if (b.length < at + 2) return { off: -1, family: 0, pppoe };
    const et = (b[at]! << 8) | b[at + 1]!;
    if (et === 0x8100 || et === 0x88a8) { at += 4; continue; }
    if (et === 0x0800) return { off: at + 2, family: 4, pppoe };
    if (et === 0x86dd) return { off: at + 2, family: 6, pppoe };
    if (et === 0x8864 && b.length >= at + 10) {
      pppoe = at + 2;
      const p = (b[at + 8]! << 8) | b[at + 9]!;
      return { off: at + 10, family: p === 0x0021 ? 4 : p === 0x0057 ? 6 : 0, pppoe };
    }
    return { off: -1, family: 0, pppoe };
  }
  return { off: -1, family: 0, pppoe };
}

function u16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** Replaces everything from the IP header on with `l3`, fixing the PPPoE length. */
function withL3(frame: Uint8Array, info: L3Info, l3: Uint8Array): Uint8Array {
  const out = new Uint8Array(info.off + l3.length);
  out.set(frame.subarray(0, info.off));
  out.set(l3, info.off);
  if (info.pppoe >= 0) u16(out, info.pppoe + 4, l3.length + 2);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.u32() & 0xff;
  return b;
}

function fixIpv4Checksum(b: Uint8Array, off: number): void {
  const ihl = (b[off]! & 0xf) * 4;
  if (ihl < 20 || off + ihl > b.length) return;
  u16(b, off + 10, 0);
  u16(b, off + 10, ipv4HeaderChecksum(b, off, ihl));
}

const ODD_ETHERTYPES = [0x0806, 0x8035, 0x88cc, 0x8863, 0x8864, 0x8100, 0x88a8, 0x9100, 0x86dd, 0x0800, 0x8847, 0x88e5, 0x0000, 0xffff, 0x05dc];

/** IPv4 ICMP error types and ICMPv6 error types (RFC 792, RFC 4443). */
const ICMP4_ERRORS = [3, 4, 5, 11, 12];
const ICMP6_ERRORS = [1, 2, 3, 4];
/** IPv6 extension headers (RFC 8200 §4) plus ESP/AH/no-next/mobility and an unknown one. */
const EXT_HEADERS = [0, 43, 44, 60, 51, 135, 139, 140, 253];

export type MutatorName =
  | 'valid' | 'truncate' | 'flip' | 'ip-length' | 'ihl' | 'ip-checksum' | 'l4-checksum' | 'ethertype'
  | 'vlan-tags' | 'ipv6-ext-chain' | 'icmp-error-garbage' | 'icmp-error-quote' | 'pppoe-length' | 'udp-length'
  | 'tcp-doff' | 'ttl' | 'fragment' | 'random';

export const MUTATORS: readonly MutatorName[] = [
  'valid', 'truncate', 'flip', 'ip-length', 'ihl', 'ip-checksum', 'l4-checksum', 'ethertype', 'vlan-tags',
  'ipv6-ext-chain', 'icmp-error-garbage', 'icmp-error-quote', 'pppoe-length', 'udp-length', 'tcp-doff', 'ttl',
  'fragment', 'random',
];

/** Applies mutator `m` to a copy of `frame`. The result is at most `maxLen` bytes. */
export function mutate(m: MutatorName, frame: Uint8Array, rng: Rng, maxLen = 1900): Uint8Array {
  const b = frame.slice();
  const info = l3Of(b);
  switch (m) {
    case 'valid':
      return b;
    case 'truncate':
      return b.subarray(0, rng.int(b.length));
    case 'flip': {
      const n = 1 + rng.int(4);
      for (let i = 0; i < n; i++) { const at = rng.int(b.length); b[at] = b[at]! ^ (1 << rng.int(8)); }
      return b;
    }
    case 'ip-length': {
      if (info.off < 0 || info.off + 6 > b.length) return b;
      const at = info.family === 6 ? info.off + 4 : info.off + 2;
      u16(b, at, rng.int(3) === 0 ? rng.u32() & 0xffff : Math.max(0, ((b[at]! << 8) | b[at + 1]!) + rng.int(41) - 20));
      if (info.family === 4 && rng.int(2) === 0) fixIpv4Checksum(b, info.off);
      return b;
    }
    case 'ihl': {
      if (info.family !== 4 || info.off >= b.length) return b;
      b[info.off] = (rng.int(4) === 0 ? rng.int(16) << 4 : 0x40) | rng.int(16);
      if (rng.int(2) === 0) fixIpv4Checksum(b, info.off);
      return b;
    }
    case 'ip-checksum': {
      if (info.family !== 4 || info.off + 12 > b.length) return b;
      u16(b, info.off + 10, rng.u32() & 0xffff);
      return b;
    }
    case 'l4-checksum': {
      if (info.off < 0) return b;
      const l4 = info.family === 4 ? info.off + (b[info.off]! & 0xf) * 4 : info.off + 40;
      const proto = info.family === 4 ? b[info.off + 9] : b[info.off + 6];
      const csAt = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : l4 + 2;
      if (csAt + 2 <= b.length) u16(b, csAt, rng.u32() & 0xffff);
      return b;
    }
    case 'ethertype': {
      const at = info.off >= 2 && info.pppoe < 0 && rng.int(2) === 0 ? info.off - 2 : 12;
      if (at + 2 <= b.length) u16(b, at, ODD_ETHERTYPES[rng.int(ODD_ETHERTYPES.length)]!);
      return b;
    }
    case 'vlan-tags': {
      const n = 1 + rng.int(4);
      const tags = new Uint8Array(4 * n);
      for (let i = 0; i < n; i++) {
        u16(tags, 4 * i, [0x8100, 0x88a8, 0x9100][rng.int(3)]!);
        u16(tags, 4 * i + 2, rng.int(3) === 0 ? 0 : rng.u32() & 0xffff);
      }
      const out = new Uint8Array(b.length + tags.length);
      out.set(b.subarray(0, 12));
      out.set(tags, 12);
      out.set(b.subarray(12), 12 + tags.length);
      return out.subarray(0, Math.min(out.length, maxLen));
    }
    case 'ipv6-ext-chain':
      return ipv6ExtChain(b, info, rng);
    case 'icmp-error-garbage':
    case 'icmp-error-quote':
      return icmpError(b, info, rng, m === 'icmp-error-quote');
    case 'pppoe-length': {
      if (info.pppoe < 0) return b;
      if (rng.int(3) === 0) b[info.pppoe] = rng.u32() & 0xff; // ver/type
      else u16(b, info.pppoe + 4, rng.u32() & 0xffff);
      return b;
    }
    case 'udp-length': {
      if (info.off < 0) return b;
      const l4 = info.family === 4 ? info.off + (b[info.off]! & 0xf) * 4 : info.off + 40;
      if (l4 + 6 <= b.length) u16(b, l4 + 4, rng.int(2) === 0 ? rng.int(16) : rng.u32() & 0xffff);
      return b;
    }
    case 'tcp-doff': {
      if (info.off < 0) return b;
      const l4 = info.family === 4 ? info.off + (b[info.off]! & 0xf) * 4 : info.off + 40;
      if (l4 + 14 <= b.length) {
        b[l4 + 12] = (rng.int(16) << 4) | (b[l4 + 12]! & 0xf);
        b[l4 + 13] = rng.u32() & 0xff; // any flag combination, SYN+FIN+RST included
      }
      return b;
    }
    case 'ttl': {
      if (info.off < 0 || info.off + 9 > b.length) return b;
      if (info.family === 4) { b[info.off + 8] = rng.int(3); fixIpv4Checksum(b, info.off); } else b[info.off + 7] = rng.int(3);
      return b;
    }
    case 'fragment': {
      if (info.family !== 4 || info.off + 20 > b.length) return b;
      u16(b, info.off + 6, (rng.int(2) << 13) | (rng.int(2) << 14) | (rng.int(4) === 0 ? rng.int(0x2000) : 0));
      fixIpv4Checksum(b, info.off);
      return b;
    }
    case 'random': {
      const r = randomBytes(rng, rng.int(maxLen));
      // Half keep the router-facing Ethernet header so they reach L3.
      if (rng.int(2) === 0) r.set(b.subarray(0, Math.min(14, r.length, b.length)));
      return r;
    }
  }
}

/** An IPv6 packet from the frame's addresses with a chain of 0–12 extension headers, then L4 bytes. */
function ipv6ExtChain(b: Uint8Array, info: L3Info, rng: Rng): Uint8Array {
  if (info.family !== 6 || info.off + 40 > b.length) return b;
  const n = rng.int(13);
  const parts: Uint8Array[] = [];
  const headers: number[] = [];
  // Mostly the headers a parser walks through (long chains reach the 8-header limit), some others.
  for (let i = 0; i < n; i++) headers.push(rng.int(4) === 0 ? EXT_HEADERS[rng.int(EXT_HEADERS.length)]! : [0, 43, 60][rng.int(3)]!);
  const last = [6, 17, 58, 59, rng.int(256)][rng.int(5)]!;
  for (let i = 0; i < n; i++) {
    const kind = headers[i]!;
    const next = i + 1 < n ? headers[i + 1]! : last;
    // Fragment headers are 8 bytes; AH counts in 4-byte units; the others in 8-byte units.
    const units = kind === 44 ? 0 : rng.int(3);
    const len = kind === 44 ? 8 : kind === 51 ? (units + 2) * 4 : (units + 1) * 8;
    const h = randomBytes(rng, len);
    h[0] = next;
    h[1] = kind === 44 ? 0 : units;
    parts.push(h);
  }
  parts.push(randomBytes(rng, rng.int(64)));
  const payloadLen = parts.reduce((a, p) => a + p.length, 0);
  const l3 = new Uint8Array(40 + payloadLen);
  l3.set(b.subarray(info.off, info.off + 40));
  l3[6] = n > 0 ? headers[0]! : last;
  u16(l3, 4, rng.int(8) === 0 ? rng.u32() & 0xffff : payloadLen);
  let at = 40;
  for (const p of parts) { l3.set(p, at); at += p.length; }
  return withL3(b, info, l3);
}

/**
 * An ICMP (v4 or v6) error from the frame's addresses. It quotes either garbage, or the frame's own
 * IP header and first bytes seen from the other side (so conntrack may find it RELATED), with the
 * quoted header then damaged. Outer IP and ICMP checksums are correct, so the error reaches
 * conntrack and NAT (nf_conntrack_icmpv4_error / icmpv6_error, nf_nat_icmp_reply_translation).
 */
function icmpError(b: Uint8Array, info: L3Info, rng: Rng, quote: boolean): Uint8Array {
  if (info.off < 0 || info.family === 0) return b;
  const v4 = info.family === 4;
  const ihl = v4 ? (b[info.off]! & 0xf) * 4 : 40;
  if (info.off + ihl > b.length || ihl < 20) return b;
  let inner: Uint8Array;
  if (quote) {
    inner = b.slice(info.off, Math.min(b.length, info.off + ihl + 8 + rng.int(32)));
    // The quoted packet goes the other way: swap its addresses and ports.
    const aOff = v4 ? 12 : 8, aLen = v4 ? 4 : 16;
    const tmp = inner.slice(aOff, aOff + aLen);
    inner.copyWithin(aOff, aOff + aLen, aOff + 2 * aLen);
    inner.set(tmp, aOff + aLen);
    if (inner.length >= ihl + 4) {
      const p = inner.slice(ihl, ihl + 2);
      inner.copyWithin(ihl, ihl + 2, ihl + 4);
      inner.set(p, ihl + 2);
    }
    const damage = rng.int(4);
    if (damage === 1) inner = inner.subarray(0, rng.int(inner.length));
    else if (damage === 2) for (let i = 0; i < 3; i++) inner[rng.int(inner.length)] = rng.u32() & 0xff;
    else if (damage === 3 && v4) inner[0] = 0x40 | rng.int(16);
  } else {
    inner = randomBytes(rng, rng.int(80));
  }
  const icmpLen = 8 + inner.length;
  const l3 = new Uint8Array(ihl + icmpLen);
  l3.set(b.subarray(info.off, info.off + ihl));
  const types = v4 ? ICMP4_ERRORS : ICMP6_ERRORS;
  l3[ihl] = rng.int(8) === 0 ? rng.int(256) : types[rng.int(types.length)]!;
  l3[ihl + 1] = rng.int(16);
  l3.set(randomBytes(rng, 4), ihl + 4);
  l3.set(inner, ihl + 8);
  if (v4) {
    l3[9] = 1;
    u16(l3, 2, l3.length);
    fixIpv4Checksum(l3, 0);
    u16(l3, ihl + 2, 0);
    // The ICMPv4 checksum covers the ICMP message only (no pseudo-header).
    u16(l3, ihl + 2, plainChecksum(l3, ihl, icmpLen, 2));
  } else {
    l3[6] = 58;
    u16(l3, 4, icmpLen);
    u16(l3, ihl + 2, 0);
    u16(l3, ihl + 2, l4ChecksumV6(l3, 0, 58, ihl, icmpLen, 2));
  }
  return withL3(b, info, l3);
}
