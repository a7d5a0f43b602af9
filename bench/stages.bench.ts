/**
 * The software fast path stage by stage, in context: the e2e rig (two-port fw4 router, 1K and 64K
 * offloaded connections), each case running the stages up to one more than the case before it.
 * The difference between consecutive rows is what that stage costs where it runs — with the
 * frame, its slot and its flow's lines as the stages before it left them — which per-stage suites
 * in isolation (wire, conntrack, …) do not show.
 *
 *   harness      take a slot, restore the template's headers, free it
 *   + parse      parseFrame: Ethernet, IPv4 with its header checksum, TCP, the tuple
 *   + hook       nf_flow_offload_ip_hook's checks, the flow lookup, liveness, refresh
 *   + rewrite    NAT (address and port with incremental checksums) and the TTL
 *   + L2         take off the received Ethernet header, write the flow's cached one
 *
 * The full path (e2e `software` rows) adds the receive dispatch, neighbour output and transmit.
 *
 * The classic path likewise (1K established connections, full runs only), through the same
 * generated hook entry loops the router calls:
 *
 *   harness, + parse
 *   + PREROUTING      conntrack in (lookup, TCP state, refresh), the DNAT entry, fw4's chain
 *   + route, TTL      FIB lookup on the destination, ip_forward's TTL decrement
 *   + FORWARD         fw4's mangle_forward and forward chains (`flow offload` refused: classic mode)
 *   + POSTROUTING     the SNAT entry (masquerade), confirm
 *   + neighbour, L2   the next hop's entry, the Ethernet header
 *
 * The e2e `classic` rows add the receive dispatch and L2 demux, the router's checks and counters
 * between stages, the neighbour header cache and transmit.
 */
import { defineSuite, type BenchCase } from './case.ts';
import { BURST, takeRig } from './e2e-harness.ts';

const STAGES = ['harness', '+ parse', '+ flowtable hook', '+ rewrite (NAT, TTL)', '+ L2 header'] as const;

function stageCase(upTo: number, flows: number): BenchCase {
  return {
    name: `software fast path up to ${STAGES[upTo]}, ${flows / 1024}K flows`,
    mode: 'software',
    flows,
    packetsPerCall: BURST,
    setup: () => {
      const holder = takeRig({ topology: 'two-port', mode: 'software', flows });
      return () => holder.rig!.stagesBurst(upTo);
    },
  };
}

const CLASSIC_STAGES = ['harness', '+ parse', '+ PREROUTING', '+ route, TTL', '+ FORWARD', '+ POSTROUTING', '+ neighbour, L2 header'] as const;

function classicStageCase(upTo: number, flows: number): BenchCase {
  return {
    name: `classic path up to ${CLASSIC_STAGES[upTo]}, ${flows / 1024}K connections`,
    mode: 'classic',
    flows,
    packetsPerCall: BURST,
    setup: () => {
      const holder = takeRig({ topology: 'two-port', mode: 'classic', flows });
      return () => holder.rig!.classicStagesBurst(upTo);
    },
  };
}

const cases: BenchCase[] = [];
for (const flows of [1024, 65536]) for (let s = 0; s < STAGES.length; s++) cases.push(stageCase(s, flows));
// Full runs only: seven more rigs' worth of timing would take --quick past its minute.
if (!process.argv.includes('--quick')) for (let s = 0; s < CLASSIC_STAGES.length; s++) cases.push(classicStageCase(s, 1024));

export default defineSuite('stages', cases);
