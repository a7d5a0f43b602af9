/**
 * Floods, as the kernel behaves (issue "Robustness", part 2). The scenario files carry the
 * headline expectations (and run in every mode in test/scenarios); these tests look closer at
 * what a report's totals cannot show.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IPS_ASSURED } from '../../src/conntrack/constants.ts';
import { PATH_HARDWARE } from '../../src/buffers/pool.ts';
import { loadScenario, runScenario } from '../../src/sim/run.ts';

const scenario = (f: string): string => fileURLToPath(new URL(`../../sim-scenarios/${f}`, import.meta.url));

describe('floods', () => {
  it('PPE one-bucket flood: at most the bucket\'s two ways carry uploads in hardware; the other flows stay in software and lose nothing (mtk_foe_entry_usable, __mtk_ppe_check_skb)', () => {
    let built: ReturnType<typeof runScenario>['built'] | undefined;
    const hwFlows = new Set<number>();
    const txFlows = new Set<number>();
    const { report } = runScenario(loadScenario(scenario('flood-ppe-bucket.yaml')), {
      mode: 'hardware', poolSlots: 8192,
      onBuilt: (b) => { built = b; },
      onTransmit: (slot, port) => {
        const pool = built!.pool;
        if (built!.net.topo.name(port) !== 'wan') return; // uploads leave on wan
        txFlows.add(pool.flow[slot]!);
        if (pool.path[slot] === PATH_HARDWARE) hwFlows.add(pool.flow[slot]!);
      },
    });
    expect(report.expect.failures).toEqual([]);
    expect(txFlows.size).toBe(32);
    expect(hwFlows.size).toBeGreaterThan(0);
    expect(hwFlows.size).toBeLessThanOrEqual(2);
    expect(report.packets.dropped).toBe(0);
  });

  it('UDP new-flow flood: early drop evicts only unassured entries; every ASSURED download survives (early_drop, nf_ct_is_dying/IPS_ASSURED)', () => {
    const { report, built } = runScenario(loadScenario(scenario('flood-udp.yaml')), { mode: 'software', poolSlots: 8192, duration_s: 2.5 });
    expect(report.conntrack.early_drop).toBeGreaterThan(1000);
    expect(report.drops.CT_TABLE_FULL ?? 0).toBeGreaterThan(0);
    // The 400 TCP downloads are still in the table, ASSURED, at the end of the flood.
    const ct = built.router.ct;
    let assuredTcp = 0;
    ct.forEachHandle((h) => { if (ct.l4protoOf(h) === 6 && (ct.statusOf(h) & IPS_ASSURED)) assuredTcp++; });
    expect(assuredTcp).toBe(400);
    expect(report.traffic.resets).toBe(0);
  });
});
