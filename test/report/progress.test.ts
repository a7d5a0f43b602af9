import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createProgress, progressEnabled, progressLine } from '../../src/cli/progress.ts';

/** A stream double: records every write; isTTY and columns as given. */
function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => void writes.push(s) };
}

/** A manual clock in wall milliseconds. */
function fakeClock(start = 5_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const ERASE = '\r\x1b[2K';

describe('progressEnabled', () => {
  it('shows progress only on a TTY, and never with --json or --quiet', () => {
    expect(progressEnabled({ stream: { isTTY: true } })).toBe(true);
    expect(progressEnabled({ stream: { isTTY: false } })).toBe(false);
    expect(progressEnabled({ stream: {} })).toBe(false);
    expect(progressEnabled({ stream: { isTTY: true }, json: true })).toBe(false);
    expect(progressEnabled({ stream: { isTTY: true }, quiet: true })).toBe(false);
  });
});

describe('createProgress', () => {
  it('writes nothing at all when disabled, however long the run', () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const p = createProgress({ total: 100, label: 'none', stream, enabled: false, clock: clock.now });
    for (let i = 0; i <= 100; i++) {
      clock.advance(500);
      p.update(i, { virtualSeconds: i / 10, packets: i * 1000 });
    }
    p.finish();
    expect(stream.writes).toEqual([]);
  });

  it('stays silent during the first second, so short runs print nothing', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 10, stream, enabled: true, clock: clock.now });
    for (let i = 1; i <= 9; i++) {
      clock.advance(100); // 0.9 s in total
      p.update(i);
    }
    p.finish();
    expect(stream.writes).toEqual([]);
  });

  it('draws after 1 s, in place: erase the line, then percent, virtual seconds, packets/s and ETA', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 30, label: 'hardware', stream, enabled: true, clock: clock.now });
    clock.advance(1_000);
    p.update(10, { virtualSeconds: 10, packets: 2_000_000 });
    expect(stream.writes.length).toBe(1);
    const line = stream.writes[0]!;
    expect(line.startsWith(ERASE)).toBe(true);
    expect(line).not.toContain('\n');
    expect(line).toContain('hardware [');
    expect(line).toContain(' 33 %');
    expect(line).toContain('10 s virt');
    expect(line).toContain('2 M pkt/s'); // 2 M packets in 1 s of wall time
    expect(line).toContain('ETA 0:02'); // a third done after 1 s: 2 s to go
  });

  it('redraws at most about ten times a second', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 1_000, stream, enabled: true, clock: clock.now });
    clock.advance(1_000);
    // 1 s of updates every 10 ms: 100 calls, at most 10 (+1 for the first) draws.
    for (let i = 0; i < 100; i++) {
      p.update(i);
      clock.advance(10);
    }
    expect(stream.writes.length).toBeGreaterThanOrEqual(9);
    expect(stream.writes.length).toBeLessThanOrEqual(11);
  });

  it('finish() erases the bar it drew, once, and later updates draw nothing', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 10, stream, enabled: true, clock: clock.now });
    clock.advance(1_500);
    p.update(5);
    p.finish();
    expect(stream.writes.at(-1)).toBe(ERASE);
    const n = stream.writes.length;
    clock.advance(1_000);
    p.update(9);
    p.finish();
    expect(stream.writes.length).toBe(n);
  });

  it('finish() writes nothing when the bar never appeared', () => {
    const stream = fakeStream(true);
    const p = createProgress({ total: 10, stream, enabled: true, clock: fakeClock().now });
    p.update(10);
    p.finish();
    expect(stream.writes).toEqual([]);
  });
});

describe('progressLine', () => {
  it('always fits the terminal, leaving the last column free', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 300 }), fc.double({ min: 0, max: 2, noNaN: true }), fc.string({ maxLength: 20 }), (columns, frac, label) => {
        const line = progressLine(label.replace(/[^\x20-\x7e]/g, ''), frac * 100, 100, 1234, { virtualSeconds: 12.34, packets: 5e6 }, columns);
        expect([...line].length).toBeLessThanOrEqual(columns - 1);
      }),
    );
  });

  it('caps the percentage at 100 % and shows an unknown ETA before any progress', () => {
    expect(progressLine('', 150, 100, 1000, undefined, 80)).toContain('100 %');
    expect(progressLine('', 0, 100, 1000, undefined, 80)).toContain('ETA --:--');
  });
});
