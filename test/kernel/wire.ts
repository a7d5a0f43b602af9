/**
 * Minimal, independent frame builders for the kernel differential cases.
 *
 * Deliberately not src/wire/builder.ts: the inputs of a differential test must not share code (and
 * so bugs) with the simulator under test. Everything is plain RFC 791/793/768/792/8200/4443 framing
 * with checksums computed from scratch. Frames are not padded to 60 bytes (a veth does not pad).
 */

export type Mac = string;

export function macBytes(mac: Mac): number[] {
  const parts = mac.split(':').map((h) => parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad MAC ${mac}`);
  return parts;
}

export function ipv4Bytes(a: string): number[] {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${a}`);
  return p;
}

/** RFC 4291 text form (with ::) to 16 bytes. */
export function ipv6Bytes(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const hs = head === '' ? [] : head.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - hs.length - ts.length;
  const groups = [...hs, ...Array<string>(fill).fill('0'), ...ts].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`bad IPv6 ${a}`);
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

export function isV6(a: string): boolean {
  return a.includes(':');
}

/** RFC 1071 one's-complement sum over `b`, folded; returns the checksum (complemented). */
export function inetChecksum(b: ArrayLike<number>, start = 0, end = b.length, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += ((b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0));
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return (~sum) & 0xffff;
}

function sumOf(b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0));
  return sum;
}

function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export type L4 =
  | { proto: 'tcp'; sport: number; dport: number; seq: number; ack?: number; flags: number; window?: number; payload?: number; mss?: number }
  | { proto: 'udp'; sport: number; dport: number; payload?: number }
  | { proto: 'icmp'; type: number; code: number; id?: number; seq?: number; payload?: number; rest?: number[]; quote?: ArrayLike<number> };

export interface PacketSpec {
  srcMac: Mac;
  dstMac: Mac;
  src: string;
  dst: string;
  /** TTL or hop limit (default 64). */
  ttl?: number;
  /** IPv4 identification (default derived from nothing: 0x1234). */
  id?: number;
  /** IPv4 don't-fragment (default true, as Linux sends TCP). */
  df?: boolean;
  tos?: number;
  l4: L4;
}

/** Payload bytes (i & 0xff pattern, deterministic). */
function payloadBytes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

function l4Bytes(spec: PacketSpec, v6: boolean, pseudo: (proto: number, len: number) => number): { proto: number; bytes: number[] } {
  const l4 = spec.l4;
  if (l4.proto === 'tcp') {
    const opts = l4.mss !== undefined ? [2, 4, ...be16(l4.mss)] : [];
    const hl = 20 + opts.length;
    const h = [...be16(l4.sport), ...be16(l4.dport), ...be32(l4.seq >>> 0), ...be32((l4.ack ?? 0) >>> 0),
      (hl / 4) << 4, l4.flags, ...be16(l4.window ?? 64240), 0, 0, 0, 0, ...opts, ...payloadBytes(l4.payload ?? 0)];
    const c = inetChecksum(h, 0, h.length, pseudo(6, h.length));
    h[16] = c >> 8; h[17] = c & 0xff;
    return { proto: 6, bytes: h };
  }
  if (l4.proto === 'udp') {
    const body = payloadBytes(l4.payload ?? 0);
    const h = [...be16(l4.sport), ...be16(l4.dport), ...be16(8 + body.length), 0, 0, ...body];
    let c = inetChecksum(h, 0, h.length, pseudo(17, h.length));
    if (c === 0) c = 0xffff;
    h[6] = c >> 8; h[7] = c & 0xff;
    return { proto: 17, bytes: h };
  }
  const rest = l4.rest ?? [...be16(l4.id ?? 1), ...be16(l4.seq ?? 1)];
  const body = l4.quote !== undefined ? Array.from(l4.quote) : payloadBytes(l4.payload ?? 0);
  const h = [l4.type, l4.code, 0, 0, ...rest, ...body];
  const proto = v6 ? 58 : 1;
  const c = inetChecksum(h, 0, h.length, v6 ? pseudo(58, h.length) : 0);
  h[2] = c >> 8; h[3] = c & 0xff;
  return { proto, bytes: h };
}

/** Builds one Ethernet frame carrying an IPv4 or IPv6 packet. */
export function buildPacket(spec: PacketSpec): Uint8Array {
  const v6 = isV6(spec.src);
  const s = v6 ? ipv6Bytes(spec.src) : ipv4Bytes(spec.src);
  const d = v6 ? ipv6Bytes(spec.dst) : ipv4Bytes(spec.dst);
  const pseudo = (proto: number, len: number): number => sumOf(s) + sumOf(d) + proto + (len >>> 16) + (len & 0xffff);
  const { proto, bytes } = l4Bytes(spec, v6, pseudo);
  let ip: number[];
  if (v6) {
    const tc = spec.tos ?? 0;
    ip = [0x60 | (tc >> 4), (tc & 0xf) << 4, 0, 0, ...be16(bytes.length), proto, spec.ttl ?? 64, ...s, ...d];
  } else {
    const total = 20 + bytes.length;
    ip = [0x45, spec.tos ?? 0, ...be16(total), ...be16(spec.id ?? 0x1234), (spec.df ?? true) ? 0x40 : 0, 0, spec.ttl ?? 64, proto, 0, 0, ...s, ...d];
    const c = inetChecksum(ip);
    ip[10] = c >> 8; ip[11] = c & 0xff;
  }
  const eth = [...macBytes(spec.dstMac), ...macBytes(spec.srcMac), ...be16(v6 ? 0x86dd : 0x0800)];
  return Uint8Array.from([...eth, ...ip, ...bytes]);
}
