/**
 * Router.receiveBurst must be `receive` called on each frame in order: the burst look-ahead (parse
 * every frame, read the flow-table lines) may only change where memory is read first, never a
 * verdict, a byte on the wire or a counter. Two routers built from the same scenario get the same
 * frames — recorded from a real run, plus mutants (bad lengths and checksums, odd tags, TTL 1,
 * fragments, FIN/RST) — one through `receive`, the other in bursts of random sizes; every output
 * (kind, port, bytes, drop reason) and the routers' counters must be identical.
 */
import { describe, expect, it } from 'vitest';
import { buildScenario, type Built } from '../../src/sim/build.ts';
import { loadScenario } from '../../src/sim/run.ts';
import { Rng } from '../../src/sim/rng.ts';
import type { Mode } from '../../src/scenario/types.ts';
import { MUTATORS, mutate } from '../fuzz/frame-mutators.ts';
import { recordIngress, scenarioPath, type IngressFrame } from '../fuzz/router-harness.ts';

interface Run {
  readonly built: Built;
  readonly out: string[];
}

function router(scenario: string, mode: Mode): Run {
  const built = buildScenario(loadScenario(scenarioPath(scenario)), { mode, poolSlots: 4096 });
  const pool = built.pool;
  const out: string[] = [];
  const hex = (slot: number): string => Buffer.from(pool.frame(slot)).toString('hex');
  built.router.sink = {
    transmit(slot, port) { out.push(`tx ${port} ${hex(slot)}`); pool.free(slot); },
    deliverLocal(slot) { out.push(`local ${hex(slot)}`); pool.free(slot); },
    dropped(slot) { out.push(`drop ${pool.drop[slot]}`); pool.free(slot); },
  };
  return { built, out };
}

function counters(r: Run): unknown {
  const rt = r.built.router;
  const ft = rt.ft.stats;
  return {
    drops: Array.from(rt.drops), paths: Array.from(rt.pathPackets), generated: rt.generated,
    ft: { hits: ft.fastPathHits, misses: Array.from(ft.misses), added: ft.flowsAdded, teardowns: ft.teardowns },
    ct: rt.ct.count, available: r.built.pool.available,
  };
}

describe.each(['mt7621-pppoe.yaml', 'dualstack.yaml'])('receiveBurst on %s', (scenario) => {
  let corpus: IngressFrame[] | undefined;
  const getCorpus = (): IngressFrame[] => (corpus ??= recordIngress(scenario, 'software', 0.3, 400));

  it.each(['none', 'software', 'hardware'] as const)('mode %s: same outputs and counters as receive() frame by frame', (mode) => {
    const frames = getCorpus();
    const a = router(scenario, mode);
    const b = router(scenario, mode);
    const rng = new Rng(7);
    const slotsA = new Int32Array(64), slotsB = new Int32Array(64), ports = new Int32Array(64);
    let now = 1e6;
    let i = 0;
    for (let round = 0; round < 120; round++) {
      const n = 1 + rng.int(64);
      for (let k = 0; k < n; k++) {
        const f = frames[i++ % frames.length]!;
        // One frame in five is a mutant; the rest replay the recorded traffic (so flows are
        // established, offloaded and, in hardware mode, bound while mutants arrive).
        const bytes = rng.int(5) === 0 ? mutate(MUTATORS[rng.int(MUTATORS.length)]!, f.bytes, rng) : f.bytes;
        const sa = a.built.pool.alloc(), sb = b.built.pool.alloc();
        a.built.pool.write(sa, bytes);
        b.built.pool.write(sb, bytes);
        slotsA[k] = sa;
        slotsB[k] = sb;
        ports[k] = f.port;
      }
      for (let k = 0; k < n; k++) a.built.router.receive(slotsA[k]!, ports[k]!, now);
      b.built.router.receiveBurst(slotsB, ports, n, now);
      now += 2e6;
      for (const r of [a, b]) {
        r.built.router.ct.gcStep(now, 4096);
        r.built.router.ft.tick(now);
        r.built.router.backend?.tick(now);
      }
    }
    expect(b.out.length).toBe(a.out.length);
    for (let k = 0; k < a.out.length; k++) if (b.out[k] !== a.out[k]) expect(`#${k} ${b.out[k]}`).toBe(`#${k} ${a.out[k]}`);
    expect(counters(b)).toEqual(counters(a));
    // The comparison means something: frames went every way.
    const kinds = new Set(a.out.map((o) => o.split(' ')[0]));
    expect(kinds.has('tx') && kinds.has('drop')).toBe(true);
    if (mode !== 'none') expect(a.built.router.ft.stats.fastPathHits + a.built.router.pathPackets[3]!).toBeGreaterThan(0);
  });
});
