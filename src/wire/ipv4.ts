/**
 * IPv4 header view (RFC 791 §3.1). `off` points at the version/IHL byte. Addresses are unsigned
 * numbers (192.168.1.1 is 0xc0a80101). Header length and fragment offset are in octets.
 */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';
import { ipv4HeaderChecksum, ipv4HeaderChecksumOk } from './checksum.ts';

export const IPV4_VER_IHL = 0;
export const IPV4_TOS = 1;
export const IPV4_TOT_LEN = 2;
export const IPV4_ID = 4;
export const IPV4_FRAG_OFF = 6;
export const IPV4_TTL = 8;
export const IPV4_PROTO = 9;
export const IPV4_CSUM = 10;
export const IPV4_SRC = 12;
export const IPV4_DST = 16;
/** Header length without options. */
export const IPV4_HLEN = IPV4_DST + 4;
/** Longest header: IHL 15. */
export const IPV4_MAX_HLEN = 60;

/** frag_off bits (include/net/ip.h). */
export const IP_CE = 0x8000;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFSET = 0x1fff;

/** TOS helpers (include/uapi/linux/ip.h). */
export const IPTOS_TOS_MASK = 0x1e;
export const IPTOS_PREC_INTERNETCONTROL = 0xc0;

/** IPv4 option kinds the builder and parser name. */
export const IPOPT_END = 0;
export const IPOPT_NOOP = 1;

/** Returns the version nibble. */
export function ipv4Version(b: Uint8Array, off: number): number {
  return b[off + IPV4_VER_IHL]! >>> 4;
}
/** Returns the header length in octets (IHL × 4). */
export function ipv4HeaderLen(b: Uint8Array, off: number): number {
  return (b[off + IPV4_VER_IHL]! & 0x0f) << 2;
}
/** Returns the TOS byte (DSCP << 2 | ECN). */
export function ipv4Tos(b: Uint8Array, off: number): number {
  return b[off + IPV4_TOS]!;
}
/** Returns the DSCP (upper 6 bits of TOS). */
export function ipv4Dscp(b: Uint8Array, off: number): number {
  return b[off + IPV4_TOS]! >>> 2;
}
/** Returns the ECN bits (lower 2 bits of TOS). */
export function ipv4Ecn(b: Uint8Array, off: number): number {
  return b[off + IPV4_TOS]! & 3;
}
/** Returns the total length (header + payload) in octets. */
export function ipv4TotalLen(b: Uint8Array, off: number): number {
  return rd16(b, off + IPV4_TOT_LEN);
}
/** Returns the identification field. */
export function ipv4Id(b: Uint8Array, off: number): number {
  return rd16(b, off + IPV4_ID);
}
/** Returns the raw flags + fragment offset word. */
export function ipv4FragOff(b: Uint8Array, off: number): number {
  return rd16(b, off + IPV4_FRAG_OFF);
}
/** True when Don't Fragment is set. */
export function ipv4Df(b: Uint8Array, off: number): boolean {
  return (b[off + IPV4_FRAG_OFF]! & 0x40) !== 0;
}
/** True when More Fragments is set. */
export function ipv4Mf(b: Uint8Array, off: number): boolean {
  return (b[off + IPV4_FRAG_OFF]! & 0x20) !== 0;
}
/** Returns the fragment offset in octets. */
export function ipv4FragOffset(b: Uint8Array, off: number): number {
  return (rd16(b, off + IPV4_FRAG_OFF) & IP_OFFSET) << 3;
}
/** True for any fragment: MF set or a non-zero offset (ip_is_fragment). */
export function ipv4IsFragment(b: Uint8Array, off: number): boolean {
  return (rd16(b, off + IPV4_FRAG_OFF) & (IP_MF | IP_OFFSET)) !== 0;
}
/** Returns the time to live. */
export function ipv4Ttl(b: Uint8Array, off: number): number {
  return b[off + IPV4_TTL]!;
}
/** Returns the protocol number (IPPROTO_*). */
export function ipv4Proto(b: Uint8Array, off: number): number {
  return b[off + IPV4_PROTO]!;
}
/** Returns the header checksum field. */
export function ipv4Csum(b: Uint8Array, off: number): number {
  return rd16(b, off + IPV4_CSUM);
}
/** Returns the source address. */
export function ipv4Src(b: Uint8Array, off: number): number {
  return rd32(b, off + IPV4_SRC);
}
/** Returns the destination address. */
export function ipv4Dst(b: Uint8Array, off: number): number {
  return rd32(b, off + IPV4_DST);
}

/** Sets version 4 and the header length in octets (multiple of 4, 20..60). */
export function setIpv4VerHeaderLen(b: Uint8Array, off: number, hlen: number): void {
  b[off + IPV4_VER_IHL] = 0x40 | (hlen >>> 2);
}
/** Sets the TOS byte (no checksum update). */
export function setIpv4Tos(b: Uint8Array, off: number, tos: number): void {
  b[off + IPV4_TOS] = tos;
}
/** Sets the total length (no checksum update). */
export function setIpv4TotalLen(b: Uint8Array, off: number, len: number): void {
  wr16(b, off + IPV4_TOT_LEN, len);
}
/** Sets the identification field (no checksum update). */
export function setIpv4Id(b: Uint8Array, off: number, id: number): void {
  wr16(b, off + IPV4_ID, id);
}
/** Sets the raw flags + fragment offset word (no checksum update). */
export function setIpv4FragOff(b: Uint8Array, off: number, v: number): void {
  wr16(b, off + IPV4_FRAG_OFF, v);
}
/** Sets the TTL (no checksum update; see nat.ts ipv4DecTtl for the forwarding decrement). */
export function setIpv4Ttl(b: Uint8Array, off: number, ttl: number): void {
  b[off + IPV4_TTL] = ttl;
}
/** Sets the protocol number (no checksum update). */
export function setIpv4Proto(b: Uint8Array, off: number, proto: number): void {
  b[off + IPV4_PROTO] = proto;
}
/** Sets the source address (no checksum update; see nat.ts). */
export function setIpv4Src(b: Uint8Array, off: number, addr: number): void {
  wr32(b, off + IPV4_SRC, addr);
}
/** Sets the destination address (no checksum update; see nat.ts). */
export function setIpv4Dst(b: Uint8Array, off: number, addr: number): void {
  wr32(b, off + IPV4_DST, addr);
}
/** Recomputes and stores the header checksum (ip_send_check). */
export function ipv4FillChecksum(b: Uint8Array, off: number): void {
  wr16(b, off + IPV4_CSUM, ipv4HeaderChecksum(b, off, ipv4HeaderLen(b, off)));
}
/** True when the header checksum verifies. */
export function ipv4ChecksumOk(b: Uint8Array, off: number): boolean {
  return ipv4HeaderChecksumOk(b, off, ipv4HeaderLen(b, off));
}

/** Formats an address as dotted quad (reports; allocates). */
export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}
/** Parses a dotted quad, or returns -1 (config and tests; allocates). */
export function parseIpv4(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return -1;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return -1;
    v = v * 256 + o;
  }
  return v;
}
