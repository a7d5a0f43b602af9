/**
 * Everything the lint checks look at, computed once: the scenario, the ruleset IR (parsed without
 * the semantic checks, so a misplaced `flow add` is a finding rather than a load failure), the
 * router's devices and routes (built by the engine with an empty ruleset, so a ruleset nft would
 * refuse still lints), the SoC profile and its engine's capabilities, the mode in effect, and for
 * each host the devices its frames cross (port → VLAN/PPPoE/bridge → L3 device).
 */
import { readFileSync } from 'node:fs';
import type { Network } from '../net/builder.ts';
import { DEV_F_HW_OFFLOAD, DeviceKind } from '../net/devices.ts';
import { checkRuleset } from '../nft/check.ts';
import { formatErrors } from '../nft/errors.ts';
import type { Chain, Flowtable, NftError, Ruleset, Rule, Stmt, Table } from '../nft/ir.ts';
import { parseRuleset } from '../nft/load.ts';
import { createBackend } from '../offload/registry.ts';
import type { SocProfile } from '../offload/soc-profile.ts';
import type { BackendCaps } from '../offload/types.ts';
import type { HostSpec, Mode, Scenario } from '../scenario/types.ts';
import { buildScenario, BuildError, type BuiltHost } from '../sim/build.ts';
import { InputError } from '../sim/run.ts';

export interface LintOptions {
  /** The mode to lint for (as `flowsim run --mode`); default: the scenario's, else the ruleset's. */
  readonly mode?: Mode;
}

/** One flowtable with what the scenario makes of it. */
export interface FlowtableInfo {
  readonly table: Table;
  readonly ft: Flowtable;
  /** `flags offload` as written (or, for JSON rulesets, as the scenario's ruleset.flowtable_offload says). */
  readonly offloadFlag: boolean;
  /** Hardware offload asked for in the mode in effect (the flag, or `--mode hardware` forcing it). */
  readonly hwRequested: boolean;
  /** Hardware offload really happens: asked for, and the SoC has an engine that binds flowtables. */
  readonly hwEffective: boolean;
  /** Locations of the `flow add @ft` statements that name it, in chains a forward hook reaches. */
  readonly usedBy: readonly Stmt[];
}

/** The devices a host's frames cross on the router, from the port up. */
export interface HostPath {
  readonly spec: HostSpec;
  readonly built: BuiltHost;
  /** ifindexes, port first, the host's L3 device last. */
  readonly chain: readonly number[];
  /** VLAN layers on the wire between host and router (802.1Q or 802.1ad), outermost first. */
  readonly vlans: readonly { readonly vid: number; readonly proto: number }[];
  readonly pppoe: boolean;
  /** The port is a DSA user port (its switch tag takes one of the engine's VLAN layers). */
  readonly dsa: boolean;
}

export interface LintContext {
  readonly sc: Scenario;
  readonly opts: LintOptions;
  readonly ruleset: Ruleset;
  /** The ruleset's file name as locations print it. */
  readonly rulesetFile: string;
  readonly net: Network;
  readonly profile: SocProfile;
  readonly caps: BackendCaps;
  /** The SoC's engine takes flowtable flows (TC_SETUP_FT). */
  readonly engine: boolean;
  readonly mode: Mode;
  readonly modeOverridden: boolean;
  readonly flowtables: readonly FlowtableInfo[];
  /** Some flowtable is hardware-offloaded in the mode in effect. */
  readonly hwOffload: boolean;
  /** `flow add` statements outside the forward hook (nft refuses them: nft_flow_offload_validate). */
  readonly misplacedFlowAdds: readonly NftError[];
  readonly hosts: ReadonlyMap<string, HostPath>;
}

/** Chains a verdict statement jumps or goes to (also through verdict maps). */
export function verdictTargets(s: Stmt): string[] {
  if (s.kind === 'verdict') return (s.code === 'jump' || s.code === 'goto') && s.chain !== null ? [s.chain] : [];
  if (s.kind === 'vmap' && s.map.kind === 'set') {
    const out: string[] = [];
    for (const e of s.map.elements) {
      const d = e.data;
      if (d !== null && d.kind === 'verdict' && (d.code === 'jump' || d.code === 'goto') && d.chain !== null) out.push(d.chain);
    }
    return out;
  }
  return [];
}

/** Names of the chains reachable from `start` (itself included) by jump/goto. */
export function reachableChains(table: Table, start: Chain): Set<string> {
  const byName = new Map(table.chains.map((c) => [c.name, c]));
  const seen = new Set<string>([start.name]);
  const queue: Chain[] = [start];
  while (queue.length > 0) {
    const c = queue.shift()!;
    for (const r of c.rules) {
      for (const s of r.stmts) {
        for (const t of verdictTargets(s)) {
          const next = byName.get(t);
          if (next && !seen.has(t)) { seen.add(t); queue.push(next); }
        }
      }
    }
  }
  return seen;
}

/** Every rule of a table with its chain. */
export function* rulesOf(table: Table): Generator<{ chain: Chain; rule: Rule }> {
  for (const chain of table.chains) for (const rule of chain.rules) yield { chain, rule };
}

function readRulesetText(sc: Scenario): { text: string; file: string } {
  if (sc.ruleset.path !== undefined) {
    try {
      return { text: readFileSync(sc.ruleset.path, 'utf8'), file: sc.ruleset.path };
    } catch {
      const l = sc.ruleset.loc;
      throw new InputError(`${l.file}:${l.line}:${l.col}: error: ruleset: cannot read "${sc.ruleset.path}"`);
    }
  }
  return { text: sc.ruleset.inline ?? '', file: `${sc.file} (inline ruleset)` };
}

const FLOW_ADD_HOOK_ERROR = 'flow add is only valid in the forward hook';

function loadIr(sc: Scenario): { ruleset: Ruleset; file: string; misplaced: NftError[] } {
  const { text, file } = readRulesetText(sc);
  const loaded = parseRuleset(text, file, { noCheck: true });
  if (!loaded.ok) throw new InputError(`ruleset does not load:\n${formatErrors(loaded.errors, loaded.sources)}`);
  // The semantic checks nft itself applies: a misplaced `flow add` is lint's to report; any other
  // refusal means the ruleset does not load at all, which is bad input.
  const checked = checkRuleset(loaded.ruleset);
  const misplaced = checked.errors.filter((e) => e.message.startsWith(FLOW_ADD_HOOK_ERROR));
  const other = checked.errors.filter((e) => !e.message.startsWith(FLOW_ADD_HOOK_ERROR));
  if (other.length > 0) throw new InputError(`ruleset does not load:\n${formatErrors(other, loaded.sources)}`);
  return { ruleset: loaded.ruleset, file, misplaced };
}

function hostPath(net: Network, sc: Scenario, h: HostSpec, built: BuiltHost): HostPath {
  const topo = net.topo;
  const down: number[] = [];
  const vlans: { vid: number; proto: number }[] = [];
  let pppoe = false;
  let dev = built.l3Dev;
  // The same walk as the engine's buildHost(): bridge → the host's port, VLAN/PPPoE → lower device.
  for (let guard = 0; guard < 8 && dev > 0; guard++) {
    down.push(dev);
    const kind = topo.kind[dev]!;
    if (kind === DeviceKind.BRIDGE) {
      const iface = sc.interfaces.find((i) => i.name === topo.name(dev));
      const p = h.port ?? iface?.ports[0];
      dev = p !== undefined ? topo.byName(p) : 0;
    } else if (kind === DeviceKind.VLAN) {
      vlans.unshift({ vid: topo.vlanId[dev]!, proto: topo.vlanProto[dev]! });
      dev = topo.lower[dev]!;
    } else if (kind === DeviceKind.PPPOE) {
      pppoe = true;
      dev = topo.lower[dev]!;
    } else break;
  }
  const chain = down.reverse();
  const port = chain[0] ?? 0;
  return { spec: h, built, chain, vlans, pppoe, dsa: port > 0 && topo.kind[port] === DeviceKind.DSA_USER };
}

/** Reads the ruleset and builds the router's devices; bad input throws InputError (exit 2). */
export function createContext(sc: Scenario, opts: LintOptions = {}): LintContext {
  const { ruleset, file, misplaced } = loadIr(sc);
  let built;
  try {
    // Only the topology, routes, neighbours and FDB are needed: an empty ruleset keeps ruleset
    // problems (which are what lint reports) from stopping the build; a tiny packet pool and default
    // table sizes (no sysctls) keep it cheap.
    const bare: Scenario = { ...sc, ruleset: { loc: sc.ruleset.loc, inline: '' }, sysctl: new Map() };
    built = buildScenario(bare, { mode: 'none', poolSlots: 16 });
  } catch (e) {
    if (e instanceof BuildError) throw new InputError(e.message);
    throw e;
  }
  const profile = built.profile;
  const caps = createBackend(profile, { initialFlows: 16 }).caps;
  const engine = caps.takesFlowtable;

  // The mode, exactly as buildScenario() chooses it.
  const fts: { table: Table; ft: Flowtable }[] = ruleset.tables.flatMap((table) => table.flowtables.map((ft) => ({ table, ft })));
  const flag = (f: Flowtable): boolean => (!f.flagsKnown && sc.ruleset.flowtableOffload !== undefined ? sc.ruleset.flowtableOffload : f.offload);
  const natural: Mode = fts.length === 0 ? 'none' : fts.some((x) => flag(x.ft)) ? 'hardware' : 'software';
  const asked = opts.mode ?? sc.mode;
  const mode: Mode = asked ?? natural;
  const modeOverridden = asked !== undefined && asked !== natural;

  const flowtables: FlowtableInfo[] = fts.map(({ table, ft }) => {
    const usedBy: Stmt[] = [];
    for (const base of table.chains) {
      if (base.base?.hook !== 'forward') continue;
      const reach = reachableChains(table, base);
      for (const { chain, rule } of rulesOf(table)) {
        if (!reach.has(chain.name)) continue;
        for (const s of rule.stmts) if (s.kind === 'flow-add' && s.flowtable === ft.name && !usedBy.includes(s)) usedBy.push(s);
      }
    }
    const offloadFlag = flag(ft);
    const hwRequested = mode === 'hardware' && (offloadFlag || modeOverridden);
    return { table, ft, offloadFlag, hwRequested, hwEffective: hwRequested && engine, usedBy };
  });

  const hosts = new Map<string, HostPath>();
  sc.hosts.forEach((h, i) => {
    const b = built.hosts[i];
    if (b) hosts.set(h.name, hostPath(built.net, sc, h, b));
  });

  return {
    sc, opts, ruleset, rulesetFile: file, net: built.net, profile, caps, engine, mode, modeOverridden, flowtables,
    hwOffload: mode !== 'none' && flowtables.some((f) => f.hwEffective && f.usedBy.length > 0),
    misplacedFlowAdds: misplaced, hosts,
  };
}

/** True when `ifindex` is a port the SoC's engine serves (it can take TC_SETUP_FT). */
export function isEnginePort(ctx: LintContext, ifindex: number): boolean {
  return ifindex > 0 && (ctx.net.topo.flags[ifindex]! & DEV_F_HW_OFFLOAD) !== 0;
}

/** "lan1 → br-lan" */
export function chainText(ctx: LintContext, chain: readonly number[]): string {
  return chain.map((d) => ctx.net.topo.name(d)).join(' → ');
}
