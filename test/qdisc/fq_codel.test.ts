import { describe, it, expect } from 'vitest';
import { FqCodel } from '../../src/qdisc/fq_codel.ts';
import { Pfifo } from '../../src/qdisc/pfifo.ts';
import { Link, wireTimeNs } from '../../src/qdisc/link.ts';
import { codelControlLaw, codelNewtonStep, REC_INV_SQRT_ONE } from '../../src/qdisc/codel.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { drainDrops, flowHash, makePool, packet } from './helpers.ts';
import { percentile, runLink } from './sim.ts';

const MS = 1e6;

describe('fq_codel defaults (fq_codel_init)', () => {
  it('has 1024 flows, quantum 1514, limit 10240, memory_limit 32 MiB, batch 64, target 5 ms, interval 100 ms, ECN on', () => {
    const q = new FqCodel(makePool(16));
    expect(q.flowsCnt).toBe(1024);
    expect(q.quantum).toBe(1514);
    expect(q.limit).toBe(10240);
    expect(q.memoryLimit).toBe(32 * 1024 * 1024);
    expect(q.dropBatchSize).toBe(64);
    expect(q.params.target).toBe(5 * MS);
    expect(q.params.interval).toBe(100 * MS);
    expect(q.params.ecn).toBe(true);
  });

  it('maps hashes to flows with reciprocal_scale (the top bits), not a modulo', () => {
    const q = new FqCodel(makePool(16));
    expect(q.flowIndex(0)).toBe(0);
    expect(q.flowIndex(0xffffffff)).toBe(1023);
    expect(q.flowIndex(0x80000000)).toBe(512);
    expect(q.flowIndex(1023)).toBe(0);
  });
});

describe('CoDel control law (codel_Newton_step, codel_control_law)', () => {
  it('one Newton step per count keeps rec_inv_sqrt close to 1/sqrt(count)', () => {
    let r = REC_INV_SQRT_ONE;
    for (let count = 2; count <= 5000; count++) {
      r = codelNewtonStep(count, r);
      if (count >= 20) expect(Math.abs(r / 65536 - 1 / Math.sqrt(count))).toBeLessThan(0.01);
    }
  });

  it('spaces drops interval/sqrt(count) apart', () => {
    const r = Math.floor(65536 / Math.sqrt(16));
    expect(codelControlLaw(1_000 * MS, 100 * MS, r)).toBeCloseTo(1_000 * MS + 25 * MS, -3);
    expect(codelControlLaw(0, 100 * MS, REC_INV_SQRT_ONE)).toBeCloseTo(100 * MS, -4);
  });
});

describe('fq_codel under load on a 10 Mbit/s port', () => {
  it('holds a greedy flow’s sojourn near target while a sparse flow sharing the link sees near-zero delay', () => {
    const pool = makePool(20000);
    const q = new FqCodel(pool);
    const link = new Link(pool, q, { speedMbps: 10 });
    const wire = wireTimeNs(1514, 10);
    const r = runLink(pool, link, [{ flow: 2, len: 100, intervalNs: 10 * MS }], 30_000 * MS, 8, [{ flow: 1, len: 1514, rttNs: 20 * MS }]);
    const bulk = r[1]!;
    // after convergence (5 s), queueing delay = end of transmission − arrival − own wire time
    const sojourns = bulk.delays.filter((_, i) => bulk.times[i]! > 5_000 * MS).map((d) => d - wire);
    const p50 = percentile(sojourns, 0.5);
    expect(p50).toBeGreaterThanOrEqual(2.5 * MS);
    expect(p50).toBeLessThanOrEqual(15 * MS);
    expect(bulk.droppedPackets).toBeGreaterThan(0); // CoDel signalled
    // the link stays busy: ≥ 90 % of 10 Mbit/s of frames
    expect((bulk.sentBytes * 8) / 30).toBeGreaterThan(0.9 * 10e6 * (1514 / 1538));
    // the sparse flow always enters new_flows and waits at most for the frame on the wire
    const sparse = r[2]!;
    expect(sparse.droppedPackets).toBe(0);
    expect(percentile(sparse.delays, 0.99)).toBeLessThan(wire + wireTimeNs(100, 10) + 0.01 * MS);
  });

  it('a pfifo in the same place lets the greedy flow fill it and delays the sparse flow behind it (contrast)', () => {
    const pool = makePool(20000);
    const link = new Link(pool, new Pfifo(pool), { speedMbps: 10 });
    const r = runLink(pool, link, [{ flow: 2, len: 100, intervalNs: 10 * MS }], 30_000 * MS, 8, [{ flow: 1, len: 1514, rttNs: 20 * MS }]);
    expect(percentile(r[2]!.delays, 0.5)).toBeGreaterThan(100 * MS);
  });

  it('against an unresponsive flow at 2× the line rate the queue is bounded by the limit (CoDel’s sqrt law is slow), the link stays full and the sparse flow is untouched', () => {
    const pool = makePool(20000);
    const q = new FqCodel(pool, { limit: 1001 });
    const link = new Link(pool, q, { speedMbps: 10 });
    const wire = wireTimeNs(1514, 10);
    const r = runLink(pool, link, [{ flow: 1, len: 1514, intervalNs: wire / 2 }, { flow: 2, len: 100, intervalNs: 10 * MS }], 20_000 * MS, 8);
    const bulk = r[1]!;
    expect(Math.max(...bulk.delays)).toBeLessThan(1002 * wire + 2 * wire);
    expect(bulk.sentPackets / (bulk.sentPackets + bulk.droppedPackets)).toBeGreaterThan(0.45);
    expect(bulk.sentPackets / (bulk.sentPackets + bulk.droppedPackets)).toBeLessThan(0.55);
    expect(q.stats.dropsFor(DropReason.QDISC_CODEL)).toBeGreaterThan(0);
    expect(q.dropOverlimit).toBeGreaterThan(0);
    expect(percentile(r[2]!.delays, 0.99)).toBeLessThan(wire + wireTimeNs(100, 10) + 0.01 * MS);
  });
});

describe('fq_codel DRR (fq_codel_dequeue)', () => {
  it('gives two backlogged flows with different packet sizes equal byte shares within 5 %', () => {
    const pool = makePool(20000);
    const q = new FqCodel(pool);
    const a = flowHash(1);
    const b = flowHash(2);
    expect(q.flowIndex(a)).not.toBe(q.flowIndex(b));
    for (let i = 0; i < 3000; i++) q.enqueue(packet(pool, 1514, 0, 1), a, 0);
    for (let i = 0; i < 9000; i++) q.enqueue(packet(pool, 200, 0, 2), b, 0);
    const bytes = [0, 0, 0];
    // serve ~2 MB while both stay backlogged (now = 0: no sojourn, so CoDel never drops)
    for (let i = 0; i < 2600; i++) {
      const s = q.dequeue(0);
      bytes[pool.flow[s]!]! += pool.len[s]!;
      pool.free(s);
    }
    const share = bytes[1]! / (bytes[1]! + bytes[2]!);
    expect(Math.abs(share - 0.5)).toBeLessThan(0.025);
  });

  it('serves a newly active flow before the old (bulk) flows', () => {
    const pool = makePool(100);
    const q = new FqCodel(pool);
    for (let i = 0; i < 10; i++) q.enqueue(packet(pool, 1514, 0, 1), flowHash(1), 0);
    // flow 1 uses up its quantum and moves to old_flows
    q.dequeue(0);
    q.dequeue(0);
    const s = packet(pool, 64, 0, 2);
    q.enqueue(s, flowHash(2), 0);
    expect(q.newFlowsLen).toBe(1);
    expect(q.dequeue(0)).toBe(s);
    expect(q.newFlowCount).toBe(2);
  });
});

describe('fq_codel limits (fq_codel_drop)', () => {
  it('over the packet limit, drops from the head of the fattest flow until half its backlog is gone', () => {
    const pool = makePool();
    const q = new FqCodel(pool, { limit: 100 });
    const fat = flowHash(1);
    const thin = flowHash(2);
    const fatSlots: number[] = [];
    for (let i = 0; i < 80; i++) {
      const s = packet(pool, 1000, 0, 1);
      fatSlots.push(s);
      expect(q.enqueue(s, fat, 0)).toBe(0);
    }
    for (let i = 0; i < 20; i++) expect(q.enqueue(packet(pool, 1000, 0, 2), thin, 0)).toBe(0);
    const countBefore = q.cvars.count[q.flowIndex(fat)]!;
    // the 101st packet is for the thin flow: the fat flow pays
    expect(q.enqueue(packet(pool, 1000, 0, 2), thin, 0)).toBe(0);
    expect(q.drops.count).toBe(40); // 40 000 bytes = half of 80 000
    expect([...q.drops.slots.subarray(0, 40)]).toEqual(fatSlots.slice(0, 40)); // oldest first
    expect([...q.drops.reasons.subarray(0, 40)].every((r) => r === DropReason.QDISC_OVERLIMIT)).toBe(true);
    expect(q.dropOverlimit).toBe(40);
    expect(q.dropOvermemory).toBe(0);
    expect(q.stats.dropsFor(DropReason.QDISC_OVERLIMIT)).toBe(40);
    expect(q.cvars.count[q.flowIndex(fat)]! - countBefore).toBe(40); // "increase its signal strength"
    expect(q.backlogPackets).toBe(61);
    expect(q.flowLength(q.flowIndex(fat))).toBe(40);
    drainDrops(pool, q);
  });

  it('drops at most drop_batch_size (64) packets per overflow', () => {
    const pool = makePool();
    const q = new FqCodel(pool, { limit: 300 });
    for (let i = 0; i < 300; i++) q.enqueue(packet(pool, 100, 0, 1), flowHash(1), 0);
    q.enqueue(packet(pool, 100, 0, 1), flowHash(1), 0);
    expect(q.drops.count).toBe(64);
    expect(q.backlogPackets).toBe(301 - 64);
  });

  it('over memory_limit, drops from the fattest flow and counts drop_overmemory', () => {
    const pool = makePool();
    const perPacket = 2304; // modelled truesize of a ≤ 1792-byte frame
    const q = new FqCodel(pool, { memoryLimit: 50 * perPacket });
    for (let i = 0; i < 30; i++) q.enqueue(packet(pool, 1500, 0, 1), flowHash(1), 0);
    for (let i = 0; i < 20; i++) q.enqueue(packet(pool, 600, 0, 2), flowHash(2), 0);
    expect(q.memoryUsage).toBe(50 * perPacket);
    expect(q.drops.count).toBe(0);
    expect(q.enqueue(packet(pool, 600, 0, 2), flowHash(2), 0)).toBe(0);
    expect(q.drops.count).toBe(15); // half of the fat flow's 45 000 bytes
    expect(q.dropOvermemory).toBe(15);
    expect(q.dropOverlimit).toBe(15);
    drainDrops(pool, q, (slot) => expect(pool.flow[slot]).toBe(1));
  });

  it('refuses the arriving packet itself when its own flow is the fattest and it is that flow’s only packet', () => {
    const pool = makePool();
    const q = new FqCodel(pool, { limit: 2 });
    q.enqueue(packet(pool, 100, 0, 1), flowHash(1), 0);
    q.enqueue(packet(pool, 100, 0, 2), flowHash(2), 0);
    const big = packet(pool, 1500, 0, 3);
    expect(q.enqueue(big, flowHash(3), 0)).toBe(DropReason.QDISC_OVERLIMIT);
    expect(q.drops.count).toBe(0);
    expect(q.backlogPackets).toBe(2);
  });
});

describe('fq_codel CoDel drops and ECN (codel_dequeue)', () => {
  it('starts dropping only after sojourn stays above target for a whole interval, then head-drops', () => {
    const pool = makePool();
    const q = new FqCodel(pool, { ecn: false });
    const h = flowHash(1);
    for (let i = 0; i < 200; i++) q.enqueue(packet(pool, 1514, 0, 1), h, 0);
    // first dequeue at 10 ms: above target, arms first_above_time = 110 ms, no drop
    q.dequeue(10 * MS);
    expect(q.drops.count).toBe(0);
    q.dequeue(100 * MS);
    expect(q.drops.count).toBe(0);
    q.dequeue(111 * MS);
    expect(q.drops.count).toBe(1);
    expect(q.drops.reasons[0]).toBe(DropReason.QDISC_CODEL);
    expect(q.stats.dropsFor(DropReason.QDISC_CODEL)).toBe(1);
    drainDrops(pool, q);
  });

  it('marks ECT packets CE instead of dropping them (INET_ECN_set_ce) and fixes the IPv4 checksum', () => {
    const pool = makePool();
    const q = new FqCodel(pool);
    const h = flowHash(1);
    const slots: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = packet(pool, 1514, 0, 1);
      const at = pool.frameStart(s) + 14;
      pool.l3proto[s] = 0x0800;
      pool.l3off[s] = 14;
      pool.bytes[at] = 0x45;
      pool.bytes[at + 1] = 0x02; // ECT(0)
      pool.bytes[at + 10] = 0x12;
      pool.bytes[at + 11] = 0x34;
      slots.push(s);
      q.enqueue(s, h, 0);
    }
    q.dequeue(10 * MS);
    const marked = q.dequeue(111 * MS);
    expect(q.drops.count).toBe(0);
    expect(q.stats.ecnMarks).toBe(1);
    const at = pool.frameStart(marked) + 14;
    expect(pool.bytes[at + 1]! & 3).toBe(3);
    // RFC 1624: checksum drops by the added value (0x4502 → 0x4503)
    expect((pool.bytes[at + 10]! << 8) | pool.bytes[at + 11]!).toBe(0x1233);
  });
});
