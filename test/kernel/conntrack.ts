/**
 * Parses `conntrack -L` lines (conntrack-tools' default and `-o extended` formats) into entries
 * that can be compared across the kernel and flowsim.
 *
 * Compared: layer-4 protocol, TCP state, the original and reply tuples (which carry the NAT), the
 * [UNREPLIED] / [ASSURED] status flags, mark and zone. Not compared: the timeout (real time on the
 * kernel, virtual time in flowsim) and `use=` (a kernel reference count).
 */
import { ipv6Bytes } from './wire.ts';

export interface ConntrackEntry {
  readonly proto: string;
  readonly protonum: number;
  /** TCP (and SCTP/DCCP) state name, e.g. ESTABLISHED. */
  readonly state?: string;
  readonly orig: Readonly<Record<string, string>>;
  readonly reply: Readonly<Record<string, string>>;
  /** Status flags in brackets, sorted: ASSURED, UNREPLIED, OFFLOAD, … */
  readonly flags: readonly string[];
  /** mark, zone and other key=value fields after the tuples (without use=). */
  readonly extra: Readonly<Record<string, string>>;
  readonly line: string;
}

const TUPLE_KEYS = new Set(['src', 'dst', 'sport', 'dport', 'type', 'code', 'id']);
const IGNORED_KEYS = new Set(['use', 'delta-time', 'secctx', 'id']);

/** Canonical text of an address: IPv6 in RFC 5952 form (conntrack-tools and flowsim may differ in case). */
export function canonicalAddr(a: string): string {
  if (!a.includes(':')) return a;
  const b = ipv6Bytes(a);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // Longest run (>= 2) of zero groups becomes ::, first one on ties (RFC 5952 §4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses one line; returns undefined for summary/blank lines. */
export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const t = line.trim().split(/\s+/).filter((x) => x !== '');
  if (t.length < 3 || t[0]!.startsWith('conntrack')) return undefined;
  let i = 0;
  if ((t[0] === 'ipv4' || t[0] === 'ipv6') && /^\d+$/.test(t[1] ?? '')) i = 2;
  const proto = t[i]!;
  const protonum = Number(t[i + 1]);
  if (!Number.isInteger(protonum)) return undefined;
  i += 2;
  // Optional timeout (absent for offloaded entries), optional state word.
  if (/^\d+$/.test(t[i] ?? '')) i++;
  let state: string | undefined;
  if (t[i] !== undefined && /^[A-Z_]+$/.test(t[i]!)) state = t[i++];
  const orig: Record<string, string> = {};
  const reply: Record<string, string> = {};
  const extra: Record<string, string> = {};
  const flags: string[] = [];
  let cur: Record<string, string> = orig;
  for (; i < t.length; i++) {
    const tok = t[i]!;
    if (tok.startsWith('[') && tok.endsWith(']')) { flags.push(tok.slice(1, -1)); continue; }
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    const k = tok.slice(0, eq);
    const v = tok.slice(eq + 1);
    if (TUPLE_KEYS.has(k) && cur !== extra) {
      if (k === 'src' && cur === orig && 'src' in orig) cur = reply;
      if (k === 'src' && cur === reply && 'src' in reply) cur = extra;
      if (cur !== extra) { cur[k] = k === 'src' || k === 'dst' ? canonicalAddr(v) : v; continue; }
    }
    if (!TUPLE_KEYS.has(k) && cur !== extra && 'src' in reply) cur = extra;
    if (!IGNORED_KEYS.has(k)) extra[k] = v;
  }
  flags.sort();
  return { proto, protonum, ...(state !== undefined ? { state } : {}), orig, reply, flags, extra, line: line.trim() };
}

export function parseConntrackList(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const e = parseConntrackLine(line);
    if (e) out.push(e);
  }
  return out;
}

function tupleText(t: Readonly<Record<string, string>>): string {
  return ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id'].filter((k) => k in t).map((k) => `${k}=${t[k]}`).join(' ');
}

/** The comparable text of an entry (everything but timeout and use). */
export function entryKey(e: ConntrackEntry): string {
  const extra = Object.keys(e.extra).sort().map((k) => `${k}=${e.extra[k]}`).join(' ');
  return `${e.proto} ${e.state ?? '-'} ${tupleText(e.orig)} | ${tupleText(e.reply)} [${e.flags.join(',')}] ${extra}`.trim();
}
