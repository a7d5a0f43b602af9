/** `flowsim compare <scenario> [--json] [--report out.html]`: the three modes side by side. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderHtmlReport } from '../report/html.ts';
import type { RunReport } from '../report/types.ts';
import { InputError, loadScenario, runScenario } from '../sim/run.ts';
import { MODES } from '../scenario/types.ts';
import { UserError } from './errors.ts';
import { createProgress, progressEnabled } from './progress.ts';
import { parseDuration, parseSeed } from './run.ts';

function fmt(x: number): string {
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x * 100) / 100);
}

export function formatCompare(reports: readonly RunReport[]): string {
  const rows: [string, (r: RunReport) => string][] = [
    ['packets offered', (r) => fmt(r.packets.offered)],
    ['transmitted', (r) => fmt(r.packets.transmitted)],
    ['dropped', (r) => fmt(r.packets.dropped)],
    ['path: hardware', (r) => fmt(r.paths.hardware)],
    ['path: software fast path', (r) => fmt(r.paths.software)],
    ['path: classic', (r) => fmt(r.paths.classic)],
    ...(reports.some((r) => r.paths.shortcut > 0) ? [['path: shortcut (SFE)', (r: RunReport) => fmt(r.paths.shortcut)] as [string, (r: RunReport) => string]] : []),
    ['flows offloaded (sw / hw)', (r) => `${r.flowtable.flows_added} / ${r.flowtable.hw_offloaded}`],
    ['CPU load (one core)', (r) => `${(r.model.cpu_load * 100).toFixed(1)} %`],
    ['CPU saturates at', (r) => (r.model.saturation_mbps > 0 ? `${fmt(r.model.saturation_mbps)} Mbit/s` : 'no CPU work')],
    ['goodput down / up', (r) => `${r.traffic.goodput_mbit_down} / ${r.traffic.goodput_mbit_up} Mbit/s`],
    ...(Object.keys(reports[0]?.sqm ?? {}).map((dev) => [`SQM ${dev} p99 delay`, (r: RunReport) => `${r.sqm[dev]?.p99_delay_ms ?? 0} ms (${fmt(r.sqm[dev]?.bypassed_packets ?? 0)} bypassed)`] as [string, (r: RunReport) => string])),
    ['engine ns/packet', (r) => String(r.engine.ns_per_packet)],
    ['expectations', (r) => (r.expect.passed ? 'hold' : `${r.expect.failures.length} failed`)],
  ];
  const drops = new Set(reports.flatMap((r) => Object.keys(r.drops)));
  for (const d of drops) rows.push([`drop: ${d}`, (r) => fmt(r.drops[d] ?? 0)]);
  const header = ['', ...reports.map((r) => r.mode)];
  const table = [header, ...rows.map(([name, f]) => [name, ...reports.map(f)])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  return `${reports[0]?.scenario ?? ''}\n\n${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: { seed: { type: 'string' }, duration: { type: 'string' }, json: { type: 'boolean', default: false }, report: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false } },
    });
  } catch (e) {
    throw new UserError(`flowsim compare: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError('usage: flowsim compare <scenario.yaml> [--seed N] [--duration T] [--json] [--report out.html]');
  const seed = parseSeed(values.seed);
  const duration = parseDuration(values.duration);
  try {
    const sc = loadScenario(positionals[0]!);
    const reports: RunReport[] = [];
    for (const mode of MODES) {
      const progress = createProgress({ total: 1, label: mode, enabled: progressEnabled({ json: values.json === true, quiet: values.quiet === true, stream: process.stderr }) });
      reports.push(runScenario(sc, { mode, ...(seed !== undefined ? { seed } : {}), ...(duration !== undefined ? { duration_s: duration } : {}), onProgress: (f) => progress.update(f) }).report);
      progress.finish();
    }
    if (values.report !== undefined) writeFileSync(values.report, renderHtmlReport(reports, { title: sc.name }));
    if (values.json) process.stdout.write(JSON.stringify({ scenario: sc.name, modes: reports }, null, 2) + '\n');
    else process.stdout.write(formatCompare(reports));
    return reports.every((r) => r.expect.passed) ? 0 : 1;
  } catch (e) {
    if (e instanceof InputError) throw new UserError(e.message);
    throw e;
  }
}
