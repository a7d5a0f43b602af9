import { describe, it, expect } from 'vitest';
import { Pfifo } from '../../src/qdisc/pfifo.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { makePool, packet } from './helpers.ts';

describe('pfifo (sch_fifo.c pfifo_enqueue)', () => {
  it('defaults to the txqueuelen limit of 1000 packets', () => {
    expect(new Pfifo(makePool(16)).limit).toBe(1000);
  });

  it('tail-drops arrivals beyond the packet limit and counts them as QDISC_DROP', () => {
    const pool = makePool();
    const q = new Pfifo(pool, { limit: 10 });
    const results: number[] = [];
    const slots: number[] = [];
    for (let i = 0; i < 15; i++) {
      const s = packet(pool, 100 + i);
      slots.push(s);
      results.push(q.enqueue(s, 0, 0));
    }
    expect(results.slice(0, 10).every((r) => r === 0)).toBe(true);
    expect(results.slice(10).every((r) => r === DropReason.QDISC_DROP)).toBe(true);
    expect(q.stats.drops).toBe(5);
    expect(q.stats.dropsFor(DropReason.QDISC_DROP)).toBe(5);
    expect(q.drops.count).toBe(0); // the refused slot is the caller's, never a listed victim
    expect(q.backlogPackets).toBe(10);
    expect(q.backlogBytes).toBe((100 + 109) * 5);
  });

  it('sends in arrival order and records each packet’s sojourn time', () => {
    const pool = makePool();
    const q = new Pfifo(pool, { limit: 4 });
    const a = packet(pool, 60);
    const b = packet(pool, 60);
    q.enqueue(a, 0, 1_000_000);
    q.enqueue(b, 0, 2_000_000);
    expect(q.peekReadyTime(3_000_000)).toBe(3_000_000);
    expect(q.dequeue(5_000_000)).toBe(a);
    expect(q.dequeue(5_000_000)).toBe(b);
    expect(q.dequeue(5_000_000)).toBe(-1);
    expect(q.peekReadyTime(5_000_000)).toBe(Infinity);
    expect(q.sojourn.count).toBe(2);
    expect(q.sojourn.max).toBe(4_000_000);
    expect(q.sojourn.min).toBe(3_000_000);
  });

  it('accepts again once the queue drains below the limit (wraps its ring)', () => {
    const pool = makePool();
    const q = new Pfifo(pool, { limit: 3 });
    for (let round = 0; round < 5; round++) {
      const s = [packet(pool, 64), packet(pool, 64), packet(pool, 64)];
      for (const x of s) expect(q.enqueue(x, 0, 0)).toBe(0);
      for (const x of s) expect(q.dequeue(0)).toBe(x);
      for (const x of s) pool.free(x);
    }
  });
});
