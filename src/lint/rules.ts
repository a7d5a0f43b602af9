/**
 * The lint checks. Each is a function (ctx) => Finding[]; together they catch the flow-offload
 * pitfalls users hit (REFERENCE.md §2, §3 "What users hit"; hw-backends.md §7), each explained by
 * the kernel behaviour behind it.
 */
import { ETH_P_8021Q } from '../net/devices.ts';
import {
  FP_FAIL_NAMES, FP_NOT_LISTED, FP_RESOLVED, FP_UNRESOLVED, ForwardPath, flowtableView, resolveRouteV4, resolveRouteV6,
  type ForwardPathContext,
} from '../net/forward-path.ts';
import type { Chain, Expr, FlowAddStmt, Loc, Rule, Stmt, Table } from '../nft/ir.ts';
import { printRule } from '../nft/print.ts';
import type { TrafficSpec } from '../scenario/types.ts';
import { chainText, isEnginePort, reachableChains, rulesOf, verdictTargets, type FlowtableInfo, type HostPath, type LintContext } from './context.ts';
import type { Finding, LintId, Severity } from './types.ts';

export type LintRule = (ctx: LintContext) => Finding[];

function finding(id: LintId, severity: Severity, loc: Loc | null, message: string, why: string, fix: string): Finding {
  return { id, severity, loc, message, why, fix };
}

const q = (s: string): string => `"${s}"`;
const list = (xs: readonly string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]!}`);
const fmtNum = (x: number): string => (x >= 100 ? String(Math.round(x)) : String(Math.round(x * 10) / 10));

/** Flowtables that packets can really meet: a `flow add` in a forward chain names them. */
function activeFlowtables(ctx: LintContext): FlowtableInfo[] {
  if (ctx.mode === 'none') return [];
  return ctx.flowtables.filter((f) => f.usedBy.length > 0);
}

/** Traffic groups that use host `name`. */
function groupsOf(ctx: LintContext, name: string): TrafficSpec[] {
  return ctx.sc.traffic.filter((g) => g.client === name || g.server === name);
}

function groupNames(gs: readonly TrafficSpec[]): string {
  return gs.length === 1 ? `traffic ${gs[0]!.name}` : `traffic ${list(gs.map((g) => g.name))}`;
}

// ---------------------------------------------------------------------------------------------
// 1. SQM on a device whose flows the engine forwards
// ---------------------------------------------------------------------------------------------

export const sqmWithHwOffload: LintRule = (ctx) => {
  if (!ctx.hwOffload || ctx.caps.hwShaping) return [];
  const topo = ctx.net.topo;
  return ctx.sc.sqm.map((s) => {
    const dev = topo.byName(s.device);
    const crossing = ctx.sc.traffic.filter((g) => [g.client, g.server].some((h) => ctx.hosts.get(h)?.chain.includes(dev)));
    const through = crossing.length > 0 ? ` (used by ${groupNames(crossing)})` : '';
    const where = s.direction === 'ingress' ? 'the ingress shaper (IFB at tc ingress)' : 'the egress qdisc';
    return finding('sqm-with-hw-offload', 'warning', s.loc,
      `SQM (${s.qdisc} ${fmtNum(s.rateMbit)} Mbit/s ${s.direction}) on ${s.device} will not shape hardware-offloaded flows${through}`,
      `${ctx.profile.title}'s engine forwards a bound flow from port to port, so its packets never reach ${where}: the OpenWrt wiki says hardware flow offloading "bypasses QoS traffic controls" and "is incompatible with SQM"; only the Airoha EN7581 can shape offloaded flows in hardware. The software flowtable transmits with dev_queue_xmit(), so the qdisc still sees its packets`,
      `drop "flags offload" (firewall4: flow_offloading_hw=0) and keep software offloading, which SQM survives — or remove the SQM on ${s.device} if the link needs no shaping`);
  });
};

// ---------------------------------------------------------------------------------------------
// 2. The flowtable's devices vs the devices the traffic arrives on
// ---------------------------------------------------------------------------------------------

/**
 * Addresses a host stands for, best first: its own, or for a network (0.0.0.0/0, ::/0) the first
 * address and one from the middle of the prefix (::1 would be the router's own loopback).
 */
function hostAddresses(h: HostPath, family: 4 | 6): (number | Uint32Array)[] {
  if (family === 4) {
    const a = h.built.v4[0];
    if (!a) return [];
    if (a.plen >= 32) return [a.addr];
    return [(a.addr + 1) >>> 0, ((a.addr | (0x80000000 >>> a.plen)) + 1) >>> 0];
  }
  const a = h.built.v6[0];
  if (!a) return [];
  const w = Uint32Array.from(a.words);
  if (a.plen >= 128) return [w];
  const first = Uint32Array.from(w);
  first[3] = (first[3]! + 1) >>> 0;
  const mid = Uint32Array.from(w);
  mid[a.plen >>> 5] = (mid[a.plen >>> 5]! | (0x80000000 >>> (a.plen & 31))) >>> 0;
  mid[3] = (mid[3]! + 1) >>> 0;
  return [first, mid];
}

/** The route towards a host: the first of its addresses that leaves by the host's own L3 device. */
function routeTowards(ctx: LintContext, h: HostPath, family: 4 | 6): { route: number; addr: number | Uint32Array } | null {
  const fib = ctx.net.fib;
  for (const addr of hostAddresses(h, family)) {
    const route = typeof addr === 'number' ? fib.lookupV4(addr) : fib.lookupV6(addr, 0);
    if (route >= 0 && fib.outDev(route) === h.built.l3Dev) return { route, addr };
  }
  return null;
}

interface Resolution {
  readonly status: number;
  readonly fail: number;
  /** The device the walk resolved to (the real device), 0 when the walk failed. */
  readonly indev: number;
  readonly routeDev: number;
  readonly inListed: boolean;
  readonly offloadable: boolean;
  readonly encapOverflow: boolean;
}

/**
 * nft_flow_route → nft_dev_forward_path for the route towards host `h`: the answer says which
 * device packets *from* `h` arrive on once the flow exists (route->tuple[!dir].in.ifindex).
 */
function resolveTowards(ctx: LintContext, f: FlowtableInfo, h: HostPath, family: 4 | 6, fp: ForwardPath): Resolution | null {
  const net = ctx.net;
  const view = flowtableView(net.topo, f.ft.devices, f.hwEffective);
  const fctx: ForwardPathContext = { topo: net.topo, fdb: net.fdb, neigh: net.neigh, fib: net.fib };
  const r = routeTowards(ctx, h, family);
  if (r === null) return null;
  if (typeof r.addr === 'number') resolveRouteV4(fctx, view, r.route, r.addr, 0, fp);
  else resolveRouteV6(fctx, view, r.route, r.addr, 0, new Uint32Array(4), 0, fp);
  return {
    status: fp.status, fail: fp.fail, indev: fp.status === FP_UNRESOLVED ? 0 : fp.indev, routeDev: fp.routeDev,
    inListed: fp.inListed, offloadable: fp.offloadable, encapOverflow: fp.encapOverflow,
  };
}

const UPPER_KIND: Readonly<Record<number, string>> = { 3: 'bridge', 4: 'VLAN', 5: 'PPPoE' };

export const flowtableDeviceMismatch: LintRule = (ctx) => {
  const out: Finding[] = [];
  const topo = ctx.net.topo;
  // A device that does not exist: nft refuses the flowtable (nf_tables_parse_netdev_hooks: ENOENT).
  for (const f of ctx.flowtables) {
    const missing = f.ft.devices.filter((d) => topo.byName(d) <= 0);
    if (missing.length > 0) {
      out.push(finding('flowtable-device-mismatch', 'error', f.ft.loc,
        `flowtable ${f.ft.name} lists ${list(missing.map(q))}, which the scenario does not define`,
        'nft resolves every name in `devices = { … }` when it registers the flowtable\'s ingress hooks; an unknown device fails the whole transaction ("Could not process rule: No such file or directory")',
        `remove ${list(missing.map(q))} from the devices of flowtable ${f.ft.name}, or define ${missing.length > 1 ? 'them' : 'it'} under interfaces`));
    }
  }
  const fp = new ForwardPath();
  for (const f of activeFlowtables(ctx)) {
    if (f.ft.devices.length === 0) continue; // flow-add-placement reports an empty flowtable
    const seen = new Set<string>();
    for (const g of ctx.sc.traffic) {
      for (const name of [g.client, g.server]) {
        const key = `${name}/${g.family}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const h = ctx.hosts.get(name);
        if (!h) continue;
        const r = resolveTowards(ctx, f, h, g.family, fp);
        if (r === null || (r.status === FP_RESOLVED && r.inListed)) continue;
        // The route leaves by the port itself and the port is listed: the NEIGH path hooks the right device.
        if (r.inListed && UPPER_KIND[topo.kind[r.routeDev]!] === undefined) continue;
        const groups = groupsOf(ctx, name).filter((x) => x.family === g.family);
        const real = r.indev > 0 ? r.indev : h.chain[0] ?? r.routeDev;
        const realName = topo.name(real);
        const routeName = topo.name(r.routeDev);
        const chain = chainText(ctx, h.chain);
        const listedInChain = h.chain.filter((d) => f.ft.devices.includes(topo.name(d)));
        const walk = r.status === FP_NOT_LISTED
          ? `nft_dev_forward_path() walks ${routeName} down to ${realName} (dev_fill_forward_path), which is not in the flowtable, so the flow keeps the default NEIGH path with ${routeName} as its input device`
          : `the forward-path walk from ${routeName} fails (${FP_FAIL_NAMES[r.fail] ?? 'unresolved'}), so the flow keeps the default NEIGH path with ${routeName} as its input device`;
        const fixDevices = [...new Set([...f.ft.devices, realName])].map(q).join(', ');
        if (r.inListed) {
          // Only the upper (L3) device is listed: software offload works through the NEIGH path.
          const kind = UPPER_KIND[topo.kind[r.routeDev]!] ?? 'upper';
          const pppoe = topo.kind[r.routeDev] === 5;
          out.push(finding('flowtable-device-mismatch', 'warning', f.ft.loc,
            `flowtable ${f.ft.name} lists the ${kind} device ${routeName} but not ${realName}, the port packets from ${name} arrive on (${chain}; ${groupNames(groups)})`,
            `${walk}. The software fast path still works, but its hook on ${routeName} runs only after the ${pppoe ? 'PPPoE session decapsulation' : kind === 'bridge' ? 'bridge input' : 'VLAN demux'} (later, at a higher cost per packet), and hardware offload cannot work: the flow's device is ${routeName}, which a flow engine cannot send to (MediaTek: mtk_flow_set_output_device refuses it, -EOPNOTSUPP), so ${f.hwEffective ? 'the engine refuses every such flow and it stays in the software fast path on the CPU' : 'turning on "flags offload" would change nothing'}${pppoe ? ' — the PPPoE pitfall: an MT7621 with PPPoE routes ~300 Mbit/s at 97 % CPU on the CPU path vs ~940 Mbit/s at 3 % offloaded (coolsnowwolf/lede #8732)' : ''}`,
            `list the port: devices = { ${fixDevices} } — since Linux 5.13 the flowtable finds the ${pppoe ? 'PPPoE session' : kind === 'bridge' ? 'bridge port' : 'VLAN tag'} from the real device (nf_flowtable.rst); firewall4 with flow_offloading_hw lists the ports`));
        } else {
          const also = listedInChain.length > 0
            ? ` (it lists ${list(listedInChain.map((d) => topo.name(d)))}, which the flow never uses: the hook that counts is on ${realName}, or on ${routeName} when ${realName} is not listed)`
            : '';
          const dir = groups.every((x) => x.client === name) ? 'client-to-server' : groups.every((x) => x.server === name) ? 'server-to-client' : 'that';
          out.push(finding('flowtable-device-mismatch', 'warning', f.ft.loc,
            `packets from ${name} arrive on ${chain}, none of which flowtable ${f.ft.name} lists: the ${dir} direction of ${groupNames(groups)} is never offloaded${also}`,
            `the flowtable's ingress hook runs only on the devices listed (nf_flowtable.rst); ${walk}, which is not listed either, so packets from ${name} never meet the fast path and take the classic path`,
            `add the port: devices = { ${fixDevices} }`));
        }
      }
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// 3. `flags offload` where no engine can take it
// ---------------------------------------------------------------------------------------------

function noEngineWhy(ctx: LintContext): string {
  const b = ctx.profile.backend;
  if (b.kind === 'none') return b.why.replace(/\.$/, '');
  if (b.kind === 'no-binding') return `the ${b.driver} driver offloads tc flower rules only and binds no nft flowtable (no TC_SETUP_FT)`;
  if (b.kind === 'mlx5' && !ctx.caps.takesFlowtable) return 'mlx5 takes flowtable offload only in switchdev mode, on representors';
  return `${ctx.profile.title} has no engine that binds nft flowtables`;
}

export const offloadFlagWithoutEngine: LintRule = (ctx) => {
  const out: Finding[] = [];
  for (const f of ctx.flowtables) {
    if (!f.offloadFlag) continue;
    if (!ctx.engine) {
      out.push(finding('offload-flag-without-engine', 'error', f.ft.loc,
        `flowtable ${f.ft.name} has "flags offload", but ${ctx.profile.title} has no flow engine for it`,
        `nf_flow_table_offload_setup() binds each listed device with ndo_setup_tc(TC_SETUP_FT); ${noEngineWhy(ctx)}, so the driver answers -EOPNOTSUPP and nft refuses the flowtable ("Could not process rule: Operation not supported") — the whole ruleset fails to load (firewall4 test-loads the flag with nft -c and falls back to software offloading)`,
        `remove "flags offload" from flowtable ${f.ft.name}: the software flowtable works on any device`));
      continue;
    }
    if (!f.hwRequested) continue;
    const topo = ctx.net.topo;
    const bad = f.ft.devices.filter((d) => topo.byName(d) > 0 && !isEnginePort(ctx, topo.byName(d)));
    if (bad.length === 0) continue;
    const ports = ctx.profile.ports.filter((p) => topo.byName(p.name) > 0 && isEnginePort(ctx, topo.byName(p.name))).map((p) => p.name);
    out.push(finding('offload-flag-without-engine', 'error', f.ft.loc,
      `flowtable ${f.ft.name} has "flags offload" and lists ${list(bad.map(q))}, which ${ctx.profile.title}'s engine cannot bind`,
      `with "flags offload" every listed device must accept TC_SETUP_FT (nf_flow_table_offload_setup); a bridge, VLAN, PPPoE or foreign port does not, so nft refuses the flowtable ("Operation not supported")`,
      `list the engine's ports instead${ports.length > 0 ? ` (${list(ports)})` : ''}: the flowtable finds VLAN, PPPoE and bridge paths from them`));
  }
  if (ctx.mode === 'hardware' && ctx.modeOverridden && !ctx.engine && ctx.flowtables.some((f) => f.usedBy.length > 0)) {
    out.push(finding('offload-flag-without-engine', 'warning', ctx.sc.socLoc,
      `mode hardware asked, but ${ctx.profile.title} has no flow engine: nothing is offloaded to hardware`,
      `${noEngineWhy(ctx)}; the kernel would refuse "flags offload" (EOPNOTSUPP)`,
      'lint and run this scenario in mode software, or pick a SoC with a flow engine (flowsim socs)'));
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// 4. Traffic the engine (or the flowtable) cannot carry
// ---------------------------------------------------------------------------------------------

/** Mean frame size of a traffic group's data packets. */
function meanFrame(g: TrafficSpec): number {
  const size = g.size;
  if (size.kind === 'fixed') return size.bytes;
  let s = 0, w = 0;
  size.sizes.forEach((b, i) => { const k = size.weights[i] ?? 0; s += b * k; w += k; });
  return w > 0 ? s / w : 1500;
}

/** Whether a rule restricts itself to IPv4 (meta nfproto ipv4, an `ip …`/`icmp …` field, `snat ip to`). */
function ipv4Only(table: Table, rule: Rule, nat: Stmt): boolean {
  if (table.family === 'ip') return true;
  if (table.family === 'ip6') return false;
  if (nat.kind === 'nat' && nat.family !== null) return nat.family === 'ip';
  for (const s of rule.stmts) {
    if (s.kind !== 'match' || s.op !== '==') continue;
    const l = s.left;
    if (l.kind === 'meta' && l.key === 'nfproto' && s.right.kind === 'int') return s.right.value === 2;
    if (l.kind === 'payload' && (l.protocol === 'ip' || l.protocol === 'icmp')) return true;
    if (l.kind === 'payload' && (l.protocol === 'ip6' || l.protocol === 'icmpv6')) return false;
  }
  return false;
}

/** Whether an IPv6 address `w` (host `plen` bits) falls inside constant `e` (address, prefix or set of them); null when `e` is none of those. */
function ip6Within(w: Uint32Array, e: Expr): boolean | null {
  const inPrefix = (p: readonly number[], len: number): boolean => {
    for (let i = 0; i < 4; i++) {
      const bits = Math.max(0, Math.min(32, len - i * 32));
      if (bits === 0) return true;
      const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      if (((w[i]! & mask) >>> 0) !== ((p[i]! & mask) >>> 0)) return false;
    }
    return true;
  };
  if (e.kind === 'ip6') return inPrefix(e.words, 128);
  if (e.kind === 'prefix' && e.value.kind === 'ip6') return inPrefix(e.value.words, e.len);
  if (e.kind === 'set') {
    let any: boolean | null = false;
    for (const x of e.elements) {
      const r = ip6Within(w, x.key);
      if (r === null) return null;
      any = any || r;
    }
    return any;
  }
  return null;
}

/**
 * Whether a NAT rule can rewrite the IPv6 connections of traffic group `g`: not restricted to IPv4,
 * and its interface-name and `ip6 saddr` matches (when it has them) fit the group's hosts.
 */
function natAppliesV6(ctx: LintContext, table: Table, rule: Rule, nat: Stmt, g: TrafficSpec): boolean {
  if (ipv4Only(table, rule, nat)) return false;
  const client = ctx.hosts.get(g.client);
  const server = ctx.hosts.get(g.server);
  const topo = ctx.net.topo;
  for (const s of rule.stmts) {
    if (s.kind !== 'match' || s.op !== '==') continue;
    const l = s.left, r = s.right;
    if (l.kind === 'meta' && (l.key === 'iifname' || l.key === 'oifname') && r.kind === 'string') {
      const h = l.key === 'iifname' ? client : server;
      if (!h) continue;
      const name = topo.name(h.built.l3Dev);
      if (r.wildcard ? !name.startsWith(r.value) : name !== r.value) return false;
    }
    if (l.kind === 'payload' && l.protocol === 'ip6' && l.field === 'saddr' && client) {
      const a = client.built.v6[0];
      if (a && ip6Within(Uint32Array.from(a.words), r) === false) return false;
    }
  }
  return true;
}

/** NAT rules that can rewrite group `g`'s IPv6 connections, printed. */
function ipv6NatRules(ctx: LintContext, g: TrafficSpec): string[] {
  const out: string[] = [];
  for (const t of ctx.ruleset.tables) {
    if (t.family !== 'inet' && t.family !== 'ip6') continue;
    for (const { rule } of rulesOf(t)) {
      const nat = rule.stmts.find((s) => s.kind === 'nat');
      if (nat && natAppliesV6(ctx, t, rule, nat, g)) out.push(printRule(rule));
    }
  }
  return out;
}

export const hwOffloadUnsupportedFlows: LintRule = (ctx) => {
  const active = activeFlowtables(ctx);
  if (active.length === 0) return [];
  const out: Finding[] = [];
  const hw = ctx.hwOffload;
  const caps = ctx.caps;
  const engineName = ctx.profile.title;
  // Per host: encapsulations the flowtable or the engine cannot carry.
  const hostsDone = new Set<string>();
  for (const g of ctx.sc.traffic) {
    for (const name of [g.client, g.server]) {
      if (hostsDone.has(name)) continue;
      hostsDone.add(name);
      const h = ctx.hosts.get(name);
      if (!h) continue;
      const groups = groupsOf(ctx, name);
      const nV = h.vlans.length;
      const encaps = nV + (h.pppoe ? 1 : 0);
      const chain = chainText(ctx, h.chain);
      if (encaps > 2) {
        out.push(finding('hw-offload-unsupported-flows', 'warning', h.spec.loc,
          `packets from ${name} carry ${nV} VLAN tag${nV === 1 ? '' : 's'}${h.pppoe ? ' and a PPPoE session' : ''} (${chain}): more than the flowtable can key on, so that direction of ${groupNames(groups)} is never offloaded`,
          'a flow tuple holds at most NF_FLOW_TABLE_ENCAP_MAX = 2 encapsulations (nft_dev_path_info) and nf_flow_skb_encap_protocol() peels one in-band header; hardware engines hold at most 2 VLAN layers or 1 VLAN + PPPoE (mtk_flow_offload_replace)',
          'terminate one layer elsewhere (e.g. let the modem do the outer VLAN) or accept the classic path for this link'));
        continue;
      }
      if (!hw) continue;
      const qinq = h.vlans.find((v) => v.proto !== ETH_P_8021Q);
      if (qinq && !caps.qinq) {
        out.push(finding('hw-offload-unsupported-flows', 'warning', h.spec.loc,
          `packets from ${name} carry an 802.1ad (QinQ) tag, VLAN ${qinq.vid} (${chain}): ${engineName}'s engine cannot offload that direction of ${groupNames(groups)}`,
          'the MediaTek and Airoha PPE drivers accept only 802.1Q VLAN push (TPID 0x8100) and refuse 802.1ad (mtk_flow_offload_replace: -EOPNOTSUPP); the software flowtable still carries these flows',
          'use 802.1Q tags on this link, or expect these flows in the software fast path'));
      } else if (h.pppoe && !caps.pppoe) {
        out.push(finding('hw-offload-unsupported-flows', 'warning', h.spec.loc,
          `packets from ${name} come over PPPoE (${chain}): ${engineName}'s engine cannot push PPPoE headers, so ${groupNames(groups)} stays in software`,
          'the engine has no PPPoE session push action (FLOW_ACTION_PPPOE_PUSH is refused)',
          'expect these flows in the software fast path, or terminate PPPoE on the modem'));
      } else if (nV > caps.maxVlans || (h.dsa && nV >= 2 && caps.maxVlans <= 2)) {
        out.push(finding('hw-offload-unsupported-flows', 'warning', h.spec.loc,
          `packets from ${name} carry ${nV} VLAN tags behind a ${h.dsa ? 'DSA switch port' : 'port'} (${chain}): more layers than ${engineName}'s engine holds`,
          'a PPE entry holds at most 2 VLAN layers, and the DSA special tag takes one of them (mtk_foe_entry_set_dsa); the driver refuses the flow (-EOPNOTSUPP)',
          'drop one VLAN layer on this link, or expect these flows in the software fast path'));
      }
    }
  }
  for (const g of ctx.sc.traffic) {
    if (g.proto === 'icmp') {
      out.push(finding('hw-offload-unsupported-flows', 'info', g.loc,
        `traffic ${g.name} is ICMP: ICMP flows are never offloaded, they always take the classic path`,
        'nft_flow_offload_eval() offloads TCP and UDP only (and GRE without NAT); the fast path looks up TCP/UDP tuples only (nf_flow_tuple_ip)',
        'nothing to fix; count these packets as CPU load'));
      continue;
    }
    if (hw && g.family === 6 && !caps.families.includes(6)) {
      out.push(finding('hw-offload-unsupported-flows', 'warning', g.loc,
        `traffic ${g.name} is IPv6, which ${engineName}'s engine does not offload`,
        'the engine takes IPv4 flows only; IPv6 flows stay in the software fast path',
        'expect IPv6 flows on the CPU'));
    } else if (hw && g.family === 6 && !caps.ipv6Nat && ipv6NatRules(ctx, g).length > 0) {
      const v6nat = ipv6NatRules(ctx, g);
      out.push(finding('hw-offload-unsupported-flows', 'warning', g.loc,
        `traffic ${g.name} is IPv6 and the ruleset NATs IPv6 ("${v6nat[0]}"): ${engineName}'s engine has no IPv6 NAT, so NATed IPv6 flows stay in software`,
        'the MediaTek and Airoha PPEs offload routed IPv6 only: an IPv6 address rewrite (FLOW_ACT_MANGLE_HDR_TYPE_IP6) is refused, no NAT66/NPTv6 in hardware (mtk_flow_offload_replace: -EOPNOTSUPP)',
        'restrict the NAT rule to IPv4 ("meta nfproto ipv4 masquerade", as firewall4 does) and route IPv6 without NAT'));
    }
    if (g.packets !== undefined && g.packets <= 2) {
      out.push(finding('hw-offload-unsupported-flows', 'info', g.loc,
        `traffic ${g.name}: each flow sends ${g.packets} packet${g.packets === 1 ? '' : 's'} and ends before it could use the fast path`,
        'a flow is added only once conntrack has confirmed it and (TCP) seen it ESTABLISHED and ASSURED (nft_flow_offload_eval); a DNS-like exchange is over by then (REFERENCE §5)',
        'nothing to fix; short exchanges always take the classic path'));
      continue;
    }
    const threshold = hw ? caps.bindRateThreshold : 0;
    if (threshold > 0) {
      const pps = (g.rateMbit * 1e6) / (meanFrame(g) * 8);
      const low: string[] = [];
      if (pps < threshold) low.push(`${fmtNum(pps)} packets/s of data per flow`);
      else if (g.proto === 'tcp' && g.direction !== 'both' && pps / g.ackEvery < threshold) low.push(`${fmtNum(pps / g.ackEvery)} ACKs/s per flow in the other direction`);
      if (low.length > 0) {
        out.push(finding('hw-offload-unsupported-flows', 'info', g.loc,
          `traffic ${g.name}: ${low.join(', ')} is below ${engineName}'s bind rate of ${threshold} packets/s, so ${pps < threshold ? 'these flows stay' : 'that direction stays'} in software`,
          `the PPE binds an entry only when its flow reaches ${threshold} packets/s (HIT_UNBIND_RATE_REACHED; mtk_ppe.c BIND_RATE); slower flows keep using the software fast path`,
          'nothing to fix; slow flows cost little CPU in the software fast path'));
      }
    }
  }
  if (hw && caps.tableSize > 0) {
    const flows = concurrentFlows(ctx);
    if (flows * 2 > caps.tableSize) {
      out.push(finding('hw-offload-unsupported-flows', 'info', ctx.sc.socLoc,
        `up to ${flows} connections (${flows * 2} flow directions) but ${engineName}'s engine holds ${caps.tableSize} entries: the rest stay in software`,
        'each offloaded direction takes one hardware entry; on a full bucket the most active flow keeps the slot and the others stay in the software flowtable (mtk_ppe.c)',
        'nothing to fix; expect the overflow in the software fast path'));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Walking base chains in order (for 5 and 6)
// ---------------------------------------------------------------------------------------------

const CT_ESTABLISHED = 2;

function hasEstablished(e: Expr): boolean {
  if (e.kind === 'int') return (e.value & CT_ESTABLISHED) !== 0;
  if (e.kind === 'set') return e.elements.some((x) => x.key.kind === 'int' && (x.key.value & CT_ESTABLISHED) !== 0);
  return false;
}

const isCtState = (e: Expr): boolean => e.kind === 'ct' && e.key === 'state';

/** A rule that accepts every packet of an established connection (`ct state established accept`, fw4's vmap). */
export function acceptsEstablished(rule: Rule): boolean {
  let accept = false;
  for (const s of rule.stmts) {
    switch (s.kind) {
      case 'match':
        if (!(isCtState(s.left) && (s.op === '==' || s.op === 'in') && hasEstablished(s.right))) return false;
        break;
      case 'vmap':
        if (!isCtState(s.key) || s.map.kind !== 'set') return false;
        return s.map.elements.some((e) => e.key.kind === 'int' && (e.key.value & CT_ESTABLISHED) !== 0 && e.data?.kind === 'verdict' && e.data.code === 'accept');
      case 'verdict':
        accept = s.code === 'accept';
        break;
      case 'counter':
      case 'log':
      case 'objref':
        break;
      default:
        return false;
    }
  }
  return accept;
}

interface Visit {
  readonly chain: Chain;
  readonly rule: Rule;
  /** The rule that accepted established packets before this one, or null. */
  readonly estBy: Rule | null;
}

/**
 * Walks a base chain's rules in evaluation order, following jump/goto, and reports for each rule
 * whether an established packet can still reach it. Packets accepted by a jumped-to chain do not
 * come back, so an accept inside it counts for the rules after the jump.
 */
function walkBase(table: Table, base: Chain, visit: (v: Visit) => void): void {
  const byName = new Map(table.chains.map((c) => [c.name, c]));
  const walk = (chain: Chain, estIn: Rule | null, stack: Set<string>): Rule | null => {
    let est = estIn;
    for (const rule of chain.rules) {
      visit({ chain, rule, estBy: est });
      for (const s of rule.stmts) {
        for (const t of verdictTargets(s)) {
          const next = byName.get(t);
          if (!next || stack.has(t) || stack.size > 16) continue;
          stack.add(t);
          est = walk(next, est, stack) ?? est;
          stack.delete(t);
        }
      }
      if (est === null && acceptsEstablished(rule)) est = rule;
    }
    return est;
  };
  walk(base, null, new Set([base.name]));
}

// ---------------------------------------------------------------------------------------------
// 5. Counters and logs the fast path skips
// ---------------------------------------------------------------------------------------------

export const countersAndLogOnOffloaded: LintRule = (ctx) => {
  const active = activeFlowtables(ctx);
  if (active.length === 0) return [];
  const flowtableCounter = active.some((f) => f.ft.counter || (!f.ft.flagsKnown && ctx.sc.ruleset.flowtableCounter === true));
  const out: Finding[] = [];
  for (const table of ctx.ruleset.tables) {
    if (table.family !== 'inet' && table.family !== 'ip' && table.family !== 'ip6') continue;
    const seen = new Set<Rule>();
    for (const base of table.chains) {
      const b = base.base;
      if (!b || !(b.hook === 'forward' || (b.hook === 'postrouting' && b.type !== 'nat'))) continue;
      walkBase(table, base, (v) => {
        if (v.estBy !== null || seen.has(v.rule)) return;
        const what = v.rule.stmts.flatMap((s) => (s.kind === 'counter' || (s.kind === 'objref' && s.objType === 'counter') ? ['counter'] : s.kind === 'log' ? ['log'] : []));
        if (what.length === 0) return;
        seen.add(v.rule);
        const kinds = [...new Set(what)].join(' and ');
        out.push(finding('counters-and-log-on-offloaded', 'info', v.rule.loc,
          `rule in chain ${v.chain.name} (${b.hook} hook): "${printRule(v.rule)}" — offloaded packets skip its ${kinds}`,
          'offloaded packets are forwarded at the ingress hook: "you do not see these packets from any of the Netfilter hooks coming after ingress" (nf_flowtable.rst); the kernel selftest nft_flowtable.sh relies on forward-chain counters staying below the size of the transfer',
          flowtableCounter
            ? 'read per-connection totals from conntrack (the flowtable\'s `counter` flag feeds them), or count in a netdev ingress/egress chain, which the fast path still passes'
            : 'add `counter;` to the flowtable so offloaded packets still feed conntrack\'s counters, or count in a netdev ingress/egress chain, which the fast path still passes'));
      });
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// 6. Where `flow add` sits
// ---------------------------------------------------------------------------------------------

const FW4_FLOW_RULE = 'meta l4proto { tcp, udp } flow offload @ft';

export const flowAddPlacement: LintRule = (ctx) => {
  const out: Finding[] = [];
  for (const e of ctx.misplacedFlowAdds) {
    out.push(finding('flow-add-placement', 'error', e.loc,
      e.message.replace(/; nft refuses it.*$/, '').replace(/^flow add/, '`flow add`') + ': nft refuses the ruleset',
      'nft_flow_offload_validate() accepts `flow add` only in chains of ip/ip6/inet tables that the forward hook reaches (-EOPNOTSUPP: "Could not process rule: Operation not supported"); the flow is created from the forward path, where both directions\' routes are known',
      `move it to the forward base chain, first, as firewall4 does: ${FW4_FLOW_RULE}`));
  }
  for (const table of ctx.ruleset.tables) {
    // Statements reached by some base chain (misplaced ones are reported above).
    const reached = new Set<string>();
    for (const base of table.chains) if (base.base) for (const n of reachableChains(table, base)) reached.add(n);
    for (const { chain, rule } of rulesOf(table)) {
      if (reached.has(chain.name)) continue;
      for (const s of rule.stmts) {
        if (s.kind !== 'flow-add') continue;
        out.push(finding('flow-add-placement', 'warning', s.loc,
          `\`flow add @${s.flowtable}\` in chain ${chain.name}, which no base chain jumps to: it never runs`,
          'a regular chain runs only when a base chain jumps or goes to it; nothing is offloaded through this statement',
          `put ${FW4_FLOW_RULE.replace('@ft', `@${s.flowtable}`)} first in the forward base chain`));
      }
    }
    // Order within the forward hook: after an established accept, flow add never sees established traffic.
    const late = new Map<Rule, { chain: Chain; estBy: Rule }>();
    const early = new Set<Rule>();
    for (const base of table.chains) {
      if (base.base?.hook !== 'forward') continue;
      walkBase(table, base, (v) => {
        if (!v.rule.stmts.some((s) => s.kind === 'flow-add')) return;
        if (v.estBy === null) early.add(v.rule);
        else if (!late.has(v.rule)) late.set(v.rule, { chain: v.chain, estBy: v.estBy });
      });
    }
    for (const [rule, { chain, estBy }] of late) {
      if (early.has(rule)) continue;
      const s = rule.stmts.find((x): x is FlowAddStmt => x.kind === 'flow-add')!;
      out.push(finding('flow-add-placement', 'warning', s.loc,
        `\`${printRule(rule)}\` in chain ${chain.name} comes after "${printRule(estBy)}": it never sees an established connection, so nothing is offloaded`,
        'nft_flow_offload_eval() offloads a TCP connection only once conntrack has it ESTABLISHED and ASSURED (and a UDP one once it is confirmed) — by then the earlier rule has accepted its packets and this rule is never reached; firewall4 puts the flow rule first in its forward chain, before `ct state vmap { established : accept, related : accept }`',
        `move it before the established accept: ${FW4_FLOW_RULE.replace('@ft', `@${s.flowtable}`)}`));
    }
  }
  for (const f of ctx.flowtables) {
    const named = ctx.ruleset.tables.some((t) => t === f.table && [...rulesOf(t)].some(({ rule }) => rule.stmts.some((s) => s.kind === 'flow-add' && s.flowtable === f.ft.name)));
    if (!named) {
      out.push(finding('flow-add-placement', 'warning', f.ft.loc,
        `flowtable ${f.ft.name} is never used: no \`flow add @${f.ft.name}\` in the ruleset, so nothing is offloaded`,
        'a flowtable only registers its ingress hooks; flows enter it through the `flow add` statement in the forward chain (nft_flow_offload_eval)',
        `add ${FW4_FLOW_RULE.replace('@ft', `@${f.ft.name}`)} first in the forward base chain`));
    } else if (f.ft.devices.length === 0 && f.usedBy.length > 0) {
      out.push(finding('flow-add-placement', 'warning', f.ft.loc,
        `flowtable ${f.ft.name} has no devices: flows are added to it but no packet ever meets its hook`,
        'the fast path is a netdev ingress hook registered on each listed device (nf_flowtable.rst); with none listed, `flow add` still marks connections offloaded while every packet takes the classic path',
        `list the ports the traffic arrives on: devices = { ${[...new Set([...ctx.hosts.values()].map((h) => h.chain[0]).filter((d): d is number => d !== undefined).map((d) => q(ctx.net.topo.name(d))))].join(', ')} }`));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// 7. ct helpers
// ---------------------------------------------------------------------------------------------

/** Destination ports a rule matches (`tcp dport 21`, `udp dport { 69, 5060 }`), or null when it does not restrict them. */
function rulePorts(rule: Rule): { proto: 'tcp' | 'udp' | null; ports: number[] } | null {
  for (const s of rule.stmts) {
    if (s.kind !== 'match' || s.op !== '==' || s.left.kind !== 'payload' || s.left.field !== 'dport') continue;
    const proto = s.left.protocol === 'tcp' ? 'tcp' : s.left.protocol === 'udp' ? 'udp' : null;
    const r = s.right;
    if (r.kind === 'int') return { proto, ports: [r.value] };
    if (r.kind === 'set') return { proto, ports: r.elements.flatMap((e) => (e.key.kind === 'int' ? [e.key.value] : [])) };
  }
  return null;
}

export const helperPreventsOffload: LintRule = (ctx) => {
  if (activeFlowtables(ctx).length === 0) return [];
  const out: Finding[] = [];
  for (const table of ctx.ruleset.tables) {
    for (const { chain, rule } of rulesOf(table)) {
      for (const s of rule.stmts) {
        if (s.kind !== 'objref' || s.objType !== 'ct helper') continue;
        const obj = table.objects.find((o) => o.kind === 'ct-helper' && o.name === s.name);
        const type = obj && obj.kind === 'ct-helper' ? ` (${obj.helper})` : '';
        const ports = rulePorts(rule);
        const hit = ctx.sc.traffic.filter((g) => g.proto !== 'icmp' && (ports === null || ((ports.proto === null || ports.proto === g.proto) && ports.ports.includes(g.dport))));
        const scope = hit.length > 0 ? `: ${groupNames(hit)} is never offloaded` : '';
        out.push(finding('helper-prevents-offload', hit.length > 0 ? 'warning' : 'info', s.loc,
          `connections given ct helper "${s.name}"${type} in chain ${chain.name} ("${printRule(rule)}") are never offloaded${scope}`,
          'nft_flow_offload_eval() skips a connection with a helper extension (or IPS_SEQ_ADJUST, which helpers that rewrite payload set): the helper must see every packet of the control connection',
          ports === null
            ? 'restrict the helper to its control port (e.g. `tcp dport 21 ct helper set "ftp"`), so other connections stay offloadable'
            : 'nothing to fix if this protocol needs the helper; otherwise drop the helper rule'));
      }
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// 8. nf_conntrack_max
// ---------------------------------------------------------------------------------------------

/** Connections alive at once: conntrack entries outlive their flows (TIME_WAIT 120 s, UDP 30/120 s), so every flow started during the run counts. */
export function concurrentFlows(ctx: LintContext): number {
  let n = 0;
  const dur = ctx.sc.duration_s;
  for (const g of ctx.sc.traffic) {
    if (g.start_s >= dur) continue;
    if (g.spread_s <= 0) { n += g.count; continue; }
    n += Math.min(g.count, Math.ceil(((dur - g.start_s) / g.spread_s) * g.count));
  }
  return n;
}

/** Default nf_conntrack_max when the scenario does not set it (the engine's default). */
export const DEFAULT_CONNTRACK_MAX = 65536;

export const conntrackMaxSmall: LintRule = (ctx) => {
  const set = ctx.sc.sysctl.get('net.netfilter.nf_conntrack_max');
  const max = set?.value ?? DEFAULT_CONNTRACK_MAX;
  const flows = concurrentFlows(ctx);
  if (max === 0 || flows <= max) return [];
  const biggest = [...ctx.sc.traffic].sort((a, b) => b.count - a.count)[0];
  return [finding('conntrack-max-small', 'warning', set?.loc ?? biggest?.loc ?? null,
    `nf_conntrack_max is ${max}${set ? '' : ' (default)'}, but the traffic opens up to ${flows} connections at once`,
    'every connection holds a conntrack entry until its timeout (TIME_WAIT 120 s, UDP 30 s/120 s), offloaded ones included; at the limit __nf_conntrack_alloc() tries early_drop(), which spares ASSURED and offloaded entries, and otherwise drops the new connection\'s packet ("nf_conntrack: table full, dropping packet")',
    `raise net.netfilter.nf_conntrack_max to at least ${flows} (and nf_conntrack_buckets with it)`)];
};

/** Every check, in report order. */
export const LINT_RULES: readonly LintRule[] = [
  sqmWithHwOffload,
  flowtableDeviceMismatch,
  offloadFlagWithoutEngine,
  hwOffloadUnsupportedFlows,
  countersAndLogOnOffloaded,
  flowAddPlacement,
  helperPreventsOffload,
  conntrackMaxSmall,
];
