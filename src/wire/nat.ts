/**
 * Header rewrites with incremental checksum updates, shared by conntrack NAT, the flowtable fast
 * path and hardware backends so all three emit byte-identical frames. Each mirrors the kernel
 * function named beside it (nf_flow_table_ip.c's nf_flow_snat_ip/nf_flow_nat_ip_l4/…, nf_nat_proto.c).
 *
 * Checksums here are always complete (the model has no CHECKSUM_PARTIAL), so an address change is
 * folded into the L4 checksum whenever the L4 header covers it with a pseudo-header (TCP, UDP,
 * ICMPv6; not ICMPv4). Pass `l4Off < 0` when there is no L4 header to patch (non-first fragment).
 */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';
import { CSUM_MANGLED_0, csumFinish, csumFold, csumPartial, csumUpdate16, csumUpdate32, pseudoSumV6, sctpChecksumRecompute } from './checksum.ts';
import { ICMP_CSUM, ICMP_ECHO_ID } from './icmp.ts';
import { IPV4_CSUM, IPV4_DST, IPV4_PROTO, IPV4_SRC, IPV4_TTL } from './ipv4.ts';
import { IPV6_DST, IPV6_HOP_LIMIT, IPV6_MAX_EXT_HEADERS, IPV6_SRC, Ipv6ExtInfo, ipv6WalkExtHeaders } from './ipv6.ts';
import { TCP_CSUM, TCP_DPORT, TCP_SPORT } from './tcp.ts';
import { IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_UDPLITE } from './parse.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './tuple.ts';
import { UDP_CSUM, UDP_DPORT, UDP_SPORT } from './udp.ts';

/**
 * Where a port-carrying transport keeps a checksum over the pseudo-header: UDP-Lite and DCCP at
 * byte 6, always in use (udplite_manip_pkt, dccp_manip_pkt: nf_csum_update unconditionally).
 * SCTP's CRC32c covers no pseudo-header (sctp_manip_pkt recomputes it when a port changes).
 */
const ALWAYS_CSUM_AT = 6;
function alwaysCsum(proto: number): boolean {
  return proto === IPPROTO_UDPLITE || proto === IPPROTO_DCCP;
}

/**
 * The transports whose *_manip_pkt makes the first 8 header bytes writable (tcp, udp, udplite,
 * dccp, sctp, and icmp/icmpv6 as `icmpProto`): in a quote cut shorter, the translation fails.
 */
function manipNeeds8(proto: number, icmpProto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === icmpProto || alwaysCsum(proto) || proto === IPPROTO_SCTP;
}

/**
 * Decrements the TTL and patches the header checksum exactly as ip_decrease_ttl() does
 * (check += htons(0x0100) with end-around carry). Returns the new TTL.
 */
export function ipv4DecTtl(b: Uint8Array, ipOff: number): number {
  let c = rd16(b, ipOff + IPV4_CSUM) + 0x0100;
  if (c > 0xffff) c = (c & 0xffff) + 1;
  // The kernel adds in host (little-endian) order, where a sum of exactly 0xffff overflows to 0.
  if (c === 0xffff) c = 0;
  wr16(b, ipOff + IPV4_CSUM, c);
  const ttl = (b[ipOff + IPV4_TTL]! - 1) & 0xff;
  b[ipOff + IPV4_TTL] = ttl;
  return ttl;
}

/** Decrements the IPv6 hop limit (no header checksum in IPv6); returns the new value. */
export function ipv6DecHopLimit(b: Uint8Array, ipOff: number): number {
  const hl = (b[ipOff + IPV6_HOP_LIMIT]! - 1) & 0xff;
  b[ipOff + IPV6_HOP_LIMIT] = hl;
  return hl;
}

/** Patches a UDP checksum: 0 ("none") stays 0, a result of 0 becomes CSUM_MANGLED_0 (nf_flow_nat_ip_l4). */
function udpPatch32(b: Uint8Array, at: number, oldVal: number, newVal: number): void {
  const c = rd16(b, at);
  if (c === 0) return;
  const n = csumUpdate32(c, oldVal, newVal);
  wr16(b, at, n === 0 ? CSUM_MANGLED_0 : n);
}

function udpPatch16(b: Uint8Array, at: number, oldVal: number, newVal: number): void {
  const c = rd16(b, at);
  if (c === 0) return;
  const n = csumUpdate16(c, oldVal, newVal);
  wr16(b, at, n === 0 ? CSUM_MANGLED_0 : n);
}

function ipv4SetAddr(b: Uint8Array, ipOff: number, l4Off: number, field: number, addr: number): void {
  const at = ipOff + field;
  // int32 views of the old and new address: uint32s above 2^31 crossing a call boundary would be
  // boxed as heap numbers, one allocation per packet (the checksum helpers take either).
  const old = rd32(b, at) | 0;
  const nv = addr | 0;
  wr32(b, at, nv);
  wr16(b, ipOff + IPV4_CSUM, csumUpdate32(rd16(b, ipOff + IPV4_CSUM), old, nv));
  if (l4Off < 0) return;
  const proto = b[ipOff + IPV4_PROTO]!;
  if (proto === IPPROTO_TCP) wr16(b, l4Off + TCP_CSUM, csumUpdate32(rd16(b, l4Off + TCP_CSUM), old, nv));
  else if (proto === IPPROTO_UDP) udpPatch32(b, l4Off + UDP_CSUM, old, nv);
  else if (alwaysCsum(proto)) mangledPatch(b, l4Off + ALWAYS_CSUM_AT, proto, csumUpdate32(rd16(b, l4Off + ALWAYS_CSUM_AT), old, nv));
  // ICMPv4's checksum has no pseudo-header: an address change leaves it alone.
}

/** Rewrites the IPv4 source address; patches the header and TCP/UDP checksums (nf_flow_snat_ip). */
export function natIpv4SetSrc(b: Uint8Array, ipOff: number, l4Off: number, addr: number): void {
  ipv4SetAddr(b, ipOff, l4Off, IPV4_SRC, addr);
}

/** Rewrites the IPv4 destination address; patches the header and TCP/UDP checksums (nf_flow_dnat_ip). */
export function natIpv4SetDst(b: Uint8Array, ipOff: number, l4Off: number, addr: number): void {
  ipv4SetAddr(b, ipOff, l4Off, IPV4_DST, addr);
}

function ipv6SetAddr(b: Uint8Array, ipOff: number, l4Off: number, l4proto: number, field: number, w: Uint32Array, wOff: number): void {
  const at = ipOff + field;
  // One's-complement difference of the 128-bit change, folded once (csum_replace16's sum).
  let diff = 0;
  for (let i = 0; i < 4; i++) {
    const o = rd32(b, at + 4 * i);
    const n = w[wOff + i]!;
    diff += (~(o >>> 16) & 0xffff) + (~o & 0xffff) + (n >>> 16) + (n & 0xffff);
    wr32(b, at + 4 * i, n);
  }
  if (l4Off < 0) return;
  let csumAt: number;
  if (l4proto === IPPROTO_TCP) csumAt = l4Off + TCP_CSUM;
  else if (l4proto === IPPROTO_UDP) csumAt = l4Off + UDP_CSUM;
  else if (l4proto === IPPROTO_ICMPV6) csumAt = l4Off + ICMP_CSUM;
  else if (alwaysCsum(l4proto)) csumAt = l4Off + ALWAYS_CSUM_AT;
  else return;
  const c = rd16(b, csumAt);
  if (l4proto === IPPROTO_UDP && c === 0) return;
  let n = ~csumFold((~c & 0xffff) + diff) & 0xffff;
  if (n === 0 && (l4proto === IPPROTO_UDP || l4proto === IPPROTO_UDPLITE)) n = CSUM_MANGLED_0;
  wr16(b, csumAt, n);
}

/**
 * Rewrites the IPv6 source address to words `w[wOff..wOff+4)`; IPv6 has no header checksum, but
 * the TCP/UDP/ICMPv6 pseudo-header changes (nf_flow_snat_ipv6, inet_proto_csum_replace16).
 */
export function natIpv6SetSrc(b: Uint8Array, ipOff: number, l4Off: number, l4proto: number, w: Uint32Array, wOff: number): void {
  ipv6SetAddr(b, ipOff, l4Off, l4proto, IPV6_SRC, w, wOff);
}

/** Rewrites the IPv6 destination address (nf_flow_dnat_ipv6); see natIpv6SetSrc. */
export function natIpv6SetDst(b: Uint8Array, ipOff: number, l4Off: number, l4proto: number, w: Uint32Array, wOff: number): void {
  ipv6SetAddr(b, ipOff, l4Off, l4proto, IPV6_DST, w, wOff);
}

/** Writes a UDP-Lite/DCCP checksum: UDP-Lite sends a computed 0 as all ones, as UDP does. */
function mangledPatch(b: Uint8Array, at: number, proto: number, n: number): void {
  wr16(b, at, n === 0 && proto === IPPROTO_UDPLITE ? CSUM_MANGLED_0 : n);
}

function setPort(b: Uint8Array, l4Off: number, l4proto: number, tcpField: number, udpField: number, port: number, l4End: number): void {
  if (l4proto === IPPROTO_TCP) {
    const at = l4Off + tcpField;
    const old = rd16(b, at);
    wr16(b, at, port);
    wr16(b, l4Off + TCP_CSUM, csumUpdate16(rd16(b, l4Off + TCP_CSUM), old, port & 0xffff));
  } else if (l4proto === IPPROTO_UDP) {
    const at = l4Off + udpField;
    const old = rd16(b, at);
    wr16(b, at, port);
    udpPatch16(b, l4Off + UDP_CSUM, old, port & 0xffff);
  } else if (alwaysCsum(l4proto)) {
    // Ports where UDP has them (udplite_manip_pkt, dccp_manip_pkt).
    const at = l4Off + udpField;
    const old = rd16(b, at);
    wr16(b, at, port);
    mangledPatch(b, l4Off + ALWAYS_CSUM_AT, l4proto, csumUpdate16(rd16(b, l4Off + ALWAYS_CSUM_AT), old, port & 0xffff));
  } else if (l4proto === IPPROTO_SCTP) {
    wr16(b, l4Off + udpField, port);
    sctpChecksumRecompute(b, l4Off, l4End);
  }
}

/**
 * Rewrites the source port with the transport's checksum patched (nf_flow_snat_port; the NAT's
 * tcp/udp/udplite/dccp/sctp_manip_pkt): SCTP's CRC32c is recomputed over [l4Off, l4End) when
 * `l4End` is given; other protocols: no-op.
 */
export function natSetSport(b: Uint8Array, l4Off: number, l4proto: number, port: number, l4End = -1): void {
  setPort(b, l4Off, l4proto, TCP_SPORT, UDP_SPORT, port, l4End);
}

/** Rewrites the destination port (nf_flow_dnat_port, the NAT's *_manip_pkt); see natSetSport. */
export function natSetDport(b: Uint8Array, l4Off: number, l4proto: number, port: number, l4End = -1): void {
  setPort(b, l4Off, l4proto, TCP_DPORT, UDP_DPORT, port, l4End);
}

/**
 * Rewrites an ICMP/ICMPv6 echo identifier with the checksum patched (nf_nat_icmp_manip_pkt /
 * icmpv6_manip_pkt). The id is not in any pseudo-header, so the same patch serves both families.
 */
export function natIcmpSetEchoId(b: Uint8Array, l4Off: number, id: number): void {
  const at = l4Off + ICMP_ECHO_ID;
  const old = rd16(b, at);
  wr16(b, at, id);
  wr16(b, l4Off + ICMP_CSUM, csumUpdate16(rd16(b, l4Off + ICMP_CSUM), old, id & 0xffff));
}

// --- ICMP error payloads (nf_nat_icmp_reply_translation / nf_nat_icmpv6_reply_translation) -------

const innerExt = new Ipv6ExtInfo();

/** True for ICMPv4 types whose id the NAT rewrites (icmp_manip_pkt: echo, timestamp, info, address mask). */
function icmpHasId(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/**
 * Rewrites the quoted inner IPv4 packet of an ICMPv4 error at `icmpOff` (the message ends at
 * `icmpEnd`, the outer IP packet's end): the inner source (`src` true) or destination address, and
 * the matching TCP/UDP port or, for an inner ICMP query, its id. Inner checksums are patched as
 * nf_nat_ipv4_manip_pkt does on a truncated quote — the TCP checksum only when the quote holds the
 * whole 20-byte header, UDP's only when non-zero — then the ICMP checksum is recomputed over the
 * whole message, as nf_nat_icmp_reply_translation does. The outer address is the caller's
 * (natIpv4SetSrc/Dst; ICMPv4 has no pseudo-header). Returns false, changing nothing, when the quote
 * is too short to hold the inner IP header, or the first 8 bytes of a TCP, UDP or ICMP header.
 */
export function natIcmpInnerV4(b: Uint8Array, icmpOff: number, icmpEnd: number, src: boolean, addr: number, port: number): boolean {
  const q = icmpOff + 8;
  if (q + 20 > icmpEnd || b[q]! >>> 4 !== 4) return false;
  const hlen = (b[q]! & 0x0f) << 2;
  if (hlen < 20 || q + hlen > icmpEnd) return false;
  const at = q + (src ? IPV4_SRC : IPV4_DST);
  const old = rd32(b, at);
  const nv = addr >>> 0;
  const l4 = q + hlen;
  const avail = icmpEnd - l4;
  const proto = b[q + IPV4_PROTO]!;
  const nonFirst = (rd16(b, q + 6) & 0x1fff) !== 0;
  // A failed manip fails the whole translation (the caller drops the error).
  if (!nonFirst && avail < 8 && manipNeeds8(proto, IPPROTO_ICMP)) return false;
  if (!nonFirst && avail >= 8) {
    if (proto === IPPROTO_TCP) {
      const pAt = l4 + (src ? TCP_SPORT : TCP_DPORT);
      const oldPort = rd16(b, pAt);
      wr16(b, pAt, port);
      if (avail >= 20) {
        const c = csumUpdate32(rd16(b, l4 + TCP_CSUM), old, nv);
        wr16(b, l4 + TCP_CSUM, csumUpdate16(c, oldPort, port & 0xffff));
      }
    } else if (proto === IPPROTO_UDP) {
      const pAt = l4 + (src ? UDP_SPORT : UDP_DPORT);
      const oldPort = rd16(b, pAt);
      wr16(b, pAt, port);
      const c = rd16(b, l4 + UDP_CSUM);
      if (c !== 0) {
        const n = csumUpdate16(csumUpdate32(c, old, nv), oldPort, port & 0xffff);
        wr16(b, l4 + UDP_CSUM, n === 0 ? CSUM_MANGLED_0 : n);
      }
    } else if (proto === IPPROTO_ICMP && icmpHasId(b[l4]!)) {
      natIcmpSetEchoId(b, l4, port);
    } else if (alwaysCsum(proto)) {
      const pAt = l4 + (src ? UDP_SPORT : UDP_DPORT);
      const oldPort = rd16(b, pAt);
      wr16(b, pAt, port);
      mangledPatch(b, l4 + ALWAYS_CSUM_AT, proto, csumUpdate16(csumUpdate32(rd16(b, l4 + ALWAYS_CSUM_AT), old, nv), oldPort, port & 0xffff));
    } else if (proto === IPPROTO_SCTP) {
      wr16(b, l4 + (src ? UDP_SPORT : UDP_DPORT), port);
      sctpChecksumRecompute(b, l4, icmpEnd);
    }
  }
  wr32(b, at, nv);
  wr16(b, q + IPV4_CSUM, csumUpdate32(rd16(b, q + IPV4_CSUM), old, nv));
  wr16(b, icmpOff + ICMP_CSUM, 0);
  wr16(b, icmpOff + ICMP_CSUM, csumFinish(csumPartial(b, icmpOff, icmpEnd - icmpOff, 0)));
  return true;
}

/**
 * As natIcmpInnerV4 for an ICMPv6 error inside the IPv6 packet at `ipOff`: the inner IPv6 source or
 * destination becomes `w[wOff..wOff+4)`, the inner TCP/UDP port or ICMPv6 echo id becomes `port`,
 * inner L4 checksums follow the pseudo-header change where the quote holds them (nf_nat_ipv6_manip_pkt,
 * skipping extension headers and leaving non-first fragments' data alone), and the ICMPv6 checksum
 * is recomputed over the whole message with the outer pseudo-header. Rewrite the outer address
 * afterwards with natIpv6SetSrc/Dst (l4proto ICMPv6), which patches that checksum incrementally.
 */
export function natIcmpInnerV6(b: Uint8Array, ipOff: number, icmpOff: number, icmpEnd: number, src: boolean, w: Uint32Array, wOff: number, port: number): boolean {
  const q = icmpOff + 8;
  if (q + 40 > icmpEnd || b[q]! >>> 4 !== 6) return false;
  const at = q + (src ? IPV6_SRC : IPV6_DST);
  let diff = 0;
  for (let i = 0; i < 4; i++) {
    const o = rd32(b, at + 4 * i);
    const n = w[wOff + i]!;
    diff += (~(o >>> 16) & 0xffff) + (~o & 0xffff) + (n >>> 16) + (n & 0xffff);
  }
  const walk = ipv6WalkExtHeaders(b, b[q + 6]!, q + 40, icmpEnd, IPV6_MAX_EXT_HEADERS, innerExt);
  if (walk === 0 && innerExt.fragOffset === 0) {
    const l4 = innerExt.l4off;
    const avail = icmpEnd - l4;
    const proto = innerExt.nextHdr;
    // As for IPv4: a transport header the manip needs but the quote cuts short fails it.
    if (avail < 8 && manipNeeds8(proto, IPPROTO_ICMPV6)) return false;
    if (avail >= 8) {
      let csumAt = -1;
      let pAt = -1;
      if (proto === IPPROTO_TCP) {
        pAt = l4 + (src ? TCP_SPORT : TCP_DPORT);
        if (avail >= 20) csumAt = l4 + TCP_CSUM;
      } else if (proto === IPPROTO_UDP) {
        pAt = l4 + (src ? UDP_SPORT : UDP_DPORT);
        if (rd16(b, l4 + UDP_CSUM) !== 0) csumAt = l4 + UDP_CSUM;
      } else if (proto === IPPROTO_ICMPV6) {
        csumAt = l4 + ICMP_CSUM;
        const t = b[l4]!;
        if (t === 128 || t === 129) pAt = l4 + ICMP_ECHO_ID;
      } else if (alwaysCsum(proto)) {
        pAt = l4 + (src ? UDP_SPORT : UDP_DPORT);
        csumAt = l4 + ALWAYS_CSUM_AT;
      } else if (proto === IPPROTO_SCTP) {
        pAt = l4 + (src ? UDP_SPORT : UDP_DPORT);
      }
      let d = diff;
      if (pAt >= 0) {
        d += (~rd16(b, pAt) & 0xffff) + (port & 0xffff);
        wr16(b, pAt, port);
      }
      if (csumAt >= 0) {
        let n = ~csumFold((~rd16(b, csumAt) & 0xffff) + d) & 0xffff;
        if (n === 0 && (proto === IPPROTO_UDP || proto === IPPROTO_UDPLITE)) n = CSUM_MANGLED_0;
        wr16(b, csumAt, n);
      }
      if (proto === IPPROTO_SCTP) sctpChecksumRecompute(b, l4, icmpEnd);
    }
  }
  for (let i = 0; i < 4; i++) wr32(b, at + 4 * i, w[wOff + i]!);
  const len = icmpEnd - icmpOff;
  wr16(b, icmpOff + ICMP_CSUM, 0);
  wr16(b, icmpOff + ICMP_CSUM, csumFinish(csumPartial(b, icmpOff, len, pseudoSumV6(b, ipOff + IPV6_SRC, ipOff + IPV6_DST, IPPROTO_ICMPV6, len))));
  return true;
}
