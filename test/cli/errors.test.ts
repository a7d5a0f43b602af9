/**
 * A broken input of each kind gets one located error (file:line:col) and exit code 2 — never a
 * stack trace; an expectation that fails exits 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli.ts');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const good = readFileSync(join(root, 'sim-scenarios', 'x86-no-engine.yaml'), 'utf8');

function flowsim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [tsx, cli, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function scenario(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'flowsim-cli-'));
  const f = join(d, 'broken.yaml');
  writeFileSync(f, text);
  return f;
}

describe('flowsim run on broken input', () => {
  it('YAML syntax error: exit 2 with file:line:col', () => {
    const f = scenario(good.replace('seed: 5', 'seed: [5'));
    const r = flowsim('run', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${f.replace(/[/.]/g, '\\$&')}:\\d+:\\d+: error:`));
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('schema error: names the key, the unknown device and the known ones', () => {
    const f = scenario(good.replace('interface: eth1, addresses: [0.0.0.0/0]', 'interface: eth9, addresses: [0.0.0.0/0]'));
    const r = flowsim('run', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml:\d+:\d+: error: hosts\[1\]\.interface: unknown device "eth9"; known: eth0, eth1/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('ruleset error: located in the ruleset text', () => {
    const f = scenario(good.replace('policy drop;', 'policy dorp;'));
    const r = flowsim('run', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/inline ruleset\):\d+:\d+: error: .*dorp/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('a failing expectation exits 1 and says which', () => {
    const f = scenario(good.replace('- that: paths.hardware == 0', '- that: paths.hardware > 0'));
    const r = flowsim('run', f, '--duration', '300ms');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/expect failed: paths\.hardware > 0/);
  });
  it('--json prints one JSON document and nothing on stderr', () => {
    const r = flowsim('run', join(root, 'sim-scenarios', 'x86-no-engine.yaml'), '--json', '--duration', '200ms');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { mode: string; packets: { offered: number } };
    expect(doc.mode).toBe('hardware');
    expect(doc.packets.offered).toBeGreaterThan(0);
    expect(r.err).toBe('');
  });
});
