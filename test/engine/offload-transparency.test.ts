/**
 * Offload is transparent on the wire (issue 6).
 *
 * The flowtable fast path (nf_flow_offload_ip_hook → nf_flow_offload_forward → the flow's NAT
 * mangling, ip_decrease_ttl, then neigh_xmit or the cached L2 header) must put on the wire exactly
 * the bytes the classic path (ip_forward → nf_nat_manip_pkt → ip_finish_output2) would, in the same
 * order per flow: Documentation/networking/nf_flowtable.rst — "The flowtable ... decrements the TTL
 * field ... and applies NAT". The hardware engine must rewrite exactly as the software fast path
 * (mtk_ppe/mtk_flow_offload_replace builds the FOE entry from the same flow_rule the software path
 * uses). Conntrack ends in the same states.
 *
 * Where the kernel is NOT transparent, these tests pin down the kernel's behaviour:
 * - rules in forward stop counting offloaded packets (tools/testing/selftests/net/netfilter/
 *   nft_flowtable.sh: "the counters in forward hook should always be lower than the size of the
 *   transmitted file"), and `log` rules stop seeing them;
 * - a UDP connection offloaded before its first reply keeps IPS_SEEN_REPLY clear, since the reply
 *   takes the fast path and never reaches nf_conntrack_in (nft_flow_offload_eval has no
 *   seen-reply test for UDP; flow_offload_fixup_ct reads IPS_SEEN_REPLY_BIT to pick the UDP
 *   timeout for exactly that case — Pablo Neira Ayuso on netfilter-devel: "UDP_CT_UNREPLIED
 *   timeout will be always used for UDP traffic if it is offloaded and no traffic from the classic
 *   path was seen").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IPS_ASSURED, IPS_SEEN_REPLY } from '../../src/conntrack/constants.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groupYaml, PPPOE_HOSTS, trafficArb, type FlowGroup } from './arbitraries.ts';
import {
  chainRulePackets, conntrackStates, firstFrameDifference, runRecorded, scenarioFromYaml, scenarioYaml,
  type CtState, type RecordedRun, type TxFrame,
} from './helpers.ts';

/** More runs for a bug hunt: FLOWSIM_PROPERTY_RUNS=200 npx vitest run test/engine */
const RUNS = Number(process.env.FLOWSIM_PROPERTY_RUNS ?? 0);

function scenarioFor(groups: readonly FlowGroup[], seed: number): ReturnType<typeof scenarioFromYaml> {
  return scenarioFromYaml(scenarioYaml({ seed, duration: '600ms', traffic: groups.map((g, i) => groupYaml(g, i)) }), 'transparency.yaml');
}

const EXAMPLE = fileURLToPath(new URL('../../sim-scenarios/mt7621-pppoe.yaml', import.meta.url));
const FW4_PPPOE = fileURLToPath(new URL('../../sim-scenarios/rulesets/fw4-pppoe.nft', import.meta.url));

/** The example's topology (DSA ports, br-lan, PPPoE on wan) and its fw4 ruleset, with random traffic. */
function pppoeScenarioFor(groups: readonly FlowGroup[], seed: number): ReturnType<typeof scenarioFromYaml> {
  const text = readFileSync(EXAMPLE, 'utf8');
  const topology = text.slice(text.indexOf('device:'), text.indexOf('ruleset:'));
  return scenarioFromYaml(`name: pppoe transparency\nseed: ${seed}\nduration: 600ms\n${topology}ruleset: ${FW4_PPPOE}\ntraffic:\n${groups.map((g, i) => `  - ${groupYaml(g, i, PPPOE_HOSTS)}`).join('\n')}\n`, 'pppoe-transparency.yaml');
}

/** The L4 protocol of a transmitted frame (IPv4/IPv6 behind a plain Ethernet header). */
function l4Of(f: TxFrame): number {
  const b = Buffer.from(f.hex.slice(0, 120), 'hex');
  const et = b.readUInt16BE(12);
  return et === 0x0800 ? b[14 + 9]! : et === 0x86dd ? b[14 + 6]! : -1;
}

/**
 * Compares two final conntrack tables: same connections, same TCP states, same status bits — except
 * that a UDP connection still offloaded in `off` may lack IPS_SEEN_REPLY (and IPS_ASSURED, which
 * nf_conntrack_udp_packet sets only after seeing the stream) because its replies took the fast path.
 */
function expectSameConntrack(classic: readonly CtState[], off: readonly CtState[], label: string): void {
  expect(off.map((c) => c.key), `${label}: the same connections`).toEqual(classic.map((c) => c.key));
  classic.forEach((c, i) => {
    const o = off[i]!;
    expect(o.tcpState, `${label}: TCP state of ${c.key}`).toBe(c.tcpState);
    if (c.l4proto === 17 && o.offloaded) {
      const missing = c.status & ~o.status;
      expect(o.status & ~c.status, `${label}: status bits only the offload run has (${c.key})`).toBe(0);
      expect(missing & ~(IPS_SEEN_REPLY | IPS_ASSURED), `${label}: status bits lost by the offloaded UDP connection ${c.key}`).toBe(0);
    } else {
      expect(o.status.toString(16), `${label}: status of ${c.key}`).toBe(c.status.toString(16));
    }
  });
}

function fastPathUdp(run: RecordedRun): number {
  return run.frames.filter((f) => f.path >= 2 && l4Of(f) === 17).length;
}

describe('offload is transparent: the wire and conntrack do not depend on the mode', () => {
  it('random traffic leaves every interface byte-identical in modes none and software; conntrack ends in the same states', () => {
    let sawFast = 0, sawClassic = 0;
    fc.assert(
      fc.property(trafficArb, fc.integer({ min: 1, max: 1000 }), (groups, seed) => {
        const sc = scenarioFor(groups, seed);
        const none = runRecorded(sc, 'none');
        const sw = runRecorded(sc, 'software');
        sawFast += sw.report.paths.software;
        sawClassic += sw.report.paths.classic;
        // The same packets were offered (the hosts react only to what they receive).
        expect(sw.report.packets.offered).toBe(none.report.packets.offered);
        const diff = firstFrameDifference(none.frames, sw.frames, 'none', 'software');
        expect(diff).toBeNull();
        expect(sw.report.traffic).toEqual(none.report.traffic);
        expect(sw.report.drops).toEqual(none.report.drops);
        expectSameConntrack(conntrackStates(none.built), conntrackStates(sw.built), 'software vs none');

        // Not transparent, as in the kernel: forward-chain counters and log rules miss offloaded packets.
        // Rule 1 of forward is a bare `counter` every forwarded packet reaches on the classic path.
        const cNone = chainRulePackets(none.built, 'forward')[1]!;
        const cSw = chainRulePackets(sw.built, 'forward')[1]!;
        expect(cSw + sw.report.paths.software).toBe(cNone);
        if (sw.report.paths.software > 0) expect(cSw).toBeLessThan(cNone);
        // Rule 2 is `meta l4proto udp log`: it sees every forwarded UDP packet except the offloaded ones.
        expect(sw.built.router.logged + fastPathUdp(sw)).toBe(none.built.router.logged);
      }),
      { numRuns: RUNS || 10, seed: RUNS ? Date.now() : 0x5eed, endOnFailure: true },
    );
    // The property is not vacuous: both roads were taken.
    expect(sawFast).toBeGreaterThan(0);
    expect(sawClassic).toBeGreaterThan(0);
  });

  it('through DSA ports, a bridge and a PPPoE session with the fw4 ruleset: none and software put the same bytes on the wire', () => {
    let sawFast = 0;
    fc.assert(
      fc.property(trafficArb, fc.integer({ min: 1, max: 1000 }), (groups, seed) => {
        const sc = pppoeScenarioFor(groups, seed);
        const none = runRecorded(sc, 'none');
        const sw = runRecorded(sc, 'software');
        sawFast += sw.report.paths.software;
        expect(sw.report.packets.offered).toBe(none.report.packets.offered);
        expect(firstFrameDifference(none.frames, sw.frames, 'none', 'software')).toBeNull();
        expect(sw.report.traffic).toEqual(none.report.traffic);
        expectSameConntrack(conntrackStates(none.built), conntrackStates(sw.built), 'software vs none (PPPoE)');
        const hw = runRecorded(sc, 'hardware');
        expect(firstFrameDifference(sw.frames, hw.frames, 'software', 'hardware')).toBeNull();
      }),
      { numRuns: RUNS || 4, seed: RUNS ? Date.now() : 0x9909e, endOnFailure: true },
    );
    expect(sawFast).toBeGreaterThan(0);
  });

  it('the hardware engine rewrites frames exactly as the software fast path does (MT7621 PPE)', () => {
    let sawHw = 0;
    fc.assert(
      fc.property(trafficArb, fc.integer({ min: 1, max: 1000 }), (groups, seed) => {
        const sc = scenarioFor(groups, seed);
        const sw = runRecorded(sc, 'software');
        const hw = runRecorded(sc, 'hardware');
        sawHw += hw.report.paths.hardware;
        expect(hw.report.packets.offered).toBe(sw.report.packets.offered);
        expect(firstFrameDifference(sw.frames, hw.frames, 'software', 'hardware')).toBeNull();
        expect(hw.report.traffic).toEqual(sw.report.traffic);
        // Forward-chain counters see only the classic packets in either offload mode.
        const cSw = chainRulePackets(sw.built, 'forward')[1]!;
        const cHw = chainRulePackets(hw.built, 'forward')[1]!;
        expect(cHw + hw.report.paths.software + hw.report.paths.hardware).toBe(cSw + sw.report.paths.software);
      }),
      { numRuns: RUNS || 5, seed: RUNS ? Date.now() : 0x4a7d, endOnFailure: true },
    );
    expect(sawHw).toBeGreaterThan(0);
  });
});

describe('where the kernel is not transparent', () => {
  // Ten seconds of a UDP stream would make conntrack call it ASSURED; 600 ms is enough here.
  const udp = scenarioFromYaml(scenarioYaml({
    duration: '600ms',
    traffic: ['{ name: stream, client: pc, server: net, proto: udp, dport: 4500, direction: both, rate: 1Mbit, size: 200, duration: 500ms }'],
  }), 'udp-unreplied.yaml');

  it('a UDP flow offloaded before its first reply stays [UNREPLIED] in conntrack (replies take the fast path)', () => {
    const none = runRecorded(udp, 'none');
    const sw = runRecorded(udp, 'software');
    expect(firstFrameDifference(none.frames, sw.frames, 'none', 'software')).toBeNull();
    const [cn] = conntrackStates(none.built);
    const [cs] = conntrackStates(sw.built);
    expect(cn!.status & IPS_SEEN_REPLY).toBe(IPS_SEEN_REPLY);
    // The client's second packet (the connection is confirmed by then) is offloaded before the server's
    // first answer comes back 4 ms later: nft_flow_offload_eval does not wait for a reply on UDP.
    expect(cs!.offloaded).toBe(true);
    expect(cs!.status & IPS_SEEN_REPLY).toBe(0);
    expect(sw.report.flowtable.not_added['connection not confirmed yet']).toBe(1);
  });

  it('a forward-chain counter counts only the packets of the classic path', () => {
    const none = runRecorded(udp, 'none');
    const sw = runRecorded(udp, 'software');
    const cNone = chainRulePackets(none.built, 'forward')[1]!;
    const cSw = chainRulePackets(sw.built, 'forward')[1]!;
    expect(cNone).toBe(none.report.packets.transmitted);
    expect(cSw).toBe(sw.report.paths.classic);
    expect(cSw).toBeLessThan(10);
    expect(sw.built.router.logged).toBe(cSw);
    expect(none.built.router.logged).toBe(cNone);
  });
});
