/**
 * Runs every `bench/*.bench.ts` suite with benny and writes bench/results/latest.json plus a
 * Markdown table. `--quick` shrinks each case (CI smoke, commit-to-commit comparisons);
 * `--filter TEXT` keeps suites or cases whose name contains TEXT.
 *
 * Only this file knows benny: the cases themselves are library-independent (bench/case.ts).
 * benny's HTML chart loads Chart.js from a CDN, so it is never written; results are ours.
 */
import b from 'benny';
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchCase, BenchSuite } from './case.ts';

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

async function runSuite(suite: BenchSuite, quick: boolean): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const adds = suite.cases.map((c) => b.add(c.name, () => c.setup(quick)));
  const summary = await b.suite(
    suite.name,
    b.configure({ cases: quick ? { minTime: 0.25, maxTime: 0.6, minSamples: 5 } : { minTime: 1, maxTime: 4, minSamples: 10 } }),
    ...adds,
    b.cycle(),
  );
  for (const r of summary.results) {
    const c = suite.cases.find((x) => x.name === r.name);
    if (!c) continue;
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, filter: { type: 'string' }, out: { type: 'string' } },
  });
  const quick = values.quick === true;
  const suites = await loadSuites(values.filter);
  const rows: ResultRow[] = [];
  for (const s of suites) rows.push(...(await runSuite(s, quick)));
  const cpu = cpus()[0]?.model ?? 'unknown';
  const doc = { node: process.version, cpu, cores: cpus().length, date: new Date().toISOString(), quick, results: rows };
  const out = values.out ?? join(here, 'results', quick ? 'quick.json' : 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write('\n' + markdown(rows) + '\n\n' + `written to ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
