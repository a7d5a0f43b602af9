import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from '../../src/sim/event-queue.ts';
import { Rng } from '../../src/sim/rng.ts';

describe('EventQueue', () => {
  it('pops events in time order, first-in first-out among equal times (deterministic agenda)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }), (ops) => {
        const q = new EventQueue(4);
        const model: { t: number; id: number }[] = [];
        let id = 0;
        const popped: number[] = [];
        const expected: number[] = [];
        for (const [t, isPop] of ops) {
          if (isPop && model.length > 0) {
            model.sort((a, b) => a.t - b.t || a.id - b.id);
            expected.push(model.shift()!.id);
            popped.push(q.pop());
          } else {
            q.push(t, 1, id);
            model.push({ t, id });
            id++;
          }
        }
        expect(popped).toEqual(expected);
        expect(q.size).toBe(model.length);
      }),
    );
  });
});

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(sa);
  });
  it('draws floats in [0, 1) and ints in [0, n)', () => {
    const r = new Rng(7);
    for (let i = 0; i < 10000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      const n = r.int(10);
      expect(Number.isInteger(n) && n >= 0 && n < 10).toBe(true);
    }
  });
});
