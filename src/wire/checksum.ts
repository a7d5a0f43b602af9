/**
 * The Internet checksum (RFC 1071): full computation and incremental update (RFC 1624).
 *
 * Sums are carried as plain non-negative numbers (a double holds 2^53, so summing a whole frame of
 * 16-bit words never overflows) and folded to 16 bits at the end, as the kernel's csum_partial() +
 * csum_fold(). A stored checksum is the one's complement of the folded sum.
 *
 * The incremental update uses RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which is what the kernel's
 * csum_replace2()/csum_replace4() compute; unlike RFC 1141's HC' = HC + m + ~m' it never yields
 * the −0 (0xffff) form where a full recomputation gives 0x0000.
 */
import { rd16, wr16 } from './bytes.ts';

/** UDP over IPv4: a computed 0 is sent as all ones, since 0 means "no checksum" (RFC 768). */
export const CSUM_MANGLED_0 = 0xffff;

/** Adds the bytes [start, start+len) as big-endian 16-bit words to `sum` (csum_partial). */
export function csumPartial(b: Uint8Array, start: number, len: number, sum: number): number {
  const end = start + len;
  let i = start;
  let s = sum;
  for (; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < end) s += b[i]! << 8; // odd trailing byte, padded with zero
  return s;
}

/** Folds a sum to 16 bits with end-around carry (not complemented). */
export function csumFold(sum: number): number {
  let s = sum;
  // Above 2^32 the bit operators would truncate: reduce arithmetically first.
  while (s > 0xffffffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The checksum to store for a sum: ~fold(sum) & 0xffff (csum_fold). */
export function csumFinish(sum: number): number {
  return ~csumFold(sum) & 0xffff;
}

/** Sum of the IPv4 pseudo-header (RFC 793 §3.1): addresses, protocol, L4 length. */
export function pseudoSumV4(src: number, dst: number, proto: number, l4len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4len;
}

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1); addresses read from the 16-byte fields at srcAt/dstAt. */
export function pseudoSumV6(b: Uint8Array, srcAt: number, dstAt: number, proto: number, l4len: number): number {
  let s = csumPartial(b, srcAt, 16, 0);
  s = csumPartial(b, dstAt, 16, s);
  return s + (l4len >>> 16) + (l4len & 0xffff) + proto;
}

/** Computes the IPv4 header checksum over `hlen` bytes at `off`, treating the checksum field as 0. */
export function ipv4HeaderChecksum(b: Uint8Array, off: number, hlen: number): number {
  const s = csumPartial(b, off, hlen, 0) - rd16(b, off + 10);
  return csumFinish(s);
}

/** True when the IPv4 header at `off` checks out (ip_fast_csum() == 0). */
export function ipv4HeaderChecksumOk(b: Uint8Array, off: number, hlen: number): boolean {
  return csumFold(csumPartial(b, off, hlen, 0)) === 0xffff;
}

/**
 * Full TCP/UDP/ICMPv6 checksum over an IPv4 pseudo-header and `l4len` bytes at `l4off`, the
 * checksum field at `l4off + csumOff` counted as 0. Returns the value to store (UDP's 0 → 0xffff
 * is the caller's: see udpChecksumV4).
 */
export function l4ChecksumV4(b: Uint8Array, src: number, dst: number, proto: number, l4off: number, l4len: number, csumOff: number): number {
  const s = csumPartial(b, l4off, l4len, pseudoSumV4(src, dst, proto, l4len)) - rd16(b, l4off + csumOff);
  return csumFinish(s);
}

/** As l4ChecksumV4 with the IPv6 pseudo-header, addresses read from the IPv6 header at `ipOff`. */
export function l4ChecksumV6(b: Uint8Array, ipOff: number, proto: number, l4off: number, l4len: number, csumOff: number): number {
  const s = csumPartial(b, l4off, l4len, pseudoSumV6(b, ipOff + 8, ipOff + 24, proto, l4len)) - rd16(b, l4off + csumOff);
  return csumFinish(s);
}

/** Checksum without a pseudo-header (ICMPv4) over `len` bytes, the field at `off + csumOff` as 0. */
export function plainChecksum(b: Uint8Array, off: number, len: number, csumOff: number): number {
  return csumFinish(csumPartial(b, off, len, 0) - rd16(b, off + csumOff));
}

/**
 * RFC 1624 eqn. 3 for a 16-bit field change m → m': returns HC' = ~(~HC + ~m + m')
 * (the value-level core of csum_replace2()).
 */
export function csumUpdate16(hc: number, oldVal: number, newVal: number): number {
  const s = (~hc & 0xffff) + (~oldVal & 0xffff) + (newVal & 0xffff);
  return ~csumFold(s) & 0xffff;
}

/** RFC 1624 eqn. 3 for a 32-bit field change (two 16-bit words), as csum_replace4(). */
export function csumUpdate32(hc: number, oldVal: number, newVal: number): number {
  const s = (~hc & 0xffff) + (~(oldVal >>> 16) & 0xffff) + (~oldVal & 0xffff) + (newVal >>> 16) + (newVal & 0xffff);
  return ~csumFold(s) & 0xffff;
}

/** Patches the checksum field at `at` for a 16-bit field change (csum_replace2). */
export function csumReplace2(b: Uint8Array, at: number, oldVal: number, newVal: number): void {
  wr16(b, at, csumUpdate16(rd16(b, at), oldVal, newVal));
}

/** Patches the checksum field at `at` for a 32-bit field change (csum_replace4). */
export function csumReplace4(b: Uint8Array, at: number, oldVal: number, newVal: number): void {
  wr16(b, at, csumUpdate32(rd16(b, at), oldVal, newVal));
}

/**
 * Patches the checksum at `at` for a 16-byte field change (an IPv6 address, csum_replace16 /
 * inet_proto_csum_replace16): old bytes at `oldAt`, new bytes at `newAt` of `nb` (may be another
 * array, e.g. a flow entry's address store).
 */
export function csumReplace16(b: Uint8Array, at: number, oldAt: number, nb: Uint8Array, newAt: number): void {
  let s = ~rd16(b, at) & 0xffff;
  for (let i = 0; i < 16; i += 2) s += (~rd16(b, oldAt + i) & 0xffff) + rd16(nb, newAt + i);
  wr16(b, at, ~csumFold(s) & 0xffff);
}

/**
 * Patches the checksum at `at` for a 128-bit change given as 4 uint32 words each side (tuple layout).
 */
export function csumReplaceWords(b: Uint8Array, at: number, oldW: Uint32Array, oldOff: number, newW: Uint32Array, newOff: number): void {
  let s = ~rd16(b, at) & 0xffff;
  for (let i = 0; i < 4; i++) {
    const o = oldW[oldOff + i]!;
    const n = newW[newOff + i]!;
    s += (~(o >>> 16) & 0xffff) + (~o & 0xffff) + (n >>> 16) + (n & 0xffff);
  }
  wr16(b, at, ~csumFold(s) & 0xffff);
}


/** CRC32c (Castagnoli, reflected polynomial 0x82f63b78) by bytes, as SCTP uses (RFC 9260 App. A). */
const CRC32C_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * sctp_compute_cksum: the CRC32c of the SCTP packet at [start, end) with its checksum field
 * (bytes 8–11) taken as zero, written back little-endian as the kernel stores it
 * (cpu_to_le32(~crc)). A header shorter than 12 bytes is left alone.
 */
export function sctpChecksumRecompute(b: Uint8Array, start: number, end: number): void {
  if (end - start < 12) return;
  let crc = -1;
  for (let i = start; i < end; i++) {
    const byte = i >= start + 8 && i < start + 12 ? 0 : b[i]!;
    crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  crc = ~crc;
  b[start + 8] = crc & 0xff;
  b[start + 9] = (crc >>> 8) & 0xff;
  b[start + 10] = (crc >>> 16) & 0xff;
  b[start + 11] = (crc >>> 24) & 0xff;
}
