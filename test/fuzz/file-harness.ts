/**
 * File fuzzing through the loaders: nft text, libnftables JSON, scenario YAML and pcap/pcapng,
 * each mutated from valid seed files. Every input must either load or be refused with a located
 * error (file:line:col for text, `file: offset N:` for captures); no exception may escape and no
 * "internal parser error" may be the answer (load.ts turns a parser crash into that message).
 *
 * Used by loaders.test.ts (a CI slice) and long.ts (the long mode, by hand).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseRulesetJson, parseRulesetText } from '../../src/nft/load.ts';
import { CaptureError, MemorySink, PcapWriter, PcapngWriter, readAllPackets } from '../../src/pcap/index.ts';
import { ExpectSyntaxError, parseExpect } from '../../src/scenario/expect.ts';
import { decodeScenario } from '../../src/scenario/schema.ts';
import { parseLocated } from '../../src/scenario/source.ts';
import { buildScenario, BuildError } from '../../src/sim/build.ts';
import { Rng } from '../../src/sim/rng.ts';
import type { IngressFrame } from './router-harness.ts';
import { buildPcap, buildPcapng, type NgSection } from '../pcap/build.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCENARIO_DIR = join(ROOT, 'sim-scenarios');

export type FileKind = 'nft-text' | 'nft-json' | 'scenario' | 'pcap' | 'pcapng';

export interface FileFuzzStats {
  readonly kind: FileKind;
  tried: number;
  accepted: number;
  refused: number;
  /** Exceptions that escaped, unlocated errors, internal parser errors (with the input). */
  readonly failures: string[];
  maxFileMs: number;
  wallMs: number;
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

export function textSeeds(kind: 'nft-text' | 'nft-json' | 'scenario'): { name: string; text: string }[] {
  const pick = (dir: string, ext: string): { name: string; text: string }[] =>
    readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => ({ name: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
  const fixtures = join(ROOT, 'test', 'fixtures', 'nft');
  if (kind === 'nft-text') return [...pick(join(SCENARIO_DIR, 'rulesets'), '.nft'), ...pick(fixtures, '.nft')];
  if (kind === 'nft-json') return pick(fixtures, '.json');
  // The 1M-flow scenario is left out: a mutant of it that still loads would be large to build.
  return pick(SCENARIO_DIR, '.yaml').filter((s) => !s.name.includes('mlx5-1m'));
}

/**
 * Capture files holding some recorded frames: flowsim's own writers' output (pcap µs, pcapng) and
 * hand-built variants (test/pcap/build.ts) in both byte orders, pcap with ns timestamps, pcapng
 * with several interfaces and resolutions, simple/obsolete packet blocks and an unknown block.
 */
export function captureSeeds(frames: readonly IngressFrame[]): { pcap: Uint8Array[]; pcapng: Uint8Array[] } {
  const few = frames.slice(0, 10);
  const own = (ng: boolean): Uint8Array => {
    const sink = new MemorySink();
    if (ng) {
      const w = new PcapngWriter(sink);
      const a = w.addInterface('lan1');
      const b = w.addInterface('wan');
      few.forEach((f, i) => w.write(f.bytes, 0, f.bytes.length, f.timeNs, i & 1 ? b : a));
      w.close();
    } else {
      const w = new PcapWriter(sink);
      for (const f of few) w.write(f.bytes, 0, f.bytes.length, f.timeNs, 0);
      w.close();
    }
    return sink.bytes();
  };
  const records = few.map((f, i) => ({ sec: i, frac: 1000 * i, data: f.bytes }));
  const pcap = [own(false), buildPcap({ le: false, ns: true, records }), buildPcap({ le: true, ns: false, linkType: 1 | (1 << 28) | (1 << 26), records })];
  const blocks = (): NgSection['blocks'] => [
    { kind: 'idb', iface: { linkType: 1, name: 'lan1' } },
    { kind: 'idb', iface: { linkType: 1, name: 'wan', tsresol: 9, tsoffset: 5, snaplen: 128 } },
    ...few.map((f, i): NgSection['blocks'][number] => (i % 4 === 3 ? { kind: 'spb', data: f.bytes } : i % 4 === 2 ? { kind: 'opb', ifId: 1, ts: BigInt(i * 1000), data: f.bytes } : { kind: 'epb', ifId: i & 1, ts: BigInt(i * 1000), data: f.bytes, flags: 1, comment: 'x' })),
    { kind: 'unknown', type: 0x0bad, body: new Uint8Array(8) },
  ];
  const pcapng = [own(true), buildPcapng([{ le: true, blocks: blocks() }, { le: false, blocks: blocks() }])];
  return { pcap, pcapng };
}

// ---------------------------------------------------------------------------------------------
// Mutators
// ---------------------------------------------------------------------------------------------

const NFT_TOKENS = ['{', '}', ';', '"', '\n', ' ', '@', '$', '#', ':', ',', '-', '/', '.', '*', '\\', 'table', 'chain', 'set', 'map',
  'flowtable', 'type', 'hook', 'priority', 'policy', 'accept', 'drop', 'jump', 'goto', 'ip', 'ip6', 'tcp', 'dport', 'ct', 'state',
  'vmap', 'elements', 'flags', 'interval', 'counter', 'limit', 'rate', 'over', '/second', 'masquerade', 'snat', 'dnat', 'to',
  'include', 'define', 'meta', 'mark', 'set', 'offload', 'devices', '=', '0', '65535', '65536', '-1', '1.2.3.4/33', '::/129',
  '18446744073709551616', '0x', 'é', '\u0000', '\t', 'reject with icmpx', 'log prefix', 'quota', 'ct helper', '}}}}', '{{{{'];
const YAML_TOKENS = [':', '- ', '{', '}', '[', ']', '"', "'", '\n', '  ', '#', '&a', '*a', '!!int', '~', 'null', 'true', '0', '-1', '1e999',
  '0x10', '99999999999999999999', 'NaN', '.inf', '10Gbit', '0s', '-5ms', '1/0', 'eth9', 'lan1', 'br-lan', '0.0.0.0/0', '::/0',
  '300.1.1.1', 'fe80::1%', 'hardware', 'tcp', 'udp', 'count', 'rate', 'size', 'sport', 'duration', 'unanswered', 'expect', 'that',
  'paths.hardware >', ' and ', '((', '))', '<<: *a', '---', '...', '|', '>', '\t', 'é', '\u0000'];
const JSON_TOKENS = ['{', '}', '[', ']', '"', ',', ':', 'null', 'true', 'false', '0', '-1', '1e400', '"nftables"', '"table"', '"chain"',
  '"rule"', '"expr"', '"match"', '"left"', '"right"', '"op"', '"payload"', '"set"', '"elem"', '"prefix"', '"range"', '"family"',
  '"name"', '"handle"', '"hook"', '"prio"', '"policy"', '{"a":', '[[', ']]', '"\\u0000"', '"\\ud800"', '\n'];

/** A text mutant: deletions, duplications, insertions of grammar tokens, line swaps, truncation. */
export function mutateText(text: string, rng: Rng, tokens: readonly string[]): string {
  let s = text;
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(7)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + rng.int(12)); break; // delete a few characters
      case 1: s = s.slice(0, at) + tokens[rng.int(tokens.length)]! + s.slice(at); break; // insert a token
      case 2: { const len = 1 + rng.int(40); s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at); break; } // duplicate a span
      case 3: s = s.slice(0, at); break; // truncate
      case 4: { // swap two lines
        const lines = s.split('\n');
        const i = rng.int(lines.length), j = rng.int(lines.length);
        const t = lines[i]!; lines[i] = lines[j]!; lines[j] = t;
        s = lines.join('\n');
        break;
      }
      case 5: { // replace a word or number with a token
        const m = /[A-Za-z0-9_.:/-]+/g;
        m.lastIndex = at;
        const r = m.exec(s);
        if (r) s = s.slice(0, r.index) + tokens[rng.int(tokens.length)]! + s.slice(r.index + r[0].length);
        break;
      }
      default: s = s.slice(0, at) + String.fromCharCode(rng.int(128)) + s.slice(at + 1); break; // replace a character
    }
  }
  return s;
}

/** A structural JSON mutant: a value somewhere replaced by another type, deleted, or duplicated. */
export function mutateJson(text: string, rng: Rng): string {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch { return mutateText(text, rng, JSON_TOKENS); }
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { nodes.push({ parent: v, key: i }); walk(x); });
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) { nodes.push({ parent: v as Record<string, unknown>, key: k }); walk((v as Record<string, unknown>)[k]); }
  };
  walk(doc);
  const replacements: unknown[] = [null, 0, -1, 1e300, 65536, '', 'x', 'accept', true, [], {}, [1, 2], { a: 1 }, '1.2.3.4/40', 'ip', 'tcp', '::1'];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n && nodes.length > 0; k++) {
    const { parent, key } = nodes[rng.int(nodes.length)]!;
    const r = rng.int(4);
    if (Array.isArray(parent)) {
      const i = key as number;
      if (r === 0) parent.splice(i, 1);
      else if (r === 1) parent.splice(i, 0, structuredClone(parent[i]));
      else parent[i] = replacements[rng.int(replacements.length)];
    } else {
      const kk = key as string;
      if (r === 0) delete parent[kk];
      else if (r === 1) parent[kk + 'x'] = parent[kk];
      else parent[kk] = replacements[rng.int(replacements.length)];
    }
  }
  return rng.int(4) === 0 ? mutateText(JSON.stringify(doc), rng, JSON_TOKENS) : JSON.stringify(doc, null, rng.int(2) * 2);
}

/** A capture mutant: byte flips, header/length fields overwritten, truncation, spliced garbage. */
export function mutateCapture(b: Uint8Array, rng: Rng): Uint8Array {
  let out = b.slice();
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const at = rng.int(out.length);
    switch (rng.int(6)) {
      case 0: out[at] = out[at]! ^ (1 << rng.int(8)); break;
      case 1: { // a 32-bit field (lengths, magic, block types) set to an edge value
        const v = [0, 1, 0xffffffff, 0x7fffffff, 12, 16, 24, 28, 0xa1b2c3d4, 0x0a0d0d0a, 65536, 262145, rng.u32()][rng.int(13)]!;
        const a = at & ~3;
        for (let i = 0; i < 4 && a + i < out.length; i++) out[a + i] = (v >>> (8 * i)) & 0xff;
        break;
      }
      case 2: out = out.subarray(0, at); break;
      case 3: { // splice random bytes in
        const g = new Uint8Array(rng.int(40));
        for (let i = 0; i < g.length; i++) g[i] = rng.u32() & 0xff;
        const o = new Uint8Array(out.length + g.length);
        o.set(out.subarray(0, at)); o.set(g, at); o.set(out.subarray(at), at + g.length);
        out = o;
        break;
      }
      case 4: { // cut a span out
        const end = Math.min(out.length, at + 1 + rng.int(32));
        const o = new Uint8Array(out.length - (end - at));
        o.set(out.subarray(0, at)); o.set(out.subarray(end), at);
        out = o;
        break;
      }
      default: out[at] = rng.u32() & 0xff; break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const LOCATED = /^(.+):(\d+):(\d+): error: \S/;

function isLocated(msg: string, file: string, text: string): boolean {
  const m = LOCATED.exec(msg);
  if (!m || m[1] !== file) return false;
  const line = Number(m[2]);
  return line >= 1 && line <= text.split('\n').length + 1 && Number(m[3]) >= 1;
}

function newStats(kind: FileKind): FileFuzzStats {
  return { kind, tried: 0, accepted: 0, refused: 0, failures: [], maxFileMs: 0, wallMs: 0 };
}

function snippet(s: string): string {
  return JSON.stringify(s.length > 600 ? `${s.slice(0, 600)}…` : s);
}

/** nft text or JSON through parseRuleset*: loads, or every error located in the fuzzed file. */
export function fuzzRulesets(kind: 'nft-text' | 'nft-json', seed: number, count: number, maxFailures = 10): FileFuzzStats {
  const st = newStats(kind);
  const seeds = textSeeds(kind);
  const rng = new Rng(seed);
  const noIncludes = (): { ok: false; message: string } => ({ ok: false, message: 'includes are not read while fuzzing' });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s = seeds[rng.int(seeds.length)]!;
    const file = kind === 'nft-text' ? 'fuzz.nft' : 'fuzz.json';
    const text = kind === 'nft-text' ? mutateText(s.text, rng, NFT_TOKENS) : mutateJson(s.text, rng);
    st.tried++;
    const t1 = performance.now();
    let problem: string | null = null;
    try {
      const r = kind === 'nft-text' ? parseRulesetText(text, file, { include: noIncludes }) : parseRulesetJson(text, file);
      if (r.ok) st.accepted++;
      else {
        st.refused++;
        if (r.errors.length === 0) problem = 'refused with no error';
        for (const e of r.errors) {
          if (e.message.includes('internal parser error')) { problem = e.message; break; }
          if (e.loc.file !== file && !r.sources[e.loc.file]) { problem = `error located in another file: ${e.loc.file}`; break; }
          if (!(e.loc.line >= 1 && e.loc.col >= 1)) { problem = `error without a line/column: ${e.loc.line}:${e.loc.col} ${e.message}`; break; }
        }
      }
    } catch (e) {
      problem = `exception: ${(e as Error).stack ?? String(e)}`;
    }
    const dt = performance.now() - t1;
    if (dt > st.maxFileMs) st.maxFileMs = dt;
    if (problem !== null && st.failures.length < maxFailures) st.failures.push(`${kind} #${i} (from ${s.name}): ${problem}\n  input: ${snippet(text)}`);
  }
  st.wallMs = performance.now() - t0;
  return st;
}

/**
 * Scenario YAML through the same steps as loadScenario() (located parse, schema decode, expect
 * syntax) and then buildScenario(): loads and builds, or is refused with `file:line:col: error:`.
 */
export function fuzzScenarios(seed: number, count: number, maxFailures = 10): FileFuzzStats {
  const st = newStats('scenario');
  const seeds = textSeeds('scenario');
  const rng = new Rng(seed);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s = seeds[rng.int(seeds.length)]!;
    // Named in the scenario directory so relative ruleset paths still resolve.
    const file = join(SCENARIO_DIR, 'fuzz-input.yaml');
    const text = mutateText(s.text, rng, YAML_TOKENS);
    st.tried++;
    const t1 = performance.now();
    let problem: string | null = null;
    try {
      const msgs = loadAndBuild(text, file);
      if (msgs === null) st.accepted++;
      else {
        st.refused++;
        const bad = msgs.find((m) => !isLocated(m, file, text) && !/^.+: error: /.test(m));
        if (msgs.length === 0) problem = 'refused with no error';
        else if (bad !== undefined) problem = `unlocated error: ${bad}`;
        else if (msgs.some((m) => !isLocated(m, file, text) && !m.startsWith(file))) problem = `error not in file:line:col form: ${msgs.find((m) => !isLocated(m, file, text))}`;
      }
    } catch (e) {
      problem = `exception: ${(e as Error).stack ?? String(e)}`;
    }
    const dt = performance.now() - t1;
    if (dt > st.maxFileMs) st.maxFileMs = dt;
    if (problem !== null && st.failures.length < maxFailures) st.failures.push(`scenario #${i} (from ${s.name}): ${problem}\n  input: ${snippet(text)}`);
  }
  st.wallMs = performance.now() - t0;
  return st;
}

/** null when the scenario loads and builds; otherwise the error lines it was refused with. */
function loadAndBuild(text: string, file: string): string[] | null {
  const parsed = parseLocated(text, file);
  const fmt = (e: { loc: { file: string; line: number; col: number }; message: string }): string => `${e.loc.file}:${e.loc.line}:${e.loc.col}: error: ${e.message}`;
  if (!parsed.ok) return parsed.errors.map(fmt);
  const decoded = decodeScenario(parsed.root, file);
  if (!decoded.ok) return decoded.errors.map(fmt);
  const errs: string[] = [];
  for (const e of decoded.scenario.expect) {
    try { parseExpect(e.expr); } catch (err) {
      if (!(err instanceof ExpectSyntaxError)) throw err;
      errs.push(`${e.loc.file}:${e.loc.line}:${e.loc.col + err.column}: error: expect: ${err.message}`);
    }
  }
  if (errs.length > 0) return errs;
  try {
    buildScenario(decoded.scenario, { poolSlots: 64 });
  } catch (e) {
    if (e instanceof BuildError) return [e.message];
    throw e;
  }
  return null;
}

/** pcap / pcapng bytes through readAllPackets(): reads, or throws a CaptureError at an offset inside the file. */
export function fuzzCaptures(kind: 'pcap' | 'pcapng', seeds: readonly Uint8Array[], seed: number, count: number, maxFailures = 10): FileFuzzStats {
  const st = newStats(kind);
  const rng = new Rng(seed);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const bytes = mutateCapture(seeds[rng.int(seeds.length)]!, rng);
    st.tried++;
    const t1 = performance.now();
    let problem: string | null = null;
    try {
      readAllPackets(bytes, { name: 'fuzz.cap' });
      st.accepted++;
    } catch (e) {
      st.refused++;
      if (!(e instanceof CaptureError)) problem = `exception: ${(e as Error).stack ?? String(e)}`;
      else if (e.file !== 'fuzz.cap' || !(e.offset >= 0 && e.offset <= bytes.length)) problem = `error offset ${e.offset} outside the ${bytes.length}-byte file: ${e.message}`;
    }
    const dt = performance.now() - t1;
    if (dt > st.maxFileMs) st.maxFileMs = dt;
    if (problem !== null && st.failures.length < maxFailures) st.failures.push(`${kind} #${i}: ${problem}\n  input: ${Buffer.from(bytes).toString('hex').slice(0, 400)}`);
  }
  st.wallMs = performance.now() - t0;
  return st;
}
