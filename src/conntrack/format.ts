/**
 * Reports: `conntrack -L`-style lines and a list of entries (allocates: not for the packet path).
 *
 * Line layout follows ct_seq_show (nf_conntrack_standalone.c) without the L3 prefix, as
 * `conntrack -L` prints it: `%-8s %u` protocol name and number, the seconds left (omitted while
 * IPS_OFFLOAD), the TCP state (omitted while offloaded: tcp_print_conntrack returns early),
 * the original tuple, `[UNREPLIED]` without IPS_SEEN_REPLY, the reply tuple, one of
 * `[HW_OFFLOAD]` / `[OFFLOAD]` / `[ASSURED]` (in that priority), `mark=`, `helper=` when a helper
 * is assigned, and `use=1`.
 */
import { FAMILY_IPV4, IPPROTO_ICMP, IPPROTO_ICMPV6, T_PROTO, TUPLE_WORDS } from '../wire/tuple.ts';
import {
  IPS_ASSURED, IPS_CONFIRMED, IPS_DST_NAT, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY, IPS_SRC_NAT, TCP_CONNTRACK_NAMES,
} from './constants.ts';
import { NS_PER_SEC } from './config.ts';
import type { ConntrackTable } from './table.ts';

const L4_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 47: 'gre', 132: 'sctp', 136: 'udplite', 33: 'dccp' };

export { formatIpv4 } from '../wire/ipv4.ts';
export { formatIpv6 } from '../wire/ipv6.ts';
import { formatIpv4 } from '../wire/ipv4.ts';
import { formatIpv6 } from '../wire/ipv6.ts';

function formatAddr(t: Uint32Array, off: number, family: number): string {
  return family === FAMILY_IPV4 ? formatIpv4(t[off]!) : formatIpv6(t, off);
}

/**
 * nf_ct_invert_tuple for ICMP/ICMPv6 (invmap[] of nf_conntrack_proto_icmp.c / _icmpv6.c): the
 * reply tuple of a request carries the matching reply type.
 */
function icmpInvertType(type: number, v6: boolean): number {
  if (v6) return type === 128 || type === 139 ? type + 1 : type === 129 || type === 140 ? type - 1 : type;
  if (type === 8) return 0;
  if (type === 0) return 8;
  if (type === 13 || type === 15 || type === 17) return type + 1;
  if (type === 14 || type === 16 || type === 18) return type - 1;
  return type;
}

/**
 * One tuple as conntrack prints it: `src=… dst=… sport=… dport=…`; ICMP `type=… code=… id=…`
 * (icmp_tuple_to_nlattr), with `icmpTypeCode` = `(type << 8) | code` of this direction.
 */
export function formatTuple(t: Uint32Array, off: number, icmpTypeCode = -1): string {
  const proto = t[off + T_PROTO]!;
  const family = proto >>> 8;
  const l4 = proto & 0xff;
  const ports = t[off + 8]!;
  const base = `src=${formatAddr(t, off, family)} dst=${formatAddr(t, off + 4, family)}`;
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6) {
    if (icmpTypeCode < 0) return `${base} id=${ports >>> 16}`;
    return `${base} type=${icmpTypeCode >>> 8} code=${icmpTypeCode & 0xff} id=${ports >>> 16}`;
  }
  if (ports === 0 && !(l4 === 6 || l4 === 17)) return base;
  return `${base} sport=${ports >>> 16} dport=${ports & 0xffff}`;
}

export interface ConntrackEntryInfo {
  handle: number;
  family: number;
  l4proto: number;
  original: Uint32Array;
  reply: Uint32Array;
  /** TCP_CONNTRACK_* (TCP), else 0. */
  tcpState: number;
  status: number;
  confirmed: boolean;
  /** Seconds left, rounded down as the kernel prints (nf_ct_expires / HZ). */
  timeoutLeft: number;
  mark: number;
  helper: number;
  srcNat: boolean;
  dstNat: boolean;
}

export function entryInfo(t: ConntrackTable, handle: number, now: number): ConntrackEntryInfo | null {
  if (!t.isValid(handle)) return null;
  const idx = t.indexOf(handle);
  const o = t.tupleOffset(handle, 0);
  const st = t.statusAt(idx);
  const proto = t.tuples[o + T_PROTO]!;
  return {
    handle,
    family: proto >>> 8,
    l4proto: proto & 0xff,
    original: t.tuples.slice(o, o + TUPLE_WORDS),
    reply: t.tuples.slice(o + TUPLE_WORDS, o + 2 * TUPLE_WORDS),
    tcpState: (proto & 0xff) === 6 ? t.stateAt(idx) : 0,
    status: st,
    confirmed: (st & IPS_CONFIRMED) !== 0,
    timeoutLeft: Math.floor(t.timeLeft(handle, now) / NS_PER_SEC),
    mark: t.markAt(idx),
    helper: t.helperAt(idx),
    srcNat: (st & IPS_SRC_NAT) !== 0,
    dstNat: (st & IPS_DST_NAT) !== 0,
  };
}

/** All confirmed connections, like `conntrack -L`. */
export function listEntries(t: ConntrackTable, now: number): ConntrackEntryInfo[] {
  const out: ConntrackEntryInfo[] = [];
  t.forEachHandle((h) => {
    const e = entryInfo(t, h, now);
    if (e) out.push(e);
  });
  return out;
}

/** A `conntrack -L` line for one connection (empty string for a stale handle). */
export function formatEntry(t: ConntrackTable, handle: number, now: number): string {
  if (!t.isValid(handle)) return '';
  const idx = t.indexOf(handle);
  const st = t.statusAt(idx);
  const o = t.tupleOffset(handle, 0);
  const l4 = t.tuples[o + T_PROTO]! & 0xff;
  const parts: string[] = [`${(L4_NAMES[l4] ?? 'unknown').padEnd(8)} ${l4}`];
  const offloaded = (st & IPS_OFFLOAD) !== 0;
  if (!offloaded) parts.push(String(Math.floor(t.timeLeft(handle, now) / NS_PER_SEC)));
  if (l4 === 6 && !offloaded) parts.push(TCP_CONNTRACK_NAMES[t.stateAt(idx)] ?? 'NONE');
  let origTc = -1, replyTc = -1;
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6) {
    // Type and code of the packet that opened the connection (table.ts lastEnd), inverted for reply.
    origTc = t.lastEndAt(idx) & 0xffff;
    replyTc = (icmpInvertType(origTc >>> 8, l4 === IPPROTO_ICMPV6) << 8) | (origTc & 0xff);
  }
  parts.push(formatTuple(t.tuples, o, origTc));
  if (!(st & IPS_SEEN_REPLY)) parts.push('[UNREPLIED]');
  parts.push(formatTuple(t.tuples, o + TUPLE_WORDS, replyTc));
  if (st & IPS_HW_OFFLOAD) parts.push('[HW_OFFLOAD]');
  else if (offloaded) parts.push('[OFFLOAD]');
  else if (st & IPS_ASSURED) parts.push('[ASSURED]');
  parts.push(`mark=${t.markAt(idx)}`);
  // ctnetlink_dump_helpinfo: the helper's name (nf_conntrack_helper.name).
  const helper = t.helperAt(idx);
  if (helper !== 0) parts.push(`helper=${t.helperNames[helper] ?? helper}`);
  parts.push('use=1');
  return parts.join(' ');
}
