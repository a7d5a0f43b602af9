/** TCP header view (RFC 9293 §3.1). `off` points at the source port. */
import { rd16, rd32, wr16, wr32 } from './bytes.ts';
import { csumReplace2 } from './checksum.ts';

export const TCP_SPORT = 0;
export const TCP_DPORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
export const TCP_DOFF = 12;
export const TCP_FLAGS = 13;
export const TCP_WINDOW = 14;
export const TCP_CSUM = 16;
export const TCP_URG_PTR = 18;
/** Header length without options. */
export const TCP_HLEN = TCP_URG_PTR + 2;
export const TCP_MAX_HLEN = 60;

/** Flag bits of byte 13. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK_FLAG = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Option kinds (RFC 9293 §3.2). */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOLEN_MSS = 4;

/** Returns the source port. */
export function tcpSport(b: Uint8Array, off: number): number {
  return rd16(b, off + TCP_SPORT);
}
/** Returns the destination port. */
export function tcpDport(b: Uint8Array, off: number): number {
  return rd16(b, off + TCP_DPORT);
}
/** Returns the sequence number (unsigned). */
export function tcpSeq(b: Uint8Array, off: number): number {
  return rd32(b, off + TCP_SEQ);
}
/** Returns the acknowledgment number (unsigned). */
export function tcpAckSeq(b: Uint8Array, off: number): number {
  return rd32(b, off + TCP_ACK);
}
/** Returns the header length in octets (data offset × 4). */
export function tcpHeaderLen(b: Uint8Array, off: number): number {
  return (b[off + TCP_DOFF]! >>> 4) << 2;
}
/** Returns the flags byte (FIN..CWR). */
export function tcpFlags(b: Uint8Array, off: number): number {
  return b[off + TCP_FLAGS]!;
}
/** Returns the receive window (unscaled). */
export function tcpWindow(b: Uint8Array, off: number): number {
  return rd16(b, off + TCP_WINDOW);
}
/** Returns the checksum field. */
export function tcpCsum(b: Uint8Array, off: number): number {
  return rd16(b, off + TCP_CSUM);
}
/** Returns the urgent pointer. */
export function tcpUrgPtr(b: Uint8Array, off: number): number {
  return rd16(b, off + TCP_URG_PTR);
}
/** Sets the source port (no checksum update; see nat.ts). */
export function setTcpSport(b: Uint8Array, off: number, port: number): void {
  wr16(b, off + TCP_SPORT, port);
}
/** Sets the destination port (no checksum update; see nat.ts). */
export function setTcpDport(b: Uint8Array, off: number, port: number): void {
  wr16(b, off + TCP_DPORT, port);
}
/** Sets the sequence number. */
export function setTcpSeq(b: Uint8Array, off: number, seq: number): void {
  wr32(b, off + TCP_SEQ, seq);
}
/** Sets the acknowledgment number. */
export function setTcpAckSeq(b: Uint8Array, off: number, ack: number): void {
  wr32(b, off + TCP_ACK, ack);
}
/** Sets the header length in octets (multiple of 4, 20..60); clears the reserved bits. */
export function setTcpHeaderLen(b: Uint8Array, off: number, hlen: number): void {
  b[off + TCP_DOFF] = (hlen >>> 2) << 4;
}
/** Sets the flags byte. */
export function setTcpFlags(b: Uint8Array, off: number, flags: number): void {
  b[off + TCP_FLAGS] = flags;
}
/** Sets the window. */
export function setTcpWindow(b: Uint8Array, off: number, win: number): void {
  wr16(b, off + TCP_WINDOW, win);
}
/** Sets the checksum field. */
export function setTcpCsum(b: Uint8Array, off: number, csum: number): void {
  wr16(b, off + TCP_CSUM, csum);
}
/** Sets the urgent pointer. */
export function setTcpUrgPtr(b: Uint8Array, off: number, p: number): void {
  wr16(b, off + TCP_URG_PTR, p);
}

/**
 * Returns the offset of the MSS option's value (absolute), or -1 when the options in
 * [off+20, min(off+hlen, end)) carry none or are malformed (tcp_parse_options' walk).
 */
export function tcpFindMss(b: Uint8Array, off: number, end: number): number {
  let hend = off + tcpHeaderLen(b, off);
  if (hend > end) hend = end;
  let at = off + TCP_HLEN;
  while (at < hend) {
    const kind = b[at]!;
    if (kind === TCPOPT_EOL) return -1;
    if (kind === TCPOPT_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= hend) return -1;
    const len = b[at + 1]!;
    if (len < 2 || at + len > hend) return -1;
    if (kind === TCPOPT_MSS && len === TCPOLEN_MSS) return at + 2;
    at += len;
  }
  return -1;
}

/** Returns the MSS option value, or -1 when absent. */
export function tcpMss(b: Uint8Array, off: number, end: number): number {
  const at = tcpFindMss(b, off, end);
  return at < 0 ? -1 : rd16(b, at);
}

/**
 * Rewrites an existing MSS option and patches the checksum incrementally, as the TCPMSS target /
 * nft `tcp option maxseg size set` do (inet_proto_csum_replace2). Returns false when there is none.
 */
export function tcpSetMss(b: Uint8Array, off: number, end: number, mss: number): boolean {
  const at = tcpFindMss(b, off, end);
  if (at < 0) return false;
  const old = rd16(b, at);
  wr16(b, at, mss);
  // The option value may sit at an odd offset from the header start: checksum words are
  // 16-bit aligned to the segment, so patch the two words the value straddles.
  if (((at - off) & 1) === 0) csumReplace2(b, off + TCP_CSUM, old, mss & 0xffff);
  else {
    const w0 = at - 1;
    csumReplace2(b, off + TCP_CSUM, (b[w0]! << 8) | (old >>> 8), rd16(b, w0));
    csumReplace2(b, off + TCP_CSUM, ((old & 0xff) << 8) | b[at + 2]!, rd16(b, at + 1));
  }
  return true;
}
