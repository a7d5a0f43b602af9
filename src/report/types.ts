/**
 * The JSON report of one run (`flowsim run --json`). Keys are stable and documented in the
 * README; counters that are zero may be omitted from the maps (`drops`, `hw_refused`).
 */
export interface RunReport {
  scenario: string;
  mode: 'none' | 'software' | 'hardware';
  /** Set when the CLI chose a mode different from what the ruleset/scenario configure. */
  mode_overridden: boolean;
  seed: number;
  duration_s: number;
  packets: {
    offered: number;
    transmitted: number;
    delivered_local: number;
    dropped: number;
    queued: number;
  };
  /** Packets per road through the router. */
  paths: { hardware: number; software: number; classic: number; shortcut: number };
  /** Drops by reason name (DropReason). */
  drops: Record<string, number>;
  conntrack: {
    entries: number;
    max: number;
    found: number;
    invalid: number;
    insert: number;
    insert_failed: number;
    drop: number;
    early_drop: number;
    offloaded: number;
    hw_offloaded: number;
  };
  flowtable: {
    flows_added: number;
    active_flows: number;
    teardowns: number;
    expired: number;
    hw_offloaded: number;
    hw_refused: Record<string, number>;
    not_added: Record<string, number>;
    fast_path_misses: Record<string, number>;
  };
  hardware: {
    backend: string;
    bound: number;
    unbound: number;
    binds: number;
    refused: Record<string, number>;
  } | null;
  sqm: Record<string, { qdisc: string; rate_mbit: number; shaped_packets: number; bypassed_packets: number; dropped: number; p50_delay_ms: number; p99_delay_ms: number }>;
  traffic: {
    flows: number;
    handshakes: number;
    failed_handshakes: number;
    resets: number;
    icmp_errors: number;
    goodput_mbit_up: number;
    goodput_mbit_down: number;
  };
  /** Interface counters (what each device sent and received). */
  interfaces: Record<string, { rx_packets: number; rx_bytes: number; tx_packets: number; tx_bytes: number }>;
  model: {
    soc: string;
    cpu_cores: number;
    cpu_mhz: number;
    /** Modelled CPU load for the offered traffic, 0..1 per core-equivalent (1 = one core saturated). */
    cpu_load: number;
    /** Throughput at which the modelled CPU saturates for this traffic mix, Mbit/s. */
    saturation_mbps: number;
    /** Modelled cycles per packet by stage. */
    cycles_per_packet: Record<string, number>;
  };
  engine: {
    packets_per_second: number;
    ns_per_packet: number;
    wall_ms: number;
    stages: Record<string, number>;
  };
  /** Samples over virtual time (one per `interval_s`), per-interval packet counts and levels. */
  timeline: {
    interval_s: number;
    t_s: number[];
    hardware: number[];
    software: number[];
    classic: number[];
    dropped: number[];
    /** Modelled CPU load in each interval (0..1 of one core). */
    cpu_load: number[];
    /** Mean SQM queue delay in each interval, ms (0 when no SQM). */
    sqm_delay_ms: number[];
  };
  expect: { passed: boolean; failures: string[] };
  /** `log` statements: how many messages, and the first ones as the kernel log prints them. */
  log: { messages: number; first: string[] };
  notes: string[];
}
