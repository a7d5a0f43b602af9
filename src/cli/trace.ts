/**
 * `flowsim trace <scenario> --packet "<proto> <src>[:port] > <dst>[:port] [flags SAFR] [at T] [via IFACE]"
 *  [--mode M] [--format text|json|nft]`
 *
 * Runs the scenario up to time T (default: half way), then sends one packet and prints its road:
 * the hardware engine's lookup, the flowtable hooks, every netfilter hook with its chains and rules
 * (as `nft monitor trace` prints them), the route, NAT, `flow add`, the output — and, when the
 * packet was not offloaded, why.
 */
import { parseArgs } from 'node:util';
import { PATH_CLASSIC, PATH_HARDWARE, PATH_SOFTWARE } from '../buffers/pool.ts';
import { ADD_REFUSAL } from '../flowtable/flowtable.ts';
import { buildScenario, BuildError, parseV6, type Built, type BuiltHost } from '../sim/build.ts';
import { InputError, loadScenario } from '../sim/run.ts';
import { Simulator } from '../sim/simulator.ts';
import { FrameSpec, buildFrame } from '../wire/builder.ts';
import { setHostL2 } from '../sim/host-frame.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS } from '../wire/tuple.ts';
import { UserError } from './errors.ts';
import { parseDuration, parseMode } from './run.ts';

export interface PacketSpec {
  proto: 'tcp' | 'udp' | 'icmp';
  family: 4 | 6;
  src: Uint32Array;
  dst: Uint32Array;
  sport: number;
  dport: number;
  flags: number;
  at_s: number | undefined;
  via: string | undefined;
}

function addr(text: string): { words: Uint32Array; family: 4 | 6 } | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const p = text.split('.').map(Number);
    if (p.some((x) => x > 255)) return null;
    return { words: Uint32Array.of(((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0, 0, 0, 0), family: 4 };
  }
  if (text.includes(':')) return { words: parseV6(text), family: 6 };
  return null;
}

function endpoint(text: string): { a: { words: Uint32Array; family: 4 | 6 }; port: number } | string {
  let host = text;
  let port = 0;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : 0;
  } else if (/^[\d.]+:\d+$/.test(text)) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i);
    port = Number(text.slice(i + 1));
  }
  const a = addr(host);
  if (!a) return `"${text}" is not an address (IPv4 a.b.c.d[:port], IPv6 [x::y]:port)`;
  if (port > 65535) return `port ${port} out of range`;
  return { a, port };
}

/** Parses `tcp 192.168.1.100:40000 > 1.1.1.1:443 flags S at 2s via lan1`. */
export function parsePacketSpec(text: string): PacketSpec {
  const words = text.trim().split(/\s+/);
  const fail = (msg: string): never => {
    throw new UserError(`flowsim trace: --packet "${text}": ${msg}\n  expected: "<tcp|udp|icmp> <src>[:port] > <dst>[:port] [flags S|A|F|R|P…] [at T] [via IFACE]"`);
  };
  const proto = words[0];
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') fail(`expected tcp, udp or icmp, found "${proto ?? ''}"`);
  if (words[2] !== '>') fail('expected ">" between source and destination');
  const s = endpoint(words[1] ?? '');
  if (typeof s === 'string') return fail(s);
  const d = endpoint(words[3] ?? '');
  if (typeof d === 'string') return fail(d);
  if (s.a.family !== d.a.family) fail('source and destination are of different address families');
  let flags = proto === 'tcp' ? 0x10 : 0;
  let at: number | undefined;
  let via: string | undefined;
  for (let i = 4; i < words.length; i += 2) {
    const k = words[i]!;
    const v = words[i + 1];
    if (v === undefined) fail(`"${k}" needs a value`);
    if (k === 'flags') {
      flags = 0;
      for (const c of v!.toUpperCase()) {
        const bit = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, '.': 0x10 }[c];
        if (bit === undefined) fail(`unknown TCP flag "${c}" (use S, A, F, R, P, U)`);
        flags |= bit!;
      }
    } else if (k === 'at') {
      at = parseDuration(v);
    } else if (k === 'via') via = v;
    else fail(`unknown word "${k}"`);
  }
  return { proto: proto as PacketSpec['proto'], family: s.a.family, src: s.a.words, dst: d.a.words, sport: s.port, dport: d.port, flags, at_s: at, via };
}

function inPrefix(words: Uint32Array, family: 4 | 6, h: BuiltHost): boolean {
  if (family === 4) {
    return h.v4.some((a) => {
      const mask = a.plen === 0 ? 0 : (0xffffffff << (32 - a.plen)) >>> 0;
      return ((words[0]! & mask) >>> 0) === ((a.addr & mask) >>> 0);
    });
  }
  return h.v6.some((a) => {
    for (let w = 0; w < 4; w++) {
      const bits = Math.max(0, Math.min(32, a.plen - w * 32));
      if (bits === 0) return true;
      const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      if (((words[w]! & mask) >>> 0) !== ((a.words[w]! & mask) >>> 0)) return false;
    }
    return true;
  });
}

/** The host the packet comes from: `via IFACE`, else the most specific host owning the source. */
function senderHost(built: Built, p: PacketSpec): BuiltHost {
  let cands = built.hosts.filter((h) => inPrefix(p.src, p.family, h));
  if (p.via !== undefined) {
    cands = built.hosts.filter((h) => h.spec.interface === p.via || built.net.topo.name(h.port) === p.via);
    if (cands.length === 0) throw new UserError(`flowsim trace: no host of the scenario sits behind "${p.via}"; hosts: ${built.hosts.map((h) => `${h.spec.name} (${h.spec.interface})`).join(', ')}`);
  }
  if (cands.length === 0) throw new UserError('flowsim trace: no host of the scenario owns the source address; add "via IFACE" to say where the packet enters');
  const plen = (h: BuiltHost): number => Math.max(...(p.family === 4 ? h.v4.map((a) => a.plen) : h.v6.map((a) => a.plen)), -1);
  return cands.sort((a, b) => plen(b) - plen(a))[0]!;
}

export interface TraceResult {
  packet: string;
  at_s: number;
  mode: string;
  steps: string[];
  nft: string[];
  fate: string;
  path: 'hardware' | 'software' | 'classic' | 'none';
  not_offloaded_because: string | null;
}

export function traceScenario(built: Built, p: PacketSpec, text: string, atS: number): TraceResult {
  const sim = new Simulator(built, { durationNs: built.scenario.duration_s * 1e9 });
  sim.run(atS * 1e9);
  const pool = built.pool;
  const slot = pool.alloc();
  if (slot < 0) throw new UserError('flowsim trace: no free packet buffer at that time');
  const h = senderHost(built, p);
  const s = new FrameSpec();
  setHostL2(s, h);
  s.family = p.family;
  if (p.family === 4) { s.src4 = p.src[0]!; s.dst4 = p.dst[0]!; } else { s.src6.set(p.src); s.dst6.set(p.dst); }
  s.l4proto = p.proto === 'tcp' ? IPPROTO_TCP : p.proto === 'udp' ? IPPROTO_UDP : p.family === 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  s.sport = p.sport || 40000;
  s.dport = p.dport || (p.proto === 'udp' ? 53 : 443);
  s.tcpFlags = p.flags;
  s.tcpMss = p.flags & 0x02 ? 1460 : -1;
  s.icmpId = p.sport || 1;
  s.payloadLen = p.proto === 'tcp' && (p.flags & 0x07) === 0 ? 100 : p.proto === 'udp' ? 32 : 0;
  if (buildFrame(pool, slot, s) === 0) throw new UserError('flowsim trace: the packet does not fit a buffer');
  const router = built.router;
  router.traceSlot = slot;
  router.traceLog.length = 0;
  router.traceFate = '';
  pool.trace[slot] = 1;
  router.rules.setTraceSlot(slot);
  router.rules.trace.events.length = 0;
  const steps = router.traceLog;
  steps.push(`packet enters ${built.net.topo.name(h.port)} from host ${h.spec.name} at ${atS} s (mode ${built.mode})`);
  sim.inject(slot, h.port);
  const path = pool.path[slot] === PATH_HARDWARE ? 'hardware' : pool.path[slot] === PATH_SOFTWARE ? 'software' : pool.path[slot] === PATH_CLASSIC ? 'classic' : 'none';
  const fate = router.traceFate || 'queued';
  router.traceSlot = -1;
  router.rules.setTraceSlot(-1);
  // Why was it not offloaded?
  let why: string | null = null;
  if (path === 'classic' || (path === 'software' && built.mode === 'hardware')) why = explain(built, slot, path);
  const nft = router.rules.traceLines();
  return { packet: text, at_s: atS, mode: built.mode, steps: [...steps], nft, fate, path, not_offloaded_because: why };
}

function explain(built: Built, slot: number, path: string): string {
  const r = built.router;
  const ft = r.ft;
  if (built.mode === 'none') return 'mode none: the flowtable fast path is off';
  if (ft.defs.length === 0) return 'the ruleset has no flowtable';
  const pool = built.pool;
  const h = pool.ct[slot]!;
  if (h < 0 || !r.ct.isValid(h)) return 'the packet has no conntrack entry (invalid, untracked, or dropped before conntrack)';
  const status = r.ct.statusOf(h);
  if (path === 'classic') {
    const iif = pool.iif[slot]!;
    if (!(status & (1 << 14))) {
      const added = ft.stats.addRefused;
      const counts = ADD_REFUSAL.map((name, i) => [name, added[i]!] as const).filter(([, n], i) => i > 0 && n > 0);
      const ingress = built.net.topo.name(iif);
      return `connection not offloaded yet: ${(status & 0x2) === 0 ? 'no reply seen (flow add needs an established connection)' : 'no `flow add` accepted it'}${counts.length > 0 ? ` (flow add refusals so far: ${counts.map(([n, c]) => `${c}× ${n}`).join(', ')})` : ''}; packet entered on ${ingress}`;
    }
    return `the connection is offloaded, but this packet left the fast path: ${['', 'not IPv4/IPv6', 'fragment or IP options', 'not TCP/UDP', 'TTL would expire', 'no flow for this tuple on the device it entered (ingress device not in the flowtable, or the flow was added for another device)', 'flow being torn down', 'exceeds the cached MTU', 'TCP FIN/RST tears the flow down'][ft.lastMiss] ?? 'see the steps'}`;
  }
  // Software in hardware mode: where is the flow in the engine?
  const be = r.backend;
  if (!be) return 'no hardware engine in this mode';
  const t = ft.table;
  const tw = slot * TUPLE_WORDS;
  for (let flow = 0; flow < t.capacity; flow++) {
    if (!t.inUse(flow)) continue;
    for (let dir = 0; dir < 2; dir++) {
      const k = t.tupleBase(flow * 2 + dir);
      let same = true;
      for (let i = 0; i < TUPLE_WORDS && same; i++) same = t.tuples[k + i] === pool.tuple[tw + i];
      if (!same) continue;
      const places = be.entries(flow);
      const refused = [...ft.stats.hwRefused.keys()];
      return `flow ${flow} is in the software flowtable; hardware: ${places.map((pl) => `${pl.dir ? 'reply' : 'original'} ${pl.state}${pl.why ? ` (${pl.why})` : ''}`).join(', ') || 'not in the engine'}${refused.length > 0 && (t.flags(flow) & (1 << 9)) === 0 ? ' — the engine refused it (see flowtable.hw_refused)' : ''}`;
    }
  }
  return 'the packet took the software fast path; its flow was not found in the engine';
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { packet: { type: 'string' }, mode: { type: 'string' }, format: { type: 'string', default: 'text' }, seed: { type: 'string' } } });
  } catch (e) {
    throw new UserError(`flowsim trace: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || values.packet === undefined) {
    throw new UserError('usage: flowsim trace <scenario.yaml> --packet "<proto> <src>[:port] > <dst>[:port] [flags S|A|F|R] [at T] [via IFACE]" [--mode M] [--format text|json|nft]');
  }
  const format = values.format ?? 'text';
  if (!['text', 'json', 'nft'].includes(format)) throw new UserError(`flowsim trace: --format must be text, json or nft, not "${format}"`);
  const spec = parsePacketSpec(values.packet);
  const mode = parseMode(values.mode);
  try {
    const sc = loadScenario(positionals[0]!);
    const built = buildScenario(sc, { ...(mode ? { mode } : {}), ...(values.seed ? { seed: Number(values.seed) } : {}) });
    const at = spec.at_s ?? sc.duration_s / 2;
    if (at > sc.duration_s) throw new UserError(`flowsim trace: "at ${at}s" is after the end of the scenario (${sc.duration_s} s)`);
    const res = traceScenario(built, spec, values.packet, at);
    if (format === 'json') process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    else if (format === 'nft') process.stdout.write(res.nft.join('\n') + (res.nft.length ? '\n' : ''));
    else {
      process.stdout.write(`${res.steps.join('\n')}\nresult: ${res.path} path, ${res.fate}\n`);
      if (res.not_offloaded_because) process.stdout.write(`not offloaded: ${res.not_offloaded_because}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof BuildError) throw new UserError(e.message);
    throw e;
  }
}
