/**
 * Compiled chains and the interpreter that runs them: a model of nft_do_chain()
 * (net/netfilter/nf_tables_core.c).
 */
import type { PacketPool } from '../buffers/pool.ts';
import type { Rule } from '../nft/ir.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import type { NetfilterHost } from './host.ts';
import type { TraceRecorder } from './trace.ts';
import {
  NF_ACCEPT, NF_DROP, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_JUMP_STACK_SIZE,
} from './verdict.ts';

/**
 * One compiled expression or statement. Returns NFT_CONTINUE to go on with the rule, NFT_BREAK
 * when it did not match (the rest of the rule is skipped), or a verdict. Jump/goto ops store
 * their target in `Engine.target` before returning NFT_JUMP/NFT_GOTO.
 */
export type Op = (slot: number) => number;

/**
 * A chain compiled to a function (netfilter/jit.ts): runs the chain at jump depth `sp` for a
 * packet of `len` bytes and returns NF_ACCEPT/NF_DROP, NFT_CONTINUE when the chain ended or
 * returned (a base chain returns its policy instead), or NFT_GOTO when a regular chain ended in a
 * goto: the caller runs `engine.target` at the same depth.
 */
export type ChainFn = (slot: number, sp: number, len: number) => number;

export interface TableRef {
  readonly name: string;
  /** 'ip' | 'ip6' | 'inet' | 'netdev' (as nft prints the family). */
  readonly family: string;
}

export interface CompiledRule {
  /** Index into the engine's per-rule counters. */
  readonly id: number;
  /** Position in its chain. */
  readonly index: number;
  readonly ops: Op[];
  readonly chain: CompiledChain;
  /** The rule as written, for traces and reports (null for rules built by hand). */
  readonly ir: Rule | null;
}

export class CompiledChain {
  readonly id: number;
  readonly name: string;
  readonly table: TableRef;
  /** Base chain policy (NF_ACCEPT/NF_DROP); ignored for regular chains. */
  policy: number;
  readonly isBase: boolean;
  readonly rules: CompiledRule[] = [];
  /** The chain as generated code (jitChains), or null: the interpreter runs it. */
  fn: ChainFn | null = null;

  constructor(id: number, name: string, table: TableRef, isBase: boolean, policy: number) {
    this.id = id;
    this.name = name;
    this.table = table;
    this.isBase = isBase;
    this.policy = policy;
  }
}

/** Bound on chain entries in one nft_do_chain run: a goto cycle the loader missed cannot spin forever. */
export const MAX_CHAIN_HOPS = 4096;

/**
 * Shared state of one compiled ruleset: the pool, the host, the virtual clock of the current
 * packet, scratch registers for keys, counters, and the jump stack. Single-threaded: one packet at
 * a time goes through `doChain`.
 */
export class Engine {
  readonly pool: PacketPool;
  readonly host: NetfilterHost;
  /** Virtual time of the packet being evaluated (ns). */
  now = 0;
  /** Key registers (nft_regs data): 64 words, enough for any concatenation nft allows. */
  readonly reg = new Uint32Array(64);
  /** Second bank for map data and NAT addresses. */
  readonly reg2 = new Uint32Array(64);
  /** Set by jump/goto ops. */
  target: CompiledChain | null = null;
  /** Per-rule matched packets/bytes (a rule "matched" when none of its expressions broke). */
  rulePackets = new Float64Array(64);
  ruleBytes = new Float64Array(64);
  /** Per base chain: packets that entered it and packets that ended at its policy. */
  chainPackets = new Float64Array(16);
  policyPackets = new Float64Array(16);
  /** Trace this slot even without meta nftrace (`-1`: none). */
  traceSlot = -1;
  trace: TraceRecorder | null = null;
  /** The hook being run, for traces. */
  hook = 0;
  /** Jumps and gotos taken in the current base chain run (generated chains; see MAX_CHAIN_HOPS). */
  hops = 0;

  private readonly stackChain: (CompiledChain | null)[] = new Array<CompiledChain | null>(NFT_JUMP_STACK_SIZE).fill(null);
  private readonly stackRule = new Int32Array(NFT_JUMP_STACK_SIZE);

  constructor(pool: PacketPool, host: NetfilterHost) {
    this.pool = pool;
    this.host = host;
  }

  /** skb->len at the IP hooks: the frame from the network header on. */
  pktLen(slot: number): number {
    return this.pool.len[slot]! - this.pool.l3off[slot]!;
  }

  ensureRuleCapacity(rules: number, chains: number): void {
    if (rules > this.rulePackets.length) {
      const n = Math.max(rules, this.rulePackets.length * 2);
      const p = new Float64Array(n); p.set(this.rulePackets); this.rulePackets = p;
      const b = new Float64Array(n); b.set(this.ruleBytes); this.ruleBytes = b;
    }
    if (chains > this.chainPackets.length) {
      const n = Math.max(chains, this.chainPackets.length * 2);
      const c = new Float64Array(n); c.set(this.chainPackets); this.chainPackets = c;
      const q = new Float64Array(n); q.set(this.policyPackets); this.policyPackets = q;
    }
  }

  /** True when this packet is traced (one byte read and one compare when tracing is off). */
  tracing(slot: number): boolean {
    return (this.pool.trace[slot] !== 0 || slot === this.traceSlot) && this.trace !== null;
  }

  /**
   * Runs a base chain for one packet: its generated function when it has one and the packet is
   * not traced, else the interpreter (which records traces). Returns NF_ACCEPT or NF_DROP.
   */
  runChain(base: CompiledChain, slot: number): number {
    const fn = base.fn;
    if (fn !== null && !this.tracing(slot)) {
      this.hops = 0;
      return fn(slot, 0, this.pktLen(slot));
    }
    return this.doChain(base, slot);
  }

  /**
   * Runs a base chain for one packet and returns NF_ACCEPT or NF_DROP. Models nft_do_chain():
   * rules in order; an expression that does not match breaks to the next rule; jump pushes the
   * next rule on a stack of NFT_JUMP_STACK_SIZE (overflow drops: the kernel WARNs and drops, and
   * refuses such rulesets at load), goto replaces the chain, the end of a regular chain or
   * `return` pops, and the end of the base chain applies its policy.
   */
  doChain(base: CompiledChain, slot: number): number {
    const len = this.pktLen(slot);
    const rulePackets = this.rulePackets;
    const ruleBytes = this.ruleBytes;
    this.chainPackets[base.id]!++;
    let chain = base;
    let ruleIdx = 0;
    let sp = 0;
    let hops = 0;
    let traced = this.tracing(slot);
    if (traced) this.trace!.enterBase(this, base, slot);
    for (;;) {
      const rules = chain.rules;
      let code = NFT_CONTINUE;
      let last: CompiledRule | null = null;
      for (; ruleIdx < rules.length; ruleIdx++) {
        const rule = rules[ruleIdx]!;
        const ops = rule.ops;
        code = NFT_CONTINUE;
        for (let i = 0; i < ops.length; i++) {
          code = ops[i]!(slot);
          if (code !== NFT_CONTINUE) break;
        }
        if (code === NFT_BREAK) {
          code = NFT_CONTINUE;
          continue;
        }
        rulePackets[rule.id]!++;
        ruleBytes[rule.id]! += len;
        // `meta nftrace set 1` turns tracing on for the rest of the packet's way, this rule included.
        if (!traced && this.tracing(slot)) {
          traced = true;
          this.trace!.enterBase(this, base, slot);
        }
        if (code === NFT_CONTINUE) {
          if (traced) this.trace!.rule(this, chain, rule, NFT_CONTINUE, slot);
          continue;
        }
        last = rule;
        break;
      }
      // nft_trace_verdict(): a verdict is reported with its rule; falling off the chain as "verdict continue".
      if (traced) {
        if (last !== null) this.trace!.rule(this, chain, last, code, slot);
        else this.trace!.chainEnd(this, chain, slot);
      }
      if (code === NF_ACCEPT || code === NF_DROP) return code;
      if (code === NFT_JUMP || code === NFT_GOTO) {
        if (++hops > MAX_CHAIN_HOPS) {
          this.pool.drop[slot] = DropReason.NFT_JUMP_STACK;
          return NF_DROP;
        }
        if (code === NFT_JUMP) {
          if (sp >= NFT_JUMP_STACK_SIZE) {
            this.pool.drop[slot] = DropReason.NFT_JUMP_STACK;
            return NF_DROP;
          }
          this.stackChain[sp] = chain;
          this.stackRule[sp] = ruleIdx + 1;
          sp++;
        }
        chain = this.target!;
        ruleIdx = 0;
        continue;
      }
      // NFT_CONTINUE (end of chain) or NFT_RETURN: back to the caller, or the policy.
      if (sp > 0) {
        sp--;
        chain = this.stackChain[sp]!;
        ruleIdx = this.stackRule[sp]!;
        continue;
      }
      break;
    }
    this.policyPackets[base.id]!++;
    if (traced) this.trace!.policy(this, base, slot);
    return base.policy;
  }
}
