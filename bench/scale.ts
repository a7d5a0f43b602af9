/**
 * Scale: N concurrent offloaded connections (default 1M) in one process — conntrack + flowtable
 * bytes per connection (aim ≤ 256 B) and the process's RSS — in hardware mode on the two-port
 * mlx5 rig (every connection in conntrack, in the software flowtable and in the NIC's table).
 * The offload work queue is reported apart: it holds requests in flight, not connections, and
 * its size is the most ever pending at once.
 *
 *   npx tsx bench/scale.ts [--flows N] [--mode software|hardware] [--json]
 *
 * Run in its own process (bench/run.ts spawns it) so the RSS is this run's alone.
 */
import { parseArgs } from 'node:util';
import { takeRig } from './e2e-harness.ts';

export interface ScaleRow {
  mode: 'software' | 'hardware';
  flows: number;
  offloaded: number;
  in_hardware: number;
  conntrack_bytes_per_conn: number;
  flowtable_bytes_per_conn: number;
  bytes_per_conn: number;
  work_queue_bytes_per_conn: number;
  rss_mb_before: number;
  rss_mb: number;
  heap_used_mb: number;
  array_buffers_mb: number;
  setup_s: number;
  ns_per_packet: number;
}

const mb = (n: number): number => Math.round((n / 1048576) * 10) / 10;

export function measureScale(mode: 'software' | 'hardware', flows: number): ScaleRow {
  const rss0 = process.memoryUsage().rss;
  const holder = takeRig({ topology: 'two-port', mode, flows });
  const rig = holder.rig!;
  // Run traffic over it for a moment (every template once, a few times): RSS of a running router.
  const bursts = Math.max(2000, rig.templates / 16);
  const t0 = performance.now();
  for (let i = 0; i < bursts; i++) rig.burst();
  const ns = ((performance.now() - t0) * 1e6) / (bursts * 64);
  const m = process.memoryUsage();
  const s = rig.stats;
  return {
    mode, flows, offloaded: s.offloaded, in_hardware: s.hwOffloaded,
    conntrack_bytes_per_conn: Math.round(s.ctBytesPerConn * 10) / 10,
    flowtable_bytes_per_conn: Math.round(s.ftBytesPerConn * 10) / 10,
    bytes_per_conn: Math.round((s.ctBytesPerConn + s.ftBytesPerConn) * 10) / 10,
    work_queue_bytes_per_conn: Math.round(s.wqBytesPerConn * 10) / 10,
    rss_mb_before: mb(rss0), rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), array_buffers_mb: mb(m.arrayBuffers),
    setup_s: Math.round(s.setupMs / 100) / 10, ns_per_packet: Math.round(ns * 10) / 10,
  };
}

export function scaleMarkdown(rows: readonly ScaleRow[]): string {
  const lines = [
    '| mode | flows | offloaded | in hardware | conntrack B/conn | flowtable B/conn | total B/conn | + work queue B/conn | RSS MB (before → after) | typed arrays MB | setup s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.mode} | ${r.flows} | ${r.offloaded} | ${r.in_hardware} | ${r.conntrack_bytes_per_conn} | ${r.flowtable_bytes_per_conn} | ${r.bytes_per_conn} | ${r.work_queue_bytes_per_conn} | ${r.rss_mb_before} → ${r.rss_mb} | ${r.array_buffers_mb} | ${r.setup_s} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { flows: { type: 'string' }, mode: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const flows = values.flows ? Number(values.flows) : 1048576;
  const mode = values.mode === 'software' ? 'software' : 'hardware';
  const row = measureScale(mode, flows);
  process.stdout.write(values.json ? JSON.stringify([row]) + '\n' : scaleMarkdown([row]) + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
