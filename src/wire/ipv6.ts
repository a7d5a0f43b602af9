/**
 * IPv6 header view (RFC 8200 §3) and the extension-header chain walk (§4). `off` points at the
 * version nibble. Addresses are four uint32 words (word 0 = the first 4 bytes), as the tuple stores
 * them; `ipv6SrcWord(b, off, i)` reads word i.
 */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';
import { DropReason } from './drop-reasons.ts';

export const IPV6_VER_TC_FL = 0;
export const IPV6_PAYLOAD_LEN = 4;
export const IPV6_NEXT_HDR = 6;
export const IPV6_HOP_LIMIT = 7;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
/** Fixed header length. */
export const IPV6_HLEN = IPV6_DST + 16;
/** Minimum link MTU (IPV6_MIN_MTU). */
export const IPV6_MIN_MTU = 1280;

/** Next-header values of extension headers (include/net/ipv6.h NEXTHDR_*). */
export const NEXTHDR_HOP = 0;
export const NEXTHDR_ROUTING = 43;
export const NEXTHDR_FRAGMENT = 44;
export const NEXTHDR_ESP = 50;
export const NEXTHDR_AUTH = 51;
export const NEXTHDR_NONE = 59;
export const NEXTHDR_DEST = 60;

/** Fragment header layout (struct frag_hdr). */
export const FRAG_NEXT_HDR = 0;
export const FRAG_OFF = 2;
export const FRAG_ID = 4;
export const FRAG_HLEN = 8;
/** In the fragment header's offset word: offset in octets is `v & IP6_OFFSET`, M flag is bit 0. */
export const IP6_OFFSET = 0xfff8;
export const IP6_MF = 0x0001;

/** Default bound on the extension-header chain the parser walks. */
export const IPV6_MAX_EXT_HEADERS = 8;

/** Returns the version nibble. */
export function ipv6Version(b: Uint8Array, off: number): number {
  return b[off]! >>> 4;
}
/** Returns the traffic class byte. */
export function ipv6TrafficClass(b: Uint8Array, off: number): number {
  return ((b[off]! & 0x0f) << 4) | (b[off + 1]! >>> 4);
}
/** Returns the 20-bit flow label. */
export function ipv6FlowLabel(b: Uint8Array, off: number): number {
  return ((b[off + 1]! & 0x0f) << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}
/** Returns the payload length (everything after the fixed header) in octets. */
export function ipv6PayloadLen(b: Uint8Array, off: number): number {
  return rd16(b, off + IPV6_PAYLOAD_LEN);
}
/** Returns the next-header field of the fixed header. */
export function ipv6NextHdr(b: Uint8Array, off: number): number {
  return b[off + IPV6_NEXT_HDR]!;
}
/** Returns the hop limit. */
export function ipv6HopLimit(b: Uint8Array, off: number): number {
  return b[off + IPV6_HOP_LIMIT]!;
}
/** Returns word `i` (0..3) of the source address. */
export function ipv6SrcWord(b: Uint8Array, off: number, i: number): number {
  return rd32(b, off + IPV6_SRC + 4 * i);
}
/** Returns word `i` (0..3) of the destination address. */
export function ipv6DstWord(b: Uint8Array, off: number, i: number): number {
  return rd32(b, off + IPV6_DST + 4 * i);
}
/** Writes version 6, traffic class and flow label (ip6_flow_hdr). */
export function setIpv6VerTcFlow(b: Uint8Array, off: number, tclass: number, flowLabel: number): void {
  wr32(b, off + IPV6_VER_TC_FL, ((6 << 28) | ((tclass & 0xff) << 20) | (flowLabel & 0xfffff)) >>> 0);
}
/** Sets the payload length. */
export function setIpv6PayloadLen(b: Uint8Array, off: number, len: number): void {
  wr16(b, off + IPV6_PAYLOAD_LEN, len);
}
/** Sets the next-header field of the fixed header. */
export function setIpv6NextHdr(b: Uint8Array, off: number, nh: number): void {
  b[off + IPV6_NEXT_HDR] = nh;
}
/** Sets the hop limit. */
export function setIpv6HopLimit(b: Uint8Array, off: number, hl: number): void {
  b[off + IPV6_HOP_LIMIT] = hl;
}
/** Copies 4 address words from `w[wOff..]` into the 16 bytes at `at` (no checksum update). */
export function writeIpv6Addr(b: Uint8Array, at: number, w: Uint32Array, wOff: number): void {
  for (let i = 0; i < 4; i++) wr32(b, at + 4 * i, w[wOff + i]!);
}
/** Reads the 16 bytes at `at` into 4 address words at `w[wOff..]`. */
export function readIpv6Addr(b: Uint8Array, at: number, w: Uint32Array, wOff: number): void {
  for (let i = 0; i < 4; i++) w[wOff + i] = rd32(b, at + 4 * i);
}
/** True when `nh` is an extension header the chain walk steps over (ipv6_ext_hdr, minus NONE). */
export function ipv6IsExtHdr(nh: number): boolean {
  return nh === NEXTHDR_HOP || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT || nh === NEXTHDR_AUTH || nh === NEXTHDR_DEST;
}

/** What a walk of the extension-header chain found. Reused by its owner: no object per packet. */
export class Ipv6ExtInfo {
  /** The upper-layer protocol (or NEXTHDR_NONE / NEXTHDR_ESP where the walk stops). */
  nextHdr = 0;
  /** Absolute offset of the upper-layer header (or of the data after a non-first fragment header). */
  l4off = 0;
  /** Extension headers stepped over. */
  count = 0;
  /** A hop-by-hop, routing or destination-options header was present. */
  hasOptions = false;
  /** A fragment header was present. */
  hasFragment = false;
  /** Fragment offset in octets (0 when no fragment header). */
  fragOffset = 0;
  /** More-fragments flag of the fragment header. */
  fragMore = false;
  /** Fragment identification (0 when no fragment header). */
  fragId = 0;
}

/**
 * Walks the chain that starts with next-header `nh` at `start`, within [start, end), stepping over
 * at most `maxHeaders` extension headers (ipv6_skip_exthdr, with a bound). Stops at the first
 * non-extension header, at NEXTHDR_NONE, and after the fragment header of a non-first fragment
 * (its data is not an upper-layer header). Fills `out`; returns 0 or a DropReason.
 */
export function ipv6WalkExtHeaders(b: Uint8Array, nh: number, start: number, end: number, maxHeaders: number, out: Ipv6ExtInfo): number {
  let at = start;
  let next = nh;
  let count = 0;
  out.hasOptions = false;
  out.hasFragment = false;
  out.fragOffset = 0;
  out.fragMore = false;
  out.fragId = 0;
  while (ipv6IsExtHdr(next)) {
    if (count === maxHeaders) {
      out.count = count;
      return DropReason.IPV6_EXTHDR_CHAIN;
    }
    if (at + 8 > end) return DropReason.IPV6_BAD_EXTHDR; // every extension header is ≥ 8 bytes
    const hdrNext = b[at]!;
    count++;
    if (next === NEXTHDR_FRAGMENT) {
      const fo = rd16(b, at + FRAG_OFF);
      out.hasFragment = true;
      out.fragOffset = fo & IP6_OFFSET;
      out.fragMore = (fo & IP6_MF) !== 0;
      out.fragId = rd32(b, at + FRAG_ID);
      next = hdrNext;
      at += FRAG_HLEN;
      if (out.fragOffset !== 0) break; // non-first fragment: the rest is payload
      continue;
    }
    const hlen = next === NEXTHDR_AUTH ? (b[at + 1]! + 2) << 2 : (b[at + 1]! + 1) << 3;
    if (at + hlen > end) return DropReason.IPV6_BAD_EXTHDR;
    if (next !== NEXTHDR_AUTH) out.hasOptions = true;
    next = hdrNext;
    at += hlen;
  }
  out.nextHdr = next;
  out.l4off = at;
  out.count = count;
  return 0;
}

/** RFC 5952 text form of an address given as 4 host-order words (reports and traces, not the packet path). */
export function formatIpv6(w: ArrayLike<number>, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) {
    const x = w[off + i]! >>> 0;
    g.push(x >>> 16, x & 0xffff);
  }
  // The longest run of two or more zero groups becomes "::" (RFC 5952 §4.2).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
