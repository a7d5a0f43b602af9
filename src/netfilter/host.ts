/**
 * The narrow interface between the rule engine and the rest of the router.
 *
 * The engine never imports conntrack, NAT, devices or the FIB: everything it needs from them goes
 * through a `NetfilterHost` the router implements. Per-packet methods take the packet's slot and
 * return numbers or booleans; nothing crosses this boundary as a fresh object per packet.
 *
 * Conntrack state the rules see is read straight from the pool: `pool.ctState[slot]` holds the
 * packet's ct state bit (CT_STATE_* below, as NF_CT_STATE_BIT(ctinfo) computes it; 0 = the
 * packet has no conntrack entry, which `ct state` reads as `invalid`, as nft_ct_get_eval does),
 * `pool.ct[slot]` the entry handle (< 0: none) and `pool.ctDir[slot]` the direction.
 */

// --- families and hooks ------------------------------------------------------------------------

/** NFPROTO_* values. */
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_IPV6 = 10;

/** Hook numbers (enum nf_inet_hooks, then the netdev hooks after them). */
export const HOOK_PREROUTING = 0;
export const HOOK_INPUT = 1;
export const HOOK_FORWARD = 2;
export const HOOK_OUTPUT = 3;
export const HOOK_POSTROUTING = 4;
export const HOOK_INGRESS = 5;
export const HOOK_EGRESS = 6;
export const HOOK_COUNT = 7;
export const HOOK_NAMES = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'] as const;

/** Standard priorities (include/uapi/linux/netfilter_ipv4.h). */
export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_CONNTRACK = -200;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_CONNTRACK_HELPER = 300;
export const NF_IP_PRI_CONNTRACK_CONFIRM = 0x7fffffff; // INT_MAX

// --- conntrack ---------------------------------------------------------------------------------

/** NF_CT_STATE_* bits (uapi nf_conntrack_common.h). */
export const CT_STATE_INVALID = 1;
export const CT_STATE_ESTABLISHED = 2;
export const CT_STATE_RELATED = 4;
export const CT_STATE_NEW = 8;
export const CT_STATE_UNTRACKED = 64;

/** IPS_* status bits the engine interprets itself. */
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;

export const CT_DIR_ORIGINAL = 0;
export const CT_DIR_REPLY = 1;

// --- NAT ---------------------------------------------------------------------------------------

/** enum nf_nat_manip_type. */
export const NAT_MANIP_SRC = 0;
export const NAT_MANIP_DST = 1;

/** HOOK2MANIP(): SNAT at postrouting and input, DNAT at prerouting and output. */
export function hookManip(hook: number): number {
  return hook === HOOK_POSTROUTING || hook === HOOK_INPUT ? NAT_MANIP_SRC : NAT_MANIP_DST;
}

/** What a NAT statement asked for. */
export const NAT_KIND_SNAT = 0;
export const NAT_KIND_DNAT = 1;
export const NAT_KIND_MASQUERADE = 2;
export const NAT_KIND_REDIRECT = 3;

/** NF_NAT_RANGE_* flags (uapi nf_nat.h). */
export const NF_NAT_RANGE_MAP_IPS = 1 << 0;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 1 << 1;
export const NF_NAT_RANGE_PROTO_RANDOM = 1 << 2;
export const NF_NAT_RANGE_PERSISTENT = 1 << 3;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 1 << 4;
export const NF_NAT_RANGE_NETMAP = 1 << 6;

/**
 * struct nf_nat_range2, preallocated per NAT statement. For statements whose address or port
 * comes from a map the engine refills this one object before calling the host, so nothing is
 * allocated per packet; the host must not keep a reference past the call.
 */
export class NatRange {
  kind = NAT_KIND_SNAT;
  flags = 0;
  /** 4 for IPv4, 6 for IPv6, 0 when the statement does not say (inet with masquerade). */
  family = 0;
  /** Address words as in tuple.ts (IPv4 in word 0). */
  readonly minAddr = new Uint32Array(4);
  readonly maxAddr = new Uint32Array(4);
  minPort = 0;
  maxPort = 0;
}

// --- statements with effects --------------------------------------------------------------------

/** How to reject (enum nft_reject_types, split by family so the host need not guess). */
export const REJECT_ICMP = 0; // ICMP destination-unreachable, code = icmp code
export const REJECT_TCP_RST = 1;
export const REJECT_ICMPX = 2; // family-independent code (NFT_REJECT_ICMPX_*)
export const REJECT_ICMPV6 = 3; // ICMPv6 destination-unreachable, code = icmpv6 code

/** nft_fib flags (NFTA_FIB_F_*). */
export const FIB_F_SADDR = 1 << 0;
export const FIB_F_DADDR = 1 << 1;
export const FIB_F_MARK = 1 << 2;
export const FIB_F_IIF = 1 << 3;
export const FIB_F_OIF = 1 << 4;
/** enum nft_fib_result. */
export const FIB_RESULT_OIF = 1;
export const FIB_RESULT_OIFNAME = 2;
export const FIB_RESULT_ADDRTYPE = 3;

/** A `log` statement as compiled; the host formats it lazily from its index. */
export interface LogInfo {
  readonly prefix: string | null;
  readonly level: string | null;
  readonly flags: readonly string[];
  readonly group: number | null;
  /** Where the rule is, for the host's message. */
  readonly table: string;
  readonly chain: string;
}

/**
 * What the router provides. All per-packet calls are synchronous and must not allocate in the
 * common case; `now` is virtual time in ns.
 */
export interface NetfilterHost {
  // --- devices (compile time and on device changes only) ---
  /** Every device as [ifindex, name]; used to resolve names and `eth*` wildcards to indices. */
  listDevices(): Iterable<readonly [number, string]>;
  /** Name of an ifindex, for traces and reports ('' if none). */
  deviceName(ifindex: number): string;
  /** ARPHRD_* type of a device (meta iiftype/oiftype). */
  deviceType(ifindex: number): number;

  // --- conntrack (only called when pool.ct[slot] >= 0) ---
  ctStatus(slot: number): number;
  ctMark(slot: number): number;
  ctSetMark(slot: number, mark: number): void;
  /**
   * `ct helper`: the helper id of the packet's connection's MASTER — the connection whose helper
   * expected it (nft_ct_get_eval reads ct->master's helper) — or 0 when it has none; ids come
   * from helperId().
   */
  ctHelper(slot: number): number;
  /** Helper id for a kernel helper name ("ftp"); resolved at compile time. */
  helperId(name: string): number;
  /** Milliseconds until the connection expires (ct expiration). */
  ctExpiration(slot: number, now: number): number;
  /** Writes the connection's tuple for `dir` (TUPLE_WORDS words, tuple.ts layout) at out[off]. */
  ctTuple(slot: number, dir: number, out: Uint32Array, off: number): void;

  // --- NAT (nf_nat_core) ---
  /** nf_nat_initialized(ct, maniptype). */
  natInitialized(slot: number, maniptype: number): boolean;
  /** nf_nat_setup_info() from a nat statement; masquerade/redirect need the host's addresses. 0 or a DropReason. */
  natSetup(slot: number, maniptype: number, range: NatRange): number;
  /** nf_nat_alloc_null_binding(); 0 or a DropReason. */
  natNullBinding(slot: number, maniptype: number): number;
  /** nf_nat_packet(): rewrite the packet per the binding (or the ICMP error's inner header). 0 or a DropReason. */
  natMangle(slot: number, maniptype: number): number;

  // --- statements ---
  reject(slot: number, kind: number, code: number): void;
  /** `log`: index into CompiledRuleset.logs. */
  log(slot: number, logIndex: number): void;
  /** `flow add @ft` (nft_flow_offload_eval); false when the flow was not added. */
  flowAdd(slot: number, flowtableIndex: number, now: number): boolean;
  /** `notrack` (nft_notrack_eval). */
  notrack(slot: number): void;
  /** `ct helper set "obj"`: index into CompiledRuleset.ctHelpers. */
  ctHelperSet(slot: number, helperIndex: number): void;
  /** `tcp option maxseg size set …`: clamp the SYN's MSS to `mss`, or to the route MTU's MSS when mss < 0 (`rt mtu`). */
  clampMss(slot: number, mss: number): void;
  /** nft_fib_eval: FIB_F_* flags, FIB_RESULT_*; returns the oif index (0 none) or the RTN_* type. */
  fib(slot: number, flags: number, result: number): number;
}
