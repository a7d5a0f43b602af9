import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleset, parseRulesetText, summarize } from '../../src/nft/load.ts';
import type { Chain, MatchStmt, Ruleset, Stmt } from '../../src/nft/ir.ts';

const FIX = 'test/fixtures/nft';

function must(r: Awaited<ReturnType<typeof loadRuleset>>): Ruleset {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.loc.file}:${e.loc.line}:${e.loc.col}: ${e.message}`).join('\n'));
  return r.ruleset;
}

function chain(rs: Ruleset, name: string): Chain {
  const c = rs.tables.flatMap((t) => t.chains).find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name}`);
  return c;
}

const text = (src: string): Ruleset => must(parseRulesetText(src, 'test.nft'));

describe('nft text parser: firewall4 and nft list ruleset fixtures', () => {
  it.each(['fw4-default.nft', 'fw4-portforward.nft', 'fw4-helpers.nft', 'ipset-interval.nft', 'include-glob/main.nft'])('accepts %s', async (f) => {
    const r = await loadRuleset(`${FIX}/${f}`);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
  });

  it('the default fw4 ruleset has the zones, the flowtable and the base chains firewall4 renders (ruleset.uc)', async () => {
    const rs = must(await loadRuleset(`${FIX}/fw4-default.nft`));
    expect(summarize(rs)).toMatchObject({ tables: 1, chains: 27, rules: 47, flowtables: 1 });
    const ft = rs.tables[0]!.flowtables[0]!;
    expect(ft).toMatchObject({ name: 'ft', hook: 'ingress', priority: { value: 0, spelling: 'filter' }, devices: ['lan1', 'lan2', 'wan'], counter: true, offload: true, flagsKnown: true });
    expect(chain(rs, 'input').base).toEqual({ type: 'filter', hook: 'input', priority: { value: 0, spelling: 'filter' }, policy: 'drop', devices: [] });
    expect(chain(rs, 'srcnat').base?.priority).toEqual({ value: 100, spelling: 'srcnat' });
    expect(chain(rs, 'dstnat').base?.priority.value).toBe(-100);
    expect(chain(rs, 'raw_prerouting').base?.priority.value).toBe(-300);
    expect(chain(rs, 'mangle_output').base).toMatchObject({ type: 'route', priority: { value: -150 } });
  });

  it('`flow offload @ft` (the spelling fw4 prints) is the same statement as `flow add @ft` (nftables src/parser_bison.y)', async () => {
    const rs = must(await loadRuleset(`${FIX}/fw4-default.nft`));
    const first = chain(rs, 'forward').rules[0]!;
    expect(first.stmts.map((s) => s.kind)).toEqual(['match', 'flow-add']);
    expect(first.stmts[1]).toMatchObject({ kind: 'flow-add', flowtable: 'ft' });
    const m = first.stmts[0] as MatchStmt;
    expect(m.right.kind).toBe('set');
  });

  it('`ct state established,related` is a bitmask any-of match (op "in", value 2|4)', () => {
    const rs = text('table ip t { chain c { ct state established,related accept } }');
    expect(chain(rs, 'c').rules[0]!.stmts[0]).toMatchObject({ kind: 'match', op: 'in', right: { kind: 'int', dtype: 'ct_state', value: 6 } });
  });

  it('`tcp flags syn / syn,fin,rst` is `tcp flags & (fin|syn|rst) == syn`', () => {
    const a = text('table inet t { chain c { tcp flags syn / syn,fin,rst accept } }');
    const b = text('table inet t { chain c { tcp flags & (fin | syn | rst) == syn accept } }');
    const strip = (rs: Ruleset) => JSON.stringify(chain(rs, 'c').rules[0]!.stmts, (k, v) => (k === 'loc' ? undefined : v));
    expect(strip(a)).toBe(strip(b));
    expect(chain(a, 'c').rules[0]!.stmts[0]).toMatchObject({ op: '==', left: { kind: 'binop', op: '&', right: { value: 0x07 } }, right: { value: 0x02 } });
  });

  it('symbolic constants resolve to numbers: tcp dport ssh == tcp dport 22, icmp type echo-request == 8', () => {
    const rs = text('table inet t { chain c {\n tcp dport ssh accept\n icmp type echo-request accept\n meta l4proto ipv6-icmp accept\n } }');
    const rights = chain(rs, 'c').rules.map((r) => (r.stmts[0] as MatchStmt).right);
    expect(rights).toMatchObject([{ value: 22 }, { value: 8, dtype: 'icmp_type' }, { value: 58, dtype: 'inet_proto' }]);
  });

  it('addresses are numbers: IPv4 a host-order uint32, IPv6 four words, prefixes with host bits cleared', () => {
    const rs = text('table inet t { chain c {\n ip saddr 192.168.1.1 accept\n ip6 daddr 2001:db8::1 accept\n ip saddr 10.1.2.3/8 accept\n ether saddr 00:11:22:33:44:55 accept\n } }');
    const r = chain(rs, 'c').rules.map((x) => (x.stmts[0] as MatchStmt).right);
    expect(r[0]).toMatchObject({ kind: 'int', dtype: 'ipv4_addr', value: 0xc0a80101 });
    expect(r[1]).toMatchObject({ kind: 'ip6', words: [0x20010db8, 0, 0, 1] });
    expect(r[2]).toMatchObject({ kind: 'prefix', len: 8, value: { value: 0x0a000000 } });
    expect(r[3]).toMatchObject({ kind: 'int', dtype: 'ether_addr', value: 0x001122334455 });
  });

  it('interface names may be wildcards: iifname "eth*" matches by prefix', () => {
    const rs = text('table inet t { chain c { iifname "eth*" accept } }');
    expect((chain(rs, 'c').rules[0]!.stmts[0] as MatchStmt).right).toMatchObject({ kind: 'string', value: 'eth', wildcard: true });
  });

  it('define variables are typed where they are used, also holding sets', () => {
    const rs = text('define lan = { "br-lan", "lan2" }\ndefine nets = { 10.0.0.0/8, 192.168.0.0/16 }\ntable inet t { chain c {\n iifname $lan ip saddr $nets accept\n } }');
    const s = chain(rs, 'c').rules[0]!.stmts;
    expect(s[0]).toMatchObject({ kind: 'match', right: { kind: 'set', elements: [{ key: { value: 'br-lan' } }, { key: { value: 'lan2' } }] } });
    expect(s[1]).toMatchObject({ kind: 'match', right: { kind: 'set', elements: [{ key: { kind: 'prefix', len: 8 } }, { key: { kind: 'prefix', len: 16 } }] } });
  });

  it('includes splice files in sorted glob order; a glob that matches nothing is not an error', async () => {
    const rs = must(await loadRuleset(`${FIX}/include-glob/main.nft`));
    expect(rs.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip nat', 'ip filter']);
    expect(chain(rs, 'prerouting').rules).toHaveLength(2);
    expect(chain(rs, 'forward').rules.map((r) => r.stmts.at(-1)?.kind)).toEqual(['verdict', 'verdict', 'verdict']);
    expect(rs.source.files).toHaveLength(3);
  });

  it('NAT statements: fw4 `dnat 1.2.3.4:80`, `dnat [v6]:port`, `redirect to 80`, masquerade flags', async () => {
    const rs = must(await loadRuleset(`${FIX}/fw4-portforward.nft`));
    const nat = (c: string, i: number): Stmt => chain(rs, c).rules[i]!.stmts.find((s) => s.kind === 'nat')!;
    expect(nat('dstnat_wan', 0)).toMatchObject({ type: 'dnat', family: 'ip', addr: { kind: 'int', value: 0xc0a80114 }, port: { value: 443 } });
    expect(nat('dstnat_wan', 2)).toMatchObject({ type: 'dnat', family: 'ip6', addr: { kind: 'ip6' }, port: { value: 22 } });
    expect(nat('dstnat_wan', 3)).toMatchObject({ type: 'redirect', addr: null, port: { value: 80 } });
    const inc = must(await loadRuleset(`${FIX}/include-glob/main.nft`));
    expect(chain(inc, 'postrouting').rules[0]!.stmts[1]).toMatchObject({ type: 'masquerade', flags: ['random', 'persistent'] });
    expect(chain(inc, 'prerouting').rules[1]!.stmts[1]).toMatchObject({ kind: 'match', right: { kind: 'range', low: { value: 1000 }, high: { value: 2000 } } });
  });

  it('ct helper objects and `ct helper set` references', async () => {
    const rs = must(await loadRuleset(`${FIX}/fw4-helpers.nft`));
    expect(rs.tables[0]!.objects.map((o) => o.name)).toContain('Q.931');
    expect(rs.tables[0]!.objects[1]).toMatchObject({ kind: 'ct-helper', name: 'ftp', helper: 'ftp', protocol: 'tcp' });
    expect(chain(rs, 'helper_lan').rules[1]!.stmts.at(-1)).toMatchObject({ kind: 'objref', objType: 'ct helper', name: 'ftp' });
  });

  it('named sets keep their key types with widths, flags and interval elements', async () => {
    const rs = must(await loadRuleset(`${FIX}/ipset-interval.nft`));
    const t = rs.tables[0]!;
    const v4 = t.sets.find((s) => s.name === 'blocklist_v4')!;
    expect(v4.flags).toEqual(['interval']);
    expect(v4.key.fields).toEqual([{ dtype: 'ipv4_addr', bits: 32 }]);
    expect(v4.elements.map((e) => e.key.kind)).toEqual(['prefix', 'int', 'prefix', 'range']);
    const guard = t.sets.find((s) => s.name === 'ssh_guard')!;
    expect(guard.key.fields).toEqual([{ dtype: 'ipv4_addr', bits: 32 }, { dtype: 'inet_service', bits: 16 }]);
    expect(guard.timeout).toBe(600_000);
    const vmap = t.sets.find((s) => s.name === 'port_policy')!;
    expect(vmap.kind).toBe('map');
    expect(vmap.data?.fields[0]?.dtype).toBe('verdict');
    expect(vmap.elements[0]!.data).toMatchObject({ kind: 'verdict', code: 'jump', chain: 'ssh_in' });
  });

  it('`add`, `insert`, `delete rule … handle N` and `flush` apply in order like `nft -f`', () => {
    const rs = text(
      [
        'table ip t { chain c { type filter hook input priority 0; policy accept; } }',
        'add rule ip t c tcp dport 22 accept # handle 4',
        'add rule ip t c tcp dport 80 accept # handle 5',
        'insert rule ip t c tcp dport 1 drop',
        'delete rule ip t c handle 4',
        'add table ip gone',
        'delete table ip gone',
      ].join('\n'),
    );
    expect(rs.tables).toHaveLength(1);
    expect(chain(rs, 'c').rules.map((r) => ((r.stmts[0] as MatchStmt).right as { value: number }).value)).toEqual([1, 80]);
    expect(chain(rs, 'c').rules[1]!.handle).toBe(5);
    const flushed = text('table ip t { chain c { accept } }\nflush ruleset\ntable ip u { }');
    expect(flushed.tables.map((t) => t.name)).toEqual(['u']);
  });

  it('multiple tables in one file (fw4 print style) and `;` as a separator', () => {
    const rs = text('table ip a { chain x { accept; drop } }\ntable ip6 b { chain y { type filter hook forward priority filter + 5; policy drop; } }');
    expect(rs.tables.map((t) => t.family)).toEqual(['ip', 'ip6']);
    expect(chain(rs, 'x').rules).toHaveLength(2);
    expect(chain(rs, 'y').base?.priority).toEqual({ value: 5, spelling: 'filter + 5' });
  });

  it('reads every fixture byte-for-byte the same from a string as from the file', async () => {
    const p = `${FIX}/fw4-default.nft`;
    const a = must(await loadRuleset(p));
    const b = must(parseRulesetText(readFileSync(p, 'utf8'), p));
    expect(b).toEqual(a);
  });
});
