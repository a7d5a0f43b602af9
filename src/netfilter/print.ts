/**
 * A minimal printer of IR rules for trace lines and reports, used when no other printer is passed.
 * It covers the statements the engine executes; src/nft has the full printer.
 */
import type { Expr, Rule, SetElement, Stmt } from '../nft/ir.ts';
import { symbolName, bitNames, BITMASK_DTYPES } from '../nft/fields.ts';

function ip4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function ip6(words: readonly number[]): string {
  const g: string[] = [];
  for (const w of words) g.push(((w >>> 16) & 0xffff).toString(16), (w & 0xffff).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function elem(e: SetElement): string {
  return e.data === null ? expr(e.key) : `${expr(e.key)} : ${expr(e.data)}`;
}

export function expr(e: Expr): string {
  switch (e.kind) {
    case 'meta': return `meta ${e.key}`;
    case 'payload': return `${e.protocol} ${e.field}`;
    case 'ct': return e.dir !== null ? `ct ${e.dir} ${e.family !== null ? `${e.family} ` : ''}${e.key}` : `ct ${e.key}`;
    case 'fib': return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'rt': return `rt ${e.key}`;
    case 'tcpopt': return `tcp option ${e.option} ${e.field}`;
    case 'concat': return e.parts.map(expr).join(' . ');
    case 'binop': return `${expr(e.left)} ${e.op} ${expr(e.right)}`;
    case 'int': {
      if (e.dtype === 'ipv4_addr') return ip4(e.value);
      if (BITMASK_DTYPES.has(e.dtype)) {
        const names = bitNames(e.dtype).filter(([, bit]) => (e.value & bit) !== 0).map(([n]) => n);
        if (names.length > 0) return names.join(',');
      }
      return symbolName(e.dtype, e.value) ?? (e.dtype === 'mark' ? `0x${e.value.toString(16).padStart(8, '0')}` : String(e.value));
    }
    case 'ip6': return ip6(e.words);
    case 'string': return `"${e.value}${e.wildcard ? '*' : ''}"`;
    case 'range': return `${expr(e.low)}-${expr(e.high)}`;
    case 'prefix': return `${expr(e.value)}/${e.len}`;
    case 'set': return `{ ${e.elements.map(elem).join(', ')} }`;
    case 'setref': return `@${e.name}`;
    case 'map': return `${expr(e.key)} map ${expr(e.map)}`;
    case 'verdict': return e.chain !== null ? `${e.code} ${e.chain}` : e.code;
  }
}

export function stmt(s: Stmt): string {
  switch (s.kind) {
    case 'match': {
      const op = s.op === '==' || s.op === 'in' ? '' : `${s.op} `;
      return `${expr(s.left)} ${op}${expr(s.right)}`;
    }
    case 'verdict': return expr(s);
    case 'vmap': return `${expr(s.key)} vmap ${expr(s.map)}`;
    case 'reject':
      return s.type === null ? 'reject' : s.type === 'tcp reset' ? 'reject with tcp reset' : `reject with ${s.type} ${s.code ?? ''}`.trimEnd();
    case 'counter': return `counter packets ${s.packets} bytes ${s.bytes}`;
    case 'limit':
      return `limit rate ${s.over ? 'over ' : ''}${s.rate}${s.unit === 'bytes' ? ' bytes' : ''}/${s.per}${s.burst !== (s.unit === 'packets' ? 5 : 0) ? ` burst ${s.burst} ${s.unit}` : ''}`;
    case 'quota': return `quota ${s.over ? 'over ' : ''}${s.bytes} bytes${s.used > 0 ? ` used ${s.used} bytes` : ''}`;
    case 'log': return ['log', s.prefix !== null ? `prefix "${s.prefix}"` : '', s.level !== null ? `level ${s.level}` : ''].filter(Boolean).join(' ');
    case 'mangle': return `${expr(s.target)} set ${expr(s.value)}`;
    case 'objref': return s.objType === 'ct helper' ? `ct helper set "${s.name}"` : `${s.objType} name "${s.name}"`;
    case 'nat': {
      if (s.type === 'masquerade' || s.type === 'redirect') {
        return [s.type, s.port !== null ? `to :${expr(s.port)}` : '', s.flags.join(',')].filter(Boolean).join(' ');
      }
      const fam = s.family !== null ? ` ${s.family}` : '';
      const addr = s.addr !== null ? expr(s.addr) : '';
      const port = s.port !== null ? `:${expr(s.port)}` : '';
      return `${s.type}${fam} to ${addr}${port}${s.flags.length > 0 ? ` ${s.flags.join(',')}` : ''}`;
    }
    case 'notrack': return 'notrack';
    case 'flow-add': return `flow add @${s.flowtable}`;
    case 'set-update': return `${s.op} @${s.set} { ${expr(s.key)}${s.timeout !== null ? ` timeout ${s.timeout}ms` : ''} }`;
    case 'connlimit': return `ct count ${s.over ? 'over ' : ''}${s.count}`;
  }
}

/** `tcp dport 22 counter packets 0 bytes 0 accept` */
export function printRuleText(rule: Rule): string {
  return rule.stmts.map(stmt).join(' ');
}
