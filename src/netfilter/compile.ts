/**
 * compileRuleset(): the ruleset IR (src/nft/ir.ts) → closures the engine runs, hooks registered.
 *
 * Everything that can be decided once is decided here: interface names become index bitmaps,
 * constants become words, sets become hash or interval tables, jump targets become chain objects.
 * Per packet the compiled ops only read typed arrays and call the host; they allocate nothing.
 * IR the engine does not execute yields a located `unsupported` error and an inert op (the rule
 * never matches), never a silent skip.
 */
import type { PacketPool } from '../buffers/pool.ts';
import type {
  Chain, ConstValue, CtHelperObject, Expr, Family, Flowtable, MatchStmt, NamedSet, NatStmt, NftError,
  Rule, Ruleset, SetElement, SetExpr, SetRefExpr, Stmt, Table, Loc, KeyField,
} from '../nft/ir.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { T_PROTO, TUPLE_WORDS } from '../wire/tuple.ts';
import { CompiledChain, Engine, type CompiledRule, type Op, type TableRef } from './chain.ts';
import { HookTable, type BuiltinHook } from './hooks.ts';
import { jitChains } from './jit.ts';
import {
  HOOK_EGRESS, HOOK_FORWARD, HOOK_INGRESS, HOOK_INPUT, HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_PREROUTING,
  NAT_KIND_DNAT, NAT_KIND_MASQUERADE, NAT_KIND_REDIRECT, NAT_KIND_SNAT, NAT_MANIP_DST, NAT_MANIP_SRC,
  NatRange, NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC, NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_NETMAP,
  NF_NAT_RANGE_PERSISTENT, NF_NAT_RANGE_PROTO_RANDOM, NF_NAT_RANGE_PROTO_RANDOM_FULLY,
  NF_NAT_RANGE_PROTO_SPECIFIED, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV, REJECT_ICMP,
  REJECT_ICMPV6, REJECT_ICMPX, REJECT_TCP_RST, type LogInfo, type NetfilterHost,
} from './host.ts';
import { ctLoader, fibLoader, fieldWords, metaLoader, payloadLoader, UnsupportedError, type Loader } from './keys.ts';
import { Quota, TokenBucket, type LimitUnit } from './limit.ts';
import { NatHookEntry } from './nat.ts';
import { cmpWords, HashSet, IntervalSet, RangeTupleSet, type SetBackend } from './sets.ts';
import { formatTrace, TraceRecorder, type TraceEvent } from './trace.ts';
import {
  NF_ACCEPT, NF_DROP, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_JUMP_STACK_SIZE, NFT_RETURN,
} from './verdict.ts';

/**
 * Rulesets with more expressions than this stay interpreted. Generating code costs time and memory
 * in proportion (100 000 rules: 4 s and 450 MB more than interpreting), and a long list of rules of
 * one kind, which is what such rulesets are, runs no faster generated (bench/netfilter.bench.ts).
 */
export const JIT_MAX_OPS = 8192;

export interface CompileOptions {
  /** Virtual time the ruleset is loaded (limit buckets start full at this time). Default 0. */
  readonly now?: number;
  /** Built-in entries registered before the tables' chains (conntrack, flowtable hooks). */
  readonly builtins?: readonly BuiltinHook[];
  /** Compile chains to functions (netfilter/jit.ts). Default true; false keeps the interpreter. */
  readonly jit?: boolean;
}

export interface CompiledFlowtable {
  readonly index: number;
  readonly table: string;
  readonly family: Family;
  readonly name: string;
  readonly priority: number;
  readonly devices: readonly string[];
  readonly counter: boolean;
  readonly offload: boolean;
  readonly ir: Flowtable;
}

/** Per-rule counters for `nft list ruleset`-like reports. */
export interface RuleStats {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly index: number;
  readonly rule: Rule | null;
  /** Packets/bytes for which every expression of the rule matched. */
  readonly packets: number;
  readonly bytes: number;
}

export interface ChainStats {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly base: boolean;
  /** Base chains: packets that entered it, and packets that ended at its policy. */
  readonly packets: number;
  readonly policyPackets: number;
}

/** One named or anonymous counter/quota statement's state. */
export interface CounterState {
  readonly name: string | null;
  readonly table: string;
  packets: number;
  bytes: number;
}

const HOOK_OF: Record<string, number> = {
  prerouting: HOOK_PREROUTING, input: HOOK_INPUT, forward: HOOK_FORWARD, output: HOOK_OUTPUT,
  postrouting: HOOK_POSTROUTING, ingress: HOOK_INGRESS, egress: HOOK_EGRESS,
};

const FAMILY_NFPROTO: Record<Family, number> = { ip: NFPROTO_IPV4, ip6: NFPROTO_IPV6, inet: NFPROTO_INET, netdev: NFPROTO_NETDEV, bridge: 7, arp: 3 };

/** A set's lookup structure, rebuilt when interface names resolve differently. */
interface SetRuntime {
  readonly name: string;
  readonly words: number;
  backend: SetBackend;
  /** Backend element index → IR element index. */
  dataOf: Int32Array;
  /** Map data: per IR element, `dataWords` words. */
  readonly data: Uint32Array;
  readonly dataWords: number;
  /** Verdict maps: per IR element, code and target. */
  readonly vcode: Int32Array;
  readonly vtarget: (CompiledChain | null)[];
  /** Dynamic (hash) set for `add/update/delete @set`; null for interval sets. */
  readonly dynamic: HashSet | null;
  /** Default element timeout, ns (Infinity when none). */
  readonly timeoutNs: number;
  /** Which key words are ifindex fields (names resolved). */
  readonly rebuild: (() => void) | null;
}

interface TableCtx {
  readonly table: Table;
  readonly ref: TableRef;
  readonly nfproto: number;
  readonly chains: Map<string, CompiledChain>;
  readonly sets: Map<string, SetRuntime>;
  readonly counters: Map<string, CounterState>;
  readonly quotas: Map<string, Quota>;
  readonly helpers: Map<string, number>;
  readonly flowtables: Map<string, number>;
}

interface ChainCtx {
  readonly t: TableCtx;
  readonly chain: Chain;
  /** Bitmask of hooks whose base chains reach this chain (1 << HOOK_*). */
  readonly hooks: number;
  /** True when every base chain reaching this chain is `type nat`. */
  readonly nat: boolean;
}

export class CompiledRuleset {
  readonly engine: Engine;
  readonly hooks: HookTable;
  readonly chains: CompiledChain[] = [];
  readonly rules: CompiledRule[] = [];
  readonly flowtables: CompiledFlowtable[] = [];
  readonly logs: LogInfo[] = [];
  readonly ctHelpers: CtHelperObject[] = [];
  readonly counters: CounterState[] = [];
  readonly errors: NftError[] = [];
  readonly trace = new TraceRecorder();
  /** Called by refreshDevices(): re-resolve names in matches and sets. */
  readonly deviceHooks: (() => void)[] = [];
  /** Loaders by field, shared across rules (see sharedLoader). */
  readonly loaderCache = new Map<string, Loader>();
  /** Devices as the host last listed them. */
  devices: (readonly [number, string])[] = [];
  /** A rule of this ruleset sets `meta nftrace` (its chains then stay interpreted). */
  setsNftrace = false;

  constructor(pool: PacketPool, host: NetfilterHost) {
    this.engine = new Engine(pool, host);
    this.engine.trace = this.trace;
    this.hooks = new HookTable(pool);
  }

  /** Runs a hook for one packet: NF_ACCEPT or NF_DROP (pool.drop set on drop). */
  runHook(hook: number, family: number, slot: number, now: number): number {
    return this.hooks.runHook(hook, family, slot, now);
  }

  /** Re-resolves interface names (`iifname "eth*"`, netdev chain devices) after devices changed. */
  refreshDevices(): void {
    this.devices = [...this.engine.host.listDevices()];
    for (const f of this.deviceHooks) f();
    this.hooks.resolveDevices(this.devices);
  }

  /** Trace this slot (as if meta nftrace were set), or -1 to stop. */
  setTraceSlot(slot: number): void {
    this.engine.traceSlot = slot;
  }

  traceLines(events: readonly TraceEvent[] = this.trace.events, printRule?: (r: Rule) => string): string[] {
    const host = this.engine.host;
    return formatTrace(events, printRule === undefined ? { deviceName: (i) => host.deviceName(i) } : { deviceName: (i) => host.deviceName(i), printRule });
  }

  ruleStats(): RuleStats[] {
    const e = this.engine;
    return this.rules.map((r) => ({
      family: r.chain.table.family, table: r.chain.table.name, chain: r.chain.name, index: r.index, rule: r.ir,
      packets: e.rulePackets[r.id]!, bytes: e.ruleBytes[r.id]!,
    }));
  }

  chainStats(): ChainStats[] {
    const e = this.engine;
    return this.chains.map((c) => ({
      family: c.table.family, table: c.table.name, chain: c.name, base: c.isBase,
      packets: e.chainPackets[c.id]!, policyPackets: e.policyPackets[c.id]!,
    }));
  }
}

// ---------------------------------------------------------------------------------------------

function err(out: NftError[], kind: NftError['kind'], message: string, loc: Loc): void {
  out.push({ kind, message: kind === 'unsupported' && !message.startsWith('unsupported') ? `unsupported: ${message}` : message, loc, length: 1 });
}

/** Jump/goto targets a rule can reach (verdicts and verdict-map data). */
function ruleTargets(rule: Rule, sets: readonly NamedSet[]): string[] {
  const out: string[] = [];
  const fromElems = (els: readonly SetElement[]): void => {
    for (const el of els) if (el.data !== null && el.data.kind === 'verdict' && el.data.chain !== null) out.push(el.data.chain);
  };
  for (const s of rule.stmts) {
    if (s.kind === 'verdict' && s.chain !== null) out.push(s.chain);
    if (s.kind === 'vmap') {
      if (s.map.kind === 'set') fromElems(s.map.elements);
      else {
        const ref = s.map.name;
        const named = sets.find((x) => x.name === ref);
        if (named !== undefined) fromElems(named.elements);
      }
    }
  }
  return out;
}

export function compileRuleset(ruleset: Ruleset, pool: PacketPool, host: NetfilterHost, opts: CompileOptions = {}): CompiledRuleset {
  const rs = new CompiledRuleset(pool, host);
  const engine = rs.engine;
  const now0 = opts.now ?? 0;
  for (const b of opts.builtins ?? []) rs.hooks.registerBuiltin(b);
  rs.devices = [...host.listDevices()];

  // NAT lookup entries per family (ip, ip6) and hook, registered with the first nat chain.
  const natEntries: (NatHookEntry | null)[][] = [[null, null, null, null, null], [null, null, null, null, null]];
  const natPrio = new Map<CompiledChain, number>();
  const natEntry = (fam: 0 | 1, hook: number): NatHookEntry => {
    if (natEntries[fam]![0] === null) {
      for (const h of [HOOK_PREROUTING, HOOK_INPUT, HOOK_OUTPUT, HOOK_POSTROUTING]) {
        const prio = h === HOOK_PREROUTING || h === HOOK_OUTPUT ? NF_IP_PRI_NAT_DST : NF_IP_PRI_NAT_SRC;
        const e = new NatHookEntry(engine, prio, `nat ${fam === 0 ? 'ip' : 'ip6'}`);
        natEntries[fam]![h] = e;
        rs.hooks.register(fam === 0 ? NFPROTO_IPV4 : NFPROTO_IPV6, h, e);
      }
      natEntries[fam]![HOOK_FORWARD] = natEntries[fam]![HOOK_PREROUTING]!; // placeholder, never used
    }
    return natEntries[fam]![hook]!;
  };

  let chainId = 0;
  let ruleId = 0;
  for (const table of ruleset.tables) {
    const ref: TableRef = { name: table.name, family: table.family };
    if (table.family === 'bridge' || table.family === 'arp') {
      err(rs.errors, 'unsupported', `table ${table.family} ${table.name}: the ${table.family} family is not modelled`, table.loc);
      continue;
    }
    const t: TableCtx = {
      table, ref, nfproto: FAMILY_NFPROTO[table.family], chains: new Map(), sets: new Map(),
      counters: new Map(), quotas: new Map(), helpers: new Map(), flowtables: new Map(),
    };
    const dormant = table.flags.includes('dormant');
    for (const ch of table.chains) {
      const c = new CompiledChain(chainId++, ch.name, ref, ch.base !== null, ch.base?.policy === 'drop' ? NF_DROP : NF_ACCEPT);
      t.chains.set(ch.name, c);
      rs.chains.push(c);
    }
    for (const ft of table.flowtables) {
      const index = rs.flowtables.length;
      rs.flowtables.push({ index, table: table.name, family: table.family, name: ft.name, priority: ft.priority.value, devices: ft.devices, counter: ft.counter, offload: ft.offload, ir: ft });
      t.flowtables.set(ft.name, index);
    }
    for (const o of table.objects) {
      if (o.kind === 'counter') {
        const st: CounterState = { name: o.name, table: table.name, packets: o.packets, bytes: o.bytes };
        t.counters.set(o.name, st);
        rs.counters.push(st);
      } else if (o.kind === 'quota') {
        t.quotas.set(o.name, new Quota(o.bytes, o.used, o.over));
      } else {
        t.helpers.set(o.name, rs.ctHelpers.length);
        rs.ctHelpers.push(o);
      }
    }

    // Reachability: which hooks reach each chain, and whether only nat chains do.
    const hooksOf = new Map<string, number>();
    const natOnly = new Map<string, boolean>();
    const edges = new Map<string, string[]>();
    for (const ch of table.chains) edges.set(ch.name, ch.rules.flatMap((r) => ruleTargets(r, table.sets)));
    const visit = (name: string, mask: number, nat: boolean, depth: number, path: string[]): void => {
      if (path.includes(name)) {
        err(rs.errors, 'semantic', `chain loop: ${[...path, name].join(' → ')} (the kernel refuses it: ELOOP)`, table.chains.find((c) => c.name === name)?.loc ?? table.loc);
        return;
      }
      if (depth > NFT_JUMP_STACK_SIZE) {
        err(rs.errors, 'semantic', `jump depth over ${NFT_JUMP_STACK_SIZE} reaching chain ${name} (the kernel refuses it: EMLINK); packets that get this deep are dropped`, table.loc);
        return;
      }
      const before = hooksOf.get(name) ?? 0;
      const wasNat = natOnly.get(name);
      hooksOf.set(name, before | mask);
      natOnly.set(name, (wasNat ?? true) && nat);
      for (const next of edges.get(name) ?? []) visit(next, mask, nat, depth + 1, [...path, name]);
    };
    for (const ch of table.chains) {
      if (ch.base === null) continue;
      const h = HOOK_OF[ch.base.hook] ?? 0;
      visit(ch.name, 1 << h, ch.base.type === 'nat', 0, []);
    }

    // Sets first: rules refer to them.
    for (const s of table.sets) {
      try {
        t.sets.set(s.name, buildSet(rs, t, s.name, s.key.fields, s.elements, s.flags.includes('interval'), s.data, s.timeout, s.size, now0, s.autoMerge && s.data === null));
      } catch (e) {
        if (e instanceof UnsupportedError || e instanceof RangeError) err(rs.errors, e instanceof RangeError ? 'semantic' : 'unsupported', `set ${s.name}: ${e.message}`, s.loc);
        else throw e;
      }
    }

    for (const ch of table.chains) {
      const c = t.chains.get(ch.name)!;
      const cctx: ChainCtx = { t, chain: ch, hooks: hooksOf.get(ch.name) ?? 0, nat: natOnly.get(ch.name) ?? false };
      ch.rules.forEach((rule, index) => {
        const ops: Op[] = [];
        let unsupported = false;
        for (const st of rule.stmts) {
          try {
            ops.push(compileStmt(rs, cctx, st, now0));
          } catch (e) {
            // A RangeError is an anonymous map's overlapping intervals (nft: "conflicting intervals").
            if (!(e instanceof UnsupportedError || e instanceof RangeError)) throw e;
            err(rs.errors, e instanceof RangeError ? 'semantic' : 'unsupported', e.message, st.loc);
            ops.length = 0;
            ops.push(() => NFT_BREAK);
            unsupported = true;
            break;
          }
        }
        const dep = unsupported ? null : rejectDependency(rule.stmts, t.nfproto, engine.pool);
        if (dep !== null) ops.unshift(dep);
        const cr: CompiledRule = { id: ruleId++, index, ops, chain: c, ir: rule };
        c.rules.push(cr);
        rs.rules.push(cr);
      });
      // Register base chains.
      const base = ch.base;
      if (base === null || dormant) continue;
      const hook = HOOK_OF[base.hook]!;
      const prio = base.priority.value;
      if (base.type === 'nat') {
        if (hook === HOOK_FORWARD || hook === HOOK_INGRESS || hook === HOOK_EGRESS) {
          err(rs.errors, 'semantic', `nat chain ${ch.name} on hook ${base.hook}: nat chains attach to prerouting, input, output or postrouting`, ch.loc);
          continue;
        }
        if (t.nfproto === NFPROTO_IPV4 || t.nfproto === NFPROTO_INET) natEntry(0, hook).addChain(c, prio, natPrio);
        if (t.nfproto === NFPROTO_IPV6 || t.nfproto === NFPROTO_INET) natEntry(1, hook).addChain(c, prio, natPrio);
        continue;
      }
      const entry = {
        priority: prio,
        name: `${table.family} ${table.name} ${ch.name}`,
        kind: 'chain' as const,
        run: (slot: number, now: number, h: number): number => {
          engine.now = now;
          engine.hook = h;
          return engine.runChain(c, slot);
        },
      };
      if (hook === HOOK_INGRESS || hook === HOOK_EGRESS) {
        if (table.family !== 'netdev' && table.family !== 'inet') {
          err(rs.errors, 'semantic', `chain ${ch.name}: hook ${base.hook} needs a netdev or inet table`, ch.loc);
          continue;
        }
        if (base.devices.length === 0) err(rs.errors, 'semantic', `chain ${ch.name}: hook ${base.hook} without devices never runs`, ch.loc);
        const run = table.family === 'inet'
          // nft_do_chain_inet_ingress: only IPv4/IPv6 packets enter an inet ingress chain.
          ? (slot: number, now: number, h: number): number => {
            const p = pool.l3proto[slot]!;
            return p === 0x0800 || p === 0x86dd ? entry.run(slot, now, h) : NF_ACCEPT;
          }
          : entry.run;
        for (const d of base.devices) rs.hooks.register(NFPROTO_NETDEV, hook, { ...entry, run }, d);
      } else if (table.family === 'netdev') {
        err(rs.errors, 'semantic', `chain ${ch.name}: a netdev table has only ingress and egress hooks`, ch.loc);
      } else {
        rs.hooks.register(t.nfproto, hook, entry);
      }
    }
  }
  engine.ensureRuleCapacity(ruleId, chainId);
  // `meta nftrace set` can start a trace in the middle of a chain: only the interpreter follows that.
  // Node run with --disallow-code-generation-from-strings refuses `new Function`: interpret then.
  if (opts.jit !== false && !rs.setsNftrace && rs.rules.reduce((n, r) => n + r.ops.length, 0) <= JIT_MAX_OPS) {
    try {
      jitChains(engine, rs.chains);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      for (const c of rs.chains) c.fn = null;
    }
  }
  rs.refreshDevices();
  return rs;
}

// ---------------------------------------------------------------------------------------------
// Constants and keys

/** Words of one constant for a field (IntValue, Ip6Value, StringValue of an ifname/helper). */
function constWords(rs: CompiledRuleset, v: ConstValue, words: number, out: number[]): void {
  if (v.kind === 'ip6') {
    out.push(...v.words.map((w) => w >>> 0));
    return;
  }
  if (v.kind === 'string') {
    if (v.dtype === 'ifname') {
      if (v.wildcard) throw new UnsupportedError(`unsupported: wildcard "${v.value}*" inside a concatenation or map key`);
      const dev = rs.devices.find(([, n]) => n === v.value);
      out.push(dev === undefined ? 0xffffffff : dev[0]);
      return;
    }
    out.push(rs.engine.host.helperId(v.value) >>> 0);
    return;
  }
  if (words === 2) {
    out.push(Math.floor(v.value / 2 ** 32) >>> 0, v.value >>> 0);
    return;
  }
  if (words === 4) {
    out.push(0, 0, 0, v.value >>> 0);
    return;
  }
  out.push(v.value >>> 0);
}

/** lo/hi words of a set element key part: constant, range or prefix. */
function partBounds(rs: CompiledRuleset, e: Expr, words: number, lo: number[], hi: number[]): void {
  if (e.kind === 'range') {
    constWords(rs, e.low, words, lo);
    constWords(rs, e.high, words, hi);
    return;
  }
  if (e.kind === 'prefix') {
    const base: number[] = [];
    constWords(rs, e.value, words, base);
    const totalBits = words * 32;
    const skip = totalBits - (e.value.kind === 'ip6' ? 128 : words * 32);
    const prefix = e.len + (e.value.kind === 'ip6' ? skip : words === 1 ? 0 : skip);
    for (let w = 0; w < words; w++) {
      const bitsHere = Math.max(0, Math.min(32, prefix - w * 32));
      const mask = bitsHere === 0 ? 0 : bitsHere === 32 ? 0xffffffff : (0xffffffff << (32 - bitsHere)) >>> 0;
      lo.push((base[w]! & mask) >>> 0);
      hi.push((base[w]! | ~mask) >>> 0);
    }
    return;
  }
  if (e.kind === 'int' || e.kind === 'ip6' || e.kind === 'string') {
    constWords(rs, e, words, lo);
    constWords(rs, e, words, hi);
    return;
  }
  throw new UnsupportedError(`unsupported: ${e.kind} as a set element`);
}

function fieldWordsOf(fields: readonly KeyField[]): number[] {
  return fields.map((f) => fieldWords(f.bits, f.dtype));
}

/** Key fields of an anonymous set from its left-hand expression. */
function fieldsOfExpr(e: Expr): KeyField[] {
  if (e.kind === 'concat') return e.parts.flatMap(fieldsOfExpr);
  if (e.kind === 'meta' || e.kind === 'payload' || e.kind === 'ct' || e.kind === 'fib' || e.kind === 'rt' || e.kind === 'tcpopt') return [{ dtype: e.dtype, bits: e.bits }];
  if (e.kind === 'binop') return fieldsOfExpr(e.left);
  throw new UnsupportedError(`unsupported: ${e.kind} as a lookup key`);
}

/**
 * nft's interval auto-merge (segtree.c): overlapping ranges become one, in place; `map` keeps the
 * element index of each range's first member. Adjacent ranges stay apart (lookups do not care).
 */
function mergeOverlappingRanges(ranges: { lo: Uint32Array; hi: Uint32Array; expires: number }[], map: number[], words: number): void {
  const order = ranges.map((_, i) => i).sort((a, b) => cmpWords(ranges[a]!.lo, 0, ranges[b]!.lo, 0, words));
  const outRanges: typeof ranges = [];
  const outMap: number[] = [];
  for (const i of order) {
    const r = ranges[i]!;
    const last = outRanges[outRanges.length - 1];
    if (last !== undefined && cmpWords(last.hi, 0, r.lo, 0, words) >= 0) {
      if (cmpWords(r.hi, 0, last.hi, 0, words) > 0) last.hi = r.hi;
      last.expires = Math.max(last.expires, r.expires);
      continue;
    }
    outRanges.push({ lo: r.lo, hi: r.hi, expires: r.expires });
    outMap.push(map[i]!);
  }
  ranges.length = 0;
  ranges.push(...outRanges);
  map.length = 0;
  map.push(...outMap);
}

function buildSet(
  rs: CompiledRuleset, t: TableCtx | null, name: string, fields: readonly KeyField[], elements: readonly SetElement[],
  interval: boolean, data: NamedSet['data'], timeoutMs: number | null, size: number | null, now0: number,
  mergeOverlaps = false,
): SetRuntime {
  const fw = fieldWordsOf(fields);
  const words = fw.reduce((a, b) => a + b, 0);
  const isVerdict = data !== null && data.fields.length === 1 && data.fields[0]!.dtype === 'verdict';
  const dataWords = data === null || isVerdict ? 0 : fieldWordsOf(data.fields).reduce((a, b) => a + b, 0);
  const hasIfname = fields.some((f) => f.dtype === 'ifname');
  const rangeAny = elements.some((el) => hasRange(el.key));
  const n = elements.length;
  const timeoutNs = timeoutMs === null ? Infinity : timeoutMs * 1e6;
  const rt: SetRuntime = {
    name, words, backend: new HashSet(words, 1), dataOf: new Int32Array(0),
    data: new Uint32Array(Math.max(1, n * dataWords)), dataWords,
    vcode: new Int32Array(n), vtarget: new Array<CompiledChain | null>(n).fill(null),
    dynamic: null, timeoutNs, rebuild: null,
  };
  // Map data.
  elements.forEach((el, i) => {
    if (el.data === null) return;
    if (isVerdict) {
      if (el.data.kind !== 'verdict') throw new UnsupportedError('unsupported: verdict map data that is not a verdict');
      const [code, target] = verdictOf(t, el.data.code, el.data.chain, el.data.loc);
      rt.vcode[i] = code;
      rt.vtarget[i] = target;
    } else if (dataWords > 0) {
      const parts = el.data.kind === 'concat' ? el.data.parts : [el.data];
      const out: number[] = [];
      const dfw = fieldWordsOf(data!.fields);
      parts.forEach((p, k) => {
        if (p.kind !== 'int' && p.kind !== 'ip6' && p.kind !== 'string') throw new UnsupportedError(`unsupported: map data ${p.kind}`);
        constWords(rs, p, dfw[k] ?? 1, out);
      });
      rt.data.set(out.slice(0, dataWords), i * dataWords);
    }
  });
  const build = (): void => {
    const expiry = (el: SetElement): number => {
      const ms = el.expires ?? el.timeout ?? timeoutMs;
      return ms === null ? Infinity : now0 + ms * 1e6;
    };
    if (interval || rangeAny) {
      const ranges: { lo: Uint32Array; hi: Uint32Array; expires: number }[] = [];
      const map: number[] = [];
      elements.forEach((el, i) => {
        const parts = el.key.kind === 'concat' ? el.key.parts : [el.key];
        const lo: number[] = [];
        const hi: number[] = [];
        parts.forEach((p, k) => partBounds(rs, p, fw[k] ?? 1, lo, hi));
        ranges.push({ lo: Uint32Array.from(lo), hi: Uint32Array.from(hi), expires: expiry(el) });
        map.push(i);
      });
      if (mergeOverlaps && fields.length === 1) mergeOverlappingRanges(ranges, map, words);
      rt.backend = fields.length === 1 ? new IntervalSet(words, ranges) : new RangeTupleSet(words, ranges);
      rt.dataOf = Int32Array.from(map);
      return;
    }
    const hs = new HashSet(words, Math.max(n, 4), size ?? Infinity);
    const dataOf: number[] = [];
    const key = new Uint32Array(words);
    elements.forEach((el, i) => {
      // An ifname wildcard key expands to every device it matches now.
      const parts = el.key.kind === 'concat' ? el.key.parts : [el.key];
      const alternatives: number[][] = [[]];
      parts.forEach((p, k) => {
        if (p.kind === 'string' && p.dtype === 'ifname') {
          const idx = rs.devices.filter(([, nm]) => (p.wildcard ? nm.startsWith(p.value) : nm === p.value)).map(([ix]) => ix);
          const next: number[][] = [];
          for (const a of alternatives) for (const ix of idx) next.push([...a, ix]);
          alternatives.splice(0, alternatives.length, ...next);
          return;
        }
        const w: number[] = [];
        if (p.kind !== 'int' && p.kind !== 'ip6' && p.kind !== 'string') throw new UnsupportedError(`unsupported: ${p.kind} in a set key`);
        constWords(rs, p, fw[k] ?? 1, w);
        for (const a of alternatives) a.push(...w);
      });
      for (const a of alternatives) {
        key.set(a);
        const e = hs.insert(key, 0, expiry(el), now0);
        if (e >= 0) dataOf[e] = i;
      }
    });
    rt.backend = hs;
    rt.dataOf = Int32Array.from(dataOf);
    (rt as { dynamic: HashSet | null }).dynamic = hs;
  };
  build();
  if (hasIfname) {
    (rt as { rebuild: (() => void) | null }).rebuild = build;
    rs.deviceHooks.push(build);
  }
  return rt;
}

function hasRange(e: Expr): boolean {
  if (e.kind === 'range' || e.kind === 'prefix') return true;
  if (e.kind === 'concat') return e.parts.some(hasRange);
  return false;
}

function verdictOf(t: TableCtx | null, code: string, chain: string | null, loc: Loc): [number, CompiledChain | null] {
  switch (code) {
    case 'accept': return [NF_ACCEPT, null];
    case 'drop': return [NF_DROP, null];
    case 'continue': return [NFT_CONTINUE, null];
    case 'return': return [NFT_RETURN, null];
    case 'jump':
    case 'goto': {
      const target = t?.chains.get(chain ?? '');
      if (target === undefined) throw new UnsupportedError(`unsupported: ${code} to unknown chain ${chain ?? ''} (${loc.line}:${loc.col})`);
      if (target.isBase) throw new UnsupportedError(`unsupported: ${code} to base chain ${chain ?? ''}: the kernel refuses it (EINVAL)`);
      return [code === 'jump' ? NFT_JUMP : NFT_GOTO, target];
    }
    default: throw new UnsupportedError(`unsupported: verdict ${code}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

/**
 * Loaders are shared by every rule that reads the same field: the compare closures then all call
 * one function object, which V8 can inline, instead of a different closure per rule.
 */
function sharedLoader(rs: CompiledRuleset, key: string, make: () => Loader): Loader {
  let l = rs.loaderCache.get(key);
  if (l === undefined) {
    l = make();
    rs.loaderCache.set(key, l);
  }
  return l;
}

function loaderOf(rs: CompiledRuleset, c: ChainCtx, e: Expr): Loader {
  const engine = rs.engine;
  switch (e.kind) {
    case 'meta': return sharedLoader(rs, `meta ${e.key} ${c.t.nfproto}`, () => metaLoader(engine, e, c.t.nfproto));
    case 'payload': return sharedLoader(rs, `payload ${e.protocol} ${e.base} ${e.offset} ${e.bits} ${e.dtype}`, () => payloadLoader(engine, e));
    case 'ct': return sharedLoader(rs, `ct ${e.key} ${e.dir ?? ''} ${e.family ?? ''} ${e.bits}`, () => ctLoader(engine, e));
    case 'fib': return fibLoader(engine, e, false);
    case 'binop': {
      const inner = loaderOf(rs, c, e.left);
      if (inner.get === null || e.right.kind !== 'int') throw new UnsupportedError(`unsupported: ${e.op} on a wide field`);
      const get0 = inner.get;
      const k = e.right.value >>> 0;
      const get = e.op === '&' ? (s: number) => { const v = get0(s); return v < 0 ? -1 : (v & k) >>> 0; }
        : e.op === '|' ? (s: number) => { const v = get0(s); return v < 0 ? -1 : (v | k) >>> 0; }
          : e.op === '^' ? (s: number) => { const v = get0(s); return v < 0 ? -1 : (v ^ k) >>> 0; }
            : e.op === '<<' ? (s: number) => { const v = get0(s); return v < 0 ? -1 : (v << k) >>> 0; }
              : (s: number) => { const v = get0(s); return v < 0 ? -1 : v >>> k; };
      return { words: 1, get, ifindex: false, load: (s, r, o) => { const v = get(s); if (v < 0) return false; r[o] = v; return true; } };
    }
    case 'concat': {
      const parts = e.parts.map((p) => loaderOf(rs, c, p));
      const words = parts.reduce((a, p) => a + p.words, 0);
      return {
        words, get: null, ifindex: false,
        load: (s, reg, off) => {
          let o = off;
          for (let i = 0; i < parts.length; i++) {
            const p = parts[i]!;
            if (!p.load(s, reg, o)) return false;
            o += p.words;
          }
          return true;
        },
      };
    }
    case 'map': {
      const v = valueOf(rs, c, e);
      return { words: 1, get: v, ifindex: false, load: (s, r, o) => { const x = v(s); if (x < 0) return false; r[o] = x; return true; } };
    }
    default:
      throw new UnsupportedError(`unsupported: ${e.kind} as a packet selector`);
  }
}

/** A one-word value computed per packet (-1: unavailable → the statement breaks). */
function valueOf(rs: CompiledRuleset, c: ChainCtx, e: Expr): (slot: number) => number {
  if (e.kind === 'int') {
    const k = e.value >>> 0;
    return () => k;
  }
  if (e.kind === 'map') {
    const keyLoader = loaderOf(rs, c, e.key);
    const set = setOf(rs, c, e.map, e.key);
    if (set.dataWords < 1) throw new UnsupportedError('unsupported: map without data');
    const reg = rs.engine.reg;
    const engine = rs.engine;
    return (s) => {
      if (!keyLoader.load(s, reg, 0)) return -1;
      const el = set.backend.lookup(reg, 0, engine.now);
      if (el < 0) return -1;
      return set.data[set.dataOf[el]! * set.dataWords]!;
    };
  }
  const l = loaderOf(rs, c, e);
  if (l.get === null) throw new UnsupportedError(`unsupported: a ${l.words * 32}-bit value here`);
  return l.get;
}

function setOf(rs: CompiledRuleset, c: ChainCtx, m: SetExpr | SetRefExpr, key: Expr): SetRuntime {
  if (m.kind === 'setref') {
    const s = c.t.sets.get(m.name);
    if (s === undefined) throw new UnsupportedError(`unsupported: unknown set @${m.name}`);
    return s;
  }
  const fields = fieldsOfExpr(key);
  const interval = m.elements.some((el) => hasRange(el.key));
  const first = m.elements.find((el) => el.data !== null)?.data ?? null;
  let data: NamedSet['data'] = null;
  if (first !== null) {
    data = first.kind === 'verdict'
      ? { fields: [{ dtype: 'verdict', bits: 32 }], spelling: { kind: 'type' } }
      : { fields: (first.kind === 'concat' ? first.parts : [first]).map((p) => ({ dtype: p.kind === 'ip6' ? 'ipv6_addr' : p.kind === 'int' || p.kind === 'string' ? p.dtype : 'integer', bits: p.kind === 'ip6' ? 128 : 32 })), spelling: { kind: 'type' } };
  }
  // nft merges the overlapping intervals of an anonymous set (`{ 10.0.0.0/8, 10.1.0.0/16 }` is
  // loaded as `{ 10.0.0.0/8 }`); a map's keys carry data and are not merged.
  return buildSet(rs, c.t, '(anonymous)', fields, m.elements, interval, data, null, null, 0, data === null);
}

/** Most elements of an anonymous constant set that a lookup scans linearly instead of hashing. */
const SMALL_SET_MAX = 8;

/**
 * The keys of a small anonymous set of one-word constants (`ct state vmap { established : accept,
 * related : accept }`, `meta l4proto { tcp, udp }`), with each key's element: looked up by a scan
 * of a few words, cheaper than hashing the key. The same answer as the set's hash backend (its
 * elements are fixed, never expire and hold no interface names); null when the set is not such.
 */
function smallConstKeys(rs: CompiledRuleset, m: SetExpr | SetRefExpr, set: SetRuntime): { keys: Uint32Array; elem: Int32Array } | null {
  if (m.kind !== 'set' || set.words !== 1 || set.rebuild !== null || !(set.backend instanceof HashSet)) return null;
  if (m.elements.length > SMALL_SET_MAX) return null;
  const keys: number[] = [];
  const elem: number[] = [];
  const reg = new Uint32Array(1);
  for (const el of m.elements) {
    if ((el.key.kind !== 'int' && el.key.kind !== 'string') || el.timeout != null || el.expires != null) return null;
    const w: number[] = [];
    constWords(rs, el.key, 1, w);
    reg[0] = w[0]!;
    const e = set.backend.lookup(reg, 0, 0);
    if (e < 0) return null;
    keys.push(w[0]!);
    elem.push(set.dataOf[e]!);
  }
  return { keys: Uint32Array.from(keys), elem: Int32Array.from(elem) };
}

/** Interface-name matcher: a bitmap over ifindex, refilled when devices change. */
function ifnameMatcher(rs: CompiledRuleset, names: readonly { value: string; wildcard: boolean }[]): { bits: Uint8Array } {
  const m = { bits: new Uint8Array(1) };
  const fill = (): void => {
    let max = 0;
    for (const [ix] of rs.devices) if (ix > max) max = ix;
    const bits = new Uint8Array(max + 1);
    for (const [ix, nm] of rs.devices) {
      for (const n of names) if (n.wildcard ? nm.startsWith(n.value) : nm === n.value) bits[ix] = 1;
    }
    m.bits = bits;
  };
  fill();
  rs.deviceHooks.push(fill);
  return m;
}

function compileMatch(rs: CompiledRuleset, c: ChainCtx, s: MatchStmt): Op {
  const { left, right, op } = s;
  const engine = rs.engine;
  const reg = engine.reg;
  const pool = engine.pool;
  // fib … oif exists|missing
  if (left.kind === 'fib' && right.kind === 'int' && right.dtype === 'boolean') {
    const get = fibLoader(engine, left, true).get!;
    const want = right.value === 0 ? 0 : 1;
    const eq = op !== '!=';
    return (slot) => ((get(slot) === want) === eq ? NFT_CONTINUE : NFT_BREAK);
  }
  const loader = loaderOf(rs, c, left);
  // iifname/oifname against names (with wildcards): compare the ifindex against a bitmap.
  if (loader.ifindex && (right.kind === 'string' || (right.kind === 'set' && right.elements.every((el) => el.key.kind === 'string')))) {
    const names = right.kind === 'string' ? [right] : (right as SetExpr).elements.map((el) => el.key as { value: string; wildcard: boolean });
    const m = ifnameMatcher(rs, names);
    const get = loader.get!;
    const eq = op !== '!=';
    return (slot) => {
      const ix = get(slot);
      const bits = m.bits;
      const hit = ix >= 0 && ix < bits.length && bits[ix] === 1;
      return hit === eq ? NFT_CONTINUE : NFT_BREAK;
    };
  }
  // Set membership: nft_lookup_eval (found ^ invert, else NFT_BREAK).
  if (right.kind === 'set' || right.kind === 'setref') {
    if (op !== '==' && op !== '!=') throw new UnsupportedError(`unsupported: ${op} with a set`);
    const set = setOf(rs, c, right, left);
    if (set.words !== loader.words) throw new UnsupportedError(`unsupported: key of ${loader.words} words against a set of ${set.words}`);
    const eq = op === '==';
    const small = smallConstKeys(rs, right, set);
    if (small !== null && loader.get !== null) {
      const get = loader.get;
      const keys = small.keys;
      const n = keys.length;
      return (slot) => {
        const v = get(slot);
        if (v < 0) return NFT_BREAK;
        let found = false;
        for (let j = 0; j < n; j++) if (keys[j] === v) { found = true; break; }
        return found === eq ? NFT_CONTINUE : NFT_BREAK;
      };
    }
    if (loader.get !== null && set.backend instanceof HashSet) {
      const get = loader.get;
      return (slot) => {
        const v = get(slot);
        if (v < 0) return NFT_BREAK;
        reg[0] = v;
        return (set.backend.lookup(reg, 0, engine.now) >= 0) === eq ? NFT_CONTINUE : NFT_BREAK;
      };
    }
    return (slot) => {
      if (!loader.load(slot, reg, 0)) return NFT_BREAK;
      return (set.backend.lookup(reg, 0, engine.now) >= 0) === eq ? NFT_CONTINUE : NFT_BREAK;
    };
  }
  if (op === 'in') {
    // Flag types: (value & mask) != 0 (nft: bitwise + cmp neq 0).
    if (right.kind !== 'int' || loader.get === null) throw new UnsupportedError('unsupported: bitmask match on a wide field');
    const mask = right.value >>> 0;
    const get = loader.get;
    return (slot) => {
      const v = get(slot);
      return v >= 0 && (v & mask) !== 0 ? NFT_CONTINUE : NFT_BREAK;
    };
  }
  // Single-word comparisons.
  if (loader.get !== null) {
    const get = loader.get;
    if (right.kind === 'range') {
      const lo: number[] = [];
      const hi: number[] = [];
      partBounds(rs, right, 1, lo, hi);
      const a = lo[0]!;
      const b = hi[0]!;
      const inside = op !== '!=';
      // nft_range_eval
      return (slot) => {
        const v = get(slot);
        if (v < 0) return NFT_BREAK;
        return (v >= a && v <= b) === inside ? NFT_CONTINUE : NFT_BREAK;
      };
    }
    if (right.kind === 'prefix') {
      const lo: number[] = [];
      const hi: number[] = [];
      partBounds(rs, right, 1, lo, hi);
      const mask = (~(lo[0]! ^ hi[0]!)) >>> 0;
      const want = lo[0]!;
      const eq = op !== '!=';
      return (slot) => {
        const v = get(slot);
        if (v < 0) return NFT_BREAK;
        return (((v & mask) >>> 0) === want) === eq ? NFT_CONTINUE : NFT_BREAK;
      };
    }
    if (right.kind === 'int' || right.kind === 'string') {
      const w: number[] = [];
      constWords(rs, right, 1, w);
      const k = w[0]!;
      // nft_cmp_eval
      switch (op) {
        case '==': return (slot) => (get(slot) === k ? NFT_CONTINUE : NFT_BREAK);
        case '!=': return (slot) => { const v = get(slot); return v >= 0 && v !== k ? NFT_CONTINUE : NFT_BREAK; };
        case '<': return (slot) => { const v = get(slot); return v >= 0 && v < k ? NFT_CONTINUE : NFT_BREAK; };
        case '>': return (slot) => { const v = get(slot); return v >= 0 && v > k ? NFT_CONTINUE : NFT_BREAK; };
        case '<=': return (slot) => { const v = get(slot); return v >= 0 && v <= k ? NFT_CONTINUE : NFT_BREAK; };
        case '>=': return (slot) => { const v = get(slot); return v >= 0 && v >= k ? NFT_CONTINUE : NFT_BREAK; };
      }
    }
    throw new UnsupportedError(`unsupported: match against ${right.kind}`);
  }
  // Wide fields (IPv6 addresses, ether addresses): masked word compare.
  const words = loader.words;
  const want = new Uint32Array(words);
  const mask = new Uint32Array(words).fill(0xffffffff);
  if (right.kind === 'prefix') {
    const lo: number[] = [];
    const hi: number[] = [];
    partBounds(rs, right, words, lo, hi);
    for (let i = 0; i < words; i++) { want[i] = lo[i]!; mask[i] = (~(lo[i]! ^ hi[i]!)) >>> 0; }
  } else if (right.kind === 'int' || right.kind === 'ip6') {
    const w: number[] = [];
    constWords(rs, right, words, w);
    want.set(w);
  } else throw new UnsupportedError(`unsupported: ${right.kind} against a ${words * 32}-bit field`);
  if (op !== '==' && op !== '!=') throw new UnsupportedError(`unsupported: ${op} on a ${words * 32}-bit field`);
  const eq = op === '==';
  void pool;
  return (slot) => {
    if (!loader.load(slot, reg, 0)) return NFT_BREAK;
    let same = true;
    for (let i = 0; i < words; i++) if (((reg[i]! & mask[i]!) >>> 0) !== want[i]) { same = false; break; }
    return same === eq ? NFT_CONTINUE : NFT_BREAK;
  };
}

// ---------------------------------------------------------------------------------------------
// Statements

/**
 * The match nft puts at the START of a rule with a reject that needs one (evaluate.c,
 * stmt_reject_gen_dependency — "otherwise we'd log things that won't be rejected"):
 * `meta l4proto tcp` for `reject with tcp reset`; in an inet, bridge or netdev table,
 * `meta nfproto ipv4` for `reject with icmp type …` and `ipv6` for `icmpv6`. A packet the reject
 * cannot answer does not match the rule, so statements before the reject do not run for it.
 * (A dependency the rule states itself is only checked twice.) Null when none is needed.
 */
function rejectDependency(stmts: readonly Stmt[], nfproto: number, pool: PacketPool): Op | null {
  for (const s of stmts) {
    if (s.kind !== 'reject') continue;
    if (s.type === 'tcp reset') return (slot) => ((pool.tuple[slot * TUPLE_WORDS + T_PROTO]! & 0xff) === 6 ? NFT_CONTINUE : NFT_BREAK);
    if (nfproto !== NFPROTO_IPV4 && nfproto !== NFPROTO_IPV6 && (s.type === 'icmp' || s.type === 'icmpv6')) {
      const want = s.type === 'icmp' ? 0x0800 : 0x86dd;
      return (slot) => (pool.l3proto[slot] === want ? NFT_CONTINUE : NFT_BREAK);
    }
    return null;
  }
  return null;
}

function compileStmt(rs: CompiledRuleset, c: ChainCtx, s: Stmt, now0: number): Op {
  const engine = rs.engine;
  const pool = engine.pool;
  const host = engine.host;
  switch (s.kind) {
    case 'match':
      return compileMatch(rs, c, s);
    case 'verdict': {
      const [code, target] = verdictOf(c.t, s.code, s.chain, s.loc);
      if (target !== null) return () => { engine.target = target; return code; };
      return () => code;
    }
    case 'vmap': {
      const loader = loaderOf(rs, c, s.key);
      const set = setOf(rs, c, s.map, s.key);
      const reg = engine.reg;
      const small = smallConstKeys(rs, s.map, set);
      if (small !== null && loader.get !== null) {
        const get = loader.get;
        const { keys, elem } = small;
        const n = keys.length;
        return (slot) => {
          const v = get(slot);
          if (v < 0) return NFT_BREAK;
          for (let j = 0; j < n; j++) {
            if (keys[j] !== v) continue;
            const i = elem[j]!;
            const t = set.vtarget[i]!;
            if (t !== null) engine.target = t;
            return set.vcode[i]!;
          }
          return NFT_BREAK;
        };
      }
      return (slot) => {
        if (!loader.load(slot, reg, 0)) return NFT_BREAK;
        const el = set.backend.lookup(reg, 0, engine.now);
        if (el < 0) return NFT_BREAK;
        const i = set.dataOf[el]!;
        const t = set.vtarget[i]!;
        if (t !== null) engine.target = t;
        return set.vcode[i]!;
      };
    }
    case 'counter': {
      const st: CounterState = { name: null, table: c.t.table.name, packets: s.packets, bytes: s.bytes };
      rs.counters.push(st);
      return (slot) => { st.packets++; st.bytes += engine.pktLen(slot); return NFT_CONTINUE; };
    }
    case 'limit': {
      const tb = new TokenBucket(s.rate, s.per as LimitUnit, s.burst, s.unit === 'bytes', s.over, now0);
      return (slot) => (tb.eval(engine.now, engine.pktLen(slot)) ? NFT_BREAK : NFT_CONTINUE);
    }
    case 'quota': {
      const q = new Quota(s.bytes, s.used, s.over);
      return (slot) => (q.eval(engine.pktLen(slot)) ? NFT_BREAK : NFT_CONTINUE);
    }
    case 'objref': {
      if (s.objType === 'counter') {
        const st = c.t.counters.get(s.name);
        if (st === undefined) throw new UnsupportedError(`unsupported: unknown counter "${s.name}"`);
        return (slot) => { st.packets++; st.bytes += engine.pktLen(slot); return NFT_CONTINUE; };
      }
      if (s.objType === 'quota') {
        const q = c.t.quotas.get(s.name);
        if (q === undefined) throw new UnsupportedError(`unsupported: unknown quota "${s.name}"`);
        return (slot) => (q.eval(engine.pktLen(slot)) ? NFT_BREAK : NFT_CONTINUE);
      }
      const h = c.t.helpers.get(s.name);
      if (h === undefined) throw new UnsupportedError(`unsupported: unknown ct helper "${s.name}"`);
      return (slot) => { if (pool.ct[slot]! >= 0) host.ctHelperSet(slot, h); return NFT_CONTINUE; };
    }
    case 'log': {
      const idx = rs.logs.length;
      rs.logs.push({ prefix: s.prefix, level: s.level, flags: s.flags, group: s.group, table: c.t.table.name, chain: c.chain.name });
      return (slot) => { host.log(slot, idx); return NFT_CONTINUE; };
    }
    case 'notrack':
      return (slot) => { host.notrack(slot); return NFT_CONTINUE; };
    case 'flow-add': {
      const ft = c.t.flowtables.get(s.flowtable);
      if (ft === undefined) throw new UnsupportedError(`unsupported: unknown flowtable @${s.flowtable}`);
      if ((c.hooks & ~(1 << HOOK_FORWARD)) !== 0) throw new UnsupportedError('unsupported: flow add outside the forward hook (nft_flow_offload_validate: EOPNOTSUPP)');
      // nft_flow_offload_eval: a flow that is not added sets NFT_BREAK — the rest of the rule is skipped.
      return (slot) => (host.flowAdd(slot, ft, engine.now) ? NFT_CONTINUE : NFT_BREAK);
    }
    case 'reject': {
      const fam = c.t.nfproto;
      let kind: number;
      let code: number;
      if (s.type === 'tcp reset') { kind = REJECT_TCP_RST; code = 0; }
      else if (s.type === 'icmp') { kind = REJECT_ICMP; code = s.code ?? 3; }
      else if (s.type === 'icmpv6') { kind = REJECT_ICMPV6; code = s.code ?? 4; }
      else if (s.type === 'icmpx') { kind = REJECT_ICMPX; code = s.code ?? 1; }
      // Plain `reject`: icmp port-unreachable (ip), icmpv6 port-unreachable (ip6), icmpx elsewhere.
      else if (fam === NFPROTO_IPV4) { kind = REJECT_ICMP; code = 3; }
      else if (fam === NFPROTO_IPV6) { kind = REJECT_ICMPV6; code = 4; }
      else { kind = REJECT_ICMPX; code = 1; }
      // The family or TCP the reject needs is checked at the start of the rule (rejectDependency).
      return (slot) => {
        host.reject(slot, kind, code);
        pool.drop[slot] = DropReason.NFT_REJECT;
        return NF_DROP;
      };
    }
    case 'mangle':
      return compileMangle(rs, c, s);
    case 'nat':
      return compileNat(rs, c, s);
    case 'set-update': {
      const set = c.t.sets.get(s.set);
      if (set === undefined || set.dynamic === null) throw new UnsupportedError(`unsupported: ${s.op} @${s.set}: not a hash set`);
      if (s.stmts.length > 0) throw new UnsupportedError(`unsupported: per-element statements in ${s.op} @${s.set}`);
      const loader = loaderOf(rs, c, s.key);
      const reg = engine.reg;
      const hs = set.dynamic;
      const timeoutNs = s.timeout !== null ? s.timeout * 1e6 : set.timeoutNs;
      const op = s.op;
      // nft_dynset_eval: a full set makes the rule break.
      return (slot) => {
        if (!loader.load(slot, reg, 0)) return NFT_BREAK;
        if (op === 'delete') { hs.remove(reg, 0); return NFT_CONTINUE; }
        const now = engine.now;
        return hs.insert(reg, 0, now + timeoutNs, now, op === 'update') >= 0 ? NFT_CONTINUE : NFT_BREAK;
      };
    }
    case 'connlimit':
      throw new UnsupportedError('unsupported: ct count (connlimit) is not modelled');
  }
}

function compileMangle(rs: CompiledRuleset, c: ChainCtx, s: Extract<Stmt, { kind: 'mangle' }>): Op {
  const engine = rs.engine;
  const pool = engine.pool;
  const host = engine.host;
  const t = s.target;
  if (t.kind === 'tcpopt') {
    // `tcp option maxseg size set rt mtu` / `… set N`: the host rewrites the MSS option.
    const mss = s.value.kind === 'rt' && s.value.key === 'mtu' ? -1 : s.value.kind === 'int' ? s.value.value : null;
    if (mss === null) throw new UnsupportedError('unsupported: maxseg set from this value');
    return (slot) => {
      if ((pool.tuple[slot * TUPLE_WORDS + T_PROTO]! & 0xff) !== 6) return NFT_BREAK;
      host.clampMss(slot, mss);
      return NFT_CONTINUE;
    };
  }
  const value = valueOf(rs, c, s.value);
  if (t.kind === 'meta') {
    if (t.key === 'mark') return (slot) => { const v = value(slot); if (v < 0) return NFT_BREAK; pool.mark[slot] = v; return NFT_CONTINUE; };
    if (t.key === 'nftrace') rs.setsNftrace = true;
    if (t.key === 'nftrace') return (slot) => { const v = value(slot); if (v < 0) return NFT_BREAK; pool.trace[slot] = v & 1; return NFT_CONTINUE; };
    throw new UnsupportedError(`unsupported: meta ${t.key} set`);
  }
  if (t.kind === 'ct') {
    if (t.key === 'mark') {
      return (slot) => {
        const v = value(slot);
        // The value's expression failed to load (e.g. `ct mark` without a connection): the
        // kernel's eval set NFT_BREAK and the rule ends here; no connection: nothing to set.
        if (v < 0) return NFT_BREAK;
        if (pool.ct[slot]! < 0) return NFT_CONTINUE;
        host.ctSetMark(slot, v);
        return NFT_CONTINUE;
      };
    }
    throw new UnsupportedError(`unsupported: ct ${t.key} set`);
  }
  if (t.kind === 'payload' && (t.protocol === 'ip' || t.protocol === 'ip6') && t.base === 'network' && t.offset + t.bits <= 16) {
    // DSCP/ECN live in the first 16 bits; IPv4 fixes its header checksum incrementally (RFC 1624).
    const v4 = t.protocol === 'ip';
    const shift = 16 - t.offset - t.bits;
    const fieldMask = (((1 << t.bits) - 1) << shift) & 0xffff;
    const bytes = pool.bytes;
    return (slot) => {
      const v = value(slot);
      if (v < 0) return NFT_BREAK;
      const want = v4 ? 0x0800 : 0x86dd;
      if (pool.l3proto[slot] !== want) return NFT_BREAK;
      const h = pool.frameStart(slot) + pool.l3off[slot]!;
      const old = (bytes[h]! << 8) | bytes[h + 1]!;
      const neu = (old & ~fieldMask & 0xffff) | ((v << shift) & fieldMask);
      bytes[h] = neu >> 8;
      bytes[h + 1] = neu & 0xff;
      if (v4) {
        let sum = (~((bytes[h + 10]! << 8) | bytes[h + 11]!) & 0xffff) + (~old & 0xffff) + neu;
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        const csum = ~sum & 0xffff;
        bytes[h + 10] = csum >> 8;
        bytes[h + 11] = csum & 0xff;
      }
      return NFT_CONTINUE;
    };
  }
  throw new UnsupportedError(`unsupported: ${t.protocol} ${t.field} set (only meta mark/nftrace, ct mark, ip/ip6 dscp/ecn and tcp maxseg are written)`);
}

function compileNat(rs: CompiledRuleset, c: ChainCtx, s: NatStmt): Op {
  const engine = rs.engine;
  const pool = engine.pool;
  const host = engine.host;
  if (!c.nat) throw new UnsupportedError(`unsupported: ${s.type} outside a nat chain (nft_nat_validate: the kernel refuses it)`);
  const snat = s.type === 'snat' || s.type === 'masquerade';
  const allowed = snat ? (1 << HOOK_POSTROUTING) | (1 << HOOK_INPUT) : (1 << HOOK_PREROUTING) | (1 << HOOK_OUTPUT);
  if ((c.hooks & ~allowed) !== 0) throw new UnsupportedError(`unsupported: ${s.type} on this hook (nft_nat_validate: ${snat ? 'postrouting/input' : 'prerouting/output'} only)`);
  const range = new NatRange();
  range.kind = s.type === 'snat' ? NAT_KIND_SNAT : s.type === 'dnat' ? NAT_KIND_DNAT : s.type === 'masquerade' ? NAT_KIND_MASQUERADE : NAT_KIND_REDIRECT;
  const manip = snat ? NAT_MANIP_SRC : NAT_MANIP_DST;
  range.family = s.family === 'ip' ? 4 : s.family === 'ip6' ? 6 : c.t.nfproto === NFPROTO_IPV4 ? 4 : c.t.nfproto === NFPROTO_IPV6 ? 6 : 0;
  let flags = 0;
  for (const f of s.flags) {
    flags |= f === 'random' ? NF_NAT_RANGE_PROTO_RANDOM : f === 'fully-random' ? NF_NAT_RANGE_PROTO_RANDOM_FULLY : f === 'persistent' ? NF_NAT_RANGE_PERSISTENT : NF_NAT_RANGE_NETMAP;
  }
  let addrFromMap: ((slot: number) => number) | null = null;
  if (s.addr !== null) {
    flags |= NF_NAT_RANGE_MAP_IPS;
    const a = s.addr;
    if (a.kind === 'map') {
      addrFromMap = valueOf(rs, c, a);
    } else {
      const words = range.family === 6 ? 4 : 1;
      const lo: number[] = [];
      const hi: number[] = [];
      partBounds(rs, a, words, lo, hi);
      range.minAddr.set(lo);
      range.maxAddr.set(hi);
    }
  }
  let portFromMap: ((slot: number) => number) | null = null;
  if (s.port !== null) {
    flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
    const p = s.port;
    if (p.kind === 'int') { range.minPort = p.value; range.maxPort = p.value; }
    else if (p.kind === 'range' && p.low.kind === 'int' && p.high.kind === 'int') { range.minPort = p.low.value; range.maxPort = p.high.value; }
    else portFromMap = valueOf(rs, c, p);
  }
  range.flags = flags;
  const fam = range.family;
  return (slot) => {
    // nft_nat_inet_eval: a family-specific statement does nothing for the other family.
    if (fam !== 0) {
      const l3 = pool.l3proto[slot]!;
      if ((fam === 4 && l3 !== 0x0800) || (fam === 6 && l3 !== 0x86dd)) return NFT_CONTINUE;
    }
    if (addrFromMap !== null) {
      const v = addrFromMap(slot);
      if (v < 0) return NFT_BREAK;
      range.minAddr[0] = v;
      range.maxAddr[0] = v;
    }
    if (portFromMap !== null) {
      const v = portFromMap(slot);
      if (v < 0) return NFT_BREAK;
      range.minPort = v;
      range.maxPort = v;
    }
    // nft_nat_eval: verdict = nf_nat_setup_info(): accept, or drop.
    const r = host.natSetup(slot, manip, range);
    if (r === 0) return NF_ACCEPT;
    pool.drop[slot] = r;
    return NF_DROP;
  };
}
