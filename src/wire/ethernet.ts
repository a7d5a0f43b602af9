/**
 * Ethernet II header view (IEEE 802.3 / RFC 894): destination MAC, source MAC, ethertype.
 * `off` is the frame's first byte. A MAC address is carried as two numbers: `hi` (first 2 bytes)
 * and `lo` (last 4 bytes, unsigned), so it fits the struct-of-arrays tables without strings.
 */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';

export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
/** Ethernet header length (ETH_HLEN). */
export const ETH_HLEN = ETH_TYPE + 2;
/** Shortest frame without FCS (ETH_ZLEN); shorter frames are padded by the sender. */
export const ETH_ZLEN = 60;
export const ETH_ALEN = 6;

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_PPP_DISC = 0x8863;
export const ETH_P_PPP_SES = 0x8864;
export const ETH_P_IPV6 = 0x86dd;
/** Ethertype values below this are 802.3 length fields, not protocols (ETH_P_802_3_MIN). */
export const ETH_P_802_3_MIN = 0x0600;

/** Returns the ethertype. */
export function ethType(b: Uint8Array, off: number): number {
  return rd16(b, off + ETH_TYPE);
}
/** Sets the ethertype. */
export function setEthType(b: Uint8Array, off: number, type: number): void {
  wr16(b, off + ETH_TYPE, type);
}
/** Returns the first 2 bytes of the MAC address at `at`. */
export function macHi(b: Uint8Array, at: number): number {
  return rd16(b, at);
}
/** Returns the last 4 bytes of the MAC address at `at` (unsigned). */
export function macLo(b: Uint8Array, at: number): number {
  return rd32(b, at + 2);
}
/** Writes the MAC address `hi:lo` at `at`. */
export function writeMac(b: Uint8Array, at: number, hi: number, lo: number): void {
  wr16(b, at, hi);
  wr32(b, at + 2, lo);
}
/** Returns the first 2 bytes of the destination MAC. */
export function ethDstHi(b: Uint8Array, off: number): number {
  return rd16(b, off + ETH_DST);
}
/** Returns the last 4 bytes of the destination MAC. */
export function ethDstLo(b: Uint8Array, off: number): number {
  return rd32(b, off + ETH_DST + 2);
}
/** Returns the first 2 bytes of the source MAC. */
export function ethSrcHi(b: Uint8Array, off: number): number {
  return rd16(b, off + ETH_SRC);
}
/** Returns the last 4 bytes of the source MAC. */
export function ethSrcLo(b: Uint8Array, off: number): number {
  return rd32(b, off + ETH_SRC + 2);
}
/** Sets the destination MAC. */
export function setEthDst(b: Uint8Array, off: number, hi: number, lo: number): void {
  writeMac(b, off + ETH_DST, hi, lo);
}
/** Sets the source MAC. */
export function setEthSrc(b: Uint8Array, off: number, hi: number, lo: number): void {
  writeMac(b, off + ETH_SRC, hi, lo);
}
/** True for a group (multicast or broadcast) address: the I/G bit of the first byte. */
export function macIsMulticast(hi: number): boolean {
  return (hi & 0x0100) !== 0;
}
/** True for ff:ff:ff:ff:ff:ff. */
export function macIsBroadcast(hi: number, lo: number): boolean {
  return hi === 0xffff && lo === 0xffffffff;
}

/** Parses "aa:bb:cc:dd:ee:ff" into [hi, lo], or null (config and tests; allocates). */
export function parseMac(text: string): [number, number] | null {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text);
  if (m === null) return null;
  const v = m.slice(1).map((h) => parseInt(h, 16));
  return [(v[0]! << 8) | v[1]!, ((v[2]! << 24) | (v[3]! << 16) | (v[4]! << 8) | v[5]!) >>> 0];
}

/** Formats a MAC address as "aa:bb:cc:dd:ee:ff" (reports and traces; allocates). */
export function formatMac(hi: number, lo: number): string {
  const bytes = [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
