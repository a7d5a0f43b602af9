/** `flowsim compare` shows the three modes; each column agrees with `flowsim run --json` in that mode. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const scenario = join(root, 'sim-scenarios', 'mt7621-sqm-cake.yaml');

function flowsimJson(...args: string[]): unknown {
  const r = spawnSync(process.execPath, [tsx, join(root, 'src', 'cli.ts'), ...args, '--json', '--duration', '600ms'], { encoding: 'utf8', cwd: root });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

interface Rep { mode: string; packets: unknown; paths: unknown; drops: unknown; sqm: unknown; flowtable: unknown }

describe('flowsim compare', () => {
  it('has one column per mode, each equal to a run in that mode (engine timings aside)', { timeout: 120_000 }, () => {
    const cmp = flowsimJson('compare', scenario) as { modes: Rep[] };
    expect(cmp.modes.map((m) => m.mode)).toEqual(['none', 'software', 'hardware']);
    for (const col of cmp.modes) {
      const run = flowsimJson('run', scenario, '--mode', col.mode) as Rep;
      expect(col.packets).toEqual(run.packets);
      expect(col.paths).toEqual(run.paths);
      expect(col.drops).toEqual(run.drops);
      expect(col.sqm).toEqual(run.sqm);
      expect(col.flowtable).toEqual(run.flowtable);
    }
  });
});
