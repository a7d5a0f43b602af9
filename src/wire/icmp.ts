/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) header view: type, code, checksum, then 4 bytes of
 * "rest of header" (echo id/seq, next-hop MTU, pointer). An error message quotes the offending
 * packet starting at `off + ICMP_HLEN`.
 */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CSUM = 2;
export const ICMP_REST = 4;
export const ICMP_ECHO_ID = 4;
export const ICMP_ECHO_SEQ = 6;
/** Next-hop MTU of a fragmentation-needed message (RFC 1191), bytes 6-7. */
export const ICMP_FRAG_MTU = 6;
/** Header length; the quoted packet of an error starts here. */
export const ICMP_HLEN = 8;

// ICMPv4 types (include/uapi/linux/icmp.h)
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;
/** Highest type the kernel knows (NR_ICMP_TYPES). */
export const NR_ICMP_TYPES = 18;
// ICMPv4 destination-unreachable codes
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_PROHIBITED = 9;
export const ICMP_HOST_PROHIBITED = 10;
export const ICMP_PKT_FILTERED = 13;
// ICMPv4 time-exceeded codes
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

// ICMPv6 types (include/uapi/linux/icmpv6.h)
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
/** Types with this bit set are informational, the others errors. */
export const ICMPV6_INFOMSG_MASK = 0x80;
// ICMPv6 destination-unreachable codes
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;
export const ICMPV6_NOT_NEIGHBOUR = 2;
export const ICMPV6_ADDR_UNREACH = 3;
export const ICMPV6_PORT_UNREACH = 4;
export const ICMPV6_POLICY_FAIL = 5;
export const ICMPV6_REJECT_ROUTE = 6;
// ICMPv6 time-exceeded codes
export const ICMPV6_EXC_HOPLIMIT = 0;
export const ICMPV6_EXC_FRAGTIME = 1;

/** True for ICMPv4 error types (icmp_pointers[type].error): unreachable, quench, redirect, time exceeded, parameter problem. */
export function icmpIsError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT || type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETERPROB;
}
/** True for ICMPv6 error types (types below 128). */
export function icmpv6IsError(type: number): boolean {
  return (type & ICMPV6_INFOMSG_MASK) === 0;
}
/** Returns the type. */
export function icmpType(b: Uint8Array, off: number): number {
  return b[off + ICMP_TYPE]!;
}
/** Returns the code. */
export function icmpCode(b: Uint8Array, off: number): number {
  return b[off + ICMP_CODE]!;
}
/** Returns the checksum field. */
export function icmpCsum(b: Uint8Array, off: number): number {
  return rd16(b, off + ICMP_CSUM);
}
/** Returns the echo identifier (also the id of timestamp/info/address-mask messages). */
export function icmpEchoId(b: Uint8Array, off: number): number {
  return rd16(b, off + ICMP_ECHO_ID);
}
/** Returns the echo sequence number. */
export function icmpEchoSeq(b: Uint8Array, off: number): number {
  return rd16(b, off + ICMP_ECHO_SEQ);
}
/** Returns the 32-bit rest-of-header word (ICMPv6 packet-too-big MTU, parameter-problem pointer). */
export function icmpRest(b: Uint8Array, off: number): number {
  return rd32(b, off + ICMP_REST);
}
/** Returns the next-hop MTU of an ICMPv4 fragmentation-needed message (bytes 6-7). */
export function icmpFragMtu(b: Uint8Array, off: number): number {
  return rd16(b, off + ICMP_FRAG_MTU);
}
/** Returns the absolute offset of the quoted packet of an error message. */
export function icmpQuoteOffset(off: number): number {
  return off + ICMP_HLEN;
}
/** Sets type and code. */
export function setIcmpTypeCode(b: Uint8Array, off: number, type: number, code: number): void {
  b[off + ICMP_TYPE] = type;
  b[off + ICMP_CODE] = code;
}
/** Sets the checksum field. */
export function setIcmpCsum(b: Uint8Array, off: number, csum: number): void {
  wr16(b, off + ICMP_CSUM, csum);
}
/** Sets the echo identifier (no checksum update; see nat.ts). */
export function setIcmpEchoId(b: Uint8Array, off: number, id: number): void {
  wr16(b, off + ICMP_ECHO_ID, id);
}
/** Sets the echo sequence number (no checksum update). */
export function setIcmpEchoSeq(b: Uint8Array, off: number, seq: number): void {
  wr16(b, off + ICMP_ECHO_SEQ, seq);
}
/** Sets the 32-bit rest-of-header word. */
export function setIcmpRest(b: Uint8Array, off: number, v: number): void {
  wr32(b, off + ICMP_REST, v);
}
