import { describe, it, expect } from 'vitest';
import { HtbShaper, sqmHtbBurst, sqmSimplest, tcDefaultHtbBurst } from '../../src/qdisc/shaper.ts';
import { Pfifo } from '../../src/qdisc/pfifo.ts';
import { FqCodel } from '../../src/qdisc/fq_codel.ts';
import { Link } from '../../src/qdisc/link.ts';
import { adjustedLength } from '../../src/qdisc/overhead.ts';
import type { OverheadOptions } from '../../src/qdisc/overhead.ts';
import type { Qdisc } from '../../src/qdisc/types.ts';
import { flowHash, makePool, packet } from './helpers.ts';
import type { PacketPool } from '../../src/buffers/pool.ts';

/**
 * Keeps `q` backlogged and dequeues at the exact times it allows; returns the rate, in bit/s of
 * accounted bytes, from the `skip`th packet (past the initial full bucket) to the last.
 */
function measureShapedRate(pool: PacketPool, q: Qdisc, len: number, skip: number, packets: number, accounted: (len: number) => number): number {
  let now = 0;
  let t0 = 0;
  let bytes = 0;
  for (let i = 0; i < 50; i++) q.enqueue(packet(pool, len, now, 1), flowHash(1), now);
  for (let n = 0; n < packets; n++) {
    now = q.peekReadyTime(now);
    const s = q.dequeue(now);
    if (s < 0) throw new Error(`shaper refused a packet at the time it announced (${now} ns)`);
    if (n === skip) t0 = now;
    if (n > skip) bytes += accounted(pool.len[s]!);
    pool.free(s);
    q.enqueue(packet(pool, len, now, 1), flowHash(1), now);
  }
  return (bytes * 8 * 1e9) / (now - t0);
}

describe('HTB shaper (sch_htb.c, one class as sqm simplest.qos)', () => {
  const cases: [number, number, OverheadOptions][] = [];
  for (const rate of [1e6, 20e6, 900e6])
    for (const len of [64, 590, 1514])
      for (const oh of [{}, { overhead: 44, mpu: 84 }, { overhead: 10, linklayer: 'atm' as const }]) cases.push([rate, len, oh]);

  it.each(cases.map(([rate, len, oh]) => ({ rate, len, oh, name: `${rate / 1e6} Mbit/s, ${len}-byte frames, ${JSON.stringify(oh)}` })))('releases the configured rate of accounted bytes within 1 %: $name', ({ rate, len, oh }) => {
    const pool = makePool(256);
    const q = new HtbShaper(pool, new Pfifo(pool, { limit: 100 }), { rate, burst: sqmHtbBurst(rate), ...oh });
    const accounted = (l: number): number => adjustedLength(l, oh.overhead ?? 0, oh.mpu ?? 0, oh.linklayer ?? 'ethernet');
    const skip = Math.ceil(q.burst / accounted(len)) + 100;
    const measured = measureShapedRate(pool, q, len, skip, skip + 1500, accounted);
    expect(Math.abs(measured - rate) / rate).toBeLessThan(0.01);
  });

  it('charges the size table: overhead 44 / mpu 84 on a 64-byte frame costs 108 bytes, ATM pads to 53-byte cells', () => {
    expect(adjustedLength(64, 44, 84, 'ethernet')).toBe(108);
    expect(adjustedLength(20, 44, 84, 'ethernet')).toBe(84);
    expect(adjustedLength(100, 44, 0, 'atm')).toBe(3 * 53);
    expect(adjustedLength(1500, 0, 0, 'ptm')).toBe(1500 + 24);
    const pool = makePool(16);
    const q = new HtbShaper(pool, new Pfifo(pool), { rate: 8e6, overhead: 44, mpu: 84 });
    expect(q.chargeNs(64)).toBeCloseTo(108 * 1000, 6); // 1 µs per byte at 8 Mbit/s
  });

  it('so the packet rate with overhead is rate / ((len + overhead) · 8)', () => {
    const pool = makePool(256);
    const rate = 10e6;
    const q = new HtbShaper(pool, new Pfifo(pool), { rate, overhead: 44 });
    let now = 0;
    for (let i = 0; i < 20; i++) q.enqueue(packet(pool, 1514, 0, 1), 0, 0);
    let n = 0;
    let t0 = 0;
    for (; n < 2000; n++) {
      now = q.peekReadyTime(now);
      if (n === 100) t0 = now;
      pool.free(q.dequeue(now));
      q.enqueue(packet(pool, 1514, now, 1), 0, now);
    }
    const pps = (1900 * 1e9) / (now - t0);
    expect(Math.abs(pps - rate / (1558 * 8)) / (rate / (1558 * 8))).toBeLessThan(0.01);
  });

  it('after idling, lets about `burst` bytes through back-to-back, then paces', () => {
    const pool = makePool(256);
    const burst = 15000;
    const q = new HtbShaper(pool, new Pfifo(pool), { rate: 10e6, burst });
    const t = 10e9; // long idle: bucket full
    for (let i = 0; i < 40; i++) q.enqueue(packet(pool, 1000, t, 1), 0, t);
    let immediate = 0;
    while (q.peekReadyTime(t) === t) {
      pool.free(q.dequeue(t));
      immediate++;
    }
    // sent while tokens ≥ 0: burst/len packets plus the one that overdraws
    expect(immediate).toBe(16);
    expect(q.stats.overlimits).toBe(1);
    expect(q.peekReadyTime(t)).toBeCloseTo(t + (1000 * 8 * 1e9) / 10e6, 0);
  });

  it('is work-conserving below the rate: a lone packet leaves at once', () => {
    const pool = makePool(16);
    const q = new HtbShaper(pool, new FqCodel(pool), { rate: 1e6 });
    expect(q.peekReadyTime(5)).toBe(Infinity);
    const s = packet(pool, 1514, 5, 1);
    q.enqueue(s, flowHash(1), 5);
    expect(q.peekReadyTime(5)).toBe(5);
    expect(q.dequeue(5)).toBe(s);
  });

  it('computes burst as tc (rate/HZ + 1600) and as sqm (1 ms at the rate, at least one ATM-expanded MTU)', () => {
    expect(tcDefaultHtbBurst(100e6)).toBe(1600);
    expect(sqmHtbBurst(100e6)).toBe(12500);
    expect(sqmHtbBurst(1e6)).toBe(1749);
    expect(sqmHtbBurst(20e6, 1492)).toBe(2500);
  });

  it('sqmSimplest builds HTB + fq_codel with sqm’s limit, burst and slow-link target', () => {
    const pool = makePool(16);
    const fast = sqmSimplest(pool, { rateKbit: 50_000, overhead: 44, mpu: 84 });
    const leaf = fast.child as FqCodel;
    expect(fast.rate).toBe(50e6);
    expect(fast.burst).toBe(6250);
    expect(leaf.limit).toBe(1001);
    expect(leaf.params.target).toBe(5e6);
    expect(leaf.params.interval).toBe(100e6);
    expect(fast.sizeTable.overhead).toBe(44);
    const slow = sqmSimplest(pool, { rateKbit: 1000 }).child as FqCodel;
    expect(slow.params.target).toBe(13_992e3); // one 33-cell ATM packet at 1 Mbit/s
    expect(slow.params.interval).toBe((95_000 + 13_992) * 1e3);
  });

  it('shapes a 1 GbE port down to the configured rate (link below runs at line rate)', () => {
    const pool = makePool(1024);
    const q = sqmSimplest(pool, { rateKbit: 50_000 });
    const link = new Link(pool, q, { speedMbps: 1000 });
    let now = 0;
    let sentBytes = 0;
    let first = -1;
    let last = 0;
    for (let i = 0; i < 20000; i++) {
      now = i * 100_000; // offered 121 Mbit/s
      link.enqueue(packet(pool, 1514, now, 1), flowHash(1), now);
      for (let k = 0; k < link.txDone.count; k++) {
        const s = link.txDone.slots[k]!;
        const t = link.txDone.times[k]!;
        if (first < 0 && t > 100e6) first = t;
        else if (first >= 0) {
          sentBytes += pool.len[s]!;
          last = t;
        }
        pool.free(s);
      }
      link.txDone.clear();
      for (let k = 0; k < q.drops.count; k++) pool.free(q.drops.slots[k]!);
      q.drops.clear();
    }
    const rate = (sentBytes * 8 * 1e9) / (last - first);
    expect(Math.abs(rate - 50e6) / 50e6).toBeLessThan(0.01);
  });
});
