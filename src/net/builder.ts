/**
 * Load-time construction of the router's network layer: devices, addresses, routes, neighbours and
 * static bridge FDB entries. The scenario loader calls these methods in file order; each checks its
 * input at once and throws a NetConfigError whose message names the offending item and what would
 * be valid, so the loader can prefix it with file:line:col. `build()` then produces the immutable
 * `Network` (device table, FIB, neighbour table, bridge FDB) the per-packet code reads.
 */
import { FAMILY_IPV4, FAMILY_IPV6 } from '../wire/tuple.ts';
import { formatCidr, mask32, parseAddr, parseCidr } from './addr.ts';
import type { ParsedCidr } from './addr.ts';
import { BridgeFdb } from './bridge.ts';
import {
  BR_DEFAULT_AGEING_NS, DEFAULT_MTU, DEV_F_DSA_CONDUIT, DEV_F_HW_OFFLOAD, DEV_F_LOOPBACK, DEV_F_NOARP,
  DSA_TAG_LENGTHS, DeviceKind, ETH_P_8021AD, ETH_P_8021Q, PPPOE_SES_HLEN, Topology,
} from './devices.ts';
import type { DeviceKindCode, DeviceSpec } from './devices.ts';
import {
  Fib, NO_ROUTE, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_PROHIBIT, RTN_UNICAST, RTN_UNREACHABLE,
  RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from './fib.ts';
import { macIsValid, parseMac } from './mac.ts';
import { NeighTable } from './neigh.ts';

export class NetConfigError extends Error {
  override name = 'NetConfigError';
}

export interface CommonDevOpts {
  /** "aa:bb:cc:dd:ee:ff"; a deterministic locally administered MAC is made up when absent. */
  mac?: string;
  mtu?: number;
  /** Administrative state; default up. */
  up?: boolean;
}

export interface EthernetOpts extends CommonDevOpts {
  /** Link speed in Mbit/s (default 1000). */
  speedMbps?: number;
  /** The driver handles TC_SETUP_FT (flowtable hardware offload), e.g. mtk_eth_soc ports. */
  hwOffload?: boolean;
}

export interface DsaPortOpts extends CommonDevOpts {
  /** Switch port number (default: the next free one on this conduit). */
  port?: number;
  /** Tag protocol ('mtk', 'qca', 'rtl8_4', …); default the conduit's first, else 'mtk'. */
  tagProto?: string;
  speedMbps?: number;
  hwOffload?: boolean;
}

export interface BridgeOpts extends CommonDevOpts {
  /** FDB ageing time in seconds (default 300, BR_DEFAULT_AGEING_TIME). */
  ageingSec?: number;
}

export interface VlanOpts extends CommonDevOpts {
  /** '802.1q' (default) or '802.1ad'. */
  proto?: '802.1q' | '802.1ad';
}

export type PppoeOpts = Omit<CommonDevOpts, 'mac'>;

export type RouteTypeName = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'local';

export interface RouteOpts {
  /** "10.0.0.0/8", "2001:db8::/32", "default" (IPv4; "default6" or `family: 6` for IPv6). */
  dst: string;
  via?: string;
  dev?: string;
  /** Default 0 for IPv4, 1024 for IPv6 (IP6_RT_PRIO_USER). */
  metric?: number;
  type?: RouteTypeName;
  /** Route MTU (`mtu` metric). */
  mtu?: number;
  family?: 4 | 6;
}

export interface DeviceAddress {
  readonly dev: number;
  readonly family: number;
  readonly words: Uint32Array;
  readonly plen: number;
}

/** The built network layer. */
export interface Network {
  readonly topo: Topology;
  readonly fib: Fib;
  readonly neigh: NeighTable;
  readonly fdb: BridgeFdb;
  readonly addresses: readonly DeviceAddress[];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/; // IFNAMSIZ 16 with the NUL

interface PendingRoute {
  opts: RouteOpts;
  where: string;
}

export class TopologyBuilder {
  private readonly specs: DeviceSpec[] = [];
  private readonly index = new Map<string, number>();
  private readonly addrs: DeviceAddress[] = [];
  private readonly routes: PendingRoute[] = [];
  private readonly neighs: { dev: number; family: number; words: Uint32Array; hi: number; lo: number }[] = [];
  private readonly fdbStatic: { br: number; port: number; hi: number; lo: number }[] = [];
  private built = false;

  constructor() {
    // lo is always ifindex 1, as in Linux (loopback_net_init registers it first).
    this.push('lo', DeviceKind.LOOPBACK, { mtu: 65536, macHi: 0, macLo: 0, flags: DEV_F_LOOPBACK });
    this.addAddress('lo', '127.0.0.1/8');
    this.addAddress('lo', '::1/128');
  }

  /** ifindex of `lo` (always 1). Kept for symmetry with the other add* calls. */
  addLoopback(): number {
    return 1;
  }

  addEthernet(name: string, opts: EthernetOpts = {}): number {
    const mac = this.macOf(name, opts.mac);
    return this.push(name, DeviceKind.ETHERNET, {
      ...mac, mtu: this.mtuOf(name, opts.mtu, DEFAULT_MTU), up: opts.up, speedMbps: opts.speedMbps ?? 1000,
      flags: opts.hwOffload ? DEV_F_HW_OFFLOAD : 0,
    });
  }

  /** A DSA user port `name` on switch port `opts.port` behind the ethernet conduit `conduit`. */
  addDsaPort(name: string, conduit: string, opts: DsaPortOpts = {}): number {
    const c = this.dev(`dsa port ${name}: conduit`, conduit);
    const cs = this.spec(c);
    if (cs.kind !== DeviceKind.ETHERNET) {
      throw new NetConfigError(`dsa port ${name}: conduit ${conduit} is a ${kindName(cs.kind)}, not an ethernet port`);
    }
    const siblings = this.specs.filter((s) => s.kind === DeviceKind.DSA_USER && s.lower === c);
    const port = opts.port ?? (siblings.reduce((m, s) => Math.max(m, s.dsaPort), -1) + 1);
    if (!Number.isInteger(port) || port < 0 || port > 31) throw new NetConfigError(`dsa port ${name}: port ${port} must be an integer 0..31`);
    const clash = siblings.find((s) => s.dsaPort === port);
    if (clash) throw new NetConfigError(`dsa port ${name}: switch port ${port} of ${conduit} is already ${clash.name}`);
    const tagProto = opts.tagProto ?? siblings[0]?.dsaTagProto ?? 'mtk';
    if (!(tagProto in DSA_TAG_LENGTHS)) {
      throw new NetConfigError(`dsa port ${name}: unknown tag protocol '${tagProto}'; known: ${Object.keys(DSA_TAG_LENGTHS).join(', ')}`);
    }
    if (siblings.length > 0 && siblings[0]!.dsaTagProto !== tagProto) {
      throw new NetConfigError(`dsa port ${name}: tag protocol '${tagProto}' differs from '${siblings[0]!.dsaTagProto}' used on ${conduit}`);
    }
    cs.flags |= DEV_F_DSA_CONDUIT;
    // DSA user ports inherit the conduit's MAC unless one is given (dsa_user_create: eth_hw_addr_inherit).
    const mac = opts.mac !== undefined ? this.macOf(name, opts.mac) : { macHi: cs.macHi, macLo: cs.macLo };
    return this.push(name, DeviceKind.DSA_USER, {
      ...mac, mtu: this.mtuOf(name, opts.mtu, DEFAULT_MTU), up: opts.up, speedMbps: opts.speedMbps ?? 1000,
      lower: c, dsaPort: port, dsaTagProto: tagProto, flags: opts.hwOffload ? DEV_F_HW_OFFLOAD : 0,
    });
  }

  addBridge(name: string, ports: readonly string[], opts: BridgeOpts = {}): number {
    const portIx: number[] = [];
    for (const p of ports) {
      const ix = this.index.get(p);
      if (ix === undefined) throw new NetConfigError(`bridge ${name}: port ${p} is not a device; known: ${this.known()}`);
      const s = this.spec(ix);
      if (s.kind === DeviceKind.BRIDGE) throw new NetConfigError(`bridge ${name}: port ${p} is a bridge (a bridge cannot be a port of another bridge)`);
      if (s.kind !== DeviceKind.ETHERNET && s.kind !== DeviceKind.DSA_USER && s.kind !== DeviceKind.VLAN) {
        throw new NetConfigError(`bridge ${name}: port ${p} is a ${kindName(s.kind)}; ports must be ethernet, dsa or vlan devices`);
      }
      if (s.master !== 0) throw new NetConfigError(`bridge ${name}: port ${p} is already a port of ${this.specs[s.master - 1]!.name}`);
      if (portIx.includes(ix)) throw new NetConfigError(`bridge ${name}: port ${p} listed twice`);
      portIx.push(ix);
    }
    const ageingSec = opts.ageingSec ?? 300;
    if (!(ageingSec > 0)) throw new NetConfigError(`bridge ${name}: ageingSec must be positive, got ${ageingSec}`);
    // br_stp_recalculate_bridge_id(): the lowest port MAC unless one is set.
    let mac: { macHi: number; macLo: number };
    if (opts.mac !== undefined) mac = this.macOf(name, opts.mac);
    else if (portIx.length > 0) {
      const sorted = portIx.map((i) => this.spec(i)).sort((a, b) => a.macHi - b.macHi || a.macLo - b.macLo);
      mac = { macHi: sorted[0]!.macHi, macLo: sorted[0]!.macLo };
    } else mac = this.macOf(name, undefined);
    // A bridge's MTU follows its smallest port (br_mtu_auto_adjust).
    const minPort = portIx.reduce((m, i) => Math.min(m, this.spec(i).mtu), Infinity);
    const mtu = this.mtuOf(name, opts.mtu, Number.isFinite(minPort) ? minPort : DEFAULT_MTU);
    const br = this.push(name, DeviceKind.BRIDGE, { ...mac, mtu, up: opts.up, ageingNs: ageingSec * 1e9 || BR_DEFAULT_AGEING_NS });
    for (const i of portIx) this.spec(i).master = br;
    return br;
  }

  addVlan(name: string, parent: string, vid: number, opts: VlanOpts = {}): number {
    const p = this.dev(`vlan ${name}: parent`, parent);
    const ps = this.spec(p);
    if (ps.kind === DeviceKind.PPPOE || ps.kind === DeviceKind.LOOPBACK || ps.kind === DeviceKind.IFB) {
      throw new NetConfigError(`vlan ${name}: parent ${parent} is a ${kindName(ps.kind)}; VLANs need an ethernet-like parent`);
    }
    if (!Number.isInteger(vid) || vid < 0 || vid > 4094) throw new NetConfigError(`vlan ${name}: id ${vid} must be an integer 0..4094`);
    const protoName = opts.proto ?? '802.1q';
    if (protoName !== '802.1q' && protoName !== '802.1ad') throw new NetConfigError(`vlan ${name}: proto must be '802.1q' or '802.1ad', got '${String(protoName)}'`);
    const proto = protoName === '802.1ad' ? ETH_P_8021AD : ETH_P_8021Q;
    const clash = this.specs.find((s) => s.kind === DeviceKind.VLAN && s.lower === p && s.vlanId === vid && s.vlanProto === proto);
    if (clash) throw new NetConfigError(`vlan ${name}: ${parent} already has ${protoName} vlan ${vid} (${clash.name})`);
    // A VLAN device takes its parent's MAC and MTU by default (vlan_dev_init).
    const mac = opts.mac !== undefined ? this.macOf(name, opts.mac) : { macHi: ps.macHi, macLo: ps.macLo };
    return this.push(name, DeviceKind.VLAN, {
      ...mac, mtu: this.mtuOf(name, opts.mtu, ps.mtu), up: opts.up, lower: p, vlanId: vid, vlanProto: proto,
    });
  }

  addPppoe(name: string, parent: string, sessionId: number, peerMac: string, opts: PppoeOpts = {}): number {
    const p = this.dev(`pppoe ${name}: parent`, parent);
    const ps = this.spec(p);
    if (ps.kind === DeviceKind.PPPOE || ps.kind === DeviceKind.LOOPBACK || ps.kind === DeviceKind.IFB) {
      throw new NetConfigError(`pppoe ${name}: parent ${parent} is a ${kindName(ps.kind)}; PPPoE needs an ethernet-like parent`);
    }
    // RFC 2516: session ids 0x0000 and 0xffff are reserved.
    if (!Number.isInteger(sessionId) || sessionId < 1 || sessionId > 0xfffe) {
      throw new NetConfigError(`pppoe ${name}: session id ${sessionId} must be an integer 1..65534`);
    }
    const peer = parseMac(peerMac);
    if (!peer || !macIsValid(peer.hi, peer.lo)) throw new NetConfigError(`pppoe ${name}: peer MAC '${peerMac}' is not a valid unicast MAC`);
    const clash = this.specs.find((s) => s.kind === DeviceKind.PPPOE && s.lower === p && s.pppoeSid === sessionId);
    if (clash) throw new NetConfigError(`pppoe ${name}: session ${sessionId} on ${parent} is already ${clash.name}`);
    return this.push(name, DeviceKind.PPPOE, {
      macHi: 0, macLo: 0, mtu: this.mtuOf(name, opts.mtu, ps.mtu - PPPOE_SES_HLEN), up: opts.up, lower: p,
      pppoeSid: sessionId, peerMacHi: peer.hi, peerMacLo: peer.lo, flags: DEV_F_NOARP,
    });
  }

  /** An IFB device (ingress shaping target); it takes no part in forwarding. */
  addIfb(name: string, opts: CommonDevOpts = {}): number {
    return this.push(name, DeviceKind.IFB, { ...this.macOf(name, opts.mac), mtu: this.mtuOf(name, opts.mtu, DEFAULT_MTU), up: opts.up });
  }

  /** `ip addr add CIDR dev DEV`. */
  addAddress(dev: string, cidr: string): void {
    const d = this.dev(`address ${cidr}: device`, dev);
    const c = parseCidr(cidr);
    if (!c) throw new NetConfigError(`address on ${dev}: '${cidr}' is not an IPv4/IPv6 address with an optional /prefix`);
    if (this.addrs.some((a) => a.dev === d && a.family === c.family && sameWords(a.words, c.words))) {
      throw new NetConfigError(`address on ${dev}: ${cidr} is already assigned`);
    }
    this.addrs.push({ dev: d, family: c.family, words: c.words, plen: c.plen });
  }

  /** `ip route add …`; resolved at build() (a gateway without a device is looked up then). */
  addRoute(opts: RouteOpts): void {
    const where = `route ${opts.dst}${opts.via ? ` via ${opts.via}` : ''}${opts.dev ? ` dev ${opts.dev}` : ''}`;
    if (opts.dev !== undefined) this.dev(`${where}: device`, opts.dev);
    if (opts.type !== undefined && !['unicast', 'blackhole', 'unreachable', 'prohibit', 'local'].includes(opts.type)) {
      throw new NetConfigError(`${where}: unknown type '${String(opts.type)}'; known: unicast, blackhole, unreachable, prohibit, local`);
    }
    this.routeDst(opts, where); // validate now
    this.routes.push({ opts, where });
  }

  /** `ip neigh add IP lladdr MAC dev DEV nud permanent`. */
  addNeighbour(dev: string, ip: string, mac: string): void {
    const d = this.dev(`neighbour ${ip}: device`, dev);
    const a = parseAddr(ip);
    if (!a) throw new NetConfigError(`neighbour on ${dev}: '${ip}' is not an IPv4/IPv6 address`);
    const m = parseMac(mac);
    if (!m || !macIsValid(m.hi, m.lo)) throw new NetConfigError(`neighbour ${ip} on ${dev}: '${mac}' is not a valid unicast MAC`);
    this.neighs.push({ dev: d, family: a.family, words: a.words, hi: m.hi, lo: m.lo });
  }

  /** `bridge fdb add MAC dev PORT master static`. */
  addFdbEntry(bridge: string, mac: string, port: string): void {
    const br = this.dev(`fdb ${mac}: bridge`, bridge);
    if (this.spec(br).kind !== DeviceKind.BRIDGE) throw new NetConfigError(`fdb ${mac}: ${bridge} is not a bridge`);
    const p = this.dev(`fdb ${mac}: port`, port);
    if (this.spec(p).master !== br) throw new NetConfigError(`fdb ${mac}: ${port} is not a port of ${bridge}`);
    const m = parseMac(mac);
    if (!m || !macIsValid(m.hi, m.lo)) throw new NetConfigError(`fdb on ${bridge}: '${mac}' is not a valid unicast MAC`);
    this.fdbStatic.push({ br, port: p, hi: m.hi, lo: m.lo });
  }

  build(opts: { fdbCapacity?: number } = {}): Network {
    if (this.built) throw new NetConfigError('TopologyBuilder.build() called twice');
    this.built = true;
    const topo = new Topology(this.specs);
    const fib = new Fib(topo.up);
    this.addConnectedRoutes(fib);
    for (const r of this.routes) this.addStaticRoute(fib, topo, r);
    const neigh = new NeighTable();
    for (const n of this.neighs) neigh.add(n.dev, n.family, n.words, n.hi, n.lo);
    const fdb = new BridgeFdb(topo.ageingNs, opts.fdbCapacity ?? 4096);
    for (let br = 1; br <= topo.count; br++) {
      if (topo.kind[br] !== DeviceKind.BRIDGE) continue;
      // fdb_add_local for the bridge's own MAC and each port's MAC (frames to them go up the stack).
      fdb.addLocal(br, topo.macHi[br]!, topo.macLo[br]!);
      for (let i = topo.portStart[br]!; i < topo.portStart[br + 1]!; i++) {
        const p = topo.portList[i]!;
        fdb.addLocal(br, topo.macHi[p]!, topo.macLo[p]!);
      }
    }
    for (const f of this.fdbStatic) fdb.addStatic(f.br, f.hi, f.lo, f.port);
    return { topo, fib, neigh, fdb, addresses: this.addrs.slice() };
  }

  // --- internals --------------------------------------------------------------------------------

  /** fib_add_ifaddr() / addrconf: local, broadcast and prefix routes for every address. */
  private addConnectedRoutes(fib: Fib): void {
    for (const a of this.addrs) {
      const isLo = this.spec(a.dev).kind === DeviceKind.LOOPBACK;
      const prefix = maskWords(a.words, a.plen);
      if (a.family === FAMILY_IPV4) {
        const host = a.words[0]!;
        addOnce(fib, { family: FAMILY_IPV4, prefix: [host], plen: 32, type: RTN_LOCAL, dev: a.dev, gateway: null, metric: 0, scope: RT_SCOPE_HOST, table: RT_TABLE_LOCAL, mtu: 0 });
        if (a.plen < 32 || prefix[0] !== host) {
          addOnce(fib, {
            family: FAMILY_IPV4, prefix, plen: a.plen, type: isLo ? RTN_LOCAL : RTN_UNICAST, dev: a.dev, gateway: null, metric: 0,
            scope: isLo ? RT_SCOPE_HOST : RT_SCOPE_LINK, table: isLo ? RT_TABLE_LOCAL : RT_TABLE_MAIN, mtu: 0,
          });
        }
        if (a.plen < 31) {
          const bcast = (prefix[0]! | ~mask32(a.plen)) >>> 0;
          addOnce(fib, { family: FAMILY_IPV4, prefix: [bcast], plen: 32, type: RTN_BROADCAST, dev: a.dev, gateway: null, metric: 0, scope: RT_SCOPE_LINK, table: RT_TABLE_LOCAL, mtu: 0 });
        }
      } else {
        addOnce(fib, { family: FAMILY_IPV6, prefix: a.words, plen: 128, type: RTN_LOCAL, dev: a.dev, gateway: null, metric: 0, scope: RT_SCOPE_HOST, table: RT_TABLE_LOCAL, mtu: 0 });
        if (a.plen < 128) {
          // addrconf_prefix_route(): metric IP6_RT_PRIO_ADDRCONF (256).
          addOnce(fib, { family: FAMILY_IPV6, prefix, plen: a.plen, type: RTN_UNICAST, dev: a.dev, gateway: null, metric: 256, scope: RT_SCOPE_LINK, table: RT_TABLE_MAIN, mtu: 0 });
        }
      }
    }
  }

  private routeDst(opts: RouteOpts, where: string): ParsedCidr {
    let family: number | undefined = opts.family;
    const via = opts.via !== undefined ? parseAddr(opts.via) : null;
    if (opts.via !== undefined && !via) throw new NetConfigError(`${where}: gateway '${opts.via}' is not an IP address`);
    if (via) family ??= via.family;
    let dst: ParsedCidr | null;
    if (opts.dst === 'default' || opts.dst === 'default6') {
      const fam = opts.dst === 'default6' ? FAMILY_IPV6 : (family ?? FAMILY_IPV4);
      dst = { family: fam as 4 | 6, words: new Uint32Array(4), plen: 0 };
    } else {
      dst = parseCidr(opts.dst);
      if (!dst) throw new NetConfigError(`${where}: destination '${opts.dst}' is not a prefix (e.g. 10.0.0.0/8, 2001:db8::/32, default)`);
    }
    if (family !== undefined && family !== dst.family) throw new NetConfigError(`${where}: gateway and destination are of different families`);
    const masked = maskWords(dst.words, dst.plen);
    if (!sameWords(masked, dst.words)) {
      throw new NetConfigError(`${where}: invalid prefix for the given prefix length (did you mean ${formatCidr(dst.family, masked, dst.plen)}?)`);
    }
    const type = opts.type ?? 'unicast';
    if (type === 'unicast' && opts.via === undefined && opts.dev === undefined) {
      throw new NetConfigError(`${where}: a unicast route needs a gateway (via) or a device (dev)`);
    }
    if (opts.metric !== undefined && (!Number.isInteger(opts.metric) || opts.metric < 0 || opts.metric > 0xffffffff)) {
      throw new NetConfigError(`${where}: metric ${opts.metric} must be an integer 0..4294967295`);
    }
    if (opts.mtu !== undefined && (!Number.isInteger(opts.mtu) || opts.mtu < 68 || opts.mtu > 65535)) {
      throw new NetConfigError(`${where}: mtu ${opts.mtu} must be an integer 68..65535`);
    }
    return dst;
  }

  private addStaticRoute(fib: Fib, topo: Topology, r: PendingRoute): void {
    const { opts, where } = r;
    const dst = this.routeDst(opts, where);
    const typeName = opts.type ?? 'unicast';
    const type = { unicast: RTN_UNICAST, blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT, local: RTN_LOCAL }[typeName];
    const metric = opts.metric ?? (dst.family === FAMILY_IPV6 ? 1024 : 0);
    const table = type === RTN_LOCAL ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
    let dev = opts.dev !== undefined ? topo.byName(opts.dev) : 0;
    const via = opts.via !== undefined ? parseAddr(opts.via) : null;
    if (via && type === RTN_UNICAST) {
      // fib_check_nh(): the gateway must be reachable on-link (a connected route) on the device.
      const g = dst.family === FAMILY_IPV4 ? fib.lookupMainV4(via.words[0]!) : fib.lookupV6(via.words, 0);
      const onLink = g !== NO_ROUTE && fib.type(g) === RTN_UNICAST && !fib.hasGateway(g) && (dev === 0 || fib.outDev(g) === dev);
      if (!onLink) {
        throw new NetConfigError(`${where}: gateway ${opts.via} is not on a connected network${dev ? ` of ${opts.dev}` : ''} (Nexthop has invalid gateway)`);
      }
      if (dev === 0) dev = fib.outDev(g);
    }
    if (fib.findExact(dst.family, table, dst.words, dst.plen, metric) !== NO_ROUTE) {
      throw new NetConfigError(`${where}: a route to ${formatCidr(dst.family, dst.words, dst.plen)} with metric ${metric} already exists (File exists)`);
    }
    fib.add({
      family: dst.family, prefix: dst.words, plen: dst.plen, type, dev: type === RTN_UNICAST || type === RTN_LOCAL ? dev : 0,
      gateway: via && type === RTN_UNICAST ? via.words : null, metric,
      scope: type === RTN_LOCAL ? RT_SCOPE_HOST : via ? RT_SCOPE_UNIVERSE : type === RTN_UNICAST ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
      table, mtu: opts.mtu ?? 0,
    });
  }

  private push(name: string, kind: DeviceKindCode, p: Partial<DeviceSpec> & { up?: boolean | undefined }): number {
    if (this.built) throw new NetConfigError(`device ${name}: the network is already built`);
    if (!NAME_RE.test(name)) throw new NetConfigError(`device '${name}': names are 1–15 characters of letters, digits, '.', '-', '_', '@'`);
    if (this.index.has(name)) throw new NetConfigError(`device ${name}: defined twice`);
    const spec: DeviceSpec = {
      name, kind, macHi: p.macHi ?? 0, macLo: p.macLo ?? 0, mtu: p.mtu ?? DEFAULT_MTU, up: p.up ?? true,
      flags: p.flags ?? 0, speedMbps: p.speedMbps ?? 0, lower: p.lower ?? 0, master: 0, vlanId: p.vlanId ?? 0,
      vlanProto: p.vlanProto ?? 0, pppoeSid: p.pppoeSid ?? -1, peerMacHi: p.peerMacHi ?? 0, peerMacLo: p.peerMacLo ?? 0,
      dsaPort: p.dsaPort ?? -1, dsaTagProto: p.dsaTagProto ?? '', ageingNs: p.ageingNs ?? 0,
    };
    this.specs.push(spec);
    const ix = this.specs.length;
    this.index.set(name, ix);
    return ix;
  }

  private spec(ix: number): DeviceSpec {
    return this.specs[ix - 1]!;
  }

  private dev(what: string, name: string): number {
    const ix = this.index.get(name);
    if (ix === undefined) throw new NetConfigError(`${what} ${name} is not a device; known: ${this.known()}`);
    return ix;
  }

  private known(): string {
    return this.specs.map((s) => s.name).join(', ');
  }

  private macOf(name: string, text: string | undefined): { macHi: number; macLo: number } {
    if (text === undefined) {
      // Locally administered, deterministic: 02:00:00:00:00:<next ifindex> (Linux would pick random).
      const n = this.specs.length + 1;
      return { macHi: 0x0200, macLo: n >>> 0 };
    }
    const m = parseMac(text);
    if (!m || !macIsValid(m.hi, m.lo)) throw new NetConfigError(`device ${name}: '${text}' is not a valid unicast MAC (e.g. 02:11:22:33:44:55)`);
    return { macHi: m.hi, macLo: m.lo };
  }

  private mtuOf(name: string, mtu: number | undefined, dflt: number): number {
    const v = mtu ?? dflt;
    if (!Number.isInteger(v) || v < 68 || v > 65536) throw new NetConfigError(`device ${name}: mtu ${v} must be an integer 68..65536`);
    return v;
  }
}

function kindName(kind: number): string {
  return ['?', 'ethernet port', 'dsa port', 'bridge', 'vlan', 'pppoe device', 'loopback', 'ifb'][kind] ?? '?';
}

function sameWords(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < 4; i++) if ((a[i] ?? 0) >>> 0 !== (b[i] ?? 0) >>> 0) return false;
  return true;
}

function maskWords(w: ArrayLike<number>, plen: number): Uint32Array {
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) out[i] = ((w[i] ?? 0) & mask32(plen - 32 * i)) >>> 0;
  return out;
}

/** Adds a kernel-generated route unless the same (table, prefix, metric, device) exists already. */
function addOnce(fib: Fib, spec: Parameters<Fib['add']>[0]): void {
  const existing = fib.findExact(spec.family, spec.table, spec.prefix, spec.plen, spec.metric);
  if (existing !== NO_ROUTE && fib.outDev(existing) === spec.dev) return;
  fib.add(spec);
}

