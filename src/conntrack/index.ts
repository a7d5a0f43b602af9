/** Connection tracking: table, trackers, NAT bindings, reports. */
export * from './constants.ts';
export * from './config.ts';
export { ConntrackStats } from './stats.ts';
export { ConntrackTable, CT_STRIDE, NF_CT_EVICTION_RANGE, tcpCanEarlyDrop } from './table.ts';
export { conntrackIn, setUntracked } from './conntrack-in.ts';
export { TCP_CONNTRACKS, tcpTransition, tcpFlagIndex, tcpFlagsValid, TCP_SYN_SET, TCP_SYNACK_SET, TCP_FIN_SET, TCP_ACK_SET, TCP_RST_SET, TCP_NONE_SET } from './tcp.ts';
export {
  setupNat, allocNullBinding, setupMasquerade, natManglePlan, natRangeV4, natRangeV6, natRangePorts,
  NAT_PLAN_WORDS, NAT_PLAN_MASK, NAT_CHANGE_SADDR, NAT_CHANGE_SPORT, NAT_CHANGE_DADDR, NAT_CHANGE_DPORT,
} from './nat.ts';
export type { NatRange, NatRangeOptions } from './nat.ts';
export { formatEntry, formatTuple, listEntries, entryInfo, formatIpv4, formatIpv6 } from './format.ts';
export type { ConntrackEntryInfo } from './format.ts';
