/**
 * The flow table: one fixed-size record per flow holding both direction entries, and an
 * open-addressing hash over the two direction keys, as the kernel's rhashtable holds both
 * `tuplehash[ORIGINAL]` and `tuplehash[REPLY]` of each `struct flow_offload`
 * (nf_flow_table_core.c: flow_offload_add).
 *
 * ## A flow is its connection's extension
 * Every flow belongs to exactly one conntrack entry (flow_offload_alloc takes a reference on the
 * ct) and a connection is in at most one flowtable (IPS_OFFLOAD), so the flow id *is* the
 * conntrack entry index, and a flow's two tuples are read from the connection's record in the
 * conntrack table (`tuples`, `tupleStride` words per entry) rather than copied: a conntrack tuple
 * never changes once the entry is confirmed, and only confirmed entries are offloaded. The kernel
 * copies them into `struct flow_offload`; sharing them saves 80 bytes per flow. The cost is a
 * lifetime rule the kernel gets from its refcount: conntrack must keep a killed entry's record
 * while a flow still uses it (ConntrackTable.holdFlow / releaseFlow). A lookup reads the index
 * slot, then the tuple (conntrack record) and the route (flow record) — two loads that do not
 * depend on each other, since both are found from the entry id.
 *
 * ## Record layout (32-bit words, FLOW_STRIDE per flow; `timeout` is a float64 over words 0–1)
 *
 *     0–1  timeout (virtual ns)      2  conntrack handle
 *     3    meta: flags | ft << 10 | used << 13 | direct(ORIGINAL) << 14 | direct(REPLY) << 15 | gen << 16
 *     4–13  ORIGINAL direction entry       14–23  REPLY direction entry
 *
 * and within a direction entry (DIR_WORDS):
 *
 *     0  input ifindex << 16 | mtu   1–2 input encapsulation   3 key hash
 *     4  outIf << 16 | outPort   5 dstMacHi << 16 | srcMacHi   6 dstMacLo   7 srcMacLo
 *     8–9  output encapsulation
 *
 * The key of entry `e = flow * 2 + dir` is the connection's tuple for `dir`, the input ifindex and
 * the two input encapsulation words. A generation per flow id (bumped on removal) lets queued work
 * detect a flow that was removed and re-added meanwhile.
 *
 * ## Index
 * Linear probing over an Int32Array (load ≤ 0.5 at capacity); a slot holds `tag | (entry + 1)`,
 * the tag being the top bits of the key hash, so a probe that meets another key rarely touches its
 * record. The hash is keyed with a per-table seed (the rhashtable's random seed), so crafted tuples
 * cannot pile into one bucket. Deletion uses backward shift (no tombstones), so lookups never
 * degrade after churn.
 */
import { fmix32, mix } from '../conntrack/hash.ts';
import { TUPLE_WORDS } from '../wire/tuple.ts';
import { FLOW_OFFLOAD_XMIT_DIRECT, FLOW_OFFLOAD_XMIT_NEIGH, K_ENCAP0, K_ENCAP1, K_IIF, NF_FLOW_TEARDOWN, type FlowRouteDir } from './types.ts';

/** Words per flow record. */
export const FLOW_STRIDE = 24;
const R_CT = 2;
const R_META = 3;
/** Word offset of the ORIGINAL entry in a record; REPLY follows at + DIR_WORDS. */
const R_DIR0 = 4;
export const DIR_WORDS = 10;
const D_IIF_MTU = 0;
const D_ENC0 = 1;
const D_ENC1 = 2;
const D_HASH = 3;
const D_OUT = 4;
const D_MAC_HI = 5;
const D_DST_LO = 6;
const D_SRC_LO = 7;
const D_OENC0 = 8;
const D_OENC1 = 9;

const META_FLAGS = 0x3ff;
const META_FT_SHIFT = 10;
const META_USED = 1 << 13;
/** Bit of entry `dir`'s transmit type in meta: set = DIRECT, clear = NEIGH. */
const META_DIRECT_SHIFT = 14;

export class FlowTable {
  /** Flow ids are [0, capacity): the conntrack table's entry indexes. */
  readonly capacity: number;
  /** The records as 32-bit words. */
  readonly u: Uint32Array;
  /** The same memory as float64 (the timeout of flow f is `f64[f * FLOW_STRIDE / 2]`). */
  private readonly f64: Float64Array;
  /**
   * The connections' records, where the tuples are: entry `e`'s tuple is the TUPLE_WORDS words at
   * `tupleBase(e)` (the conntrack table's `tuples`, or a caller's store of the same layout).
   */
  readonly tuples: Uint32Array;
  private readonly tupleStride: number;

  private readonly index: Int32Array; // tag | (entry + 1), 0 = empty
  private readonly mask: number;
  /** Bits of a slot that hold entry + 1; the rest is the hash tag. */
  private readonly tagMask: number;
  private readonly seed: number;
  count = 0;

  /**
   * `tuples`/`tupleStride`: the store holding flow f's ORIGINAL tuple at `f * tupleStride` and its
   * REPLY tuple TUPLE_WORDS further; `capacity` flow ids fit in it.
   */
  constructor(capacity: number, seed: number, tuples: Uint32Array, tupleStride: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('flow table capacity must be a positive integer');
    if (tupleStride < 2 * TUPLE_WORDS || tuples.length < capacity * tupleStride) throw new RangeError('flow table: the tuple store must hold two tuples per flow id');
    this.capacity = capacity;
    this.tuples = tuples;
    this.tupleStride = tupleStride;
    const buf = new ArrayBuffer(capacity * FLOW_STRIDE * 4);
    this.u = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    for (let f = 0; f < capacity; f++) this.u[f * FLOW_STRIDE + R_CT] = 0xffffffff;
    const entries = capacity * 2;
    let size = 16;
    while (size < entries * 2) size *= 2; // load factor ≤ 0.5
    this.index = new Int32Array(size);
    this.mask = size - 1;
    let ebits = 1;
    while ((1 << ebits) <= entries) ebits++;
    this.tagMask = ebits >= 31 ? 0 : ~((1 << ebits) - 1);
    this.seed = seed >>> 0;
  }

  /** Bytes of typed-array memory this table holds (the tuples are the conntrack table's). */
  get memoryBytes(): number {
    return this.u.byteLength + this.index.byteLength;
  }

  // --- per flow ---------------------------------------------------------------------------------

  inUse(flow: number): boolean {
    return (this.u[flow * FLOW_STRIDE + R_META]! & META_USED) !== 0;
  }

  /** NF_FLOW_* bits. */
  flags(flow: number): number {
    return this.u[flow * FLOW_STRIDE + R_META]! & META_FLAGS;
  }

  setFlags(flow: number, flags: number): void {
    const m = flow * FLOW_STRIDE + R_META;
    this.u[m] = (this.u[m]! & ~META_FLAGS) | (flags & META_FLAGS);
  }

  /** Generation of the flow id (bumped when the flow is freed). */
  gen(flow: number): number {
    return this.u[flow * FLOW_STRIDE + R_META]! >>> 16;
  }

  /** Index of the flowtable (ruleset object) the flow belongs to. */
  flowtableIndex(flow: number): number {
    return (this.u[flow * FLOW_STRIDE + R_META]! >>> META_FT_SHIFT) & 7;
  }

  /** The conntrack handle of the flow (-1 when free). */
  ct(flow: number): number {
    return this.u[flow * FLOW_STRIDE + R_CT]! | 0;
  }

  timeout(flow: number): number {
    return this.f64[(flow * FLOW_STRIDE) >> 1]!;
  }

  setTimeout(flow: number, t: number): void {
    this.f64[(flow * FLOW_STRIDE) >> 1] = t;
  }

  /** Layer-4 protocol of the flow. */
  l4proto(flow: number): number {
    return this.tuples[flow * this.tupleStride + 9]! & 0xff;
  }

  // --- per direction entry (e = flow * 2 + dir) -------------------------------------------------
  // Words that can exceed 2^31 (MAC low words, encapsulation words) are returned as int32: a uint32
  // that large returned from a function that is not inlined is boxed, one allocation per packet.

  /** Offset in `tuples` of entry `e`'s tuple (its connection's tuple for the entry's direction). */
  tupleBase(e: number): number {
    return (e >> 1) * this.tupleStride + (e & 1) * TUPLE_WORDS;
  }

  /** Word offset in `u` of entry `e`'s direction fields. */
  private entryBase(e: number): number {
    return (e >> 1) * FLOW_STRIDE + R_DIR0 + (e & 1) * DIR_WORDS;
  }

  /** ifindex the entry's packets arrive on (key part: tuple.iifidx). */
  iif(e: number): number {
    return this.u[this.entryBase(e) + D_IIF_MTU]! >>> 16;
  }

  inEncap0(e: number): number {
    return this.u[this.entryBase(e) + D_ENC0]! | 0;
  }

  inEncap1(e: number): number {
    return this.u[this.entryBase(e) + D_ENC1]! | 0;
  }

  xmit(e: number): number {
    return (this.u[(e >> 1) * FLOW_STRIDE + R_META]! >>> (META_DIRECT_SHIFT + (e & 1))) & 1 ? FLOW_OFFLOAD_XMIT_DIRECT : FLOW_OFFLOAD_XMIT_NEIGH;
  }

  mtu(e: number): number {
    return this.u[this.entryBase(e) + D_IIF_MTU]! & 0xffff;
  }

  outIf(e: number): number {
    return this.u[this.entryBase(e) + D_OUT]! >>> 16;
  }

  outPort(e: number): number {
    return this.u[this.entryBase(e) + D_OUT]! & 0xffff;
  }

  dstMacHi(e: number): number {
    return this.u[this.entryBase(e) + D_MAC_HI]! >>> 16;
  }

  srcMacHi(e: number): number {
    return this.u[this.entryBase(e) + D_MAC_HI]! & 0xffff;
  }

  dstMacLo(e: number): number {
    return this.u[this.entryBase(e) + D_DST_LO]! | 0;
  }

  srcMacLo(e: number): number {
    return this.u[this.entryBase(e) + D_SRC_LO]! | 0;
  }

  outEncap0(e: number): number {
    return this.u[this.entryBase(e) + D_OENC0]! | 0;
  }

  outEncap1(e: number): number {
    return this.u[this.entryBase(e) + D_OENC1]! | 0;
  }

  // --- hash and lookup --------------------------------------------------------------------------

  /**
   * Seeded hash of a key: the tuple at `a[off..off+10)`, the input device and two encapsulation
   * words; models flow_offload_hash (jhash over the key). An IPv4 tuple's address blocks hold one
   * word each (the rest is zero), so only its four meaningful words are mixed.
   */
  hashOf(a: Uint32Array, off: number, iif: number, enc0: number, enc1: number): number {
    let h = this.seed ^ 0x9e3779b9;
    const proto = a[off + 9]!;
    h = mix(h, proto);
    h = mix(h, a[off + 8]!);
    h = mix(h, a[off]!);
    h = mix(h, a[off + 4]!);
    if (proto >>> 8 !== 4) {
      for (let i = 1; i < 4; i++) {
        h = mix(h, a[off + i]!);
        h = mix(h, a[off + 4 + i]!);
      }
    }
    h = mix(h, iif);
    h = mix(h, enc0);
    h = mix(h, enc1);
    return fmix32(h);
  }

  /**
   * Finds the entry whose key is the tuple `a[off..off+10)` arriving on `iif` with encapsulation
   * `enc0/enc1`; returns `flow*2+dir` or -1. Models flow_offload_lookup (rhashtable_lookup; the
   * TEARDOWN and dying checks are the caller's). A key can be in the table twice — a torn-down
   * flow not yet collected and the flow of a connection reopened on the same ports, which the
   * kernel inserts at the bucket's head — and the live one is found first; a torn-down one is
   * returned only when there is no other.
   */
  lookupTuple(a: Uint32Array, off: number, iif: number, enc0: number, enc1: number): number {
    return this.lookupHashed(a, off, iif, enc0, enc1, this.hashOf(a, off, iif, enc0 | 0, enc1 | 0));
  }

  /** `lookupTuple` with the key's hash (`hashOf`) already computed. */
  lookupHashed(a: Uint32Array, off: number, iif: number, enc0: number, enc1: number, h: number): number {
    // Encapsulation words compare as int32 (encapWord); the record holds them as uint32.
    enc0 |= 0;
    enc1 |= 0;
    const tag = h & this.tagMask;
    const index = this.index;
    const mask = this.mask;
    const tagMask = this.tagMask;
    const u = this.u;
    const tw = this.tuples;
    const stride = this.tupleStride;
    let i = h & mask;
    let tornDown = -1;
    for (;;) {
      const v = index[i]!;
      if (v === 0) return tornDown;
      if ((v & tagMask) === tag) {
        const e = (v & ~tagMask) - 1;
        const k = (e >> 1) * stride + (e & 1) * TUPLE_WORDS;
        const r = (e >> 1) * FLOW_STRIDE + R_DIR0 + (e & 1) * DIR_WORDS;
        // Most discriminating words first: ports, addresses, then the rest.
        if (tw[k + 8] === a[off + 8] && tw[k] === a[off] && tw[k + 4] === a[off + 4] && tw[k + 9] === a[off + 9] &&
          u[r + D_IIF_MTU]! >>> 16 === iif && (u[r + D_ENC0]! | 0) === enc0 && (u[r + D_ENC1]! | 0) === enc1 &&
          tw[k + 1] === a[off + 1] && tw[k + 2] === a[off + 2] && tw[k + 3] === a[off + 3] &&
          tw[k + 5] === a[off + 5] && tw[k + 6] === a[off + 6] && tw[k + 7] === a[off + 7]) {
          if ((u[(e >> 1) * FLOW_STRIDE + R_META]! & NF_FLOW_TEARDOWN) === 0) return e;
          if (tornDown < 0) tornDown = e;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * First half of a burst's look-ahead (see Router.receiveBurst): reads the home index slot of a
   * key's hash (`hashOf`), so that line is in cache when the packet is processed. Returns the
   * slot's content, for `warmRecord`. Changes nothing.
   */
  warmIndex(h: number): number {
    return this.index[h & this.mask]!;
  }

  /**
   * Second half: reads the lines of the entry `warmIndex` found (its key and route, the flow's
   * flags, timeout and conntrack handle); returns that handle (for ConntrackTable.warm), or -1.
   */
  warmRecord(slotValue: number): number {
    if (slotValue === 0) return -1;
    return this.warmEntry((slotValue & ~this.tagMask) - 1);
  }

  /** Entries read by the look-ahead (a sink, so the reads are not optimised away). */
  warmAcc = 0;

  /** Reads the lines a fast-path hit on entry `e` uses; returns the flow's conntrack handle. */
  warmEntry(e: number): number {
    const b = (e >> 1) * FLOW_STRIDE;
    const r = b + R_DIR0 + (e & 1) * DIR_WORDS;
    const k = (e >> 1) * this.tupleStride;
    const u = this.u, tw = this.tuples;
    // Every line a hit reads: in the flow record, its head (flags, timeout, ct) and this
    // direction's route (first and last word: the entry may straddle two lines); in the
    // connection's record, both tuples (the key, and the other direction's tuple, from which the
    // NAT rewrite takes the new addresses and ports): 80 bytes on up to three lines, so the first,
    // middle and last word.
    this.warmAcc ^= u[r]! ^ u[r + DIR_WORDS - 1]! ^ tw[k]! ^ tw[k + TUPLE_WORDS]! ^ tw[k + 2 * TUPLE_WORDS - 1]!;
    return u[b + R_CT]! | 0;
  }

  /** `lookupTuple` for a whole key of FLOW_KEY_WORDS words at `k[off..]` (tuple, iif, encaps). */
  lookup(k: Uint32Array, off: number): number {
    return this.lookupTuple(k, off, k[off + K_IIF]!, k[off + K_ENCAP0]!, k[off + K_ENCAP1]!);
  }

  /**
   * Adds flow `flow` (the connection's entry index: its tuples are already in `tuples`) with the
   * routes of both directions; returns `flow`, or -1 when the id is in use or a live flow has one
   * of its keys. flow_offload_add inserts with rhashtable_insert_fast, which compares no keys: a
   * torn-down flow still in the table does not stop the flow of a connection reopened on the
   * same ports (a live duplicate cannot arise: conntrack keeps tuples unique and `flow add`
   * refuses an offloaded connection).
   */
  add(flow: number, routes: readonly [FlowRouteDir, FlowRouteDir], ct: number, flags: number, timeout: number, flowtableIndex: number): number {
    if (flow < 0 || flow >= this.capacity || this.inUse(flow)) return -1;
    const tw = this.tuples;
    for (let dir = 0; dir < 2; dir++) {
      const r = routes[dir]!;
      const e = this.lookupTuple(tw, this.tupleBase(flow * 2 + dir), r.inIf, r.inEncap0, r.inEncap1);
      if (e >= 0 && (this.flags(e >> 1) & NF_FLOW_TEARDOWN) === 0) return -1;
    }
    const u = this.u;
    let direct = 0;
    for (let dir = 0; dir < 2; dir++) {
      const e = flow * 2 + dir;
      const k = this.entryBase(e);
      const r = routes[dir]!;
      u[k + D_IIF_MTU] = ((r.inIf & 0xffff) << 16) | (r.mtu & 0xffff);
      u[k + D_ENC0] = r.inEncap0;
      u[k + D_ENC1] = r.inEncap1;
      u[k + D_OUT] = ((r.outIf & 0xffff) << 16) | (r.outPort & 0xffff);
      u[k + D_MAC_HI] = ((r.dstMacHi & 0xffff) << 16) | (r.srcMacHi & 0xffff);
      u[k + D_DST_LO] = r.dstMacLo;
      u[k + D_SRC_LO] = r.srcMacLo;
      u[k + D_OENC0] = r.outEncap0;
      u[k + D_OENC1] = r.outEncap1;
      if (r.xmit === FLOW_OFFLOAD_XMIT_DIRECT) direct |= 1 << dir;
      const h = this.hashOf(tw, this.tupleBase(e), r.inIf, r.inEncap0, r.inEncap1);
      u[k + D_HASH] = h;
      this.insertIndex(e, h);
    }
    const b = flow * FLOW_STRIDE;
    u[b + R_CT] = ct;
    const gen = u[b + R_META]! >>> 16;
    u[b + R_META] = (gen << 16) | (direct << META_DIRECT_SHIFT) | META_USED | ((flowtableIndex & 7) << META_FT_SHIFT) | (flags & META_FLAGS);
    this.f64[b >> 1] = timeout;
    this.count++;
    return flow;
  }

  /** Removes both entries of a flow and frees its id (flow_offload_del). */
  remove(flow: number): void {
    if (!this.inUse(flow)) return;
    this.removeIndex(flow * 2);
    this.removeIndex(flow * 2 + 1);
    const b = flow * FLOW_STRIDE;
    const gen = ((this.u[b + R_META]! >>> 16) + 1) & 0xffff;
    this.u[b + R_META] = gen << 16;
    this.u[b + R_CT] = 0xffffffff;
    this.count--;
  }

  private insertIndex(e: number, h: number): void {
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = (h & this.tagMask) | (e + 1);
  }

  private removeIndex(e: number): void {
    const entryMask = ~this.tagMask;
    let i = this.u[this.entryBase(e) + D_HASH]! & this.mask;
    while ((this.index[i]! & entryMask) !== e + 1) {
      if (this.index[i] === 0) return;
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & this.mask;
    for (;;) {
      const v = this.index[j]!;
      if (v === 0) break;
      const home = this.u[this.entryBase((v & entryMask) - 1) + D_HASH]! & this.mask;
      // Move v into the hole if its home is not in (hole, j] cyclically.
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.index[hole] = v;
        hole = j;
      }
      j = (j + 1) & this.mask;
    }
    this.index[hole] = 0;
  }
}

