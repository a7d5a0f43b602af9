import { defineSuite } from './case.ts';
import { PacketPool } from '../src/buffers/pool.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';
import { Pfifo } from '../src/qdisc/pfifo.ts';
import { FqCodel } from '../src/qdisc/fq_codel.ts';
import { Cake } from '../src/qdisc/cake.ts';
import { sqmSimplest } from '../src/qdisc/shaper.ts';
import type { Qdisc } from '../src/qdisc/types.ts';

/** A 32-bit hash per flow id, spread so flows land in distinct fq_codel/cake queues. */
function hashes(n: number): Uint32Array {
  const h = new Uint32Array(n);
  // (i + 0.5) / n of the hash space: reciprocal_scale maps flow i to queue i for n ≤ 1024
  for (let i = 0; i < n; i++) h[i] = Math.floor(((i + 0.5) / n) * 4294967296) >>> 0;
  return h;
}

/**
 * Steady state: `backlogPerFlow` packets queued per flow, then each call enqueues a burst of 64
 * (round-robin over the flows) and dequeues 64. Virtual time advances by `stepNs` per packet so a
 * shaper releases exactly one packet per dequeue; sojourn stays below CoDel's target (no drops).
 */
function steadyCase(make: (pool: PacketPool) => Qdisc, flows: number, len: number, stepNs: number, backlogPerFlow: number): () => void {
  const pool = new PacketPool({ capacity: flows * backlogPerFlow + 4 * BURST_SIZE });
  const q = make(pool);
  const h = hashes(flows);
  const held = new Int32Array(BURST_SIZE);
  let now = 0;
  let next = 0;
  for (let i = 0; i < flows * backlogPerFlow; i++) {
    const s = pool.alloc();
    pool.len[s] = len;
    q.enqueue(s, h[i % flows]!, now);
  }
  return () => {
    for (let i = 0; i < BURST_SIZE; i++) {
      const s = pool.alloc();
      pool.len[s] = len;
      q.enqueue(s, h[next]!, now);
      if (++next === flows) next = 0;
    }
    for (let i = 0; i < BURST_SIZE; i++) {
      now += stepNs;
      held[i] = q.dequeue(now);
    }
    for (let i = 0; i < BURST_SIZE; i++) if (held[i]! >= 0) pool.free(held[i]!);
    const d = q.drops;
    for (let i = 0; i < d.count; i++) pool.free(d.slots[i]!);
    d.clear();
  };
}

export default defineSuite('qdisc', [
  {
    name: 'pfifo enqueue+dequeue, burst of 64',
    mode: null,
    flows: 1,
    packetsPerCall: BURST_SIZE,
    setup: () => steadyCase((pool) => new Pfifo(pool, { limit: 1000 }), 1, 1514, 100, 200),
  },
  {
    name: 'fq_codel enqueue+dequeue, 1024 active flows, burst of 64',
    mode: null,
    flows: 1024,
    packetsPerCall: BURST_SIZE,
    setup: () => steadyCase((pool) => new FqCodel(pool), 1024, 1514, 100, 2),
  },
  {
    name: 'htb+fq_codel (sqm simplest, 1 Gbit/s) enqueue+dequeue, 1024 flows, burst of 64',
    mode: null,
    flows: 1024,
    packetsPerCall: BURST_SIZE,
    // 1514 bytes at 1 Gbit/s = 12 112 ns: each dequeue finds exactly enough tokens
    setup: () => steadyCase((pool) => sqmSimplest(pool, { rateKbit: 1_000_000 }), 1024, 1514, 12_112, 2),
  },
  {
    name: 'cake (1 Gbit/s besteffort) enqueue+dequeue, 1024 flows, burst of 64',
    mode: null,
    flows: 1024,
    packetsPerCall: BURST_SIZE,
    setup: () => steadyCase((pool) => new Cake(pool, { rate: 1e9 }), 1024, 1514, 12_112, 2),
  },
]);
