/**
 * Rule tracing (`meta nftrace set 1`, `nft monitor trace`): models nf_tables_trace.c on the
 * kernel side and nftables src/trace.c for the text.
 *
 * Recording happens only for traced packets (Engine.tracing checks one byte per chain run), so
 * allocating here is fine; untraced packets never reach this file.
 */
import type { PacketPool } from '../buffers/pool.ts';
import type { Rule } from '../nft/ir.ts';
import { TUPLE_WORDS } from '../wire/tuple.ts';
import type { CompiledChain, CompiledRule, Engine } from './chain.ts';
import { HOOK_NAMES } from './host.ts';
import { NF_ACCEPT, NF_DROP, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_RETURN } from './verdict.ts';
import { printRuleText } from './print.ts';

export type TraceEventType = 'packet' | 'rule' | 'return' | 'policy';

/** A packet as the trace saw it when it entered a base chain. */
export interface TracePacket {
  readonly iif: number;
  readonly oif: number;
  readonly mark: number;
  readonly l3proto: number;
  /** Frame bytes from the network header on (copied: later stages may rewrite them). */
  readonly l3: Uint8Array;
  /** Transport header offset within `l3`, or -1. */
  readonly l4: number;
  readonly tuple: Uint32Array;
}

export interface TraceEvent {
  readonly id: number;
  readonly type: TraceEventType;
  readonly hook: string;
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  /** For 'rule': the rule; null otherwise. */
  readonly rule: CompiledRule | null;
  /** nft's verdict word: accept, drop, continue, return, jump, goto. */
  readonly verdict: string;
  /** jump/goto target chain name. */
  readonly target: string | null;
  readonly packet: TracePacket | null;
}

function verdictWord(code: number): string {
  switch (code) {
    case NF_ACCEPT: return 'accept';
    case NF_DROP: return 'drop';
    case NFT_JUMP: return 'jump';
    case NFT_GOTO: return 'goto';
    case NFT_RETURN: return 'return';
    case NFT_CONTINUE: return 'continue';
    default: return 'continue';
  }
}

/** Collects trace events; one recorder per compiled ruleset. */
export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  /** Keep at most this many events (oldest dropped), so a long traced run stays bounded. */
  limit = 100_000;

  /** Trace id of a packet: stable for one packet across hooks (slot and arrival time). */
  static traceId(pool: PacketPool, slot: number): number {
    let h = Math.imul(slot + 1, 0x9e3779b1) ^ Math.floor(pool.ts[slot]!);
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    return (h ^ (h >>> 13)) >>> 0;
  }

  private push(e: TraceEvent): void {
    if (this.events.length >= this.limit) this.events.shift();
    this.events.push(e);
  }

  private base(engine: Engine, chain: CompiledChain, slot: number) {
    return {
      id: TraceRecorder.traceId(engine.pool, slot),
      hook: HOOK_NAMES[engine.hook] ?? String(engine.hook),
      family: chain.table.family,
      table: chain.table.name,
      chain: chain.name,
    };
  }

  /** The kernel dumps the packet headers with the first event of each base chain run. */
  enterBase(engine: Engine, chain: CompiledChain, slot: number): void {
    const pool = engine.pool;
    const start = pool.frameStart(slot);
    const l3off = pool.l3off[slot]!;
    const l4off = pool.l4off[slot]!;
    const packet: TracePacket = {
      iif: pool.iif[slot]!,
      oif: pool.oif[slot]!,
      mark: pool.mark[slot]!,
      l3proto: pool.l3proto[slot]!,
      l3: pool.bytes.slice(start + l3off, start + pool.len[slot]!),
      l4: l4off > l3off ? l4off - l3off : -1,
      tuple: pool.tuple.slice(slot * TUPLE_WORDS, (slot + 1) * TUPLE_WORDS),
    };
    this.push({ ...this.base(engine, chain, slot), type: 'packet', rule: null, verdict: '', target: null, packet });
  }

  rule(engine: Engine, chain: CompiledChain, rule: CompiledRule, code: number, slot: number): void {
    const target = code === NFT_JUMP || code === NFT_GOTO ? (engine.target?.name ?? null) : null;
    this.push({ ...this.base(engine, chain, slot), type: 'rule', rule, verdict: verdictWord(code), target, packet: null });
  }

  chainEnd(engine: Engine, chain: CompiledChain, slot: number): void {
    this.push({ ...this.base(engine, chain, slot), type: 'return', rule: null, verdict: 'continue', target: null, packet: null });
  }

  policy(engine: Engine, chain: CompiledChain, slot: number): void {
    this.push({
      ...this.base(engine, chain, slot), type: 'policy', rule: null,
      verdict: chain.policy === NF_ACCEPT ? 'accept' : 'drop', target: null, packet: null,
    });
  }

  clear(): void {
    this.events.length = 0;
  }
}

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Uint8Array, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

const TCP_FLAG_NAMES: [number, string][] = [[0x01, 'fin'], [0x02, 'syn'], [0x04, 'rst'], [0x08, 'psh'], [0x10, 'ack'], [0x20, 'urg'], [0x40, 'ecn'], [0x80, 'cwr']];

/** The header part of a `packet:` line, in nft's field order (trace_print_packet). */
export function formatTracePacket(p: TracePacket, deviceName: (ifindex: number) => string): string {
  const out: string[] = [];
  if (p.iif !== 0) out.push(`iif "${deviceName(p.iif)}"`);
  if (p.oif !== 0) out.push(`oif "${deviceName(p.oif)}"`);
  if (p.mark !== 0) out.push(`meta mark 0x${p.mark.toString(16).padStart(8, '0')}`);
  const b = p.l3;
  let proto = -1;
  if (p.l3proto === 0x0800 && b.length >= 20) {
    out.push(`ip saddr ${ipv4(b, 12)} ip daddr ${ipv4(b, 16)}`);
    out.push(`ip dscp 0x${(b[1]! >> 2).toString(16).padStart(2, '0')} ip ecn ${b[1]! & 3}`);
    out.push(`ip ttl ${b[8]} ip id ${(b[4]! << 8) | b[5]!} ip length ${(b[2]! << 8) | b[3]!}`);
    proto = b[9]!;
  } else if (p.l3proto === 0x86dd && b.length >= 40) {
    out.push(`ip6 saddr ${ipv6(b, 8)} ip6 daddr ${ipv6(b, 24)}`);
    out.push(`ip6 hoplimit ${b[7]} ip6 length ${(b[4]! << 8) | b[5]!}`);
    proto = p.tuple[9]! & 0xff;
  }
  const t = p.l4;
  if (t >= 0 && (proto === 6 || proto === 17) && b.length >= t + 4) {
    const name = proto === 6 ? 'tcp' : 'udp';
    out.push(`${name} sport ${(b[t]! << 8) | b[t + 1]!} ${name} dport ${(b[t + 2]! << 8) | b[t + 3]!}`);
    if (proto === 6 && b.length >= t + 14) {
      const f = b[t + 13]!;
      const names = TCP_FLAG_NAMES.filter(([bit]) => (f & bit) !== 0).map(([, n]) => n);
      out.push(`tcp flags == ${names.length === 1 ? names[0] : `(${names.join(' | ')})`}`);
    }
  } else if (t >= 0 && (proto === 1 || proto === 58) && b.length >= t + 2) {
    const name = proto === 1 ? 'icmp' : 'icmpv6';
    out.push(`${name} type ${b[t]} ${name} code ${b[t + 1]}`);
  }
  return out.join(' ');
}

export interface TraceFormatOptions {
  /** ifindex → name, for `iif "eth0"`. */
  readonly deviceName: (ifindex: number) => string;
  /** Rule printer; defaults to a minimal one (src/nft's printer can be passed in). */
  readonly printRule?: (rule: Rule) => string;
}

/**
 * Lines as `nft monitor trace` prints them (nftables src/trace.c):
 * `trace id 1a2b3c4d ip filter forward packet: iif "eth0" …`,
 * `trace id … rule tcp dport 22 accept (verdict accept)`, `trace id … verdict continue`,
 * `trace id … policy drop`.
 */
export function formatTrace(events: readonly TraceEvent[], opts: TraceFormatOptions): string[] {
  const print = opts.printRule ?? printRuleText;
  return events.map((e) => {
    const head = `trace id ${e.id.toString(16).padStart(8, '0')} ${e.family} ${e.table} ${e.chain}`;
    switch (e.type) {
      case 'packet':
        return `${head} packet: ${formatTracePacket(e.packet!, opts.deviceName)}`;
      case 'rule': {
        const text = e.rule!.ir !== null ? print(e.rule!.ir) : `rule #${e.rule!.index}`;
        const v = e.target !== null ? `${e.verdict} ${e.target}` : e.verdict;
        return `${head} rule ${text} (verdict ${v})`;
      }
      case 'return':
        return `${head} verdict ${e.verdict}`;
      case 'policy':
        return `${head} policy ${e.verdict}`;
    }
  });
}
