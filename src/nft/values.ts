/**
 * Typed constants: turning a literal (as written in text, or as a JSON string/number) into an IR
 * value of a given data type, and back into text. Shared by the text and JSON front ends so both
 * give the same IR (nftables resolves symbols against the left-hand side's datatype the same way,
 * `src/datatype.c` symbolic_constant_parse / integer_type_parse).
 */
import type { ConstValue, DataType, Ip6Value, IntValue, Loc, StringValue } from './ir.ts';
import { DTYPE_BITS, symbolExamples, symbolName, symbolValue } from './fields.ts';
import { isEtherText, isIpv4Text, isIpv6Text } from './lexer.ts';

/** What a literal looked like. */
export type LiteralKind = 'word' | 'number' | 'string' | 'addr';

export type ValueResult = { ok: true; value: ConstValue } | { ok: false; expected: string };

export function parseIpv4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

/** IPv6 text → four host-order words. The text must satisfy isIpv6Text. */
export function parseIpv6(s: string): [number, number, number, number] {
  const groups: number[] = [];
  const expand = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIpv4(g);
        out.push(v4 >>> 16, v4 & 0xffff);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const dbl = s.indexOf('::');
  if (dbl === -1) groups.push(...expand(s));
  else {
    const a = expand(s.slice(0, dbl));
    const b = expand(s.slice(dbl + 2));
    groups.push(...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b);
  }
  return [0, 1, 2, 3].map((k) => ((groups[2 * k]! << 16) >>> 0) + groups[2 * k + 1]!) as [number, number, number, number];
}

export function formatIpv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

/** RFC 5952 canonical text (longest zero run of ≥ 2 groups compressed, lower case). */
export function formatIpv6(words: readonly number[]): string {
  const g: number[] = [];
  for (const w of words) g.push(w >>> 16, w & 0xffff);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart === -1) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function formatEther(v: number): string {
  const out: number[] = [];
  for (let i = 5; i >= 0; i--) out.push(Math.floor(v / 2 ** (8 * i)) % 256);
  return out.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** `30s`, `1h30m`, `500ms`, `2d` → milliseconds; a bare number is seconds (nft's time_parse). */
export function parseTime(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const re = /(\d+)(ms|d|h|m|s)/gy;
  let total = 0;
  let at = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const n = Number(m[1]);
    const unit = m[2]!;
    total += n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000);
    at = re.lastIndex;
  }
  return at === s.length && at > 0 ? total : undefined;
}

/** Milliseconds → nft's time text (`1h30m`, `30s`, `500ms`). */
export function formatTime(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const q = Math.floor(rest / size);
    if (q > 0) {
      out += `${q}${unit}`;
      rest -= q * size;
    }
  }
  return out;
}

function parseInteger(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  return undefined;
}

const intv = (dtype: DataType, value: number, loc: Loc): IntValue => ({ kind: 'int', dtype, value, loc });

const describeType: Partial<Record<DataType, string>> = {
  ipv4_addr: 'an IPv4 address',
  ipv6_addr: 'an IPv6 address',
  ether_addr: 'an ethernet address',
  inet_service: 'a port number',
  inet_proto: 'a protocol (tcp, udp, icmp, …)',
  ifname: 'an interface name',
  iface_index: 'an interface name',
  mark: 'a mark',
  integer: 'an integer',
  time: 'a time (30s, 1h)',
  string: 'a string',
};

/** "an IPv4 address", "a ct_state (invalid, established, related, …)". */
export function expectedOf(dtype: DataType): string {
  const d = describeType[dtype];
  if (d !== undefined) return d;
  const ex = symbolExamples(dtype);
  return ex.length > 0 ? `a ${dtype} (${ex.join(', ')}, …)` : `a ${dtype} value`;
}

/**
 * A literal as a constant of `dtype`. Numbers are accepted for every integer-like type
 * (`icmp type 8`), symbols for types with a symbol table, strings for names.
 */
export function constOf(kind: LiteralKind, text: string, dtype: DataType, loc: Loc): ValueResult {
  const fail = (): ValueResult => ({ ok: false, expected: expectedOf(dtype) });
  switch (dtype) {
    case 'ipv4_addr':
      return kind !== 'string' && isIpv4Text(text) ? { ok: true, value: intv(dtype, parseIpv4(text), loc) } : fail();
    case 'ipv6_addr':
      if (kind !== 'string' && isIpv6Text(text)) {
        const v: Ip6Value = { kind: 'ip6', dtype: 'ipv6_addr', words: parseIpv6(text), loc };
        return { ok: true, value: v };
      }
      return fail();
    case 'ether_addr':
      if (isEtherText(text)) {
        const v = text.split(':').reduce((acc, b) => acc * 256 + parseInt(b, 16), 0);
        return { ok: true, value: intv(dtype, v, loc) };
      }
      return fail();
    case 'ifname':
    case 'string':
    case 'iface_index': {
      if (dtype === 'iface_index' && kind === 'number') return { ok: true, value: intv(dtype, Number(text), loc) };
      if (kind === 'addr') return fail();
      const wildcard = text.endsWith('*');
      const value = wildcard ? text.slice(0, -1) : text;
      if (value.length === 0 && !wildcard) return fail();
      // IFNAMSIZ is 16 including the NUL: names are at most 15 characters.
      if ((dtype === 'ifname' || dtype === 'iface_index') && value.length > 15) return { ok: false, expected: 'an interface name of at most 15 characters' };
      const v: StringValue = { kind: 'string', dtype, value, wildcard, loc };
      return { ok: true, value: v };
    }
    case 'time': {
      const ms = kind === 'string' ? undefined : parseTime(text);
      return ms === undefined ? fail() : { ok: true, value: intv(dtype, ms, loc) };
    }
    case 'verdict':
      return fail();
    default: {
      if (kind === 'number') {
        const v = parseInteger(text);
        const bits = DTYPE_BITS[dtype];
        if (v === undefined || (bits < 53 && v >= 2 ** bits)) return { ok: false, expected: `${expectedOf(dtype)} that fits in ${bits} bits` };
        return { ok: true, value: intv(dtype, v, loc) };
      }
      if (kind === 'word' || kind === 'string') {
        const v = symbolValue(dtype, text);
        if (v !== undefined) return { ok: true, value: intv(dtype, v, loc) };
      }
      return fail();
    }
  }
}

/** A constant back as nft prints it. */
export function formatConst(v: ConstValue): string {
  switch (v.kind) {
    case 'ip6':
      return formatIpv6(v.words);
    case 'string':
      return JSON.stringify(v.value + (v.wildcard ? '*' : ''));
    case 'int':
      return formatInt(v.dtype, v.value);
  }
}

export function formatInt(dtype: DataType, value: number): string {
  switch (dtype) {
    case 'ipv4_addr':
      return formatIpv4(value);
    case 'ether_addr':
      return formatEther(value);
    case 'mark':
      return `0x${value.toString(16).padStart(8, '0')}`;
    case 'time':
      return formatTime(value);
    case 'iface_index':
      return String(value);
    default: {
      const name = symbolName(dtype, value);
      if (name !== undefined) return name;
      return String(value);
    }
  }
}
