/**
 * Test-side reference implementations, written independently of src/wire so the properties compare
 * the code under test against a second, naive reading of the RFCs.
 */

/** RFC 1071: one's-complement sum of 16-bit big-endian words, folded, complemented. */
export function refChecksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (i + 1 < bytes.length ? bytes[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** IPv4 header checksum recomputed from scratch (checksum field zeroed). */
export function refIpv4HeaderChecksum(b: Uint8Array, ip: number): number {
  const hlen = (b[ip]! & 0x0f) * 4;
  const h = Array.from(b.subarray(ip, ip + hlen));
  h[10] = 0;
  h[11] = 0;
  return refChecksum(h);
}

/**
 * L4 checksum recomputed from scratch over the pseudo-header + segment, with the checksum field
 * at `csumOff` zeroed. `pseudo` false for ICMPv4. UDP's 0 → 0xffff applied when `udp`.
 */
export function refL4Checksum(b: Uint8Array, ip: number, l4: number, end: number, proto: number, csumOff: number, pseudo: boolean, udp: boolean): number {
  const seg = Array.from(b.subarray(l4, end));
  seg[csumOff] = 0;
  seg[csumOff + 1] = 0;
  const ph: number[] = [];
  if (pseudo) {
    const v6 = b[ip]! >>> 4 === 6;
    if (v6) ph.push(...b.subarray(ip + 8, ip + 40), 0, 0, (seg.length >>> 8) & 0xff, seg.length & 0xff, 0, 0, 0, proto);
    else ph.push(...b.subarray(ip + 12, ip + 20), 0, proto, seg.length >>> 8, seg.length & 0xff);
  }
  const c = refChecksum([...ph, ...seg]);
  return udp && c === 0 ? 0xffff : c;
}

/**
 * Fills every packet slot with 0xa5 so a byte a builder forgets to write shows up. The pool's
 * payload pattern region after the slots (PacketPool.patternAt) is left as it is.
 */
export function fillA5(bytes: Uint8Array, end = bytes.length): void {
  bytes.fill(0xa5, 0, end);
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
