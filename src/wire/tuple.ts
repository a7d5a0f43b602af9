/**
 * The flow tuple layout shared by the parser, conntrack, the flowtable and hardware backends.
 *
 * A tuple is TUPLE_WORDS consecutive uint32 words in a Uint32Array. IPv4 addresses occupy the first
 * word of each address block with the other three zero, so one compare loop serves both families
 * (the kernel's `union nf_inet_addr` does the same). Words hold host-order numbers (not wire bytes):
 * 192.168.1.1 is 0xc0a80101.
 *
 *   [0..3]  source address        [4..7]  destination address
 *   [8]     (sport << 16) | dport  — for ICMP echo: (id << 16) | 0, as the kernel keys echo by id
 *   [9]     (family << 8) | l4proto, family 4 or 6
 */
export const TUPLE_WORDS = 10;
export const T_SRC = 0;
export const T_DST = 4;
export const T_PORTS = 8;
export const T_PROTO = 9;

export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;

export function tupleFamily(t: Uint32Array, off: number): number {
  return t[off + T_PROTO]! >>> 8;
}

export function tupleL4Proto(t: Uint32Array, off: number): number {
  return t[off + T_PROTO]! & 0xff;
}

export function tupleSport(t: Uint32Array, off: number): number {
  return t[off + T_PORTS]! >>> 16;
}

export function tupleDport(t: Uint32Array, off: number): number {
  return t[off + T_PORTS]! & 0xffff;
}

export function tupleEquals(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number): boolean {
  for (let i = 0; i < TUPLE_WORDS; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

export function tupleCopy(dst: Uint32Array, dstOff: number, src: Uint32Array, srcOff: number): void {
  for (let i = 0; i < TUPLE_WORDS; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/** Writes the inverse tuple (source and destination swapped), as `nf_ct_invert_tuple` does. */
export function tupleInvert(dst: Uint32Array, dstOff: number, src: Uint32Array, srcOff: number): void {
  for (let i = 0; i < 4; i++) {
    const s = src[srcOff + T_SRC + i]!;
    dst[dstOff + T_SRC + i] = src[srcOff + T_DST + i]!;
    dst[dstOff + T_DST + i] = s;
  }
  const ports = src[srcOff + T_PORTS]!;
  const proto = src[srcOff + T_PROTO]!;
  const l4 = proto & 0xff;
  // ICMP echo keeps its id in both directions (the reply carries the same id), so only ports swap.
  dst[dstOff + T_PORTS] = l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6 ? ports : (((ports & 0xffff) << 16) | (ports >>> 16)) >>> 0;
  dst[dstOff + T_PROTO] = proto;
}

export function tupleSetV4(
  t: Uint32Array, off: number, src: number, dst: number, l4proto: number, sport: number, dport: number,
): void {
  t[off] = src >>> 0; t[off + 1] = 0; t[off + 2] = 0; t[off + 3] = 0;
  t[off + 4] = dst >>> 0; t[off + 5] = 0; t[off + 6] = 0; t[off + 7] = 0;
  t[off + T_PORTS] = ((sport << 16) | dport) >>> 0;
  t[off + T_PROTO] = (FAMILY_IPV4 << 8) | l4proto;
}
