/**
 * `flowsim lint`: a static check of a scenario for the flow-offload pitfalls users hit. Nothing is
 * simulated; the ruleset, the devices and routes and the SoC profile are read, and the flowtable's
 * forward-path resolution is run for each host the traffic uses (nft_dev_forward_path).
 */
import { readFileSync } from 'node:fs';
import type { Loc } from '../nft/ir.ts';
import type { Scenario } from '../scenario/types.ts';
import { createContext, type LintOptions } from './context.ts';
import { LINT_RULES } from './rules.ts';
import type { Finding, Severity } from './types.ts';

export type { Finding, LintId, Severity } from './types.ts';
export { LINT_IDS } from './types.ts';
export type { LintOptions } from './context.ts';

/** Runs every check. Bad input (a ruleset that does not load, a topology that does not build) throws InputError. */
export function lintScenario(scenario: Scenario, opts: LintOptions = {}): Finding[] {
  const ctx = createContext(scenario, opts);
  const findings = LINT_RULES.flatMap((rule) => rule(ctx));
  const map = inlineLocMapper(scenario, ctx.rulesetFile);
  return map ? findings.map((f) => (f.loc && f.loc.file === ctx.rulesetFile ? { ...f, loc: map(f.loc) } : f)) : findings;
}

/**
 * For a ruleset written inline as a YAML block scalar (`inline: |`), maps positions in the ruleset
 * text to positions in the scenario file, so an editor jumps to the right line. Null when the
 * text cannot be found there verbatim (quoted or folded scalars): locations then stay relative.
 */
function inlineLocMapper(sc: Scenario, rulesetFile: string): ((l: Loc) => Loc) | null {
  const inline = sc.ruleset.inline;
  if (sc.ruleset.path !== undefined || inline === undefined || inline.trim() === '') return null;
  let fileLines: string[];
  try {
    fileLines = readFileSync(sc.file, 'utf8').split(/\r?\n/);
  } catch {
    return null;
  }
  const lines = inline.replace(/\n$/, '').split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  for (let i = Math.max(0, sc.ruleset.loc.line - 1); i < fileLines.length; i++) {
    const fl = fileLines[i]!;
    if (!fl.endsWith(lines[first]!) || fl.trim() !== lines[first]!.trim()) continue;
    const indent = fl.length - lines[first]!.length;
    const start = i - first;
    const ok = start >= 0 && lines.every((l, k) => {
      const got = fileLines[start + k];
      return got !== undefined && (l.trim() === '' ? got.trim() === '' : got === ' '.repeat(indent) + l);
    });
    if (!ok) return null;
    return (l) => (l.file === rulesetFile ? { file: sc.file, line: start + l.line, col: l.col + indent } : l);
  }
  return null;
}

/** Error- and warning-level findings fail a lint; info does not. */
export function lintFails(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error' || f.severity === 'warning');
}

/** `file:line:col: warning[id]: message` with the why and fix lines indented below. */
export function formatFinding(f: Finding, fallbackFile = ''): string {
  const where = f.loc ? `${f.loc.file}:${f.loc.line}:${f.loc.col}` : fallbackFile;
  return `${where}: ${f.severity}[${f.id}]: ${f.message}\n  why: ${f.why}\n  fix: ${f.fix}\n`;
}

/** "2 warnings, 3 notes" / "no findings". */
export function formatCounts(findings: readonly Finding[]): string {
  const n = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const parts: string[] = [];
  const e = n('error'), w = n('warning'), i = n('info');
  if (e > 0) parts.push(`${e} error${e === 1 ? '' : 's'}`);
  if (w > 0) parts.push(`${w} warning${w === 1 ? '' : 's'}`);
  if (i > 0) parts.push(`${i} info`);
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}

/** The whole report as text. */
export function formatFindings(findings: readonly Finding[], scenarioFile = ''): string {
  return findings.map((f) => formatFinding(f, scenarioFile)).join('');
}
