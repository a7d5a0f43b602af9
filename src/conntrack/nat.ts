/**
 * NAT bindings: which tuples a connection is translated to (nf_nat_core.c, mainline 6.x). Rewriting
 * packet bytes is not done here: `natManglePlan` says what to write, the wire layer writes it.
 *
 * `setupNat` models nf_nat_setup_info → get_unique_tuple:
 *  1. SRC manip without random flags: keep the original tuple when it is in range and free;
 *     (find_appropriate_src — reusing the mapping of another connection from the same source — is
 *     NOT modelled: flowsim keeps no by-source hash.)
 *  2. find_best_ips_proto: pick the address in [min,max] by a keyed hash of the source (and, unless
 *     `persistent`, the destination) address, word by word as the kernel does (keyed murmur instead
 *     of jhash2: deterministic per seed, not bit-exact).
 *  3. keep the port when it is in range and the tuple is free; else nf_nat_l4proto_unique_tuple:
 *     start at a random offset (seeded PRNG for get_random_u16) — for a DST manip without
 *     `random`/`fully-random` at the range's first port —, step by one through the range, at most
 *     128 tries, then halve the tries with a new random offset while ≥ 16. (The 6.5+ last-resort
 *     eviction of a TIME_WAIT connection holding the tuple, nf_nat_used_tuple_harder, is NOT
 *     modelled.)
 * A tuple is "used" when its inverse is the tuple of another confirmed connection
 * (nf_nat_used_tuple → nf_conntrack_tuple_taken). When no free tuple is found the packet is dropped
 * with DropReason.NAT_NO_TUPLE (the kernel would fail later, at confirm, with insert_failed).
 */
import {
  DropReason,
} from '../wire/drop-reasons.ts';
import {
  IPPROTO_ICMP as IMPORTED_IPPROTO_ICMP, IPPROTO_ICMPV6 as IMPORTED_IPPROTO_ICMPV6, IPPROTO_TCP as IMPORTED_IPPROTO_TCP, IPPROTO_UDP as IMPORTED_IPPROTO_UDP, T_DST as IMPORTED_T_DST, T_PORTS as IMPORTED_T_PORTS, T_PROTO as IMPORTED_T_PROTO, T_SRC as IMPORTED_T_SRC, TUPLE_WORDS as IMPORTED_TUPLE_WORDS, tupleInvert,
} from '../wire/tuple.ts';
import {
  IPS_CONFIRMED as IMPORTED_IPS_CONFIRMED, IPS_DST_NAT as IMPORTED_IPS_DST_NAT, IPS_DST_NAT_DONE as IMPORTED_IPS_DST_NAT_DONE, IPS_SRC_NAT as IMPORTED_IPS_SRC_NAT, IPS_SRC_NAT_DONE as IMPORTED_IPS_SRC_NAT_DONE, NF_NAT_MANIP_DST as IMPORTED_NF_NAT_MANIP_DST, NF_NAT_MANIP_SRC as IMPORTED_NF_NAT_MANIP_SRC, NF_NAT_RANGE_MAP_IPS as IMPORTED_NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PERSISTENT as IMPORTED_NF_NAT_RANGE_PERSISTENT, NF_NAT_RANGE_PROTO_RANDOM as IMPORTED_NF_NAT_RANGE_PROTO_RANDOM, NF_NAT_RANGE_PROTO_RANDOM_FULLY as IMPORTED_NF_NAT_RANGE_PROTO_RANDOM_FULLY, NF_NAT_RANGE_PROTO_OFFSET as IMPORTED_NF_NAT_RANGE_PROTO_OFFSET, NF_NAT_RANGE_PROTO_RANDOM_ALL as IMPORTED_NF_NAT_RANGE_PROTO_RANDOM_ALL, NF_NAT_RANGE_PROTO_SPECIFIED as IMPORTED_NF_NAT_RANGE_PROTO_SPECIFIED,
} from './constants.ts';
import {
  hashWords, reciprocalScale,
} from './hash.ts';
import type { ConntrackTable } from './table.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const IPPROTO_ICMP = IMPORTED_IPPROTO_ICMP;
const IPPROTO_ICMPV6 = IMPORTED_IPPROTO_ICMPV6;
const IPPROTO_TCP = IMPORTED_IPPROTO_TCP;
const IPPROTO_UDP = IMPORTED_IPPROTO_UDP;
const T_DST = IMPORTED_T_DST;
const T_PORTS = IMPORTED_T_PORTS;
const T_PROTO = IMPORTED_T_PROTO;
const T_SRC = IMPORTED_T_SRC;
const TUPLE_WORDS = IMPORTED_TUPLE_WORDS;
const IPS_CONFIRMED = IMPORTED_IPS_CONFIRMED;
const IPS_DST_NAT = IMPORTED_IPS_DST_NAT;
const IPS_DST_NAT_DONE = IMPORTED_IPS_DST_NAT_DONE;
const IPS_SRC_NAT = IMPORTED_IPS_SRC_NAT;
const IPS_SRC_NAT_DONE = IMPORTED_IPS_SRC_NAT_DONE;
const NF_NAT_MANIP_DST = IMPORTED_NF_NAT_MANIP_DST;
const NF_NAT_MANIP_SRC = IMPORTED_NF_NAT_MANIP_SRC;
const NF_NAT_RANGE_MAP_IPS = IMPORTED_NF_NAT_RANGE_MAP_IPS;
const NF_NAT_RANGE_PERSISTENT = IMPORTED_NF_NAT_RANGE_PERSISTENT;
const NF_NAT_RANGE_PROTO_RANDOM = IMPORTED_NF_NAT_RANGE_PROTO_RANDOM;
const NF_NAT_RANGE_PROTO_RANDOM_FULLY = IMPORTED_NF_NAT_RANGE_PROTO_RANDOM_FULLY;
const NF_NAT_RANGE_PROTO_OFFSET = IMPORTED_NF_NAT_RANGE_PROTO_OFFSET;
const NF_NAT_RANGE_PROTO_RANDOM_ALL = IMPORTED_NF_NAT_RANGE_PROTO_RANDOM_ALL;
const NF_NAT_RANGE_PROTO_SPECIFIED = IMPORTED_NF_NAT_RANGE_PROTO_SPECIFIED;

/**
 * struct nf_nat_range2. Addresses are 4 words as in tuples (IPv4 in word 0). Build it once (at
 * rule compile time) and reuse it: setupNat reads it without allocating.
 */
export interface NatRange {
  flags: number;
  minAddr: Uint32Array;
  maxAddr: Uint32Array;
  minPort: number;
  maxPort: number;
  /** For NF_NAT_RANGE_PROTO_OFFSET. */
  basePort: number;
}

export interface NatRangeOptions {
  minPort?: number;
  maxPort?: number;
  /** NF_NAT_RANGE_PERSISTENT */
  persistent?: boolean;
  /** NF_NAT_RANGE_PROTO_RANDOM */
  random?: boolean;
  /** NF_NAT_RANGE_PROTO_RANDOM_FULLY */
  fullyRandom?: boolean;
}

function applyOptions(r: NatRange, o: NatRangeOptions): NatRange {
  if (o.minPort !== undefined) {
    r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
    r.minPort = o.minPort;
    r.maxPort = o.maxPort ?? o.minPort;
  }
  if (o.persistent) r.flags |= NF_NAT_RANGE_PERSISTENT;
  if (o.random) r.flags |= NF_NAT_RANGE_PROTO_RANDOM;
  if (o.fullyRandom) r.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY;
  return r;
}

/** An IPv4 range [min, max] (host-order numbers), optional ports and flags. */
export function natRangeV4(min: number, max: number = min, opts: NatRangeOptions = {}): NatRange {
  const r: NatRange = {
    flags: NF_NAT_RANGE_MAP_IPS, minAddr: new Uint32Array([min >>> 0, 0, 0, 0]), maxAddr: new Uint32Array([max >>> 0, 0, 0, 0]),
    minPort: 0, maxPort: 0, basePort: 0,
  };
  return applyOptions(r, opts);
}

/** An IPv6 range (4 host-order words each). */
export function natRangeV6(min: ArrayLike<number>, max: ArrayLike<number> = min, opts: NatRangeOptions = {}): NatRange {
  const r: NatRange = {
    flags: NF_NAT_RANGE_MAP_IPS, minAddr: Uint32Array.from(min), maxAddr: Uint32Array.from(max), minPort: 0, maxPort: 0, basePort: 0,
  };
  return applyOptions(r, opts);
}

/** A ports-only range (e.g. `snat to :1024-2047` keeps the address). */
export function natRangePorts(minPort: number, maxPort: number = minPort, opts: Omit<NatRangeOptions, 'minPort' | 'maxPort'> = {}): NatRange {
  const r: NatRange = { flags: 0, minAddr: new Uint32Array(4), maxAddr: new Uint32Array(4), minPort: 0, maxPort: 0, basePort: 0 };
  return applyOptions(r, { ...opts, minPort, maxPort });
}

// Scratch (no per-packet allocation).
const curr = new Uint32Array(TUPLE_WORDS);
const cand = new Uint32Array(TUPLE_WORDS);
const inv = new Uint32Array(TUPLE_WORDS);
const nullRange: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: new Uint32Array(4), maxAddr: new Uint32Array(4), minPort: 0, maxPort: 0, basePort: 0 };
const masqRange: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: new Uint32Array(4), maxAddr: new Uint32Array(4), minPort: 0, maxPort: 0, basePort: 0 };

function addrCmp(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number): number {
  for (let i = 0; i < 4; i++) {
    const x = a[aOff + i]!, y = b[bOff + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function hasPorts(l4: number): boolean {
  return l4 === IPPROTO_TCP || l4 === IPPROTO_UDP || l4 === 136 || l4 === 132 || l4 === 33;
}

/** The manipulable L4 key of `t` (sport for SRC; dport for DST; ICMP id for both). */
function getKey(t: Uint32Array, l4: number, manip: number): number {
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6 || manip === NF_NAT_MANIP_SRC) return t[T_PORTS]! >>> 16;
  return t[T_PORTS]! & 0xffff;
}

function setKey(t: Uint32Array, l4: number, manip: number, v: number): void {
  const p = t[T_PORTS]!;
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6 || manip === NF_NAT_MANIP_SRC) t[T_PORTS] = ((v << 16) | (p & 0xffff)) >>> 0;
  else t[T_PORTS] = ((p & 0xffff0000) | v) >>> 0;
}

/** l4proto_in_range */
function l4InRange(t: Uint32Array, manip: number, r: NatRange): boolean {
  const l4 = t[T_PROTO]! & 0xff;
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6 || hasPorts(l4)) {
    const k = getKey(t, l4, manip);
    return k >= r.minPort && k <= r.maxPort;
  }
  return true;
}

/** in_range: would SRC-mapping to `t` satisfy the range? */
function inRange(t: Uint32Array, r: NatRange): boolean {
  if (r.flags & NF_NAT_RANGE_MAP_IPS) {
    if (addrCmp(t, T_SRC, r.minAddr, 0) < 0 || addrCmp(t, T_SRC, r.maxAddr, 0) > 0) return false;
  }
  if (!(r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) return true;
  return l4InRange(t, NF_NAT_MANIP_SRC, r);
}

/** nf_nat_used_tuple: another confirmed connection already receives replies to `t`. */
function usedTuple(ct: ConntrackTable, t: Uint32Array, idx: number, now: number): boolean {
  tupleInvert(inv, 0, t, 0);
  return ct.tupleTaken(inv, 0, idx, now);
}

/** find_best_ips_proto */
function findBestIps(ct: ConntrackTable, t: Uint32Array, r: NatRange, manip: number): void {
  if (!(r.flags & NF_NAT_RANGE_MAP_IPS)) return;
  const base = manip === NF_NAT_MANIP_SRC ? T_SRC : T_DST;
  if (addrCmp(r.minAddr, 0, r.maxAddr, 0) === 0) {
    for (let i = 0; i < 4; i++) t[base + i] = r.minAddr[i]!;
    return;
  }
  const v6 = t[T_PROTO]! >>> 8 === 6;
  const max = v6 ? 3 : 0;
  const persistent = (r.flags & NF_NAT_RANGE_PERSISTENT) !== 0;
  let j = hashWords(t, T_SRC, 4, persistent ? ct.config.seed : (ct.config.seed ^ t[T_DST + max]!) >>> 0);
  let fullRange = false;
  for (let i = 0; i <= max; i++) {
    let minip: number, dist: number;
    if (!fullRange) {
      minip = r.minAddr[i]!;
      dist = ((r.maxAddr[i]! - minip) >>> 0) + 1;
    } else {
      minip = 0;
      dist = 0xffffffff;
    }
    t[base + i] = (minip + reciprocalScale(j, dist)) >>> 0;
    if (t[base + i] !== r.maxAddr[i]) fullRange = true;
    if (!persistent) j = (j ^ t[T_DST + i]!) >>> 0;
  }
}

/** nf_nat_l4proto_unique_tuple: leaves `t` at the first free key found (or the last tried). */
function l4UniqueTuple(ct: ConntrackTable, t: Uint32Array, r: NatRange, manip: number, idx: number, now: number): void {
  const l4 = t[T_PROTO]! & 0xff;
  let min: number, rangeSize: number;
  if (l4 === IPPROTO_ICMP || l4 === IPPROTO_ICMPV6) {
    if (!(r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) { min = 0; rangeSize = 65536; } else { min = r.minPort; rangeSize = r.maxPort - r.minPort + 1; }
  } else if (hasPorts(l4)) {
    if (!(r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) {
      if (manip === NF_NAT_MANIP_DST) return; // can't change a DST port without a range
      const k = getKey(t, l4, manip);
      if (k < 1024) {
        // Loose convention: >> 512 is credential passing
        if (k < 512) { min = 1; rangeSize = 511; } else { min = 600; rangeSize = 1023 - 600 + 1; }
      } else { min = 1024; rangeSize = 65535 - 1024 + 1; }
    } else {
      let lo = r.minPort, hi = r.maxPort;
      if (hi < lo) { const x = lo; lo = hi; hi = x; }
      min = lo;
      rangeSize = hi - lo + 1;
    }
  } else {
    return;
  }
  // A DNAT range without `random` starts at its first port, so a port forward to a range fills it
  // from the bottom ("netfilter: nat: restore default DNAT behavior"); SNAT starts anywhere.
  let off = r.flags & NF_NAT_RANGE_PROTO_OFFSET
    ? (getKey(t, l4, manip) - r.basePort) & 0xffff
    : r.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL || manip !== NF_NAT_MANIP_DST ? ct.rng.nextU16() : 0;
  let attempts = Math.min(rangeSize, 128);
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      setKey(t, l4, manip, min + (off % rangeSize));
      if (!usedTuple(ct, t, idx, now)) return;
    }
    if (attempts >= rangeSize || attempts < 16) return;
    attempts = attempts >>> 1;
    off = ct.rng.nextU16();
  }
}

/**
 * nf_nat_setup_info: binds connection `handle` (unconfirmed) for `maniptype` (NF_NAT_MANIP_SRC or
 * NF_NAT_MANIP_DST) into `range`, rewriting its REPLY tuple so replies match, and sets
 * IPS_{SRC,DST}_NAT (when the tuple changed) and IPS_{SRC,DST}_NAT_DONE. A confirmed connection
 * or one already bound for this manip type is left alone (only the first packet binds).
 * Returns 0, or DropReason.NAT_NO_TUPLE when the range has no free tuple.
 */
export function setupNat(ct: ConntrackTable, handle: number, maniptype: number, range: NatRange, now: number): number {
  if (!ct.isValid(handle)) return 0;
  const idx = ct.indexOf(handle);
  const st = ct.statusAt(idx);
  if (st & IPS_CONFIRMED) return 0;
  const doneBit = maniptype === NF_NAT_MANIP_SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;
  if (st & doneBit) return 0;
  const replyOff = ct.tupleOffset(handle, 1);
  // What we've got looks like the inverse of the reply (includes an earlier manip).
  tupleInvert(curr, 0, ct.tuples, replyOff);

  // get_unique_tuple
  let found = false;
  if (maniptype === NF_NAT_MANIP_SRC && !(range.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
    if (inRange(curr, range) && !usedTuple(ct, curr, idx, now)) {
      cand.set(curr);
      found = true;
    }
  }
  if (!found) {
    cand.set(curr);
    findBestIps(ct, cand, range, maniptype);
    let done = false;
    if (!(range.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
      if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
        done = !(range.flags & NF_NAT_RANGE_PROTO_OFFSET) && l4InRange(cand, maniptype, range) &&
          (range.minPort === range.maxPort || !usedTuple(ct, cand, idx, now));
      } else {
        done = !usedTuple(ct, cand, idx, now);
      }
    }
    if (!done) l4UniqueTuple(ct, cand, range, maniptype, idx, now);
    if (usedTuple(ct, cand, idx, now)) {
      ct.stats.natNoTuple++;
      ct.stats.drop++;
      return DropReason.NAT_NO_TUPLE;
    }
  }

  let changed = false;
  for (let i = 0; i < TUPLE_WORDS; i++) if (cand[i] !== curr[i]) { changed = true; break; }
  let status = ct.statusAt(idx);
  if (changed) {
    // nf_conntrack_alter_reply: the entry is unconfirmed, so not in the hash yet.
    tupleInvert(ct.tuples, replyOff, cand, 0);
    status |= maniptype === NF_NAT_MANIP_SRC ? IPS_SRC_NAT : IPS_DST_NAT;
  }
  ct.setStatusAt(idx, status | doneBit);
  return 0;
}

/**
 * nf_nat_alloc_null_binding: a connection no NAT rule matched at this hook still gets a binding
 * to its own address, so a clashing source port is remapped (the kernel's implicit source-port
 * NAT for clashes).
 */
export function allocNullBinding(ct: ConntrackTable, handle: number, maniptype: number, now: number): number {
  if (!ct.isValid(handle)) return 0;
  const replyOff = ct.tupleOffset(handle, 1);
  const from = replyOff + (maniptype === NF_NAT_MANIP_SRC ? T_DST : T_SRC);
  for (let i = 0; i < 4; i++) {
    nullRange.minAddr[i] = ct.tuples[from + i]!;
    nullRange.maxAddr[i] = ct.tuples[from + i]!;
  }
  return setupNat(ct, handle, maniptype, nullRange, now);
}

/**
 * Masquerade (nf_nat_masquerade_ipv4/ipv6): SNAT to the outgoing interface's primary address
 * `ifAddr[off…off+3]` (IPv4 in word 0), keeping `ports`'s port range and flags if given.
 */
export function setupMasquerade(
  ct: ConntrackTable, handle: number, ifAddr: Uint32Array, off: number, ports: NatRange | null, now: number,
): number {
  for (let i = 0; i < 4; i++) {
    masqRange.minAddr[i] = ifAddr[off + i]!;
    masqRange.maxAddr[i] = ifAddr[off + i]!;
  }
  masqRange.flags = NF_NAT_RANGE_MAP_IPS | (ports ? ports.flags & ~NF_NAT_RANGE_MAP_IPS : 0);
  masqRange.minPort = ports ? ports.minPort : 0;
  masqRange.maxPort = ports ? ports.maxPort : 0;
  masqRange.basePort = ports ? ports.basePort : 0;
  return setupNat(ct, handle, NF_NAT_MANIP_SRC, masqRange, now);
}

/** Words of a mangle plan: the tuple after NAT (TUPLE_WORDS) then a change mask. */
export const NAT_PLAN_WORDS = TUPLE_WORDS + 1;
export const NAT_PLAN_MASK = TUPLE_WORDS;
export const NAT_CHANGE_SADDR = 1;
export const NAT_CHANGE_SPORT = 2;
export const NAT_CHANGE_DADDR = 4;
export const NAT_CHANGE_DPORT = 8;

/**
 * The rewrite for packets of direction `dir` (what nf_nat_manip_pkt, the flowtable's NAT and
 * hardware copy): a packet arriving with tuple[dir] must leave as invert(tuple[!dir]). Writes that
 * tuple into `out[outOff…]` (for ICMP the "sport" is the echo id) and the NAT_CHANGE_* mask into
 * `out[outOff + NAT_PLAN_MASK]`; returns the mask (0: no NAT for this direction).
 */
export function natManglePlan(ct: ConntrackTable, handle: number, dir: number, out: Uint32Array, outOff: number): number {
  // isHeld: a packet whose own pass deleted the connection (killHeld) is still NATed by it.
  if (!ct.isHeld(handle)) return 0;
  const mine = ct.tupleOffset(handle, dir);
  const other = ct.tupleOffset(handle, dir ^ 1);
  tupleInvert(out, outOff, ct.tuples, other);
  const t = ct.tuples;
  let mask = 0;
  for (let i = 0; i < 4; i++) {
    if (out[outOff + T_SRC + i] !== t[mine + T_SRC + i]) mask |= NAT_CHANGE_SADDR;
    if (out[outOff + T_DST + i] !== t[mine + T_DST + i]) mask |= NAT_CHANGE_DADDR;
  }
  const a = out[outOff + T_PORTS]!, b = t[mine + T_PORTS]!;
  if (a >>> 16 !== b >>> 16) mask |= NAT_CHANGE_SPORT;
  if ((a & 0xffff) !== (b & 0xffff)) mask |= NAT_CHANGE_DPORT;
  out[outOff + NAT_PLAN_MASK] = mask;
  return mask;
}
