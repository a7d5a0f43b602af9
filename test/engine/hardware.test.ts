/**
 * Hardware offload, end to end: what users of MediaTek (and other) flow engines run into.
 * - The PPE binds a flow only once it reaches 30 packets/s (mtk_ppe_check_skb is called for
 *   packets the PPE hands to the CPU with reason HIT_UNBIND_RATE_REACHED; REFERENCE.md §3): slower
 *   flows stay on the software fast path.
 * - Packets forwarded by the PPE never reach the CPU, hence never pass a qdisc: SQM on the WAN is
 *   bypassed (OpenWrt wiki: hardware offload is incompatible with SQM), while the software fast path
 *   still transmits through the device's qdisc. An engine that shapes in hardware (Airoha) does not
 *   bypass it.
 * - On SoCs without a flow engine `flags offload` is refused (nf_flow_table_offload_setup returns
 *   -EOPNOTSUPP when no device takes TC_SETUP_FT) and the software flowtable keeps working.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.ts';
import { fw4Ruleset, runRecorded, TEST_POOL_SLOTS, scenarioFromYaml, scenarioYaml } from './helpers.ts';

const PATH_HARDWARE = 3;
const EXAMPLE_DIR = fileURLToPath(new URL('../../sim-scenarios/', import.meta.url));

/** A router whose WAN is its own GMAC and whose LAN ports sit on the switch (MT798x, EN7581, x86). */
function gmacTopology(soc: string): string {
  return `
device:
  soc: ${soc}
interfaces:
  - { name: eth0, kind: ethernet }
  - { name: wan, kind: ethernet, addresses: [203.0.113.2/24] }
  - { name: lan1, kind: ${soc === 'generic-x86' ? 'ethernet' : 'dsa, conduit: eth0'}, addresses: [192.168.1.1/24] }
  - { name: lan2, kind: ${soc === 'generic-x86' ? 'ethernet' : 'dsa, conduit: eth0'}, addresses: [192.168.2.1/24] }
routes:
  - { dst: default, via: 203.0.113.1 }
hosts:
  - { name: pc, interface: lan1, addresses: [192.168.1.10] }
  - { name: pc2, interface: lan2, addresses: [192.168.2.10] }
  - { name: net, interface: wan, addresses: [0.0.0.0/0], delay: 2ms }
`;
}

const TCP_BOTH_WAYS = '{ name: bulk, client: pc, server: net, proto: tcp, direction: both, rate: 5Mbit, end: none }';

describe('MediaTek PPE binding rate (MT7621)', () => {
  it('a UDP flow at 5 packets/s never reaches the hardware path while a flow at 200 packets/s does', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '2s',
      traffic: [
        // 100-byte frames: 0.004 Mbit/s = 5 frames/s each way; 500-byte frames at 0.8 Mbit/s = 200/s.
        '{ name: slow, client: pc, server: net, proto: udp, dport: 5000, direction: both, rate: 0.004Mbit, size: 100 }',
        '{ name: fast, client: pc, server: net, proto: udp, dport: 5001, direction: both, rate: 0.8Mbit, size: 500 }',
      ],
    }), 'ppe-bind-rate.yaml');
    const r = runRecorded(sc, 'hardware');
    const slow = r.frames.filter((f) => f.flow === 0);
    const fast = r.frames.filter((f) => f.flow === 1);
    expect(slow.length).toBeGreaterThanOrEqual(15);
    // Offloaded to the flowtable (and learned by the PPE) but never bound: software fast path.
    expect(slow.filter((f) => f.path === PATH_HARDWARE)).toEqual([]);
    expect(slow.filter((f) => f.path === 2).length).toBeGreaterThan(10);
    expect(fast.filter((f) => f.path === PATH_HARDWARE).length / fast.length).toBeGreaterThan(0.8);
    expect(r.report.flowtable.hw_offloaded).toBe(2);
    // One FOE entry per direction: the fast flow's two are bound, the slow flow's two wait unbound.
    expect(r.report.hardware!.bound).toBe(2);
    expect(r.report.hardware!.unbound).toBe(2);
  });
});

describe('SQM and hardware offload', () => {
  const text = readFileSync(`${EXAMPLE_DIR}mt7621-pppoe.yaml`, 'utf8').replace('expect:', 'sqm: [{ device: pppoe-wan, qdisc: cake, rate: 50Mbit }]\nexpect:');
  const sc = scenarioFromYaml(text, 'mt7621-pppoe-sqm.yaml', EXAMPLE_DIR);

  it('on the MT7621 example, the PPE bypasses cake on pppoe-wan; the software fast path does not', () => {
    const sw = runScenario(sc, { mode: 'software', duration_s: 0.25, poolSlots: TEST_POOL_SLOTS });
    const hw = runScenario(sc, { mode: 'hardware', duration_s: 0.25, poolSlots: TEST_POOL_SLOTS });
    const s = sw.report.sqm['pppoe-wan']!;
    const h = hw.report.sqm['pppoe-wan']!;
    expect(s.bypassed_packets).toBe(0);
    expect(s.shaped_packets).toBeGreaterThan(1000);
    expect(h.bypassed_packets).toBeGreaterThan(1000);
    // Only what the CPU still forwards (handshakes, the first packets before the PPE binds) is shaped.
    expect(h.shaped_packets).toBeLessThan(h.bypassed_packets / 10);
    expect(hw.report.paths.hardware).toBeGreaterThan(0);
  });

  it('an engine that shapes in hardware (Airoha EN7581) keeps the shaper in the path', () => {
    const air = scenarioFromYaml(scenarioYaml({
      duration: '400ms', topology: gmacTopology('en7581'), ruleset: fw4Ruleset({ offloadFlag: true }),
      extra: 'sqm:\n  - { device: wan, qdisc: cake, rate: 50Mbit }\n', traffic: [TCP_BOTH_WAYS],
    }), 'en7581-sqm.yaml');
    const r = runRecorded(air, 'hardware');
    expect(r.report.paths.hardware).toBeGreaterThan(100);
    expect(r.report.sqm.wan!.bypassed_packets).toBe(0);
    expect(r.report.sqm.wan!.shaped_packets).toBeGreaterThan(100);
  });
});

describe('SoC profiles', () => {
  for (const soc of ['mt7981', 'mt7986']) {
    it(`${soc}: LAN ports on the switch and the WAN on its own GMAC both reach the hardware path`, () => {
      const sc = scenarioFromYaml(scenarioYaml({ duration: '400ms', topology: gmacTopology(soc), ruleset: fw4Ruleset({ offloadFlag: true, devices: ['lan1', 'wan'] }), traffic: [TCP_BOTH_WAYS] }), `${soc}.yaml`);
      const r = runRecorded(sc, 'hardware');
      expect(r.report.notes).toEqual([]);
      expect(r.report.hardware!.backend).toContain(soc.toUpperCase());
      for (const iface of ['lan1', 'wan']) {
        const out = r.frames.filter((f) => f.iface === iface);
        expect(out.filter((f) => f.path === PATH_HARDWARE).length / out.length, iface).toBeGreaterThan(0.8);
      }
      // The engine forwards what the software fast path would (same bytes, same order).
      const sw = runRecorded(sc, 'software');
      expect(r.frames.map((f) => f.hex)).toEqual(sw.frames.map((f) => f.hex));
    });
  }

  it('generic-x86: `flags offload` is refused with a note, and traffic still takes the software fast path', () => {
    const sc = scenarioFromYaml(scenarioYaml({ duration: '300ms', topology: gmacTopology('generic-x86'), ruleset: fw4Ruleset({ offloadFlag: true }), traffic: [TCP_BOTH_WAYS] }), 'x86.yaml');
    const r = runRecorded(sc, 'hardware');
    expect(r.report.notes.some((n) => n.startsWith('flags offload refused') && n.includes('EOPNOTSUPP'))).toBe(true);
    expect(r.report.hardware).toBeNull();
    expect(r.report.paths.hardware).toBe(0);
    expect(r.report.paths.software / r.report.packets.offered).toBeGreaterThan(0.9);
    expect(r.report.conntrack.hw_offloaded).toBe(0);
    expect(r.report.conntrack.offloaded).toBe(1);
  });
});
