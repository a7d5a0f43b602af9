/**
 * What the nft language knows about fields and constants: data type widths, meta/ct keys,
 * payload fields with their header offsets, and the symbol tables of each data type.
 * Sources: nftables `src/datatype.c`, `src/meta.c`, `src/ct.c`, `src/proto.c`, `src/fib.c`
 * (symbol tables and field templates); kernel uapi headers for the numeric values.
 */
import type { CtKey, DataType, MetaKey, PayloadProtocol } from './ir.ts';

/** Width of each data type in bits (nftables datatype `size`). */
export const DTYPE_BITS: Readonly<Record<DataType, number>> = {
  integer: 32,
  string: 128,
  ifname: 128,
  iface_index: 32,
  iface_type: 16,
  ipv4_addr: 32,
  ipv6_addr: 128,
  ether_addr: 48,
  ether_type: 16,
  inet_proto: 8,
  inet_service: 16,
  nf_proto: 8,
  pkt_type: 8,
  mark: 32,
  tcp_flag: 8,
  icmp_type: 8,
  icmp_code: 8,
  icmpv6_type: 8,
  icmpv6_code: 8,
  icmpx_code: 8,
  dscp: 6,
  ct_state: 32,
  ct_status: 32,
  ct_dir: 8,
  ct_label: 128,
  fib_addrtype: 32,
  boolean: 1,
  time: 64,
  verdict: 32,
};

/** Data types whose values are bit masks (implicit match means "any of", JSON op "in"). */
export const BITMASK_DTYPES: ReadonlySet<DataType> = new Set<DataType>(['tcp_flag', 'ct_state', 'ct_status']);

export function isDataType(name: string): name is DataType {
  return Object.prototype.hasOwnProperty.call(DTYPE_BITS, name);
}

// ---------------------------------------------------------------------------------------------
// Symbol tables (name → value), per data type
// ---------------------------------------------------------------------------------------------

/** tcp flags (`tcp_flag_type`, proto.c). */
const TCP_FLAGS: Record<string, number> = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ecn: 0x40, cwr: 0x80 };
/** ct state bits (`ct_state_tbl`, ct.c; NF_CT_STATE_* in uapi). */
const CT_STATES: Record<string, number> = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 };
/** ct status bits (IPS_* in uapi nf_conntrack_common.h). */
const CT_STATUS: Record<string, number> = {
  expected: 1,
  'seen-reply': 2,
  assured: 4,
  confirmed: 8,
  snat: 16,
  dnat: 32,
  dying: 512,
};
const CT_DIR: Record<string, number> = { original: 0, reply: 1 };
/** IP protocol numbers (`inet_protocol_type`, /etc/protocols). */
const INET_PROTOS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  ipip: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  ospf: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
};
/** Extra spellings accepted on input (printed as the canonical name). */
const INET_PROTO_ALIASES: Record<string, number> = { icmpv6: 58 };
/** A small services table (`/etc/services`) for port names that appear in hand-written rulesets. */
const SERVICES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  http: 80,
  ntp: 123,
  snmp: 161,
  https: 443,
  isakmp: 500,
  'dhcpv6-client': 546,
  'dhcpv6-server': 547,
  submission: 587,
  imaps: 993,
};
const NF_PROTOS: Record<string, number> = { ipv4: 2, ipv6: 10 };
/** pkttype (PACKET_* in if_packet.h). */
const PKT_TYPES: Record<string, number> = { host: 0, broadcast: 1, multicast: 2, other: 3 };
/** ARPHRD_* (meta iiftype). */
const IFACE_TYPES: Record<string, number> = { ether: 1, ppp: 512, ipip: 768, ipip6: 769, loopback: 772, sit: 776, ipgre: 778 };
const ETHER_TYPES: Record<string, number> = { ip: 0x0800, arp: 0x0806, ip6: 0x86dd, vlan: 0x8100, '8021ad': 0x88a8, pppoe: 0x8864 };
/** ICMP types (`icmp_type_tbl`, proto.c). */
const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
  'info-request': 15,
  'info-reply': 16,
  'address-mask-request': 17,
  'address-mask-reply': 18,
};
/** ICMPv6 types (`icmp6_type_tbl`, proto.c). */
const ICMPV6_TYPES: Record<string, number> = {
  'destination-unreachable': 1,
  'packet-too-big': 2,
  'time-exceeded': 3,
  'parameter-problem': 4,
  'echo-request': 128,
  'echo-reply': 129,
  'mld-listener-query': 130,
  'mld-listener-report': 131,
  'mld-listener-done': 132,
  'mld-listener-reduction': 132,
  'nd-router-solicit': 133,
  'nd-router-advert': 134,
  'nd-neighbor-solicit': 135,
  'nd-neighbor-advert': 136,
  'nd-redirect': 137,
  'router-renumbering': 138,
  'ind-neighbor-solicit': 141,
  'ind-neighbor-advert': 142,
  'mld2-listener-report': 143,
};
/** ICMP codes for `reject with icmp type X` (icmp_code_tbl, datatype.c). */
const ICMP_CODES: Record<string, number> = {
  'net-unreachable': 0,
  'host-unreachable': 1,
  'prot-unreachable': 2,
  'port-unreachable': 3,
  'frag-needed': 4,
  'net-prohibited': 9,
  'host-prohibited': 10,
  'admin-prohibited': 13,
};
const ICMPV6_CODES: Record<string, number> = {
  'no-route': 0,
  'admin-prohibited': 1,
  'addr-unreachable': 3,
  'port-unreachable': 4,
  'policy-fail': 5,
  'reject-route': 6,
};
/** NFT_REJECT_ICMPX_* (icmpx_code_tbl). */
const ICMPX_CODES: Record<string, number> = {
  'port-unreachable': 1,
  'admin-prohibited': 3,
  'no-route': 0,
  'host-unreachable': 2,
};
/** RTN_* (fib type). */
const FIB_ADDRTYPES: Record<string, number> = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
};
/** DSCP names (dscp_type_tbl). */
const DSCP: Record<string, number> = {
  cs0: 0, cs1: 8, cs2: 16, cs3: 24, cs4: 32, cs5: 40, cs6: 48, cs7: 56, df: 0, be: 0,
  af11: 10, af12: 12, af13: 14, af21: 18, af22: 20, af23: 22, af31: 26, af32: 28, af33: 30,
  af41: 34, af42: 36, af43: 38, ef: 46, va: 44,
};
const BOOLEANS: Record<string, number> = { exists: 1, missing: 0, true: 1, false: 0 };

/** Symbols accepted on input for a data type. */
const SYMBOLS: Partial<Record<DataType, Record<string, number>>> = {
  tcp_flag: TCP_FLAGS,
  ct_state: CT_STATES,
  ct_status: CT_STATUS,
  ct_dir: CT_DIR,
  inet_proto: { ...INET_PROTOS, ...INET_PROTO_ALIASES },
  inet_service: SERVICES,
  nf_proto: NF_PROTOS,
  pkt_type: PKT_TYPES,
  iface_type: IFACE_TYPES,
  ether_type: ETHER_TYPES,
  icmp_type: ICMP_TYPES,
  icmpv6_type: ICMPV6_TYPES,
  icmp_code: ICMP_CODES,
  icmpv6_code: ICMPV6_CODES,
  icmpx_code: ICMPX_CODES,
  fib_addrtype: FIB_ADDRTYPES,
  dscp: DSCP,
  boolean: BOOLEANS,
};

/** Data types nft prints by name (ports, marks, codes of payload fields print as numbers). */
const PRINT_BY_NAME: ReadonlySet<DataType> = new Set<DataType>([
  'tcp_flag', 'ct_state', 'ct_status', 'ct_dir', 'inet_proto', 'nf_proto', 'pkt_type', 'iface_type',
  'ether_type', 'icmp_type', 'icmpv6_type', 'icmpx_code', 'icmp_code', 'icmpv6_code', 'fib_addrtype', 'dscp',
]);

/** The value of a symbolic constant of `dtype`, or undefined. */
export function symbolValue(dtype: DataType, name: string): number | undefined {
  const table = SYMBOLS[dtype];
  if (table === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** The canonical name of `value` in `dtype`'s symbol table, if nft prints it by name. */
export function symbolName(dtype: DataType, value: number): string | undefined {
  if (!PRINT_BY_NAME.has(dtype)) return undefined;
  const table = dtype === 'inet_proto' ? INET_PROTOS : SYMBOLS[dtype];
  if (table === undefined) return undefined;
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return undefined;
}

/** The single-bit names of a bitmask type, in bit order (nft prints flag lists this way). */
export function bitNames(dtype: DataType): [string, number][] {
  const table = SYMBOLS[dtype];
  if (table === undefined) return [];
  return Object.entries(table).sort((a, b) => a[1] - b[1]);
}

/** A few symbols, for "expected one of …" messages. */
export function symbolExamples(dtype: DataType): string[] {
  const table = SYMBOLS[dtype];
  return table === undefined ? [] : Object.keys(table).slice(0, 6);
}

// ---------------------------------------------------------------------------------------------
// meta keys (meta.c meta_templates)
// ---------------------------------------------------------------------------------------------

export interface FieldInfo {
  readonly dtype: DataType;
  readonly bits: number;
}

export const META_KEYS: Readonly<Record<MetaKey, FieldInfo>> = {
  iif: { dtype: 'iface_index', bits: 32 },
  oif: { dtype: 'iface_index', bits: 32 },
  iifname: { dtype: 'ifname', bits: 128 },
  oifname: { dtype: 'ifname', bits: 128 },
  iiftype: { dtype: 'iface_type', bits: 16 },
  oiftype: { dtype: 'iface_type', bits: 16 },
  l4proto: { dtype: 'inet_proto', bits: 8 },
  nfproto: { dtype: 'nf_proto', bits: 8 },
  protocol: { dtype: 'ether_type', bits: 16 },
  mark: { dtype: 'mark', bits: 32 },
  pkttype: { dtype: 'pkt_type', bits: 8 },
  length: { dtype: 'integer', bits: 32 },
  nftrace: { dtype: 'boolean', bits: 1 },
  priority: { dtype: 'integer', bits: 32 },
  skuid: { dtype: 'integer', bits: 32 },
  skgid: { dtype: 'integer', bits: 32 },
};

/** meta keys that may be written without `meta` (meta.c: "unqualified" keys). */
export const UNQUALIFIED_META: ReadonlySet<string> = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype', 'mark', 'nftrace', 'pkttype', 'priority', 'skuid', 'skgid']);

/** meta keys nft knows but flowsim does not model. */
export const UNMODELLED_META: ReadonlySet<string> = new Set([
  'cpu', 'iifgroup', 'oifgroup', 'cgroup', 'random', 'secpath', 'ibrname', 'obrname', 'ibrpvid', 'ibrvproto',
  'time', 'day', 'hour', 'rtclassid', 'sdif', 'sdifname', 'secmark', 'iifkind', 'oifkind', 'ipsec', 'broute',
]);

export function isMetaKey(name: string): name is MetaKey {
  return Object.prototype.hasOwnProperty.call(META_KEYS, name);
}

// ---------------------------------------------------------------------------------------------
// ct keys (ct.c ct_templates)
// ---------------------------------------------------------------------------------------------

/** ct keys; address keys depend on the family (`ct original ip saddr`). */
export function ctKeyInfo(key: CtKey, family: 'ip' | 'ip6' | null): FieldInfo {
  switch (key) {
    case 'state':
      return { dtype: 'ct_state', bits: 32 };
    case 'status':
      return { dtype: 'ct_status', bits: 32 };
    case 'mark':
      return { dtype: 'mark', bits: 32 };
    case 'helper':
      return { dtype: 'string', bits: 128 };
    case 'direction':
      return { dtype: 'ct_dir', bits: 8 };
    case 'l3proto':
      return { dtype: 'nf_proto', bits: 8 };
    case 'protocol':
      return { dtype: 'inet_proto', bits: 8 };
    case 'saddr':
    case 'daddr':
      return family === 'ip6' ? { dtype: 'ipv6_addr', bits: 128 } : { dtype: 'ipv4_addr', bits: 32 };
    case 'proto-src':
    case 'proto-dst':
      return { dtype: 'inet_service', bits: 16 };
    case 'expiration':
      return { dtype: 'time', bits: 32 };
    case 'zone':
      return { dtype: 'integer', bits: 16 };
    case 'bytes':
    case 'packets':
      return { dtype: 'integer', bits: 64 };
  }
}

export const CT_KEYS: ReadonlySet<string> = new Set<CtKey>([
  'state', 'status', 'mark', 'helper', 'direction', 'l3proto', 'protocol', 'saddr', 'daddr', 'proto-src',
  'proto-dst', 'expiration', 'zone', 'bytes', 'packets',
]);
/** Keys that need a direction (`ct original saddr`). */
export const CT_DIR_KEYS: ReadonlySet<string> = new Set(['saddr', 'daddr', 'proto-src', 'proto-dst', 'l3proto', 'protocol', 'bytes', 'packets', 'zone']);
export const UNMODELLED_CT: ReadonlySet<string> = new Set(['label', 'avgpkt', 'event', 'secmark', 'id', 'ip saddr', 'mask']);

// ---------------------------------------------------------------------------------------------
// payload fields (proto.c templates): offset and width in bits
// ---------------------------------------------------------------------------------------------

export interface PayloadField extends FieldInfo {
  readonly base: 'link' | 'network' | 'transport';
  readonly offset: number;
}

const f = (base: PayloadField['base'], offset: number, bits: number, dtype: DataType): PayloadField => ({ base, offset, bits, dtype });

export const PAYLOAD_FIELDS: Readonly<Record<PayloadProtocol, Readonly<Record<string, PayloadField>>>> = {
  ether: {
    daddr: f('link', 0, 48, 'ether_addr'),
    saddr: f('link', 48, 48, 'ether_addr'),
    type: f('link', 96, 16, 'ether_type'),
  },
  // vlan: the 802.1Q tag after the ether addresses (nft models it at link offset 112).
  vlan: {
    pcp: f('link', 112, 3, 'integer'),
    dei: f('link', 115, 1, 'integer'),
    id: f('link', 116, 12, 'integer'),
    type: f('link', 128, 16, 'ether_type'),
  },
  ip: {
    version: f('network', 0, 4, 'integer'),
    hdrlength: f('network', 4, 4, 'integer'),
    dscp: f('network', 8, 6, 'dscp'),
    ecn: f('network', 14, 2, 'integer'),
    length: f('network', 16, 16, 'integer'),
    id: f('network', 32, 16, 'integer'),
    'frag-off': f('network', 48, 16, 'integer'),
    ttl: f('network', 64, 8, 'integer'),
    protocol: f('network', 72, 8, 'inet_proto'),
    checksum: f('network', 80, 16, 'integer'),
    saddr: f('network', 96, 32, 'ipv4_addr'),
    daddr: f('network', 128, 32, 'ipv4_addr'),
  },
  ip6: {
    version: f('network', 0, 4, 'integer'),
    dscp: f('network', 4, 6, 'dscp'),
    ecn: f('network', 10, 2, 'integer'),
    flowlabel: f('network', 12, 20, 'integer'),
    length: f('network', 32, 16, 'integer'),
    nexthdr: f('network', 48, 8, 'inet_proto'),
    hoplimit: f('network', 56, 8, 'integer'),
    saddr: f('network', 64, 128, 'ipv6_addr'),
    daddr: f('network', 192, 128, 'ipv6_addr'),
  },
  tcp: {
    sport: f('transport', 0, 16, 'inet_service'),
    dport: f('transport', 16, 16, 'inet_service'),
    sequence: f('transport', 32, 32, 'integer'),
    ackseq: f('transport', 64, 32, 'integer'),
    doff: f('transport', 96, 4, 'integer'),
    flags: f('transport', 104, 8, 'tcp_flag'),
    window: f('transport', 112, 16, 'integer'),
    checksum: f('transport', 128, 16, 'integer'),
    urgptr: f('transport', 144, 16, 'integer'),
  },
  udp: {
    sport: f('transport', 0, 16, 'inet_service'),
    dport: f('transport', 16, 16, 'inet_service'),
    length: f('transport', 32, 16, 'integer'),
    checksum: f('transport', 48, 16, 'integer'),
  },
  th: {
    sport: f('transport', 0, 16, 'inet_service'),
    dport: f('transport', 16, 16, 'inet_service'),
  },
  icmp: {
    type: f('transport', 0, 8, 'icmp_type'),
    code: f('transport', 8, 8, 'icmp_code'),
    checksum: f('transport', 16, 16, 'integer'),
    id: f('transport', 32, 16, 'integer'),
    sequence: f('transport', 48, 16, 'integer'),
    mtu: f('transport', 48, 16, 'integer'),
  },
  icmpv6: {
    type: f('transport', 0, 8, 'icmpv6_type'),
    code: f('transport', 8, 8, 'icmpv6_code'),
    checksum: f('transport', 16, 16, 'integer'),
    id: f('transport', 32, 16, 'integer'),
    sequence: f('transport', 48, 16, 'integer'),
    mtu: f('transport', 32, 32, 'integer'),
  },
};

export function isPayloadProtocol(name: string): name is PayloadProtocol {
  return Object.prototype.hasOwnProperty.call(PAYLOAD_FIELDS, name);
}

/** Header keywords nft knows but flowsim does not model (a clear "unsupported" instead of a syntax error). */
export const UNMODELLED_PAYLOAD: ReadonlySet<string> = new Set([
  'arp', 'sctp', 'dccp', 'udplite', 'ah', 'esp', 'comp', 'igmp', 'gre', 'geneve', 'vxlan', 'hbh', 'rt', 'frag', 'dst', 'mh', 'srh', 'ip6h',
]);

// ---------------------------------------------------------------------------------------------
// Priorities (rule.c std_prios)
// ---------------------------------------------------------------------------------------------

export const NAMED_PRIORITIES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

/** Bridge family named priorities (rule.c bridge_std_prios). */
export const BRIDGE_PRIORITIES: Readonly<Record<string, number>> = {
  dstnat: -300,
  filter: -200,
  out: 100,
  srcnat: 300,
};
