import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { PacketPool } from '../../src/buffers/pool.ts';
import { Pfifo } from '../../src/qdisc/pfifo.ts';
import { FqCodel } from '../../src/qdisc/fq_codel.ts';
import { HtbShaper } from '../../src/qdisc/shaper.ts';
import { Cake } from '../../src/qdisc/cake.ts';
import type { Qdisc } from '../../src/qdisc/types.ts';
import { makePool } from './helpers.ts';

type Op = { kind: 'enq'; flow: number; len: number; ect: boolean } | { kind: 'deq' } | { kind: 'time'; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('enq' as const), flow: fc.integer({ min: 0, max: 6 }), len: fc.integer({ min: 42, max: 1514 }), ect: fc.boolean() }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'deq' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), dt: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 300_000_000 })) }) },
);

// Small limits so every drop path runs: tail drop, fq_codel_drop batches, CoDel/COBALT head drops, cake_drop.
const makers: [string, (pool: PacketPool) => Qdisc][] = [
  ['pfifo', (pool) => new Pfifo(pool, { limit: 20 })],
  ['fq_codel', (pool) => new FqCodel(pool, { limit: 24, flows: 4, memoryLimit: 40_000, target: 1_000_000, interval: 10_000_000 })],
  ['htb + fq_codel', (pool) => new HtbShaper(pool, new FqCodel(pool, { limit: 30, flows: 8, target: 1_000_000, interval: 10_000_000 }), { rate: 5e6, burst: 3000, overhead: 44, mpu: 84 })],
  ['cake', (pool) => new Cake(pool, { rate: 5e6, memoryLimit: 30_000, target: 1_000_000, rtt: 10_000_000, random: seq() })],
];

function seq(): () => number {
  let s = 12345;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
}

function hashOf(flow: number): number {
  return Math.imul(flow + 1, 0x9e3779b1) >>> 0;
}

describe.each(makers)('%s never loses or duplicates a slot', (_name, make) => {
  it('every enqueued slot is dequeued exactly once or reported dropped exactly once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 300 }), (ops) => {
        const pool = makePool(512);
        const q = make(pool);
        const held = new Set<number>();
        let now = 0;
        let bytes = 0;
        const drain = (): void => {
          const d = q.drops;
          for (let i = 0; i < d.count; i++) {
            const s = d.slots[i]!;
            expect(held.has(s)).toBe(true); // a victim must be a packet the qdisc held
            held.delete(s);
            bytes -= pool.len[s]!;
            expect(d.reasons[i]).toBeGreaterThan(0);
            pool.free(s); // throws on a double free
          }
          d.clear();
        };
        const deq = (): number => {
          const s = q.dequeue(now);
          drain();
          if (s >= 0) {
            expect(held.has(s)).toBe(true);
            held.delete(s);
            bytes -= pool.len[s]!;
            pool.free(s);
          }
          return s;
        };
        for (const op of ops) {
          if (op.kind === 'enq') {
            const s = pool.alloc();
            pool.len[s] = op.len;
            if (op.ect) {
              // a minimal IPv4 header with ECT(0), so AQMs may mark instead of drop
              pool.l3proto[s] = 0x0800;
              pool.l3off[s] = 14;
              const at = pool.frameStart(s) + 14;
              pool.bytes[at] = 0x45;
              pool.bytes[at + 1] = 0x02;
            }
            const r = q.enqueue(s, hashOf(op.flow), now);
            if (r === 0) {
              held.add(s);
              bytes += op.len;
            } else {
              expect(held.has(s)).toBe(false);
              pool.free(s);
            }
            drain();
          } else if (op.kind === 'deq') {
            deq();
          } else {
            now += op.dt;
          }
          expect(q.backlogPackets).toBe(held.size);
          expect(q.backlogBytes).toBe(bytes);
        }
        // drain everything, advancing time to whenever the qdisc is ready
        let guard = 0;
        while (q.backlogPackets > 0 && guard++ < 10_000) {
          const t = q.peekReadyTime(now);
          expect(t).toBeGreaterThanOrEqual(now);
          now = t;
          deq();
        }
        expect(held.size).toBe(0);
        expect(q.backlogPackets).toBe(0);
        expect(q.peekReadyTime(now)).toBe(Infinity);
        expect(pool.available).toBe(pool.capacity);
      }),
      { numRuns: 150 },
    );
  });
});
