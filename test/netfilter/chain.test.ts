/**
 * nft_do_chain() semantics (net/netfilter/nf_tables_core.c) and nf_hook_slow() ordering.
 */
import { describe, it, expect } from 'vitest';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import {
  HOOK_FORWARD, HOOK_INPUT, HOOK_PREROUTING, NF_ACCEPT, NF_DROP, NFPROTO_IPV4, NFPROTO_IPV6, NF_IP_PRI_CONNTRACK,
  REJECT_ICMP, REJECT_ICMPX, REJECT_TCP_RST, CT_STATE_ESTABLISHED, CT_STATE_NEW, CT_STATE_INVALID,
} from '../../src/netfilter/index.ts';
import { load, makePacket } from './helpers.ts';

const counterOf = (rs: ReturnType<typeof load>['rs'], i: number): number => rs.counters[i]!.packets;

describe('hooks run every base chain in priority order (nf_hook_slow)', () => {
  it('an accept in one base chain does not skip a later base chain on the same hook (two tables)', () => {
    const { rs, pool } = load(`
      table ip a { chain fwd { type filter hook forward priority 0; policy drop; accept } }
      table ip b { chain fwd { type filter hook forward priority 10; policy accept; tcp dport 80 drop } }`);
    const p = makePacket(pool, { dport: 80 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(pool.drop[p]).toBe(DropReason.NETFILTER_DROP);
    const q = makePacket(pool, { dport: 443 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, q, 0)).toBe(NF_ACCEPT);
  });

  it('orders entries by priority; among equal priorities the later registered runs first (nf_hook_entries_grow)', () => {
    const { rs } = load(`
      table inet x { chain a { type filter hook forward priority 0; } }
      table inet y { chain b { type filter hook forward priority 0; } chain c { type filter hook forward priority -5; } }`,
    { builtins: [{ name: 'conntrack in', family: NFPROTO_IPV4, hook: HOOK_PREROUTING, priority: NF_IP_PRI_CONNTRACK, run: () => NF_ACCEPT }] });
    expect(rs.hooks.entries(HOOK_FORWARD, NFPROTO_IPV4).map((e) => e.name)).toEqual(['inet y c', 'inet y b', 'inet x a']);
    // inet chains register on both families.
    expect(rs.hooks.entries(HOOK_FORWARD, NFPROTO_IPV6).map((e) => e.name)).toEqual(['inet y c', 'inet y b', 'inet x a']);
    expect(rs.hooks.entries(HOOK_PREROUTING, NFPROTO_IPV4).map((e) => e.name)).toEqual(['conntrack in']);
  });

  it('a base chain with policy drop drops what no rule accepted', () => {
    const { rs, pool } = load(`table ip f { chain input { type filter hook input priority 0; policy drop; tcp dport 22 accept } }`);
    expect(rs.runHook(HOOK_INPUT, NFPROTO_IPV4, makePacket(pool, { dport: 22 }), 0)).toBe(NF_ACCEPT);
    const p = makePacket(pool, { dport: 23 });
    expect(rs.runHook(HOOK_INPUT, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(rs.chainStats()[0]!.policyPackets).toBe(1);
  });
});

describe('verdicts inside one nft_do_chain run', () => {
  it('jump returns to the rule after the jump; return pops', () => {
    const { rs, pool } = load(`table ip f {
      chain sub { tcp dport 22 return; counter; }
      chain fwd { type filter hook forward priority 0; policy accept; jump sub; counter; drop } }`);
    const a = makePacket(pool, { dport: 22 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, a, 0)).toBe(NF_DROP);
    expect(counterOf(rs, 0)).toBe(0); // sub's counter skipped by return
    expect(counterOf(rs, 1)).toBe(1); // fwd's counter after the jump ran
    const b = makePacket(pool, { dport: 80 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, b, 0)).toBe(NF_DROP);
    expect(counterOf(rs, 0)).toBe(1); // end of sub returns to the caller
    expect(counterOf(rs, 1)).toBe(2);
  });

  it('goto does not return: the end of the target chain ends the base chain (policy)', () => {
    const { rs, pool } = load(`table ip f {
      chain sub { counter }
      chain fwd { type filter hook forward priority 0; policy accept; goto sub; counter; drop } }`);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0)).toBe(NF_ACCEPT);
    expect(counterOf(rs, 0)).toBe(1);
    expect(counterOf(rs, 1)).toBe(0);
  });

  it('continue moves on to the next rule', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; counter continue; counter accept } }`);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0)).toBe(NF_ACCEPT);
    expect(counterOf(rs, 0)).toBe(1);
    expect(counterOf(rs, 1)).toBe(1);
  });

  it('more than NFT_JUMP_STACK_SIZE (16) nested jumps drop the packet with NFT_JUMP_STACK', () => {
    const chains = Array.from({ length: 18 }, (_, i) => `chain c${i} { ${i < 17 ? `jump c${i + 1}` : 'accept'} }`).join('\n');
    const { rs, pool } = load(`table ip f { ${chains} chain fwd { type filter hook forward priority 0; jump c0 } }`);
    expect(rs.errors.some((e) => e.message.includes('jump depth'))).toBe(true);
    const p = makePacket(pool);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(pool.drop[p]).toBe(DropReason.NFT_JUMP_STACK);
  });

  it('16 nested jumps still work', () => {
    const chains = Array.from({ length: 16 }, (_, i) => `chain c${i} { ${i < 15 ? `jump c${i + 1}` : 'drop'} }`).join('\n');
    const { rs, pool } = load(`table ip f { ${chains} chain fwd { type filter hook forward priority 0; jump c0 } }`);
    const p = makePacket(pool);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(pool.drop[p]).toBe(DropReason.NETFILTER_DROP);
  });

  it('a goto loop is reported at load and cannot spin at run time', () => {
    const { rs, pool } = load(`table ip f { chain a { goto b } chain b { goto a } chain fwd { type filter hook forward priority 0; goto a } }`);
    expect(rs.errors.some((e) => e.message.includes('chain loop'))).toBe(true);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0)).toBe(NF_DROP);
  });
});

describe('matches', () => {
  it('tcp dport does not match a UDP packet (implicit meta l4proto tcp dependency)', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; tcp dport 53 drop } }`);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { proto: 17, dport: 53 }), 0)).toBe(NF_ACCEPT);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { proto: 6, dport: 53 }), 0)).toBe(NF_DROP);
  });

  it('tcp flags & (syn|ack) == syn matches a SYN and not a SYN-ACK', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; tcp flags & (syn|ack) == syn drop } }`);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { tcpFlags: 0x02 }), 0)).toBe(NF_DROP);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { tcpFlags: 0x12 }), 0)).toBe(NF_ACCEPT);
  });

  it('prefixes, ranges and != on addresses and ports', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop;
      ip saddr 10.0.0.0/8 tcp dport 1000-2000 accept
      ip daddr != 8.8.8.8 accept } }`);
    const run = (spec: Parameters<typeof makePacket>[1]) => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, spec), 0);
    expect(run({ src: '10.1.2.3', dport: 1500 })).toBe(NF_ACCEPT);
    expect(run({ src: '10.1.2.3', dport: 2001 })).toBe(NF_DROP);
    expect(run({ src: '11.0.0.1', dport: 1500, dst: '1.1.1.1' })).toBe(NF_ACCEPT);
  });

  it('iifname "eth*" matches every eth device, and devices that appear later after refreshDevices()', () => {
    const { rs, pool, host } = load(`table inet f { chain fwd { type filter hook forward priority 0; policy drop; iifname "eth*" accept } }`);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { iif: 1 }), 0)).toBe(NF_ACCEPT);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { iif: 2 }), 0)).toBe(NF_ACCEPT);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { iif: 3 }), 0)).toBe(NF_DROP);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { iif: 9 }), 0)).toBe(NF_DROP);
    host.devices.push([9, 'eth9']);
    rs.refreshDevices();
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { iif: 9 }), 0)).toBe(NF_ACCEPT);
  });

  it('ct state vmap: established accept, invalid drop, new falls through to the policy', () => {
    const { rs, pool } = load(`table inet f { chain fwd { type filter hook forward priority 0; policy drop;
      ct state vmap { established : accept, related : accept, invalid : drop }
      tcp dport 22 accept } }`);
    const run = (ctState: number, dport = 80) => rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { ctState, dport }), 0);
    expect(run(CT_STATE_ESTABLISHED)).toBe(NF_ACCEPT);
    expect(run(CT_STATE_INVALID)).toBe(NF_DROP);
    expect(run(CT_STATE_NEW)).toBe(NF_DROP);
    expect(run(CT_STATE_NEW, 22)).toBe(NF_ACCEPT);
    // No conntrack entry reads as invalid (nft_ct_get_eval).
    expect(run(0)).toBe(NF_DROP);
  });
});

describe('statements', () => {
  it('reject calls the host with the kind the family implies and drops with NFT_REJECT', () => {
    const { rs, pool, host } = load(`
      table ip a { chain input { type filter hook input priority 0; tcp dport 23 reject with tcp reset; udp dport 9 reject } }
      table inet b { chain input { type filter hook input priority 1; udp dport 10 reject } }`);
    const p = makePacket(pool, { dport: 23 });
    expect(rs.runHook(HOOK_INPUT, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(pool.drop[p]).toBe(DropReason.NFT_REJECT);
    rs.runHook(HOOK_INPUT, NFPROTO_IPV4, makePacket(pool, { proto: 17, dport: 9 }), 0);
    rs.runHook(HOOK_INPUT, NFPROTO_IPV4, makePacket(pool, { proto: 17, dport: 10 }), 0);
    expect(host.callsOf('reject').map((c) => c.args)).toEqual([[REJECT_TCP_RST, 0], [REJECT_ICMP, 3], [REJECT_ICMPX, 1]]);
  });

  it('a failed flow add breaks the rule: the counter after it does not count (nft_flow_offload_eval → NFT_BREAK)', () => {
    const { rs, pool, host } = load(`table inet f {
      flowtable ft { hook ingress priority 0; devices = { eth0, wan }; }
      chain fwd { type filter hook forward priority 0; meta l4proto tcp flow add @ft counter } }`);
    host.flowAddResult = false;
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0);
    expect(host.callsOf('flowAdd')).toHaveLength(1);
    expect(rs.counters[0]!.packets).toBe(0);
    host.flowAddResult = true;
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0);
    expect(rs.counters[0]!.packets).toBe(1);
    expect(rs.flowtables[0]).toMatchObject({ name: 'ft', devices: ['eth0', 'wan'], priority: 0 });
  });

  it('meta mark set, ct mark set and meta nftrace set write the packet and the connection', () => {
    const { rs, pool, host } = load(`table ip f { chain fwd { type filter hook forward priority 0; meta mark set 0x10 ct mark set meta mark meta nftrace set 1 } }`);
    const p = makePacket(pool);
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0);
    expect(pool.mark[p]).toBe(0x10);
    expect(host.ctMarks.get(p)).toBe(0x10);
    expect(pool.trace[p]).toBe(1);
  });

  it('log passes the compiled statement index, not a string', () => {
    const { rs, pool, host } = load(`table ip f { chain input { type filter hook input priority 0; log prefix "in: " level info } }`);
    rs.runHook(HOOK_INPUT, NFPROTO_IPV4, makePacket(pool), 0);
    expect(host.callsOf('log')[0]!.args).toEqual([0]);
    expect(rs.logs[0]).toMatchObject({ prefix: 'in: ', level: 'info', chain: 'input' });
  });

  it('unsupported IR is reported with a location and the rule never matches', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; ct count over 3 drop } }`);
    expect(rs.errors[0]).toMatchObject({ kind: 'unsupported' });
    expect(rs.errors[0]!.loc.line).toBe(1);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool), 0)).toBe(NF_ACCEPT);
  });
});
