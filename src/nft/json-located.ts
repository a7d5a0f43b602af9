/**
 * A small JSON parser (RFC 8259) that records where each value starts, so errors in a
 * libnftables JSON file point at the offending value (`file:line:col`). Returns a value or a
 * located error, never throws.
 */
import type { Loc, NftError } from './ir.ts';
import { nftError } from './errors.ts';

export type JsonNode =
  | { readonly type: 'null'; readonly loc: Loc }
  | { readonly type: 'bool'; readonly value: boolean; readonly loc: Loc }
  | { readonly type: 'number'; readonly value: number; readonly text: string; readonly loc: Loc }
  | { readonly type: 'string'; readonly value: string; readonly loc: Loc; readonly length: number }
  | { readonly type: 'array'; readonly items: JsonNode[]; readonly loc: Loc }
  | { readonly type: 'object'; readonly entries: { key: string; keyLoc: Loc; value: JsonNode }[]; readonly loc: Loc };

export type JsonParseResult = { ok: true; value: JsonNode } | { ok: false; error: NftError };

const MAX_DEPTH = 512;

class Fail extends Error {
  constructor(readonly err: NftError) {
    super(err.message);
  }
}

const NUMBER_RE = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

export function parseJsonLocated(text: string, file: string): JsonParseResult {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (): Loc => ({ file, line, col: i - lineStart + 1 });
  const describe = (): string => {
    if (i >= text.length) return 'end of file';
    const c = text[i]!;
    return c === '\n' ? 'end of line' : `"${c}"`;
  };
  const fail = (what: string): never => {
    throw new Fail(nftError('syntax', `expected ${what}, found ${describe()}`, loc()));
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  };
  const str = (): { value: string; loc: Loc; length: number } => {
    const start = loc();
    const from = i;
    if (text[i] !== '"') fail('a string');
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length || text[i] === '\n') {
        throw new Fail(nftError('syntax', 'unterminated string: expected a closing quote', start));
      }
      const c = text[i]!;
      if (c === '"') {
        i++;
        break;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          i++;
          fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('a printable character in the string');
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 34 || d === 92 || d < 0x20) break;
        j++;
      }
      out += text.slice(i, j);
      i = j;
    }
    return { value: out, loc: start, length: i - from };
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('less deeply nested JSON');
    ws();
    const start = loc();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: { key: string; keyLoc: Loc; value: JsonNode }[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { type: 'object', entries, loc: start };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a quoted object key');
        const k = str();
        ws();
        if (text[i] !== ':') fail('":"');
        i++;
        const v = value(depth + 1);
        entries.push({ key: k.value, keyLoc: k.loc, value: v });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', entries, loc: start };
        }
        fail('"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'array', items, loc: start };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', items, loc: start };
        }
        fail('"," or "]"');
      }
    }
    if (c === '"') {
      const s = str();
      return { type: 'string', value: s.value, loc: s.loc, length: s.length };
    }
    NUMBER_RE.lastIndex = i;
    const m = c === '-' || (c !== undefined && c >= '0' && c <= '9') ? NUMBER_RE.exec(text) : null;
    if (m && m[0].length > 0) {
      i += m[0].length;
      return { type: 'number', value: Number(m[0]), text: m[0], loc: start };
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return { type: 'bool', value: true, loc: start };
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return { type: 'bool', value: false, loc: start };
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return { type: 'null', loc: start };
    }
    return fail('a JSON value');
  };
  try {
    const v = value(0);
    ws();
    if (i < text.length) fail('end of file after the JSON value');
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.err };
    throw e;
  }
}
