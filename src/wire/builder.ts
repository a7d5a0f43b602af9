/**
 * Frame builders for tests and the traffic generator, and the kernel's generated replies: ICMP
 * errors (icmp_send / icmp6_send) and TCP resets (nf_send_reset / nf_send_reset6).
 *
 * A `FrameSpec` is a mutable description the caller owns and reuses, so building a frame allocates
 * nothing: set the fields, call buildFrame, change a field, build again.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_ICMP_ERROR, PF_L4_VALID } from '../buffers/pool.ts';
import { rd16, rd32, wr16, wr32 } from './bytes.ts';
import { CSUM_MANGLED_0, csumFinish, csumFold, csumPartial, pseudoSumV4, pseudoSumV6 } from './checksum.ts';
import { ETH_HLEN, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, ETH_P_PPP_SES, ETH_ZLEN, writeMac } from './ethernet.ts';
import { ICMP_ECHO, ICMP_HLEN, ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST, icmpIsError, NR_ICMP_TYPES } from './icmp.ts';
import { IP_DF, IP_MF, IPOPT_NOOP, IPTOS_PREC_INTERNETCONTROL, IPTOS_TOS_MASK, IPV4_HLEN } from './ipv4.ts';
import { IPV6_HLEN, IPV6_MIN_MTU, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP } from './ipv6.ts';
import { PPP_IP, PPP_IPV6, PPPOE_SES_HLEN, writePppoeSession } from './pppoe.ts';
import { TCP_ACK_FLAG, TCP_FIN, TCP_HLEN, TCP_RST, TCP_SYN, TCPOLEN_MSS, TCPOPT_MSS } from './tcp.ts';
import { FAMILY_IPV4, FAMILY_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, T_PROTO, TUPLE_WORDS } from './tuple.ts';
import { UDP_HLEN } from './udp.ts';

/** sysctl net.ipv4.ip_default_ttl and net.ipv6.conf.all.hop_limit defaults (ip4_dst_hoplimit, ip6_dst_hoplimit). */
export const DEFAULT_TTL = 64;
/** icmp_send quotes as much of the offending packet as fits a 576-byte reply (RFC 1812 §4.3.2.3). */
export const ICMP_ERROR_MAX_LEN = 576;

/** A reusable description of one frame (see buildFrame). Every field has a working default. */
export class FrameSpec {
  dstMacHi = 0x0200;
  dstMacLo = 0x00000001;
  srcMacHi = 0x0200;
  srcMacLo = 0x00000002;
  /** 0, 1 or 2 VLAN tags; tag 0 is the outer one. */
  vlanCount = 0;
  vlanTpid0 = ETH_P_8021Q;
  vlanTci0 = 0;
  vlanTpid1 = ETH_P_8021Q;
  vlanTci1 = 0;
  /** PPPoE session id, or -1 for none. */
  pppoeSid = -1;
  /** 4 or 6. */
  family = FAMILY_IPV4;
  src4 = 0xc0a80102;
  dst4 = 0xc6336401;
  /** IPv6 source as 4 words (tuple layout). */
  readonly src6 = Uint32Array.of(0x20010db8, 0, 0, 2);
  readonly dst6 = Uint32Array.of(0x20010db8, 1, 0, 1);
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl = DEFAULT_TTL;
  /** TOS (IPv4) or traffic class (IPv6). */
  tos = 0;
  flowLabel = 0;
  df = true;
  ipId = 0;
  /** Fragment offset in octets (multiple of 8); non-zero means no L4 header in this frame. */
  fragOffset = 0;
  moreFragments = false;
  /** IPv6: add a fragment header (carrying fragOffset, moreFragments, fragId). */
  ipv6Fragment = false;
  fragId = 0;
  /** IPv4 options length in octets (multiple of 4, ≤ 40), filled with NOPs. */
  ipv4OptionsLen = 0;
  /** IPv6: add a hop-by-hop options header (8 bytes, one PadN option). */
  ipv6HopByHop = false;
  /** IPv6: number of destination-options headers (8 bytes each) before the fragment header. */
  ipv6DestOpts = 0;
  /** IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP/IPPROTO_ICMPV6, or any other number (payload only). */
  l4proto = IPPROTO_TCP;
  sport = 40000;
  dport = 80;
  tcpSeq = 1000;
  tcpAck = 0;
  tcpFlags = TCP_SYN;
  tcpWindow = 64240;
  /** MSS option value, or -1 for no option. */
  tcpMss = -1;
  /** UDP over IPv4 only: false sends checksum 0 ("none"). */
  udpChecksum = true;
  icmpType = ICMP_ECHO;
  icmpCode = 0;
  icmpId = 1;
  icmpSeq = 1;
  /** Payload bytes after the L4 header, filled with (payloadSeed + i) & 0xff. */
  payloadLen = 0;
  payloadSeed = 0;
  /** Pad the frame with zeros to 60 bytes, as a NIC sends it. */
  padToMinimum = true;

  /** Copies every field from `o`. */
  copyFrom(o: FrameSpec): this {
    this.dstMacHi = o.dstMacHi; this.dstMacLo = o.dstMacLo; this.srcMacHi = o.srcMacHi; this.srcMacLo = o.srcMacLo;
    this.vlanCount = o.vlanCount; this.vlanTpid0 = o.vlanTpid0; this.vlanTci0 = o.vlanTci0; this.vlanTpid1 = o.vlanTpid1; this.vlanTci1 = o.vlanTci1;
    this.pppoeSid = o.pppoeSid; this.family = o.family; this.src4 = o.src4; this.dst4 = o.dst4;
    this.src6.set(o.src6); this.dst6.set(o.dst6);
    this.ttl = o.ttl; this.tos = o.tos; this.flowLabel = o.flowLabel; this.df = o.df; this.ipId = o.ipId;
    this.fragOffset = o.fragOffset; this.moreFragments = o.moreFragments; this.ipv6Fragment = o.ipv6Fragment; this.fragId = o.fragId;
    this.ipv4OptionsLen = o.ipv4OptionsLen; this.ipv6HopByHop = o.ipv6HopByHop; this.ipv6DestOpts = o.ipv6DestOpts;
    this.l4proto = o.l4proto; this.sport = o.sport; this.dport = o.dport;
    this.tcpSeq = o.tcpSeq; this.tcpAck = o.tcpAck; this.tcpFlags = o.tcpFlags; this.tcpWindow = o.tcpWindow; this.tcpMss = o.tcpMss;
    this.udpChecksum = o.udpChecksum; this.icmpType = o.icmpType; this.icmpCode = o.icmpCode; this.icmpId = o.icmpId; this.icmpSeq = o.icmpSeq;
    this.payloadLen = o.payloadLen; this.payloadSeed = o.payloadSeed; this.padToMinimum = o.padToMinimum;
    return this;
  }

  /** Restores the defaults. */
  reset(): this {
    return this.copyFrom(DEFAULTS);
  }
}

const DEFAULTS = new FrameSpec();

// Prefix sums of the pattern's big-endian 16-bit words, starting at even (PE) and odd (PO) byte
// positions, so the payload's checksum contribution costs O(1) instead of a loop over the bytes.
const PATTERN_WORDS = (256 + 65536) / 2 + 1;
const PE = new Float64Array(PATTERN_WORDS + 1);
const PO = new Float64Array(PATTERN_WORDS + 1);
for (let i = 0; i < PATTERN_WORDS; i++) {
  const e = 2 * i, o = 2 * i + 1;
  PE[i + 1] = PE[i]! + (((e & 0xff) << 8) | ((e + 1) & 0xff));
  PO[i + 1] = PO[i]! + (((o & 0xff) << 8) | ((o + 1) & 0xff));
}

/** Sum of the payload pattern [phase, phase+len) as big-endian words (odd tail zero-padded). */
function patternSum(phase: number, len: number): number {
  const words = len >>> 1;
  let s = phase & 1 ? PO[(phase >>> 1) + words]! - PO[phase >>> 1]! : PE[(phase >>> 1) + words]! - PE[phase >>> 1]!;
  if (len & 1) s += ((phase + len - 1) & 0xff) << 8;
  return s;
}

/** Bytes of the L4 header buildFrame writes for `spec` (0 for a non-first fragment or other protocols). */
function l4HeaderLen(spec: FrameSpec): number {
  if (spec.fragOffset !== 0) return 0;
  const p = spec.l4proto;
  if (p === IPPROTO_TCP) return TCP_HLEN + (spec.tcpMss >= 0 ? TCPOLEN_MSS : 0);
  if (p === IPPROTO_UDP) return UDP_HLEN;
  if ((p === IPPROTO_ICMP && spec.family === FAMILY_IPV4) || (p === IPPROTO_ICMPV6 && spec.family === FAMILY_IPV6)) return ICMP_HLEN;
  return 0;
}

/**
 * Writes the frame `spec` describes at the slot's headroom, with correct lengths and checksums
 * (IPv4 header; TCP/UDP/ICMPv6 with pseudo-header; ICMP). Sets pool.off/len and returns the frame
 * length, or 0 when it does not fit the slot (or an IP length would exceed 65535).
 * A first fragment's L4 checksum covers only the bytes in this fragment.
 */
export function buildFrame(pool: PacketPool, slot: number, spec: FrameSpec): number {
  const v6 = spec.family === FAMILY_IPV6;
  const vlans = spec.vlanCount < 0 ? 0 : spec.vlanCount > 2 ? 2 : spec.vlanCount;
  const l2 = ETH_HLEN + 4 * vlans + (spec.pppoeSid >= 0 ? PPPOE_SES_HLEN : 0);
  const optLen = v6 ? 0 : spec.ipv4OptionsLen & ~3;
  const extLen = v6 ? (spec.ipv6HopByHop ? 8 : 0) + 8 * spec.ipv6DestOpts + (spec.ipv6Fragment ? 8 : 0) : 0;
  const ipHdr = (v6 ? IPV6_HLEN + extLen : IPV4_HLEN + optLen);
  const l4Hdr = l4HeaderLen(spec);
  const ipLen = ipHdr + l4Hdr + spec.payloadLen;
  const frameLen = l2 + ipLen;
  const padded = spec.padToMinimum && frameLen < ETH_ZLEN ? ETH_ZLEN : frameLen;
  if (padded > pool.slotSize - pool.headroom || (v6 ? ipLen - IPV6_HLEN : ipLen) > 0xffff || optLen > 40) return 0;

  const b = pool.bytes;
  const f = pool.base(slot) + pool.headroom;
  writeMac(b, f, spec.dstMacHi, spec.dstMacLo);
  writeMac(b, f + 6, spec.srcMacHi, spec.srcMacLo);
  let at = f + 12;
  if (vlans >= 1) {
    wr16(b, at, spec.vlanTpid0);
    wr16(b, at + 2, spec.vlanTci0);
    at += 4;
  }
  if (vlans === 2) {
    wr16(b, at, spec.vlanTpid1);
    wr16(b, at + 2, spec.vlanTci1);
    at += 4;
  }
  const l3type = v6 ? ETH_P_IPV6 : ETH_P_IP;
  if (spec.pppoeSid >= 0) {
    wr16(b, at, ETH_P_PPP_SES);
    writePppoeSession(b, at + 2, spec.pppoeSid, ipLen + 2, v6 ? PPP_IPV6 : PPP_IP);
    at += 2 + PPPOE_SES_HLEN;
  } else {
    wr16(b, at, l3type);
    at += 2;
  }

  const ip = at;
  let l4 = ip + ipHdr;
  let lastNextHdrAt: number; // where the L4 protocol number goes
  if (!v6) {
    b[ip] = 0x40 | ((IPV4_HLEN + optLen) >>> 2);
    b[ip + 1] = spec.tos;
    wr16(b, ip + 2, ipLen);
    wr16(b, ip + 4, spec.ipId);
    wr16(b, ip + 6, (spec.df ? IP_DF : 0) | (spec.moreFragments ? IP_MF : 0) | ((spec.fragOffset >>> 3) & 0x1fff));
    b[ip + 8] = spec.ttl;
    lastNextHdrAt = ip + 9;
    wr16(b, ip + 10, 0);
    wr32(b, ip + 12, spec.src4);
    wr32(b, ip + 16, spec.dst4);
    b.fill(IPOPT_NOOP, ip + IPV4_HLEN, ip + IPV4_HLEN + optLen);
  } else {
    wr32(b, ip, ((6 << 28) | ((spec.tos & 0xff) << 20) | (spec.flowLabel & 0xfffff)) >>> 0);
    wr16(b, ip + 4, ipLen - IPV6_HLEN);
    b[ip + 7] = spec.ttl;
    for (let i = 0; i < 4; i++) {
      wr32(b, ip + 8 + 4 * i, spec.src6[i]!);
      wr32(b, ip + 24 + 4 * i, spec.dst6[i]!);
    }
    lastNextHdrAt = ip + 6;
    let e = ip + IPV6_HLEN;
    if (spec.ipv6HopByHop) {
      b[lastNextHdrAt] = NEXTHDR_HOP;
      writePadNHeader(b, e);
      lastNextHdrAt = e;
      e += 8;
    }
    for (let i = 0; i < spec.ipv6DestOpts; i++) {
      b[lastNextHdrAt] = NEXTHDR_DEST;
      writePadNHeader(b, e);
      lastNextHdrAt = e;
      e += 8;
    }
    if (spec.ipv6Fragment) {
      b[lastNextHdrAt] = NEXTHDR_FRAGMENT;
      b[e + 1] = 0;
      wr16(b, e + 2, (spec.fragOffset & 0xfff8) | (spec.moreFragments ? 1 : 0));
      wr32(b, e + 4, spec.fragId);
      lastNextHdrAt = e;
      e += 8;
    }
    l4 = e;
  }
  b[lastNextHdrAt] = spec.l4proto;

  // L4 header, then the payload pattern.
  const p = spec.l4proto;
  if (l4Hdr > 0) {
    if (p === IPPROTO_TCP) {
      wr16(b, l4, spec.sport);
      wr16(b, l4 + 2, spec.dport);
      wr32(b, l4 + 4, spec.tcpSeq);
      wr32(b, l4 + 8, spec.tcpAck);
      b[l4 + 12] = (l4Hdr >>> 2) << 4;
      b[l4 + 13] = spec.tcpFlags;
      wr16(b, l4 + 14, spec.tcpWindow);
      wr16(b, l4 + 16, 0);
      wr16(b, l4 + 18, 0);
      if (spec.tcpMss >= 0) {
        b[l4 + 20] = TCPOPT_MSS;
        b[l4 + 21] = TCPOLEN_MSS;
        wr16(b, l4 + 22, spec.tcpMss);
      }
    } else if (p === IPPROTO_UDP) {
      wr16(b, l4, spec.sport);
      wr16(b, l4 + 2, spec.dport);
      wr16(b, l4 + 4, UDP_HLEN + spec.payloadLen);
      wr16(b, l4 + 6, 0);
    } else {
      b[l4] = spec.icmpType;
      b[l4 + 1] = spec.icmpCode;
      wr16(b, l4 + 2, 0);
      wr16(b, l4 + 4, spec.icmpId);
      wr16(b, l4 + 6, spec.icmpSeq);
    }
  }
  const data = l4 + l4Hdr;
  const phase = spec.payloadSeed & 0xff;
  // Both are calls into the runtime, not free even for zero bytes: bare ACKs carry no payload and
  // most frames need no padding.
  if (spec.payloadLen > 0) b.copyWithin(data, pool.patternAt + phase, pool.patternAt + phase + spec.payloadLen);
  if (padded > frameLen) b.fill(0, f + frameLen, f + padded);

  // Checksums: L4 first (it does not cover the IP header), then the IPv4 header.
  if (l4Hdr > 0) {
    const l4len = l4Hdr + spec.payloadLen;
    if (p === IPPROTO_TCP || p === IPPROTO_UDP || p === IPPROTO_ICMPV6) {
      const pseudo = v6 ? pseudoSumV6(b, ip + 8, ip + 24, p, l4len) : pseudoSumV4(spec.src4 >>> 0, spec.dst4 >>> 0, p, l4len);
      let c = csumFinish(csumPartial(b, l4, l4Hdr, pseudo) + patternSum(phase, spec.payloadLen));
      const at16 = p === IPPROTO_TCP ? 16 : p === IPPROTO_UDP ? 6 : 2;
      if (p === IPPROTO_UDP) {
        if (c === 0) c = CSUM_MANGLED_0;
        if (!v6 && !spec.udpChecksum) c = 0;
      }
      wr16(b, l4 + at16, c);
    } else {
      wr16(b, l4 + 2, csumFinish(csumPartial(b, l4, l4Hdr, 0) + patternSum(phase, spec.payloadLen)));
    }
  }
  if (!v6) wr16(b, ip + 10, csumFinish(csumPartial(b, ip, IPV4_HLEN + optLen, 0)));

  pool.off[slot] = pool.headroom;
  pool.len[slot] = padded;
  return padded;
}

/** An 8-byte options header (hop-by-hop or destination) holding one PadN option of 4 zero bytes. */
function writePadNHeader(b: Uint8Array, at: number): void {
  b[at + 1] = 0; // hdr ext len: (0 + 1) × 8 bytes
  b[at + 2] = 1; // PadN
  b[at + 3] = 4;
  wr32(b, at + 4, 0);
}

/** Starts a reply frame in `slot`: zero MACs (the router fills them) and `ethertype`; returns the L3 offset. */
function startReply(pool: PacketPool, slot: number, ethertype: number): number {
  const f = pool.base(slot) + pool.headroom;
  pool.bytes.fill(0, f, f + 12);
  wr16(pool.bytes, f + 12, ethertype);
  pool.off[slot] = pool.headroom;
  return f + ETH_HLEN;
}

function ipPacketLength(b: Uint8Array, ip: number, v6: boolean): number {
  return v6 ? IPV6_HLEN + rd16(b, ip + 4) : rd16(b, ip + 2);
}

/**
 * Builds the ICMP error the kernel sends about the packet in `origSlot` (which parseFrame must have
 * accepted) into `outSlot`: ICMPv4 via icmp_send() or ICMPv6 via icmp6_send(), by the original's
 * family. `type`/`code` are that family's numbers; `info` is the 32-bit rest-of-header word (the
 * next-hop MTU for ICMP frag-needed 3/4 and ICMPv6 packet-too-big, which lands in bytes 6-7 / 4-7).
 * `src[srcOff..]` is the reply's source address in tuple layout (IPv4 uses word 0).
 *
 * As the kernel: the reply goes to the original source; it quotes the original IP packet (its own
 * length, not the Ethernet padding) up to 576 bytes total (IPv4) or 1280 (IPv6); IPv4 TOS =
 * (orig TOS & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL, TTL 64, DF clear (the ICMP socket uses
 * IP_PMTUDISC_DONT); IPv6 traffic class 0, hop limit 64. Returns 0, writing nothing, where icmp_send
 * stays silent: a non-first IPv4 fragment, outSlot === origSlot, or an original that is itself an ICMP error (or an
 * unknown ICMPv4 type). Broadcast/multicast and rate limits are the caller's.
 *
 * Simplified: the IPv4 id is `ipId` (the kernel picks one with ip_select_ident), the IPv6 flow label
 * is 0 (the kernel may derive one from the flow hash), IP options of the original are not echoed.
 * The reply sits after a 14-byte Ethernet header with zero MACs; it is not padded to 60 bytes.
 */
export function buildIcmpError(
  pool: PacketPool, origSlot: number, outSlot: number, type: number, code: number, info: number,
  src: Uint32Array, srcOff: number, ipId = 0,
): number {
  const b = pool.bytes;
  const l3type = pool.l3proto[origSlot]!;
  const v6 = l3type === ETH_P_IPV6;
  if ((!v6 && l3type !== ETH_P_IP) || origSlot === outSlot) return 0;
  const oip = pool.frameStart(origSlot) + pool.l3off[origSlot]!;
  const oflags = pool.pflags[origSlot]!;
  if ((oflags & PF_ICMP_ERROR) !== 0) return 0;
  const ipLen = ipPacketLength(b, oip, v6);
  if (!v6) {
    if ((rd16(b, oip + 6) & 0x1fff) !== 0) return 0;
    if (b[oip + 9] === IPPROTO_ICMP) {
      const itype = pool.frameStart(origSlot) + pool.l4off[origSlot]!;
      if (itype >= oip + ipLen) return 0; // kernel: no inner type readable → no reply
      const t = b[itype]!;
      if (t > NR_ICMP_TYPES || icmpIsError(t)) return 0;
    }
  }
  const room = v6 ? IPV6_MIN_MTU - IPV6_HLEN - ICMP_HLEN : ICMP_ERROR_MAX_LEN - IPV4_HLEN - ICMP_HLEN;
  const quote = ipLen < room ? ipLen : room;
  const ipHdr = v6 ? IPV6_HLEN : IPV4_HLEN;
  const total = ETH_HLEN + ipHdr + ICMP_HLEN + quote;
  if (total > pool.slotSize - pool.headroom) return 0;
  const ip = startReply(pool, outSlot, v6 ? ETH_P_IPV6 : ETH_P_IP);
  const icmp = ip + ipHdr;
  b.copyWithin(icmp + ICMP_HLEN, oip, oip + quote);
  b[icmp] = type;
  b[icmp + 1] = code;
  wr16(b, icmp + 2, 0);
  wr32(b, icmp + 4, info);
  if (!v6) {
    b[ip] = 0x45;
    b[ip + 1] = (b[oip + 1]! & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL;
    wr16(b, ip + 2, IPV4_HLEN + ICMP_HLEN + quote);
    wr16(b, ip + 4, ipId);
    wr16(b, ip + 6, 0);
    b[ip + 8] = DEFAULT_TTL;
    b[ip + 9] = IPPROTO_ICMP;
    wr16(b, ip + 10, 0);
    wr32(b, ip + 12, src[srcOff]!);
    wr32(b, ip + 16, rd32(b, oip + 12));
    wr16(b, ip + 10, csumFinish(csumPartial(b, ip, IPV4_HLEN, 0)));
    wr16(b, icmp + 2, csumFinish(csumPartial(b, icmp, ICMP_HLEN + quote, 0)));
  } else {
    wr32(b, ip, 0x60000000);
    wr16(b, ip + 4, ICMP_HLEN + quote);
    b[ip + 6] = IPPROTO_ICMPV6;
    b[ip + 7] = DEFAULT_TTL;
    for (let i = 0; i < 4; i++) wr32(b, ip + 8 + 4 * i, src[srcOff + i]!);
    b.copyWithin(ip + 24, oip + 8, oip + 24);
    const l4len = ICMP_HLEN + quote;
    wr16(b, icmp + 2, csumFinish(csumPartial(b, icmp, l4len, pseudoSumV6(b, ip + 8, ip + 24, IPPROTO_ICMPV6, l4len))));
  }
  pool.len[outSlot] = total;
  return total;
}

/**
 * Builds the TCP RST that nft/iptables `reject with tcp reset` sends for the segment in `origSlot`
 * (parsed by parseFrame), into `outSlot`: nf_send_reset() for IPv4 (nf_reject_iphdr_put +
 * nf_reject_ip_tcphdr_put) and nf_send_reset6() for IPv6.
 *
 * Addresses and ports swapped; if the original has ACK: seq = its ack_seq, ack_seq 0, flags RST;
 * otherwise seq 0, ack_seq = seq + SYN + FIN + payload length, flags RST|ACK. Window 0, no options.
 * IPv4: TOS 0, id 0, DF, TTL `ttl` (ip4_dst_hoplimit: 64 by default). IPv6: traffic class 0, flow
 * label 0, hop limit `ttl`. Returns the frame length, or 0 (nothing sent) as the kernel: not TCP,
 * (or outSlot === origSlot),
 * non-first fragment, RST set, TCP header truncated, bad TCP checksum, IPv6 multicast or
 * unspecified address. Ethernet header with zero MACs, not padded to 60 bytes.
 */
export function buildTcpReset(pool: PacketPool, origSlot: number, outSlot: number, ttl = DEFAULT_TTL): number {
  const b = pool.bytes;
  const l3type = pool.l3proto[origSlot]!;
  const v6 = l3type === ETH_P_IPV6;
  if ((!v6 && l3type !== ETH_P_IP) || origSlot === outSlot) return 0;
  const fs = pool.frameStart(origSlot);
  const oip = fs + pool.l3off[origSlot]!;
  const oth = fs + pool.l4off[origSlot]!;
  if ((pool.pflags[origSlot]! & PF_L4_VALID) === 0) return 0;
  if ((pool.tuple[origSlot * TUPLE_WORDS + T_PROTO]! & 0xff) !== IPPROTO_TCP) return 0;
  const ipEnd = oip + ipPacketLength(b, oip, v6);
  const otcplen = ipEnd - oth;
  if (otcplen < TCP_HLEN) return 0;
  if (!v6 && (rd16(b, oip + 6) & 0x1fff) !== 0) return 0;
  const oflags = b[oth + 13]!;
  if ((oflags & TCP_RST) !== 0) return 0;
  // nf_ip_checksum / nf_ip6_checksum: no reset for a corrupt segment.
  const pseudo = v6 ? pseudoSumV6(b, oip + 8, oip + 24, IPPROTO_TCP, otcplen) : pseudoSumV4(rd32(b, oip + 12), rd32(b, oip + 16), IPPROTO_TCP, otcplen);
  if (csumFold(csumPartial(b, oth, otcplen, pseudo)) !== 0xffff) return 0;
  if (v6 && (!ipv6Unicast(b, oip + 8) || !ipv6Unicast(b, oip + 24))) return 0;

  const ipHdr = v6 ? IPV6_HLEN : IPV4_HLEN;
  const total = ETH_HLEN + ipHdr + TCP_HLEN;
  if (total > pool.slotSize - pool.headroom) return 0;
  let seq: number;
  let ack: number;
  let flags: number;
  if ((oflags & TCP_ACK_FLAG) !== 0) {
    seq = rd32(b, oth + 8);
    ack = 0;
    flags = TCP_RST;
  } else {
    const doff = (b[oth + 12]! >>> 4) << 2;
    seq = 0;
    ack = (rd32(b, oth + 4) + ((oflags & TCP_SYN) !== 0 ? 1 : 0) + ((oflags & TCP_FIN) !== 0 ? 1 : 0) + otcplen - doff) >>> 0;
    flags = TCP_RST | TCP_ACK_FLAG;
  }
  const sport = rd16(b, oth + 2);
  const dport = rd16(b, oth);
  const ip = startReply(pool, outSlot, v6 ? ETH_P_IPV6 : ETH_P_IP);
  const th = ip + ipHdr;
  if (!v6) {
    const osrc = rd32(b, oip + 12);
    const odst = rd32(b, oip + 16);
    b[ip] = 0x45;
    b[ip + 1] = 0;
    wr16(b, ip + 2, IPV4_HLEN + TCP_HLEN);
    wr16(b, ip + 4, 0);
    wr16(b, ip + 6, IP_DF);
    b[ip + 8] = ttl;
    b[ip + 9] = IPPROTO_TCP;
    wr16(b, ip + 10, 0);
    wr32(b, ip + 12, odst);
    wr32(b, ip + 16, osrc);
    wr16(b, ip + 10, csumFinish(csumPartial(b, ip, IPV4_HLEN, 0)));
  } else {
    wr32(b, ip, 0x60000000);
    wr16(b, ip + 4, TCP_HLEN);
    b[ip + 6] = IPPROTO_TCP;
    b[ip + 7] = ttl;
    b.copyWithin(ip + 8, oip + 24, oip + 40);
    b.copyWithin(ip + 24, oip + 8, oip + 24);
  }
  wr16(b, th, sport);
  wr16(b, th + 2, dport);
  wr32(b, th + 4, seq);
  wr32(b, th + 8, ack);
  b[th + 12] = (TCP_HLEN >>> 2) << 4;
  b[th + 13] = flags;
  wr16(b, th + 14, 0);
  wr16(b, th + 16, 0);
  wr16(b, th + 18, 0);
  const pseudoOut = v6 ? pseudoSumV6(b, ip + 8, ip + 24, IPPROTO_TCP, TCP_HLEN) : pseudoSumV4(rd32(b, ip + 12), rd32(b, ip + 16), IPPROTO_TCP, TCP_HLEN);
  wr16(b, th + 16, csumFinish(csumPartial(b, th, TCP_HLEN, pseudoOut)));
  pool.len[outSlot] = total;
  return total;
}

/**
 * Builds the echo reply the router's own stack sends for the ICMP echo request (ICMPv6 echo
 * request) in `origSlot` (parsed by parseFrame, addressed to the router) into `outSlot`:
 * icmp_echo → icmp_reply for IPv4, icmpv6_echo_reply for IPv6. The reply carries the request's
 * identifier, sequence and data with type 0 (129), goes from the request's destination to its
 * source; IPv4: TOS copied (icmp_reply sets inet->tos from the request), id `ipId` (the kernel's
 * ip_select_ident), DF clear (the ICMP socket uses IP_PMTUDISC_DONT), TTL `ttl`, no options;
 * IPv6: traffic class copied, flow label 0 (the kernel's ip6_make_flowlabel), hop limit `ttl`.
 * Returns the frame length, or 0 when the request is not an echo request or does not fit.
 */
export function buildIcmpEchoReply(pool: PacketPool, origSlot: number, outSlot: number, ipId = 0, ttl = DEFAULT_TTL): number {
  const b = pool.bytes;
  const l3type = pool.l3proto[origSlot]!;
  const v6 = l3type === ETH_P_IPV6;
  if ((!v6 && l3type !== ETH_P_IP) || origSlot === outSlot) return 0;
  if ((pool.pflags[origSlot]! & PF_L4_VALID) === 0) return 0;
  const fs = pool.frameStart(origSlot);
  const oip = fs + pool.l3off[origSlot]!;
  const oicmp = fs + pool.l4off[origSlot]!;
  if (!v6 && (rd16(b, oip + 6) & 0x1fff) !== 0) return 0;
  const ipEnd = Math.min(oip + ipPacketLength(b, oip, v6), fs + pool.len[origSlot]!);
  const msgLen = ipEnd - oicmp;
  if (msgLen < ICMP_HLEN) return 0;
  if (b[oicmp] !== (v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO)) return 0;
  const ipHdr = v6 ? IPV6_HLEN : IPV4_HLEN;
  const total = ETH_HLEN + ipHdr + msgLen;
  if (total > pool.slotSize - pool.headroom) return 0;
  const ip = startReply(pool, outSlot, v6 ? ETH_P_IPV6 : ETH_P_IP);
  const icmp = ip + ipHdr;
  b.copyWithin(icmp, oicmp, ipEnd);
  b[icmp] = v6 ? ICMPV6_ECHO_REPLY : 0;
  wr16(b, icmp + 2, 0);
  if (!v6) {
    b[ip] = 0x45;
    b[ip + 1] = b[oip + 1]!;
    wr16(b, ip + 2, IPV4_HLEN + msgLen);
    wr16(b, ip + 4, ipId);
    wr16(b, ip + 6, 0);
    b[ip + 8] = ttl;
    b[ip + 9] = IPPROTO_ICMP;
    wr16(b, ip + 10, 0);
    wr32(b, ip + 12, rd32(b, oip + 16));
    wr32(b, ip + 16, rd32(b, oip + 12));
    wr16(b, ip + 10, csumFinish(csumPartial(b, ip, IPV4_HLEN, 0)));
    wr16(b, icmp + 2, csumFinish(csumPartial(b, icmp, msgLen, 0)));
  } else {
    // Version 6, the request's traffic class, flow label 0.
    wr32(b, ip, (0x60000000 | (((rd32(b, oip) >>> 20) & 0xff) << 20)) >>> 0);
    wr16(b, ip + 4, msgLen);
    b[ip + 6] = IPPROTO_ICMPV6;
    b[ip + 7] = ttl;
    b.copyWithin(ip + 8, oip + 24, oip + 40);
    b.copyWithin(ip + 24, oip + 8, oip + 24);
    wr16(b, icmp + 2, csumFinish(csumPartial(b, icmp, msgLen, pseudoSumV6(b, ip + 8, ip + 24, IPPROTO_ICMPV6, msgLen))));
  }
  pool.len[outSlot] = total;
  return total;
}

/** ipv6_addr_type() & IPV6_ADDR_UNICAST, roughly: not multicast (ff00::/8) and not :: . */
function ipv6Unicast(b: Uint8Array, at: number): boolean {
  if (b[at] === 0xff) return false;
  for (let i = 0; i < 16; i++) if (b[at + i] !== 0) return true;
  return false;
}
