/**
 * End to end: the per-packet cost of the whole router for an established, NATed, bidirectional
 * TCP workload under firewall4's ruleset, in each mode, at 1K / 64K / 1M concurrent connections
 * (bench/e2e-harness.ts builds them). One call = a burst of 64 packets from mixed connections, both
 * directions, through `router.receiveBurst` (parse and flow-table look-ahead for the burst, then per
 * packet: engine lookup, flowtable hook, L2 demux, netfilter, routing, NAT, neighbour output).
 * One case repeats software/64K with `router.receive` per packet, to show the look-ahead's worth. The `harness` case is the rig's own cost per packet (slot alloc, header
 * restore, free) included in every e2e number.
 *
 * Then the simulator as users see it: `runScenario` on sim-scenarios/mt7621-pppoe.yaml per mode (2 s of virtual time, 0.2 s with --quick)
 * (hosts, links, queues, timers and the router), as wall time per offered packet.
 *
 * Quick mode builds 1K and 64K connections (and shortens the simulator runs); the 1M cases are
 * left out there, so every reported `flows` is what was actually built.
 */
import { defineSuite, FLOW_COUNTS } from './case.ts';
import type { BenchCase, BenchMode } from './case.ts';
import { BURST, REPO, takeRig, type Topology } from './e2e-harness.ts';
import { loadScenario, runScenario } from '../src/sim/run.ts';
import { join } from 'node:path';

type RealMode = Exclude<BenchMode, null>;
const MODES: readonly RealMode[] = ['classic', 'software', 'hardware'];

function label(n: number): string {
  return n >= 1048576 ? `${n / 1048576}M` : `${n / 1024}K`;
}

function e2eCase(topology: Topology, mode: RealMode, flows: number, title: string, oneByOne = false): BenchCase {
  return {
    name: `${title} ${mode}, ${label(flows)} flows${oneByOne ? ', one packet at a time (no burst look-ahead)' : ''}`,
    mode,
    flows,
    packetsPerCall: BURST,
    setup: () => {
      const holder = takeRig({ topology, mode, flows });
      const s = holder.rig!.stats;
      process.stdout.write(`  [${mode} ${label(flows)}: setup ${(s.setupMs / 1000).toFixed(1)} s, offloaded ${s.offloaded}, in hardware ${s.hwOffloaded}, ${(holder.rig!.onPathShare * 100).toFixed(1)}% on the ${mode} path]\n`);
      return oneByOne ? () => holder.rig!.burstOneByOne() : () => holder.rig!.burst();
    },
  };
}

const cases: BenchCase[] = [];
const quick = process.argv.includes('--quick');
for (const flows of FLOW_COUNTS) {
  // The 1M cases take ~20 s of setup each: full runs only (flows stays honest in quick mode).
  if (quick && flows > 65536) continue;
  for (const mode of MODES) {
    cases.push(e2eCase('two-port', mode, flows, 'fw4+masq two-port'));
    // What the burst look-ahead (Router.receiveBurst) is worth where the tables outgrow the
    // caches: right after the burst case, on the same rig (takeRig shares it), so the two differ
    // only in the entry point. (Run last on a rig of its own, it came out faster in three runs of
    // three, while alternating on one rig said the opposite: a rig-to-rig difference, not the path's.)
    if (mode === 'software' && flows === 65536) cases.push(e2eCase('two-port', mode, flows, 'fw4+masq two-port', true));
  }
}
// The realistic OpenWrt box: MT7621, DSA ports, br-lan, PPPoE WAN, fw4 (its PPE binds after 30 pps).
for (const mode of MODES) cases.push(e2eCase('mt7621-pppoe', mode, 1024, 'mt7621 pppoe fw4'));

cases.push({
  name: `harness only (alloc, header restore, free), ${quick ? '1K' : '64K'} flows`,
  mode: null,
  flows: null,
  packetsPerCall: BURST,
  setup: () => {
    const holder = takeRig({ topology: 'two-port', mode: 'classic', flows: quick ? 1024 : 65536 });
    return () => holder.rig!.harnessBurst();
  },
});

/** Simulator throughput: a whole `flowsim run` of the MT7621 scenario per call. */
function simCase(mode: RealMode): BenchCase {
  const scMode = mode === 'classic' ? 'none' : mode;
  let packets = 0;
  const c: BenchCase = {
    name: `simulator run mt7621-pppoe.yaml ${mode} (per offered packet)`,
    mode,
    flows: null,
    get packetsPerCall(): number {
      return packets;
    },
    setup: (q) => {
      const sc = loadScenario(join(REPO, 'sim-scenarios', 'mt7621-pppoe.yaml'));
      const duration = q ? 0.2 : 2;
      const first = runScenario(sc, { mode: scMode, duration_s: duration });
      packets = first.sim.offered;
      return () => {
        runScenario(sc, { mode: scMode, duration_s: duration });
      };
    },
  };
  return c;
}
for (const mode of MODES) cases.push(simCase(mode));

export default defineSuite('e2e', cases);
