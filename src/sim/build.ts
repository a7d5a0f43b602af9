/**
 * From a validated scenario to a running router: the SoC profile, the devices and routes, the
 * hosts' neighbour and FDB entries, the ruleset (loaded as `nft -f` would, including the kernel
 * packages it needs), conntrack with the scenario's sysctls, the flowtables in the chosen mode and
 * the flow engine. Every problem is a located `BuildError` (file:line:col), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { PacketPool } from '../buffers/pool.ts';
import { ConntrackTable, CT_STRIDE, openwrtConntrackConfig } from '../conntrack/index.ts';
import { Flowtables } from '../flowtable/flowtable.ts';
import { NetConfigError, TopologyBuilder, type Network } from '../net/builder.ts';
import { DeviceKind } from '../net/devices.ts';
import { compileRuleset } from '../netfilter/compile.ts';
import { formatErrors } from '../nft/errors.ts';
import { parseRuleset } from '../nft/load.ts';
import type { Ruleset, Stmt } from '../nft/ir.ts';
import { createBackend, getSocProfile, listSocProfiles } from '../offload/registry.ts';
import type { SocProfile } from '../offload/soc-profile.ts';
import type { HardwareBackend } from '../offload/types.ts';
import type { Loc } from '../scenario/source.ts';
import type { HostSpec, Mode, Scenario } from '../scenario/types.ts';
import type { FlowCtOps } from '../flowtable/types.ts';
import { HwAdapter } from './hw-adapter.ts';
import { ShortcutFe } from '../offload/sfe.ts';
import { Router, type RouterSink } from './router.ts';

export class BuildError extends Error {
  constructor(message: string, readonly loc?: Loc) {
    super(loc ? `${loc.file}:${loc.line}:${loc.col}: error: ${message}` : `error: ${message}`);
    this.name = 'BuildError';
  }
}

/** OpenWrt's firewall4 package set (what `device.packages: [default]` stands for). */
export const FIREWALL4_PACKAGES = [
  'kmod-nft-core', 'kmod-nft-fib', 'kmod-nft-nat', 'kmod-nft-offload', 'kmod-nf-flow', 'kmod-nf-conntrack',
  'kmod-nf-conntrack6', 'kmod-nf-nat', 'kmod-nf-reject', 'kmod-nf-reject6',
];

export interface BuildOptions {
  /** Mode forced from the command line. */
  readonly mode?: Mode;
  readonly seed?: number;
  /** Packet buffers (default 65536). */
  readonly poolSlots?: number;
}

export interface BuiltHost {
  readonly spec: HostSpec;
  readonly index: number;
  /** The router's L3 device the host sits behind, and the physical port its frames use. */
  readonly l3Dev: number;
  readonly port: number;
  readonly macHi: number;
  readonly macLo: number;
  /** The router-side MAC frames from the host are addressed to. */
  readonly routerMacHi: number;
  readonly routerMacLo: number;
  /** Encapsulation words on the wire between host and router, outermost first. */
  readonly encap0: number;
  readonly encap1: number;
  readonly delayNs: number;
  /** Address words (4 each) and prefix lengths, IPv4 then IPv6 entries. */
  readonly v4: readonly { addr: number; plen: number }[];
  readonly v6: readonly { words: Uint32Array; plen: number }[];
}

export interface Built {
  readonly scenario: Scenario;
  readonly profile: SocProfile;
  readonly mode: Mode;
  readonly modeOverridden: boolean;
  readonly pool: PacketPool;
  readonly net: Network;
  readonly router: Router;
  readonly ruleset: Ruleset;
  readonly backend: HardwareBackend | null;
  readonly hosts: readonly BuiltHost[];
  /** ifindex → 1 for physical ports (devices with a wire). */
  readonly isPort: Uint8Array;
  readonly notes: string[];
  readonly seed: number;
}

function macNumbers(mac: string): [number, number] {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  return [((b[0]! << 8) | b[1]!) >>> 0, ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0];
}

function hostMac(index: number): string {
  const n = index + 1;
  return `0a:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
}

function parseV4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function parseV6(s: string): Uint32Array {
  const out = new Uint32Array(4);
  let text = s;
  let tailV4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined ? [] : tail === '' ? [] : tail.split(':');
  const groups = new Array<number>(8).fill(0);
  h.forEach((g, i) => { groups[i] = parseInt(g, 16); });
  t.forEach((g, i) => { groups[8 - t.length + i] = parseInt(g, 16); });
  for (let i = 0; i < 4; i++) out[i] = ((groups[i * 2]! << 16) | groups[i * 2 + 1]!) >>> 0;
  if (tailV4 !== null) out[3] = tailV4;
  return out;
}

function stmtsOf(rs: Ruleset): Stmt[] {
  const out: Stmt[] = [];
  for (const t of rs.tables) for (const c of t.chains) for (const r of c.rules) out.push(...r.stmts);
  return out;
}

/** The kernel packages a ruleset needs, with what needs them (nft fails without them). */
function requiredPackages(rs: Ruleset): Map<string, string> {
  const need = new Map<string, string>();
  for (const t of rs.tables) {
    for (const f of t.flowtables) need.set('kmod-nft-offload', `flowtable ${f.name}`);
    for (const c of t.chains) if (c.base?.type === 'nat') need.set('kmod-nft-nat', `nat chain ${c.name}`);
  }
  for (const s of stmtsOf(rs)) {
    if (s.kind === 'nat') need.set('kmod-nft-nat', `${s.type} statement`);
    if (s.kind === 'flow-add') need.set('kmod-nft-offload', 'flow add statement');
  }
  return need;
}

export function buildScenario(sc: Scenario, opts: BuildOptions = {}): Built {
  const notes: string[] = [];
  const profile = getSocProfile(sc.soc);
  if (!profile) {
    throw new BuildError(`device.soc: unknown SoC "${sc.soc}"; known: ${listSocProfiles().map((p) => p.name).join(', ')}`, sc.socLoc);
  }
  const seed = (opts.seed ?? sc.seed) >>> 0;
  const enginePortNames = new Set(profile.backend.kind === 'none' || profile.backend.kind === 'no-binding' ? [] : profile.ports.filter((p) => p.gmac !== null || profile.backend.kind === 'mlx5').map((p) => p.name));

  // --- devices ---------------------------------------------------------------------------------
  const tb = new TopologyBuilder();
  const isPortName = new Set<string>();
  const at = <T>(loc: Loc, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NetConfigError) throw new BuildError(e.message, loc);
      throw e;
    }
  };
  const hostsOn = (dev: string): HostSpec[] => sc.hosts.filter((h) => h.interface === dev);
  const macOfHost = (h: HostSpec): string => h.mac ?? hostMac(sc.hosts.indexOf(h));
  for (const spec of sc.interfaces) {
    const common = { ...(spec.mac ? { mac: spec.mac } : {}), ...(spec.mtu ? { mtu: spec.mtu } : {}) };
    at(spec.loc, () => {
      switch (spec.kind) {
        case 'ethernet': {
          tb.addEthernet(spec.name, { ...common, speedMbps: spec.speed ?? profile.ports.find((p) => p.name === spec.name)?.mbps ?? 1000, hwOffload: enginePortNames.has(spec.name) });
          if (!sc.interfaces.some((o) => o.kind === 'dsa' && o.parent === spec.name)) isPortName.add(spec.name);
          break;
        }
        case 'dsa': {
          const prof = profile.ports.find((p) => p.name === spec.name);
          tb.addDsaPort(spec.name, spec.parent!, { ...common, speedMbps: spec.speed ?? prof?.mbps ?? 1000, hwOffload: enginePortNames.has(spec.name), tagProto: prof?.dsa === 'other' ? 'qca' : 'mtk' });
          isPortName.add(spec.name);
          break;
        }
        case 'bridge':
          tb.addBridge(spec.name, spec.ports, common);
          break;
        case 'vlan':
          tb.addVlan(spec.name, spec.parent!, spec.vid!, { ...common, ...(spec.vlanProto ? { proto: spec.vlanProto } : {}) });
          break;
        case 'pppoe': {
          const peer = spec.peerMac ?? (hostsOn(spec.name)[0] ? macOfHost(hostsOn(spec.name)[0]!) : undefined);
          if (!peer) throw new BuildError(`interface ${spec.name}: a pppoe interface needs "peer_mac" or a host behind it (the access concentrator)`, spec.loc);
          tb.addPppoe(spec.name, spec.parent!, spec.session!, peer, spec.mtu ? { mtu: spec.mtu } : {});
          break;
        }
        case 'loopback':
          break;
      }
      for (const a of spec.addresses) if (spec.kind !== 'loopback') tb.addAddress(spec.name, a);
    });
  }
  for (const r of sc.routes) {
    at(r.loc, () => {
      const v6 = r.dst.includes(':') || (r.via?.includes(':') ?? false);
      tb.addRoute({
        dst: r.dst === 'default' ? (v6 ? 'default6' : 'default') : r.dst,
        ...(r.via !== undefined ? { via: r.via } : {}), ...(r.dev !== undefined ? { dev: r.dev } : {}),
        metric: r.metric || undefined as unknown as number, type: r.type, family: v6 ? 6 : 4,
      });
    });
  }
  // Hosts: static neighbours (addresses and the gateways routes point at) and bridge FDB entries.
  sc.hosts.forEach((h) => {
    const mac = macOfHost(h);
    const iface = sc.interfaces.find((i) => i.name === h.interface)!;
    at(h.loc, () => {
      if (iface.kind !== 'pppoe') {
        for (const a of h.addresses) {
          const [addr, len] = a.split('/');
          const host = len === undefined || len === '32' || len === '128';
          if (host) tb.addNeighbour(h.interface, addr!, mac);
        }
        for (const r of sc.routes) {
          if (r.via === undefined) continue;
          if (r.dev !== undefined && r.dev !== h.interface) continue;
          if (h.addresses.some((a) => a.includes('/') && a.split('/')[1] !== '32' && a.split('/')[1] !== '128') || h.addresses.some((a) => a.split('/')[0] === r.via)) {
            // A host standing for a remote network answers for the gateway the route names.
            if (!h.addresses.some((a) => a.split('/')[0] === r.via)) tb.addNeighbour(h.interface, r.via, mac);
          }
        }
      }
      if (iface.kind === 'bridge') {
        const port = h.port ?? iface.ports[0];
        if (port === undefined) throw new BuildError(`host ${h.name}: bridge ${iface.name} has no ports`, h.loc);
        tb.addFdbEntry(iface.name, mac, port);
      }
    });
  });
  // Routes are checked against each other when the FIB is built (`ip route add` "File exists"):
  // point the error at the route it names.
  let net: Network;
  try {
    net = tb.build();
  } catch (e) {
    if (!(e instanceof NetConfigError)) throw e;
    const m = /^route (\S+)/.exec(e.message);
    const route = m ? sc.routes.find((r) => r.dst === m[1] || (m[1] === 'default' && r.dst === 'default') || (m[1]!.startsWith('default') && r.dst === 'default')) : undefined;
    throw new BuildError(e.message, route?.loc ?? sc.routes[0]?.loc ?? sc.socLoc);
  }
  const topo = net.topo;

  // --- conntrack --------------------------------------------------------------------------------
  const sys = (k: string): number | undefined => sc.sysctl.get(k)?.value;
  const ctMax = sys('net.netfilter.nf_conntrack_max') ?? 65536;
  const ctTimeouts: Record<string, unknown> = {};
  const tcp: Record<string, number> = {};
  for (const [k, v] of sc.sysctl) {
    const m = /^net\.netfilter\.nf_conntrack_tcp_timeout_(\w+)$/.exec(k);
    if (m) {
      const key = m[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
      tcp[key === 'synSent' ? 'synSent' : key] = v.value;
    }
  }
  if (Object.keys(tcp).length > 0) ctTimeouts.tcp = tcp;
  const udp = sys('net.netfilter.nf_conntrack_udp_timeout');
  if (udp !== undefined) ctTimeouts.udp = udp;
  const udpStream = sys('net.netfilter.nf_conntrack_udp_timeout_stream');
  if (udpStream !== undefined) ctTimeouts.udpStream = udpStream;
  const icmp = sys('net.netfilter.nf_conntrack_icmp_timeout');
  if (icmp !== undefined) ctTimeouts.icmp = icmp;
  const generic = sys('net.netfilter.nf_conntrack_generic_timeout');
  if (generic !== undefined) ctTimeouts.generic = generic;
  const ct = new ConntrackTable(openwrtConntrackConfig({
    max: ctMax, seed: seed ^ 0x5bd1e995, tcpLoose: (sys('net.netfilter.nf_conntrack_tcp_loose') ?? 1) !== 0,
    timeouts: ctTimeouts as never,
  }));

  // --- ruleset ----------------------------------------------------------------------------------
  let text: string;
  let file: string;
  if (sc.ruleset.path !== undefined) {
    file = sc.ruleset.path;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new BuildError(`ruleset: cannot read "${file}"`, sc.ruleset.loc);
    }
  } else {
    text = sc.ruleset.inline ?? '';
    file = `${sc.file} (inline ruleset)`;
  }
  const loaded = parseRuleset(text, file);
  if (!loaded.ok) throw new BuildError(`ruleset does not load:\n${formatErrors(loaded.errors, loaded.sources)}`, sc.ruleset.loc);
  const ruleset = loaded.ruleset;
  // Kernel packages (an OpenWrt image without kmod-nft-offload rejects a flowtable, and so on).
  const pkgs = new Set(sc.packages.flatMap((p) => (p === 'default' ? FIREWALL4_PACKAGES : [p])));
  for (const [pkg, why] of requiredPackages(ruleset)) {
    if (!pkgs.has(pkg)) {
      throw new BuildError(`ruleset needs kernel package ${pkg} (for the ${why}), which device.packages does not install: nft fails with "Error: Could not process rule: No such file or directory". Add ${pkg} to device.packages.`, sc.ruleset.loc);
    }
  }

  // --- mode, flowtables, engine ---------------------------------------------------------------
  const fts = ruleset.tables.flatMap((t) => t.flowtables);
  const offloadFlag = (i: number): boolean => {
    const f = fts[i]!;
    if (!f.flagsKnown && sc.ruleset.flowtableOffload !== undefined) return sc.ruleset.flowtableOffload;
    return f.offload;
  };
  const natural: Mode = fts.length === 0 ? 'none' : fts.some((_, i) => offloadFlag(i)) ? 'hardware' : 'software';
  const asked = opts.mode ?? sc.mode;
  const mode: Mode = asked ?? natural;
  const modeOverridden = asked !== undefined && asked !== natural;
  if (fts.length === 0 && mode !== 'none') notes.push(`mode ${mode} asked, but the ruleset has no flowtable: every packet takes the classic path`);
  if (fts.some((f) => !f.flagsKnown) && sc.ruleset.flowtableOffload === undefined) {
    notes.push('the ruleset is JSON, which does not carry a flowtable\'s `flags offload`/`counter`: set ruleset.flowtable_offload in the scenario to say');
  }

  const pool = new PacketPool({ capacity: opts.poolSlots ?? 65536, slotSize: 2048, headroom: 128 });
  // Flow ids are conntrack entry indexes (a flow is its connection's extension: FlowTable).
  const ftCapacity = ct.capacity;
  const enginePort = new Int32Array(topo.count + 2).fill(-1);
  const isPort = new Uint8Array(topo.count + 2);
  for (let i = 1; i <= topo.count; i++) {
    const name = topo.name(i);
    if (isPortName.has(name)) isPort[i] = 1;
    const idx = profile.ports.findIndex((p) => p.name === name);
    if (idx >= 0 && enginePortNames.has(name)) enginePort[i] = idx;
  }

  let backend: HardwareBackend | null = null;
  const hwOffloadFlags = fts.map((_, i) => offloadFlag(i) || (mode === 'hardware' && modeOverridden));
  if (mode === 'hardware' && fts.length > 0) {
    if (profile.backend.kind === 'none' || profile.backend.kind === 'no-binding') {
      notes.push(`flags offload refused: ${profile.title} has no flowtable offload (${profile.backend.kind === 'none' ? profile.backend.why : `${profile.backend.driver} binds tc flower only`}); nft refuses the flowtable with "Operation not supported" (EOPNOTSUPP) — the software flowtable keeps working without the flag`);
    } else {
      backend = createBackend(profile);
      // nf_flow_table_offload_setup: every listed device must take TC_SETUP_FT, or nft fails.
      fts.forEach((f, i) => {
        if (!hwOffloadFlags[i]) return;
        const bad = f.devices.filter((d) => {
          const ix = topo.byName(d);
          return ix <= 0 || enginePort[ix]! < 0;
        });
        if (bad.length > 0) {
          const msg = `flowtable ${f.name} with flags offload lists ${bad.join(', ')}, which cannot offload flows to ${profile.title}'s engine (only ${[...enginePortNames].join(', ') || 'no device'} can)`;
          if (offloadFlag(i) && !modeOverridden) throw new BuildError(`${msg}: nft fails with "Error: Could not process rule: Operation not supported"`, f.loc);
          notes.push(`${msg}; flows arriving there stay in software`);
        }
      });
    }
  }

  const flowtables = new Flowtables({
    capacity: ftCapacity, seed: seed ^ 0x27d4eb2f, ct: ctOps(ct), tuples: ct.tuples, tupleStride: CT_STRIDE,
    tcpTimeoutNs: (sys('net.netfilter.nf_flowtable_tcp_timeout') ?? 30) * 1e9,
    udpTimeoutNs: (sys('net.netfilter.nf_flowtable_udp_timeout') ?? 30) * 1e9,
    maxDevices: topo.count + 2,
  });
  flowtables.softwareEnabled = mode !== 'none';
  flowtables.hardwareEnabled = mode === 'hardware' && backend !== null;
  fts.forEach((f, i) => {
    const devices: number[] = [];
    for (const d of f.devices) {
      const ix = topo.byName(d);
      if (ix > 0) devices.push(ix);
      else notes.push(`flowtable ${f.name}: device "${d}" does not exist (nft: "Could not process rule: No such file or directory")`);
    }
    flowtables.define({ name: f.name, devices, counter: f.counter || (sc.ruleset.flowtableCounter ?? false), offload: hwOffloadFlags[i]! && backend !== null });
  });

  // --- router -----------------------------------------------------------------------------------
  const nullSink: RouterSink = { transmit: () => undefined, deliverLocal: () => undefined, dropped: () => undefined };
  const shortcut = sc.shortcut === 'sfe' ? new ShortcutFe({ packetThreshold: profile.shortcut?.packetThreshold ?? 10 }) : null;
  if (shortcut) notes.push(`Shortcut-FE-style accelerator on: connections past ${profile.shortcut?.packetThreshold ?? 10} packets, established and without helper, skip netfilter but still pass the egress qdisc`);
  const router = new Router({
    pool, net, ct, flowtables, backend: flowtables.hardwareEnabled ? backend : null, shortcut, enginePort, isPort,
    ttl: sys('net.ipv4.ip_default_ttl') ?? 64,
    flowtableDevices: fts.map((f) => f.devices), flowtableHw: fts.map((_, i) => hwOffloadFlags[i]! && backend !== null),
  }, nullSink);
  if (backend !== null && flowtables.hardwareEnabled) flowtables.hw = new HwAdapter(backend, flowtables, topo, enginePort);
  const compiled = compileRuleset(ruleset, pool, router, { builtins: router.builtins() });
  const errs = compiled.errors.filter((e) => e.kind !== 'unsupported');
  if (errs.length > 0) throw new BuildError(`ruleset: ${formatErrors(errs, loaded.sources)}`, sc.ruleset.loc);
  for (const e of compiled.errors) if (e.kind === 'unsupported') notes.push(`${e.loc.file}:${e.loc.line}:${e.loc.col}: ${e.message} (this rule never matches in flowsim)`);
  router.rules = compiled;

  // --- hosts ------------------------------------------------------------------------------------
  const hosts: BuiltHost[] = sc.hosts.map((h, index) => buildHost(h, index, macOfHost(h), net, sc));
  return { scenario: sc, profile, mode, modeOverridden, pool, net, router, ruleset, backend, hosts, isPort, notes, seed };
}

function buildHost(h: HostSpec, index: number, mac: string, net: Network, sc: Scenario): BuiltHost {
  const topo = net.topo;
  const l3Dev = topo.byName(h.interface);
  const [mh, ml] = macNumbers(mac);
  // Walk down from the L3 device to the port the host is plugged into, collecting encaps.
  let dev = l3Dev;
  const encaps: number[] = [];
  let routerHi = topo.macHi[l3Dev]!, routerLo = topo.macLo[l3Dev]!;
  let port = 0;
  for (let guard = 0; guard < 8 && port === 0; guard++) {
    const kind = topo.kind[dev]!;
    if (kind === DeviceKind.BRIDGE) {
      const iface = sc.interfaces.find((i) => i.name === topo.name(dev));
      const pname = h.port ?? iface?.ports[0];
      dev = pname ? topo.byName(pname) : 0;
      if (dev <= 0) throw new BuildError(`host ${h.name}: no bridge port to attach to`, h.loc);
    } else if (kind === DeviceKind.VLAN) {
      encaps.unshift(((topo.vlanProto[dev]! << 16) | topo.vlanId[dev]!) >>> 0);
      dev = topo.lower[dev]!;
    } else if (kind === DeviceKind.PPPOE) {
      encaps.unshift(((0x8864 << 16) | topo.pppoeSid[dev]!) >>> 0);
      dev = topo.lower[dev]!;
      routerHi = topo.macHi[dev]!;
      routerLo = topo.macLo[dev]!;
    } else {
      port = dev;
    }
  }
  // VLAN devices below a PPPoE device come out before it: order outermost first.
  encaps.sort((a, b) => ((a >>> 16) === 0x8864 ? 1 : 0) - ((b >>> 16) === 0x8864 ? 1 : 0));
  const v4: { addr: number; plen: number }[] = [];
  const v6: { words: Uint32Array; plen: number }[] = [];
  for (const a of h.addresses) {
    const [addr, len] = a.split('/') as [string, string | undefined];
    if (addr.includes(':')) v6.push({ words: parseV6(addr), plen: len === undefined ? 128 : Number(len) });
    else v4.push({ addr: parseV4(addr), plen: len === undefined ? 32 : Number(len) });
  }
  return {
    spec: h, index, l3Dev, port, macHi: mh, macLo: ml, routerMacHi: routerHi, routerMacLo: routerLo,
    encap0: encaps[0] ?? 0, encap1: encaps[1] ?? 0, delayNs: h.delay_s * 1e9, v4, v6,
  };
}


/** The flowtable's view of conntrack (FlowCtOps) over the conntrack table. */
export function ctOps(ct: ConntrackTable): FlowCtOps {
  const DAY = 86400e9;
  return {
    index: (h) => ct.indexOf(h),
    hold(h) { ct.holdFlow(h); },
    put(h) { ct.releaseFlow(h); },
    status: (h) => ct.statusOf(h),
    setStatus(h, bits) {
      if (ct.isValid(h)) ct.setStatusAt(ct.indexOf(h), ct.statusAt(ct.indexOf(h)) | bits);
    },
    clearStatus(h, bits) {
      if (ct.isValid(h)) ct.setStatusAt(ct.indexOf(h), ct.statusAt(ct.indexOf(h)) & ~bits);
    },
    alive: (h) => ct.isLive(h),
    fixup(h, now, offloadTimeout) {
      // flow_offload_fixup_ct (mainline 6.6/6.12): keep the TCP state, timeout = state's − offload timeout.
      if (!ct.isValid(h)) return;
      const l4 = ct.l4protoOf(h);
      let timeout: number;
      if (l4 === 6) timeout = ct.tcpTimeouts[ct.tcpStateOf(h)]! - offloadTimeout;
      else if (l4 === 17) timeout = ct.udpStreamTimeout - offloadTimeout;
      else return;
      if (timeout < 0) timeout = 0;
      if (ct.timeLeft(h, now) > timeout) ct.setTimeout(h, now + timeout);
    },
    extendTimeout(h, now) {
      // nf_ct_offload_timeout: if it expires within half a day, push it a day out.
      if (ct.isValid(h) && ct.timeLeft(h, now) < DAY / 2) ct.setTimeout(h, now + DAY);
    },
    acct() {
      // Conntrack byte/packet accounting is not modelled (nf_conntrack_acct is off by default).
    },
  };
}
