/**
 * The ruleset IR: one plain-data shape for an nftables ruleset, whether it came from the text
 * language (`nft list ruleset`, `fw4 print`) or from libnftables JSON (`nft -j list ruleset`).
 *
 * Everything here is JSON-serialisable data: discriminated unions on `kind`, numbers (never
 * bigint), strings, arrays, `null` for "absent". The rule engine compiles this IR; the printer
 * (print.ts) turns it back into nft text.
 *
 * Presentation-only fields: `loc`, `spelling`, `handle` and `source`. They say where and how
 * something was written, not what it means; `withoutPresentation()` drops them, and
 * "text and JSON of the same ruleset give the same IR" holds after that.
 *
 * Values are resolved at parse time: `define` variables are substituted, symbolic constants
 * (`syn`, `established`, `echo-request`, `tcp`, `ssh`) become numbers tagged with their data type
 * (`dtype`), and the printer turns the number back into the name. So `tcp dport ssh` and
 * `tcp dport 22` give the same IR.
 */

/** A source position, 1-based line and column (columns count UTF-16 code units). */
export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

// ---------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------

/**
 * nftables data types (`nft describe`, nftables `src/datatype.c`), the ones flowsim models.
 * The width of each is in fields.ts (`DTYPE_BITS`).
 */
export type DataType =
  | 'integer'
  | 'string'
  | 'ifname' // IFNAMSIZ string, 128 bits, may end in `*` (wildcard)
  | 'iface_index' // ifindex, 32 bits (meta iif / oif)
  | 'iface_type' // ARPHRD_* (meta iiftype): ether, ppp, loopback …
  | 'ipv4_addr'
  | 'ipv6_addr'
  | 'ether_addr' // 48 bits, held as a number
  | 'ether_type' // 16 bits: ip, ip6, arp, vlan …
  | 'inet_proto' // 8 bits: tcp, udp, icmp, ipv6-icmp …
  | 'inet_service' // 16 bits: ports
  | 'nf_proto' // 8 bits: ipv4, ipv6 (meta nfproto)
  | 'pkt_type' // 8 bits: host, broadcast, multicast, other
  | 'mark' // 32 bits
  | 'tcp_flag' // 8 bits, bitmask: fin syn rst psh ack urg ecn cwr
  | 'icmp_type' // 8 bits
  | 'icmp_code' // 8 bits
  | 'icmpv6_type' // 8 bits
  | 'icmpv6_code' // 8 bits
  | 'icmpx_code' // 8 bits (reject with icmpx)
  | 'dscp' // 6 bits
  | 'ct_state' // 32 bits, bitmask: invalid established related new untracked
  | 'ct_status' // 32 bits, bitmask: expected seen-reply assured confirmed snat dnat dying
  | 'ct_dir' // 8 bits: original reply
  | 'ct_label'
  | 'fib_addrtype' // 32 bits: unicast local broadcast multicast …
  | 'boolean' // 1 bit (meta nftrace, exthdr exists)
  | 'time' // milliseconds (ct expiration)
  | 'verdict';

/** Families of `table <family> <name>` (nftables `doc/nft.txt` ADDRESS FAMILIES). */
export type Family = 'ip' | 'ip6' | 'inet' | 'netdev' | 'bridge' | 'arp';

/** Netfilter hooks a base chain or flowtable can attach to. */
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** Base chain types (`type filter|nat|route hook …`). */
export type ChainType = 'filter' | 'nat' | 'route';

/**
 * A priority: the resolved number plus how it was written. Named priorities (nftables
 * `src/rule.c` std_prios, ip/ip6/inet/arp/netdev): raw −300, mangle −150, dstnat −100,
 * filter 0, security 50, srcnat 100; `filter + 5` is 5. JSON priorities are numeric, so from
 * JSON `spelling` is the number's decimal text.
 */
export interface Priority {
  readonly value: number;
  /** Presentation-only: `filter`, `srcnat - 5`, `-150`, `0`. */
  readonly spelling: string;
}

// ---------------------------------------------------------------------------------------------
// Ruleset, tables, chains, rules
// ---------------------------------------------------------------------------------------------

export interface Ruleset {
  readonly kind: 'ruleset';
  /** Tables in the order they were first declared (nft lists them in that order too). */
  readonly tables: Table[];
  /** Presentation-only: where the ruleset came from. */
  readonly source: RulesetSource;
}

export interface RulesetSource {
  readonly format: 'text' | 'json';
  /** Every file read, the main file first, then includes in the order they were read. */
  readonly files: string[];
}

export type TableFlag = 'dormant' | 'owner' | 'persist';

export interface Table {
  readonly kind: 'table';
  readonly family: Family;
  readonly name: string;
  flags: TableFlag[];
  comment: string | null;
  readonly chains: Chain[];
  /** Named sets and maps; they share one namespace in a table, as in the kernel. */
  readonly sets: NamedSet[];
  readonly flowtables: Flowtable[];
  /** Named stateful objects: ct helpers, counters, quotas. */
  readonly objects: StatefulObject[];
  /** Presentation-only: kernel handle if the input carried one. */
  handle: number | null;
  loc: Loc;
}

export type ChainPolicy = 'accept' | 'drop';

/** What makes a chain a base chain: `type T hook H [device(s)] priority P; policy X;`. */
export interface BaseChainInfo {
  readonly type: ChainType;
  readonly hook: Hook;
  readonly priority: Priority;
  /** Default `accept` when the chain declares no policy (nft's default). */
  readonly policy: ChainPolicy;
  /** netdev ingress/egress base chains: the devices, in the order given; `[]` otherwise. */
  readonly devices: string[];
}

export interface Chain {
  readonly kind: 'chain';
  readonly name: string;
  /** null for a regular chain (reached only by jump/goto). */
  base: BaseChainInfo | null;
  readonly rules: Rule[];
  comment: string | null;
  handle: number | null;
  loc: Loc;
}

/** One rule: its statements in order; matches are statements too (kind 'match'). */
export interface Rule {
  readonly kind: 'rule';
  readonly stmts: Stmt[];
  readonly comment: string | null;
  /** Presentation-only: from `# handle N` (text, `nft -a`) or `"handle"` (JSON). */
  handle: number | null;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Named sets and maps
// ---------------------------------------------------------------------------------------------

/** One field of a (possibly concatenated) set key or map data type. */
export interface KeyField {
  readonly dtype: DataType;
  /** Width in bits (ipv4_addr 32, inet_service 16, ifname 128, …); from fields.ts. */
  readonly bits: number;
}

/**
 * A key or data type: `type ipv4_addr . inet_service` gives two fields; `typeof ip saddr`
 * gives one field and keeps the expression in `spelling` (presentation-only, since JSON may
 * print the resolved type only).
 */
export interface TypeSpec {
  readonly fields: KeyField[];
  readonly spelling: { readonly kind: 'type' } | { readonly kind: 'typeof'; readonly exprs: Expr[] };
}

export type SetFlag = 'constant' | 'interval' | 'timeout' | 'dynamic';

export interface NamedSet {
  /** 'map' when the declaration was `map` (then `data` is non-null). */
  readonly kind: 'set' | 'map';
  readonly name: string;
  readonly key: TypeSpec;
  /** Map data type; `verdict` for verdict maps. null for sets. */
  readonly data: TypeSpec | null;
  readonly flags: SetFlag[];
  /** Default element timeout in ms (`timeout 1h`), or null. */
  readonly timeout: number | null;
  readonly gcInterval: number | null;
  readonly size: number | null;
  readonly policy: 'performance' | 'memory' | null;
  /** `counter` in the set block: every element counts its hits. */
  readonly counter: boolean;
  readonly autoMerge: boolean;
  readonly comment: string | null;
  elements: SetElement[];
  handle: number | null;
  loc: Loc;
}

/** One element of a named or anonymous set/map. */
export interface SetElement {
  readonly kind: 'element';
  /** A constant, range, prefix, or a concatenation of those. */
  readonly key: Expr;
  /** Map data (a constant or a verdict), null in sets. */
  readonly data: Expr | null;
  readonly timeout: number | null;
  readonly expires: number | null;
  readonly comment: string | null;
  /** Per-element counter (`counter packets N bytes M`), null when none. */
  readonly counter: { readonly packets: number; readonly bytes: number } | null;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Flowtables and stateful objects
// ---------------------------------------------------------------------------------------------

/** `flowtable ft { hook ingress priority filter; devices = { … }; counter; flags offload; }` */
export interface Flowtable {
  readonly kind: 'flowtable';
  readonly name: string;
  /** Always 'ingress' (the kernel refuses other hooks, nf_tables_api.c). */
  readonly hook: 'ingress';
  readonly priority: Priority;
  readonly devices: string[];
  /** `counter` flag (NFT_FLOWTABLE_COUNTER): offloaded packets still feed conntrack counters. */
  readonly counter: boolean;
  /** `flags offload` (NF_FLOWTABLE_HW_OFFLOAD): hardware offload requested. */
  readonly offload: boolean;
  /**
   * false when the input could not say (libnftables JSON carries neither `counter` nor
   * `flags offload`): then `counter`/`offload` are false by default and a warning says so.
   */
  readonly flagsKnown: boolean;
  handle: number | null;
  loc: Loc;
}

export type StatefulObject = CtHelperObject | CounterObject | QuotaObject;

/** `ct helper ftp-std { type "ftp" protocol tcp; l3proto inet; }` */
export interface CtHelperObject {
  readonly kind: 'ct-helper';
  readonly name: string;
  /** Kernel helper name: "ftp", "tftp", "sip", "irc", "pptp", "h323", "amanda", … */
  readonly helper: string;
  readonly protocol: 'tcp' | 'udp';
  /** null when not given (the table's family applies). */
  readonly l3proto: 'ip' | 'ip6' | 'inet' | null;
  readonly comment: string | null;
  handle: number | null;
  loc: Loc;
}

/** `counter name { packets N bytes M }` */
export interface CounterObject {
  readonly kind: 'counter';
  readonly name: string;
  readonly packets: number;
  readonly bytes: number;
  readonly comment: string | null;
  handle: number | null;
  loc: Loc;
}

/** `quota name { [over] N bytes [used M bytes] }` */
export interface QuotaObject {
  readonly kind: 'quota';
  readonly name: string;
  readonly bytes: number;
  readonly used: number;
  readonly over: boolean;
  readonly comment: string | null;
  handle: number | null;
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

export type Expr =
  | MetaExpr
  | PayloadExpr
  | CtExpr
  | FibExpr
  | RtExpr
  | TcpOptionExpr
  | ConcatExpr
  | BinopExpr
  | IntValue
  | Ip6Value
  | StringValue
  | RangeExpr
  | PrefixExpr
  | SetExpr
  | SetRefExpr
  | MapExpr
  | Verdict;

/** Expressions that read a packet or its metadata (the left side of a match). */
export type Selector = MetaExpr | PayloadExpr | CtExpr | FibExpr | RtExpr | TcpOptionExpr;

export type MetaKey =
  | 'iif'
  | 'oif'
  | 'iifname'
  | 'oifname'
  | 'iiftype'
  | 'oiftype'
  | 'l4proto'
  | 'nfproto'
  | 'protocol'
  | 'mark'
  | 'pkttype'
  | 'length'
  | 'nftrace'
  | 'priority'
  | 'skuid'
  | 'skgid';

/** `meta KEY` (also the short forms `iifname`, `mark`, …). */
export interface MetaExpr {
  readonly kind: 'meta';
  readonly key: MetaKey;
  readonly dtype: DataType;
  readonly bits: number;
  readonly loc: Loc;
}

export type PayloadProtocol = 'ether' | 'vlan' | 'ip' | 'ip6' | 'tcp' | 'udp' | 'th' | 'icmp' | 'icmpv6';

/**
 * A header field: `ip saddr`, `tcp dport`, `th dport`. `base`/`offset`/`bits` say where it
 * sits, as nft's payload expression does (offset in bits from the start of that header; `th`
 * is the transport header whatever the protocol).
 */
export interface PayloadExpr {
  readonly kind: 'payload';
  readonly protocol: PayloadProtocol;
  readonly field: string;
  readonly base: 'link' | 'network' | 'transport';
  readonly offset: number;
  readonly bits: number;
  readonly dtype: DataType;
  readonly loc: Loc;
}

export type CtKey =
  | 'state'
  | 'status'
  | 'mark'
  | 'helper'
  | 'direction'
  | 'l3proto'
  | 'protocol'
  | 'saddr'
  | 'daddr'
  | 'proto-src'
  | 'proto-dst'
  | 'expiration'
  | 'zone'
  | 'bytes'
  | 'packets';

/** `ct state`, `ct original ip saddr`, `ct reply proto-dst` … */
export interface CtExpr {
  readonly kind: 'ct';
  readonly key: CtKey;
  /** Tuple direction for per-direction keys; null for whole-connection keys. */
  readonly dir: 'original' | 'reply' | null;
  /** `ct original ip saddr` says the family; `ct original saddr` leaves it null. */
  readonly family: 'ip' | 'ip6' | null;
  readonly dtype: DataType;
  readonly bits: number;
  readonly loc: Loc;
}

/** `fib saddr . iif oif`, `fib daddr type`: a FIB lookup (models nft_fib_eval). */
export interface FibExpr {
  readonly kind: 'fib';
  /** What is looked up: one of saddr/daddr, plus optional iif/oif/mark, in nft's print order. */
  readonly flags: ('saddr' | 'daddr' | 'mark' | 'iif' | 'oif')[];
  readonly result: 'oif' | 'oifname' | 'type';
  readonly dtype: DataType;
  readonly bits: number;
  readonly loc: Loc;
}

/** `rt mtu` (route MTU, for `tcp option maxseg size set rt mtu`), `rt nexthop`, `rt classid`. */
export interface RtExpr {
  readonly kind: 'rt';
  readonly key: 'mtu' | 'nexthop' | 'classid';
  readonly family: 'ip' | 'ip6' | null;
  readonly dtype: DataType;
  readonly bits: number;
  readonly loc: Loc;
}

/** `tcp option maxseg size`. */
export interface TcpOptionExpr {
  readonly kind: 'tcpopt';
  readonly option: 'maxseg';
  readonly field: 'size';
  readonly dtype: DataType;
  readonly bits: number;
  readonly loc: Loc;
}

/** `a . b . c`: the key of a concatenated set lookup. */
export interface ConcatExpr {
  readonly kind: 'concat';
  readonly parts: Expr[];
  readonly loc: Loc;
}

/** `left & mask`, `left | bits`, `left ^ x`, `left << n`, `left >> n`. */
export interface BinopExpr {
  readonly kind: 'binop';
  readonly op: '&' | '|' | '^' | '<<' | '>>';
  readonly left: Expr;
  readonly right: Expr;
  readonly loc: Loc;
}

/**
 * A constant that fits in a double exactly (≤ 53 bits): integers, IPv4 addresses (host-order
 * uint32, 192.168.1.1 = 0xc0a80101), ether addresses (48-bit), ports, marks, and every symbolic
 * constant (`syn` = 2 as tcp_flag, `established` = 2 as ct_state, `tcp` = 6 as inet_proto,
 * `echo-request` = 8 as icmp_type). Flag types combine with OR: `established,related` = 6.
 * Time values (dtype 'time') are milliseconds.
 */
export interface IntValue {
  readonly kind: 'int';
  readonly dtype: DataType;
  readonly value: number;
  readonly loc: Loc;
}

/** An IPv6 address as four host-order uint32 words, most significant first (tuple.ts layout). */
export interface Ip6Value {
  readonly kind: 'ip6';
  readonly dtype: 'ipv6_addr';
  readonly words: [number, number, number, number];
  readonly loc: Loc;
}

/**
 * A string constant: interface names, ct helper names. `"eth*"` is a wildcard: `value` holds the
 * prefix without the `*` and `wildcard` is true (matches every name that starts with it).
 */
export interface StringValue {
  readonly kind: 'string';
  readonly dtype: DataType;
  readonly value: string;
  readonly wildcard: boolean;
  readonly loc: Loc;
}

/** A constant of any shape. */
export type ConstValue = IntValue | Ip6Value | StringValue;

/** `low-high`, inclusive both ends. */
export interface RangeExpr {
  readonly kind: 'range';
  readonly low: ConstValue;
  readonly high: ConstValue;
  readonly loc: Loc;
}

/** `10.0.0.0/8`: `value` has the host bits cleared. */
export interface PrefixExpr {
  readonly kind: 'prefix';
  readonly value: IntValue | Ip6Value;
  readonly len: number;
  readonly loc: Loc;
}

/** An anonymous set or map `{ a, b-c, d : e }`. */
export interface SetExpr {
  readonly kind: 'set';
  readonly elements: SetElement[];
  readonly loc: Loc;
}

/** `@name`: a named set, map or (in `flow add @ft`) flowtable. */
export interface SetRefExpr {
  readonly kind: 'setref';
  readonly name: string;
  readonly loc: Loc;
}

/** `KEY map { k : v }` / `KEY map @m`: a map lookup yielding the data (dnat to … map). */
export interface MapExpr {
  readonly kind: 'map';
  readonly key: Expr;
  readonly map: SetExpr | SetRefExpr;
  readonly loc: Loc;
}

export type VerdictCode = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto';

/** A verdict statement, also the data of verdict map elements. */
export interface Verdict {
  readonly kind: 'verdict';
  readonly code: VerdictCode;
  /** Target chain for jump/goto, null otherwise. */
  readonly chain: string | null;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

export type Stmt =
  | MatchStmt
  | Verdict
  | VmapStmt
  | RejectStmt
  | CounterStmt
  | LimitStmt
  | QuotaStmt
  | LogStmt
  | MangleStmt
  | ObjRefStmt
  | NatStmt
  | NotrackStmt
  | FlowAddStmt
  | SetUpdateStmt
  | ConnlimitStmt;

/**
 * A match. `op`:
 * - `==` `!=` `<` `>` `<=` `>=`: compare `left` with a constant, range or prefix; with a set
 *   (anonymous or `@name`) on the right, `==` is set membership and `!=` non-membership.
 *   The implicit match (`tcp dport 22`, `meta l4proto { tcp, udp }`) is `==`.
 * - `in`: bitmask any-of, `(left & right) != 0`: nft's implicit match on a flag type
 *   (`tcp flags syn`, `ct state established,related`; JSON op "in").
 */
export interface MatchStmt {
  readonly kind: 'match';
  readonly op: '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in';
  readonly left: Expr;
  readonly right: Expr;
  readonly loc: Loc;
}

/** `KEY vmap { k : verdict, … }` or `KEY vmap @m`. */
export interface VmapStmt {
  readonly kind: 'vmap';
  readonly key: Expr;
  readonly map: SetExpr | SetRefExpr;
  readonly loc: Loc;
}

/**
 * `reject` (icmp port-unreachable for IPv4, icmpv6 port-unreachable for IPv6: type null),
 * `reject with tcp reset`, `reject with icmp|icmpv6|icmpx <code>`.
 */
export interface RejectStmt {
  readonly kind: 'reject';
  readonly type: 'tcp reset' | 'icmp' | 'icmpv6' | 'icmpx' | null;
  /** The code as a number (icmp_code / icmpv6_code / icmpx_code), null with type null or tcp reset. */
  readonly code: number | null;
  readonly loc: Loc;
}

/** An anonymous counter: `counter` or `counter packets N bytes M`. */
export interface CounterStmt {
  readonly kind: 'counter';
  readonly packets: number;
  readonly bytes: number;
  readonly loc: Loc;
}

export type RateUnit = 'second' | 'minute' | 'hour' | 'day' | 'week';

/**
 * `limit rate [over] N/unit [burst B packets]` (packets) or `limit rate [over] N kbytes/second
 * [burst B bytes]` (bytes; `rate` and `burst` are then in bytes). Models nft_limit.
 */
export interface LimitStmt {
  readonly kind: 'limit';
  readonly rate: number;
  readonly per: RateUnit;
  readonly unit: 'packets' | 'bytes';
  /** Packets: nft's default burst is 5; bytes: 0. */
  readonly burst: number;
  readonly over: boolean;
  readonly loc: Loc;
}

/** An anonymous quota: `quota [over] N bytes [used M bytes]` (N, M in bytes). */
export interface QuotaStmt {
  readonly kind: 'quota';
  readonly bytes: number;
  readonly used: number;
  readonly over: boolean;
  readonly loc: Loc;
}

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warn' | 'notice' | 'info' | 'debug' | 'audit';

/** `log [prefix "…"] [level L] [flags …] [group N]`. */
export interface LogStmt {
  readonly kind: 'log';
  readonly prefix: string | null;
  readonly level: LogLevel | null;
  /** tcp sequence, tcp options, ip options, skuid, ether, all. */
  readonly flags: string[];
  readonly group: number | null;
  readonly loc: Loc;
}

/**
 * `TARGET set VALUE`: `meta mark set 0x10`, `meta nftrace set 1`, `ct mark set meta mark`,
 * `tcp option maxseg size set rt mtu`, `ip dscp set cs1`.
 */
export interface MangleStmt {
  readonly kind: 'mangle';
  readonly target: MetaExpr | CtExpr | PayloadExpr | TcpOptionExpr;
  readonly value: Expr;
  readonly loc: Loc;
}

/** A reference to a named stateful object: `counter name "x"`, `quota name "q"`, `ct helper set "ftp"`. */
export interface ObjRefStmt {
  readonly kind: 'objref';
  readonly objType: 'counter' | 'quota' | 'ct helper';
  readonly name: string;
  readonly loc: Loc;
}

export type NatFlag = 'random' | 'fully-random' | 'persistent' | 'netmap';

/**
 * snat/dnat/masquerade/redirect (models nft_nat / nft_masq / nft_redir).
 * `addr` is a constant, range, prefix or map lookup (null for masquerade/redirect);
 * `port` is a constant, range or map lookup, null when not given.
 */
export interface NatStmt {
  readonly kind: 'nat';
  readonly type: 'snat' | 'dnat' | 'masquerade' | 'redirect';
  /** `snat ip to …` / `dnat ip6 to …` (required in inet tables); null when not written. */
  readonly family: 'ip' | 'ip6' | null;
  readonly addr: Expr | null;
  readonly port: Expr | null;
  readonly flags: NatFlag[];
  readonly loc: Loc;
}

export interface NotrackStmt {
  readonly kind: 'notrack';
  readonly loc: Loc;
}

/** `flow add @ft` (also spelled `flow offload @ft`): offload the connection (nft_flow_offload_eval). */
export interface FlowAddStmt {
  readonly kind: 'flow-add';
  readonly flowtable: string;
  readonly loc: Loc;
}

/** `add @set { ip saddr }`, `update @set { ip saddr timeout 10s limit rate 5/second }`, `delete @set { … }`. */
export interface SetUpdateStmt {
  readonly kind: 'set-update';
  readonly op: 'add' | 'update' | 'delete';
  readonly set: string;
  readonly key: Expr;
  readonly data: Expr | null;
  readonly timeout: number | null;
  /** Per-element statements (limit, counter) the update attaches. */
  readonly stmts: Stmt[];
  readonly loc: Loc;
}

/** `ct count [over] N` (nft_connlimit). */
export interface ConnlimitStmt {
  readonly kind: 'connlimit';
  readonly count: number;
  readonly over: boolean;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// Results and errors
// ---------------------------------------------------------------------------------------------

/**
 * A located problem. `kind` 'syntax' (cannot parse), 'semantic' (parses, but nft would refuse it),
 * 'unsupported' (valid nft that flowsim does not model); messages of that kind start "unsupported: ".
 */
export interface NftError {
  readonly kind: 'syntax' | 'semantic' | 'unsupported';
  readonly message: string;
  readonly loc: Loc;
  /** Width of the offending text, for the caret line; ≥ 1. */
  readonly length: number;
}

export interface NftWarning {
  readonly message: string;
  readonly loc: Loc;
}

export type LoadResult =
  | {
      readonly ok: true;
      readonly ruleset: Ruleset;
      readonly warnings: NftWarning[];
      /** Every file's text by name, for formatting warnings. */
      readonly sources: Record<string, string>;
    }
  | {
      readonly ok: false;
      readonly errors: NftError[];
      /** Every file's text by name, for formatError. */
      readonly sources: Record<string, string>;
    };

export interface RulesetSummary {
  readonly tables: number;
  readonly chains: number;
  readonly baseChains: number;
  readonly rules: number;
  readonly sets: number;
  readonly maps: number;
  readonly flowtables: number;
  readonly objects: number;
}

/** Keys `withoutPresentation` drops. */
export const PRESENTATION_KEYS: readonly string[] = ['loc', 'spelling', 'handle', 'source'];

/** A deep copy without the presentation-only fields (for comparing meaning). */
export function withoutPresentation<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (PRESENTATION_KEYS.includes(k)) continue;
      out[k] = strip(v);
    }
    return out;
  }
  return value;
}
