/**
 * The router: one Linux box built from the layers below, doing what the kernel does with a frame
 * from the moment it arrives on a port until it leaves on one, is delivered locally, or is dropped
 * with a named reason.
 *
 *   port rx ─► hardware engine (rxLookup) ── hit ──► rewrite, L2, out (no CPU, no hooks, no qdisc)
 *          ─► flowtable hooks on each device of the rx chain (nf_flow_offload_ip_hook) ── hit ──► NAT,
 *             TTL, cached L2 or neighbour output ──► egress
 *          ─► L2 demux (VLAN, PPPoE, bridge) ─► ip_rcv ─► PREROUTING (conntrack −200, DNAT −100, …)
 *             ─► route ─► INPUT (local) | ip_forward (TTL, MTU) ─► FORWARD (`flow add`) ─► POSTROUTING
 *             (SNAT +100, confirm) ─► neighbour output (bridge/VLAN/PPPoE encap) ─► egress
 *
 * Egress (qdiscs, links, SQM, hosts) belongs to the simulator; the router hands it frames through
 * `RouterSink`. The router implements `NetfilterHost`, so the rule engine reaches conntrack, NAT,
 * devices and the FIB only through it. Nothing here allocates per packet on the forwarding paths;
 * router-generated packets (ICMP errors, resets) take a fresh pool slot.
 */
import { PATH_CLASSIC, PATH_HARDWARE, PATH_SOFTWARE, PF_FRAGMENT, PF_ICMP_ERROR, PF_IP_OPTIONS, PF_L4_VALID, type PacketPool } from '../buffers/pool.ts';
import {
  conntrackIn, setUntracked, setupMasquerade, setupNat, allocNullBinding, natManglePlan, ctStateBit,
  type ConntrackTable, type NatRange as CtNatRange,
} from '../conntrack/index.ts';
import {
  IPS_ASSURED, IPS_CONFIRMED, IPS_DST_NAT_DONE, IPS_SRC_NAT, IPS_DST_NAT, IPS_NAT_DONE_MASK, IPS_NAT_MASK, IPS_OFFLOAD, IPS_SRC_NAT_DONE, TCP_CONNTRACK_ESTABLISHED,
  IP_CT_DIR_ORIGINAL, IPS_HW_OFFLOAD, IPS_SEEN_REPLY, IP_CT_RELATED, IP_CT_RELATED_REPLY, ctinfoDir,
} from '../conntrack/constants.ts';
import { NAT_CHANGE_DADDR, NAT_CHANGE_DPORT, NAT_CHANGE_SADDR, NAT_CHANGE_SPORT, NAT_PLAN_WORDS } from '../conntrack/nat.ts';
import { Flowtables, ADD_OK } from '../flowtable/flowtable.ts';
import { pushL2, replaceL2, stripToL3 } from '../flowtable/l2.ts';
import { encapWord, FLOW_KEY_WORDS, FLOW_OFFLOAD_XMIT_DIRECT, FLOW_OFFLOAD_XMIT_NEIGH, K_ENCAP0, K_ENCAP1, newFlowRouteDir, type FlowRouteDir } from '../flowtable/types.ts';
import { DeviceKind, type Topology } from '../net/devices.ts';
import { fillForwardPath, pathInfo, decideForwardPath, ForwardPath, flowtableView, type FlowtableView, FP_FAIL_FDB } from '../net/forward-path.ts';
import { NO_ROUTE, RTN_BROADCAST, RTN_LOCAL, RTN_UNICAST } from '../net/fib.ts';
import type { Network } from '../net/builder.ts';
import { RxScratch, rxDemux, RX_DROP, RX_FLOOD, RX_FORWARD, RX_LOCAL } from '../net/rx.ts';
import {
  HOOK_FORWARD, HOOK_INPUT, HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_PREROUTING, NAT_KIND_MASQUERADE, NAT_KIND_REDIRECT,
  NAT_MANIP_SRC, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NF_IP_PRI_CONNTRACK, NF_IP_PRI_CONNTRACK_CONFIRM,
  REJECT_ICMP, REJECT_ICMPV6, REJECT_ICMPX, REJECT_TCP_RST, FIB_F_DADDR, FIB_F_IIF, FIB_F_OIF, FIB_RESULT_ADDRTYPE,
  type NatRange, type NetfilterHost,
} from '../netfilter/host.ts';
import { NF_ACCEPT, NF_DROP } from '../netfilter/verdict.ts';
import type { CompiledRuleset } from '../netfilter/compile.ts';
import type { BuiltinHook } from '../netfilter/hooks.ts';
import type { HardwareBackend } from '../offload/types.ts';
import { ShortcutFe, SfeConnectionInfo, SFE_ASSURED, SFE_CONFIRMED, SFE_ESTABLISHED, SFE_HELPER, SFE_LOCAL, SFE_UNTRACKED } from '../offload/sfe.ts';
import { PATH_SHORTCUT } from '../buffers/pool.ts';
import { buildIcmpEchoReply, buildIcmpError, buildTcpReset } from '../wire/builder.ts';
import { buildIpv4Fragment, ipv4FragmentStep } from '../wire/fragment.ts';
import { DropReason, DROP_REASON_COUNT, dropReasonDescription, dropReasonName } from '../wire/drop-reasons.ts';
import { FAST_PATH_MISS, ADD_REFUSAL } from '../flowtable/flowtable.ts';
import { cpuReasonName } from '../offload/types.ts';
import { ETH_P_IP, ETH_P_IPV6, ETH_P_PPP_SES } from '../wire/ethernet.ts';
import { ipv4DecTtl, ipv6DecHopLimit, natIcmpInnerV4, natIcmpInnerV6, natIcmpSetEchoId, natIpv4SetDst, natIpv4SetSrc, natIpv6SetDst, natIpv6SetSrc, natSetDport, natSetSport } from '../wire/nat.ts';
import { parsedIpLength, parseFrame } from '../wire/parse.ts';
import { rd32 } from '../wire/bytes.ts';
import { mask32 } from '../net/addr.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, T_DST, T_PORTS, T_PROTO, T_SRC } from '../wire/tuple.ts';

/** Where the router's output goes: the simulator's egress (qdiscs, links, hosts). */
export interface RouterSink {
  /**
   * A frame leaves on physical port `port`. `viaDev` is the L3 device whose qdisc it passes
   * (0 for DIRECT transmit, which goes straight to the port's qdisc); `hardware` frames were
   * forwarded by the flow engine and never see a qdisc (unless the engine shapes in hardware).
   */
  transmit(slot: number, port: number, viaDev: number, hardware: boolean, now: number): void;
  /** A packet addressed to the router itself reached its local stack. */
  deliverLocal(slot: number, now: number): void;
  /** The slot's packet was dropped (already counted by the router); free it. */
  dropped(slot: number): void;
}

/** Counters per road, by PATH_* index. */
export const PATH_NAMES = ['none', 'classic', 'software', 'hardware', 'shortcut'] as const;

/** Everything the router is made of (built by sim/build.ts). */
export interface RouterParts {
  readonly pool: PacketPool;
  readonly net: Network;
  readonly ct: ConntrackTable;
  readonly flowtables: Flowtables;
  /** Hardware engine, when the mode is `hardware` and the SoC has one. */
  readonly backend: HardwareBackend | null;
  /** Shortcut-FE-style software accelerator (`device.shortcut: sfe`), or null. */
  readonly shortcut?: ShortcutFe | null;
  /** ifindex → the SoC profile's port index (for the engine), -1 when not an engine port. */
  readonly enginePort: Int32Array;
  /** ifindex → 1 when the device is a physical port (has a link). */
  readonly isPort: Uint8Array;
  readonly ttl: number;
  /** Flowtable devices by name per flowtable index (for forward-path resolution). */
  readonly flowtableDevices: readonly (readonly string[])[];
  readonly flowtableHw: readonly boolean[];
}

/** Log messages kept per run for the report; later ones are only counted. */
const LOG_KEEP = 1000;

const NEIGH_CACHE_SIZE = 256;
const NEIGH_CACHE_MASK = NEIGH_CACHE_SIZE - 1;

/**
 * Resolved L2 output per (device, next hop): a direct-mapped cache over typed arrays. 32-bit words
 * (MAC low words, encapsulation words) are kept as int32: values read from here are passed on to
 * replaceL2, and a uint32 above 2^31 crossing a call that is not inlined is boxed per packet.
 */
class NeighCache {
  readonly dev = new Int32Array(NEIGH_CACHE_SIZE).fill(-1);
  readonly nhHi = new Int32Array(NEIGH_CACHE_SIZE);
  readonly nhLo = new Int32Array(NEIGH_CACHE_SIZE);
  readonly at = new Float64Array(NEIGH_CACHE_SIZE);
  readonly port = new Int32Array(NEIGH_CACHE_SIZE);
  readonly e0 = new Int32Array(NEIGH_CACHE_SIZE);
  readonly e1 = new Int32Array(NEIGH_CACHE_SIZE);
  readonly dHi = new Int32Array(NEIGH_CACHE_SIZE);
  readonly dLo = new Int32Array(NEIGH_CACHE_SIZE);
  readonly sHi = new Int32Array(NEIGH_CACHE_SIZE);
  readonly sLo = new Int32Array(NEIGH_CACHE_SIZE);
}

/** Most frames one receiveBurst call takes (NAPI's budget is 64). */
export const BURST_MAX = 256;

const HOOK_TRACE_NAMES = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'];

const ICMP_TIME_EXCEEDED = 11;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;
const ICMPV6_TIME_EXCEED = 3;
const ICMPV6_PKT_TOOBIG = 2;
const ICMPV6_DEST_UNREACH = 1;

export class Router implements NetfilterHost {
  readonly pool: PacketPool;
  readonly net: Network;
  readonly topo: Topology;
  readonly ct: ConntrackTable;
  readonly ft: Flowtables;
  readonly backend: HardwareBackend | null;
  rules!: CompiledRuleset;
  sink: RouterSink;

  // --- accounting ---
  readonly pathPackets = new Float64Array(PATH_NAMES.length);
  readonly drops = new Float64Array(DROP_REASON_COUNT + 64);
  dropped = 0;
  deliveredLocal = 0;
  generated = 0;
  /** Originals of flooded frames, replaced by their copies (each copy counts as generated). */
  floodCopiesFreed = 0;
  /** Classic-path packets per hook traversal (cost model). */
  classicRuleEvals = 0;

  // --- trace of one packet (flowsim trace): only this slot allocates, and only while traced ---
  /** Slot being traced, or -1. */
  traceSlot = -1;
  /** The road of the traced packet, one line per step (nft trace lines included). */
  readonly traceLog: string[] = [];
  /** Path and final fate of the traced packet. */
  traceFate = '';
  private traceNftSeen = 0;

  /** Appends a step to the trace (call only when `slot === traceSlot`). */
  private note(text: string): void {
    this.traceLog.push(text);
  }

  /** Appends the nft trace lines recorded since the last call (the hooks' chains and rules). */
  private noteNft(): void {
    const ev = this.rules.trace.events;
    if (ev.length > this.traceNftSeen) {
      for (const line of this.rules.traceLines(ev.slice(this.traceNftSeen))) this.traceLog.push(`    ${line}`);
      this.traceNftSeen = ev.length;
    }
  }

  /** Runs a netfilter hook, noting the chains and verdict when the packet is traced. */
  private hook(hook: number, fam: number, slot: number, now: number): number {
    const traced = slot === this.traceSlot;
    if (traced) this.note(`  netfilter ${HOOK_TRACE_NAMES[hook]} (${fam === NFPROTO_IPV6 ? 'ip6' : 'ip'}):`);
    const v = this.rules.runHook(hook, fam, slot, now);
    if (traced) {
      this.noteNft();
      this.note(`    → ${v === NF_ACCEPT ? 'accept' : 'drop'}`);
    }
    return v;
  }

  private readonly parts: RouterParts;
  private readonly rx = new RxScratch();
  private readonly fp = new ForwardPath();
  private readonly nc = new NeighCache();
  /** The Shortcut-FE-style accelerator, and what it needs: packets per connection, learned ids. */
  readonly sfe: ShortcutFe | null;
  private readonly ctPackets: Uint32Array;
  private readonly sfeInfo = new SfeConnectionInfo();
  private sfeLearned = new Int32Array(1024);
  private sfeLearnedCount = 0;
  private readonly sfeSync = new Float64Array(5);
  private readonly fp2 = new ForwardPath();
  private readonly plainView: FlowtableView;
  private readonly ftViews: FlowtableView[];
  private readonly routes: [FlowRouteDir, FlowRouteDir] = [newFlowRouteDir(), newFlowRouteDir()];
  private readonly plan = new Uint32Array(NAT_PLAN_WORDS);
  private readonly scratchAddr = new Uint32Array(8);
  private readonly ctRange: CtNatRange = { flags: 0, minAddr: new Uint32Array(4), maxAddr: new Uint32Array(4), minPort: 0, maxPort: 0, basePort: 0 };
  private readonly ctPorts: CtNatRange = { flags: 0, minAddr: new Uint32Array(4), maxAddr: new Uint32Array(4), minPort: 0, maxPort: 0, basePort: 0 };
  /** Primary IPv4 / IPv6 address per device (0 / all-zero when none). */
  private readonly addr4: Uint32Array;
  /** Primary IPv4 addresses per device: entries primary4Start[dev] … primary4Start[dev + 1]. */
  private readonly primary4Start: Int32Array;
  private readonly primary4Addr: Uint32Array;
  private readonly primary4Mask: Int32Array;
  private readonly addr6: Uint32Array;
  /** Route chosen for the packet in flight (for flow add). */
  private curRoute = -1;
  private curNhHi = 0;
  private curNhLo = 0;
  private curNhValid = false;

  constructor(parts: RouterParts, sink: RouterSink) {
    this.parts = parts;
    this.pool = parts.pool;
    this.net = parts.net;
    this.topo = parts.net.topo;
    this.ct = parts.ct;
    this.ft = parts.flowtables;
    this.backend = parts.backend;
    this.sink = sink;
    const n = this.topo.count + 1;
    this.parseResult = new Uint16Array(parts.pool.capacity);
    this.rxHash = new Int32Array(parts.pool.capacity);
    this.rxEnc = new Int32Array(parts.pool.capacity * 2);
    this.rxHashKnown = new Uint8Array(parts.pool.capacity);
    this.sfe = parts.shortcut ?? null;
    this.ctPackets = new Uint32Array(this.sfe ? parts.ct.capacity : 0);
    this.addr4 = new Uint32Array(n);
    this.addr6 = new Uint32Array(n * 4);
    // Every device's IPv4 addresses in the order given, grouped by device, with their prefix
    // lengths, minus the secondary ones (a later address in the subnet of an earlier one with the
    // same prefix length: inet_insert_ifa), for masquerade's source choice.
    const addrs = parts.net.addresses;
    const v4 = addrs.filter((a, ia) => a.family === 4 && !addrs.some((b, ib) =>
      ib < ia && b.family === 4 && b.dev === a.dev && b.plen === a.plen && ((b.words[0]! ^ a.words[0]!) & mask32(a.plen)) === 0));
    v4.sort((a, b) => a.dev - b.dev);
    this.primary4Start = new Int32Array(n + 1);
    this.primary4Addr = Uint32Array.from(v4, (a) => a.words[0]!);
    this.primary4Mask = Int32Array.from(v4, (a) => mask32(a.plen));
    for (let d = 0, i = 0; d <= n; d++) {
      while (i < v4.length && v4[i]!.dev < d) i++;
      this.primary4Start[d] = i;
    }
    for (const a of parts.net.addresses) {
      if (a.family === 4 && this.addr4[a.dev] === 0) this.addr4[a.dev] = a.words[0]!;
      if (a.family === 6 && this.addr6[a.dev * 4] === 0 && this.addr6[a.dev * 4 + 1] === 0 && (a.words[0]! >>> 22) !== 0x3fa /* fe80::/10 */) {
        for (let i = 0; i < 4; i++) this.addr6[a.dev * 4 + i] = a.words[i]!;
      }
    }
    this.plainView = flowtableView(this.topo, [], false, 'ml');
    this.ftViews = parts.flowtableDevices.map((devs, i) => flowtableView(this.topo, devs, parts.flowtableHw[i] ?? false, 'ml'));
  }

  /** The built-in hook entries: conntrack at −200 (prerouting, output), confirm at INT_MAX (postrouting, input). */
  builtins(): BuiltinHook[] {
    const ctIn = (slot: number, now: number): number => {
      const r = conntrackIn(this.ct, this.pool, slot, now);
      if (r !== 0) {
        this.pool.drop[slot] = r;
        return NF_DROP;
      }
      this.pool.ctState[slot] = ctStateBit(this.pool.ct[slot]!, this.pool.ctInfo[slot]!);
      if (this.sfe !== null) {
        // Packets per connection (nf_conntrack acct), for Shortcut-FE's learning threshold.
        const h = this.pool.ct[slot]!;
        if (h >= 0) {
          const idx = this.ct.indexOf(h);
          this.ctPackets[idx] = this.ct.statusOf(h) & IPS_CONFIRMED ? this.ctPackets[idx]! + 1 : 1;
        }
      }
      return NF_ACCEPT;
    };
    const confirm = (slot: number, now: number): number => {
      const h = this.pool.ct[slot]!;
      if (h < 0 || this.ct.statusOf(h) & IPS_CONFIRMED) return NF_ACCEPT;
      // __nf_conntrack_confirm: a packet in the reply direction (a reset or ICMP error the router
      // sent about an unconfirmed connection, nf_ct_attach) does not confirm it.
      if (this.pool.ctDir[slot] !== IP_CT_DIR_ORIGINAL) return NF_ACCEPT;
      const r = this.ct.confirm(h, now);
      if (r !== 0) {
        this.pool.drop[slot] = r;
        return NF_DROP;
      }
      return NF_ACCEPT;
    };
    const sfeLearn = (slot: number, now: number): number => {
      this.sfeLearn(slot, now);
      return NF_ACCEPT;
    };
    return [
      ...(this.sfe !== null ? [{ name: 'sfe_cm_post_routing', family: NFPROTO_INET, hook: HOOK_POSTROUTING, priority: 101, run: sfeLearn }] : []),
      { name: 'nf_conntrack_in', family: NFPROTO_INET, hook: HOOK_PREROUTING, priority: NF_IP_PRI_CONNTRACK, run: ctIn },
      { name: 'nf_conntrack_in', family: NFPROTO_INET, hook: HOOK_OUTPUT, priority: NF_IP_PRI_CONNTRACK, run: ctIn },
      { name: 'nf_conntrack_confirm', family: NFPROTO_INET, hook: HOOK_POSTROUTING, priority: NF_IP_PRI_CONNTRACK_CONFIRM, run: confirm },
      { name: 'nf_conntrack_confirm', family: NFPROTO_INET, hook: HOOK_INPUT, priority: NF_IP_PRI_CONNTRACK_CONFIRM, run: confirm },
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Receive
  // ---------------------------------------------------------------------------------------------

  /** A frame in `slot` arrived on physical port `port` at `now`. */
  receive(slot: number, port: number, now: number): void {
    if (!this.receiveHw(slot, port, now)) this.receiveCpu(slot, port, now);
  }

  /**
   * A burst of `n` frames that arrived at `now` (frame `slots[i]` on port `ports[i]`), processed
   * exactly as `receive` would process them one after another — same order, same results — but in
   * stages, as NAPI and VPP work on a burst: every frame is parsed and the lines its flow lookup will
   * read (hash index slot, then flow record) are loaded for all frames first. Those loads do not
   * depend on one another, so the CPU overlaps their cache misses instead of taking them one packet
   * at a time; the lookups proper then find the lines in cache.
   */
  receiveBurst(slots: Int32Array, ports: Int32Array, n: number, now: number): void {
    if (n > BURST_MAX) throw new RangeError(`receiveBurst: at most ${BURST_MAX} frames per burst`);
    const pool = this.pool;
    const wf = this.burstWarm;
    const wb = this.burstWarmEngine;
    const ft = this.ft;
    const t = ft.table;
    const be = this.backend;
    const enginePort = this.parts.enginePort;
    // Stage 1: parse, hash, read the home index slot (engine's table, or the flowtable's).
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!, port = ports[i]!;
      const reason = this.parseRx(slot, port, now);
      wf[i] = 0;
      wb[i] = -1;
      if (reason !== 0) continue;
      const l3 = pool.l3proto[slot]!;
      if (l3 !== ETH_P_IP && l3 !== ETH_P_IPV6) continue;
      if (be !== null && enginePort[port]! >= 0) wb[i] = be.warmIndex(pool, slot, enginePort[port]!);
      else if (ft.isHooked(port)) {
        // The port hook's key hash, kept for the lookup proper (receiveCpu).
        const e0 = this.encapAt(slot, 0, true), e1 = this.encapAt(slot, 1, true);
        const h = t.hashOf(pool.tuple, slot * TUPLE_WORDS, port, e0, e1);
        this.rxHash[slot] = h;
        this.rxEnc[slot * 2] = e0;
        this.rxEnc[slot * 2 + 1] = e1;
        this.rxHashKnown[slot] = 1;
        wf[i] = t.warmIndex(h);
      }
    }
    // Stage 2: read the records those slots point at (the engine's rule, then the flow), keeping
    // each flow's conntrack handle.
    for (let i = 0; i < n; i++) {
      let h = -1;
      if (wb[i]! >= 0) {
        const e = be!.warmRecord(wb[i]!);
        if (e >= 0) h = t.warmEntry(e);
      } else if (wf[i] !== 0) h = t.warmRecord(wf[i]!);
      wf[i] = h;
    }
    // Stage 3: the connections' status lines (the fast path checks the connection is alive).
    let acc = 0;
    for (let i = 0; i < n; i++) acc ^= this.ct.warm(wf[i]!);
    this.warmSink = acc;
    // Stage 4: each frame as `receive` takes it.
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!, port = ports[i]!;
      if (!this.receiveParsed(slot, port, now)) this.receiveCpu(slot, port, now);
    }
  }

  /** Scratch of receiveBurst (index slot contents per frame), and where its look-ahead reads go. */
  private readonly burstWarm = new Int32Array(BURST_MAX);
  private readonly burstWarmEngine = new Int32Array(BURST_MAX);
  warmSink = 0;

  /**
   * First look at an arriving frame: parse it and let the flow engine take it. Returns true when
   * the frame is gone (forwarded in hardware, or dropped as malformed); otherwise the CPU receives
   * it with `receiveCpu` (after any ingress shaping).
   */
  receiveHw(slot: number, port: number, now: number): boolean {
    this.parseRx(slot, port, now);
    return this.receiveParsed(slot, port, now);
  }

  /** Records the arrival and parses the frame; returns parseFrame's result (kept on the slot). */
  private parseRx(slot: number, port: number, now: number): number {
    const pool = this.pool;
    pool.iif[slot] = port;
    pool.ts[slot] = now;
    const reason = parseFrame(pool, slot);
    this.parseResult[slot] = reason;
    this.rxHashKnown[slot] = 0;
    return reason;
  }

  /** receiveHw after parseRx. */
  private receiveParsed(slot: number, port: number, now: number): boolean {
    const pool = this.pool;
    const reason = this.parseResult[slot]!;
    const l4Broken = reason === DropReason.L4_TRUNCATED || reason === DropReason.TCP_BAD_DOFF || reason === DropReason.UDP_BAD_LENGTH;
    // A bad IPv4 header checksum is ip_rcv_core's to drop, later: a bridge forwards the frame at L2
    // and the flowtable's ingress hook (nf_flow_offload_ip_hook) never checks the checksum.
    if (reason !== 0 && !l4Broken && reason !== DropReason.UNKNOWN_ETHERTYPE && reason !== DropReason.IP_CSUM) {
      this.topo.rxDropped[port] = this.topo.rxDropped[port]! + 1;
      this.drop(slot, reason);
      return true;
    }
    const be = this.backend;
    const l3 = pool.l3proto[slot]!;
    if (be !== null && reason === 0 && (l3 === ETH_P_IP || l3 === ETH_P_IPV6) && this.parts.enginePort[port]! >= 0) {
      // The packet engine sees the frame before the CPU (mtk_ppe: FOE lookup on receive).
      const e = be.rxLookup(pool, slot, this.parts.enginePort[port]!, now);
      if (slot === this.traceSlot) this.note(e >= 0 ? `  hardware engine ${be.name}: hit, flow ${e >> 1} ${e & 1 ? 'reply' : 'original'} direction — forwarded by the engine, no CPU` : `  hardware engine ${be.name}: to the CPU (${cpuReasonName(be.lastCpuReason)})`);
      if (e >= 0) {
        this.topo.countRx(port, pool.len[slot]!);
        this.fastXmit(slot, e, PATH_HARDWARE, now);
        return true;
      }
    } else if (slot === this.traceSlot) this.note(be === null ? '  hardware engine: none in this mode' : `  hardware engine: ${this.topo.name(port)} is not an engine port`);
    return false;
  }

  /** parseFrame's result per slot, between receiveHw and receiveCpu. */
  private readonly parseResult: Uint16Array;
  /** The port hook's flowtable key hash per slot, when receiveBurst computed it (rxHashKnown 1). */
  private readonly rxHash: Int32Array;
  /** The key's two encapsulation words per slot, with rxHash. */
  private readonly rxEnc: Int32Array;
  private readonly rxHashKnown: Uint8Array;

  /** The CPU's receive path for a frame `receiveHw` left (its parse result is kept on the slot). */
  receiveCpu(slot: number, port: number, now: number): void {
    const pool = this.pool;
    // A broken transport header is not an IP-layer error: the kernel forwards it and conntrack
    // calls it invalid. Other ethertypes may still be bridged at L2.
    const reason = this.parseResult[slot]!;
    const l3 = pool.l3proto[slot]!;
    pool.iif[slot] = port;
    const isIp = reason !== DropReason.UNKNOWN_ETHERTYPE && (l3 === ETH_P_IP || l3 === ETH_P_IPV6);

    // Shortcut-FE's receive hook (a patched __netif_receive_skb): before netfilter, before the
    // flowtable's ingress hook.
    const sfe = this.sfe;
    if (sfe !== null && isIp && reason !== DropReason.IP_CSUM) {
      const e = sfe.lookup(pool, slot, now);
      if (slot === this.traceSlot) this.note(`  shortcut-fe: ${e >= 0 ? `hit, connection ${e >> 1}` : 'miss'}`);
      if (e >= 0) {
        this.topo.countRx(port, pool.len[slot]!);
        this.shortcutXmit(slot, e >> 1, e & 1, now);
        return;
      }
    }
    // Flowtable hook on the arrival port: sees the frame with all its tags (nf_flow_skb_encap_protocol).
    const ft = this.ft;
    if (slot === this.traceSlot) this.note(ft.isHooked(port) ? `  flowtable hook on ${this.topo.name(port)}:` : `  flowtable: no hook on ${this.topo.name(port)} (not in any flowtable's devices)`);
    if (isIp && ft.isHooked(port)) {
      const known = this.rxHashKnown[slot] === 1;
      const e0 = known ? this.rxEnc[slot * 2]! : this.encapAt(slot, 0, true);
      const e1 = known ? this.rxEnc[slot * 2 + 1]! : this.encapAt(slot, 1, true);
      const e = ft.hook(pool, slot, port, e0, e1, now, this.rxHash[slot]!, known);
      if (slot === this.traceSlot) this.note(`    ${e >= 0 ? `hit, flow ${e >> 1}` : `miss: ${FAST_PATH_MISS[ft.lastMiss]}`}`);
      if (e >= 0) {
        this.topo.countRx(port, pool.len[slot]!);
        this.fastXmit(slot, e, PATH_SOFTWARE, now);
        return;
      }
    }

    // L2 demultiplexing: DSA, VLAN, bridge, PPPoE (netif_receive_skb and the rx handlers).
    const f = this.rx;
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    f.setFrame((b[fs]! << 8) | b[fs + 1]!, ((b[fs + 2]! << 24) | (b[fs + 3]! << 16) | (b[fs + 4]! << 8) | b[fs + 5]!) >>> 0,
      (b[fs + 6]! << 8) | b[fs + 7]!, ((b[fs + 8]! << 24) | (b[fs + 9]! << 16) | (b[fs + 10]! << 8) | b[fs + 11]!) >>> 0, pool.len[slot]!);
    const flags = pool.pflags[slot]!;
    if (flags & 1 /* PF_VLAN */) {
      f.pushVlan(this.vlanProtoAt(slot, 0), pool.vlan0[slot]!);
      if (flags & 2 /* PF_QINQ */) f.pushVlan(this.vlanProtoAt(slot, 1), pool.vlan1[slot]!);
    }
    f.pppoeSid = flags & 4 /* PF_PPPOE */ ? pool.pppoeSid[slot]! : -1;
    const l3Dev = rxDemux(this.net, port, f, now);
    if (slot === this.traceSlot) {
      const chain: string[] = [];
      for (let i = 0; i < f.chainLen; i++) chain.push(this.topo.name(f.chainDev[i]!));
      this.note(`  receive: ${chain.join(' → ')}${f.verdict === RX_LOCAL ? ` (L3 device ${this.topo.name(l3Dev)})` : f.verdict === RX_FORWARD ? ` (bridged to ${this.topo.name(f.outPort)})` : f.verdict === RX_FLOOD ? ' (flooded)' : ''}`);
    }
    if (f.verdict === RX_DROP) {
      this.drop(slot, f.drop);
      return;
    }
    if (f.verdict === RX_FORWARD) {
      // Bridged at L2: the frame leaves unchanged on another port (br_forward).
      pool.path[slot] = PATH_CLASSIC;
      this.pathPackets[PATH_CLASSIC]!++;
      this.sink.transmit(slot, f.outPort, f.bridge, false, now);
      return;
    }
    if (f.verdict === RX_FLOOD) {
      this.flood(slot, f.bridge, f.inPort, now);
      return;
    }
    if (reason === DropReason.UNKNOWN_ETHERTYPE) {
      this.drop(slot, reason);
      return;
    }
    if (f.verdict !== RX_LOCAL || !isIp) {
      // ARP and PPPoE discovery for the router itself: not modelled, counted as delivered locally.
      this.local(slot, now);
      return;
    }
    // Flowtable hooks on the upper devices the frame passed (a VLAN device, the bridge, pppoe-wan).
    for (let i = 1; i < f.chainLen; i++) {
      const dev = f.chainDev[i]!;
      if (!ft.isHooked(dev)) continue;
      const vl = f.chainVlans[i]!;
      const nv = f.vlanCount;
      const pp = f.chainPppoe[i]! === 1;
      // Encaps still on the frame at this device: the innermost `vl` tags, then PPPoE.
      let e0 = 0, e1 = 0;
      if (vl >= 1) e0 = encapWord(f.vlanProto[nv - vl]!, f.vlanId[nv - vl]!);
      if (vl >= 2) e1 = encapWord(f.vlanProto[nv - 1]!, f.vlanId[nv - 1]!);
      if (pp) { if (vl === 0) e0 = encapWord(ETH_P_PPP_SES, pool.pppoeSid[slot]!); else if (vl === 1) e1 = encapWord(ETH_P_PPP_SES, pool.pppoeSid[slot]!); }
      const e = ft.hook(pool, slot, dev, e0, e1, now);
      if (slot === this.traceSlot) this.note(`  flowtable hook on ${this.topo.name(dev)}: ${e >= 0 ? `hit, flow ${e >> 1}` : `miss: ${FAST_PATH_MISS[ft.lastMiss]}`}`);
      if (e >= 0) {
        this.fastXmit(slot, e, PATH_SOFTWARE, now);
        return;
      }
    }
    if (reason === DropReason.IP_CSUM) {
      // ip_rcv_core: csum_error (the flowtable hooks above forward such a packet of an offloaded flow).
      this.topo.rxDropped[port] = this.topo.rxDropped[port]! + 1;
      this.drop(slot, reason);
      return;
    }
    this.classic(slot, l3Dev, now);
  }

  /** Encapsulation word `i` (0 outermost) of the received frame, as the flowtable keys it. */
  private encapAt(slot: number, i: number, withPppoe: boolean): number {
    const pool = this.pool;
    const flags = pool.pflags[slot]!;
    const nv = flags & 2 ? 2 : flags & 1 ? 1 : 0;
    if (i < nv) return encapWord(this.vlanProtoAt(slot, i), i === 0 ? pool.vlan0[slot]! : pool.vlan1[slot]!);
    if (i === nv && withPppoe && flags & 4) return encapWord(ETH_P_PPP_SES, pool.pppoeSid[slot]!);
    return 0;
  }

  private vlanProtoAt(slot: number, i: number): number {
    const b = this.pool.bytes;
    const at = this.pool.frameStart(slot) + 12 + i * 4;
    return (b[at]! << 8) | b[at + 1]!;
  }

  /** Floods an unknown-unicast frame to every other port of the bridge (br_flood). */
  private flood(slot: number, bridge: number, inPort: number, now: number): void {
    const topo = this.topo;
    const pool = this.pool;
    pool.path[slot] = PATH_CLASSIC;
    this.pathPackets[PATH_CLASSIC]!++;
    let sent = false;
    for (let i = topo.portStart[bridge]!; i < topo.portStart[bridge + 1]!; i++) {
      const p = topo.portList[i]!;
      if (p === inPort || topo.up[p] !== 1) continue;
      const copy = pool.alloc();
      if (copy < 0) break;
      pool.copyFrame(slot, copy);
      pool.flow[copy] = pool.flow[slot]!;
      this.generated++;
      this.sink.transmit(copy, p, bridge, false, now);
      sent = true;
    }
    if (!sent) {
      this.drop(slot, DropReason.BRIDGE_NO_PORT);
      return;
    }
    this.floodCopiesFreed++;
    this.sink.dropped(slot); // the original buffer: its copies went out
  }

  // ---------------------------------------------------------------------------------------------
  // Fast paths
  // ---------------------------------------------------------------------------------------------

  /**
   * Transmit on a flowtable entry: the flow's rewrite (NAT, TTL), then the cached L2 header
   * (DIRECT: nf_flow_queue_xmit) or the neighbour layer of the output device (NEIGH: neigh_xmit).
   * Used by the software fast path and, with `path = PATH_HARDWARE`, for the engine's forwarding,
   * so the frames are byte-identical.
   */
  private fastXmit(slot: number, e: number, path: number, now: number): void {
    const pool = this.pool;
    const ft = this.ft;
    const t = ft.table;
    ft.rewrite(pool, slot, e);
    const xmit = t.xmit(e);
    const outIf = t.outIf(e);
    const outPort = t.outPort(e);
    if (slot === this.traceSlot) this.note(`  ${path === PATH_HARDWARE ? 'engine' : 'fast path'}: NAT and TTL from flow ${e >> 1}, ${xmit === FLOW_OFFLOAD_XMIT_DIRECT ? `cached L2 header, out ${this.topo.name(outPort)} (DIRECT)` : `neighbour output via ${this.topo.name(outIf)} (NEIGH)`}`);
    pool.path[slot] = path;
    this.pathPackets[path]!++;
    if (xmit !== FLOW_OFFLOAD_XMIT_DIRECT) {
      // neigh_xmit: the neighbour layer takes the received header off and writes its own.
      pool.oif[slot] = outIf;
      this.neighOutput(slot, outIf, t.dstMacHi(e), t.dstMacLo(e), path === PATH_HARDWARE, now);
      return;
    }
    pool.oif[slot] = outIf;
    const family = pool.l3proto[slot] === ETH_P_IPV6 ? 6 : 4;
    const bad = replaceL2(pool, slot, family, t.dstMacHi(e), t.dstMacLo(e), t.srcMacHi(e), t.srcMacLo(e), t.outEncap0(e), t.outEncap1(e));
    if (bad !== 0) {
      this.drop(slot, bad);
      return;
    }
    if (slot === this.traceSlot) this.traceFate = `transmitted on ${this.topo.name(outPort)}`;
    this.sink.transmit(slot, outPort, 0, path === PATH_HARDWARE, now);
  }

  /**
   * A Shortcut-FE hit (sfe_ipv4_recv_tcp/udp): NAT and TTL from the connection, then the output
   * device's neighbour transmit — so the egress qdisc (SQM) still sees the packet. No netfilter
   * hook, no routing cache beyond the FIB, no conntrack update (SFE syncs counters later).
   */
  private shortcutXmit(slot: number, handle: number, dir: number, now: number): void {
    const pool = this.pool;
    if (!this.ct.isValid(handle)) {
      this.sfe!.destroy(handle);
      this.classicAfterSfeMiss(slot, now);
      return;
    }
    pool.ct[slot] = handle;
    pool.ctDir[slot] = dir;
    pool.path[slot] = PATH_SHORTCUT;
    this.pathPackets[PATH_SHORTCUT]!++;
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    if (pool.l3proto[slot] === ETH_P_IPV6) ipv6DecHopLimit(b, ip);
    else ipv4DecTtl(b, ip);
    this.natMangle(slot, 1 /* NF_NAT_MANIP_DST */);
    this.natMangle(slot, 0 /* NF_NAT_MANIP_SRC */);
    const r = this.routeDst(slot);
    if (r === NO_ROUTE || this.net.fib.type(r) !== RTN_UNICAST) {
      this.drop(slot, DropReason.IP_NOROUTE);
      return;
    }
    const outDev = this.net.fib.outDev(r);
    pool.oif[slot] = outDev;
    if (!this.resolveNextHop(slot, r, outDev)) {
      this.drop(slot, DropReason.NEIGH_FAILED);
      return;
    }
    this.neighOutput(slot, outDev, this.curNhHi, this.curNhLo, false, now);
  }

  /** A connection Shortcut-FE held whose conntrack entry is gone: the packet takes the normal stack. */
  private classicAfterSfeMiss(slot: number, now: number): void {
    const port = this.pool.iif[slot]!;
    const sfe = this.sfe;
    (this as { sfe: ShortcutFe | null }).sfe = null;
    this.receiveCpu(slot, port, now);
    (this as { sfe: ShortcutFe | null }).sfe = sfe;
  }

  /** sfe_cm_post_routing: offer the packet's connection to Shortcut-FE (after NAT). */
  private sfeLearn(slot: number, now: number): void {
    const sfe = this.sfe!;
    const pool = this.pool;
    const h = pool.ct[slot]!;
    const info = this.sfeInfo;
    const ct = this.ct;
    if (h < 0 || !ct.isValid(h)) return;
    if (sfe.has(h)) return;
    const st = ct.statusOf(h);
    info.connId = h;
    info.l4proto = ct.l4protoOf(h);
    info.flags = (st & IPS_CONFIRMED ? SFE_CONFIRMED : 0) | (st & IPS_ASSURED ? SFE_ASSURED : 0)
      | (info.l4proto === IPPROTO_TCP && ct.tcpStateOf(h) === TCP_CONNTRACK_ESTABLISHED ? SFE_ESTABLISHED : 0)
      | (ct.getHelper(h) !== 0 ? SFE_HELPER : 0) | (pool.iif[slot] === 0 ? SFE_LOCAL : 0) | (pool.ctInfo[slot] === 7 ? SFE_UNTRACKED : 0);
    info.packets = this.ctPackets[ct.indexOf(h)]!;
    for (let dir = 0; dir < 2; dir++) {
      const o = ct.tupleOffset(h, dir);
      for (let i = 0; i < TUPLE_WORDS; i++) info.tuple[dir * TUPLE_WORDS + i] = ct.tuples[o + i]!;
    }
    const mtuOut = this.topo.mtu[pool.oif[slot]!] ?? 1500;
    const mtuIn = this.topo.mtu[pool.iif[slot]!] ?? 1500;
    const dir = pool.ctDir[slot]!;
    info.mtu[dir] = mtuOut;
    info.mtu[dir ^ 1] = mtuIn;
    if (sfe.learn(info, now) === 0) {
      if (this.sfeLearnedCount === this.sfeLearned.length) {
        const bigger = new Int32Array(this.sfeLearned.length * 2);
        bigger.set(this.sfeLearned);
        this.sfeLearned = bigger;
      }
      this.sfeLearned[this.sfeLearnedCount++] = h;
    }
  }

  /**
   * sfe_cm_sync_rule, once a second: counters back to conntrack, whose timeout a busy connection
   * keeps refreshing; connections whose conntrack entry died leave the shortcut.
   */
  syncShortcut(now: number): void {
    const sfe = this.sfe;
    if (sfe === null) return;
    const ct = this.ct;
    const out = this.sfeSync;
    let w = 0;
    for (let i = 0; i < this.sfeLearnedCount; i++) {
      const h = this.sfeLearned[i]!;
      if (!ct.isValid(h) || !sfe.has(h)) {
        sfe.destroy(h);
        continue;
      }
      if (sfe.sync(h, out) && out[0]! + out[2]! > 0) {
        const l4 = ct.l4protoOf(h);
        const timeout = l4 === IPPROTO_TCP ? ct.tcpTimeouts[ct.tcpStateOf(h)]! : ct.udpStreamTimeout;
        ct.setTimeout(h, out[4]! + timeout);
        this.ctPackets[ct.indexOf(h)] = this.ctPackets[ct.indexOf(h)]! + out[0]! + out[2]!;
      }
      this.sfeLearned[w++] = h;
    }
    this.sfeLearnedCount = w;
    void now;
  }

  // ---------------------------------------------------------------------------------------------
  // Classic path
  // ---------------------------------------------------------------------------------------------

  private classic(slot: number, l3Dev: number, now: number): void {
    const pool = this.pool;
    pool.iif[slot] = l3Dev;
    pool.path[slot] = PATH_CLASSIC;
    this.pathPackets[PATH_CLASSIC]!++;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const fam = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    // A call site per hook (the generated entry loop inlines here); traced packets take hook().
    if ((slot === this.traceSlot ? this.hook(HOOK_PREROUTING, fam, slot, now) : this.rules.hooks.runner(HOOK_PREROUTING, fam)(slot, now, HOOK_PREROUTING)) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    // ip_route_input on the (possibly DNATed) destination.
    const r = this.routeDst(slot);
    const fib = this.net.fib;
    if (slot === this.traceSlot) this.note(`  route: ${r === NO_ROUTE ? 'no route' : `${['', 'unicast', 'local', 'broadcast', '', '', 'blackhole', 'unreachable', 'prohibit'][fib.type(r)] ?? 'type ' + fib.type(r)} via ${this.topo.name(fib.outDev(r))}`}`);
    if (r === NO_ROUTE) {
      this.icmpUnreachable(slot, v6 ? 0 : 0, now); // net unreachable / no route
      this.drop(slot, DropReason.IP_NOROUTE);
      return;
    }
    const type = fib.type(r);
    if (type === RTN_LOCAL || type === RTN_BROADCAST) {
      this.localIn(slot, now);
      return;
    }
    if (type !== RTN_UNICAST) {
      const icmp = fib.icmpFor(r, v6 ? 6 : 4);
      if (icmp >= 0) this.sendIcmpError(slot, v6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH, icmp, 0, now);
      this.drop(slot, fib.dropReasonFor(r));
      return;
    }
    this.forward(slot, r, now);
  }

  /** FIB lookup for the packet's current destination (from the packet bytes: NAT may have changed it). */
  private routeDst(slot: number): number {
    const pool = this.pool;
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    if (pool.l3proto[slot] === ETH_P_IPV6) {
      const w = this.scratchAddr;
      for (let i = 0; i < 4; i++) w[i] = ((b[ip + 24 + i * 4]! << 24) | (b[ip + 25 + i * 4]! << 16) | (b[ip + 26 + i * 4]! << 8) | b[ip + 27 + i * 4]!) >>> 0;
      return this.net.fib.lookupV6(w, 0);
    }
    // As int32 (lookupV4 takes either): a uint32 argument above 2^31 would be boxed per packet.
    return this.net.fib.lookupV4((b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!);
  }

  /** ip_forward / ip6_forward, then FORWARD and POSTROUTING, then the neighbour output. */
  private forward(slot: number, r: number, now: number): void {
    const pool = this.pool;
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const fib = this.net.fib;
    const outDev = fib.outDev(r);
    const ttl = v6 ? b[ip + 7]! : b[ip + 8]!;
    if (ttl <= 1) {
      // ip_forward: too_many_hops — ICMP time exceeded in transit, before the FORWARD hook.
      this.sendIcmpError(slot, v6 ? ICMPV6_TIME_EXCEED : ICMP_TIME_EXCEEDED, 0, 0, now);
      this.drop(slot, DropReason.IP_TTL_EXPIRED);
      return;
    }
    const mtu = fib.mtu(r) || this.topo.mtu[outDev]!;
    const ipLen = v6 ? 40 + ((b[ip + 4]! << 8) | b[ip + 5]!) : (b[ip + 2]! << 8) | b[ip + 3]!;
    // ip_exceeds_mtu → ICMP fragmentation needed (DF), ip6_pkt_too_big → ICMPv6 packet too big.
    // IPv4 without DF goes on and is fragmented after POSTROUTING (ip_finish_output → ip_fragment).
    if (ipLen > mtu && (v6 || b[ip + 6]! & 0x40)) {
      if (v6) this.sendIcmpError(slot, ICMPV6_PKT_TOOBIG, 0, mtu, now);
      else this.sendIcmpError(slot, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu, now);
      this.drop(slot, DropReason.PKT_TOO_BIG);
      return;
    }
    if (v6) ipv6DecHopLimit(b, ip);
    else ipv4DecTtl(b, ip);
    pool.oif[slot] = outDev;
    // Next hop for this route (kept for `flow add`).
    if (!this.resolveNextHop(slot, r, outDev)) {
      this.drop(slot, DropReason.NEIGH_FAILED);
      return;
    }
    this.curRoute = r;
    const fam = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    if ((slot === this.traceSlot ? this.hook(HOOK_FORWARD, fam, slot, now) : this.rules.hooks.runner(HOOK_FORWARD, fam)(slot, now, HOOK_FORWARD)) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    if ((slot === this.traceSlot ? this.hook(HOOK_POSTROUTING, fam, slot, now) : this.rules.hooks.runner(HOOK_POSTROUTING, fam)(slot, now, HOOK_POSTROUTING)) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    if (ipLen > mtu) {
      this.fragmentV4(slot, mtu, outDev, now);
      return;
    }
    this.neighOutput(slot, outDev, this.curNhHi, this.curNhLo, false, now);
  }

  /**
   * ip_fragment → ip_do_fragment (slow path) for a forwarded IPv4 packet without DF that is bigger
   * than the route MTU: after POSTROUTING (NAT and checksums done on the whole datagram), each
   * fragment goes to the neighbour output on its own; the original is consumed.
   */
  private fragmentV4(slot: number, mtu: number, dev: number, now: number): void {
    const pool = this.pool;
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    const hlen = (b[ip]! & 0x0f) << 2;
    const payload = ((b[ip + 2]! << 8) | b[ip + 3]!) - hlen;
    const step = ipv4FragmentStep(mtu, hlen);
    if (step < 8) { this.drop(slot, DropReason.PKT_TOO_BIG); return; }
    const nhHi = this.curNhHi, nhLo = this.curNhLo;
    for (let off = 0; off < payload; off += step) {
      const n = payload - off < step ? payload - off : step;
      const out = pool.alloc();
      if (out < 0) { this.drop(slot, DropReason.POOL_EXHAUSTED); return; }
      if (buildIpv4Fragment(pool, slot, out, off, n, off + n >= payload) === 0) {
        pool.free(out);
        this.drop(slot, DropReason.PKT_TOO_BIG);
        return;
      }
      pool.iif[out] = pool.iif[slot]!;
      pool.oif[out] = dev;
      pool.mark[out] = pool.mark[slot]!;
      pool.flow[out] = pool.flow[slot]!;
      pool.path[out] = pool.path[slot]!;
      pool.ts[out] = pool.ts[slot]!;
      this.generated++;
      this.neighOutput(out, dev, nhHi, nhLo, false, now);
    }
    // The original datagram is consumed by its fragments (accounted like a flooded original).
    this.floodCopiesFreed++;
    this.sink.dropped(slot);
  }

  /** Finds the next hop's MAC on `outDev` (static neighbours); devices without ARP need none. */
  private resolveNextHop(slot: number, r: number, outDev: number): boolean {
    const fib = this.net.fib;
    const pool = this.pool;
    this.curNhHi = 0;
    this.curNhLo = 0;
    this.curNhValid = false;
    const kind = this.topo.kind[outDev]!;
    if (kind === DeviceKind.PPPOE || kind === DeviceKind.LOOPBACK) {
      this.curNhValid = true;
      return true;
    }
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    let n: number;
    if (pool.l3proto[slot] === ETH_P_IPV6) {
      const w = this.scratchAddr;
      for (let i = 0; i < 4; i++) w[4 + i] = ((b[ip + 24 + i * 4]! << 24) | (b[ip + 25 + i * 4]! << 16) | (b[ip + 26 + i * 4]! << 8) | b[ip + 27 + i * 4]!) >>> 0;
      fib.nextHopV6(r, w, 4, w, 0);
      n = this.net.neigh.lookupV6(outDev, w, 0);
    } else {
      const daddr = ((b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!) >>> 0;
      n = this.net.neigh.lookupV4(outDev, fib.nextHopV4(r, daddr));
    }
    if (n < 0) return false;
    this.curNhHi = this.net.neigh.macHi(n);
    this.curNhLo = this.net.neigh.macLo(n) | 0;
    this.curNhValid = true;
    return true;
  }

  /**
   * Neighbour output on L3 device `dev` to MAC `nhHi:nhLo`: the device stack adds its headers
   * (bridge → port by FDB, VLAN tags, PPPoE session) as dev_queue_xmit on each upper device does.
   */
  private neighOutput(slot: number, dev: number, nhHi: number, nhLo: number, hardware: boolean, now: number): void {
    const pool = this.pool;
    // The neighbour's cached header (the kernel's hh_cache): the device walk for a (device, next
    // hop) pair is done once and reused until it is a second old, so bridge FDB moves are seen.
    nhLo |= 0; // the cache keys on int32 words
    const ci = (Math.imul(dev ^ Math.imul(nhLo, 0x9e3779b1) ^ (nhHi << 7), 0x85ebca6b) >>> 0) & NEIGH_CACHE_MASK;
    const nc = this.nc;
    let port: number, e0: number, e1: number, dHi: number, dLo: number, sHi: number, sLo: number;
    if (nc.dev[ci] === dev && nc.nhHi[ci] === nhHi && nc.nhLo[ci] === nhLo && now - nc.at[ci]! < 1e9 && slot !== this.traceSlot) {
      port = nc.port[ci]!; e0 = nc.e0[ci]!; e1 = nc.e1[ci]!;
      dHi = nc.dHi[ci]!; dLo = nc.dLo[ci]!; sHi = nc.sHi[ci]!; sLo = nc.sLo[ci]!;
    } else {
      const fp = this.fp;
      if (fillForwardPath(this.net, dev, nhHi, nhLo, now, fp) !== 0) {
        if (fp.fail === FP_FAIL_FDB) {
          // Unknown destination behind a bridge: the bridge floods (br_dev_xmit → br_flood).
          if (pool.l3off[slot] !== 0 && !stripToL3(pool, slot)) { this.drop(slot, DropReason.PKT_TOO_SMALL); return; }
          this.floodL3(slot, fp.pathDev[fp.numPaths]! || dev, nhHi, nhLo, now);
          return;
        }
        this.drop(slot, DropReason.NEIGH_FAILED);
        return;
      }
      pathInfo(this.topo, nhHi, nhLo, this.plainView, fp);
      const n = fp.numEncaps;
      e0 = n >= 1 ? encapWord(fp.encapProto[n - 1]!, fp.encapId[n - 1]!) : 0;
      e1 = n >= 2 ? encapWord(fp.encapProto[0]!, fp.encapId[0]!) : 0;
      const h = fp.hSource, d = fp.hDest;
      dHi = (d[0]! << 8) | d[1]!;
      dLo = (d[2]! << 24) | (d[3]! << 16) | (d[4]! << 8) | d[5]!;
      sHi = (h[0]! << 8) | h[1]!;
      sLo = (h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!;
      port = fp.indev;
      nc.dev[ci] = dev; nc.nhHi[ci] = nhHi; nc.nhLo[ci] = nhLo; nc.at[ci] = now;
      nc.port[ci] = port; nc.e0[ci] = e0; nc.e1[ci] = e1; nc.dHi[ci] = dHi; nc.dLo[ci] = dLo; nc.sHi[ci] = sHi; nc.sLo[ci] = sLo;
    }
    const bad = replaceL2(pool, slot, pool.l3proto[slot] === ETH_P_IPV6 ? 6 : 4, dHi, dLo, sHi, sLo, e0, e1);
    if (bad !== 0) {
      this.drop(slot, bad);
      return;
    }
    if (slot === this.traceSlot) {
      this.note(`  output: ${this.topo.name(dev)} → port ${this.topo.name(port)}${e0 !== 0 ? ` with ${e1 !== 0 ? 2 : 1} encapsulation(s)` : ''}`);
      this.traceFate = `transmitted on ${this.topo.name(port)}`;
    }
    this.sink.transmit(slot, port, dev, hardware, now);
  }

  /** An L3 packet to an unknown MAC behind a bridge: one copy per port. */
  private floodL3(slot: number, bridge: number, nhHi: number, nhLo: number, now: number): void {
    const topo = this.topo;
    const pool = this.pool;
    if (topo.kind[bridge] !== DeviceKind.BRIDGE) { this.drop(slot, DropReason.NEIGH_FAILED); return; }
    const family = pool.l3proto[slot] === ETH_P_IPV6 ? 6 : 4;
    let sent = false;
    for (let i = topo.portStart[bridge]!; i < topo.portStart[bridge + 1]!; i++) {
      const p = topo.portList[i]!;
      if (topo.up[p] !== 1) continue;
      const copy = pool.alloc();
      if (copy < 0) break;
      pool.copyFrame(slot, copy);
      pool.l3proto[copy] = pool.l3proto[slot]!;
      pool.l3off[copy] = 0;
      pool.l4off[copy] = pool.l4off[slot]!;
      pool.flow[copy] = pool.flow[slot]!;
      pool.path[copy] = pool.path[slot]!;
      this.generated++;
      if (!pushL2(pool, copy, family, nhHi, nhLo, topo.macHi[bridge]!, topo.macLo[bridge]!, 0, 0)) { this.drop(copy, DropReason.POOL_EXHAUSTED); continue; }
      this.sink.transmit(copy, p, bridge, false, now);
      sent = true;
    }
    if (!sent) { this.drop(slot, DropReason.BRIDGE_NO_PORT); return; }
    this.floodCopiesFreed++;
    this.sink.dropped(slot);
  }

  /** Local delivery: INPUT, then the local stack (ICMP echo is answered; nothing else is). */
  private localIn(slot: number, now: number): void {
    const pool = this.pool;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    if (this.hook(HOOK_INPUT, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, slot, now) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    this.local(slot, now);
  }

  private local(slot: number, now: number): void {
    if (slot === this.traceSlot) { this.note('  delivered to the router itself'); this.traceFate = 'delivered locally'; }
    this.deliveredLocal++;
    this.echoReply(slot, now);
    this.sink.deliverLocal(slot, now);
  }

  /**
   * icmp_echo → icmp_reply (icmpv6_echo_reply): the router's stack answers an echo request to one of
   * its unicast addresses (broadcast echo is ignored: icmp_echo_ignore_broadcasts = 1).
   */
  private echoReply(slot: number, now: number): void {
    const pool = this.pool;
    if ((pool.pflags[slot]! & (PF_L4_VALID | PF_ICMP_ERROR)) !== PF_L4_VALID) return;
    const l4 = pool.tuple[slot * TUPLE_WORDS + T_PROTO]! & 0xff;
    if (l4 !== IPPROTO_ICMP && l4 !== IPPROTO_ICMPV6) return;
    const r = this.routeDst(slot);
    if (r === NO_ROUTE || this.net.fib.type(r) !== RTN_LOCAL) return;
    const out = pool.alloc();
    if (out < 0) return;
    if (buildIcmpEchoReply(pool, slot, out, 0, this.parts.ttl) === 0) { pool.free(out); return; }
    pool.flow[out] = pool.flow[slot]!;
    this.localOut(out, now);
  }

  // ---------------------------------------------------------------------------------------------
  // Locally generated packets (ICMP errors, TCP resets)
  // ---------------------------------------------------------------------------------------------

  /** Sends the packet in `slot` (an IP packet after a 14-byte Ethernet header) from the router. */
  private localOut(slot: number, now: number): void {
    const pool = this.pool;
    if (parseFrame(pool, slot) !== 0) {
      this.sink.dropped(slot);
      return;
    }
    this.generated++;
    pool.iif[slot] = 0;
    pool.path[slot] = PATH_CLASSIC;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const fam = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    const r = this.routeDst(slot);
    if (r === NO_ROUTE || this.net.fib.type(r) !== RTN_UNICAST) {
      this.drop(slot, DropReason.IP_NOROUTE);
      return;
    }
    const outDev = this.net.fib.outDev(r);
    pool.oif[slot] = outDev;
    if (this.hook(HOOK_OUTPUT, fam, slot, now) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    if (!this.resolveNextHop(slot, r, outDev)) {
      this.drop(slot, DropReason.NEIGH_FAILED);
      return;
    }
    if (this.hook(HOOK_POSTROUTING, fam, slot, now) !== NF_ACCEPT) {
      this.drop(slot, pool.drop[slot] || DropReason.NETFILTER_DROP);
      return;
    }
    this.neighOutput(slot, outDev, this.curNhHi, this.curNhLo, false, now);
  }

  /** icmp_send / icmp6_send about the packet in `orig`, from the address facing its sender. */
  private sendIcmpError(orig: number, type: number, code: number, info: number, now: number): void {
    const pool = this.pool;
    const out = pool.alloc();
    if (out < 0) return;
    const src = this.scratchAddr;
    if (!this.replySource(orig, src)) { pool.free(out); return; }
    const n = buildIcmpError(pool, orig, out, type, code, info, src, 0, 0);
    if (n === 0) { pool.free(out); return; }
    pool.flow[out] = pool.flow[orig]!;
    this.ctAttach(out, orig); // icmp_glue_bits / icmpv6_getfrag: nf_ct_attach for errors
    this.localOut(out, now);
  }

  /**
   * nf_ct_attach → nf_conntrack_attach: a reset or ICMP error the router sends about `orig` carries
   * orig's connection (even an unconfirmed one), RELATED in the other direction. So conntrack at
   * OUTPUT leaves it alone, `ct state related` matches it, NAT translates it
   * (nf_nat_icmp_reply_translation) and it never confirms the connection.
   */
  private ctAttach(out: number, orig: number): void {
    const pool = this.pool;
    const h = pool.ct[orig]!;
    if (h < 0 || !this.ct.isValid(h)) return;
    const reply = ctinfoDir(pool.ctInfo[orig]!) === IP_CT_DIR_ORIGINAL;
    pool.ct[out] = h;
    pool.ctDir[out] = reply ? 1 : 0;
    pool.ctInfo[out] = reply ? IP_CT_RELATED_REPLY : IP_CT_RELATED;
  }

  private icmpUnreachable(orig: number, code: number, now: number): void {
    const v6 = this.pool.l3proto[orig] === ETH_P_IPV6;
    this.sendIcmpError(orig, v6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH, v6 ? 0 : code, 0, now);
  }

  /**
   * The source address of an error sent back to the packet's sender: the primary address of the
   * device the route back uses (icmp_errors_use_inbound_ifaddr = 0, the default).
   */
  private replySource(orig: number, out: Uint32Array): boolean {
    const pool = this.pool;
    const t = orig * TUPLE_WORDS;
    const v6 = pool.l3proto[orig] === ETH_P_IPV6;
    const b = pool.bytes;
    const ip = pool.frameStart(orig) + pool.l3off[orig]!;
    let r: number;
    if (v6) {
      const w = this.scratchAddr;
      for (let i = 0; i < 4; i++) w[4 + i] = ((b[ip + 8 + i * 4]! << 24) | (b[ip + 9 + i * 4]! << 16) | (b[ip + 10 + i * 4]! << 8) | b[ip + 11 + i * 4]!) >>> 0;
      r = this.net.fib.lookupV6(w, 4);
    } else r = this.net.fib.lookupV4(((b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!) >>> 0);
    void t;
    const dev = r === NO_ROUTE ? pool.iif[orig]! : this.net.fib.outDev(r);
    if (v6) {
      for (let i = 0; i < 4; i++) out[i] = this.addr6[dev * 4 + i]!;
      return (out[0]! | out[1]! | out[2]! | out[3]!) !== 0;
    }
    out[0] = this.addr4[dev]!;
    out[1] = 0; out[2] = 0; out[3] = 0;
    return out[0] !== 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Drops
  // ---------------------------------------------------------------------------------------------

  /** Counts a drop with its reason, discards an unconfirmed conntrack entry, and frees the slot. */
  drop(slot: number, reason: number): void {
    const pool = this.pool;
    if (slot === this.traceSlot) {
      this.note(`  dropped: ${dropReasonName(reason)} (${dropReasonDescription(reason)})`);
      this.traceFate = `dropped (${dropReasonName(reason)})`;
      this.traceSlot = -1;
    }
    pool.drop[slot] = reason;
    this.drops[reason] = this.drops[reason]! + 1;
    this.dropped++;
    const h = pool.ct[slot]!;
    // Only the packet that created an unconfirmed connection frees it; a reset/ICMP error attached
    // to it (reply direction, nf_ct_attach) only holds a reference in the kernel.
    if (h >= 0 && pool.ctDir[slot] === IP_CT_DIR_ORIGINAL && !(this.ct.statusOf(h) & IPS_CONFIRMED)) this.ct.discardUnconfirmed(h);
    this.sink.dropped(slot);
  }

  // ---------------------------------------------------------------------------------------------
  // NetfilterHost
  // ---------------------------------------------------------------------------------------------

  *listDevices(): Iterable<readonly [number, string]> {
    for (let i = 1; i <= this.topo.count; i++) yield [i, this.topo.name(i)] as const;
  }

  deviceName(ifindex: number): string {
    return ifindex > 0 && ifindex <= this.topo.count ? this.topo.name(ifindex) : '';
  }

  deviceType(ifindex: number): number {
    const k = this.topo.kind[ifindex];
    if (k === DeviceKind.LOOPBACK) return 772; // ARPHRD_LOOPBACK
    if (k === DeviceKind.PPPOE) return 512; // ARPHRD_PPP
    return 1; // ARPHRD_ETHER
  }

  ctStatus(slot: number): number {
    return this.ct.statusOf(this.pool.ct[slot]!);
  }

  ctMark(slot: number): number {
    return this.ct.getMark(this.pool.ct[slot]!);
  }

  ctSetMark(slot: number, mark: number): void {
    this.ct.setMark(this.pool.ct[slot]!, mark);
  }

  ctHelper(_slot: number): number {
    // nft_ct_get_eval's NFT_CT_HELPER reads the helper of ct->master. flowsim models no
    // expectations, so no connection has a master and `ct helper "ftp"` matches nothing — as in
    // the kernel for the FTP control connection itself (only its data connections match).
    return 0;
  }

  private readonly helperIds = new Map<string, number>();
  helperId(name: string): number {
    let id = this.helperIds.get(name);
    if (id === undefined) {
      id = this.helperIds.size + 1;
      this.helperIds.set(name, id);
      this.ct.helperNames[id] = name;
    }
    return id;
  }

  ctExpiration(slot: number, now: number): number {
    return Math.max(0, Math.floor(this.ct.timeLeft(this.pool.ct[slot]!, now) / 1e6));
  }

  ctTuple(slot: number, dir: number, out: Uint32Array, off: number): void {
    const h = this.pool.ct[slot]!;
    const o = this.ct.tupleOffset(h, dir);
    for (let i = 0; i < TUPLE_WORDS; i++) out[off + i] = this.ct.tuples[o + i]!;
  }

  natInitialized(slot: number, maniptype: number): boolean {
    const st = this.ct.statusOf(this.pool.ct[slot]!);
    return (st & (maniptype === NAT_MANIP_SRC ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) !== 0;
  }

  /** Bumped by every NAT binding set up: invalidates natMangle's cached plan. */
  private natGen = 0;
  private planSlot = -1;
  private planHandle = -1;
  private planDir = 0;
  private planGen = -1;
  private planMask = 0;

  natSetup(slot: number, maniptype: number, range: NatRange): number {
    this.natGen++;
    const pool = this.pool;
    const h = pool.ct[slot]!;
    if (h < 0) return 0;
    const now = pool.ts[slot]!;
    if (range.kind === NAT_KIND_MASQUERADE) {
      const dev = pool.oif[slot]!;
      const v6 = pool.l3proto[slot] === ETH_P_IPV6;
      const addr = this.scratchAddr;
      if (v6) for (let i = 0; i < 4; i++) addr[i] = this.addr6[dev * 4 + i]!;
      else { addr[0] = this.masqueradeSource4(slot, dev); addr[1] = 0; addr[2] = 0; addr[3] = 0; }
      // nf_nat_masquerade_ipv4: "%s ate my IP address" → NF_DROP (IPv6 likewise).
      if ((addr[0]! | addr[1]! | addr[2]! | addr[3]!) === 0) return DropReason.NAT_NO_ADDRESS;
      let ports: CtNatRange | null = null;
      if (range.minPort !== 0 || range.flags !== 0) {
        const p = this.ctPorts;
        p.flags = range.flags;
        p.minPort = range.minPort;
        p.maxPort = range.maxPort;
        ports = p;
      }
      return setupMasquerade(this.ct, h, addr, 0, ports, now);
    }
    const r = this.ctRange;
    r.flags = range.flags;
    r.minPort = range.minPort;
    r.maxPort = range.maxPort;
    r.basePort = 0;
    if (range.kind === NAT_KIND_REDIRECT) {
      // nf_nat_redirect: DNAT to the primary address of the incoming device.
      const dev = pool.iif[slot]!;
      const v6 = pool.l3proto[slot] === ETH_P_IPV6;
      for (let i = 0; i < 4; i++) {
        const w = v6 ? this.addr6[dev * 4 + i]! : i === 0 ? this.addr4[dev]! : 0;
        r.minAddr[i] = w;
        r.maxAddr[i] = w;
      }
      r.flags |= 1; // NF_NAT_RANGE_MAP_IPS
      // nf_nat_redirect_ipv4 / _ipv6: no address on the incoming device → NF_DROP.
      if ((r.minAddr[0]! | r.minAddr[1]! | r.minAddr[2]! | r.minAddr[3]!) === 0) return DropReason.NAT_NO_ADDRESS;
    } else {
      for (let i = 0; i < 4; i++) {
        r.minAddr[i] = range.minAddr[i]!;
        r.maxAddr[i] = range.maxAddr[i]!;
      }
    }
    return setupNat(this.ct, h, maniptype, r, now);
  }

  /**
   * nf_nat_masquerade_ipv4's source: inet_select_addr(out, nh, RT_SCOPE_UNIVERSE) — the first
   * primary address of `dev` whose subnet holds the packet's next hop (rt_nexthop: the route's
   * gateway, else the destination), else the device's first primary address; 0 when it has none.
   * As an int32 (a uint32 return above 2^31 would be boxed).
   */
  private masqueradeSource4(slot: number, dev: number): number {
    const end = this.primary4Start[dev + 1]!;
    let i = this.primary4Start[dev]!;
    if (i === end) return 0;
    const r = this.routeDst(slot);
    if (r === NO_ROUTE) return this.primary4Addr[i]! | 0;
    const nh = this.net.fib.nextHopV4(r, rd32(this.pool.bytes, this.pool.frameStart(slot) + this.pool.l3off[slot]! + 16)) | 0;
    for (; i < end; i++) if (((this.primary4Addr[i]! ^ nh) & this.primary4Mask[i]!) === 0) return this.primary4Addr[i]! | 0;
    return this.primary4Addr[this.primary4Start[dev]!]! | 0;
  }

  natNullBinding(slot: number, maniptype: number): number {
    this.natGen++;
    const h = this.pool.ct[slot]!;
    if (h < 0) return 0;
    return allocNullBinding(this.ct, h, maniptype, this.pool.ts[slot]!);
  }

  /** nf_nat_manip_pkt: rewrite this packet's source (SNAT) or destination (DNAT) per the binding. */
  natMangle(slot: number, maniptype: number): number {
    const pool = this.pool;
    const h = pool.ct[slot]!;
    if (h < 0) return 0;
    const dir = pool.ctDir[slot]!;
    const flags = pool.pflags[slot]!;
    const status = this.ct.statusAt(this.ct.indexOf(h));
    if (flags & PF_ICMP_ERROR) {
      // nf_nat_icmp_reply_translation's checks before its statusbit test.
      const r = this.natIcmpErrorCheck(slot, status);
      if (r !== 0) return r;
    }
    // nf_nat_packet (and the ICMP error translation): nothing to do unless the connection is NATed
    // this way in this direction (its statusbit). The record's own status: a packet whose pass
    // killed the connection it holds is still NATed by it (natManglePlan's isHeld).
    let statusbit = maniptype === NAT_MANIP_SRC ? IPS_SRC_NAT : IPS_DST_NAT;
    if (dir !== IP_CT_DIR_ORIGINAL) statusbit ^= IPS_NAT_MASK;
    if ((status & statusbit) === 0) return 0;
    if ((flags & PF_ICMP_ERROR) === 0) {
      if (pool.l3proto[slot] === ETH_P_IP) {
        if (!this.ct.isHeld(h)) return 0;
        const mine = this.ct.tupleOffset(h, dir);
        const l4proto = this.ct.tuples[mine + T_PROTO]! & 0xff;
        if (l4proto === IPPROTO_TCP || l4proto === IPPROTO_UDP) return this.natMangleV4Ports(slot, h, dir, maniptype, mine, l4proto);
      }
    }
    const plan = this.plan;
    // The plan depends on the connection's tuples only: one computation serves both NAT hooks of
    // a packet unless a binding was set up in between (natGen).
    let mask: number;
    if (slot === this.planSlot && h === this.planHandle && dir === this.planDir && this.natGen === this.planGen) mask = this.planMask;
    else {
      mask = natManglePlan(this.ct, h, dir, plan, 0);
      this.planSlot = slot;
      this.planHandle = h;
      this.planDir = dir;
      this.planGen = this.natGen;
      this.planMask = mask;
    }
    if (flags & PF_ICMP_ERROR) return this.natIcmpError(slot, maniptype, mask);
    const l4proto = plan[T_PROTO]! & 0xff;
    // An ICMP query has one id where TCP/UDP have two ports (the tuples' "source port"), and
    // icmp_manip_pkt / icmpv6_manip_pkt write the target tuple's id for EITHER manip type: the
    // reply of a masqueraded ping whose id was remapped gets the client's id back in its
    // destination manip, with the address.
    const icmpQuery = l4proto === IPPROTO_ICMP || l4proto === IPPROTO_ICMPV6;
    const idChanged = icmpQuery && (mask & NAT_CHANGE_SPORT) !== 0;
    // Nothing of this manip differs between the tuples (as the status bit said, unless the
    // record is no longer this packet's connection: then the plan is empty).
    if ((mask & (maniptype === NAT_MANIP_SRC ? NAT_CHANGE_SADDR | NAT_CHANGE_SPORT : NAT_CHANGE_DADDR | NAT_CHANGE_DPORT)) === 0 && !idChanged) return 0;
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    const ip = fs + pool.l3off[slot]!;
    const l4 = pool.pflags[slot]! & PF_L4_VALID ? fs + pool.l4off[slot]! : -1;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    if (idChanged && l4 >= 0) natIcmpSetEchoId(b, l4, plan[T_PORTS]! >>> 16);
    if (maniptype === NAT_MANIP_SRC) {
      if (mask & NAT_CHANGE_SPORT && l4 >= 0 && !icmpQuery) natSetSport(b, l4, l4proto, plan[T_PORTS]! >>> 16, this.ipEnd(slot));
      if (mask & NAT_CHANGE_SADDR) {
        if (v6) natIpv6SetSrc(b, ip, l4, l4proto, plan, T_SRC);
        else natIpv4SetSrc(b, ip, l4, plan[T_SRC]! | 0);
      }
    } else {
      if (mask & NAT_CHANGE_DPORT && l4 >= 0 && !icmpQuery) natSetDport(b, l4, l4proto, plan[T_PORTS]! & 0xffff, this.ipEnd(slot));
      if (mask & NAT_CHANGE_DADDR) {
        if (v6) natIpv6SetDst(b, ip, l4, l4proto, plan, T_DST);
        else natIpv4SetDst(b, ip, l4, plan[T_DST]! | 0);
      }
    }
    // Keep the parsed tuple in step with the bytes (later lookups, the flowtable key at flow add).
    const t = slot * TUPLE_WORDS;
    const tuple = pool.tuple;
    const at = maniptype === NAT_MANIP_SRC ? T_SRC : T_DST;
    // An IPv4 address is one word (the other three stay zero).
    tuple[t + at] = plan[at]!;
    if (v6) for (let i = 1; i < 4; i++) tuple[t + at + i] = plan[at + i]!;
    const ports = tuple[t + T_PORTS]!, planPorts = plan[T_PORTS]!;
    // The id is the "source port" half, written by either manip.
    tuple[t + T_PORTS] = maniptype === NAT_MANIP_SRC || icmpQuery ? ((planPorts & 0xffff0000) | (ports & 0xffff)) >>> 0 : ((ports & 0xffff0000) | (planPorts & 0xffff)) >>> 0;
    return 0;
  }

  /**
   * natMangle for an IPv4 TCP or UDP packet (the common case): the new address and port are read
   * straight from the other direction's tuple — nf_nat_manip_pkt's target is that tuple inverted,
   * so SNAT takes its destination and destination port, DNAT its source and source port — instead
   * of building the whole inverted tuple (natManglePlan). Same bytes, same parsed tuple.
   */
  private natMangleV4Ports(slot: number, h: number, dir: number, maniptype: number, mine: number, l4proto: number): number {
    const pool = this.pool;
    const ts = this.ct.tuples;
    const other = this.ct.tupleOffset(h, dir ^ 1);
    const otherPorts = ts[other + T_PORTS]!, minePorts = ts[mine + T_PORTS]!;
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    const ip = fs + pool.l3off[slot]!;
    const l4 = pool.pflags[slot]! & PF_L4_VALID ? fs + pool.l4off[slot]! : -1;
    const tuple = pool.tuple;
    const t = slot * TUPLE_WORDS;
    if (maniptype === NAT_MANIP_SRC) {
      const addr = ts[other + T_DST]! | 0, port = otherPorts & 0xffff;
      const addrChanged = addr !== (ts[mine + T_SRC]! | 0), portChanged = port !== minePorts >>> 16;
      if (!addrChanged && !portChanged) return 0;
      if (portChanged && l4 >= 0) natSetSport(b, l4, l4proto, port);
      if (addrChanged) natIpv4SetSrc(b, ip, l4, addr);
      tuple[t + T_SRC] = addr;
      tuple[t + T_PORTS] = ((port << 16) | (tuple[t + T_PORTS]! & 0xffff)) >>> 0;
    } else {
      const addr = ts[other + T_SRC]! | 0, port = otherPorts >>> 16;
      const addrChanged = addr !== (ts[mine + T_DST]! | 0), portChanged = port !== (minePorts & 0xffff);
      if (!addrChanged && !portChanged) return 0;
      if (portChanged && l4 >= 0) natSetDport(b, l4, l4proto, port);
      if (addrChanged) natIpv4SetDst(b, ip, l4, addr);
      tuple[t + T_DST] = addr;
      tuple[t + T_PORTS] = ((tuple[t + T_PORTS]! & 0xffff0000) | port) >>> 0;
    }
    return 0;
  }

  /** End of the IP packet in the pool's bytes (its total length, clamped to the frame). */
  private ipEnd(slot: number): number {
    const pool = this.pool;
    const fs = pool.frameStart(slot);
    return Math.min(fs + pool.l3off[slot]! + parsedIpLength(pool, slot), fs + pool.len[slot]!);
  }

  /**
   * nf_nat_icmp_reply_translation's first checks for an ICMP error RELATED to connection status
   * `status`: the ICMP header and the quoted IP header must be there (skb_ensure_writable), and a
   * redirect about a NATed connection — or one that has not passed both NAT hooks — is dropped.
   * Returns 0 to go on, or the drop reason.
   */
  private natIcmpErrorCheck(slot: number, status: number): number {
    const pool = this.pool;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const icmp = pool.frameStart(slot) + pool.l4off[slot]!;
    if (icmp + 8 + (v6 ? 40 : 20) > this.ipEnd(slot)) return DropReason.NAT_ICMP_UNTRANSLATED;
    // ICMP_REDIRECT; for IPv6 conntrack leaves NDISC_REDIRECT untracked, so it never gets here.
    if (!v6 && pool.bytes[icmp] === 5 && ((status & IPS_NAT_DONE_MASK) !== IPS_NAT_DONE_MASK || (status & IPS_NAT_MASK) !== 0)) {
      return DropReason.NAT_ICMP_UNTRANSLATED;
    }
    return 0;
  }

  /**
   * nf_nat_icmp_reply_translation / nf_nat_icmpv6_reply_translation for an ICMP error RELATED to a
   * NATed connection, with `this.plan` = the inverted other-direction tuple (natManglePlan): the
   * quoted packet travelled the other way, so it gets the opposite manip from the other direction's
   * tuple (SNAT here → its destination and destination port; DNAT → its source and source port),
   * the ICMP checksum is recomputed, then the outer address is rewritten as for any packet.
   */
  private natIcmpError(slot: number, maniptype: number, mask: number): number {
    const pool = this.pool;
    const plan = this.plan;
    const src = maniptype === NAT_MANIP_SRC;
    // No NAT in the plan: the record is no longer this packet's connection (see natManglePlan).
    if (mask === 0) return 0;
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    const ip = fs + pool.l3off[slot]!;
    const icmp = fs + pool.l4off[slot]!;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const end = this.ipEnd(slot);
    const innerProto = plan[T_PROTO]! & 0xff;
    const isIcmp = innerProto === IPPROTO_ICMP || innerProto === IPPROTO_ICMPV6;
    // The inner packet's manip is the opposite one: SNAT → inner destination, DNAT → inner source.
    const port = isIcmp ? plan[T_PORTS]! >>> 16 : src ? plan[T_PORTS]! >>> 16 : plan[T_PORTS]! & 0xffff;
    const ok = v6
      ? natIcmpInnerV6(b, ip, icmp, end, !src, plan, src ? T_SRC : T_DST, port)
      : natIcmpInnerV4(b, icmp, end, !src, plan[src ? T_SRC : T_DST]!, port);
    if (!ok) return DropReason.NAT_ICMP_UNTRANSLATED;
    // The outer header "looks like the reply to an incoming packet": nf_nat_ipv4_manip_pkt writes
    // the target's address whether or not the connection's address changed (a port-only DNAT
    // makes an intermediate router's error come from the original destination).
    if (src) {
      if (v6) natIpv6SetSrc(b, ip, icmp, IPPROTO_ICMPV6, plan, T_SRC);
      else natIpv4SetSrc(b, ip, -1, plan[T_SRC]!);
    } else if (v6) natIpv6SetDst(b, ip, icmp, IPPROTO_ICMPV6, plan, T_DST);
    else natIpv4SetDst(b, ip, -1, plan[T_DST]!);
    const t = slot * TUPLE_WORDS;
    if (src) for (let i = 0; i < 4; i++) pool.tuple[t + T_SRC + i] = plan[T_SRC + i]!;
    else for (let i = 0; i < 4; i++) pool.tuple[t + T_DST + i] = plan[T_DST + i]!;
    return 0;
  }

  reject(slot: number, kind: number, code: number): void {
    const pool = this.pool;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    pool.drop[slot] = DropReason.NFT_REJECT;
    if (kind === REJECT_TCP_RST) {
      const out = pool.alloc();
      if (out < 0) return;
      if (buildTcpReset(pool, slot, out, this.parts.ttl) === 0) { pool.free(out); return; }
      pool.flow[out] = pool.flow[slot]!;
      this.ctAttach(out, slot); // nf_send_reset / nf_send_reset6: nf_ct_attach(nskb, oldskb)
      this.localOut(out, pool.ts[slot]!);
      return;
    }
    let type: number, c: number;
    if (kind === REJECT_ICMPX) {
      // nft_reject_icmp_code / nft_reject_icmpv6_code: NO_ROUTE, PORT_UNREACH, HOST_UNREACH, ADMIN_PROHIBITED.
      type = v6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH;
      c = v6 ? [0, 4, 3, 1][code] ?? 4 : [0, 3, 1, 13][code] ?? 3;
    } else if (kind === REJECT_ICMPV6) {
      if (!v6) return;
      type = ICMPV6_DEST_UNREACH;
      c = code;
    } else if (kind === REJECT_ICMP) {
      if (v6) return;
      type = ICMP_DEST_UNREACH;
      c = code;
    } else return;
    this.sendIcmpError(slot, type, c, 0, pool.ts[slot]!);
  }

  /**
   * `log` (nft_log_eval → nf_log_packet): the message goes to the run's event log. The first
   * LOG_KEEP messages are kept as typed-array records and formatted only when a report asks
   * (formatLog), as the kernel log would print them; later ones are counted.
   */
  log(slot: number, logIndex: number): void {
    const i = this.logged++;
    if (i >= LOG_KEEP) return;
    const pool = this.pool;
    this.logTime[i] = pool.ts[slot]!;
    this.logRule[i] = logIndex;
    this.logIif[i] = pool.iif[slot]!;
    this.logOif[i] = pool.oif[slot]!;
    const t = slot * TUPLE_WORDS;
    for (let w = 0; w < TUPLE_WORDS; w++) this.logTuple[i * TUPLE_WORDS + w] = pool.tuple[t + w]!;
  }
  logged = 0;
  private readonly logTime = new Float64Array(LOG_KEEP);
  private readonly logRule = new Int32Array(LOG_KEEP);
  private readonly logIif = new Uint16Array(LOG_KEEP);
  private readonly logOif = new Uint16Array(LOG_KEEP);
  private readonly logTuple = new Uint32Array(LOG_KEEP * TUPLE_WORDS);

  /** The kept log messages in the kernel's nf_log format: `[time] <prefix>IN=… OUT=… SRC=… DST=… PROTO=… SPT=… DPT=…`. */
  formatLog(): string[] {
    const out: string[] = [];
    const n = Math.min(this.logged, LOG_KEEP);
    const v4 = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
    const v6 = (w: Uint32Array, o: number): string => {
      const g: string[] = [];
      for (let k = 0; k < 4; k++) g.push(((w[o + k]! >>> 16) & 0xffff).toString(16), (w[o + k]! & 0xffff).toString(16));
      return g.join(':');
    };
    for (let i = 0; i < n; i++) {
      const info = this.rules.logs[this.logRule[i]!];
      const o = i * TUPLE_WORDS;
      const t = this.logTuple;
      const fam = t[o + T_PROTO]! >>> 8;
      const proto = t[o + T_PROTO]! & 0xff;
      const src = fam === 6 ? v6(t, o + T_SRC) : v4(t[o + T_SRC]!);
      const dst = fam === 6 ? v6(t, o + T_DST) : v4(t[o + T_DST]!);
      const pname = proto === IPPROTO_TCP ? 'TCP' : proto === IPPROTO_UDP ? 'UDP' : proto === IPPROTO_ICMP ? 'ICMP' : proto === IPPROTO_ICMPV6 ? 'ICMPv6' : String(proto);
      const ports = proto === IPPROTO_TCP || proto === IPPROTO_UDP ? ` SPT=${t[o + T_PORTS]! >>> 16} DPT=${t[o + T_PORTS]! & 0xffff}` : '';
      out.push(`[${(this.logTime[i]! / 1e9).toFixed(6)}] ${info?.prefix ?? ''}IN=${this.deviceName(this.logIif[i]!)} OUT=${this.deviceName(this.logOif[i]!)} SRC=${src} DST=${dst} PROTO=${pname}${ports}`);
    }
    return out;
  }

  /** nft_flow_offload_eval: eligibility, route of both directions, then the flow entry. */
  flowAdd(slot: number, ftIndex: number, now: number): boolean {
    const pool = this.pool;
    const h = pool.ct[slot]!;
    if (h < 0) return false;
    const ft = this.ft;
    if (!ft.softwareEnabled || ftIndex >= ft.defs.length) return false;
    const ct = this.ct;
    const status = ct.statusOf(h);
    const l4proto = ct.l4protoOf(h);
    const tcpFlags = l4proto === IPPROTO_TCP && pool.pflags[slot]! & PF_L4_VALID ? pool.bytes[pool.frameStart(slot) + pool.l4off[slot]! + 13]! : 0;
    const ipOpts = pool.l3proto[slot] === ETH_P_IP && (pool.pflags[slot]! & PF_IP_OPTIONS) !== 0;
    const established = l4proto === IPPROTO_TCP && ct.tcpStateOf(h) === TCP_CONNTRACK_ESTABLISHED && (status & IPS_ASSURED) !== 0;
    const code = ft.eligible(h, l4proto, tcpFlags, ipOpts, status, established, ct.getHelper(h) !== 0, (status & IPS_CONFIRMED) !== 0, (status & IPS_OFFLOAD) !== 0);
    if (code !== ADD_OK) {
      ft.stats.addRefused[code]!++;
      if (slot === this.traceSlot) { this.noteNft(); this.note(`    flow add @${ft.defs[ftIndex]!.name}: not added — ${ADD_REFUSAL[code]}`); }
      return false;
    }
    if (this.curRoute < 0) return false;
    // nft_flow_route: this direction uses the packet's route; the other is routed back to the sender.
    const dir = pool.ctDir[slot]!;
    const view = this.ftViews[ftIndex]!;
    const r0 = this.curRoute;
    const rDev0 = this.net.fib.outDev(r0);
    decideForwardPath(this.net, view, rDev0, this.net.fib.mtu(r0), this.curNhValid, this.curNhHi, this.curNhLo, now, this.fp);
    // Route back: to the original sender of this direction (ct->tuplehash[dir].tuple.src), out of
    // the device this packet came in on (flowi4_oif = nft_in(pkt)): with asymmetric routing the
    // flow still answers the way the originals arrive. No route through that device: the sender
    // is taken as on-link there (ip_route_output_key_hash_rcu), the route MTU the device's.
    const o = ct.tupleOffset(h, dir);
    const v6 = (ct.tuples[o + T_PROTO]! >>> 8) === 6;
    const inDev = pool.iif[slot]!;
    const fib = this.net.fib;
    const w = this.scratchAddr;
    for (let i = 0; i < 4; i++) w[i] = ct.tuples[o + T_SRC + i]!;
    const r1 = v6 ? fib.lookupV6Oif(w, 0, inDev) : fib.lookupV4Oif(w[0]!, inDev);
    if (r1 !== NO_ROUTE && fib.type(r1) !== RTN_UNICAST) {
      ft.stats.addRefused[8]!++; // no route for the reply direction
      return false;
    }
    const rDev1 = inDev;
    let hi1 = 0, lo1 = 0, valid1 = false;
    const k1 = this.topo.kind[rDev1]!;
    if (k1 === DeviceKind.PPPOE) valid1 = true;
    else {
      let n: number;
      if (v6) {
        if (r1 !== NO_ROUTE) fib.nextHopV6(r1, w, 0, w, 4);
        else for (let i = 0; i < 4; i++) w[4 + i] = w[i]!;
        n = this.net.neigh.lookupV6(rDev1, w, 4);
      } else n = this.net.neigh.lookupV4(rDev1, r1 !== NO_ROUTE ? fib.nextHopV4(r1, w[0]!) : w[0]!);
      if (n >= 0) { hi1 = this.net.neigh.macHi(n); lo1 = this.net.neigh.macLo(n); valid1 = true; }
    }
    decideForwardPath(this.net, view, rDev1, r1 !== NO_ROUTE ? fib.mtu(r1) : 0, valid1, hi1, lo1, now, this.fp2);
    // fp describes direction `dir`'s output and the in-device of direction !dir; fp2 the reverse.
    this.fillRoute(this.routes[dir]!, this.fp, this.fp2, this.curNhHi, this.curNhLo);
    this.fillRoute(this.routes[dir ^ 1]!, this.fp2, this.fp, hi1, lo1);
    const flow = ft.add(h, ftIndex, this.routes, now);
    if (slot === this.traceSlot) {
      const r0 = this.routes[0], r1 = this.routes[1];
      this.noteNft();
      this.note(flow >= 0
        ? `    flow add @${ft.defs[ftIndex]!.name}: added flow ${flow} (original in ${this.topo.name(r0.inIf)}, reply in ${this.topo.name(r1.inIf)}; ${r0.xmit === FLOW_OFFLOAD_XMIT_DIRECT ? 'DIRECT' : 'NEIGH'}/${r1.xmit === FLOW_OFFLOAD_XMIT_DIRECT ? 'DIRECT' : 'NEIGH'})`
        : `    flow add @${ft.defs[ftIndex]!.name}: not added — ${ADD_REFUSAL[ft.lastAddRefusal]}`);
    }
    return flow >= 0;
  }

  /** One direction's FlowRouteDir: output from `out`, input device from the other direction's resolution. */
  private fillRoute(r: FlowRouteDir, out: ForwardPath, other: ForwardPath, nhHi: number, nhLo: number): void {
    r.inIf = other.inIfindex;
    r.inEncap0 = other.inNumEncaps >= 1 ? encapWord(other.inEncapProto[0]!, other.inEncapId[0]!) : 0;
    r.inEncap1 = other.inNumEncaps >= 2 ? encapWord(other.inEncapProto[1]!, other.inEncapId[1]!) : 0;
    r.mtu = out.mtu;
    if (out.xmitType === FLOW_OFFLOAD_XMIT_DIRECT) {
      r.xmit = FLOW_OFFLOAD_XMIT_DIRECT;
      r.outIf = out.outIfindex;
      r.outPort = out.indev;
      const h = out.hSource, d = out.hDest;
      r.srcMacHi = (h[0]! << 8) | h[1]!;
      r.srcMacLo = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      r.dstMacHi = (d[0]! << 8) | d[1]!;
      r.dstMacLo = ((d[2]! << 24) | (d[3]! << 16) | (d[4]! << 8) | d[5]!) >>> 0;
      const n = out.numEncaps;
      r.outEncap0 = n >= 1 ? encapWord(out.encapProto[n - 1]!, out.encapId[n - 1]!) : 0;
      r.outEncap1 = n >= 2 ? encapWord(out.encapProto[0]!, out.encapId[0]!) : 0;
    } else {
      r.xmit = FLOW_OFFLOAD_XMIT_NEIGH;
      r.outIf = out.routeDev;
      r.outPort = out.realDev;
      r.dstMacHi = nhHi;
      r.dstMacLo = nhLo;
      r.srcMacHi = 0;
      r.srcMacLo = 0;
      r.outEncap0 = 0;
      r.outEncap1 = 0;
    }
  }

  notrack(slot: number): void {
    setUntracked(this.pool, slot);
  }

  /**
   * nft_ct_helper_obj_eval: attaches the object's kernel helper. The id is the helper's name id
   * (helperId), so `ct helper "ftp"` matches it and the listing prints `helper=ftp`.
   */
  ctHelperSet(slot: number, helperIndex: number): void {
    const h = this.pool.ct[slot]!;
    const obj = this.rules.ctHelpers[helperIndex];
    if (h >= 0 && obj !== undefined) this.ct.setHelper(h, this.helperId(obj.helper));
  }

  /** `tcp option maxseg size set rt mtu|N`: clamp the MSS option of a SYN (nft_exthdr_tcp_set_eval). */
  clampMss(slot: number, mss: number): void {
    const pool = this.pool;
    if (!(pool.pflags[slot]! & PF_L4_VALID) || (pool.tuple[slot * TUPLE_WORDS + T_PROTO]! & 0xff) !== IPPROTO_TCP) return;
    const b = pool.bytes;
    const th = pool.frameStart(slot) + pool.l4off[slot]!;
    if (!(b[th + 13]! & 0x02)) return;
    let limit = mss;
    if (limit < 0) {
      // rt mtu (nft_rt.c get_tcpmss): the smaller of the route's MTU and the MTU of the route back
      // to the sender, minus the IP and TCP headers.
      const oif = pool.oif[slot]!;
      if (oif === 0) return;
      let mtu = this.curRoute >= 0 ? this.net.fib.mtu(this.curRoute) || this.topo.mtu[oif]! : this.topo.mtu[oif]!;
      const v6 = pool.l3proto[slot] === ETH_P_IPV6;
      const ip = pool.frameStart(slot) + pool.l3off[slot]!;
      let back: number;
      if (v6) {
        const w = this.scratchAddr;
        for (let i = 0; i < 4; i++) w[i] = ((b[ip + 8 + i * 4]! << 24) | (b[ip + 9 + i * 4]! << 16) | (b[ip + 10 + i * 4]! << 8) | b[ip + 11 + i * 4]!) >>> 0;
        back = this.net.fib.lookupV6(w, 0);
      } else back = this.net.fib.lookupV4(((b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!) >>> 0);
      if (back !== NO_ROUTE) {
        const bm = this.net.fib.mtu(back) || this.topo.mtu[this.net.fib.outDev(back)]!;
        if (bm > 0 && bm < mtu) mtu = bm;
      }
      limit = mtu - (v6 ? 60 : 40);
    }
    const doff = (b[th + 12]! >>> 4) * 4;
    let i = th + 20;
    const end = th + doff;
    while (i < end) {
      const kind = b[i]!;
      if (kind === 0) break;
      if (kind === 1) { i++; continue; }
      const len = b[i + 1]!;
      if (len < 2 || i + len > end) break;
      if (kind === 2 && len === 4) {
        const old = (b[i + 2]! << 8) | b[i + 3]!;
        if (old > limit) {
          b[i + 2] = (limit >>> 8) & 0xff;
          b[i + 3] = limit & 0xff;
          // Incremental checksum update (RFC 1624) of the changed 16-bit word.
          const cs = th + 16;
          let sum = (~((b[cs]! << 8) | b[cs + 1]!) & 0xffff) + (~old & 0xffff) + limit;
          sum = (sum & 0xffff) + (sum >>> 16);
          sum = (sum & 0xffff) + (sum >>> 16);
          const v = ~sum & 0xffff;
          b[cs] = v >>> 8;
          b[cs + 1] = v & 0xff;
        }
        return;
      }
      i += len;
    }
  }

  /**
   * nft_fib4_eval / nft_fib6_eval. Address type (IPv4): inet_dev_addr_type — zeronet and limited
   * broadcast are broadcast, 224/4 multicast, otherwise the local table's answer (local,
   * broadcast) or unicast. Output device: the route to the destination (`daddr`) or back to the
   * source (`saddr`, the reverse-path check); with `iif`/`oif` the route must leave through that
   * device (fib_info_nh_uses_dev), else 0. Only unicast routes give a device.
   */
  fib(slot: number, flags: number, result: number): number {
    const pool = this.pool;
    const fib = this.net.fib;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const b = pool.bytes;
    const ip = pool.frameStart(slot) + pool.l3off[slot]!;
    const useDaddr = (flags & FIB_F_DADDR) !== 0;
    const dev = flags & FIB_F_IIF ? pool.iif[slot]! : flags & FIB_F_OIF ? pool.oif[slot]! : 0;
    if (result === FIB_RESULT_ADDRTYPE && !v6) {
      const a = rd32(b, ip + (useDaddr ? 16 : 12)) | 0;
      if ((a >>> 24) === 0 || a === -1) return 3; // RTN_BROADCAST
      if ((a >>> 28) === 0xe) return 5; // RTN_MULTICAST
      const r = fib.lookupLocalV4(a);
      return r !== NO_ROUTE && (dev === 0 || fib.outDev(r) === dev) ? fib.type(r) : 1; // else RTN_UNICAST
    }
    let r: number;
    if (useDaddr) r = this.routeDst(slot);
    else if (v6) {
      const w = this.scratchAddr;
      for (let i = 0; i < 4; i++) w[i] = rd32(b, ip + 8 + i * 4);
      r = fib.lookupV6(w, 0);
    } else r = fib.lookupV4(rd32(b, ip + 12) | 0);
    if (result === FIB_RESULT_ADDRTYPE) return r === NO_ROUTE ? 7 /* RTN_UNREACHABLE */ : fib.type(r);
    if (r === NO_ROUTE || fib.type(r) !== RTN_UNICAST) return 0;
    const out = fib.outDev(r);
    return dev === 0 || out === dev ? out : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Reports
  // ---------------------------------------------------------------------------------------------

  /** Connections currently offloaded in software / hardware. */
  offloadCounts(): { offloaded: number; hw: number } {
    let offloaded = 0, hw = 0;
    const ct = this.ct;
    ct.forEachHandle((h) => {
      const st = ct.statusOf(h);
      if (st & IPS_OFFLOAD) offloaded++;
      if (st & IPS_HW_OFFLOAD) hw++;
    });
    return { offloaded, hw };
  }
}

// Re-exported for tests.
export { IP_CT_DIR_ORIGINAL, IPS_SEEN_REPLY, FLOW_KEY_WORDS, K_ENCAP0, K_ENCAP1, PF_FRAGMENT, IPPROTO_UDP };
