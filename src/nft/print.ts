/**
 * IR → nft text in `nft list ruleset` style (nftables `src/rule.c` / `src/statement.c` print
 * functions): tabs, `type … hook … priority …; policy …;`, symbols by name. The output parses
 * back to the same IR (presentation fields aside), which the tests check.
 */
import type {
  Chain, ConstValue, DataType, Expr, Flowtable, IntValue, NamedSet, Priority, Rule, Ruleset, SetElement, StatefulObject, Stmt, Table,
  TypeSpec,
} from './ir.ts';
import { BITMASK_DTYPES, BRIDGE_PRIORITIES, NAMED_PRIORITIES, bitNames, symbolName } from './fields.ts';
import { formatConst, formatTime } from './values.ts';

export function printRuleset(ruleset: Ruleset): string {
  return ruleset.tables.map(printTable).join('');
}

const q = (s: string): string => JSON.stringify(s);

/** Identifiers nft prints bare; anything else is quoted. */
const name = (s: string): string => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !/[.-]$/.test(s) && !RESERVED.has(s) ? s : q(s));
const RESERVED = new Set(['table', 'chain', 'set', 'map', 'flowtable', 'type', 'hook', 'priority', 'policy', 'devices', 'device', 'flags', 'counter', 'elements', 'comment', 'define', 'include', 'ct', 'helper', 'quota', 'typeof', 'timeout', 'size']);

export function printTable(t: Table): string {
  const out: string[] = [`table ${t.family} ${name(t.name)} {`];
  if (t.flags.length > 0) out.push(`\tflags ${t.flags.join(',')}`);
  if (t.comment !== null) out.push(`\tcomment ${q(t.comment)}`);
  const blocks: string[] = [];
  for (const o of t.objects) blocks.push(printObject(o));
  for (const s of t.sets) blocks.push(printSet(s));
  for (const f of t.flowtables) blocks.push(printFlowtable(f, t.family));
  for (const c of t.chains) blocks.push(printChain(c, t.family));
  out.push(blocks.join('\n'));
  out.push('}');
  return out.filter((l) => l.length > 0).join('\n') + '\n';
}

function printPriority(p: Priority, family: string, flowtable: boolean): string {
  const table = family === 'bridge' ? BRIDGE_PRIORITIES : NAMED_PRIORITIES;
  if (flowtable) {
    // Flowtables accept filter ± N only (nft prints them that way too).
    if (p.value === 0) return 'filter';
    return p.value > 0 ? `filter + ${p.value}` : `filter - ${-p.value}`;
  }
  for (const [n, v] of Object.entries(table)) if (v === p.value) return n;
  return String(p.value);
}

function printObject(o: StatefulObject): string {
  switch (o.kind) {
    case 'ct-helper': {
      const lines = [`\tct helper ${name(o.name)} {`, `\t\ttype ${q(o.helper)} protocol ${o.protocol}`];
      if (o.l3proto !== null) lines.push(`\t\tl3proto ${o.l3proto}`);
      if (o.comment !== null) lines.push(`\t\tcomment ${q(o.comment)}`);
      lines.push('\t}');
      return lines.join('\n');
    }
    case 'counter': {
      const lines = [`\tcounter ${name(o.name)} {`];
      if (o.comment !== null) lines.push(`\t\tcomment ${q(o.comment)}`);
      lines.push(`\t\tpackets ${o.packets} bytes ${o.bytes}`, '\t}');
      return lines.join('\n');
    }
    case 'quota': {
      const lines = [`\tquota ${name(o.name)} {`];
      if (o.comment !== null) lines.push(`\t\tcomment ${q(o.comment)}`);
      lines.push(`\t\t${o.over ? 'over ' : ''}${o.bytes} bytes${o.used > 0 ? ` used ${o.used} bytes` : ''}`, '\t}');
      return lines.join('\n');
    }
  }
}

function printTypeSpec(t: TypeSpec): string {
  if (t.spelling.kind === 'typeof') return `typeof ${t.spelling.exprs.map(printExpr).join(' . ')}`;
  return `type ${t.fields.map((f) => f.dtype).join(' . ')}`;
}

function printSet(s: NamedSet): string {
  const lines = [`\t${s.kind} ${name(s.name)} {`];
  let type = printTypeSpec(s.key);
  if (s.data) type += ` : ${s.data.spelling.kind === 'typeof' ? s.data.spelling.exprs.map(printExpr).join(' . ') : s.data.fields.map((f) => f.dtype).join(' . ')}`;
  lines.push(`\t\t${type}`);
  if (s.policy !== null) lines.push(`\t\tpolicy ${s.policy}`);
  if (s.size !== null) lines.push(`\t\tsize ${s.size}`);
  if (s.flags.length > 0) lines.push(`\t\tflags ${s.flags.join(',')}`);
  if (s.timeout !== null) lines.push(`\t\ttimeout ${formatTime(s.timeout)}`);
  if (s.gcInterval !== null) lines.push(`\t\tgc-interval ${formatTime(s.gcInterval)}`);
  if (s.counter) lines.push('\t\tcounter');
  if (s.autoMerge) lines.push('\t\tauto-merge');
  if (s.comment !== null) lines.push(`\t\tcomment ${q(s.comment)}`);
  if (s.elements.length > 0) lines.push(`\t\telements = { ${s.elements.map(printElement).join(',\n\t\t\t     ')} }`);
  lines.push('\t}');
  return lines.join('\n');
}

function printFlowtable(f: Flowtable, family: string): string {
  const lines = [`\tflowtable ${name(f.name)} {`, `\t\thook ingress priority ${printPriority(f.priority, family, true)}`];
  if (f.devices.length > 0) lines.push(`\t\tdevices = { ${f.devices.map(q).join(', ')} }`);
  if (f.flagsKnown) {
    if (f.offload) lines.push('\t\tflags offload');
    if (f.counter) lines.push('\t\tcounter');
  } else lines.push('\t\t# flags offload / counter: unknown (loaded from JSON)');
  lines.push('\t}');
  return lines.join('\n');
}

function printChain(c: Chain, family: string): string {
  const lines = [`\tchain ${name(c.name)} {`];
  if (c.comment !== null) lines.push(`\t\tcomment ${q(c.comment)}`);
  if (c.base) {
    const b = c.base;
    let dev = '';
    if (b.devices.length === 1) dev = ` device ${q(b.devices[0]!)}`;
    else if (b.devices.length > 1) dev = ` devices = { ${b.devices.map(q).join(', ')} }`;
    lines.push(`\t\ttype ${b.type} hook ${b.hook}${dev} priority ${printPriority(b.priority, family, false)}; policy ${b.policy};`);
  }
  for (const r of c.rules) lines.push(`\t\t${printRule(r)}`);
  lines.push('\t}');
  return lines.join('\n');
}

export function printRule(r: Rule): string {
  const parts = r.stmts.map(printStmt);
  if (r.comment !== null) parts.push(`comment ${q(r.comment)}`);
  return parts.join(' ');
}

export function printStmt(s: Stmt): string {
  switch (s.kind) {
    case 'match': {
      const left = printExpr(s.left);
      if (s.op === 'in') return `${left} ${printFlags(s.right)}`;
      const op = s.op === '==' && s.left.kind !== 'binop' ? '' : `${s.op} `;
      return `${left} ${op}${printExpr(s.right)}`;
    }
    case 'verdict':
      return s.chain !== null ? `${s.code} ${name(s.chain)}` : s.code;
    case 'vmap':
      return `${printExpr(s.key)} vmap ${printExpr(s.map)}`;
    case 'reject':
      if (s.type === null) return 'reject';
      if (s.type === 'tcp reset') return 'reject with tcp reset';
      return `reject with ${s.type} ${printInt({ kind: 'int', dtype: s.type === 'icmp' ? 'icmp_code' : s.type === 'icmpv6' ? 'icmpv6_code' : 'icmpx_code', value: s.code ?? 0, loc: s.loc })}`;
    case 'counter':
      return `counter packets ${s.packets} bytes ${s.bytes}`;
    case 'limit': {
      const over = s.over ? 'over ' : '';
      if (s.unit === 'packets') return `limit rate ${over}${s.rate}/${s.per}${s.burst !== 5 ? ` burst ${s.burst} packets` : ''}`;
      const [r, ru] = bytesUnit(s.rate);
      let out = `limit rate ${over}${r} ${ru}/${s.per}`;
      if (s.burst !== 0) {
        const [b, bu] = bytesUnit(s.burst);
        out += ` burst ${b} ${bu}`;
      }
      return out;
    }
    case 'quota': {
      const [b, bu] = bytesUnit(s.bytes);
      let out = `quota ${s.over ? 'over ' : ''}${b} ${bu}`;
      if (s.used > 0) {
        const [u, uu] = bytesUnit(s.used);
        out += ` used ${u} ${uu}`;
      }
      return out;
    }
    case 'log': {
      let out = 'log';
      if (s.prefix !== null) out += ` prefix ${q(s.prefix)}`;
      if (s.level !== null) out += ` level ${s.level}`;
      if (s.group !== null) out += ` group ${s.group}`;
      if (s.flags.length > 0) out += ` flags ${s.flags.join(',')}`;
      return out;
    }
    case 'mangle':
      return `${printExpr(s.target)} set ${printExpr(s.value)}`;
    case 'objref':
      return s.objType === 'ct helper' ? `ct helper set ${q(s.name)}` : `${s.objType} name ${q(s.name)}`;
    case 'nat': {
      let out = s.type;
      if (s.family !== null && (s.type === 'snat' || s.type === 'dnat')) out += ` ${s.family}`;
      if (s.addr !== null || s.port !== null) {
        out += ' to ';
        if (s.addr !== null) {
          const a = printExpr(s.addr);
          out += s.port !== null && isIp6(s.addr) ? `[${a}]` : a;
        }
        if (s.port !== null) out += s.addr !== null && s.addr.kind === 'map' ? ` : ${printExpr(s.port)}` : `:${printExpr(s.port)}`;
      }
      if (s.flags.length > 0) out += ` ${s.flags.join(',')}`;
      return out;
    }
    case 'notrack':
      return 'notrack';
    case 'flow-add':
      return `flow add @${s.flowtable}`;
    case 'set-update': {
      let inner = printExpr(s.key);
      if (s.timeout !== null) inner += ` timeout ${formatTime(s.timeout)}`;
      for (const st of s.stmts) inner += ` ${printStmt(st)}`;
      if (s.data !== null) inner += ` : ${printExpr(s.data)}`;
      return `${s.op} @${s.set} { ${inner} }`;
    }
    case 'connlimit':
      return `ct count ${s.over ? 'over ' : ''}${s.count}`;
  }
}

function isIp6(e: Expr): boolean {
  if (e.kind === 'ip6') return true;
  if (e.kind === 'range') return e.low.kind === 'ip6';
  if (e.kind === 'prefix') return e.value.kind === 'ip6';
  return false;
}

function bytesUnit(n: number): [number, string] {
  for (const [u, m] of [['gbytes', 1024 ** 3], ['mbytes', 1024 ** 2], ['kbytes', 1024]] as const) if (n >= m && n % m === 0) return [n / m, u];
  return [n, 'bytes'];
}

/** A flag value as a comma list (`established,related`), as nft prints implicit flag matches. */
function printFlags(e: Expr): string {
  if (e.kind !== 'int' || !BITMASK_DTYPES.has(e.dtype)) return printExpr(e);
  const names = flagNames(e.dtype, e.value);
  return names ? names.join(',') : String(e.value);
}

function flagNames(dtype: DataType, value: number): string[] | null {
  if (value === 0) return null;
  const out: string[] = [];
  let rest = value;
  for (const [n, v] of bitNames(dtype)) {
    if (v !== 0 && (rest & v) === v && (v & (v - 1)) === 0) {
      out.push(n);
      rest &= ~v;
    }
  }
  return rest === 0 ? out : null;
}

function printInt(v: IntValue): string {
  if (BITMASK_DTYPES.has(v.dtype)) {
    const names = flagNames(v.dtype, v.value);
    if (names && names.length === 1) return names[0]!;
    if (names) return `(${names.join(' | ')})`;
    return String(v.value);
  }
  if (symbolName(v.dtype, v.value) === undefined && v.dtype !== 'ipv4_addr' && v.dtype !== 'ether_addr' && v.dtype !== 'mark' && v.dtype !== 'time') return String(v.value);
  return formatConst(v);
}

function printConst(v: ConstValue): string {
  return v.kind === 'int' ? printInt(v) : formatConst(v);
}

function printElement(e: SetElement): string {
  let out = printExpr(e.key);
  if (e.timeout !== null) out += ` timeout ${formatTime(e.timeout)}`;
  if (e.expires !== null) out += ` expires ${formatTime(e.expires)}`;
  if (e.counter !== null) out += ` counter packets ${e.counter.packets} bytes ${e.counter.bytes}`;
  if (e.comment !== null) out += ` comment ${q(e.comment)}`;
  if (e.data !== null) out += ` : ${printExpr(e.data)}`;
  return out;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'meta':
      return e.key === 'iif' || e.key === 'oif' || e.key === 'iifname' || e.key === 'oifname' ? e.key : `meta ${e.key}`;
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'ct':
      return `ct${e.dir !== null ? ` ${e.dir}` : ''}${e.family !== null ? ` ${e.family}` : ''} ${e.key}`;
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'rt':
      return `rt${e.family !== null ? ` ${e.family}` : ''} ${e.key}`;
    case 'tcpopt':
      return 'tcp option maxseg size';
    case 'concat':
      return e.parts.map(printExpr).join(' . ');
    case 'binop':
      return `${printExpr(e.left)} ${e.op} ${printExpr(e.right)}`;
    case 'int':
    case 'ip6':
    case 'string':
      return printConst(e);
    case 'range':
      return `${printConst(e.low)}-${printConst(e.high)}`;
    case 'prefix':
      return `${printConst(e.value)}/${e.len}`;
    case 'set':
      return `{ ${e.elements.map(printElement).join(', ')} }`;
    case 'setref':
      return `@${e.name}`;
    case 'map':
      return `${printExpr(e.key)} map ${printExpr(e.map)}`;
    case 'verdict':
      return e.chain !== null ? `${e.code} ${name(e.chain)}` : e.code;
  }
}
