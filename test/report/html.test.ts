import { describe, it, expect } from 'vitest';
import { renderHtmlReport, offloadRatio } from '../../src/report/html.ts';
import { fakeModeReports, fakeReport } from './fake-reports.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const CSP_META = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;

/** Every <svg>…</svg> element in the page. */
function svgs(html: string): string[] {
  return html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
}

describe('the self-contained HTML report', () => {
  const reports = fakeModeReports();
  const html = renderHtmlReport(reports);

  it('is one HTML document with inline CSS and no script', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/<iframe\b/i);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
  });

  it('refers to no URL: every "http" is the SVG namespace or the CSP meta that forbids loads', () => {
    // Walk every occurrence; each must be exactly one of the two allowed strings.
    let at = html.indexOf('http');
    let seen = 0;
    while (at !== -1) {
      const ns = html.startsWith(SVG_NS, at);
      const csp = html.startsWith('http-equiv="Content-Security-Policy"', at);
      expect(ns || csp, `unexpected "http" at ${at}: …${html.slice(at - 40, at + 60)}…`).toBe(true);
      seen++;
      at = html.indexOf('http', at + 4);
    }
    expect(seen).toBeGreaterThan(0);
    expect(html.split('http-equiv').length - 1).toBe(1);
    expect(html).toContain(CSP_META);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
    // No host name anywhere once the namespace is set aside (protocol-relative URLs included).
    expect(/\/\/[a-z0-9.-]+\.[a-z]{2,}\b/i.exec(html.replaceAll(SVG_NS, ''))?.[0]).toBeUndefined();
  });

  it('has the header facts: scenario, SoC, seed, duration', () => {
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).toContain('pppoe-gigabit-mt7621');
    expect(header).toContain('MT7621A (2 × 880 MHz)');
    expect(header).toMatch(/<dt>Seed<\/dt><dd>7<\/dd>/);
    expect(header).toMatch(/<dt>Duration<\/dt><dd>30 s virtual<\/dd>/);
    expect(header).toContain('mtk-ppe v1 (MT7621)');
    for (const m of ['none', 'software', 'hardware']) expect(header).toContain(`<div class="run-name">${m}`);
  });

  it('has every section, in reading order', () => {
    const ids = ['summary', 'paths', 'cpu', 'sqm', 'offload', 'drops', 'counters', 'notes'];
    const positions = ids.map((id) => html.indexOf(`<section id="${id}">`));
    for (const [i, p] of positions.entries()) expect(p, ids[i]).toBeGreaterThan(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The table of contents links to each section.
    for (const id of ids) expect(html).toContain(`<a href="#${id}">`);
  });

  it('summarizes each mode with packets, paths, CPU, saturation, SQM delay, engine cost and expectations', () => {
    const summary = html.slice(html.indexOf('<section id="summary">'), html.indexOf('<section id="paths">'));
    for (const row of ['Packets offered', 'Transmitted', 'Dropped', 'Hardware path', 'Software fast path', 'Classic path', 'CPU load', 'Saturation throughput', 'SQM delay p50', 'SQM delay p99', 'Engine time per packet', 'Expectations']) {
      expect(summary).toContain(row);
    }
    // One column per run, numbers exact with thin-space grouping.
    const offered = reports.map((r) => r.packets.offered.toLocaleString('en-US').replace(/,/g, '\u2009'));
    for (const o of offered) expect(summary).toContain(o);
    expect(summary).toContain('16.2 ms');
    expect(summary).toContain('38.7 ms');
    expect(summary).toContain('385 ns');
    expect(summary).toContain('486 Mbit/s');
    expect(summary).toContain('1.4 Gbit/s');
    expect(summary).toContain('✗ failed (2)');
    expect(summary.split('✓ passed').length - 1).toBe(2);
  });

  it('draws one accessible SVG per chart: path totals, one path chart per mode, CPU, SQM, offload ratio, drops', () => {
    const all = svgs(html);
    const titles = all.map((s) => /<title id="[^"]+">([^<]*)<\/title>/.exec(s)?.[1]);
    expect(titles).toEqual([
      'Packets per path, per run',
      'Packets per path over time — none',
      'Packets per path over time — software',
      'Packets per path over time — hardware',
      'CPU load over time, per run',
      'SQM queue delay over time, per run',
      'Offload ratio per run',
      'Drops by reason, per run',
    ]);
    for (const s of all) {
      expect(s).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="[^"]+" class="chart" role="img"/);
      expect(s).toMatch(/aria-labelledby="[^"]+-title"/);
      expect(s).toMatch(/<desc id="[^"]+-desc">[^<]{20,}<\/desc>/);
    }
    // svg ids are unique within the page.
    const ids = all.map((s) => /id="([^"]+)"/.exec(s)?.[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('plots the timelines: stacked areas per path, one line per mode for CPU and SQM delay', () => {
    const all = svgs(html);
    const hardwareChart = all[3]!;
    // Three stacked layers, each a filled outline plus its top line, across ~100 samples.
    expect(hardwareChart.match(/<g class="series">/g)?.length).toBe(3);
    const firstLayer = /<path d="(M[^"]+Z)"/.exec(hardwareChart)?.[1] ?? '';
    expect(firstLayer.split('L').length).toBeGreaterThanOrEqual(2 * 100 - 1);
    const cpu = all[4]!;
    expect(cpu.match(/<path class="series"/g)?.length).toBe(3);
    expect(cpu).toContain('stroke-dasharray'); // lines differ by dash pattern too, not colour only
    const sqm = all[5]!;
    expect(sqm.match(/<path class="series"/g)?.length).toBe(3);
  });

  it('shows the offload ratio (hardware + software) / all forwarded per mode', () => {
    const [none, software, hardware] = reports;
    expect(offloadRatio(none!)).toBe(0);
    expect(offloadRatio(hardware!)).toBeCloseTo((hardware!.paths.hardware + hardware!.paths.software) / (hardware!.paths.hardware + hardware!.paths.software + hardware!.paths.classic), 12);
    const chart = svgs(html)[6]!;
    expect(chart).toContain(`offloaded: ${(offloadRatio(software!) * 100).toFixed(1)} %`);
  });

  it('lists drops by reason and the flowtable/hardware refusal counters as tables', () => {
    const drops = html.slice(html.indexOf('<section id="drops">'), html.indexOf('<section id="counters">'));
    for (const reason of ['QDISC_OVERLIMIT', 'RING_FULL', 'CT_INVALID', 'IP_CSUM', 'HW_DROP']) expect(drops).toContain(`<code>${reason}</code>`);
    const counters = html.slice(html.indexOf('<section id="counters">'), html.indexOf('<section id="notes">'));
    for (const caption of ['Flowtable', 'Hardware flow engine', 'Hardware offload refused (flowtable)', 'Refused by the flow engine', 'Flows not added to the flowtable', 'Fast-path misses', 'Conntrack']) {
      expect(counters).toContain(`<caption>${caption}</caption>`);
    }
    for (const reason of ['PPE_BUCKET_FULL', 'UNSUPPORTED_L4', 'PPPOE_VLAN_DEPTH', 'NOT_ESTABLISHED', 'NO_ENTRY', 'TCP_FIN_RST']) expect(counters).toContain(`<code>${reason}</code>`);
    // A zero-count reason (QINQ: 0) is not listed.
    expect(counters).not.toContain('QINQ');
  });

  it('lists every note and failed expectation, escaped', () => {
    const notes = html.slice(html.indexOf('<section id="notes">'));
    for (const r of reports) {
      for (const n of r.notes) {
        const escaped = n.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
        expect(notes).toContain(`<li>${escaped}</li>`);
      }
    }
    expect(notes).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(notes).toContain('sqm.p99_delay_ms &lt; 20 &lt;ms&gt; &amp; &quot;quoted&quot;');
    expect(html).not.toContain('<script>');
  });

  it('is deterministic: the same runs give the same bytes', () => {
    expect(renderHtmlReport(fakeModeReports())).toBe(html);
    expect(renderHtmlReport(fakeModeReports(), { title: 'T' })).toBe(renderHtmlReport(fakeModeReports(), { title: 'T' }));
  });

  it('supports light and dark colour schemes', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('@media (prefers-color-scheme:dark)');
  });

  it('renders a single run, and runs that repeat a mode get distinct labels', () => {
    const one = renderHtmlReport([fakeReport('software')]);
    expect(svgs(one).length).toBe(6); // totals, one path chart, CPU, SQM, offload, drops
    const twoSeeds = renderHtmlReport([fakeReport('hardware', 1), fakeReport('hardware', 2)], { title: 'Seeds <1 & 2>' });
    expect(twoSeeds).toContain('<h1>Seeds &lt;1 &amp; 2&gt;</h1>');
    expect(twoSeeds).toContain('#1 hardware');
    expect(twoSeeds).toContain('#2 hardware');
    expect(twoSeeds).toMatch(/<dt>Seed<\/dt><dd>1, 2<\/dd>/);
  });

  it('says so instead of drawing empty charts when there is no SQM and no drop', () => {
    const r = fakeReport('hardware');
    const quiet = { ...r, sqm: {}, drops: {}, timeline: { ...r.timeline, sqm_delay_ms: r.timeline.sqm_delay_ms.map(() => 0) } };
    const page = renderHtmlReport([quiet]);
    expect(page).toContain('No run shapes traffic with SQM');
    expect(page).toContain('No run dropped a packet.');
    expect(page).not.toContain('chart-sqm');
    expect(page).not.toContain('chart-drops');
  });

  it('refuses an empty list of runs', () => {
    expect(() => renderHtmlReport([])).toThrow(RangeError);
  });
});
