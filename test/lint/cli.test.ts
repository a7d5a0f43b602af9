/**
 * `flowsim lint <scenario> [--json]`: compiler-style output and exit codes — 0 clean (info
 * allowed), 1 an error- or warning-level finding, 2 bad input (UserError).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/lint.ts';
import { UserError } from '../../src/cli/errors.ts';
import { routerYaml, textAt, writeScenario } from './helpers.ts';

async function lint(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, { stdout: (s) => { out += s; } });
  return { code, out };
}

describe('flowsim lint', () => {
  it('exits 0 and says so on a clean scenario', async () => {
    const path = writeScenario(routerYaml());
    const r = await lint([path]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${path}: no findings\n`);
  });

  it('prints file:line:col: warning[id]: message with indented why/fix lines and exits 1', async () => {
    const path = writeScenario(routerYaml({ sqm: ['{ device: pppoe-wan, qdisc: cake, rate: 40Mbit, direction: egress }'] }));
    const r = await lint([path]);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: warning\\[sqm-with-hw-offload\\]: SQM`));
    expect(lines[1]).toMatch(/^ {2}why: /);
    expect(lines[2]).toMatch(/^ {2}fix: /);
    expect(r.out).toMatch(/1 warning\n$/);
  });

  it('exits 0 when only info findings remain', async () => {
    const path = writeScenario(routerYaml({ traffic: ['{ name: ping, client: laptop, server: isp, proto: icmp, count: 1, rate: 0.1Mbit, size: 98, duration: 1s }'] }));
    const r = await lint([path]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/info\[hw-offload-unsupported-flows\]/);
  });

  it('--json prints the findings as data', async () => {
    const path = writeScenario(routerYaml({ devices: '{ "br-lan", "pppoe-wan" }', flags: '' }));
    const r = await lint([path, '--json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out) as { ok: boolean; findings: { id: string; severity: string; loc: { file: string; line: number; col: number } }[] };
    expect(body.ok).toBe(false);
    expect(body.findings.map((f) => f.id)).toEqual(['flowtable-device-mismatch', 'flowtable-device-mismatch']);
    expect(body.findings[0]!.loc.file).toBe(path);
    expect(textAt(body.findings[0]!.loc)).toMatch(/^flowtable ft \{/);
  });

  it('bad input is a UserError (exit 2): a missing file, a broken scenario, a bad flag', async () => {
    await expect(lint(['/nonexistent/scenario.yaml'])).rejects.toBeInstanceOf(UserError);
    await expect(lint([writeScenario('name: x\ninterfaces: 3\n')])).rejects.toBeInstanceOf(UserError);
    await expect(lint([writeScenario(routerYaml({ forward: ['jump nowhere;'] }))])).rejects.toThrow(/nowhere/);
    await expect(lint([writeScenario(routerYaml()), '--mode', 'turbo'])).rejects.toBeInstanceOf(UserError);
    await expect(lint([])).rejects.toBeInstanceOf(UserError);
  });
});
