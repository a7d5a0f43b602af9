/** A scenario after validation: plain data with the location of each part for later errors. */
import type { Loc } from './source.ts';

export type Mode = 'none' | 'software' | 'hardware';
export const MODES: readonly Mode[] = ['none', 'software', 'hardware'];

export type InterfaceKind = 'ethernet' | 'dsa' | 'bridge' | 'vlan' | 'pppoe' | 'loopback';
export const INTERFACE_KINDS: readonly InterfaceKind[] = ['ethernet', 'dsa', 'bridge', 'vlan', 'pppoe', 'loopback'];

export interface InterfaceSpec {
  readonly loc: Loc;
  readonly name: string;
  readonly kind: InterfaceKind;
  /** vlan, pppoe: the device below; dsa: the conduit (CPU port). */
  readonly parent?: string;
  /** bridge: member ports. */
  readonly ports: readonly string[];
  readonly vid?: number;
  readonly vlanProto?: '802.1q' | '802.1ad';
  readonly session?: number;
  readonly peerMac?: string;
  readonly mtu?: number;
  readonly mac?: string;
  readonly addresses: readonly string[];
  /** Line rate in Mbit/s (physical ports). */
  readonly speed?: number;
}

export interface RouteSpec {
  readonly loc: Loc;
  readonly dst: string;
  readonly via?: string;
  readonly dev?: string;
  readonly metric: number;
  readonly type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
}

export interface HostSpec {
  readonly loc: Loc;
  readonly name: string;
  /** The router's L3 device the host sits behind. */
  readonly interface: string;
  /** For a bridge: the member port the host is plugged into (default: the first port). */
  readonly port?: string;
  /** Addresses; a prefix (e.g. 0.0.0.0/0) makes the host stand for a whole remote network. */
  readonly addresses: readonly string[];
  readonly mac?: string;
  /** One-way delay from the router to the host, seconds (half the RTT the host adds). */
  readonly delay_s: number;
}

export interface RulesetSpec {
  readonly loc: Loc;
  /** Absolute path of the ruleset file, or undefined for inline text. */
  readonly path?: string;
  readonly inline?: string;
  /** JSON rulesets do not carry `flags offload`/`counter`: the scenario can say. */
  readonly flowtableOffload?: boolean;
  readonly flowtableCounter?: boolean;
}

export type SqmQdisc = 'cake' | 'htb+fq_codel';

export interface SqmSpec {
  readonly loc: Loc;
  readonly device: string;
  readonly qdisc: SqmQdisc;
  readonly rateMbit: number;
  readonly direction: 'egress' | 'ingress';
  /** Per-packet link-layer overhead in bytes (sqm-scripts' `overhead`). */
  readonly overhead: number;
}

export type PacketSize = { readonly kind: 'fixed'; readonly bytes: number } | { readonly kind: 'mix'; readonly sizes: readonly number[]; readonly weights: readonly number[] };

export interface TrafficSpec {
  readonly loc: Loc;
  readonly name: string;
  readonly count: number;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly family: 4 | 6;
  readonly client: string;
  readonly server: string;
  /** First client port; flows use consecutive ports (0 = derive from the seed). */
  readonly sport: number;
  readonly dport: number;
  /** The server never answers (a scan or SYN flood to dead addresses). */
  readonly unanswered: boolean;
  /** Address the client connects to (default: the server's address; a port-forward uses the router's). */
  readonly to?: string;
  readonly direction: 'upload' | 'download' | 'both';
  /** Rate of each flow's data direction(s) in Mbit/s. */
  readonly rateMbit: number;
  /** Frame size on the data direction (bytes, without FCS). */
  readonly size: PacketSize;
  readonly start_s: number;
  /** Flow starts are spread evenly over this many seconds. */
  readonly spread_s: number;
  /** How long each flow sends data. */
  readonly duration_s: number;
  /** How a TCP flow ends. */
  readonly end: 'fin' | 'rst' | 'none';
  /** Receiver ACKs every N data packets (delayed ACK). */
  readonly ackEvery: number;
  /** UDP: the server answers every N-th packet (0 = never; DNS-like request/response = 1). */
  readonly replyEvery: number;
  /** Packets per flow, when set: the flow stops after this many data packets. */
  readonly packets?: number;
  /** Send IPv4 packets with an IP option (the flowtable hands those to the classic path). */
  readonly ipv4Options: boolean;
}

/** Traffic replayed from a capture file (pcap or pcapng). */
export interface PcapTrafficSpec {
  readonly loc: Loc;
  /** Absolute path of the capture. */
  readonly path: string;
  /**
   * Which router interface each frame enters on: a single interface, or rules matched in order
   * against the frame's source MAC (`02:00:00:00:00:01`) or source IP prefix (`192.168.1.0/24`).
   */
  readonly ingress: readonly { readonly match: string; readonly iface: string; readonly loc: Loc }[];
  /** Replay speed-up factor (2 = twice as fast). */
  readonly speedup: number;
  /** How many times to play the capture. */
  readonly loop: number;
  /**
   * Far-host replies (`replies:`): `true` = every host on a router port no ingress rule feeds,
   * or the named hosts. Absent = no replies (the capture holds both directions).
   */
  readonly replies?: true | readonly string[];
}

export interface ExpectSpec {
  readonly loc: Loc;
  /** An expression over the JSON report, e.g. `paths.hardware / packets.offered > 0.9`. */
  readonly expr: string;
  /** Only in these modes (default: all). */
  readonly modes: readonly Mode[];
}

export interface Scenario {
  readonly file: string;
  readonly dir: string;
  readonly name: string;
  readonly description?: string;
  readonly seed: number;
  readonly duration_s: number;
  /** The mode the scenario asks for; otherwise it follows the ruleset (flowtable, flags offload). */
  readonly mode?: Mode;
  readonly soc: string;
  readonly socLoc: Loc;
  readonly packages: readonly string[];
  /** An out-of-tree accelerated software path (`sfe`: Qualcomm Shortcut-FE style), or none. */
  readonly shortcut: 'sfe' | 'none';
  readonly interfaces: readonly InterfaceSpec[];
  readonly routes: readonly RouteSpec[];
  readonly hosts: readonly HostSpec[];
  readonly ruleset: RulesetSpec;
  readonly sysctl: ReadonlyMap<string, { value: number; loc: Loc }>;
  readonly sqm: readonly SqmSpec[];
  readonly traffic: readonly TrafficSpec[];
  readonly pcapTraffic?: PcapTrafficSpec;
  readonly expect: readonly ExpectSpec[];
}
