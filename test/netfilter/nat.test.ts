/**
 * NAT chains as nf_nat_inet_fn() (net/netfilter/nf_nat_core.c) runs them, registered through
 * nf_nat_register_fn() (nft_chain_nat.c).
 */
import { describe, it, expect } from 'vitest';
import {
  HOOK_INPUT, HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_PREROUTING, NAT_KIND_DNAT, NAT_KIND_MASQUERADE, NAT_MANIP_DST,
  NAT_MANIP_SRC, NF_ACCEPT, NF_DROP, NFPROTO_IPV4, NFPROTO_IPV6, NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC,
  CT_STATE_ESTABLISHED, CT_STATE_NEW, NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PROTO_SPECIFIED,
} from '../../src/netfilter/index.ts';
import { ip4, load, makePacket } from './helpers.ts';

const RULES = `table ip nat {
  chain pre { type nat hook prerouting priority dstnat; tcp dport 8080 dnat to 192.168.1.2:80 }
  chain post { type nat hook postrouting priority srcnat; oifname "wan" masquerade }
}`;

describe('nat chains (nf_nat_inet_fn)', () => {
  it('registers one nat entry per hook at the fixed NAT priorities, for the nat family only', () => {
    const { rs } = load(RULES);
    expect(rs.hooks.entries(HOOK_PREROUTING, NFPROTO_IPV4).map((e) => [e.kind, e.priority])).toEqual([['nat', NF_IP_PRI_NAT_DST]]);
    expect(rs.hooks.entries(HOOK_OUTPUT, NFPROTO_IPV4).map((e) => e.priority)).toEqual([NF_IP_PRI_NAT_DST]);
    expect(rs.hooks.entries(HOOK_POSTROUTING, NFPROTO_IPV4).map((e) => e.priority)).toEqual([NF_IP_PRI_NAT_SRC]);
    expect(rs.hooks.entries(HOOK_INPUT, NFPROTO_IPV4).map((e) => e.priority)).toEqual([NF_IP_PRI_NAT_SRC]);
    expect(rs.hooks.entries(HOOK_PREROUTING, NFPROTO_IPV6)).toEqual([]);
  });

  it('consults the nat rules only for the first packet (ct new); later packets are only mangled', () => {
    const { rs, pool, host } = load(RULES);
    const first = makePacket(pool, { dport: 8080, ct: 5, ctState: CT_STATE_NEW });
    expect(rs.runHook(HOOK_PREROUTING, NFPROTO_IPV4, first, 0)).toBe(NF_ACCEPT);
    const setup = host.callsOf('natSetup');
    expect(setup).toHaveLength(1);
    expect(setup[0]!.args[0]).toBe(NAT_MANIP_DST);
    expect(setup[0]!.args[1]).toMatchObject({ kind: NAT_KIND_DNAT, min: ip4('192.168.1.2'), minPort: 80, maxPort: 80, flags: NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED });
    expect(host.callsOf('natMangle')).toHaveLength(1);
    // The second packet of the connection (same ct, now established): no rules, still mangled.
    const second = makePacket(pool, { dport: 8080, ct: 5, ctState: CT_STATE_ESTABLISHED });
    host.natDone.set(second, host.natDone.get(first)!);
    rs.runHook(HOOK_PREROUTING, NFPROTO_IPV4, second, 1);
    expect(host.callsOf('natSetup')).toHaveLength(1);
    expect(host.callsOf('natMangle')).toHaveLength(2);
  });

  it('allocates a null binding when no nat rule set one up', () => {
    const { rs, pool, host } = load(RULES);
    const p = makePacket(pool, { dport: 443, oif: 4 });
    rs.runHook(HOOK_PREROUTING, NFPROTO_IPV4, p, 0);
    rs.runHook(HOOK_POSTROUTING, NFPROTO_IPV4, p, 0);
    expect(host.callsOf('natSetup')).toHaveLength(0);
    expect(host.callsOf('natNullBinding').map((c) => c.args[0])).toEqual([NAT_MANIP_DST, NAT_MANIP_SRC]);
  });

  it('masquerade asks the host (which knows the out device) for a SRC binding', () => {
    const { rs, pool, host } = load(RULES);
    const p = makePacket(pool, { oif: 3 });
    rs.runHook(HOOK_POSTROUTING, NFPROTO_IPV4, p, 0);
    const setup = host.callsOf('natSetup');
    expect(setup).toHaveLength(1);
    expect(setup[0]!.args[0]).toBe(NAT_MANIP_SRC);
    expect(setup[0]!.args[1]).toMatchObject({ kind: NAT_KIND_MASQUERADE });
    expect(pool.oif[p]).toBe(3);
  });

  it('the first nat chain that sets up NAT ends the lookup; later nat chains are skipped', () => {
    const { rs, pool, host } = load(`table ip a { chain p1 { type nat hook postrouting priority 100; snat to 1.1.1.1 } }
      table ip b { chain p2 { type nat hook postrouting priority 110; counter snat to 2.2.2.2 } }`);
    rs.runHook(HOOK_POSTROUTING, NFPROTO_IPV4, makePacket(pool), 0);
    expect(host.callsOf('natSetup').map((c) => (c.args[1] as { min: number }).min)).toEqual([ip4('1.1.1.1')]);
    expect(rs.counters[0]!.packets).toBe(0);
  });

  it('a drop in a nat chain drops the packet; a host NAT failure drops with its reason', () => {
    const { rs, pool, host } = load(`table ip n { chain p { type nat hook prerouting priority -100; tcp dport 1 drop; tcp dport 2 dnat to 10.0.0.1 } }`);
    expect(rs.runHook(HOOK_PREROUTING, NFPROTO_IPV4, makePacket(pool, { dport: 1 }), 0)).toBe(NF_DROP);
    host.natSetupResult = 38;
    const p = makePacket(pool, { dport: 2 });
    expect(rs.runHook(HOOK_PREROUTING, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
    expect(pool.drop[p]).toBe(38);
  });

  it('snat outside a nat chain is refused at load', () => {
    const { rs } = load(`table ip f { chain post { type filter hook postrouting priority 100; snat to 1.1.1.1 } }`);
    expect(rs.errors.some((e) => e.kind === 'unsupported' && e.message.includes('nat chain'))).toBe(true);
  });
});
