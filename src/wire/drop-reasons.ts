/**
 * Why a packet was dropped, as data (the kernel's `enum skb_drop_reason`, VPP's error counters).
 *
 * A stage that drops a packet writes one of these codes into `PacketPool.drop[slot]` and counts it;
 * reports print the description. Codes are indices into this list, so the list is append-only
 * within a release: reordering would change the meaning of counters in saved reports.
 */
export const DROP_REASONS = [
  ['NOT_DROPPED', 'not dropped'],
  // wire / parser (modelled on SKB_DROP_REASON_PKT_TOO_SMALL, IP_CSUM, IP_INHDR, …)
  ['PKT_TOO_SMALL', 'frame shorter than its link-layer header'],
  ['UNKNOWN_ETHERTYPE', 'ethertype not handled'],
  ['VLAN_TRUNCATED', '802.1Q/802.1ad tag truncated'],
  ['TOO_MANY_TAGS', 'more VLAN tags than the stack parses'],
  ['PPPOE_TRUNCATED', 'PPPoE session header truncated'],
  ['PPPOE_BAD_HEADER', 'PPPoE version/type/code not a session packet'],
  ['PPPOE_BAD_LENGTH', 'PPPoE payload length exceeds the frame'],
  ['PPP_UNKNOWN_PROTO', 'PPP protocol is neither IPv4 nor IPv6'],
  ['IP_TRUNCATED', 'IP header truncated'],
  ['IP_BAD_VERSION', 'IP version does not match the ethertype'],
  ['IP_BAD_IHL', 'IPv4 header length below 20 bytes or past the packet'],
  ['IP_CSUM', 'IPv4 header checksum error'],
  ['IP_BAD_TOTLEN', 'IP total length does not fit the frame'],
  ['IP_BAD_SADDR', 'IP source address is multicast, broadcast or loopback'],
  ['IPV6_BAD_EXTHDR', 'IPv6 extension header truncated or malformed'],
  ['IPV6_EXTHDR_CHAIN', 'IPv6 extension header chain too long'],
  ['L4_TRUNCATED', 'transport header truncated'],
  ['TCP_BAD_DOFF', 'TCP data offset below 5 words or past the packet'],
  ['L4_CSUM', 'transport checksum error'],
  ['UDP_BAD_LENGTH', 'UDP length does not fit the packet'],
  // routing / forwarding (SKB_DROP_REASON_IP_NOROUTE, IP_INADDRERRORS, …)
  ['IP_NOROUTE', 'no route to destination'],
  ['IP_TTL_EXPIRED', 'TTL or hop limit expired on forward'],
  ['PKT_TOO_BIG', 'packet larger than the egress MTU with DF set (IPv6: always)'],
  ['FRAG_NEEDED_NO_DF', 'packet larger than the egress MTU could not be fragmented'],
  ['NEIGH_FAILED', 'no neighbour (ARP/ND) entry for the next hop'],
  ['NOT_FOR_US', 'unicast to another MAC address'],
  ['FORWARDING_DISABLED', 'forwarding disabled on this device'],
  ['DEV_DOWN', 'device is down'],
  ['BRIDGE_NO_PORT', 'bridge has no port for this destination'],
  ['LOCAL_NO_SOCKET', 'delivered locally but no socket listens (reply not modelled)'],
  // netfilter (SKB_DROP_REASON_NETFILTER_DROP and friends)
  ['NETFILTER_DROP', 'dropped by a netfilter rule or chain policy'],
  ['NFT_REJECT', 'rejected by a rule (error sent back)'],
  ['NFT_JUMP_STACK', 'nftables jump stack overflow'],
  ['NFT_LIMIT', 'dropped by a limit/quota rule'],
  // conntrack (SKB_DROP_REASON_NF_CONNTRACK … as nf_conntrack_in counts)
  ['CT_TABLE_FULL', 'conntrack table full and no entry could be early-dropped'],
  ['CT_INVALID', 'conntrack marked the packet invalid and a rule dropped it'],
  ['NAT_NO_TUPLE', 'no free NAT tuple left in the range'],
  // qdisc / link
  ['QDISC_DROP', 'egress queue full (tail drop)'],
  ['QDISC_CODEL', 'dropped by CoDel/fq_codel for standing-queue delay'],
  ['QDISC_OVERLIMIT', 'shaper backlog over its limit'],
  ['RING_FULL', 'receive or transmit ring full'],
  ['POOL_EXHAUSTED', 'no free packet buffer'],
  // hardware engine
  ['HW_DROP', 'dropped by the hardware engine'],
  // net: rx demux and routing (src/net)
  ['VLAN_UNKNOWN', 'tagged frame for a VLAN id with no VLAN device (PACKET_OTHERHOST)'],
  ['PPPOE_NO_SESSION', 'PPPoE session id not bound to a PPPoE device on this interface'],
  ['DSA_UNKNOWN_PORT', 'DSA tag names a switch port with no user device'],
  ['L2_BAD_SADDR', 'source MAC is multicast or zero (br_handle_frame)'],
  ['BRIDGE_SAME_PORT', 'bridge destination is behind the ingress port (no hairpin)'],
  ['ROUTE_BLACKHOLE', 'route type blackhole: dropped silently'],
  ['ROUTE_UNREACHABLE', 'route type unreachable: ICMP host unreachable sent'],
  ['ROUTE_PROHIBIT', 'route type prohibit: ICMP administratively prohibited sent'],
  // conntrack (appended)
  ['CT_INSERT_FAILED', 'conntrack confirm found the tuple already taken (insert_failed)'],
  // NAT (appended)
  ['NAT_ICMP_UNTRANSLATED', 'ICMP error about a NATed connection that NAT cannot translate (nf_nat_icmp_reply_translation)'],
  ['NAT_NO_ADDRESS', 'redirect or masquerade: the device has no address of the family'],
] as const;

export type DropReasonName = (typeof DROP_REASONS)[number][0];

/** Numeric code per name, e.g. `DropReason.IP_CSUM`. Built once at load time. */
export const DropReason = Object.freeze(
  Object.fromEntries(DROP_REASONS.map(([name], code) => [name, code])) as { [K in DropReasonName]: number },
);

export const DROP_REASON_COUNT = DROP_REASONS.length;

export function dropReasonName(code: number): DropReasonName {
  const entry = DROP_REASONS[code];
  if (entry === undefined) throw new RangeError(`unknown drop reason code ${code}`);
  return entry[0];
}

export function dropReasonDescription(code: number): string {
  const entry = DROP_REASONS[code];
  return entry === undefined ? `unknown drop reason ${code}` : entry[1];
}
