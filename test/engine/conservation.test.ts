/**
 * Packet conservation (issue 8): every frame a host offers and every frame the router makes itself
 * (ICMP errors from icmp_send, resets from nf_send_reset, bridge flood copies from br_flood) ends in
 * exactly one place — transmitted on a port, delivered to the local stack, dropped with a named
 * reason (the kernel's kfree_skb_reason), or still queued when the run stops:
 *
 *   offered + generated = transmitted + delivered_local + dropped + queued (+ flooded originals,
 *   each replaced by its copies), with queued ≥ 0 and no more than the buffers still in use.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Mode } from '../../src/scenario/types.ts';
import { loadScenario, runScenario, type RunResult } from '../../src/sim/run.ts';
import { groupYaml, trafficArb } from './arbitraries.ts';
import { conservation, fw4Ruleset, scenarioFromYaml, TEST_POOL_SLOTS, scenarioYaml, TWO_PORT_TOPOLOGY } from './helpers.ts';

const EXAMPLE = fileURLToPath(new URL('../../sim-scenarios/mt7621-pppoe.yaml', import.meta.url));
/** More runs for a bug hunt: FLOWSIM_PROPERTY_RUNS=200 npx vitest run test/engine */
const RUNS = Number(process.env.FLOWSIM_PROPERTY_RUNS ?? 0);
const MODES: readonly Mode[] = ['none', 'software', 'hardware'];

function expectConserved(r: RunResult, label: string): void {
  const c = conservation(r);
  expect(c.rhs, `${label}: offered + generated = transmitted + local + dropped + queued`).toBe(c.lhs);
  expect(c.queued, `${label}: queued`).toBeGreaterThanOrEqual(0);
  // Queued packets hold buffers (a frame on a host's wire holds one too, so ≤, not =).
  expect(c.queued, `${label}: queued ≤ buffers in use`).toBeLessThanOrEqual(c.inFlight);
  // Every drop has a reason, and the per-reason counts add up.
  const byReason = Object.values(r.report.drops).reduce((a, b) => a + b, 0);
  expect(byReason, `${label}: drops by reason`).toBe(r.report.packets.dropped);
  // Every transmitted frame went out of some port: the per-interface tx counters add up
  // (ports only: upper devices such as br-lan or pppoe-wan are not wires).
  let portTx = 0;
  const topo = r.built.net.topo;
  for (let i = 1; i <= topo.count; i++) if (r.built.isPort[i]) portTx += topo.txPackets[i]!;
  expect(portTx, `${label}: port tx counters`).toBe(r.report.packets.transmitted);
}

describe('packet conservation', () => {
  const example = loadScenario(EXAMPLE);
  for (const mode of MODES) {
    it(`holds for the MT7621 PPPoE example in mode ${mode}`, () => {
      const r = runScenario(example, { mode, duration_s: 0.15, poolSlots: TEST_POOL_SLOTS });
      expect(r.report.packets.offered).toBeGreaterThan(500);
      expectConserved(r, `example/${mode}`);
    });
  }

  it('holds for random traffic, MTUs that force ICMP errors, SQM that drops and queues, and a small buffer pool', () => {
    const seen = { dropped: 0, generated: 0, queued: 0 };
    fc.assert(
      fc.property(
        trafficArb,
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom<Mode>(...MODES),
        fc.constantFrom(0, 1280, 1400),
        fc.constantFrom('', 'cake', 'htb+fq_codel'),
        fc.constantFrom(0, 0, 384),
        (groups, seed, mode, mtu, sqm, poolSlots) => {
          // A smaller MTU on wan: big DF packets get ICMP fragmentation-needed (router-generated).
          const topology = mtu > 0 ? TWO_PORT_TOPOLOGY.replace('{ name: wan, kind: dsa, conduit: eth0,', `{ name: wan, kind: dsa, conduit: eth0, mtu: ${mtu},`) : TWO_PORT_TOPOLOGY;
          const extra = sqm !== '' ? `sqm:\n  - { device: wan, qdisc: ${sqm}, rate: 1Mbit }\n` : '';
          // The discard port is rejected with a TCP reset: a router-generated packet in every run.
          const ruleset = fw4Ruleset({ extraForward: 'tcp dport 9 reject with tcp reset' });
          const discard = '{ name: discard, client: pc, server: net, proto: tcp, dport: 9, rate: 1Mbit }';
          const sc = scenarioFromYaml(scenarioYaml({ seed, duration: '500ms', topology, extra, ruleset, traffic: [...groups.map((g, i) => groupYaml(g, i)), discard] }), 'conservation.yaml');
          const r = runScenario(sc, { mode, poolSlots: poolSlots > 0 ? poolSlots : TEST_POOL_SLOTS });
          expectConserved(r, `${mode} mtu=${mtu} sqm=${sqm || 'none'} pool=${poolSlots || 'default'}`);
          seen.dropped += r.report.packets.dropped;
          seen.generated += r.built.router.generated;
          seen.queued += r.report.packets.queued;
        },
      ),
      { numRuns: RUNS || 12, seed: RUNS ? Date.now() : 0xc0175, endOnFailure: true },
    );
    // Not vacuous: the runs dropped, generated and left packets queued.
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.generated).toBeGreaterThan(0);
    expect(seen.queued).toBeGreaterThan(0);
  });
});
