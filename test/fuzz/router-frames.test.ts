/**
 * Whole-router frame fuzzing (issue "Robustness", part 1). Valid frames recorded from two bundled
 * scenarios (PPPoE + DSA + bridge on an MT7621; dual-stack IPv4 NAT / routed IPv6 on an MT7622),
 * and mutants of them — truncated, wrong IP/UDP/PPPoE lengths, bad IHL, bad IP and L4 checksums,
 * odd ethertypes, 1–4 nested VLAN tags, IPv6 extension-header chains up to 12 long, ICMP/ICMPv6
 * errors quoting garbage or a damaged copy of a live flow, TTL 0/1, fragments, random bytes — go
 * through Router.receive() in each mode, with virtual time advancing and the periodic GC/offload
 * work running, so mutants meet established, offloaded and hardware-bound flows.
 *
 * What must hold, as the kernel's receive path guarantees (ip_rcv_core(), ipv6_rcv(),
 * nf_conntrack_in(), nf_flow_offload_ip_hook(): malformed input is counted and freed, never
 * crashes the box): no exception escapes; after every input the packet pool is back at its
 * baseline (the frame, and every ICMP error/RST the router made from it, ended transmitted,
 * delivered or dropped); every drop has a named reason (kfree_skb_reason); the counts add up.
 *
 * CI runs a slice with a fixed seed. The long mode (FLOWSIM_FUZZ_LONG=<frames per scenario and
 * mode>, or `npx tsx test/fuzz/long.ts`) runs the same harness at any size.
 */
import { describe, expect, it } from 'vitest';
import { MODES } from '../../src/scenario/types.ts';
import { MUTATORS } from './frame-mutators.ts';
import { fuzzRouter, recordIngress, type IngressFrame } from './router-harness.ts';

const LONG = Number(process.env.FLOWSIM_FUZZ_LONG ?? 0);
const FRAMES = LONG > 0 ? LONG : 6000;
const SEED = Number(process.env.FLOWSIM_FUZZ_SEED ?? 20240601);

describe.each(['mt7621-pppoe.yaml', 'dualstack.yaml'])('whole-router frame fuzzing on %s', (scenario) => {
  let corpus: IngressFrame[] | undefined;
  const getCorpus = (): IngressFrame[] => (corpus ??= recordIngress(scenario, 'software', 0.3, 300));

  it.each(MODES)(`mode %s: no exception, no leaked buffer, every drop named, counts add up`, (mode) => {
    const s = fuzzRouter({ scenario, mode, seed: SEED, frames: FRAMES, corpus: getCorpus() });
    expect(s.failures).toEqual([]);
    // Every mutator ran (the recorded frames include TCP, UDP, IPv4 and — on dualstack — IPv6).
    for (const m of MUTATORS) expect(s.perMutator.get(m) ?? 0, m).toBeGreaterThan(0);
    // Conservation: inputs + frames the router made = transmitted + delivered + dropped.
    expect(s.transmitted + s.delivered + s.dropped).toBe(s.frames + s.generated);
    // Every drop except a flooded original (freed after its copies went out) is counted by reason.
    const named = Object.values(s.dropsByReason).reduce((a, b) => a + b, 0);
    expect(named).toBe(s.dropped - s.floodFrees);
    // The mutants reached the checks they aim at, and valid traffic still got through.
    expect(s.dropsByReason.IP_CSUM ?? 0).toBeGreaterThan(0);
    expect(s.dropsByReason.IP_BAD_IHL ?? 0).toBeGreaterThan(0);
    expect(s.dropsByReason.TOO_MANY_TAGS ?? 0).toBeGreaterThan(0);
    expect(s.dropsByReason.IP_TTL_EXPIRED ?? 0).toBeGreaterThan(0);
    expect(s.transmitted).toBeGreaterThan(s.frames / 4);
    if (mode === 'software') expect(s.paths.software ?? 0).toBeGreaterThan(0);
    if (mode === 'hardware') expect(s.paths.hardware ?? 0).toBeGreaterThan(0);
  });
});
