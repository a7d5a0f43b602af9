/**
 * Small scenarios for the lint tests: an OpenWrt router (MT7621 by default) with DSA ports
 * lan1..lan2 bridged as br-lan, a PPPoE session on wan, and a firewall4-style ruleset whose parts
 * each test can change. Written as YAML to a temp dir and loaded as `flowsim lint` would.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintScenario, type Finding, type LintOptions } from '../../src/lint/index.ts';
import { loadScenario } from '../../src/sim/run.ts';

export interface RouterOptions {
  soc?: string;
  /** YAML lines for interfaces (replaces the default MT7621 PPPoE set). */
  interfaces?: string[];
  hosts?: string[];
  routes?: string[];
  devices?: string;
  flags?: string;
  /** Rules of the forward chain, one per line (default: fw4's flow offload + established vmap). */
  forward?: string[];
  /** Extra chains/objects inside the table. */
  extra?: string[];
  srcnat?: string[];
  traffic?: string[];
  sqm?: string[];
  sysctl?: string[];
  mode?: string;
}

const DEFAULT_INTERFACES = [
  '{ name: eth0, kind: ethernet, mac: "02:11:22:33:44:00" }',
  '{ name: wan, kind: dsa, conduit: eth0 }',
  '{ name: lan1, kind: dsa, conduit: eth0 }',
  '{ name: lan2, kind: dsa, conduit: eth0 }',
  '{ name: br-lan, kind: bridge, ports: [lan1, lan2], addresses: [192.168.1.1/24] }',
  '{ name: pppoe-wan, kind: pppoe, parent: wan, session: 0x1a2b, addresses: [100.64.10.2/32] }',
];

export const FW4_FORWARD = [
  'meta l4proto { tcp, udp } flow offload @ft;',
  'ct state vmap { established : accept, related : accept, invalid : drop };',
  'iifname "br-lan" accept;',
];

export function routerYaml(o: RouterOptions = {}): string {
  const ind = (xs: string[], n: number): string => xs.map((x) => `${' '.repeat(n)}${x}`).join('\n');
  const lines = [
    'name: lint test router',
    'seed: 1',
    'duration: 2s',
    ...(o.mode ? [`mode: ${o.mode}`] : []),
    'device:',
    `  soc: ${o.soc ?? 'mt7621'}`,
    'interfaces:',
    ind((o.interfaces ?? DEFAULT_INTERFACES).map((x) => `- ${x}`), 2),
    'routes:',
    ind((o.routes ?? ['{ dst: default, dev: pppoe-wan }']).map((x) => `- ${x}`), 2),
    'hosts:',
    ind((o.hosts ?? [
      '{ name: laptop, interface: br-lan, port: lan1, addresses: [192.168.1.100] }',
      '{ name: isp, interface: pppoe-wan, addresses: [0.0.0.0/0], delay: 5ms }',
    ]).map((x) => `- ${x}`), 2),
    ...(o.sysctl ? ['sysctl:', ind(o.sysctl, 2)] : []),
    ...(o.sqm ? ['sqm:', ind(o.sqm.map((x) => `- ${x}`), 2)] : []),
    'ruleset:',
    '  inline: |',
    '    table inet fw4 {',
    '      flowtable ft {',
    '        hook ingress priority filter;',
    `        devices = ${o.devices ?? '{ "lan1", "lan2", "wan" }'};`,
    ...(o.flags === '' ? [] : [`        ${o.flags ?? 'flags offload;'}`]),
    '        counter;',
    '      }',
    '      chain forward {',
    '        type filter hook forward priority filter; policy drop;',
    ind(o.forward ?? FW4_FORWARD, 8),
    '      }',
    '      chain srcnat {',
    '        type nat hook postrouting priority srcnat; policy accept;',
    ind(o.srcnat ?? ['oifname "pppoe-wan" meta nfproto ipv4 masquerade;'], 8),
    '      }',
    ...(o.extra ? [ind(o.extra, 6)] : []),
    '    }',
    'traffic:',
    ind((o.traffic ?? [
      '{ name: downloads, client: laptop, server: isp, proto: tcp, dport: 443, count: 4, direction: download, rate: 100Mbit, size: 1514, duration: 1s }',
    ]).map((x) => `- ${x}`), 2),
  ];
  return `${lines.join('\n')}\n`;
}

let dir: string | null = null;
let n = 0;

/** Writes YAML to a temp file and returns its path. */
export function writeScenario(yaml: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'flowsim-lint-'));
  const path = join(dir, `s${n++}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

export function lintYaml(yaml: string, opts: LintOptions = {}): Finding[] {
  return lintScenario(loadScenario(writeScenario(yaml)), opts);
}

export function lintRouter(o: RouterOptions = {}, opts: LintOptions = {}): Finding[] {
  return lintYaml(routerYaml(o), opts);
}

export const ids = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.severity}:${f.id}`);
export const withId = (fs: readonly Finding[], id: string): Finding[] => fs.filter((f) => f.id === id);

/** The source text at a location (from its column to the end of the line). */
export function textAt(loc: { file: string; line: number; col: number }): string {
  return (readFileSync(loc.file, 'utf8').split('\n')[loc.line - 1] ?? '').slice(loc.col - 1);
}
