/**
 * Located errors: construction and the compiler-style rendering
 * `file:line:col: error: message`, the source line, and a caret under the offending text.
 */
import type { Loc, NftError, NftWarning } from './ir.ts';

export function nftError(kind: NftError['kind'], message: string, loc: Loc, length = 1): NftError {
  return { kind, message, loc, length: Math.max(1, length) };
}

/** `unsupported: …` for valid nft that flowsim does not model. */
export function unsupported(what: string, loc: Loc, length = 1): NftError {
  return nftError('unsupported', `unsupported: ${what}`, loc, length);
}

/** Thrown inside the parsers only, caught at their entry points and returned as a value. */
export class NftParseFailure extends Error {
  constructor(readonly error: NftError) {
    super(error.message);
    this.name = 'NftParseFailure';
  }
}

/**
 * `file:line:col: error: message`, then the source line and a caret line, the way compilers print.
 * `sourceText` is the text of `err.loc.file`; without it only the first line is printed.
 */
export function formatError(err: NftError | NftWarning, sourceText?: string, severity: 'error' | 'warning' = 'length' in err ? 'error' : 'warning'): string {
  const { file, line, col } = err.loc;
  const head = `${file}:${line}:${col}: ${severity}: ${err.message}`;
  if (sourceText === undefined) return head;
  const lines = sourceText.split(/\r?\n/);
  const text = lines[line - 1];
  if (text === undefined) return head;
  const width = 'length' in err ? err.length : 1;
  // Keep tabs in the caret line's indentation so the caret lines up under tabbed source.
  const pad = text.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
  const carets = '^' + (width > 1 ? '~'.repeat(Math.min(width, Math.max(1, text.length - col + 1)) - 1) : '');
  return `${head}\n${text}\n${pad}${carets}`;
}

/** Format every error, looking up each file's text in `sources`. */
export function formatErrors(errors: readonly NftError[], sources: Readonly<Record<string, string>>): string {
  return errors.map((e) => formatError(e, sources[e.loc.file])).join('\n');
}
