import { TopologyBuilder } from '../../src/net/builder.ts';
import type { Network } from '../../src/net/builder.ts';

/**
 * A MediaTek-style OpenWrt router: conduit eth0 with DSA user ports lan1..lan3 and wan ('mtk' tag),
 * br-lan over the lan ports, VLAN 835 on wan carrying PPPoE session 0x12 (pppoe-wan), a guest
 * VLAN br-lan.10 on the bridge, and a plain second port eth1 with VLAN eth1.10.
 */
export const HOST_A = '02:00:00:00:0a:01'; // LAN host behind lan1
export const HOST_B = '02:00:00:00:0b:01'; // LAN host behind lan2
export const BRAS = '00:11:22:33:44:55'; // the ISP's PPPoE concentrator
export const ETH0_MAC = '02:aa:00:00:00:01';

export function mtkRouter(build?: (b: TopologyBuilder) => void): Network {
  const b = new TopologyBuilder();
  b.addEthernet('eth0', { mac: ETH0_MAC, hwOffload: true, speedMbps: 2500 });
  b.addEthernet('eth1', { mac: '02:aa:00:00:00:02' });
  b.addDsaPort('lan1', 'eth0', { port: 1, tagProto: 'mtk' });
  b.addDsaPort('lan2', 'eth0', { port: 2 });
  b.addDsaPort('lan3', 'eth0', { port: 3 });
  b.addDsaPort('wan', 'eth0', { port: 4, mac: '02:aa:00:00:00:04' });
  b.addBridge('br-lan', ['lan1', 'lan2', 'lan3']);
  b.addVlan('br-lan.10', 'br-lan', 10);
  b.addVlan('wan.835', 'wan', 835);
  b.addPppoe('pppoe-wan', 'wan.835', 0x12, BRAS);
  b.addVlan('eth1.10', 'eth1', 10);
  b.addAddress('br-lan', '192.168.1.1/24');
  b.addAddress('br-lan', 'fd00:1::1/64');
  b.addAddress('br-lan.10', '192.168.10.1/24');
  b.addAddress('pppoe-wan', '100.64.0.2/32');
  b.addAddress('eth1.10', '10.10.0.1/24');
  b.addRoute({ dst: 'default', dev: 'pppoe-wan' });
  b.addNeighbour('br-lan', '192.168.1.100', HOST_A);
  b.addNeighbour('br-lan', '192.168.1.101', HOST_B);
  b.addNeighbour('br-lan', 'fd00:1::100', HOST_A);
  b.addNeighbour('br-lan.10', '192.168.10.50', HOST_B);
  b.addNeighbour('eth1.10', '10.10.0.2', '02:00:00:00:0c:01');
  build?.(b);
  return b.build();
}
