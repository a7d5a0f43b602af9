/**
 * A flow holds a reference on its connection (flow_offload_alloc takes it with nf_ct_get,
 * flow_offload_free drops it with nf_ct_put), and flowsim's flows read their tuples from the
 * connection's record. Deleting an offloaded connection (`conntrack -D`) must therefore: take it
 * out of conntrack at once, make the fast path miss (nf_ct_is_dying → the flow is torn down), keep
 * the record — tuples intact, never handed to a new connection — until the flowtable GC frees the
 * flow, and only then free it. Traffic of the connection goes on through the classic path, which
 * makes a new connection; that one is offloaded once the old flow is gone.
 */
import { describe, expect, it } from 'vitest';
import { IPS_OFFLOAD } from '../../src/conntrack/constants.ts';
import { buildScenario } from '../../src/sim/build.ts';
import { loadScenario } from '../../src/sim/run.ts';
import type { Mode } from '../../src/scenario/types.ts';
import { recordIngress, scenarioPath } from '../fuzz/router-harness.ts';

describe.each(['software', 'hardware'] as const)('deleting an offloaded connection (%s mode)', (mode: Mode) => {
  it('tears its flow down, keeps the record until the flow is freed, then frees it; the traffic is offloaded again', () => {
    const frames = recordIngress('mt7621-pppoe.yaml', 'software', 0.3, 600);
    const built = buildScenario(loadScenario(scenarioPath('mt7621-pppoe.yaml')), { mode, poolSlots: 4096 });
    const { router, pool } = built;
    let sent = 0;
    built.router.sink = {
      transmit(slot) { sent++; pool.free(slot); },
      deliverLocal(slot) { pool.free(slot); },
      dropped(slot) { pool.free(slot); },
    };
    const ct = router.ct, ft = router.ft, t = ft.table;
    let now = 1e6;
    let i = 0;
    const step = (n: number): void => {
      for (let k = 0; k < n; k++) {
        const f = frames[i++ % frames.length]!;
        const s = pool.alloc();
        pool.write(s, f.bytes);
        router.receive(s, f.port, now);
        now += 2e5;
        if (k % 16 === 0) { ct.gcStep(now, 4096); ft.tick(now); router.backend?.tick(now); }
      }
    };
    step(frames.length);
    // An offloaded flow and its connection.
    let flow = -1;
    for (let f = 0; f < t.capacity && flow < 0; f++) if (t.inUse(f) && !(t.flags(f) & 4)) flow = f;
    expect(flow).toBeGreaterThanOrEqual(0);
    const handle = t.ct(flow);
    expect(ct.indexOf(handle)).toBe(flow); // the flow id is the connection's entry
    expect(ct.statusOf(handle) & IPS_OFFLOAD).toBeTruthy();
    const words = (): number[] => Array.from(ct.tuples.subarray(t.tupleBase(flow * 2), t.tupleBase(flow * 2) + 20));
    const tuples = words();
    const count = ct.count;

    expect(ct.kill(handle)).toBe(true);
    expect(ct.isLive(handle)).toBe(false);
    expect(ct.isFlowHeld(handle)).toBe(true);
    expect(ct.count).toBe(count); // nf_conntrack_count drops at the last put, not at the delete
    const teardowns = ft.stats.teardowns;
    // Traffic goes on through the classic path (the fast path misses a dying connection:
    // flow_offload_lookup); the flowtable GC (every second) tears the flow down, then frees it
    // once its hardware entry, if any, is dead. Until then the record is untouched.
    const sent0 = sent;
    let k = 0;
    for (; k < 200 && t.inUse(flow) && t.ct(flow) === handle; k++) {
      expect(words()).toEqual(tuples);
      expect(ct.isFlowHeld(handle)).toBe(true);
      step(50); // 10 ms
    }
    expect(k).toBeGreaterThan(50); // ≥ 0.5 s: the record outlived the delete
    expect(t.inUse(flow) && t.ct(flow) === handle).toBe(false);
    expect(sent).toBeGreaterThan(sent0);
    expect(ft.stats.teardowns).toBeGreaterThan(teardowns);
    expect(ct.isHeld(handle)).toBe(false);
    // The connection's packets made a new connection, offloaded again once the old flow was gone.
    step(frames.length);
    let again = -1;
    for (let f = 0; f < t.capacity && again < 0; f++) {
      if (!t.inUse(f) || t.ct(f) === handle) continue;
      const w = Array.from(ct.tuples.subarray(t.tupleBase(f * 2), t.tupleBase(f * 2) + 20));
      if (w.every((x, j) => x === tuples[j])) again = f;
    }
    expect(again).toBeGreaterThanOrEqual(0);
  });
});
