/**
 * `flowsim validate <ruleset.nft|ruleset.json> [--print] [--json]`: parse a ruleset (nft text or
 * libnftables JSON) and report what was understood, or the located errors.
 * Exit codes: 0 valid, 2 bad input.
 */
import { parseArgs } from 'node:util';
import { loadRuleset, summarize, formatSummary } from '../nft/load.ts';
import { formatError } from '../nft/errors.ts';
import { printRuleset } from '../nft/print.ts';
import { withoutPresentation } from '../nft/ir.ts';

export interface ValidateOptions {
  /** Print the ruleset back as nft text. */
  readonly print?: boolean;
  /** Machine-readable output: the summary (or errors) as JSON, with the IR under --print. */
  readonly json?: boolean;
  readonly stdout?: (s: string) => void;
  readonly stderr?: (s: string) => void;
}

/** Validate one ruleset file; returns the exit code (0 ok, 2 bad input). */
export async function validateRulesetFile(path: string, opts: ValidateOptions = {}): Promise<number> {
  const out = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = opts.stderr ?? ((s: string) => void process.stderr.write(s));
  const r = await loadRuleset(path);
  if (!r.ok) {
    if (opts.json) out(`${JSON.stringify({ ok: false, errors: r.errors }, null, 2)}\n`);
    else err(`${r.errors.map((e) => formatError(e, r.sources[e.loc.file])).join('\n')}\n`);
    return 2;
  }
  const summary = summarize(r.ruleset);
  if (opts.json) {
    const body: Record<string, unknown> = { ok: true, summary, warnings: r.warnings };
    if (opts.print) body.ruleset = withoutPresentation(r.ruleset);
    out(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  for (const w of r.warnings) err(`${formatError(w, r.sources[w.loc.file], 'warning')}\n`);
  if (opts.print) {
    // The summary goes in a comment so the printed text stays a loadable ruleset.
    out(printRuleset(r.ruleset));
    out(`# ok: ${formatSummary(summary)}\n`);
  } else out(`ok: ${formatSummary(summary)}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { print: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    });
  } catch (e) {
    process.stderr.write(`flowsim validate: ${e instanceof Error ? e.message : String(e)}\nusage: flowsim validate <ruleset.nft|ruleset.json> [--print] [--json]\n`);
    return 2;
  }
  const files = parsed.positionals;
  if (files.length !== 1) {
    process.stderr.write('usage: flowsim validate <ruleset.nft|ruleset.json> [--print] [--json]\n');
    return 2;
  }
  return validateRulesetFile(files[0]!, { print: parsed.values.print === true, json: parsed.values.json === true });
}
