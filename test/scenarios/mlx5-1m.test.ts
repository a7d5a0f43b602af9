/** The 1M-flow mlx5 scenario, in each mode (slow: it builds a million connections). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import { MODES } from '../../src/scenario/types.ts';

const file = join(import.meta.dirname, '..', '..', 'sim-scenarios', 'mlx5-1m-flows.yaml');

describe('mlx5-1m-flows.yaml', () => {
  for (const mode of MODES) {
    it(`holds its expectations in mode ${mode}`, { timeout: 300_000 }, () => {
      const { report } = runScenario(loadScenario(file), { mode });
      expect(report.expect.failures).toEqual([]);
      expect(report.traffic.flows).toBe(1048576);
    });
  }
});
