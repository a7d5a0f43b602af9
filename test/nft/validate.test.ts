import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRulesetFile } from '../../src/cli/validate.ts';
import { parseRulesetText } from '../../src/nft/load.ts';

async function run(path: string, opts: { print?: boolean; json?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await validateRulesetFile(path, { ...opts, stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('flowsim validate <ruleset>', () => {
  it('exits 0 with a one-line summary for a valid fw4 ruleset', async () => {
    const r = await run('test/fixtures/nft/fw4-default.nft');
    expect(r.code).toBe(0);
    expect(r.out).toBe('ok: 1 table, 27 chains, 47 rules, 0 sets, 1 flowtable\n');
    expect(r.err).toBe('');
  });

  it('accepts libnftables JSON and warns that flowtable flags are unknown there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-validate-'));
    const p = join(dir, 'ft.json');
    writeFileSync(
      p,
      JSON.stringify({
        nftables: [
          { table: { family: 'inet', name: 'fw4' } },
          { flowtable: { family: 'inet', name: 'ft', table: 'fw4', hook: 'ingress', prio: 0, dev: 'wan' } },
        ],
      }),
    );
    const r = await run(p);
    expect(r.code).toBe(0);
    expect(r.out).toBe('ok: 1 table, 0 chains, 0 rules, 0 sets, 1 flowtable\n');
    expect(r.err).toMatch(/ft\.json:1:\d+: warning: flowtable "ft": libnftables JSON carries neither "flags offload" nor "counter"/);
  });

  it('exits 2 with the located error for a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-validate-'));
    const p = join(dir, 'bad.nft');
    writeFileSync(p, 'table inet t {\n\tchain c {\n\t\tip saddr 10.0.0.300 accept\n\t}\n}\n');
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${p}:3:12: error: expected an IPv4 address, found "10.0.0.300"\n\t\tip saddr 10.0.0.300 accept\n\t\t         ^~~~~~~~~~\n`);
  });

  it('exits 2 for a missing file', async () => {
    const r = await run('test/fixtures/nft/does-not-exist.nft');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^test\/fixtures\/nft\/does-not-exist.nft:1:1: error: cannot read ruleset: no such file/);
  });

  it('--print shows what was understood as loadable nft text', async () => {
    const r = await run('test/fixtures/nft/fw4-helpers.nft', { print: true });
    expect(r.code).toBe(0);
    expect(r.out).toContain('\tct helper Q.931 {\n\t\ttype "Q.931" protocol tcp\n\t}');
    expect(r.out).toContain('meta l4proto tcp tcp dport 21 ct helper set "ftp" comment "!fw4: FTP passive connection tracking"');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('# ok: 1 table, 6 chains, 15 rules, 0 sets, 0 flowtables, 7 objects');
    expect(parseRulesetText(r.out, 'printed.nft').ok).toBe(true);
  });

  it('--json gives the summary as JSON', async () => {
    const r = await run('test/fixtures/nft/ipset-interval.nft', { json: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, summary: { tables: 1, chains: 2, rules: 14, sets: 3, maps: 1 } });
  });
});
