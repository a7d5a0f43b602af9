/**
 * End-to-end rig for the benchmarks: a router built from a scenario exactly as `flowsim run`
 * builds it, N established, NATed, bidirectional TCP connections pushed through it (handshake and
 * one data segment each way, so conntrack is ESTABLISHED+ASSURED, confirmed, and — in software and
 * hardware mode — `flow add` has offloaded the flow), and a template area of data frames to replay.
 *
 * The timed `burst()` takes 64 template frames (mixed connections, both directions), copies each
 * into a fresh pool slot with one `copyWithin` (the router rewrites frames in place: NAT, TTL, L2),
 * and calls `router.receive(slot, port, now)`, which takes it through the whole router: engine
 * lookup, flowtable hook, L2 demux, netfilter hooks, routing, NAT, neighbour output. The sink only
 * counts and frees the slot, so the router alone is measured (plus the harness: see `harnessBurst`).
 *
 * Only setup allocates; `burst()` allocates nothing.
 */
import { setHostL2 } from '../src/sim/host-frame.ts';
import { PATH_CLASSIC, PATH_HARDWARE, PATH_SOFTWARE, type PacketPool } from '../src/buffers/pool.ts';
import { IPS_CONFIRMED, IPS_HW_OFFLOAD, IPS_OFFLOAD } from '../src/conntrack/constants.ts';
import type { Scenario, Mode } from '../src/scenario/types.ts';
import { decodeScenario } from '../src/scenario/schema.ts';
import { formatSourceError, parseLocated } from '../src/scenario/source.ts';
import { buildScenario, type Built, type BuiltHost } from '../src/sim/build.ts';
import { loadScenario } from '../src/sim/run.ts';
import type { Router, RouterSink } from '../src/sim/router.ts';
import { FrameSpec, buildFrame } from '../src/wire/builder.ts';
import { parseFrame } from '../src/wire/parse.ts';
import { replaceL2 } from '../src/flowtable/l2.ts';
import { HOOK_FORWARD, HOOK_POSTROUTING, HOOK_PREROUTING, NFPROTO_IPV4 } from '../src/netfilter/host.ts';
import { NF_ACCEPT } from '../src/netfilter/verdict.ts';
import { ipv4DecTtl } from '../src/wire/nat.ts';
import { dropReasonName } from '../src/wire/drop-reasons.ts';
import { IPPROTO_TCP, TUPLE_WORDS, T_PORTS, T_SRC } from '../src/wire/tuple.ts';
import type { BenchMode } from './case.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..');

export const BURST = 64;
const TCP_SYN = 0x02, TCP_ACK = 0x10, TCP_PSH = 0x08;
/** Data segment payload (bytes) of the replayed packets. */
export const PAYLOAD = 64;
/**
 * Virtual time between two connections' setups: mlx5 takes 100 000 rule inserts/s and a flow is
 * two rules (one per direction), so hardware mode spaces them 22 µs apart (~91 000 rules/s).
 */
const SETUP_SPACING_NS = 12_000;
const SETUP_SPACING_HW_NS = 22_000;
const TICK_NS = 1e6;

/**
 * fw4's ruleset (as `fw4 print` shows it for a default OpenWrt config with flow offloading) on a
 * two-port router: LAN pf0vf0, WAN p0 with masquerade, the flowtable on both ports.
 */
export const FW4_TWO_PORT_NFT = `table inet fw4 {
	flowtable ft {
		hook ingress priority filter;
		devices = { "pf0vf0", "p0" };
		flags offload;
		counter;
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state vmap { established : accept, related : accept }
		tcp flags & (fin | syn | rst | ack) == syn jump syn_flood
		iifname "pf0vf0" jump input_lan
		iifname "p0" jump input_wan
		jump handle_reject
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		meta l4proto { tcp, udp } flow offload @ft;
		ct state vmap { established : accept, related : accept }
		iifname "pf0vf0" jump forward_lan
		iifname "p0" jump forward_wan
		jump handle_reject
	}
	chain output {
		type filter hook output priority filter; policy accept;
		oif "lo" accept
		ct state vmap { established : accept, related : accept }
		oifname "pf0vf0" jump output_lan
		oifname "p0" jump output_wan
	}
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
		iifname "pf0vf0" jump helper_lan
	}
	chain handle_reject {
		meta l4proto tcp reject with tcp reset
		reject
	}
	chain syn_flood {
		limit rate 25/second burst 50 packets return
		drop
	}
	chain input_lan { jump accept_from_lan }
	chain output_lan { jump accept_to_lan }
	chain forward_lan {
		jump accept_to_wan
		jump accept_to_lan
	}
	chain helper_lan { }
	chain accept_from_lan { iifname "pf0vf0" counter accept }
	chain accept_to_lan { oifname "pf0vf0" counter accept }
	chain input_wan {
		meta nfproto ipv4 udp dport 68 counter accept
		icmp type echo-request counter accept
		meta nfproto ipv4 meta l4proto igmp counter accept
		meta nfproto ipv6 udp dport 546 counter accept
		jump reject_from_wan
	}
	chain output_wan { jump accept_to_wan }
	chain forward_wan {
		meta l4proto esp counter jump accept_to_lan
		udp dport 500 counter jump accept_to_lan
		jump reject_to_wan
	}
	chain accept_to_wan {
		meta nfproto ipv4 oifname "p0" ct state invalid counter drop
		oifname "p0" counter accept
	}
	chain reject_from_wan { iifname "p0" counter jump handle_reject }
	chain reject_to_wan { oifname "p0" counter jump handle_reject }
	chain dstnat { type nat hook prerouting priority dstnat; policy accept; }
	chain srcnat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "p0" jump srcnat_wan
	}
	chain srcnat_wan { meta nfproto ipv4 masquerade }
	chain mangle_forward {
		type filter hook forward priority mangle; policy accept;
		iifname "p0" tcp flags & (fin | syn | rst) == syn tcp option maxseg size set rt mtu
		oifname "p0" tcp flags & (fin | syn | rst) == syn tcp option maxseg size set rt mtu
	}
}
`;

/**
 * A two-port router on the mlx5-switchdev profile (the only engine in the catalogue whose table
 * holds 1M flows and binds on insertion, so all three modes run on one topology): LAN clients in
 * 10.0.0.0/8 behind 192.168.1.2 on pf0vf0, the Internet behind 100.64.0.1 on p0.
 */
function twoPortYaml(ctMax: number): string {
  const nft = FW4_TWO_PORT_NFT.split('\n').map((l) => `  ${l}`).join('\n');
  return `name: bench two-port fw4 router
seed: 1
duration: 1s
device:
  soc: mlx5-switchdev
interfaces:
  - { name: p0, kind: ethernet, mac: "02:00:00:00:00:01", addresses: [100.64.0.2/24] }
  - { name: pf0vf0, kind: ethernet, mac: "02:00:00:00:00:02", addresses: [192.168.1.1/24] }
routes:
  - { dst: default, via: 100.64.0.1 }
  - { dst: 10.0.0.0/8, via: 192.168.1.2 }
hosts:
  - { name: lan, interface: pf0vf0, addresses: [192.168.1.2, 10.0.0.0/8] }
  - { name: isp, interface: p0, addresses: [100.64.0.1, 0.0.0.0/0] }
sysctl:
  nf_conntrack_max: ${ctMax}
ruleset: |
${nft}
traffic: []
`;
}

export type Topology = 'two-port' | 'mt7621-pppoe';

export function loadTopology(topology: Topology, flows: number): Scenario {
  if (topology === 'mt7621-pppoe') return loadScenario(join(REPO, 'sim-scenarios', 'mt7621-pppoe.yaml'));
  const file = join(here, 'e2e-two-port.yaml');
  // nf_conntrack_max = the connection count exactly: tables sized to a power of two stay at it.
  const parsed = parseLocated(twoPortYaml(Math.max(1024, flows)), file);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
  const dec = decodeScenario(parsed.root, file);
  if (!dec.ok) throw new Error(dec.errors.map(formatSourceError).join('\n'));
  return dec.scenario;
}

export function scenarioMode(mode: Exclude<BenchMode, null>): Mode {
  return mode === 'classic' ? 'none' : mode;
}

/** Counts what the router hands out and frees it: the router alone is measured. */
class CountingSink implements RouterSink {
  transmitted = 0;
  drops = 0;
  local = 0;
  /** Capture the last transmitted frame's source (the NATed address/port) during setup. */
  capture = false;
  capSrc = 0;
  capSport = 0;
  capPort = -1;
  constructor(private readonly pool: PacketPool) {}
  transmit(slot: number, port: number): void {
    this.transmitted++;
    if (this.capture) {
      const pool = this.pool;
      this.capPort = port;
      if (parseFrame(pool, slot) === 0) {
        this.capSrc = pool.tuple[slot * TUPLE_WORDS + T_SRC]!;
        this.capSport = pool.tuple[slot * TUPLE_WORDS + T_PORTS]! >>> 16;
      }
    }
    this.pool.free(slot);
  }
  deliverLocal(slot: number): void {
    this.local++;
    this.pool.free(slot);
  }
  dropped(slot: number): void {
    this.drops++;
    this.pool.free(slot);
  }
}

export interface RigOptions {
  readonly topology: Topology;
  readonly mode: Exclude<BenchMode, null>;
  /** Established connections to build (exact). */
  readonly flows: number;
  /** Template frames to replay (power of two; default min(2·flows, 65536)). */
  readonly templates?: number;
}

export interface SetupStats {
  readonly setupMs: number;
  readonly offloaded: number;
  readonly hwOffloaded: number;
  readonly ctBytesPerConn: number;
  readonly ftBytesPerConn: number;
  readonly wqBytesPerConn: number;
}

export class E2eRig {
  readonly built: Built;
  readonly router: Router;
  readonly pool: PacketPool;
  readonly sink: CountingSink;
  readonly flows: number;
  readonly templates: number;
  readonly stats: SetupStats;
  now = 0;
  private cursor = 0;
  /** Template byte offsets in pool.bytes, and the same in 32-bit words of `words`. */
  private readonly tplOff: Int32Array;
  private readonly tplWord: Int32Array;
  /** pool.bytes as 32-bit words, for the raw template copy. */
  private readonly words: Uint32Array;
  private readonly tplLen: Uint16Array;
  /** Words to restore per template: the frame up to the end of its TCP header. */
  private readonly tplCopy: Uint8Array;
  private readonly tplPort: Uint16Array;
  private readonly slotBase: number;
  private readonly headroom: number;

  constructor(opts: RigOptions) {
    const t0 = performance.now();
    this.flows = opts.flows;
    let T = 1;
    while (T < Math.min(opts.templates ?? 65536, opts.flows * 2)) T *= 2;
    this.templates = T;
    const stride = 160;
    const sc = loadTopology(opts.topology, opts.flows);
    const slotSize = 2048;
    const perSlot = Math.floor(slotSize / stride);
    const tplSlots = Math.ceil(T / perSlot);
    const built = buildScenario(sc, { mode: scenarioMode(opts.mode), poolSlots: tplSlots + 512 });
    this.built = built;
    this.router = built.router;
    this.pool = built.pool;
    this.headroom = this.pool.headroom;
    this.slotBase = 0;
    this.sink = new CountingSink(this.pool);
    this.router.sink = this.sink;
    // Template area: the first tplSlots slots, allocated first so they are contiguous.
    const first = this.pool.alloc();
    for (let i = 1; i < tplSlots; i++) if (this.pool.alloc() !== first + i) throw new Error('template slots are not contiguous');
    const areaStart = this.pool.base(first);
    this.tplOff = new Int32Array(T);
    this.tplWord = new Int32Array(T);
    const buf = this.pool.bytes;
    this.words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
    this.tplLen = new Uint16Array(T);
    this.tplCopy = new Uint8Array(T);
    this.tplPort = new Uint16Array(T);

    const client = built.hosts.find((h) => h.spec.name === (opts.topology === 'two-port' ? 'lan' : 'laptop'))!;
    const server = built.hosts.find((h) => h.spec.name === 'isp')!;
    const spec = new FrameSpec();
    const router = this.router;
    const pool = this.pool;
    const sink = this.sink;
    // Which connections provide templates: a stride through all of them (spread over the tables).
    const tplFlows = T / 2;
    const tplOf = new Int32Array(opts.flows).fill(-1);
    for (let k = 0; k < tplFlows; k++) tplOf[Math.floor((k * opts.flows) / tplFlows)] = k;
    // Template order: shuffled, so a burst mixes connections and directions.
    const order = shuffledOrder(T, 0x2545f491);

    const send = (h: BuiltHost, src: number, dst: number, sport: number, dport: number, flags: number, seq: number, ack: number, payload: number, now: number, keepAs: number): void => {
      const slot = pool.alloc();
      if (slot < 0) throw new Error('pool exhausted during setup');
      frameSpec(spec, h, src, dst, sport, dport, flags, seq, ack, payload);
      if (buildFrame(pool, slot, spec) === 0) throw new Error('buildFrame failed');
      if (keepAs >= 0) {
        const at = order[keepAs]!;
        const off = areaStart + Math.floor(at / perSlot) * slotSize + (at % perSlot) * stride;
        const len = pool.len[slot]!;
        if (len > stride) throw new Error(`template frame of ${len} bytes exceeds the ${stride}-byte stride`);
        const fs = pool.frameStart(slot);
        pool.bytes.copyWithin(off, fs, fs + len);
        this.tplOff[at] = off;
        this.tplWord[at] = off >> 2;
        this.tplCopy[at] = (len - PAYLOAD + 3) >> 2;
        this.tplLen[at] = len;
        this.tplPort[at] = h.port;
      }
      router.receive(slot, h.port, now);
    };

    const ppe = opts.mode === 'hardware' && built.profile.backend.kind === 'mediatek-ppe';
    const spacing = opts.mode === 'hardware' ? SETUP_SPACING_HW_NS : SETUP_SPACING_NS;
    let now = 1e6;
    let nextTick = now + TICK_NS;
    const tick = (t: number): void => {
      router.ft.tick(t);
      if (router.backend !== null) router.backend.tick(t);
    };
    const serverBase = 0xc6120000; // 198.18.0.0/15 (RFC 2544 benchmarking range)
    const twoPort = opts.topology === 'two-port';
    const clientAddr0 = client.v4[0]!.addr;
    for (let f = 0; f < opts.flows; f++) {
      // Unique (server address, client port) per connection, so masquerade keeps the port.
      const cAddr = twoPort ? (0x0a000001 + (f >>> 6)) >>> 0 : clientAddr0;
      const cPort = twoPort ? 1024 + (f & 63) : 1024 + (f % 60000);
      const sAddr = (serverBase + (twoPort ? (f >>> 6) : Math.floor(f / 60000)) % 0x20000) >>> 0;
      const sPort = 443;
      sink.capture = true;
      sink.capPort = -1;
      send(client, cAddr, sAddr, cPort, sPort, TCP_SYN, 1000, 0, 0, now, -1);
      sink.capture = false;
      if (sink.capPort !== server.port) throw new Error(`connection ${f}: the SYN did not leave towards the server (port ${sink.capPort}; drops ${formatDrops(router)})`);
      const natAddr = sink.capSrc, natPort = sink.capSport;
      send(server, sAddr, natAddr, sPort, natPort, TCP_SYN | TCP_ACK, 5000, 1001, 0, now + 1000, -1);
      send(client, cAddr, sAddr, cPort, sPort, TCP_ACK, 1001, 5001, 0, now + 2000, -1);
      const k = tplOf[f]!;
      send(client, cAddr, sAddr, cPort, sPort, TCP_ACK | TCP_PSH, 1001, 5001, PAYLOAD, now + 3000, k >= 0 ? k * 2 : -1);
      send(server, sAddr, natAddr, sPort, natPort, TCP_ACK | TCP_PSH, 5001, 1001 + PAYLOAD, PAYLOAD, now + 4000, k >= 0 ? k * 2 + 1 : -1);
      now += spacing;
      if (now >= nextTick) { tick(now); nextTick = now + TICK_NS; }
    }
    // Let the offload work queue and (for the PPE) the bind logic finish.
    now += 2 * TICK_NS;
    tick(now);
    if (ppe) {
      // MediaTek PPE: a flow binds once the engine has seen it at ≥ 30 packets/s (mtk_ppe_check_skb):
      // replay every template 31 times within 100 ms of virtual time, ticking the driver as we go.
      for (let r = 0; r < 31; r++) {
        for (let i = 0; i < T; i++) this.replayOne(i, now);
        now += 3e6;
        tick(now);
      }
    }
    this.now = now;
    const ct = router.ct, ft = router.ft;
    const off = router.offloadCounts();
    this.stats = {
      setupMs: performance.now() - t0,
      offloaded: off.offloaded,
      hwOffloaded: off.hw,
      ctBytesPerConn: ct.memoryBytes() / ct.capacity,
      ftBytesPerConn: ft.table.memoryBytes / ft.table.capacity,
      // The offload work queue as it stands (transient requests, counted apart).
      wqBytesPerConn: ft.workQueueBytes / ft.table.capacity,
    };
    this.onPathShare = this.validate(opts.mode, ppe ? 0.9 : 0.99);
    void IPS_CONFIRMED; void IPS_OFFLOAD; void IPS_HW_OFFLOAD; void IPPROTO_TCP; void this.slotBase;
  }

  private replayOne(i: number, now: number): void {
    const pool = this.pool;
    const slot = pool.alloc();
    const src = this.tplOff[i]!;
    const len = this.tplLen[i]!;
    pool.len[slot] = len;
    const dst = slot * pool.slotSize + this.headroom;
    pool.bytes.copyWithin(dst, src, src + len);
    this.router.receive(slot, this.tplPort[i]!, now);
  }

  /** Share of the replayed packets that took the mode's path (the PPE leaves bucket losers on the CPU). */
  readonly onPathShare: number;

  /** One pass over every template: each must be forwarded, (almost) all on the mode's path. */
  private validate(mode: Exclude<BenchMode, null>, minShare: number): number {
    const r = this.router;
    const want = mode === 'classic' ? PATH_CLASSIC : mode === 'software' ? PATH_SOFTWARE : PATH_HARDWARE;
    const before = r.pathPackets[want]!;
    const tx0 = this.sink.transmitted;
    this.now += 1e5;
    for (let i = 0; i < this.templates; i++) this.replayOne(i, this.now);
    const onPath = r.pathPackets[want]! - before;
    const tx = this.sink.transmitted - tx0;
    if (tx !== this.templates || onPath < this.templates * minShare) {
      throw new Error(`e2e rig (${mode}, ${this.flows} flows): of ${this.templates} packets ${tx} were forwarded and ${onPath} took the ${mode} path; ` +
        `offloaded ${this.stats.offloaded}, in hardware ${this.stats.hwOffloaded}; drops ${formatDrops(r)}`);
    }
    return onPath / this.templates;
  }

  private readonly burstSlots = new Int32Array(BURST);
  private readonly burstPorts = new Int32Array(BURST);

  /**
   * Takes a pool slot and restores template `c` into it: the headers the router rewrites (L2, IP,
   * TCP: the payload is never read or changed) as a raw copy in 32-bit words — both ends are
   * 4-byte aligned and byte order does not matter to a copy; cheaper than a copyWithin call (a C++
   * builtin) per frame.
   */
  private restore(c: number): number {
    const pool = this.pool;
    const words = this.words;
    const slot = pool.alloc();
    const src = this.tplWord[c]!;
    pool.len[slot] = this.tplLen[c]!;
    const d = (slot * pool.slotSize + this.headroom) >> 2;
    for (let w = 0, n = this.tplCopy[c]!; w < n; w++) words[d + w] = words[src + w]!;
    return slot;
  }

  /**
   * The timed unit: 64 packets through the whole router as one burst (Router.receiveBurst: all
   * parsed and their flow-table lines loaded, then each processed).
   */
  burst(): void {
    const mask = this.templates - 1;
    const slots = this.burstSlots, ports = this.burstPorts;
    const now = (this.now += 1000);
    let c = this.cursor;
    for (let i = 0; i < BURST; i++) {
      slots[i] = this.restore(c);
      ports[i] = this.tplPort[c]!;
      c = (c + 1) & mask;
    }
    this.cursor = c;
    this.router.receiveBurst(slots, ports, BURST, now);
  }

  /** The same 64 packets, each through `router.receive` on its own (no burst look-ahead). */
  burstOneByOne(): void {
    const router = this.router;
    const mask = this.templates - 1;
    const now = (this.now += 1000);
    let c = this.cursor;
    for (let i = 0; i < BURST; i++) {
      router.receive(this.restore(c), this.tplPort[c]!, now);
      c = (c + 1) & mask;
    }
    this.cursor = c;
  }

  /**
   * The software fast path's stages, cumulatively, for bench/stages.bench.ts: the harness, then
   * `parseFrame`, then the flowtable hook (eligibility, lookup, liveness, refresh), then the
   * rewrite (NAT, TTL), then the L2 header (the flow's cached addresses: in place for Ethernet in
   * and out, else strip the received header and push the flow's);
   * the frame is freed after the last stage asked for. For a two-port rig without encapsulation.
   */
  stagesBurst(upTo: number): void {
    const pool = this.pool;
    const ft = this.router.ft;
    const t = ft.table;
    const mask = this.templates - 1;
    const now = (this.now += 1000);
    let c = this.cursor;
    for (let i = 0; i < BURST; i++) {
      const slot = this.restore(c);
      const port = this.tplPort[c]!;
      c = (c + 1) & mask;
      if (upTo >= 1) {
        pool.iif[slot] = port;
        parseFrame(pool, slot);
      }
      if (upTo >= 2) {
        const e = ft.hook(pool, slot, port, 0, 0, now);
        if (upTo >= 3 && e >= 0) {
          ft.rewrite(pool, slot, e);
          if (upTo >= 4) replaceL2(pool, slot, 4, t.dstMacHi(e), t.dstMacLo(e), t.srcMacHi(e), t.srcMacLo(e), t.outEncap0(e), t.outEncap1(e));
        }
      }
      pool.free(slot);
    }
    this.cursor = c;
  }

  /**
   * The classic path's stages, cumulatively, for bench/stages.bench.ts: the harness, then
   * `parseFrame`, then PREROUTING (conntrack in, the DNAT entry, fw4's prerouting chain), then the
   * route (FIB lookup, TTL decrement), then FORWARD (fw4's mangle and filter chains), then
   * POSTROUTING (the SNAT entry, confirm), then the neighbour lookup and the Ethernet header. Each
   * stage calls what the router's classic path calls for it, through the same generated hook
   * entry loops; the router's dispatch, counters and checks between them are left out. For a
   * two-port rig (no encapsulation; the arrival port is the L3 device) in classic mode.
   */
  classicStagesBurst(upTo: number): void {
    const pool = this.pool;
    const router = this.router;
    const hooks = router.rules.hooks;
    const fib = router.net.fib;
    const neigh = router.net.neigh;
    const topo = router.topo;
    const b = pool.bytes;
    const mask = this.templates - 1;
    const now = (this.now += 1000);
    let c = this.cursor;
    for (let i = 0; i < BURST; i++) {
      const slot = this.restore(c);
      const port = this.tplPort[c]!;
      c = (c + 1) & mask;
      let ok = true;
      if (upTo >= 1) {
        pool.iif[slot] = port;
        pool.ts[slot] = now;
        ok = parseFrame(pool, slot) === 0;
      }
      if (ok && upTo >= 2) ok = hooks.runner(HOOK_PREROUTING, NFPROTO_IPV4)(slot, now, HOOK_PREROUTING) === NF_ACCEPT;
      if (ok && upTo >= 3) {
        const ip = pool.frameStart(slot) + pool.l3off[slot]!;
        const daddr = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
        const r = fib.lookupV4(daddr);
        const outDev = fib.outDev(r);
        ipv4DecTtl(b, ip);
        pool.oif[slot] = outDev;
        if (upTo >= 4) ok = hooks.runner(HOOK_FORWARD, NFPROTO_IPV4)(slot, now, HOOK_FORWARD) === NF_ACCEPT;
        if (ok && upTo >= 5) ok = hooks.runner(HOOK_POSTROUTING, NFPROTO_IPV4)(slot, now, HOOK_POSTROUTING) === NF_ACCEPT;
        if (ok && upTo >= 6) {
          const n = neigh.lookupV4(outDev, fib.nextHopV4(r, daddr >>> 0));
          if (n >= 0) replaceL2(pool, slot, 4, neigh.macHi(n), neigh.macLo(n) | 0, topo.macHi[outDev]!, topo.macLo[outDev]! | 0, 0, 0);
        }
      }
      pool.free(slot);
    }
    this.cursor = c;
  }

  /** The harness alone: the same alloc + template copy + free, without the router. */
  harnessBurst(): void {
    const pool = this.pool;
    const mask = this.templates - 1;
    let c = this.cursor;
    for (let i = 0; i < BURST; i++) {
      pool.free(this.restore(c));
      c = (c + 1) & mask;
    }
    this.cursor = c;
  }
}

/** 0..n-1 in a fixed shuffled order (Fisher–Yates driven by xorshift32 from `seed`). */
export function shuffledOrder(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    const t = order[i]!; order[i] = order[j]!; order[j] = t;
  }
  return order;
}

function frameSpec(s: FrameSpec, h: BuiltHost, src: number, dst: number, sport: number, dport: number, flags: number, seq: number, ack: number, payload: number): void {
  // As the simulator's hosts build frames (Simulator.emit): host MAC → router MAC, host encaps.
  s.reset();
  setHostL2(s, h);
  s.family = 4;
  s.src4 = src;
  s.dst4 = dst;
  s.sport = sport;
  s.dport = dport;
  s.ttl = 64;
  s.df = true;
  s.ipId = seq & 0xffff;
  s.l4proto = IPPROTO_TCP;
  s.tcpFlags = flags;
  s.tcpSeq = seq;
  s.tcpAck = ack;
  s.tcpMss = flags & TCP_SYN ? 1460 : -1;
  s.payloadLen = payload;
  s.payloadSeed = sport & 0xff;
}

function formatDrops(r: Router): string {
  const parts: string[] = [];
  for (let i = 1; i < r.drops.length; i++) if (r.drops[i]! > 0) parts.push(`${dropReasonName(i)}×${r.drops[i]}`);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * Keeps at most one rig alive: benny holds every case's timed closure until the suite ends, so a
 * rig a finished case built would otherwise stay in memory (three 1M-connection rigs do not fit).
 */
export class RigHolder {
  rig: E2eRig | null = null;
}
let current: RigHolder | null = null;
let currentKey = '';
export function takeRig(opts: RigOptions): RigHolder {
  // Consecutive cases on the same rig (the stages suite) share it: building 64K connections takes
  // seconds, and the cases only read it and replay templates.
  const key = `${opts.topology}/${opts.mode}/${opts.flows}/${opts.templates ?? 0}`;
  if (current !== null && current.rig !== null && key === currentKey) return current;
  if (current !== null) current.rig = null;
  const h = new RigHolder();
  current = h;
  currentKey = key;
  h.rig = new E2eRig(opts);
  return h;
}
