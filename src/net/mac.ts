/**
 * MAC addresses as two numbers: `hi` = the first two bytes (16 bits), `lo` = the last four (32 bits,
 * unsigned). Two numbers compare and hash without allocating, and fit typed-array columns.
 * Parsing and printing strings is load-time / report-time only.
 */

export const MAC_BROADCAST_HI = 0xffff;
export const MAC_BROADCAST_LO = 0xffffffff;

/** Bit 0 of the first byte: group (multicast or broadcast) address, as is_multicast_ether_addr(). */
export function macIsMulticast(hi: number): boolean {
  return (hi & 0x0100) !== 0;
}

export function macIsZero(hi: number, lo: number): boolean {
  return hi === 0 && lo === 0;
}

/** Neither zero nor multicast, as is_valid_ether_addr(). */
export function macIsValid(hi: number, lo: number): boolean {
  return !macIsMulticast(hi) && !macIsZero(hi, lo);
}

/** Reads the 16-bit high half of a MAC stored at `b[off..off+6)`. */
export function macHiAt(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** Reads the 32-bit low half of a MAC stored at `b[off..off+6)`. */
export function macLoAt(b: Uint8Array, off: number): number {
  return ((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0;
}

/** Writes a MAC given as (hi, lo) into `b[off..off+6)`. */
export function macWrite(b: Uint8Array, off: number, hi: number, lo: number): void {
  b[off] = (hi >>> 8) & 0xff;
  b[off + 1] = hi & 0xff;
  b[off + 2] = lo >>> 24;
  b[off + 3] = (lo >>> 16) & 0xff;
  b[off + 4] = (lo >>> 8) & 0xff;
  b[off + 5] = lo & 0xff;
}

/** Parses "aa:bb:cc:dd:ee:ff" (or with '-'). Load time only; returns null when malformed. */
export function parseMac(text: string): { hi: number; lo: number } | null {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) return null;
  const b = m.slice(1).map((x) => parseInt(x, 16));
  return { hi: (b[0]! << 8) | b[1]!, lo: ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0 };
}

export function formatMac(hi: number, lo: number): string {
  const bytes = [(hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
