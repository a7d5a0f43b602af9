/**
 * The self-contained HTML report (`flowsim run --html`): one page comparing one or more runs,
 * usually the three modes (none / software / hardware) of one scenario.
 *
 * Self-contained means the file opens offline and makes no request at all: CSS and SVG charts
 * are inline, there is no script, no web font, no image URL, and a Content-Security-Policy of
 * `default-src 'none'` makes the browser refuse any load that might slip in later.
 * The output is byte-stable (no timestamp), so reports can be diffed and snapshot-tested.
 */
import type { RunReport } from './types.ts';
import { barChart, escapeXml as esc, niceTicks, PALETTE, timeChart } from './svg.ts';
import type { ChartSeries } from './svg.ts';
import { formatInteger, formatMs, formatPercent, formatSi } from './text.ts';

export interface HtmlReportOptions {
  /** Page title and heading; defaults to "flowsim report — <scenario>". */
  readonly title?: string;
}

/** Colours per mode and per path; the same meaning keeps the same colour on every chart. */
const MODE_COLOR: Record<RunReport['mode'], string> = { none: '#D55E00', software: '#0072B2', hardware: '#009E73' };
const PATH_COLOR = { hardware: '#009E73', software: '#0072B2', classic: '#D55E00', shortcut: '#CC79A7' } as const;

const MODE_MEANING: Record<RunReport['mode'], string> = {
  none: 'no offload: every packet takes the classic netfilter path',
  software: 'nftables flowtable: established flows take the software fast path',
  hardware: 'flowtable with hardware offload: bound flows bypass the CPU',
};

interface Run {
  readonly r: RunReport;
  readonly label: string;
  readonly color: string;
}

/** Labels runs by mode; when modes repeat, by scenario and mode, then by position. */
function labelRuns(reports: readonly RunReport[]): Run[] {
  const modes = reports.map((r) => r.mode);
  const modesUnique = new Set(modes).size === modes.length;
  const keys = reports.map((r) => `${r.scenario} · ${r.mode}`);
  const keysUnique = new Set(keys).size === keys.length;
  return reports.map((r, i) => ({
    r,
    label: modesUnique ? r.mode : keysUnique ? keys[i]! : `#${i + 1} ${r.mode}`,
    color: modesUnique ? MODE_COLOR[r.mode] : PALETTE[i % PALETTE.length]!,
  }));
}

/** The distinct values of `f` over the runs, in first-seen order, joined for display. */
function distinct(runs: readonly Run[], f: (r: RunReport) => string): string {
  return [...new Set(runs.map((x) => f(x.r)))].join(', ');
}

function forwarded(r: RunReport): number {
  return r.paths.hardware + r.paths.software + r.paths.classic + r.paths.shortcut;
}

/** Share of forwarded packets that took a fast path (software flowtable or hardware). */
export function offloadRatio(r: RunReport): number {
  const all = forwarded(r);
  return all > 0 ? (r.paths.hardware + r.paths.software) / all : 0;
}

function sqmWorst(r: RunReport, key: 'p50_delay_ms' | 'p99_delay_ms'): number | undefined {
  const vals = Object.values(r.sqm).map((q) => q[key]);
  return vals.length > 0 ? Math.max(...vals) : undefined;
}

function sum(vals: readonly number[]): number {
  let s = 0;
  for (const v of vals) if (Number.isFinite(v)) s += v;
  return s;
}

/** Keys of the maps with a non-zero count in any run, by total count (descending), then name. */
function unionKeys(maps: readonly Record<string, number>[]): string[] {
  const totals = new Map<string, number>();
  for (const m of maps) for (const [k, v] of Object.entries(m)) if (v !== 0) totals.set(k, (totals.get(k) ?? 0) + v);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
}

/** Values of series `v` (sampled at `t`) at the points `x`; NaN where the run has no sample. */
function alignOn(x: readonly number[], t: readonly number[], v: readonly number[], scale = 1): number[] {
  const out: number[] = [];
  let j = 0;
  const eps = 1e-9;
  for (const xi of x) {
    while (j < t.length && t[j]! < xi - eps) j++;
    const tj = t[j];
    const vj = v[j];
    out.push(tj !== undefined && Math.abs(tj - xi) <= eps && vj !== undefined ? vj * scale : Number.NaN);
  }
  return out;
}

/** The sample times shared by all runs' charts: the longest timeline. */
function commonTimes(runs: readonly Run[]): number[] {
  let best: readonly number[] = [];
  for (const { r } of runs) if (r.timeline.t_s.length > best.length) best = r.timeline.t_s;
  return [...best];
}

// ---- small HTML builders ----

function table(caption: string, head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const th = head.map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${h}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td class="num">${c}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}>\n<caption>${caption}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>\n${svg}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

function runHead(runs: readonly Run[]): string[] {
  return ['', ...runs.map((x) => `<span class="swatch" style="background:${x.color}"></span>${esc(x.label)}`)];
}

/** A rate given in Mbit/s, with the prefix that suits it: 940 → "940 Mbit/s", 1420 → "1.4 Gbit/s". */
function mbit(mbps: number): string {
  return formatSi(mbps * 1e6, 'bit/s');
}

function int(n: number): string {
  return esc(formatInteger(n));
}

function pctOf(part: number, whole: number): string {
  return whole > 0 ? `<span class="sub">${esc(formatPercent(part / whole))}</span>` : '';
}

function badge(passed: boolean, failures: number): string {
  return passed ? '<span class="badge pass">✓ passed</span>' : `<span class="badge fail">✗ failed${failures > 0 ? ` (${failures})` : ''}</span>`;
}

/** A table of one counter map per run (rows = reasons), or a sentence when all are empty. */
function countersTable(caption: string, runs: readonly Run[], pick: (r: RunReport) => Record<string, number> | undefined, empty: string): string {
  const maps = runs.map((x) => pick(x.r) ?? {});
  const keys = unionKeys(maps);
  if (keys.length === 0) return `<p class="empty"><strong>${caption}:</strong> ${empty}</p>`;
  const rows = keys.map((k) => [`<code>${esc(k)}</code>`, ...maps.map((m) => int(m[k] ?? 0))]);
  return table(caption, runHead(runs), rows);
}

// ---- sections ----

function header(runs: readonly Run[], title: string): string {
  const soc = distinct(runs, (r) => `${r.model.soc} (${r.model.cpu_cores} × ${r.model.cpu_mhz} MHz)`);
  const engines = runs.map((x) => x.r.hardware?.backend).filter((b): b is string => b !== undefined);
  const backends = engines.length > 0 ? [...new Set(engines)].join(', ') : 'none';
  const facts: [string, string][] = [
    ['Scenario', distinct(runs, (r) => r.scenario)],
    ['SoC', soc],
    ['Flow engine', backends],
    ['Seed', distinct(runs, (r) => String(r.seed))],
    ['Duration', distinct(runs, (r) => `${formatSi(r.duration_s)} s virtual`)],
    ['Sample interval', distinct(runs, (r) => `${formatSi(r.timeline.interval_s)} s`)],
  ];
  const dl = facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
  const cards = runs
    .map(({ r, label, color }) => {
      const overridden = r.mode_overridden ? ' <span class="tag" title="The command line chose this mode instead of the one the scenario configures">mode overridden</span>' : '';
      return (
        `<li class="run-card" style="border-top-color:${color}"><div class="run-name">${esc(label)}${overridden}</div>` +
        `<div class="run-meaning">${esc(MODE_MEANING[r.mode])}</div>` +
        `<div class="run-kpis"><span><b>${esc(formatPercent(offloadRatio(r), 0))}</b> offloaded</span>` +
        `<span><b>${esc(formatPercent(r.model.cpu_load, 0))}</b> CPU</span>` +
        `<span><b>${esc(mbit(r.model.saturation_mbps))}</b> max</span></div>` +
        `<div>${badge(r.expect.passed, r.expect.failures.length)}</div></li>`
      );
    })
    .join('\n');
  return (
    `<header>\n<p class="kicker">flowsim · simulated router report</p>\n<h1>${esc(title)}</h1>\n` +
    `<dl class="facts">${dl}</dl>\n<ul class="runs">\n${cards}\n</ul>\n</header>`
  );
}

function toc(items: readonly [string, string][]): string {
  return `<nav aria-label="Sections"><ol>${items.map(([id, t]) => `<li><a href="#${id}">${esc(t)}</a></li>`).join('')}</ol></nav>`;
}

function summarySection(runs: readonly Run[]): string {
  const rows: string[][] = [];
  const row = (label: string, f: (r: RunReport) => string) => rows.push([label, ...runs.map((x) => f(x.r))]);
  row('Packets offered', (r) => int(r.packets.offered));
  row('Transmitted', (r) => `${int(r.packets.transmitted)} ${pctOf(r.packets.transmitted, r.packets.offered)}`);
  row('Delivered locally', (r) => int(r.packets.delivered_local));
  row('Dropped', (r) => `${int(r.packets.dropped)} ${pctOf(r.packets.dropped, r.packets.offered)}`);
  row('Queued at end', (r) => int(r.packets.queued));
  row('<span class="swatch" style="background:' + PATH_COLOR.hardware + '"></span>Hardware path', (r) => `${int(r.paths.hardware)} ${pctOf(r.paths.hardware, forwarded(r))}`);
  row('<span class="swatch" style="background:' + PATH_COLOR.software + '"></span>Software fast path', (r) => `${int(r.paths.software)} ${pctOf(r.paths.software, forwarded(r))}`);
  row('<span class="swatch" style="background:' + PATH_COLOR.classic + '"></span>Classic path', (r) => `${int(r.paths.classic)} ${pctOf(r.paths.classic, forwarded(r))}`);
  if (runs.some((x) => x.r.paths.shortcut > 0)) row('<span class="swatch" style="background:' + PATH_COLOR.shortcut + '"></span>Shortcut', (r) => int(r.paths.shortcut));
  row('Offload ratio', (r) => esc(formatPercent(offloadRatio(r))));
  row('CPU load (of one core)', (r) => esc(formatPercent(r.model.cpu_load)));
  row('Saturation throughput', (r) => esc(mbit(r.model.saturation_mbps)));
  row('Goodput up / down', (r) => esc(`${mbit(r.traffic.goodput_mbit_up)} / ${mbit(r.traffic.goodput_mbit_down)}`));
  row('SQM delay p50', (r) => { const v = sqmWorst(r, 'p50_delay_ms'); return v === undefined ? '<span class="sub">no SQM</span>' : esc(formatMs(v)); });
  row('SQM delay p99', (r) => { const v = sqmWorst(r, 'p99_delay_ms'); return v === undefined ? '<span class="sub">no SQM</span>' : esc(formatMs(v)); });
  row('Flows / handshakes', (r) => esc(`${formatInteger(r.traffic.flows)} / ${formatInteger(r.traffic.handshakes)}`));
  row('Engine time per packet', (r) => esc(`${formatSi(r.engine.ns_per_packet)} ns`));
  row('Engine speed', (r) => esc(`${formatSi(r.engine.packets_per_second)} pkt/s`));
  row('Expectations', (r) => badge(r.expect.passed, r.expect.failures.length));
  const note = runs.some((x) => Object.keys(x.r.sqm).length > 1) ? '<p class="hint">With several SQM queues the summary shows the slowest one; the SQM section lists each.</p>' : '';
  return `<section id="summary">\n<h2>Summary</h2>\n${table('Totals per run', runHead(runs), rows, 'summary')}\n${note}\n</section>`;
}

function pathsSection(runs: readonly Run[]): string {
  const pathSeries = (['hardware', 'software', 'classic'] as const).map<ChartSeries>((p) => ({
    name: p === 'classic' ? 'classic' : p === 'software' ? 'software fast path' : 'hardware',
    values: runs.map((x) => x.r.paths[p]),
    color: PATH_COLOR[p],
  }));
  if (runs.some((x) => x.r.paths.shortcut > 0)) pathSeries.push({ name: 'shortcut', values: runs.map((x) => x.r.paths.shortcut), color: PATH_COLOR.shortcut });
  const totals = barChart({
    id: 'chart-paths-total',
    title: 'Packets per path, per run',
    desc: `Stacked bars: how many packets each run forwarded through the hardware, software fast and classic paths. ${runs.map((x) => `${x.label}: hardware ${x.r.paths.hardware}, software ${x.r.paths.software}, classic ${x.r.paths.classic}`).join('; ')}.`,
    categories: runs.map((x) => x.label),
    series: pathSeries,
    layout: 'stacked',
    axis: { label: 'packets' },
    width: 960,
  });
  // One y scale for all runs, so the per-run charts compare at a glance.
  let peak = 0;
  for (const { r } of runs) {
    const tl = r.timeline;
    for (let i = 0; i < tl.t_s.length; i++) peak = Math.max(peak, ((tl.hardware[i] ?? 0) + (tl.software[i] ?? 0) + (tl.classic[i] ?? 0)) / (tl.interval_s || 1));
  }
  const yMax = niceTicks(0, peak, 4).at(-1)!;
  const over = runs.map((x) => {
    const tl = x.r.timeline;
    const perS = (v: readonly number[]) => v.map((n) => n / (tl.interval_s || 1));
    return `<h3 class="chart-title"><span class="swatch" style="background:${x.color}"></span>${esc(x.label)} over time</h3>\n` + figure(
      timeChart({
        id: `chart-paths-${x.label.replace(/[^a-z0-9]+/gi, '-')}`,
        title: `Packets per path over time — ${x.label}`,
        desc: `Stacked areas: packets per second through each path over virtual time in the ${x.label} run, sampled every ${tl.interval_s} s.`,
        x: tl.t_s,
        series: [
          { name: 'hardware', values: perS(tl.hardware), color: PATH_COLOR.hardware },
          { name: 'software fast path', values: perS(tl.software), color: PATH_COLOR.software },
          { name: 'classic', values: perS(tl.classic), color: PATH_COLOR.classic },
        ],
        kind: 'stacked',
        xAxis: { label: 'virtual time', unit: 's' },
        yAxis: { label: 'forwarded', unit: 'packets/s', min: 0, max: yMax },
        width: 960,
        height: 210,
      }),
      `<span class="swatch" style="background:${x.color}"></span>${esc(x.label)}: ${esc(MODE_MEANING[x.r.mode])}.`,
    );
  });
  return `<section id="paths">\n<h2>Packets per path</h2>\n<p class="lead">Which road through the router the forwarded packets took. The hardware path costs the CPU nothing; the software fast path skips most of netfilter; the classic path runs the full stack.</p>\n${figure(totals, 'Totals over the whole run.')}\n${over.join('\n')}\n</section>`;
}

function cpuSection(runs: readonly Run[]): string {
  const x = commonTimes(runs);
  const series = runs.map<ChartSeries>((r) => ({ name: r.label, values: alignOn(x, r.r.timeline.t_s, r.r.timeline.cpu_load, 100), color: r.color }));
  let peak = 0;
  for (const s of series) for (const v of s.values) if (Number.isFinite(v) && v > peak) peak = v;
  const svg = timeChart({
    id: 'chart-cpu',
    title: 'CPU load over time, per run',
    desc: `Lines: modelled CPU load in percent of one core over virtual time. Mean load: ${runs.map((r) => `${r.label} ${formatPercent(r.r.model.cpu_load)}`).join(', ')}.`,
    x,
    series,
    kind: 'line',
    xAxis: { label: 'virtual time', unit: 's' },
    yAxis: { label: 'CPU load', unit: '% of one core', min: 0, ...(peak <= 100 ? { max: 100 } : {}) },
    width: 960,
    height: 280,
  });
  return `<section id="cpu">\n<h2>CPU load</h2>\n<p class="lead">Modelled load of the router's CPU for the offered traffic (100 % = one core saturated).</p>\n${figure(svg, 'Each line is one run; dashes tell the runs apart without colour.')}\n</section>`;
}

function sqmSection(runs: readonly Run[]): string {
  const any = runs.some((x) => Object.keys(x.r.sqm).length > 0 || x.r.timeline.sqm_delay_ms.some((v) => v > 0));
  if (!any) return `<section id="sqm">\n<h2>SQM queue delay</h2>\n<p class="empty">No run shapes traffic with SQM, so there is no queue delay to show.</p>\n</section>`;
  const x = commonTimes(runs);
  const svg = timeChart({
    id: 'chart-sqm',
    title: 'SQM queue delay over time, per run',
    desc: `Lines: mean delay packets spent in the SQM queue in each interval, in milliseconds. ${runs.map((r) => `${r.label} p99 ${formatMs(sqmWorst(r.r, 'p99_delay_ms') ?? 0)}`).join(', ')}.`,
    x,
    series: runs.map((r) => ({ name: r.label, values: alignOn(x, r.r.timeline.t_s, r.r.timeline.sqm_delay_ms), color: r.color })),
    kind: 'line',
    xAxis: { label: 'virtual time', unit: 's' },
    yAxis: { label: 'queue delay', unit: 'ms', min: 0, format: (v) => formatSi(v) },
    width: 960,
    height: 260,
  });
  const rows: string[][] = [];
  for (const x2 of runs) {
    for (const [dev, q] of Object.entries(x2.r.sqm).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      rows.push([
        `${esc(x2.label)} · <code>${esc(dev)}</code>`,
        esc(q.qdisc),
        esc(mbit(q.rate_mbit)),
        int(q.shaped_packets),
        int(q.bypassed_packets),
        int(q.dropped),
        esc(formatMs(q.p50_delay_ms)),
        esc(formatMs(q.p99_delay_ms)),
      ]);
    }
  }
  const tbl = rows.length > 0 ? table('SQM queues', ['Run · device', 'qdisc', 'rate', 'shaped', 'bypassed', 'dropped', 'p50 delay', 'p99 delay'], rows) : '';
  return `<section id="sqm">\n<h2>SQM queue delay</h2>\n<p class="lead">Time packets waited in the smart queue (shaper) before leaving. Offloaded packets can bypass the shaper, so the queue may hold less traffic than was offered.</p>\n${figure(svg, 'Mean queue delay per sample interval.')}\n${tbl}\n</section>`;
}

function offloadSection(runs: readonly Run[]): string {
  const svg = barChart({
    id: 'chart-offload',
    title: 'Offload ratio per run',
    desc: `Bars: share of forwarded packets that took the hardware or software fast path. ${runs.map((x) => `${x.label} ${formatPercent(offloadRatio(x.r))}`).join(', ')}.`,
    categories: runs.map((x) => x.label),
    series: [{ name: 'offloaded', values: runs.map((x) => offloadRatio(x.r) * 100), color: '#0072B2' }],
    layout: 'stacked',
    axis: { label: 'offloaded share of forwarded packets', unit: '%', min: 0, max: 100, format: (v) => `${formatSi(v)} %` },
    legend: false,
    width: 960,
  });
  return `<section id="offload">\n<h2>Offload ratio</h2>\n<p class="lead">(hardware + software fast path) ÷ all forwarded packets.</p>\n${figure(svg, 'Higher means fewer packets paid for the full netfilter path.')}\n</section>`;
}

function dropsSection(runs: readonly Run[]): string {
  const keys = unionKeys(runs.map((x) => x.r.drops));
  if (keys.length === 0) return `<section id="drops">\n<h2>Drops by reason</h2>\n<p class="empty">No run dropped a packet.</p>\n</section>`;
  const maxBars = 10;
  const shown = keys.slice(0, maxBars);
  const rest = keys.slice(maxBars);
  const categories = rest.length > 0 ? [...shown, `other (${rest.length} reasons)`] : shown;
  const series = runs.map<ChartSeries>((x) => ({
    name: x.label,
    values: [...shown.map((k) => x.r.drops[k] ?? 0), ...(rest.length > 0 ? [sum(rest.map((k) => x.r.drops[k] ?? 0))] : [])],
    color: x.color,
  }));
  const svg = barChart({
    id: 'chart-drops',
    title: 'Drops by reason, per run',
    desc: `Grouped bars: packets dropped for each reason, one bar per run. ${categories.map((c, i) => `${c}: ${series.map((s) => `${s.name} ${s.values[i]}`).join(', ')}`).join('; ')}.`,
    categories,
    series,
    layout: 'grouped',
    axis: { label: 'dropped packets' },
    width: 960,
  });
  const tbl = countersTable('Drops by reason', runs, (r) => r.drops, 'none');
  return `<section id="drops">\n<h2>Drops by reason</h2>\n<p class="lead">Reasons are the simulator's named drop reasons (modelled on the kernel's <code>skb_drop_reason</code>).</p>\n${figure(svg, rest.length > 0 ? `The ${maxBars} most frequent reasons; the table lists all.` : 'All drop reasons seen in any run.')}\n${tbl}\n</section>`;
}

function countersSection(runs: readonly Run[]): string {
  const ft = table('Flowtable', runHead(runs), [
    ['Flows added', ...runs.map((x) => int(x.r.flowtable.flows_added))],
    ['Active flows at end', ...runs.map((x) => int(x.r.flowtable.active_flows))],
    ['Teardowns', ...runs.map((x) => int(x.r.flowtable.teardowns))],
    ['Expired', ...runs.map((x) => int(x.r.flowtable.expired))],
    ['Offloaded to hardware', ...runs.map((x) => int(x.r.flowtable.hw_offloaded))],
  ]);
  const hw = runs.some((x) => x.r.hardware !== null)
    ? table('Hardware flow engine', runHead(runs), [
        ['Backend', ...runs.map((x) => esc(x.r.hardware?.backend ?? '—'))],
        ['Bound entries', ...runs.map((x) => (x.r.hardware ? int(x.r.hardware.bound) : '—'))],
        ['Unbound entries', ...runs.map((x) => (x.r.hardware ? int(x.r.hardware.unbound) : '—'))],
        ['Binds', ...runs.map((x) => (x.r.hardware ? int(x.r.hardware.binds) : '—'))],
      ])
    : '<p class="empty"><strong>Hardware flow engine:</strong> no run used one.</p>';
  const ct = table('Conntrack', runHead(runs), [
    ['Entries / max', ...runs.map((x) => esc(`${formatInteger(x.r.conntrack.entries)} / ${formatInteger(x.r.conntrack.max)}`))],
    ['Found', ...runs.map((x) => int(x.r.conntrack.found))],
    ['Inserted', ...runs.map((x) => int(x.r.conntrack.insert))],
    ['Insert failed', ...runs.map((x) => int(x.r.conntrack.insert_failed))],
    ['Invalid', ...runs.map((x) => int(x.r.conntrack.invalid))],
    ['Dropped / early drop', ...runs.map((x) => esc(`${formatInteger(x.r.conntrack.drop)} / ${formatInteger(x.r.conntrack.early_drop)}`))],
    ['Offloaded (software / hardware)', ...runs.map((x) => esc(`${formatInteger(x.r.conntrack.offloaded)} / ${formatInteger(x.r.conntrack.hw_offloaded)}`))],
  ]);
  return (
    `<section id="counters">\n<h2>Flowtable and hardware counters</h2>\n<p class="lead">Why flows did or did not reach a fast path.</p>\n<div class="tables">\n${ft}\n${hw}\n` +
    `${countersTable('Hardware offload refused (flowtable)', runs, (r) => r.flowtable.hw_refused, 'the hardware accepted every flow it was offered.')}\n` +
    `${countersTable('Refused by the flow engine', runs, (r) => r.hardware?.refused, 'none.')}\n` +
    `${countersTable('Flows not added to the flowtable', runs, (r) => r.flowtable.not_added, 'every eligible flow was added.')}\n` +
    `${countersTable('Fast-path misses', runs, (r) => r.flowtable.fast_path_misses, 'none.')}\n${ct}\n</div>\n</section>`
  );
}

function notesSection(runs: readonly Run[]): string {
  const blocks = runs.map(({ r, label, color }) => {
    const failures = r.expect.failures.length > 0 ? `<p class="fail-title">Failed expectations</p><ul class="failures">${r.expect.failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '';
    const notes = r.notes.length > 0 ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p class="empty">No notes.</p>';
    return `<div class="notes-run"><h3><span class="swatch" style="background:${color}"></span>${esc(label)} ${badge(r.expect.passed, r.expect.failures.length)}</h3>${failures}${notes}</div>`;
  });
  return `<section id="notes">\n<h2>Notes and expectations</h2>\n${blocks.join('\n')}\n</section>`;
}

const CSS = `
:root{color-scheme:light dark;--bg:#f7f8fa;--card:#fff;--fg:#1c2129;--muted:#5b6472;--border:#dde1e7;--stripe:#f2f4f7;--accent:#0072B2;--pass-bg:#e3f4ec;--pass-fg:#05603a;--fail-bg:#fde8e4;--fail-fg:#a4290a}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1e24;--fg:#e6e9ee;--muted:#9aa3b0;--border:#2e343d;--stripe:#20252c;--accent:#56B4E9;--pass-bg:#0f3325;--pass-fg:#7ee2b2;--fail-bg:#3f1a12;--fail-fg:#ffb39c}
svg.chart [stroke="#0072B2"]{stroke:#3d9be0}svg.chart [fill="#0072B2"]{fill:#2f8fd6}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
.page{max-width:1040px;margin:0 auto;padding:32px 24px 64px}
header{margin-bottom:8px}
.kicker{margin:0;color:var(--muted);font-size:13px;letter-spacing:.06em;text-transform:uppercase}
h1{margin:4px 0 16px;font-size:28px;line-height:1.2;font-weight:650}
h2{margin:0 0 6px;font-size:20px;font-weight:650}
h3.chart-title{margin:22px 0 0;font-size:15px}
h3{margin:0 0 8px;font-size:16px;font-weight:600;display:flex;align-items:center;gap:8px}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 20px}
.facts div{min-width:0}
.facts dt{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.facts dd{margin:0;font-weight:600}
.runs{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px}
.run-card{background:var(--card);border:1px solid var(--border);border-top:4px solid;border-radius:8px;padding:12px 14px}
.run-name{font-weight:650;font-size:17px}
.run-meaning{color:var(--muted);font-size:13px;margin:2px 0 8px}
.run-kpis{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin-bottom:8px}
.run-kpis b{font-size:16px;font-variant-numeric:tabular-nums}
nav{margin:20px 0 8px}
nav ol{list-style:none;display:flex;flex-wrap:wrap;gap:6px;padding:0;margin:0}
nav a{display:inline-block;padding:3px 10px;border:1px solid var(--border);border-radius:999px;color:var(--fg);text-decoration:none;font-size:13px;background:var(--card)}
nav a:hover,nav a:focus{border-color:var(--accent);color:var(--accent)}
section{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:20px 22px;margin:18px 0}
.lead{margin:0 0 14px;color:var(--muted)}
.hint{color:var(--muted);font-size:13px;margin:8px 0 0}
figure{margin:14px 0 6px}
figcaption{color:var(--muted);font-size:13px;margin-top:2px}
svg.chart{display:block;width:100%;height:auto;max-width:100%;color:var(--fg);overflow:visible}
.table-wrap{overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:0 0 6px;font-size:14px}
th,td{padding:6px 10px;border-bottom:1px solid var(--border);vertical-align:baseline}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;border-bottom-width:2px;white-space:nowrap}
tbody th{text-align:left;font-weight:500}
tbody tr:nth-child(even){background:var(--stripe)}
.num{text-align:right;white-space:nowrap}
.sub{color:var(--muted);font-size:12px;margin-left:4px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.pass{background:var(--pass-bg);color:var(--pass-fg)}
.badge.fail{background:var(--fail-bg);color:var(--fail-fg)}
.tag{font-size:11px;font-weight:600;border:1px solid var(--border);border-radius:4px;padding:0 5px;color:var(--muted);vertical-align:middle}
.empty{color:var(--muted)}
.tables .table-wrap{margin:6px 0 18px}
.notes-run{margin:12px 0 16px}
.notes-run ul{margin:0;padding-left:20px}
.notes-run li{margin:3px 0}
.fail-title{margin:4px 0;font-weight:600;color:var(--fail-fg)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{body{background:#fff}section{break-inside:avoid;border-color:#ccc}nav{display:none}}
`.trim();

/**
 * One self-contained HTML page comparing the runs (1..n reports; usually the three modes of
 * one scenario). Same input, same bytes.
 */
export function renderHtmlReport(reports: readonly RunReport[], opts: HtmlReportOptions = {}): string {
  if (reports.length === 0) throw new RangeError('renderHtmlReport needs at least one run report');
  const runs = labelRuns(reports);
  const scenario = distinct(runs, (r) => r.scenario);
  const heading = opts.title ?? scenario;
  const title = opts.title ?? `flowsim report — ${scenario}`;
  const sections: [string, string][] = [
    ['summary', 'Summary'],
    ['paths', 'Packets per path'],
    ['cpu', 'CPU load'],
    ['sqm', 'SQM delay'],
    ['offload', 'Offload ratio'],
    ['drops', 'Drops'],
    ['counters', 'Counters'],
    ['notes', 'Notes'],
  ];
  const body = [
    header(runs, heading),
    toc(sections),
    '<main>',
    summarySection(runs),
    pathsSection(runs),
    cpuSection(runs),
    sqmSection(runs),
    offloadSection(runs),
    dropsSection(runs),
    countersSection(runs),
    notesSection(runs),
    '</main>',
    '<footer>Generated by flowsim. Self-contained: this page loads nothing from the network.</footer>',
  ].join('\n');
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="color-scheme" content="light dark">\n' +
    // Forbids every fetch (scripts, images, fonts, frames, connections); only the inline style may apply.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\n` +
    `<title>${esc(title)}</title>\n<style>\n${CSS}\n</style>\n</head>\n<body>\n<div class="page">\n${body}\n</div>\n</body>\n</html>\n`
  );
}
