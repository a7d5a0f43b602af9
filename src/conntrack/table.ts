/**
 * The connection table: struct-of-arrays storage for connections and one open-addressing hash over
 * both of each connection's tuples (the kernel's ct->tuplehash[IP_CT_DIR_ORIGINAL|REPLY], both in
 * nf_conntrack_hash), so one lookup finds a connection from either direction.
 *
 * ## Handles
 * A connection is an entry index `idx` in [0, capacity). Handles are int32 values
 *
 *     handle = (generation << (indexBits + 1)) | (idx << 1) | dir
 *
 * where `indexBits` = bits needed for `capacity` and the generation takes the remaining
 * `30 - indexBits` bits (10 bits at 1M connections). A lookup returns a direction-tagged handle
 * (`dir` = IP_CT_DIR_ORIGINAL 0 or IP_CT_DIR_REPLY 1); `pool.ct` stores the handle with the dir bit
 * cleared and `pool.ctDir` the direction. Freeing an entry bumps its generation, so a handle kept
 * past the entry's life is detected by `isValid` (bitECS-style) rather than silently reused.
 *
 * ## Hash
 * Linear probing over an Int32Array of `slots` (power of two, load ≤ 0.75 at `capacity`), each slot
 * `(tag << (indexBits + 1)) | (idx << 1 | dir)` or -1 when empty; `tag` is the top bits of the
 * tuple hash, checked before the tuple words are compared. Deletion shifts later entries back
 * (no tombstones). The hash is keyed by `config.seed` (nf_conntrack_hash_rnd).
 *
 * ## Life cycle (nf_conntrack_core.c)
 * `alloc` makes an UNCONFIRMED entry reachable only from its packet (init_conntrack); `confirm`
 * inserts it into the hash (__nf_conntrack_confirm); `discardUnconfirmed` frees an entry whose
 * packet was dropped before confirm. While unconfirmed, `expires` holds the relative timeout the
 * tracker set (the kernel's ct->timeout before confirm); confirm adds `now`.
 * Lookups never return an expired entry: it is reaped on the spot (nf_ct_is_expired +
 * nf_ct_gc_expired); `gcStep` reaps the rest with bounded work per call (gc_worker).
 * Entries with IPS_OFFLOAD never expire while offloaded: the flowtable owns their timeout (it calls
 * `setTimeout` on teardown, flow_offload_fixup_ct), and the GC pushes their timeout out as
 * nf_ct_offload_timeout() does in mainline ≤ 6.13.
 *
 * ## Record
 * Each connection is one record of CT_STRIDE (30) 32-bit words: the ORIGINAL and REPLY tuples
 * (words 0–19), the two tuple hashes, the TCP tracker flags with helper id and TCP state,
 * last_end, mark, and the expiry and UDP stream_ts as float64; a lookup compares the tuple and
 * reads the rest from the same two cache lines. Status, generation and the used flag — what
 * `isValid` reads — are one "hot" word per connection in an array of their own, small enough to
 * stay in cache: the offloaded fast path's liveness check reads nothing else. (One array per field
 * was a cache line, and at 64K+ connections a TLB entry, per field per packet.)
 *
 * Free records form a LIFO list threaded through their first word (no separate free stack).
 *
 * ## A flowtable flow's reference
 * The flowtable reads an offloaded connection's tuples from this record (a flow is the
 * connection's extension: FlowTable), so `holdFlow` marks the record as used by a flow (a bit of
 * the hot word) and `releaseFlow` drops it, as flow_offload_alloc/flow_offload_free take and put
 * the kernel's reference. Deleting a held connection (kill, expiry, early drop) takes it out of
 * the hash at once — lookups miss it, isLive is false, so the fast path misses and the flowtable
 * GC tears the flow down — but the record is freed only at the release. Like the kernel's
 * nf_conntrack_count, `count` includes such entries until then.
 *
 * Memory: see `bytesPerConnection()`: 140 bytes per connection (the 120-byte record, the hot
 * word, ~4 hash slots).
 */
import {
  T_PROTO as IMPORTED_T_PROTO, TUPLE_WORDS as IMPORTED_TUPLE_WORDS, tupleInvert,
} from '../wire/tuple.ts';
import {
  DropReason,
} from '../wire/drop-reasons.ts';
import {
  IPPROTO_TCP as IMPORTED_IPPROTO_TCP, IPPROTO_UDP as IMPORTED_IPPROTO_UDP,
} from '../wire/tuple.ts';
import {
  IPS_ASSURED as IMPORTED_IPS_ASSURED, IPS_CONFIRMED as IMPORTED_IPS_CONFIRMED, IPS_DYING as IMPORTED_IPS_DYING, IPS_HW_OFFLOAD as IMPORTED_IPS_HW_OFFLOAD, IPS_OFFLOAD as IMPORTED_IPS_OFFLOAD, TCP_CONNTRACK_CLOSE as IMPORTED_TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_CLOSE_WAIT as IMPORTED_TCP_CONNTRACK_CLOSE_WAIT, TCP_CONNTRACK_FIN_WAIT as IMPORTED_TCP_CONNTRACK_FIN_WAIT, TCP_CONNTRACK_LAST_ACK as IMPORTED_TCP_CONNTRACK_LAST_ACK, TCP_CONNTRACK_TIME_WAIT as IMPORTED_TCP_CONNTRACK_TIME_WAIT,
} from './constants.ts';
import {
  NS_PER_SEC as IMPORTED_NS_PER_SEC, conntrackConfig, tcpTimeoutTable,
} from './config.ts';
import type { ConntrackConfig, ConntrackConfigInput } from './config.ts';
import {
  SeededRandom, hashTuple,
} from './hash.ts';
import {
  ConntrackStats,
} from './stats.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const T_PROTO = IMPORTED_T_PROTO;
const TUPLE_WORDS = IMPORTED_TUPLE_WORDS;
const IPPROTO_TCP = IMPORTED_IPPROTO_TCP;
const IPPROTO_UDP = IMPORTED_IPPROTO_UDP;
const IPS_ASSURED = IMPORTED_IPS_ASSURED;
const IPS_CONFIRMED = IMPORTED_IPS_CONFIRMED;
const IPS_DYING = IMPORTED_IPS_DYING;
const IPS_HW_OFFLOAD = IMPORTED_IPS_HW_OFFLOAD;
const IPS_OFFLOAD = IMPORTED_IPS_OFFLOAD;
const TCP_CONNTRACK_CLOSE = IMPORTED_TCP_CONNTRACK_CLOSE;
const TCP_CONNTRACK_CLOSE_WAIT = IMPORTED_TCP_CONNTRACK_CLOSE_WAIT;
const TCP_CONNTRACK_FIN_WAIT = IMPORTED_TCP_CONNTRACK_FIN_WAIT;
const TCP_CONNTRACK_LAST_ACK = IMPORTED_TCP_CONNTRACK_LAST_ACK;
const TCP_CONNTRACK_TIME_WAIT = IMPORTED_TCP_CONNTRACK_TIME_WAIT;
const NS_PER_SEC = IMPORTED_NS_PER_SEC;

/** NF_CT_EVICTION_RANGE: buckets early_drop() looks at, starting at the new tuple's bucket. */
export const NF_CT_EVICTION_RANGE = 8;
/** Slots per modelled "bucket" in early drop (the kernel's chains hold ~2 tuples per bucket at max). */
const EVICTION_SLOTS_PER_BUCKET = 2;
/** NF_CT_DAY: nf_ct_offload_timeout() pushes an offloaded entry's timeout to now + 1 day. */
const NF_CT_DAY_NS = 86400 * NS_PER_SEC;

/** Words per connection record, and the record's fields after the two tuples (words 0–19). */
export const CT_STRIDE = 30;
const C_HASH = 20; // + dir: the keyed hash of each tuple
const C_FLAGS = 22; // TCP tracker flags | helper id << 8 | TCP state << 16
const C_LAST_END = 23;
const C_MARK = 24;
// Word 25 is padding (the float64 fields must be 8-byte aligned).
/**
 * The hot word (ConntrackTable.hot): IPS_* status bits, generation (14 bits) << 16, held by a flow
 * << 30, used << 31.
 */
const HOT_GEN_MASK = 0x3fff;
/** A flowtable flow uses the record (its tuples): freeing waits for releaseFlow (nf_ct_put). */
const HOT_FLOW_REF = 1 << 30;
/** Free records are a LIFO list threaded through their first word (the dead tuple's source). */
const FREE_END = -1;
/** Float64 indexes within a record (its first word / 2 + these): expiry (words 26–27), UDP stream_ts (28–29). */
const CF_EXPIRES = 13;
const CF_AUX = 14;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class ConntrackTable {
  readonly config: ConntrackConfig;
  /** nf_conntrack_max; entries are preallocated for this many connections. */
  readonly capacity: number;
  readonly stats = new ConntrackStats();
  /** PRNG for NAT port selection (get_random_u16 in nf_nat_l4proto_unique_tuple). */
  readonly rng: SeededRandom;

  // --- timeouts in ns ----------------------------------------------------------------------------
  /** tn->timeouts[] indexed by TCP_CONNTRACK_*. */
  readonly tcpTimeouts: Float64Array;
  readonly udpTimeout: number;
  readonly udpStreamTimeout: number;
  readonly icmpTimeout: number;
  readonly icmpv6Timeout: number;
  readonly genericTimeout: number;

  // --- the connection records -------------------------------------------------------------------
  /**
   * One record of CT_STRIDE 32-bit words per connection (see "Record" above): entry idx's ORIGINAL
   * tuple at `idx * CT_STRIDE`, its REPLY tuple TUPLE_WORDS further (`tupleOffset`), then the
   * per-connection fields, which the accessors below read and write.
   */
  readonly tuples: Uint32Array;
  /** The same memory as float64 (expiry and UDP stream_ts). */
  private readonly f64: Float64Array;
  /**
   * One hot word per connection, apart from the record: status bits, generation and the used flag —
   * all `isValid` reads. The offloaded fast path checks only this (nf_ct_is_dying), and at 4 bytes
   * per connection it stays in cache where the records do not.
   */
  private readonly hot: Uint32Array;
  /** Kernel helper name ("ftp", …) of each helper id, index = id; filled by whoever hands out ids. */
  readonly helperNames: string[] = [];

  // --- handle packing ----------------------------------------------------------------------------
  readonly indexBits: number;
  /** Bits of a slot/handle below the generation: idx and dir. */
  readonly refBits: number;
  readonly refMask: number;
  readonly genMask: number;

  private readonly slots: Int32Array;
  private readonly slotMask: number;
  private readonly tagShift: number;
  /** Head of the free list (FREE_END when every entry is in use). */
  private freeHead: number;
  private live = 0;
  private gcCursor = 0;
  /** conntrack_gc_work.early_drop: set when an allocation failed; the GC then evicts at ≥ 95 %. */
  private gcEarlyDrop = false;
  private readonly evictScratch = new Int32Array(EVICTION_SLOTS_PER_BUCKET);

  constructor(cfg: ConntrackConfig | ConntrackConfigInput = {}) {
    const config = 'timeouts' in cfg && cfg.timeouts !== undefined && 'generic' in cfg.timeouts && typeof cfg.seed === 'number' && typeof cfg.max === 'number' && typeof cfg.tcpLoose === 'boolean'
      ? (cfg as ConntrackConfig)
      : conntrackConfig(cfg as ConntrackConfigInput);
    this.config = config;
    const cap = config.max;
    this.capacity = cap;
    this.rng = new SeededRandom(config.seed ^ 0x5bd1e995);
    const to = config.timeouts;
    this.tcpTimeouts = tcpTimeoutTable(to.tcp);
    this.udpTimeout = to.udp * NS_PER_SEC;
    this.udpStreamTimeout = to.udpStream * NS_PER_SEC;
    this.icmpTimeout = to.icmp * NS_PER_SEC;
    this.icmpv6Timeout = to.icmpv6 * NS_PER_SEC;
    this.genericTimeout = to.generic * NS_PER_SEC;

    let bits = 1;
    while ((1 << bits) < cap) bits++;
    this.indexBits = bits;
    this.refBits = bits + 1;
    this.refMask = (1 << this.refBits) - 1;
    const genBits = 31 - this.refBits;
    this.genMask = Math.min((1 << genBits) - 1, HOT_GEN_MASK);
    this.tagShift = 32 - genBits;

    const buf = new ArrayBuffer(cap * CT_STRIDE * 4);
    this.tuples = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.hot = new Uint32Array(cap);

    const nslots = Math.max(16, nextPow2(Math.ceil((2 * cap) / 0.75)));
    this.slots = new Int32Array(nslots).fill(-1);
    this.slotMask = nslots - 1;
    // Lowest index handed out first: deterministic.
    for (let i = 0; i < cap; i++) this.tuples[i * CT_STRIDE] = i + 1 < cap ? i + 1 : FREE_END;
    this.freeHead = 0;
  }

  // --- handles -----------------------------------------------------------------------------------

  /** Entry index of a handle (any direction tag). */
  indexOf(handle: number): number {
    return (handle & this.refMask) >>> 1;
  }

  /** Direction tag of a lookup result. */
  static dirOf(ref: number): number {
    return ref & 1;
  }

  /** The connection handle (dir bit clear) of entry `idx` at its current generation. */
  handleOf(idx: number): number {
    return (this.genAt(idx) << this.refBits) | (idx << 1);
  }

  /** True while the handle's entry is alive (not deleted, see killHeld) and of the same generation. */
  isValid(handle: number): boolean {
    const w = this.hotOf(handle);
    return w !== 0 && (w & (IPS_DYING | IPS_CONFIRMED)) !== (IPS_DYING | IPS_CONFIRMED);
  }

  /**
   * The hot word of the handle's entry as an int32 (a returned uint32 with bit 31 set would be
   * boxed), or 0 when the handle is stale: entry free, or of another generation.
   */
  private hotOf(handle: number): number {
    if (handle < 0) return 0;
    const idx = (handle & this.refMask) >>> 1;
    if (idx >= this.capacity) return 0;
    const w = this.hot[idx]!;
    return w >>> 31 === 1 && handle >>> this.refBits === ((w >>> 16) & HOT_GEN_MASK) ? w | 0 : 0;
  }

  /** isValid and not dying (nf_ct_is_dying), from one read of the hot word: the fast path's check. */
  isLive(handle: number): boolean {
    const w = this.hotOf(handle);
    return w !== 0 && (w & IPS_DYING) === 0;
  }

  /**
   * True while the packet that carries `handle` may still use the entry: it is alive, or it was
   * deleted by killHeld during that packet's own conntrack pass (the skb keeps its reference).
   */
  isHeld(handle: number): boolean {
    return this.hotOf(handle) !== 0;
  }

  /**
   * A flowtable flow now uses the connection's record (flow_offload_alloc's nf_ct_get reference):
   * until releaseFlow, a kill, expiry or early drop takes the connection out of the hash as usual
   * but keeps its record (tuples, counters), as the kernel frees an nf_conn only at its last put.
   * Returns false for a stale handle or one already held.
   */
  holdFlow(handle: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    if (this.hot[idx]! & HOT_FLOW_REF) return false;
    this.hot[idx] = this.hot[idx]! | HOT_FLOW_REF;
    return true;
  }

  /** The flow let the record go (flow_offload_free's nf_ct_put): a connection deleted meanwhile is freed now. */
  releaseFlow(handle: number): void {
    if (this.hotOf(handle) === 0) return;
    const idx = this.indexOf(handle);
    if (!(this.hot[idx]! & HOT_FLOW_REF)) return;
    this.hot[idx] = this.hot[idx]! & ~HOT_FLOW_REF;
    const st = this.statusAt(idx);
    if ((st & (IPS_DYING | IPS_CONFIRMED)) === (IPS_DYING | IPS_CONFIRMED)) this.freeEntry(idx);
  }

  /** True while a flow holds the connection's record (holdFlow). */
  isFlowHeld(handle: number): boolean {
    return (this.hotOf(handle) & HOT_FLOW_REF) !== 0;
  }

  /** Offset into `tuples` of a connection's tuple for `dir`. */
  tupleOffset(handle: number, dir: number): number {
    return ((handle & this.refMask) >>> 1) * CT_STRIDE + dir * TUPLE_WORDS;
  }

  /**
   * Burst look-ahead (Router.receiveBurst): reads the record line holding the connection's status,
   * generation and expiry, changing nothing; returns a word of it (0 for no connection).
   */
  warm(handle: number): number {
    if (handle < 0) return 0;
    const idx = (handle & this.refMask) >>> 1;
    return idx < this.capacity ? this.hot[idx]! | 0 : 0; // int32: see hotOf
  }

  isConfirmed(handle: number): boolean {
    return (this.statusAt(this.indexOf(handle)) & IPS_CONFIRMED) !== 0;
  }

  /** Connections allocated, confirmed or not (nf_conntrack_count). */
  get count(): number {
    return this.live;
  }

  /** Confirmed connections in the hash. */
  get entries(): number {
    return this.stats.entries;
  }

  // --- lookup ------------------------------------------------------------------------------------

  /** Hash of a tuple with this table's key. */
  hash(key: Uint32Array, off: number): number {
    return hashTuple(key, off, this.config.seed);
  }

  /**
   * Finds the confirmed connection one of whose tuples equals `key[off…]` (nf_conntrack_find_get).
   * Returns a direction-tagged handle, or -1. An expired entry is reaped and not returned.
   */
  lookup(key: Uint32Array, off: number, now: number): number {
    return this.lookupHashed(key, off, hashTuple(key, off, this.config.seed), now);
  }

  lookupHashed(key: Uint32Array, off: number, h: number, now: number): number {
    const slots = this.slots;
    const mask = this.slotMask;
    const refMask = this.refMask;
    const want = (h >>> this.tagShift) << this.refBits;
    const tuples = this.tuples;
    const k0 = key[off]!, k1 = key[off + 1]!, k4 = key[off + 4]!, k8 = key[off + 8]!, k9 = key[off + 9]!;
    let i = h & mask;
    for (;;) {
      const v = slots[i]!;
      if (v < 0) return -1;
      if ((v & ~refMask) === want) {
        const r = v & refMask;
        const b = (r >>> 1) * CT_STRIDE + (r & 1) * TUPLE_WORDS;
        if (
          tuples[b] === k0 && tuples[b + 4] === k4 && tuples[b + 8] === k8 && tuples[b + 9] === k9 &&
          tuples[b + 1] === k1 && tuples[b + 2] === key[off + 2] && tuples[b + 3] === key[off + 3] &&
          tuples[b + 5] === key[off + 5] && tuples[b + 6] === key[off + 6] && tuples[b + 7] === key[off + 7]
        ) {
          const idx = r >>> 1;
          if (this.deadlineAt(idx) <= now && (this.statusAt(idx) & IPS_OFFLOAD) === 0) {
            this.reapExpired(idx);
            return -1;
          }
          return (this.genAt(idx) << this.refBits) | r;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * nf_conntrack_tuple_taken: is `key` already a tuple of a confirmed connection other than entry
   * `ignoreIdx`? Connections whose ORIGINAL tuple equals ignoreIdx's are not a clash (same flow).
   */
  tupleTaken(key: Uint32Array, off: number, ignoreIdx: number, now: number): boolean {
    const ref = this.lookup(key, off, now);
    if (ref < 0) return false;
    const idx = (ref & this.refMask) >>> 1;
    if (idx === ignoreIdx) return false;
    if (ignoreIdx >= 0) {
      const a = idx * CT_STRIDE;
      const b = ignoreIdx * CT_STRIDE;
      let same = true;
      for (let w = 0; w < TUPLE_WORDS; w++) if (this.tuples[a + w] !== this.tuples[b + w]) { same = false; break; }
      if (same) return false;
    }
    this.stats.found++;
    return true;
  }

  // --- allocation and confirm --------------------------------------------------------------------

  /**
   * Allocates an unconfirmed connection for ORIGINAL tuple `key` and its inverse as REPLY
   * (init_conntrack / __nf_conntrack_alloc). When the table is at nf_conntrack_max, early_drop()
   * first tries to evict a non-assured entry near `hash`'s bucket. Returns the handle (dir 0) or -1
   * when the table is full (the caller drops with CT_TABLE_FULL).
   */
  alloc(key: Uint32Array, off: number, hash: number, now: number): number {
    if (this.live >= this.capacity) {
      if (!this.earlyDrop(hash, now)) {
        this.gcEarlyDrop = true;
        return -1;
      }
      if (this.live >= this.capacity) return -1;
    }
    const idx = this.freeHead;
    if (idx === FREE_END) return -1;
    this.freeHead = this.tuples[idx * CT_STRIDE]! | 0;
    this.live++;
    this.setUsedAt(idx, 1);
    this.setStatusAt(idx, 0);
    this.setDeadlineAt(idx, 0);
    this.setStateAt(idx, 0);
    this.setTcpFlagsAt(idx, 0);
    this.setLastEndAt(idx, 0);
    this.setAuxAt(idx, 0);
    this.setMarkAt(idx, 0);
    this.setHelperAt(idx, 0);
    const o = idx * CT_STRIDE;
    for (let w = 0; w < TUPLE_WORDS; w++) this.tuples[o + w] = key[off + w]!;
    tupleInvert(this.tuples, o + TUPLE_WORDS, this.tuples, o);
    this.setTupleHashAt(idx * 2, hash);
    return this.genAt(idx) << this.refBits | (idx << 1);
  }

  /**
   * __nf_conntrack_confirm: inserts an unconfirmed connection's two tuples into the hash and starts
   * its timer. Returns 0, or DropReason.CT_INSERT_FAILED (the entry is freed) when either tuple is
   * already taken (a clash, e.g. a NAT binding made twice) or the entry was killed meanwhile.
   * Confirming a confirmed connection is a no-op (later packets pass confirm too).
   */
  confirm(handle: number, now: number): number {
    if (!this.isValid(handle)) return 0;
    const idx = this.indexOf(handle);
    const st = this.statusAt(idx);
    if (st & IPS_CONFIRMED) return 0;
    const o = idx * CT_STRIDE;
    const hOrig = hashTuple(this.tuples, o, this.config.seed);
    const hReply = hashTuple(this.tuples, o + TUPLE_WORDS, this.config.seed);
    if (
      (st & IPS_DYING) !== 0 ||
      this.lookupHashed(this.tuples, o, hOrig, now) >= 0 ||
      this.lookupHashed(this.tuples, o + TUPLE_WORDS, hReply, now) >= 0
    ) {
      this.stats.insertFailed++;
      this.stats.drop++;
      this.freeEntry(idx);
      return DropReason.CT_INSERT_FAILED;
    }
    this.setTupleHashAt(idx * 2, hOrig);
    this.setTupleHashAt(idx * 2 + 1, hReply);
    this.insertSlot(idx * 2, hOrig);
    this.insertSlot(idx * 2 + 1, hReply);
    this.setStatusAt(idx, st | IPS_CONFIRMED);
    this.setDeadlineAt(idx, now + this.deadlineAt(idx));
    this.stats.insert++;
    return 0;
  }

  /** Frees an unconfirmed connection whose packet was dropped before confirm (nf_conntrack_free). */
  discardUnconfirmed(handle: number): void {
    if (!this.isValid(handle)) return;
    const idx = this.indexOf(handle);
    if (this.statusAt(idx) & IPS_CONFIRMED) return;
    this.stats.discarded++;
    this.freeEntry(idx);
  }

  /**
   * nf_ct_delete / nf_ct_kill: removes a connection now. A confirmed entry leaves the hash; an
   * unconfirmed one is marked IPS_DYING so its confirm fails. Returns false for a stale handle.
   */
  kill(handle: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    if (this.statusAt(idx) & IPS_CONFIRMED) this.deleteConfirmed(idx);
    else this.setStatusAt(idx, this.statusAt(idx) | IPS_DYING);
    return true;
  }

  /**
   * nf_ct_kill_acct from the tracker while the current packet holds the connection (e.g. the RST
   * that is the only reply, nf_conntrack_tcp_packet): nf_ct_delete takes it out of the table at
   * once — lookups miss it, it is not listed, it counts as deleted, isValid turns false — but the
   * packet keeps its reference, so it is still NATed by the connection's binding and forwarded
   * (isHeld stays true). The entry's memory is reclaimed by the next gcStep that passes it.
   */
  killHeld(handle: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    if (!(this.statusAt(idx) & IPS_CONFIRMED)) return this.kill(handle);
    this.removeSlot(idx * 2);
    this.removeSlot(idx * 2 + 1);
    this.stats.deletes++;
    this.setStatusAt(idx, this.statusAt(idx) | IPS_DYING);
    return true;
  }


  // --- timeouts ----------------------------------------------------------------------------------

  /** nf_ct_refresh: the timer restarts at `timeoutNs` from now (relative until confirmed). */
  refresh(idx: number, timeoutNs: number, now: number): void {
    this.setDeadlineAt(idx, this.statusAt(idx) & IPS_CONFIRMED ? now + timeoutNs : timeoutNs);
  }

  /** Sets the absolute expiry of a confirmed connection (flow_offload_fixup_ct, timeout extension). */
  setTimeout(handle: number, expiresAt: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    if (!(this.statusAt(idx) & IPS_CONFIRMED)) return false;
    this.setDeadlineAt(idx, expiresAt);
    return true;
  }

  /** Absolute expiry of a confirmed connection (ns), or -1 for a stale handle. */
  expiresAt(handle: number): number {
    return this.isValid(handle) ? this.deadlineAt(this.indexOf(handle)) : -1;
  }

  /** nf_ct_expires: ns left before the connection expires (≥ 0), or -1 for a stale handle. */
  timeLeft(handle: number, now: number): number {
    if (!this.isValid(handle)) return -1;
    const idx = this.indexOf(handle);
    const e = this.deadlineAt(idx);
    return this.statusAt(idx) & IPS_CONFIRMED ? Math.max(0, e - now) : e;
  }

  // --- offload hooks -----------------------------------------------------------------------------

  /** Sets IPS_OFFLOAD (and IPS_HW_OFFLOAD when `hw`), as flow_offload_add / the HW work queue do. */
  setOffload(handle: number, hw: boolean): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    this.setStatusAt(idx, this.statusAt(idx) | IPS_OFFLOAD | (hw ? IPS_HW_OFFLOAD : 0));
    return true;
  }

  /** Clears IPS_HW_OFFLOAD only (the hardware entry went away, the software flow stays). */
  clearHwOffload(handle: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    this.setStatusAt(idx, this.statusAt(idx) & ~IPS_HW_OFFLOAD);
    return true;
  }

  /** Clears IPS_OFFLOAD and IPS_HW_OFFLOAD (flow_offload_teardown); the caller then fixes the timeout. */
  clearOffload(handle: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    this.setStatusAt(idx, this.statusAt(idx) & ~(IPS_OFFLOAD | IPS_HW_OFFLOAD));
    return true;
  }

  // --- small accessors ---------------------------------------------------------------------------

  statusOf(handle: number): number {
    return this.isValid(handle) ? this.statusAt(this.indexOf(handle)) : 0;
  }

  /** TCP_CONNTRACK_* of a TCP connection. */
  tcpStateOf(handle: number): number {
    return this.isValid(handle) ? this.stateAt(this.indexOf(handle)) : 0;
  }

  l4protoOf(handle: number): number {
    return this.tuples[this.tupleOffset(handle, 0) + T_PROTO]! & 0xff;
  }

  getMark(handle: number): number {
    return this.isValid(handle) ? this.markAt(this.indexOf(handle)) : 0;
  }

  /** `ct mark set`. */
  setMark(handle: number, mark: number): void {
    if (this.isValid(handle)) this.setMarkAt(this.indexOf(handle), mark >>> 0);
  }

  getHelper(handle: number): number {
    return this.isValid(handle) ? this.helperAt(this.indexOf(handle)) : 0;
  }

  /** `ct helper set`: helper id (0 = none). The kernel only assigns helpers to unconfirmed entries. */
  setHelper(handle: number, helperId: number): boolean {
    if (!this.isValid(handle)) return false;
    const idx = this.indexOf(handle);
    if (this.statusAt(idx) & IPS_CONFIRMED) return false;
    this.setHelperAt(idx, helperId & 0xff);
    return true;
  }

  // --- GC and early drop -------------------------------------------------------------------------

  /**
   * gc_worker: examines up to `budget` entries from where the last call stopped, reaps expired
   * ones, pushes out the timeout of offloaded ones (nf_ct_offload_timeout), and — after an
   * allocation failed for a full table — evicts early-droppable entries while the table is at
   * ≥ 95 % of nf_conntrack_max. Returns the number of entries removed.
   */
  gcStep(now: number, budget: number): number {
    const cap = this.capacity;
    let removed = 0;
    const max95 = this.gcEarlyDrop ? Math.floor(cap / 100) * 95 : 0;
    for (let n = 0; n < budget; n++) {
      const idx = this.gcCursor;
      if (++this.gcCursor >= cap) {
        this.gcCursor = 0;
        this.gcEarlyDrop = false;
      }
      if (this.usedAt(idx) !== 1) continue;
      const st = this.statusAt(idx);
      if (!(st & IPS_CONFIRMED)) continue;
      if (st & IPS_DYING) {
        // Deleted while a packet held it (killHeld): already out of the hash, only the memory left.
        this.freeEntry(idx);
        continue;
      }
      if (st & IPS_OFFLOAD) {
        if (this.deadlineAt(idx) - now < NF_CT_DAY_NS / 2) this.setDeadlineAt(idx, now + NF_CT_DAY_NS);
        if (max95 === 0) continue;
      } else if (this.deadlineAt(idx) <= now) {
        this.reapExpired(idx);
        removed++;
        continue;
      }
      if (max95 !== 0 && this.live >= max95 && this.gcCanEarlyDrop(idx)) {
        this.deleteConfirmed(idx);
        removed++;
      }
    }
    return removed;
  }

  /** gc_worker_can_early_drop */
  private gcCanEarlyDrop(idx: number): boolean {
    const st = this.statusAt(idx);
    const l4 = this.tuples[idx * CT_STRIDE + T_PROTO]! & 0xff;
    if (st & IPS_OFFLOAD && l4 !== IPPROTO_UDP) return false;
    if (!(st & IPS_ASSURED)) return true;
    return l4 === IPPROTO_TCP && tcpCanEarlyDrop(this.stateAt(idx));
  }

  /**
   * early_drop(): scans NF_CT_EVICTION_RANGE buckets from the new tuple's bucket; in each, reaps
   * expired entries and deletes every confirmed entry that is not assured, offloaded or dying; stops
   * at the first bucket that yielded a drop. A "bucket" here is EVICTION_SLOTS_PER_BUCKET
   * consecutive probe slots (the kernel's chain at its default load holds about two tuples).
   */
  private earlyDrop(hash: number, now: number): boolean {
    const mask = this.slotMask;
    const scratch = this.evictScratch;
    let slot = hash & mask;
    for (let b = 0; b < NF_CT_EVICTION_RANGE; b++) {
      let n = 0;
      for (let s = 0; s < EVICTION_SLOTS_PER_BUCKET; s++) {
        const v = this.slots[(slot + s) & mask]!;
        if (v >= 0) scratch[n++] = ((v & this.refMask) >>> 1) | 0;
      }
      slot = (slot + EVICTION_SLOTS_PER_BUCKET) & mask;
      let drops = 0;
      for (let k = 0; k < n; k++) {
        const idx = scratch[k]!;
        if (this.usedAt(idx) !== 1) continue; // both tuples of one connection in the same bucket
        const st = this.statusAt(idx);
        if (!(st & IPS_CONFIRMED)) continue;
        if (!(st & IPS_OFFLOAD) && this.deadlineAt(idx) <= now) {
          this.reapExpired(idx);
          continue;
        }
        if (st & (IPS_ASSURED | IPS_OFFLOAD | IPS_DYING)) continue;
        this.deleteConfirmed(idx);
        drops++;
      }
      if (drops > 0) {
        this.stats.earlyDrop += drops;
        return true;
      }
    }
    return false;
  }

  // --- iteration ---------------------------------------------------------------------------------

  /** Calls `cb` with the handle of every confirmed connection, in entry order (not the packet path). */
  forEachHandle(cb: (handle: number) => void): void {
    for (let idx = 0; idx < this.capacity; idx++) {
      if (this.usedAt(idx) === 1 && (this.statusAt(idx) & (IPS_CONFIRMED | IPS_DYING)) === IPS_CONFIRMED) cb(this.handleOf(idx));
    }
  }

  /** Bytes of every typed array the table holds. */
  memoryBytes(): number {
    return this.tuples.byteLength + this.hot.byteLength + this.slots.byteLength;
  }

  /** memoryBytes() / capacity. */
  bytesPerConnection(): number {
    return this.memoryBytes() / this.capacity;
  }

  // --- per-connection fields of entry idx (the record's words; see "Record") -------------------

  statusAt(idx: number): number { return this.hot[idx]! & 0xffff; }
  setStatusAt(idx: number, v: number): void { this.hot[idx] = (this.hot[idx]! & 0xffff0000) | (v & 0xffff); }
  genAt(idx: number): number { return (this.hot[idx]! >>> 16) & HOT_GEN_MASK; }
  setGenAt(idx: number, v: number): void { this.hot[idx] = (this.hot[idx]! & 0xc000ffff) | ((v & HOT_GEN_MASK) << 16); }
  /** 1 while the entry is allocated. */
  usedAt(idx: number): number { return this.hot[idx]! >>> 31; }
  setUsedAt(idx: number, v: number): void { this.hot[idx] = (this.hot[idx]! & 0x7fffffff) | ((v & 1) << 31); }
  tcpFlagsAt(idx: number): number { return this.tuples[idx * CT_STRIDE + C_FLAGS]! & 0xff; }
  setTcpFlagsAt(idx: number, v: number): void { const w = idx * CT_STRIDE + C_FLAGS; this.tuples[w] = (this.tuples[w]! & 0xffffff00) | (v & 0xff); }
  helperAt(idx: number): number { return (this.tuples[idx * CT_STRIDE + C_FLAGS]! >>> 8) & 0xff; }
  setHelperAt(idx: number, v: number): void { const w = idx * CT_STRIDE + C_FLAGS; this.tuples[w] = (this.tuples[w]! & 0xffff00ff) | ((v & 0xff) << 8); }
  /** TCP_CONNTRACK_* (TCP only). */
  stateAt(idx: number): number { return (this.tuples[idx * CT_STRIDE + C_FLAGS]! >>> 16) & 0xff; }
  setStateAt(idx: number, v: number): void { const w = idx * CT_STRIDE + C_FLAGS; this.tuples[w] = (this.tuples[w]! & 0xff00ffff) | ((v & 0xff) << 16); }
  /**
   * Per-protocol word (like the kernel's `union nf_conntrack_proto`). TCP: last_end of the last
   * ignored segment. ICMP/ICMPv6: `(type << 8) | code` of the packet that created the connection —
   * the kernel keeps both in the tuple (icmp_pkt_to_tuple) and `conntrack -L` prints them; flowsim
   * keys echo by id alone (see wire/tuple.ts), so they are kept here for the listing.
   */
  lastEndAt(idx: number): number { return this.tuples[idx * CT_STRIDE + C_LAST_END]!; }
  setLastEndAt(idx: number, v: number): void { this.tuples[idx * CT_STRIDE + C_LAST_END] = v; }
  /** ct mark. */
  markAt(idx: number): number { return this.tuples[idx * CT_STRIDE + C_MARK]!; }
  setMarkAt(idx: number, v: number): void { this.tuples[idx * CT_STRIDE + C_MARK] = v; }
  /** Absolute expiry in virtual ns once confirmed; relative timeout while unconfirmed. */
  deadlineAt(idx: number): number { return this.f64[idx * (CT_STRIDE >> 1) + CF_EXPIRES]!; }
  setDeadlineAt(idx: number, v: number): void { this.f64[idx * (CT_STRIDE >> 1) + CF_EXPIRES] = v; }
  /** UDP: stream_ts (absolute ns after which a replied flow counts as a stream). */
  auxAt(idx: number): number { return this.f64[idx * (CT_STRIDE >> 1) + CF_AUX]!; }
  setAuxAt(idx: number, v: number): void { this.f64[idx * (CT_STRIDE >> 1) + CF_AUX] = v; }
  /** Keyed hash of tuple entry `ref` (idx * 2 + dir), valid while confirmed. */
  tupleHashAt(ref: number): number { return this.tuples[(ref >>> 1) * CT_STRIDE + C_HASH + (ref & 1)]!; }
  setTupleHashAt(ref: number, h: number): void { this.tuples[(ref >>> 1) * CT_STRIDE + C_HASH + (ref & 1)] = h; }

  // --- internals ---------------------------------------------------------------------------------

  private reapExpired(idx: number): void {
    this.stats.expired++;
    this.deleteConfirmed(idx);
  }

  private deleteConfirmed(idx: number): void {
    this.removeSlot(idx * 2);
    this.removeSlot(idx * 2 + 1);
    this.stats.deletes++;
    this.freeEntry(idx);
  }

  private freeEntry(idx: number): void {
    if (this.hot[idx]! & HOT_FLOW_REF) {
      // A flow still reads this record (flow_offload holds a reference on the ct): the entry is
      // already out of the hash; mark it dying and keep the memory until releaseFlow.
      this.setStatusAt(idx, this.statusAt(idx) | IPS_DYING);
      return;
    }
    this.setUsedAt(idx, 0);
    this.setStatusAt(idx, 0);
    this.setGenAt(idx, (this.genAt(idx) + 1) & this.genMask);
    this.tuples[idx * CT_STRIDE] = this.freeHead;
    this.freeHead = idx;
    this.live--;
  }

  private insertSlot(ref: number, h: number): void {
    const mask = this.slotMask;
    let i = h & mask;
    while (this.slots[i]! >= 0) i = (i + 1) & mask;
    this.slots[i] = ((h >>> this.tagShift) << this.refBits) | ref;
  }

  /** Removes tuple entry `ref` from the hash, shifting later probe-chain members back. */
  private removeSlot(ref: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    const refMask = this.refMask;
    let i = this.tupleHashAt(ref) & mask;
    for (;;) {
      const v = slots[i]!;
      if (v < 0) return; // not present (cannot happen for a confirmed entry)
      if ((v & refMask) === ref) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion for linear probing.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const v = slots[j]!;
      if (v < 0) break;
      const home = this.tupleHashAt(v & refMask) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        slots[hole] = v;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    slots[hole] = -1;
  }
}

/** tcp_can_early_drop: closing TCP states may be evicted even when assured. */
export function tcpCanEarlyDrop(state: number): boolean {
  return (
    state === TCP_CONNTRACK_FIN_WAIT || state === TCP_CONNTRACK_LAST_ACK || state === TCP_CONNTRACK_TIME_WAIT ||
    state === TCP_CONNTRACK_CLOSE || state === TCP_CONNTRACK_CLOSE_WAIT
  );
}
