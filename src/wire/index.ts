/**
 * The wire layer: views over packet bytes, checksums, header rewrites, L2 encapsulation, frame
 * builders and the frame classifier. It depends on nothing above it (only `buffers/pool.ts` for
 * the slot layout).
 *
 * Contract:
 * - A view is a set of functions over a Uint8Array and an absolute offset; nothing allocates per
 *   packet and multi-byte fields are big-endian (read with explicit shifts, never wider arrays).
 * - View accessors do not bounds-check. After `parseFrame(pool, slot)` returned 0, every accessor
 *   of the headers it recorded (Ethernet at the frame start, VLAN/PPPoE, IP at l3off, and — when
 *   PF_L4_VALID or PF_ICMP_ERROR is set — the fixed TCP/UDP/ICMP header at l4off) reads within the
 *   frame; `parsedIpLength` bounds the IP packet (Ethernet padding excluded).
 * - `parseFrame` never throws and never allocates, whatever the bytes; a bad frame gets a
 *   DropReason code.
 * - `nat.ts` rewrites keep every checksum exactly equal to a full recomputation (RFC 1624 eqn. 3;
 *   UDP's zero checksum stays zero), so NAT, the flowtable and hardware paths emit identical bytes.
 * - Builders write complete frames with correct lengths and checksums at the slot's headroom.
 */
export * from './bytes.ts';
export * from './checksum.ts';
export * from './drop-reasons.ts';
export * from './tuple.ts';
export * from './ethernet.ts';
export * from './vlan.ts';
export * from './pppoe.ts';
export * from './ipv4.ts';
export * from './ipv6.ts';
export * from './tcp.ts';
export * from './udp.ts';
export * from './icmp.ts';
export * from './nat.ts';
export * from './encap.ts';
export * from './parse.ts';
export * from './builder.ts';
