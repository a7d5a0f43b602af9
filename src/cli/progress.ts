/**
 * A one-line progress bar on stderr for long runs. It appears only on a TTY, never with --quiet
 * or --json, and only once a run has taken about a second of wall time, so short runs print
 * nothing. It redraws in place (`\r` + erase line) at most ~10 times a second, and finish()
 * erases it so the report that follows starts on a clean line.
 *
 * Wall-clock time is fine here: this is the CLI layer, not the engine. The clock is injectable
 * for tests.
 */
import { formatClock, formatSi } from '../report/text.ts';
import type { TerminalStream } from '../report/text.ts';

/** Erase the whole line, cursor to column 0. */
const CLEAR_LINE = '\r\x1b[2K';

export interface ProgressInfo {
  /** Virtual seconds simulated so far. */
  readonly virtualSeconds?: number;
  /** Packets processed so far (for the packets/s rate over wall time). */
  readonly packets?: number;
}

export interface ProgressOptions {
  /** The amount of work `done` counts up to (any unit, e.g. virtual ns). */
  readonly total: number;
  /** Short text before the bar, e.g. the mode being run. */
  readonly label?: string;
  readonly stream?: TerminalStream;
  /** Whether to draw at all; decide with `progressEnabled()`. */
  readonly enabled: boolean;
  /** Wall time in ms; defaults to performance.now(). */
  readonly clock?: () => number;
  /** Wall ms before the bar first appears (default 1000). */
  readonly delayMs?: number;
  /** Minimum wall ms between redraws (default 100). */
  readonly intervalMs?: number;
}

export interface Progress {
  /** Reports progress; draws only when enabled, past the delay, and not drawn too recently. */
  update(done: number, info?: ProgressInfo): void;
  /** Erases the bar if it was drawn. Further updates do nothing. */
  finish(): void;
}

/** Whether the CLI should show a progress bar: stream is a TTY, and neither --json nor --quiet. */
export function progressEnabled(o: { readonly json?: boolean; readonly quiet?: boolean; readonly stream?: { readonly isTTY?: boolean } }): boolean {
  if (o.json === true || o.quiet === true) return false;
  return (o.stream ?? process.stderr).isTTY === true;
}

const NOOP: Progress = { update() {}, finish() {} };

export function createProgress(o: ProgressOptions): Progress {
  if (!o.enabled) return NOOP;
  const stream = o.stream ?? process.stderr;
  const clock = o.clock ?? (() => performance.now());
  const delayMs = o.delayMs ?? 1000;
  const intervalMs = o.intervalMs ?? 100;
  const start = clock();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;

  return {
    update(done, info) {
      if (finished) return;
      const now = clock();
      const elapsed = now - start;
      if (elapsed < delayMs || now - lastDraw < intervalMs) return;
      lastDraw = now;
      drawn = true;
      stream.write(CLEAR_LINE + progressLine(o.label ?? '', done, o.total, elapsed, info, stream.columns ?? 80));
    },
    finish() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write(CLEAR_LINE);
    },
  };
}

/**
 * The text of one progress line, fitted to `columns`:
 * "hardware [██████░░░░░░]  42 %  12.6 s virt  1.2 M pkt/s  ETA 0:14".
 */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, info: ProgressInfo | undefined, columns: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)} %`;
  const etaS = frac > 0 ? ((elapsedMs / frac) * (1 - frac)) / 1000 : Number.NaN;
  const eta = `ETA ${formatClock(etaS)}`;
  const optional: string[] = [];
  if (info?.virtualSeconds !== undefined) optional.push(`${formatSi(Math.round(info.virtualSeconds * 10) / 10)} s virt`);
  if (info?.packets !== undefined && elapsedMs > 0) optional.push(`${formatSi((info.packets * 1000) / elapsedMs)} pkt/s`);
  const head = label ? `${label} ` : '';
  // Leave the last column free: writing into it makes some terminals wrap.
  const width = columns - 1;
  const stats = () => [pct, ...optional, eta].join('  ');
  // A narrow terminal loses the bar first, then the rates (last first), never half a word.
  let barW = Math.min(40, width - head.length - stats().length - 3);
  while (barW < 5 && optional.length > 0 && head.length + stats().length > width) optional.pop();
  if (barW < 5) barW = Math.min(40, width - head.length - stats().length - 3);
  if (barW < 5) return `${head}${stats()}`.slice(0, Math.max(0, width));
  const full = Math.round(frac * barW);
  return `${head}[${'█'.repeat(full)}${'░'.repeat(barW - full)}] ${stats()}`;
}
