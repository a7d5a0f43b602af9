import { describe, it, expect } from 'vitest';
import { TopologyBuilder, NetConfigError } from '../../src/net/builder.ts';
import { DeviceKind, DEV_F_DSA_CONDUIT, ETH_P_8021AD } from '../../src/net/devices.ts';
import { formatMac } from '../../src/net/mac.ts';
import { mtkRouter, ETH0_MAC } from './fixtures.ts';

describe('TopologyBuilder defaults (as the kernel sets them)', () => {
  const net = mtkRouter();
  const { topo } = net;
  const ix = (n: string): number => topo.byName(n);

  it('lo is ifindex 1 (loopback_net_init registers it first); devices follow in creation order', () => {
    expect(topo.name(1)).toBe('lo');
    expect(topo.kind[1]).toBe(DeviceKind.LOOPBACK);
    expect(ix('eth0')).toBe(2);
  });

  it('a PPPoE device has MTU parent − 8 (1492) and no hardware address (ARPHRD_PPP)', () => {
    expect(topo.mtu[ix('pppoe-wan')]).toBe(1492);
    expect(topo.isValidEtherDevice(ix('pppoe-wan'))).toBe(false);
    expect(topo.isValidEtherDevice(1)).toBe(false); // lo
    expect(topo.isValidEtherDevice(ix('br-lan'))).toBe(true);
  });

  it('DSA user ports inherit the conduit MAC; the conduit is flagged; VLANs inherit their parent MAC and MTU', () => {
    expect(formatMac(topo.macHi[ix('lan1')]!, topo.macLo[ix('lan1')]!)).toBe(ETH0_MAC);
    expect(topo.flags[ix('eth0')]! & DEV_F_DSA_CONDUIT).toBe(DEV_F_DSA_CONDUIT);
    expect(topo.macLo[ix('wan.835')]).toBe(topo.macLo[ix('wan')]);
    expect(topo.mtu[ix('wan.835')]).toBe(1500);
    expect(topo.dsaTagLen[ix('lan1')]).toBe(4);
  });

  it('a bridge takes the lowest port MAC (br_stp_recalculate_bridge_id) and 300 s ageing', () => {
    expect(topo.macLo[ix('br-lan')]).toBe(topo.macLo[ix('lan1')]);
    expect(topo.ageingNs[ix('br-lan')]).toBe(300e9);
    expect(topo.master[ix('lan2')]).toBe(ix('br-lan'));
  });
});

describe('TopologyBuilder validation', () => {
  const b = (): TopologyBuilder => {
    const t = new TopologyBuilder();
    t.addEthernet('eth0');
    t.addDsaPort('lan1', 'eth0');
    t.addDsaPort('lan2', 'eth0');
    return t;
  };

  it('a bridge port that does not exist names the known devices', () => {
    expect(() => b().addBridge('br-lan', ['lan1', 'lan5'])).toThrow('bridge br-lan: port lan5 is not a device; known: lo, eth0, lan1, lan2');
  });

  it('a port cannot join two bridges, nor can a bridge be a port', () => {
    const t = b();
    t.addBridge('br-lan', ['lan1']);
    expect(() => t.addBridge('br-x', ['lan1'])).toThrow(/already a port of br-lan/);
    expect(() => t.addBridge('br-y', ['br-lan'])).toThrow(/is a bridge/);
  });

  it('duplicate names, VLAN ids, PPPoE sessions and DSA port numbers are refused', () => {
    const t = b();
    expect(() => t.addEthernet('eth0')).toThrow(/defined twice/);
    t.addVlan('eth0.5', 'eth0', 5);
    expect(() => t.addVlan('v5', 'eth0', 5)).toThrow(/already has 802.1q vlan 5/);
    t.addVlan('s5', 'eth0', 5, { proto: '802.1ad' }); // a different proto is a different device
    t.addPppoe('ppp0', 'eth0.5', 1, '00:11:22:33:44:55');
    expect(() => t.addPppoe('ppp1', 'eth0.5', 1, '00:11:22:33:44:55')).toThrow(/session 1 on eth0.5 is already ppp0/);
    expect(() => t.addDsaPort('lan3', 'eth0', { port: 1 })).toThrow(/switch port 1 of eth0 is already lan2/);
    const net = t.build();
    expect(net.topo.vlanProto[net.topo.byName('s5')]).toBe(ETH_P_8021AD);
  });

  it('range checks: VLAN id 0..4094, PPPoE session 1..65534, unicast MACs, MTU', () => {
    const t = b();
    expect(() => t.addVlan('v', 'eth0', 4095)).toThrow(NetConfigError);
    expect(() => t.addPppoe('p', 'eth0', 0, '00:11:22:33:44:55')).toThrow(/1..65534/);
    expect(() => t.addPppoe('p', 'eth0', 2, 'ff:ff:ff:ff:ff:ff')).toThrow(/not a valid unicast MAC/);
    expect(() => t.addEthernet('eth9', { mtu: 20 })).toThrow(/mtu 20/);
    expect(() => t.addDsaPort('lan9', 'lan1')).toThrow(/conduit lan1 is a dsa port/);
    expect(() => t.addDsaPort('lan9', 'eth0', { tagProto: 'nope' })).toThrow(/unknown tag protocol 'nope'; known: mtk/);
  });

  it('addresses and neighbours are parsed and checked', () => {
    const t = b();
    expect(() => t.addAddress('eth0', '192.168.1.1/33')).toThrow(/not an IPv4\/IPv6 address/);
    expect(() => t.addNeighbour('eth0', '10.0.0.1', 'zz')).toThrow(/not a valid unicast MAC/);
    t.addAddress('eth0', '10.0.0.1/24');
    expect(() => t.addAddress('eth0', '10.0.0.1/24')).toThrow(/already assigned/);
  });
});
