import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  colorEnabled,
  colorsFor,
  createColors,
  formatClock,
  formatCount,
  formatInteger,
  formatMs,
  formatPercent,
  formatSi,
  formatTable,
  looksNumeric,
  stripAnsi,
  visibleWidth,
} from '../../src/report/text.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colour follows NO_COLOR (no-color.org) and the TTY', () => {
  it('colours a TTY when NO_COLOR is unset', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorsFor(tty, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
  });

  it('any non-empty NO_COLOR disables colour, even on a TTY', () => {
    for (const v of ['1', 'true', '0', 'no', ' ']) {
      expect(colorEnabled(tty, { NO_COLOR: v })).toBe(false);
      const c = colorsFor(tty, { NO_COLOR: v });
      expect(c.red('x') + c.bold('y') + c.green('z')).toBe('xyz');
    }
  });

  it('an empty NO_COLOR does not disable colour', () => {
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('never colours a pipe or a file, nor a dumb terminal', () => {
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('every style opens and closes with plain SGR codes, and stripAnsi removes them', () => {
    const c = createColors(true);
    for (const f of [c.bold, c.dim, c.red, c.green, c.yellow, c.blue, c.cyan]) {
      const s = f('text');
      expect(s).toMatch(/^\x1b\[\d+mtext\x1b\[\d+m$/);
      expect(stripAnsi(s)).toBe('text');
      expect(visibleWidth(s)).toBe(4);
    }
  });
});

describe('number formatting', () => {
  it('counts take SI prefixes with one decimal', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.2 k');
    expect(formatCount(3_400_000)).toBe('3.4 M');
    expect(formatCount(2_000_000)).toBe('2 M');
    expect(formatCount(999_960)).toBe('1 M'); // rounds up into the next prefix, not "1000 k"
    expect(formatCount(-1500)).toBe('-1.5 k');
    expect(formatSi(1.2e9, 'bit/s')).toBe('1.2 Gbit/s');
    expect(formatSi(940e6, 'bit/s')).toBe('940 Mbit/s');
    expect(formatSi(0.25)).toBe('0.3');
  });

  it('never prints more than three integer digits before the prefix', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e17, noNaN: true }), (n) => {
        const s = formatSi(n);
        expect(s).toMatch(/^\d{1,3}(\.\d)?( [kMGTP])?$/);
      }),
    );
  });

  it('exact integers group thousands with thin spaces', () => {
    expect(formatInteger(1_234_567)).toBe('1\u2009234\u2009567');
    expect(formatInteger(999)).toBe('999');
    expect(formatInteger(-1000)).toBe('-1\u2009000');
  });

  it('percentages and durations', () => {
    expect(formatPercent(0.1234)).toBe('12.3 %');
    expect(formatPercent(1)).toBe('100.0 %');
    expect(formatPercent(0.5, 0)).toBe('50 %');
    expect(formatPercent(-0.00001)).toBe('0.0 %');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(0.0123)).toBe('12.3 µs');
    expect(formatMs(0.42)).toBe('0.42 ms');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(formatClock(75)).toBe('1:15');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(Number.NaN)).toBe('--:--');
  });
});

describe('formatTable', () => {
  it('aligns columns: text left, numbers right, with a rule under the header', () => {
    const out = formatTable(
      [
        ['none', '1.2 M', '95.4 %', '16.2 ms'],
        ['software', '23.4 k', '42.2 %', '4.10 ms'],
        ['hardware', '7', '4.3 %', '2.30 ms'],
      ],
      { header: ['mode', 'packets', 'cpu', 'p99'] },
    );
    expect(out.split('\n')).toEqual([
      'mode      packets     cpu      p99',
      '────────  ───────  ──────  ───────',
      'none        1.2 M  95.4 %  16.2 ms',
      'software   23.4 k  42.2 %  4.10 ms',
      'hardware        7   4.3 %  2.30 ms',
    ]);
  });

  it('treats grouped integers, prefixed values and a lone dash as numbers', () => {
    for (const cell of ['2 346 800', '1\u2009234', '1,234', '-3.4 M', '12.3 %', '0.42 ms', '1.4 Gbit/s', '–', '7']) expect(looksNumeric(cell), cell).toBe(true);
    for (const cell of ['none', 'cake', 'pppoe-wan', '12 / 30', 'v1.2 beta', '']) expect(looksNumeric(cell), cell).toBe(false);
  });

  it('ignores colour codes when measuring, and honours explicit alignment', () => {
    const c = createColors(true);
    const out = formatTable([[c.green('ok'), '1'], ['failed', '22']], { align: ['right', 'left'] });
    expect(stripAnsi(out).split('\n')).toEqual(['    ok  1', 'failed  22']);
  });

  it('every line of a table has the same visible width before trimming', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.stringMatching(/^[a-z0-9 .%]{0,8}$/), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }), (rows) => {
        const lines = formatTable(rows).split('\n');
        const widest = Math.max(...lines.map(visibleWidth));
        for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(widest);
        expect(lines.length).toBe(rows.length);
      }),
    );
  });
});
