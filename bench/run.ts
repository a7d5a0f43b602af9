/**
 * Runs every `bench/*.bench.ts` suite with benny, then bench/alloc.ts (heap growth and GCs per
 * mode) and bench/scale.ts (bytes per connection, RSS at 1M) in child processes, and writes
 * bench/results/latest.json (quick.json with --quick) plus Markdown tables. `--quick` shrinks each
 * case (CI smoke, commit-to-commit comparisons); `--filter TEXT` keeps suites or cases whose name
 * contains TEXT (`--filter alloc` / `--filter scale` run only those).
 *
 * Only this file knows benny: the cases themselves are library-independent (bench/case.ts).
 * benny's HTML chart loads Chart.js from a CDN, so it is never written; results are ours.
 */
import b from 'benny';
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchCase, BenchSuite } from './case.ts';
import { allocMarkdown, forceGc, type AllocRow } from './alloc.ts';
import { scaleMarkdown, type ScaleRow } from './scale.ts';

interface ResultRow {
  suite: string;
  case: string;
  mode: BenchCase['mode'];
  flows: number | null;
  ns_per_packet: number;
  mpps: number;
  rme_percent: number;
  samples: number;
}

const here = dirname(fileURLToPath(import.meta.url));

async function loadSuites(filter: string | undefined): Promise<BenchSuite[]> {
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
  const suites: BenchSuite[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { default?: BenchSuite };
    const suite = mod.default;
    if (!suite || !Array.isArray(suite.cases)) throw new Error(`${f}: default export must be a BenchSuite (bench/case.ts)`);
    if (filter && !suite.name.includes(filter)) {
      const cases = suite.cases.filter((c) => c.name.includes(filter));
      if (cases.length > 0) suites.push({ name: suite.name, cases });
      continue;
    }
    suites.push(suite);
  }
  return suites;
}

/**
 * Runs each case as its own one-case benny suite, after calling its `setup` exactly once here.
 * (benny's `add` calls a case function up to three times to sniff its type, and a suite prepares
 * every case before timing any: with 1M-connection setups that is minutes and gigabytes.)
 * The rig of a finished case is unreferenced before the next one is built.
 */
async function runSuite(suite: BenchSuite, quick: boolean): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  // Quick: enough samples for a median that moves a few percent between runs, and the whole run
  // (every suite, alloc and scale) under a minute on a 2-core machine.
  const config = b.configure({ cases: quick ? { minTime: 0.02, maxTime: 0.1, minSamples: 5 } : { minTime: 1, maxTime: 4, minSamples: 10 } });
  process.stdout.write(`Running "${suite.name}" suite...\n`);
  for (const c of suite.cases) {
    const t0 = performance.now();
    let fn: (() => void) | null = c.setup(quick);
    const timed = fn;
    // Settle before timing: a full GC (a big setup leaves the collector busy on the other core),
    // then run the case a while so every path it takes is optimised.
    forceGc();
    const warmEnd = performance.now() + (quick ? 30 : 500);
    while (performance.now() < warmEnd) timed();
    const t1 = performance.now();
    const summary = await b.suite(`${suite.name}: ${c.name}`, config, b.add(c.name, () => timed), b.cycle());
    fn = null;
    process.stdout.write(`  (setup ${((t1 - t0) / 1000).toFixed(1)} s, timing ${((performance.now() - t1) / 1000).toFixed(1)} s)\n`);
    const r = summary.results[0];
    if (!r) continue;
    // benny's ops is the mean rate; the median sample is steadier on a shared 2-core machine.
    const medianSec = r.details.median;
    const nsPerPacket = (medianSec * 1e9) / c.packetsPerCall;
    rows.push({
      suite: suite.name,
      case: c.name,
      mode: c.mode,
      flows: c.flows,
      ns_per_packet: Math.round(nsPerPacket * 100) / 100,
      mpps: Math.round((1e3 / nsPerPacket) * 1000) / 1000,
      rme_percent: Math.round(r.details.relativeMarginOfError * 10) / 10,
      samples: r.samples,
    });
    void fn;
  }
  return rows;
}

function markdown(rows: readonly ResultRow[]): string {
  const lines = ['| suite | case | mode | flows | ns/packet (median) | Mpps | ±% |', '|---|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.suite} | ${r.case} | ${r.mode ?? '–'} | ${r.flows ?? '–'} | ${r.ns_per_packet.toFixed(1)} | ${r.mpps.toFixed(2)} | ${r.rme_percent} |`);
  }
  return lines.join('\n');
}

/**
 * Runs bench/alloc.ts or bench/scale.ts in a child process (heap, GC counts and RSS must be that
 * run's alone) and returns the JSON rows it prints on its last line.
 */
function child<T>(file: string, args: readonly string[]): T[] {
  process.stdout.write(`Running ${file} ${args.join(' ')}...\n`);
  // alloc.ts counts GCs: V8's memory reducer (a timer-driven full GC after the heap shrank, which
  // the forced GC before the measured run causes) would count as a major GC with nothing allocated.
  const flags = file === 'alloc.ts' ? ['--no-memory-reducer'] : [];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', join(here, file), '--json', ...args], {
    cwd: join(here, '..'), encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${file} exited with ${r.status ?? r.signal}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T[];
}

/**
 * Speed of this machine right now: ns per step of a fixed typed-array loop. Compare it between
 * runs before comparing their numbers (a loaded or throttled machine shows here first).
 */
function calibrate(): number {
  const a = new Uint32Array(1 << 16);
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 20; k++) for (let i = 0; i < a.length; i++) a[i] = (a[(i * 7) & 0xffff]! + i) | 0;
    best = Math.min(best, ((performance.now() - t0) * 1e6) / (20 * a.length));
  }
  return Math.round(best * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, filter: { type: 'string' }, out: { type: 'string' } },
  });
  const quick = values.quick === true;
  const filter = values.filter;
  const load0 = loadavg();
  const calibration0 = calibrate();
  const suites = await loadSuites(filter);
  const rows: ResultRow[] = [];
  for (const s of suites) rows.push(...(await runSuite(s, quick)));
  let alloc: AllocRow[] = [];
  let scale: ScaleRow[] = [];
  if (filter === undefined || 'alloc'.includes(filter)) alloc = child<AllocRow>('alloc.ts', quick ? ['--quick'] : []);
  if (filter === undefined || 'scale'.includes(filter)) scale = child<ScaleRow>('scale.ts', quick ? ['--flows', '65536'] : []);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const doc = {
    node: process.version, cpu, cores: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30), date: new Date().toISOString(), quick,
    // 1-minute load average at the start and the end, and the calibration loop's ns/step: a
    // loaded machine (other processes on the 2 cores) inflates every number here.
    load_average: [Math.round(load0[0]! * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
    calibration_ns_per_step: [calibration0, calibrate()],
    results: rows, alloc, scale,
  };
  const out = values.out ?? join(here, 'results', quick ? 'quick.json' : 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  let text = '\n' + markdown(rows) + '\n';
  if (alloc.length > 0) text += '\nAllocation (heap growth after a forced GC, GCs during the run):\n\n' + allocMarkdown(alloc) + '\n';
  if (scale.length > 0) text += '\nScale:\n\n' + scaleMarkdown(scale) + '\n';
  text += `\nload average ${doc.load_average.join(' → ')}, calibration ${doc.calibration_ns_per_step.join(' → ')} ns/step, ${cpu} × ${doc.cores}, node ${process.version}\n`;
  process.stdout.write(text + `written to ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
