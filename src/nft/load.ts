/**
 * Entry points: load a ruleset file (text or JSON, auto-detected), parse text or JSON given as a
 * string, and summarize. Results are values, never exceptions: `{ ok: true, ruleset, warnings }`
 * or `{ ok: false, errors }`, every error located (file:line:col).
 */
import { readFile } from 'node:fs/promises';
import type { LoadResult, NftError, NftWarning, Ruleset, RulesetSummary } from './ir.ts';
import { parseText } from './parse-text.ts';
import { parseJson } from './parse-json.ts';
import { readInclude } from './glob.ts';
import { checkRuleset } from './check.ts';
import { nftError } from './errors.ts';

export interface LoadOptions {
  /** Skip the semantic checks (check.ts); the parsers' own checks still run. */
  readonly noCheck?: boolean;
  /** Resolve `include` (default: read the file system relative to the including file). */
  readonly include?: typeof readInclude;
}

/** True when `text` (or the file name) says libnftables JSON rather than nft text. */
export function looksLikeJson(text: string, fileName = ''): boolean {
  if (/\.(json|json-nft)$/i.test(fileName)) return true;
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '{' || first === '[';
}

function finish(ruleset: Ruleset | null, errors: NftError[], warnings: NftWarning[], sources: Record<string, string>, opts: LoadOptions): LoadResult {
  if (ruleset === null || errors.length > 0) return { ok: false, errors, sources };
  if (!opts.noCheck) {
    const c = checkRuleset(ruleset);
    warnings.push(...c.warnings);
    if (c.errors.length > 0) return { ok: false, errors: c.errors, sources };
  }
  return { ok: true, ruleset, warnings, sources };
}

/** Parse nft text (`nft list ruleset` / `fw4 print` style). Includes are read from disk. */
export function parseRulesetText(text: string, fileName: string, opts: LoadOptions = {}): LoadResult {
  try {
    const r = parseText(text, fileName, { include: opts.include ?? readInclude });
    return finish(r.ruleset, r.errors, r.warnings, r.sources, opts);
  } catch (e) {
    return internalFailure(e, fileName, text);
  }
}

/** Parse libnftables JSON (`nft -j list ruleset`). */
export function parseRulesetJson(text: string, fileName: string, opts: LoadOptions = {}): LoadResult {
  const sources = { [fileName]: text };
  try {
    const r = parseJson(text, fileName);
    return finish(r.ruleset, r.errors, r.warnings, sources, opts);
  } catch (e) {
    return internalFailure(e, fileName, text);
  }
}

/** Parse either form, choosing by extension (.json, .json-nft) or by the first character. */
export function parseRuleset(text: string, fileName: string, opts: LoadOptions = {}): LoadResult {
  return looksLikeJson(text, fileName) ? parseRulesetJson(text, fileName, opts) : parseRulesetText(text, fileName, opts);
}

/** Read and parse a ruleset file. */
export async function loadRuleset(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read';
    return { ok: false, errors: [nftError('semantic', `cannot read ruleset: ${why}`, { file: path, line: 1, col: 1 })], sources: {} };
  }
  return parseRuleset(text, path, opts);
}

/** Counts for the one-line summary. */
export function summarize(ruleset: Ruleset): RulesetSummary {
  let chains = 0;
  let baseChains = 0;
  let rules = 0;
  let sets = 0;
  let maps = 0;
  let flowtables = 0;
  let objects = 0;
  for (const t of ruleset.tables) {
    chains += t.chains.length;
    for (const c of t.chains) {
      rules += c.rules.length;
      if (c.base) baseChains++;
    }
    for (const s of t.sets) {
      if (s.kind === 'map') maps++;
      else sets++;
    }
    flowtables += t.flowtables.length;
    objects += t.objects.length;
  }
  return { tables: ruleset.tables.length, chains, baseChains, rules, sets, maps, flowtables, objects };
}

/** "2 tables, 14 chains, 61 rules, 3 sets, 1 flowtable". */
export function formatSummary(s: RulesetSummary): string {
  const n = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
  const parts = [n(s.tables, 'table'), n(s.chains, 'chain'), n(s.rules, 'rule'), n(s.sets, 'set')];
  if (s.maps > 0) parts.push(n(s.maps, 'map'));
  parts.push(n(s.flowtables, 'flowtable'));
  if (s.objects > 0) parts.push(n(s.objects, 'object'));
  return parts.join(', ');
}

/** A bug in the parser must still not crash the caller: report it located at the file start. */
function internalFailure(e: unknown, fileName: string, text: string): LoadResult {
  const msg = e instanceof Error ? e.message : String(e);
  return { ok: false, errors: [nftError('syntax', `internal parser error (please report): ${msg}`, { file: fileName, line: 1, col: 1 })], sources: { [fileName]: text } };
}
