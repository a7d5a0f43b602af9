/**
 * `flowsim validate <ruleset.nft|ruleset.json> [--print] [--json]`: parse a ruleset (nft text or
 * libnftables JSON) and report what was understood, or the located errors.
 * Exit codes: 0 valid, 2 bad input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BuildError, buildScenario } from '../sim/build.ts';
import { InputError, loadScenario } from '../sim/run.ts';
import { Simulator } from '../sim/simulator.ts';
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
    process.stderr.write(`flowsim validate: ${e instanceof Error ? e.message : String(e)}\nusage: flowsim validate <scenario.yaml|ruleset.nft|ruleset.json> [--print] [--json]\n`);
    return 2;
  }
  const files = parsed.positionals;
  if (files.length !== 1) {
    process.stderr.write('usage: flowsim validate <scenario.yaml|ruleset.nft|ruleset.json> [--print] [--json]\n');
    return 2;
  }
  const file = files[0]!;
  if (/\.(ya?ml)$/i.test(file) || (/\.json$/i.test(file) && looksLikeScenario(file))) return validateScenarioFile(file, parsed.values.json === true);
  return validateRulesetFile(file, { print: parsed.values.print === true, json: parsed.values.json === true });
}

function looksLikeScenario(file: string): boolean {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return typeof doc === 'object' && doc !== null && 'interfaces' in doc && !('nftables' in doc);
  } catch {
    return false;
  }
}

/**
 * A scenario is valid when its schema holds and the router builds from it: devices, routes,
 * hosts, the ruleset as `nft -f` would load it (with the kernel packages it needs) and SQM.
 */
export async function validateScenarioFile(file: string, json: boolean): Promise<number> {
  try {
    const sc = loadScenario(file);
    const built = buildScenario(sc, { poolSlots: 64 });
    new Simulator(built, { durationNs: 1 });
    const summary = {
      ok: true, scenario: sc.name, soc: sc.soc, mode: built.mode, interfaces: sc.interfaces.length, hosts: sc.hosts.length,
      traffic_groups: sc.traffic.length, flows: sc.traffic.reduce((a, g) => a + g.count, 0), expectations: sc.expect.length, notes: built.notes,
    };
    if (json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      process.stdout.write(`ok: ${sc.name}: ${summary.interfaces} interfaces, ${summary.hosts} hosts, ${summary.flows} flows in ${summary.traffic_groups} groups, ${summary.expectations} expectations; mode ${built.mode} on ${sc.soc}\n`);
      for (const n of built.notes) process.stdout.write(`note: ${n}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof BuildError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && /^\S+:\d+:\d+: error:/.test(e.message)) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
