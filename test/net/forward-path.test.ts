import { describe, it, expect } from 'vitest';
import {
  DEV_PATH_BRIDGE, DEV_PATH_DSA, DEV_PATH_ETHERNET, DEV_PATH_PPPOE, DEV_PATH_VLAN, FLOW_OFFLOAD_XMIT_DIRECT,
  FLOW_OFFLOAD_XMIT_NEIGH, FP_FAIL_FDB, FP_FAIL_NEIGH, FP_FAIL_STACK, FP_FAIL_VLAN_NOSPC, FP_NOT_LISTED, FP_REJECTED,
  FP_RESOLVED, FP_UNRESOLVED, ForwardPath, flowtableView, resolveRouteV4, resolveRouteV6, decideForwardPath,
} from '../../src/net/forward-path.ts';
import type { KernelMode } from '../../src/net/forward-path.ts';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_PPP_SES } from '../../src/net/devices.ts';
import { parseIpv4, parseIpv6 } from '../../src/net/addr.ts';
import { formatMac, parseMac } from '../../src/net/mac.ts';
import type { Network } from '../../src/net/builder.ts';
import { BRAS, HOST_A, HOST_B, mtkRouter } from './fixtures.ts';

const ip4 = (s: string): number => parseIpv4(s)!;
const macStr = (b: Uint8Array): string => formatMac((b[0]! << 8) | b[1]!, ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0);

function learn(net: Network, bridge: string, port: string, mac: string): void {
  const m = parseMac(mac)!;
  net.fdb.learn(net.topo.byName(bridge), net.topo.byName(port), m.hi, m.lo, 0);
}

function resolve4(net: Network, devices: string[], daddr: string, opts: { hw?: boolean; mode?: KernelMode } = {}): ForwardPath {
  const ft = flowtableView(net.topo, devices, opts.hw ?? false, opts.mode ?? 'ml');
  const out = new ForwardPath();
  const route = net.fib.lookupV4(ip4(daddr));
  resolveRouteV4(net, ft, route, ip4(daddr), 0, out);
  return out;
}

const stackOf = (p: ForwardPath, net: Network): [number, string][] =>
  Array.from({ length: p.numPaths }, (_, i) => [p.pathType[i]!, net.topo.name(p.pathDev[i]!)]);

const LAN_PORTS = ['lan1', 'lan2', 'lan3', 'wan'];

describe('forward path: bridge over DSA ports (br_fill_forward_path, dsa_user_fill_forward_path, nft_dev_path_info)', () => {
  it("br-lan → the port the FDB knows for the next hop's MAC → DSA user port; the walk stops at the DSA port", () => {
    const net = mtkRouter();
    learn(net, 'br-lan', 'lan1', HOST_A);
    const p = resolve4(net, LAN_PORTS, '192.168.1.100');
    expect(stackOf(p, net)).toEqual([[DEV_PATH_BRIDGE, 'br-lan'], [DEV_PATH_DSA, 'lan1'], [DEV_PATH_ETHERNET, 'eth0']]);
    expect(p.status).toBe(FP_RESOLVED);
    // route->tuple[!dir].in.ifindex: replies arrive on lan1, which the flowtable hooks.
    expect(net.topo.name(p.inIfindex)).toBe('lan1');
    expect(p.inNumEncaps).toBe(0);
    // A bridge in the path makes the transmit DIRECT with cached MACs.
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_DIRECT);
    expect(net.topo.name(p.outIfindex)).toBe('lan1');
    expect(net.topo.name(p.outHwIfindex)).toBe('lan1');
    expect(macStr(p.hSource)).toBe(formatMac(net.topo.macHi[net.topo.byName('br-lan')]!, net.topo.macLo[net.topo.byName('br-lan')]!));
    expect(macStr(p.hDest)).toBe(HOST_A);
    expect(p.dsaPort).toBe(1);
    expect(net.topo.name(p.realDev)).toBe('eth0');
    expect(p.mtu).toBe(1500);
    expect(p.offloadable).toBe(true);
  });

  it('follows the FDB: after the host moves to lan2 the path ends on lan2', () => {
    const net = mtkRouter();
    learn(net, 'br-lan', 'lan1', HOST_A);
    learn(net, 'br-lan', 'lan2', HOST_A);
    expect(net.topo.name(resolve4(net, LAN_PORTS, '192.168.1.100').inIfindex)).toBe('lan2');
  });

  it('unknown next-hop MAC in the FDB: the walk fails; mainline keeps the NEIGH path on br-lan (nft_dev_forward_path)', () => {
    const net = mtkRouter();
    const p = resolve4(net, LAN_PORTS, '192.168.1.100');
    expect(p.fail).toBe(FP_FAIL_FDB);
    expect(p.status).toBe(FP_UNRESOLVED);
    expect(net.topo.name(p.inIfindex)).toBe('br-lan');
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_NEIGH);
    expect(p.offloadable).toBe(false); // br-lan is not a flowtable device here
    expect(resolve4(net, [...LAN_PORTS, 'br-lan'], '192.168.1.100').offloadable).toBe(true);
  });

  it('no NUD_VALID neighbour for the next hop: nft_dev_fill_forward_path fails before walking', () => {
    const net = mtkRouter();
    const p = resolve4(net, LAN_PORTS, '192.168.1.77');
    expect(p.fail).toBe(FP_FAIL_NEIGH);
    expect(p.numPaths).toBe(0);
  });

  it('the resolved port not listed: mainline falls back to the route device (firewall4 software mode lists br-lan)', () => {
    const net = mtkRouter();
    learn(net, 'br-lan', 'lan1', HOST_A);
    const p = resolve4(net, ['br-lan', 'pppoe-wan'], '192.168.1.100');
    expect(p.status).toBe(FP_NOT_LISTED);
    expect(net.topo.name(p.inIfindex)).toBe('br-lan');
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_NEIGH);
    expect(p.offloadable).toBe(true);
    // net-next (nf_flow_table_path.c): a resolved device outside the flowtable refuses the flow.
    expect(resolve4(net, ['br-lan', 'pppoe-wan'], '192.168.1.100', { mode: 'nx' }).status).toBe(FP_REJECTED);
  });

  it('IPv6 next hops resolve the same way (rt6_nexthop, ND entry)', () => {
    const net = mtkRouter();
    learn(net, 'br-lan', 'lan3', HOST_A);
    const ft = flowtableView(net.topo, LAN_PORTS, false);
    const out = new ForwardPath();
    const d = parseIpv6('fd00:1::100')!;
    resolveRouteV6(net, ft, net.fib.lookupV6(d, 0), d, 0, new Uint32Array(4), 0, out);
    expect(out.status).toBe(FP_RESOLVED);
    expect(net.topo.name(out.inIfindex)).toBe('lan3');
  });
});

describe('forward path: VLAN on a bridge (vlan_dev_fill_forward_path then br_fill_forward_path)', () => {
  it('br-lan.10 → br-lan → lan2: the tag becomes the flow encap, transmit goes through the VLAN device', () => {
    const net = mtkRouter();
    learn(net, 'br-lan', 'lan2', HOST_B);
    const p = resolve4(net, LAN_PORTS, '192.168.10.50');
    expect(stackOf(p, net)).toEqual([[DEV_PATH_VLAN, 'br-lan.10'], [DEV_PATH_BRIDGE, 'br-lan'], [DEV_PATH_DSA, 'lan2'], [DEV_PATH_ETHERNET, 'eth0']]);
    expect(p.status).toBe(FP_RESOLVED);
    expect(net.topo.name(p.inIfindex)).toBe('lan2');
    expect(p.inNumEncaps).toBe(1);
    expect(p.inEncapId[0]).toBe(10);
    expect(p.inEncapProto[0]).toBe(ETH_P_8021Q);
    // Mainline: out.ifindex is the first VLAN/PPPoE device (it adds its own tag), hw_ifindex the port.
    expect(net.topo.name(p.outIfindex)).toBe('br-lan.10');
    expect(net.topo.name(p.outHwIfindex)).toBe('lan2');
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_DIRECT);
  });
});

describe('forward path: PPPoE on a VLAN on the DSA wan port (pppoe_fill_forward_path)', () => {
  it('pppoe-wan → wan.835 → wan: two encaps (PPPoE pushed first, VLAN outside it), peer MAC as destination', () => {
    const net = mtkRouter();
    const p = resolve4(net, LAN_PORTS, '8.8.8.8', { hw: true });
    expect(stackOf(p, net)).toEqual([[DEV_PATH_PPPOE, 'pppoe-wan'], [DEV_PATH_VLAN, 'wan.835'], [DEV_PATH_DSA, 'wan'], [DEV_PATH_ETHERNET, 'eth0']]);
    expect(p.fail).toBe(0); // a PPP device has no MAC: no neighbour is needed
    expect(p.status).toBe(FP_RESOLVED);
    expect(net.topo.name(p.inIfindex)).toBe('wan');
    // Push order (innermost first) and the tuple order the ingress hook parses (outermost first).
    expect([p.encapId[0], p.encapProto[0], p.encapId[1], p.encapProto[1]]).toEqual([0x12, ETH_P_PPP_SES, 835, ETH_P_8021Q]);
    expect([p.inEncapId[0], p.inEncapId[1]]).toEqual([835, 0x12]);
    expect(macStr(p.hDest)).toBe(BRAS);
    // h_source: pppoe-wan has no address, so the first device with one (wan.835, inheriting wan's).
    expect(macStr(p.hSource)).toBe('02:aa:00:00:00:04');
    expect(p.mtu).toBe(1492); // the route device's MTU: parent 1500 − PPPOE_SES_HLEN
    // Hardware-offload flowtable + valid ethernet in-device → DIRECT.
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_DIRECT);
    expect(net.topo.name(p.outIfindex)).toBe('pppoe-wan');
    expect(net.topo.name(p.outHwIfindex)).toBe('wan');
    expect(p.offloadable).toBe(true);
  });

  it('software flowtable: the in-device moves to wan with encaps, but transmit stays NEIGH via pppoe-wan', () => {
    const net = mtkRouter();
    const p = resolve4(net, LAN_PORTS, '8.8.8.8');
    expect(p.status).toBe(FP_RESOLVED);
    expect(net.topo.name(p.inIfindex)).toBe('wan');
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_NEIGH);
    expect(net.topo.name(p.outIfindex)).toBe('pppoe-wan');
  });

  it('only pppoe-wan listed: the flow stays on pppoe-wan, NEIGH — the device a hardware engine cannot output to (REFERENCE §2)', () => {
    const net = mtkRouter();
    const p = resolve4(net, ['br-lan', 'pppoe-wan'], '8.8.8.8', { hw: true });
    expect(p.status).toBe(FP_NOT_LISTED);
    expect(net.topo.name(p.inIfindex)).toBe('pppoe-wan');
    expect(p.inNumEncaps).toBe(0);
    expect(p.xmitType).toBe(FLOW_OFFLOAD_XMIT_NEIGH);
    expect(p.offloadable).toBe(true);
  });
});

describe('forward path: encapsulation limits', () => {
  const qinq = (): Network => mtkRouter((b) => {
    b.addVlan('wan.100', 'wan', 100, { proto: '802.1ad' });
    b.addVlan('wan.100.7', 'wan.100', 7);
    b.addPppoe('pppoe-q', 'wan.100.7', 5, BRAS);
    b.addAddress('pppoe-q', '100.65.0.2/32');
    b.addRoute({ dst: '198.18.0.0/15', dev: 'pppoe-q' });
  });

  it('QinQ + PPPoE = 3 encaps > NF_FLOW_TABLE_ENCAP_MAX: not offloadable (mainline), refused (net-next)', () => {
    const net = qinq();
    const p = resolve4(net, LAN_PORTS, '198.18.0.1', { hw: true });
    expect(stackOf(p, net).map((e) => e[0])).toEqual([DEV_PATH_PPPOE, DEV_PATH_VLAN, DEV_PATH_VLAN, DEV_PATH_DSA, DEV_PATH_ETHERNET]);
    expect(p.encapOverflow).toBe(true);
    expect(p.numEncaps).toBe(2);
    expect(p.encapProto[1]).toBe(ETH_P_8021Q); // the 802.1ad outer tag did not fit
    expect(p.offloadable).toBe(false);
    const nx = resolve4(net, LAN_PORTS, '198.18.0.1', { hw: true, mode: 'nx' });
    expect(nx.status).toBe(FP_REJECTED);
    expect(nx.offloadable).toBe(false);
    expect(ETH_P_8021AD).toBe(0x88a8);
  });

  it('three stacked VLAN devices exceed NET_DEVICE_PATH_VLAN_MAX (vlan_dev_fill_forward_path returns -ENOSPC)', () => {
    const net = mtkRouter((b) => {
      b.addVlan('e1.1', 'eth1', 1);
      b.addVlan('e1.1.2', 'e1.1', 2);
      b.addVlan('e1.1.2.3', 'e1.1.2', 3);
    });
    const ft = flowtableView(net.topo, ['eth1'], false);
    const out = new ForwardPath();
    decideForwardPath(net, ft, net.topo.byName('e1.1.2.3'), 0, true, 0x0200, 0x99, 0, out);
    expect(out.fail).toBe(FP_FAIL_VLAN_NOSPC);
    expect(out.status).toBe(FP_UNRESOLVED);
  });

  it('more than NET_DEVICE_PATH_STACK_MAX (5) elements fails the walk (dev_fwd_path)', () => {
    const net = mtkRouter((b) => {
      b.addVlan('br-lan.20', 'br-lan', 20);
      b.addVlan('br-lan.20.3', 'br-lan.20', 3);
      b.addPppoe('pppoe-deep', 'br-lan.20.3', 9, BRAS);
    });
    learn(net, 'br-lan', 'lan1', BRAS);
    const ft = flowtableView(net.topo, LAN_PORTS, false);
    const out = new ForwardPath();
    decideForwardPath(net, ft, net.topo.byName('pppoe-deep'), 0, false, 0, 0, 0, out);
    expect(out.fail).toBe(FP_FAIL_STACK);
  });
});
