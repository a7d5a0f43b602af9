/**
 * Allocation discipline, made visible: heap growth and garbage collections over N packets
 * (default 10 million) through the whole router in each mode, after warm-up. The target is no
 * growth and no major GC in steady state: the forwarding paths allocate nothing.
 *
 *   npx tsx bench/alloc.ts [--quick] [--flows N] [--packets N] [--json]
 *
 * Run in its own process (bench/run.ts spawns it) so nothing else allocates while it counts.
 * Heap is measured after a forced full GC before and after the run (heapUsed delta); GCs are
 * counted from `gc` performance entries by kind, with V8's memory reducer off (its timer-driven
 * full GC after the heap shrinks is not caused by the run). Minor GCs in a path that allocates
 * nothing can still come from V8 itself (e.g. OSR/deopt metadata); any major GC or steady growth
 * is a leak.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BURST, takeRig, type Topology } from './e2e-harness.ts';
import type { BenchMode } from './case.ts';

export interface AllocRow {
  case: string;
  topology: Topology;
  mode: Exclude<BenchMode, null>;
  flows: number;
  packets: number;
  heap_growth_bytes: number;
  minor_gcs: number;
  major_gcs: number;
  incremental_gcs: number;
  ns_per_packet: number;
}

let gcFn: (() => void) | null = null;
/** A full GC (global.gc without starting node with --expose-gc). */
export function forceGc(): void {
  if (gcFn === null) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

async function settle(): Promise<void> {
  // gc performance entries are delivered asynchronously.
  await new Promise((r) => setTimeout(r, 50));
}

export async function measureAlloc(topology: Topology, mode: Exclude<BenchMode, null>, flows: number, packets: number): Promise<AllocRow> {
  const holder = takeRig({ topology, mode, flows });
  const rig = holder.rig!;
  const bursts = Math.ceil(packets / BURST);
  // Warm-up: let the JIT optimise the paths (and tier up) before counting.
  for (let i = 0; i < Math.min(bursts, 50_000); i++) rig.burst();
  forceGc();
  await settle();
  let minor = 0, major = 0, incremental = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) incremental++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < bursts; i++) rig.burst();
  const ns = ((performance.now() - t0) * 1e6) / (bursts * BURST);
  const heapNoGc = process.memoryUsage().heapUsed;
  await settle();
  obs.disconnect();
  forceGc();
  const heap1 = process.memoryUsage().heapUsed;
  void heapNoGc;
  holder.rig = null;
  return {
    case: `heap and GCs over ${packets.toLocaleString('en-US')} packets`, topology, mode, flows, packets: bursts * BURST,
    heap_growth_bytes: heap1 - heap0, minor_gcs: minor, major_gcs: major, incremental_gcs: incremental,
    ns_per_packet: Math.round(ns * 10) / 10,
  };
}

export function allocMarkdown(rows: readonly AllocRow[]): string {
  const lines = ['| topology | mode | flows | packets | heap growth (bytes) | minor GCs | major GCs | ns/packet |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.topology} | ${r.mode} | ${r.flows} | ${r.packets} | ${r.heap_growth_bytes} | ${r.minor_gcs} | ${r.major_gcs} | ${r.ns_per_packet.toFixed(1)} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  // No memory reducer: it runs a full GC on a timer once the heap has shrunk (as the forced GC
  // before each measured run makes it), which would count as a major GC without any allocation.
  // bench/run.ts also passes the flag on the command line.
  setFlagsFromString('--no-memory-reducer');
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, flows: { type: 'string' }, packets: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const quick = values.quick === true;
  const flows = values.flows ? Number(values.flows) : quick ? 1024 : 65536;
  const packets = values.packets ? Number(values.packets) : quick ? 500_000 : 10_000_000;
  const rows: AllocRow[] = [];
  // The two-port fw4 router at the standard flow count, and (full runs) the MT7621 PPPoE box:
  // DSA ports, a bridge, VLANs and a PPPoE session exercise other receive and output paths.
  const runs: [Topology, number][] = [['two-port', flows]];
  if (!quick) runs.push(['mt7621-pppoe', 1024]);
  for (const [topology, n] of runs) {
    for (const mode of ['classic', 'software', 'hardware'] as const) {
      rows.push(await measureAlloc(topology, mode, n, packets));
      if (!values.json) process.stdout.write(`${allocMarkdown(rows.slice(-1)).split('\n')[2]}\n`);
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write('\n' + allocMarkdown(rows) + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e: unknown) => {
    process.stderr.write(`alloc: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
