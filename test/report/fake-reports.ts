/**
 * Realistic synthetic RunReports for the report tests: one scenario (a PPPoE gigabit uplink on
 * an MT7621) run in the three modes, each with a 100-sample timeline. Deterministic: the noise
 * comes from a fixed-seed LCG.
 */
import type { RunReport } from '../../src/report/types.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SAMPLES = 100;
const INTERVAL = 0.3;
const OFFERED_PPS = 82_000;

export function fakeReport(mode: RunReport['mode'], seed = 7): RunReport {
  const rnd = lcg(seed * 31 + mode.length);
  const t_s: number[] = [];
  const hardware: number[] = [];
  const software: number[] = [];
  const classic: number[] = [];
  const dropped: number[] = [];
  const cpu_load: number[] = [];
  const sqm_delay_ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = Math.round((i + 1) * INTERVAL * 1000) / 1000;
    t_s.push(t);
    // Traffic ramps up over the first 3 s, with ±5 % noise.
    const ramp = Math.min(1, t / 3);
    const pkts = Math.round(OFFERED_PPS * INTERVAL * ramp * (0.95 + 0.1 * rnd()));
    let hw = 0;
    let sw = 0;
    let cl = 0;
    let drop = 0;
    let cpu = 0;
    let delay = 0;
    if (mode === 'none') {
      // The CPU saturates at ~60 kpps of the classic path: the rest queues and drops.
      const cap = Math.round(60_000 * INTERVAL);
      cl = Math.min(pkts, cap);
      drop = pkts - cl;
      cpu = Math.min(1, (cl / INTERVAL / 60_000) * (0.97 + 0.03 * rnd()));
      delay = 4 + 14 * ramp + 3 * rnd();
    } else if (mode === 'software') {
      const firstPkts = Math.round(pkts * (t < 1 ? 0.3 : 0.01));
      cl = firstPkts;
      sw = pkts - firstPkts;
      cpu = (cl / INTERVAL / 60_000 + sw / INTERVAL / 190_000) * (0.95 + 0.1 * rnd());
      delay = 2 + 3 * ramp + rnd();
    } else {
      // PPE binds a flow once it reaches 30 pkt/s: first software, then hardware.
      const bound = Math.min(0.97, Math.max(0, (t - 0.6) / 2));
      cl = Math.round(pkts * (t < 1 ? 0.2 : 0.01));
      hw = Math.round((pkts - cl) * bound);
      sw = pkts - cl - hw;
      cpu = (cl / INTERVAL / 60_000 + sw / INTERVAL / 190_000) * (0.95 + 0.1 * rnd()) + 0.01;
      delay = 1.5 + 2 * rnd();
    }
    hardware.push(hw);
    software.push(sw);
    classic.push(cl);
    dropped.push(drop);
    cpu_load.push(Math.round(cpu * 1000) / 1000);
    sqm_delay_ms.push(Math.round(delay * 100) / 100);
  }
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const paths = { hardware: total(hardware), software: total(software), classic: total(classic), shortcut: 0 };
  const drops: Record<string, number> =
    mode === 'none'
      ? { QDISC_OVERLIMIT: Math.round(total(dropped) * 0.7), RING_FULL: total(dropped) - Math.round(total(dropped) * 0.7), CT_INVALID: 12, IP_CSUM: 3 }
      : mode === 'software'
        ? { QDISC_OVERLIMIT: 2_140, CT_INVALID: 12, IP_CSUM: 3 }
        : { CT_INVALID: 12, IP_CSUM: 3, HW_DROP: 41 };
  const droppedTotal = total(Object.values(drops));
  const forwarded = paths.hardware + paths.software + paths.classic;
  const meanCpu = total(cpu_load) / SAMPLES;
  return {
    scenario: 'pppoe-gigabit-mt7621',
    mode,
    mode_overridden: mode !== 'hardware',
    seed,
    duration_s: SAMPLES * INTERVAL,
    packets: { offered: forwarded + droppedTotal, transmitted: forwarded, delivered_local: 214, dropped: droppedTotal, queued: 37 },
    paths,
    drops,
    conntrack: { entries: 1_204, max: 16_384, found: forwarded - 1_300, invalid: 12, insert: 1_300, insert_failed: 0, drop: 0, early_drop: 0, offloaded: mode === 'none' ? 0 : 1_180, hw_offloaded: mode === 'hardware' ? 1_104 : 0 },
    flowtable: {
      flows_added: mode === 'none' ? 0 : 1_180,
      active_flows: mode === 'none' ? 0 : 1_102,
      teardowns: mode === 'none' ? 0 : 61,
      expired: mode === 'none' ? 0 : 17,
      hw_offloaded: mode === 'hardware' ? 1_104 : 0,
      hw_refused: mode === 'hardware' ? { PPE_BUCKET_FULL: 52, UNSUPPORTED_L4: 24 } : {},
      not_added: mode === 'none' ? {} : { NOT_ESTABLISHED: 96, NO_ROUTE_TO_FLOWTABLE_DEV: 4 },
      fast_path_misses: mode === 'none' ? {} : { NO_ENTRY: 2_310, TCP_FIN_RST: 122, MTU_EXCEEDED: 7 },
    },
    hardware: mode === 'hardware' ? { backend: 'mtk-ppe v1 (MT7621)', bound: 1_104, unbound: 76, binds: 1_131, refused: { QINQ: 0, PPPOE_VLAN_DEPTH: 5 } } : null,
    sqm: {
      'pppoe-wan': {
        qdisc: 'cake',
        rate_mbit: 900,
        shaped_packets: mode === 'hardware' ? Math.round(forwarded * 0.05) : forwarded,
        bypassed_packets: mode === 'hardware' ? Math.round(forwarded * 0.95) : 0,
        dropped: drops.QDISC_OVERLIMIT ?? 0,
        p50_delay_ms: mode === 'none' ? 16.2 : mode === 'software' ? 4.1 : 2.3,
        p99_delay_ms: mode === 'none' ? 38.7 : mode === 'software' ? 9.4 : 3.9,
      },
    },
    traffic: { flows: 1_200, handshakes: 1_196, failed_handshakes: 4, resets: 61, icmp_errors: 2, goodput_mbit_up: mode === 'none' ? 612 : 887, goodput_mbit_down: mode === 'none' ? 31 : 44 },
    interfaces: {
      lan: { rx_packets: forwarded + droppedTotal, rx_bytes: (forwarded + droppedTotal) * 1400, tx_packets: 1_004, tx_bytes: 64_300 },
      'pppoe-wan': { rx_packets: 1_004, rx_bytes: 64_300, tx_packets: forwarded, tx_bytes: forwarded * 1408 },
    },
    model: {
      soc: 'MT7621A',
      cpu_cores: 2,
      cpu_mhz: 880,
      cpu_load: Math.round(meanCpu * 1000) / 1000,
      saturation_mbps: mode === 'none' ? 486 : mode === 'software' ? 1_420 : 9_400,
      cycles_per_packet: mode === 'none' ? { rx: 900, netfilter: 6_800, tx: 900 } : { rx: 900, flowtable: 1_900, tx: 900 },
    },
    engine: { packets_per_second: mode === 'hardware' ? 4.1e6 : 2.6e6, ns_per_packet: mode === 'hardware' ? 244 : 385, wall_ms: 640, stages: { parse: 61, conntrack: 120 } },
    timeline: { interval_s: INTERVAL, t_s, hardware, software, classic, dropped, cpu_load, sqm_delay_ms },
    expect: mode === 'none' ? { passed: false, failures: ['cpu_load < 0.9 (was 0.97)', 'sqm.p99_delay_ms < 20 <ms> & "quoted"'] } : { passed: true, failures: [] },
    log: { messages: 0, first: [] },
    notes:
      mode === 'hardware'
        ? ['PPE binds a flow after 30 packets/s (HIT_UNBIND_RATE_REACHED); the first packets of each flow take the software path.', '76 flows stayed unbound: their bucket was full <script>alert(1)</script>.']
        : mode === 'software'
          ? ['The flowtable lists pppoe-wan, so the software fast path covers PPPoE.']
          : ['--offload none overrides the ruleset flowtable; all packets take the classic path & netfilter hooks.'],
  };
}

export function fakeModeReports(seed = 7): RunReport[] {
  return [fakeReport('none', seed), fakeReport('software', seed), fakeReport('hardware', seed)];
}
