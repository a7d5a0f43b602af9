/**
 * `flowsim lint <scenario.yaml> [--mode none|software|hardware] [--json]`: a static check of a
 * scenario for flow-offload pitfalls. Exit codes: 0 clean (info findings allowed), 1 an error- or
 * warning-level finding, 2 bad input.
 */
import { parseArgs } from 'node:util';
import { formatCounts, formatFindings, lintFails, lintScenario } from '../lint/index.ts';
import { InputError, loadScenario } from '../sim/run.ts';
import { UserError } from './errors.ts';
import { parseMode } from './run.ts';

const USAGE = 'usage: flowsim lint <scenario.yaml> [--mode none|software|hardware] [--json]';

export interface LintCliIo {
  readonly stdout?: (s: string) => void;
}

export async function run(argv: string[], io: LintCliIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, mode: { type: 'string' } },
    });
  } catch (e) {
    throw new UserError(`flowsim lint: ${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError(USAGE);
  const mode = parseMode(values.mode);
  const file = positionals[0]!;
  let findings;
  try {
    findings = lintScenario(loadScenario(file), mode ? { mode } : {});
  } catch (e) {
    if (e instanceof InputError) throw new UserError(e.message);
    throw e;
  }
  const failed = lintFails(findings);
  if (values.json) {
    out(`${JSON.stringify({ ok: !failed, findings }, null, 2)}\n`);
  } else {
    out(formatFindings(findings, file));
    out(`${file}: ${formatCounts(findings)}\n`);
  }
  return failed ? 1 : 0;
}
