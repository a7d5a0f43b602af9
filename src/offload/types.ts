/**
 * The hardware-backend interface: what a flow engine (MediaTek PPE, Airoha PPE, mlx5, …) offers the
 * flowtable. Shaped after the kernel's flowtable offload: `ndo_setup_tc(TC_SETUP_FT)` binds a flow
 * block, then `FLOW_CLS_REPLACE / DESTROY / STATS` commands carry one `flow_cls_offload` per flow
 * direction (net/netfilter/nf_flow_table_offload.c). Here one `replace()` carries both directions,
 * as `flow_offload_work_add()` issues ORIGINAL and (with NF_FLOW_HW_BIDIRECTIONAL) REPLY together.
 *
 * Nothing on the packet path allocates: `rxLookup()` reads the parsed slot in the PacketPool and
 * answers with a number; the request object is reused by its owner; backends copy what they need.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { TUPLE_WORDS } from '../wire/tuple.ts';

/** Flow directions, as `enum flow_offload_tuple_dir` / IP_CT_DIR_*. */
export const DIR_ORIGINAL = 0;
export const DIR_REPLY = 1;

/** OffloadRequest.flags bits (the flowtable's own flags that matter to a backend). */
/** NF_FLOW_HW_BIDIRECTIONAL: push the REPLY direction too (nft_flow_offload_eval sets it). */
export const OFFLOAD_F_BIDIRECTIONAL = 1 << 0;
/** NF_FLOWTABLE_COUNTER: the flowtable wants per-flow counters fed back into conntrack. */
export const OFFLOAD_F_COUNTER = 1 << 1;

/** Switch tag protocol on a DSA port (the driver only accepts DSA_TAG_PROTO_MTK user ports). */
export const DSA_TAG_NONE = 0;
export const DSA_TAG_MTK = 1;
export const DSA_TAG_OTHER = 2;

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;

/** Up to this many VLAN tags per direction and side (NF_FLOW_TABLE_ENCAP_MAX is 2). */
export const MAX_VLANS = 2;

/**
 * What the flowtable tells a backend about one flow. The caller (the flowtable's offload work
 * queue) owns one instance, fills it before each `replace()` and reuses it; a backend never keeps
 * a reference. Per-direction fields are arrays indexed by DIR_ORIGINAL / DIR_REPLY.
 */
export class OffloadRequest {
  /** The flowtable's handle for the flow (an integer; returned by rxLookup as flowId*2+dir). */
  flowId = 0;
  /** 4 or 6. */
  family = 4;
  /** IPPROTO_TCP / IPPROTO_UDP / … */
  l4proto = 6;
  /** OFFLOAD_F_* bits. */
  flags = OFFLOAD_F_BIDIRECTIONAL;

  /** Tuple as seen at ingress (pre-NAT), TUPLE_WORDS per direction: the hardware's match key. */
  readonly tuple = new Uint32Array(2 * TUPLE_WORDS);
  /** Tuple after NAT, as the packet leaves, TUPLE_WORDS per direction. */
  readonly rewritten = new Uint32Array(2 * TUPLE_WORDS);

  readonly inIfindex = new Int32Array(2);
  /** Ingress physical port: index into the SoC profile's `ports`. */
  readonly inPort = new Int32Array(2);
  readonly outIfindex = new Int32Array(2);
  /** Egress physical port: index into the SoC profile's `ports`. */
  readonly outPort = new Int32Array(2);

  // --- encapsulation pushed on egress (the other tuple's encaps: VLAN_PUSH / PPPOE_PUSH) -------
  readonly outVlanCount = new Uint8Array(2);
  /** VLAN ids, MAX_VLANS per direction, outermost first. */
  readonly outVlanId = new Uint16Array(2 * MAX_VLANS);
  /** TPIDs (0x8100 or 0x88a8), MAX_VLANS per direction. */
  readonly outVlanTpid = new Uint16Array(2 * MAX_VLANS);
  /** PPPoE session id, or -1. */
  readonly outPppoeSid = new Int32Array(2);
  /** DSA user-port number on egress, or -1. */
  readonly outDsaPort = new Int16Array(2);
  /** DSA_TAG_* of the egress switch. */
  readonly outDsaTag = new Uint8Array(2);

  // --- encapsulation seen on ingress (popped: VLAN_POP, ignored by most engines) ----------------
  readonly inVlanCount = new Uint8Array(2);
  readonly inVlanId = new Uint16Array(2 * MAX_VLANS);
  readonly inVlanTpid = new Uint16Array(2 * MAX_VLANS);
  readonly inPppoeSid = new Int32Array(2);
  readonly inDsaPort = new Int16Array(2);
  readonly inDsaTag = new Uint8Array(2);

  /** Egress source / destination MAC, 6 bytes per direction (FLOW_ACT_MANGLE_HDR_TYPE_ETH). */
  readonly srcMac = new Uint8Array(12);
  readonly dstMac = new Uint8Array(12);
  /** Egress MTU per direction (the L3 size limit, as flow->tuplehash[dir].tuple.mtu). */
  readonly mtu = new Uint16Array(2);

  constructor() {
    this.reset();
  }

  /** Back to a clean state (no encaps, MTU 1500, bidirectional). */
  reset(): void {
    this.flowId = 0;
    this.family = 4;
    this.l4proto = 6;
    this.flags = OFFLOAD_F_BIDIRECTIONAL;
    this.tuple.fill(0);
    this.rewritten.fill(0);
    this.inIfindex.fill(0);
    this.inPort.fill(0);
    this.outIfindex.fill(0);
    this.outPort.fill(0);
    this.outVlanCount.fill(0);
    this.outVlanId.fill(0);
    this.outVlanTpid.fill(ETH_P_8021Q);
    this.outPppoeSid.fill(-1);
    this.outDsaPort.fill(-1);
    this.outDsaTag.fill(DSA_TAG_NONE);
    this.inVlanCount.fill(0);
    this.inVlanId.fill(0);
    this.inVlanTpid.fill(ETH_P_8021Q);
    this.inPppoeSid.fill(-1);
    this.inDsaPort.fill(-1);
    this.inDsaTag.fill(DSA_TAG_NONE);
    this.srcMac.fill(0);
    this.dstMac.fill(0);
    this.mtu.fill(1500);
  }

  /** Writes a MAC given as hi16/lo32 numbers (e.g. 0x0200, 0x00000001 → 02:00:00:00:00:01). */
  setMac(which: 'src' | 'dst', dir: number, hi16: number, lo32: number): void {
    const b = which === 'src' ? this.srcMac : this.dstMac;
    const o = dir * 6;
    b[o] = (hi16 >>> 8) & 0xff;
    b[o + 1] = hi16 & 0xff;
    b[o + 2] = (lo32 >>> 24) & 0xff;
    b[o + 3] = (lo32 >>> 16) & 0xff;
    b[o + 4] = (lo32 >>> 8) & 0xff;
    b[o + 5] = lo32 & 0xff;
  }
}

/**
 * Why a backend refused a flow (the errno its driver returns, named). Codes are indices; 0 means
 * accepted. Append only.
 */
export const OFFLOAD_REFUSALS = [
  ['ACCEPTED', 'accepted', 'the backend took the flow'],
  ['UNSUPPORTED_PROTOCOL', 'unsupported-protocol', 'only TCP and UDP flows: the driver requires FLOW_DISSECTOR_KEY_PORTS (-EOPNOTSUPP)'],
  ['UNSUPPORTED_FAMILY', 'unsupported-family', 'address family the engine does not handle (-EOPNOTSUPP)'],
  ['IPV6_NAT', 'ipv6-nat', 'IPv6 address rewrite: FLOW_ACT_MANGLE_HDR_TYPE_IP6 is rejected, no NAT66/NPTv6 in hardware (-EOPNOTSUPP)'],
  ['QINQ', 'qinq', 'VLAN push with a TPID other than 802.1Q (0x8100), e.g. 802.1ad QinQ (-EOPNOTSUPP)'],
  ['TOO_MANY_ENCAPS', 'too-many-encaps', 'more encapsulation than the entry holds: at most 2 VLAN layers, or 1 VLAN + PPPoE; a DSA tag takes a VLAN layer (-EOPNOTSUPP)'],
  ['FOREIGN_SWITCH_TAG', 'foreign-switch-tag', 'egress DSA port behind a switch that does not use the vendor tag (mtk_flow_get_dsa_port: -ENODEV)'],
  ['INVALID_MAC', 'invalid-mac', 'source or destination MAC is zero or multicast (is_valid_ether_addr: -EINVAL)'],
  ['UNSUPPORTED_OUTPUT', 'unsupported-output', 'egress device is not one the engine can send to (not a GMAC, vendor-tagged DSA port or WED Wi-Fi) (-EOPNOTSUPP)'],
  ['TABLE_FULL', 'table-full', 'the flow table has no room (-ENOSPC)'],
  ['NO_FLOW_ENGINE', 'no-flow-engine', 'the SoC/NIC has no flow engine; `flags offload` is refused (ndo_setup_tc does not handle TC_SETUP_FT: -EOPNOTSUPP)'],
  ['NOT_SWITCHDEV', 'not-switchdev', 'the NIC is in legacy SR-IOV mode; flowtable offload needs switchdev representors'],
  ['NO_FLOWTABLE_BINDING', 'no-flowtable-binding', 'the driver offloads tc flower only, it does not bind nft flowtables (no TC_SETUP_FT)'],
  ['RATE_LIMITED', 'rate-limited', 'rule insertion rate exceeded; the flowtable retries on a later refresh'],
  ['EXISTS', 'exists', 'the flow is already offloaded (-EEXIST)'],
] as const;

type RefusalKey = (typeof OFFLOAD_REFUSALS)[number][0];
/** Refusal codes by name: `OffloadRefusal.IPV6_NAT`. */
export const OffloadRefusal = Object.fromEntries(OFFLOAD_REFUSALS.map((r, i) => [r[0], i])) as { readonly [K in RefusalKey]: number };

export function refusalName(code: number): string {
  return OFFLOAD_REFUSALS[code]?.[1] ?? `refusal-${code}`;
}

export function refusalDescription(code: number): string {
  return OFFLOAD_REFUSALS[code]?.[2] ?? 'unknown refusal';
}

/**
 * Why a packet went to the CPU instead of being forwarded by the engine. The numeric codes are the
 * MediaTek PPE's RX-descriptor CPU reasons (enum MTK_PPE_CPU_REASON_* in mtk_ppe.h); codes from 0x20
 * are flowsim's own for engines that are not PPEs.
 */
export const CpuReason = {
  NONE: 0x00,
  TTL_EXCEEDED: 0x02,
  OPTION_HEADER: 0x03,
  NO_FLOW: 0x07,
  IPV4_FRAG: 0x08,
  TCP_FIN_SYN_RST: 0x0c,
  UN_HIT: 0x0d,
  HIT_UNBIND: 0x0e,
  HIT_UNBIND_RATE_REACHED: 0x0f,
  HIT_BIND_TCP_FIN: 0x10,
  HIT_TTL_1: 0x11,
  HIT_BIND_FORCE_CPU: 0x16,
  EXCEED_MTU: 0x1c,
  PPE_BYPASS: 0x1e,
  NO_ENGINE: 0x20,
} as const;

export const CPU_REASON_COUNT = 0x21;

const CPU_REASON_TEXT: Readonly<Record<number, readonly [string, string]>> = {
  [CpuReason.NONE]: ['none', 'forwarded by the engine'],
  [CpuReason.TTL_EXCEEDED]: ['ttl-exceeded', 'TTL exceeded'],
  [CpuReason.OPTION_HEADER]: ['ip-options', 'IPv4 options / IPv6 extension headers'],
  [CpuReason.NO_FLOW]: ['no-flow', 'not a flow the engine handles (non-IP, or not TCP/UDP)'],
  [CpuReason.IPV4_FRAG]: ['fragment', 'IP fragment'],
  [CpuReason.TCP_FIN_SYN_RST]: ['tcp-fin-syn-rst', 'TCP FIN, SYN or RST'],
  [CpuReason.UN_HIT]: ['no-entry', 'no entry for the tuple (hash miss); the PPE learns it if a way is free'],
  [CpuReason.HIT_UNBIND]: ['un-hit', 'entry learned but not bound (below the bind rate)'],
  [CpuReason.HIT_UNBIND_RATE_REACHED]: ['unbind-rate-reached', 'entry reached the bind rate: the driver is asked to bind it'],
  [CpuReason.HIT_BIND_TCP_FIN]: ['bind-tcp-fin', 'bound TCP entry saw FIN/RST/SYN'],
  [CpuReason.HIT_TTL_1]: ['ttl-1', 'bound entry hit with TTL/hop limit ≤ 1'],
  [CpuReason.HIT_BIND_FORCE_CPU]: ['force-cpu', 'bound entry forces the CPU'],
  [CpuReason.EXCEED_MTU]: ['mtu-exceeded', 'packet larger than the egress MTU'],
  [CpuReason.PPE_BYPASS]: ['bypass', 'port not served by the flow engine'],
  [CpuReason.NO_ENGINE]: ['no-engine', 'no flow engine'],
};

export function cpuReasonName(code: number): string {
  return CPU_REASON_TEXT[code]?.[0] ?? `reason-0x${code.toString(16)}`;
}

export function cpuReasonDescription(code: number): string {
  return CPU_REASON_TEXT[code]?.[1] ?? 'unknown CPU reason';
}

/** What an engine can do. */
export interface BackendCaps {
  /** Families whose flows it can take. */
  readonly families: readonly (4 | 6)[];
  /** IPv4 NAT (SNAT/DNAT rewrite) in hardware. */
  readonly ipv4Nat: boolean;
  /** IPv6 NAT in hardware. */
  readonly ipv6Nat: boolean;
  /** VLAN tags it can push per direction. */
  readonly maxVlans: number;
  readonly pppoe: boolean;
  /** 802.1ad outer tags. */
  readonly qinq: boolean;
  /** Per-flow packet/byte counters (MIB) readable by FLOW_CLS_STATS. */
  readonly perFlowCounters: boolean;
  /** Shaping of offloaded flows in hardware (the only way SQM-like shaping survives offload). */
  readonly hwShaping: boolean;
  /** WED Wi-Fi offload version (0 = none). */
  readonly wed: number;
  /** Hardware flow entries in total (all tables), 0 when there is no engine. */
  readonly tableSize: number;
  /** Packets per second a flow needs before the engine binds it (0 = binds on insertion). */
  readonly bindRateThreshold: number;
  /** Whether replace() takes flows at all. */
  readonly takesFlowtable: boolean;
}

/** Bound / learned entries right now. */
export interface Occupancy {
  /** Entries forwarding in hardware. */
  readonly bound: number;
  /** Entries learned but not bound (PPE UNBIND), or 0. */
  readonly unbound: number;
  /** Flows the driver holds in software waiting to bind (PPE lists), or offloaded flows. */
  readonly filed: number;
  /** Usable hardware entries. */
  readonly capacity: number;
}

/** Where one direction of a flow sits, for trace (`entries(flowId)`). */
export interface FlowPlacement {
  readonly dir: number;
  /** Engine instance (PPE index), or 0. */
  readonly engine: number;
  /** Hash bucket, or -1. */
  readonly bucket: number;
  /** Way within the bucket (hardware entry index = bucket*ways + way), or -1. */
  readonly way: number;
  /** 'BIND' | 'UNBIND' | 'FIN' | 'INVALID' | 'software' | 'offloaded' */
  readonly state: string;
  /** Why it is not bound ('below bind rate', 'bucket full', …), or '' when bound. */
  readonly why: string;
}

/** Global accounting every backend keeps. */
export class BackendCounters {
  /** Refusals by OffloadRefusal code. */
  readonly refusals = new Float64Array(OFFLOAD_REFUSALS.length);
  /** Packets punted to the CPU by CpuReason code. */
  readonly cpuReasons = new Float64Array(CPU_REASON_COUNT);
  /** Packets forwarded by the engine. */
  hwPackets = 0;
  hwBytes = 0;
  /** Flows accepted by replace(). */
  accepted = 0;
  destroyed = 0;
  /** Entries moved to BIND. */
  binds = 0;
  /** Entries moved out of BIND (aging, FIN, destroy, overwrite). */
  unbinds = 0;
  /** Bound entries aged out by idle time. */
  agedOut = 0;
  /** Entries the engine learned from traffic (PPE UNBIND builds). */
  learned = 0;
  /** Packets of unknown flows that found every way of their bucket taken. */
  collisionsLost = 0;
  /** Driver bind checks run (mtk_ppe_check_skb past its rate limit). */
  bindChecks = 0;
  /** Driver bind checks skipped by the 100 ms per-entry limit. */
  bindChecksRateLimited = 0;
  /** Bind requests with no matching software flow (the flow was never offloaded or was destroyed). */
  bindNoFlow = 0;

  refusalsTotal(): number {
    let n = 0;
    for (let i = 1; i < this.refusals.length; i++) n += this.refusals[i]!;
    return n;
  }
}

/**
 * A flow engine behind the flowtable. Implementations: MediatekPpe (and AirohaPpe), Mlx5Backend,
 * RefusingBackend (no engine / no flowtable binding).
 */
export interface HardwareBackend {
  readonly name: string;
  readonly caps: BackendCaps;
  readonly counters: BackendCounters;
  /** CpuReason of the last rxLookup that returned -1. */
  readonly lastCpuReason: number;

  /**
   * FLOW_CLS_REPLACE for both directions (REPLY only with OFFLOAD_F_BIDIRECTIONAL).
   * Returns 0 when accepted, else an OffloadRefusal code. A refusal leaves no state behind.
   */
  replace(req: OffloadRequest, now: number): number;
  /** FLOW_CLS_DESTROY: forget the flow and clear its hardware entries. Unknown ids are ignored. */
  destroy(flowId: number): void;
  /**
   * FLOW_CLS_STATS. Fills out[0] = packets, out[1] = bytes (cumulative since replace), out[2] =
   * lastUsed (ns, -1 when the flow is unknown); when out.length ≥ 7 also out[3..6] = original
   * packets, original bytes, reply packets, reply bytes. Returns false when the engine has no
   * per-flow counters (out[0], out[1] are then 0 but out[2] is still filled) or the flow is unknown.
   */
  stats(flowId: number, out: Float64Array): boolean;
  /**
   * The engine sees a received frame before the CPU. Returns flowId*2+dir when a bound entry
   * forwards it in hardware (the caller applies the flow's rewrite exactly as the software fast
   * path would and skips every CPU stage), or -1 when it goes to the CPU (`lastCpuReason` says why).
   */
  rxLookup(pool: PacketPool, slot: number, inPort: number, now: number): number;
  /**
   * Burst look-ahead (Router.receiveBurst), changing nothing: reads the line of the engine's table
   * that rxLookup will read first for this frame and returns a handle for `warmRecord`, or -1.
   * Engines whose table fits in cache return -1.
   */
  warmIndex(pool: PacketPool, slot: number, inPort: number): number;
  /** Reads the entry behind a `warmIndex` handle; returns the flowtable entry it forwards on, or -1. */
  warmRecord(handle: number): number;
  /** Aging scans and deferred work; call at least once per virtual second. */
  tick(now: number): void;
  occupancy(): Occupancy;
  /** Where the flow sits, per direction (trace; allocates). */
  entries(flowId: number): FlowPlacement[];
  /** Multi-line human description for `flowsim socs`. */
  describe(): string;
}
