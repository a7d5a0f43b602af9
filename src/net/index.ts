/**
 * The router's network layer (`src/net`): devices, receive demultiplexing, forward-path
 * resolution for the flowtable, the FIB and the neighbour table.
 *
 * What is modelled, and on which kernel code it is based:
 * - Devices (devices.ts): ethernet ports (optionally DSA conduits), DSA user ports with a tag
 *   protocol, bridges, 802.1Q/802.1ad VLAN devices, PPPoE sessions (ppp devices, MTU parent − 8),
 *   loopback (ifindex 1) and IFB. Integer ifindexes, struct-of-arrays columns, per-device counters.
 * - Receive (rx.ts): __netif_receive_skb_core round by round — DSA tagger, vlan_do_receive, the
 *   bridge rx handler with FDB learning (bridge.ts), pppoe_rcv — and the list of devices whose
 *   ingress hooks saw the frame (where a flowtable hook can catch it).
 * - Forward path (forward-path.ts): dev_fill_forward_path + nft_dev_path_info +
 *   nft_dev_forward_path, mainline (≤ 6.13) by default, net-next's stricter rules on request.
 * - FIB (fib.ts): local and main tables, longest-prefix match, metrics, connected / local /
 *   broadcast routes generated from addresses, blackhole / unreachable / prohibit with their ICMP.
 * - Neighbours (neigh.ts): static ARP/ND entries.
 *
 * Simplified or absent (say so in user docs):
 * - No ARP or ND traffic: neighbours are static; a missing one drops the packet (NEIGH_FAILED)
 *   where Linux would queue it and resolve.
 * - No STP (ports always forward), no VLAN-filtering bridges (bridge vlan mode KEEP only), no
 *   multicast snooping, no hairpin mode; FDB entries expire exactly at ageing time.
 * - No policy routing beyond the local/main tables, no ECMP, no TOS keys, no route cache/PMTU
 *   exceptions; no IPv6 link-local routes unless an address creates them.
 * - PPPoE sessions are configured, not negotiated (no discovery, LCP, IPCP).
 * - DSA tags are not parsed here: the caller says which switch port a conduit frame names.
 */
export * from './mac.ts';
export * from './addr.ts';
export * from './devices.ts';
export * from './bridge.ts';
export * from './rx.ts';
export * from './fib.ts';
export * from './neigh.ts';
export * from './forward-path.ts';
export * from './builder.ts';
