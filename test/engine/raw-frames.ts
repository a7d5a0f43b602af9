/**
 * Helpers for the NAT and flowtable kernel-semantics tests: a router built from inline YAML whose transmitted, locally
 * delivered and dropped frames are recorded, and raw frame builders (IPv4/IPv6 with TCP, UDP,
 * UDP-Lite, SCTP, GRE, ICMP) with every checksum computed here, independently of src/wire.
 */
import { buildScenario, type Built } from '../../src/sim/build.ts';
import { scenarioFromYaml } from './helpers.ts';

import type { Mode } from '../../src/scenario/types.ts';

/** One output of the router: transmitted (on `iface`), delivered locally or dropped (`reason`), and the road it took (PATH_*). */
export interface Rec { readonly kind: 'tx' | 'local' | 'drop'; readonly iface: string; readonly hex: string; readonly reason: number; readonly path: number }

/**
 * A router built from inline YAML in `mode` (default 'none', the classic path) whose outputs are
 * recorded; `inject` hands it an IP packet from a host (Ethernet header added, padded to 60 bytes),
 * `tick` runs the periodic kernel work (conntrack GC step, flowtable GC) at `now`.
 */
export function makeRouter(yaml: string, name: string, mode: Mode = 'none'): { built: Built; out: Rec[]; inject: (host: string, ip: Uint8Array, now: number) => void; tick: (now: number) => void } {
  const built = buildScenario(scenarioFromYaml(yaml, name), { mode, poolSlots: 256 });
  const pool = built.pool;
  const out: Rec[] = [];
  const hex = (slot: number): string => Buffer.from(pool.frame(slot)).toString('hex');
  built.router.sink = {
    transmit(slot, port) { out.push({ kind: 'tx', iface: built.net.topo.name(port), hex: hex(slot), reason: 0, path: pool.path[slot]! }); pool.free(slot); },
    deliverLocal(slot) { out.push({ kind: 'local', iface: '', hex: hex(slot), reason: 0, path: pool.path[slot]! }); pool.free(slot); },
    dropped(slot) { out.push({ kind: 'drop', iface: '', hex: hex(slot), reason: pool.drop[slot]!, path: pool.path[slot]! }); pool.free(slot); },
  };
  const inject = (host: string, ip: Uint8Array, now: number): void => {
    const h = built.hosts.find((x) => x.spec.name === host);
    if (!h) throw new Error(`no host ${host}`);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(h.routerMacHi, 0); eth.writeUInt32BE(h.routerMacLo >>> 0, 2);
    eth.writeUInt16BE(h.macHi, 6); eth.writeUInt32BE(h.macLo >>> 0, 8);
    eth.writeUInt16BE((ip[0]! >>> 4) === 6 ? 0x86dd : 0x0800, 12);
    let frame = Buffer.concat([eth, Buffer.from(ip)]);
    if (frame.length < 60) frame = Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
    const slot = pool.alloc();
    if (slot < 0) throw new Error('pool empty');
    pool.write(slot, frame);
    built.router.receive(slot, h.port, now);
  };
  // Periodic kernel work as the simulator's housekeeping does it (conntrack GC, flowtable GC).
  const tick = (now: number): void => {
    built.router.ct.gcStep(now, 4096);
    built.router.ft.tick(now);
  };
  return { built, out, inject, tick };
}

/** LAN eth0 192.168.1.0/24 (host a), WAN eth1 198.51.100.0/24 (host up = everything beyond). */
export function routerYaml(ruleset: string, opts: { wanMtu?: number; sysctl?: string; extraIfaces?: string; extraHosts?: string; routes?: string } = {}): string {
  return `
name: kernel semantics
seed: 1
duration: 1s
device: { soc: generic-x86 }
interfaces:
  - { name: eth0, kind: ethernet, mac: "02:33:00:00:00:01", addresses: [192.168.1.1/24, "2001:db8:1::1/64"] }
  - { name: eth1, kind: ethernet, mac: "02:33:00:00:00:02", addresses: [198.51.100.2/24, "2001:db8:ffff::2/64"]${opts.wanMtu ? `, mtu: ${opts.wanMtu}` : ''} }
${opts.extraIfaces ?? ''}
routes:
${opts.routes ?? `  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: "::/0", via: "2001:db8:ffff::1", dev: eth1 }`}
hosts:
  - { name: a, interface: eth0, addresses: [192.168.1.50, "2001:db8:1::50"] }
  - { name: up, interface: eth1, addresses: [0.0.0.0/0, "::/0"] }
${opts.extraHosts ?? ''}
${opts.sysctl ?? ''}
ruleset:
  inline: |
${ruleset.split('\n').map((l) => `    ${l}`).join('\n')}
traffic: []
`;
}


// --- checksums ----------------------------------------------------------------------------------

function sum16(b: Uint8Array, start = 0, end = b.length, init = 0): number {
  let s = init;
  for (let i = start; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if ((end - start) & 1) s += b[end - 1]! << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
function csum(b: Uint8Array, start = 0, end = b.length, init = 0): number {
  return ~fold(sum16(b, start, end, init)) & 0xffff;
}

export function v4(s: string): Buffer { return Buffer.from(s.split('.').map(Number)); }
export function v6(s: string): Buffer {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [], t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const g = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((x) => parseInt(x, 16));
  const b = Buffer.alloc(16);
  g.forEach((x, i) => b.writeUInt16BE(x, 2 * i));
  return b;
}

function pseudo(src: Buffer, dst: Buffer, proto: number, len: number): number {
  return sum16(src) + sum16(dst) + proto + len;
}

// --- L4 payloads --------------------------------------------------------------------------------

export function tcp(sport: number, dport: number, flags: number, seq = 1000, ack = 0, payload = 0): Buffer {
  const b = Buffer.alloc(20 + payload);
  b.writeUInt16BE(sport, 0); b.writeUInt16BE(dport, 2);
  b.writeUInt32BE(seq >>> 0, 4); b.writeUInt32BE(ack >>> 0, 8);
  b[12] = 5 << 4; b[13] = flags; b.writeUInt16BE(64240, 14);
  for (let i = 0; i < payload; i++) b[20 + i] = i & 0xff;
  return b;
}
export function udp(sport: number, dport: number, payload = 8): Buffer {
  const b = Buffer.alloc(8 + payload);
  b.writeUInt16BE(sport, 0); b.writeUInt16BE(dport, 2); b.writeUInt16BE(8 + payload, 4);
  for (let i = 0; i < payload; i++) b[8 + i] = (0x41 + i) & 0xff;
  return b;
}
/** UDP-Lite: checksum coverage 0 (whole datagram). */
export function udplite(sport: number, dport: number, payload = 8): Buffer {
  const b = udp(sport, dport, payload);
  b.writeUInt16BE(0, 4);
  return b;
}
/** SCTP common header + one INIT chunk (vtag 0); checksum filled by ipv4(). */
export function sctpInit(sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12 + 20);
  b.writeUInt16BE(sport, 0); b.writeUInt16BE(dport, 2); b.writeUInt32BE(0, 4);
  b[12] = 1; b[13] = 0; b.writeUInt16BE(20, 14);
  b.writeUInt32BE(0x11223344, 16); b.writeUInt32BE(65535, 20); b.writeUInt16BE(10, 24); b.writeUInt16BE(10, 26); b.writeUInt32BE(777, 28);
  return b;
}
/** An ICMPv4 error (type/code, 4-byte rest-of-header) quoting `quote`. */
export function icmpError(type: number, code: number, quote: Uint8Array, rest = 0): Buffer {
  const b = Buffer.alloc(8 + quote.length);
  b[0] = type; b[1] = code; b.writeUInt32BE(rest >>> 0, 4);
  b.set(quote, 8);
  return b;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = (CRC32C_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}
/** SCTP checksum field check: CRC32c over the packet with the field zeroed, stored little-endian (sctp_compute_cksum). */
export function sctpCsumOk(l4: Uint8Array): boolean {
  const c = Buffer.from(l4);
  const stored = c.readUInt32LE(8);
  c.writeUInt32LE(0, 8);
  return crc32c(c) === stored;
}

/** Fills the L4 checksum of `l4` for `proto` over IPv4/IPv6 addresses (in place). */
function fillL4Csum(l4: Buffer, proto: number, src: Buffer, dst: Buffer, udpZero: boolean): void {
  const ps = pseudo(src, dst, proto, l4.length);
  if (proto === 6) { l4.writeUInt16BE(0, 16); l4.writeUInt16BE(csum(l4, 0, l4.length, ps), 16); }
  else if (proto === 17 || proto === 136) {
    l4.writeUInt16BE(0, 6);
    if (!udpZero) { let c = csum(l4, 0, l4.length, ps); if (c === 0) c = 0xffff; l4.writeUInt16BE(c, 6); }
  } else if (proto === 132) { l4.writeUInt32LE(0, 8); l4.writeUInt32LE(crc32c(l4), 8); }
  else if (proto === 1) { l4.writeUInt16BE(0, 2); l4.writeUInt16BE(csum(l4), 2); }
  else if (proto === 58) { l4.writeUInt16BE(0, 2); l4.writeUInt16BE(csum(l4, 0, l4.length, ps), 2); }
}

export function ipv4(src: string, dst: string, proto: number, l4In: Uint8Array, opts: { ttl?: number; udpZero?: boolean; raw?: boolean } = {}): Buffer {
  const l4 = Buffer.from(l4In);
  const s = v4(src), d = v4(dst);
  if (!opts.raw) fillL4Csum(l4, proto, s, d, opts.udpZero ?? false);
  const h = Buffer.alloc(20);
  h[0] = 0x45; h.writeUInt16BE(20 + l4.length, 2); h.writeUInt16BE(0x4000, 6);
  h[8] = opts.ttl ?? 64; h[9] = proto; s.copy(h, 12); d.copy(h, 16);
  h.writeUInt16BE(csum(h), 10);
  return Buffer.concat([h, l4]);
}

export function ipv6(src: string, dst: string, proto: number, l4In: Uint8Array, opts: { hl?: number } = {}): Buffer {
  const l4 = Buffer.from(l4In);
  const s = v6(src), d = v6(dst);
  fillL4Csum(l4, proto, s, d, false);
  const h = Buffer.alloc(40);
  h[0] = 0x60; h.writeUInt16BE(l4.length, 4); h[6] = proto; h[7] = opts.hl ?? 64;
  s.copy(h, 8); d.copy(h, 24);
  return Buffer.concat([h, l4]);
}

// --- decoding of recorded frames ---------------------------------------------------------------

export interface Ip {
  readonly v6: boolean; readonly proto: number; readonly src: string; readonly dst: string;
  readonly l3: Buffer; readonly l4: Buffer; readonly sport: number; readonly dport: number;
}
export function parse(hex: string): Ip {
  const f = Buffer.from(hex, 'hex');
  const v6f = f.readUInt16BE(12) === 0x86dd;
  const ip = f.subarray(14);
  if (v6f) {
    const len = 40 + ip.readUInt16BE(4);
    const l3 = ip.subarray(0, len);
    const l4 = l3.subarray(40);
    return { v6: true, proto: l3[6]!, src: l3.subarray(8, 24).toString('hex'), dst: l3.subarray(24, 40).toString('hex'), l3, l4, sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2) };
  }
  const len = ip.readUInt16BE(2);
  const l3 = ip.subarray(0, len);
  const ihl = (l3[0]! & 0xf) * 4;
  const l4 = l3.subarray(ihl);
  return { v6: false, proto: l3[9]!, src: l3.subarray(12, 16).join('.'), dst: l3.subarray(16, 20).join('.'), l3, l4, sport: l4.length >= 2 ? l4.readUInt16BE(0) : 0, dport: l4.length >= 4 ? l4.readUInt16BE(2) : 0 };
}

/** True when the IPv4 header checksum and the pseudo-header L4 checksum (TCP/UDP/UDP-Lite/ICMP/ICMPv6) verify. */
export function checksumsOk(p: Ip): { ip: boolean; l4: boolean } {
  const ipOk = p.v6 ? true : fold(sum16(p.l3, 0, (p.l3[0]! & 0xf) * 4)) === 0xffff;
  const s = p.v6 ? p.l3.subarray(8, 24) : p.l3.subarray(12, 16);
  const d = p.v6 ? p.l3.subarray(24, 40) : p.l3.subarray(16, 20);
  let l4 = true;
  if (p.proto === 6 || p.proto === 17 || p.proto === 136 || p.proto === 58) {
    if (p.proto === 17 && p.l4.readUInt16BE(6) === 0) l4 = true;
    else l4 = fold(sum16(p.l4, 0, p.l4.length, pseudo(s, d, p.proto, p.l4.length))) === 0xffff;
  } else if (p.proto === 1) l4 = fold(sum16(p.l4)) === 0xffff;
  else if (p.proto === 132) l4 = sctpCsumOk(p.l4);
  return { ip: ipOk, l4 };
}

export const SYN = 0x02;
