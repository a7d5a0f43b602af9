/**
 * `flowsim run <scenario> [--mode none|software|hardware] [--seed N] [--duration T] [--json]
 *  [--pcap-out DIR] [--conntrack-out FILE] [--quiet]`
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatRunSummary } from '../report/summary.ts';
import { conntrackListing, InputError, loadScenario, runScenario } from '../sim/run.ts';
import { MODES, type Mode } from '../scenario/types.ts';
import { UserError } from './errors.ts';
import { openCaptures } from './capture.ts';
import { createProgress, progressEnabled } from './progress.ts';

export function parseMode(v: string | undefined): Mode | undefined {
  if (v === undefined) return undefined;
  if (!(MODES as readonly string[]).includes(v)) throw new UserError(`flowsim: --mode must be one of ${MODES.join(', ')}, not "${v}"`);
  return v as Mode;
}

export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
  if (!m) throw new UserError(`flowsim: --duration takes a time such as 10s or 500ms, not "${v}"`);
  return Number(m[1]) * (m[2] === 'ms' ? 1e-3 : m[2] === 'm' ? 60 : 1);
}

export function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UserError(`flowsim: --seed takes an integer 0..4294967295, not "${v}"`);
  return Number(v);
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        mode: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' }, json: { type: 'boolean', default: false },
        'pcap-out': { type: 'string' }, 'conntrack-out': { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false },
        profile: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UserError(`flowsim run: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError('usage: flowsim run <scenario.yaml> [--mode none|software|hardware] [--seed N] [--duration T] [--json]');
  const mode = parseMode(values.mode);
  const seed = parseSeed(values.seed);
  const duration = parseDuration(values.duration);
  try {
    const sc = loadScenario(positionals[0]!);
    const captures = values['pcap-out'] !== undefined ? openCaptures(values['pcap-out']) : null;
    const progress = createProgress({ total: 1, label: sc.name, enabled: progressEnabled({ json: values.json === true, quiet: values.quiet === true, stream: process.stderr }) });
    const result = runScenario(sc, {
      ...(mode ? { mode } : {}), ...(seed !== undefined ? { seed } : {}), ...(duration !== undefined ? { duration_s: duration } : {}),
      ...(captures ? { onTransmit: captures.onTransmit, onOffer: captures.onOffer, onBuilt: captures.attach } : {}),
      onProgress: (f) => progress.update(f),
      ...(values.profile === true ? { profile: true } : {}),
    });
    progress.finish();
    if (captures) captures.close(result.built);
    if (values['conntrack-out'] !== undefined) writeFileSync(values['conntrack-out'], conntrackListing(result.built, result.report.duration_s * 1e9));
    if (values.json) process.stdout.write(JSON.stringify(result.report, null, 2) + '\n');
    else process.stdout.write(formatRunSummary(result.report));
    return result.report.expect.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof InputError) throw new UserError(e.message);
    throw e;
  }
}
