/**
 * conntrackIn: the prerouting/output conntrack hook for one packet (nf_conntrack_in).
 *
 * Input is the parsed metadata in the PacketPool: the tuple words (wire/tuple.ts), `l3off`,
 * `l4off`, `pflags`, and a few header bytes read here (TCP flags/ack/seq, ICMP type, the quoted
 * header of an ICMP error, IP lengths). Output is `pool.ct` (connection handle, dir bit clear, or
 * -1), `pool.ctDir` and `pool.ctInfo` (IP_CT_*, CT_INFO_INVALID or IP_CT_UNTRACKED).
 *
 * Allocates nothing: scratch tuples are module-level typed arrays.
 */
import type { PacketPool } from '../buffers/pool.ts';
import {
  PF_FRAGMENT as IMPORTED_PF_FRAGMENT, PF_FIRST_FRAG as IMPORTED_PF_FIRST_FRAG, PF_L4_VALID as IMPORTED_PF_L4_VALID,
} from '../buffers/pool.ts';
import {
  DropReason,
} from '../wire/drop-reasons.ts';
import {
  FAMILY_IPV4 as IMPORTED_FAMILY_IPV4, FAMILY_IPV6 as IMPORTED_FAMILY_IPV6, IPPROTO_ICMP as IMPORTED_IPPROTO_ICMP, IPPROTO_ICMPV6 as IMPORTED_IPPROTO_ICMPV6, IPPROTO_TCP as IMPORTED_IPPROTO_TCP, IPPROTO_UDP as IMPORTED_IPPROTO_UDP, T_DST as IMPORTED_T_DST, T_PROTO as IMPORTED_T_PROTO, TUPLE_WORDS as IMPORTED_TUPLE_WORDS, tupleInvert,
} from '../wire/tuple.ts';
import {
  CT_INFO_INVALID as IMPORTED_CT_INFO_INVALID, IPS_EXPECTED as IMPORTED_IPS_EXPECTED, IPS_SEEN_REPLY as IMPORTED_IPS_SEEN_REPLY, IP_CT_DIR_REPLY as IMPORTED_IP_CT_DIR_REPLY, IP_CT_ESTABLISHED as IMPORTED_IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY as IMPORTED_IP_CT_ESTABLISHED_REPLY, IP_CT_IS_REPLY as IMPORTED_IP_CT_IS_REPLY, IP_CT_NEW as IMPORTED_IP_CT_NEW, IP_CT_RELATED as IMPORTED_IP_CT_RELATED, IP_CT_UNTRACKED as IMPORTED_IP_CT_UNTRACKED,
} from './constants.ts';
import {
  NR_ICMP_TYPES as IMPORTED_NR_ICMP_TYPES, genericPacket, icmpInvertible, icmpIsError, icmpPacket, icmpv6IsError, icmpv6Untracked, udpPacket,
} from './l4.ts';
import {
  L4_INVALID as IMPORTED_L4_INVALID, L4_REPEAT as IMPORTED_L4_REPEAT, TCPHDR_FIN as IMPORTED_TCPHDR_FIN, TCPHDR_SYN as IMPORTED_TCPHDR_SYN, tcpPacket,
} from './tcp.ts';
import type { ConntrackTable } from './table.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const PF_FRAGMENT = IMPORTED_PF_FRAGMENT;
const PF_FIRST_FRAG = IMPORTED_PF_FIRST_FRAG;
const PF_L4_VALID = IMPORTED_PF_L4_VALID;
const FAMILY_IPV4 = IMPORTED_FAMILY_IPV4;
const FAMILY_IPV6 = IMPORTED_FAMILY_IPV6;
const IPPROTO_ICMP = IMPORTED_IPPROTO_ICMP;
const IPPROTO_ICMPV6 = IMPORTED_IPPROTO_ICMPV6;
const IPPROTO_TCP = IMPORTED_IPPROTO_TCP;
const IPPROTO_UDP = IMPORTED_IPPROTO_UDP;
const T_DST = IMPORTED_T_DST;
const T_PROTO = IMPORTED_T_PROTO;
const TUPLE_WORDS = IMPORTED_TUPLE_WORDS;
const CT_INFO_INVALID = IMPORTED_CT_INFO_INVALID;
const IPS_EXPECTED = IMPORTED_IPS_EXPECTED;
const IPS_SEEN_REPLY = IMPORTED_IPS_SEEN_REPLY;
const IP_CT_DIR_REPLY = IMPORTED_IP_CT_DIR_REPLY;
const IP_CT_ESTABLISHED = IMPORTED_IP_CT_ESTABLISHED;
const IP_CT_ESTABLISHED_REPLY = IMPORTED_IP_CT_ESTABLISHED_REPLY;
const IP_CT_IS_REPLY = IMPORTED_IP_CT_IS_REPLY;
const IP_CT_NEW = IMPORTED_IP_CT_NEW;
const IP_CT_RELATED = IMPORTED_IP_CT_RELATED;
const IP_CT_UNTRACKED = IMPORTED_IP_CT_UNTRACKED;
const NR_ICMP_TYPES = IMPORTED_NR_ICMP_TYPES;
const L4_INVALID = IMPORTED_L4_INVALID;
const L4_REPEAT = IMPORTED_L4_REPEAT;
const TCPHDR_FIN = IMPORTED_TCPHDR_FIN;
const TCPHDR_SYN = IMPORTED_TCPHDR_SYN;

const inner = new Uint32Array(TUPLE_WORDS);
const innerInv = new Uint32Array(TUPLE_WORDS);

function setInvalid(pool: PacketPool, slot: number): void {
  pool.ct[slot] = -1;
  pool.ctDir[slot] = 0;
  pool.ctInfo[slot] = CT_INFO_INVALID;
}

/** Marks a packet untracked (`notrack`): conntrackIn then leaves it alone. */
export function setUntracked(pool: PacketPool, slot: number): void {
  pool.ct[slot] = -1;
  pool.ctDir[slot] = 0;
  pool.ctInfo[slot] = IP_CT_UNTRACKED;
}

/** End of the IP payload in frame offsets (total/payload length), clamped to the frame. */
function ipPayloadEnd(pool: PacketPool, start: number, slot: number, family: number): number {
  const l3 = pool.l3off[slot]!;
  const len = pool.len[slot]!;
  let end: number;
  if (family === FAMILY_IPV4) end = l3 + ((pool.bytes[start + l3 + 2]! << 8) | pool.bytes[start + l3 + 3]!);
  else end = l3 + 40 + ((pool.bytes[start + l3 + 4]! << 8) | pool.bytes[start + l3 + 5]!);
  return end > len || end < l3 ? len : end;
}

/**
 * nf_conntrack_in for the packet in `slot`. Returns 0 when the packet continues (tracked, related,
 * invalid or untracked — see pool.ctInfo), or a DropReason code (also written to pool.drop) when
 * conntrack drops it: CT_TABLE_FULL when no entry could be allocated.
 */
export function conntrackIn(t: ConntrackTable, pool: PacketPool, slot: number, now: number): number {
  // Already attached (e.g. looped back) or `notrack`: nothing to do.
  const cur = pool.ct[slot]!;
  if (cur >= 0 && t.isValid(cur)) return 0;
  if (cur < 0 && pool.ctInfo[slot] === IP_CT_UNTRACKED) return 0;

  const tuple = pool.tuple;
  const toff = slot * TUPLE_WORDS;
  const protoWord = tuple[toff + T_PROTO]!;
  const l4 = protoWord & 0xff;
  const family = protoWord >>> 8;
  const start = pool.frameStart(slot);
  const len = pool.len[slot]!;
  const l4off = pool.l4off[slot]!;
  const pflags = pool.pflags[slot]!;
  const bytes = pool.bytes;

  if ((family !== FAMILY_IPV4 && family !== FAMILY_IPV6) || (pflags & PF_FRAGMENT && !(pflags & PF_FIRST_FRAG))) {
    // get_l4proto failed (no L3/L4 header we can key on; the kernel defragments first).
    t.stats.invalid++;
    setInvalid(pool, slot);
    return 0;
  }

  let icmpType = -1;
  const isIcmp = (l4 === IPPROTO_ICMP && family === FAMILY_IPV4) || (l4 === IPPROTO_ICMPV6 && family === FAMILY_IPV6);
  if (isIcmp) {
    if (l4off + 8 > len) {
      t.stats.error++; // icmp_error: "short packet"
      setInvalid(pool, slot);
      return 0;
    }
    icmpType = bytes[start + l4off]!;
    if (family === FAMILY_IPV4) {
      if (icmpType > NR_ICMP_TYPES) {
        t.stats.error++; // RFC 1122 3.2.2: unknown ICMP types are discarded
        setInvalid(pool, slot);
        return 0;
      }
      if (icmpIsError(icmpType)) return icmpErrorRelated(t, pool, slot, start, len, family, now);
    } else {
      if (icmpv6Untracked(icmpType)) {
        setUntracked(pool, slot);
        return 0;
      }
      if (icmpv6IsError(icmpType)) return icmpErrorRelated(t, pool, slot, start, len, family, now);
    }
  } else if (l4 === IPPROTO_TCP || l4 === IPPROTO_UDP) {
    if (!(pflags & PF_L4_VALID) || l4off + (l4 === IPPROTO_TCP ? 20 : 8) > len) {
      t.stats.invalid++;
      setInvalid(pool, slot);
      return 0;
    }
  }

  for (let attempt = 0; attempt < 2; attempt++) {
    // resolve_normal_ct
    const h = t.hash(tuple, toff);
    const ref = t.lookupHashed(tuple, toff, h, now);
    let handle: number;
    let dir: number;
    let confirmed: boolean;
    if (ref < 0) {
      handle = t.alloc(tuple, toff, h, now);
      if (handle < 0) {
        t.stats.drop++;
        setInvalid(pool, slot);
        pool.drop[slot] = DropReason.CT_TABLE_FULL;
        return DropReason.CT_TABLE_FULL;
      }
      dir = 0;
      confirmed = false;
      // icmp_pkt_to_tuple keeps type and code in the tuple; kept per connection for the listing.
      if (isIcmp) t.setLastEndAt(t.indexOf(handle), (icmpType << 8) | bytes[start + l4off + 1]!);
    } else {
      handle = ref & ~1;
      dir = ref & 1;
      confirmed = true;
    }
    const idx = t.indexOf(handle);
    const st = t.statusAt(idx);
    const ctinfo = dir === IP_CT_DIR_REPLY
      ? IP_CT_ESTABLISHED_REPLY
      : st & IPS_SEEN_REPLY ? IP_CT_ESTABLISHED : st & IPS_EXPECTED ? IP_CT_RELATED : IP_CT_NEW;

    // nf_conntrack_handle_packet
    let verdict: number;
    if (l4 === IPPROTO_TCP) {
      const p = start + l4off;
      const flags = bytes[p + 13]!;
      const seq = pool.view.getUint32(p + 4);
      const ack = pool.view.getUint32(p + 8);
      const doff = (bytes[p + 12]! >>> 4) * 4;
      const payload = Math.max(0, ipPayloadEnd(pool, start, slot, family) - l4off - doff);
      // Sequence numbers as int32: a uint32 argument above 2^31 would be boxed (a heap number).
      const end = (seq + payload + (flags & TCPHDR_SYN ? 1 : 0) + (flags & TCPHDR_FIN ? 1 : 0)) | 0;
      verdict = tcpPacket(t, handle, idx, dir, confirmed, flags, ack | 0, end, now);
    } else if (l4 === IPPROTO_UDP) {
      verdict = udpPacket(t, idx, confirmed, now);
    } else if (isIcmp) {
      verdict = icmpPacket(t, idx, confirmed, icmpType, family === FAMILY_IPV6, now);
    } else {
      verdict = genericPacket(t, idx, now);
    }

    if (verdict === L4_REPEAT) continue; // old connection killed: look up again, create afresh
    if (verdict === L4_INVALID) {
      if (!confirmed) t.discardUnconfirmed(handle);
      t.stats.invalid++;
      setInvalid(pool, slot);
      return 0;
    }
    if (ctinfo === IP_CT_ESTABLISHED_REPLY && t.isValid(handle)) t.setStatusAt(idx, t.statusAt(idx) | IPS_SEEN_REPLY);
    pool.ct[slot] = handle;
    pool.ctDir[slot] = dir;
    pool.ctInfo[slot] = ctinfo;
    return 0;
  }
  // A second reopen in a row cannot happen (the fresh entry is unconfirmed); be safe anyway.
  t.stats.invalid++;
  setInvalid(pool, slot);
  return 0;
}

function be16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function be32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function icmpFail(t: ConntrackTable, pool: PacketPool, slot: number): number {
  t.stats.error++;
  setInvalid(pool, slot);
  return 0;
}

/**
 * nf_conntrack_icmpv4_error / icmpv6_error → nf_conntrack_inet_error: parse the quoted packet at
 * l4off + 8, invert its tuple, look it up; the connection's tuple in the found direction must be
 * addressed to the error's outer destination. Then the error is RELATED (or RELATED_REPLY) to it.
 */
function icmpErrorRelated(
  t: ConntrackTable, pool: PacketPool, slot: number, start: number, len: number, family: number, now: number,
): number {
  const b = pool.bytes;
  const end = start + len;
  const p = start + pool.l4off[slot]! + 8;
  let q: number;
  let proto: number;
  if (family === FAMILY_IPV4) {
    if (p + 20 > end || b[p]! >>> 4 !== 4) return icmpFail(t, pool, slot);
    const ihl = (b[p]! & 0x0f) * 4;
    if (ihl < 20 || (be16(b, p + 6) & 0x1fff) !== 0) return icmpFail(t, pool, slot);
    proto = b[p + 9]!;
    inner[0] = be32(b, p + 12); inner[1] = 0; inner[2] = 0; inner[3] = 0;
    inner[4] = be32(b, p + 16); inner[5] = 0; inner[6] = 0; inner[7] = 0;
    q = p + ihl;
  } else {
    if (p + 40 > end || b[p]! >>> 4 !== 6) return icmpFail(t, pool, slot);
    proto = b[p + 6]!;
    for (let i = 0; i < 4; i++) {
      inner[i] = be32(b, p + 8 + i * 4);
      inner[4 + i] = be32(b, p + 24 + i * 4);
    }
    q = p + 40;
    // ipv6_skip_exthdr over the quoted header chain (bounded).
    for (let n = 0; n < 8; n++) {
      if (proto === 0 || proto === 43 || proto === 60) {
        if (q + 2 > end) return icmpFail(t, pool, slot);
        proto = b[q]!;
        q += (b[q + 1]! + 1) * 8;
      } else if (proto === 44) {
        if (q + 8 > end || (be16(b, q + 2) & 0xfff8) !== 0) return icmpFail(t, pool, slot);
        proto = b[q]!;
        q += 8;
      } else if (proto === 51) {
        if (q + 2 > end) return icmpFail(t, pool, slot);
        proto = b[q]!;
        q += (b[q + 1]! + 2) * 4;
      } else break;
    }
  }
  const innerIcmp = (family === FAMILY_IPV4 && proto === IPPROTO_ICMP) || (family === FAMILY_IPV6 && proto === IPPROTO_ICMPV6);
  if (innerIcmp) {
    if (q + 8 > end) return icmpFail(t, pool, slot);
    if (!icmpInvertible(b[q]!, family === FAMILY_IPV6)) return icmpFail(t, pool, slot);
    inner[8] = (be16(b, q + 4) << 16) >>> 0;
  } else if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === 136 || proto === 132 || proto === 33) {
    if (q + 4 > end) return icmpFail(t, pool, slot);
    inner[8] = ((be16(b, q) << 16) | be16(b, q + 2)) >>> 0;
  } else {
    inner[8] = 0;
  }
  inner[9] = (family << 8) | proto;
  tupleInvert(innerInv, 0, inner, 0);
  const ref = t.lookup(innerInv, 0, now);
  if (ref < 0) return icmpFail(t, pool, slot);
  const dir = ref & 1;
  const handle = ref & ~1;
  // The found direction's destination must be the error's outer destination.
  const ctDst = t.tupleOffset(handle, dir) + T_DST;
  const l3 = start + pool.l3off[slot]!;
  if (family === FAMILY_IPV4) {
    if (t.tuples[ctDst] !== be32(b, l3 + 16)) return icmpFail(t, pool, slot);
  } else {
    for (let i = 0; i < 4; i++) if (t.tuples[ctDst + i] !== be32(b, l3 + 24 + i * 4)) return icmpFail(t, pool, slot);
  }
  pool.ct[slot] = handle;
  pool.ctDir[slot] = dir;
  pool.ctInfo[slot] = IP_CT_RELATED + (dir === IP_CT_DIR_REPLY ? IP_CT_IS_REPLY : 0);
  return 0;
}
