/**
 * Chain compiler: turns a ruleset's compiled chains into JavaScript functions, one per chain, with
 * the rule loop of nft_do_chain() unrolled — the way the BPF JIT turns a program into machine code
 * instead of interpreting it.
 *
 * Why: `Engine.doChain` calls every expression through one call site (`ops[i](slot)`), which sees
 * every closure of the ruleset and so can never be inlined; each call is an indirect call with its
 * frame. In the generated code each expression has a call site of its own that only ever sees one
 * closure, so V8 inlines it, and the rule walk becomes straight-line code. A jump is a call of the
 * target chain's function with the stack depth (`sp`) as argument; goto is a tail call that keeps
 * the depth; falling off a chain or `return` returns NFT_CONTINUE to the caller, which goes on with
 * its next rule — the same control flow as the interpreter's explicit stack.
 *
 * Same semantics as `Engine.doChain`, checked by test/netfilter/jit.test.ts against it: rule and
 * chain counters, NFT_JUMP_STACK_SIZE overflow (drop with NFT_JUMP_STACK), the hop bound, the base
 * policy. Traced packets run the interpreter (it records the trace events), and so does a ruleset
 * that sets `meta nftrace` (tracing can start in the middle of a chain there).
 *
 * Only integers and identifiers this module makes go into the generated source; the ruleset's own
 * text never does.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { MAX_CHAIN_HOPS, type CompiledChain, type ChainFn, type Engine, type Op } from './chain.ts';
import { NF_ACCEPT, NF_DROP, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_JUMP_STACK_SIZE } from './verdict.ts';

/** Generated source for one chain: `function c<id>(slot, sp, len) { … }`. */
function chainSource(chain: CompiledChain, opBase: number): string {
  const out: string[] = [];
  const id = chain.id;
  out.push(`function c${id}(slot, sp, len) {`);
  out.push('  let c = 0, r = 0;');
  if (chain.isBase) out.push(`  chainPackets[${id}]++;`);
  let op = opBase;
  for (const rule of chain.rules) {
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
    out.push(`  if (c !== ${NFT_BREAK}) {`);
    out.push(`    rulePackets[${rule.id}]++; ruleBytes[${rule.id}] += len;`);
    out.push(`    if (c !== ${NFT_CONTINUE}) {`);
    out.push(`      if (c === ${NF_ACCEPT} || c === ${NF_DROP}) return c;`);
    out.push(`      if (c === ${NFT_JUMP} || c === ${NFT_GOTO}) {`);
    out.push(`        if (++engine.hops > ${MAX_CHAIN_HOPS}) { pool.drop[slot] = ${DropReason.NFT_JUMP_STACK}; return ${NF_DROP}; }`);
    out.push(`        if (c === ${NFT_JUMP}) {`);
    out.push(`          if (sp >= ${NFT_JUMP_STACK_SIZE}) { pool.drop[slot] = ${DropReason.NFT_JUMP_STACK}; return ${NF_DROP}; }`);
    out.push('          r = engine.target.fn(slot, sp + 1, len);');
    out.push(`          if (r !== ${NFT_CONTINUE}) return r;`);
    out.push('        } else {');
    out.push('          r = engine.target.fn(slot, sp, len);');
    // goto: the target replaces this chain, so its end is this chain's end.
    out.push(chain.isBase ? `          if (r !== ${NFT_CONTINUE}) return r;` : '          return r;');
    out.push(chain.isBase ? `          policyPackets[${id}]++; return ${chain.policy};` : '');
    out.push('        }');
    out.push('      } else {');
    // NFT_RETURN: back to the caller (the policy, in a base chain).
    out.push(chain.isBase ? `        policyPackets[${id}]++; return ${chain.policy};` : `        return ${NFT_CONTINUE};`);
    out.push('      }');
    out.push('    }');
    out.push('  }');
  }
  out.push(chain.isBase ? `  policyPackets[${id}]++; return ${chain.policy};` : `  return ${NFT_CONTINUE};`);
  out.push('}');
  return out.join('\n');
}

type Factory = (ops: readonly Op[], engine: Engine, pool: PacketPool, rulePackets: Float64Array,
  ruleBytes: Float64Array, chainPackets: Float64Array, policyPackets: Float64Array) => ChainFn[];

/**
 * Generates every chain's function (in one scope, so chains call each other directly) and sets
 * `chain.fn`. Call after the engine's counters are sized for the ruleset (they are bound here; a
 * later resize needs a new call). Policies are compiled in: call again after changing one.
 */
export function jitChains(engine: Engine, chains: readonly CompiledChain[]): void {
  const ops: Op[] = [];
  const parts: string[] = [];
  for (const chain of chains) {
    parts.push(chainSource(chain, ops.length));
    for (const rule of chain.rules) for (const op of rule.ops) ops.push(op);
  }
  const body = [
    ...ops.map((_, i) => `const o${i} = ops[${i}];`),
    ...parts,
    `return [${chains.map((c) => `c${c.id}`).join(', ')}];`,
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from indices only, see above
  const factory = new Function('ops', 'engine', 'pool', 'rulePackets', 'ruleBytes', 'chainPackets', 'policyPackets', body) as Factory;
  const fns = factory(ops, engine, engine.pool, engine.rulePackets, engine.ruleBytes, engine.chainPackets, engine.policyPackets);
  chains.forEach((c, i) => { c.fn = fns[i]!; });
}
