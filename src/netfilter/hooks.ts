/**
 * Hook points with their entries sorted by priority: a model of struct nf_hook_entries and
 * nf_hook_slow() (net/netfilter/core.c).
 *
 * Each (family, hook) — and, for netdev ingress/egress, each device — has an array of entries. An
 * entry is a base chain, the NAT lookup entry of a family/hook, or a built-in the router registers
 * (conntrack in/confirm, the flowtable's ingress hook). `runHook` calls them in order: NF_ACCEPT
 * moves on to the next entry (an accept in one base chain does not skip later base chains),
 * NF_DROP ends the traversal.
 *
 * Equal priorities: nf_hook_entries_grow() inserts a new entry before the first existing one whose
 * priority is ≥ its own, so among equal priorities the entry registered LAST runs FIRST. Tables
 * are registered in the order the ruleset declares them, chains in declaration order.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { DropReason } from '../wire/drop-reasons.ts';
import {
  HOOK_COUNT, HOOK_EGRESS, HOOK_INGRESS, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
} from './host.ts';
import { NF_DROP, NF_ACCEPT } from './verdict.ts';

export interface HookEntry {
  readonly priority: number;
  /** For reports: `inet fw4 forward`, `conntrack in`, `nat`. */
  readonly name: string;
  readonly kind: 'chain' | 'nat' | 'builtin';
  /** Returns NF_ACCEPT or NF_DROP (a drop may set pool.drop[slot] first). */
  run(slot: number, now: number, hook: number): number;
}

/** A built-in entry the router registers. */
export interface BuiltinHook {
  readonly name: string;
  /** NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_INET (both) or NFPROTO_NETDEV. */
  readonly family: number;
  readonly hook: number;
  readonly priority: number;
  /** For netdev ingress/egress: the device name. */
  readonly device?: string;
  run(slot: number, now: number, hook: number): number;
}

/** A device with no netdev entries on the hook. */
const NO_ENTRIES: readonly HookEntry[] = [];

const FAM_IP = 0;
const FAM_IP6 = 1;

function insertSorted(list: HookEntry[], entry: HookEntry): void {
  let i = 0;
  while (i < list.length && entry.priority > list[i]!.priority) i++;
  list.splice(i, 0, entry);
}

interface DeviceRegistration {
  readonly device: string;
  readonly hook: number;
  readonly entry: HookEntry;
}

export class HookTable {
  private readonly pool: PacketPool;
  /** [family][hook] → entries, for ip and ip6. */
  private readonly inet: HookEntry[][][] = [
    Array.from({ length: HOOK_COUNT }, () => []),
    Array.from({ length: HOOK_COUNT }, () => []),
  ];
  /** Netdev entries per hook (ingress, egress) and ifindex, rebuilt by resolveDevices(). */
  private readonly dev: (HookEntry[] | undefined)[][] = [[], []];
  /** Device registrations in registration order (names resolve when the device exists). */
  private readonly devRegs: DeviceRegistration[] = [];
  /** Hook traversals per [family][hook] and drops, for reports. */
  readonly traversals = new Float64Array(3 * HOOK_COUNT);
  readonly drops = new Float64Array(3 * HOOK_COUNT);
  /**
   * Per [family][hook] of ip/ip6: the entries' loop as generated code (see compileEntries), made
   * on first use and dropped when an entry is registered.
   */
  private readonly runners: (HookRunner | null)[] = new Array<HookRunner | null>(2 * HOOK_COUNT).fill(null);

  constructor(pool: PacketPool) {
    this.pool = pool;
  }

  /** Registers an entry (nf_register_net_hook). `device` is required for netdev hooks. */
  register(family: number, hook: number, entry: HookEntry, device?: string): void {
    if (hook === HOOK_INGRESS || hook === HOOK_EGRESS) {
      if (device === undefined) throw new Error(`netdev ${hook === HOOK_INGRESS ? 'ingress' : 'egress'} entry "${entry.name}" needs a device`);
      this.devRegs.push({ device, hook, entry });
      return;
    }
    if (family === NFPROTO_IPV4 || family === NFPROTO_INET) insertSorted(this.inet[FAM_IP]![hook]!, entry);
    if (family === NFPROTO_IPV6 || family === NFPROTO_INET) insertSorted(this.inet[FAM_IP6]![hook]!, entry);
    this.runners.fill(null);
  }

  registerBuiltin(b: BuiltinHook): void {
    this.register(b.family, b.hook, { priority: b.priority, name: b.name, kind: 'builtin', run: b.run }, b.device);
  }

  /** Rebuilds the per-device lists from device names (call when devices appear or disappear). */
  resolveDevices(devices: Iterable<readonly [number, string]>): void {
    const byName = new Map<string, number>();
    for (const [index, name] of devices) byName.set(name, index);
    for (const lists of this.dev) lists.length = 0;
    for (const r of this.devRegs) {
      const ifindex = byName.get(r.device);
      if (ifindex === undefined) continue;
      const lists = this.dev[r.hook === HOOK_INGRESS ? 0 : 1]!;
      let list = lists[ifindex];
      if (list === undefined) {
        list = [];
        lists[ifindex] = list;
      }
      insertSorted(list, r.entry);
    }
  }

  /** The entries of a hook, in run order (a copy, for reports and tests). */
  entries(hook: number, family: number, ifindex = 0): HookEntry[] {
    if (hook === HOOK_INGRESS || hook === HOOK_EGRESS) return [...(this.dev[hook === HOOK_INGRESS ? 0 : 1]![ifindex] ?? [])];
    return [...this.inet[family === NFPROTO_IPV6 ? FAM_IP6 : FAM_IP]![hook]!];
  }

  /**
   * runHook for an ip/ip6 hook as a function of its own (generated, see compileEntries; valid until
   * the next register). A caller that keeps one call site per hook lets V8 inline it there.
   */
  runner(hook: number, family: number): HookRunner {
    const fam = family === NFPROTO_IPV6 ? FAM_IP6 : FAM_IP;
    const k = fam * HOOK_COUNT + hook;
    const done = this.runners[k];
    if (done !== null && done !== undefined) return done;
    const list = this.inet[fam]![hook]!;
    let runner: HookRunner;
    try {
      runner = compileEntries(list, this.pool, this.traversals, this.drops, k);
    } catch (e) {
      // Code generation refused (--disallow-code-generation-from-strings): the plain loop.
      if (!(e instanceof EvalError)) throw e;
      runner = (slot, now, h) => this.runList(list, k, slot, now, h);
    }
    this.runners[k] = runner;
    return runner;
  }

  /**
   * Runs every entry of the hook for one packet (nf_hook_slow). For netdev hooks the device is
   * pool.iif (ingress) or pool.oif (egress). A drop sets pool.drop[slot] to NETFILTER_DROP unless
   * the entry already set a more specific reason.
   */
  runHook(hook: number, family: number, slot: number, now: number): number {
    if (hook !== HOOK_INGRESS && hook !== HOOK_EGRESS) return this.runner(hook, family)(slot, now, hook);
    const list = this.dev[hook === HOOK_INGRESS ? 0 : 1]![hook === HOOK_INGRESS ? this.pool.iif[slot]! : this.pool.oif[slot]!];
    return this.runList(list ?? NO_ENTRIES, 2 * HOOK_COUNT + hook, slot, now, hook);
  }

  /** nf_hook_slow's loop over `list`, counted under index `k` of traversals/drops. */
  private runList(list: readonly HookEntry[], k: number, slot: number, now: number, hook: number): number {
    this.traversals[k]!++;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.run(slot, now, hook) === NF_DROP) {
        if (this.pool.drop[slot] === 0) this.pool.drop[slot] = DropReason.NETFILTER_DROP;
        this.drops[k]!++;
        return NF_DROP;
      }
    }
    return NF_ACCEPT;
  }
}

export type HookRunner = (slot: number, now: number, hook: number) => number;

/**
 * nf_hook_slow over a fixed list of entries as generated code: one call site per entry, so each
 * sees one `run` and V8 can inline it (the loop's single call site sees every kind of entry and
 * inlines none). Only indices and numbers go into the source.
 */
function compileEntries(list: readonly HookEntry[], pool: PacketPool, traversals: Float64Array, drops: Float64Array, k: number): HookRunner {
  const lines = [`traversals[${k}]++;`];
  list.forEach((_, i) => {
    lines.push(`if (e${i}.run(slot, now, hook) === ${NF_DROP}) {`,
      `  if (pool.drop[slot] === 0) pool.drop[slot] = ${DropReason.NETFILTER_DROP};`,
      `  drops[${k}]++;`, `  return ${NF_DROP};`, '}');
  });
  lines.push(`return ${NF_ACCEPT};`);
  const body = `${list.map((_, i) => `const e${i} = list[${i}];`).join('\n')}\nreturn function runHook(slot, now, hook) {\n${lines.join('\n')}\n};`;
  const factory = new Function('list', 'pool', 'traversals', 'drops', body) as
    (list: readonly HookEntry[], pool: PacketPool, traversals: Float64Array, drops: Float64Array) => HookRunner;
  return factory([...list], pool, traversals, drops);
}

export { FAM_IP, FAM_IP6, NFPROTO_NETDEV };
