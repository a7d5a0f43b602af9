import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { loadRuleset, parseRulesetText, parseRuleset } from '../../src/nft/load.ts';
import { printRuleset } from '../../src/nft/print.ts';
import { withoutPresentation, type LoadResult, type Ruleset } from '../../src/nft/ir.ts';

const FIX = 'test/fixtures/nft';

function must(r: LoadResult): Ruleset {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.loc.file}:${e.loc.line}:${e.loc.col}: ${e.message}`).join('\n'));
  return r.ruleset;
}

/** The meaning of a ruleset: presentation fields (loc, spelling, handle, source) dropped. */
const meaning = (rs: Ruleset): unknown => withoutPresentation(rs);

describe('printer: print(parse(x)) parses to the same IR', () => {
  it.each(['fw4-default.nft', 'fw4-portforward.nft', 'fw4-helpers.nft', 'ipset-interval.nft', 'include-glob/main.nft'])('%s', async (f) => {
    const a = must(await loadRuleset(`${FIX}/${f}`));
    const printed = printRuleset(a);
    const b = must(parseRulesetText(printed, 'printed.nft'));
    expect(meaning(b)).toEqual(meaning(a));
    // Printing is a fixpoint after one round.
    expect(printRuleset(b)).toBe(printed);
  });

  // Random rules from the pieces firewall rulesets are made of.
  const ip4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const ip6 = fc.tuple(fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffff)).map(([a, b, c]) => `2001:db8:${a.toString(16)}:${b.toString(16)}::${c.toString(16)}`);
  const port = fc.integer({ min: 1, max: 65535 });
  const ifname = fc.constantFrom('"br-lan"', '"wan"', '"eth0"', '"pppoe-wan"', '"eth*"', '"wg0"');
  const match = fc.oneof(
    ip4.map((a) => `ip saddr ${a}`),
    fc.tuple(ip4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `ip daddr ${a}/${l}`),
    ip6.map((a) => `ip6 saddr ${a}`),
    fc.tuple(ip6, fc.integer({ min: 0, max: 128 })).map(([a, l]) => `ip6 daddr != ${a}/${l}`),
    port.map((p) => `tcp dport ${p}`),
    fc.tuple(port, port).map(([a, b]) => `udp sport ${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.uniqueArray(port, { minLength: 1, maxLength: 5 }).map((ps) => `th dport { ${ps.join(', ')} }`),
    ifname.map((i) => `iifname ${i}`),
    ifname.map((i) => `oifname != ${i}`),
    fc.subarray(['new', 'established', 'related', 'invalid'], { minLength: 1 }).map((s) => `ct state ${s.join(',')}`),
    fc.constantFrom('ct status dnat', 'ct status & dnat == dnat', 'tcp flags syn', 'tcp flags & (fin | syn | rst | ack) == syn', 'tcp flags syn / syn,rst'),
    fc.constantFrom('meta l4proto { tcp, udp }', 'meta nfproto ipv6', 'icmp type echo-request', 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }', 'fib daddr type local', 'meta pkttype broadcast'),
    fc.nat(0xffffffff).map((m) => `meta mark ${m}`),
    fc.nat(0xffff).map((m) => `ct mark & 0xff00 == ${m & 0xff00}`),
    fc.integer({ min: 1, max: 255 }).map((t) => `ip ttl < ${t}`),
    fc.tuple(ip4, port).map(([a, p]) => `ip daddr . tcp dport { ${a} . ${p} }`),
  );
  const action = (jumps: boolean) => fc.oneof(
    fc.constantFrom('accept', 'drop', 'return', 'continue', ...(jumps ? ['jump sub', 'goto sub'] : []), 'reject', 'reject with tcp reset', 'reject with icmpx type admin-prohibited', 'notrack'),
    fc.constantFrom('counter', 'counter packets 5 bytes 300', 'log prefix "x: " level warn', 'meta mark set 0x10', 'meta nftrace set 1', 'ct mark set meta mark'),
    fc.tuple(fc.integer({ min: 1, max: 10000 }), fc.constantFrom('second', 'minute', 'hour', 'day'), fc.integer({ min: 1, max: 100 })).map(([r, u, b]) => `limit rate ${r}/${u} burst ${b} packets`),
    fc.integer({ min: 1, max: 100 }).map((m) => `limit rate over ${m} mbytes/second`),
  );
  const rule = (jumps: boolean) => fc.tuple(fc.array(match, { maxLength: 4 }), fc.array(action(jumps), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom('a comment', '!fw4: x', 'with "quotes"'))).map(
    ([ms, as, c]) => [...ms, ...as].join(' ') + (c === null ? '' : ` comment ${JSON.stringify(c)}`),
  );
  const ruleset = fc.tuple(fc.array(rule(true), { maxLength: 12 }), fc.array(rule(false), { maxLength: 4 }), fc.constantFrom('filter', 'mangle', 'raw', '-5', 'filter + 3')).map(
    ([main, sub, prio]) =>
      `table inet r {\n\tchain input {\n\t\ttype filter hook input priority ${prio}; policy drop;\n${main.map((r) => `\t\t${r}\n`).join('')}\t}\n\tchain sub {\n${sub.map((r) => `\t\t${r}\n`).join('')}\t}\n}\n`,
  );

  it('for random rulesets', () => {
    fc.assert(
      fc.property(ruleset, (src) => {
        const a = must(parseRulesetText(src, 'random.nft'));
        const b = must(parseRulesetText(printRuleset(a), 'printed.nft'));
        expect(meaning(b)).toEqual(meaning(a));
      }),
      { numRuns: 200 },
    );
  });
});

describe('text and libnftables JSON of one ruleset give the same IR (REFERENCE.md: text→IR = JSON→IR)', () => {
  it.each(['fw4-helpers', 'ipset-interval'])('%s.nft and %s.json', async (name) => {
    const t = must(await loadRuleset(`${FIX}/${name}.nft`));
    const j = must(await loadRuleset(`${FIX}/${name}.json`));
    expect(meaning(j)).toEqual(meaning(t));
  });

  it('a JSON flowtable says its offload/counter flags are unknown, with a warning (JSON does not carry them)', () => {
    const json = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 'fw4' } },
        { flowtable: { family: 'inet', name: 'ft', table: 'fw4', hook: 'ingress', prio: 0, dev: ['lan1', 'wan'] } },
        { chain: { family: 'inet', table: 'fw4', name: 'forward', type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
        { rule: { family: 'inet', table: 'fw4', chain: 'forward', expr: [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: { set: ['tcp', 'udp'] } } }, { flow: { op: 'add', flowtable: '@ft' } }] } },
      ],
    });
    const r = parseRuleset(json, 'ft.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.ruleset.tables[0]!.flowtables[0]).toMatchObject({ devices: ['lan1', 'wan'], flagsKnown: false, offload: false, counter: false });
    expect(r.warnings[0]!.message).toMatch(/flags offload.*counter/);
    const text = must(parseRulesetText('table inet fw4 { flowtable ft { hook ingress priority 0; devices = { lan1, wan }; }\nchain forward { type filter hook forward priority filter; policy drop;\nmeta l4proto { tcp, udp } flow add @ft\n} }', 'ft.nft'));
    const strip = (rs: Ruleset) => meaning({ ...rs, tables: rs.tables.map((t) => ({ ...t, flowtables: t.flowtables.map((f) => ({ ...f, flagsKnown: true })) })) });
    expect(strip(r.ruleset)).toEqual(strip(text));
  });
});

describe('robustness: mangled input never crashes the parser', () => {
  const sources = ['fw4-default.nft', 'ipset-interval.nft', 'fw4-portforward.nft'].map((f) => loadText(`${FIX}/${f}`));
  const jsonSource = loadText(`${FIX}/ipset-interval.json`);

  function loadText(p: string): string {
    return readFileSync(p, 'utf8');
  }

  const mutate = (src: string) =>
    fc
      .array(
        fc.oneof(
          fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
          fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
          fc.record({ op: fc.constant('swap' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
          fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: fc.constantFrom('{', '}', ';', '"', '$', '@', '#', '\n', ':', '.', '-', '/', '\\', 'x', '9', '\u0000', '\u00e9', ' ') , maxLength: 5 }) }),
          fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((ops) => {
        let s = src;
        for (const o of ops) {
          const at = o.at % (s.length + 1);
          if (o.op === 'delete') s = s.slice(0, at) + s.slice(at + o.len);
          else if (o.op === 'dup') s = s.slice(0, at + o.len) + s.slice(at, at + o.len) + s.slice(at + o.len);
          else if (o.op === 'swap') s = s.slice(at + o.len, at + 2 * o.len) + s.slice(at, at + o.len) + s.slice(0, at) + s.slice(at + 2 * o.len);
          else if (o.op === 'insert') s = s.slice(0, at) + o.text + s.slice(at);
          else s = s.slice(0, at);
        }
        return s;
      });

  it('text: a value with errors or a ruleset, never an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sources).chain(mutate), (src) => {
        const r = parseRulesetText(src, 'mutated.nft', { include: () => ({ ok: true, files: [] }) });
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.loc.line).toBeGreaterThanOrEqual(1);
            expect(e.message).not.toMatch(/internal parser error/);
          }
        }
      }),
      { numRuns: Number(process.env.NFT_FUZZ_RUNS ?? 300) },
    );
  });

  it('JSON: a value with errors or a ruleset, never an exception', () => {
    fc.assert(
      fc.property(mutate(jsonSource), (src) => {
        const r = parseRuleset(src, 'mutated.json');
        if (!r.ok) for (const e of r.errors) expect(e.message).not.toMatch(/internal parser error/);
      }),
      { numRuns: Number(process.env.NFT_FUZZ_RUNS ?? 300) },
    );
  });
});
