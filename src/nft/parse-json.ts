/**
 * libnftables JSON (`nft -j list ruleset`, schema in nftables `doc/libnftables-json.adoc`) → IR.
 * Gives the same IR as the text of the same ruleset, except what JSON does not carry:
 * flowtable `counter` and `flags offload` (flowtable.flagsKnown = false, plus a warning), and the
 * spelling of priorities (numeric in JSON).
 */
import type {
  BaseChainInfo, ChainType, ConstValue, CtKey, DataType, Expr, Family, FibExpr, Hook, IntValue, KeyField, Loc, LogLevel,
  MatchStmt, NatFlag, NatStmt, NftError, NftWarning, Rule, Ruleset, Selector, SetElement, SetExpr, SetFlag, SetRefExpr, Stmt,
  Table, TypeSpec, Verdict,
} from './ir.ts';
import { parseJsonLocated, type JsonNode } from './json-located.ts';
import { NftParseFailure, nftError, unsupported } from './errors.ts';
import { RulesetBuilder, isFamily } from './builder.ts';
import {
  BITMASK_DTYPES, CT_KEYS, DTYPE_BITS, META_KEYS, PAYLOAD_FIELDS, UNMODELLED_META, ctKeyInfo, isDataType, isMetaKey, isPayloadProtocol,
} from './fields.ts';
import { constOf, parseTime } from './values.ts';
import { isEtherText, isIpv4Text, isIpv6Text } from './lexer.ts';
import { BYTE_UNITS, exprTypes, selectorInfo } from './parse-text.ts';

export interface JsonParseOutput {
  readonly ruleset: Ruleset | null;
  readonly errors: NftError[];
  readonly warnings: NftWarning[];
}

type Obj = Extract<JsonNode, { type: 'object' }>;

const fail = (e: NftError): never => {
  throw new NftParseFailure(e);
};

function describe(n: JsonNode): string {
  switch (n.type) {
    case 'string':
      return `string "${n.value}"`;
    case 'number':
      return `number ${n.text}`;
    case 'object':
      return n.entries.length > 0 ? `object {"${n.entries[0]!.key}": …}` : 'an empty object';
    case 'array':
      return 'an array';
    case 'bool':
      return String(n.value);
    case 'null':
      return 'null';
  }
}

function expectedJ(what: string, n: JsonNode): never {
  return fail(nftError('syntax', `expected ${what}, found ${describe(n)}`, n.loc, n.type === 'string' ? n.length : 1));
}

function get(o: Obj, key: string): JsonNode | undefined {
  return o.entries.find((e) => e.key === key)?.value;
}

function need(o: Obj, key: string, what: string): JsonNode {
  const v = get(o, key);
  if (v === undefined) fail(nftError('syntax', `expected "${key}" (${what}) in this object`, o.loc));
  return v!;
}

function str(n: JsonNode, what: string): string {
  if (n.type !== 'string') expectedJ(what, n);
  return (n as { value: string }).value;
}

function num(n: JsonNode, what: string): number {
  if (n.type !== 'number') expectedJ(what, n);
  return (n as { value: number }).value;
}

function obj(n: JsonNode, what: string): Obj {
  if (n.type !== 'object') expectedJ(what, n);
  return n as Obj;
}

/** `{"key": value}`: the one entry of a single-key object. */
function single(n: JsonNode, what: string): { key: string; value: JsonNode; loc: Loc } {
  const o = obj(n, what);
  if (o.entries.length !== 1) expectedJ(`${what} (an object with exactly one key)`, n);
  const e = o.entries[0]!;
  return { key: e.key, value: e.value, loc: o.loc };
}

function optStr(o: Obj, key: string): string | null {
  const v = get(o, key);
  return v === undefined ? null : str(v, `a string for "${key}"`);
}

function optNum(o: Obj, key: string): number | null {
  const v = get(o, key);
  return v === undefined ? null : num(v, `a number for "${key}"`);
}

function strList(n: JsonNode, what: string): string[] {
  if (n.type === 'string') return [n.value];
  if (n.type !== 'array') expectedJ(what, n);
  return (n as { items: JsonNode[] }).items.map((i) => str(i, what));
}

export function parseJson(text: string, file: string): JsonParseOutput {
  const parsed = parseJsonLocated(text, file);
  if (!parsed.ok) return { ruleset: null, errors: [parsed.error], warnings: [] };
  const conv = new JsonConverter();
  try {
    conv.run(parsed.value);
  } catch (e) {
    if (e instanceof NftParseFailure) conv.errors.push(e.error);
    else throw e;
  }
  if (conv.errors.length > 0) return { ruleset: null, errors: conv.errors, warnings: conv.warnings };
  return { ruleset: conv.builder.build('json', [file]), errors: [], warnings: conv.warnings };
}

class JsonConverter {
  readonly builder = new RulesetBuilder();
  readonly errors: NftError[] = [];
  readonly warnings: NftWarning[] = [];

  run(root: JsonNode): void {
    const r = obj(root, 'an object {"nftables": [ … ]}');
    const list = need(r, 'nftables', 'the list of objects');
    if (list.type !== 'array') expectedJ('an array of objects', list);
    const items = (list as { items: JsonNode[] }).items;
    // Declarations first, then rules and elements: nft -j prints them in that order anyway,
    // and a hand-written file may not.
    const later: { cmd: string; key: string; value: JsonNode; loc: Loc }[] = [];
    for (const item of items) {
      const { key, value, loc } = single(item, 'an nftables object such as {"table": …}');
      if (key === 'add' || key === 'create' || key === 'insert' || key === 'flush' || key === 'delete' || key === 'destroy') {
        const inner = single(value, `an object after "${key}"`);
        if (key === 'flush' || key === 'delete' || key === 'destroy') {
          this.command(key, inner.key, inner.value, inner.loc);
          continue;
        }
        if (inner.key === 'rule' || inner.key === 'element') later.push({ cmd: key, key: inner.key, value: inner.value, loc: inner.loc });
        else this.declare(inner.key, inner.value, inner.loc);
        continue;
      }
      if (key === 'rule' || key === 'element') later.push({ cmd: 'add', key, value, loc });
      else this.declare(key, value, loc);
    }
    for (const l of later) {
      if (l.key === 'rule') this.rule(l.value, l.cmd === 'insert');
      else this.element(l.value);
    }
  }

  private table(o: Obj, create: boolean): Table {
    const famNode = need(o, 'family', 'the table family');
    const family = str(famNode, 'a family');
    if (!isFamily(family)) expectedJ('a family (ip, ip6, inet, netdev, bridge, arp)', famNode);
    const nameNode = get(o, 'table') ?? need(o, 'name', 'the table name');
    const name = str(nameNode, 'a table name');
    const found = this.builder.findTable(family as Family, name);
    if (found) return found;
    if (create) return this.builder.ensureTable(family as Family, name, o.loc);
    return fail(nftError('semantic', `table ${family} ${name} does not exist (declare {"table": …} before it)`, nameNode.loc));
  }

  private command(cmd: string, key: string, value: JsonNode, loc: Loc): void {
    if (cmd === 'flush' && key === 'ruleset') {
      this.builder.flushRuleset();
      return;
    }
    const o = obj(value, `a ${key} object`);
    const destroy = cmd === 'destroy';
    if (key === 'table') {
      const family = str(need(o, 'family', 'the family'), 'a family');
      const name = str(need(o, 'name', 'the table name'), 'a table name');
      const t = isFamily(family) ? this.builder.findTable(family, name) : undefined;
      if (!t) {
        if (!destroy) fail(nftError('semantic', `cannot ${cmd} table ${family} ${name}: it does not exist`, loc));
        return;
      }
      if (cmd === 'flush') this.builder.flushTable(t);
      else this.builder.deleteTable(t);
      return;
    }
    const t = this.table(o, false);
    if (key === 'rule' && cmd !== 'flush') {
      const chain = t.chains.find((c) => c.name === str(need(o, 'chain', 'the chain'), 'a chain name'));
      const handle = num(need(o, 'handle', 'the rule handle'), 'a handle');
      const i = chain ? chain.rules.findIndex((r) => r.handle === handle) : -1;
      if (i >= 0) chain!.rules.splice(i, 1);
      else if (!destroy) fail(nftError('semantic', `cannot delete rule handle ${handle}: it does not exist`, loc));
      return;
    }
    const name = str(need(o, 'name', 'the name'), 'a name');
    const lists: Record<string, { name: string }[]> = { chain: t.chains, set: t.sets, map: t.sets, flowtable: t.flowtables };
    const list = lists[key];
    if (!list) fail(unsupported(`"${cmd}" of ${key} objects in JSON`, loc));
    const i = list!.findIndex((x) => x.name === name);
    if (i < 0) {
      if (!destroy) fail(nftError('semantic', `cannot ${cmd} ${key} "${name}": it does not exist`, loc));
      return;
    }
    if (cmd === 'flush') {
      if (key === 'chain') t.chains[i]!.rules.length = 0;
      else if (key === 'set' || key === 'map') t.sets[i]!.elements = [];
    } else list!.splice(i, 1);
  }

  private declare(key: string, value: JsonNode, loc: Loc): void {
    switch (key) {
      case 'metainfo':
        return;
      case 'table': {
        const o = obj(value, 'a table object');
        const t = this.table(o, true);
        t.handle = optNum(o, 'handle');
        const flags = get(o, 'flags');
        if (flags) for (const f of strList(flags, 'table flags')) if ((f === 'dormant' || f === 'owner' || f === 'persist') && !t.flags.includes(f)) t.flags.push(f);
        t.comment = optStr(o, 'comment');
        return;
      }
      case 'chain':
        return this.chain(obj(value, 'a chain object'));
      case 'set':
      case 'map':
        return this.set(key, obj(value, `a ${key} object`));
      case 'flowtable':
        return this.flowtable(obj(value, 'a flowtable object'));
      case 'ct helper': {
        const o = obj(value, 'a ct helper object');
        const t = this.table(o, false);
        const protoNode = get(o, 'protocol');
        const protocol = protoNode ? str(protoNode, 'tcp or udp') : 'tcp';
        if (protocol !== 'tcp' && protocol !== 'udp') expectedJ('tcp or udp', protoNode!);
        const l3 = optStr(o, 'l3proto');
        if (l3 !== null && l3 !== 'ip' && l3 !== 'ip6' && l3 !== 'inet') expectedJ('ip, ip6 or inet', get(o, 'l3proto')!);
        this.builder.addObject(t, {
          kind: 'ct-helper', name: str(need(o, 'name', 'the helper name'), 'a name'), helper: str(need(o, 'type', 'the helper type'), 'a helper type'),
          protocol: protocol as 'tcp' | 'udp', l3proto: l3 as 'ip' | 'ip6' | 'inet' | null, comment: optStr(o, 'comment'), handle: optNum(o, 'handle'), loc: o.loc,
        });
        return;
      }
      case 'counter': {
        const o = obj(value, 'a counter object');
        const t = this.table(o, false);
        this.builder.addObject(t, {
          kind: 'counter', name: str(need(o, 'name', 'the counter name'), 'a name'), packets: optNum(o, 'packets') ?? 0, bytes: optNum(o, 'bytes') ?? 0,
          comment: optStr(o, 'comment'), handle: optNum(o, 'handle'), loc: o.loc,
        });
        return;
      }
      case 'quota': {
        const o = obj(value, 'a quota object');
        const t = this.table(o, false);
        const inv = get(o, 'inv');
        this.builder.addObject(t, {
          kind: 'quota', name: str(need(o, 'name', 'the quota name'), 'a name'), bytes: optNum(o, 'bytes') ?? 0, used: optNum(o, 'used') ?? 0,
          over: inv !== undefined && inv.type === 'bool' && inv.value, comment: optStr(o, 'comment'), handle: optNum(o, 'handle'), loc: o.loc,
        });
        return;
      }
      case 'ct timeout':
      case 'ct expectation':
      case 'limit':
      case 'secmark':
      case 'synproxy':
      case 'tunnel':
        return fail(unsupported(`named ${key} objects`, loc));
      default:
        return fail(nftError('syntax', `expected table, chain, rule, set, map, element, flowtable, ct helper, counter or quota, found "${key}"`, loc));
    }
  }

  private chain(o: Obj): void {
    const t = this.table(o, false);
    const nameNode = need(o, 'name', 'the chain name');
    const chain = this.builder.ensureChain(t, str(nameNode, 'a chain name'), o.loc);
    chain.handle = optNum(o, 'handle');
    chain.comment = optStr(o, 'comment');
    const hookNode = get(o, 'hook');
    if (hookNode === undefined) return;
    const type = str(need(o, 'type', 'the chain type'), 'a chain type');
    if (type !== 'filter' && type !== 'nat' && type !== 'route') expectedJ('a chain type (filter, nat, route)', get(o, 'type')!);
    const hook = str(hookNode, 'a hook');
    if (!['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'].includes(hook)) expectedJ('a hook (prerouting, input, forward, output, postrouting, ingress, egress)', hookNode);
    const prioNode = need(o, 'prio', 'the chain priority');
    const prio = num(prioNode, 'a numeric priority');
    const policy = optStr(o, 'policy') ?? 'accept';
    if (policy !== 'accept' && policy !== 'drop') expectedJ('accept or drop', get(o, 'policy')!);
    const dev = get(o, 'dev');
    const base: BaseChainInfo = {
      type: type as ChainType, hook: hook as Hook, priority: { value: prio, spelling: String(prio) }, policy: policy as 'accept' | 'drop',
      devices: dev ? strList(dev, 'device names') : [],
    };
    this.builder.setBase(chain, base);
  }

  private typeSpec(n: JsonNode): TypeSpec {
    const names = strList(n, 'a data type or a list of data types');
    const fields: KeyField[] = names.map((name, i) => {
      if (!isDataType(name)) {
        const at = n.type === 'array' ? n.items[i]! : n;
        return fail(nftError('syntax', `expected a data type (ipv4_addr, ipv6_addr, inet_service, ifname, verdict, …), found "${name}"`, at.loc));
      }
      return { dtype: name, bits: DTYPE_BITS[name] };
    });
    return { fields, spelling: { kind: 'type' } };
  }

  private set(kind: 'set' | 'map', o: Obj): void {
    const t = this.table(o, false);
    const key = this.typeSpec(need(o, 'type', 'the key type'));
    const data = kind === 'map' ? this.typeSpec(need(o, 'map', 'the map data type')) : null;
    const flagsNode = get(o, 'flags');
    const flags: SetFlag[] = [];
    if (flagsNode) {
      for (const f of strList(flagsNode, 'set flags')) {
        if (f !== 'constant' && f !== 'interval' && f !== 'timeout' && f !== 'dynamic') expectedJ('set flags (constant, interval, timeout, dynamic)', flagsNode);
        flags.push(f as SetFlag);
      }
    }
    const secs = (k: string): number | null => {
      const v = optNum(o, k);
      return v === null ? null : v * 1000;
    };
    const keyTypes = key.fields.map((f) => f.dtype);
    const dataTypes = data ? data.fields.map((f) => f.dtype) : null;
    const elemNode = get(o, 'elem');
    const elements = elemNode ? this.elements(elemNode, keyTypes, dataTypes) : [];
    const policy = optStr(o, 'policy');
    const stmts = get(o, 'stmt');
    this.builder.addSet(t, {
      kind, name: str(need(o, 'name', 'the set name'), 'a set name'), key, data, flags, timeout: secs('timeout'), gcInterval: secs('gc-interval'),
      size: optNum(o, 'size'), policy: policy === 'performance' || policy === 'memory' ? policy : null,
      counter: stmts !== undefined && stmts.type === 'array' && stmts.items.some((s) => s.type === 'object' && s.entries[0]?.key === 'counter'),
      autoMerge: (() => { const a = get(o, 'auto-merge'); return a?.type === 'bool' && a.value; })(), comment: optStr(o, 'comment'), elements, handle: optNum(o, 'handle'), loc: o.loc,
    });
  }

  private element(value: JsonNode): void {
    const o = obj(value, 'an element object');
    const t = this.table(o, false);
    const nameNode = need(o, 'name', 'the set name');
    const set = t.sets.find((s) => s.name === str(nameNode, 'a set name'));
    if (!set) return fail(nftError('semantic', `unknown set "${str(nameNode, 'a set name')}"`, nameNode.loc));
    set.elements = [...set.elements, ...this.elements(need(o, 'elem', 'the elements'), set.key.fields.map((f) => f.dtype), set.data ? set.data.fields.map((f) => f.dtype) : null)];
  }

  private flowtable(o: Obj): void {
    const t = this.table(o, false);
    const name = str(need(o, 'name', 'the flowtable name'), 'a name');
    const hookNode = get(o, 'hook');
    if (hookNode && str(hookNode, 'a hook') !== 'ingress') {
      this.errors.push(nftError('semantic', `flowtable hook must be "ingress" (the kernel refuses "${str(hookNode, 'a hook')}" with "Operation not supported")`, hookNode.loc));
    }
    const prio = optNum(o, 'prio') ?? 0;
    const dev = get(o, 'dev');
    const flags = get(o, 'flags');
    const offload = flags !== undefined && strList(flags, 'flowtable flags').includes('offload');
    this.warnings.push({
      message: `flowtable "${name}": libnftables JSON carries neither "flags offload" nor "counter", so hardware offload and flowtable counters are unknown (taken as ${offload ? 'offload' : 'software only'}, no counter); say which in the scenario`,
      loc: o.loc,
    });
    this.builder.addFlowtable(t, {
      kind: 'flowtable', name, hook: 'ingress', priority: { value: prio, spelling: String(prio) }, devices: dev ? strList(dev, 'device names') : [],
      counter: false, offload, flagsKnown: false, handle: optNum(o, 'handle'), loc: o.loc,
    });
  }

  private rule(value: JsonNode, prepend: boolean): void {
    const o = obj(value, 'a rule object');
    const t = this.table(o, false);
    const chainNode = need(o, 'chain', 'the chain name');
    const chain = t.chains.find((c) => c.name === str(chainNode, 'a chain name'));
    if (!chain) return fail(nftError('semantic', `unknown chain "${str(chainNode, 'a chain name')}" in table ${t.family} ${t.name}`, chainNode.loc));
    const exprNode = need(o, 'expr', 'the rule statements');
    if (exprNode.type !== 'array') return expectedJ('an array of statements', exprNode);
    const ctx: Ctx = { family: t.family };
    const stmts = exprNode.items.map((s) => this.stmt(s, ctx));
    if (stmts.length === 0) return expectedJ('at least one statement', exprNode);
    const rule: Rule = { kind: 'rule', stmts, comment: optStr(o, 'comment'), handle: optNum(o, 'handle'), loc: o.loc };
    this.builder.addRule(chain, rule, prepend);
  }

  // -------------------------------------------------------------------------------------------
  // statements
  // -------------------------------------------------------------------------------------------

  private stmt(n: JsonNode, ctx: Ctx): Stmt {
    const { key, value, loc } = single(n, 'a statement object');
    switch (key) {
      case 'match': {
        const o = obj(value, 'a match object');
        const left = this.lhs(need(o, 'left', 'the left side'), ctx);
        const opNode = get(o, 'op');
        const opText = opNode ? str(opNode, 'an operator') : 'in';
        const types = exprTypes(left);
        const rightNode = need(o, 'right', 'the right side');
        const bitmask = types.length === 1 && BITMASK_DTYPES.has(types[0]!) && left.kind !== 'binop';
        const right = this.rhs(rightNode, types);
        let op: MatchStmt['op'];
        if (opText === 'in' || opText === 'implicit') op = bitmask && right.kind === 'int' ? 'in' : '==';
        else if (opText === '==' || opText === '!=' || opText === '<' || opText === '>' || opText === '<=' || opText === '>=') op = opText;
        else if (opText === 'eq' || opText === 'ne' || opText === 'lt' || opText === 'gt' || opText === 'le' || opText === 'ge') op = ({ eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' } as const)[opText];
        else return expectedJ('an operator (==, !=, <, >, <=, >=, in)', opNode!);
        return { kind: 'match', op, left, right, loc };
      }
      case 'accept':
      case 'drop':
      case 'continue':
      case 'return':
        return { kind: 'verdict', code: key, chain: null, loc };
      case 'jump':
      case 'goto': {
        const o = obj(value, `a ${key} object {"target": "chain"}`);
        return { kind: 'verdict', code: key, chain: str(need(o, 'target', 'the target chain'), 'a chain name'), loc };
      }
      case 'vmap': {
        const o = obj(value, 'a vmap object');
        const k = this.lhs(need(o, 'key', 'the lookup key'), ctx);
        const map = this.mapData(need(o, 'data', 'the verdict map'), exprTypes(k), 'verdict');
        return { kind: 'vmap', key: k, map, loc };
      }
      case 'counter': {
        if (value.type === 'string') return { kind: 'objref', objType: 'counter', name: value.value, loc };
        if (value.type === 'null') return { kind: 'counter', packets: 0, bytes: 0, loc };
        const o = obj(value, 'a counter object');
        return { kind: 'counter', packets: optNum(o, 'packets') ?? 0, bytes: optNum(o, 'bytes') ?? 0, loc };
      }
      case 'limit': {
        const o = obj(value, 'a limit object');
        const rateUnit = optStr(o, 'rate_unit') ?? 'packets';
        const burstUnit = optStr(o, 'burst_unit') ?? (rateUnit === 'packets' ? 'packets' : 'bytes');
        const unit = rateUnit === 'packets' ? 'packets' : 'bytes';
        const mult = (u: string, at: JsonNode): number => {
          if (u === 'packets') return 1;
          const m = BYTE_UNITS[u];
          return m ?? expectedJ('packets, bytes, kbytes or mbytes', at);
        };
        const per = optStr(o, 'per') ?? 'second';
        if (per !== 'second' && per !== 'minute' && per !== 'hour' && per !== 'day' && per !== 'week') return expectedJ('second, minute, hour, day or week', get(o, 'per')!);
        const rate = num(need(o, 'rate', 'the rate'), 'a rate') * mult(rateUnit, o);
        const burstRaw = optNum(o, 'burst');
        const burst = burstRaw === null ? (unit === 'packets' ? 5 : 0) : burstRaw * mult(burstUnit, o);
        const inv = get(o, 'inv');
        return { kind: 'limit', rate, per, unit, burst, over: inv?.type === 'bool' && inv.value, loc };
      }
      case 'quota': {
        if (value.type === 'string') return { kind: 'objref', objType: 'quota', name: value.value, loc };
        const o = obj(value, 'a quota object');
        const u = (k: string): number => BYTE_UNITS[optStr(o, k) ?? 'bytes'] ?? 1;
        const inv = get(o, 'inv');
        return { kind: 'quota', bytes: (optNum(o, 'val') ?? 0) * u('val_unit'), used: (optNum(o, 'used') ?? 0) * u('used_unit'), over: inv?.type === 'bool' && inv.value, loc };
      }
      case 'log': {
        const o = value.type === 'null' ? null : obj(value, 'a log object');
        const level = o ? optStr(o, 'level') : null;
        if (level !== null && !['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'audit'].includes(level)) return expectedJ('a log level', get(o!, 'level')!);
        const flags = o && get(o, 'flags') ? strList(get(o, 'flags')!, 'log flags') : [];
        return { kind: 'log', prefix: o ? optStr(o, 'prefix') : null, level: level as LogLevel | null, flags, group: o ? optNum(o, 'group') : null, loc };
      }
      case 'reject': {
        if (value.type === 'null') return { kind: 'reject', type: null, code: null, loc };
        const o = obj(value, 'a reject object');
        const type = optStr(o, 'type');
        if (type === null) return { kind: 'reject', type: null, code: null, loc };
        if (type === 'tcp reset') return { kind: 'reject', type: 'tcp reset', code: null, loc };
        if (type !== 'icmp' && type !== 'icmpv6' && type !== 'icmpx') return expectedJ('"tcp reset", "icmp", "icmpv6" or "icmpx"', get(o, 'type')!);
        const dtype: DataType = type === 'icmp' ? 'icmp_code' : type === 'icmpv6' ? 'icmpv6_code' : 'icmpx_code';
        const exprNode = get(o, 'expr');
        const code = exprNode ? this.constant(exprNode, dtype) : null;
        return { kind: 'reject', type, code: code && code.kind === 'int' ? code.value : null, loc };
      }
      case 'snat':
      case 'dnat':
      case 'masquerade':
      case 'redirect':
        return this.nat(key, value, loc, ctx);
      case 'notrack':
        return { kind: 'notrack', loc };
      case 'flow': {
        const o = obj(value, 'a flow object {"op": "add", "flowtable": "@ft"}');
        const op = optStr(o, 'op') ?? 'add';
        if (op !== 'add') return expectedJ('"add"', get(o, 'op')!);
        const ft = str(need(o, 'flowtable', 'the flowtable'), 'a flowtable reference "@name"');
        return { kind: 'flow-add', flowtable: ft.startsWith('@') ? ft.slice(1) : ft, loc };
      }
      case 'mangle': {
        const o = obj(value, 'a mangle object');
        const target = this.lhs(need(o, 'key', 'the field to set'), ctx);
        if (target.kind !== 'meta' && target.kind !== 'ct' && target.kind !== 'payload' && target.kind !== 'tcpopt') return expectedJ('a meta, ct, payload or tcp option field', need(o, 'key', ''));
        const vNode = need(o, 'value', 'the value');
        const v = this.isSelectorNode(vNode) ? this.lhs(vNode, ctx) : this.rhs(vNode, exprTypes(target));
        return { kind: 'mangle', target: target as Extract<Selector, { kind: 'meta' | 'ct' | 'payload' | 'tcpopt' }>, value: v, loc };
      }
      case 'ct helper':
        return { kind: 'objref', objType: 'ct helper', name: str(value, 'a ct helper name'), loc };
      case 'ct count': {
        const o = obj(value, 'a ct count object');
        const inv = get(o, 'inv');
        return { kind: 'connlimit', count: num(need(o, 'val', 'the count'), 'a number'), over: inv?.type === 'bool' && inv.value, loc };
      }
      case 'set':
      case 'map': {
        const o = obj(value, `a ${key} update object`);
        const op = str(need(o, 'op', 'the operation'), 'add, update or delete');
        if (op !== 'add' && op !== 'update' && op !== 'delete') return expectedJ('add, update or delete', get(o, 'op')!);
        const setName = str(need(o, key === 'set' ? 'set' : 'map', 'the set'), 'a set reference "@name"');
        let elemNode = need(o, 'elem', 'the element');
        let timeout: number | null = null;
        if (elemNode.type === 'object' && elemNode.entries[0]?.key === 'elem') {
          const inner = obj(elemNode.entries[0].value, 'an elem object');
          const to = optNum(inner, 'timeout');
          timeout = to === null ? null : to * 1000;
          elemNode = need(inner, 'val', 'the element value');
        }
        const stmtsNode = get(o, 'stmt');
        const stmts = stmtsNode && stmtsNode.type === 'array' ? stmtsNode.items.map((s) => this.stmt(s, ctx)) : [];
        const dataNode = get(o, 'data');
        return {
          kind: 'set-update', op, set: setName.startsWith('@') ? setName.slice(1) : setName, key: this.lhs(elemNode, ctx),
          data: dataNode ? this.lhs(dataNode, ctx) : null, timeout, stmts, loc,
        };
      }
      case 'queue':
      case 'dup':
      case 'fwd':
      case 'tproxy':
      case 'synproxy':
      case 'xt':
      case 'meter':
      case 'secmark':
        return fail(unsupported(`${key} statements`, loc));
      default:
        return fail(nftError('syntax', `expected a statement (match, accept, drop, jump, counter, limit, log, reject, snat, dnat, masquerade, redirect, flow, mangle, vmap, …), found "${key}"`, loc));
    }
  }

  private nat(type: NatStmt['type'], value: JsonNode, loc: Loc, ctx: Ctx): NatStmt {
    if (value.type === 'null') return { kind: 'nat', type, family: null, addr: null, port: null, flags: [], loc };
    const o = obj(value, `a ${type} object`);
    const fam = optStr(o, 'family');
    if (fam !== null && fam !== 'ip' && fam !== 'ip6') return expectedJ('"ip" or "ip6"', get(o, 'family')!);
    let family = fam as 'ip' | 'ip6' | null;
    const addrNode = get(o, 'addr');
    let addrType: DataType = family === 'ip6' || (family === null && ctx.family === 'ip6') ? 'ipv6_addr' : 'ipv4_addr';
    if (family === null && addrNode?.type === 'string' && isIpv6Text(addrNode.value.split('-')[0]!)) addrType = 'ipv6_addr';
    const addr = addrNode ? this.natArg(addrNode, addrType, ctx) : null;
    if (addr !== null && family === null && ctx.family === 'inet') family = addrType === 'ipv6_addr' ? 'ip6' : 'ip';
    const portNode = get(o, 'port');
    const port = portNode ? this.natArg(portNode, 'inet_service', ctx) : null;
    const flagsNode = get(o, 'flags');
    const flags: NatFlag[] = [];
    if (flagsNode) {
      for (const f of strList(flagsNode, 'nat flags')) {
        if (f !== 'random' && f !== 'fully-random' && f !== 'persistent' && f !== 'netmap') return expectedJ('random, fully-random, persistent or netmap', flagsNode);
        flags.push(f);
      }
    }
    return { kind: 'nat', type, family, addr, port, flags, loc };
  }

  private natArg(n: JsonNode, dtype: DataType, ctx: Ctx): Expr {
    if (n.type === 'object' && n.entries[0]?.key === 'map') {
      const o = obj(n.entries[0].value, 'a map object');
      const key = this.lhs(need(o, 'key', 'the lookup key'), ctx);
      return { kind: 'map', key, map: this.mapData(need(o, 'data', 'the map'), exprTypes(key), [dtype]), loc: n.loc };
    }
    return this.rhs(n, [dtype]);
  }

  // -------------------------------------------------------------------------------------------
  // expressions
  // -------------------------------------------------------------------------------------------

  private isSelectorNode(n: JsonNode): boolean {
    if (n.type !== 'object' || n.entries.length !== 1) return false;
    const k = n.entries[0]!.key;
    return ['meta', 'payload', 'ct', 'fib', 'rt', 'tcp option', 'concat', '&', '|', '^', '<<', '>>'].includes(k);
  }

  private lhs(n: JsonNode, ctx: Ctx): Expr {
    const { key, value, loc } = single(n, 'an expression such as {"meta": {"key": "iifname"}}');
    switch (key) {
      case 'meta': {
        const o = obj(value, 'a meta object');
        const kNode = need(o, 'key', 'the meta key');
        const k = str(kNode, 'a meta key');
        if (UNMODELLED_META.has(k)) return fail(unsupported(`meta ${k}`, kNode.loc));
        if (!isMetaKey(k)) return expectedJ('a meta key (iif, oif, iifname, oifname, l4proto, nfproto, mark, …)', kNode);
        const info = META_KEYS[k];
        return { kind: 'meta', key: k, dtype: info.dtype, bits: info.bits, loc };
      }
      case 'payload': {
        const o = obj(value, 'a payload object');
        const pNode = get(o, 'protocol');
        if (pNode === undefined) return fail(unsupported('raw payload expressions (base/offset/len)', loc));
        const proto = str(pNode, 'a protocol');
        if (!isPayloadProtocol(proto)) return fail(unsupported(`${proto} header matches`, pNode.loc));
        const fNode = need(o, 'field', 'the header field');
        const field = PAYLOAD_FIELDS[proto][str(fNode, 'a field')];
        if (!field) return expectedJ(`a ${proto} header field (${Object.keys(PAYLOAD_FIELDS[proto]).join(', ')})`, fNode);
        return { kind: 'payload', protocol: proto, field: str(fNode, 'a field'), base: field.base, offset: field.offset, bits: field.bits, dtype: field.dtype, loc };
      }
      case 'ct': {
        const o = obj(value, 'a ct object');
        const kNode = need(o, 'key', 'the ct key');
        const k = str(kNode, 'a ct key');
        if (!CT_KEYS.has(k)) return fail(unsupported(`ct ${k}`, kNode.loc));
        const dir = optStr(o, 'dir');
        const fam = optStr(o, 'family');
        const family = fam === 'ip' || fam === 'ip6' ? fam : null;
        const eff = family ?? (ctx.family === 'ip6' && (k === 'saddr' || k === 'daddr') ? 'ip6' : null);
        const info = ctKeyInfo(k as CtKey, eff);
        return { kind: 'ct', key: k as CtKey, dir: dir === 'original' || dir === 'reply' ? dir : null, family, dtype: info.dtype, bits: info.bits, loc };
      }
      case 'fib': {
        const o = obj(value, 'a fib object');
        const result = str(need(o, 'result', 'the fib result'), 'oif, oifname or type');
        const flagsNode = get(o, 'flags');
        const flags = (flagsNode ? strList(flagsNode, 'fib flags') : []) as FibExpr['flags'];
        const order = ['saddr', 'daddr', 'mark', 'iif', 'oif'];
        flags.sort((a, b) => order.indexOf(a) - order.indexOf(b));
        if (result === 'oif') return { kind: 'fib', flags, result, dtype: 'iface_index', bits: 32, loc };
        if (result === 'oifname') return { kind: 'fib', flags, result, dtype: 'ifname', bits: 128, loc };
        if (result === 'type') return { kind: 'fib', flags, result, dtype: 'fib_addrtype', bits: 32, loc };
        return expectedJ('oif, oifname or type', need(o, 'result', ''));
      }
      case 'rt': {
        const o = obj(value, 'an rt object');
        const k = str(need(o, 'key', 'the rt key'), 'mtu, nexthop or classid');
        const fam = optStr(o, 'family');
        const family = fam === 'ip' || fam === 'ip6' ? fam : null;
        if (k === 'mtu') return { kind: 'rt', key: 'mtu', family, dtype: 'integer', bits: 16, loc };
        if (k === 'nexthop') return { kind: 'rt', key: 'nexthop', family, dtype: family === 'ip6' ? 'ipv6_addr' : 'ipv4_addr', bits: family === 'ip6' ? 128 : 32, loc };
        if (k === 'classid') return { kind: 'rt', key: 'classid', family, dtype: 'integer', bits: 32, loc };
        return expectedJ('mtu, nexthop or classid', need(o, 'key', ''));
      }
      case 'tcp option': {
        const o = obj(value, 'a tcp option object');
        const name = str(need(o, 'name', 'the option'), 'a tcp option');
        if (name !== 'maxseg') return fail(unsupported(`tcp option ${name} (only maxseg size is modelled)`, loc));
        return { kind: 'tcpopt', option: 'maxseg', field: 'size', dtype: 'integer', bits: 16, loc };
      }
      case 'concat': {
        if (value.type !== 'array') return expectedJ('an array', value);
        return { kind: 'concat', parts: value.items.map((p) => this.lhs(p, ctx)), loc };
      }
      case '&':
      case '|':
      case '^':
      case '<<':
      case '>>': {
        if (value.type !== 'array' || value.items.length !== 2) return expectedJ('an array of two operands', value);
        const left = this.lhs(value.items[0]!, ctx);
        const dtype: DataType = key === '<<' || key === '>>' ? 'integer' : selectorInfo(left).dtype;
        const right = this.constant(value.items[1]!, dtype);
        return { kind: 'binop', op: key, left, right, loc };
      }
      case 'numgen':
      case 'jhash':
      case 'symhash':
      case 'osf':
      case 'socket':
      case 'exthdr':
      case 'ipsec':
      case 'sctp chunk':
      case 'dccp option':
      case 'ip option':
        return fail(unsupported(`${key} expressions`, loc));
      default:
        return fail(nftError('syntax', `expected an expression (meta, payload, ct, fib, rt, concat, &), found "${key}"`, loc));
    }
  }

  /** Right-hand side: constants, ranges, prefixes, sets, @refs, concatenations, flag lists. */
  private rhs(n: JsonNode, types: DataType[]): Expr {
    if (n.type === 'string' && n.value.startsWith('@')) return { kind: 'setref', name: n.value.slice(1), loc: n.loc };
    if (n.type === 'object' && n.entries.length === 1) {
      const { key, value } = n.entries[0]!;
      if (key === 'set') return this.setLiteral(value, types, null, n.loc);
      if (key === 'concat') {
        if (value.type !== 'array') return expectedJ('an array', value);
        if (value.items.length !== types.length) return fail(nftError('semantic', `expected ${types.length} concatenated values (${types.join(' . ')}), found ${value.items.length}`, n.loc));
        return { kind: 'concat', parts: value.items.map((p, i) => this.rhs(p, [types[i]!])), loc: n.loc };
      }
    }
    if (types.length !== 1) return expectedJ(`a concatenation {"concat": [ … ]} of ${types.join(' . ')}`, n);
    return this.valueExpr(n, types[0]!);
  }

  private valueExpr(n: JsonNode, dtype: DataType): Expr {
    if (n.type === 'object' && n.entries.length === 1) {
      const { key, value } = n.entries[0]!;
      if (key === 'range') {
        if (value.type !== 'array' || value.items.length !== 2) return expectedJ('[low, high]', value);
        return { kind: 'range', low: this.constant(value.items[0]!, dtype), high: this.constant(value.items[1]!, dtype), loc: n.loc };
      }
      if (key === 'prefix') {
        const o = obj(value, 'a prefix object {"addr", "len"}');
        const a = this.constant(need(o, 'addr', 'the address'), dtype);
        const len = num(need(o, 'len', 'the prefix length'), 'a prefix length');
        if (a.kind === 'string' || (a.kind === 'int' && a.dtype !== 'ipv4_addr')) return expectedJ('an address prefix', n);
        return { kind: 'prefix', value: maskPrefixJ(a as Extract<ConstValue, { kind: 'int' | 'ip6' }>, len), len, loc: n.loc };
      }
    }
    return this.constant(n, dtype);
  }

  /** A single constant; arrays and `{"|": [...]}` are OR-ed flag lists for bitmask types. */
  private constant(n: JsonNode, dtype: DataType): ConstValue {
    if (n.type === 'array' || (n.type === 'object' && n.entries.length === 1 && n.entries[0]!.key === '|')) {
      const items = n.type === 'array' ? n.items : n.entries[0]!.value.type === 'array' ? (n.entries[0]!.value as { items: JsonNode[] }).items : [];
      let v = 0;
      for (const it of items) {
        const c = this.constant(it, dtype);
        if (c.kind !== 'int') return expectedJ(`a list of ${dtype} flags`, n);
        v = (v | c.value) >>> 0;
      }
      const out: IntValue = { kind: 'int', dtype, value: v, loc: n.loc };
      return out;
    }
    if (n.type === 'number') {
      if (dtype === 'time') return { kind: 'int', dtype, value: n.value * 1000, loc: n.loc };
      const r = constOf('number', n.text, dtype, n.loc);
      if (!r.ok) return fail(nftError('semantic', `expected ${r.expected}, found number ${n.text}`, n.loc));
      return r.value;
    }
    if (n.type === 'string') {
      const s = n.value;
      const kind = isIpv4Text(s) || isIpv6Text(s) || isEtherText(s) ? 'addr' : 'string';
      if (dtype === 'time') {
        const t = parseTime(s);
        if (t !== undefined) return { kind: 'int', dtype, value: t, loc: n.loc };
      }
      const r = constOf(kind === 'addr' ? 'addr' : dtype === 'ipv4_addr' || dtype === 'ipv6_addr' ? 'word' : 'word', s, dtype, n.loc);
      if (!r.ok) {
        const what = kind === 'addr' ? (s.includes(':') ? `IPv6 address ${s}` : `IPv4 address ${s}`) : `"${s}"`;
        return fail(nftError('semantic', `expected ${r.expected}, found ${what}`, n.loc, n.length));
      }
      return r.value;
    }
    if (n.type === 'bool' && dtype === 'boolean') return { kind: 'int', dtype, value: n.value ? 1 : 0, loc: n.loc };
    return expectedJ(`a ${dtype} value`, n);
  }

  private mapData(n: JsonNode, keyTypes: DataType[], dataTypes: DataType[] | 'verdict'): SetExpr | SetRefExpr {
    if (n.type === 'string' && n.value.startsWith('@')) return { kind: 'setref', name: n.value.slice(1), loc: n.loc };
    const o = obj(n, 'a map {"set": [[key, value], …]} or "@name"');
    const setNode = need(o, 'set', 'the map elements');
    return this.setLiteral(setNode, keyTypes, dataTypes, n.loc);
  }

  private setLiteral(value: JsonNode, keyTypes: DataType[], dataTypes: DataType[] | 'verdict' | null, loc: Loc): SetExpr {
    const items = value.type === 'array' ? value.items : [value];
    return { kind: 'set', elements: this.elementsOf(items, keyTypes, dataTypes), loc };
  }

  private elements(n: JsonNode, keyTypes: DataType[], dataTypes: DataType[] | null): SetElement[] {
    const items = n.type === 'array' ? n.items : [n];
    return this.elementsOf(items, keyTypes, dataTypes);
  }

  private elementsOf(items: JsonNode[], keyTypes: DataType[], dataTypes: DataType[] | 'verdict' | null): SetElement[] {
    return items.map((it) => {
      let keyNode = it;
      let dataNode: JsonNode | null = null;
      if (dataTypes !== null) {
        if (it.type !== 'array' || it.items.length !== 2) return expectedJ('a map element [key, value]', it);
        keyNode = it.items[0]!;
        dataNode = it.items[1]!;
      }
      let timeout: number | null = null;
      let expires: number | null = null;
      let comment: string | null = null;
      let counter: { packets: number; bytes: number } | null = null;
      if (keyNode.type === 'object' && keyNode.entries.length === 1 && keyNode.entries[0]!.key === 'elem') {
        const o = obj(keyNode.entries[0]!.value, 'an elem object');
        const to = optNum(o, 'timeout');
        const ex = optNum(o, 'expires');
        timeout = to === null ? null : to * 1000;
        expires = ex === null ? null : ex * 1000;
        comment = optStr(o, 'comment');
        const c = get(o, 'counter');
        if (c && c.type === 'object') counter = { packets: optNum(c, 'packets') ?? 0, bytes: optNum(c, 'bytes') ?? 0 };
        keyNode = need(o, 'val', 'the element value');
      }
      const key = this.rhs(keyNode, keyTypes);
      let data: Expr | null = null;
      if (dataNode !== null) {
        if (dataTypes === 'verdict' || (Array.isArray(dataTypes) && dataTypes.length === 1 && dataTypes[0] === 'verdict')) data = this.verdict(dataNode);
        else data = this.rhs(dataNode, dataTypes as DataType[]);
      }
      const e: SetElement = { kind: 'element', key, data, timeout, expires, comment, counter, loc: it.loc };
      return e;
    });
  }

  private verdict(n: JsonNode): Verdict {
    const { key, value, loc } = single(n, 'a verdict such as {"accept": null}');
    if (key === 'accept' || key === 'drop' || key === 'continue' || key === 'return') return { kind: 'verdict', code: key, chain: null, loc };
    if (key === 'jump' || key === 'goto') return { kind: 'verdict', code: key, chain: str(need(obj(value, 'a target object'), 'target', 'the chain'), 'a chain name'), loc };
    return expectedJ('a verdict (accept, drop, continue, return, jump, goto)', n);
  }
}

interface Ctx {
  readonly family: Family;
}

function maskPrefixJ(v: Extract<ConstValue, { kind: 'int' | 'ip6' }>, len: number): Extract<ConstValue, { kind: 'int' | 'ip6' }> {
  if (v.kind === 'int') {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - Math.min(32, len))) >>> 0;
    return { ...v, value: (v.value & mask) >>> 0 };
  }
  const words = v.words.map((w, i) => {
    const bitsHere = Math.max(0, Math.min(32, len - 32 * i));
    const mask = bitsHere === 0 ? 0 : (0xffffffff << (32 - bitsHere)) >>> 0;
    return (w & mask) >>> 0;
  }) as [number, number, number, number];
  return { ...v, words };
}
