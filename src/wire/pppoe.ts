/**
 * PPPoE session header view (RFC 2516 §4, ethertype 0x8864) followed by the 2-byte PPP protocol
 * field, as the kernel's `struct pppoe_hdr` + PPP proto (PPPOE_SES_HLEN = 8). `off` points at the
 * ver/type byte. The length field counts the PPP payload including the protocol field.
 */
import { rd16, wr16 } from './bytes.ts';

export const PPPOE_VER_TYPE = 0;
export const PPPOE_CODE = 1;
export const PPPOE_SID = 2;
export const PPPOE_LENGTH = 4;
export const PPPOE_PPP_PROTO = 6;
/** PPPoE header without the PPP protocol field. */
export const PPPOE_HLEN = 6;
/** PPPoE header plus PPP protocol (PPPOE_SES_HLEN). */
export const PPPOE_SES_HLEN = PPPOE_PPP_PROTO + 2;
/** Version 1, type 1 (RFC 2516). */
export const PPPOE_VER_TYPE_11 = 0x11;
/** Code 0: session data. */
export const PPPOE_CODE_SESSION = 0;

export const PPP_IP = 0x0021;
export const PPP_IPV6 = 0x0057;

/** Returns the ver/type byte (0x11 for a valid session packet). */
export function pppoeVerType(b: Uint8Array, off: number): number {
  return b[off + PPPOE_VER_TYPE]!;
}
/** Returns the code (0 for session data). */
export function pppoeCode(b: Uint8Array, off: number): number {
  return b[off + PPPOE_CODE]!;
}
/** Returns the session id. */
export function pppoeSid(b: Uint8Array, off: number): number {
  return rd16(b, off + PPPOE_SID);
}
/** Returns the payload length (PPP protocol field + PPP payload). */
export function pppoeLength(b: Uint8Array, off: number): number {
  return rd16(b, off + PPPOE_LENGTH);
}
/** Returns the PPP protocol number. */
export function pppProto(b: Uint8Array, off: number): number {
  return rd16(b, off + PPPOE_PPP_PROTO);
}
/** Writes a whole session header: ver/type 0x11, code 0, sid, length, PPP protocol. */
export function writePppoeSession(b: Uint8Array, off: number, sid: number, length: number, proto: number): void {
  b[off + PPPOE_VER_TYPE] = PPPOE_VER_TYPE_11;
  b[off + PPPOE_CODE] = PPPOE_CODE_SESSION;
  wr16(b, off + PPPOE_SID, sid);
  wr16(b, off + PPPOE_LENGTH, length);
  wr16(b, off + PPPOE_PPP_PROTO, proto);
}
/** Sets the session id. */
export function setPppoeSid(b: Uint8Array, off: number, sid: number): void {
  wr16(b, off + PPPOE_SID, sid);
}
/** Sets the payload length. */
export function setPppoeLength(b: Uint8Array, off: number, len: number): void {
  wr16(b, off + PPPOE_LENGTH, len);
}
/** Sets the PPP protocol number. */
export function setPppProto(b: Uint8Array, off: number, proto: number): void {
  wr16(b, off + PPPOE_PPP_PROTO, proto);
}
