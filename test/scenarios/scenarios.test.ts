/**
 * Every bundled scenario runs in each mode and its `expect` section holds: the scenario files are
 * the end-to-end specification of what the router does (issue: scenario files double as tests).
 * Packet conservation is checked on every run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import { MODES } from '../../src/scenario/types.ts';

const dir = join(import.meta.dirname, '..', '..', 'sim-scenarios');
// The 1M-flow scenario has its own file (it takes most of a minute per mode).
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('mlx5-1m')).sort();

describe('bundled scenarios', () => {
  it('are all present', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });
  for (const f of files) {
    for (const mode of MODES) {
      it(`${f} in mode ${mode}: every expectation holds and packets are conserved`, () => {
        const sc = loadScenario(join(dir, f));
        const { report, built } = runScenario(sc, { mode });
        expect(report.expect.failures).toEqual([]);
        expect(report.expect.passed).toBe(true);
        // offered + made by the router = transmitted + delivered locally + dropped + still queued
        const r = built.router;
        expect(report.packets.queued).toBeGreaterThanOrEqual(0);
        expect(report.packets.offered + r.generated).toBe(
          report.packets.transmitted + report.packets.delivered_local + report.packets.dropped + report.packets.queued + r.floodCopiesFreed,
        );
      });
    }
  }
});
