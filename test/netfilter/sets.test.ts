/**
 * Sets, maps and stateful statements: nft_lookup_eval, nft_limit_eval, nft_quota_eval.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { HOOK_FORWARD, HOOK_INPUT, HOOK_OUTPUT, NF_ACCEPT, NF_DROP, NFPROTO_IPV4, HashSet, IntervalSet, TokenBucket } from '../../src/netfilter/index.ts';
import { FakeHost, load, makePacket, parse } from './helpers.ts';
import { PacketPool } from '../../src/buffers/pool.ts';
import { compileRuleset } from '../../src/netfilter/compile.ts';
import type { MangleStmt, VmapStmt } from '../../src/nft/ir.ts';

describe('sets and maps (nft_lookup_eval)', () => {
  it('named concatenated set: ip saddr . tcp dport', () => {
    const { rs, pool } = load(`table ip f {
      set allow { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 22, 10.0.0.2 . 443 } }
      chain fwd { type filter hook forward priority 0; policy drop; ip saddr . tcp dport @allow accept } }`);
    const run = (src: string, dport: number) => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { src, dport }), 0);
    expect(run('10.0.0.1', 22)).toBe(NF_ACCEPT);
    expect(run('10.0.0.2', 443)).toBe(NF_ACCEPT);
    expect(run('10.0.0.1', 443)).toBe(NF_DROP);
  });

  it('interval set with prefixes and ranges; != is non-membership', () => {
    const { rs, pool } = load(`table ip f {
      set nets { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.0.0/16, 172.16.0.1-172.16.0.9 } }
      chain fwd { type filter hook forward priority 0; policy accept; ip saddr != @nets drop } }`);
    const run = (src: string) => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { src }), 0);
    expect(run('10.255.0.1')).toBe(NF_ACCEPT);
    expect(run('192.168.44.1')).toBe(NF_ACCEPT);
    expect(run('172.16.0.5')).toBe(NF_ACCEPT);
    expect(run('172.16.0.10')).toBe(NF_DROP);
    expect(run('11.0.0.1')).toBe(NF_DROP);
  });

  it('anonymous verdict map with jump targets, and a map that yields a mark', () => {
    const ruleset = parse(`table ip f {
      map marks { type inet_service : mark; elements = { 22 : 0x1, 80 : 0x2 } }
      chain ssh { counter accept }
      chain fwd { type filter hook forward priority 0; policy drop;
        meta mark set 0x9
        tcp dport vmap { 22 : jump ssh, 80 : accept } } }`);
    // The text parser does not take \`meta mark set tcp dport map @marks\` yet: build that IR by hand.
    const rule = ruleset.tables[0]!.chains[1]!.rules[0]!;
    const mangle = rule.stmts[0] as MangleStmt;
    const dport = (ruleset.tables[0]!.chains[1]!.rules[1]!.stmts[0] as VmapStmt).key;
    rule.stmts[0] = { ...mangle, value: { kind: 'map', key: dport, map: { kind: 'setref', name: 'marks', loc: mangle.loc }, loc: mangle.loc } };
    const pool = new PacketPool({ capacity: 64 });
    const rs = compileRuleset(ruleset, pool, new FakeHost());
    expect(rs.errors).toEqual([]);
    const a = makePacket(pool, { dport: 22 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, a, 0)).toBe(NF_ACCEPT);
    expect(pool.mark[a]).toBe(1);
    expect(rs.counters[0]!.packets).toBe(1);
    const b = makePacket(pool, { dport: 80 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, b, 0)).toBe(NF_ACCEPT);
    expect(pool.mark[b]).toBe(2);
    // No map entry: the mangle breaks the rule (nft_lookup_eval → NFT_BREAK), the vmap misses too.
    const c = makePacket(pool, { dport: 81 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, c, 0)).toBe(NF_DROP);
    expect(pool.mark[c]).toBe(0);
  });

  it('property: small and large anonymous sets and verdict maps answer as set membership', () => {
    // Up to 8 one-word constants are scanned, more are hashed: both must give the same answers.
    const ports = fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(ports, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }), (keys, probes) => {
      const list = keys.join(', ');
      const vmap = keys.map((k, i) => `${k} : ${i % 2 === 0 ? 'accept' : 'drop'}`).join(', ');
      const { rs, pool } = load(`table ip f {
        chain a { type filter hook forward priority 0; policy drop; tcp dport { ${list} } accept }
        chain b { type filter hook input priority 0; policy accept; tcp dport != { ${list} } drop }
        chain c { type filter hook output priority 0; policy accept; tcp dport vmap { ${vmap} } } }`);
      for (const p of probes) {
        const i = keys.indexOf(p);
        expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { dport: p }), 0)).toBe(i >= 0 ? NF_ACCEPT : NF_DROP);
        expect(rs.runHook(HOOK_INPUT, NFPROTO_IPV4, makePacket(pool, { dport: p }), 0)).toBe(i >= 0 ? NF_ACCEPT : NF_DROP);
        expect(rs.runHook(HOOK_OUTPUT, NFPROTO_IPV4, makePacket(pool, { dport: p }), 0)).toBe(i >= 0 && i % 2 === 1 ? NF_DROP : NF_ACCEPT);
      }
    }), { numRuns: 150 });
  });

  it('elements expire in virtual time; add @set inserts with the set timeout', () => {
    const { rs, pool } = load(`table ip f {
      set seen { type ipv4_addr; flags timeout; timeout 10s; }
      chain fwd { type filter hook forward priority 0; policy accept;
        ip saddr @seen drop
        add @seen { ip saddr } } }`);
    const run = (t: number) => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { src: '1.2.3.4' }), t);
    expect(run(0)).toBe(NF_ACCEPT);
    expect(run(5e9)).toBe(NF_DROP);
    expect(run(10e9 + 1)).toBe(NF_ACCEPT); // expired, re-added
    expect(run(11e9)).toBe(NF_DROP);
  });

  it('property: a HashSet agrees with a Set of keys for any inserts and lookups', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(3))), fc.array(fc.tuple(fc.nat(50), fc.nat(3))), (ins, look) => {
      const hs = new HashSet(2, 1);
      const ref = new Set<string>();
      const k = new Uint32Array(2);
      for (const [a, b] of ins) { k[0] = a; k[1] = b; hs.insert(k, 0, Infinity, 0); ref.add(`${a}.${b}`); }
      for (const [a, b] of look) { k[0] = a; k[1] = b; expect(hs.lookup(k, 0, 0) >= 0).toBe(ref.has(`${a}.${b}`)); }
    }));
  });

  it('property: an IntervalSet agrees with a linear scan of its ranges', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.nat(1000), { maxLength: 20 }), fc.array(fc.nat(1100)), (starts, probes) => {
      const sorted = [...starts].sort((a, b) => a - b);
      const ranges = sorted.map((s, i) => ({ lo: Uint32Array.of(s * 10), hi: Uint32Array.of(s * 10 + (i % 5)), expires: Infinity }));
      const set = new IntervalSet(1, ranges);
      const k = new Uint32Array(1);
      for (const p of probes) {
        k[0] = p * 9;
        const want = ranges.some((r) => k[0]! >= r.lo[0]! && k[0]! <= r.hi[0]!);
        expect(set.lookup(k, 0, 0) >= 0).toBe(want);
      }
    }));
  });
});

describe('limit (nft_limit_eval) and quota (nft_quota_eval) in virtual time', () => {
  it('limit rate 10/second burst 5 packets: exactly burst + rate·t packets pass', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; limit rate 10/second burst 5 packets accept } }`);
    let passed = 0;
    // 1000 packets/s for 2 s.
    for (let i = 0; i < 2000; i++) {
      const p = makePacket(pool);
      if (rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, i * 1e6) === NF_ACCEPT) passed++;
      pool.free(p);
    }
    // t runs to 1.999 s: 5 + floor(10 × 1.999) = 24.
    expect(passed).toBe(5 + 19);
  });

  it('limit rate over passes the excess only', () => {
    const tb = new TokenBucket(2, 'second', 0, false, true, 0);
    // burst 0 → 5 (NFT_LIMIT_PKT_BURST_DEFAULT): the first 5 are within the limit, so "over" breaks.
    const res = Array.from({ length: 7 }, () => tb.eval(0, 100));
    expect(res).toEqual([true, true, true, true, true, false, false]);
  });

  it('property: a packet bucket never passes more than burst + rate·t', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 20 }), fc.array(fc.nat(1e8), { maxLength: 200 }), (rate, burst, gaps) => {
      const tb = new TokenBucket(rate, 'second', burst, false, false, 0);
      let now = 0;
      let passed = 0;
      for (const g of gaps) { now += g; if (!tb.eval(now, 100)) passed++; }
      expect(passed).toBeLessThanOrEqual(burst + Math.floor((now * rate) / 1e9) + 1);
    }));
  });

  it('quota 300 bytes: packets pass until consumed reaches the quota (consumed ≥ quota breaks)', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; quota 300 bytes accept } }`);
    // IPv4 + TCP, 60 bytes of payload: skb->len = 100.
    const res = Array.from({ length: 4 }, () => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { payload: 60 }), 0));
    expect(res).toEqual([NF_ACCEPT, NF_ACCEPT, NF_DROP, NF_DROP]);
  });
});
