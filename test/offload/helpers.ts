/**
 * Test helpers: put a parsed packet into a PacketPool slot the way the parser would leave it
 * (Ethernet + IPv4/IPv6 + TCP/UDP, tuple words, offsets, TTL and TCP flags in the bytes), and build
 * OffloadRequests. The wire parser is not used so these tests pin only the offload layer.
 */
import { PacketPool } from '../../src/buffers/pool.ts';
import { FAMILY_IPV6, IPPROTO_TCP, TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../../src/wire/tuple.ts';
import { OffloadRequest } from '../../src/offload/types.ts';

export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10;

export interface PacketSpec {
  tuple: Uint32Array; // TUPLE_WORDS
  len?: number; // frame length
  ttl?: number;
  tcpFlags?: number;
  pflags?: number;
}

export function v4(src: number, dst: number, proto: number, sport: number, dport: number): Uint32Array {
  const t = new Uint32Array(TUPLE_WORDS);
  tupleSetV4(t, 0, src, dst, proto, sport, dport);
  return t;
}

export function v6(src: readonly number[], dst: readonly number[], proto: number, sport: number, dport: number): Uint32Array {
  const t = new Uint32Array(TUPLE_WORDS);
  for (let i = 0; i < 4; i++) {
    t[i] = src[i]! >>> 0;
    t[4 + i] = dst[i]! >>> 0;
  }
  t[8] = ((sport << 16) | dport) >>> 0;
  t[9] = (FAMILY_IPV6 << 8) | proto;
  return t;
}

/** Fills `slot` with a parsed packet; returns the slot. */
export function writePacket(pool: PacketPool, slot: number, p: PacketSpec): number {
  const fam = p.tuple[9]! >>> 8;
  const proto = p.tuple[9]! & 0xff;
  const l3off = 14;
  const l4off = l3off + (fam === 6 ? 40 : 20);
  const len = p.len ?? l4off + (proto === IPPROTO_TCP ? 20 : 8) + 64;
  pool.off[slot] = pool.headroom;
  pool.len[slot] = len;
  const f = pool.frameStart(slot);
  pool.bytes.fill(0, f, f + len);
  pool.l3proto[slot] = fam === 6 ? 0x86dd : 0x0800;
  pool.l3off[slot] = l3off;
  pool.l4off[slot] = l4off;
  pool.pflags[slot] = p.pflags ?? 0;
  const ttl = p.ttl ?? 64;
  if (fam === 6) pool.bytes[f + l3off + 7] = ttl;
  else pool.bytes[f + l3off + 8] = ttl;
  if (proto === IPPROTO_TCP) pool.bytes[f + l4off + 13] = p.tcpFlags ?? TCP_ACK;
  for (let i = 0; i < TUPLE_WORDS; i++) pool.tuple[slot * TUPLE_WORDS + i] = p.tuple[i]!;
  return slot;
}

/**
 * A routed/NATed flow request: `orig` is the original-direction ingress tuple; the reply ingress
 * tuple is the inverse of `replyRewrittenFrom` (the post-NAT original), as conntrack's reply tuple.
 */
export function makeRequest(flowId: number, orig: Uint32Array, opts: { natOrig?: Uint32Array; inPort?: readonly [number, number]; outPort?: readonly [number, number]; bidirectional?: boolean } = {}): OffloadRequest {
  const req = new OffloadRequest();
  req.flowId = flowId;
  req.family = orig[9]! >>> 8;
  req.l4proto = orig[9]! & 0xff;
  const nat = opts.natOrig ?? orig;
  req.tuple.set(orig, 0);
  req.rewritten.set(nat, 0);
  // reply arrives as the inverse of what left; it leaves as the inverse of the original
  tupleInvert(req.tuple, TUPLE_WORDS, nat, 0);
  tupleInvert(req.rewritten, TUPLE_WORDS, orig, 0);
  const inP = opts.inPort ?? [1, 0];
  const outP = opts.outPort ?? [inP[1], inP[0]];
  req.inPort[0] = inP[0];
  req.inPort[1] = inP[1];
  req.outPort[0] = outP[0];
  req.outPort[1] = outP[1];
  for (let d = 0; d < 2; d++) {
    req.setMac('src', d, 0x0200, 0x10 + d);
    req.setMac('dst', d, 0x0200, 0x20 + d);
  }
  if (opts.bidirectional === false) req.flags = 0;
  return req;
}

export function newPool(capacity = 8): PacketPool {
  return new PacketPool({ capacity });
}

export const MS = 1e6;
export const S = 1e9;
