import { describe, it, expect } from 'vitest';
import { parseRulesetText, parseRulesetJson } from '../../src/nft/load.ts';
import { formatError } from '../../src/nft/errors.ts';
import type { NftError } from '../../src/nft/ir.ts';

/** The one error a source yields, with its position. */
function errorOf(src: string, file = 'bad.nft'): NftError {
  const r = parseRulesetText(src, file, { include: () => ({ ok: true, files: [] }) });
  if (r.ok) throw new Error('expected an error');
  return r.errors[0]!;
}

const at = (e: NftError) => `${e.loc.file}:${e.loc.line}:${e.loc.col}`;

describe('located errors (file:line:col, source line, caret)', () => {
  it('a syntax error says what was expected and what was found, with a caret under it', () => {
    const src = 'table inet t {\n\tchain c {\n\t\ttcp dport 22 acept\n\t}\n}\n';
    const e = errorOf(src);
    expect(e.kind).toBe('syntax');
    expect(at(e)).toBe('bad.nft:3:16');
    expect(e.message).toBe('expected a statement or a match (meta, ip, ip6, tcp, udp, ct, …), found "acept"');
    expect(formatError(e, src)).toBe(
      'bad.nft:3:16: error: expected a statement or a match (meta, ip, ip6, tcp, udp, ct, …), found "acept"\n\t\ttcp dport 22 acept\n\t\t             ^~~~~',
    );
  });

  it('a missing closing brace is reported at the end of the file', () => {
    const e = errorOf('table ip t {\n  chain c {\n    accept\n  }\n');
    expect(e.message).toMatch(/expected .*"}".*, found end of file/);
    expect(at(e)).toBe('bad.nft:5:1');
  });

  it('undefined $var (nft: "unknown identifier")', () => {
    const e = errorOf('table ip t {\n  chain c {\n    iifname $lan_if accept\n  }\n}');
    expect(e.message).toBe('undefined variable "$lan_if": define it first with "define lan_if = …"');
    expect(at(e)).toBe('bad.nft:3:13');
  });

  it('jump to an unknown chain', () => {
    const e = errorOf('table ip t {\n  chain c {\n    type filter hook input priority 0;\n    tcp dport 22 jump ssh_in\n  }\n}');
    expect(e.message).toBe('jump to unknown chain "ssh_in" in table ip t');
    expect(at(e)).toBe('bad.nft:4:18');
  });

  it('@set reference to an unknown set, with a case hint', () => {
    const e = errorOf('table ip t {\n  set Blocked { type ipv4_addr; }\n  chain c {\n    ip saddr @blocked drop\n  }\n}');
    expect(e.message).toBe('unknown set or map "@blocked" in table ip t (did you mean "@Blocked"?)');
    expect(at(e)).toBe('bad.nft:4:14');
  });

  it('flow add to an unknown flowtable', () => {
    const e = errorOf('table inet t {\n  chain f {\n    type filter hook forward priority 0;\n    meta l4proto tcp flow add @ft\n  }\n}');
    expect(e.message).toBe('unknown flowtable "@ft" in table inet t');
    expect(at(e)).toBe('bad.nft:4:22');
  });

  it('jump to a base chain is refused as nft does ("Operation not supported"), explained', () => {
    const e = errorOf('table ip t {\n  chain input {\n    type filter hook input priority 0;\n  }\n  chain other {\n    jump input\n  }\n}');
    expect(e.message).toMatch(/^cannot jump to base chain "input" \(it is attached to hook input\); nft refuses this with "Could not process rule: Operation not supported"/);
    expect(at(e)).toBe('bad.nft:6:5');
  });

  it('jump loops are refused (nf_tables_check_loops: ELOOP)', () => {
    const e = errorOf('table ip t {\n  chain a {\n    jump b\n  }\n  chain b {\n    tcp dport 1 goto c\n  }\n  chain c {\n    jump a\n  }\n}');
    expect(e.message).toBe('jump loop: a → b → c → a; nft refuses it with "Too many levels of symbolic links"');
    expect(at(e)).toBe('bad.nft:9:5');
  });

  it('a set element of the wrong type: an IPv6 address in an ipv4_addr set', () => {
    const e = errorOf('table inet t {\n  set v4 {\n    type ipv4_addr\n    elements = { 192.0.2.1, 2001:db8::1 }\n  }\n}');
    expect(e.message).toBe('expected an IPv4 address, found IPv6 address 2001:db8::1');
    expect(at(e)).toBe('bad.nft:4:29');
  });

  it('a @set whose key type does not match the expression', () => {
    const e = errorOf('table inet t {\n  set v4 { type ipv4_addr; }\n  chain c {\n    ip6 saddr @v4 drop\n  }\n}');
    expect(e.message).toBe('datatype mismatch: "@v4" holds ipv4_addr but the expression is ipv6_addr');
  });

  it('masquerade in a filter chain (nft_masq_validate: only nat chains)', () => {
    const e = errorOf('table ip t {\n  chain fwd {\n    type filter hook forward priority 0;\n    oifname "wan" masquerade\n  }\n}');
    expect(e.message).toMatch(/^masquerade is only valid in chains of type nat, but chain "fwd" is type filter hook forward/);
    expect(at(e)).toBe('bad.nft:4:19');
  });

  it('dnat reached from a postrouting nat chain is on the wrong hook (nft_nat_validate)', () => {
    const e = errorOf('table ip t {\n  chain post {\n    type nat hook postrouting priority srcnat;\n    jump sub\n  }\n  chain sub {\n    dnat to 10.0.0.1\n  }\n}');
    expect(e.message).toMatch(/^dnat is only valid in the prerouting or output hook, but chain "sub" \(reached from base chain "post"\) is on hook postrouting/);
    expect(at(e)).toBe('bad.nft:7:5');
  });

  it('flowtable priorities other than filter ± N are refused', () => {
    const e = errorOf('table inet t {\n  flowtable ft {\n    hook ingress priority raw; devices = { eth0 };\n  }\n}');
    expect(e.message).toMatch(/^flowtable priority "raw" is not accepted by nft: use a number or "filter" ± N/);
    expect(at(e)).toBe('bad.nft:3:27');
  });

  it('unsupported expressions are located and say so (numgen)', () => {
    const e = errorOf('table ip t {\n  chain c {\n    type nat hook prerouting priority dstnat;\n    dnat to numgen inc mod 2 map { 0 : 10.0.0.1, 1 : 10.0.0.2 }\n  }\n}');
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/^unsupported: numgen/);
    expect(at(e)).toBe('bad.nft:4:13');
  });

  it('unsupported statements are located and say so (queue)', () => {
    const e = errorOf('table ip t {\n  chain c {\n    queue num 1\n  }\n}');
    expect(e.message).toMatch(/^unsupported: queue/);
    expect(at(e)).toBe('bad.nft:3:5');
  });

  it('errors in included files point into the included file', () => {
    const r = parseRulesetText('table ip t { chain c { accept } }\ninclude "x.nft"\n', 'main.nft', {
      include: () => ({ ok: true, files: [{ file: 'x.nft', text: '\nadd rule ip t c tcp dport banana accept\n' }] }),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(at(r.errors[0]!)).toBe('x.nft:2:27');
    expect(r.errors[0]!.message).toBe('expected a port number, found "banana"');
    expect(formatError(r.errors[0]!, r.sources['x.nft'])).toContain('^~~~~~');
  });

  it('a plain include path that does not exist is an error; a glob is not', () => {
    const missing = parseRulesetText('include "nope.nft"\n', '/tmp/flowsim-nft-test/main.nft');
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.errors[0]!.message).toMatch(/include "nope.nft": no such file/);
      expect(at(missing.errors[0]!)).toBe('/tmp/flowsim-nft-test/main.nft:1:9');
    }
    expect(parseRulesetText('include "nope.d/*.nft"\n', '/tmp/flowsim-nft-test/main.nft').ok).toBe(true);
  });

  it('JSON errors point into the JSON file (line and column of the bad value)', () => {
    const src = '{"nftables": [\n  {"table": {"family": "inet", "name": "t"}},\n  {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "inptu", "prio": 0}}\n]}';
    const r = parseRulesetJson(src, 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]!.message).toBe('expected a hook (prerouting, input, forward, output, postrouting, ingress, egress), found string "inptu"');
    expect(at(r.errors[0]!)).toBe('bad.json:3:85');
  });

  it('JSON syntax errors are located too', () => {
    const r = parseRulesetJson('{"nftables": [\n  {"table": {"family": "inet" "name": "t"}}\n]}', 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]!.message).toBe('expected "," or "}", found """');
    expect(at(r.errors[0]!)).toBe('bad.json:2:31');
  });
});
