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

const cases: BenchCase[] = [];
for (const flows of [1024, 65536]) for (let s = 0; s < STAGES.length; s++) cases.push(stageCase(s, flows));

export default defineSuite('stages', cases);
