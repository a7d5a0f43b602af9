/**
 * A small SVG chart writer for the HTML report: charts over time (lines, areas, stacked areas)
 * and horizontal bar charts (stacked or grouped). No dependency, no script, no fonts: text uses
 * the host page's font and `currentColor`, so the same SVG reads in light and dark pages.
 * Output is byte-stable: coordinates are rounded to 0.01 and nothing depends on the clock or
 * locale, so the same input always gives the same string (snapshot-friendly).
 */
import { formatSi } from './text.ts';

/**
 * Okabe–Ito colours (Okabe & Ito, "Color Universal Design", 2002): distinguishable with the
 * common colour-vision deficiencies and legible on both white and near-black backgrounds.
 * Black is left out so every colour works on a dark page too.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442'] as const;

/** Line dash patterns, so lines differ by more than colour. */
const DASHES = ['', '6 3', '2 3', '9 3 2 3', '4 2 4 6'] as const;

export interface ChartSeries {
  readonly name: string;
  /** One value per x point (time charts) or per category (bar charts). */
  readonly values: readonly number[];
  /** Fill/stroke colour; defaults to PALETTE by position. */
  readonly color?: string;
}

export interface ValueAxis {
  /** Axis caption, e.g. "packets/s" or "CPU load". */
  readonly label?: string;
  /** Unit shown after the caption: "caption (unit)". */
  readonly unit?: string;
  /** Fixed lower/upper bound; by default the axis starts at 0 and ends at a nice value ≥ the data. */
  readonly min?: number;
  readonly max?: number;
  /** Tick label format; defaults to SI prefixes ("1.2 k"). */
  readonly format?: (v: number) => string;
}

export interface ChartBase {
  /** Accessible name (<title>); also shown as a tooltip. */
  readonly title: string;
  /** Longer description (<desc>) read by screen readers: say what the chart shows. */
  readonly desc?: string;
  /** Pixel width of the viewBox (the SVG scales to its container). Default 640. */
  readonly width?: number;
  /** Optional id for the <svg> element (also used to derive ids of <title>/<desc>). */
  readonly id?: string;
}

export interface TimeChartOptions extends ChartBase {
  /** Height of the viewBox, default 260. */
  readonly height?: number;
  /** x values (e.g. virtual seconds), ascending; series values line up with them. */
  readonly x: readonly number[];
  readonly xAxis?: ValueAxis;
  readonly yAxis?: ValueAxis;
  readonly series: readonly ChartSeries[];
  /** "line" (default), "area" (filled, overlapping) or "stacked" (stacked areas). */
  readonly kind?: 'line' | 'area' | 'stacked';
  /** Keep at most this many points per series (bucket means); default the plot width. */
  readonly maxPoints?: number;
}

export interface BarChartOptions extends ChartBase {
  /** One bar (stacked) or bar group (grouped) per category, top to bottom. */
  readonly categories: readonly string[];
  /** Stacked: segments of each bar; grouped: one bar per series within each category. */
  readonly series: readonly ChartSeries[];
  readonly layout: 'stacked' | 'grouped';
  readonly axis?: ValueAxis;
  /** Print each bar's value (grouped) or total (stacked) at its end. Default true. */
  readonly valueLabels?: boolean;
  /** Hide the legend (e.g. one series whose meaning the title gives). */
  readonly legend?: boolean;
}

const FONT_SIZE = 12;
const SMALL_FONT = 11;

/** Escapes text for XML/HTML element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A coordinate as short, stable text: at most two decimals, no "-0". */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const r = Math.round(n * 100) / 100;
  return r === 0 ? '0' : String(r);
}

/**
 * Round tick values covering [min, max], about `target` of them, on steps of 1, 2 or 5 × 10^k
 * (the "nice numbers" of Heckbert, Graphics Gems, 1990). The last tick is ≥ max.
 */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  // A span lost in floating-point noise (or subnormal) is a single value.
  if (max - min <= Math.max(Math.abs(min), Math.abs(max)) * 1e-9 || max - min < 1e-90) {
    if (Math.abs(max) < 1e-90 && Math.abs(min) < 1e-90) return [0, 1];
    const d = Math.max(Math.abs(min), Math.abs(max)) * 0.5;
    min -= d;
    max += d;
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const start = Math.floor(min / step + 1e-9) * step;
  // Round away floating error so labels read "0.3", not "0.30000000000000004": one decimal
  // more than the step needs (2.5 × 10^k has one more significant digit).
  const decimals = Math.min(100, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  const ticks: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const v = start + i * step;
    const clean = Number(v.toFixed(decimals));
    ticks.push(clean === 0 ? 0 : clean);
    if (v >= max - step * 1e-9) break;
  }
  return ticks;
}

/**
 * Estimated rendered width of `s` in the system sans-serif at `size` px. Deterministic, so
 * layout does not depend on the machine; errs wide so labels do not collide.
 */
export function textWidth(s: string, size = FONT_SIZE): number {
  let w = 0;
  for (const ch of s) {
    if (ch === ' ') w += 0.3;
    else if (/[.,:;'|!il1]/.test(ch)) w += 0.32;
    else if (/[A-Z_MW%@#]/.test(ch)) w += 0.68;
    else if (/[0-9]/.test(ch)) w += 0.58;
    else w += 0.55;
  }
  return w * size;
}

function colorOf(series: readonly ChartSeries[], i: number): string {
  return series[i]?.color ?? PALETTE[i % PALETTE.length]!;
}

function axisCaption(axis: ValueAxis | undefined): string {
  if (!axis) return '';
  const label = axis.label ?? '';
  if (axis.unit && label) return `${label} (${axis.unit})`;
  return label || axis.unit || '';
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

/** The opening <svg> with role, accessible name and description. */
function openSvg(o: ChartBase, width: number, height: number): string {
  const id = o.id ?? `chart-${slug(o.title)}`;
  const desc = o.desc ? `<desc id="${escapeXml(id)}-desc">${escapeXml(o.desc)}</desc>` : '';
  const described = o.desc ? ` aria-describedby="${escapeXml(id)}-desc"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(id)}" class="chart" role="img" viewBox="0 0 ${num(width)} ${num(height)}"` +
    ` width="${num(width)}" height="${num(height)}" aria-labelledby="${escapeXml(id)}-title"${described}` +
    ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" font-size="${FONT_SIZE}">` +
    `<title id="${escapeXml(id)}-title">${escapeXml(o.title)}</title>${desc}`
  );
}

interface Legend {
  readonly svg: string;
  readonly height: number;
}

/** Swatches and names in rows across the top, wrapping when a row is full. */
function legend(series: readonly ChartSeries[], x0: number, width: number, swatch: 'line' | 'box'): Legend {
  if (series.length === 0) return { svg: '', height: 0 };
  const rowH = 18;
  const parts: string[] = [];
  let x = x0;
  let row = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const w = 18 + textWidth(s.name) + 16;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      row++;
    }
    const y = 6 + row * rowH;
    const color = colorOf(series, i);
    const mark =
      swatch === 'line'
        ? `<line x1="${num(x)}" y1="${num(y + 6)}" x2="${num(x + 14)}" y2="${num(y + 6)}" stroke="${color}" stroke-width="2.5"${dashAttr(i)}/>`
        : `<rect x="${num(x)}" y="${num(y + 1)}" width="12" height="10" rx="2" fill="${color}"/>`;
    parts.push(`<g class="legend-item">${mark}<text x="${num(x + 18)}" y="${num(y + 10)}" fill="currentColor">${escapeXml(s.name)}</text></g>`);
    x += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: (row + 1) * rowH + 6 };
}

function dashAttr(i: number): string {
  const d = DASHES[i % DASHES.length]!;
  return d ? ` stroke-dasharray="${d}"` : '';
}

/** Means over consecutive buckets so a long timeline draws with at most `max` points. */
function downsample(x: readonly number[], ys: readonly (readonly number[])[], max: number): { x: number[]; ys: number[][] } {
  const n = x.length;
  if (n <= max || max < 2) return { x: [...x], ys: ys.map((v) => x.map((_, i) => v[i] ?? Number.NaN)) };
  const outX: number[] = [];
  const outY: number[][] = ys.map(() => []);
  for (let b = 0; b < max; b++) {
    const lo = Math.floor((b * n) / max);
    const hi = Math.max(lo + 1, Math.floor(((b + 1) * n) / max));
    outX.push(x[hi - 1]!);
    for (let s = 0; s < ys.length; s++) {
      // NaN marks a gap (no sample); a bucket with no sample stays a gap.
      let sum = 0;
      let count = 0;
      for (let i = lo; i < hi; i++) {
        const v = ys[s]![i];
        if (v !== undefined && Number.isFinite(v)) {
          sum += v;
          count++;
        }
      }
      outY[s]!.push(count > 0 ? sum / count : Number.NaN);
    }
  }
  return { x: outX, ys: outY };
}

function finite(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/** A chart of one or more series over x (time): lines, overlapping areas, or stacked areas. */
export function timeChart(o: TimeChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 260;
  const kind = o.kind ?? 'line';
  const yFmt = o.yAxis?.format ?? ((v: number) => formatSi(v));
  const xFmt = o.xAxis?.format ?? ((v: number) => formatSi(v));

  const n = o.x.length;
  const plotGuess = width - 80;
  const { x, ys } = downsample(o.x, o.series.map((s) => s.values), o.maxPoints ?? Math.max(2, Math.floor(plotGuess)));

  // Stacked charts plot running sums; the top of the last layer is the total.
  const tops: number[][] = [];
  if (kind === 'stacked') {
    const acc = x.map(() => 0);
    for (const v of ys) {
      for (let i = 0; i < acc.length; i++) acc[i]! += Math.max(0, finite(v[i]));
      tops.push([...acc]);
    }
  } else tops.push(...ys);

  let dataMax = 0;
  let dataMin = 0;
  for (const t of tops) for (const v of t) {
    if (!Number.isFinite(v)) continue;
    if (v > dataMax) dataMax = v;
    if (v < dataMin) dataMin = v;
  }
  const yTicks = niceTicks(o.yAxis?.min ?? dataMin, o.yAxis?.max ?? Math.max(dataMax, dataMin === 0 ? 0 : dataMin), 5);
  const yMin = o.yAxis?.min ?? yTicks[0]!;
  const yMax = o.yAxis?.max ?? yTicks[yTicks.length - 1]!;
  const xMin = n > 0 ? Math.min(o.x[0]!, o.x[n - 1]!) : 0;
  const xMaxRaw = n > 0 ? Math.max(o.x[0]!, o.x[n - 1]!) : 1;
  const xMax = xMaxRaw > xMin ? xMaxRaw : xMin + 1;
  const xTicks = niceTicks(xMin, xMax, Math.max(3, Math.floor(width / 110))).filter((t) => t >= xMin - 1e-9 && t <= xMax + 1e-9);

  const tickLabelW = Math.max(...yTicks.map((t) => textWidth(yFmt(t), SMALL_FONT)));
  const left = Math.ceil(tickLabelW + 16);
  const right = 18;
  const lg = legend(o.series, left, width - left - right, kind === 'line' ? 'line' : 'box');
  const yCaption = axisCaption(o.yAxis);
  const top = lg.height + (yCaption ? 20 : 8);
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sx = (v: number) => left + ((v - xMin) / (xMax - xMin)) * plotW;
  const sy = (v: number) => top + plotH - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin || 1)) * plotH;

  const out: string[] = [openSvg(o, width, height), lg.svg];
  if (yCaption) out.push(`<text class="axis-caption" x="${num(left)}" y="${num(lg.height + 12)}" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.75">${escapeXml(yCaption)}</text>`);

  // Grid and y tick labels.
  const grid: string[] = [];
  for (const t of yTicks) {
    if (t < yMin - 1e-9 || t > yMax + 1e-9) continue;
    const y = sy(t);
    grid.push(`<line x1="${num(left)}" y1="${num(y)}" x2="${num(left + plotW)}" y2="${num(y)}"/>`);
    out.push(`<text x="${num(left - 6)}" y="${num(y + 4)}" text-anchor="end" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.8">${escapeXml(yFmt(t))}</text>`);
  }
  out.push(`<g class="grid" stroke="currentColor" stroke-opacity="0.14" stroke-width="1">${grid.join('')}</g>`);
  for (const t of xTicks) {
    const xx = sx(t);
    out.push(`<line x1="${num(xx)}" y1="${num(top + plotH)}" x2="${num(xx)}" y2="${num(top + plotH + 4)}" stroke="currentColor" stroke-opacity="0.5"/>`);
    out.push(`<text x="${num(xx)}" y="${num(top + plotH + 17)}" text-anchor="middle" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.8">${escapeXml(xFmt(t))}</text>`);
  }
  const xCaption = axisCaption(o.xAxis);
  if (xCaption) out.push(`<text class="axis-caption" x="${num(left + plotW)}" y="${num(height - 6)}" text-anchor="end" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.75">${escapeXml(xCaption)}</text>`);

  // Data.
  if (x.length === 0) {
    out.push(`<text x="${num(left + plotW / 2)}" y="${num(top + plotH / 2)}" text-anchor="middle" fill="currentColor" fill-opacity="0.6">no samples</text>`);
  } else {
    // A non-finite value is a gap: the line stops and starts again at the next sample.
    const linePath = (vals: readonly number[]) => {
      let d = '';
      let pen = false;
      for (let i = 0; i < vals.length; i++) {
        const v = vals[i]!;
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${num(sx(x[i]!))} ${num(sy(v))}`;
        pen = true;
      }
      return d;
    };
    const series: string[] = [];
    for (let s = 0; s < o.series.length; s++) {
      const color = colorOf(o.series, s);
      const name = escapeXml(o.series[s]!.name);
      const upper = tops[s]!;
      if (kind === 'line') {
        series.push(`<path class="series" d="${linePath(upper)}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${dashAttr(s)}><title>${name}</title></path>`);
        continue;
      }
      const lower = kind === 'stacked' && s > 0 ? tops[s - 1]! : x.map(() => Math.max(yMin, 0));
      // The fill must be one closed outline, so gaps close down to the baseline.
      let d = linePath(upper.map((v, i) => (Number.isFinite(v) ? v : lower[i]!)));
      for (let i = x.length - 1; i >= 0; i--) d += `L${num(sx(x[i]!))} ${num(sy(lower[i]!))}`;
      d += 'Z';
      const opacity = kind === 'stacked' ? '0.85' : '0.25';
      series.push(`<g class="series"><title>${name}</title><path d="${d}" fill="${color}" fill-opacity="${opacity}" stroke="none"/><path d="${linePath(upper)}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round"/></g>`);
    }
    out.push(`<g class="data">${series.join('')}</g>`);
  }
  // Axis lines last so they sit on top of the fills.
  out.push(`<path class="axis" d="M${num(left)} ${num(top)}V${num(top + plotH)}H${num(left + plotW)}" fill="none" stroke="currentColor" stroke-opacity="0.55"/>`);
  out.push('</svg>');
  return out.join('');
}

/** Horizontal bars per category: stacked segments or a group of bars, with a value axis below. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 640;
  const fmt = o.axis?.format ?? ((v: number) => formatSi(v));
  const grouped = o.layout === 'grouped';
  const showValues = o.valueLabels ?? true;
  const nCat = o.categories.length;
  const nSer = o.series.length;

  const totals: number[] = [];
  let dataMax = 0;
  for (let c = 0; c < nCat; c++) {
    let sum = 0;
    for (let s = 0; s < nSer; s++) {
      const v = Math.max(0, finite(o.series[s]!.values[c]));
      sum += v;
      if (grouped && v > dataMax) dataMax = v;
    }
    totals.push(sum);
    if (!grouped && sum > dataMax) dataMax = sum;
  }
  const ticks = niceTicks(o.axis?.min ?? 0, o.axis?.max ?? dataMax, Math.max(3, Math.floor(width / 120)));
  const vMin = o.axis?.min ?? 0;
  const vMax = o.axis?.max ?? ticks[ticks.length - 1]!;

  const maxLabel = 30;
  const shortLabel = (s: string) => (s.length > maxLabel ? `${s.slice(0, maxLabel - 1)}…` : s);
  const labelW = Math.max(0, ...o.categories.map((c) => textWidth(shortLabel(c))));
  const left = Math.ceil(labelW + 16);
  const valueRoom = showValues ? Math.ceil(Math.max(textWidth(fmt(vMax), SMALL_FONT), ...totals.map((t) => textWidth(fmt(t), SMALL_FONT)), ...o.series.flatMap((s) => s.values.map((v) => textWidth(fmt(v), SMALL_FONT)))) + 10) : 0;
  const right = Math.max(18, valueRoom);
  const showLegend = o.legend ?? nSer > 1;
  const lg = showLegend ? legend(o.series, left, width - left - right, 'box') : { svg: '', height: 4 };
  const caption = axisCaption(o.axis);

  const barH = grouped ? 14 : 20;
  const innerGap = 2;
  const rowH = grouped ? nSer * barH + Math.max(0, nSer - 1) * innerGap + 14 : barH + 12;
  const top = lg.height + 6;
  const plotH = Math.max(rowH, nCat * rowH);
  const bottom = caption ? 44 : 28;
  const height = top + plotH + bottom;
  const plotW = width - left - right;
  const sx = (v: number) => left + ((Math.min(Math.max(v, vMin), vMax) - vMin) / (vMax - vMin || 1)) * plotW;

  const out: string[] = [openSvg(o, width, height), lg.svg];
  const grid: string[] = [];
  for (const t of ticks) {
    if (t < vMin - 1e-9 || t > vMax + 1e-9) continue;
    const xx = sx(t);
    grid.push(`<line x1="${num(xx)}" y1="${num(top)}" x2="${num(xx)}" y2="${num(top + plotH)}"/>`);
    out.push(`<text x="${num(xx)}" y="${num(top + plotH + 16)}" text-anchor="middle" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.8">${escapeXml(fmt(t))}</text>`);
  }
  out.push(`<g class="grid" stroke="currentColor" stroke-opacity="0.14" stroke-width="1">${grid.join('')}</g>`);
  if (caption) out.push(`<text class="axis-caption" x="${num(left + plotW)}" y="${num(height - 6)}" text-anchor="end" font-size="${SMALL_FONT}" fill="currentColor" fill-opacity="0.75">${escapeXml(caption)}</text>`);

  const bars: string[] = [];
  for (let c = 0; c < nCat; c++) {
    const cat = o.categories[c]!;
    const rowTop = top + c * rowH + 7;
    const labelY = rowTop + (rowH - 14) / 2 + 4;
    bars.push(`<text x="${num(left - 8)}" y="${num(labelY)}" text-anchor="end" fill="currentColor">${cat.length > maxLabel ? `<title>${escapeXml(cat)}</title>` : ''}${escapeXml(shortLabel(cat))}</text>`);
    let acc = 0;
    for (let s = 0; s < nSer; s++) {
      const v = Math.max(0, finite(o.series[s]!.values[c]));
      const color = colorOf(o.series, s);
      const tip = `<title>${escapeXml(`${cat} · ${o.series[s]!.name}: ${fmt(v)}`)}</title>`;
      if (grouped) {
        const y = rowTop + s * (barH + innerGap);
        const x1 = sx(0);
        // A non-zero count stays visible as a sliver even next to a bar 10 000 times longer.
        const w = v > 0 ? Math.max(1.5, sx(v) - x1) : 0;
        if (w > 0) bars.push(`<rect class="bar" x="${num(x1)}" y="${num(y)}" width="${num(w)}" height="${barH}" rx="${w >= 4 ? 2 : 0}" fill="${color}">${tip}</rect>`);
        if (showValues) bars.push(`<text x="${num(x1 + w + 4)}" y="${num(y + barH / 2 + 4)}" font-size="${SMALL_FONT}" fill="currentColor"${v > 0 ? '' : ' fill-opacity="0.45"'}>${escapeXml(fmt(v))}</text>`);
      } else if (v > 0) {
        const x1 = sx(acc);
        const x2 = sx(acc + v);
        bars.push(`<rect class="bar" x="${num(x1)}" y="${num(rowTop)}" width="${num(Math.max(0, x2 - x1))}" height="${barH}" fill="${color}">${tip}</rect>`);
        acc += v;
      }
    }
    if (!grouped && showValues) bars.push(`<text x="${num(sx(totals[c]!) + 4)}" y="${num(rowTop + barH / 2 + 4)}" font-size="${SMALL_FONT}" fill="currentColor">${escapeXml(fmt(totals[c]!))}</text>`);
  }
  if (nCat === 0) bars.push(`<text x="${num(left + plotW / 2)}" y="${num(top + plotH / 2 + 4)}" text-anchor="middle" fill="currentColor" fill-opacity="0.6">no data</text>`);
  out.push(`<g class="data">${bars.join('')}</g>`);
  out.push(`<path class="axis" d="M${num(left)} ${num(top)}V${num(top + plotH)}" fill="none" stroke="currentColor" stroke-opacity="0.55"/>`);
  out.push('</svg>');
  return out.join('');
}
