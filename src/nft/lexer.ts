/**
 * Tokenizer for the nft text language (after nftables `src/scanner.l`): words (identifiers and
 * keywords, which may contain `-` and `.` as in `destination-unreachable`, `br-lan`, `Q.931`),
 * numbers, quoted strings, address literals (IPv4 dotted quads, IPv6, ether), `$var`, `@name`,
 * punctuation, and newlines (rule separators). `#` starts a comment to the end of the line;
 * `# handle N` (as `nft -a list ruleset` prints) is kept per line so the parser can attach handles.
 */
import type { Loc } from './ir.ts';
import { nftError } from './errors.ts';
import type { NftError } from './ir.ts';

export type TokenKind = 'word' | 'number' | 'string' | 'addr' | 'var' | 'ref' | 'punct' | 'newline' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Words/punct: the text; numbers: the digits; strings: the unquoted content; var/ref: the name. */
  readonly text: string;
  readonly loc: Loc;
  /** Length in the source, for carets. */
  readonly length: number;
  /** True when whitespace or a comment precedes the token on the same line (or it starts a line). */
  readonly spaced: boolean;
}

export interface LexResult {
  readonly tokens: Token[];
  /** Line → handle, from `# handle N` comments. */
  readonly handles: Map<number, number>;
  readonly errors: NftError[];
}

const PUNCT3 = new Set<string>([]);
const PUNCT2 = new Set(['==', '!=', '<=', '>=', '<<', '>>']);
const PUNCT1 = new Set(['{', '}', '(', ')', '[', ']', ',', ';', ':', '=', '.', '/', '-', '+', '|', '&', '^', '!', '<', '>', '*']);

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isHex = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

/** A syntactically valid IPv6 address (RFC 4291 §2.2 text forms, with an optional trailing IPv4). */
export function isIpv6Text(s: string): boolean {
  if (s.length < 2 || !s.includes(':')) return false;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return false;
  const groupsOk = (part: string): number => {
    if (part === '') return 0;
    const gs = part.split(':');
    let n = 0;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (i === gs.length - 1 && g.includes('.')) {
        if (!isIpv4Text(g)) return -1;
        n += 2;
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return -1;
        n += 1;
      }
    }
    return n;
  };
  if (dbl === -1) return groupsOk(s) === 8;
  const a = groupsOk(s.slice(0, dbl));
  const b = groupsOk(s.slice(dbl + 2));
  if (a < 0 || b < 0) return false;
  if (s.slice(0, dbl).includes('.')) return false;
  return a + b <= 7;
}

export function isIpv4Text(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

export function isEtherText(s: string): boolean {
  return /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s);
}

export function lex(text: string, file: string): LexResult {
  const tokens: Token[] = [];
  const handles = new Map<number, number>();
  const errors: NftError[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let spaced = true;
  const n = text.length;
  const loc = (at: number): Loc => ({ file, line, col: at - lineStart + 1 });
  const push = (kind: TokenKind, tokText: string, start: number, end: number): void => {
    tokens.push({ kind, text: tokText, loc: loc(start), length: end - start, spaced });
    spaced = false;
  };

  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      push('newline', '\n', i, i + 1);
      i++;
      line++;
      lineStart = i;
      spaced = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      spaced = true;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // Line continuation: the newline is not a separator.
      i += text[i + 1] === '\n' ? 2 : 3;
      line++;
      lineStart = i;
      spaced = true;
      continue;
    }
    if (c === '#') {
      let j = i;
      while (j < n && text[j] !== '\n') j++;
      const m = /^#\s*handle\s+(\d+)\s*$/.exec(text.slice(i, j));
      if (m) handles.set(line, Number(m[1]));
      i = j;
      spaced = true;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let j = i + 1;
      let out = '';
      while (j < n && text[j] !== c && text[j] !== '\n') {
        if (text[j] === '\\' && j + 1 < n && text[j + 1] !== '\n') {
          out += text[j + 1];
          j += 2;
        } else {
          out += text[j];
          j++;
        }
      }
      if (j >= n || text[j] !== c) {
        errors.push(nftError('syntax', 'unterminated string: expected a closing quote before the end of the line', loc(start), j - start));
        i = j;
        continue;
      }
      push('string', out, start, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$' || c === '@') {
      const start = i;
      let j = i + 1;
      while (j < n && (isAlpha(text[j]!) || isDigit(text[j]!) || text[j] === '-' || text[j] === '.')) j++;
      // A trailing '.' is a concatenation operator, not part of the name.
      while (j > i + 1 && text[j - 1] === '.') j--;
      if (j === i + 1) {
        errors.push(nftError('syntax', `expected a name after "${c}", found ${describeChar(text[j])}`, loc(start)));
        i++;
        continue;
      }
      push(c === '$' ? 'var' : 'ref', text.slice(i + 1, j), start, j);
      i = j;
      continue;
    }
    // IPv6 / ether literals: the longest run of hex digits, colons and dots that is one.
    if (isHex(c) || (c === ':' && text[i + 1] === ':')) {
      let j = i;
      while (j < n && (isHex(text[j]!) || text[j] === ':' || text[j] === '.')) j++;
      let run = text.slice(i, j);
      while (run.endsWith('.')) run = run.slice(0, -1);
      const after = text[i + run.length];
      const glued = after !== undefined && (isAlpha(after) || isDigit(after));
      if (run.includes(':') && !glued && (isIpv6Text(run) || isEtherText(run))) {
        push('addr', run, i, i + run.length);
        i += run.length;
        continue;
      }
    }
    if (isDigit(c)) {
      let j = i;
      while (j < n && (isAlpha(text[j]!) || isDigit(text[j]!) || text[j] === '.')) j++;
      while (j > i && text[j - 1] === '.') j--;
      const run = text.slice(i, j);
      if (/^(\d+|0[xX][0-9a-fA-F]+)$/.test(run)) push('number', run, i, j);
      else if (isIpv4Text(run)) push('addr', run, i, j);
      else push('word', run, i, j);
      i = j;
      continue;
    }
    if (isAlpha(c)) {
      let j = i + 1;
      while (j < n && (isAlpha(text[j]!) || isDigit(text[j]!) || text[j] === '-' || text[j] === '.')) j++;
      // Words never end in '-' or '.': those are range/concat operators.
      while (text[j - 1] === '-' || text[j - 1] === '.') j--;
      push('word', text.slice(i, j), i, j);
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT3.has(text.slice(i, i + 3))) {
      push('punct', text.slice(i, i + 3), i, i + 3);
      i += 3;
      continue;
    }
    if (PUNCT2.has(two)) {
      push('punct', two, i, i + 2);
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      push('punct', c, i, i + 1);
      i++;
      continue;
    }
    errors.push(nftError('syntax', `unexpected character ${describeChar(c)}`, loc(i)));
    i++;
  }
  tokens.push({ kind: 'eof', text: '', loc: loc(i), length: 1, spaced: true });
  return { tokens, handles, errors };
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'end of file';
  if (c === '\n') return 'end of line';
  const code = c.charCodeAt(0);
  if (code < 32 || code === 127) return `control character U+${code.toString(16).padStart(4, '0')}`;
  return `"${c}"`;
}

/** How a token reads in "found …" messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'newline':
      return 'end of line';
    case 'string':
      return `string "${t.text}"`;
    case 'var':
      return `"$${t.text}"`;
    case 'ref':
      return `"@${t.text}"`;
    default:
      return `"${t.text}"`;
  }
}
