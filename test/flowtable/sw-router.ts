/**
 * Helpers for kernel-semantics.test.ts: a router in software flowtable mode built from inline YAML (the
 * recorder and frame builders of test/engine/raw-frames.ts, independent of src/wire), the
 * scenario around a ruleset, and a firewall4-like ruleset.
 */
import { makeRouter } from '../engine/raw-frames.ts';

export type { Rec } from '../engine/raw-frames.ts';

export const PATH_CLASSIC = 1, PATH_SOFTWARE = 2;

/** makeRouter in mode 'software' (the flowtable fast path). */
export function makeSwRouter(yaml: string, name: string): ReturnType<typeof makeRouter> {
  return makeRouter(yaml, name, 'software');
}

/** LAN eth0 192.168.1.0/24 (host a), WAN eth1 198.51.100.0/24 (host up = everything beyond). */
export function swYaml(ruleset: string, opts: { wanMtu?: number; sysctl?: string; extraIfaces?: string; extraHosts?: string; routes?: string } = {}): string {
  return `
name: flowtable kernel semantics
seed: 1
duration: 1s
device: { soc: generic-x86 }
interfaces:
  - { name: eth0, kind: ethernet, mac: "02:33:00:00:00:01", addresses: [192.168.1.1/24, "2001:db8:1::1/64"] }
  - { name: eth1, kind: ethernet, mac: "02:33:00:00:00:02", addresses: [198.51.100.2/24, "2001:db8:ffff::2/64"]${opts.wanMtu ? `, mtu: ${opts.wanMtu}` : ''} }
${opts.extraIfaces ?? ''}
routes:
${opts.routes ?? `  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: "::/0", via: "2001:db8:ffff::1", dev: eth1 }`}
hosts:
  - { name: a, interface: eth0, addresses: [192.168.1.50, "2001:db8:1::50"] }
  - { name: up, interface: eth1, addresses: [0.0.0.0/0, "::/0"] }
${opts.extraHosts ?? ''}
${opts.sysctl ?? ''}
ruleset:
  inline: |
${ruleset.split('\n').map((l) => `    ${l}`).join('\n')}
traffic: []
`;
}

/** firewall4's shape: flowtable on both ports, `flow offload` first in forward, masquerade on the WAN. */
export const FW4 = (opts: { counter?: boolean; nat?: boolean; pre?: string } = {}): string => `table inet fw4 {
  flowtable ft {
    hook ingress priority 0;
    devices = { eth0, eth1 };${opts.counter ? '\n    counter;' : ''}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
${opts.pre ?? ''}
    meta l4proto { tcp, udp } flow offload @ft;
    ct state vmap { established : accept, related : accept }
    iifname "eth0" accept
  }
${opts.nat === false ? '' : `  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth1" masquerade
  }`}
}`;
