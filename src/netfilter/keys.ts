/**
 * Loaders: compiled selectors that read one packet field (meta, payload, ct, fib) into numbers —
 * the nft_meta_get_eval / nft_payload_eval / nft_ct_get_eval / nft_fib_eval side of a rule.
 *
 * A field of ≤ 32 bits is one word; ether addresses two (high 16, low 32); IPv6 addresses four.
 * Interface names (`iifname`) load as the ifindex: names are resolved to indices at compile time.
 * A loader that cannot produce its value (`tcp dport` on a UDP packet, a ct key without conntrack)
 * makes the expression break, as the kernel's `goto err` → NFT_BREAK does. Payload expressions
 * carry their implicit protocol dependency (`tcp dport` checks `meta l4proto tcp`, as nft inserts).
 */
import { PF_FIRST_FRAG, PF_FRAGMENT } from '../buffers/pool.ts';
import type { CtExpr, FibExpr, MetaExpr, PayloadExpr } from '../nft/ir.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, T_DST, T_PORTS, T_PROTO, T_SRC, TUPLE_WORDS } from '../wire/tuple.ts';
import type { Engine } from './chain.ts';
import {
  CT_STATE_INVALID, FIB_F_DADDR, FIB_F_IIF, FIB_F_MARK, FIB_F_OIF, FIB_F_SADDR, FIB_RESULT_ADDRTYPE,
  FIB_RESULT_OIF, FIB_RESULT_OIFNAME, NFPROTO_IPV4, NFPROTO_IPV6,
} from './host.ts';

export interface Loader {
  readonly words: number;
  /** One-word value, or -1 when unavailable. Present when words === 1. */
  readonly get: ((slot: number) => number) | null;
  /** Writes `words` words at reg[off]; false when unavailable. */
  readonly load: (slot: number, reg: Uint32Array, off: number) => boolean;
  /** Values are interface indices (match constants must be resolved from names). */
  readonly ifindex: boolean;
}

export class UnsupportedError extends Error {}

/** Words a field of this width occupies in a register. */
export function fieldWords(bits: number, dtype: string): number {
  if (dtype === 'ifname' || dtype === 'string' || dtype === 'time') return 1;
  return bits <= 32 ? 1 : Math.ceil(bits / 32);
}

function single(get: (slot: number) => number, ifindex = false): Loader {
  return {
    words: 1,
    get,
    load: (slot, reg, off) => {
      const v = get(slot);
      if (v < 0) return false;
      reg[off] = v;
      return true;
    },
    ifindex,
  };
}

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

export function metaLoader(e: Engine, m: MetaExpr, tableFamily: number): Loader {
  const pool = e.pool;
  const host = e.host;
  switch (m.key) {
    case 'iif':
    case 'iifname':
      return single((s) => pool.iif[s]!, true);
    case 'oif':
    case 'oifname':
      return single((s) => pool.oif[s]!, true);
    case 'iiftype':
      return single((s) => host.deviceType(pool.iif[s]!));
    case 'oiftype':
      return single((s) => host.deviceType(pool.oif[s]!));
    case 'l4proto':
      return single((s) => {
        const p = pool.l3proto[s]!;
        return p === ETH_P_IP || p === ETH_P_IPV6 ? pool.tuple[s * TUPLE_WORDS + T_PROTO]! & 0xff : -1;
      });
    case 'nfproto':
      return single((s) => {
        const p = pool.l3proto[s]!;
        return p === ETH_P_IP ? NFPROTO_IPV4 : p === ETH_P_IPV6 ? NFPROTO_IPV6 : tableFamily;
      });
    case 'protocol':
      return single((s) => pool.l3proto[s]!);
    case 'mark':
      return single((s) => pool.mark[s]!);
    case 'length':
      return single((s) => e.pktLen(s));
    case 'nftrace':
      return single((s) => pool.trace[s]!);
    case 'pkttype':
      // PACKET_BROADCAST/MULTICAST from the destination MAC, else PACKET_HOST.
      return single((s) => {
        const b = pool.bytes;
        const o = pool.frameStart(s);
        if ((b[o]! & 1) === 0) return 0;
        for (let i = 0; i < 6; i++) if (b[o + i] !== 0xff) return 2;
        return 1;
      });
    default:
      throw new UnsupportedError(`unsupported: meta ${m.key} is not modelled`);
  }
}

/** nft_payload_eval with the protocol dependency nft would add for this header. */
export function payloadLoader(e: Engine, p: PayloadExpr): Loader {
  const pool = e.pool;
  const bytes = pool.bytes;
  const words = fieldWords(p.bits, p.dtype);
  const proto = p.protocol;
  const l4need = proto === 'tcp' ? IPPROTO_TCP : proto === 'udp' ? IPPROTO_UDP : proto === 'icmp' ? IPPROTO_ICMP : proto === 'icmpv6' ? IPPROTO_ICMPV6 : -1;
  const l3need = proto === 'ip' || proto === 'icmp' ? ETH_P_IP : proto === 'ip6' || proto === 'icmpv6' ? ETH_P_IPV6 : -1;
  const base = p.base;
  const baseCode = base === 'link' ? (proto === 'vlan' ? 1 : 0) : base === 'network' ? 2 : 3;
  const l3protoArr = pool.l3proto;
  const l3offArr = pool.l3off;
  const l4offArr = pool.l4off;
  const pflagsArr = pool.pflags;
  const tupleArr = pool.tuple;
  const offArr = pool.off;
  const lenArr = pool.len;
  const slotSize = pool.slotSize;
  // Header start (absolute offset in pool.bytes), or -1 when the header is absent. Written as one
  // function over captured typed arrays: nested closures per field cost more than the read itself.
  const hdr = (s: number): number => {
    const start = s * slotSize + offArr[s]!;
    if (baseCode <= 1) {
      if (baseCode === 1) {
        const t = (bytes[start + 12]! << 8) | bytes[start + 13]!;
        if (t !== 0x8100 && t !== 0x88a8) return -1;
      }
      return start;
    }
    const l3 = l3protoArr[s]!;
    if (l3need >= 0 ? l3 !== l3need : l3 !== ETH_P_IP && l3 !== ETH_P_IPV6) return -1;
    if (baseCode === 2) return start + l3offArr[s]!;
    // Transport: needs a parsed L4 header and not a non-first fragment (pkt->fragoff ≠ 0 breaks).
    const l4 = l4offArr[s]!;
    const pf = pflagsArr[s]!;
    if (l4 === 0 || ((pf & PF_FRAGMENT) !== 0 && (pf & PF_FIRST_FRAG) === 0)) return -1;
    if (l4need >= 0 && (tupleArr[s * TUPLE_WORDS + T_PROTO]! & 0xff) !== l4need) return -1;
    return start + l4;
  };
  if (words === 1) {
    const first = p.offset >> 3;
    const nbytes = ((p.offset + p.bits + 7) >> 3) - first;
    const shift = nbytes * 8 - (p.offset - first * 8) - p.bits;
    const div = 2 ** shift;
    const mod = 2 ** p.bits;
    const aligned = shift === 0 && (p.bits === 8 || p.bits === 16 || p.bits === 32);
    return single((s) => {
      const h = hdr(s);
      if (h < 0) return -1;
      const q = h + first;
      if (q + nbytes > s * slotSize + offArr[s]! + lenArr[s]!) return -1;
      if (aligned) {
        if (nbytes === 2) return (bytes[q]! << 8) | bytes[q + 1]!;
        if (nbytes === 1) return bytes[q]!;
        return ((bytes[q]! << 24) | (bytes[q + 1]! << 16) | (bytes[q + 2]! << 8) | bytes[q + 3]!) >>> 0;
      }
      let v = 0;
      for (let i = 0; i < nbytes; i++) v = v * 256 + bytes[q + i]!;
      return Math.floor(v / div) % mod;
    });
  }
  // Wide fields: 48-bit ether addresses (2 words) and 128-bit IPv6 addresses (4 words).
  const firstByte = p.offset >> 3;
  const nbytes = p.bits >> 3;
  if ((p.offset & 7) !== 0 || (p.bits & 7) !== 0) throw new UnsupportedError(`unsupported: unaligned ${p.bits}-bit field ${proto} ${p.field}`);
  return {
    words,
    get: null,
    ifindex: false,
    load: (s, reg, off) => {
      const h = hdr(s);
      if (h < 0) return false;
      const q = h + firstByte;
      if (q + nbytes > pool.frameStart(s) + pool.len[s]!) return false;
      // Right-align into `words` words (48 bits → [hi16, lo32]).
      const pad = words * 4 - nbytes;
      for (let w = 0; w < words; w++) {
        let v = 0;
        for (let i = 0; i < 4; i++) {
          const bi = w * 4 + i - pad;
          v = v * 256 + (bi >= 0 ? bytes[q + bi]! : 0);
        }
        reg[off + w] = v;
      }
      return true;
    },
  };
}

/** nft_ct_get_eval. */
export function ctLoader(e: Engine, c: CtExpr): Loader {
  const pool = e.pool;
  const host = e.host;
  const scratch = new Uint32Array(TUPLE_WORDS);
  const hasCt = (s: number): boolean => pool.ct[s]! >= 0;
  switch (c.key) {
    case 'state':
      // No conntrack entry reads as invalid (an untracked packet's host sets CT_STATE_UNTRACKED).
      return single((s) => pool.ctState[s]! || CT_STATE_INVALID);
    case 'direction':
      return single((s) => (hasCt(s) ? pool.ctDir[s]! : -1));
    case 'status':
      return single((s) => (hasCt(s) ? host.ctStatus(s) >>> 0 : -1));
    case 'mark':
      return single((s) => (hasCt(s) ? host.ctMark(s) >>> 0 : -1));
    case 'helper':
      // No master helper: the expression cannot be loaded and the rule breaks (NFT_BREAK).
      return single((s) => { const h = hasCt(s) ? host.ctHelper(s) : 0; return h !== 0 ? h : -1; });
    case 'expiration':
      return single((s) => (hasCt(s) ? Math.max(0, Math.floor(host.ctExpiration(s, e.now))) : -1));
    default:
      break;
  }
  const dirOf = (s: number): number => (c.dir === 'reply' ? 1 : c.dir === 'original' ? 0 : pool.ctDir[s]!);
  const tuple = (s: number): boolean => {
    if (!hasCt(s)) return false;
    host.ctTuple(s, dirOf(s), scratch, 0);
    return true;
  };
  switch (c.key) {
    case 'l3proto':
      return single((s) => (tuple(s) ? ((scratch[T_PROTO]! >>> 8) === 6 ? NFPROTO_IPV6 : NFPROTO_IPV4) : -1));
    case 'protocol':
      return single((s) => (tuple(s) ? scratch[T_PROTO]! & 0xff : -1));
    case 'proto-src':
      return single((s) => (tuple(s) ? scratch[T_PORTS]! >>> 16 : -1));
    case 'proto-dst':
      return single((s) => (tuple(s) ? scratch[T_PORTS]! & 0xffff : -1));
    case 'saddr':
    case 'daddr': {
      const at = c.key === 'saddr' ? T_SRC : T_DST;
      const v6 = c.family === 'ip6' || c.bits === 128;
      if (!v6) return single((s) => (tuple(s) && scratch[T_PROTO]! >>> 8 === 4 ? scratch[at]! : -1));
      return {
        words: 4,
        get: null,
        ifindex: false,
        load: (s, reg, off) => {
          if (!tuple(s) || scratch[T_PROTO]! >>> 8 !== 6) return false;
          for (let i = 0; i < 4; i++) reg[off + i] = scratch[at + i]!;
          return true;
        },
      };
    }
    default:
      throw new UnsupportedError(`unsupported: ct ${c.key} is not modelled`);
  }
}

/** nft_fib_eval through the host. `present` asks for the boolean form (`oif exists|missing`). */
export function fibLoader(e: Engine, f: FibExpr, present: boolean): Loader {
  let flags = 0;
  for (const k of f.flags) {
    flags |= k === 'saddr' ? FIB_F_SADDR : k === 'daddr' ? FIB_F_DADDR : k === 'mark' ? FIB_F_MARK : k === 'iif' ? FIB_F_IIF : FIB_F_OIF;
  }
  const result = f.result === 'type' ? FIB_RESULT_ADDRTYPE : f.result === 'oif' ? FIB_RESULT_OIF : FIB_RESULT_OIFNAME;
  const host = e.host;
  if (present) return single((s) => (host.fib(s, flags, result) !== 0 ? 1 : 0));
  return single((s) => host.fib(s, flags, result), result !== FIB_RESULT_ADDRTYPE);
}
