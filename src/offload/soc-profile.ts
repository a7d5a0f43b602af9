/**
 * The shape of a SoC profile (data in socs.ts). Everything the simulator needs about one target:
 * CPU, the cost model's cycles per packet per stage, ports, and which flow engine with which
 * parameters — each number with its source.
 */
export interface CpuSpec {
  readonly arch: string;
  readonly model: string;
  /** Logical CPUs the kernel sees. */
  readonly cores: number;
  readonly clockMhz: number;
}

/** CPU cycles per packet (or per second where named) spent in each stage on this CPU. */
export interface StageCycles {
  readonly driverRx: number;
  readonly driverTx: number;
  /** nf_conntrack_in + confirm, per packet on the classic path. */
  readonly conntrack: number;
  /** Entering one netfilter base chain (hook) with no rules. */
  readonly netfilterHookBase: number;
  /** Each rule evaluated. */
  readonly netfilterPerRule: number;
  /** FIB lookup + ip_forward. */
  readonly routing: number;
  /** NAT mangling (nf_nat_packet + checksum fix-up). */
  readonly nat: number;
  /** Software flowtable hit: lookup, NAT, TTL, cached L2 (nf_flow_offload_ip_hook). */
  readonly softwareFastPath: number;
  /** Egress qdisc (pfifo_fast/fq_codel) enqueue + dequeue. */
  readonly qdisc: number;
  /** An SQM shaper (cake / HTB+fq_codel) on top of the qdisc. */
  readonly sqmShaper: number;
  /** Hardware path: flowtable GC + FLOW_CLS_STATS work per offloaded flow, per second. */
  readonly hwHousekeepingPerFlowPerSec: number;
  /** Background load with all traffic in hardware, cycles per second. */
  readonly hwBaseCyclesPerSec: number;
}

/** The ruleset the calibration assumed (firewall4 defaults): hooks entered and rules evaluated. */
export interface CalibrationAssumptions {
  readonly hooks: number;
  readonly rulesPerPacket: number;
}

export interface PortSpec {
  readonly name: string;
  readonly mbps: number;
  /** GMAC index on the frame engine (0 = GMAC1), null when not on it. */
  readonly gmac: number | null;
  readonly kind: 'ethernet' | 'wlan';
  /** DSA user port behind the given switch tag, if any. */
  readonly dsa?: 'mtk' | 'other';
}

export type BackendSpec =
  | { readonly kind: 'mediatek-ppe'; readonly variant: string }
  | { readonly kind: 'airoha' }
  | { readonly kind: 'mlx5'; readonly switchdev: boolean; readonly tableSize: number; readonly insertRate: number }
  | { readonly kind: 'no-binding'; readonly driver: 'ice' | 'nfp' }
  | { readonly kind: 'none'; readonly why: string };

export interface SocProfile {
  readonly name: string;
  readonly title: string;
  readonly cpu: CpuSpec;
  readonly cycles: StageCycles;
  readonly calibration: CalibrationAssumptions;
  readonly ports: readonly PortSpec[];
  readonly backend: BackendSpec;
  /** An out-of-tree accelerated software path exists for this platform (Shortcut-FE, NSS). */
  readonly shortcut?: { readonly kind: 'sfe'; readonly packetThreshold: number };
  /** Where every number comes from, keyed by field path ('cpu.clockMhz', 'cycles.conntrack', …). */
  readonly sources: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}
