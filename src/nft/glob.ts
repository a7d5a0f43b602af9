/**
 * Include resolution for `include "path"`: relative to the including file's directory, with
 * shell-style globs (`*`, `?`, `[…]`) in any path component. A glob that matches nothing is not
 * an error (nft: "include a glob that matches nothing" is silently empty); a plain path that does
 * not exist is. Matches are read in sorted order, as nft's glob(3) returns them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

export type IncludeResult = { ok: true; files: { file: string; text: string }[] } | { ok: false; message: string };

const GLOB_CHARS = /[*?[]/;

function segmentRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

function expand(base: string, segs: string[]): string[] {
  if (segs.length === 0) return [base];
  const [seg, ...rest] = segs as [string, ...string[]];
  if (!GLOB_CHARS.test(seg)) return expand(join(base, seg), rest);
  let names: string[];
  try {
    names = readdirSync(base).sort();
  } catch {
    return [];
  }
  const re = segmentRegex(seg);
  const out: string[] = [];
  for (const n of names) {
    // Like glob(3) without GLOB_PERIOD: `*` does not match a leading dot.
    if (n.startsWith('.') && !seg.startsWith('.')) continue;
    if (re.test(n)) out.push(...expand(join(base, n), rest));
  }
  return out;
}

/** Resolve and read the files `pattern` names, relative to `fromFile`. */
export function readInclude(pattern: string, fromFile: string): IncludeResult {
  const full = isAbsolute(pattern) ? pattern : resolve(dirname(fromFile), pattern);
  if (!GLOB_CHARS.test(full)) {
    try {
      if (statSync(full).isDirectory()) return { ok: false, message: `include "${pattern}": is a directory` };
      return { ok: true, files: [{ file: displayPath(full, pattern, fromFile), text: readFileSync(full, 'utf8') }] };
    } catch {
      return { ok: false, message: `include "${pattern}": no such file (looked for ${full})` };
    }
  }
  const root = full.startsWith(sep) ? sep : '';
  const segs = full.split(sep).filter((s) => s.length > 0);
  const matches = expand(root, segs).filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  return { ok: true, files: matches.map((m) => ({ file: displayPath(m, pattern, fromFile), text: readFileSync(m, 'utf8') })) };
}

/** Keep paths relative when the including file's name was relative, so messages stay short. */
function displayPath(abs: string, pattern: string, fromFile: string): string {
  if (isAbsolute(pattern) || isAbsolute(fromFile)) return abs;
  const rel = join(dirname(fromFile), abs.slice(resolve(dirname(fromFile)).length + 1));
  return rel;
}
