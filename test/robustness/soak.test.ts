/**
 * Soak (issue "Robustness", part 3), the CI-sized run: a few thousand short flows churning through
 * an MT7621 in hardware mode. What must hold, as on a router that runs for months: memory does not
 * grow with the number of flows that came and went (flowsim preallocates its tables and packet
 * buffers; the per-packet path allocates nothing), and after the last flow's timeouts every table —
 * conntrack (gc_worker), flowtable (nf_flow_offload_gc_step) and the PPE (teardown, UNBIND aging) —
 * is back to zero entries. The long soak is `npx tsx test/robustness/soak.ts` (by hand).
 */
import { describe, expect, it } from 'vitest';
import { soak } from './soak-harness.ts';

describe('soak: flow churn in hardware mode', () => {
  it('every table is back to zero after the timeouts, and the heap stays flat after warm-up', () => {
    const r = soak(1500, 4);
    expect(r.report.expect.failures).toEqual([]);
    expect(r.dropped).toBe(0);
    expect(r.report.hardware!.binds).toBeGreaterThan(500);
    expect(r.ctEntries).toBe(0);
    expect(r.ftActive).toBe(0);
    expect(r.hwBound).toBe(0);
    expect(r.hwUnbound).toBe(0);
    // No unbounded growth: between two late samples (the churn is in steady state from ~30 %) the
    // heap grows by less than 20 % (+ 8 MB of slack for the collector's timing on a loaded box).
    const late = r.samples.filter((s) => s.at >= 0.3);
    expect(late.length).toBeGreaterThanOrEqual(3);
    const first = late[0]!, last = late[late.length - 1]!;
    expect(last.heapMB).toBeLessThan(first.heapMB * 1.2 + 8);
  });
});
