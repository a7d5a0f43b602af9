/**
 * The whole-router frame fuzzer: a router built from a bundled scenario, fed valid frames (recorded
 * from a real run of that scenario, as its hosts put them on the wire) interleaved with mutated
 * ones (frame-mutators.ts), straight into Router.receive() with advancing virtual time and the
 * kernel's periodic work (conntrack GC, flowtable GC and offload work, engine aging).
 *
 * The sink stands for the wire: every frame the router transmits, delivers locally or drops is
 * counted and its buffer freed at once. After each input the pool's free count must be back at its
 * baseline — every frame, and every ICMP error/RST/echo reply/flood copy the router made from it,
 * ended transmitted, delivered or dropped — and every drop must carry a named reason.
 *
 * Used by router-frames.test.ts (a CI slice) and long.ts (the long mode, by hand).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import { buildScenario, type Built } from '../../src/sim/build.ts';
import { PATH_NAMES } from '../../src/sim/router.ts';
import { Rng } from '../../src/sim/rng.ts';
import type { Mode } from '../../src/scenario/types.ts';
import { DROP_REASON_COUNT, dropReasonName } from '../../src/wire/drop-reasons.ts';
import { MUTATORS, mutate, type MutatorName } from './frame-mutators.ts';

/** A frame as a host put it on a router port, with its arrival time in the recorded run. */
export interface IngressFrame {
  readonly port: number;
  readonly timeNs: number;
  readonly bytes: Uint8Array;
}

export function scenarioPath(name: string): string {
  return fileURLToPath(new URL(`../../sim-scenarios/${name}`, import.meta.url));
}

/**
 * Records the frames reaching the router's ports during the first `durationS` of a scenario's run
 * (by wrapping Router.receiveHw, where every arrival starts). Keeps at most `max`, spread evenly.
 */
export function recordIngress(scenarioFile: string, mode: Mode, durationS: number, max: number): IngressFrame[] {
  const sc = loadScenario(scenarioPath(scenarioFile));
  const all: IngressFrame[] = [];
  runScenario(sc, {
    mode, duration_s: durationS, poolSlots: 8192,
    onBuilt: (b) => {
      const r = b.router;
      const orig = r.receiveHw.bind(r);
      r.receiveHw = (slot: number, port: number, now: number): boolean => {
        all.push({ port, timeNs: now, bytes: b.pool.frame(slot).slice() });
        return orig(slot, port, now);
      };
    },
  });
  if (all.length <= max) return all;
  // Keep the first frames (handshakes) and an even spread of the rest.
  const out = all.slice(0, max >> 1);
  const step = (all.length - out.length) / (max - out.length);
  for (let i = 0; i < max - (max >> 1); i++) out.push(all[out.length + Math.floor(i * step)] ?? all[all.length - 1]!);
  return out;
}

export interface FuzzStats {
  frames: number;
  transmitted: number;
  delivered: number;
  dropped: number;
  /** Frames the router made (ICMP errors, RSTs, echo replies, flood copies). */
  generated: number;
  /** Flooded originals freed through the sink's dropped() after their copies went out. */
  floodFrees: number;
  /** Packets per road (router.pathPackets by PATH_NAMES index). */
  readonly paths: Record<string, number>;
  /** Inputs per mutator. */
  readonly perMutator: Map<MutatorName, number>;
  /** Drops by reason name (router.drops). */
  readonly dropsByReason: Record<string, number>;
  /** Failures: thrown exceptions, leaked buffers, drops without a reason (with the input to replay). */
  readonly failures: string[];
  /** Slowest single input, wall ms (a hang would show here, or time the test out). */
  maxFrameMs: number;
  wallMs: number;
}

export interface FuzzOptions {
  readonly scenario: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly frames: number;
  /** Valid frames to draw from (recorded once per scenario and reused). */
  readonly corpus: readonly IngressFrame[];
  /** Stop collecting failure descriptions after this many. */
  readonly maxFailures?: number;
}

const HOUSEKEEPING_NS = 10e6;

/** Runs the fuzzer once: replays the corpus to warm up the tables, then `frames` mixed inputs. */
export function fuzzRouter(opts: FuzzOptions): FuzzStats {
  const sc = loadScenario(scenarioPath(opts.scenario));
  const built: Built = buildScenario(sc, { mode: opts.mode, poolSlots: 4096 });
  const pool = built.pool;
  const router = built.router;
  const stats: FuzzStats = {
    frames: 0, transmitted: 0, delivered: 0, dropped: 0, generated: 0, floodFrees: 0, paths: {},
    perMutator: new Map(), dropsByReason: {}, failures: [], maxFrameMs: 0, wallMs: 0,
  };
  const maxFailures = opts.maxFailures ?? 20;
  let unnamedDrops = 0;
  router.sink = {
    transmit(slot) { stats.transmitted++; pool.free(slot); },
    deliverLocal(slot) { stats.delivered++; pool.free(slot); },
    dropped(slot) {
      stats.dropped++;
      // A flooded original is freed through dropped() after its copies went out (router.flood).
      if (pool.drop[slot] === 0) unnamedDrops++;
      pool.free(slot);
    },
  };
  const baseline = pool.available;
  const rng = new Rng(opts.seed);
  let now = 1e6;
  let nextHousekeeping = now + HOUSEKEEPING_NS;
  const corpus = opts.corpus;
  const housekeeping = (t: number): void => {
    while (nextHousekeeping <= t) {
      router.ct.gcStep(nextHousekeeping, 4096);
      router.ft.tick(nextHousekeeping);
      if (router.backend !== null) router.backend.tick(nextHousekeeping);
      nextHousekeeping += HOUSEKEEPING_NS;
    }
  };
  const fail = (what: string, m: MutatorName, input: Uint8Array, port: number): void => {
    if (stats.failures.length < maxFailures) {
      stats.failures.push(`${opts.scenario} ${opts.mode} seed ${opts.seed} input #${stats.frames} (${m}, port ${port}): ${what}\n  ${Buffer.from(input).toString('hex')}`);
    }
  };
  const feed = (bytes: Uint8Array, port: number, m: MutatorName): void => {
    stats.frames++;
    stats.perMutator.set(m, (stats.perMutator.get(m) ?? 0) + 1);
    const slot = pool.alloc();
    if (slot < 0) { fail('pool exhausted before the input', m, bytes, port); return; }
    pool.write(slot, bytes);
    const genBefore = router.generated;
    const unnamedBefore = unnamedDrops;
    const floodBefore = router.floodCopiesFreed;
    const t0 = performance.now();
    try {
      router.receive(slot, port, now);
    } catch (e) {
      fail(`exception: ${(e as Error).stack ?? String(e)}`, m, bytes, port);
      // Recover the buffers the failed input held, so one failure does not cascade.
      for (let s = 0; s < pool.capacity; s++) if (pool.isAllocated(s)) pool.free(s);
    }
    const dt = performance.now() - t0;
    if (dt > stats.maxFrameMs) stats.maxFrameMs = dt;
    stats.generated += router.generated - genBefore;
    if (pool.available !== baseline) {
      fail(`${baseline - pool.available} buffer(s) still held after the input: it never ended transmitted, delivered or dropped`, m, bytes, port);
      for (let s = 0; s < pool.capacity; s++) if (pool.isAllocated(s)) pool.free(s);
    }
    const unnamed = unnamedDrops - unnamedBefore - (router.floodCopiesFreed - floodBefore);
    if (unnamed > 0) fail('dropped without a reason', m, bytes, port);
  };

  const t0 = performance.now();
  // Warm-up: the recorded frames in order, at their own times, so connections are established and
  // (in software/hardware mode) offloaded before the mutated frames arrive.
  for (const f of corpus) {
    now = Math.max(now, f.timeNs);
    housekeeping(now);
    feed(f.bytes, f.port, 'valid');
  }
  const warm = stats.frames;
  while (stats.frames - warm < opts.frames) {
    now += 1000 + rng.int(200_000); // 1 µs – 200 µs apart: tables see time pass, flows stay alive a while
    housekeeping(now);
    const f = corpus[rng.int(corpus.length)]!;
    // One in four inputs is a valid frame, so flows keep their state and mutants meet live entries.
    const m = rng.int(4) === 0 ? 'valid' : MUTATORS[1 + rng.int(MUTATORS.length - 1)]!;
    const port = rng.int(64) === 0 ? 1 + rng.int(built.net.topo.count) : f.port; // now and then a wrong port
    feed(mutate(m, f.bytes, rng), port, m);
  }
  stats.wallMs = performance.now() - t0;
  stats.floodFrees = router.floodCopiesFreed;
  PATH_NAMES.forEach((name, i) => { if (i > 0) stats.paths[name] = router.pathPackets[i]!; });
  for (let i = 1; i < DROP_REASON_COUNT; i++) {
    const n = router.drops[i]!;
    if (n > 0) stats.dropsByReason[dropReasonName(i)] = n;
  }
  // drops[] past the named list would be an unnamed reason code.
  for (let i = DROP_REASON_COUNT; i < router.drops.length; i++) {
    if (router.drops[i]! > 0) stats.failures.push(`drop reason code ${i} has no name (${router.drops[i]} drops)`);
  }
  return stats;
}
