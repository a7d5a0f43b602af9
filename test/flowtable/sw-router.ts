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

export { routerYaml as swYaml } from '../engine/raw-frames.ts';

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
