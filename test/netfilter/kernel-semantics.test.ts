/**
 * nftables rule evaluation against the kernel (mainline 6.6–6.12, net/netfilter/nft_*.c) and nft
 * userspace (libnftables src/evaluate.c: how the text compiles). Each test asserts the KERNEL's
 * behaviour and quotes the function responsible.
 * Frames for whole-router tests are built by test/engine/raw-frames.ts (independent of src/wire).
 */
import { describe, expect, it } from 'vitest';
import { HOOK_FORWARD, NF_ACCEPT, NF_DROP, NFPROTO_IPV4 } from '../../src/netfilter/index.ts';
import { CT_STATE_ESTABLISHED } from '../../src/netfilter/host.ts';
import { load, makePacket } from './helpers.ts';
import { ipv4, ipv6, makeRouter, parse, routerYaml, tcp, udp, type Rec } from '../engine/raw-frames.ts';

const SYN = 0x02;
const ACK = 0x10;

/** The two-port router of test/engine/raw-frames.ts (host a on eth0, up beyond eth1) around `ruleset`. */
const yaml = (ruleset: string, routes?: string): string => routerYaml(ruleset, routes === undefined ? {} : { routes });
const txOn = (out: Rec[], iface: string): Rec[] => out.filter((o) => o.kind === 'tx' && o.iface === iface);

describe('reject: the dependencies nft adds (evaluate.c stmt_reject_gen_dependency)', () => {
  it('`counter reject with tcp reset`: the implicit `meta l4proto tcp` goes at the START of the rule, so a UDP packet is not counted', () => {
    // nftables src/evaluate.c, stmt_reject_gen_dependency():
    //   case NFT_REJECT_TCP_RST: ret = reject_payload_gen_dependency_tcp(ctx, stmt, &payload);
    //   ...
    //   /* Unlike payload deps this adds the dependency at the beginning, i.e.
    //    * log ... reject with tcp-reset  turns into  meta l4proto tcp log ... reject with tcp-reset
    //    * Otherwise we'd log things that won't be rejected. */
    //   list_add(&nstmt->list, &ctx->rule->stmts);
    // (A TCP check inside the reject op would come after the counter had run.)
    const { rs, pool, host } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy accept; counter reject with tcp reset } }`);
    const u = makePacket(pool, { proto: 17, dport: 53 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, u, 0)).toBe(NF_ACCEPT);
    expect(host.callsOf('reject').length).toBe(0);
    expect(rs.counters[0]!.packets).toBe(0);
    // A TCP packet: counted and rejected.
    const t = makePacket(pool, { proto: 6, dport: 23 });
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, t, 0)).toBe(NF_DROP);
    expect(rs.counters[0]!.packets).toBe(1);
  });

  it('`reject with icmp type …` in an inet table does not match IPv6 packets (implicit `meta nfproto ipv4`)', () => {
    // nftables src/evaluate.c, reject_payload_gen_dependency_family():
    //   base = ctx->pctx.protocol[PROTO_BASE_NETWORK_HDR].desc; if (base != NULL) return 0;
    //   switch (stmt->reject.family) { case NFPROTO_IPV4: *payload = payload_expr_alloc(..., &proto_ip, IPHDR_PROTOCOL); ...
    // i.e. in an inet table `reject with icmp type admin-prohibited` is `meta nfproto ipv4 reject …`:
    // an IPv6 packet does not match the rule and goes on (here: policy accept → forwarded).
    // (Without the dependency the reject would drop the IPv6 packet without answering it.)
    const { out, inject } = makeRouter(yaml(`table inet f {
  chain fwd { type filter hook forward priority 0; policy accept;
    reject with icmp type admin-prohibited
  }
}`), 'reject-family.yaml');
    inject('a', ipv6('2001:db8:1::50', '2001:db8:2::9', 17, udp(5000, 53)), 1e6);
    expect(out.map((o) => o.kind)).toEqual(['tx']);
    expect(txOn(out, 'eth1').length).toBe(1);
    // IPv4 is rejected: ICMP admin-prohibited (type 3 code 13) back to the LAN host.
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 2e6);
    const back = txOn(out, 'eth0').map((o) => parse(o.hex));
    expect(back.length).toBe(1);
    expect([back[0]!.proto, back[0]!.l4[0], back[0]!.l4[1]]).toEqual([1, 3, 13]);
  });
});

describe('ct expressions (nft_ct.c nft_ct_get_eval)', () => {
  it('`ct helper "ftp"` reads the MASTER connection\'s helper: the FTP control connection itself does not match', () => {
    // net/netfilter/nft_ct.c, nft_ct_get_eval():
    //   case NFT_CT_HELPER:
    //       if (ct->master == NULL) goto err;
    //       help = nfct_help(ct->master);
    //       if (help == NULL) goto err;
    //       helper = rcu_dereference(help->helper);
    //       if (helper == NULL) goto err;
    //   ...  err: regs->verdict.code = NFT_BREAK;
    // So `ct helper "ftp"` matches only connections created from an FTP expectation (the data
    // connections), never the control connection the helper is attached to.
    const { out, inject } = makeRouter(yaml(`table inet f {
  ct helper ftp { type "ftp" protocol tcp; }
  chain pre { type filter hook prerouting priority filter; policy accept;
    tcp dport 21 ct helper set "ftp"
  }
  chain fwd { type filter hook forward priority filter; policy accept;
    ct helper "ftp" drop
  }
}`), 'ct-helper.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 6, tcp(40000, 21, SYN)), 1e6);
    expect(out.map((o) => o.kind)).toEqual(['tx']);
    expect(txOn(out, 'eth1').length).toBe(1);
  });

  it('a statement whose source expression breaks ends the rule: `ct mark set ct mark | 0x10 accept` without conntrack does not accept', () => {
    // net/netfilter/nft_ct.c, nft_ct_get_eval(): `if (ct == NULL) goto err;` (for every key but state)
    // → regs->verdict.code = NFT_BREAK, and nft_do_chain() (nf_tables_core.c) stops the rule there:
    //   nft_rule_dp_for_each_expr(expr, last, rule) { ... expr_call_ops_eval(expr, &regs, pkt);
    //       if (regs.verdict.code != NFT_CONTINUE) break; }
    //   switch (regs.verdict.code) { case NFT_BREAK: regs.verdict.code = NFT_CONTINUE; continue; ...
    // so `accept` never runs and the policy drops.
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; ct mark set ct mark | 0x10 accept } }`);
    const p = makePacket(pool, { proto: 17, ctState: 0 }); // no conntrack entry
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, p, 0)).toBe(NF_DROP);
  });

  it('a mid-stream TCP ACK with no entry is picked up as `ct state new` (nf_conntrack_tcp_loose = 1)', () => {
    // nf_conntrack_proto_tcp.c tcp_new(): else if (tn->tcp_loose == 0) return false; /* Invalid */
    // … "We are in the middle of a connection, its history is lost for us" → a new entry, ctinfo NEW.
    const { inject, built } = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    ct state new counter
    ct state invalid counter
  }
}`), 'ct-loose.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 6, tcp(40000, 80, ACK, 5000, 7000)), 1e6);
    expect(built.router.rules.counters.map((c) => c.packets)).toEqual([1, 0]);
  });
});

describe('fib (nft_fib_ipv4.c)', () => {
  it('`fib saddr . iif oif exists|missing` (reverse-path filter): a valid source exists, a spoofed one is missing and dropped', () => {
    // net/ipv4/netfilter/nft_fib_ipv4.c, nft_fib4_eval(): without NFTA_FIB_F_DADDR
    //   fl4.daddr = iph->saddr; fl4.saddr = get_saddr(iph->daddr);
    //   if (fib_lookup(nft_net(pkt), &fl4, &res, FIB_LOOKUP_IGNORE_LINKSTATE)) return;
    //   ... if (!fib_info_nh_uses_dev(res.fi, oif)) return;  found = oif;
    //   nft_fib_store_result(dest, priv, found);
    // net/netfilter/nft_fib.c nft_fib_store_result(): case NFT_FIB_RESULT_OIF:
    //   if (priv->flags & NFTA_FIB_F_PRESENT) nft_reg_store8(dreg, !!index);
    // (nft compiles `exists`/`missing` to NFTA_FIB_F_PRESENT and a compare with 1/0.)
    // (`exists`/`missing` are the NFTA_FIB_F_PRESENT form: a boolean, not an interface index.)
    const { out, inject, built } = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    fib saddr . iif oif exists counter
    fib saddr . iif oif missing counter drop
  }
}`), 'rpfilter.yaml');
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 1e6);
    expect(txOn(out, 'eth1').length).toBe(1);
    // Source 203.0.113.77 routes out of eth1, not eth0 where it came in: missing → dropped.
    inject('a', ipv4('203.0.113.77', '203.0.113.9', 17, udp(5000, 53)), 2e6);
    expect(txOn(out, 'eth1').length).toBe(1);
    expect(built.router.rules.counters.map((c) => c.packets)).toEqual([1, 1]);
  });

  it('`fib daddr type` is inet_dev_addr_type(): multicast by address class, RTN_UNICAST when the local table has no entry', () => {
    // net/ipv4/netfilter/nft_fib_ipv4.c nft_fib4_eval_type(): *dst = inet_dev_addr_type(nft_net(pkt), dev, addr);
    // net/ipv4/fib_frontend.c __inet_dev_addr_type():
    //   if (ipv4_is_zeronet(addr) || ipv4_is_lbcast(addr)) return RTN_BROADCAST;
    //   if (ipv4_is_multicast(addr)) return RTN_MULTICAST;
    //   table = fib_get_table(net, tb_id);   /* RT_TABLE_LOCAL */
    //   if (table) { ret = RTN_UNICAST; if (!fib_table_lookup(table, &fl4, &res, …)) { … ret = res.type; } }
    // (A routing-table lookup instead would call 239.1.2.3 unicast, via the default route, and a
    // destination with no route RTN_UNREACHABLE.)
    const multicast = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    fib daddr type multicast counter
  }
}`), 'fib-type-mc.yaml');
    multicast.inject('a', ipv4('192.168.1.50', '239.1.2.3', 17, udp(5000, 5000)), 1e6);
    expect(multicast.built.router.rules.counters[0]!.packets).toBe(1);

    const noRoute = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    fib daddr type unicast counter
  }
}`, '  []'), 'fib-type-noroute.yaml');
    noRoute.inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 1e6);
    expect(noRoute.built.router.rules.counters[0]!.packets).toBe(1);
  });

  it('`fib daddr type local` for the router\'s own address', () => {
    const { inject, built } = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    fib daddr type local counter
  }
}`), 'fib-local.yaml');
    inject('a', ipv4('192.168.1.50', '198.51.100.2', 17, udp(5000, 53)), 1e6);
    inject('a', ipv4('192.168.1.50', '203.0.113.9', 17, udp(5000, 53)), 2e6);
    expect(built.router.rules.counters[0]!.packets).toBe(1);
  });
});

describe('meta l4proto vs ip6 nexthdr with an extension header', () => {
  it('`meta l4proto udp` sees UDP behind a hop-by-hop header; `ip6 nexthdr` reads the raw field (0)', () => {
    // nft_meta.c: case NFT_META_L4PROTO: nft_reg_store8(dest, pkt->tprot); — tprot from ipv6_find_hdr();
    // `ip6 nexthdr` is a plain payload load of byte 6 of the IPv6 header.
    const { inject, built } = makeRouter(yaml(`table inet f {
  chain pre { type filter hook prerouting priority filter; policy accept;
    meta l4proto udp counter
    ip6 nexthdr 0 counter
    ip6 nexthdr udp counter
    udp dport 53 counter
  }
}`), 'l4proto.yaml');
    const hbh = Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]); // next header UDP, PadN
    const u = udp(5000, 53);
    // UDP checksum must cover the UDP header/payload only: build UDP over IPv6 first, then insert HBH.
    const plain = ipv6('2001:db8:1::50', '2001:db8:2::9', 17, u);
    const l4 = plain.subarray(40);
    const h = Buffer.from(plain.subarray(0, 40));
    h[6] = 0; h.writeUInt16BE(8 + l4.length, 4);
    inject('a', Buffer.concat([h, hbh, l4]), 1e6);
    expect(built.router.rules.counters.map((c) => c.packets)).toEqual([1, 1, 0, 1]);
  });
});

describe('how nft compiles set and flag-list right-hand sides', () => {
  it('overlapping intervals in an anonymous set are merged, as nft loads them (segtree.c auto-merge)', () => {
    // `nft -f` with `ip saddr { 10.0.0.0/8, 10.1.0.0/16 }` loads (and `nft list ruleset` shows)
    // `ip saddr { 10.0.0.0/8 }`: the anonymous set's overlapping intervals are merged, not refused.
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; ip saddr { 10.0.0.0/8, 10.1.0.0/16, 192.168.1.0/24 } accept } }`);
    expect(rs.errors).toEqual([]);
    for (const src of ['10.1.2.3', '10.200.0.1', '192.168.1.9']) expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { src }), 0)).toBe(NF_ACCEPT);
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { src: '172.16.0.1' }), 0)).toBe(NF_DROP);
  });

  it('`ct state != established,related` compares the OR-ed value exactly (nft 1.0.6: `cmp neq reg 1 0x00000006`)', () => {
    // `nft --debug=netlink` (nftables 1.0.6) for these rules:
    //   ct state != established,related  →  [ ct load state => reg 1 ] [ cmp neq reg 1 0x00000006 ]
    //   ct state != established          →  [ ct load state => reg 1 ] [ cmp neq reg 1 0x00000002 ]
    // A connection's state is one bit, so the first is true for every packet with conntrack —
    // the pitfall the kernel really has; the implicit form `ct state established,related` is the
    // one that tests for either bit.
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy accept; ct state != established,related counter; ct state != established counter } }`);
    expect(rs.errors).toEqual([]);
    rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, makePacket(pool, { ctState: CT_STATE_ESTABLISHED }), 0);
    expect(rs.counters[0]!.packets).toBe(1);
    expect(rs.counters[1]!.packets).toBe(0);
  });
});

describe('operators written as words', () => {
  it('`meta mark and 0xff == 0x1` is `meta mark & 0xff == 0x1` (nft scanner: "and", "or", "xor", "lshift", "rshift")', () => {
    const { rs, pool } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; meta mark and 0xff == 0x1 accept; meta mark or 0x10 == 0x310 accept } }`);
    expect(rs.errors).toEqual([]);
    const a = makePacket(pool);
    pool.mark[a] = 0x201;
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, a, 0)).toBe(NF_ACCEPT);
    const b = makePacket(pool);
    pool.mark[b] = 0x300;
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, b, 0)).toBe(NF_ACCEPT);
    const c = makePacket(pool);
    pool.mark[c] = 0x202;
    expect(rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, c, 0)).toBe(NF_DROP);
  });
});

describe('a map whose intervals overlap', () => {
  it('is refused with a located error, as nft refuses it ("conflicting intervals specified"), not a crash', () => {
    // A map's keys carry data, so nft cannot merge them; flowsim reports the rule instead.
    const { rs } = load(`table ip f { chain fwd { type filter hook forward priority 0; policy drop; ip saddr vmap { 10.0.0.0/8 : accept, 10.1.0.0/16 : drop } } }`);
    expect(rs.errors.length).toBe(1);
    expect(rs.errors[0]!.message).toMatch(/overlaps/);
    expect(rs.errors[0]!.loc.line).toBe(1);
  });
});
