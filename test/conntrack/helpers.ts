/**
 * Test helpers: write a minimal Ethernet/IP/L4 frame plus the parsed metadata (tuple words,
 * l3off/l4off, pflags) into a PacketPool slot, as the wire parser would, and drive conntrack.
 */
import { PacketPool, PF_L4_VALID } from '../../src/buffers/pool.ts';
import { FAMILY_IPV4, FAMILY_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS } from '../../src/wire/tuple.ts';
import { ConntrackTable } from '../../src/conntrack/table.ts';
import { conntrackIn } from '../../src/conntrack/conntrack-in.ts';
import type { ConntrackConfigInput } from '../../src/conntrack/config.ts';

export const SEC = 1e9;

export function ip4(s: string): number {
  const p = s.split('.').map(Number);
  return (((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0);
}

/** 4 host-order words of an IPv6 address written as 8 groups (no '::'). */
export function ip6(groups: number[]): number[] {
  const w: number[] = [];
  for (let i = 0; i < 8; i += 2) w.push(((groups[i]! << 16) | groups[i + 1]!) >>> 0);
  return w;
}

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

export interface Pkt {
  /** IPv4 address number, or 4 words for IPv6. */
  src: number | number[];
  dst: number | number[];
  proto: number;
  sport?: number;
  dport?: number;
  /** TCP flags byte. */
  flags?: number;
  seq?: number;
  ack?: number;
  payload?: number;
  /** ICMP type/code/id. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** Bytes quoted after the 8-byte ICMP header (an ICMP error's inner packet). */
  quoted?: Uint8Array;
}

function put16(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 8) & 0xff; b[o + 1] = v & 0xff; }
function put32(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff; }

/** The IP packet (no Ethernet) for `p`. */
export function ipPacket(p: Pkt): Uint8Array {
  const v6 = Array.isArray(p.src);
  const l3len = v6 ? 40 : 20;
  let l4len: number;
  if (p.proto === IPPROTO_TCP) l4len = 20;
  else if (p.proto === IPPROTO_UDP) l4len = 8;
  else if (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6) l4len = 8 + (p.quoted?.length ?? 0);
  else l4len = 8;
  const payload = p.payload ?? 0;
  const b = new Uint8Array(l3len + l4len + payload);
  if (v6) {
    b[0] = 0x60;
    put16(b, 4, l4len + payload);
    b[6] = p.proto;
    b[7] = 64;
    (p.src as number[]).forEach((w, i) => put32(b, 8 + i * 4, w));
    (p.dst as number[]).forEach((w, i) => put32(b, 24 + i * 4, w));
  } else {
    b[0] = 0x45;
    put16(b, 2, l3len + l4len + payload);
    b[8] = 64;
    b[9] = p.proto;
    put32(b, 12, p.src as number);
    put32(b, 16, p.dst as number);
  }
  const q = l3len;
  if (p.proto === IPPROTO_TCP) {
    put16(b, q, p.sport ?? 0); put16(b, q + 2, p.dport ?? 0);
    put32(b, q + 4, p.seq ?? 1000); put32(b, q + 8, p.ack ?? 0);
    b[q + 12] = 5 << 4; b[q + 13] = p.flags ?? ACK; put16(b, q + 14, 65535);
  } else if (p.proto === IPPROTO_UDP) {
    put16(b, q, p.sport ?? 0); put16(b, q + 2, p.dport ?? 0); put16(b, q + 4, 8 + payload);
  } else if (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6) {
    b[q] = p.icmpType ?? 8; b[q + 1] = p.icmpCode ?? 0; put16(b, q + 4, p.icmpId ?? 0);
    if (p.quoted) b.set(p.quoted, q + 8);
  }
  return b;
}

/** Writes frame + parsed metadata into `slot` as the parser would. */
export function writePacket(pool: PacketPool, slot: number, p: Pkt): void {
  const v6 = Array.isArray(p.src);
  const ip = ipPacket(p);
  const frame = new Uint8Array(14 + ip.length);
  put16(frame, 12, v6 ? 0x86dd : 0x0800);
  frame.set(ip, 14);
  pool.write(slot, frame);
  pool.l3proto[slot] = v6 ? 0x86dd : 0x0800;
  pool.l3off[slot] = 14;
  pool.l4off[slot] = 14 + (v6 ? 40 : 20);
  pool.pflags[slot] = PF_L4_VALID;
  const t = pool.tuple;
  const o = slot * TUPLE_WORDS;
  const src = v6 ? (p.src as number[]) : [p.src as number, 0, 0, 0];
  const dst = v6 ? (p.dst as number[]) : [p.dst as number, 0, 0, 0];
  for (let i = 0; i < 4; i++) { t[o + i] = src[i]! >>> 0; t[o + 4 + i] = dst[i]! >>> 0; }
  const icmp = p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6;
  t[o + 8] = icmp ? ((p.icmpId ?? 0) << 16) >>> 0 : (((p.sport ?? 0) << 16) | (p.dport ?? 0)) >>> 0;
  t[o + 9] = ((v6 ? FAMILY_IPV6 : FAMILY_IPV4) << 8) | p.proto;
}

export interface Result {
  ct: number;
  dir: number;
  ctinfo: number;
  drop: number;
}

/** A conntrack table plus one pool slot: `send` runs a packet through conntrackIn and confirm. */
export class Harness {
  readonly pool = new PacketPool({ capacity: 4 });
  readonly ct: ConntrackTable;
  now = 0;

  constructor(cfg: ConntrackConfigInput = {}) {
    this.ct = new ConntrackTable(cfg);
  }

  /** conntrackIn only (the packet stops before confirm unless `confirm` is called). */
  inOnly(p: Pkt): Result {
    const slot = this.pool.alloc();
    writePacket(this.pool, slot, p);
    const drop = conntrackIn(this.ct, this.pool, slot, this.now);
    const r = { ct: this.pool.ct[slot]!, dir: this.pool.ctDir[slot]!, ctinfo: this.pool.ctInfo[slot]!, drop };
    this.pool.free(slot);
    return r;
  }

  /** conntrackIn then confirm (the packet made it through postrouting). */
  send(p: Pkt): Result {
    const r = this.inOnly(p);
    if (r.drop === 0 && r.ct >= 0) {
      const d = this.ct.confirm(r.ct, this.now);
      if (d !== 0) r.drop = d;
    }
    return r;
  }

  advance(seconds: number): void {
    this.now += seconds * SEC;
  }

  /** Seconds left on a connection's timer. */
  timeLeft(handle: number): number {
    return this.ct.timeLeft(handle, this.now) / SEC;
  }
}

/** A client→server TCP pair with helpers for each direction. */
export function tcpPair(h: Harness, client = ip4('192.168.1.10'), server = ip4('198.51.100.7'), cport = 40000, sport = 443) {
  return {
    orig: (flags: number, extra: Partial<Pkt> = {}) => h.send({ src: client, dst: server, proto: IPPROTO_TCP, sport: cport, dport: sport, flags, ...extra }),
    reply: (flags: number, extra: Partial<Pkt> = {}) => h.send({ src: server, dst: client, proto: IPPROTO_TCP, sport, dport: cport, flags, ...extra }),
  };
}
