/**
 * IP address and prefix parsing for configuration (load time). Addresses use the tuple layout of
 * wire/tuple.ts: four host-order uint32 words, IPv4 in word 0 with words 1–3 zero.
 */
import { FAMILY_IPV4, FAMILY_IPV6 } from '../wire/tuple.ts';

export interface ParsedAddr {
  family: typeof FAMILY_IPV4 | typeof FAMILY_IPV6;
  /** Four words; IPv4 uses word 0 only. */
  words: Uint32Array;
}

export interface ParsedCidr extends ParsedAddr {
  /** Prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  plen: number;
}

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Parses an IPv6 address (with `::` compression and an optional dotted IPv4 tail). */
export function parseIpv6(text: string): Uint32Array | null {
  let s = text.trim();
  if (s.length === 0 || /[^0-9a-fA-F:.]/.test(s)) return null;
  const groups: number[] = [];
  let tail4: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (tail4 === null) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.split('::');
  if (dbl.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(dbl[0]!);
  if (head === null) return null;
  if (dbl.length === 2) {
    const rest = parse(dbl[1]!);
    if (rest === null || head.length + rest.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest);
  } else {
    if (head.length !== 8) return null;
    groups.push(...head);
  }
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  if (tail4 !== null) w[3] = tail4;
  return w;
}

/** Parses "a.b.c.d", "a.b.c.d/n", "x::y" or "x::y/n"; a missing length means a host prefix. */
export function parseCidr(text: string): ParsedCidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const lenText = slash < 0 ? null : t.slice(slash + 1);
  if (lenText !== null && !/^\d{1,3}$/.test(lenText)) return null;
  if (addrText.includes(':')) {
    const words = parseIpv6(addrText);
    if (!words) return null;
    const plen = lenText === null ? 128 : Number(lenText);
    if (plen > 128) return null;
    return { family: FAMILY_IPV6, words, plen };
  }
  const v4 = parseIpv4(addrText);
  if (v4 === null) return null;
  const plen = lenText === null ? 32 : Number(lenText);
  if (plen > 32) return null;
  const words = new Uint32Array(4);
  words[0] = v4;
  return { family: FAMILY_IPV4, words, plen };
}

export function parseAddr(text: string): ParsedAddr | null {
  const c = parseCidr(text);
  if (!c || text.includes('/')) return null;
  return { family: c.family, words: c.words };
}

/** The netmask for a prefix length within one 32-bit word (`bits` clamped to 0..32). */
export function mask32(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

export { formatIpv4 } from '../wire/ipv4.ts';
export { formatIpv6 } from '../wire/ipv6.ts';
import { formatIpv4 } from '../wire/ipv4.ts';
import { formatIpv6 } from '../wire/ipv6.ts';

export function formatCidr(family: number, w: ArrayLike<number>, plen: number): string {
  return `${family === FAMILY_IPV4 ? formatIpv4(w[0]!) : formatIpv6(w)}/${plen}`;
}
