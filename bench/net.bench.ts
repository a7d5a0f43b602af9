import { defineSuite } from './case.ts';
import { Fib, RTN_UNICAST, RT_SCOPE_LINK, RT_TABLE_MAIN } from '../src/net/fib.ts';
import { mask32 } from '../src/net/addr.ts';
import { rxDemux, RxScratch } from '../src/net/rx.ts';
import { TopologyBuilder } from '../src/net/builder.ts';
import type { Network } from '../src/net/builder.ts';
import { ETH_P_8021Q } from '../src/net/devices.ts';
import { parseMac } from '../src/net/mac.ts';
import { FAMILY_IPV4 } from '../src/wire/tuple.ts';

const LOOKUPS = 1024;
let sink = 0;

/** xorshift32: benchmarks need reproducible "random" tables, never Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** A FIB shaped like a routing table: mostly /24, some /16–/23, a few /8–/15 and /25–/32, one default. */
function fibWith(routes: number): { fib: Fib; probes: Uint32Array } {
  const next = rng(0x5eed + routes);
  const fib = new Fib(new Uint8Array(4).fill(1));
  const add = (addr: number, plen: number): void => {
    fib.add({ family: FAMILY_IPV4, prefix: [(addr & mask32(plen)) >>> 0], plen, type: RTN_UNICAST, dev: 1 + (addr & 1), gateway: null, metric: 0, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 });
  };
  add(0, 0);
  const prefixes: number[] = [];
  for (let i = 1; i < routes; i++) {
    const r = next() % 100;
    const plen = r < 60 ? 24 : r < 85 ? 16 + (next() % 8) : r < 95 ? 8 + (next() % 8) : 25 + (next() % 8);
    const a = next();
    prefixes.push(a);
    add(a, plen);
  }
  // Half the probes fall inside a known prefix, half are arbitrary (mostly the default route).
  const probes = new Uint32Array(LOOKUPS);
  for (let i = 0; i < LOOKUPS; i++) probes[i] = i % 2 === 0 && prefixes.length > 0 ? (prefixes[next() % prefixes.length]! ^ (next() & 0xff)) >>> 0 : next();
  return { fib, probes };
}

function fibCase(routes: number) {
  return {
    name: `fib lookup ipv4, ${routes} routes`,
    mode: null,
    flows: null,
    packetsPerCall: LOOKUPS,
    setup: () => {
      const { fib, probes } = fibWith(routes);
      return () => {
        let acc = 0;
        for (let i = 0; i < LOOKUPS; i++) acc += fib.lookupV4(probes[i]!);
        sink ^= acc;
      };
    },
  };
}

function router(): Network {
  const b = new TopologyBuilder();
  b.addEthernet('eth0', { mac: '02:aa:00:00:00:01' });
  for (let p = 1; p <= 4; p++) b.addDsaPort(`lan${p}`, 'eth0', { port: p });
  b.addDsaPort('wan', 'eth0', { port: 5, mac: '02:aa:00:00:00:05' });
  b.addBridge('br-lan', ['lan1', 'lan2', 'lan3', 'lan4']);
  b.addVlan('wan.835', 'wan', 835);
  b.addPppoe('pppoe-wan', 'wan.835', 0x12, '00:11:22:33:44:55');
  return b.build();
}

const BURST = 64;

export default defineSuite('net', [
  fibCase(10),
  fibCase(1000),
  fibCase(100_000),
  {
    name: 'rx demux DSA port → bridge (local), burst of 64',
    mode: null,
    flows: null,
    packetsPerCall: BURST,
    setup: () => {
      const net = router();
      const br = net.topo.byName('br-lan');
      const eth0 = net.topo.byName('eth0');
      const f = new RxScratch();
      const host = parseMac('02:00:00:00:0a:01')!;
      return () => {
        let acc = 0;
        for (let i = 0; i < BURST; i++) {
          f.setFrame(net.topo.macHi[br]!, net.topo.macLo[br]!, host.hi, (host.lo + (i & 7)) >>> 0, 1514);
          f.dsaPort = 1 + (i & 3);
          acc += rxDemux(net, eth0, f, i);
        }
        sink ^= acc;
      };
    },
  },
  {
    name: 'rx demux DSA wan → VLAN → PPPoE, burst of 64',
    mode: null,
    flows: null,
    packetsPerCall: BURST,
    setup: () => {
      const net = router();
      const wan = net.topo.byName('wan');
      const eth0 = net.topo.byName('eth0');
      const f = new RxScratch();
      const bras = parseMac('00:11:22:33:44:55')!;
      return () => {
        let acc = 0;
        for (let i = 0; i < BURST; i++) {
          f.setFrame(net.topo.macHi[wan]!, net.topo.macLo[wan]!, bras.hi, bras.lo, 1514).pushVlan(ETH_P_8021Q, 835);
          f.pppoeSid = 0x12;
          f.dsaPort = 5;
          acc += rxDemux(net, eth0, f, i);
        }
        sink ^= acc;
      };
    },
  },
]);

export function benchSink(): number {
  return sink;
}
