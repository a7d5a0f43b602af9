/**
 * Reading recorded frames in the engine tests, and building frames to inject into a running router
 * (packets the traffic generator cannot make: TTL 1, IP options inside an offloaded flow).
 */
import { FrameSpec, buildFrame } from '../../src/wire/builder.ts';
import { IPPROTO_TCP, TUPLE_WORDS, T_DST, T_PORTS, T_PROTO, T_SRC } from '../../src/wire/tuple.ts';
import type { Built } from '../../src/sim/build.ts';
import type { TxFrame } from './helpers.ts';

export interface Decoded {
  readonly family: 4 | 6 | 0;
  readonly proto: number;
  readonly ttl: number;
  /** IPv4 header length in bytes. */
  readonly ihl: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  /** ICMP fragmentation needed: the next-hop MTU. */
  readonly icmpMtu: number;
}

/** Decodes an Ethernet frame (optionally PPPoE) down to the L4 fields the tests look at. */
export function decode(f: TxFrame | string): Decoded {
  const b = Buffer.from(typeof f === 'string' ? f : f.hex, 'hex');
  let et = b.readUInt16BE(12);
  let ip = 14;
  if (et === 0x8864) { et = b.readUInt16BE(20) === 0x0021 ? 0x0800 : b.readUInt16BE(20) === 0x0057 ? 0x86dd : 0; ip = 22; }
  const none: Decoded = { family: 0, proto: -1, ttl: 0, ihl: 0, src: '', dst: '', sport: 0, dport: 0, tcpFlags: 0, icmpType: -1, icmpCode: -1, icmpMtu: 0 };
  if (et !== 0x0800 && et !== 0x86dd) return none;
  const v4 = et === 0x0800;
  const ihl = v4 ? (b[ip]! & 0xf) * 4 : 40;
  const proto = v4 ? b[ip + 9]! : b[ip + 6]!;
  const l4 = ip + ihl;
  const tcpUdp = proto === 6 || proto === 17;
  const icmp = proto === 1 || proto === 58;
  return {
    family: v4 ? 4 : 6, proto, ttl: v4 ? b[ip + 8]! : b[ip + 7]!, ihl,
    src: v4 ? b.subarray(ip + 12, ip + 16).join('.') : b.subarray(ip + 8, ip + 24).toString('hex'),
    dst: v4 ? b.subarray(ip + 16, ip + 20).join('.') : b.subarray(ip + 24, ip + 40).toString('hex'),
    sport: tcpUdp ? b.readUInt16BE(l4) : 0, dport: tcpUdp ? b.readUInt16BE(l4 + 2) : 0,
    tcpFlags: proto === 6 ? b[l4 + 13]! : 0,
    icmpType: icmp ? b[l4]! : -1, icmpCode: icmp ? b[l4 + 1]! : -1,
    icmpMtu: icmp ? b.readUInt16BE(l4 + 6) : 0,
  };
}

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** The original-direction tuple of the first TCP connection in conntrack (addresses as numbers). */
export function firstTcpTuple(built: Built): { src: number; dst: number; sport: number; dport: number; handle: number } | null {
  const ct = built.router.ct;
  let out: { src: number; dst: number; sport: number; dport: number; handle: number } | null = null;
  ct.forEachHandle((h) => {
    if (out !== null) return;
    const o = ct.tupleOffset(h, 0);
    if ((ct.tuples[o + T_PROTO]! & 0xff) !== IPPROTO_TCP) return;
    out = { src: ct.tuples[o + T_SRC]!, dst: ct.tuples[o + T_DST]!, sport: ct.tuples[o + T_PORTS]! >>> 16, dport: ct.tuples[o + T_PORTS]! & 0xffff, handle: h };
  });
  void TUPLE_WORDS;
  return out;
}

/**
 * Builds an IPv4 TCP frame from host `hostName` to the router and hands it to the router's receive
 * path at `now`, as if it had just arrived on the host's port. Returns false if no buffer was free.
 */
export function injectTcpFromHost(built: Built, hostName: string, t: { src: number; dst: number; sport: number; dport: number }, opts: { ttl?: number; ipOptionsLen?: number; flags?: number; payload?: number; flow?: number; badIpChecksum?: boolean }, now: number): boolean {
  const h = built.hosts.find((x) => x.spec.name === hostName);
  if (!h) throw new Error(`no host ${hostName}`);
  const pool = built.pool;
  const slot = pool.alloc();
  if (slot < 0) return false;
  const s = new FrameSpec();
  s.srcMacHi = h.macHi; s.srcMacLo = h.macLo;
  s.dstMacHi = h.routerMacHi; s.dstMacLo = h.routerMacLo;
  s.family = 4;
  s.src4 = t.src; s.dst4 = t.dst;
  s.sport = t.sport; s.dport = t.dport;
  s.l4proto = IPPROTO_TCP;
  s.tcpFlags = opts.flags ?? (ACK | PSH);
  s.tcpSeq = 1; s.tcpAck = 1;
  s.ttl = opts.ttl ?? 64;
  s.ipv4OptionsLen = opts.ipOptionsLen ?? 0;
  s.payloadLen = opts.payload ?? 100;
  if (buildFrame(pool, slot, s) === 0) { pool.free(slot); return false; }
  // A header corrupted in transit: flip the low byte of the IPv4 header checksum.
  if (opts.badIpChecksum === true) pool.bytes[pool.frameStart(slot) + 14 + 11] = pool.bytes[pool.frameStart(slot) + 14 + 11]! ^ 0x5a;
  pool.flow[slot] = opts.flow ?? -1;
  built.router.receive(slot, h.port, now);
  return true;
}

export function ipv4(s: string): number {
  return s.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
}
