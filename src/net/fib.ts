/**
 * The forwarding information base: longest-prefix match for IPv4 and IPv6 over typed arrays.
 *
 * Two tables per family, as Linux's default policy rules consult them: `local` (RT_TABLE_LOCAL:
 * RTN_LOCAL routes for the router's own addresses, RTN_BROADCAST for subnet broadcasts) first, then
 * `main` (RT_TABLE_MAIN: connected routes from addresses, static and default routes, blackhole /
 * unreachable / prohibit). The first table with a match answers, as fib_lookup() with the default
 * rules 0 (local) and 32766 (main).
 *
 * Data structure: one open-addressing hash table per (family, table) keyed by (prefix length, masked
 * prefix), plus the list of prefix lengths present, longest first. A lookup masks the address for
 * each present length and probes: O(number of distinct lengths), no allocation. IPv4 adds a DIR-16
 * style index (a bitmap of the lengths 17..32 present per /16 block, and the longest ≤ /16 prefix
 * covering each block), so a v4 lookup probes only the long lengths of its own block plus one array
 * read (≈ 0.25 MB per table, rebuilt in place after inserts). Each prefix holds a
 * chain of routes ordered by metric, then insertion order (fib_trie keeps its fib_alias list sorted
 * by priority; a new route of equal priority goes after the existing ones). A route whose device is
 * down is skipped (fib_sync_down_dev marks its nexthop dead) and the lookup backtracks to shorter
 * prefixes, as fib_table_lookup() does.
 *
 * Not modelled: policy routing rules beyond local→main, ECMP/multipath, TOS/DSCP keys, route
 * caching/exceptions (learned PMTU), multicast routes, the IPv6 per-device fe80::/64 routes unless an
 * address creates them.
 */
import { FAMILY_IPV4, FAMILY_IPV6 } from '../wire/tuple.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { mask32 } from './addr.ts';

// Route types (include/uapi/linux/rtnetlink.h, enum RTN_*).
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;

export const RTN_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'unicast', 2: 'local', 3: 'broadcast', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit',
});

// Scopes (enum rt_scope_t).
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

// Tables (enum rt_class_t).
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** Lookup result meaning "no route" (the caller answers ICMP net unreachable / ICMPv6 no route). */
export const NO_ROUTE = -1;

// ICMP answers (RFC 792 / RFC 4443), as ip_error() and ip6_pkt_drop() send them.
export const ICMP_DEST_UNREACH = 3;
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PKT_FILTERED = 13;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;

export interface RouteSpec {
  family: number;
  /** Prefix words (IPv4: word 0); must already be masked to `plen`. */
  prefix: ArrayLike<number>;
  plen: number;
  type: number;
  /** Out device ifindex, 0 for none (blackhole & co). */
  dev: number;
  /** Gateway words, or null for on-link / no nexthop. */
  gateway: ArrayLike<number> | null;
  metric: number;
  scope: number;
  table: number;
  /** Route MTU (the `mtu` metric), 0 = use the device's. */
  mtu: number;
}

/** One hash table of prefixes for one family and one routing table. */
class PrefixTable {
  readonly width: number;
  readonly maxLen: number;
  private cap: number;
  private mask: number;
  private used = 0;
  private slotLen: Int16Array; // -1 = empty
  private slotKey: Int32Array; // int32 keys: stay small integers in optimized code (no uint32 → double)
  /** First route of the slot's chain. */
  slotHead: Int32Array;
  private readonly lenCount: Int32Array;
  /** Present prefix lengths, longest first; `nLens` of them are valid. */
  readonly lens: Int16Array;
  nLens = 0;
  /** Per length, the mask of each word (width words per length). */
  private readonly wordMask: Int32Array;
  /**
   * IPv4 accelerator (width 1 only), a DIR-16 style index: for each /16 block, a bitmap of the
   * prefix lengths 17..32 present inside it (bit len-17), and the slot of the longest prefix of
   * length ≤ 16 covering the block. A lookup probes only the long lengths present in its block,
   * then reads one entry. Rebuilt lazily (in place, no allocation) after inserts.
   */
  readonly blockBits: Int32Array;
  readonly shortSlot: Int32Array;
  shortDirty = true;

  constructor(width: number) {
    this.width = width;
    this.maxLen = width * 32;
    this.cap = 16;
    this.mask = 15;
    this.slotLen = new Int16Array(16).fill(-1);
    this.slotKey = new Int32Array(16 * width);
    this.slotHead = new Int32Array(16).fill(-1);
    this.lenCount = new Int32Array(this.maxLen + 1);
    this.lens = new Int16Array(this.maxLen + 1);
    this.wordMask = new Int32Array((this.maxLen + 1) * width);
    for (let len = 0; len <= this.maxLen; len++) {
      for (let w = 0; w < width; w++) this.wordMask[len * width + w] = mask32(len - 32 * w);
    }
    this.blockBits = new Int32Array(width === 1 ? 65536 : 0);
    this.shortSlot = new Int32Array(width === 1 ? 65536 : 0);
  }

  /** Recomputes shortSlot from the prefixes of length ≤ 16, shortest first so longer ones win. */
  rebuildShort(): void {
    this.shortSlot.fill(-1);
    for (let len = 0; len <= 16; len++) {
      if (this.lenCount[len] === 0) continue;
      const span = 1 << (16 - len);
      for (let i = 0; i <= this.mask; i++) {
        if (this.slotLen[i] !== len) continue;
        const first = this.slotKey[i]! >>> 16;
        this.shortSlot.fill(i, first, first + span);
      }
    }
    this.shortDirty = false;
  }

  slotLength(slot: number): number {
    return this.slotLen[slot]!;
  }

  get prefixCount(): number {
    return this.used;
  }

  private hash1(k: number, len: number): number {
    let h = Math.imul(k ^ Math.imul(len + 1, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private hash4(k0: number, k1: number, k2: number, k3: number, len: number): number {
    let h = Math.imul(len + 1, 0x9e3779b1);
    h = Math.imul(h ^ k0, 0x85ebca6b); h ^= h >>> 13;
    h = Math.imul(h ^ k1, 0xc2b2ae35); h ^= h >>> 16;
    h = Math.imul(h ^ k2, 0x85ebca6b); h ^= h >>> 13;
    h = Math.imul(h ^ k3, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Slot of an exact (prefix, len), or -1. Words must be masked. */
  find1(k: number, len: number): number {
    let i = this.hash1(k, len);
    for (;;) {
      const l = this.slotLen[i]!;
      if (l < 0) return -1;
      if (l === len && this.slotKey[i] === k) return i;
      i = (i + 1) & this.mask;
    }
  }

  find4(k0: number, k1: number, k2: number, k3: number, len: number): number {
    let i = this.hash4(k0, k1, k2, k3, len);
    for (;;) {
      const l = this.slotLen[i]!;
      if (l < 0) return -1;
      const o = i * 4;
      if (l === len && this.slotKey[o] === k0 && this.slotKey[o + 1] === k1 && this.slotKey[o + 2] === k2 && this.slotKey[o + 3] === k3) return i;
      i = (i + 1) & this.mask;
    }
  }

  maskWord(len: number, w: number): number {
    return this.wordMask[len * this.width + w]!;
  }

  findPrefix(words: ArrayLike<number>, len: number): number {
    return this.width === 1
      ? this.find1(words[0]! | 0, len)
      : this.find4(words[0]! | 0, words[1]! | 0, words[2]! | 0, words[3]! | 0, len);
  }

  /** Slot for (prefix, len), created if absent. Load time (may grow the table). */
  ensure(words: ArrayLike<number>, len: number): number {
    const found = this.findPrefix(words, len);
    if (found >= 0) return found;
    if ((this.used + 1) * 2 > this.cap) this.grow();
    const i = this.place(words, len);
    this.slotHead[i] = -1;
    this.used++;
    if (this.width === 1) {
      const blk = words[0]! >>> 16;
      if (len > 16) this.blockBits[blk] = this.blockBits[blk]! | (1 << (len - 17));
      else this.shortDirty = true;
    }
    if (this.lenCount[len]!++ === 0) this.rebuildLens();
    return i;
  }

  private place(words: ArrayLike<number>, len: number): number {
    let i = this.width === 1
      ? this.hash1(words[0]! | 0, len)
      : this.hash4(words[0]! | 0, words[1]! | 0, words[2]! | 0, words[3]! | 0, len);
    while (this.slotLen[i]! >= 0) i = (i + 1) & this.mask;
    this.slotLen[i] = len;
    for (let w = 0; w < this.width; w++) this.slotKey[i * this.width + w] = words[w]! | 0;
    return i;
  }

  private grow(): void {
    this.shortDirty = true; // slots move
    const oldLen = this.slotLen, oldKey = this.slotKey, oldHead = this.slotHead, oldCap = this.cap;
    this.cap *= 2;
    this.mask = this.cap - 1;
    this.slotLen = new Int16Array(this.cap).fill(-1);
    this.slotKey = new Int32Array(this.cap * this.width);
    this.slotHead = new Int32Array(this.cap).fill(-1);
    const words = new Uint32Array(this.width);
    for (let s = 0; s < oldCap; s++) {
      const len = oldLen[s]!;
      if (len < 0) continue;
      for (let w = 0; w < this.width; w++) words[w] = oldKey[s * this.width + w]!;
      this.slotHead[this.place(words, len)] = oldHead[s]!;
    }
  }

  private rebuildLens(): void {
    let n = 0;
    for (let len = this.maxLen; len >= 0; len--) if (this.lenCount[len]! > 0) this.lens[n++] = len;
    this.nLens = n;
  }
}

/**
 * Routes in struct-of-arrays form; a route id indexes every column. Lookups return a route id or
 * NO_ROUTE and never allocate.
 */
export class Fib {
  private capacity = 64;
  /** Number of routes; ids are 0..size-1. */
  size = 0;
  private rFamily: Uint8Array = new Uint8Array(64);
  private rType: Uint8Array = new Uint8Array(64);
  private rScope: Uint8Array = new Uint8Array(64);
  private rTable: Uint8Array = new Uint8Array(64);
  private rPlen: Uint8Array = new Uint8Array(64);
  private rDev: Int32Array = new Int32Array(64);
  private rMetric: Uint32Array = new Uint32Array(64);
  private rMtu: Uint32Array = new Uint32Array(64);
  private rHasGw: Uint8Array = new Uint8Array(64);
  private rGw: Uint32Array = new Uint32Array(64 * 4);
  private rPrefix: Uint32Array = new Uint32Array(64 * 4);
  private rNext: Int32Array = new Int32Array(64);

  private readonly local4 = new PrefixTable(1);
  private readonly main4 = new PrefixTable(1);
  private readonly local6 = new PrefixTable(4);
  private readonly main6 = new PrefixTable(4);
  /** Route answering 255.255.255.255 (ip_route_input_slow treats the limited broadcast apart). */
  readonly limitedBroadcast: number;

  /** `devUp[ifindex]` is 1 while a device is up (Topology.up); routes via down devices are skipped. */
  constructor(private readonly devUp: Uint8Array) {
    this.limitedBroadcast = this.add({
      family: FAMILY_IPV4, prefix: [0xffffffff], plen: 32, type: RTN_BROADCAST, dev: 0, gateway: null,
      metric: 0, scope: RT_SCOPE_LINK, table: 0, mtu: 0,
    });
  }

  private table(family: number, table: number): PrefixTable | null {
    if (table === 0) return null; // detached (the limited-broadcast pseudo route)
    if (family === FAMILY_IPV4) return table === RT_TABLE_LOCAL ? this.local4 : this.main4;
    return table === RT_TABLE_LOCAL ? this.local6 : this.main6;
  }

  /** Prefix counts, for reports and benchmarks. */
  prefixCounts(): { local4: number; main4: number; local6: number; main6: number } {
    return { local4: this.local4.prefixCount, main4: this.main4.prefixCount, local6: this.local6.prefixCount, main6: this.main6.prefixCount };
  }

  /** The route with the same table, prefix and metric, or NO_ROUTE (the EEXIST test of `ip route add`). */
  findExact(family: number, table: number, prefix: ArrayLike<number>, plen: number, metric: number): number {
    const t = this.table(family, table);
    if (!t) return NO_ROUTE;
    const slot = t.findPrefix(prefix, plen);
    if (slot < 0) return NO_ROUTE;
    for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.rMetric[r] === metric) return r;
    return NO_ROUTE;
  }

  /** Adds a route (load time). Returns its id. The prefix must be masked to `plen`. */
  add(spec: RouteSpec): number {
    if (this.size === this.capacity) this.grow();
    const id = this.size++;
    this.rFamily[id] = spec.family;
    this.rType[id] = spec.type;
    this.rScope[id] = spec.scope;
    this.rTable[id] = spec.table;
    this.rPlen[id] = spec.plen;
    this.rDev[id] = spec.dev;
    this.rMetric[id] = spec.metric >>> 0;
    this.rMtu[id] = spec.mtu;
    this.rHasGw[id] = spec.gateway ? 1 : 0;
    for (let w = 0; w < 4; w++) {
      this.rPrefix[id * 4 + w] = (spec.prefix[w] ?? 0) >>> 0;
      this.rGw[id * 4 + w] = spec.gateway ? (spec.gateway[w] ?? 0) >>> 0 : 0;
    }
    this.rNext[id] = -1;
    const t = this.table(spec.family, spec.table);
    if (!t) return id;
    const slot = t.ensure(spec.prefix, spec.plen);
    // Chain order: metric ascending, then insertion order (a new route goes after equal metrics).
    let prev = -1;
    let cur = t.slotHead[slot]!;
    while (cur >= 0 && this.rMetric[cur]! <= this.rMetric[id]!) { prev = cur; cur = this.rNext[cur]!; }
    this.rNext[id] = cur;
    if (prev < 0) t.slotHead[slot] = id; else this.rNext[prev] = id;
    return id;
  }

  private grow(): void {
    const c = this.capacity * 2;
    const g8 = (a: Uint8Array, k = 1): Uint8Array => { const b = new Uint8Array(c * k); b.set(a); return b; };
    const g32 = (a: Uint32Array, k = 1): Uint32Array => { const b = new Uint32Array(c * k); b.set(a); return b; };
    const gi = (a: Int32Array): Int32Array => { const b = new Int32Array(c); b.set(a); return b; };
    this.rFamily = g8(this.rFamily); this.rType = g8(this.rType); this.rScope = g8(this.rScope);
    this.rTable = g8(this.rTable); this.rPlen = g8(this.rPlen); this.rHasGw = g8(this.rHasGw);
    this.rDev = gi(this.rDev); this.rNext = gi(this.rNext);
    this.rMetric = g32(this.rMetric); this.rMtu = g32(this.rMtu);
    this.rGw = g32(this.rGw, 4); this.rPrefix = g32(this.rPrefix, 4);
    this.capacity = c;
  }

  private alive(r: number): boolean {
    const dev = this.rDev[r]!;
    return dev === 0 || this.devUp[dev] === 1;
  }

  private lpm4(t: PrefixTable, addr: number): number {
    if (t.shortDirty) t.rebuildShort();
    // Long prefixes (17..32) present in this /16 block, longest first.
    let bits = t.blockBits[addr >>> 16]!;
    while (bits !== 0) {
      const b = 31 - Math.clz32(bits);
      bits &= ~(1 << b);
      const len = b + 17;
      const slot = t.find1(addr & t.maskWord(len, 0), len);
      if (slot < 0) continue;
      for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.alive(r)) return r;
    }
    // The longest prefix ≤ 16 covering the block; if all its routes are down, backtrack further.
    const s = t.shortSlot[addr >>> 16]!;
    if (s < 0) return NO_ROUTE;
    for (let r = t.slotHead[s]!; r >= 0; r = this.rNext[r]!) if (this.alive(r)) return r;
    return this.lpmScan4(t, addr, t.slotLength(s));
  }

  /** Generic scan over the present lengths shorter than `below` (the rare dead-route backtrack). */
  private lpmScan4(t: PrefixTable, addr: number, below: number): number {
    const lens = t.lens;
    for (let i = 0; i < t.nLens; i++) {
      const len = lens[i]!;
      if (len >= below) continue;
      const slot = t.find1(addr & t.maskWord(len, 0), len);
      if (slot < 0) continue;
      for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.alive(r)) return r;
    }
    return NO_ROUTE;
  }

  private lpm6(t: PrefixTable, a0: number, a1: number, a2: number, a3: number): number {
    const lens = t.lens;
    for (let i = 0; i < t.nLens; i++) {
      const len = lens[i]!;
      const slot = t.find4(
        a0 & t.maskWord(len, 0), a1 & t.maskWord(len, 1),
        a2 & t.maskWord(len, 2), a3 & t.maskWord(len, 3), len,
      );
      if (slot < 0) continue;
      for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.alive(r)) return r;
    }
    return NO_ROUTE;
  }

  /** Route for an IPv4 destination (host-order number): local table, then main. */
  lookupV4(daddr: number): number {
    const a = daddr | 0; // int32 view of the address: the tables key on int32 words
    if (a === -1) return this.limitedBroadcast;
    const r = this.lpm4(this.local4, a);
    return r >= 0 ? r : this.lpm4(this.main4, a);
  }

  /** Route for an IPv6 destination stored as four words at `w[off..off+4)` (tuple layout). */
  lookupV6(w: Uint32Array, off: number): number {
    const a0 = w[off]! | 0, a1 = w[off + 1]! | 0, a2 = w[off + 2]! | 0, a3 = w[off + 3]! | 0;
    const r = this.lpm6(this.local6, a0, a1, a2, a3);
    return r >= 0 ? r : this.lpm6(this.main6, a0, a1, a2, a3);
  }

  /**
   * An output route lookup with the output device given (flowi4_oif, as nft_flow_route routes a
   * flow's other direction through the device the packet came in on): the longest prefix with a
   * live route through `oif` — fib_lookup_good_nhc skips next hops on other devices and
   * fib_table_lookup backtracks to shorter prefixes. NO_ROUTE when no route leaves through `oif`
   * (ip_route_output_key_hash_rcu then takes the destination as on-link on `oif`).
   */
  lookupV4Oif(daddr: number, oif: number): number {
    const a = daddr | 0;
    const r = this.scanOif4(this.local4, a, oif);
    return r >= 0 ? r : this.scanOif4(this.main4, a, oif);
  }

  /** lookupV4Oif for an IPv6 destination at `w[off..off+4)`. */
  lookupV6Oif(w: Uint32Array, off: number, oif: number): number {
    const r = this.scanOif6(this.local6, w, off, oif);
    return r >= 0 ? r : this.scanOif6(this.main6, w, off, oif);
  }

  private scanOif4(t: PrefixTable, addr: number, oif: number): number {
    for (let i = 0; i < t.nLens; i++) {
      const len = t.lens[i]!;
      const slot = t.find1(addr & t.maskWord(len, 0), len);
      if (slot < 0) continue;
      for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.rDev[r] === oif && this.alive(r)) return r;
    }
    return NO_ROUTE;
  }

  private scanOif6(t: PrefixTable, w: Uint32Array, off: number, oif: number): number {
    const a0 = w[off]! | 0, a1 = w[off + 1]! | 0, a2 = w[off + 2]! | 0, a3 = w[off + 3]! | 0;
    for (let i = 0; i < t.nLens; i++) {
      const len = t.lens[i]!;
      const slot = t.find4(a0 & t.maskWord(len, 0), a1 & t.maskWord(len, 1), a2 & t.maskWord(len, 2), a3 & t.maskWord(len, 3), len);
      if (slot < 0) continue;
      for (let r = t.slotHead[slot]!; r >= 0; r = this.rNext[r]!) if (this.rDev[r] === oif && this.alive(r)) return r;
    }
    return NO_ROUTE;
  }

  /** Looks up only the local table (inet_dev_addr_type's question): NO_ROUTE when it has no entry. */
  lookupLocalV4(daddr: number): number {
    return this.lpm4(this.local4, daddr | 0);
  }

  /** Looks up only the main table (what `ip route get` shows for a non-local address). */
  lookupMainV4(daddr: number): number {
    return this.lpm4(this.main4, daddr | 0);
  }

  // --- accessors ------------------------------------------------------------------------------
  family(r: number): number { return this.rFamily[r]!; }
  type(r: number): number { return this.rType[r]!; }
  scope(r: number): number { return this.rScope[r]!; }
  tableOf(r: number): number { return this.rTable[r]!; }
  prefixLength(r: number): number { return this.rPlen[r]!; }
  /** Prefix word `w` (0..3) of a route. */
  prefixWord(r: number, w: number): number { return this.rPrefix[r * 4 + w]!; }
  outDev(r: number): number { return this.rDev[r]!; }
  metric(r: number): number { return this.rMetric[r]!; }
  /** Route MTU metric, 0 when unset. */
  mtu(r: number): number { return this.rMtu[r]!; }
  hasGateway(r: number): boolean { return this.rHasGw[r] === 1; }
  gatewayV4(r: number): number { return this.rGw[r * 4]!; }
  gatewayWord(r: number, w: number): number { return this.rGw[r * 4 + w]!; }

  /** The next hop for an IPv4 destination via route r: the gateway, or the destination itself (rt_nexthop()). */
  nextHopV4(r: number, daddr: number): number {
    return this.rHasGw[r] === 1 ? this.rGw[r * 4]! : daddr >>> 0;
  }

  /** Writes the IPv6 next hop (rt6_nexthop()) to out[outOff..+4). */
  nextHopV6(r: number, daddr: Uint32Array, dOff: number, out: Uint32Array, outOff: number): void {
    const gw = this.rHasGw[r] === 1;
    for (let w = 0; w < 4; w++) out[outOff + w] = gw ? this.rGw[r * 4 + w]! : daddr[dOff + w]!;
  }

  /**
   * The ICMP error a route makes the router send, as (type << 8) | code, or -1 for none: ip_error()
   * for IPv4 (unreachable → host unreachable, prohibit → communication administratively filtered,
   * no route → net unreachable; blackhole is silent), ip6_pkt_discard()/ip6_pkt_prohibit() for IPv6.
   * Pass NO_ROUTE for "no route".
   */
  icmpFor(r: number, family: number): number {
    const t = r === NO_ROUTE ? RTN_UNREACHABLE : this.rType[r]!;
    if (family === FAMILY_IPV6) {
      if (t === RTN_UNREACHABLE) return (ICMPV6_DEST_UNREACH << 8) | ICMPV6_NOROUTE;
      if (t === RTN_PROHIBIT) return (ICMPV6_DEST_UNREACH << 8) | ICMPV6_ADM_PROHIBITED;
      return -1;
    }
    if (r === NO_ROUTE) return (ICMP_DEST_UNREACH << 8) | ICMP_NET_UNREACH;
    if (t === RTN_UNREACHABLE) return (ICMP_DEST_UNREACH << 8) | ICMP_HOST_UNREACH;
    if (t === RTN_PROHIBIT) return (ICMP_DEST_UNREACH << 8) | ICMP_PKT_FILTERED;
    return -1;
  }

  /** Drop reason for a packet that cannot be forwarded via r (NO_ROUTE included); 0 for unicast/local. */
  dropReasonFor(r: number): number {
    if (r === NO_ROUTE) return DropReason.IP_NOROUTE;
    switch (this.rType[r]) {
      case RTN_BLACKHOLE: return DropReason.ROUTE_BLACKHOLE;
      case RTN_UNREACHABLE: return DropReason.ROUTE_UNREACHABLE;
      case RTN_PROHIBIT: return DropReason.ROUTE_PROHIBIT;
      default: return 0;
    }
  }

  /** Iterates route ids (reports, tests). */
  *ids(): IterableIterator<number> {
    for (let i = 0; i < this.size; i++) yield i;
  }
}
