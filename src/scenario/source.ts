/**
 * Reads a YAML or JSON document into a located tree, so every later check can point at the
 * file, line and column of the value it rejects. JSON is parsed by the same YAML 1.2 parser
 * (JSON is a subset of it), so both inputs give identical trees and identical error positions.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type LNode =
  | { readonly kind: 'map'; readonly loc: Loc; readonly entries: ReadonlyMap<string, LEntry> }
  | { readonly kind: 'seq'; readonly loc: Loc; readonly items: readonly LNode[] }
  | { readonly kind: 'scalar'; readonly loc: Loc; readonly value: string | number | boolean | null };

export interface LEntry {
  readonly keyLoc: Loc;
  readonly value: LNode;
}

/** A located problem in an input file. */
export interface SourceError {
  readonly loc: Loc;
  readonly message: string;
}

export function formatLoc(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

export function formatSourceError(e: SourceError): string {
  return `${formatLoc(e.loc)}: error: ${e.message}`;
}

export type ParseResult = { ok: true; root: LNode } | { ok: false; errors: SourceError[] };

export function parseLocated(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): Loc => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ loc: at(e.pos[0]), message: firstLine(e.message) })),
    };
  }
  const errors: SourceError[] = [];
  const convert = (node: unknown, fallback: number): LNode => {
    const n = node as YamlNode | null | undefined;
    const offset = n?.range?.[0] ?? fallback;
    if (isMap(n)) {
      const entries = new Map<string, LEntry>();
      for (const pair of n.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyOff = keyNode?.range?.[0] ?? offset;
        const key = isScalar(keyNode) ? String(keyNode.value) : null;
        if (key === null) {
          errors.push({ loc: at(keyOff), message: 'keys must be plain strings' });
          continue;
        }
        entries.set(key, { keyLoc: at(keyOff), value: convert(pair.value, keyOff) });
      }
      return { kind: 'map', loc: at(offset), entries };
    }
    if (isSeq(n)) return { kind: 'seq', loc: at(offset), items: n.items.map((it) => convert(it, offset)) };
    if (isScalar(n)) {
      const v = n.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        return { kind: 'scalar', loc: at(offset), value: v };
      }
      return { kind: 'scalar', loc: at(offset), value: String(v) };
    }
    // An empty value (`key:`) is a null scalar.
    return { kind: 'scalar', loc: at(offset), value: null };
  };
  const root = convert(doc.contents, 0);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, root };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/ at line \d+, column \d+:?$/, '');
}
