/**
 * Helpers for the CLI's human-readable output: number formatting, aligned tables and ANSI colour.
 * No dependency: colour is plain SGR escape codes, enabled only on a TTY and never when NO_COLOR
 * is set (https://no-color.org: any non-empty value disables colour).
 */

/** The part of a writable stream the terminal helpers look at (process.stdout/stderr fit). */
export interface TerminalStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether to colour output written to `stream`: only when it is a TTY, NO_COLOR is unset or
 * empty, and TERM is not "dumb".
 */
export function colorEnabled(stream: { readonly isTTY?: boolean }, env: Env = process.env): boolean {
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Text styles; each returns its input unchanged when colour is off. */
export interface Colors {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const identity = (s: string) => s;

/** Colour functions, on or off. Use `colorsFor(stream)` to decide from the stream and env. */
export function createColors(enabled: boolean): Colors {
  if (!enabled) {
    return { enabled, bold: identity, dim: identity, red: identity, green: identity, yellow: identity, blue: identity, cyan: identity };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    cyan: sgr(36, 39),
  };
}

/** Colour functions for output written to `stream` (see `colorEnabled`). */
export function colorsFor(stream: { readonly isTTY?: boolean }, env: Env = process.env): Colors {
  return createColors(colorEnabled(stream, env));
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

/** `s` without ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '');
}

/** Columns `s` occupies on a terminal (escape codes take none; one column per code point). */
export function visibleWidth(s: string): number {
  let n = 0;
  for (const _ of stripAnsi(s)) n++;
  return n;
}

/** Trims trailing zeros after the decimal point: "1.20" → "1.2", "3.00" → "3". */
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Fixed decimals without "-0". */
function fixed(n: number, digits: number): string {
  const s = n.toFixed(digits);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

const SI_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'] as const;

/**
 * A count with an SI prefix: 950 → "950", 1234 → "1.2 k", 3_400_000 → "3.4 M". With `unit`
 * the unit follows the prefix: formatSi(1.2e9, 'bit/s') → "1.2 Gbit/s".
 */
export function formatSi(n: number, unit = '', digits = 1): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? '–' : n > 0 ? '∞' : '-∞';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 999.95 && i < SI_PREFIXES.length - 1) {
    v /= 1000;
    i++;
  }
  const body = i === 0 && Number.isInteger(v) ? String(v) : trimZeros(fixed(v, digits));
  const prefix = SI_PREFIXES[i]!;
  const suffix = prefix + unit;
  return suffix === '' ? `${sign}${body}` : `${sign}${body} ${suffix}`;
}

/** A plain count with SI prefix, the usual way to show packet counts: "1.2 k", "3.4 M". */
export function formatCount(n: number): string {
  return formatSi(n);
}

/** An integer with thin thousands separators for exact counts: 1234567 → "1 234 567". */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return formatSi(n);
  const s = String(Math.round(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return n < 0 && Math.round(n) !== 0 ? `-${grouped}` : grouped;
}

/** A ratio as a percentage: 0.1234 → "12.3 %". */
export function formatPercent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${fixed(ratio * 100, digits)} %`;
}

/**
 * A duration given in milliseconds, with precision that suits its size:
 * 0.0123 → "12.3 µs", 0.42 → "0.42 ms", 12.345 → "12.3 ms", 1500 → "1.50 s".
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a === 0) return '0 ms';
  if (a < 0.1) return `${fixed(ms * 1000, 1)} µs`;
  if (a < 10) return `${fixed(ms, 2)} ms`;
  if (a < 1000) return `${fixed(ms, 1)} ms`;
  return `${fixed(ms / 1000, 2)} s`;
}

/** Seconds as m:ss or h:mm:ss, for ETAs: 75 → "1:15", 3725 → "1:02:05". */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Header row, printed first and separated from the body by a rule. */
  readonly header?: readonly string[];
  /** Per-column alignment; by default columns whose body cells all look numeric align right. */
  readonly align?: readonly (Align | undefined)[];
  /** Spaces between columns (default 2). */
  readonly gap?: number;
  /** Text put before each line (default none). */
  readonly indent?: string;
  /** Styles the header cells (e.g. colors.bold); applied after padding so alignment holds. */
  readonly headerStyle?: (s: string) => string;
}

/**
 * Looks like a number as formatted above: "1 234 567" (space, thin space or comma groups),
 * "-3.4 M", "12.3 %", "0.42 ms", "1.4 Gbit/s", or a lone dash for "no value".
 */
const NUMERIC_RE = /^[-+]?(?:\d{1,3}(?:[ \u2009,]\d{3})+|\d*)(?:\.\d+)?(?:e[-+]?\d+)?(?: ?[%a-zA-Zµ/]+)?$/;

/** Whether a table cell reads as a number (so it aligns right by default). */
export function looksNumeric(cell: string): boolean {
  const s = stripAnsi(cell).trim();
  if (s === '–' || s === '-' || s === '—') return true;
  return /\d/.test(s) && NUMERIC_RE.test(s);
}

/**
 * Rows as aligned columns, one line each (no trailing newline). Numbers align right, text left;
 * cells may contain ANSI colour (it takes no width). Trailing spaces are trimmed.
 */
export function formatTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const header = opts.header;
  const all = header ? [header, ...rows] : rows;
  const cols = all.reduce((m, r) => Math.max(m, r.length), 0);
  const widths: number[] = [];
  const align: Align[] = [];
  for (let c = 0; c < cols; c++) {
    let w = 0;
    for (const r of all) w = Math.max(w, visibleWidth(r[c] ?? ''));
    widths.push(w);
    const given = opts.align?.[c];
    if (given) align.push(given);
    else {
      const body = rows.map((r) => r[c] ?? '').filter((s) => stripAnsi(s).trim() !== '');
      align.push(body.length > 0 && body.every(looksNumeric) ? 'right' : 'left');
    }
  }
  const gap = ' '.repeat(opts.gap ?? 2);
  const indent = opts.indent ?? '';
  const line = (r: readonly string[], style?: (s: string) => string) => {
    const cells: string[] = [];
    for (let c = 0; c < cols; c++) {
      const cell = r[c] ?? '';
      const pad = ' '.repeat(widths[c]! - visibleWidth(cell));
      const padded = align[c] === 'right' ? pad + cell : cell + pad;
      cells.push(style ? style(padded) : padded);
    }
    return (indent + cells.join(gap)).replace(/\s+$/, '');
  };
  const out: string[] = [];
  if (header) {
    out.push(line(header, opts.headerStyle));
    out.push(indent + widths.map((w) => '─'.repeat(w)).join(gap));
  }
  for (const r of rows) out.push(line(r));
  return out.join('\n');
}
