/**
 * Forward-path resolution: from the L3 device a route leaves by, down through bridges, VLAN, PPPoE
 * and DSA devices to the real port, collecting the encapsulations to push — what the flowtable does
 * when `flow add @ft` creates a flow (nft_flow_route → nft_dev_forward_path).
 *
 * Three steps, each modelling one kernel function:
 * 1. `fillForwardPath` = dev_fill_forward_path() (net/core/dev.c): a stack of at most
 *    NET_DEVICE_PATH_STACK_MAX (5) elements, each device's ndo_fill_forward_path contributing one:
 *    - VLAN (vlan_dev_fill_forward_path): DEV_PATH_VLAN {vid, proto}, continue on the parent; a third
 *      VLAN device fails (-ENOSPC, NET_DEVICE_PATH_VLAN_MAX 2).
 *    - bridge (br_fill_forward_path): FDB lookup of the destination MAC; unknown (or local) → the
 *      walk fails; else DEV_PATH_BRIDGE (vlan mode KEEP: no VLAN filtering) and continue on the port.
 *    - PPPoE (ppp_fill_forward_path → pppoe_fill_forward_path): DEV_PATH_PPPOE {session id,
 *      ETH_P_PPP_SES, peer MAC}; the destination MAC becomes the peer's (so a bridge below looks the
 *      peer up); continue on the PPPoE parent.
 *    - DSA user port (dsa_user_fill_forward_path): DEV_PATH_DSA {port, tag proto}, continue on the
 *      conduit.
 *    - anything else (an ethernet port, lo, ifb) ends the walk with DEV_PATH_ETHERNET.
 * 2. `pathInfo` = nft_dev_path_info() (net/netfilter/nft_flow_offload.c, mainline ≤ 6.13, or the
 *    nf_flow_table_path.c rewrite in net-next, mode 'nx'): the "in" device is the deepest
 *    ETHERNET/VLAN/PPPoE element, except that the walk stops at a DSA element (mainline), so behind
 *    a switch the flow's device is the DSA user port (lan1, wan), not the conduit; VLAN/PPPoE push
 *    an encap (max NF_FLOW_TABLE_ENCAP_MAX = 2); PPPoE sets the destination MAC to the peer; a bridge
 *    makes the transmit DIRECT; a hardware-offload flowtable makes it DIRECT for any valid ethernet
 *    device. h_source is the MAC of the first element that has one (a PPP device has none).
 * 3. `decide` = nft_dev_forward_path(): mainline: if the walk failed, or its device is not one of
 *    the flowtable's devices, the L2 result is discarded and the flow keeps the default NEIGH path
 *    whose in-device is the route's device itself (br-lan, pppoe-wan) — which the flowtable only
 *    sees if that device is listed. 'nx' (net-next): either case refuses the flow (-ENOENT).
 *
 * Encap overflow (e.g. QinQ + PPPoE = 3): mainline sets the in-device to NULL at the third encap
 * but keeps walking, so a later ETHERNET/DSA element sets it again and the flow is created with the
 * outermost tag missing; its ingress tuple can never match (nf_flow_skb_encap_protocol peels one
 * in-band header only), so the direction is never offloaded. We record `encapOverflow` and report
 * the direction as not offloadable; 'nx' refuses the flow outright.
 *
 * Everything writes into a caller-owned `ForwardPath`; nothing is allocated per call.
 */
import type { BridgeFdb } from './bridge.ts';
import { FDB_LOCAL, FDB_MISS } from './bridge.ts';
import type { Topology } from './devices.ts';
import { DeviceKind, ETH_P_PPP_SES } from './devices.ts';
import type { Fib } from './fib.ts';
import type { NeighTable } from './neigh.ts';

// enum net_device_path_type (include/linux/netdevice.h).
export const DEV_PATH_ETHERNET = 0;
export const DEV_PATH_VLAN = 1;
export const DEV_PATH_BRIDGE = 2;
export const DEV_PATH_PPPOE = 3;
export const DEV_PATH_DSA = 4;
export const DEV_PATH_NAMES = ['ethernet', 'vlan', 'bridge', 'pppoe', 'dsa'] as const;

export const NET_DEVICE_PATH_STACK_MAX = 5;
export const NET_DEVICE_PATH_VLAN_MAX = 2;
export const NF_FLOW_TABLE_ENCAP_MAX = 2;

// enum flow_offload_xmit_type.
export const FLOW_OFFLOAD_XMIT_UNSPEC = 0;
export const FLOW_OFFLOAD_XMIT_NEIGH = 1;
export const FLOW_OFFLOAD_XMIT_XFRM = 2;
export const FLOW_OFFLOAD_XMIT_DIRECT = 3;

/** Why `fillForwardPath` failed. */
export const FP_FAIL_NONE = 0;
export const FP_FAIL_NEIGH = 1; // no NUD_VALID neighbour for the next hop (nft_dev_fill_forward_path)
export const FP_FAIL_FDB = 2; // the bridge does not know the destination MAC (br_fill_forward_path)
export const FP_FAIL_STACK = 3; // more than NET_DEVICE_PATH_STACK_MAX elements
export const FP_FAIL_VLAN_NOSPC = 4; // more than NET_DEVICE_PATH_VLAN_MAX VLAN devices
export const FP_FAIL_NAMES = ['none', 'no neighbour', 'bridge fdb miss', 'path stack full', 'too many vlan devices'] as const;

/** Outcome of `decide` (nft_dev_forward_path). */
export const FP_RESOLVED = 1; // L2 path used: in-device = real device (+ encaps)
export const FP_NOT_LISTED = 2; // mainline: real device not in the flowtable → default NEIGH path
export const FP_UNRESOLVED = 3; // mainline: the walk failed → default NEIGH path
export const FP_REJECTED = 4; // net-next: the flow is not offloaded (-ENOENT)
export const FP_STATUS_NAMES = ['', 'resolved', 'not-listed', 'unresolved', 'rejected'] as const;

export type KernelMode = 'ml' | 'nx';

/** What the resolution needs to know about one flowtable (built at load time). */
export interface FlowtableView {
  /** listed[ifindex] = 1 for each device in the flowtable's `devices = { … }`. */
  readonly listed: Uint8Array;
  /** `flags offload;` (NF_FLOWTABLE_HW_OFFLOAD). */
  readonly hwOffload: boolean;
  /** Kernel generation to model: 'ml' mainline ≤ 6.13 (default), 'nx' net-next strict rules. */
  readonly mode: KernelMode;
}

export interface ForwardPathContext {
  readonly topo: Topology;
  readonly fdb: BridgeFdb;
  readonly neigh: NeighTable;
  readonly fib: Fib;
}

/** Caller-owned result of one direction's resolution; reuse it. */
export class ForwardPath {
  // --- dev_fill_forward_path stack ------------------------------------------------------------
  numPaths = 0;
  readonly pathType = new Uint8Array(NET_DEVICE_PATH_STACK_MAX);
  readonly pathDev = new Int32Array(NET_DEVICE_PATH_STACK_MAX);
  /** VLAN id / PPPoE session id / DSA port, per element. */
  readonly pathId = new Int32Array(NET_DEVICE_PATH_STACK_MAX);
  /** Ethertype of the encap (VLAN proto, ETH_P_PPP_SES), per element. */
  readonly pathProto = new Uint16Array(NET_DEVICE_PATH_STACK_MAX);
  /** FP_FAIL_* of the walk (FP_FAIL_NONE when it completed). */
  fail = FP_FAIL_NONE;

  // --- nft_dev_path_info ------------------------------------------------------------------------
  indev = 0;
  outdev = 0;
  hwOutdev = 0;
  /** Encaps in path order = push order on transmit (innermost header first: PPPoE before VLAN). */
  numEncaps = 0;
  readonly encapId = new Uint16Array(NF_FLOW_TABLE_ENCAP_MAX);
  readonly encapProto = new Uint16Array(NF_FLOW_TABLE_ENCAP_MAX);
  /** More than NF_FLOW_TABLE_ENCAP_MAX encapsulations were met: this direction is not offloadable. */
  encapOverflow = false;
  ingressVlans = 0;
  readonly hSource = new Uint8Array(6);
  readonly hDest = new Uint8Array(6);
  infoXmit = FLOW_OFFLOAD_XMIT_UNSPEC;
  /** DSA switch port of the in-device (a DSA user port), -1 otherwise. */
  dsaPort = -1;
  /** The device the walk ended on (DEV_PATH_ETHERNET: the physical port or DSA conduit). */
  realDev = 0;

  // --- nft_dev_forward_path decision --------------------------------------------------------------
  status = 0;
  /** The route's output device (dst->dev) the resolution started from. */
  routeDev = 0;
  /** route->tuple[!dir].in.ifindex: the device packets of the opposite direction arrive on. */
  inIfindex = 0;
  /** Encaps of the opposite direction's tuple, in tuple order (outermost first), as flow_offload_fill_route() reverses them. */
  inNumEncaps = 0;
  readonly inEncapId = new Uint16Array(NF_FLOW_TABLE_ENCAP_MAX);
  readonly inEncapProto = new Uint16Array(NF_FLOW_TABLE_ENCAP_MAX);
  /** route->tuple[dir].xmit_type and out.{ifindex, hw_ifindex}. */
  xmitType = FLOW_OFFLOAD_XMIT_NEIGH;
  outIfindex = 0;
  outHwIfindex = 0;
  /** MTU to cache in the flow tuple (route MTU metric, else the route device's MTU). */
  mtu = 0;
  /** The flowtable has a hook on `inIfindex` (it is listed). */
  inListed = false;
  /** Packets of the opposite direction can hit the flowtable: hooked device and a matchable tuple. */
  offloadable = false;

  /** Transmit encaps in tuple order (outermost first), i.e. reverse push order. */
  tupleEncapId(i: number): number {
    return this.encapId[this.numEncaps - 1 - i]!;
  }
}

function zero6(b: Uint8Array): void {
  b[0] = 0; b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 0; b[5] = 0;
}

function isZero6(b: Uint8Array): boolean {
  return (b[0]! | b[1]! | b[2]! | b[3]! | b[4]! | b[5]!) === 0;
}

function copyMac(b: Uint8Array, topo: Topology, dev: number): void {
  const m = topo.mac, o = dev * 6;
  b[0] = m[o]!; b[1] = m[o + 1]!; b[2] = m[o + 2]!; b[3] = m[o + 3]!; b[4] = m[o + 4]!; b[5] = m[o + 5]!;
}

function write6(b: Uint8Array, hi: number, lo: number): void {
  b[0] = (hi >>> 8) & 0xff; b[1] = hi & 0xff;
  b[2] = lo >>> 24; b[3] = (lo >>> 16) & 0xff; b[4] = (lo >>> 8) & 0xff; b[5] = lo & 0xff;
}

/**
 * dev_fill_forward_path(dev, daddr): fills `out`'s path stack. Returns 0, or -1 with `out.fail` set.
 * `daddrHi/Lo` is the next hop's MAC (zero for devices without one).
 */
export function fillForwardPath(
  ctx: ForwardPathContext, dev: number, daddrHi: number, daddrLo: number, now: number, out: ForwardPath,
): number {
  const topo = ctx.topo;
  let n = 0;
  let vlans = 0;
  let dHi = daddrHi, dLo = daddrLo >>> 0;
  let cur = dev;
  out.numPaths = 0;
  out.fail = FP_FAIL_NONE;
  for (;;) {
    const kind = topo.kind[cur]!;
    const stacked = kind === DeviceKind.VLAN || kind === DeviceKind.BRIDGE || kind === DeviceKind.PPPOE || kind === DeviceKind.DSA_USER;
    if (n >= NET_DEVICE_PATH_STACK_MAX) { out.numPaths = n; out.fail = FP_FAIL_STACK; return -1; }
    if (!stacked) {
      out.pathType[n] = DEV_PATH_ETHERNET; out.pathDev[n] = cur; out.pathId[n] = 0; out.pathProto[n] = 0;
      out.numPaths = n + 1;
      return 0;
    }
    out.pathDev[n] = cur;
    out.pathId[n] = 0;
    out.pathProto[n] = 0;
    if (kind === DeviceKind.VLAN) {
      out.pathType[n] = DEV_PATH_VLAN;
      out.pathId[n] = topo.vlanId[cur]!;
      out.pathProto[n] = topo.vlanProto[cur]!;
      cur = topo.lower[cur]!;
      if (vlans >= NET_DEVICE_PATH_VLAN_MAX) { out.numPaths = n + 1; out.fail = FP_FAIL_VLAN_NOSPC; return -1; }
      vlans++;
    } else if (kind === DeviceKind.BRIDGE) {
      const port = ctx.fdb.find(cur, dHi, dLo, now);
      if (port === FDB_MISS || port === FDB_LOCAL) { out.numPaths = n; out.fail = FP_FAIL_FDB; return -1; }
      out.pathType[n] = DEV_PATH_BRIDGE;
      cur = port;
    } else if (kind === DeviceKind.PPPOE) {
      out.pathType[n] = DEV_PATH_PPPOE;
      out.pathId[n] = topo.pppoeSid[cur]!;
      out.pathProto[n] = ETH_P_PPP_SES;
      dHi = topo.peerMacHi[cur]!;
      dLo = topo.peerMacLo[cur]!;
      cur = topo.lower[cur]!;
    } else {
      out.pathType[n] = DEV_PATH_DSA;
      out.pathId[n] = topo.dsaPort[cur]!;
      cur = topo.lower[cur]!;
    }
    n++;
  }
}

/** nft_dev_path_info(): walks the filled stack into in/out devices, encaps and MACs. */
export function pathInfo(topo: Topology, haHi: number, haLo: number, ft: FlowtableView, out: ForwardPath): void {
  const nx = ft.mode === 'nx';
  out.indev = 0; out.outdev = 0; out.hwOutdev = 0; out.numEncaps = 0; out.encapOverflow = false;
  out.ingressVlans = 0; out.infoXmit = FLOW_OFFLOAD_XMIT_UNSPEC; out.dsaPort = -1; out.realDev = 0;
  zero6(out.hSource);
  write6(out.hDest, haHi, haLo);
  const n = out.numPaths;
  if (n > 0) out.realDev = out.pathDev[n - 1]!;
  for (let i = 0; i < n; i++) {
    const type = out.pathType[i]!;
    const dev = out.pathDev[i]!;
    if (type === DEV_PATH_BRIDGE) {
      if (isZero6(out.hSource)) copyMac(out.hSource, topo, dev);
      // vlan mode DEV_PATH_BR_VLAN_KEEP: bridges here do no VLAN filtering.
      out.infoXmit = FLOW_OFFLOAD_XMIT_DIRECT;
      continue;
    }
    out.indev = dev;
    if (isZero6(out.hSource)) copyMac(out.hSource, topo, dev);
    if (type === DEV_PATH_ETHERNET) continue;
    if (type === DEV_PATH_DSA) {
      out.dsaPort = out.pathId[i]!;
      if (!nx) break; // mainline stops at the DSA user port (i = stack->num_paths)
      continue;
    }
    // DEV_PATH_VLAN and DEV_PATH_PPPOE
    if (out.numEncaps >= NF_FLOW_TABLE_ENCAP_MAX) {
      out.encapOverflow = true;
      out.indev = 0; // mainline: a later ETHERNET/DSA element sets it again (see the module doc)
      if (nx) return;
      continue;
    }
    if (out.outdev === 0) out.outdev = dev;
    out.encapId[out.numEncaps] = out.pathId[i]!;
    out.encapProto[out.numEncaps] = out.pathProto[i]!;
    out.numEncaps++;
    if (type === DEV_PATH_PPPOE) {
      write6(out.hDest, topo.peerMacHi[dev]!, topo.peerMacLo[dev]!);
      if (nx) out.infoXmit = FLOW_OFFLOAD_XMIT_DIRECT;
    }
  }
  if (out.outdev === 0) out.outdev = out.indev;
  out.hwOutdev = out.indev;
  if (ft.hwOffload && topo.isValidEtherDevice(out.indev)) out.infoXmit = FLOW_OFFLOAD_XMIT_DIRECT;
  if (nx) out.outdev = out.indev; // net-next transmits on the real device and pushes encaps itself
}

/**
 * nft_dev_forward_path() for one direction, given the route's output device and the next hop's
 * neighbour state. `neighValid` false with an ethernet route device fails the walk (no NUD_VALID
 * neighbour); devices without a hardware address (ppp, lo) skip the neighbour. `routeMtu` 0 = unset.
 * Returns out.status.
 */
export function decideForwardPath(
  ctx: ForwardPathContext, ft: FlowtableView, routeDev: number, routeMtu: number,
  neighValid: boolean, haHi: number, haLo: number, now: number, out: ForwardPath,
): number {
  const topo = ctx.topo;
  // nft_default_forward_path(): in-device = route device, NEIGH transmit.
  out.routeDev = routeDev;
  out.inIfindex = routeDev;
  out.inNumEncaps = 0;
  out.xmitType = FLOW_OFFLOAD_XMIT_NEIGH;
  out.outIfindex = routeDev;
  out.outHwIfindex = 0;
  out.mtu = routeMtu > 0 ? routeMtu : topo.mtu[routeDev]!;

  let ok = true;
  let hHi = haHi, hLo = haLo >>> 0;
  if (topo.isValidEtherDevice(routeDev)) {
    if (!neighValid) { ok = false; out.numPaths = 0; out.fail = FP_FAIL_NEIGH; }
  } else {
    hHi = 0; hLo = 0; // not an ethernet device: no neighbour lookup, the MAC is zeroed
  }
  if (ok) ok = fillForwardPath(ctx, routeDev, hHi, hLo, now, out) === 0;
  if (ok) pathInfo(topo, hHi, hLo, ft, out);
  else { out.indev = 0; out.encapOverflow = false; out.numEncaps = 0; }

  const resolved = ok && out.indev !== 0 && ft.listed[out.indev] === 1 && !(ft.mode === 'nx' && out.encapOverflow);
  if (!resolved) {
    out.status = ft.mode === 'nx' ? FP_REJECTED : ok && out.indev !== 0 ? FP_NOT_LISTED : FP_UNRESOLVED;
    out.inListed = ft.listed[out.inIfindex] === 1;
    out.offloadable = out.status !== FP_REJECTED && out.inListed;
    return out.status;
  }
  out.status = FP_RESOLVED;
  out.inIfindex = out.indev;
  out.inNumEncaps = out.numEncaps;
  for (let i = 0; i < out.numEncaps; i++) {
    out.inEncapId[i] = out.encapId[out.numEncaps - 1 - i]!;
    out.inEncapProto[i] = out.encapProto[out.numEncaps - 1 - i]!;
  }
  if (out.infoXmit === FLOW_OFFLOAD_XMIT_DIRECT) {
    out.xmitType = FLOW_OFFLOAD_XMIT_DIRECT;
    out.outIfindex = out.outdev;
    out.outHwIfindex = out.hwOutdev;
  }
  out.inListed = true;
  out.offloadable = !out.encapOverflow;
  return out.status;
}

/**
 * Resolves one direction from a FIB route for an IPv4 destination: next hop (rt_nexthop), its
 * neighbour on the route device, then `decideForwardPath`. Returns out.status.
 */
export function resolveRouteV4(
  ctx: ForwardPathContext, ft: FlowtableView, route: number, daddr: number, now: number, out: ForwardPath,
): number {
  const fib = ctx.fib;
  const dev = fib.outDev(route);
  const nh = fib.nextHopV4(route, daddr);
  const e = ctx.neigh.lookupV4(dev, nh);
  return decideForwardPath(ctx, ft, dev, fib.mtu(route), e >= 0, e >= 0 ? ctx.neigh.macHi(e) : 0, e >= 0 ? ctx.neigh.macLo(e) : 0, now, out);
}

/** As resolveRouteV4 for an IPv6 destination at daddr[off..off+4). `scratch4` is a caller-owned Uint32Array(4). */
export function resolveRouteV6(
  ctx: ForwardPathContext, ft: FlowtableView, route: number, daddr: Uint32Array, off: number,
  scratch4: Uint32Array, now: number, out: ForwardPath,
): number {
  const fib = ctx.fib;
  const dev = fib.outDev(route);
  fib.nextHopV6(route, daddr, off, scratch4, 0);
  const e = ctx.neigh.lookupV6(dev, scratch4, 0);
  return decideForwardPath(ctx, ft, dev, fib.mtu(route), e >= 0, e >= 0 ? ctx.neigh.macHi(e) : 0, e >= 0 ? ctx.neigh.macLo(e) : 0, now, out);
}

/** Builds a FlowtableView from device names (load time). Unknown names are reported by the caller. */
export function flowtableView(topo: Topology, deviceNames: readonly string[], hwOffload: boolean, mode: KernelMode = 'ml'): FlowtableView {
  const listed = new Uint8Array(topo.count + 1);
  for (const name of deviceNames) {
    const ix = topo.byName(name);
    if (ix > 0) listed[ix] = 1;
  }
  return { listed, hwOffload, mode };
}
