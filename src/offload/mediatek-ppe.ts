/**
 * The MediaTek PPE (Packet Processing Engine of the frame engine) as the mainline driver drives it:
 * drivers/net/ethernet/mediatek/mtk_ppe.{c,h}, mtk_ppe_offload.c, per-SoC data in mtk_eth_soc.c.
 *
 * Two halves, as in the kernel:
 * - the DRIVER half (replace/destroy/stats, the bind check): `mtk_flow_offload_replace()` builds an
 *   entry in RAM and `mtk_foe_entry_commit()` files it on the software list `foe_flow[hash/ways]`
 *   and returns 0 — nothing is written to the hardware table (lazy binding, commit c4f033d9e03e);
 * - the HARDWARE half (rxLookup, aging): the PPE hashes every IPv4/IPv6 TCP/UDP packet, and on a
 *   miss builds an UNBIND entry itself (TB_CFG SEARCH_MISS = FORWARD_BUILD). It counts the entry's
 *   packet rate; once it reaches BIND_RATE (30 packets/s, mtk_ppe_start) it sends the packet to the
 *   CPU with reason HIT_UNBIND_RATE_REACHED, and the RX path calls mtk_ppe_check_skb(), which — at
 *   most once per 100 ms per entry (foe_check_time, HZ/10) — walks the bucket's software list and
 *   commits the first flow whose tuple matches into that entry as BIND (__mtk_ppe_check_skb).
 *
 * Collisions ("the hardware maintains the entry for the most active flow", c4f033d9e03e). The PPE
 * only builds into a free way and never overwrites BIND entries (mtk_foe_entry_usable). Ways free
 * up by aging: BIND entries idle for their protocol's delta go back to UNBIND, and UNBIND entries
 * are invalidated after UNBIND_AGE DELTA (3) units when idle or when they saw fewer than
 * MIN_PACKETS (1000) packets in that time. So a bucket whose ways are taken by bound flows keeps
 * them for as long as they stay active; newcomers stay in software (counted as collisionsLost);
 * slow UNBIND occupants are recycled every 3 s, and the first packet to arrive after that — in
 * practice, from the most active contender — builds the freed way and goes on to bind. flowsim
 * applies these rules deterministically, lazily on the bucket a packet touches and in tick().
 *
 * Simplifications (documented for the README): BIND_LIMIT (quarter/half/full table throttles) and
 * PREBIND are not modelled; the bind rate is measured as packets in a 1-second window that restarts
 * at the first packet after the previous window ended; one replace() carries both directions and a
 * refusal of either refuses both; L2 (bridge) flows, DS-Lite and 6RD entries are not modelled; the
 * driver's reset of other bucket entries' `hash` in __mtk_ppe_check_skb is not modelled; the age
 * unit is taken as 1 s (the driver converts idle ticks to `idle * HZ` in mtk_flow_offload_stats —
 * the hardware unit itself is not documented).
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_FRAGMENT, PF_IP_OPTIONS } from '../buffers/pool.ts';
import { IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, T_PROTO } from '../wire/tuple.ts';
import { IdMap, growF64, growI16, growI32, growU16, growU32, growU8 } from './id-map.ts';
import { mtkPpeHash } from './ppe-hash.ts';
import { BackendCounters, CpuReason, OFFLOAD_F_BIDIRECTIONAL, OffloadRefusal } from './types.ts';
import type { BackendCaps, FlowPlacement, HardwareBackend, Occupancy, OffloadRequest } from './types.ts';
import { checkEgressEncap, checkMacs, hasIpv6Nat } from './validate.ts';

/** Entry states, ib1 bits 29:28 (MTK_FOE_STATE_*). */
export const FOE_STATE_INVALID = 0;
export const FOE_STATE_UNBIND = 1;
export const FOE_STATE_BIND = 2;
export const FOE_STATE_FIN = 3;
const STATE_NAMES = ['INVALID', 'UNBIND', 'BIND', 'FIN'] as const;

/** Per-SoC PPE geometry and features (the driver's `struct mtk_soc_data` fields that matter). */
export interface PpeGeometry {
  readonly soc: string;
  /** NETSYS version (1: MT7621/7622/7623, 2: MT7981/7986, 3: MT7988). */
  readonly netsys: number;
  readonly ppeNum: number;
  /** Entries per PPE (MTK_PPE_ENTRIES = 1024 << 3). */
  readonly entries: number;
  /** Ways per bucket (`hash_offset`). */
  readonly ways: number;
  /** Left shift of the folded hash: ffs(hash_offset) - 1 on MediaTek, 0 on Airoha. */
  readonly hashShift: number;
  /** Entries of every 128 marked STATIC by mtk_ppe_init_foe_table (MT7621 only). */
  readonly staticSkip: readonly number[];
  /** Width of the ib1 bind timestamp: 15 bits on v1, 8 bits on v2/v3. */
  readonly timestampBits: number;
  /** Per-entry MIB counters (`has_accounting` with a PPE). */
  readonly accounting: boolean;
  /** WED version (0 none, 1 MT7622 Ethernet→WLAN only, 2 MT7986/7981, 3 MT7988). */
  readonly wed: number;
  /** FOE entry size in bytes (80 / 96 / 128). */
  readonly entryBytes: number;
  /** Whether the driver pushes PPPoE sessions (MediaTek: yes). */
  readonly pppoe: boolean;
  /** False when the engine is modelled from an unmerged driver (MT7620). */
  readonly mainline: boolean;
  /** Where the numbers come from. */
  readonly source: string;
}

const V1 = { netsys: 1, entries: 8192, ways: 2, hashShift: 1, timestampBits: 15, entryBytes: 80, pppoe: true, mainline: true } as const;
const V2 = { netsys: 2, entries: 8192, ways: 4, hashShift: 2, timestampBits: 8, entryBytes: 96, pppoe: true, mainline: true } as const;

/** mtk_eth_soc.c `mtXXXX_data`: ppe_num, hash_offset, foe_entry_size, has_accounting; WED from mtk_wed.c. */
export const MTK_SOC_DATA: Readonly<Record<string, PpeGeometry>> = {
  mt7621: { ...V1, soc: 'MT7621', ppeNum: 1, staticSkip: [12, 25, 38, 51, 76, 89, 102], accounting: false, wed: 0, source: 'mt7621_data; mtk_ppe_init_foe_table skips entries crossing 1024-byte boundaries' },
  mt7622: { ...V1, soc: 'MT7622', ppeNum: 1, staticSkip: [], accounting: true, wed: 1, source: 'mt7622_data (offload_version 2, has_accounting); WED v1 mt7622_data in mtk_wed.c' },
  mt7623: { ...V1, soc: 'MT7623', ppeNum: 1, staticSkip: [], accounting: false, wed: 0, source: 'mt7623_data' },
  mt7981: { ...V2, soc: 'MT7981', ppeNum: 2, staticSkip: [], accounting: true, wed: 2, source: 'mt7981_data (NETSYS v2, ppe_num 2, hash_offset 4)' },
  mt7986: { ...V2, soc: 'MT7986', ppeNum: 2, staticSkip: [], accounting: true, wed: 2, source: 'mt7986_data (NETSYS v2, ppe_num 2, hash_offset 4)' },
  mt7988: { ...V2, netsys: 3, soc: 'MT7988', ppeNum: 3, entryBytes: 128, staticSkip: [], accounting: true, wed: 3, source: 'mt7988_data (NETSYS v3, ppe_num 3, 128-byte entries, 64-bit MIB)' },
  // OpenWrt PR #24515 (pending): "two-way 4K FOE table", 80-byte entries, v1 layout [uncertain].
  mt7620: { ...V1, soc: 'MT7620', entries: 4096, ppeNum: 1, staticSkip: [], accounting: false, wed: 0, mainline: false, source: 'openwrt/openwrt PR #24515 (unmerged): two-way 4K FOE table, v1 layout' },
};

/** The PPE's programmed timers and thresholds (mtk_ppe_start defaults). */
export interface PpeTimers {
  /** MTK_PPE_BIND_RATE BIND: packets per second before the PPE asks to bind. */
  readonly bindRate: number;
  /** mtk_ppe_check_skb rate limit per entry: HZ/10. */
  readonly bindCheckNs: number;
  /** One age/timestamp unit in ns (1 s as the driver assumes: `lastused = jiffies - idle * HZ`). */
  readonly ageUnitNs: number;
  /** MTK_PPE_BIND_AGE0/1 deltas, in age units. */
  readonly ageUdp: number;
  readonly ageTcp: number;
  readonly ageTcpFin: number;
  readonly ageNonL4: number;
  /** MTK_PPE_UNBIND_AGE DELTA and MIN_PACKETS. */
  readonly unbindAge: number;
  readonly unbindMinPackets: number;
}

export const MTK_PPE_TIMERS: PpeTimers = {
  bindRate: 30,
  bindCheckNs: 100e6,
  ageUnitNs: 1e9,
  ageUdp: 12,
  ageTcp: 7,
  ageTcpFin: 1,
  ageNonL4: 1,
  unbindAge: 3,
  unbindMinPackets: 1000,
};

/** A physical port as the engine sees it. */
export interface EnginePort {
  readonly name: string;
  /** GMAC index (0 = GMAC1/GDM1 …), or null when the port is not on the frame engine. */
  readonly gmac: number | null;
  readonly kind?: 'ethernet' | 'wlan';
}

export interface PpeOptions {
  readonly ports?: readonly EnginePort[];
  readonly timers?: Partial<PpeTimers>;
  /** Initial software flow capacity (grows as needed). */
  readonly initialFlows?: number;
}

/** mtk_open(): GMAC3 → PPE2 when there are 3 PPEs, GMAC2 → PPE1 when there are 2, else PPE0. */
export function ppeIndexForGmac(gmac: number, ppeNum: number): number {
  if (ppeNum >= 3 && gmac === 2) return 2;
  if (ppeNum >= 2 && gmac === 1) return 1;
  return 0;
}

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const NO_PORTS: readonly EnginePort[] = [{ name: 'eth0', gmac: 0, kind: 'ethernet' }];

export class MediatekPpe implements HardwareBackend {
  readonly name: string;
  readonly caps: BackendCaps;
  readonly counters = new BackendCounters();
  readonly geometry: PpeGeometry;
  readonly timers: PpeTimers;
  lastCpuReason = 0;

  private readonly ports: readonly EnginePort[];
  /** PPE serving each ingress port, -1 when the port bypasses the engine. */
  private readonly portPpe: Int8Array;
  private readonly ways: number;
  private readonly hashMask: number;
  private readonly totalEntries: number;
  private readonly bucketsPerPpe: number;
  private readonly usable: number;
  private readonly tsMask: number;
  private readonly ageUdpNs: number;
  private readonly ageTcpNs: number;
  private readonly ageFinNs: number;
  private readonly ageNonL4Ns: number;
  private readonly unbindAgeNs: number;
  private readonly winNs: number;

  // --- the hardware FOE table (all PPEs, entry g = ppe * entries + index) ----------------------
  private readonly hwState: Uint8Array;
  private readonly hwStatic: Uint8Array;
  /** Learned tuple per entry, as int32 bit patterns (see poolTuple). */
  private readonly hwKey: Int32Array;
  /** Last hit (the ib1 timestamp, kept in ns; wrapped only when reported). */
  private readonly hwLast: Float64Array;
  /** Start of the current UNBIND age period. */
  private readonly hwBorn: Float64Array;
  /** UNBIND packet counter (ib1 23:8, 16 bits, saturating). */
  private readonly hwPkts: Uint32Array;
  private readonly hwWinStart: Float64Array;
  private readonly hwWinCount: Uint32Array;
  /** Software entry committed into this hardware entry, or -1. */
  private readonly hwSw: Int32Array;
  /** foe_check_time: last driver bind check per entry. */
  private readonly checkTime: Float64Array;
  private nBound = 0;
  private nUnbound = 0;

  // --- the driver's software entries (sw = flowSlot * 2 + dir) ----------------------------------
  private readonly flowIndex: IdMap;
  private flowCap: number;
  private flowId: Float64Array;
  private flowFree: Int32Array;
  private flowFreeTop: number;
  private swLive: Uint8Array;
  private swTuple: Int32Array;
  private swNew: Uint32Array;
  private swPpe: Uint8Array;
  private swBucket: Int32Array;
  private swNext: Int32Array;
  private swPrev: Int32Array;
  /** Hardware entry the flow is committed to, or -1 (the driver's `hash = 0xffff`). */
  private swHash: Int32Array;
  private swMtu: Uint16Array;
  private swOutPort: Int16Array;
  private swPkts: Float64Array;
  private swBytes: Float64Array;
  private swLastHw: Float64Array;
  private readonly bucketHead: Int32Array;
  private nFiled = 0;
  /** Latest virtual time seen (stats() has no `now`). */
  private clock = 0;
  /**
   * An Int32Array view of the last pool's tuple words: int32 loads and compares stay in V8's fast
   * integer representation (uint32 words ≥ 2^31 would be doubles). Re-made only when the pool changes.
   */
  private lastPool: PacketPool | null = null;
  private poolTuple: Int32Array = new Int32Array(0);

  constructor(geometry: PpeGeometry, opts: PpeOptions = {}, name = `mediatek-ppe/${geometry.soc}`, extraCaps: Partial<BackendCaps> = {}) {
    this.name = name;
    this.geometry = geometry;
    this.timers = { ...MTK_PPE_TIMERS, ...opts.timers };
    this.ports = opts.ports && opts.ports.length > 0 ? opts.ports : NO_PORTS;
    const g = geometry;
    this.ways = g.ways;
    this.hashMask = g.entries - 1;
    this.totalEntries = g.entries * g.ppeNum;
    this.bucketsPerPpe = g.entries / g.ways;
    this.tsMask = 2 ** g.timestampBits - 1;
    const t = this.timers;
    this.ageUdpNs = t.ageUdp * t.ageUnitNs;
    this.ageTcpNs = t.ageTcp * t.ageUnitNs;
    this.ageFinNs = t.ageTcpFin * t.ageUnitNs;
    this.ageNonL4Ns = t.ageNonL4 * t.ageUnitNs;
    this.unbindAgeNs = t.unbindAge * t.ageUnitNs;
    this.winNs = 1e9;

    this.portPpe = new Int8Array(this.ports.length);
    for (let i = 0; i < this.ports.length; i++) {
      const p = this.ports[i]!;
      if (p.kind === 'wlan') this.portPpe[i] = g.wed >= 2 ? 0 : -1; // WED v2+ feeds Wi-Fi RX to the PPE
      else this.portPpe[i] = p.gmac === null ? -1 : g.netsys >= 2 ? ppeIndexForGmac(p.gmac, g.ppeNum) : 0;
    }

    const E = this.totalEntries;
    this.hwState = new Uint8Array(E);
    this.hwStatic = new Uint8Array(E);
    this.hwKey = new Int32Array(E * TUPLE_WORDS);
    this.hwLast = new Float64Array(E);
    this.hwBorn = new Float64Array(E);
    this.hwPkts = new Uint32Array(E);
    this.hwWinStart = new Float64Array(E);
    this.hwWinCount = new Uint32Array(E);
    this.hwSw = new Int32Array(E).fill(-1);
    this.checkTime = new Float64Array(E).fill(-Infinity);
    let statics = 0;
    // mtk_ppe_init_foe_table: "skip all entries that cross the 1024 byte boundary" (MT7621).
    for (let p = 0; p < g.ppeNum; p++) {
      for (let i = 0; i < g.entries; i += 128) {
        for (const k of g.staticSkip) {
          this.hwStatic[p * g.entries + i + k] = 1;
          statics++;
        }
      }
    }
    this.usable = E - statics;

    this.bucketHead = new Int32Array(this.bucketsPerPpe * g.ppeNum).fill(-1);
    const cap = Math.max(16, opts.initialFlows ?? 1024);
    this.flowIndex = new IdMap(cap);
    this.flowCap = cap;
    this.flowId = new Float64Array(cap);
    this.flowFree = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.flowFree[i] = cap - 1 - i;
    this.flowFreeTop = cap;
    const S = cap * 2;
    this.swLive = new Uint8Array(S);
    this.swTuple = new Int32Array(S * TUPLE_WORDS);
    this.swNew = new Uint32Array(S * TUPLE_WORDS);
    this.swPpe = new Uint8Array(S);
    this.swBucket = new Int32Array(S).fill(-1);
    this.swNext = new Int32Array(S).fill(-1);
    this.swPrev = new Int32Array(S).fill(-1);
    this.swHash = new Int32Array(S).fill(-1);
    this.swMtu = new Uint16Array(S);
    this.swOutPort = new Int16Array(S);
    this.swPkts = new Float64Array(S);
    this.swBytes = new Float64Array(S);
    this.swLastHw = new Float64Array(S);

    this.caps = {
      families: [4, 6],
      ipv4Nat: true,
      ipv6Nat: false,
      maxVlans: 2,
      pppoe: g.pppoe,
      qinq: false,
      perFlowCounters: g.accounting,
      hwShaping: false,
      wed: g.wed,
      tableSize: this.usable,
      bindRateThreshold: this.timers.bindRate,
      takesFlowtable: true,
      ...extraCaps,
    };
  }

  // ==============================================================================================
  // Driver half: FLOW_CLS_REPLACE / DESTROY / STATS
  // ==============================================================================================

  /** mtk_flow_offload_replace() + mtk_foe_entry_commit(): validate, then file on the bucket list. */
  replace(req: OffloadRequest, now: number): number {
    if (now > this.clock) this.clock = now;
    const code = this.validate(req);
    if (code !== 0) {
      this.counters.refusals[code]!++;
      return code;
    }
    if (this.flowFreeTop === 0) this.growFlows();
    const fs = this.flowFree[--this.flowFreeTop]!;
    this.flowIndex.set(req.flowId, fs);
    this.flowId[fs] = req.flowId;
    const dirs = (req.flags & OFFLOAD_F_BIDIRECTIONAL) !== 0 ? 2 : 1;
    for (let dir = 0; dir < dirs; dir++) this.fileEntry(req, fs * 2 + dir, dir, now);
    this.counters.accepted++;
    return 0;
  }

  /** The checks mtk_flow_offload_replace() makes, in its order. */
  protected validate(req: OffloadRequest): number {
    if (this.flowIndex.get(req.flowId) >= 0) return OffloadRefusal.EXISTS;
    if (req.family !== 4 && req.family !== 6) return OffloadRefusal.UNSUPPORTED_FAMILY;
    if (req.l4proto !== IPPROTO_TCP && req.l4proto !== IPPROTO_UDP) return OffloadRefusal.UNSUPPORTED_PROTOCOL;
    const dirs = (req.flags & OFFLOAD_F_BIDIRECTIONAL) !== 0 ? 2 : 1;
    for (let dir = 0; dir < dirs; dir++) {
      const encap = checkEgressEncap(req, dir, this.geometry.pppoe);
      if (encap !== 0) return encap;
      const mac = checkMacs(req, dir);
      if (mac !== 0) return mac;
      if (req.family === 6 && hasIpv6Nat(req, dir)) return OffloadRefusal.IPV6_NAT;
      const out = req.outPort[dir]!;
      const port = this.ports[out];
      if (port === undefined) return OffloadRefusal.UNSUPPORTED_OUTPUT;
      if (port.kind === 'wlan' ? this.geometry.wed === 0 : port.gmac === null) return OffloadRefusal.UNSUPPORTED_OUTPUT;
    }
    return 0;
  }

  private fileEntry(req: OffloadRequest, sw: number, dir: number, now: number): void {
    const toff = dir * TUPLE_WORDS;
    for (let i = 0; i < TUPLE_WORDS; i++) {
      this.swTuple[sw * TUPLE_WORDS + i] = req.tuple[toff + i]!;
      this.swNew[sw * TUPLE_WORDS + i] = req.rewritten[toff + i]!;
    }
    // The PPE index comes from the ingress device's GMAC on NETSYS v2+ (mac->ppe_idx), else 0.
    const inPort = req.inPort[dir]!;
    const pp = inPort >= 0 && inPort < this.portPpe.length ? this.portPpe[inPort]! : 0;
    const ppe = this.geometry.netsys >= 2 && pp > 0 ? pp : 0;
    const h = mtkPpeHash(this.swTuple, sw * TUPLE_WORDS, this.geometry.hashShift, this.hashMask);
    const bucket = ppe * this.bucketsPerPpe + ((h / this.ways) | 0);
    this.swLive[sw] = 1;
    this.swPpe[sw] = ppe;
    this.swBucket[sw] = bucket;
    this.swHash[sw] = -1;
    this.swMtu[sw] = req.mtu[dir]!;
    this.swOutPort[sw] = req.outPort[dir]!;
    this.swPkts[sw] = 0;
    this.swBytes[sw] = 0;
    this.swLastHw[sw] = now;
    // hlist_add_head(&entry->list, &ppe->foe_flow[hash / hash_offset])
    const head = this.bucketHead[bucket]!;
    this.swNext[sw] = head;
    this.swPrev[sw] = -1;
    if (head >= 0) this.swPrev[head] = sw;
    this.bucketHead[bucket] = sw;
    this.nFiled++;
  }

  /** mtk_flow_offload_destroy() → __mtk_foe_entry_clear(): hardware entry INVALID, list unlink. */
  destroy(flowId: number): void {
    const fs = this.flowIndex.get(flowId);
    if (fs < 0) return;
    for (let sw = fs * 2; sw <= fs * 2 + 1; sw++) {
      if (this.swLive[sw] !== 1) continue;
      const g = this.swHash[sw]!;
      if (g >= 0 && this.hwSw[g] === sw) {
        if (this.hwState[g] === FOE_STATE_BIND) this.counters.unbinds++;
        this.setState(g, FOE_STATE_INVALID);
        this.hwSw[g] = -1;
      }
      const prev = this.swPrev[sw]!;
      const next = this.swNext[sw]!;
      if (prev >= 0) this.swNext[prev] = next;
      else this.bucketHead[this.swBucket[sw]!] = next;
      if (next >= 0) this.swPrev[next] = prev;
      this.swLive[sw] = 0;
      this.swHash[sw] = -1;
      this.nFiled--;
    }
    this.flowIndex.delete(flowId);
    this.flowFree[this.flowFreeTop++] = fs;
    this.counters.destroyed++;
  }

  /**
   * mtk_flow_offload_stats(): packets/bytes from the MIB when the SoC has accounting; lastused from
   * the entry's idle time, computed like __mtk_foe_entry_idle_time() on the wrapped timestamp (8 bits
   * on NETSYS v2/v3: a flow idle 300 s reads as idle 44 s).
   */
  stats(flowId: number, out: Float64Array): boolean {
    const fs = this.flowIndex.get(flowId);
    if (fs < 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = -1;
      return false;
    }
    const unit = this.timers.ageUnitNs;
    const nowTick = Math.floor(this.clock / unit);
    let last = -1;
    let pk = 0;
    let by = 0;
    for (let sw = fs * 2; sw <= fs * 2 + 1; sw++) {
      if (this.swLive[sw] !== 1) continue;
      const ts = Math.floor(this.swLastHw[sw]! / unit) & this.tsMask;
      const nowTs = nowTick & this.tsMask;
      const idle = ts > nowTs ? this.tsMask + 1 - ts + nowTs : nowTs - ts;
      const lu = this.clock - idle * unit;
      if (lu > last) last = lu;
      pk += this.swPkts[sw]!;
      by += this.swBytes[sw]!;
      if (out.length >= 7) {
        const o = 3 + (sw & 1) * 2;
        out[o] = this.geometry.accounting ? this.swPkts[sw]! : 0;
        out[o + 1] = this.geometry.accounting ? this.swBytes[sw]! : 0;
      }
    }
    const acct = this.geometry.accounting;
    out[0] = acct ? pk : 0;
    out[1] = acct ? by : 0;
    out[2] = last;
    return acct;
  }

  // ==============================================================================================
  // Hardware half: the packet engine
  // ==============================================================================================

  /** The FOE table (8K entries per PPE) stays in cache: no look-ahead. */
  warmIndex(_pool: PacketPool, _slot: number, _inPort: number): number {
    return -1;
  }

  warmRecord(_handle: number): number {
    return -1;
  }

  rxLookup(pool: PacketPool, slot: number, inPort: number, now: number): number {
    if (now > this.clock) this.clock = now;
    const ppe = inPort >= 0 && inPort < this.portPpe.length ? this.portPpe[inPort]! : -1;
    if (ppe < 0) return this.punt(CpuReason.PPE_BYPASS);
    const l3proto = pool.l3proto[slot]!;
    if (l3proto !== 0x0800 && l3proto !== 0x86dd) return this.punt(CpuReason.NO_FLOW);
    const pf = pool.pflags[slot]!;
    if ((pf & PF_FRAGMENT) !== 0) return this.punt(CpuReason.IPV4_FRAG);
    if ((pf & PF_IP_OPTIONS) !== 0) return this.punt(CpuReason.OPTION_HEADER);
    if (pool !== this.lastPool) {
      this.lastPool = pool;
      this.poolTuple = new Int32Array(pool.tuple.buffer, pool.tuple.byteOffset, pool.tuple.length);
    }
    const tuple = this.poolTuple;
    const toff = slot * TUPLE_WORDS;
    const proto = tuple[toff + T_PROTO]! & 0xff;
    // The driver only ever binds HNAPT / IPv6 5T entries (TCP/UDP); anything else stays on the CPU.
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return this.punt(CpuReason.NO_FLOW);
    const frame = pool.frameStart(slot);
    const tcpFlags = proto === IPPROTO_TCP ? pool.bytes[frame + pool.l4off[slot]! + 13]! : 0;

    const h = mtkPpeHash(tuple, toff, this.geometry.hashShift, this.hashMask);
    const base = ppe * this.geometry.entries + h;
    const key = this.hwKey;
    const state = this.hwState;
    const ways = this.ways;
    // Find the way holding this tuple (INVALID and STATIC ways hold nothing: their state is 0 or
    // they are skipped), then apply aging to that way only; on a miss, age the others to find room.
    let match = -1;
    const t0 = tuple[toff]!, t4 = tuple[toff + 4]!, t8 = tuple[toff + 8]!, t9 = tuple[toff + 9]!;
    for (let w = 0; w < ways; w++) {
      const g = base + w;
      if (state[g] === FOE_STATE_INVALID) continue;
      const k = g * TUPLE_WORDS;
      if (key[k] === t0 && key[k + 4] === t4 && key[k + 8] === t8 && key[k + 9] === t9 &&
          key[k + 1] === tuple[toff + 1] && key[k + 2] === tuple[toff + 2] && key[k + 3] === tuple[toff + 3] &&
          key[k + 5] === tuple[toff + 5] && key[k + 6] === tuple[toff + 6] && key[k + 7] === tuple[toff + 7]) {
        match = g;
        break;
      }
    }
    if (match >= 0 && this.age(match, now) === FOE_STATE_INVALID) match = -1;
    let free = -1;
    if (match < 0) {
      for (let w = 0; w < ways; w++) {
        const g = base + w;
        if (this.hwStatic[g] === 1) continue;
        if (state[g] !== FOE_STATE_INVALID && this.age(g, now) !== FOE_STATE_INVALID) continue;
        free = g;
        break;
      }
    }

    if (match < 0) {
      // The PPE sends TCP FIN/SYN/RST to the CPU before it would learn anything.
      if ((tcpFlags & (TCP_FIN | TCP_SYN | TCP_RST)) !== 0) return this.punt(CpuReason.TCP_FIN_SYN_RST);
      if (free >= 0) this.build(free, tuple, toff, now);
      else this.counters.collisionsLost++;
      return this.punt(CpuReason.UN_HIT);
    }

    const st = this.hwState[match]!;
    if (st === FOE_STATE_BIND) {
      if ((tcpFlags & (TCP_FIN | TCP_SYN | TCP_RST)) !== 0) {
        // A bound TCP entry seeing FIN/RST/SYN hands the packet to the CPU and leaves BIND; it ages
        // out with the TCP_FIN delta (1 unit). [inferred from CPU reason HIT_BIND_TCP_FIN and AGE1]
        this.setState(match, FOE_STATE_FIN);
        this.hwLast[match] = now;
        this.counters.unbinds++;
        return this.punt(CpuReason.HIT_BIND_TCP_FIN);
      }
      const sw = this.hwSw[match]!;
      const l3off = pool.l3off[slot]!;
      const ttl = l3proto === 0x0800 ? pool.bytes[frame + l3off + 8]! : pool.bytes[frame + l3off + 7]!;
      if (ttl <= 1) return this.punt(CpuReason.HIT_TTL_1);
      const len = pool.len[slot]!;
      if (sw >= 0 && len - l3off > this.swMtu[sw]!) return this.punt(CpuReason.EXCEED_MTU);
      this.hwLast[match] = now;
      if (sw < 0) return this.punt(CpuReason.HIT_BIND_FORCE_CPU); // cannot happen: BIND is set only by a commit
      this.swPkts[sw] = this.swPkts[sw]! + 1;
      this.swBytes[sw] = this.swBytes[sw]! + len;
      this.swLastHw[sw] = now;
      this.counters.hwPackets++;
      this.counters.hwBytes += len;
      this.lastCpuReason = CpuReason.NONE;
      return this.flowId[sw >> 1]! * 2 + (sw & 1);
    }
    if (st === FOE_STATE_FIN) {
      this.hwLast[match] = now;
      return this.punt(CpuReason.HIT_BIND_TCP_FIN);
    }
    // UNBIND: count the packet rate.
    if ((tcpFlags & (TCP_FIN | TCP_SYN | TCP_RST)) !== 0) return this.punt(CpuReason.TCP_FIN_SYN_RST);
    this.hwLast[match] = now;
    if (this.hwPkts[match]! < 0xffff) this.hwPkts[match] = this.hwPkts[match]! + 1;
    if (now - this.hwWinStart[match]! >= this.winNs) {
      this.hwWinStart[match] = now;
      this.hwWinCount[match] = 0;
    }
    const c = this.hwWinCount[match]! + 1;
    this.hwWinCount[match] = c;
    if (c < this.timers.bindRate) return this.punt(CpuReason.HIT_UNBIND);
    this.punt(CpuReason.HIT_UNBIND_RATE_REACHED);
    this.checkSkb(match, now);
    return -1;
  }

  private punt(reason: number): number {
    this.lastCpuReason = reason;
    this.counters.cpuReasons[reason]!++;
    return -1;
  }

  /** SEARCH_MISS = FORWARD_BUILD: the PPE writes an UNBIND entry for the missed tuple. */
  private build(g: number, tuple: Int32Array, toff: number, now: number): void {
    const k = g * TUPLE_WORDS;
    for (let i = 0; i < TUPLE_WORDS; i++) this.hwKey[k + i] = tuple[toff + i]!;
    this.unlinkSw(g);
    this.setState(g, FOE_STATE_UNBIND);
    this.hwLast[g] = now;
    this.hwBorn[g] = now;
    this.hwPkts[g] = 1;
    this.hwWinStart[g] = now;
    this.hwWinCount[g] = 1;
    this.counters.learned++;
  }

  /**
   * mtk_ppe_check_skb() + __mtk_ppe_check_skb(): at most once per 100 ms per entry, bind the first
   * software flow on the bucket list whose tuple matches the hardware entry (mtk_flow_entry_match
   * compares the UDP bit and the tuple; flowsim's tuple word 9 carries the protocol).
   */
  private checkSkb(g: number, now: number): void {
    if (now - this.checkTime[g]! < this.timers.bindCheckNs) {
      this.counters.bindChecksRateLimited++;
      return;
    }
    this.checkTime[g] = now;
    this.counters.bindChecks++;
    if (this.hwState[g] === FOE_STATE_BIND) return;
    const bucket = (g / this.ways) | 0;
    const k = g * TUPLE_WORDS;
    for (let sw = this.bucketHead[bucket]!; sw >= 0; sw = this.swNext[sw]!) {
      const s = sw * TUPLE_WORDS;
      let eq = true;
      for (let i = 0; i < TUPLE_WORDS; i++) {
        if (this.swTuple[s + i] !== this.hwKey[k + i]) {
          eq = false;
          break;
        }
      }
      if (!eq) continue;
      // __mtk_foe_entry_commit(): copy the driver's entry, state BIND, current timestamp.
      const old = this.swHash[sw]!;
      if (old >= 0 && old !== g && this.hwSw[old] === sw) this.hwSw[old] = -1;
      this.unlinkSw(g);
      this.swHash[sw] = g;
      this.hwSw[g] = sw;
      this.setState(g, FOE_STATE_BIND);
      this.hwLast[g] = now;
      this.counters.binds++;
      return;
    }
    this.counters.bindNoFlow++;
  }

  /** Forget the link between hardware entry g and the software flow committed to it. */
  private unlinkSw(g: number): void {
    const sw = this.hwSw[g]!;
    if (sw >= 0) {
      if (this.swHash[sw] === g) this.swHash[sw] = -1;
      this.hwSw[g] = -1;
    }
  }

  /**
   * The PPE's age scan for one entry (TB_CFG AGE_* enabled for NON_L4, UNBIND, TCP, UDP, TCP_FIN):
   * BIND idle ≥ its protocol's delta → UNBIND (the flow stays in software and can rebind);
   * FIN idle ≥ TCP_FIN delta → UNBIND; UNBIND idle ≥ UNBIND_AGE, or older than UNBIND_AGE with
   * fewer than MIN_PACKETS packets → INVALID. Returns the state after aging.
   */
  private age(g: number, now: number): number {
    const st = this.hwState[g]!;
    const idle = now - this.hwLast[g]!;
    if (st === FOE_STATE_BIND || st === FOE_STATE_FIN) {
      let limit: number;
      if (st === FOE_STATE_FIN) limit = this.ageFinNs;
      else {
        const proto = this.hwKey[g * TUPLE_WORDS + T_PROTO]! & 0xff;
        limit = proto === IPPROTO_UDP ? this.ageUdpNs : proto === IPPROTO_TCP ? this.ageTcpNs : this.ageNonL4Ns;
      }
      if (idle < limit) return st;
      if (st === FOE_STATE_BIND) {
        this.counters.agedOut++;
        this.counters.unbinds++;
      }
      // Back to UNBIND with a fresh unbind timestamp and packet count: it ages as a new UNBIND entry.
      this.setState(g, FOE_STATE_UNBIND);
      this.hwLast[g] = now;
      this.hwBorn[g] = now;
      this.hwPkts[g] = 0;
      this.hwWinStart[g] = now;
      this.hwWinCount[g] = 0;
      return FOE_STATE_UNBIND;
    }
    if (st === FOE_STATE_UNBIND) {
      if (idle >= this.unbindAgeNs || (now - this.hwBorn[g]! >= this.unbindAgeNs && this.hwPkts[g]! < this.timers.unbindMinPackets)) {
        this.unlinkSw(g);
        this.setState(g, FOE_STATE_INVALID);
        return FOE_STATE_INVALID;
      }
    }
    return st;
  }

  private setState(g: number, st: number): void {
    const old = this.hwState[g]!;
    if (old === FOE_STATE_BIND) this.nBound--;
    else if (old !== FOE_STATE_INVALID) this.nUnbound--;
    if (st === FOE_STATE_BIND) this.nBound++;
    else if (st !== FOE_STATE_INVALID) this.nUnbound++;
    this.hwState[g] = st;
  }

  /** The hardware's periodic age scan over the whole table. */
  tick(now: number): void {
    if (now > this.clock) this.clock = now;
    for (let g = 0; g < this.totalEntries; g++) if (this.hwState[g] !== FOE_STATE_INVALID) this.age(g, now);
  }

  occupancy(): Occupancy {
    return { bound: this.nBound, unbound: this.nUnbound, filed: this.nFiled, capacity: this.usable };
  }

  entries(flowId: number): FlowPlacement[] {
    const fs = this.flowIndex.get(flowId);
    const out: FlowPlacement[] = [];
    if (fs < 0) return out;
    for (let sw = fs * 2; sw <= fs * 2 + 1; sw++) {
      if (this.swLive[sw] !== 1) continue;
      const ppe = this.swPpe[sw]!;
      const bucketGlobal = this.swBucket[sw]!;
      const bucket = bucketGlobal - ppe * this.bucketsPerPpe;
      const g = this.swHash[sw]!;
      if (g >= 0 && this.hwSw[g] === sw && this.hwState[g] === FOE_STATE_BIND) {
        out.push({ dir: sw & 1, engine: ppe, bucket, way: g % this.ways, state: 'BIND', why: '' });
        continue;
      }
      // Look for the hardware's view of the same tuple in the bucket.
      let found = -1;
      let occupied = 0;
      const base = bucketGlobal * this.ways;
      for (let w = 0; w < this.ways; w++) {
        const e = base + w;
        if (this.hwStatic[e] === 1 || this.hwState[e] !== FOE_STATE_INVALID) occupied++;
        if (this.hwState[e] === FOE_STATE_INVALID) continue;
        let eq = true;
        for (let i = 0; i < TUPLE_WORDS; i++) if (this.hwKey[e * TUPLE_WORDS + i] !== this.swTuple[sw * TUPLE_WORDS + i]) { eq = false; break; }
        if (eq) found = e;
      }
      if (found >= 0) {
        const st = this.hwState[found]!;
        const why = st === FOE_STATE_FIN ? 'TCP FIN/RST seen, waiting to age out'
          : this.hwWinCount[found]! < this.timers.bindRate ? `below bind rate (${this.hwWinCount[found]} of ${this.timers.bindRate} packets this second)`
          : 'bind rate reached, waiting for the driver bind check (100 ms limit)';
        out.push({ dir: sw & 1, engine: ppe, bucket, way: found % this.ways, state: STATE_NAMES[st]!, why });
      } else {
        const why = occupied >= this.ways ? `bucket full (${this.ways} ways taken): the flow stays on the software fast path` : 'not seen by the PPE yet';
        out.push({ dir: sw & 1, engine: ppe, bucket, way: -1, state: 'software', why });
      }
    }
    return out;
  }

  describe(): string {
    const g = this.geometry;
    const t = this.timers;
    const lines = [
      `${this.name}: MediaTek PPE, NETSYS v${g.netsys}${g.mainline ? '' : ' (driver not in mainline)'}`,
      `  ${g.ppeNum} PPE × ${g.entries} entries = ${g.entries / g.ways} buckets × ${g.ways} ways each; ${this.usable} usable; ${g.entryBytes}-byte entries`,
      `  ports: ${this.ports.map((p, i) => `${p.name}→${this.portPpe[i]! < 0 ? 'no PPE' : `PPE${this.portPpe[i]}`}`).join(', ')}`,
      `  hash: mtk_ppe_hash_entry over the pre-NAT tuple, << ${g.hashShift}, & ${this.hashMask}`,
      `  lazy binding: flows are filed in software; the PPE binds a flow once it reaches ${t.bindRate} packets/s (driver check at most every ${t.bindCheckNs / 1e6} ms per entry)`,
      `  aging (units of ${t.ageUnitNs / 1e9} s): UDP ${t.ageUdp}, TCP ${t.ageTcp}, TCP FIN ${t.ageTcpFin}, non-L4 ${t.ageNonL4}, unbound ${t.unbindAge}; ${g.timestampBits}-bit timestamp (wraps every ${(this.tsMask + 1) * t.ageUnitNs / 1e9} s)`,
      `  per-flow counters: ${g.accounting ? 'yes (MIB)' : 'no (only last-used time)'}; WED Wi-Fi offload: ${g.wed ? `v${g.wed}${g.wed === 1 ? ' (Ethernet→WLAN only)' : ''}` : 'no'}; hardware shaping: no (only QDMA queue selection)`,
      `  refuses: non-TCP/UDP, IPv6 NAT, 802.1ad, >2 VLANs or VLAN+VLAN+PPPoE, non-MediaTek DSA tags, invalid MACs`,
      `  source: ${g.source}`,
    ];
    return lines.join('\n');
  }

  /** Hardware entry state at (ppe, index) — for tests and `flowsim` debug views (like debugfs ppe0/all). */
  entryState(ppe: number, index: number): number {
    return this.hwState[ppe * this.geometry.entries + index]!;
  }

  private growFlows(): void {
    const old = this.flowCap;
    const cap = old * 2;
    const S = cap * 2;
    this.flowId = growF64(this.flowId, cap);
    this.flowFree = growI32(this.flowFree, cap, 0);
    for (let i = old; i < cap; i++) this.flowFree[this.flowFreeTop++] = cap - 1 - (i - old);
    this.swLive = growU8(this.swLive, S);
    this.swTuple = growI32(this.swTuple, S * TUPLE_WORDS, 0);
    this.swNew = growU32(this.swNew, S * TUPLE_WORDS);
    this.swPpe = growU8(this.swPpe, S);
    this.swBucket = growI32(this.swBucket, S, -1);
    this.swNext = growI32(this.swNext, S, -1);
    this.swPrev = growI32(this.swPrev, S, -1);
    this.swHash = growI32(this.swHash, S, -1);
    this.swMtu = growU16(this.swMtu, S);
    this.swOutPort = growI16(this.swOutPort, S);
    this.swPkts = growF64(this.swPkts, S);
    this.swBytes = growF64(this.swBytes, S);
    this.swLastHw = growF64(this.swLastHw, S);
    this.flowCap = cap;
  }
}
