/**
 * One run, start to finish: read the scenario, build the router, simulate, and report. The
 * engine's own speed (wall time) is measured here, outside the simulation, and is the only
 * non-deterministic part of a report.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatEntry } from '../conntrack/format.ts';
import { FAST_PATH_MISS, ADD_REFUSAL } from '../flowtable/flowtable.ts';
import { cpuLoad, pathCycles } from '../offload/registry.ts';
import { refusalName } from '../offload/types.ts';
import type { RunReport } from '../report/types.ts';
import { evalExpect, explainExpect, parseExpect, ExpectSyntaxError, ExpectEvalError } from '../scenario/expect.ts';
import { decodeScenario } from '../scenario/schema.ts';
import { formatSourceError, parseLocated } from '../scenario/source.ts';
import type { Mode, Scenario } from '../scenario/types.ts';
import { dropReasonName } from '../wire/drop-reasons.ts';
import { buildScenario, BuildError, type Built } from './build.ts';
import { PATH_NAMES } from './router.ts';
import { Simulator, type SimOptions } from './simulator.ts';

/** A problem with the user's input: printed as is, exit code 2. */
export class InputError extends Error {}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: error: cannot read the scenario file`);
  }
  const parsed = parseLocated(text, path);
  if (!parsed.ok) throw new InputError(parsed.errors.map(formatSourceError).join('\n'));
  const decoded = decodeScenario(parsed.root, path);
  if (!decoded.ok) throw new InputError(decoded.errors.map(formatSourceError).join('\n'));
  // Expectations must at least parse before anything runs.
  const errs: string[] = [];
  for (const e of decoded.scenario.expect) {
    try {
      parseExpect(e.expr);
    } catch (err) {
      const col = err instanceof ExpectSyntaxError ? e.loc.col + err.column : e.loc.col;
      errs.push(`${e.loc.file}:${e.loc.line}:${col}: error: expect: ${(err as Error).message}`);
    }
  }
  if (errs.length > 0) throw new InputError(errs.join('\n'));
  return decoded.scenario;
}

export interface RunOptions {
  mode?: Mode;
  seed?: number;
  /** Override the scenario's duration (seconds). */
  duration_s?: number;
  onTransmit?: SimOptions['onTransmit'];
  /** Every frame as it reaches a router port (`--pcap-out DIR` writes DIR/offered.pcapng). */
  onOffer?: SimOptions['onOffer'];
  onProgress?: SimOptions['onProgress'];
  poolSlots?: number;
  /** Per-road router timings in the report (engine.stages). */
  profile?: boolean;
  /** Called once the router is built, before the simulation starts. */
  onBuilt?: (built: Built) => void;
}

export interface RunResult {
  report: RunReport;
  built: Built;
  sim: Simulator;
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  let built: Built;
  try {
    built = buildScenario(sc, { ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.poolSlots ? { poolSlots: opts.poolSlots } : {}) });
  } catch (e) {
    if (e instanceof BuildError) throw new InputError(e.message);
    throw e;
  }
  const duration = opts.duration_s ?? sc.duration_s;
  opts.onBuilt?.(built);
  let sim: Simulator;
  try {
    sim = new Simulator(built, {
      durationNs: duration * 1e9,
      ...(opts.onTransmit ? { onTransmit: opts.onTransmit } : {}),
      ...(opts.onOffer ? { onOffer: opts.onOffer } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.profile ? { profile: true } : {}),
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const t0 = performance.now();
  sim.run();
  const wallMs = performance.now() - t0;
  const report = makeReport(built, sim, duration, wallMs);
  checkExpectations(sc, report);
  return { report, built, sim };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function makeReport(built: Built, sim: Simulator, duration: number, wallMs: number): RunReport {
  const r = built.router;
  const profile = built.profile;
  const drops: Record<string, number> = {};
  for (let i = 1; i < r.drops.length; i++) if (r.drops[i]! > 0) drops[safeName(i)] = r.drops[i]!;
  const paths = {
    hardware: r.pathPackets[3]!, software: r.pathPackets[2]!, classic: r.pathPackets[1]!, shortcut: r.pathPackets[4]!,
  };
  const ft = r.ft.stats;
  const hwRefused: Record<string, number> = {};
  for (const [code, n] of ft.hwRefused) hwRefused[refusalName(code)] = n;
  const notAdded: Record<string, number> = {};
  ft.addRefused.forEach((n, i) => { if (i > 0 && n > 0) notAdded[ADD_REFUSAL[i]!] = n; });
  const misses: Record<string, number> = {};
  ft.misses.forEach((n, i) => { if (i > 0 && n > 0) misses[FAST_PATH_MISS[i]!] = n; });
  const ctStats = r.ct.stats;
  const off = r.offloadCounts();
  // Cost model: cycles per packet on each road, from the SoC profile, for the packets of this run.
  const pps = (n: number): number => n / duration;
  const sqmPackets = sim.sqm.reduce((a, s) => a + s.shaped, 0);
  const cyclesPerSec = pps(paths.classic) * pathCycles(profile, 'classic') + pps(paths.software) * pathCycles(profile, 'software')
    + pps(paths.shortcut) * pathCycles(profile, 'software') + pps(sqmPackets) * profile.cycles.sqmShaper;
  const hz = profile.cpu.clockMhz * 1e6;
  const background = profile.cycles.hwBaseCyclesPerSec + (built.mode === 'hardware' ? off.hw * profile.cycles.hwHousekeepingPerFlowPerSec : 0);
  const cpuLoadOneCore = (cyclesPerSec + background / profile.cpu.cores) / hz;
  const offeredBits = (sim.transmittedBytes + 24 * sim.transmitted) * 8 / duration;
  const saturation = cpuLoadOneCore > 0 ? offeredBits / 1e6 / cpuLoadOneCore : Infinity;
  const interfaces: RunReport['interfaces'] = {};
  const topo = built.net.topo;
  for (let i = 1; i <= topo.count; i++) {
    if (topo.rxPackets[i]! + topo.txPackets[i]! === 0) continue;
    interfaces[topo.name(i)] = { rx_packets: topo.rxPackets[i]!, rx_bytes: topo.rxBytes[i]!, tx_packets: topo.txPackets[i]!, tx_bytes: topo.txBytes[i]! };
  }
  const sqm: RunReport['sqm'] = {};
  for (const s of sim.sqm) {
    const h = s.qdisc.sojourn;
    sqm[`${s.spec.device}${s.spec.direction === 'ingress' ? ':ingress' : ''}`] = {
      qdisc: s.spec.qdisc, rate_mbit: s.spec.rateMbit, shaped_packets: s.shaped, bypassed_packets: s.bypassed, dropped: s.dropped,
      p50_delay_ms: round(h.count > 0 ? h.p50 / 1e6 : 0), p99_delay_ms: round(h.count > 0 ? h.p99 / 1e6 : 0),
    };
  }
  const tr = sim.traffic;
  const totalPackets = sim.offered + r.generated;
  const interval = sim.timeline.length > 0 ? sim.timeline[0]!.t : duration * 1e9;
  const be = built.backend;
  const occ = be?.occupancy();
  const report: RunReport = {
    scenario: built.scenario.name,
    mode: built.mode,
    mode_overridden: built.modeOverridden,
    seed: built.seed,
    duration_s: duration,
    packets: {
      offered: sim.offered,
      transmitted: sim.transmitted,
      delivered_local: sim.deliveredLocal,
      dropped: r.dropped,
      queued: 0,
    },
    paths,
    drops,
    conntrack: {
      entries: r.ct.entries, max: r.ct.capacity ?? 0, found: ctStats.found, invalid: ctStats.invalid, insert: ctStats.insert,
      insert_failed: ctStats.insertFailed, drop: ctStats.drop, early_drop: ctStats.earlyDrop, offloaded: off.offloaded, hw_offloaded: off.hw,
    },
    flowtable: {
      flows_added: ft.flowsAdded, active_flows: r.ft.table.count, teardowns: ft.teardowns, expired: ft.expired,
      hw_offloaded: ft.hwOffloaded, hw_refused: hwRefused, not_added: notAdded, fast_path_misses: misses,
    },
    hardware: be && occ ? {
      backend: be.name, bound: occ.bound, unbound: occ.unbound, binds: be.counters.binds,
      refused: Object.fromEntries([...be.counters.refusals].map((n, i) => [refusalName(i), n] as const).filter(([k, n]) => n > 0 && k !== 'accepted')),
    } : null,
    sqm,
    traffic: {
      flows: tr.flows, handshakes: tr.handshakes, failed_handshakes: tr.failedHandshakes, resets: tr.resets, icmp_errors: tr.icmpErrors,
      goodput_mbit_up: round((tr.bytesToServer * 8) / duration / 1e6), goodput_mbit_down: round((tr.bytesToClient * 8) / duration / 1e6),
    },
    interfaces,
    model: {
      soc: profile.name, cpu_cores: profile.cpu.cores, cpu_mhz: profile.cpu.clockMhz,
      cpu_load: round(cpuLoadOneCore, 4),
      saturation_mbps: Number.isFinite(saturation) ? round(saturation, 1) : 0,
      cycles_per_packet: {
        classic: round(pathCycles(profile, 'classic'), 0), software: round(pathCycles(profile, 'software'), 0), hardware: 0, sqm: profile.cycles.sqmShaper,
      },
    },
    engine: {
      packets_per_second: wallMs > 0 ? round((totalPackets / wallMs) * 1000, 0) : 0,
      ns_per_packet: totalPackets > 0 ? round((wallMs * 1e6) / totalPackets, 1) : 0,
      wall_ms: round(wallMs, 1),
      stages: Object.fromEntries(PATH_NAMES.map((name, i) => [name === 'none' ? 'dropped_on_receive' : name, sim.profilePackets[i]! > 0 ? round(sim.profileNs[i]! / sim.profilePackets[i]!, 1) : 0] as const).filter(([, v]) => v > 0)),
    },
    timeline: {
      interval_s: interval / 1e9,
      t_s: sim.timeline.map((s) => round(s.t / 1e9, 4)),
      hardware: sim.timeline.map((s) => s.paths[3]!),
      software: sim.timeline.map((s) => s.paths[2]!),
      classic: sim.timeline.map((s) => s.paths[1]!),
      dropped: sim.timeline.map((s) => s.dropped),
      cpu_load: sim.timeline.map((s) => round(((s.paths[1]! * pathCycles(profile, 'classic') + s.paths[2]! * pathCycles(profile, 'software')) / (interval / 1e9) + background / profile.cpu.cores) / hz, 4)),
      sqm_delay_ms: sim.timeline.map((s) => round(s.sqmDelayMs)),
    },
    expect: { passed: true, failures: [] },
    log: { messages: r.logged, first: r.formatLog().slice(0, 50) },
    notes: [...built.notes],
  };
  // Everything not transmitted, delivered or dropped is still in a queue or on a wire.
  report.packets.queued = totalPackets - sim.transmitted - sim.deliveredLocal - r.dropped - r.floodCopiesFreed;
  void cpuLoad;
  return report;
}

function safeName(code: number): string {
  try {
    return dropReasonName(code);
  } catch {
    return `reason_${code}`;
  }
}

export function checkExpectations(sc: Scenario, report: RunReport): void {
  const failures: string[] = [];
  for (const e of sc.expect) {
    if (!e.modes.includes(report.mode)) continue;
    try {
      const expr = parseExpect(e.expr);
      const v = evalExpect(expr, report);
      if (v === false || v === 0) {
        failures.push(`${e.loc.file}:${e.loc.line}:${e.loc.col}: expect failed: ${e.expr} (${explainExpect(expr, report).join(', ')})`);
      }
    } catch (err) {
      const msg = err instanceof ExpectEvalError ? err.message : (err as Error).message;
      failures.push(`${e.loc.file}:${e.loc.line}:${e.loc.col}: expect error: ${e.expr}: ${msg}`);
    }
  }
  report.expect = { passed: failures.length === 0, failures };
}

/** The final conntrack table in `conntrack -L` format, one entry per line. */
export function conntrackListing(built: Built, now: number): string {
  const lines: string[] = [];
  built.router.ct.forEachHandle((h) => {
    lines.push(formatEntry(built.router.ct, h, now));
  });
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
