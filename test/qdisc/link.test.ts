import { describe, it, expect } from 'vitest';
import { Link, wireTimeNs } from '../../src/qdisc/link.ts';
import { Pfifo } from '../../src/qdisc/pfifo.ts';
import { makePool, packet } from './helpers.ts';

describe('line-rate serialisation (frame + 4 FCS + 20 preamble/IFG)', () => {
  it('matches the Ethernet line-rate table', () => {
    expect(wireTimeNs(60, 1000)).toBeCloseTo(672, 6); // 64-byte frame: 1.488 Mpps
    expect(wireTimeNs(1514, 1000)).toBeCloseTo(12304, 6); // 1518 with FCS: 81.3 kpps
    expect(wireTimeNs(60, 10000)).toBeCloseTo(67.2, 6); // 14.88 Mpps
    expect(wireTimeNs(1514, 2500)).toBeCloseTo(4921.6, 6);
    expect(wireTimeNs(42, 1000)).toBe(wireTimeNs(60, 1000)); // padded to the minimum frame
  });
});

describe('Link (qdisc feeding a serialising wire)', () => {
  it('sends a backlog back-to-back at line rate, each frame finishing one wire time after the last', () => {
    const pool = makePool(256);
    const link = new Link(pool, new Pfifo(pool), { speedMbps: 1000 });
    for (let i = 0; i < 100; i++) link.enqueue(packet(pool, 1514), 0, 0);
    link.advance(1e9);
    expect(link.txDone.count).toBe(100);
    for (let i = 0; i < 100; i++) expect(link.txDone.times[i]).toBeCloseTo((i + 1) * 12304, 3);
    expect(link.txPackets).toBe(100);
    expect(link.busyNs).toBeCloseTo(100 * 12304, 3);
    expect(link.nextEventTime()).toBe(Infinity);
  });

  it('with a 1-frame ring dequeues from the qdisc only when the wire goes idle', () => {
    const pool = makePool(16);
    const q = new Pfifo(pool);
    const link = new Link(pool, q, { speedMbps: 100 });
    link.enqueue(packet(pool, 1514), 0, 0);
    link.enqueue(packet(pool, 1514), 0, 0);
    expect(link.inFlight).toBe(1);
    expect(q.backlogPackets).toBe(1);
    const w = wireTimeNs(1514, 100);
    expect(link.nextEventTime()).toBeCloseTo(w, 6);
    link.advance(w);
    expect(link.txDone.count).toBe(1);
    expect(q.backlogPackets).toBe(0);
    expect(q.sojourn.max).toBeCloseTo(w, 6); // the second packet waited in the qdisc, not the ring
  });

  it('with a deeper tx ring moves frames out of the qdisc early (FIFO delay below the qdisc)', () => {
    const pool = makePool(16);
    const q = new Pfifo(pool);
    const link = new Link(pool, q, { speedMbps: 100, txRing: 4 });
    for (let i = 0; i < 6; i++) link.enqueue(packet(pool, 1514), 0, 0);
    expect(link.inFlight).toBe(4);
    expect(q.backlogPackets).toBe(2);
  });

  it('idles without drift: a packet arriving after a gap starts at its arrival time', () => {
    const pool = makePool(16);
    const link = new Link(pool, new Pfifo(pool), { speedMbps: 10 });
    link.enqueue(packet(pool, 60), 0, 1_000_000);
    link.advance(10_000_000);
    expect(link.txDone.times[0]).toBeCloseTo(1_000_000 + wireTimeNs(60, 10), 6);
    link.txDone.clear();
    link.enqueue(packet(pool, 60), 0, 50_000_000);
    link.advance(60_000_000);
    expect(link.txDone.times[0]).toBeCloseTo(50_000_000 + wireTimeNs(60, 10), 6);
  });
});
