/**
 * Turning non-Ethernet link layers into Ethernet frames, so the simulator's rx path sees one
 * format.
 *
 * Linux cooked captures (tcpdump -i any) carry no Ethernet header: SLL (LinkType 113, 16-byte
 * header) and SLL2 (276, 20 bytes) give the protocol type (an EtherType for L3 payloads), the
 * packet type and the link-layer source address. Raw IP captures (101, 228, 229) carry nothing.
 * The frame is synthesised as: destination MAC 00:00:00:00:00:00, source MAC = the SLL address
 * when it is 6 bytes long (zeros otherwise, and always for raw IP), EtherType = the protocol,
 * then the L3 payload. Payloads that cannot be framed (protocol < 0x0600: LLC, CAN, …; netlink
 * captures; raw data that is neither IPv4 nor IPv6) are passed through unchanged with their own
 * link type.
 *
 * Zero-copy: the 14-byte Ethernet header is written over bytes the reader has already parsed (the
 * cooked header itself, or the record/block header before a raw IP payload), so the L3 payload
 * never moves. The caller saves and restores those 14 bytes (see PcapReader).
 */
import { DIRECTION_INBOUND, DIRECTION_OUTBOUND, DIRECTION_UNKNOWN } from './format.ts';

export const ETH_HEADER_LEN = 14;
export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** ARPHRD_NETLINK: an nlmon capture, whose "protocol" is a netlink family, not an EtherType. */
const ARPHRD_NETLINK = 824;
/** sll_pkttype PACKET_OUTGOING (linux/if_packet.h); 0-3 (host, broadcast, multicast, otherhost) came in. */
const PACKET_OUTGOING = 4;

/** EtherType of an SLL/SLL2 payload if it can be framed as Ethernet II, else -1. */
export function sllEtherType(protocol: number, arphrd: number): number {
  return protocol >= 0x0600 && arphrd !== ARPHRD_NETLINK ? protocol : -1;
}

/** Direction from sll_pkttype. */
export function sllDirection(pkttype: number): number {
  return pkttype === PACKET_OUTGOING ? DIRECTION_OUTBOUND : pkttype <= 3 ? DIRECTION_INBOUND : DIRECTION_UNKNOWN;
}

/** EtherType of a raw IP payload from its version nibble, or -1. */
export function rawEtherType(firstByte: number): number {
  const v = firstByte >>> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : -1;
}

/**
 * Rewrites an SLL header at `at` (16 bytes, big-endian fields: pkttype, ARPHRD, address length,
 * 8 address bytes, protocol) into an Ethernet header at `at + 2`. The protocol already sits
 * where the EtherType goes; only the MAC addresses move.
 */
export function sllToEthernetInPlace(b: Uint8Array, at: number): void {
  const addrLen = (b[at + 4]! << 8) | b[at + 5]!;
  if (addrLen === 6) b.copyWithin(at + 8, at + 6, at + 12); // memmove: the ranges overlap
  else b.fill(0, at + 8, at + 14);
  b.fill(0, at + 2, at + 8);
}

/**
 * Rewrites an SLL2 header at `at` (20 bytes: protocol, reserved, ifindex, ARPHRD, pkttype,
 * address length, 8 address bytes) into an Ethernet header at `at + 6`. The address already sits
 * where the source MAC goes.
 */
export function sll2ToEthernetInPlace(b: Uint8Array, at: number): void {
  const addrLen = b[at + 11]!;
  const p0 = b[at]!;
  const p1 = b[at + 1]!;
  if (addrLen !== 6) b.fill(0, at + 12, at + 18);
  b.fill(0, at + 6, at + 12);
  b[at + 18] = p0;
  b[at + 19] = p1;
}

/** Writes an Ethernet header (both MACs zero) for `etherType` at `at`. */
export function writeBareEthernetHeader(b: Uint8Array, at: number, etherType: number): void {
  b.fill(0, at, at + 12);
  b[at + 12] = etherType >>> 8;
  b[at + 13] = etherType & 0xff;
}
