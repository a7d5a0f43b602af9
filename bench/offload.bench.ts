/**
 * Hardware-backend lookup cost: rxLookup per packet for flows that are BOUND in the engine.
 * PPE tables cannot hold 64K flows (8192 entries per PPE), so the PPE cases use the largest tables
 * that fit exactly: one full MT7986 PPE (2048 buckets × 4 ways = 8192 flows) and all three MT7988
 * PPEs (24576 flows); the 64K case runs on the mlx5 backend (exact-match table).
 */
import { defineSuite } from './case.ts';
import type { BenchCase } from './case.ts';
import { PacketPool } from '../src/buffers/pool.ts';
import { createBackend, getSocProfile } from '../src/offload/registry.ts';
import { MTK_SOC_DATA } from '../src/offload/mediatek-ppe.ts';
import { mtkPpeHash } from '../src/offload/ppe-hash.ts';
import { OffloadRequest } from '../src/offload/types.ts';
import type { HardwareBackend } from '../src/offload/types.ts';
import { IPPROTO_UDP, TUPLE_WORDS, tupleSetV4 } from '../src/wire/tuple.ts';

const BURST = 64;
const SLOTS = 4096;

interface Flow { tuple: Uint32Array; port: number }

/** UDP flows whose hashes fill each PPE's buckets to at most `ways` (all can bind). */
function ppeFlows(soc: string, perPpe: number, ports: readonly number[]): Flow[] {
  const geo = MTK_SOC_DATA[soc]!;
  const flows: Flow[] = [];
  for (let p = 0; p < ports.length; p++) {
    const fill = new Uint8Array(geo.entries / geo.ways);
    let n = 0;
    for (let i = 0; n < perPpe; i++) {
      const t = new Uint32Array(TUPLE_WORDS);
      tupleSetV4(t, 0, 0x0a000000 + (p << 20) + (i >>> 12), 0x01010101 + (i & 0xfff), IPPROTO_UDP, 1024 + (i & 0x3fff), 53);
      const b = mtkPpeHash(t, 0, geo.hashShift, geo.entries - 1) / geo.ways;
      if (fill[b]! >= geo.ways) continue;
      fill[b]!++;
      flows.push({ tuple: t, port: ports[p]! });
      n++;
    }
  }
  return flows;
}

function plainFlows(n: number): Flow[] {
  const flows: Flow[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Uint32Array(TUPLE_WORDS);
    tupleSetV4(t, 0, 0x0a000000 + i, 0x01010101, IPPROTO_UDP, 1024 + (i & 0x7fff), 53);
    flows.push({ tuple: t, port: 1 });
  }
  return flows;
}

function writeSlot(pool: PacketPool, slot: number, t: Uint32Array): void {
  pool.off[slot] = pool.headroom;
  pool.len[slot] = 14 + 20 + 8 + 64;
  pool.l3proto[slot] = 0x0800;
  pool.l3off[slot] = 14;
  pool.l4off[slot] = 34;
  pool.pflags[slot] = 0;
  pool.bytes[pool.frameStart(slot) + 14 + 8] = 64;
  for (let i = 0; i < TUPLE_WORDS; i++) pool.tuple[slot * TUPLE_WORDS + i] = t[i]!;
}

/** Offloads every flow (original direction), binds it, and returns a timed burst loop. */
function setupBound(backend: HardwareBackend, flows: readonly Flow[]): () => void {
  const req = new OffloadRequest();
  req.flags = 0; // original direction only: the bench measures lookups, one entry per flow
  for (let d = 0; d < 2; d++) {
    req.setMac('src', d, 0x0200, 1);
    req.setMac('dst', d, 0x0200, 2);
  }
  const pool = new PacketPool({ capacity: SLOTS, slotSize: 256, headroom: 64 });
  for (let f = 0; f < flows.length; f++) {
    req.flowId = f;
    req.family = 4;
    req.l4proto = IPPROTO_UDP;
    req.tuple.set(flows[f]!.tuple, 0);
    req.rewritten.set(flows[f]!.tuple, 0);
    req.inPort[0] = flows[f]!.port;
    req.outPort[0] = 0;
    if (backend.replace(req, 0) !== 0) throw new Error(`flow ${f} refused`);
  }
  // Drive 31 packets per flow inside one second: the PPE learns, reaches the bind rate, binds.
  let now = 0;
  for (let r = 0; r < 31; r++) {
    for (let f = 0; f < flows.length; f++) {
      writeSlot(pool, 0, flows[f]!.tuple);
      backend.rxLookup(pool, 0, flows[f]!.port, now);
      now += 1;
    }
  }
  // Slots hold packets of flows in a scattered order (stride through the flow list).
  const ports = new Int32Array(SLOTS);
  for (let s = 0; s < SLOTS; s++) {
    const f = (s * 2654435761) % flows.length;
    writeSlot(pool, s, flows[f]!.tuple);
    ports[s] = flows[f]!.port;
    if (backend.rxLookup(pool, s, ports[s]!, now) !== f * 2) throw new Error(`flow ${f} is not bound (${backend.name})`);
  }
  let cursor = 0;
  let sink = 0;
  return () => {
    now += 1000;
    for (let i = 0; i < BURST; i++) {
      sink += backend.rxLookup(pool, cursor, ports[cursor]!, now);
      cursor = (cursor + 1) & (SLOTS - 1);
    }
    if (sink === -1) throw new Error('unreachable');
  };
}

const cases: BenchCase[] = [
  {
    name: 'ppe rxLookup bound, mt7986, 1024 flows',
    mode: 'hardware',
    flows: 1024,
    packetsPerCall: BURST,
    setup: () => setupBound(createBackend(getSocProfile('mt7986')!), ppeFlows('mt7986', 1024, [0])),
  },
  {
    name: 'ppe rxLookup bound, mt7986 one PPE full, 8192 flows',
    mode: 'hardware',
    flows: 8192,
    packetsPerCall: BURST,
    setup: () => setupBound(createBackend(getSocProfile('mt7986')!), ppeFlows('mt7986', 8192, [0])),
  },
  {
    name: 'ppe rxLookup bound, mt7988 3 PPEs full, 24576 flows',
    mode: 'hardware',
    flows: 24576,
    packetsPerCall: BURST,
    // mt7988 profile ports: lan1 (GMAC1→PPE0), wan (GMAC2→PPE1), sfp-lan (GMAC3→PPE2)
    setup: () => setupBound(createBackend(getSocProfile('mt7988')!), ppeFlows('mt7988', 8192, [0, 3, 4])),
  },
  {
    name: 'mlx5 rxLookup hit, 1024 flows',
    mode: 'hardware',
    flows: 1024,
    packetsPerCall: BURST,
    setup: () => setupBound(createBackend(getSocProfile('mlx5-switchdev')!, { insertRate: 0 }), plainFlows(1024)),
  },
  {
    name: 'mlx5 rxLookup hit, 65536 flows',
    mode: 'hardware',
    flows: 65536,
    packetsPerCall: BURST,
    setup: () => setupBound(createBackend(getSocProfile('mlx5-switchdev')!, { insertRate: 0, initialFlows: 65536 }), plainFlows(65536)),
  },
];

export default defineSuite('offload', cases);
