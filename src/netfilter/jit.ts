/**
 * Chain compiler: turns a ruleset's compiled chains into JavaScript functions, one per chain, with
 * the rule loop of nft_do_chain() unrolled — the way the BPF JIT turns a program into machine code
 * instead of interpreting it.
 *
 * Why: `Engine.doChain` calls every expression through one call site (`ops[i](slot)`), which sees
 * every closure of the ruleset and so can never be inlined; each call is an indirect call with its
 * frame. In the generated code each expression has a call site of its own that only ever sees one
 * closure, so V8 inlines it, and the rule walk becomes straight-line code. A jump is a call of the
 * target chain's function with the stack depth (`sp`) as argument; a goto in a regular chain
 * returns NFT_GOTO and its caller runs the target at the same depth; falling off a chain or
 * `return` returns NFT_CONTINUE to the caller, which goes on with its next rule — the same control
 * flow as the interpreter's explicit stack.
 *
 * Same semantics as `Engine.doChain`, checked by test/netfilter/jit.test.ts against it: rule and
 * chain counters, NFT_JUMP_STACK_SIZE overflow (drop with NFT_JUMP_STACK), the hop bound, the base
 * policy. Traced packets run the interpreter (it records the trace events), and so does a ruleset
 * that sets `meta nftrace` (tracing can start in the middle of a chain there) or is bigger than
 * compile.ts's JIT_MAX_OPS.
 *
 * Only integers and identifiers this module makes go into the generated source; the ruleset's own
 * text never does.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { MAX_CHAIN_HOPS, type CompiledChain, type CompiledRule, type ChainFn, type Engine, type Op } from './chain.ts';
import { NF_ACCEPT, NF_DROP, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_JUMP_STACK_SIZE } from './verdict.ts';

/**
 * Expressions one generated function holds at most: a bigger chain is split into parts run one
 * after another. V8 does not optimise a function past a size limit, and a chain of a thousand
 * rules as one function ran at half the interpreter's speed; parts of this size are optimised.
 */
const PART_OPS = 64;

/** A part's "fell off its last rule, go on with the next part" (not a verdict code). */
const PART_NEXT = -100;

/** Source of the walk over `rules` (a whole chain, or one part of it). */
function rulesSource(chain: CompiledChain, rules: readonly CompiledRule[], opBase: number, out: string[]): void {
  const id = chain.id;
  // How the chain ends from inside a rule (NFT_RETURN, the end after a goto): the policy of a
  // base chain, NFT_CONTINUE back to the caller of a regular one.
  const end = chain.isBase ? `{ policyPackets[${id}]++; return ${chain.policy}; }` : `return ${NFT_CONTINUE};`;
  let op = opBase;
  for (const rule of rules) {
    const n = rule.ops.length;
    if (n === 0) {
      // No expression: the rule always matches and continues.
      out.push(`  rulePackets[${rule.id}]++; ruleBytes[${rule.id}] += len;`);
      continue;
    }
    // Expressions in order, each stopping the rule unless it returns NFT_CONTINUE.
    out.push(`  c = o${op}(slot);`);
    for (let i = 1; i < n; i++) out.push(`  if (c === ${NFT_CONTINUE}) c = o${op + i}(slot);`);
    op += n;
    out.push(
      `  if (c !== ${NFT_BREAK}) {`,
      `    rulePackets[${rule.id}]++; ruleBytes[${rule.id}] += len;`,
      `    if (c !== ${NFT_CONTINUE}) {`,
      `      if (c === ${NF_ACCEPT} || c === ${NF_DROP}) return c;`,
      `      if (c === ${NFT_JUMP} || c === ${NFT_GOTO}) {`,
      `        if (++engine.hops > ${MAX_CHAIN_HOPS}) { pool.drop[slot] = ${DropReason.NFT_JUMP_STACK}; return ${NF_DROP}; }`,
      `        if (c === ${NFT_JUMP}) {`,
      `          if (sp >= ${NFT_JUMP_STACK_SIZE}) { pool.drop[slot] = ${DropReason.NFT_JUMP_STACK}; return ${NF_DROP}; }`,
      // The callee may end in a goto: its target then runs at the callee's depth, here.
      '          r = engine.target.fn(slot, sp + 1, len);',
      `          while (r === ${NFT_GOTO}) r = engine.target.fn(slot, sp + 1, len);`,
      `          if (r !== ${NFT_CONTINUE}) return r;`,
      '        } else {',
      // goto: the target replaces this chain, so its end is this chain's end. A regular chain
      // hands it back to its caller (engine.target is set), which runs it at this depth: gotos
      // loop there instead of nesting calls, so the JS stack only grows with jumps (≤ 16 deep).
      ...(chain.isBase ? [
        '          r = engine.target.fn(slot, sp, len);',
        `          while (r === ${NFT_GOTO}) r = engine.target.fn(slot, sp, len);`,
        `          if (r !== ${NFT_CONTINUE}) return r;`,
        `          ${end}`,
      ] : [`          return ${NFT_GOTO};`]),
      '        }',
      `      } else ${end}`, // NFT_RETURN
      '    }',
      '  }',
    );
  }
}

/** Generated source for one chain: `function c<id>(slot, sp, len) { … }` (and its parts). */
function chainSource(chain: CompiledChain, opBase: number, partOps: number): string {
  const id = chain.id;
  const out: string[] = [];
  const tail = chain.isBase ? `  policyPackets[${id}]++; return ${chain.policy};` : `  return ${NFT_CONTINUE};`;
  // Rules grouped into parts of at most PART_OPS expressions (a rule is never split).
  const parts: CompiledRule[][] = [[]];
  let ops = 0;
  for (const rule of chain.rules) {
    if (ops + rule.ops.length > partOps && parts[parts.length - 1]!.length > 0) {
      parts.push([]);
      ops = 0;
    }
    parts[parts.length - 1]!.push(rule);
    ops += rule.ops.length;
  }
  if (parts.length === 1) {
    out.push(`function c${id}(slot, sp, len) {`, '  let c = 0, r = 0;');
    if (chain.isBase) out.push(`  chainPackets[${id}]++;`);
    rulesSource(chain, chain.rules, opBase, out);
    out.push(tail, '}');
    return out.join('\n');
  }
  out.push(`function c${id}(slot, sp, len) {`, '  let r = 0;');
  if (chain.isBase) out.push(`  chainPackets[${id}]++;`);
  parts.forEach((_, k) => out.push(`  r = c${id}_${k}(slot, sp, len); if (r !== ${PART_NEXT}) return r;`));
  out.push(tail, '}');
  let op = opBase;
  parts.forEach((rules, k) => {
    out.push(`function c${id}_${k}(slot, sp, len) {`, '  let c = 0, r = 0;');
    rulesSource(chain, rules, op, out);
    out.push(`  return ${PART_NEXT};`, '}');
    for (const rule of rules) op += rule.ops.length;
  });
  return out.join('\n');
}

type Factory = (ops: readonly Op[], engine: Engine, pool: PacketPool, rulePackets: Float64Array,
  ruleBytes: Float64Array, chainPackets: Float64Array, policyPackets: Float64Array) => ChainFn[];

/**
 * Generates every chain's function (one `new Function` for the ruleset) and sets `chain.fn`; a
 * jump or goto calls its target through `engine.target.fn`, which the verdict set. Call after the engine's counters are sized for the ruleset (they are bound here; a
 * later resize needs a new call). Policies are compiled in: call again after changing one.
 * `partOps`: expressions per generated function (tests make it small to exercise the split).
 */
export function jitChains(engine: Engine, chains: readonly CompiledChain[], partOps = PART_OPS): void {
  const ops: Op[] = [];
  const parts: string[] = [];
  for (const chain of chains) {
    parts.push(chainSource(chain, ops.length, partOps));
    for (const rule of chain.rules) for (const op of rule.ops) ops.push(op);
  }
  const body = [
    ...ops.map((_, i) => `const o${i} = ops[${i}];`),
    ...parts,
    `return [${chains.map((c) => `c${c.id}`).join(', ')}];`,
  ].join('\n');
  // Generated from indices and numbers only (see the header).
  const factory = new Function('ops', 'engine', 'pool', 'rulePackets', 'ruleBytes', 'chainPackets', 'policyPackets', body) as Factory;
  const fns = factory(ops, engine, engine.pool, engine.rulePackets, engine.ruleBytes, engine.chainPackets, engine.policyPackets);
  chains.forEach((c, i) => { c.fn = fns[i]!; });
}
