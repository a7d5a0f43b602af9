/**
 * Tracing (`meta nftrace set 1`, nf_tables_trace.c) and counters that add up.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { HOOK_FORWARD, NF_ACCEPT, NF_DROP, NFPROTO_IPV4 } from '../../src/netfilter/index.ts';
import { load, makePacket } from './helpers.ts';

describe('trace (nft monitor trace lines)', () => {
  it('records hooks, rules, verdicts and policy for the traced packet only', () => {
    const { rs, pool } = load(`table ip filter {
      chain sub { tcp dport 80 counter }
      chain forward { type filter hook forward priority 0; policy drop;
        meta nftrace set 1
        jump sub
        tcp dport 22 accept } }`);
    const p = makePacket(pool, { dport: 80, iif: 1, src: '192.168.1.10', dst: '8.8.8.8' });
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0);
    const lines = rs.traceLines().map((l) => l.replace(/^trace id [0-9a-f]{8} /, ''));
    expect(lines[0]).toMatch(/^ip filter forward packet: iif "eth0" oif "wan" ip saddr 192\.168\.1\.10 ip daddr 8\.8\.8\.8 .*tcp sport 40000 tcp dport 80 tcp flags == syn$/);
    expect(lines.slice(1)).toEqual([
      'ip filter forward rule meta nftrace set 1 (verdict continue)',
      'ip filter forward rule jump sub (verdict jump sub)',
      'ip filter sub rule tcp dport 80 counter packets 0 bytes 0 (verdict continue)',
      'ip filter sub verdict continue',
      'ip filter forward verdict continue',
      'ip filter forward policy drop',
    ]);
    // A packet of a ruleset that never sets nftrace records nothing.
    const quiet = load(`table ip filter { chain forward { type filter hook forward priority 0; accept } }`);
    quiet.rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(quiet.pool), 0);
    expect(quiet.rs.trace.events).toHaveLength(0);
  });

  it('a global trace slot traces one packet without meta nftrace', () => {
    const { rs, pool } = load(`table ip filter { chain forward { type filter hook forward priority 0; tcp dport 22 accept } }`);
    const p = makePacket(pool, { dport: 22 });
    rs.setTraceSlot(p);
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0);
    expect(rs.traceLines().map((l) => l.replace(/^trace id [0-9a-f]{8} /, '')).slice(1)).toEqual(['ip filter forward rule tcp dport 22 accept (verdict accept)']);
  });
});

describe('counters add up', () => {
  it('property: for random accept/drop/counter rulesets, packets in = accepted + dropped, and per-rule counters match the verdicts', () => {
    const rule = fc.record({ port: fc.integer({ min: 1, max: 4 }), action: fc.constantFrom('accept', 'drop', 'counter') });
    fc.assert(fc.property(fc.array(rule, { maxLength: 8 }), fc.constantFrom('accept', 'drop'), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), (rules, policy, ports) => {
      const body = rules.map((r) => `tcp dport ${r.port} ${r.action}`).join('\n');
      const { rs, pool, host } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy ${policy};\n${body}\n} }`);
      void host;
      let accepted = 0;
      let dropped = 0;
      for (const port of ports) {
        const p = makePacket(pool, { dport: port });
        const v = rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0);
        if (v === NF_ACCEPT) accepted++;
        else if (v === NF_DROP) dropped++;
        pool.free(p);
      }
      expect(accepted + dropped).toBe(ports.length);
      const stats = rs.ruleStats();
      const chain = rs.chainStats()[0]!;
      expect(chain.packets).toBe(ports.length);
      // Every packet ends at exactly one verdict rule or at the policy.
      const verdictHits = stats.filter((_, i) => rules[i]!.action !== 'counter').reduce((a, s) => a + s.packets, 0);
      expect(verdictHits + chain.policyPackets).toBe(ports.length);
      // Reference model: first accept/drop rule with a matching port decides.
      let refAccept = 0;
      for (const port of ports) {
        const hit = rules.find((r) => r.port === port && r.action !== 'counter');
        if ((hit?.action ?? policy) === 'accept') refAccept++;
      }
      expect(accepted).toBe(refAccept);
    }), { numRuns: 60 });
  });
});
