import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createBackend, getSocProfile } from '../../src/offload/registry.ts';
import { IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { MS, S, makeRequest, newPool, v4, writePacket } from './helpers.ts';

const SOCS = ['mt7621', 'mt7986'] as const;

describe('PPE invariants', () => {
  it('never holds more learned or bound entries than the table has usable entries', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOCS), fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 400 }), (soc, pkts) => {
        const b = createBackend(getSocProfile(soc)!);
        const pool = newPool();
        // Tiny port space so that buckets fill and collide.
        for (let f = 0; f <= 40; f++) if (f % 2 === 0) b.replace(makeRequest(f, v4(0x0a000001, 0x0a000002, IPPROTO_UDP, 1000 + f, 53)), 0);
        let now = 0;
        for (const [f, dt] of pkts) {
          now += dt * MS;
          writePacket(pool, 0, { tuple: v4(0x0a000001, 0x0a000002, IPPROTO_UDP, 1000 + f, 53) });
          b.rxLookup(pool, 0, 1, now);
          const o = b.occupancy();
          expect(o.bound + o.unbound).toBeLessThanOrEqual(o.capacity);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('never binds a flow that sends fewer than 30 packets in every second (MTK_PPE_BIND_RATE)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOCS), fc.integer({ min: 1, max: 29 }), fc.integer({ min: 1, max: 20 }), (soc, pps, seconds) => {
        const b = createBackend(getSocProfile(soc)!);
        const pool = newPool();
        const t = v4(0xc0a80105, 0x01010101, IPPROTO_UDP, 5555, 443);
        b.replace(makeRequest(1, t), 0);
        const gap = Math.ceil(S / pps);
        for (let i = 0; i < pps * seconds; i++) {
          writePacket(pool, 0, { tuple: t });
          expect(b.rxLookup(pool, 0, 1, i * gap)).toBe(-1);
        }
        expect(b.counters.binds).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('leaves no hardware entry behind for destroyed flows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOCS), fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 64 }), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), (soc, ids, kill) => {
        const b = createBackend(getSocProfile(soc)!);
        const pool = newPool();
        const tuple = (id: number): Uint32Array => v4(0xc0a80200 + id, 0x01010101, IPPROTO_UDP, 20000 + id, 443);
        for (const id of ids) b.replace(makeRequest(id, tuple(id)), 0);
        for (let i = 0; i < 35; i++) {
          for (const id of ids) {
            writePacket(pool, 0, { tuple: tuple(id) });
            b.rxLookup(pool, 0, 1, i * 10 * MS + id);
          }
        }
        const alive = ids.filter((id) => !kill[id]);
        for (const id of ids) if (kill[id]) b.destroy(id);
        for (const id of ids) {
          writePacket(pool, 0, { tuple: tuple(id) });
          const r = b.rxLookup(pool, 0, 1, 400 * MS);
          if (kill[id]) {
            expect(r).toBe(-1);
            expect(b.entries(id)).toEqual([]);
          }
        }
        expect(b.occupancy().bound).toBeLessThanOrEqual(alive.length);
        expect(b.occupancy().filed).toBe(alive.length * 2);
      }),
      { numRuns: 40 },
    );
  });

  it('has no bound entries left once every flow has been idle past its age delta', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOCS), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 13, max: 600 }), (soc, n, idle) => {
        const b = createBackend(getSocProfile(soc)!);
        const pool = newPool();
        const tuple = (id: number): Uint32Array => v4(0xc0a80300 + id, 0x01010101, IPPROTO_UDP, 30000 + id, 443);
        for (let id = 0; id < n; id++) b.replace(makeRequest(id, tuple(id)), 0);
        for (let i = 0; i < 35; i++) {
          for (let id = 0; id < n; id++) {
            writePacket(pool, 0, { tuple: tuple(id) });
            b.rxLookup(pool, 0, 1, i * 10 * MS + id);
          }
        }
        const bound = b.occupancy().bound;
        b.tick(0.35 * S + idle * S); // UDP ages after 12 units
        expect(b.occupancy().bound).toBe(0);
        expect(b.counters.agedOut).toBe(bound);
        expect(b.occupancy().filed).toBe(2 * n); // the software flows stay
      }),
      { numRuns: 30 },
    );
  });
});
