import { describe, it, expect } from 'vitest';
import { rxDemux, RxScratch, RX_DROP, RX_LOCAL, CHAIN_DSA_TAGGED } from '../../src/net/rx.ts';
import { ETH_P_8021AD, ETH_P_8021Q } from '../../src/net/devices.ts';
import { parseMac } from '../../src/net/mac.ts';
import { TopologyBuilder } from '../../src/net/builder.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { BRAS, HOST_A, mtkRouter } from './fixtures.ts';

const mac = (s: string): { hi: number; lo: number } => parseMac(s)!;

describe('rx demux (__netif_receive_skb_core and the stacked devices\' rx handlers)', () => {
  const net = mtkRouter();
  const { topo } = net;
  const ix = (n: string): number => topo.byName(n);
  const a = mac(HOST_A);
  const bras = mac(BRAS);
  const wanMac = { hi: topo.macHi[ix('wan')]!, lo: topo.macLo[ix('wan')]! };

  it('VLAN: eth1 + tag 10 → eth1.10, one tag stripped (vlan_do_receive)', () => {
    const f = new RxScratch();
    f.setFrame(topo.macHi[ix('eth1')]!, topo.macLo[ix('eth1')]!, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 10);
    expect(rxDemux(net, ix('eth1'), f, 0)).toBe(ix('eth1.10'));
    expect(f.vlansPopped).toBe(1);
    expect(f.strippedBytes).toBe(4);
    // The hook on eth1 saw the tag; the one on eth1.10 did not.
    expect([...f.chainDev.subarray(0, f.chainLen)]).toEqual([ix('eth1'), ix('eth1.10')]);
    expect([...f.chainVlans.subarray(0, f.chainLen)]).toEqual([1, 0]);
  });

  it('VLAN: a tag for a VLAN id with no device is dropped (PACKET_OTHERHOST), counted on the port', () => {
    const f = new RxScratch();
    f.setFrame(topo.macHi[ix('eth1')]!, topo.macLo[ix('eth1')]!, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 99);
    const before = topo.rxDropped[ix('eth1')]!;
    expect(rxDemux(net, ix('eth1'), f, 0)).toBe(0);
    expect(f.verdict).toBe(RX_DROP);
    expect(f.drop).toBe(DropReason.VLAN_UNKNOWN);
    expect(topo.rxDropped[ix('eth1')]).toBe(before + 1);
  });

  it('VLAN: a priority tag (vid 0) is stripped and the frame stays on the port', () => {
    const f = new RxScratch();
    f.setFrame(topo.macHi[ix('eth1')]!, topo.macLo[ix('eth1')]!, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 0);
    expect(rxDemux(net, ix('eth1'), f, 0)).toBe(ix('eth1'));
  });

  it('unicast to another MAC on a non-bridged port is not for us', () => {
    const f = new RxScratch();
    f.setFrame(a.hi, a.lo, bras.hi, bras.lo, 100);
    expect(rxDemux(net, ix('eth1'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.NOT_FOR_US);
  });

  it('DSA + VLAN + PPPoE: eth0 tagged for port 4 (wan) + vid 835 + session 0x12 from the BRAS → pppoe-wan', () => {
    const f = new RxScratch();
    f.setFrame(wanMac.hi, wanMac.lo, bras.hi, bras.lo, 1500).pushVlan(ETH_P_8021Q, 835);
    f.pppoeSid = 0x12;
    f.dsaPort = 4;
    expect(rxDemux(net, ix('eth0'), f, 0)).toBe(ix('pppoe-wan'));
    expect(f.verdict).toBe(RX_LOCAL);
    expect(f.dsaTagBytes).toBe(4); // MTK_HDR_LEN
    expect(f.pppoePopped).toBe(true);
    expect(f.strippedBytes).toBe(4 + 4 + 8);
    expect([...f.chainDev.subarray(0, f.chainLen)]).toEqual([ix('eth0'), ix('wan'), ix('wan.835'), ix('pppoe-wan')]);
    expect(f.chainFlags[0]).toBe(CHAIN_DSA_TAGGED);
    // What each ingress hook sees: wan still has the VLAN tag and the PPPoE header, wan.835 only PPPoE.
    expect([...f.chainVlans.subarray(0, 4)]).toEqual([1, 1, 0, 0]);
    expect([...f.chainPppoe.subarray(0, 4)]).toEqual([1, 1, 1, 0]);
    expect(topo.rxPackets[ix('pppoe-wan')]).toBeGreaterThan(0);
  });

  it('PPPoE: an unknown session id, or a known one from another MAC, is dropped (pppoe_rcv get_item)', () => {
    const f = new RxScratch();
    f.setFrame(wanMac.hi, wanMac.lo, bras.hi, bras.lo, 100).pushVlan(ETH_P_8021Q, 835);
    f.pppoeSid = 0x13;
    expect(rxDemux(net, ix('wan'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.PPPOE_NO_SESSION);
    f.setFrame(wanMac.hi, wanMac.lo, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 835);
    f.pppoeSid = 0x12;
    expect(rxDemux(net, ix('wan'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.PPPOE_NO_SESSION);
  });

  it('DSA: a tag naming a switch port without a user device is dropped', () => {
    const f = new RxScratch();
    f.setFrame(0xffff, 0xffffffff, a.hi, a.lo, 100);
    f.dsaPort = 7;
    expect(rxDemux(net, ix('eth0'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.DSA_UNKNOWN_PORT);
  });

  it('DSA + bridge: lan2 is a port of br-lan, a frame to the router MAC ends on br-lan', () => {
    const f = new RxScratch();
    const br = ix('br-lan');
    f.setFrame(topo.macHi[br]!, topo.macLo[br]!, a.hi, a.lo, 100);
    f.dsaPort = 2;
    expect(rxDemux(net, ix('eth0'), f, 0)).toBe(br);
    expect([...f.chainDev.subarray(0, f.chainLen)]).toEqual([ix('eth0'), ix('lan2'), br]);
  });

  it('VLAN on a bridge: a tagged frame crosses the VLAN-unaware bridge with its tag and ends on br-lan.10', () => {
    const f = new RxScratch();
    const br = ix('br-lan');
    f.setFrame(topo.macHi[br]!, topo.macLo[br]!, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 10);
    expect(rxDemux(net, ix('lan1'), f, 0)).toBe(ix('br-lan.10'));
    expect([...f.chainDev.subarray(0, f.chainLen)]).toEqual([ix('lan1'), br, ix('br-lan.10')]);
    expect([...f.chainVlans.subarray(0, f.chainLen)]).toEqual([1, 1, 0]);
  });

  it('a frame with a multicast source MAC is dropped by the bridge (br_handle_frame)', () => {
    const f = new RxScratch();
    f.setFrame(0xffff, 0xffffffff, 0x0100, 0x5e000001, 100);
    expect(rxDemux(net, ix('lan1'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.L2_BAD_SADDR);
  });

  it('a frame arriving on a port that is down is dropped', () => {
    const b = new TopologyBuilder();
    b.addEthernet('eth0', { up: false });
    const n = b.build();
    const f = new RxScratch();
    f.setFrame(0xffff, 0xffffffff, a.hi, a.lo, 100);
    expect(rxDemux(n, 2, f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.DEV_DOWN);
  });

  it('QinQ: 802.1ad outer + 802.1Q inner → the inner VLAN device', () => {
    const b = new TopologyBuilder();
    b.addEthernet('eth0', { mac: '02:00:00:00:00:aa' });
    b.addVlan('eth0.100', 'eth0', 100, { proto: '802.1ad' });
    b.addVlan('eth0.100.7', 'eth0.100', 7);
    const n = b.build();
    const f = new RxScratch();
    const m = mac('02:00:00:00:00:aa');
    f.setFrame(m.hi, m.lo, a.hi, a.lo, 100).pushVlan(ETH_P_8021AD, 100).pushVlan(ETH_P_8021Q, 7);
    expect(rxDemux(n, n.topo.byName('eth0'), f, 0)).toBe(n.topo.byName('eth0.100.7'));
    expect(f.vlansPopped).toBe(2);
    // The outer proto must match: an 802.1Q outer tag 100 finds no 802.1ad device.
    f.setFrame(m.hi, m.lo, a.hi, a.lo, 100).pushVlan(ETH_P_8021Q, 100).pushVlan(ETH_P_8021Q, 7);
    expect(rxDemux(n, n.topo.byName('eth0'), f, 0)).toBe(0);
    expect(f.drop).toBe(DropReason.VLAN_UNKNOWN);
  });
});
