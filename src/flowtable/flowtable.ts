/**
 * The software flowtable, as net/netfilter/nf_flow_table_{core,ip,offload}.c and
 * nft_flow_offload.c have it (mainline 6.6/6.12, what OpenWrt ships):
 *
 * - `flow add @ft` (nft_flow_offload_eval): a confirmed connection that is TCP ESTABLISHED and
 *   ASSURED (or UDP), without helper or sequence adjustment, not already offloaded, gets a flow
 *   entry with both directions' routes; IPS_OFFLOAD is set and the connection's timeout pushed out.
 * - The ingress hook (nf_flow_offload_ip_hook / _ipv6_hook) on each listed device looks packets up
 *   by tuple + input device + encapsulation and, on a hit, NATs them, decrements the TTL and sends
 *   them straight to the output device. Fragments, IP options, non-TCP/UDP, TTL ≤ 1, packets over
 *   the cached MTU and TCP FIN/RST go to the classic path (FIN/RST also tear the flow down).
 * - A GC every second (nf_flow_offload_work_gc) expires idle flows (30 s by default), hands the
 *   connection back to conntrack with its timeout fixed up (flow_offload_fixup_ct) and removes them.
 * - With `flags offload`, an add queues a hardware REPLACE on a work queue; the flow keeps running
 *   in software until the work runs and only goes to hardware if a driver accepts it; stats
 *   requests extend the software timeout from the hardware's last use; teardown queues DESTROY
 *   and the flow is freed once the hardware entry is dead (nf_flow_table_offload.c). A flow has
 *   at most one work item queued (NF_FLOW_HW_PENDING): a DESTROY waits for a pending REPLACE or
 *   stats request to run, the GC retrying it each pass, as nf_flow_offload_del does.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_FRAGMENT, PF_IP_OPTIONS } from '../buffers/pool.ts';
import { ETH_P_IP, ETH_P_IPV6 } from '../wire/ethernet.ts';
import { ipv4DecTtl, ipv6DecHopLimit, natIpv4SetDst, natIpv4SetSrc, natIpv6SetDst, natIpv6SetSrc, natSetDport, natSetSport } from '../wire/nat.ts';
import { IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, T_DST, T_PORTS, T_SRC } from '../wire/tuple.ts';
import { FlowTable } from './table.ts';
import {
  FLOW_GC_INTERVAL_NS, FLOW_OFFLOAD_XMIT_DIRECT, FLOW_REFRESH_GRANULARITY_NS,
  NF_FLOW_DNAT, NF_FLOW_HW, NF_FLOW_HW_ACCEPTED, NF_FLOW_HW_BIDIRECTIONAL, NF_FLOW_HW_DEAD, NF_FLOW_HW_DYING, NF_FLOW_HW_PENDING,
  NF_FLOW_SNAT, NF_FLOW_TEARDOWN, NF_FLOW_TIMEOUT_NS, type FlowCtOps, type FlowRouteDir,
} from './types.ts';

/** A flowtable object of the ruleset. */
export interface FlowtableDef {
  readonly name: string;
  /** ifindex of each listed device. */
  readonly devices: readonly number[];
  readonly counter: boolean;
  /** `flags offload`: push flows to the hardware. */
  readonly offload: boolean;
}

/** Why the fast path let a packet go to the classic path (for traces and counters). */
export const FAST_PATH_MISS = [
  'hit',
  'not IPv4/IPv6',
  'fragment or IP options',
  'not TCP/UDP',
  'TTL/hop limit would expire',
  'no flow for this tuple on this device',
  'flow is being torn down',
  'packet exceeds the cached MTU',
  'TCP FIN/RST tears the flow down',
] as const;
export const MISS_HIT = 0, MISS_NOT_IP = 1, MISS_FRAG_OPTS = 2, MISS_NOT_TCP_UDP = 3, MISS_TTL = 4, MISS_NO_FLOW = 5, MISS_TEARDOWN = 6, MISS_MTU = 7, MISS_FIN_RST = 8;

/** Why `flow add` did not offload a connection (nft_flow_offload_eval's `goto out`). */
export const ADD_REFUSAL = [
  'added',
  'not TCP or UDP',
  'TCP connection not established and assured',
  'TCP FIN or RST in this packet',
  'connection has a helper',
  'connection needs sequence adjustment',
  'connection not confirmed yet',
  'connection already offloaded',
  'no route for the reply direction',
  'IPv4 options',
  'a live flow already has this key',
  'connection is a resolved NAT clash',
] as const;
export const ADD_OK = 0, ADD_NOT_TCP_UDP = 1, ADD_TCP_NOT_ESTABLISHED = 2, ADD_TCP_FIN_RST = 3, ADD_HELPER = 4, ADD_SEQADJ = 5,
  ADD_UNCONFIRMED = 6, ADD_ALREADY = 7, ADD_NO_ROUTE = 8, ADD_IP_OPTIONS = 9, ADD_DUPLICATE = 10, ADD_NAT_CLASH = 11;

/** The hardware side as the flowtable sees it (the kernel's TC_SETUP_FT callbacks). */
export interface FlowHwOps {
  /** FLOW_CLS_REPLACE for both directions: 0 when a driver accepted it, else a refusal code. */
  replace(flow: number, now: number): number;
  /** FLOW_CLS_DESTROY. */
  destroy(flow: number): void;
  /**
   * FLOW_CLS_STATS: fills out[0]=packets and out[1]=bytes since the previous request (0 when the
   * engine has no per-flow counters) and out[2]=last use (ns, -1 when unknown).
   */
  stats(flow: number, out: Float64Array): void;
}

const HW_OP_ADD = 1, HW_OP_DEL = 2, HW_OP_STATS = 3;

export interface FlowtableOptions {
  /** Flow ids are conntrack entry indexes: the conntrack table's capacity. */
  capacity: number;
  seed: number;
  ct: FlowCtOps;
  /**
   * Where the connections' tuples are: entry `idx`'s ORIGINAL tuple at `idx * tupleStride` of
   * `tuples`, its REPLY tuple TUPLE_WORDS further (the conntrack table's records).
   */
  tuples: Uint32Array;
  tupleStride: number;
  tcpTimeoutNs?: number;
  udpTimeoutNs?: number;
  /** Delay before an offload work item runs (the work queue's latency). Default 1 ms. */
  hwWorkDelayNs?: number;
  /** Maximum number of devices (ifindex bound). Default 256. */
  maxDevices?: number;
}

export interface FlowtableStats {
  flowsAdded: number;
  addRefused: Float64Array; // by ADD_REFUSAL code
  teardowns: number;
  teardownsFinRst: number;
  expired: number;
  removed: number;
  fastPathHits: number;
  misses: Float64Array; // by FAST_PATH_MISS code (only for packets on hooked devices)
  hwRequests: number;
  hwOffloaded: number;
  hwRefused: Map<number, number>; // refusal code -> count
  hwDestroyed: number;
  hwStatsRequests: number;
}

export class Flowtables {
  readonly table: FlowTable;
  readonly defs: FlowtableDef[] = [];
  /** Bitmask of flowtables hooked on each ifindex. */
  readonly hooked: Uint8Array;
  /** Software fast path on (mode software/hardware) and hardware offload on (mode hardware). */
  softwareEnabled = true;
  hardwareEnabled = true;
  hw: FlowHwOps | null = null;
  readonly stats: FlowtableStats;
  /** Reason of the last miss of `hook` (FAST_PATH_MISS index). */
  lastMiss = 0;

  private readonly ct: FlowCtOps;
  private readonly tcpTimeout: number;
  private readonly udpTimeout: number;
  private readonly hwDelay: number;
  /** 1 where flowtable i has `counter` (read per packet: a typed array, not the defs objects). */
  private readonly counterOf = new Uint8Array(8);
  private readonly statsOut = new Float64Array(3);
  // Offload work queue: a FIFO ring of (flow, generation, op, due) — work items run in order. It
  // holds what is pending, at most one item per flow (NF_FLOW_HW_PENDING), so it starts small and
  // doubles when full, up to one item per flow id; the kernel allocates each flow_offload_work as
  // it queues it.
  private wqFlow: Int32Array;
  private wqGen: Uint16Array;
  private wqOp: Uint8Array;
  private wqDue: Float64Array;
  private readonly wqMax: number;
  /** Why the last `add` refused (ADD_REFUSAL index; ADD_OK after a success). */
  lastAddRefusal = 0;
  private wqHead = 0;
  private wqTail = 0;
  private nextGc = 0;

  constructor(opts: FlowtableOptions) {
    this.table = new FlowTable(opts.capacity, opts.seed, opts.tuples, opts.tupleStride);
    this.ct = opts.ct;
    this.tcpTimeout = opts.tcpTimeoutNs ?? NF_FLOW_TIMEOUT_NS;
    this.udpTimeout = opts.udpTimeoutNs ?? NF_FLOW_TIMEOUT_NS;
    this.hwDelay = opts.hwWorkDelayNs ?? 1e6;
    this.hooked = new Uint8Array(opts.maxDevices ?? 256);
    let wqMax = 16;
    while (wqMax < opts.capacity) wqMax *= 2;
    this.wqMax = wqMax;
    const wq = Math.min(256, wqMax);
    this.wqFlow = new Int32Array(wq);
    this.wqGen = new Uint16Array(wq);
    this.wqOp = new Uint8Array(wq);
    this.wqDue = new Float64Array(wq);
    this.stats = {
      flowsAdded: 0, addRefused: new Float64Array(ADD_REFUSAL.length), teardowns: 0, teardownsFinRst: 0, expired: 0, removed: 0,
      fastPathHits: 0, misses: new Float64Array(FAST_PATH_MISS.length), hwRequests: 0, hwOffloaded: 0, hwRefused: new Map(),
      hwDestroyed: 0, hwStatsRequests: 0,
    };
  }

  /**
   * Bytes of the offload work queue as it stands: 15 per slot, grown to the most requests ever
   * pending at once (the GC asks for stats of every hardware flow past a tenth of its timeout, so
   * with N flows in hardware it reaches N). Transient work, as the kernel's kmalloc'ed
   * flow_offload_work items are, but memory the process holds.
   */
  get workQueueBytes(): number {
    return this.wqFlow.byteLength + this.wqGen.byteLength + this.wqOp.byteLength + this.wqDue.byteLength;
  }

  /** Registers a flowtable; its hook sits on the listed devices only. Returns its index (≤ 7). */
  define(def: FlowtableDef): number {
    const index = this.defs.length;
    if (index >= 8) throw new RangeError('flowsim models at most 8 flowtables');
    this.defs.push(def);
    this.counterOf[index] = def.counter ? 1 : 0;
    for (const dev of def.devices) if (dev > 0 && dev < this.hooked.length) this.hooked[dev] = this.hooked[dev]! | (1 << index);
    return index;
  }

  /** True when a flowtable's ingress hook sits on `ifindex` (nft_register_flowtable_net_hooks). */
  isHooked(ifindex: number): boolean {
    return this.softwareEnabled && this.hooked[ifindex] !== 0;
  }

  private timeoutFor(l4proto: number): number {
    return l4proto === IPPROTO_TCP ? this.tcpTimeout : l4proto === IPPROTO_UDP ? this.udpTimeout : NF_FLOW_TIMEOUT_NS;
  }

  /**
   * The eligibility half of nft_flow_offload_eval (steps 1–6): returns ADD_OK or the reason.
   * `tcpFlags` are the current packet's; `tcpEstablished` is ESTABLISHED && ASSURED.
   */
  eligible(ct: number, l4proto: number, tcpFlags: number, ipOptions: boolean, status: number, tcpEstablished: boolean, hasHelper: boolean, confirmed: boolean, offloaded: boolean): number {
    if (ipOptions) return ADD_IP_OPTIONS;
    if (l4proto === IPPROTO_TCP) {
      if (tcpFlags & 0x05) return ADD_TCP_FIN_RST;
      if (!tcpEstablished) return ADD_TCP_NOT_ESTABLISHED;
    } else if (l4proto !== IPPROTO_UDP) return ADD_NOT_TCP_UDP;
    if (hasHelper) return ADD_HELPER;
    if (status & (1 << 6)) return ADD_SEQADJ; // IPS_SEQ_ADJUST
    if (status & (1 << 12)) return ADD_NAT_CLASH; // IPS_NAT_CLASH (nft_flow_offload_eval tests both)
    if (!confirmed) return ADD_UNCONFIRMED;
    if (offloaded) return ADD_ALREADY;
    void ct;
    return ADD_OK;
  }

  /**
   * flow_offload_alloc + flow_offload_add: creates the flow over the connection's two tuples with
   * the routes of both directions, and takes the flow's reference on the connection. Returns the
   * flow id (the connection's entry index), or -1 (reason in `lastAddRefusal` and `stats.addRefused`).
   */
  add(ct: number, ftIndex: number, routes: readonly [FlowRouteDir, FlowRouteDir], now: number): number {
    const status = this.ct.status(ct);
    let flags = 0;
    if (status & (1 << 4)) flags |= NF_FLOW_SNAT; // IPS_SRC_NAT
    if (status & (1 << 5)) flags |= NF_FLOW_DNAT; // IPS_DST_NAT
    const def = this.defs[ftIndex]!;
    const hw = def.offload && this.hardwareEnabled && this.hw !== null;
    if (hw) flags |= NF_FLOW_HW | NF_FLOW_HW_BIDIRECTIONAL;
    const id = this.ct.index(ct);
    const l4proto = this.table.tuples[this.table.tupleBase(id * 2) + 9]! & 0xff;
    // A key already in the table (another connection's flow on the same tuple, device and
    // encapsulation), or the id still used by this connection's previous flow (torn down, its
    // hardware entry not dead yet): rhashtable_insert_fast fails with -EEXIST.
    const flow = this.table.add(id, routes, ct, flags, now + this.timeoutFor(l4proto), ftIndex);
    if (flow < 0) {
      this.stats.addRefused[ADD_DUPLICATE]!++;
      this.lastAddRefusal = ADD_DUPLICATE;
      return -1;
    }
    this.lastAddRefusal = ADD_OK;
    this.ct.hold(ct);
    this.ct.setStatus(ct, 1 << 14); // IPS_OFFLOAD
    this.ct.extendTimeout(ct, now); // nf_ct_offload_timeout
    this.stats.flowsAdded++;
    this.stats.addRefused[ADD_OK]!++;
    if (hw) this.queueHw(flow, HW_OP_ADD, now);
    return flow;
  }

  /**
   * Queues offload work as nf_flow_offload_work_alloc does: not while the flow has work pending
   * (NF_FLOW_HW_PENDING: one work item per flow at a time), nor when the queue is full (the
   * kmalloc failing). Returns false when nothing was queued: an add is retried by a later
   * refresh, a destroy by the next GC pass, a stats request is simply lost.
   */
  private queueHw(flow: number, op: number, now: number): boolean {
    const t = this.table;
    if (t.flags(flow) & NF_FLOW_HW_PENDING) return false;
    if (this.wqTail - this.wqHead >= this.wqFlow.length && !this.growWorkQueue()) return false;
    t.setFlags(flow, t.flags(flow) | NF_FLOW_HW_PENDING);
    const i = this.wqTail & (this.wqFlow.length - 1);
    this.wqFlow[i] = flow;
    this.wqGen[i] = t.gen(flow);
    this.wqOp[i] = op;
    this.wqDue[i] = now + this.hwDelay;
    this.wqTail++;
    if (op === HW_OP_ADD) this.stats.hwRequests++;
    return true;
  }

  /** Doubles the work queue ring (keeping its order); false at its maximum size. */
  private growWorkQueue(): boolean {
    const n = this.wqFlow.length;
    if (n >= this.wqMax) return false;
    const flow = new Int32Array(n * 2), gen = new Uint16Array(n * 2), op = new Uint8Array(n * 2), due = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.wqHead + k) & (n - 1);
      flow[k] = this.wqFlow[i]!;
      gen[k] = this.wqGen[i]!;
      op[k] = this.wqOp[i]!;
      due[k] = this.wqDue[i]!;
    }
    this.wqFlow = flow;
    this.wqGen = gen;
    this.wqOp = op;
    this.wqDue = due;
    this.wqTail -= this.wqHead;
    this.wqHead = 0;
    return true;
  }

  /**
   * The flowtable ingress hook on device `dev` (nf_flow_offload_ip_hook): returns the entry
   * (`flow*2+dir`) when the fast path takes the packet — the caller then calls `rewrite` and
   * transmits — or -1 for the classic path, with the reason in `lastMiss`.
   * `encap0/encap1` are the encapsulation words the packet carries at this device; `keyHash` is
   * the key's FlowTable.hashOf when the caller has it (`keyHashKnown`).
   */
  hook(pool: PacketPool, slot: number, dev: number, encap0: number, encap1: number, now: number, keyHash = 0, keyHashKnown = false): number {
    const l3proto = pool.l3proto[slot]!;
    if (l3proto !== ETH_P_IP && l3proto !== ETH_P_IPV6) return this.miss(MISS_NOT_IP);
    if (pool.pflags[slot]! & (PF_FRAGMENT | PF_IP_OPTIONS)) return this.miss(MISS_FRAG_OPTS);
    const tw = slot * TUPLE_WORDS;
    const tup = pool.tuple;
    const l4proto = tup[tw + 9]! & 0xff;
    if (l4proto !== IPPROTO_TCP && l4proto !== IPPROTO_UDP) return this.miss(MISS_NOT_TCP_UDP);
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    // IPv6 with any extension header goes to the classic path (nexthdr must be TCP/UDP directly).
    if (l3proto === ETH_P_IPV6 && b[ip + 6] !== l4proto) return this.miss(MISS_FRAG_OPTS);
    const ttl = l3proto === ETH_P_IP ? b[ip + 8]! : b[ip + 7]!;
    if (ttl <= 1) return this.miss(MISS_TTL);
    const t = this.table;
    // The key's hash, when the caller computed it already (a burst's look-ahead), is not redone.
    const e = keyHashKnown ? t.lookupHashed(tup, tw, dev, encap0, encap1, keyHash) : t.lookupTuple(tup, tw, dev, encap0, encap1);
    if (e < 0) return this.miss(MISS_NO_FLOW);
    const flow = e >> 1;
    // Each flowtable's hook looks in its own table (flow_offload_lookup on flow_table->rhashtable):
    // a flow of another flowtable is not there for a device only that one does not hook.
    if ((this.hooked[dev]! & (1 << t.flowtableIndex(flow))) === 0) return this.miss(MISS_NO_FLOW);
    if (t.flags(flow) & NF_FLOW_TEARDOWN || !this.ct.alive(t.ct(flow))) return this.miss(MISS_TEARDOWN);
    const ipLen = l3proto === ETH_P_IP ? (b[ip + 2]! << 8) | b[ip + 3]! : 40 + ((b[ip + 4]! << 8) | b[ip + 5]!);
    if (ipLen > t.mtu(e)) return this.miss(MISS_MTU);
    if (l4proto === IPPROTO_TCP) {
      const flagsByte = b[pool.frameStart(slot) + pool.l4off[slot]! + 13]!;
      if (flagsByte & 0x05) {
        // nf_flow_state_check: FIN or RST tears the flow down; this packet goes to the classic path.
        this.teardown(flow, now);
        this.stats.teardownsFinRst++;
        return this.miss(MISS_FIN_RST);
      }
    }
    this.refresh(flow, now);
    this.stats.fastPathHits++;
    this.lastMiss = MISS_HIT;
    return e;
  }

  private miss(code: number): number {
    this.lastMiss = code;
    this.stats.misses[code]!++;
    return -1;
  }

  /** flow_offload_refresh: extend the timeout (in steps of at least a second); retry hardware. */
  refresh(flow: number, now: number): void {
    const t = this.table;
    const timeout = now + this.timeoutFor(t.l4proto(flow));
    if (timeout - t.timeout(flow) <= FLOW_REFRESH_GRANULARITY_NS) return;
    t.setTimeout(flow, timeout);
    const flags = t.flags(flow);
    if (flags & NF_FLOW_HW && !(flags & (NF_FLOW_HW_ACCEPTED | NF_FLOW_HW_DYING | NF_FLOW_TEARDOWN))) this.queueHw(flow, HW_OP_ADD, now);
  }

  /**
   * Applies the flow's NAT and the TTL decrement to the packet (nf_flow_nat_ip / nf_flow_nat_ipv6,
   * then ip_decrease_ttl), counts it (flowtable `counter`), and for DIRECT transmit leaves the
   * packet ready for the L2 push. Same rewrite for the software fast path and the hardware engine.
   */
  rewrite(pool: PacketPool, slot: number, e: number): void {
    const t = this.table;
    const flow = e >> 1;
    const dir = e & 1;
    const flags = t.flags(flow);
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    const ip = fs + pool.l3off[slot]!;
    const l4 = fs + pool.l4off[slot]!;
    // The other direction's tuple is the inverse of what this packet must look like after NAT.
    const other = t.tupleBase(e ^ 1);
    const key = t.tuples;
    const l4proto = key[other + 9]! & 0xff;
    // Addresses go to the NAT helpers as int32 (`| 0`): a uint32 argument above 2^31 is boxed.
    const v4 = pool.l3proto[slot] === ETH_P_IP;
    if (flags & NF_FLOW_SNAT) {
      if (dir === 0) {
        natSetSport(b, l4, l4proto, key[other + T_PORTS]! & 0xffff);
        if (v4) natIpv4SetSrc(b, ip, l4, key[other + T_DST]! | 0);
        else natIpv6SetSrc(b, ip, l4, l4proto, key, other + T_DST);
      } else {
        natSetDport(b, l4, l4proto, key[other + T_PORTS]! >>> 16);
        if (v4) natIpv4SetDst(b, ip, l4, key[other + T_SRC]! | 0);
        else natIpv6SetDst(b, ip, l4, l4proto, key, other + T_SRC);
      }
    }
    if (flags & NF_FLOW_DNAT) {
      if (dir === 0) {
        natSetDport(b, l4, l4proto, key[other + T_PORTS]! >>> 16);
        if (v4) natIpv4SetDst(b, ip, l4, key[other + T_SRC]! | 0);
        else natIpv6SetDst(b, ip, l4, l4proto, key, other + T_SRC);
      } else {
        natSetSport(b, l4, l4proto, key[other + T_PORTS]! & 0xffff);
        if (v4) natIpv4SetSrc(b, ip, l4, key[other + T_DST]! | 0);
        else natIpv6SetSrc(b, ip, l4, l4proto, key, other + T_DST);
      }
    }
    if (v4) ipv4DecTtl(b, ip);
    else ipv6DecHopLimit(b, ip);
    // flowtable `counter`: nf_flow_table's counters are conntrack's (nf_ct_acct_update).
    if (this.counterOf[t.flowtableIndex(flow)] === 1) this.ct.acct(t.ct(flow), dir, 1, pool.len[slot]! - pool.l3off[slot]!);
  }

  /** True when the entry transmits DIRECT (cached L2 header) rather than through the neighbour layer. */
  isDirect(e: number): boolean {
    return this.table.xmit(e) === FLOW_OFFLOAD_XMIT_DIRECT;
  }

  /** flow_offload_teardown: mark, hand the connection back to conntrack with fixed-up timeouts. */
  teardown(flow: number, now: number): void {
    const t = this.table;
    if (!t.inUse(flow) || t.flags(flow) & NF_FLOW_TEARDOWN) return;
    t.setFlags(flow, t.flags(flow) | NF_FLOW_TEARDOWN);
    this.stats.teardowns++;
    const ct = t.ct(flow);
    if (this.ct.alive(ct)) {
      this.ct.clearStatus(ct, 1 << 14); // IPS_OFFLOAD
      this.ct.fixup(ct, now, this.timeoutFor(t.l4proto(flow)));
    }
  }

  /** Runs due work: the GC once a second and the offload work queue. */
  tick(now: number): void {
    this.runWorkQueue(now);
    if (now >= this.nextGc) {
      this.gc(now);
      this.nextGc = now + FLOW_GC_INTERVAL_NS;
    }
  }

  /** Next time `tick` has something to do. */
  nextEventTime(): number {
    let t = this.nextGc;
    if (this.wqTail !== this.wqHead) {
      const d = this.wqDue[this.wqHead & (this.wqFlow.length - 1)]!;
      if (d < t) t = d;
    }
    return t;
  }

  /** nf_flow_offload_gc_step over every flow. */
  gc(now: number): void {
    const t = this.table;
    for (let flow = 0; flow < t.capacity; flow++) {
      if (!t.inUse(flow)) continue;
      const flags = t.flags(flow);
      if (!(flags & NF_FLOW_TEARDOWN) && (t.timeout(flow) - now <= 0 || !this.ct.alive(t.ct(flow)))) {
        if (t.timeout(flow) - now <= 0) this.stats.expired++;
        this.teardown(flow, now);
      }
      const f2 = t.flags(flow);
      if (f2 & NF_FLOW_TEARDOWN) {
        if (f2 & NF_FLOW_HW && this.hw !== null) {
          if (!(f2 & NF_FLOW_HW_DYING)) {
            // nf_flow_offload_del: HW_DYING once the DESTROY is queued; while an add or stats
            // request is pending it is not, and the next pass tries again.
            if (this.queueHw(flow, HW_OP_DEL, now)) t.setFlags(flow, t.flags(flow) | NF_FLOW_HW_DYING);
          } else if (f2 & NF_FLOW_HW_DEAD) this.remove(flow);
        } else this.remove(flow);
      } else if (f2 & NF_FLOW_HW_ACCEPTED) {
        // nf_flow_offload_stats: only when less than 9/10 of the timeout remains.
        if (t.timeout(flow) - now < 0.9 * this.timeoutFor(t.l4proto(flow))) this.queueHw(flow, HW_OP_STATS, now);
      }
    }
  }

  /** flow_offload_del + flow_offload_free: the flow leaves the table and puts its connection. */
  private remove(flow: number): void {
    const ct = this.table.ct(flow);
    this.table.remove(flow);
    this.ct.put(ct);
    this.stats.removed++;
  }

  private runWorkQueue(now: number): void {
    const t = this.table;
    const mask = this.wqFlow.length - 1;
    while (this.wqTail !== this.wqHead) {
      const i = this.wqHead & mask;
      if (this.wqDue[i]! > now) break;
      this.wqHead++;
      const flow = this.wqFlow[i]!;
      if (!t.inUse(flow) || t.gen(flow) !== this.wqGen[i]) continue;
      t.setFlags(flow, t.flags(flow) & ~NF_FLOW_HW_PENDING);
      const hw = this.hw;
      if (hw === null) continue;
      const op = this.wqOp[i]!;
      const ct = t.ct(flow);
      if (op === HW_OP_ADD) {
        // flow_offload_work_add runs even for a flow torn down since it was queued: the GC's
        // DESTROY (queued once this work is done) takes the rule out again.
        const code = hw.replace(flow, now);
        if (code === 0) {
          t.setFlags(flow, t.flags(flow) | NF_FLOW_HW_ACCEPTED);
          this.ct.setStatus(ct, 1 << 15); // IPS_HW_OFFLOAD
          this.stats.hwOffloaded++;
        } else {
          this.stats.hwRefused.set(code, (this.stats.hwRefused.get(code) ?? 0) + 1);
        }
      } else if (op === HW_OP_DEL) {
        if (t.flags(flow) & NF_FLOW_HW_ACCEPTED) {
          hw.destroy(flow);
          this.stats.hwDestroyed++;
        }
        t.setFlags(flow, (t.flags(flow) & ~NF_FLOW_HW_ACCEPTED) | NF_FLOW_HW_DEAD);
        if (this.ct.alive(ct)) this.ct.clearStatus(ct, 1 << 15);
      } else if (op === HW_OP_STATS) {
        this.stats.hwStatsRequests++;
        const out = this.statsOut;
        hw.stats(flow, out);
        // flow_offload_work_stats: hardware activity keeps the software entry alive.
        if (out[2]! >= 0) {
          const until = out[2]! + this.timeoutFor(t.l4proto(flow));
          if (until > t.timeout(flow)) t.setTimeout(flow, until);
        }
        if (this.counterOf[t.flowtableIndex(flow)] === 1 && out[0]! > 0) this.ct.acct(ct, 0, out[0]!, out[1]!);
      }
    }
  }

  /** Tears down every flow whose input or output is `ifindex` (flow_offload_netdev_event on NETDEV_DOWN). */
  cleanupDevice(ifindex: number, now: number): void {
    const t = this.table;
    for (let flow = 0; flow < t.capacity; flow++) {
      if (!t.inUse(flow)) continue;
      const a = flow * 2, b2 = a + 1;
      if (t.iif(a) === ifindex || t.iif(b2) === ifindex || t.outIf(a) === ifindex || t.outIf(b2) === ifindex) this.teardown(flow, now);
    }
  }
}
