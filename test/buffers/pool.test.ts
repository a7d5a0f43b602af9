import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool } from '../../src/buffers/pool.ts';

describe('PacketPool (vlib buffer pool / DPDK mempool)', () => {
  it('never hands out a slot twice while it is allocated, under random alloc/free sequences', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 32 }), fc.array(fc.oneof(fc.constant(-1), fc.nat()), { maxLength: 300 }), (cap, ops) => {
      const pool = new PacketPool({ capacity: cap, slotSize: 256, headroom: 32 });
      const held = new Set<number>();
      for (const o of ops) {
        if (o === -1) {
          const s = pool.alloc();
          if (held.size === cap) expect(s).toBe(-1);
          else {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThan(cap);
            expect(held.has(s)).toBe(false);
            held.add(s);
          }
        } else if (held.size > 0) {
          const s = [...held][o % held.size]!;
          pool.free(s);
          held.delete(s);
        }
        expect(pool.available).toBe(cap - held.size);
        for (const s of held) expect(pool.isAllocated(s)).toBe(true);
      }
    }));
  });

  it('throws on a double free and on freeing a slot never allocated', () => {
    const pool = new PacketPool({ capacity: 2 });
    const s = pool.alloc();
    pool.free(s);
    expect(() => pool.free(s)).toThrow(/not allocated/);
    expect(() => pool.free(1)).toThrow(/not allocated/);
  });

  it('resets metadata on alloc (no state leaks from the previous packet)', () => {
    const pool = new PacketPool({ capacity: 1 });
    const s = pool.alloc();
    pool.mark[s] = 7;
    pool.ct[s] = 3;
    pool.pflags[s] = 0xff;
    pool.tuple[s * 10 + 9] = 99;
    pool.push(s, 10);
    pool.free(s);
    const t = pool.alloc();
    expect([pool.mark[t], pool.ct[t], pool.pflags[t], pool.tuple[t * 10 + 9], pool.off[t], pool.len[t]]).toEqual([0, -1, 0, 0, pool.headroom, 0]);
  });

  it('push/pull move the frame start within the headroom and keep payload bytes intact', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 1000 }), fc.array(fc.integer({ min: -200, max: 200 }), { maxLength: 20 }), (data, moves) => {
      const pool = new PacketPool({ capacity: 1, slotSize: 2048, headroom: 128 });
      const s = pool.alloc();
      pool.write(s, data);
      let off = 128;
      let len = data.length;
      for (const m of moves) {
        if (m >= 0) {
          const ok = pool.push(s, m);
          expect(ok).toBe(m <= off);
          if (ok) { off -= m; len += m; }
        } else {
          const ok = pool.pull(s, -m);
          expect(ok).toBe(-m <= len);
          if (ok) { off += -m; len -= -m; }
        }
        expect(pool.off[s]).toBe(off);
        expect(pool.len[s]).toBe(len);
      }
      // The original bytes still sit where they were written, whatever the moves.
      expect(Array.from(pool.bytes.subarray(pool.base(s) + 128, pool.base(s) + 128 + data.length))).toEqual(Array.from(data));
    }));
  });

  it('copyFrame copies bytes and frame position to another slot', () => {
    const pool = new PacketPool({ capacity: 2 });
    const a = pool.alloc();
    const b = pool.alloc();
    pool.write(a, Uint8Array.of(1, 2, 3, 4));
    pool.push(a, 2);
    pool.copyFrame(a, b);
    expect(pool.off[b]).toBe(pool.off[a]);
    expect(Array.from(pool.frame(b))).toEqual(Array.from(pool.frame(a)));
  });

  it('refuses a frame larger than the slot payload and a bad capacity', () => {
    const pool = new PacketPool({ capacity: 1, slotSize: 256, headroom: 128 });
    expect(() => pool.write(0, new Uint8Array(129))).toThrow(RangeError);
    expect(() => new PacketPool({ capacity: 0 })).toThrow(RangeError);
  });
});
