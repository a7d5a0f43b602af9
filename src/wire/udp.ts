/** UDP header view (RFC 768). `off` points at the source port. */
import { rd16, wr16 } from './bytes.ts';

export const UDP_SPORT = 0;
export const UDP_DPORT = 2;
export const UDP_LEN = 4;
export const UDP_CSUM = 6;
/** Header length. */
export const UDP_HLEN = UDP_CSUM + 2;

/** Returns the source port. */
export function udpSport(b: Uint8Array, off: number): number {
  return rd16(b, off + UDP_SPORT);
}
/** Returns the destination port. */
export function udpDport(b: Uint8Array, off: number): number {
  return rd16(b, off + UDP_DPORT);
}
/** Returns the length field (header + data) in octets. */
export function udpLen(b: Uint8Array, off: number): number {
  return rd16(b, off + UDP_LEN);
}
/** Returns the checksum field (0 over IPv4 means "no checksum"). */
export function udpCsum(b: Uint8Array, off: number): number {
  return rd16(b, off + UDP_CSUM);
}
/** Sets the source port (no checksum update; see nat.ts). */
export function setUdpSport(b: Uint8Array, off: number, port: number): void {
  wr16(b, off + UDP_SPORT, port);
}
/** Sets the destination port (no checksum update; see nat.ts). */
export function setUdpDport(b: Uint8Array, off: number, port: number): void {
  wr16(b, off + UDP_DPORT, port);
}
/** Sets the length field. */
export function setUdpLen(b: Uint8Array, off: number, len: number): void {
  wr16(b, off + UDP_LEN, len);
}
/** Sets the checksum field. */
export function setUdpCsum(b: Uint8Array, off: number, csum: number): void {
  wr16(b, off + UDP_CSUM, csum);
}
