/**
 * The software flowtable against the Linux kernel (mainline 6.6–6.12:
 * net/netfilter/nf_flow_table_{core,ip}.c, nft_flow_offload.c). Each test asserts the kernel's
 * behaviour and quotes the function responsible. Routers are built from inline YAML in mode 'software' (sw-router.ts); frames are built
 * and checked by test/engine/raw-frames.ts, which shares no code with src/wire.
 */
import { describe, expect, it } from 'vitest';
import { IPS_NAT_CLASH, IPS_OFFLOAD, TCP_CONNTRACK_ESTABLISHED } from '../../src/conntrack/constants.ts';
import { checksumsOk, ipv4, parse, tcp, udp } from '../engine/raw-frames.ts';
import { FW4, makeSwRouter, PATH_CLASSIC, PATH_SOFTWARE, swYaml, type Rec } from './sw-router.ts';

const SYN = 0x02, ACK = 0x10, SYNACK = 0x12, RST = 0x04;
const LAN = '192.168.1.50', REMOTE = '203.0.113.9';
const txOn = (out: readonly Rec[], iface: string): Rec[] => out.filter((o) => o.kind === 'tx' && o.iface === iface);

/** The only connection's handle (tests that use it create exactly one). */
function onlyCt(built: ReturnType<typeof makeSwRouter>['built']): number {
  const hs: number[] = [];
  built.router.ct.forEachHandle((h) => hs.push(h));
  expect(hs.length).toBe(1);
  return hs[0]!;
}

/** Clears DF and fixes the IPv4 header checksum. */
function noDf(ip: Buffer): Buffer {
  const b = Buffer.from(ip);
  b.writeUInt16BE(0, 6);
  b.writeUInt16BE(0, 10);
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  b.writeUInt16BE(~s & 0xffff, 10);
  return b;
}


describe('forward-path resolution at `flow add` (nft_flow_route)', () => {
  it('the other direction is routed with flowi4_oif = the input device: with asymmetric routing the flow sends replies back out the way the originals came in', () => {
    // nft_flow_offload.c, nft_flow_route():
    //   fl.u.ip4.daddr = ct->tuplehash[dir].tuple.src.u3.ip;
    //   fl.u.ip4.saddr = ct->tuplehash[!dir].tuple.src.u3.ip;
    //   fl.u.ip4.flowi4_oif = nft_in(pkt)->ifindex;
    //   ...
    //   nf_route(nft_net(pkt), &other_dst, &fl, false, nft_pf(pkt));
    //   nft_default_forward_path(route, this_dst, dir);
    //   nft_default_forward_path(route, other_dst, !dir);
    // and nft_default_forward_path(): route->tuple[!dir].in.ifindex = dst_cache->dev->ifindex;
    // The lookup is bound to the input device: fib_trie.c fib_lookup_good_nhc():
    //   if (flp->flowi4_oif && flp->flowi4_oif != nhc->nhc_oif) return false;
    // so 203.0.113.0/24 via eth2 is skipped and the default route via eth1 (the device the
    // originals arrived on) is used. Result: ORIGINAL key iif = eth1 (the 3rd datagram hits the fast
    // path) and the REPLY direction transmits on eth1 via 198.51.100.1.
    // A lookup without the oif constraint would take 203.0.113.0/24 via eth2: ORIGINAL key iif =
    // eth2 (never matches), replies leaving on eth2.
    const rs = `table inet t {
  flowtable ft { hook ingress priority 0; devices = { eth0, eth1, eth2 }; }
  chain forward { type filter hook forward priority filter; policy accept;
    meta l4proto { tcp, udp } flow offload @ft;
  }
}`;
    const { out, inject } = makeSwRouter(swYaml(rs, {
      extraIfaces: '  - { name: eth2, kind: ethernet, mac: "02:33:00:00:00:03", addresses: [192.0.2.2/24] }',
      routes: `  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: 203.0.113.0/24, via: 192.0.2.1, dev: eth2 }`,
      extraHosts: '  - { name: gw2, interface: eth2, addresses: [192.0.2.1] }',
    }), 'asym.yaml');
    const orig = () => ipv4(REMOTE, LAN, 17, udp(5000, 6000));
    inject('up', orig(), 1e6); // unconfirmed: not offloaded
    inject('up', orig(), 2e6); // confirmed, ORIGINAL direction: flow added
    inject('up', orig(), 3e6);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 4e6);
    expect(out.map((o) => [o.iface, o.path])).toEqual([
      ['eth0', PATH_CLASSIC], ['eth0', PATH_CLASSIC],
      ['eth0', PATH_SOFTWARE], // key iif = eth1 (other_dst->dev)
      ['eth1', PATH_SOFTWARE], // REPLY direction: dst_cache = other_dst, out eth1
    ]);
  });
});

describe('one rhashtable per flowtable (nf_flow_offload_ip_hook looks up its own table)', () => {
  it('a packet on a device hooked only by flowtable B does not hit a flow that lives in flowtable A', () => {
    // nf_flow_table_ip.c: nf_flow_offload_ip_hook(void *priv, ...) { struct nf_flowtable *flow_table = priv;
    //   tuplehash = nf_flow_offload_lookup(&ctx, flow_table, skb); if (!tuplehash) return NF_ACCEPT; ...
    // and flow_offload_lookup() does rhashtable_lookup(&flow_table->rhashtable, tuple, ...): each
    // flowtable's hook only sees the flows added to that flowtable (`flow add @ftlan` inserts into
    // ftlan->rhashtable only, flow_offload_add). eth1 is hooked by ftwan alone, so the reply
    // arriving on eth1 misses and takes the classic path.
    // flowsim keeps all flowtables' flows in one FlowTable: the hook must check that the flow
    // found belongs to a flowtable hooked on the device (flowtableIndex), or the reply would be
    // fast-pathed by ftlan's flow through ftwan's hook.
    const rs = `table inet t {
  flowtable ftlan { hook ingress priority 0; devices = { eth0 }; }
  flowtable ftwan { hook ingress priority 0; devices = { eth1 }; }
  chain forward { type filter hook forward priority filter; policy accept;
    meta l4proto { tcp, udp } flow offload @ftlan;
  }
}`;
    const { out, inject } = makeSwRouter(swYaml(rs), 'two-ft.yaml');
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 1e6);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 2e6); // flow added to ftlan
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 3e6); // eth0: ftlan's hook, hit
    inject('up', ipv4(REMOTE, LAN, 17, udp(5000, 6000)), 4e6); // eth1: ftwan's hook, its table is empty
    expect(out.map((o) => [o.iface, o.path])).toEqual([
      ['eth1', PATH_CLASSIC], ['eth1', PATH_CLASSIC], ['eth1', PATH_SOFTWARE], ['eth0', PATH_CLASSIC],
    ]);
  });
});

describe('flow_offload_add does not refuse a key that is still in the table', () => {
  it('a connection reopened on the same ports right after an RST is offloaded at once, though the torn-down flow is not collected yet', () => {
    // nf_flow_table_core.c flow_offload_add():
    //   err = rhashtable_insert_fast(&flow_table->rhashtable, &flow->tuplehash[0].node, nf_flow_offload_rhash_params);
    // include/linux/rhashtable.h rhashtable_insert_fast():
    //   ret = __rhashtable_insert_fast(ht, NULL, obj, params, false);
    // and with key == NULL __rhashtable_insert_fast never compares keys:
    //   if (!key || (params.obj_cmpfn ? ...)) { pprev = &head->next; continue; }
    // so a duplicate key is inserted (at the bucket head, found first by the lookup). The old
    // flow was torn down by the RST (nf_flow_state_check → flow_offload_teardown) and waits for the
    // next GC pass (≤ 1 s); the client's new SYN kills the CLOSEd conntrack entry
    // (nf_conntrack_tcp_packet: last_dir == dir && last_index == TCP_RST_SET → nf_ct_kill, -NF_REPEAT),
    // the new connection completes and its ACK adds a flow with the same keys: data is fast-pathed.
    // Refusing the key because the torn-down flow still holds it (ADD_DUPLICATE) would leave the
    // new connection's data on the classic path until the GC pass.
    const { built, out, inject } = makeSwRouter(swYaml(FW4({ nat: false })), 'reopen.yaml');
    const c = (fl: number, seq: number, ack: number, pl = 0) => ipv4(LAN, REMOTE, 6, tcp(40000, 80, fl, seq, ack, pl));
    const s = (fl: number, seq: number, ack: number) => ipv4(REMOTE, LAN, 6, tcp(80, 40000, fl, seq, ack));
    inject('a', c(SYN, 1000, 0), 1e6);
    inject('up', s(SYNACK, 5000, 1001), 2e6);
    inject('a', c(ACK, 1001, 5001), 3e6); // flow added
    inject('a', c(ACK, 1001, 5001, 10), 4e6); // fast path
    inject('a', c(RST | ACK, 1011, 5001), 5e6); // teardown, classic path, conntrack CLOSE
    inject('a', c(SYN, 90000, 0), 6e6); // reopens: new conntrack entry
    inject('up', s(SYNACK, 70000, 90001), 7e6);
    inject('a', c(ACK, 90001, 70001), 8e6); // flow add of the new connection
    inject('a', c(ACK, 90001, 70001, 10), 9e6);
    expect(out.map((o) => o.path)).toEqual([PATH_CLASSIC, PATH_CLASSIC, PATH_CLASSIC, PATH_SOFTWARE, PATH_CLASSIC, PATH_CLASSIC, PATH_CLASSIC, PATH_CLASSIC, PATH_SOFTWARE]);
    expect(built.router.ft.stats.flowsAdded).toBe(2);
  });
});

describe('nft_flow_offload_eval refuses IPS_NAT_CLASH connections', () => {
  it('a UDP connection marked IPS_NAT_CLASH is not offloaded', () => {
    // nft_flow_offload.c nft_flow_offload_eval():
    //   if (nf_ct_ext_exist(ct, NF_CT_EXT_HELPER) ||
    //       ct->status & (IPS_SEQ_ADJUST | IPS_NAT_CLASH))
    //           goto out;
    // (flowsim never sets IPS_NAT_CLASH today — clash resolution,
    // nf_ct_resolve_clash_harder, is not modelled — so the bit is set by hand here.)
    const { built, out, inject } = makeSwRouter(swYaml(FW4()), 'clash.yaml');
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 1e6);
    const ct = built.router.ct;
    const h = onlyCt(built);
    ct.setStatusAt(ct.indexOf(h), ct.statusOf(h) | IPS_NAT_CLASH);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 2e6);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 3e6);
    expect(built.router.ft.stats.flowsAdded).toBe(0);
    expect(out.map((o) => o.path)).toEqual([PATH_CLASSIC, PATH_CLASSIC, PATH_CLASSIC]);
  });
});

// ------------------------------------------------------------------------------------------------
// What goes back to the classic path, the rewrite, eligibility, expiry
// ------------------------------------------------------------------------------------------------

describe('what the hook sends back to the classic path', () => {
  /** A masqueraded UDP flow a→REMOTE, offloaded by its second datagram; returns the WAN source port. */
  function offloadedUdp(wanMtu?: number) {
    const r = makeSwRouter(swYaml(FW4(), wanMtu ? { wanMtu } : {}), `udp-${wanMtu ?? 0}.yaml`);
    r.inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 1e6);
    r.inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 2e6);
    expect(r.built.router.ft.stats.flowsAdded).toBe(1);
    return r;
  }

  it('TTL 1 on an offloaded flow: classic path, ICMP time exceeded to the sender, flow kept (nf_flow_tuple_ip: iph->ttl <= 1 → -1)', () => {
    // nf_flow_tuple_ip(): if (iph->ttl <= 1) return -1;  → NF_ACCEPT; ip_forward() then sends
    // ICMP_TIME_EXCEEDED. No teardown: the next packet is fast-pathed again.
    const { built, out, inject } = offloadedUdp();
    const n = out.length;
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000), { ttl: 1 }), 3e6);
    const icmp = txOn(out.slice(n), 'eth0').map((o) => parse(o.hex));
    expect(icmp.length).toBe(1);
    expect(icmp[0]!.proto).toBe(1);
    expect(icmp[0]!.l4[0]).toBe(11);
    expect(txOn(out.slice(n), 'eth1').length).toBe(0);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 4e6);
    expect(out.at(-1)!.path).toBe(PATH_SOFTWARE);
    expect(built.router.ft.stats.teardowns).toBe(0);
  });

  it('over the cached MTU: classic path — DF gets ICMP frag-needed with the route MTU, no DF is fragmented; no teardown (nf_flow_exceeds_mtu)', () => {
    // nf_flow_offload_forward(): mtu = flow->tuplehash[dir].tuple.mtu + ctx->offset;
    //   if (unlikely(nf_flow_exceeds_mtu(skb, mtu))) return 0;   (→ NF_ACCEPT, no teardown)
    // tuple.mtu = ip_dst_mtu_maybe_forward(dst, true) (flow_offload_fill_route) = eth1's 1400.
    const { built, out, inject } = offloadedUdp(1400);
    let n = out.length;
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000, 1422)), 3e6); // 1450 bytes, DF
    const err = txOn(out.slice(n), 'eth0').map((o) => parse(o.hex));
    expect(err.length).toBe(1);
    expect([err[0]!.proto, err[0]!.l4[0], err[0]!.l4[1], err[0]!.l4.readUInt16BE(6)]).toEqual([1, 3, 4, 1400]);
    n = out.length;
    inject('a', noDf(ipv4(LAN, REMOTE, 17, udp(6000, 5000, 1422))), 4e6);
    const frags = txOn(out.slice(n), 'eth1');
    expect(frags.length).toBe(2);
    expect(frags.every((f) => f.path === PATH_CLASSIC)).toBe(true);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000, 1372)), 5e6); // exactly 1400: fits
    expect(out.at(-1)!.path).toBe(PATH_SOFTWARE);
    expect(built.router.ft.stats.teardowns).toBe(0);
  });

  it('the fast path applies the stored NAT and the TTL decrement with valid checksums; a UDP checksum of 0 stays 0 (nf_flow_nat_ip, ip_decrease_ttl)', () => {
    // nf_flow_snat_port/nf_flow_snat_ip: ORIGINAL saddr := REPLY.dst, REPLY daddr := ORIGINAL.src;
    // nf_flow_nat_ip_udp: if (udph->check || skb->ip_summed == CHECKSUM_PARTIAL) { ... } — 0 untouched.
    const { out, inject } = offloadedUdp();
    const classic = parse(out[0]!.hex);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 3e6);
    const f = out.at(-1)!;
    expect(f.path).toBe(PATH_SOFTWARE);
    const p = parse(f.hex);
    expect([p.src, p.sport, p.dst, p.dport, p.l3[8]]).toEqual(['198.51.100.2', classic.sport, REMOTE, 5000, 63]);
    expect(checksumsOk(p)).toEqual({ ip: true, l4: true });
    inject('up', ipv4(REMOTE, '198.51.100.2', 17, udp(5000, classic.sport)), 4e6);
    const r = parse(out.at(-1)!.hex);
    expect(out.at(-1)!.path).toBe(PATH_SOFTWARE);
    expect([r.src, r.sport, r.dst, r.dport, r.l3[8]]).toEqual([REMOTE, 5000, LAN, 6000, 63]);
    expect(checksumsOk(r)).toEqual({ ip: true, l4: true });
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000), { udpZero: true }), 5e6);
    const z = parse(out.at(-1)!.hex);
    expect(out.at(-1)!.path).toBe(PATH_SOFTWARE);
    expect(z.l4.readUInt16BE(6)).toBe(0);
    expect(checksumsOk(z).ip).toBe(true);
  });
});

describe('eligibility, expiry and the conntrack fix-up', () => {
  it('a one-way UDP stream is offloaded by its second datagram: no reply needed (nft_flow_offload_eval: case IPPROTO_UDP: break;)', () => {
    // Only TCP has a state requirement (nf_conntrack_tcp_established); UDP needs a confirmed ct.
    const { built, out, inject } = makeSwRouter(swYaml(FW4()), 'oneway.yaml');
    for (let i = 1; i <= 3; i++) inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), i * 1e6);
    expect(out.map((o) => o.path)).toEqual([PATH_CLASSIC, PATH_CLASSIC, PATH_SOFTWARE]);
    expect(built.router.ft.stats.flowsAdded).toBe(1);
  });

  it('an idle UDP flow expires after nf_flowtable_udp_timeout (30 s); the GC hands the ct back with udp_timeout_stream − 30 s; the next packet re-offloads (flow_offload_fixup_ct)', () => {
    // flowsim's default conntrack sysctls are OpenWrt's (sysctl-nf-conntrack.conf): udp_timeout_stream
    // 180 s, tcp_timeout_established 7440 s — so 180 − 30 = 150 s here (mainline defaults: 120 − 30 = 90 s).
    // nf_flow_offload_gc_step: if (nf_flow_has_expired(flow) || ...) flow_offload_teardown(flow); ... flow_offload_del()
    // flow_offload_teardown: clear_bit(IPS_OFFLOAD_BIT, &flow->ct->status); ... flow_offload_fixup_ct(flow->ct);
    // flow_offload_fixup_ct: timeout = tn->timeouts[UDP_CT_REPLIED]; timeout -= tn->offload_timeout;
    //   if (nf_flow_timeout_delta(READ_ONCE(ct->timeout)) > (__s32)timeout) WRITE_ONCE(ct->timeout, nfct_time_stamp + timeout);
    const { built, out, inject, tick } = makeSwRouter(swYaml(FW4()), 'udp-expiry.yaml');
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 1e6);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 2e6); // flow added at 2 ms, timeout 30.002 s
    const h = onlyCt(built);
    let t = 0;
    for (t = 1e9; t <= 30e9; t += 1e9) tick(t);
    expect(built.router.ct.statusOf(h) & IPS_OFFLOAD).not.toBe(0); // 29.998 s idle: still offloaded
    tick(31e9);
    expect(built.router.ct.statusOf(h) & IPS_OFFLOAD).toBe(0);
    expect(built.router.ft.stats.removed).toBe(1);
    expect(built.router.ct.timeLeft(h, 31e9)).toBe(150e9);
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 32e9); // classic; flow add again
    inject('a', ipv4(LAN, REMOTE, 17, udp(6000, 5000)), 32.001e9);
    expect(out.slice(-2).map((o) => o.path)).toEqual([PATH_CLASSIC, PATH_SOFTWARE]);
  });

  it('an idle TCP flow expires; conntrack keeps ESTABLISHED, timeout = established − 30 s; the next packet re-offloads (flow_offload_fixup_ct)', () => {
    // flow_offload_add → nf_ct_offload_timeout: the ct expired within NF_CT_DAY/2 (7440 s, OpenWrt's
    // established timeout), so it was pushed to now + 1 day. At teardown flow_offload_fixup_ct:
    //   timeout = tn->timeouts[ct->proto.tcp.state]; timeout -= tn->offload_timeout;   (7440 − 30)
    //   if (nf_flow_timeout_delta(READ_ONCE(ct->timeout)) > (__s32)timeout) WRITE_ONCE(ct->timeout, nfct_time_stamp + timeout);
    // and the TCP state is left as it is (no forced ESTABLISHED/pickup timeout since 5.18).
    const { built, out, inject, tick } = makeSwRouter(swYaml(FW4()), 'tcp-expiry.yaml');
    inject('a', ipv4(LAN, REMOTE, 6, tcp(40000, 80, SYN, 1000)), 1e6);
    const wanPort = parse(out[0]!.hex).sport;
    inject('up', ipv4(REMOTE, '198.51.100.2', 6, tcp(80, wanPort, SYNACK, 5000, 1001)), 2e6);
    inject('a', ipv4(LAN, REMOTE, 6, tcp(40000, 80, ACK, 1001, 5001)), 3e6); // ESTABLISHED + ASSURED: flow added
    const h = onlyCt(built);
    const ct = built.router.ct;
    expect(ct.statusOf(h) & IPS_OFFLOAD).not.toBe(0);
    for (let t = 1e9; t <= 31e9; t += 1e9) tick(t);
    expect(ct.statusOf(h) & IPS_OFFLOAD).toBe(0);
    expect(ct.tcpStateOf(h)).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(ct.timeLeft(h, 31e9)).toBe(7410e9);
    inject('a', ipv4(LAN, REMOTE, 6, tcp(40000, 80, ACK, 1001, 5001, 10)), 32e9); // re-offloaded by this one
    inject('a', ipv4(LAN, REMOTE, 6, tcp(40000, 80, ACK, 1011, 5001, 10)), 32.001e9);
    expect(out.slice(-2).map((o) => o.path)).toEqual([PATH_CLASSIC, PATH_SOFTWARE]);
  });
});
