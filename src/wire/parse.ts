/**
 * The frame classifier every path starts with: Ethernet → up to two VLAN tags → PPPoE session →
 * IPv4 (ip_rcv_core's checks) or IPv6 (ipv6_rcv's, plus a bounded extension-header walk) → the
 * transport ports. Fills the slot's parse metadata and its flow tuple; allocates nothing and never
 * throws, whatever the bytes.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_FIRST_FRAG, PF_FRAGMENT, PF_ICMP_ERROR, PF_IP_OPTIONS, PF_L4_VALID, PF_PPPOE, PF_QINQ, PF_VLAN } from '../buffers/pool.ts';
import { DropReason } from './drop-reasons.ts';
import { ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_PPP_DISC, ETH_P_PPP_SES } from './ethernet.ts';
import { icmpIsError, icmpv6IsError } from './icmp.ts';
import { IP_MF, IP_OFFSET } from './ipv4.ts';
import { IPV6_MAX_EXT_HEADERS, Ipv6ExtInfo, ipv6WalkExtHeaders, NEXTHDR_HOP } from './ipv6.ts';
import { PPP_IP, PPP_IPV6, PPPOE_CODE_SESSION, PPPOE_VER_TYPE_11 } from './pppoe.ts';
import { FAMILY_IPV4, FAMILY_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS } from './tuple.ts';

/** Transport protocols whose first 4 bytes are source and destination ports (conntrack keys them). */
export const IPPROTO_DCCP = 33;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;

// Scratch for the IPv6 extension-header walk: one per module, reused by every call.
const ext = new Ipv6ExtInfo();

/**
 * Set when the IPv4 header checksum is wrong: parsing goes on (the flowtable's ingress hook runs
 * before ip_rcv_core and never checks it, so every field must be filled), and `done` then reports
 * IP_CSUM — the reason ip_rcv_core gives, whatever it would have found after the checksum.
 */
let ipCsumBad = false;

function done(pool: PacketPool, slot: number, flags: number, reason: number): number {
  pool.pflags[slot] = flags;
  if (ipCsumBad) {
    ipCsumBad = false;
    return DropReason.IP_CSUM;
  }
  return reason;
}

/**
 * Classifies the frame in `slot` (pool.len[slot] bytes at pool.frameStart(slot)) and fills
 * pflags, l3proto, l3off, l4off (offsets from the frame start), vlan0/vlan1, pppoeSid and the tuple.
 *
 * Returns 0 (DropReason.NOT_DROPPED) or the reason the kernel would drop the frame:
 * - link layer: PKT_TOO_SMALL, VLAN_TRUNCATED, TOO_MANY_TAGS (a third tag), PPPOE_* and
 *   PPP_UNKNOWN_PROTO (pppoe_rcv), UNKNOWN_ETHERTYPE (l3proto still says which);
 * - IPv4 as ip_rcv_core: IP_TRUNCATED, IP_BAD_VERSION, IP_BAD_IHL, IP_CSUM, IP_BAD_TOTLEN;
 *   the packet then ends at its total length (Ethernet padding is ignored). IP_CSUM comes with
 *   every field filled as for a good header (and takes precedence over what follows it, as in
 *   ip_rcv_core): a flowtable hook may still forward the packet (see Router.receiveParsed);
 * - IPv6 as ipv6_rcv: IP_TRUNCATED, IP_BAD_VERSION, IP_BAD_TOTLEN (payload past the frame, or a
 *   jumbogram), IPV6_BAD_EXTHDR, IPV6_EXTHDR_CHAIN (more than 8 extension headers);
 * - transport: L4_TRUNCATED, TCP_BAD_DOFF, UDP_BAD_LENGTH. The kernel does not drop these on
 *   forward (conntrack marks them invalid); for these codes the L3 fields and tuple addresses are
 *   filled and PF_L4_VALID is clear, so the caller may choose. L4 checksums are never checked.
 *
 * ARP and PPPoE discovery return 0 with l3proto set and no tuple. Fragments never produce a
 * transport drop: a non-first fragment has no ports (PF_L4_VALID clear, l4off at its data). An
 * IPv6 atomic fragment (offset 0, M clear) is not a fragment (RFC 6946). Any IPv6 extension header
 * shows as l4off − l3off > 40.
 */
export function parseFrame(pool: PacketPool, slot: number): number {
  const b = pool.bytes;
  const v = pool.view; // big-endian reads of 16/32-bit fields
  const start = pool.frameStart(slot);
  let end = start + pool.len[slot]!;
  // DataView reads past the buffer throw: never trust len to stay inside the slot.
  if (end > b.length) end = b.length;
  const t = slot * TUPLE_WORDS;
  const tuple = pool.tuple;
  for (let i = 0; i < TUPLE_WORDS; i++) tuple[t + i] = 0;
  pool.vlan0[slot] = 0;
  pool.vlan1[slot] = 0;
  pool.pppoeSid[slot] = 0;
  pool.l3proto[slot] = 0;
  pool.l3off[slot] = 0;
  pool.l4off[slot] = 0;
  let flags = 0;
  ipCsumBad = false;

  if (end - start < ETH_HLEN) return done(pool, slot, 0, DropReason.PKT_TOO_SMALL);
  let at = start + ETH_HLEN;
  let type = (b[at - 2]! << 8) | b[at - 1]!;

  // --- VLAN tags (802.1Q, 802.1ad): at most two ------------------------------------------------
  if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
    if (at + 4 > end) return done(pool, slot, flags, DropReason.VLAN_TRUNCATED);
    flags |= PF_VLAN;
    pool.vlan0[slot] = ((b[at]! << 8) | b[at + 1]!) & 0x0fff;
    type = (b[at + 2]! << 8) | b[at + 3]!;
    at += 4;
    if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
      if (at + 4 > end) return done(pool, slot, flags, DropReason.VLAN_TRUNCATED);
      flags |= PF_QINQ;
      pool.vlan1[slot] = ((b[at]! << 8) | b[at + 1]!) & 0x0fff;
      type = (b[at + 2]! << 8) | b[at + 3]!;
      at += 4;
      if (type === ETH_P_8021Q || type === ETH_P_8021AD) return done(pool, slot, flags, DropReason.TOO_MANY_TAGS);
    }
  }

  // --- PPPoE session (pppoe_rcv: header, length ≤ frame, trim to length) ----------------------
  if (type === ETH_P_PPP_SES) {
    if (at + 8 > end) return done(pool, slot, flags, DropReason.PPPOE_TRUNCATED);
    flags |= PF_PPPOE;
    pool.pppoeSid[slot] = (b[at + 2]! << 8) | b[at + 3]!;
    if (b[at]! !== PPPOE_VER_TYPE_11 || b[at + 1]! !== PPPOE_CODE_SESSION) return done(pool, slot, flags, DropReason.PPPOE_BAD_HEADER);
    const plen = (b[at + 4]! << 8) | b[at + 5]!;
    if (plen < 2 || at + 6 + plen > end) return done(pool, slot, flags, DropReason.PPPOE_BAD_LENGTH);
    end = at + 6 + plen;
    const proto = (b[at + 6]! << 8) | b[at + 7]!;
    at += 8;
    if (proto === PPP_IP) type = ETH_P_IP;
    else if (proto === PPP_IPV6) type = ETH_P_IPV6;
    else return done(pool, slot, flags, DropReason.PPP_UNKNOWN_PROTO);
  }

  pool.l3proto[slot] = type;
  pool.l3off[slot] = at - start;
  let l4: number;
  let proto: number;
  let family: number;
  let nonFirstFrag = false;

  if (type === ETH_P_IP) {
    // --- IPv4: ip_rcv_core ----------------------------------------------------------------------
    if (at + 20 > end) return done(pool, slot, flags, DropReason.IP_TRUNCATED);
    const vihl = b[at]!;
    if (vihl >>> 4 !== 4) return done(pool, slot, flags, DropReason.IP_BAD_VERSION);
    const hlen = (vihl & 0x0f) << 2;
    if (hlen < 20 || at + hlen > end) return done(pool, slot, flags, DropReason.IP_BAD_IHL);
    // ip_fast_csum: the fixed 20 bytes unrolled, options (rare) in a loop.
    let sum = v.getUint16(at) + v.getUint16(at + 2) + v.getUint16(at + 4) + v.getUint16(at + 6) + v.getUint16(at + 8)
      + v.getUint16(at + 10) + v.getUint16(at + 12) + v.getUint16(at + 14) + v.getUint16(at + 16) + v.getUint16(at + 18);
    for (let i = at + 20; i < at + hlen; i += 2) sum += v.getUint16(i);
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    ipCsumBad = sum !== 0xffff;
    const totlen = (b[at + 2]! << 8) | b[at + 3]!;
    if (at + totlen > end || totlen < hlen) return done(pool, slot, flags, DropReason.IP_BAD_TOTLEN);
    end = at + totlen;
    if (hlen > 20) flags |= PF_IP_OPTIONS;
    const fo = (b[at + 6]! << 8) | b[at + 7]!;
    if ((fo & (IP_MF | IP_OFFSET)) !== 0) {
      flags |= PF_FRAGMENT;
      if ((fo & IP_OFFSET) === 0) flags |= PF_FIRST_FRAG;
      else nonFirstFrag = true;
    }
    proto = b[at + 9]!;
    family = FAMILY_IPV4;
    tuple[t] = v.getUint32(at + 12);
    tuple[t + 4] = v.getUint32(at + 16);
    l4 = at + hlen;
  } else if (type === ETH_P_IPV6) {
    // --- IPv6: ipv6_rcv + ipv6_skip_exthdr ----------------------------------------------------
    if (at + 40 > end) return done(pool, slot, flags, DropReason.IP_TRUNCATED);
    if (b[at]! >>> 4 !== 6) return done(pool, slot, flags, DropReason.IP_BAD_VERSION);
    const plen = (b[at + 4]! << 8) | b[at + 5]!;
    const nh = b[at + 6]!;
    // payload_len 0 with a hop-by-hop header announces a jumbogram (RFC 2675): not modelled.
    if ((plen === 0 && nh === NEXTHDR_HOP) || at + 40 + plen > end) return done(pool, slot, flags, DropReason.IP_BAD_TOTLEN);
    end = at + 40 + plen;
    family = FAMILY_IPV6;
    for (let i = 0; i < 8; i++) tuple[t + i] = v.getUint32(at + 8 + 4 * i);
    if (nh === IPPROTO_TCP || nh === IPPROTO_UDP || nh === IPPROTO_ICMPV6) {
      proto = nh;
      l4 = at + 40;
    } else {
      const r = ipv6WalkExtHeaders(b, nh, at + 40, end, IPV6_MAX_EXT_HEADERS, ext);
      if (r !== 0) return done(pool, slot, flags, r);
      proto = ext.nextHdr;
      l4 = ext.l4off;
      if (ext.hasOptions) flags |= PF_IP_OPTIONS;
      if (ext.hasFragment && (ext.fragOffset !== 0 || ext.fragMore)) {
        flags |= PF_FRAGMENT;
        if (ext.fragOffset === 0) flags |= PF_FIRST_FRAG;
        else nonFirstFrag = true;
      }
    }
  } else if (type === ETH_P_ARP || type === ETH_P_PPP_DISC) {
    return done(pool, slot, flags, 0); // control traffic the router's own stack handles
  } else {
    return done(pool, slot, flags, DropReason.UNKNOWN_ETHERTYPE);
  }

  // --- transport --------------------------------------------------------------------------------
  tuple[t + 9] = (family << 8) | proto;
  pool.l4off[slot] = l4 - start;
  if (nonFirstFrag) return done(pool, slot, flags, 0);
  const lenient = (flags & PF_FRAGMENT) !== 0; // a first fragment need not hold the whole header
  const avail = end - l4;
  if (proto === IPPROTO_TCP) {
    if (avail < 20) return done(pool, slot, flags, lenient ? 0 : DropReason.L4_TRUNCATED);
    const doff = (b[l4 + 12]! >>> 4) << 2;
    if (!lenient && (doff < 20 || doff > avail)) return done(pool, slot, flags, DropReason.TCP_BAD_DOFF);
    tuple[t + 8] = v.getUint32(l4);
    return done(pool, slot, flags | PF_L4_VALID, 0);
  }
  if (proto === IPPROTO_UDP) {
    if (avail < 8) return done(pool, slot, flags, lenient ? 0 : DropReason.L4_TRUNCATED);
    const ulen = (b[l4 + 4]! << 8) | b[l4 + 5]!;
    if (!lenient && (ulen < 8 || ulen > avail)) return done(pool, slot, flags, DropReason.UDP_BAD_LENGTH);
    tuple[t + 8] = v.getUint32(l4);
    return done(pool, slot, flags | PF_L4_VALID, 0);
  }
  if ((proto === IPPROTO_ICMP && family === FAMILY_IPV4) || (proto === IPPROTO_ICMPV6 && family === FAMILY_IPV6)) {
    if (avail < 8) return done(pool, slot, flags, lenient ? 0 : DropReason.L4_TRUNCATED);
    const icmpType = b[l4]!;
    if (family === FAMILY_IPV4 ? icmpIsError(icmpType) : icmpv6IsError(icmpType)) return done(pool, slot, flags | PF_ICMP_ERROR, 0);
    // Informational messages are keyed by their identifier (icmp_pkt_to_tuple).
    tuple[t + 8] = ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16)) >>> 0;
    return done(pool, slot, flags | PF_L4_VALID, 0);
  }
  if (proto === IPPROTO_SCTP || proto === IPPROTO_DCCP || proto === IPPROTO_UDPLITE) {
    if (avail < 4) return done(pool, slot, flags, lenient ? 0 : DropReason.L4_TRUNCATED);
    tuple[t + 8] = v.getUint32(l4);
    return done(pool, slot, flags | PF_L4_VALID, 0);
  }
  return done(pool, slot, flags, 0);
}

/**
 * Length of the IP packet of a parsed slot (IPv4 total length, IPv6 40 + payload length), read
 * from the header at pool.l3off; 0 when the slot is not IP. Valid after parseFrame returned 0.
 */
export function parsedIpLength(pool: PacketPool, slot: number): number {
  const b = pool.bytes;
  const at = pool.frameStart(slot) + pool.l3off[slot]!;
  const type = pool.l3proto[slot]!;
  if (type === ETH_P_IP) return (b[at + 2]! << 8) | b[at + 3]!;
  if (type === ETH_P_IPV6) return 40 + ((b[at + 4]! << 8) | b[at + 5]!);
  return 0;
}
