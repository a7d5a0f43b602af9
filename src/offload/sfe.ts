/**
 * A Qualcomm Shortcut-FE-style accelerated SOFTWARE path (shortcut-fe/sfe_cm.c, sfe_ipv4.c) — not a
 * hardware backend, and not the nft flowtable: a separate conntrack-driven fast path.
 *
 * What is modelled:
 * - LEARNING at NF_INET_POST_ROUTING, priority NF_IP_PRI_NAT_SRC + 1 (sfe_cm_post_routing), i.e. after
 *   NAT: the router calls `learn()` with the connection's state. A connection is skipped when it is
 *   not TCP/UDP, broadcast/multicast, xfrm, locally generated, untracked or unconfirmed, has a helper
 *   (ALG), is below `packetThreshold` packets (both directions summed; nf_conntrack_pkt_threshold,
 *   PKT_THRESHOLD 10 in one variant), or — for TCP — is not ASSURED or not ESTABLISHED.
 * - The TABLE: SFE_IPV4_CONNECTION_HASH_SHIFT 12 → 4096 buckets, chained, no hard cap; bucket =
 *   sfe_ipv4_get_connection_hash(): h = (src ^ dst) ^ proto ^ (sport ^ dport); (h >> 12 ^ h) & 4095
 *   (IPv6: the four address words XOR-folded first). One match entry per direction, keyed by the
 *   tuple as it arrives (original: the conntrack original tuple; reply: the conntrack reply tuple).
 * - The RX HOOK (athrs_fast_nat_recv → sfe_cm_recv, a patched __netif_receive_skb): `lookup()` runs
 *   after the driver, before netfilter. A hit skips netfilter, routing and conntrack; the caller
 *   applies the NAT rewrite, decrements TTL and transmits through the egress device's qdisc (SQM
 *   keeps working). Misses: fragments, IP options, TTL < 2, larger than the MTU, and TCP packets
 *   whose flags are not a plain ACK — SYN/FIN/RST flush the connection (sfe_ipv4_recv_tcp) so
 *   conntrack sees the close.
 * - COUNTERS synced back (sfe_cm_sync_rule): per connection and direction, packets and bytes since
 *   the last sync; `sync()` returns them and clears them, the router adds them to conntrack's
 *   accounting and refreshes its timeout.
 * Not modelled: bridge-port resolution, the "fast-classifier" variant, per-connection QoS marks.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_FRAGMENT, PF_IP_OPTIONS } from '../buffers/pool.ts';
import { IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, T_DST, T_PORTS, T_PROTO, T_SRC } from '../wire/tuple.ts';
import { IdMap, growF64, growI32, growU16, growU32, growU8 } from './id-map.ts';

/** Why learn() skipped a connection (0 = learned). Append only. */
export const SFE_SKIPS = [
  ['LEARNED', 'learned'],
  ['NOT_TCP_UDP', 'protocol other than TCP/UDP'],
  ['MULTICAST', 'broadcast or multicast'],
  ['XFRM', 'IPsec (xfrm) packet'],
  ['LOCAL', 'locally generated (skb->sk)'],
  ['UNTRACKED', 'no conntrack or untracked'],
  ['UNCONFIRMED', 'conntrack entry not confirmed yet'],
  ['HELPER', 'connection has a helper/ALG'],
  ['BELOW_THRESHOLD', 'below the packet threshold'],
  ['NOT_ASSURED', 'TCP connection not ASSURED'],
  ['NOT_ESTABLISHED', 'TCP connection not ESTABLISHED'],
  ['EXISTS', 'already in the table'],
] as const;
type SkipKey = (typeof SFE_SKIPS)[number][0];
export const SfeSkip = Object.fromEntries(SFE_SKIPS.map((s, i) => [s[0], i])) as { readonly [K in SkipKey]: number };

/** Why lookup() missed. */
export const SfeMiss = {
  NONE: 0,
  NO_CONNECTION: 1,
  NOT_IP: 2,
  FRAGMENT: 3,
  IP_OPTIONS: 4,
  TTL: 5,
  MTU: 6,
  TCP_FLAGS: 7,
} as const;

/** CONN_* flags for SfeConnectionInfo.flags. */
export const SFE_CONFIRMED = 1 << 0;
export const SFE_ASSURED = 1 << 1;
export const SFE_ESTABLISHED = 1 << 2;
export const SFE_HELPER = 1 << 3;
export const SFE_LOCAL = 1 << 4;
export const SFE_MULTICAST = 1 << 5;
export const SFE_XFRM = 1 << 6;
export const SFE_UNTRACKED = 1 << 7;

/** What the post-routing hook knows about a connection; reused by the caller. */
export class SfeConnectionInfo {
  /** Conntrack handle. */
  connId = 0;
  l4proto = 6;
  flags = 0;
  /** Packets seen so far, both directions summed (nf_conntrack acct). */
  packets = 0;
  /** Ingress tuples: [0..10) original direction (ct original), [10..20) reply direction (ct reply). */
  readonly tuple = new Uint32Array(2 * TUPLE_WORDS);
  readonly mtu = new Uint16Array([1500, 1500]);
  readonly outIfindex = new Int32Array(2);
}

export interface SfeOptions {
  readonly packetThreshold?: number;
  readonly bucketShift?: number;
  readonly initialConnections?: number;
}

const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10;

export class ShortcutFe {
  readonly packetThreshold: number;
  readonly buckets: number;
  private readonly shift: number;
  lastMiss = 0;
  /** Counters: hits, misses by SfeMiss, skips by SfeSkip, flushes. */
  hits = 0;
  readonly misses = new Float64Array(8);
  readonly skips = new Float64Array(SFE_SKIPS.length);
  flushes = 0;

  private readonly heads: Int32Array;
  private readonly index: IdMap;
  private cap: number;
  private connId: Float64Array;
  private free: Int32Array;
  private freeTop: number;
  /** Per match (m = conn*2 + dir). */
  private mLive: Uint8Array;
  private mKey: Uint32Array;
  private mNext: Int32Array;
  private mBucket: Int32Array;
  private mMtu: Uint16Array;
  private mPkts: Float64Array;
  private mBytes: Float64Array;
  private mTotPkts: Float64Array;
  private mTotBytes: Float64Array;
  private mLast: Float64Array;
  private count = 0;

  constructor(opts: SfeOptions = {}) {
    this.packetThreshold = opts.packetThreshold ?? 10;
    this.shift = opts.bucketShift ?? 12;
    this.buckets = 1 << this.shift;
    this.heads = new Int32Array(this.buckets).fill(-1);
    const cap = Math.max(16, opts.initialConnections ?? 1024);
    this.index = new IdMap(cap);
    this.cap = cap;
    this.connId = new Float64Array(cap);
    this.free = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.free[i] = cap - 1 - i;
    this.freeTop = cap;
    const M = cap * 2;
    this.mLive = new Uint8Array(M);
    this.mKey = new Uint32Array(M * TUPLE_WORDS);
    this.mNext = new Int32Array(M).fill(-1);
    this.mBucket = new Int32Array(M).fill(-1);
    this.mMtu = new Uint16Array(M);
    this.mPkts = new Float64Array(M);
    this.mBytes = new Float64Array(M);
    this.mTotPkts = new Float64Array(M);
    this.mTotBytes = new Float64Array(M);
    this.mLast = new Float64Array(M);
  }

  /** Connections in the table. */
  get size(): number {
    return this.count;
  }

  /** sfe_ipv4_get_connection_hash() over a tuple (IPv6 addresses XOR-folded to one word). */
  bucketOf(t: Uint32Array, o: number): number {
    const fam = t[o + T_PROTO]! >>> 8;
    let a = t[o + T_SRC]! ^ t[o + T_DST]!;
    if (fam === 6) for (let i = 1; i < 4; i++) a ^= t[o + T_SRC + i]! ^ t[o + T_DST + i]!;
    const ports = t[o + T_PORTS]!;
    const h = (a ^ (t[o + T_PROTO]! & 0xff) ^ ((ports >>> 16) ^ (ports & 0xffff))) >>> 0;
    return ((h >>> this.shift) ^ h) & (this.buckets - 1);
  }

  /** sfe_cm_post_routing(): learn the connection if it qualifies. Returns an SfeSkip code. */
  learn(info: SfeConnectionInfo, now: number): number {
    const code = this.eligibility(info);
    if (code !== 0) {
      this.skips[code]!++;
      return code;
    }
    if (this.freeTop === 0) this.grow();
    const c = this.free[--this.freeTop]!;
    this.index.set(info.connId, c);
    this.connId[c] = info.connId;
    for (let dir = 0; dir < 2; dir++) {
      const m = c * 2 + dir;
      for (let i = 0; i < TUPLE_WORDS; i++) this.mKey[m * TUPLE_WORDS + i] = info.tuple[dir * TUPLE_WORDS + i]!;
      const b = this.bucketOf(this.mKey, m * TUPLE_WORDS);
      this.mBucket[m] = b;
      this.mNext[m] = this.heads[b]!;
      this.heads[b] = m;
      this.mLive[m] = 1;
      this.mMtu[m] = info.mtu[dir]!;
      this.mPkts[m] = 0;
      this.mBytes[m] = 0;
      this.mTotPkts[m] = 0;
      this.mTotBytes[m] = 0;
      this.mLast[m] = now;
    }
    this.count++;
    this.skips[0]!++;
    return 0;
  }

  private eligibility(info: SfeConnectionInfo): number {
    const f = info.flags;
    if (info.l4proto !== IPPROTO_TCP && info.l4proto !== IPPROTO_UDP) return SfeSkip.NOT_TCP_UDP;
    if (f & SFE_MULTICAST) return SfeSkip.MULTICAST;
    if (f & SFE_XFRM) return SfeSkip.XFRM;
    if (f & SFE_LOCAL) return SfeSkip.LOCAL;
    if (f & SFE_UNTRACKED) return SfeSkip.UNTRACKED;
    if (!(f & SFE_CONFIRMED)) return SfeSkip.UNCONFIRMED;
    if (f & SFE_HELPER) return SfeSkip.HELPER;
    if (info.packets < this.packetThreshold) return SfeSkip.BELOW_THRESHOLD;
    if (info.l4proto === IPPROTO_TCP) {
      if (!(f & SFE_ASSURED)) return SfeSkip.NOT_ASSURED;
      if (!(f & SFE_ESTABLISHED)) return SfeSkip.NOT_ESTABLISHED;
    }
    if (this.index.get(info.connId) >= 0) return SfeSkip.EXISTS;
    return 0;
  }

  /**
   * The receive hook. Returns connId*2+dir on a hit (caller: NAT rewrite, TTL-1, egress qdisc),
   * or -1 (`lastMiss` says why) — the packet then takes the normal stack.
   */
  lookup(pool: PacketPool, slot: number, now: number): number {
    const l3 = pool.l3proto[slot]!;
    if (l3 !== 0x0800 && l3 !== 0x86dd) return this.miss(SfeMiss.NOT_IP);
    const pf = pool.pflags[slot]!;
    if (pf & PF_FRAGMENT) return this.miss(SfeMiss.FRAGMENT);
    if (pf & PF_IP_OPTIONS) return this.miss(SfeMiss.IP_OPTIONS);
    const t = pool.tuple;
    const o = slot * TUPLE_WORDS;
    const b = this.bucketOf(t, o);
    let m = this.heads[b]!;
    while (m >= 0) {
      const k = m * TUPLE_WORDS;
      let eq = true;
      for (let i = 0; i < TUPLE_WORDS; i++) {
        if (this.mKey[k + i] !== t[o + i]) {
          eq = false;
          break;
        }
      }
      if (eq) break;
      m = this.mNext[m]!;
    }
    if (m < 0) return this.miss(SfeMiss.NO_CONNECTION);
    const frame = pool.frameStart(slot);
    const l3off = pool.l3off[slot]!;
    if ((t[o + T_PROTO]! & 0xff) === IPPROTO_TCP) {
      const flags = pool.bytes[frame + pool.l4off[slot]! + 13]!;
      if ((flags & (TCP_SYN | TCP_RST | TCP_FIN | TCP_ACK)) !== TCP_ACK) {
        // sfe_ipv4_recv_tcp: flags other than a plain ACK flush the connection to the slow path.
        this.flush(m >> 1);
        return this.miss(SfeMiss.TCP_FLAGS);
      }
    }
    const ttl = l3 === 0x0800 ? pool.bytes[frame + l3off + 8]! : pool.bytes[frame + l3off + 7]!;
    if (ttl < 2) return this.miss(SfeMiss.TTL);
    const len = pool.len[slot]!;
    if (len - l3off > this.mMtu[m]!) return this.miss(SfeMiss.MTU);
    this.mPkts[m] = this.mPkts[m]! + 1;
    this.mBytes[m] = this.mBytes[m]! + len;
    this.mTotPkts[m] = this.mTotPkts[m]! + 1;
    this.mTotBytes[m] = this.mTotBytes[m]! + len;
    this.mLast[m] = now;
    this.hits++;
    this.lastMiss = SfeMiss.NONE;
    return this.connId[m >> 1]! * 2 + (m & 1);
  }

  private miss(reason: number): number {
    this.lastMiss = reason;
    this.misses[reason]!++;
    return -1;
  }

  /** Take the connection's match entries out of the hash (no more hits); counters stay for sync. */
  private flush(c: number): void {
    for (let m = c * 2; m <= c * 2 + 1; m++) {
      if (this.mLive[m] !== 1) continue;
      const b = this.mBucket[m]!;
      let prev = -1;
      for (let x = this.heads[b]!; x >= 0; x = this.mNext[x]!) {
        if (x === m) {
          if (prev < 0) this.heads[b] = this.mNext[m]!;
          else this.mNext[prev] = this.mNext[m]!;
          break;
        }
        prev = x;
      }
      this.mLive[m] = 2; // flushed: out of the hash, counters not yet synced
    }
    this.flushes++;
  }

  /** True while the connection can still be hit. */
  has(connId: number): boolean {
    const c = this.index.get(connId);
    return c >= 0 && this.mLive[c * 2] === 1;
  }

  /**
   * sfe_cm_sync_rule(): per-direction deltas since the last sync — out[0] original packets, out[1]
   * original bytes, out[2] reply packets, out[3] reply bytes, out[4] last-used ns — then clears the
   * deltas. Returns false for an unknown connection.
   */
  sync(connId: number, out: Float64Array): boolean {
    const c = this.index.get(connId);
    if (c < 0) return false;
    let last = -1;
    for (let dir = 0; dir < 2; dir++) {
      const m = c * 2 + dir;
      out[dir * 2] = this.mPkts[m]!;
      out[dir * 2 + 1] = this.mBytes[m]!;
      this.mPkts[m] = 0;
      this.mBytes[m] = 0;
      if (this.mLast[m]! > last) last = this.mLast[m]!;
    }
    out[4] = last;
    return true;
  }

  /** Total packets / bytes forwarded for one direction since learn(). */
  packets(connId: number, dir: number): number {
    const c = this.index.get(connId);
    return c < 0 ? 0 : this.mTotPkts[c * 2 + dir]!;
  }

  bytes(connId: number, dir: number): number {
    const c = this.index.get(connId);
    return c < 0 ? 0 : this.mTotBytes[c * 2 + dir]!;
  }

  /** Conntrack destroy callback (delete_sfe_entry): drop the connection. */
  destroy(connId: number): void {
    const c = this.index.get(connId);
    if (c < 0) return;
    if (this.mLive[c * 2] === 1) {
      this.flush(c);
      this.flushes--;
    }
    this.mLive[c * 2] = 0;
    this.mLive[c * 2 + 1] = 0;
    this.index.delete(connId);
    this.free[this.freeTop++] = c;
    this.count--;
  }

  /** Longest bucket chain (lookup cost grows with it: the table has no cap). */
  longestChain(): number {
    let best = 0;
    for (let b = 0; b < this.buckets; b++) {
      let n = 0;
      for (let m = this.heads[b]!; m >= 0; m = this.mNext[m]!) n++;
      if (n > best) best = n;
    }
    return best;
  }

  describe(): string {
    return [
      'shortcut-fe: Qualcomm Shortcut-FE-style software fast path (out of tree; not the nft flowtable)',
      `  learns TCP/UDP connections at post-routing after NAT once confirmed, without helpers, ≥ ${this.packetThreshold} packets, TCP ASSURED+ESTABLISHED`,
      `  ${this.buckets} hash buckets, chained, no hard cap; hits skip netfilter/routing/conntrack but still pass the egress qdisc (SQM works)`,
      '  counters are synced back to conntrack (sfe_cm_sync_rule)',
    ].join('\n');
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    const M = cap * 2;
    this.connId = growF64(this.connId, cap);
    this.free = growI32(this.free, cap, 0);
    for (let i = old; i < cap; i++) this.free[this.freeTop++] = cap - 1 - (i - old);
    this.mLive = growU8(this.mLive, M);
    this.mKey = growU32(this.mKey, M * TUPLE_WORDS);
    this.mNext = growI32(this.mNext, M, -1);
    this.mBucket = growI32(this.mBucket, M, -1);
    this.mMtu = growU16(this.mMtu, M);
    this.mPkts = growF64(this.mPkts, M);
    this.mBytes = growF64(this.mBytes, M);
    this.mTotPkts = growF64(this.mTotPkts, M);
    this.mTotBytes = growF64(this.mTotBytes, M);
    this.mLast = growF64(this.mLast, M);
    this.cap = cap;
  }
}
