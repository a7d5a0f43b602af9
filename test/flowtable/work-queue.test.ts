/**
 * The offload work queue as nf_flow_table_offload.c runs it: one work item per flow at a time
 * (nf_flow_offload_work_alloc refuses while NF_FLOW_HW_PENDING), so a flow torn down while its
 * REPLACE is pending gets its DESTROY only after the REPLACE ran — the GC retries it each pass
 * (nf_flow_offload_del sets NF_FLOW_HW_DYING only once the work is queued) — and is freed once
 * the hardware entry is dead, putting its connection.
 */
import { describe, expect, it } from 'vitest';
import { Flowtables, type FlowHwOps } from '../../src/flowtable/flowtable.ts';
import { NF_FLOW_HW_ACCEPTED, NF_FLOW_HW_DEAD, NF_FLOW_HW_DYING, NF_FLOW_HW_PENDING, NF_FLOW_TEARDOWN, newFlowRouteDir, type FlowCtOps } from '../../src/flowtable/types.ts';
import { TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../../src/wire/tuple.ts';

const MS = 1e6;

function rig(): { ft: Flowtables; log: string[] } {
  const log: string[] = [];
  const tuples = new Uint32Array(4 * 2 * TUPLE_WORDS);
  tupleSetV4(tuples, 0, 0x0a000001, 0x08080808, 6, 40000, 443);
  tupleInvert(tuples, TUPLE_WORDS, tuples, 0);
  const ct: FlowCtOps = {
    index: (h) => h,
    hold: (h) => { log.push(`hold ${h}`); },
    put: (h) => { log.push(`put ${h}`); },
    status: () => 0,
    setStatus: () => undefined,
    clearStatus: () => undefined,
    alive: () => true,
    fixup: () => undefined,
    extendTimeout: () => undefined,
    acct: () => undefined,
  };
  const ft = new Flowtables({ capacity: 4, seed: 1, ct, tuples, tupleStride: 2 * TUPLE_WORDS, hwWorkDelayNs: 1 * MS });
  ft.define({ name: 'ft', devices: [1, 2], counter: false, offload: true });
  const hw: FlowHwOps = {
    replace: (flow) => { log.push(`replace ${flow}`); return 0; },
    destroy: (flow) => { log.push(`destroy ${flow}`); },
    stats: (_flow, out) => { out[0] = 0; out[1] = 0; out[2] = -1; },
  };
  ft.hw = hw;
  return { ft, log };
}

describe('offload work queue (nf_flow_offload_work_alloc, nf_flow_offload_del)', () => {
  it('a flow torn down while its REPLACE is pending: the REPLACE runs, then the DESTROY, then the flow is freed', () => {
    const { ft, log } = rig();
    const a = newFlowRouteDir(), b = newFlowRouteDir();
    a.inIf = 1; b.inIf = 2;
    const flow = ft.add(0, 0, [a, b], 0);
    expect(flow).toBe(0);
    const t = ft.table;
    expect(t.flags(flow) & NF_FLOW_HW_PENDING).toBeTruthy();
    ft.teardown(flow, 0.2 * MS); // a FIN on the fast path
    // The GC sees the torn-down flow, but a work item is pending: no DESTROY, no HW_DYING yet.
    ft.gc(0.5 * MS);
    expect(t.flags(flow) & NF_FLOW_HW_DYING).toBe(0);
    expect(t.inUse(flow)).toBe(true);
    // The REPLACE runs (the kernel installs the rule regardless); the GC pass of the same tick
    // now queues the DESTROY.
    ft.tick(1.1 * MS);
    expect(log).toEqual(['hold 0', 'replace 0']);
    expect(t.flags(flow) & (NF_FLOW_HW_ACCEPTED | NF_FLOW_HW_DYING | NF_FLOW_TEARDOWN)).toBe(NF_FLOW_HW_ACCEPTED | NF_FLOW_HW_DYING | NF_FLOW_TEARDOWN);
    ft.tick(2.2 * MS);
    expect(log).toEqual(['hold 0', 'replace 0', 'destroy 0']);
    expect(t.flags(flow) & NF_FLOW_HW_DEAD).toBeTruthy();
    // The next GC pass frees the flow and puts its connection.
    ft.gc(3 * MS);
    expect(t.inUse(flow)).toBe(false);
    expect(log).toEqual(['hold 0', 'replace 0', 'destroy 0', 'put 0']);
    expect(ft.stats.hwDestroyed).toBe(1);
  });
});
