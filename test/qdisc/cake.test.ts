import { describe, it, expect } from 'vitest';
import { Cake } from '../../src/qdisc/cake.ts';
import { Link, wireTimeNs } from '../../src/qdisc/link.ts';
import { cobaltInvsqrt, cobaltNewtonStep } from '../../src/qdisc/cobalt.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { drainDrops, flowHash, makePool, packet } from './helpers.ts';
import { percentile, runLink } from './sim.ts';

const MS = 1e6;

describe('cake parameters (cake_set_rate, cake_reconfigure)', () => {
  it('scales quantum, target and interval with the rate', () => {
    const pool = makePool(16);
    const fast = new Cake(pool, { rate: 100e6 });
    expect(fast.flowQuantum).toBe(1514); // 12.5 MB/s >> 12 clamps to 1514
    expect(fast.params.target).toBe(5 * MS);
    expect(fast.params.interval).toBe(100 * MS);
    expect(fast.bufferLimit).toBe(Math.min(5_000_000, 10240 * 1514)); // 4 × rate × rtt
    const slow = new Cake(pool, { rate: 1e6 });
    expect(slow.flowQuantum).toBe(300);
    // one MTU takes 12.1 ms at 1 Mbit/s: target = 1.5 × that, interval grows by the same amount
    expect(slow.params.target).toBeCloseTo(1.5 * 1514 * 8000, 0);
    expect(slow.params.interval).toBeCloseTo(100 * MS + slow.params.target - 5 * MS, 0);
    expect(slow.bufferLimit).toBe(4 << 20);
  });

  it('strips the L2 header and adds the configured overhead when `overhead` is given (CAKE_FLAG_OVERHEAD)', () => {
    const pool = makePool(16);
    const q = new Cake(pool, { rate: 10e6, overhead: 34, mpu: 64, linklayer: 'ptm' });
    const s = packet(pool, 1514);
    pool.l3off[s] = 14;
    expect(q.adjustedLen(s)).toBe(1500 + 34 + Math.ceil(1534 / 64));
    const raw = new Cake(pool, { rate: 10e6 });
    expect(raw.adjustedLen(s)).toBe(1514);
  });

  it('uses the kernel’s COBALT reciprocal-sqrt cache and Newton step (Q0.32)', () => {
    expect(cobaltInvsqrt(0, 0)).toBe(0xffffffff);
    expect(cobaltInvsqrt(1, 0)).toBeGreaterThan(0.99 * 2 ** 32);
    expect(Math.abs(cobaltInvsqrt(4, 0) / 2 ** 32 - 0.5)).toBeLessThan(0.01);
    let r = cobaltInvsqrt(15, 0);
    for (let c = 16; c < 1000; c++) r = cobaltNewtonStep(c, r);
    expect(Math.abs(r / 2 ** 32 - 1 / Math.sqrt(999))).toBeLessThan(0.001);
  });
});

describe('cake shaper (cake_advance_shaper: deficit mode, no token bucket)', () => {
  it.each([
    [2e6, 1514, {}],
    [50e6, 590, { overhead: 44, mpu: 84 }],
    [300e6, 64, { overhead: 18, mpu: 64, linklayer: 'atm' as const }],
  ])('releases %d bit/s of accounted bytes within 1 %%', (rate, len, oh) => {
    const pool = makePool(512);
    const q = new Cake(pool, { rate, ...oh });
    let now = 0;
    for (let i = 0; i < 8; i++) q.enqueue(packet(pool, len, 0, 1), flowHash(1), 0);
    let t0 = 0;
    let b0 = 0;
    for (let n = 0; n < 4000; n++) {
      now = q.peekReadyTime(now);
      const s = q.dequeue(now);
      if (s < 0) throw new Error(`cake refused a packet at the time it announced (${now} ns)`);
      if (n === 10) {
        t0 = now;
        b0 = q.chargedBytes;
      }
      pool.free(s);
      q.enqueue(packet(pool, len, now, 1), flowHash(1), now);
      drainDrops(pool, q);
    }
    // chargedBytes counts up to and including the last packet, released at `now`; its own time is after
    const lastAdj = q.adjustedLen(q.dequeue(q.peekReadyTime(now)));
    const measured = ((q.chargedBytes - lastAdj - b0) * 8 * 1e9) / (now - t0);
    expect(Math.abs(measured - rate) / rate).toBeLessThan(0.01);
  });

  it('gives no burst after idle: the second packet waits one packet time', () => {
    const pool = makePool(64);
    const q = new Cake(pool, { rate: 8e6 }); // 1 µs per byte
    const t = 5e9;
    for (let i = 0; i < 5; i++) q.enqueue(packet(pool, 1000, t, 1), flowHash(1), t);
    expect(q.peekReadyTime(t)).toBe(t);
    q.dequeue(t);
    expect(q.peekReadyTime(t)).toBeCloseTo(t + 1000 * 1000, 3);
    expect(q.dequeue(t)).toBe(-1);
    expect(q.stats.overlimits).toBe(1);
  });
});

describe('cake flow isolation (DRR++ in cake_dequeue)', () => {
  it('gives two backlogged flows with different packet sizes equal byte shares within 5 %', () => {
    const pool = makePool(1024);
    const q = new Cake(pool, { rate: 20e6 });
    const a = flowHash(1);
    const b = flowHash(2);
    expect(q.flowIndex(a)).not.toBe(q.flowIndex(b));
    const out = [0, 0, 0];
    const queued = [0, 0, 0];
    const bytes = [0, 0, 0];
    const top = (now: number): void => {
      while (queued[1]! < 4) {
        q.enqueue(packet(pool, 1514, now, 1), a, now);
        queued[1]!++;
      }
      while (queued[2]! < 20) {
        q.enqueue(packet(pool, 256, now, 2), b, now);
        queued[2]!++;
      }
    };
    let now = 0;
    top(0);
    for (let n = 0; n < 20000; n++) {
      now = q.peekReadyTime(now);
      const s = q.dequeue(now);
      drainDrops(pool, q, (slot) => queued[pool.flow[slot]!]!--);
      if (s >= 0) {
        const f = pool.flow[s]!;
        queued[f]!--;
        out[f]!++;
        if (n > 1000) bytes[f]! += pool.len[s]!;
        pool.free(s);
      }
      top(now);
    }
    const share = bytes[1]! / (bytes[1]! + bytes[2]!);
    expect(Math.abs(share - 0.5)).toBeLessThan(0.025);
  });

  it('keeps a sparse flow’s delay near one packet time while a greedy flow fills the shaper', () => {
    const pool = makePool(20000);
    const q = new Cake(pool, { rate: 10e6 });
    const link = new Link(pool, q, { speedMbps: 1000 });
    const r = runLink(pool, link, [{ flow: 2, len: 100, intervalNs: 10 * MS }], 20_000 * MS, 8, [{ flow: 1, len: 1514, rttNs: 20 * MS }]);
    const mtuTime = (1514 * 8e9) / 10e6;
    expect(percentile(r[2]!.delays, 0.99)).toBeLessThan(mtuTime + (100 * 8e9) / 10e6 + wireTimeNs(1514, 1000) + 0.01 * MS);
    expect(r[2]!.droppedPackets).toBe(0);
    // COBALT keeps the greedy flow's queue short too
    const bulk = r[1]!;
    const late = bulk.delays.filter((_, i) => bulk.times[i]! > 5_000 * MS);
    expect(percentile(late, 0.5)).toBeLessThan(20 * MS);
    expect(q.stats.dropsFor(DropReason.QDISC_CODEL)).toBeGreaterThan(0);
  });
});

describe('cake memory limit (cake_drop)', () => {
  it('drops from the head of the longest queue and arms BLUE for that flow', () => {
    const pool = makePool();
    const T = 1e9; // BLUE raises p_drop at most once per target since blue_timer (0)
    const q = new Cake(pool, { rate: 10e6, memoryLimit: 30 * 2304 });
    const fat: number[] = [];
    for (let i = 0; i < 25; i++) {
      const s = packet(pool, 1500, T, 1);
      fat.push(s);
      q.enqueue(s, flowHash(1), T);
    }
    for (let i = 0; i < 5; i++) q.enqueue(packet(pool, 200, T, 2), flowHash(2), T);
    expect(q.drops.count).toBe(0);
    expect(q.enqueue(packet(pool, 200, T, 2), flowHash(2), T)).toBe(0);
    expect(q.drops.count).toBe(1);
    expect(q.drops.slots[0]).toBe(fat[0]);
    expect(q.drops.reasons[0]).toBe(DropReason.QDISC_OVERLIMIT);
    expect(q.dropOverlimit).toBe(1);
    expect(q.cvars.pDrop[q.flowIndex(flowHash(1))]).toBeGreaterThan(0);
    drainDrops(pool, q);
  });
});
