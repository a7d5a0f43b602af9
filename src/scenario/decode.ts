/**
 * A small decoder for located trees: each check records a located error and returns undefined,
 * so one pass reports every mistake in a file, not only the first.
 */
import type { LNode, Loc, SourceError } from './source.ts';

type Scalar = string | number | boolean | null;

export class Decoder {
  readonly errors: SourceError[] = [];

  fail(loc: Loc, path: string, message: string): undefined {
    this.errors.push({ loc, message: path ? `${path}: ${message}` : message });
    return undefined;
  }

  /** A mapping with only the `allowed` keys, all `required` ones present. */
  map(node: LNode | undefined, path: string, allowed: readonly string[], required: readonly string[] = []): Map<string, LNode> | undefined {
    if (node === undefined) return undefined;
    if (node.kind !== 'map') return this.fail(node.loc, path, `expected a mapping, found ${describe(node)}`);
    const out = new Map<string, LNode>();
    for (const [key, entry] of node.entries) {
      if (!allowed.includes(key)) {
        this.fail(entry.keyLoc, join(path, key), `unknown key; expected one of: ${allowed.join(', ')}`);
        continue;
      }
      out.set(key, entry.value);
    }
    for (const key of required) {
      if (!node.entries.has(key)) this.fail(node.loc, path, `missing required key "${key}"`);
    }
    return out;
  }

  seq(node: LNode | undefined, path: string): readonly LNode[] | undefined {
    if (node === undefined) return undefined;
    if (node.kind !== 'seq') return this.fail(node.loc, path, `expected a list, found ${describe(node)}`);
    return node.items;
  }

  /** A list, or a single item standing for a list of one. */
  seqOrOne(node: LNode | undefined, path: string): readonly LNode[] | undefined {
    if (node === undefined) return undefined;
    return node.kind === 'seq' ? node.items : [node];
  }

  scalar(node: LNode | undefined, path: string): Scalar | undefined {
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar') return this.fail(node.loc, path, `expected a single value, found ${describe(node)}`);
    return node.value;
  }

  str(node: LNode | undefined, path: string): string | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.length === 0) return this.fail(node!.loc, path, `expected a non-empty string, found ${JSON.stringify(v)}`);
    return v;
  }

  num(node: LNode | undefined, path: string, opts: { min?: number; max?: number; int?: boolean } = {}): number | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+(\.\d+)?(e[+-]?\d+)?)$/i.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isFinite(n)) return this.fail(node!.loc, path, `expected a number, found ${JSON.stringify(v)}`);
    if (opts.int && !Number.isInteger(n)) return this.fail(node!.loc, path, `expected an integer, found ${n}`);
    if (opts.min !== undefined && n < opts.min) return this.fail(node!.loc, path, `must be ≥ ${opts.min}, found ${n}`);
    if (opts.max !== undefined && n > opts.max) return this.fail(node!.loc, path, `must be ≤ ${opts.max}, found ${n}`);
    return n;
  }

  bool(node: LNode | undefined, path: string): boolean | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.fail(node!.loc, path, `expected true or false, found ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(node: LNode | undefined, path: string, values: readonly T[]): T | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    const s = String(v);
    if (!(values as readonly string[]).includes(s)) return this.fail(node!.loc, path, `expected one of ${values.join(', ')}, found ${JSON.stringify(v)}`);
    return s as T;
  }

  /** Seconds from `10`, `10s`, `250ms`, `2m`, `1h`, `5us`. */
  duration(node: LNode | undefined, path: string): number | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && v >= 0) return v;
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|min|h)?\s*$/.exec(v) : null;
    if (!m) return this.fail(node!.loc, path, `expected a duration such as 10s, 250ms or 2m, found ${JSON.stringify(v)}`);
    const scale: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, min: 60, h: 3600 };
    return Number(m[1]) * (scale[m[2] ?? 's'] ?? 1);
  }

  /** Mbit/s from `100`, `100Mbit`, `1.5Gbit`, `800kbit`, `2.5G`. */
  rateMbit(node: LNode | undefined, path: string): number | undefined {
    const v = this.scalar(node, path);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && v > 0) return v;
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(k|m|g)?(?:bit|bps|b\/s|bit\/s)?\s*$/i.exec(v) : null;
    if (!m || Number(m[1]) <= 0) return this.fail(node!.loc, path, `expected a rate such as 100Mbit or 1Gbit, found ${JSON.stringify(v)}`);
    const unit = (m[2] ?? 'm').toLowerCase();
    return Number(m[1]) * (unit === 'k' ? 1e-3 : unit === 'g' ? 1e3 : 1);
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(node: LNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  return node.value === null ? 'nothing' : JSON.stringify(node.value);
}
