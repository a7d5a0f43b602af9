import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { barChart, escapeXml, niceTicks, num, timeChart } from '../../src/report/svg.ts';

describe('niceTicks', () => {
  it('covers the range on steps of 1, 2, 2.5 or 5 × 10^k', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(0, 0)).toEqual([0, 1]);
  });

  it('always starts at or below min, ends at or above max, on one even step', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 2, max: 10 }), (lo, span, target) => {
        const hi = lo + span;
        const t = niceTicks(lo, hi, target);
        const step = t[1]! - t[0]!;
        // Within a millionth of a step: float noise at the ends is not a miss.
        expect(t[0]!).toBeLessThanOrEqual(lo + step * 1e-6);
        expect(t.at(-1)!).toBeGreaterThanOrEqual(hi - step * 1e-6);
        expect(t.length).toBeLessThanOrEqual(target * 3 + 2);
        for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBeCloseTo(step, 6);
      }),
    );
  });
});

describe('SVG text safety and stability', () => {
  it('escapes markup in every piece of text', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const svg = barChart({ title: '<T&>', desc: '"d"', categories: ['<cat>'], series: [{ name: 'a&b', values: [3] }, { name: 'c', values: [1] }], layout: 'stacked' });
    expect(svg).toContain('<title id="chart-t-title">&lt;T&amp;&gt;</title>');
    expect(svg).toContain('&quot;d&quot;');
    expect(svg).toContain('&lt;cat&gt;');
    expect(svg).toContain('a&amp;b');
    expect(svg).not.toMatch(/<cat>|a&b/);
  });

  it('writes coordinates with at most two decimals and never "-0"', () => {
    expect(num(-0)).toBe('0');
    expect(num(-0.001)).toBe('0');
    expect(num(1 / 3)).toBe('0.33');
    expect(num(Number.NaN)).toBe('0');
  });

  it('the same input gives the same bytes', () => {
    const make = () =>
      timeChart({ title: 'cpu', x: [0.5, 1, 1.5, 2], series: [{ name: 'a', values: [0.1, 0.5, Number.NaN, 0.7] }, { name: 'b', values: [1, 2, 3, 4] }], yAxis: { unit: '%' }, xAxis: { label: 'time', unit: 's' } });
    expect(make()).toBe(make());
  });
});

describe('timeChart', () => {
  it('is an accessible image with title and description', () => {
    const svg = timeChart({ title: 'CPU', desc: 'CPU over time', x: [1, 2], series: [{ name: 'a', values: [1, 2] }] });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="chart-cpu" class="chart" role="img"/);
    expect(svg).toContain('aria-labelledby="chart-cpu-title" aria-describedby="chart-cpu-desc"');
    expect(svg).toContain('<title id="chart-cpu-title">CPU</title><desc id="chart-cpu-desc">CPU over time</desc>');
    expect(svg.endsWith('</svg>')).toBe(true);
  });

  it('breaks a line at a missing sample instead of drawing through it', () => {
    const svg = timeChart({ title: 'gap', x: [1, 2, 3, 4], series: [{ name: 'a', values: [1, 2, Number.NaN, 4] }] });
    const d = /<path class="series" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)?.length).toBe(2);
  });

  it('stacks areas: each layer sits on the one below', () => {
    const svg = timeChart({ title: 'stack', x: [0, 1], series: [{ name: 'a', values: [1, 1] }, { name: 'b', values: [2, 2] }], kind: 'stacked', yAxis: { min: 0, max: 3 } });
    expect(svg.match(/<g class="series">/g)?.length).toBe(2);
    // The top of the stack (a + b = 3) reaches the top of the axis: the same y as the max tick.
    const tops = [...svg.matchAll(/<path d="M[\d.]+ ([\d.]+)L/g)].map((m) => Number(m[1]));
    expect(tops.length).toBe(4);
    expect(Math.min(...tops)).toBeLessThan(Math.max(...tops));
  });

  it('keeps long timelines small by averaging buckets', () => {
    const n = 20_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const svg = timeChart({ title: 'long', x, series: [{ name: 'a', values: x.map((i) => i % 7) }], maxPoints: 200 });
    const d = /<path class="series" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.split('L').length).toBe(200);
  });

  it('says "no samples" for an empty timeline', () => {
    expect(timeChart({ title: 'empty', x: [], series: [{ name: 'a', values: [] }] })).toContain('no samples');
  });
});

describe('barChart', () => {
  it('grouped: one bar per series per category, zero counts drawn as a label only', () => {
    const svg = barChart({ title: 'drops', categories: ['A', 'B'], series: [{ name: 'x', values: [5, 0] }, { name: 'y', values: [1, 2] }], layout: 'grouped' });
    expect(svg.match(/<rect class="bar"/g)?.length).toBe(3);
    expect(svg).not.toContain('B · x: 0');
    expect(svg).toContain('A · y: 1');
  });

  it('stacked: one segment per non-zero value and the total at the end', () => {
    const svg = barChart({ title: 'paths', categories: ['none', 'hw'], series: [{ name: 'hw', values: [0, 90] }, { name: 'sw', values: [0, 10] }, { name: 'classic', values: [100, 0] }], layout: 'stacked' });
    expect(svg.match(/<rect class="bar"/g)?.length).toBe(3);
    expect(svg.match(/>100<\/text>/g)?.length).toBeGreaterThanOrEqual(2); // both totals read 100
  });

  it('shortens long category names and keeps the full name as a tooltip', () => {
    const long = 'A_VERY_LONG_DROP_REASON_NAME_THAT_GOES_ON';
    const svg = barChart({ title: 't', categories: [long], series: [{ name: 's', values: [1] }], layout: 'grouped' });
    expect(svg).toContain(`<title>${long}</title>`);
    expect(svg).toContain('…');
  });
});
