/**
 * Scenario schema: turns a located YAML/JSON tree into a `Scenario`, reporting every mistake with
 * its file, line and column (`scenario.yaml:12:11: error: interfaces[2].parent: unknown device
 * "wan0"; known: wan, lan1, …`). Cross-references (parents, ports, hosts, SQM devices) are checked
 * here so that the router is only ever built from a consistent description.
 */
import { dirname, resolve } from 'node:path';
import { Decoder, join } from './decode.ts';
import type { LNode, Loc, SourceError } from './source.ts';
import {
  INTERFACE_KINDS, MODES,
  type ExpectSpec, type HostSpec, type InterfaceSpec, type Mode, type PacketSize, type RouteSpec,
  type PcapTrafficSpec, type RulesetSpec, type Scenario, type SqmSpec, type TrafficSpec,
} from './types.ts';

const TOP_KEYS = ['name', 'description', 'seed', 'duration', 'mode', 'device', 'interfaces', 'routes', 'hosts', 'ruleset', 'sysctl', 'sqm', 'traffic', 'expect'] as const;

/** sysctl names a scenario may override, with their kernel names. */
export const KNOWN_SYSCTLS = [
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_buckets',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack',
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait',
  'net.netfilter.nf_conntrack_tcp_timeout_close',
  'net.netfilter.nf_conntrack_udp_timeout',
  'net.netfilter.nf_conntrack_udp_timeout_stream',
  'net.netfilter.nf_conntrack_icmp_timeout',
  'net.netfilter.nf_conntrack_icmpv6_timeout',
  'net.netfilter.nf_conntrack_generic_timeout',
  'net.netfilter.nf_conntrack_tcp_loose',
  'net.netfilter.nf_conntrack_tcp_be_liberal',
  'net.netfilter.nf_flowtable_tcp_timeout',
  'net.netfilter.nf_flowtable_udp_timeout',
  'net.ipv4.ip_default_ttl',
] as const;

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function decodeScenario(root: LNode, file: string): { ok: true; scenario: Scenario } | { ok: false; errors: SourceError[] } {
  const d = new Decoder();
  const top = d.map(root, '', TOP_KEYS, ['name', 'device', 'interfaces', 'traffic']);
  if (!top) return { ok: false, errors: d.errors };
  const dir = dirname(resolve(file));

  const name = d.str(top.get('name'), 'name') ?? '';
  const description = top.has('description') ? d.str(top.get('description'), 'description') : undefined;
  const seed = top.has('seed') ? d.num(top.get('seed'), 'seed', { int: true, min: 0, max: 2 ** 32 - 1 }) ?? 1 : 1;
  const duration_s = top.has('duration') ? d.duration(top.get('duration'), 'duration') ?? 10 : 10;
  const mode = top.has('mode') ? d.oneOf<Mode>(top.get('mode'), 'mode', MODES) : undefined;

  const dev = d.map(top.get('device'), 'device', ['soc', 'packages', 'shortcut'], ['soc']);
  const shortcut = dev?.has('shortcut') ? d.oneOf(dev.get('shortcut'), 'device.shortcut', ['sfe', 'none'] as const) ?? 'none' : 'none';
  const socNode = dev?.get('soc');
  const soc = d.str(socNode, 'device.soc') ?? 'generic-x86';
  const socLoc = socNode?.loc ?? root.loc;
  const packages = dev?.has('packages') ? (d.seqOrOne(dev.get('packages'), 'device.packages') ?? []).map((n, i) => d.str(n, `device.packages[${i}]`) ?? '') : ['default'];

  const interfaces = decodeInterfaces(d, top.get('interfaces'));
  const devNames = interfaces.map((i) => i.name);
  checkInterfaceRefs(d, interfaces);
  const routes = decodeRoutes(d, top.get('routes'), devNames);
  const hosts = decodeHosts(d, top.get('hosts'), interfaces);
  const ruleset = decodeRuleset(d, top.get('ruleset'), dir, root.loc);
  const sysctl = decodeSysctl(d, top.get('sysctl'));
  const sqm = decodeSqm(d, top.get('sqm'), devNames);
  const trafficNode = top.get('traffic');
  const pcapTraffic = trafficNode?.kind === 'map' ? decodePcapTraffic(d, trafficNode, dir, interfaces.map((i) => i.name), hosts.map((h) => h.name)) : undefined;
  const traffic = trafficNode?.kind === 'map' ? [] : decodeTraffic(d, trafficNode, hosts.map((h) => h.name));
  const expect = decodeExpect(d, top.get('expect'));

  if (d.errors.length > 0) return { ok: false, errors: d.errors };
  return {
    ok: true,
    scenario: {
      file, dir, name, ...(description !== undefined ? { description } : {}), seed, duration_s,
      ...(mode !== undefined ? { mode } : {}),
      soc, socLoc, packages, shortcut, interfaces, routes, hosts, ruleset, sysctl, sqm, traffic, expect,
      ...(pcapTraffic !== undefined ? { pcapTraffic } : {}),
    },
  };
}

function knownList(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
}

function decodeInterfaces(d: Decoder, node: LNode | undefined): InterfaceSpec[] {
  const out: InterfaceSpec[] = [];
  const items = d.seq(node, 'interfaces') ?? [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const p = join('interfaces', i);
    const m = d.map(item, p, ['name', 'kind', 'parent', 'conduit', 'ports', 'vid', 'proto', 'session', 'peer_mac', 'mtu', 'mac', 'addresses', 'speed'], ['name', 'kind']);
    if (!m) return;
    const name = d.str(m.get('name'), join(p, 'name'));
    const kind = d.oneOf(m.get('kind'), join(p, 'kind'), INTERFACE_KINDS);
    if (name === undefined || kind === undefined) return;
    if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(name)) d.fail(m.get('name')!.loc, join(p, 'name'), `"${name}" is not a valid interface name (1–15 characters, IFNAMSIZ)`);
    if (seen.has(name)) d.fail(m.get('name')!.loc, join(p, 'name'), `duplicate interface "${name}"`);
    seen.add(name);
    const parentNode = m.get('parent') ?? m.get('conduit');
    const needsParent = kind === 'vlan' || kind === 'pppoe' || kind === 'dsa';
    if (needsParent && parentNode === undefined) d.fail(item.loc, p, `a ${kind} interface needs "${kind === 'dsa' ? 'conduit' : 'parent'}"`);
    const parent = parentNode ? d.str(parentNode, join(p, 'parent')) : undefined;
    const ports = kind === 'bridge' ? (d.seq(m.get('ports'), join(p, 'ports')) ?? []).map((n, j) => d.str(n, join(join(p, 'ports'), j)) ?? '') : [];
    if (kind === 'bridge' && !m.has('ports')) d.fail(item.loc, p, 'a bridge needs "ports"');
    const vid = m.has('vid') ? d.num(m.get('vid'), join(p, 'vid'), { int: true, min: 1, max: 4094 }) : undefined;
    if (kind === 'vlan' && !m.has('vid')) d.fail(item.loc, p, 'a vlan interface needs "vid"');
    const vlanProto = m.has('proto') ? d.oneOf(m.get('proto'), join(p, 'proto'), ['802.1q', '802.1ad'] as const) : undefined;
    const session = m.has('session') ? d.num(m.get('session'), join(p, 'session'), { int: true, min: 1, max: 0xfffe }) : undefined;
    if (kind === 'pppoe' && !m.has('session')) d.fail(item.loc, p, 'a pppoe interface needs "session" (the PPPoE session id)');
    const peerMac = m.has('peer_mac') ? macStr(d, m.get('peer_mac'), join(p, 'peer_mac')) : undefined;
    const mtu = m.has('mtu') ? d.num(m.get('mtu'), join(p, 'mtu'), { int: true, min: 68, max: 9216 }) : undefined;
    const mac = m.has('mac') ? macStr(d, m.get('mac'), join(p, 'mac')) : undefined;
    const addresses = (d.seqOrOne(m.get('addresses'), join(p, 'addresses')) ?? []).map((n, j) => cidr(d, n, join(join(p, 'addresses'), j), true) ?? '');
    const speed = m.has('speed') ? d.rateMbit(m.get('speed'), join(p, 'speed')) : undefined;
    out.push({
      loc: item.loc, name, kind, ports, addresses,
      ...(parent !== undefined ? { parent } : {}), ...(vid !== undefined ? { vid } : {}), ...(vlanProto !== undefined ? { vlanProto } : {}),
      ...(session !== undefined ? { session } : {}), ...(peerMac !== undefined ? { peerMac } : {}), ...(mtu !== undefined ? { mtu } : {}),
      ...(mac !== undefined ? { mac } : {}), ...(speed !== undefined ? { speed } : {}),
    });
  });
  return out;
}

function checkInterfaceRefs(d: Decoder, ifs: readonly InterfaceSpec[]): void {
  const names = ifs.map((i) => i.name);
  const byName = new Map(ifs.map((i) => [i.name, i]));
  ifs.forEach((spec, i) => {
    const p = join('interfaces', i);
    if (spec.parent !== undefined) {
      const parent = byName.get(spec.parent);
      if (!parent) d.fail(spec.loc, join(p, 'parent'), `unknown device "${spec.parent}"; known: ${knownList(names)}`);
      else if (spec.kind === 'dsa' && parent.kind !== 'ethernet') d.fail(spec.loc, join(p, 'conduit'), `the conduit of a DSA port must be an ethernet device, "${spec.parent}" is ${parent.kind}`);
      else if (parent.name === spec.name) d.fail(spec.loc, join(p, 'parent'), 'an interface cannot be its own parent');
    }
    spec.ports.forEach((port, j) => {
      const dev = byName.get(port);
      if (!dev) d.fail(spec.loc, join(join(p, 'ports'), j), `unknown device "${port}"; known: ${knownList(names)}`);
      else if (dev.kind === 'bridge' || dev.kind === 'loopback' || dev.kind === 'pppoe') d.fail(spec.loc, join(join(p, 'ports'), j), `a ${dev.kind} device cannot be a bridge port`);
    });
  });
  // A device may be a port of one bridge only (the kernel's netdev_master_upper_dev_link refuses a second master).
  const owner = new Map<string, string>();
  for (const spec of ifs) for (const port of spec.ports) {
    const prev = owner.get(port);
    if (prev !== undefined) d.fail(spec.loc, `interfaces: ${spec.name}`, `port "${port}" is already a port of bridge "${prev}"`);
    owner.set(port, spec.name);
  }
}

function decodeRoutes(d: Decoder, node: LNode | undefined, devNames: readonly string[]): RouteSpec[] {
  const out: RouteSpec[] = [];
  (d.seq(node, 'routes') ?? []).forEach((item, i) => {
    const p = join('routes', i);
    const m = d.map(item, p, ['dst', 'via', 'dev', 'metric', 'type'], ['dst']);
    if (!m) return;
    const dstRaw = d.str(m.get('dst'), join(p, 'dst'));
    const dst = dstRaw === 'default' ? 'default' : dstRaw !== undefined ? cidr(d, m.get('dst')!, join(p, 'dst'), false) : undefined;
    const via = m.has('via') ? ip(d, m.get('via'), join(p, 'via')) : undefined;
    const dev = m.has('dev') ? d.str(m.get('dev'), join(p, 'dev')) : undefined;
    if (dev !== undefined && !devNames.includes(dev)) d.fail(m.get('dev')!.loc, join(p, 'dev'), `unknown device "${dev}"; known: ${knownList(devNames)}`);
    const type = m.has('type') ? d.oneOf(m.get('type'), join(p, 'type'), ['unicast', 'blackhole', 'unreachable', 'prohibit'] as const) ?? 'unicast' : 'unicast';
    if (type === 'unicast' && via === undefined && dev === undefined) d.fail(item.loc, p, 'a route needs "via" or "dev"');
    const metric = m.has('metric') ? d.num(m.get('metric'), join(p, 'metric'), { int: true, min: 0 }) ?? 0 : 0;
    if (dst === undefined) return;
    out.push({ loc: item.loc, dst, metric, type, ...(via !== undefined ? { via } : {}), ...(dev !== undefined ? { dev } : {}) });
  });
  return out;
}

function decodeHosts(d: Decoder, node: LNode | undefined, ifs: readonly InterfaceSpec[]): HostSpec[] {
  const out: HostSpec[] = [];
  const names = ifs.map((i) => i.name);
  const seen = new Set<string>();
  (d.seq(node, 'hosts') ?? []).forEach((item, i) => {
    const p = join('hosts', i);
    const m = d.map(item, p, ['name', 'interface', 'port', 'addresses', 'mac', 'delay'], ['name', 'interface', 'addresses']);
    if (!m) return;
    const name = d.str(m.get('name'), join(p, 'name'));
    const iface = d.str(m.get('interface'), join(p, 'interface'));
    if (name === undefined || iface === undefined) return;
    if (seen.has(name)) d.fail(m.get('name')!.loc, join(p, 'name'), `duplicate host "${name}"`);
    seen.add(name);
    const spec = ifs.find((x) => x.name === iface);
    if (!spec) d.fail(m.get('interface')!.loc, join(p, 'interface'), `unknown device "${iface}"; known: ${knownList(names)}`);
    const port = m.has('port') ? d.str(m.get('port'), join(p, 'port')) : undefined;
    if (port !== undefined && spec && !spec.ports.includes(port)) {
      d.fail(m.get('port')!.loc, join(p, 'port'), spec.kind === 'bridge' ? `"${port}" is not a port of bridge ${iface}; ports: ${knownList(spec.ports)}` : `"port" only applies to hosts behind a bridge`);
    }
    const addresses = (d.seqOrOne(m.get('addresses'), join(p, 'addresses')) ?? []).map((n, j) => cidr(d, n, join(join(p, 'addresses'), j), true) ?? '');
    const mac = m.has('mac') ? macStr(d, m.get('mac'), join(p, 'mac')) : undefined;
    const delay_s = m.has('delay') ? d.duration(m.get('delay'), join(p, 'delay')) ?? 0.0005 : 0.0005;
    out.push({ loc: item.loc, name, interface: iface, addresses, delay_s, ...(port !== undefined ? { port } : {}), ...(mac !== undefined ? { mac } : {}) });
  });
  return out;
}

function decodeRuleset(d: Decoder, node: LNode | undefined, dir: string, fallback: Loc): RulesetSpec {
  if (node === undefined) return { loc: fallback, inline: '' };
  if (node.kind === 'scalar') {
    const s = d.str(node, 'ruleset');
    if (s === undefined) return { loc: node.loc, inline: '' };
    // A single line ending in .nft/.json is a path; anything else is inline nft text.
    if (!s.includes('\n') && /\.(nft|json|conf)$/.test(s.trim())) return { loc: node.loc, path: resolve(dir, s.trim()) };
    return { loc: node.loc, inline: s };
  }
  const m = d.map(node, 'ruleset', ['file', 'inline', 'flowtable_offload', 'flowtable_counter']);
  if (!m) return { loc: node.loc, inline: '' };
  const file = m.has('file') ? d.str(m.get('file'), 'ruleset.file') : undefined;
  const inline = m.has('inline') ? d.str(m.get('inline'), 'ruleset.inline') : undefined;
  if ((file === undefined) === (inline === undefined)) d.fail(node.loc, 'ruleset', 'give exactly one of "file" or "inline"');
  const off = m.has('flowtable_offload') ? d.bool(m.get('flowtable_offload'), 'ruleset.flowtable_offload') : undefined;
  const cnt = m.has('flowtable_counter') ? d.bool(m.get('flowtable_counter'), 'ruleset.flowtable_counter') : undefined;
  return {
    loc: node.loc,
    ...(file !== undefined ? { path: resolve(dir, file) } : { inline: inline ?? '' }),
    ...(off !== undefined ? { flowtableOffload: off } : {}),
    ...(cnt !== undefined ? { flowtableCounter: cnt } : {}),
  };
}

function decodeSysctl(d: Decoder, node: LNode | undefined): Map<string, { value: number; loc: Loc }> {
  const out = new Map<string, { value: number; loc: Loc }>();
  if (node === undefined) return out;
  if (node.kind !== 'map') {
    d.fail(node.loc, 'sysctl', 'expected a mapping of sysctl names to numbers');
    return out;
  }
  for (const [key, entry] of node.entries) {
    const full = key.startsWith('net.') ? key : `net.netfilter.${key}`;
    if (!(KNOWN_SYSCTLS as readonly string[]).includes(full)) {
      d.fail(entry.keyLoc, join('sysctl', key), `unknown or unmodelled sysctl; known: ${KNOWN_SYSCTLS.map((k) => k.replace('net.netfilter.', '')).join(', ')}`);
      continue;
    }
    const v = d.num(entry.value, join('sysctl', key), { min: 0 });
    if (v !== undefined) out.set(full, { value: v, loc: entry.value.loc });
  }
  return out;
}

function decodeSqm(d: Decoder, node: LNode | undefined, devNames: readonly string[]): SqmSpec[] {
  const out: SqmSpec[] = [];
  (d.seqOrOne(node, 'sqm') ?? []).forEach((item, i) => {
    const p = join('sqm', i);
    const m = d.map(item, p, ['device', 'qdisc', 'rate', 'direction', 'overhead'], ['device', 'rate']);
    if (!m) return;
    const device = d.str(m.get('device'), join(p, 'device'));
    if (device !== undefined && !devNames.includes(device)) d.fail(m.get('device')!.loc, join(p, 'device'), `unknown device "${device}"; known: ${knownList(devNames)}`);
    const qdisc = m.has('qdisc') ? d.oneOf(m.get('qdisc'), join(p, 'qdisc'), ['cake', 'htb+fq_codel'] as const) ?? 'cake' : 'cake';
    const rateMbit = d.rateMbit(m.get('rate'), join(p, 'rate'));
    const direction = m.has('direction') ? d.oneOf(m.get('direction'), join(p, 'direction'), ['egress', 'ingress'] as const) ?? 'egress' : 'egress';
    const overhead = m.has('overhead') ? d.num(m.get('overhead'), join(p, 'overhead'), { int: true, min: -64, max: 256 }) ?? 0 : 0;
    if (device === undefined || rateMbit === undefined) return;
    out.push({ loc: item.loc, device, qdisc, rateMbit, direction, overhead });
  });
  return out;
}

function decodeSize(d: Decoder, node: LNode | undefined, p: string, family: 4 | 6): PacketSize {
  if (node === undefined) return { kind: 'fixed', bytes: 1514 };
  const min = family === 4 ? 60 : 78;
  if (node.kind === 'scalar' && node.value === 'imix') {
    // Simple IMIX 7:4:1 of 64/594/1518-byte frames on the wire (60/590/1514 without FCS).
    return { kind: 'mix', sizes: [Math.max(60, min), 590, 1514], weights: [7, 4, 1] };
  }
  if (node.kind === 'seq') {
    const sizes: number[] = [];
    const weights: number[] = [];
    node.items.forEach((it, i) => {
      const m = d.map(it, join(p, i), ['bytes', 'weight'], ['bytes', 'weight']);
      const b = d.num(m?.get('bytes'), join(join(p, i), 'bytes'), { int: true, min, max: 9018 });
      const w = d.num(m?.get('weight'), join(join(p, i), 'weight'), { min: 0 });
      if (b !== undefined && w !== undefined) { sizes.push(b); weights.push(w); }
    });
    return { kind: 'mix', sizes, weights };
  }
  const bytes = d.num(node, p, { int: true, min, max: 9018 });
  return { kind: 'fixed', bytes: bytes ?? 1514 };
}

function decodeTraffic(d: Decoder, node: LNode | undefined, hostNames: readonly string[]): TrafficSpec[] {
  const out: TrafficSpec[] = [];
  (d.seq(node, 'traffic') ?? []).forEach((item, i) => {
    const p = join('traffic', i);
    const m = d.map(item, p, ['name', 'count', 'proto', 'family', 'client', 'server', 'sport', 'dport', 'direction', 'rate', 'size', 'start', 'spread', 'duration', 'end', 'ack_every', 'reply_every', 'packets', 'ip_options', 'to', 'unanswered'], ['client', 'server']);
    if (!m) return;
    const name = m.has('name') ? d.str(m.get('name'), join(p, 'name')) ?? `group${i}` : `group${i}`;
    const count = m.has('count') ? d.num(m.get('count'), join(p, 'count'), { int: true, min: 1, max: 16_777_216 }) ?? 1 : 1;
    const proto = m.has('proto') ? d.oneOf(m.get('proto'), join(p, 'proto'), ['tcp', 'udp', 'icmp'] as const) ?? 'tcp' : 'tcp';
    const famNum = m.has('family') ? d.num(m.get('family'), join(p, 'family'), { int: true }) : 4;
    if (famNum !== undefined && famNum !== 4 && famNum !== 6) d.fail(m.get('family')!.loc, join(p, 'family'), `expected 4 or 6, found ${famNum}`);
    const family: 4 | 6 = famNum === 6 ? 6 : 4;
    const client = d.str(m.get('client'), join(p, 'client'));
    const server = d.str(m.get('server'), join(p, 'server'));
    for (const [k, v] of [['client', client], ['server', server]] as const) {
      if (v !== undefined && !hostNames.includes(v)) d.fail(m.get(k)!.loc, join(p, k), `unknown host "${v}"; known: ${knownList(hostNames)}`);
    }
    const sport = m.has('sport') ? d.num(m.get('sport'), join(p, 'sport'), { int: true, min: 1, max: 65535 }) ?? 0 : 0;
    const dport = m.has('dport') ? d.num(m.get('dport'), join(p, 'dport'), { int: true, min: 0, max: 65535 }) ?? 443 : proto === 'udp' ? 53 : 443;
    const direction = m.has('direction') ? d.oneOf(m.get('direction'), join(p, 'direction'), ['upload', 'download', 'both'] as const) ?? 'download' : 'download';
    const rateMbit = m.has('rate') ? d.rateMbit(m.get('rate'), join(p, 'rate')) ?? 1 : 1;
    const size = decodeSize(d, m.get('size'), join(p, 'size'), family);
    const start_s = m.has('start') ? d.duration(m.get('start'), join(p, 'start')) ?? 0 : 0;
    const spread_s = m.has('spread') ? d.duration(m.get('spread'), join(p, 'spread')) ?? 0 : 0;
    const duration_s = m.has('duration') ? d.duration(m.get('duration'), join(p, 'duration')) ?? Infinity : Infinity;
    const end = m.has('end') ? d.oneOf(m.get('end'), join(p, 'end'), ['fin', 'rst', 'none'] as const) ?? 'fin' : 'fin';
    const ackEvery = m.has('ack_every') ? d.num(m.get('ack_every'), join(p, 'ack_every'), { int: true, min: 1, max: 64 }) ?? 2 : 2;
    const replyEvery = m.has('reply_every') ? d.num(m.get('reply_every'), join(p, 'reply_every'), { int: true, min: 0 }) ?? 1 : 1;
    const packets = m.has('packets') ? d.num(m.get('packets'), join(p, 'packets'), { int: true, min: 1 }) : undefined;
    const ipv4Options = m.has('ip_options') ? d.bool(m.get('ip_options'), join(p, 'ip_options')) ?? false : false;
    const to = m.has('to') ? ip(d, m.get('to'), join(p, 'to')) : undefined;
    const unanswered = m.has('unanswered') ? d.bool(m.get('unanswered'), join(p, 'unanswered')) ?? false : false;
    if (to !== undefined && (to.includes(':') ? 6 : 4) !== family) d.fail(m.get('to')!.loc, join(p, 'to'), `address family does not match family ${family}`);
    if (client === undefined || server === undefined) return;
    out.push({
      loc: item.loc, name, count, proto, family, client, server, sport, dport, direction, rateMbit, size,
      start_s, spread_s, duration_s, end, ackEvery, replyEvery, ipv4Options, unanswered, ...(packets !== undefined ? { packets } : {}),
      ...(to !== undefined ? { to } : {}),
    });
  });
  return out;
}

function decodePcapTraffic(d: Decoder, node: LNode, dir: string, devNames: readonly string[], hostNames: readonly string[]): PcapTrafficSpec | undefined {
  const m = d.map(node, 'traffic', ['pcap', 'ingress', 'speedup', 'loop', 'replies'], ['pcap', 'ingress']);
  if (!m) return undefined;
  const file = d.str(m.get('pcap'), 'traffic.pcap');
  const speedup = m.has('speedup') ? d.num(m.get('speedup'), 'traffic.speedup', { min: 0.001, max: 1e6 }) ?? 1 : 1;
  const loop = m.has('loop') ? d.num(m.get('loop'), 'traffic.loop', { int: true, min: 1, max: 1e6 }) ?? 1 : 1;
  const ingress: { match: string; iface: string; loc: Loc }[] = [];
  const ing = m.get('ingress');
  const checkDev = (name: string | undefined, loc: Loc, p: string): string | undefined => {
    if (name !== undefined && !devNames.includes(name)) return d.fail(loc, p, `unknown device "${name}"; known: ${knownList(devNames)}`);
    return name;
  };
  if (ing?.kind === 'scalar') {
    const iface = checkDev(d.str(ing, 'traffic.ingress'), ing.loc, 'traffic.ingress');
    if (iface !== undefined) ingress.push({ match: '*', iface, loc: ing.loc });
  } else if (ing?.kind === 'map') {
    for (const [key, entry] of ing.entries) {
      const p = join('traffic.ingress', key);
      const ok = MAC_RE.test(key) || (key.includes('/') && (isIpv4(key.split('/')[0]!) || isIpv6(key.split('/')[0]!))) || key === '*';
      if (!ok) d.fail(entry.keyLoc, p, 'expected a source MAC address or a source IP prefix (e.g. 192.168.1.0/24)');
      const iface = checkDev(d.str(entry.value, p), entry.value.loc, p);
      if (ok && iface !== undefined) ingress.push({ match: key.toLowerCase(), iface, loc: entry.keyLoc });
    }
  } else if (ing !== undefined) d.fail(ing.loc, 'traffic.ingress', 'expected an interface name or a mapping of source MAC/prefix to interface');
  // `replies: true`, `false`, or a list of host names that answer (see PcapResponder).
  let replies: true | string[] | undefined;
  const rep = m.get('replies');
  if (rep?.kind === 'scalar' && typeof rep.value === 'boolean') replies = rep.value ? true : undefined;
  else if (rep !== undefined) {
    replies = [];
    (d.seqOrOne(rep, 'traffic.replies') ?? []).forEach((n, i) => {
      const name = d.str(n, join('traffic.replies', i));
      if (name !== undefined && !hostNames.includes(name)) d.fail(n.loc, join('traffic.replies', i), `unknown host "${name}"; known: ${knownList(hostNames)}`);
      else if (name !== undefined) (replies as string[]).push(name);
    });
  }
  if (file === undefined) return undefined;
  return { loc: node.loc, path: resolve(dir, file), ingress, speedup, loop, ...(replies !== undefined ? { replies } : {}) };
}

function decodeExpect(d: Decoder, node: LNode | undefined): ExpectSpec[] {
  const out: ExpectSpec[] = [];
  (d.seqOrOne(node, 'expect') ?? []).forEach((item, i) => {
    const p = join('expect', i);
    if (item.kind === 'scalar') {
      const expr = d.str(item, p);
      if (expr !== undefined) out.push({ loc: item.loc, expr, modes: MODES });
      return;
    }
    const m = d.map(item, p, ['that', 'modes', 'mode'], ['that']);
    if (!m) return;
    const expr = d.str(m.get('that'), join(p, 'that'));
    const modesNode = m.get('modes') ?? m.get('mode');
    const modes = modesNode ? (d.seqOrOne(modesNode, join(p, 'modes')) ?? []).map((n, j) => d.oneOf<Mode>(n, join(join(p, 'modes'), j), MODES) ?? 'none') : MODES;
    if (expr !== undefined) out.push({ loc: m.get('that')!.loc, expr, modes });
  });
  return out;
}

function macStr(d: Decoder, node: LNode | undefined, p: string): string | undefined {
  const s = d.str(node, p);
  if (s === undefined) return undefined;
  if (!MAC_RE.test(s)) return d.fail(node!.loc, p, `expected a MAC address like 02:00:00:00:00:01, found "${s}"`);
  return s.toLowerCase();
}

function ip(d: Decoder, node: LNode | undefined, p: string): string | undefined {
  const s = d.str(node, p);
  if (s === undefined) return undefined;
  if (!isIpv4(s) && !isIpv6(s)) return d.fail(node!.loc, p, `expected an IPv4 or IPv6 address, found "${s}"`);
  return s;
}

/** An address with an optional prefix length (`hostOk`: a bare address is allowed). */
function cidr(d: Decoder, node: LNode, p: string, hostOk: boolean): string | undefined {
  const s = d.str(node, p);
  if (s === undefined) return undefined;
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return d.fail(node.loc, p, `expected an address or prefix, found "${s}"`);
  const v4 = isIpv4(addr);
  if (!v4 && !isIpv6(addr)) return d.fail(node.loc, p, `expected an IPv4 or IPv6 address${hostOk ? '' : ' prefix'}, found "${s}"`);
  if (len === undefined) return hostOk ? s : `${s}/${v4 ? 32 : 128}`;
  const n = Number(len);
  if (!/^\d+$/.test(len) || n > (v4 ? 32 : 128)) return d.fail(node.loc, p, `bad prefix length "/${len}"`);
  return s;
}

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

export function isIpv6(s: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = s.replace('::', ':x:').split(':').filter((g) => g !== '');
  let count = 0;
  for (const g of groups) {
    if (g === 'x') continue;
    if (g.includes('.')) { if (!isIpv4(g)) return false; count += 2; continue; }
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return false;
    count++;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}
