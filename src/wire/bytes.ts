/**
 * Big-endian field access over a byte array (the wire's network byte order). Every header view in
 * this layer reads and writes through these, so no wider typed array is ever laid over packet bytes.
 */

/** Reads a big-endian uint16 at `at`. */
export function rd16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Reads a big-endian uint32 at `at` as an unsigned number. */
export function rd32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Writes `v` as a big-endian uint16 at `at`. */
export function wr16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v;
}

/** Writes `v` as a big-endian uint32 at `at`. */
export function wr32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}
