/**
 * The soak: the churn scenario (sim-scenarios/churn-flows.yaml) stretched to any length — short
 * TCP and UDP flows started at a steady rate in hardware mode — sampling the process's heap and
 * RSS as it runs, and reading every table's population at the end, after the last flow's timeouts.
 * Used by soak.test.ts (short, CI) and soak.ts (long, by hand).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mode } from '../../src/scenario/types.ts';
import { runScenario } from '../../src/sim/run.ts';
import { scenarioFromYaml } from '../engine/helpers.ts';

export interface SoakSample {
  /** Fraction of the run done. */
  readonly at: number;
  readonly heapMB: number;
  readonly rssMB: number;
}

export interface SoakResult {
  readonly packets: number;
  readonly flows: number;
  readonly samples: SoakSample[];
  readonly ctEntries: number;
  readonly ftActive: number;
  readonly hwBound: number;
  readonly hwUnbound: number;
  readonly dropped: number;
  readonly wallS: number;
  readonly report: ReturnType<typeof runScenario>['report'];
}

const CHURN = fileURLToPath(new URL('../../sim-scenarios/churn-flows.yaml', import.meta.url));

/**
 * Runs the churn scenario with `flowsPerGroup` TCP and as many UDP flows started over `spreadS`
 * seconds (the scenario's per-flow rate and 250 ms lifetime), plus 4.5 s for the timeouts.
 */
export function soak(flowsPerGroup: number, spreadS: number, mode: Mode = 'hardware'): SoakResult {
  const text = readFileSync(CHURN, 'utf8')
    .replace(/count: 1500/g, `count: ${flowsPerGroup}`)
    .replace(/spread: 2500ms/g, `spread: ${Math.round(spreadS * 1000)}ms`)
    .replace(/^duration: .*$/m, `duration: ${(spreadS + 4.5).toFixed(3)}s`)
    .replace(/traffic\.handshakes == 1500/, `traffic.handshakes == ${flowsPerGroup}`)
    .replace(/flows_added > 2900/, `flows_added > ${Math.floor(flowsPerGroup * 1.9)}`)
    .replace(/hardware\.binds > 1000/, 'hardware.binds > 0');
  const sc = scenarioFromYaml(text, 'churn-soak.yaml');
  const samples: SoakSample[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  const sample = (at: number): void => {
    const m = process.memoryUsage();
    samples.push({ at, heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 });
  };
  const { report } = runScenario(sc, {
    mode, poolSlots: 8192,
    onProgress: (f) => { if (f >= next) { sample(f); next = f + 0.1; } },
  });
  sample(1);
  return {
    packets: report.packets.offered, flows: 2 * flowsPerGroup, samples,
    ctEntries: report.conntrack.entries, ftActive: report.flowtable.active_flows,
    hwBound: report.hardware?.bound ?? 0, hwUnbound: report.hardware?.unbound ?? 0,
    dropped: report.packets.dropped, wallS: Number(process.hrtime.bigint() - t0) / 1e9, report,
  };
}
