/**
 * The simulation: hosts, wires, queues and timers around the router, on one virtual clock.
 *
 * Events (EventQueue, ties first-in first-out) drive everything: a flow wakes to send, a frame
 * reaches the router after the host's link delay, the router forwards it into a port's queue (or an
 * SQM shaper in front of it), the port serialises frames at line rate, the far host receives them
 * and answers. Housekeeping timers run conntrack GC, the flowtable GC and offload work queue, the
 * flow engine's aging, and the timeline samples.
 *
 * Packet conservation: every frame a host offers and every frame the router makes (errors, resets,
 * flood copies) ends transmitted, delivered to the router's stack, dropped with a reason, or is
 * still queued when the run stops; `conservation()` checks it against the pool.
 */
import { setHostL2 } from './host-frame.ts';
import { performance } from 'node:perf_hooks';
import type { PacketPool } from '../buffers/pool.ts';
import { PF_ICMP_ERROR, PF_L4_VALID } from '../buffers/pool.ts';
import { Cake } from '../qdisc/cake.ts';
import { Link } from '../qdisc/link.ts';
import { Pfifo } from '../qdisc/pfifo.ts';
import { sqmSimplest } from '../qdisc/shaper.ts';
import type { Qdisc } from '../qdisc/types.ts';
import type { SqmSpec, TrafficSpec } from '../scenario/types.ts';
import { FrameSpec, buildFrame } from '../wire/builder.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import { ETH_P_IPV6 } from '../wire/ethernet.ts';
import { parseFrame } from '../wire/parse.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, T_PORTS } from '../wire/tuple.ts';
import type { Built, BuiltHost } from './build.ts';
import { parseV6 } from './build.ts';
import { EventQueue } from './event-queue.ts';
import { Rng } from './rng.ts';
import { PcapResponder, PcapSource } from './pcap-source.ts';
import { PATH_NAMES, type RouterSink } from './router.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, TrafficGenerator, type TrafficIo } from './traffic.ts';

const EV_FLOW = 1;
const EV_RX = 2;
const EV_LINK = 3;
const EV_SQM = 4;
const EV_HOST_RX = 5;
const EV_TIMER = 6;
const EV_INGRESS = 7;
const EV_PCAP = 8;

const TIMER_NS = 10e6; // housekeeping every 10 ms of virtual time

/** One SQM instance (sqm-scripts on a device): a shaper stage in front of the port's queue. */
interface SqmStage {
  readonly spec: SqmSpec;
  readonly dev: number;
  readonly port: number;
  readonly qdisc: Qdisc;
  /** Releases packets at the shaper's times (a wire of unlimited speed). */
  readonly stage: Link;
  shaped: number;
  bypassed: number;
  dropped: number;
  scheduled: number;
  /** Delay sum and count per timeline interval. */
  intervalDelaySum: number;
  intervalDelayCount: number;
}

export interface TimelineSample {
  t: number;
  paths: Float64Array;
  dropped: number;
  sqmDelayMs: number;
}

export interface SimOptions {
  durationNs: number;
  /** Called for every frame a port finished transmitting (pcap capture). */
  onTransmit?: (slot: number, port: number, timeNs: number) => void;
  /** Called for every frame as it reaches a router port, before the router sees it (offered capture). */
  onOffer?: (slot: number, port: number, timeNs: number) => void;
  /** Called as virtual time advances (progress bars): fraction done. */
  onProgress?: (fraction: number) => void;
  /** Timeline sample interval (ns); default duration/100, at least 10 ms. */
  sampleNs?: number;
  /**
   * Measure the router's wall time per packet by the road it took (`flowsim run --profile`).
   * Wall time is read only here and only when asked; it never feeds back into the simulation.
   */
  profile?: boolean;
}

export class Simulator implements RouterSink, TrafficIo {
  readonly built: Built;
  readonly pool: PacketPool;
  readonly eq = new EventQueue(4096);
  readonly traffic: TrafficGenerator;
  readonly links: (Link | null)[];
  readonly sqm: SqmStage[] = [];
  /** Egress SQM stage per device (index into sqm), -1 none; ingress likewise per port. */
  private readonly egressSqm: Int32Array;
  private readonly ingressSqm: Int32Array;
  /** Egress SQM stage on an upper device whose traffic leaves by this port, or -1. */
  private readonly sqmAbovePort: Int32Array;
  private readonly linkScheduled: Float64Array;
  private readonly hostOfSlot: Int32Array;
  private readonly hostsOnPort: Int32Array[];

  // Per flow: hosts, addresses as each side uses them.
  private readonly clientHost: Int32Array;
  private readonly serverHost: Int32Array;
  /** The address the client sends to, and the server's own address (4 words each). */
  private readonly dstAddr: Uint32Array;
  private readonly srvAddr: Uint32Array;
  private readonly cliAddr: Uint32Array;
  private readonly cliPort: Uint16Array;
  private readonly srvPort: Uint16Array;
  /** What the server saw as the client's address/port (after NAT): where it answers. */
  private readonly viewAddr: Uint32Array;
  private readonly viewPort: Uint16Array;
  private readonly viewKnown: Uint8Array;
  /** The port the server's socket is bound to: where the client's packets arrive after DNAT. */
  private readonly srvOwnPort: Uint16Array;

  private readonly spec = new FrameSpec();
  /** Capture replay, when the scenario's traffic is a pcap. */
  readonly pcap: PcapSource | null = null;
  /** Far hosts answering a one-sided capture (`traffic.replies`). */
  readonly responder: PcapResponder | null = null;
  private now = 0;
  private readonly durationNs: number;
  private readonly opts: SimOptions;

  // Counters.
  offered = 0;
  transmitted = 0;
  transmittedBytes = 0;
  deliveredLocal = 0;
  lostNoHost = 0;
  misdelivered = 0;
  poolExhausted = 0;
  readonly timeline: TimelineSample[] = [];
  /** With `profile`: wall ns spent in the router and packets, by PATH_* of the arriving packet. */
  readonly profileNs = new Float64Array(PATH_NAMES.length);
  readonly profilePackets = new Float64Array(PATH_NAMES.length);
  private lastPaths = new Float64Array(PATH_NAMES.length);
  private lastDropped = 0;
  private readonly sampleNs: number;
  private nextSample: number;

  constructor(built: Built, opts: SimOptions) {
    this.built = built;
    this.pool = built.pool;
    this.opts = opts;
    this.durationNs = opts.durationNs;
    this.sampleNs = opts.sampleNs ?? Math.max(10e6, opts.durationNs / 100);
    this.nextSample = this.sampleNs;
    const topo = built.net.topo;
    const n = topo.count + 2;
    built.router.sink = this;
    const rng = new Rng(built.seed);
    this.traffic = new TrafficGenerator(built.scenario.traffic, rng.fork(1), opts.durationNs);
    // Ports: a pfifo (txqueuelen 1000) in front of a wire at the port's speed.
    this.links = [];
    for (let i = 0; i < n; i++) {
      this.links.push(built.isPort[i] ? new Link(this.pool, new Pfifo(this.pool, { limit: 1000 }), { speedMbps: topo.speedMbps[i]! || 1000 }) : null);
    }
    this.linkScheduled = new Float64Array(n).fill(Infinity);
    this.egressSqm = new Int32Array(n).fill(-1);
    this.ingressSqm = new Int32Array(n).fill(-1);
    this.sqmAbovePort = new Int32Array(n).fill(-1);
    for (const s of built.scenario.sqm) this.addSqm(s, rng);
    this.hostOfSlot = new Int32Array(this.pool.capacity).fill(-1);
    this.hostsOnPort = [];
    for (let p = 0; p < n; p++) this.hostsOnPort.push(Int32Array.from(built.hosts.filter((h) => h.port === p).map((h) => h.index)));
    // Flows.
    const F = this.traffic.flows;
    this.clientHost = new Int32Array(F);
    this.serverHost = new Int32Array(F);
    this.dstAddr = new Uint32Array(F * 4);
    this.srvAddr = new Uint32Array(F * 4);
    this.cliAddr = new Uint32Array(F * 4);
    this.cliPort = new Uint16Array(F);
    this.srvPort = new Uint16Array(F);
    this.viewAddr = new Uint32Array(F * 4);
    this.viewPort = new Uint16Array(F);
    this.viewKnown = new Uint8Array(F);
    this.srvOwnPort = new Uint16Array(F);
    const arng = rng.fork(2);
    for (const g of this.traffic.groups) this.placeGroup(g.spec, g.first, g.count, arng);
    const pt = built.scenario.pcapTraffic;
    if (pt) {
      this.pcap = new PcapSource(pt, topo, (dev) => {
        let p = dev;
        for (let g = 0; g < 8 && p > 0 && !built.isPort[p]; g++) p = topo.kind[p] === 3 /* bridge */ ? 0 : topo.lower[p]!;
        return p > 0 && built.isPort[p] ? p : 0;
      });
      if (pt.replies !== undefined) this.responder = new PcapResponder(this.pcap.answeringHosts(built.hosts));
    }
  }

  private addSqm(s: SqmSpec, rng: Rng): void {
    const topo = this.built.net.topo;
    const dev = topo.byName(s.device);
    // The port below the device (a VLAN or PPPoE device sits on one port).
    let port = dev;
    for (let g = 0; g < 8 && !this.built.isPort[port]; g++) port = topo.lower[port]!;
    if (!this.built.isPort[port]) {
      throw new Error(`${s.loc.file}:${s.loc.line}:${s.loc.col}: error: sqm on ${s.device}: no single physical port below it (SQM on a bridge is not modelled; put it on the WAN device)`);
    }
    if (s.direction === 'ingress' && port !== dev) {
      throw new Error(`${s.loc.file}:${s.loc.line}:${s.loc.col}: error: sqm on ${s.device}: ingress shaping is modelled on physical ports only (put it on ${topo.name(port)})`);
    }
    const rateBps = s.rateMbit * 1e6;
    const qdisc: Qdisc = s.qdisc === 'cake'
      ? new Cake(this.pool, { rate: rateBps, ...(s.overhead ? { overhead: s.overhead } : {}), random: () => rng.float() })
      : sqmSimplest(this.pool, { rateKbit: s.rateMbit * 1000, overhead: s.overhead });
    const stage = new Link(this.pool, qdisc, { speedMbps: 1e9 });
    const idx = this.sqm.length;
    this.sqm.push({ spec: s, dev, port, qdisc, stage, shaped: 0, bypassed: 0, dropped: 0, scheduled: Infinity, intervalDelaySum: 0, intervalDelayCount: 0 });
    if (s.direction === 'egress') {
      this.egressSqm[dev] = idx;
      if (port !== dev) this.sqmAbovePort[port] = idx;
    }
    else this.ingressSqm[dev] = idx;
  }

  /** Addresses and ports of a traffic group's flows (deterministic from the seed). */
  private placeGroup(g: TrafficSpec, first: number, count: number, rng: Rng): void {
    const hosts = this.built.hosts;
    const client = hosts.find((h) => h.spec.name === g.client)!;
    const server = hosts.find((h) => h.spec.name === g.server)!;
    const sportBase = g.sport > 0 ? g.sport : 32768 + rng.int(28232);
    for (let i = 0; i < count; i++) {
      const f = first + i;
      this.clientHost[f] = client.index;
      this.serverHost[f] = server.index;
      this.pickAddr(client, g.family, f, this.cliAddr, rng);
      this.pickAddr(server, g.family, f, this.srvAddr, rng);
      if (g.to !== undefined) {
        if (g.family === 6) this.dstAddr.set(parseV6(g.to), f * 4);
        else this.dstAddr[f * 4] = g.to.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
      } else for (let w = 0; w < 4; w++) this.dstAddr[f * 4 + w] = this.srvAddr[f * 4 + w]!;
      // A group's `sport` fixes the ports (sport, sport+1, …); otherwise they come from the
      // kernel's default ephemeral range 32768–60999 (net.ipv4.ip_local_port_range).
      this.cliPort[f] = g.proto === 'icmp' || g.sport > 0 ? (sportBase + i) & 0xffff : 32768 + ((sportBase - 32768 + i) % 28232);
      this.srvPort[f] = g.dport;
    }
  }

  private pickAddr(h: BuiltHost, family: 4 | 6, f: number, out: Uint32Array, rng: Rng): void {
    if (family === 4) {
      const a = h.v4[0];
      if (!a) throw new Error(`host ${h.spec.name} has no IPv4 address for an IPv4 traffic group`);
      if (a.plen >= 32) out[f * 4] = a.addr;
      else if (a.plen === 0) out[f * 4] = (0xc6120000 | rng.int(0x20000)) >>> 0; // 198.18.0.0/15 (RFC 2544)
      else {
        const span = 2 ** (32 - a.plen);
        out[f * 4] = (a.addr + 1 + rng.int(Math.max(1, span - 2))) >>> 0;
      }
      out[f * 4 + 1] = 0; out[f * 4 + 2] = 0; out[f * 4 + 3] = 0;
      return;
    }
    const a = h.v6[0];
    if (!a) throw new Error(`host ${h.spec.name} has no IPv6 address for an IPv6 traffic group`);
    for (let w = 0; w < 4; w++) out[f * 4 + w] = a.words[w]!;
    if (a.plen === 0) { out[f * 4] = 0x20010db8; out[f * 4 + 1] = 0xff00; }
    if (a.plen < 128) { out[f * 4 + 2] = (out[f * 4 + 2]! | rng.u32()) >>> 0; out[f * 4 + 3] = rng.u32() | 1; }
  }

  // ---------------------------------------------------------------------------------------------
  // The loop
  // ---------------------------------------------------------------------------------------------

  private started = false;
  private nextShortcutSync = 0;

  /**
   * Runs the simulation up to `stopAt` (default: the end of the run). Can be called again with a
   * later time to continue; the final call (reaching the run's duration) plays out the queues.
   */
  run(stopAt = this.durationNs): void {
    if (!this.started) {
      this.started = true;
      this.traffic.start(this);
      this.eq.push(0, EV_TIMER, 0);
      if (this.pcap) {
        const t = this.pcap.next();
        if (t >= 0) this.eq.push(t, EV_PCAP, 0);
      }
    }
    const eq = this.eq;
    const end = Math.min(stopAt, this.durationNs);
    let progressAt = 0;
    while (eq.size > 0) {
      const t = eq.peekTime();
      if (t > end) break;
      const kind = eq.peekKind();
      const arg = eq.pop();
      this.now = t;
      switch (kind) {
        case EV_FLOW: this.traffic.onWake(this, arg, t); break;
        case EV_RX: this.arrive(arg, t); break;
        case EV_INGRESS: this.runSqm(arg, t, true); break;
        case EV_LINK: this.runLink(arg, t); break;
        case EV_SQM: this.runSqm(arg, t, false); break;
        case EV_HOST_RX: this.hostReceive(arg, t); break;
        case EV_TIMER: this.housekeeping(t); break;
        case EV_PCAP: this.replay(t); break;
      }
      if (this.opts.onProgress !== undefined && t >= progressAt) {
        this.opts.onProgress(t / end);
        progressAt = t + end / 200;
      }
    }
    this.now = end;
    if (end < this.durationNs) return;
    // Play out the queues up to the end of the run (frames whose last bit left by then count).
    for (let p = 0; p < this.links.length; p++) if (this.links[p]) this.runLink(p, end);
    while (this.nextSample <= end + 1) this.sample(this.nextSample);
  }

  /** Puts a frame (already in `slot`) on port `port` now, as if a host had sent it (flowsim trace). */
  inject(slot: number, port: number): void {
    this.offered++;
    this.hostOfSlot[slot] = port;
    this.arrive(slot, this.now);
  }

  /** Virtual time reached. */
  get time(): number {
    return this.now;
  }

  /** Periodic kernel work: conntrack GC, flowtable GC and offload work, engine aging, samples. */
  private housekeeping(now: number): void {
    const r = this.built.router;
    r.ct.gcStep(now, 4096);
    r.ft.tick(now);
    if (r.backend !== null) r.backend.tick(now);
    if (r.sfe !== null && now >= this.nextShortcutSync) {
      r.syncShortcut(now);
      this.nextShortcutSync = now + 1e9;
    }
    while (this.nextSample <= now) this.sample(this.nextSample);
    this.eq.push(now + TIMER_NS, EV_TIMER, 0);
  }

  private sample(t: number): void {
    const r = this.built.router;
    const paths = new Float64Array(PATH_NAMES.length);
    for (let i = 0; i < paths.length; i++) {
      paths[i] = r.pathPackets[i]! - this.lastPaths[i]!;
      this.lastPaths[i] = r.pathPackets[i]!;
    }
    let sum = 0, cnt = 0;
    for (const s of this.sqm) { sum += s.intervalDelaySum; cnt += s.intervalDelayCount; s.intervalDelaySum = 0; s.intervalDelayCount = 0; }
    this.timeline.push({ t, paths, dropped: r.dropped - this.lastDropped, sqmDelayMs: cnt > 0 ? sum / cnt / 1e6 : 0 });
    this.lastDropped = r.dropped;
    this.nextSample += this.sampleNs;
  }

  // ---------------------------------------------------------------------------------------------
  // Hosts → router
  // ---------------------------------------------------------------------------------------------

  wake(f: number, time: number): void {
    this.eq.push(time, EV_FLOW, f);
  }

  /** TrafficIo.emit: builds one frame of flow `f` as its host puts it on the wire. */
  emit(f: number, fromClient: boolean, tcpFlags: number, payload: number, seq: number, ack: number, now: number): boolean {
    const pool = this.pool;
    const slot = pool.alloc();
    if (slot < 0) {
      this.poolExhausted++;
      return false;
    }
    const h = this.built.hosts[fromClient ? this.clientHost[f]! : this.serverHost[f]!]!;
    const g = this.traffic.groups[this.traffic.group[f]!]!.spec;
    const s = this.spec;
    s.reset();
    setHostL2(s, h);
    const v6 = this.traffic.family[f] === 6;
    s.family = v6 ? 6 : 4;
    const o = f * 4;
    if (fromClient) {
      if (v6) { for (let w = 0; w < 4; w++) { s.src6[w] = this.cliAddr[o + w]!; s.dst6[w] = this.dstAddr[o + w]!; } }
      else { s.src4 = this.cliAddr[o]!; s.dst4 = this.dstAddr[o]!; }
      s.sport = this.cliPort[f]!;
      s.dport = this.srvPort[f]!;
    } else {
      const va = this.viewKnown[f] ? this.viewAddr : this.cliAddr;
      if (v6) { for (let w = 0; w < 4; w++) { s.src6[w] = this.srvAddr[o + w]!; s.dst6[w] = va[o + w]!; } }
      else { s.src4 = this.srvAddr[o]!; s.dst4 = va[o]!; }
      s.sport = this.viewKnown[f] ? this.srvOwnPort[f]! : this.srvPort[f]!;
      s.dport = this.viewKnown[f] ? this.viewPort[f]! : this.cliPort[f]!;
    }
    const proto = this.traffic.proto[f]!;
    s.ttl = 64;
    s.df = true;
    s.ipId = (seq ^ f) & 0xffff;
    s.ipv4OptionsLen = g.ipv4Options && !v6 ? 4 : 0;
    if (proto === PROTO_TCP) {
      s.l4proto = IPPROTO_TCP;
      s.tcpFlags = tcpFlags;
      s.tcpSeq = seq;
      s.tcpAck = ack;
      s.tcpMss = tcpFlags & 0x02 ? (v6 ? 1440 : 1460) : -1;
    } else if (proto === PROTO_UDP) {
      s.l4proto = IPPROTO_UDP;
    } else {
      s.l4proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
      s.icmpType = fromClient ? (v6 ? 128 : 8) : v6 ? 129 : 0;
      s.icmpCode = 0;
      s.icmpId = this.cliPort[f]!;
      s.icmpSeq = seq & 0xffff;
      if (!fromClient && this.viewKnown[f]) s.icmpId = this.viewPort[f]!;
    }
    s.payloadLen = payload;
    s.payloadSeed = f & 0xff;
    if (buildFrame(pool, slot, s) === 0) {
      pool.free(slot);
      return false;
    }
    pool.flow[slot] = f;
    this.offered++;
    this.eq.push(now + h.delayNs, EV_RX, slot);
    this.hostOfSlot[slot] = h.port; // the port it will arrive on
    return true;
  }

  /** Injects the current capture frame at its time and schedules the next one. */
  private replay(now: number): void {
    const src = this.pcap!;
    const slot = this.pool.alloc();
    if (slot < 0) this.poolExhausted++;
    else {
      const port = src.copyInto(this.pool, slot);
      if (port <= 0) this.pool.free(slot);
      else {
        this.offered++;
        this.hostOfSlot[slot] = port;
        this.arrive(slot, now);
      }
    }
    const t = src.next();
    if (t >= 0) this.eq.push(t < now ? now : t, EV_PCAP, 0);
  }

  /** A frame reaches the router's port. */
  private arrive(slot: number, now: number): void {
    this.opts.onOffer?.(slot, this.hostOfSlot[slot]!, now);
    if (this.opts.profile === true) {
      const t0 = performance.now();
      this.arriveInner(slot, now);
      const path = this.pool.path[slot]!;
      this.profileNs[path] = this.profileNs[path]! + (performance.now() - t0) * 1e6;
      this.profilePackets[path] = this.profilePackets[path]! + 1;
      return;
    }
    this.arriveInner(slot, now);
  }

  private arriveInner(slot: number, now: number): void {
    const port = this.hostOfSlot[slot]!;
    this.hostOfSlot[slot] = -1;
    const r = this.built.router;
    if (r.receiveHw(slot, port, now)) return;
    const iq = this.ingressSqm[port]!;
    if (iq >= 0) {
      // sqm-scripts' ingress: tc ingress redirects to an IFB, shaped, then back into the rx path.
      this.hostOfSlot[slot] = port;
      const s = this.sqm[iq]!;
      s.shaped++;
      this.enqueueSqm(s, iq, slot, now, true);
      return;
    }
    r.receiveCpu(slot, port, now);
  }

  // ---------------------------------------------------------------------------------------------
  // RouterSink
  // ---------------------------------------------------------------------------------------------

  transmit(slot: number, port: number, viaDev: number, hardware: boolean, now: number): void {
    const link = this.links[port];
    if (!link) {
      this.built.router.drop(slot, DropReason.DEV_DOWN);
      return;
    }
    // SQM on the L3 device the packet went through, or on the port itself.
    let q = viaDev > 0 ? this.egressSqm[viaDev]! : -1;
    if (q < 0) q = this.egressSqm[port]!;
    if (q >= 0) {
      const s = this.sqm[q]!;
      const hwShaping = this.built.backend?.caps.hwShaping ?? false;
      if (!hardware || hwShaping) {
        s.shaped++;
        this.enqueueSqm(s, q, slot, now, false);
        return;
      }
      s.bypassed++;
    } else if (viaDev === 0 || hardware) {
      // DIRECT transmit and the flow engine send straight to the port: an SQM qdisc on an
      // upper device of that port (pppoe-wan, a VLAN) never sees these packets.
      const above = this.sqmAbovePort[port]!;
      if (above >= 0) this.sqm[above]!.bypassed++;
    }
    this.toLink(link, port, slot, now);
  }

  private toLink(link: Link, port: number, slot: number, now: number): void {
    const r = link.enqueue(slot, this.flowHash(slot), now);
    if (r !== 0) this.built.router.drop(slot, r);
    this.drainQdiscDrops(link.qdisc);
    this.scheduleLink(link, port);
    this.drainTx(link, port);
  }

  private scheduleLink(link: Link, port: number): void {
    const t = link.nextEventTime();
    if (t < this.linkScheduled[port]! || (this.linkScheduled[port]! <= this.now && t !== Infinity)) {
      if (t === Infinity) return;
      this.linkScheduled[port] = t;
      this.eq.push(t, EV_LINK, port);
    }
  }

  private runLink(port: number, now: number): void {
    const link = this.links[port];
    if (!link) return;
    if (this.linkScheduled[port] === now) this.linkScheduled[port] = Infinity;
    link.advance(now);
    this.drainQdiscDrops(link.qdisc);
    this.drainTx(link, port);
    this.scheduleLink(link, port);
  }

  private drainTx(link: Link, port: number): void {
    const done = link.txDone;
    const topo = this.built.net.topo;
    for (let i = 0; i < done.count; i++) {
      const slot = done.slots[i]!;
      const time = done.times[i]!;
      const len = this.pool.len[slot]!;
      this.transmitted++;
      this.transmittedBytes += len;
      topo.countTx(port, len);
      this.opts.onTransmit?.(slot, port, time);
      // Deliver to the host on this port whose MAC the frame is addressed to.
      const b = this.pool.bytes;
      const fs = this.pool.frameStart(slot);
      const hi = (b[fs]! << 8) | b[fs + 1]!;
      const lo = ((b[fs + 2]! << 24) | (b[fs + 3]! << 16) | (b[fs + 4]! << 8) | b[fs + 5]!) >>> 0;
      const list = this.hostsOnPort[port]!;
      let host = -1;
      for (let k = 0; k < list.length; k++) {
        const h = this.built.hosts[list[k]!]!;
        if (h.macHi === hi && h.macLo === lo) { host = h.index; break; }
      }
      if (host < 0) {
        this.lostNoHost++;
        this.pool.free(slot);
        continue;
      }
      this.hostOfSlot[slot] = host;
      this.eq.push(time + this.built.hosts[host]!.delayNs, EV_HOST_RX, slot);
    }
    done.clear();
  }

  private enqueueSqm(s: SqmStage, q: number, slot: number, now: number, ingress: boolean): void {
    this.pool.ts[slot] = now;
    const r = s.stage.enqueue(slot, this.flowHash(slot), now);
    if (r !== 0) { s.dropped++; this.built.router.drop(slot, r); }
    this.drainSqmDrops(s);
    this.afterSqm(s, q, now, ingress);
  }

  private runSqm(q: number, now: number, ingress: boolean): void {
    const s = this.sqm[q]!;
    if (s.scheduled === now) s.scheduled = Infinity;
    s.stage.advance(now);
    this.drainSqmDrops(s);
    this.afterSqm(s, q, now, ingress);
  }

  /** Hands what the shaper released on: into the port's queue (egress) or the CPU rx path (ingress). */
  private afterSqm(s: SqmStage, q: number, now: number, ingress: boolean): void {
    const done = s.stage.txDone;
    for (let i = 0; i < done.count; i++) {
      const slot = done.slots[i]!;
      const t = done.times[i]!;
      const delay = t - this.pool.ts[slot]!;
      s.intervalDelaySum += delay;
      s.intervalDelayCount++;
      if (ingress) {
        const port = this.hostOfSlot[slot]!;
        this.hostOfSlot[slot] = -1;
        this.built.router.receiveCpu(slot, port, t);
      } else this.toLink(this.links[s.port]!, s.port, slot, t);
    }
    done.clear();
    const next = s.stage.nextEventTime();
    if (next !== Infinity && (next < s.scheduled || s.scheduled <= now)) {
      s.scheduled = next;
      this.eq.push(next, ingress ? EV_INGRESS : EV_SQM, q);
    }
  }

  private drainSqmDrops(s: SqmStage): void {
    const d = s.qdisc.drops;
    for (let i = 0; i < d.count; i++) { s.dropped++; this.built.router.drop(d.slots[i]!, d.reasons[i]!); }
    d.clear();
  }

  private drainQdiscDrops(q: Qdisc): void {
    const d = q.drops;
    for (let i = 0; i < d.count; i++) this.built.router.drop(d.slots[i]!, d.reasons[i]!);
    d.clear();
  }

  deliverLocal(slot: number, _now: number): void {
    this.deliveredLocal++;
    this.pool.free(slot);
  }

  dropped(slot: number): void {
    this.hostOfSlot[slot] = -1;
    this.pool.free(slot);
  }

  /** A per-flow hash for the fair-queueing qdiscs (the skb hash over the tuple). */
  private flowHash(slot: number): number {
    const t = this.pool.tuple;
    const o = slot * TUPLE_WORDS;
    let h = 0x811c9dc5;
    for (let i = 0; i < TUPLE_WORDS; i++) h = Math.imul(h ^ t[o + i]!, 0x01000193);
    return h >>> 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Router → hosts
  // ---------------------------------------------------------------------------------------------

  private hostReceive(slot: number, now: number): void {
    const pool = this.pool;
    const host = this.hostOfSlot[slot]!;
    this.hostOfSlot[slot] = -1;
    const f = pool.flow[slot]!;
    if (f < 0 || f >= this.traffic.flows) {
      this.answerCapture(slot, host, now);
      return;
    }
    if (parseFrame(pool, slot) !== 0) {
      pool.free(slot);
      return;
    }
    const atClient = host === this.clientHost[f];
    if (!atClient && this.traffic.groups[this.traffic.group[f]!]!.spec.unanswered) {
      pool.free(slot);
      return;
    }
    if (!atClient && host !== this.serverHost[f]) {
      this.misdelivered++;
      pool.free(slot);
      return;
    }
    const b = pool.bytes;
    const fs = pool.frameStart(slot);
    const l4 = fs + pool.l4off[slot]!;
    const ip = fs + pool.l3off[slot]!;
    const v6 = pool.l3proto[slot] === ETH_P_IPV6;
    const proto = pool.tuple[slot * TUPLE_WORDS + 9]! & 0xff;
    if (pool.pflags[slot]! & PF_ICMP_ERROR) {
      const type = b[l4]!;
      const mtu = !v6 && type === 3 && b[l4 + 1] === 4 ? (b[l4 + 6]! << 8) | b[l4 + 7]! : v6 && type === 2 ? ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0 : 0;
      this.traffic.onIcmpError(this, f, atClient, mtu, now);
      pool.free(slot);
      return;
    }
    // Check the packet is addressed as this side expects (a broken NAT shows up here).
    if (atClient) {
      const okAddr = v6 ? this.matchesV6(b, ip + 24, this.cliAddr, f * 4) : ((b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!) >>> 0 === this.cliAddr[f * 4];
      if (!okAddr) { this.misdelivered++; pool.free(slot); return; }
    } else if (!this.viewKnown[f]) {
      // The server learns where the client appears to be (after SNAT/masquerade).
      for (let w = 0; w < 4; w++) this.viewAddr[f * 4 + w] = v6 ? ((b[ip + 8 + w * 4]! << 24) | (b[ip + 9 + w * 4]! << 16) | (b[ip + 10 + w * 4]! << 8) | b[ip + 11 + w * 4]!) >>> 0 : w === 0 ? ((b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!) >>> 0 : 0;
      this.viewPort[f] = pool.tuple[slot * TUPLE_WORDS + T_PORTS]! >>> 16;
      // A server answers from its own socket's port, which a DNAT may have rewritten to.
      this.srvOwnPort[f] = pool.tuple[slot * TUPLE_WORDS + T_PORTS]! & 0xffff;
      this.viewKnown[f] = 1;
    }
    const ipEnd = v6 ? ip + 40 + ((b[ip + 4]! << 8) | b[ip + 5]!) : ip + ((b[ip + 2]! << 8) | b[ip + 3]!);
    let flags = 0, payload = 0, mss = 0;
    if (proto === IPPROTO_TCP && pool.pflags[slot]! & PF_L4_VALID) {
      flags = b[l4 + 13]!;
      const doff = (b[l4 + 12]! >>> 4) * 4;
      payload = ipEnd - l4 - doff;
      if (flags & 0x02) {
        for (let i = l4 + 20; i < l4 + doff;) {
          const k = b[i]!;
          if (k === 0) break;
          if (k === 1) { i++; continue; }
          if (k === 2) { mss = (b[i + 2]! << 8) | b[i + 3]!; break; }
          i += b[i + 1]! || 1;
        }
      }
    } else if (proto === IPPROTO_UDP) payload = ipEnd - l4 - 8;
    else payload = ipEnd - l4 - 8;
    pool.free(slot);
    this.traffic.onReceive(this, f, atClient, flags, payload < 0 ? 0 : payload, mss, now);
  }

  /** A frame of no generated flow (capture replay) reached `host`: a far host may answer it. */
  private answerCapture(slot: number, host: number, now: number): void {
    const r = this.responder;
    const h = this.built.hosts[host]!;
    if (r !== null && parseFrame(this.pool, slot) === 0 && r.prepare(this.pool, slot, h)) {
      const out = this.pool.alloc();
      if (out < 0) this.poolExhausted++;
      else if (!r.write(this.pool, out)) this.pool.free(out);
      else {
        this.offered++;
        this.hostOfSlot[out] = h.port; // the port it will arrive on
        this.eq.push(now + h.delayNs, EV_RX, out);
      }
    }
    this.pool.free(slot);
  }

  private matchesV6(b: Uint8Array, at: number, words: Uint32Array, off: number): boolean {
    for (let w = 0; w < 4; w++) {
      const v = ((b[at + w * 4]! << 24) | (b[at + w * 4 + 1]! << 16) | (b[at + w * 4 + 2]! << 8) | b[at + w * 4 + 3]!) >>> 0;
      if (v !== words[off + w]) return false;
    }
    return true;
  }

  /** Slots still inside the simulation (queues, wires, events) — for the conservation check. */
  inFlight(): number {
    return this.pool.capacity - this.pool.available;
  }

  /** SQM stages for the report. */
  sqmStages(): readonly SqmStage[] {
    return this.sqm;
  }
}

void PROTO_ICMP;
