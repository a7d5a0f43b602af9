/**
 * NAT against the kernel's (net/netfilter/nf_nat_core.c, nf_nat_proto.c, nf_nat_masquerade.c,
 * nf_nat_redirect.c): port and address choice, the transports NAT rewrites, ICMP errors about
 * NATed connections. Each test asserts the kernel's behaviour and names the function responsible.
 * Frames are built and checked by raw-frames.ts, which shares no code with src/wire.
 */
import { describe, expect, it } from 'vitest';
import { SYN, checksumsOk, icmpError, ipv4, ipv6, makeRouter, parse, type Rec, sctpCsumOk, sctpInit, tcp, udp, udplite } from './raw-frames.ts';

/** LAN eth0 192.168.1.0/24, WAN eth1 198.51.100.0/24 (default via .1); host a on the LAN, "up" catches everything on the WAN. */
function yaml(ruleset: string, opts: { wanAddrs?: string; lanAddrs?: string; routes?: string; extraHosts?: string } = {}): string {
  return `
name: NAT kernel semantics
seed: 1
duration: 1s
device: { soc: generic-x86 }
interfaces:
  - { name: eth0, kind: ethernet, mac: "02:33:00:00:00:01", addresses: ${opts.lanAddrs ?? '[192.168.1.1/24, "2001:db8:1::1/64"]'} }
  - { name: eth1, kind: ethernet, mac: "02:33:00:00:00:02", addresses: ${opts.wanAddrs ?? '[198.51.100.2/24, "2001:db8:ffff::2/64"]'} }
routes:
${opts.routes ?? `  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: "::/0", via: "2001:db8:ffff::1", dev: eth1 }`}
hosts:
  - { name: a, interface: eth0, addresses: [192.168.1.50, "2001:db8:1::50"] }
  - { name: b, interface: eth0, addresses: [192.168.1.51] }
  - { name: up, interface: eth1, addresses: [0.0.0.0/0, "::/0"] }
${opts.extraHosts ?? ''}
ruleset:
  inline: |
${ruleset.split('\n').map((l) => `    ${l}`).join('\n')}
traffic: []
`;
}

/** The checksums of a packet we built (sanity check of the test's own builders). */
const selfOk = (ip: Buffer) => checksumsOk(parse('000000000000000000000000' + ((ip[0]! >>> 4) === 6 ? '86dd' : '0800') + ip.toString('hex')));

const txOn = (out: Rec[], iface: string): Rec[] => out.filter((o) => o.kind === 'tx' && o.iface === iface);

describe('NAT: port choice', () => {
  it('dnat to a port range without `random` maps to the FIRST port of the range (nf_nat_l4proto_unique_tuple, off = 0 for DST)', () => {
    // Kernel (since "netfilter: nat: restore default DNAT behavior", 6.8): in nf_nat_l4proto_unique_tuple
    //   else if ((range->flags & NF_NAT_RANGE_PROTO_RANDOM_ALL) || maniptype != NF_NAT_MANIP_DST) off = get_random_u16();
    //   else off = 0;
    // so the first SYN to :8080 goes to 192.168.1.50:21000, the next (while 21000 is in use for that
    // tuple) to 21001, ...
    const { out, inject } = makeRouter(yaml(`table ip nat {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    iifname "eth1" tcp dport 8080 dnat to 192.168.1.50:21000-21010
  }
}`), 'dnat-range.yaml');
    inject('up', ipv4('203.0.113.9', '198.51.100.2', 6, tcp(40000, 8080, SYN)), 1e6);
    const lan = txOn(out, 'eth0');
    expect(lan.length).toBe(1);
    const p = parse(lan[0]!.hex);
    expect(p.dst).toBe('192.168.1.50');
    expect(p.dport).toBe(21000);
  });
});

const MASQ = (extra = '') => `table ip nat {
  chain post { type nat hook postrouting priority srcnat; policy accept;
    ${extra || 'oifname "eth1" masquerade'}
  }
}`;

describe('NAT: mappings, masquerade source, transports', () => {
  it('masquerade picks the out-device address in the next hop\'s subnet (nf_nat_masquerade_ipv4 → inet_select_addr(out, nh))', () => {
    // nf_nat_masquerade_ipv4: nh = rt_nexthop(rt, daddr); newsrc = inet_select_addr(out, nh, RT_SCOPE_UNIVERSE):
    // the first primary address whose subnet holds nh (else the first primary). The gateway is
    // 198.51.100.1, so 198.51.100.2 — not the device's first address 10.9.9.2.
    const { out, inject } = makeRouter(yaml(MASQ(), { wanAddrs: '[10.9.9.2/24, 198.51.100.2/24, "2001:db8:ffff::2/64"]' }), 'masq-addr.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 1e6);
    const wan = txOn(out, 'eth1').map((o) => parse(o.hex));
    expect(wan.length).toBe(1);
    expect(wan[0]!.src).toBe('198.51.100.2');
  });

  it('an ICMP redirect about a NATed connection is dropped (nf_nat_icmp_reply_translation returns 0)', () => {
    // nf_nat_icmp_reply_translation: if (inside->icmp.type == ICMP_REDIRECT) { ...
    //   if (ct->status & IPS_NAT_MASK) return 0; }  → nf_nat_ipv4_fn returns NF_DROP.
    // flowsim's natIcmpError (src/sim/router.ts) returns 0 = accept and lets it through untranslated.
    const { out, inject } = makeRouter(yaml(MASQ()), 'redirect.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 1e6);
    const sent = parse(txOn(out, 'eth1')[0]!.hex);
    const quote = sent.l3.subarray(0, 28);
    const n = out.length;
    inject('up', ipv4('198.51.100.1', '198.51.100.2', 1, icmpError(5, 1, quote, 0xc6336403)), 2e6);
    const after = out.slice(n);
    expect(after.map((o) => o.kind)).toEqual(['drop']);
  });

  it('SCTP source port remapped into the range is written to the packet, CRC32c recomputed (sctp_manip_pkt)', () => {
    // nf_nat_l4proto_unique_tuple handles SCTP like TCP/UDP (flowsim too: hasPorts), and
    // l4proto_manip_pkt → sctp_manip_pkt writes hdr->source and recomputes the CRC32c.
    // flowsim's natSetSport (src/wire/nat.ts) only writes TCP/UDP: the tuple says port P, the bytes keep 5000.
    const { out, inject } = makeRouter(yaml(MASQ('oifname "eth1" meta l4proto sctp masquerade to :2000-2999')), 'sctp.yaml');
    const pkt = ipv4('192.168.1.50', '203.0.113.9', 132, sctpInit(5000, 80));
    expect(selfOk(pkt)).toEqual({ ip: true, l4: true });
    inject('a', pkt, 1e6);
    const wan = txOn(out, 'eth1').map((o) => parse(o.hex));
    expect(wan.length).toBe(1);
    expect(wan[0]!.src).toBe('198.51.100.2');
    expect(wan[0]!.sport).toBeGreaterThanOrEqual(2000);
    expect(wan[0]!.sport).toBeLessThanOrEqual(2999);
    expect(sctpCsumOk(wan[0]!.l4)).toBe(true);
  });

  it('UDP-Lite checksum follows the address change (udplite_manip_pkt → nf_csum_update)', () => {
    // udplite_manip_pkt: __udp_manip_pkt(..., do_csum = true): the pseudo-header change is folded in
    // (nf_nat_ipv4_csum_update). flowsim's ipv4SetAddr (src/wire/nat.ts) patches TCP/UDP only.
    const { out, inject } = makeRouter(yaml(MASQ()), 'udplite.yaml');
    const pkt = ipv4('192.168.1.50', '203.0.113.9', 136, udplite(5000, 53));
    expect(selfOk(pkt)).toEqual({ ip: true, l4: true });
    inject('a', pkt, 1e6);
    const wan = txOn(out, 'eth1').map((o) => parse(o.hex));
    expect(wan.length).toBe(1);
    expect(wan[0]!.src).toBe('198.51.100.2');
    expect(checksumsOk(wan[0]!)).toEqual({ ip: true, l4: true });
  });
});

describe('NAT: ICMP errors, redirect', () => {
  it('ICMP error about a port-only DNATed connection gets the outer source of the target tuple (nf_nat_icmp_reply_translation)', () => {
    // nf_nat_icmp_reply_translation always rewrites the OUTER header after the inner one:
    //   nf_ct_invert_tuple(&target, &ct->tuplehash[!dir].tuple); nf_nat_ipv4_manip_pkt(skb, 0, &target, manip)
    // and nf_nat_ipv4_manip_pkt writes iph->saddr = target->src.u3.ip unconditionally. For
    // `dnat to :8080` (address kept) a time-exceeded from a router beyond (198.51.100.1) leaves
    // with source 203.0.113.9 (the original destination). flowsim's natIcmpError only rewrites the
    // outer address when the connection's address changed (NAT_CHANGE_SADDR).
    const { out, inject } = makeRouter(yaml(`table ip nat {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    iifname "eth0" tcp dport 80 dnat to :8080
  }
}`), 'dnat-port-icmp.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 6, tcp(40000, 80, SYN)), 1e6);
    const sent = parse(txOn(out, 'eth1')[0]!.hex);
    expect(sent.dport).toBe(8080);
    const n = out.length;
    inject('up', ipv4('198.51.100.1', '192.168.1.50', 1, icmpError(11, 0, sent.l3.subarray(0, 28))), 2e6);
    const lan = txOn(out.slice(n), 'eth0').map((o) => parse(o.hex));
    expect(lan.length).toBe(1);
    const inner = lan[0]!.l4.subarray(8);
    expect(inner.readUInt16BE(20 + 2)).toBe(80); // inner dport restored (this part flowsim does)
    expect(lan[0]!.src).toBe('203.0.113.9');
  });

  it('redirect on a device without an IPv4 address drops (nf_nat_redirect_ipv4: !newdst → NF_DROP)', () => {
    // nf_nat_redirect_ipv4: newdst = first ifa_local of __in_dev_get_rcu(skb->dev)->ifa_list;
    // if (!newdst) return NF_DROP. flowsim's natSetup (src/sim/router.ts, NAT_KIND_REDIRECT) takes
    // addr4[iif] = 0 and DNATs to 0.0.0.0:3128, which is then routed out of eth1.
    const { out, inject } = makeRouter(yaml(`table ip nat {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    iifname "eth0" tcp dport 80 redirect to :3128
  }
}`, { lanAddrs: '["2001:db8:1::1/64"]', routes: `  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: 192.168.1.0/24, dev: eth0 }
  - { dst: "::/0", via: "2001:db8:ffff::1", dev: eth1 }` }), 'redir-noaddr.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 6, tcp(40000, 80, SYN)), 1e6);
    expect(out.map((o) => [o.kind, o.kind === 'tx' ? parse(o.hex).dst : o.reason])).toEqual([['drop', expect.anything()]]);
  });

  it('an ICMP error quoting fewer than 8 bytes of a NATed TCP header is dropped (tcp_manip_pkt: skb_ensure_writable(hdroff + 8) fails)', () => {
    // Conntrack finds the connection from the 4 port bytes (RELATED), but the inner manip
    // (nf_nat_ipv4_manip_pkt → tcp_manip_pkt, hdrsize = 8) cannot make 8 bytes writable, so
    // nf_nat_icmp_reply_translation returns 0 → NF_DROP. flowsim's natIcmpInnerV4 skips the port
    // when avail < 8 and forwards the error with only the addresses translated.
    const { out, inject } = makeRouter(yaml(MASQ()), 'shortquote.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 6, tcp(40000, 80, SYN)), 1e6);
    const sent = parse(txOn(out, 'eth1')[0]!.hex);
    const n = out.length;
    inject('up', ipv4('198.51.100.1', '198.51.100.2', 1, icmpError(11, 0, sent.l3.subarray(0, 24))), 2e6);
    expect(out.slice(n).map((o) => o.kind)).toEqual(['drop']);
  });
});

describe('NAT: checksums and protocols without ports', () => {
  it('UDP over IPv4 with checksum 0 stays 0 through SNAT (udp_manip_pkt: do_csum = !!hdr->check)', () => {
    const { out, inject } = makeRouter(yaml(MASQ('oifname "eth1" meta l4proto udp masquerade to :2000-2999')), 'udp0.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53), { udpZero: true }), 1e6);
    const p = parse(txOn(out, 'eth1')[0]!.hex);
    expect(p.src).toBe('198.51.100.2');
    expect(p.sport).toBeGreaterThanOrEqual(2000);
    expect(p.l4.readUInt16BE(6)).toBe(0);
    expect(checksumsOk(p).ip).toBe(true);
  });

  it.each([
    { name: 'UDP', proto: 17, l4: () => udp(5000, 53) },
    { name: 'UDP-Lite', proto: 136, l4: () => udplite(5000, 53) },
    { name: 'SCTP', proto: 132, l4: () => sctpInit(5000, 53) },
  ])('ICMP port unreachable about a masqueraded, port-remapped $name flow: inner source and port restored, all checksums valid (nf_nat_icmp_reply_translation)', ({ proto, l4 }) => {
    const { out, inject } = makeRouter(yaml(MASQ('oifname "eth1" masquerade to :2000-2999')), 'icmp-unreach.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', proto, l4()), 1e6);
    const sent = parse(txOn(out, 'eth1')[0]!.hex);
    expect(sent.sport).toBeGreaterThanOrEqual(2000);
    expect(checksumsOk(sent)).toEqual({ ip: true, l4: true });
    const n = out.length;
    inject('up', ipv4('203.0.113.9', '198.51.100.2', 1, icmpError(3, 3, sent.l3)), 2e6);
    const lan = txOn(out.slice(n), 'eth0').map((o) => parse(o.hex));
    expect(lan.length).toBe(1);
    const e = lan[0]!;
    expect([e.src, e.dst]).toEqual(['203.0.113.9', '192.168.1.50']);
    expect(checksumsOk(e)).toEqual({ ip: true, l4: true });
    const inner = parse('000000000000000000000000' + '0800' + e.l4.subarray(8).toString('hex'));
    expect([inner.src, inner.sport, inner.dst, inner.dport]).toEqual(['192.168.1.50', 5000, '203.0.113.9', 53]);
    expect(checksumsOk(inner)).toEqual({ ip: true, l4: true });
  });

  it('NAT66 masquerade of TCP: address in the pseudo-header folded into the checksum (nf_nat_ipv6_csum_update)', () => {
    const { out, inject } = makeRouter(yaml(`table inet nat {
  chain post { type nat hook postrouting priority srcnat; policy accept;
    oifname "eth1" masquerade
  }
}`), 'nat66.yaml');
    inject('a', ipv6('2001:db8:1::50', '2001:db8:9::9', 6, tcp(40000, 443, SYN)), 1e6);
    const p = parse(txOn(out, 'eth1')[0]!.hex);
    expect(p.src).toBe('20010db8ffff00000000000000000002');
    expect(checksumsOk(p)).toEqual({ ip: true, l4: true });
  });

  it('GRE (no NAT l4 handler beyond PPTP): masquerade rewrites the address only (l4proto_manip_pkt → gre_manip_pkt GREv0: nothing)', () => {
    const { out, inject } = makeRouter(yaml(MASQ()), 'gre.yaml');
    const gre = Buffer.from('00000800' + '4500001c000000004011000001020304050607080035003500080000', 'hex');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 47, gre), 1e6);
    const p = parse(txOn(out, 'eth1')[0]!.hex);
    expect(p.src).toBe('198.51.100.2');
    expect(checksumsOk(p).ip).toBe(true);
    expect(p.l4.toString('hex')).toBe(gre.toString('hex'));
  });
});
