/**
 * Determinism (issue "Robustness", part 4): virtual time and one seeded PRNG make a run a pure
 * function of (scenario, mode, seed). The same inputs give byte-identical JSON — apart from
 * `engine`, flowsim's own wall-clock speed — and byte-identical capture files, across runs and
 * whether or not `--profile` measures the router's wall time per road (profiling must observe,
 * never steer). Checked on the new flood and churn scenarios, which stress early drop, PPE bucket
 * collisions and table churn, and through the CLI's --pcap-out.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/types.ts';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import { deterministicPart } from '../engine/helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scenario = (f: string): string => join(ROOT, 'sim-scenarios', f);

/** The report as JSON text without `engine` (wall-clock timings). */
function jsonOf(rep: RunReport): string {
  return JSON.stringify(deterministicPart(rep));
}

/** Every transmitted frame with its port and virtual time, as one byte string. */
function run(file: string, profile: boolean, durationS: number): { json: string; frames: Buffer } {
  const chunks: Buffer[] = [];
  let pool: ReturnType<typeof runScenario>['built']['pool'] | undefined;
  const { report } = runScenario(loadScenario(scenario(file)), {
    mode: 'hardware', duration_s: durationS, poolSlots: 8192, profile,
    onBuilt: (b) => { pool = b.pool; },
    onTransmit: (slot, port, t) => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(port, 0);
      head.writeDoubleBE(t, 2);
      chunks.push(head, Buffer.from(pool!.frame(slot)));
    },
  });
  return { json: jsonOf(report), frames: Buffer.concat(chunks) };
}

describe('determinism', () => {
  it.each([['flood-ppe-bucket.yaml', 0.5], ['churn-flows.yaml', 0.4], ['flood-udp.yaml', 0.8]] as const)(
    '%s: byte-identical JSON and frames across runs and with --profile on and off', (file, d) => {
      const a = run(file, false, d);
      const b = run(file, true, d);
      const c = run(file, false, d);
      expect(a.frames.length).toBeGreaterThan(5_000);
      expect(b.json).toBe(a.json);
      expect(c.json).toBe(a.json);
      expect(b.frames.equals(a.frames)).toBe(true);
      expect(c.frames.equals(a.frames)).toBe(true);
    });

  it('the CLI writes byte-identical pcap and pcapng files on two runs, with and without --profile', () => {
    const outs = [false, true].map((profile) => {
      const dir = mkdtempSync(join(tmpdir(), 'flowsim-det-'));
      const json = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'run', scenario('flood-ppe-bucket.yaml'),
        '--mode', 'hardware', '--duration', '0.4s', '--json', '--pcap-out', dir, ...(profile ? ['--profile'] : [])], { cwd: ROOT, encoding: 'utf8' });
      const rep = JSON.parse(json) as RunReport;
      const files = readdirSync(dir).sort();
      return { json: jsonOf(rep), files, bytes: files.map((f) => readFileSync(join(dir, f))) };
    });
    const [a, b] = [outs[0]!, outs[1]!];
    expect(a.files).toContain('all.pcapng');
    expect(a.files.length).toBeGreaterThanOrEqual(3);
    expect(b.files).toEqual(a.files);
    a.bytes.forEach((buf, i) => expect(buf.equals(b.bytes[i]!), a.files[i]).toBe(true));
    // `engine.stages` (the profile) is the only addition; the rest of the report is the same.
    expect(b.json).toBe(a.json);
  });
});
