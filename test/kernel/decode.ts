/**
 * Decodes just enough of a captured Ethernet frame to group frames by flow, describe them in a
 * report and apply the documented normalisations. Harness-only; never used by flowsim.
 */
import { canonicalAddr } from './conntrack.ts';

export interface Decoded {
  readonly family: 4 | 6 | 0;
  readonly etherType: number;
  readonly l3off: number;
  /** IP total length in bytes (IPv4 tot_len, IPv6 40 + payload length); 0 when not IP. */
  readonly ipLen: number;
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol (after IPv6 extension headers we know). */
  readonly proto: number;
  readonly l4off: number;
  readonly ttl: number;
  readonly ipId: number;
  /** IPv4 fragment offset in bytes and MF, or IPv6 fragment header fields. */
  readonly fragOff: number;
  readonly mf: boolean;
  readonly sport: number;
  readonly dport: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  /** For ICMP/ICMPv6 errors: the quoted packet's header, decoded. */
  readonly inner?: Decoded;
}

function v4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function v6(b: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push((((b[o + i] ?? 0) << 8) | (b[o + i + 1] ?? 0)).toString(16));
  return canonicalAddr(g.join(':'));
}

const rd16 = (b: Uint8Array, o: number): number => (((b[o] ?? 0) << 8) | (b[o + 1] ?? 0));

export function isIcmpError(family: number, proto: number, type: number): boolean {
  if (family === 4 && proto === 1) return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  if (family === 6 && proto === 58) return type >= 1 && type <= 4;
  return false;
}

/** Decodes an IP packet starting at `l3off` (ethertype already known). */
export function decodeIp(b: Uint8Array, l3off: number, etherType: number, depth = 0): Decoded {
  const empty: Decoded = { family: 0, etherType, l3off, ipLen: 0, src: '', dst: '', proto: -1, l4off: -1, ttl: 0, ipId: 0, fragOff: 0, mf: false, sport: 0, dport: 0, tcpFlags: 0, icmpType: -1, icmpCode: -1 };
  let family: 4 | 6;
  let src: string, dst: string, proto: number, l4off: number, ttl: number, ipId = 0, fragOff = 0, mf = false, ipLen: number;
  if (etherType === 0x0800 && b.length >= l3off + 20) {
    family = 4;
    const ihl = (b[l3off]! & 0xf) * 4;
    ipLen = rd16(b, l3off + 2);
    ipId = rd16(b, l3off + 4);
    const fo = rd16(b, l3off + 6);
    fragOff = (fo & 0x1fff) * 8;
    mf = (fo & 0x2000) !== 0;
    ttl = b[l3off + 8]!;
    proto = b[l3off + 9]!;
    src = v4(b, l3off + 12);
    dst = v4(b, l3off + 16);
    l4off = l3off + ihl;
  } else if (etherType === 0x86dd && b.length >= l3off + 40) {
    family = 6;
    ipLen = 40 + rd16(b, l3off + 4);
    ttl = b[l3off + 7]!;
    src = v6(b, l3off + 8);
    dst = v6(b, l3off + 24);
    proto = b[l3off + 6]!;
    l4off = l3off + 40;
    // Hop-by-hop, routing, destination options, fragment.
    for (let n = 0; n < 8 && (proto === 0 || proto === 43 || proto === 60 || proto === 44); n++) {
      if (proto === 44) {
        const fo = rd16(b, l4off + 2);
        fragOff = fo & 0xfff8;
        mf = (fo & 1) !== 0;
        ipId = ((b[l4off + 4] ?? 0) << 24 | (b[l4off + 5] ?? 0) << 16 | rd16(b, l4off + 6)) >>> 0;
        proto = b[l4off]!;
        l4off += 8;
      } else {
        const next = b[l4off]!;
        l4off += ((b[l4off + 1] ?? 0) + 1) * 8;
        proto = next;
      }
    }
  } else return empty;
  let sport = 0, dport = 0, tcpFlags = 0, icmpType = -1, icmpCode = -1;
  let inner: Decoded | undefined;
  if (fragOff === 0) {
    if (proto === 6 || proto === 17) {
      sport = rd16(b, l4off);
      dport = rd16(b, l4off + 2);
      if (proto === 6) tcpFlags = b[l4off + 13] ?? 0;
    } else if (proto === 1 || proto === 58) {
      icmpType = b[l4off] ?? -1;
      icmpCode = b[l4off + 1] ?? -1;
      if (isIcmpError(family, proto, icmpType) && depth === 0) inner = decodeIp(b, l4off + 8, family === 4 ? 0x0800 : 0x86dd, 1);
      else sport = rd16(b, l4off + 4); // echo identifier, the "port" conntrack tracks
    }
  }
  return { family, etherType, l3off, ipLen, src, dst, proto, l4off, ttl, ipId, fragOff, mf, sport, dport, tcpFlags, icmpType, icmpCode, ...(inner ? { inner } : {}) };
}

export function decodeFrame(b: Uint8Array): Decoded {
  let et = rd16(b, 12);
  let off = 14;
  while ((et === 0x8100 || et === 0x88a8) && b.length >= off + 4) { et = rd16(b, off + 2); off += 4; }
  return decodeIp(b, off, et);
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function flagText(f: number): string {
  const n = ['F', 'S', 'R', 'P', '.', 'U', 'E', 'C'];
  return n.filter((_, i) => (f & (1 << i)) !== 0).join('') || '-';
}

/** One-line description, tcpdump-like, for reports. */
export function describe(b: Uint8Array): string {
  const d = decodeFrame(b);
  if (d.family === 0) return `ethertype 0x${d.etherType.toString(16)} len ${b.length}`;
  const p = PROTO_NAMES[d.proto] ?? `proto ${d.proto}`;
  const frag = d.fragOff !== 0 || d.mf ? ` frag off=${d.fragOff}${d.mf ? '+' : ''}` : '';
  let l4 = '';
  if (d.proto === 6) l4 = ` ${d.sport} > ${d.dport} [${flagText(d.tcpFlags)}]`;
  else if (d.proto === 17) l4 = ` ${d.sport} > ${d.dport}`;
  else if (d.icmpType >= 0) l4 = ` type ${d.icmpType} code ${d.icmpCode}${d.inner ? ` quoting {${d.inner.src} > ${d.inner.dst} ${PROTO_NAMES[d.inner.proto] ?? d.inner.proto} ${d.inner.sport} > ${d.inner.dport}}` : ''}`;
  return `${d.src} > ${d.dst} ${p}${l4} ttl ${d.ttl}${frag} len ${b.length}`;
}

/**
 * The flow a frame belongs to, direction-independent (sorted endpoints). An ICMP error belongs to
 * the flow of the packet it quotes; a non-first fragment to a per-(src,dst,id) pseudo-flow.
 */
export function flowKey(b: Uint8Array): string {
  const d = decodeFrame(b);
  if (d.family === 0) return `l2:${d.etherType.toString(16)}`;
  const base = d.inner && d.inner.family !== 0 ? d.inner : d;
  if (base.fragOff !== 0) return `frag:${base.src}>${base.dst}#${base.ipId}`;
  const a = `${base.src}/${base.sport}`;
  const z = `${base.dst}/${base.dport}`;
  const [lo, hi] = a < z ? [a, z] : [z, a];
  return `${PROTO_NAMES[base.proto] ?? base.proto}:${lo}<>${hi}`;
}
