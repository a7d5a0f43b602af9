import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Ring } from '../../src/buffers/ring.ts';

type Op = { kind: 'enq'; n: number } | { kind: 'deq'; n: number } | { kind: 'enq1' } | { kind: 'deq1' } | { kind: 'peek'; i: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant<'enq'>('enq'), n: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant<'deq'>('deq'), n: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant<'enq1'>('enq1') }),
  fc.record({ kind: fc.constant<'deq1'>('deq1') }),
  fc.record({ kind: fc.constant<'peek'>('peek'), i: fc.integer({ min: 0, max: 40 }) }),
);

describe('Ring (rte_ring-style SPSC ring of slot indices)', () => {
  it('behaves as a FIFO queue model under random burst enqueue/dequeue; a full ring refuses and counts, never loses', () => {
    fc.assert(fc.property(fc.constantFrom(2, 4, 8, 16, 32), fc.array(op, { maxLength: 200 }), (size, ops) => {
      const ring = new Ring(size);
      const model: number[] = [];
      let next = 0;
      let refused = 0;
      const src = new Int32Array(64);
      const dst = new Int32Array(64);
      for (const o of ops) {
        if (o.kind === 'enq') {
          for (let i = 0; i < o.n; i++) src[i] = next + i;
          const took = ring.enqueueBurst(src, 0, o.n);
          const room = size - model.length;
          expect(took).toBe(Math.min(o.n, room));
          for (let i = 0; i < took; i++) model.push(next + i);
          refused += o.n - took;
          next += o.n; // refused slots stay the caller's: they are not retried here
        } else if (o.kind === 'enq1') {
          const ok = ring.enqueue(next);
          expect(ok).toBe(model.length < size);
          if (ok) model.push(next);
          else refused++;
          next++;
        } else if (o.kind === 'deq') {
          const got = ring.dequeueBurst(dst, 0, o.n);
          const want = model.splice(0, o.n);
          expect(Array.from(dst.subarray(0, got))).toEqual(want);
        } else if (o.kind === 'deq1') {
          expect(ring.dequeue()).toBe(model.length > 0 ? model.shift() : -1);
        } else {
          expect(ring.peek(o.i)).toBe(o.i < model.length ? model[o.i] : -1);
        }
        expect(ring.count).toBe(model.length);
        expect(ring.free).toBe(size - model.length);
        expect(ring.isEmpty).toBe(model.length === 0);
        expect(ring.isFull).toBe(model.length === size);
        expect(ring.dropped).toBe(refused);
      }
    }));
  });

  it('keeps FIFO order across the uint32 wrap of its head and tail counters', () => {
    const ring = new Ring(4);
    ring.ctl[0] = -2; // head and tail just below the wrap point
    ring.ctl[1] = -2;
    for (let i = 0; i < 4; i++) expect(ring.enqueue(i)).toBe(true);
    expect(ring.enqueue(9)).toBe(false);
    expect([ring.dequeue(), ring.dequeue(), ring.dequeue(), ring.dequeue(), ring.dequeue()]).toEqual([0, 1, 2, 3, -1]);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new Ring(3)).toThrow(RangeError);
    expect(() => new Ring(1)).toThrow(RangeError);
  });
});
