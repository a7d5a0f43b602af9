/**
 * The flow table: struct-of-arrays storage for flow entries and an open-addressing hash over
 * their two direction keys, as the kernel's rhashtable holds both `tuplehash[ORIGINAL]` and
 * `tuplehash[REPLY]` of each `struct flow_offload` (nf_flow_table_core.c: flow_offload_add).
 *
 * An entry id is `flow * 2 + dir`. Flow ids come from a free list; a generation per flow lets a
 * stale handle be detected. The hash is keyed with a per-table seed (the rhashtable's random
 * seed), so crafted tuples cannot pile into one bucket. Deletion uses backward-shift (no
 * tombstones), so lookups never degrade after churn.
 */
import { TUPLE_WORDS } from '../wire/tuple.ts';
import { FLOW_KEY_WORDS, K_ENCAP0, K_ENCAP1, K_IIF, type FlowRouteDir } from './types.ts';

export class FlowTable {
  readonly capacity: number;
  /** Key words per entry (2 per flow). */
  readonly key: Uint32Array;
  readonly keyHash: Uint32Array;
  // Per direction (entry) route data.
  readonly xmit: Uint8Array;
  readonly outIf: Uint16Array;
  readonly outPort: Uint16Array;
  readonly mtu: Uint16Array;
  readonly srcMacHi: Uint16Array;
  readonly srcMacLo: Uint32Array;
  readonly dstMacHi: Uint16Array;
  readonly dstMacLo: Uint32Array;
  readonly outEncap0: Uint32Array;
  readonly outEncap1: Uint32Array;
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  // Per flow.
  readonly ct: Int32Array;
  readonly flags: Uint16Array;
  readonly timeout: Float64Array;
  readonly gen: Uint16Array;
  readonly flowtable: Uint8Array;
  readonly inUse: Uint8Array;
  /** Time the hardware add request is due (work queue), or +Infinity. */
  readonly hwDue: Float64Array;
  /** Kind of the pending hardware request: 1 add, 2 del, 3 stats. */
  readonly hwOp: Uint8Array;

  private readonly index: Int32Array; // entry + 1, 0 = empty
  private readonly mask: number;
  private readonly seed: number;
  private readonly freeList: Int32Array;
  private freeTop: number;
  count = 0;

  constructor(capacity: number, seed: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('flow table capacity must be a positive integer');
    this.capacity = capacity;
    const entries = capacity * 2;
    this.key = new Uint32Array(entries * FLOW_KEY_WORDS);
    this.keyHash = new Uint32Array(entries);
    this.xmit = new Uint8Array(entries);
    this.outIf = new Uint16Array(entries);
    this.outPort = new Uint16Array(entries);
    this.mtu = new Uint16Array(entries);
    this.srcMacHi = new Uint16Array(entries);
    this.srcMacLo = new Uint32Array(entries);
    this.dstMacHi = new Uint16Array(entries);
    this.dstMacLo = new Uint32Array(entries);
    this.outEncap0 = new Uint32Array(entries);
    this.outEncap1 = new Uint32Array(entries);
    this.packets = new Float64Array(entries);
    this.bytes = new Float64Array(entries);
    this.ct = new Int32Array(capacity).fill(-1);
    this.flags = new Uint16Array(capacity);
    this.timeout = new Float64Array(capacity);
    this.gen = new Uint16Array(capacity);
    this.flowtable = new Uint8Array(capacity);
    this.inUse = new Uint8Array(capacity);
    this.hwDue = new Float64Array(capacity).fill(Infinity);
    this.hwOp = new Uint8Array(capacity);
    let size = 16;
    while (size < entries * 2) size *= 2; // load factor ≤ 0.5
    this.index = new Int32Array(size);
    this.mask = size - 1;
    this.seed = seed >>> 0;
    this.freeList = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeList[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  /** Bytes of typed-array memory this table holds. */
  get memoryBytes(): number {
    let n = this.index.byteLength + this.freeList.byteLength;
    for (const a of [this.key, this.keyHash, this.xmit, this.outIf, this.outPort, this.mtu, this.srcMacHi, this.srcMacLo, this.dstMacHi, this.dstMacLo, this.outEncap0, this.outEncap1, this.packets, this.bytes, this.ct, this.flags, this.timeout, this.gen, this.flowtable, this.inUse, this.hwDue, this.hwOp]) n += a.byteLength;
    return n;
  }

  /** Hash of a key (13 words at `k[off..]`), seeded; models flow_offload_hash (jhash over the key). */
  hashKey(k: Uint32Array, off: number): number {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < FLOW_KEY_WORDS; i++) {
      let w = Math.imul(k[off + i]!, 0xcc9e2d51);
      w = (w << 15) | (w >>> 17);
      h ^= Math.imul(w, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= FLOW_KEY_WORDS * 4;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  /**
   * Finds the entry whose key equals the probe key `k[off..off+13)`; returns `flow*2+dir` or -1.
   * Models flow_offload_lookup (rhashtable_lookup + the TEARDOWN check is the caller's).
   */
  lookup(k: Uint32Array, off: number): number {
    const h = this.hashKey(k, off);
    const key = this.key;
    let i = h & this.mask;
    for (;;) {
      const e1 = this.index[i]!;
      if (e1 === 0) return -1;
      const e = e1 - 1;
      if (this.keyHash[e] === h) {
        const base = e * FLOW_KEY_WORDS;
        let j = 0;
        while (j < FLOW_KEY_WORDS && key[base + j] === k[off + j]) j++;
        if (j === FLOW_KEY_WORDS) return e;
      }
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Allocates a flow with both direction keys built from the connection's tuples and the route;
   * returns the flow id, or -1 when the table is full or a key already exists (one flow per key,
   * as rhashtable_insert_fast refuses a duplicate).
   */
  add(tuples: Uint32Array, routes: readonly [FlowRouteDir, FlowRouteDir], ct: number, flags: number, timeout: number, flowtableIndex: number): number {
    if (this.freeTop === 0) return -1;
    const flow = this.freeList[this.freeTop - 1]!;
    for (let dir = 0; dir < 2; dir++) {
      const e = flow * 2 + dir;
      const base = e * FLOW_KEY_WORDS;
      const r = routes[dir]!;
      for (let i = 0; i < TUPLE_WORDS; i++) this.key[base + i] = tuples[dir * TUPLE_WORDS + i]!;
      this.key[base + K_IIF] = r.inIf;
      this.key[base + K_ENCAP0] = r.inEncap0;
      this.key[base + K_ENCAP1] = r.inEncap1;
      if (this.lookup(this.key, base) >= 0) return -1;
    }
    this.freeTop--;
    for (let dir = 0; dir < 2; dir++) {
      const e = flow * 2 + dir;
      const r = routes[dir]!;
      this.xmit[e] = r.xmit;
      this.outIf[e] = r.outIf;
      this.outPort[e] = r.outPort;
      this.mtu[e] = r.mtu;
      this.srcMacHi[e] = r.srcMacHi;
      this.srcMacLo[e] = r.srcMacLo;
      this.dstMacHi[e] = r.dstMacHi;
      this.dstMacLo[e] = r.dstMacLo;
      this.outEncap0[e] = r.outEncap0;
      this.outEncap1[e] = r.outEncap1;
      this.packets[e] = 0;
      this.bytes[e] = 0;
      this.insertIndex(e);
    }
    this.ct[flow] = ct;
    this.flags[flow] = flags;
    this.timeout[flow] = timeout;
    this.flowtable[flow] = flowtableIndex;
    this.inUse[flow] = 1;
    this.hwDue[flow] = Infinity;
    this.hwOp[flow] = 0;
    this.count++;
    return flow;
  }

  /** Removes both entries of a flow and frees it (flow_offload_del). */
  remove(flow: number): void {
    if (this.inUse[flow] !== 1) return;
    this.removeIndex(flow * 2);
    this.removeIndex(flow * 2 + 1);
    this.inUse[flow] = 0;
    this.ct[flow] = -1;
    this.flags[flow] = 0;
    this.hwDue[flow] = Infinity;
    this.gen[flow] = (this.gen[flow]! + 1) & 0xffff;
    this.freeList[this.freeTop++] = flow;
    this.count--;
  }

  private insertIndex(e: number): void {
    const h = this.hashKey(this.key, e * FLOW_KEY_WORDS);
    this.keyHash[e] = h;
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = e + 1;
  }

  private removeIndex(e: number): void {
    let i = this.keyHash[e]! & this.mask;
    while (this.index[i] !== e + 1) {
      if (this.index[i] === 0) return;
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & this.mask;
    for (;;) {
      const v = this.index[j]!;
      if (v === 0) break;
      const home = this.keyHash[v - 1]! & this.mask;
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
