/**
 * The kernel's TC_SETUP_FT glue between the flowtable and a hardware backend
 * (nf_flow_table_offload.c: nf_flow_rule_match / nf_flow_rule_route_ipv4 build a FLOW_CLS_REPLACE
 * for each direction from the flow's tuples and cached routes). It fills the backend's
 * OffloadRequest from the flow entry and turns cumulative hardware counters into the deltas the
 * flowtable adds to conntrack.
 */
import type { Flowtables, FlowHwOps } from '../flowtable/flowtable.ts';
import { NF_FLOW_SNAT, NF_FLOW_DNAT } from '../flowtable/types.ts';
import { DeviceKind, type Topology } from '../net/devices.ts';
import { DSA_TAG_MTK, DSA_TAG_NONE, DSA_TAG_OTHER, OffloadRequest, OFFLOAD_F_BIDIRECTIONAL, type HardwareBackend } from '../offload/types.ts';
import { ETH_P_PPP_SES } from '../wire/ethernet.ts';
import { TUPLE_WORDS, tupleInvert } from '../wire/tuple.ts';

export class HwAdapter implements FlowHwOps {
  private readonly req = new OffloadRequest();
  private readonly out7 = new Float64Array(7);
  private readonly lastPkts: Float64Array;
  private readonly lastBytes: Float64Array;

  constructor(
    private readonly backend: HardwareBackend,
    private readonly ft: Flowtables,
    private readonly topo: Topology,
    /** ifindex → index of the SoC profile's port (the engine's port), -1 when not one. */
    private readonly enginePort: Int32Array,
  ) {
    this.lastPkts = new Float64Array(ft.table.capacity);
    this.lastBytes = new Float64Array(ft.table.capacity);
  }

  replace(flow: number, now: number): number {
    const t = this.ft.table;
    const r = this.req;
    r.reset();
    r.flowId = flow;
    const tw = t.tuples;
    const k0 = t.tupleBase(flow * 2);
    r.family = tw[k0 + 9]! >>> 8;
    r.l4proto = tw[k0 + 9]! & 0xff;
    r.flags = OFFLOAD_F_BIDIRECTIONAL;
    const nat = (t.flags(flow) & (NF_FLOW_SNAT | NF_FLOW_DNAT)) !== 0;
    for (let dir = 0; dir < 2; dir++) {
      const e = flow * 2 + dir;
      const k = t.tupleBase(e);
      const ko = t.tupleBase(e ^ 1);
      for (let i = 0; i < TUPLE_WORDS; i++) r.tuple[dir * TUPLE_WORDS + i] = tw[k + i]!;
      if (nat) tupleInvert(r.rewritten, dir * TUPLE_WORDS, tw, ko);
      else for (let i = 0; i < TUPLE_WORDS; i++) r.rewritten[dir * TUPLE_WORDS + i] = tw[k + i]!;
      const inIf = t.iif(e);
      r.inIfindex[dir] = inIf;
      r.inPort[dir] = this.enginePort[inIf] ?? -1;
      this.encapsInto(r, dir, t.inEncap0(e), t.inEncap1(e), true);
      r.inDsaPort[dir] = this.topo.kind[inIf] === DeviceKind.DSA_USER ? this.topo.dsaPort[inIf]! : -1;
      r.inDsaTag[dir] = this.dsaTag(inIf);
      const outIf = t.outIf(e);
      const port = t.outPort(e);
      r.outIfindex[dir] = outIf;
      // A NEIGH flow's output is an upper device (br-lan, pppoe-wan): not an engine port.
      r.outPort[dir] = t.xmit(e) === 3 ? this.enginePort[port] ?? -1 : this.enginePort[outIf] ?? -1;
      this.encapsInto(r, dir, t.outEncap0(e), t.outEncap1(e), false);
      r.outDsaPort[dir] = this.topo.kind[port] === DeviceKind.DSA_USER ? this.topo.dsaPort[port]! : -1;
      r.outDsaTag[dir] = this.dsaTag(port);
      r.setMac('src', dir, t.srcMacHi(e), t.srcMacLo(e));
      r.setMac('dst', dir, t.dstMacHi(e), t.dstMacLo(e));
      r.mtu[dir] = t.mtu(e);
    }
    this.lastPkts[flow] = 0;
    this.lastBytes[flow] = 0;
    return this.backend.replace(r, now);
  }

  private dsaTag(dev: number): number {
    if (this.topo.kind[dev] !== DeviceKind.DSA_USER) return DSA_TAG_NONE;
    return this.topo.dsaTagProto[dev] === 'mtk' ? DSA_TAG_MTK : DSA_TAG_OTHER;
  }

  private encapsInto(r: OffloadRequest, dir: number, e0: number, e1: number, inbound: boolean): void {
    let vlans = 0;
    for (const w of [e0, e1]) {
      if (w === 0) continue;
      const proto = w >>> 16;
      if (proto === ETH_P_PPP_SES) {
        if (inbound) r.inPppoeSid[dir] = w & 0xffff;
        else r.outPppoeSid[dir] = w & 0xffff;
      } else if (vlans < 2) {
        if (inbound) { r.inVlanId[dir * 2 + vlans] = w & 0xffff; r.inVlanTpid[dir * 2 + vlans] = proto; }
        else { r.outVlanId[dir * 2 + vlans] = w & 0xffff; r.outVlanTpid[dir * 2 + vlans] = proto; }
        vlans++;
      }
    }
    if (inbound) r.inVlanCount[dir] = vlans;
    else r.outVlanCount[dir] = vlans;
  }

  destroy(flow: number): void {
    this.backend.destroy(flow);
  }

  stats(flow: number, out: Float64Array): void {
    const o = this.out7;
    const has = this.backend.stats(flow, o);
    out[2] = o[2]!;
    if (!has) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    out[0] = o[0]! - this.lastPkts[flow]!;
    out[1] = o[1]! - this.lastBytes[flow]!;
    this.lastPkts[flow] = o[0]!;
    this.lastBytes[flow] = o[1]!;
  }
}
