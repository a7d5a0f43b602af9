/**
 * Shared helpers for the engine-level tests: scenarios from YAML text, runs that record every
 * frame the router transmits, and mode-independent views of the final conntrack table.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPS_HW_OFFLOAD, IPS_OFFLOAD } from '../../src/conntrack/constants.ts';
import type { RunReport } from '../../src/report/types.ts';
import { decodeScenario } from '../../src/scenario/schema.ts';
import { formatSourceError, parseLocated } from '../../src/scenario/source.ts';
import type { Mode, Scenario } from '../../src/scenario/types.ts';
import type { Built } from '../../src/sim/build.ts';
import { runScenario, type RunResult } from '../../src/sim/run.ts';
import { TUPLE_WORDS } from '../../src/wire/tuple.ts';

let scratchDir: string | undefined;

/** A scenario from YAML text (relative ruleset paths resolve against `dir`, default a temp dir). */
export function scenarioFromYaml(text: string, name = 'scenario.yaml', dir?: string): Scenario {
  const d = dir ?? (scratchDir ??= mkdtempSync(join(tmpdir(), 'flowsim-engine-')));
  const file = join(d, name);
  writeFileSync(file, text);
  const parsed = parseLocated(text, file);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
  const decoded = decodeScenario(parsed.root, file);
  if (!decoded.ok) throw new Error(decoded.errors.map(formatSourceError).join('\n'));
  return decoded.scenario;
}

/** One frame as it left a router port. */
export interface TxFrame {
  readonly iface: string;
  readonly flow: number;
  readonly timeNs: number;
  /** The road it took through the router (PATH_NAMES index: 1 classic, 2 software, 3 hardware). */
  readonly path: number;
  readonly hex: string;
}

/** Packet buffers for test runs. */
export const TEST_POOL_SLOTS = 8192;

export interface RecordedRun extends RunResult {
  readonly frames: TxFrame[];
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * Runs `sc` in `mode`, recording every transmitted frame (bytes copied: slots are reused).
 * `onFrame` sees each recorded frame as it leaves (tests use it to inject packets mid-run).
 */
export function runRecorded(sc: Scenario, mode: Mode, opts: { seed?: number; duration_s?: number; poolSlots?: number; onFrame?: (f: TxFrame, built: Built) => void } = {}): RecordedRun {
  const frames: TxFrame[] = [];
  let built: Built | undefined;
  const res = runScenario(sc, {
    mode,
    // 8192 packet buffers (16 MiB) instead of the default 65536 (128 MiB): plenty for these runs.
    poolSlots: opts.poolSlots ?? TEST_POOL_SLOTS,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.duration_s !== undefined ? { duration_s: opts.duration_s } : {}),
    onBuilt: (b) => { built = b; },
    onTransmit: (slot, port, timeNs) => {
      const pool = built!.pool;
      const fs = pool.frameStart(slot);
      const f: TxFrame = { iface: built!.net.topo.name(port), flow: pool.flow[slot]!, timeNs, path: pool.path[slot]!, hex: hexOf(pool.bytes.subarray(fs, fs + pool.len[slot]!)) };
      frames.push(f);
      opts.onFrame?.(f, built!);
    },
  });
  return { ...res, frames };
}

/** Frames grouped by "interface / flow", each list in transmit order. */
export function framesByIfaceFlow(frames: readonly TxFrame[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of frames) {
    const k = `${f.iface} flow ${f.flow}`;
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(f.hex);
  }
  return m;
}

/**
 * The first difference between two runs' transmitted frames (per interface and flow), or null.
 * A readable message instead of a 100 kB diff of hex strings.
 */
export function firstFrameDifference(a: readonly TxFrame[], b: readonly TxFrame[], la: string, lb: string): string | null {
  const ma = framesByIfaceFlow(a);
  const mb = framesByIfaceFlow(b);
  const keys = new Set([...ma.keys(), ...mb.keys()]);
  for (const k of [...keys].sort()) {
    const xa = ma.get(k) ?? [];
    const xb = mb.get(k) ?? [];
    const n = Math.max(xa.length, xb.length);
    for (let i = 0; i < n; i++) {
      if (xa[i] !== xb[i]) {
        return `${k}: frame #${i} differs (${la} sent ${xa.length}, ${lb} sent ${xb.length})\n  ${la}: ${xa[i] ?? '(none)'}\n  ${lb}: ${xb[i] ?? '(none)'}`;
      }
    }
  }
  return null;
}

/** One conntrack entry in a mode-independent form: both tuples, TCP state, status without offload bits. */
export interface CtState {
  readonly key: string;
  readonly l4proto: number;
  readonly tcpState: number;
  /** IPS_* bits without IPS_OFFLOAD / IPS_HW_OFFLOAD. */
  readonly status: number;
  /** IPS_OFFLOAD was set at the end of the run. */
  readonly offloaded: boolean;
}

/**
 * The final conntrack table as sorted states. IPS_OFFLOAD / IPS_HW_OFFLOAD are kept apart (they
 * are what differs by design) and timeouts are left out: flow_offload_fixup_ct() rewrites the
 * timeout of an entry leaving the flowtable, and `conntrack -L` hides the TCP state of offloaded
 * entries.
 */
export function conntrackStates(built: Built): CtState[] {
  const ct = built.router.ct;
  const out: CtState[] = [];
  ct.forEachHandle((h) => {
    const words: string[] = [];
    for (let dir = 0; dir < 2; dir++) {
      const o = ct.tupleOffset(h, dir);
      for (let i = 0; i < TUPLE_WORDS; i++) words.push(ct.tuples[o + i]!.toString(16));
    }
    const l4 = ct.l4protoOf(h);
    const st = ct.statusOf(h);
    out.push({ key: words.join('.'), l4proto: l4, tcpState: l4 === 6 ? ct.tcpStateOf(h) : -1, status: st & ~(IPS_OFFLOAD | IPS_HW_OFFLOAD), offloaded: (st & IPS_OFFLOAD) !== 0 });
  });
  out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return out;
}

/** Packets per rule of one chain (table inet fw4 unless told). */
export function chainRulePackets(built: Built, chain: string): number[] {
  return built.router.rules.ruleStats().filter((r) => r.chain === chain).map((r) => r.packets);
}

/**
 * Packet conservation (simulator.ts): every frame a host offered and every frame the router made
 * ends transmitted, delivered locally, dropped, or is still queued — a flooded original is
 * replaced by its copies (each counted as generated).
 */
export function conservation(r: RunResult): { lhs: number; rhs: number; queued: number; inFlight: number } {
  const p = r.report.packets;
  const lhs = p.offered + r.built.router.generated;
  const rhs = p.transmitted + p.delivered_local + p.dropped + p.queued + r.built.router.floodCopiesFreed;
  return { lhs, rhs, queued: p.queued, inFlight: r.sim.inFlight() };
}

/** The report without the engine's wall-clock timings (the only non-deterministic part). */
export function deterministicPart(rep: RunReport): unknown {
  const copy = JSON.parse(JSON.stringify(rep)) as Record<string, unknown>;
  delete copy.engine;
  return copy;
}

/**
 * A small router on a MediaTek MT7621 (so all three modes run on one scenario): DSA ports lan1,
 * lan2 and wan, IPv4 masquerade on wan, IPv6 routed without NAT, static neighbours from the hosts.
 */
export const TWO_PORT_TOPOLOGY = `
device:
  soc: mt7621
interfaces:
  - { name: eth0, kind: ethernet, mac: "02:11:22:33:44:00" }
  - { name: wan, kind: dsa, conduit: eth0, addresses: [203.0.113.2/24, "2001:db8:ff::2/64"] }
  - { name: lan1, kind: dsa, conduit: eth0, addresses: [192.168.1.1/24, "2001:db8:1::1/64"] }
  - { name: lan2, kind: dsa, conduit: eth0, addresses: [192.168.2.1/24] }
routes:
  - { dst: default, via: 203.0.113.1 }
  - { dst: default, via: "2001:db8:ff::1" }
hosts:
  - { name: pc, interface: lan1, addresses: [192.168.1.10, "2001:db8:1::10"] }
  - { name: pc2, interface: lan2, addresses: [192.168.2.10] }
  - { name: net, interface: wan, addresses: [0.0.0.0/0, "::/0"], delay: 2ms }
`;

/**
 * A firewall4-style ruleset for TWO_PORT_TOPOLOGY: flowtable on lan1 and wan (not lan2),
 * `flow offload @ft` first in forward, then a counter, a log rule and the established vmap,
 * zone rules, and masquerade of IPv4 on wan.
 */
export function fw4Ruleset(opts: { offloadFlag?: boolean; devices?: readonly string[]; extraForward?: string; dstnat?: string } = {}): string {
  const devices = (opts.devices ?? ['lan1', 'wan']).map((d) => `"${d}"`).join(', ');
  return `table inet fw4 {
  flowtable ft {
    hook ingress priority filter;
    devices = { ${devices} };
    ${opts.offloadFlag ? 'flags offload;' : ''}
    counter;
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    meta l4proto { tcp, udp } flow offload @ft;
    counter comment "every forwarded packet the classic path sees"
    meta l4proto udp log prefix "fwd udp: "
    ct state vmap { established : accept, related : accept }
    ${opts.extraForward ?? ''}
    iifname { "lan1", "lan2" } oifname "wan" ct state invalid counter drop
    iifname { "lan1", "lan2" } oifname "wan" counter accept
    iifname "lan1" oifname "lan2" counter accept
    iifname "wan" ct status dnat counter accept
    meta l4proto { icmp, ipv6-icmp } counter accept
  }
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
    ${opts.dstnat ?? ''}
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" meta nfproto ipv4 masquerade
  }
}
`;
}

/** Indents a multi-line string for a YAML block scalar. */
export function yamlBlock(text: string, indent = 2): string {
  const pad = ' '.repeat(indent);
  return text.split('\n').map((l) => (l.length > 0 ? pad + l : l)).join('\n');
}

/** A whole scenario document: topology + ruleset + traffic groups (YAML flow maps, one per line). */
export function scenarioYaml(opts: { name?: string; seed?: number; duration?: string; ruleset?: string; traffic: readonly string[]; extra?: string; topology?: string }): string {
  return `name: ${opts.name ?? 'engine test'}
seed: ${opts.seed ?? 1}
duration: ${opts.duration ?? '1s'}
${opts.topology ?? TWO_PORT_TOPOLOGY}
ruleset: |
${yamlBlock(opts.ruleset ?? fw4Ruleset())}
${opts.extra ?? ''}
traffic:
${opts.traffic.map((t) => `  - ${t}`).join('\n')}
`;
}
