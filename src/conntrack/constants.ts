/**
 * Conntrack constants with the kernel's numbering, so values print and compare like the kernel's.
 *
 * Sources: include/uapi/linux/netfilter/nf_conntrack_common.h (ip_conntrack_info,
 * ip_conntrack_status), include/uapi/linux/netfilter/nf_conntrack_tcp.h (tcp_conntrack),
 * include/uapi/linux/netfilter/nf_tables.h + net/netfilter/nft_ct.c (ct state bits).
 */

// --- ctinfo (enum ip_conntrack_info) ---------------------------------------------------------------
export const IP_CT_ESTABLISHED = 0;
export const IP_CT_RELATED = 1;
export const IP_CT_NEW = 2;
export const IP_CT_IS_REPLY = 3;
export const IP_CT_ESTABLISHED_REPLY = IP_CT_ESTABLISHED + IP_CT_IS_REPLY; // 3
export const IP_CT_RELATED_REPLY = IP_CT_RELATED + IP_CT_IS_REPLY; // 4
/**
 * Not a kernel value: the kernel marks an invalid packet by leaving it without a conntrack
 * (skb->_nfct = 0). flowsim writes this marker into `pool.ctInfo` (with `pool.ct = -1`) so a report
 * can tell "invalid" from "never looked at".
 */
export const CT_INFO_INVALID = 6;
/** IP_CT_UNTRACKED: set by `notrack` (or for ICMPv6 ND/MLD); conntrack leaves such packets alone. */
export const IP_CT_UNTRACKED = 7;

export const IP_CT_DIR_ORIGINAL = 0;
export const IP_CT_DIR_REPLY = 1;

// --- nft `ct state` bits (NF_CT_STATE_*_BIT, nft_ct_get_eval) -------------------------------------
export const NF_CT_STATE_INVALID_BIT = 1 << 0;
export const NF_CT_STATE_ESTABLISHED_BIT = 1 << 1;
export const NF_CT_STATE_RELATED_BIT = 1 << 2;
export const NF_CT_STATE_NEW_BIT = 1 << 3;
export const NF_CT_STATE_UNTRACKED_BIT = 1 << 6;

/**
 * The `ct state` bit nft sees for a packet (nft_ct_get_eval, NFT_CT_STATE): with a conntrack,
 * NF_CT_STATE_BIT(ctinfo) = 1 << (ctinfo % IP_CT_IS_REPLY + 1); untracked → UNTRACKED; no conntrack →
 * INVALID.
 */
export function ctStateBit(ctHandle: number, ctinfo: number): number {
  if (ctHandle >= 0 && ctinfo < CT_INFO_INVALID) return 1 << ((ctinfo % IP_CT_IS_REPLY) + 1);
  if (ctinfo === IP_CT_UNTRACKED) return NF_CT_STATE_UNTRACKED_BIT;
  return NF_CT_STATE_INVALID_BIT;
}

/** Reply direction of a ctinfo (CTINFO2DIR). */
export function ctinfoDir(ctinfo: number): number {
  return ctinfo >= IP_CT_IS_REPLY && ctinfo < CT_INFO_INVALID ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
}

// --- status bits (enum ip_conntrack_status), kernel bit numbers -----------------------------------
export const IPS_EXPECTED_BIT = 0;
export const IPS_SEEN_REPLY_BIT = 1;
export const IPS_ASSURED_BIT = 2;
export const IPS_CONFIRMED_BIT = 3;
export const IPS_SRC_NAT_BIT = 4;
export const IPS_DST_NAT_BIT = 5;
export const IPS_SEQ_ADJUST_BIT = 6;
export const IPS_SRC_NAT_DONE_BIT = 7;
export const IPS_DST_NAT_DONE_BIT = 8;
export const IPS_DYING_BIT = 9;
export const IPS_FIXED_TIMEOUT_BIT = 10;
export const IPS_TEMPLATE_BIT = 11;
export const IPS_NAT_CLASH_BIT = 12;
export const IPS_HELPER_BIT = 13;
export const IPS_OFFLOAD_BIT = 14;
export const IPS_HW_OFFLOAD_BIT = 15;

export const IPS_EXPECTED = 1 << IPS_EXPECTED_BIT;
export const IPS_SEEN_REPLY = 1 << IPS_SEEN_REPLY_BIT;
export const IPS_ASSURED = 1 << IPS_ASSURED_BIT;
export const IPS_CONFIRMED = 1 << IPS_CONFIRMED_BIT;
export const IPS_SRC_NAT = 1 << IPS_SRC_NAT_BIT;
export const IPS_DST_NAT = 1 << IPS_DST_NAT_BIT;
export const IPS_NAT_MASK = IPS_SRC_NAT | IPS_DST_NAT;
export const IPS_SEQ_ADJUST = 1 << IPS_SEQ_ADJUST_BIT;
export const IPS_SRC_NAT_DONE = 1 << IPS_SRC_NAT_DONE_BIT;
export const IPS_DST_NAT_DONE = 1 << IPS_DST_NAT_DONE_BIT;
export const IPS_NAT_DONE_MASK = IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
export const IPS_DYING = 1 << IPS_DYING_BIT;
export const IPS_FIXED_TIMEOUT = 1 << IPS_FIXED_TIMEOUT_BIT;
export const IPS_NAT_CLASH = 1 << IPS_NAT_CLASH_BIT;
export const IPS_HELPER = 1 << IPS_HELPER_BIT;
export const IPS_OFFLOAD = 1 << IPS_OFFLOAD_BIT;
export const IPS_HW_OFFLOAD = 1 << IPS_HW_OFFLOAD_BIT;

// --- TCP states (enum tcp_conntrack) --------------------------------------------------------------
export const TCP_CONNTRACK_NONE = 0;
export const TCP_CONNTRACK_SYN_SENT = 1;
export const TCP_CONNTRACK_SYN_RECV = 2;
export const TCP_CONNTRACK_ESTABLISHED = 3;
export const TCP_CONNTRACK_FIN_WAIT = 4;
export const TCP_CONNTRACK_CLOSE_WAIT = 5;
export const TCP_CONNTRACK_LAST_ACK = 6;
export const TCP_CONNTRACK_TIME_WAIT = 7;
export const TCP_CONNTRACK_CLOSE = 8;
export const TCP_CONNTRACK_SYN_SENT2 = 9;
export const TCP_CONNTRACK_MAX = 10; // sIV in the transition table
export const TCP_CONNTRACK_IGNORE = 11; // sIG
export const TCP_CONNTRACK_RETRANS = 12; // timeout-only slots
export const TCP_CONNTRACK_UNACK = 13;
export const TCP_CONNTRACK_TIMEOUT_MAX = 14;

/** tcp_conntrack_names[] as /proc/net/nf_conntrack and `conntrack -L` print them. */
export const TCP_CONNTRACK_NAMES = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
] as const;

// --- NAT ------------------------------------------------------------------------------------------
/** enum nf_nat_manip_type */
export const NF_NAT_MANIP_SRC = 0;
export const NF_NAT_MANIP_DST = 1;

/** NF_NAT_RANGE_* flags (include/uapi/linux/netfilter/nf_nat.h). */
export const NF_NAT_RANGE_MAP_IPS = 1 << 0;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 1 << 1;
export const NF_NAT_RANGE_PROTO_RANDOM = 1 << 2;
export const NF_NAT_RANGE_PERSISTENT = 1 << 3;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 1 << 4;
export const NF_NAT_RANGE_PROTO_OFFSET = 1 << 5;
export const NF_NAT_RANGE_NETMAP = 1 << 6;
export const NF_NAT_RANGE_PROTO_RANDOM_ALL = NF_NAT_RANGE_PROTO_RANDOM | NF_NAT_RANGE_PROTO_RANDOM_FULLY;
