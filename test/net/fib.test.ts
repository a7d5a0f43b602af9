import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Fib, NO_ROUTE, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_PROHIBIT, RTN_UNICAST, RTN_UNREACHABLE,
  RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH,
  ICMP_NET_UNREACH, ICMP_PKT_FILTERED, ICMPV6_ADM_PROHIBITED, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE,
} from '../../src/net/fib.ts';
import { mask32, parseIpv4, parseIpv6 } from '../../src/net/addr.ts';
import { TopologyBuilder, NetConfigError } from '../../src/net/builder.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { FAMILY_IPV4, FAMILY_IPV6 } from '../../src/wire/tuple.ts';
import { mtkRouter } from './fixtures.ts';

const ip4 = (s: string): number => parseIpv4(s)!;
const ip6 = (s: string): Uint32Array => parseIpv6(s)!;

interface NaiveRoute { words: number[]; plen: number; metric: number; id: number }

/** The reference: every route whose prefix covers the address; longest, then lowest metric, then oldest. */
function naive(routes: NaiveRoute[], addr: number[]): number {
  let best: NaiveRoute | null = null;
  for (const r of routes) {
    let match = true;
    for (let w = 0; w < 4; w++) if (((addr[w]! & mask32(r.plen - 32 * w)) >>> 0) !== r.words[w]) match = false;
    if (!match) continue;
    if (!best || r.plen > best.plen || (r.plen === best.plen && (r.metric < best.metric || (r.metric === best.metric && r.id < best.id)))) best = r;
  }
  return best ? best.id : NO_ROUTE;
}

function maskAll(words: number[], plen: number): number[] {
  return words.map((w, i) => (w & mask32(plen - 32 * i)) >>> 0);
}

describe('FIB longest-prefix match (fib_table_lookup semantics)', () => {
  it('IPv4: agrees with a linear scan for random prefixes, metrics and addresses', () => {
    // Mix arbitrary prefixes with a few shared ones so equal prefixes (metric tie-breaks) occur often.
    const addr = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0x0a000000, 0x0a010000, 0xc0a80100, 0xc0a801ff));
    const plen = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(0, 8, 16, 24, 32));
    const route = fc.record({ addr, plen, metric: fc.integer({ min: 0, max: 3 }), dev: fc.integer({ min: 1, max: 3 }) });
    const devUp = fc.tuple(fc.boolean(), fc.boolean(), fc.boolean());
    fc.assert(fc.property(fc.array(route, { maxLength: 80 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }), devUp, (rs, probes, ups) => {
      const up = new Uint8Array(4).fill(1);
      const fib = new Fib(up);
      const naiveRoutes: NaiveRoute[] = [];
      for (const r of rs) {
        const words = maskAll([r.addr, 0, 0, 0], r.plen);
        const id = fib.add({ family: FAMILY_IPV4, prefix: words, plen: r.plen, type: RTN_UNICAST, dev: r.dev, gateway: null, metric: r.metric, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 });
        // Routes via a device that is down are invisible (fib_table_lookup skips dead nexthops).
        if (ups[r.dev - 1]) naiveRoutes.push({ words, plen: r.plen, metric: r.metric, id });
      }
      ups.forEach((u, i) => { up[i + 1] = u ? 1 : 0; });
      // Probe random addresses and addresses inside the generated prefixes.
      const addrs = [...probes, ...rs.map((r, i) => (r.addr ^ (probes[i % Math.max(1, probes.length)] ?? 0) & ~mask32(r.plen)) >>> 0)];
      for (const a of addrs) expect(fib.lookupV4(a)).toBe(a === 0xffffffff ? fib.limitedBroadcast : naive(naiveRoutes, [a, 0, 0, 0]));
    }), { numRuns: 150 });
  });

  it('IPv6: agrees with a linear scan for random prefixes, metrics and addresses', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    const words = fc.oneof(
      fc.tuple(word, word, word, word).map((t): number[] => [...t]),
      fc.constantFrom<number[]>([0x20010db8, 0, 0, 1], [0xfd000001, 0, 0, 0], [0x20010db8, 0x1, 0, 0]),
    );
    const plen = fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(0, 32, 48, 64, 128));
    const route = fc.record({ w: words, plen, metric: fc.integer({ min: 0, max: 3 }) });
    fc.assert(fc.property(fc.array(route, { maxLength: 60 }), fc.array(fc.tuple(word, word, word, word), { maxLength: 20 }), (rs, probes) => {
      const fib = new Fib(new Uint8Array(4).fill(1));
      const naiveRoutes: NaiveRoute[] = [];
      for (const r of rs) {
        const words = maskAll(r.w, r.plen);
        const id = fib.add({ family: FAMILY_IPV6, prefix: words, plen: r.plen, type: RTN_UNICAST, dev: 1, gateway: null, metric: r.metric, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 });
        naiveRoutes.push({ words, plen: r.plen, metric: r.metric, id });
      }
      const addrs: number[][] = probes.map((p) => [...p]);
      // Addresses inside each prefix: keep the prefix bits, take the rest from a probe.
      rs.forEach((r, i) => {
        const p = probes[i % Math.max(1, probes.length)] ?? [0, 0, 0, 0];
        addrs.push(r.w.map((w, k) => ((w & mask32(r.plen - 32 * k)) | (p[k]! & ~mask32(r.plen - 32 * k))) >>> 0));
      });
      const buf = new Uint32Array(4);
      for (const a of addrs) {
        buf.set(a);
        expect(fib.lookupV6(buf, 0)).toBe(naive(naiveRoutes, a));
      }
    }), { numRuns: 100 });
  });

  it('breaks ties by metric, then by insertion order (fib_alias list order)', () => {
    const fib = new Fib(new Uint8Array(4).fill(1));
    const spec = { family: FAMILY_IPV4, prefix: [ip4('10.0.0.0')], plen: 8, type: RTN_UNICAST, gateway: null, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 };
    const a = fib.add({ ...spec, dev: 1, metric: 20 });
    const b = fib.add({ ...spec, dev: 2, metric: 10 });
    fib.add({ ...spec, dev: 3, metric: 10 });
    expect(fib.lookupV4(ip4('10.1.2.3'))).toBe(b);
    expect(a).not.toBe(b);
  });

  it('skips routes whose device is down and backtracks to a shorter prefix (fib_sync_down_dev marks the nexthop dead)', () => {
    const up = new Uint8Array(4).fill(1);
    const fib = new Fib(up);
    const base = { family: FAMILY_IPV4, type: RTN_UNICAST, gateway: null, metric: 0, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 };
    const wide = fib.add({ ...base, prefix: [0], plen: 0, dev: 1 });
    const narrow = fib.add({ ...base, prefix: [ip4('10.0.0.0')], plen: 8, dev: 2 });
    expect(fib.lookupV4(ip4('10.0.0.1'))).toBe(narrow);
    up[2] = 0;
    expect(fib.lookupV4(ip4('10.0.0.1'))).toBe(wide);
  });
});

describe('routes generated from addresses (fib_add_ifaddr, addrconf)', () => {
  const net = mtkRouter();
  const { fib, topo } = net;

  it('an address gives a local /32 route (scope host) in the local table: packets to it are for us', () => {
    const r = fib.lookupV4(ip4('192.168.1.1'));
    expect(fib.type(r)).toBe(RTN_LOCAL);
    expect(fib.scope(r)).toBe(RT_SCOPE_HOST);
    expect(fib.outDev(r)).toBe(topo.byName('br-lan'));
  });

  it('and a connected prefix route (scope link, no gateway): other hosts on the subnet are forwarded', () => {
    const r = fib.lookupV4(ip4('192.168.1.100'));
    expect(fib.type(r)).toBe(RTN_UNICAST);
    expect(fib.scope(r)).toBe(RT_SCOPE_LINK);
    expect(fib.hasGateway(r)).toBe(false);
    expect(fib.prefixLength(r)).toBe(24);
    expect(fib.nextHopV4(r, ip4('192.168.1.100'))).toBe(ip4('192.168.1.100'));
  });

  it('and the subnet broadcast as RTN_BROADCAST; 255.255.255.255 is broadcast too', () => {
    expect(fib.type(fib.lookupV4(ip4('192.168.1.255')))).toBe(RTN_BROADCAST);
    expect(fib.type(fib.lookupV4(0xffffffff))).toBe(RTN_BROADCAST);
  });

  it('a /32 point-to-point address (PPPoE) makes no prefix route; the default route leaves via pppoe-wan', () => {
    const r = fib.lookupV4(ip4('8.8.8.8'));
    expect(fib.type(r)).toBe(RTN_UNICAST);
    expect(fib.outDev(r)).toBe(topo.byName('pppoe-wan'));
    expect(fib.prefixLength(r)).toBe(0);
  });

  it('127.0.0.0/8 is local on lo (ifindex 1)', () => {
    const r = fib.lookupV4(ip4('127.1.2.3'));
    expect(fib.type(r)).toBe(RTN_LOCAL);
    expect(fib.outDev(r)).toBe(1);
  });

  it('IPv6: local /128 in the local table, the /64 prefix in main with metric 256 (IP6_RT_PRIO_ADDRCONF)', () => {
    const local = fib.lookupV6(ip6('fd00:1::1'), 0);
    expect(fib.type(local)).toBe(RTN_LOCAL);
    const onLink = fib.lookupV6(ip6('fd00:1::100'), 0);
    expect(fib.type(onLink)).toBe(RTN_UNICAST);
    expect(fib.metric(onLink)).toBe(256);
    expect(fib.lookupV6(ip6('2001:db8::1'), 0)).toBe(NO_ROUTE);
  });
});

describe('static routes and route types', () => {
  const net = mtkRouter((b) => {
    b.addRoute({ dst: '10.20.0.0/16', via: '10.10.0.2' });
    b.addRoute({ dst: '10.66.0.0/16', type: 'blackhole' });
    b.addRoute({ dst: '10.77.0.0/16', type: 'unreachable' });
    b.addRoute({ dst: '10.88.0.0/16', type: 'prohibit' });
    b.addRoute({ dst: '2001:db8:66::/48', type: 'prohibit' });
  });
  const { fib, topo } = net;

  it('a gateway route resolves its device from the connected route of the gateway (fib_check_nh)', () => {
    const r = fib.lookupV4(ip4('10.20.3.4'));
    expect(fib.hasGateway(r)).toBe(true);
    expect(fib.gatewayV4(r)).toBe(ip4('10.10.0.2'));
    expect(fib.outDev(r)).toBe(topo.byName('eth1.10'));
    expect(fib.scope(r)).toBe(RT_SCOPE_UNIVERSE);
    expect(fib.nextHopV4(r, ip4('10.20.3.4'))).toBe(ip4('10.10.0.2'));
  });

  it('blackhole drops silently; unreachable and prohibit answer with ICMP as ip_error() does', () => {
    const bh = fib.lookupV4(ip4('10.66.1.1'));
    expect(fib.type(bh)).toBe(RTN_BLACKHOLE);
    expect(fib.icmpFor(bh, FAMILY_IPV4)).toBe(-1);
    expect(fib.dropReasonFor(bh)).toBe(DropReason.ROUTE_BLACKHOLE);
    const un = fib.lookupV4(ip4('10.77.1.1'));
    expect(fib.type(un)).toBe(RTN_UNREACHABLE);
    expect(fib.icmpFor(un, FAMILY_IPV4)).toBe((ICMP_DEST_UNREACH << 8) | ICMP_HOST_UNREACH);
    const pr = fib.lookupV4(ip4('10.88.1.1'));
    expect(fib.type(pr)).toBe(RTN_PROHIBIT);
    expect(fib.icmpFor(pr, FAMILY_IPV4)).toBe((ICMP_DEST_UNREACH << 8) | ICMP_PKT_FILTERED);
  });

  it('no route: ICMP net unreachable (IPv4), ICMPv6 no route (IPv6); prohibit v6 is administratively prohibited', () => {
    expect(fib.icmpFor(NO_ROUTE, FAMILY_IPV4)).toBe((ICMP_DEST_UNREACH << 8) | ICMP_NET_UNREACH);
    expect(fib.icmpFor(NO_ROUTE, FAMILY_IPV6)).toBe((ICMPV6_DEST_UNREACH << 8) | ICMPV6_NOROUTE);
    expect(fib.dropReasonFor(NO_ROUTE)).toBe(DropReason.IP_NOROUTE);
    const pr6 = fib.lookupV6(ip6('2001:db8:66::1'), 0);
    expect(fib.icmpFor(pr6, FAMILY_IPV6)).toBe((ICMPV6_DEST_UNREACH << 8) | ICMPV6_ADM_PROHIBITED);
  });
});

describe('route validation (what `ip route add` refuses)', () => {
  const base = (): TopologyBuilder => {
    const b = new TopologyBuilder();
    b.addEthernet('eth0');
    b.addAddress('eth0', '192.0.2.1/24');
    return b;
  };

  it('host bits set in the prefix: "invalid prefix for the given prefix length"', () => {
    expect(() => base().addRoute({ dst: '10.0.0.1/8', dev: 'eth0' })).toThrow(/invalid prefix.*10\.0\.0\.0\/8/);
  });

  it('a gateway that is not on a connected network: "Nexthop has invalid gateway"', () => {
    const b = base();
    b.addRoute({ dst: '10.0.0.0/8', via: '198.51.100.1' });
    expect(() => b.build()).toThrow(NetConfigError);
  });

  it('the same prefix and metric twice: "File exists"', () => {
    const b = base();
    b.addRoute({ dst: '10.0.0.0/8', via: '192.0.2.2' });
    b.addRoute({ dst: '10.0.0.0/8', via: '192.0.2.3' });
    expect(() => b.build()).toThrow(/File exists/);
  });

  it('an unknown device names the known ones', () => {
    expect(() => base().addRoute({ dst: '10.0.0.0/8', dev: 'eth9' })).toThrow(/eth9 is not a device; known: lo, eth0/);
  });
});
