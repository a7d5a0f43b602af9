/**
 * Shared definitions of the software flowtable (net/netfilter/nf_flow_table_*.c).
 */

/** enum nf_flow_flags (mainline 6.6/6.12). */
export const NF_FLOW_SNAT = 1 << 0;
export const NF_FLOW_DNAT = 1 << 1;
export const NF_FLOW_TEARDOWN = 1 << 2;
export const NF_FLOW_HW = 1 << 3;
export const NF_FLOW_HW_DYING = 1 << 4;
export const NF_FLOW_HW_DEAD = 1 << 5;
export const NF_FLOW_HW_PENDING = 1 << 6;
export const NF_FLOW_HW_BIDIRECTIONAL = 1 << 7;
export const NF_FLOW_HW_ESTABLISHED = 1 << 8;
/** flowsim: the hardware accepted the flow (IPS_HW_OFFLOAD set on the connection). */
export const NF_FLOW_HW_ACCEPTED = 1 << 9;

/** enum flow_offload_xmit_type. */
export const FLOW_OFFLOAD_XMIT_NEIGH = 1;
export const FLOW_OFFLOAD_XMIT_DIRECT = 3;

/** NF_FLOW_TIMEOUT: 30 s, also the default of nf_flowtable_{tcp,udp}_timeout. */
export const NF_FLOW_TIMEOUT_NS = 30e9;
/** The fast path writes a refreshed timeout only when it moved by more than a second (HZ). */
export const FLOW_REFRESH_GRANULARITY_NS = 1e9;
/** nf_flow_offload_work_gc runs every second. */
export const FLOW_GC_INTERVAL_NS = 1e9;

/** Key words per direction: the tuple (10), input ifindex (1), two encapsulation ids (2). */
export const FLOW_KEY_WORDS = 13;
export const K_IIF = 10;
export const K_ENCAP0 = 11;
export const K_ENCAP1 = 12;

/**
 * Encapsulation word: (proto << 16) | id as an int32 — proto 0x8100/0x88a8 for VLAN, 0x8864 for
 * PPPoE; 0 = none. Compare words with `| 0` on both sides (typed arrays hold them as uint32).
 */
export function encapWord(proto: number, id: number): number {
  // int32 (VLAN and PPPoE words have the top bit set): a returned uint32 above 2^31 is boxed.
  return (proto << 16) | (id & 0xffff);
}

/**
 * The route of one direction, filled by the router at `flow add` (nft_flow_route +
 * nft_dev_path_info) — what the flowtable caches to transmit without the classic path.
 * A reusable object owned by the caller; the flowtable copies it.
 */
export interface FlowRouteDir {
  /** ifindex the packets of this direction arrive on, as the flowtable hook sees it (tuple.iifidx). */
  inIf: number;
  /** Encapsulation the packets of this direction carry when they arrive (encapWord, 0 = none). */
  inEncap0: number;
  inEncap1: number;
  xmit: number;
  /** NEIGH: the L3 output device; DIRECT: the real (physical) device. */
  outIf: number;
  /** The physical port that finally sends the frame. */
  outPort: number;
  /** DIRECT: Ethernet addresses to write (hi16/lo32). */
  srcMacHi: number;
  srcMacLo: number;
  dstMacHi: number;
  dstMacLo: number;
  /** DIRECT: encapsulations to push, outermost first (encapWord, 0 = none). */
  outEncap0: number;
  outEncap1: number;
  /** MTU of the output path (flow_offload_fill_route: dst_mtu). */
  mtu: number;
}

export function newFlowRouteDir(): FlowRouteDir {
  return { inIf: 0, inEncap0: 0, inEncap1: 0, xmit: FLOW_OFFLOAD_XMIT_NEIGH, outIf: 0, outPort: 0, srcMacHi: 0, srcMacLo: 0, dstMacHi: 0, dstMacLo: 0, outEncap0: 0, outEncap1: 0, mtu: 1500 };
}

/** What the flowtable asks of conntrack (implemented over the conntrack table by the router). */
export interface FlowCtOps {
  /** The connection's entry index: the flow id, and where its tuples are in the tuple store. */
  index(ct: number): number;
  /** The flow's reference on the connection (nf_ct_get in flow_offload_alloc): its record stays. */
  hold(ct: number): void;
  /** flow_offload_free's nf_ct_put: a connection deleted meanwhile is freed now. */
  put(ct: number): void;
  status(ct: number): number;
  setStatus(ct: number, bits: number): void;
  clearStatus(ct: number, bits: number): void;
  /** False once the connection is gone or dying (nf_ct_is_dying, or a stale handle). */
  alive(ct: number): boolean;
  /** flow_offload_fixup_ct: hand the connection back to conntrack with its timeout fixed up. */
  fixup(ct: number, now: number, offloadTimeoutNs: number): void;
  /** nf_ct_offload_timeout: keep an offloaded connection from expiring under conntrack's GC. */
  extendTimeout(ct: number, now: number): void;
  /** nf_ct_acct_add: flowtable `counter` feeds conntrack's counters. */
  acct(ct: number, dir: number, packets: number, bytes: number): void;
}
