/**
 * Generated chains (netfilter/jit.ts) against the interpreter (Engine.doChain, the model of
 * nft_do_chain): for random chain graphs — rules that match or break per packet, every verdict,
 * jumps and gotos to any chain (cycles included, so the jump stack overflows and the hop bound is
 * reached), whole or split into parts — both give the same verdict, drop reason, rule counters and chain/policy counters.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool } from '../../src/buffers/pool.ts';
import { CompiledChain, Engine, type CompiledRule, type Op } from '../../src/netfilter/chain.ts';
import { jitChains } from '../../src/netfilter/jit.ts';
import { NF_ACCEPT, NF_DROP, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_RETURN } from '../../src/netfilter/verdict.ts';
import { FakeHost, load, makePacket } from './helpers.ts';
import { JIT_MAX_OPS } from '../../src/netfilter/compile.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOOK_FORWARD, NFPROTO_IPV4 } from '../../src/netfilter/index.ts';

type Terminal =
  | { kind: 'none' } | { kind: 'accept' } | { kind: 'drop' } | { kind: 'continue' } | { kind: 'return' }
  | { kind: 'jump'; to: number } | { kind: 'goto'; to: number };

interface RuleSpec {
  /** Bits of the packet's pattern each match expression tests (it breaks when the bit is clear). */
  readonly matches: readonly number[];
  readonly terminal: Terminal;
}

interface Program {
  readonly bases: number;
  readonly policies: readonly boolean[];
  readonly chains: readonly (readonly RuleSpec[])[];
}

const terminal = (regular: number): fc.Arbitrary<Terminal> => fc.oneof(
  fc.constant<Terminal>({ kind: 'none' }), fc.constant<Terminal>({ kind: 'accept' }), fc.constant<Terminal>({ kind: 'drop' }),
  fc.constant<Terminal>({ kind: 'continue' }), fc.constant<Terminal>({ kind: 'return' }),
  ...(regular > 0 ? [
    fc.integer({ min: 0, max: regular - 1 }).map((to): Terminal => ({ kind: 'jump', to })),
    fc.integer({ min: 0, max: regular - 1 }).map((to): Terminal => ({ kind: 'goto', to })),
  ] : []),
);

const program: fc.Arbitrary<Program> = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 5 })).chain(([bases, regular]) =>
  fc.record({
    bases: fc.constant(bases),
    policies: fc.array(fc.boolean(), { minLength: bases, maxLength: bases }),
    chains: fc.array(
      fc.array(fc.record({ matches: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }), terminal: terminal(regular) }), { maxLength: 5 }),
      { minLength: bases + regular, maxLength: bases + regular },
    ),
  }));

/** Builds the program's chains on `engine`; `bits` is read by the match expressions per packet. */
function build(p: Program, engine: Engine, bits: { v: number }): CompiledChain[] {
  const table = { name: 't', family: 'ip' };
  const chains = p.chains.map((_, i) => new CompiledChain(i, `c${i}`, table, i < p.bases, i < p.bases && !p.policies[i] ? NF_DROP : NF_ACCEPT));
  let id = 0;
  p.chains.forEach((rules, ci) => {
    const chain = chains[ci]!;
    rules.forEach((r, index) => {
      const ops: Op[] = r.matches.map((b) => () => ((bits.v >>> b) & 1 ? NFT_CONTINUE : NFT_BREAK));
      const t = r.terminal;
      if (t.kind === 'accept') ops.push(() => NF_ACCEPT);
      else if (t.kind === 'drop') ops.push(() => NF_DROP);
      else if (t.kind === 'continue') ops.push(() => NFT_CONTINUE);
      else if (t.kind === 'return') ops.push(() => NFT_RETURN);
      else if (t.kind === 'jump' || t.kind === 'goto') {
        const target = chains[p.bases + t.to]!;
        const code = t.kind === 'jump' ? NFT_JUMP : NFT_GOTO;
        ops.push(() => { engine.target = target; return code; });
      }
      const rule: CompiledRule = { id: id++, index, ops, chain, ir: null };
      chain.rules.push(rule);
    });
  });
  engine.ensureRuleCapacity(id, chains.length);
  return chains;
}

describe('generated chains behave as nft_do_chain', () => {
  it('same verdicts, drop reasons and counters as the interpreter for random chain graphs', () => {
    // partOps: chains split into generated parts of that many expressions (64 in use).
    fc.assert(fc.property(program, fc.array(fc.integer({ min: 0, max: 0xfff }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (p, patterns, partOps) => {
      const pool = new PacketPool({ capacity: 8 });
      const host = new FakeHost();
      const interp = new Engine(pool, host);
      const gen = new Engine(pool, host);
      const bits = { v: 0 };
      const a = build(p, interp, bits);
      const b = build(p, gen, bits);
      jitChains(gen, b, partOps);
      const slot = pool.alloc();
      for (const pattern of patterns) {
        bits.v = pattern;
        for (let base = 0; base < p.bases; base++) {
          pool.drop[slot] = 0;
          const va = interp.doChain(a[base]!, slot);
          const dropA = pool.drop[slot];
          pool.drop[slot] = 0;
          const vb = gen.runChain(b[base]!, slot);
          expect(vb).toBe(va);
          expect(pool.drop[slot]).toBe(dropA);
        }
      }
      expect([...gen.rulePackets]).toEqual([...interp.rulePackets]);
      expect([...gen.ruleBytes]).toEqual([...interp.ruleBytes]);
      expect([...gen.chainPackets]).toEqual([...interp.chainPackets]);
      expect([...gen.policyPackets]).toEqual([...interp.policyPackets]);
    }), { numRuns: 400 });
  });

  it('compiles a loaded ruleset, and leaves it interpreted when asked to or when a rule sets meta nftrace', () => {
    const text = 'table ip f { chain fwd { type filter hook forward priority 0; policy drop; tcp dport 22 accept } }';
    expect(load(text).rs.chains[0]!.fn).not.toBeNull();
    expect(load(text, { jit: false }).rs.chains[0]!.fn).toBeNull();
    const traced = load('table ip f { chain fwd { type filter hook forward priority 0; tcp dport 22 meta nftrace set 1 } }');
    expect(traced.rs.chains[0]!.fn).toBeNull();
  });

  it('a ruleset of more than JIT_MAX_OPS expressions stays interpreted, with the same verdicts', () => {
    const rules = Array.from({ length: JIT_MAX_OPS / 2 + 1 }, (_, i) => `tcp dport ${1000 + i} drop`).join('\n');
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy accept;\n${rules}\n} }`);
    expect(rs.chains[0]!.fn).toBeNull();
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { dport: 1000 + JIT_MAX_OPS / 2 }), 0)).toBe(NF_DROP);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { dport: 999 }), 0)).toBe(NF_ACCEPT);
  });

  it('a traced packet takes the interpreter and is traced; the others take the generated chain', () => {
    const { rs, pool } = load('table ip f { chain fwd { type filter hook forward priority 0; policy drop; tcp dport 22 accept } }');
    const p = makePacket(pool, { dport: 22 });
    rs.setTraceSlot(p);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0)).toBe(NF_ACCEPT);
    expect(rs.trace.events.length).toBeGreaterThan(0);
    const seen = rs.trace.events.length;
    const q = makePacket(pool, { dport: 23 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, q, 0)).toBe(NF_DROP);
    expect(rs.trace.events.length).toBe(seen);
    expect(rs.chainStats()[0]).toMatchObject({ packets: 2, policyPackets: 1 });
  });

  it('without code generation (node --disallow-code-generation-from-strings) the chains are interpreted', () => {
    const src = resolve(import.meta.dirname, '../../src');
    const script = join(mkdtempSync(join(tmpdir(), 'flowsim-jit-')), 'nogen.mts');
    writeFileSync(script, `
      import { PacketPool } from '${src}/buffers/pool.ts';
      import { compileRuleset } from '${src}/netfilter/compile.ts';
      import { parseText } from '${src}/nft/parse-text.ts';
      import { HOOK_FORWARD, NFPROTO_IPV4 } from '${src}/netfilter/host.ts';
      const r = parseText('table ip f { chain fwd { type filter hook forward priority 0; policy drop; } }', 'x.nft');
      const pool = new PacketPool({ capacity: 4 });
      const rs = compileRuleset(r.ruleset, pool, { listDevices: () => [] });
      console.log(rs.chains[0].fn === null ? 'interpreted' : 'generated', rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, pool.alloc(), 0));
    `);
    const run = (flags: string[]): string => spawnSync(process.execPath, [...flags, '--import', 'tsx', script], { encoding: 'utf8' }).stdout.trim();
    expect(run(['--disallow-code-generation-from-strings'])).toBe(`interpreted ${NF_DROP}`);
    expect(run([])).toBe(`generated ${NF_DROP}`);
  });
});
