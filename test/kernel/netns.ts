/**
 * Builds a router out of two network namespaces:
 *
 *   tester ns (fsk-<id>-t)                      router ns (fsk-<id>-r)
 *   <if> (veth, no addresses, IPv6 off) <====> <if> (veth, addresses, MAC, MTU)
 *
 * The tester side never answers anything (no addresses, IPv6 disabled so no DAD/RS/MLD); the router
 * side has the case's addresses, routes, permanent neighbour entries for every host, forwarding on
 * and the ruleset loaded with the system's `nft -f`. Names are unique per run and per case, and
 * `teardown` removes both namespaces (which removes the veths) even after a failure.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Topology } from './case.ts';

let counter = 0;

export interface Router {
  readonly tester: string;
  readonly router: string;
}

export function sh(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

export function inNs(ns: string, cmd: string, args: readonly string[], input?: string): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

function sysctl(ns: string, key: string, value: string | number): void {
  inNs(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
}

/** Can this process create network namespaces (root, CAP_SYS_ADMIN, iproute2 present)? Returns the reason when not. */
export function netnsUnavailableReason(): string | undefined {
  const name = `fsk-probe-${process.pid}`;
  try {
    sh('ip', ['netns', 'add', name]);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    sh('ip', ['-n', name, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
  } catch (e) {
    return (e as Error).message;
  } finally {
    try { sh('ip', ['netns', 'del', name]); } catch { /* already gone */ }
  }
  return undefined;
}

/** Builds the two namespaces for `topo` and loads `rulesetFile` into the router. */
export function buildRouter(topo: Topology, rulesetFile: string): Router {
  const id = `fsk-${process.pid}-${counter++}`;
  const r: Router = { tester: `${id}-t`, router: `${id}-r` };
  sh('ip', ['netns', 'add', r.tester]);
  sh('ip', ['netns', 'add', r.router]);
  try {
    // Tester: IPv6 off everywhere so the tester never emits DAD, router solicitations or MLD.
    sysctl(r.tester, 'net.ipv6.conf.all.disable_ipv6', 1);
    sysctl(r.tester, 'net.ipv6.conf.default.disable_ipv6', 1);
    // Router: no link-local address, no DAD, no router advertisements accepted; MLD unsolicited
    // reports (for the solicited-node groups of the global addresses) repeat after 1 ms so they are
    // over before the captures start (see README "Settling").
    for (const k of ['all', 'default']) {
      sysctl(r.router, `net.ipv6.conf.${k}.addr_gen_mode`, 1);
      sysctl(r.router, `net.ipv6.conf.${k}.accept_dad`, 0);
      sysctl(r.router, `net.ipv6.conf.${k}.accept_ra`, 0);
      sysctl(r.router, `net.ipv6.conf.${k}.mldv2_unsolicited_report_interval`, 1);
      sysctl(r.router, `net.ipv6.conf.${k}.mldv1_unsolicited_report_interval`, 1);
      sysctl(r.router, `net.ipv4.conf.${k}.rp_filter`, 0);
    }
    sh('ip', ['-n', r.router, 'link', 'set', 'lo', 'up']);
    for (const itf of topo.interfaces) {
      sh('ip', ['-n', r.tester, 'link', 'add', itf.name, 'type', 'veth', 'peer', 'name', itf.name, 'netns', r.router]);
      sh('ip', ['-n', r.router, 'link', 'set', itf.name, 'address', itf.mac]);
      const mtu = String(itf.mtu ?? 1500);
      sh('ip', ['-n', r.router, 'link', 'set', itf.name, 'mtu', mtu]);
      sh('ip', ['-n', r.tester, 'link', 'set', itf.name, 'mtu', mtu]);
      for (const a of itf.addresses) {
        sh('ip', ['-n', r.router, 'addr', 'add', a, 'dev', itf.name, ...(a.includes(':') ? ['nodad'] : [])]);
      }
      // TX checksum offload off on the router's end: a veth advertises NETIF_F_HW_CSUM, so packets
      // the router builds with CHECKSUM_PARTIAL (the TCP RST of `reject with tcp reset`:
      // nf_reject_ip_tcphdr_put leaves only the pseudo-header sum in th->check) would cross the veth
      // unfinished and the capture would show the partial sum. With `tx off`, validate_xmit_skb →
      // skb_csum_hwoffload_help finishes the checksum in software, as it would before a NIC without
      // offload; a NIC with offload would put the same final value on the wire.
      inNs(r.router, 'ethtool', ['-K', itf.name, 'tx', 'off']);
    }
    for (const itf of topo.interfaces) {
      sh('ip', ['-n', r.tester, 'link', 'set', itf.name, 'up']);
      sh('ip', ['-n', r.router, 'link', 'set', itf.name, 'up']);
    }
    sysctl(r.router, 'net.ipv4.ip_forward', 1);
    sysctl(r.router, 'net.ipv6.conf.all.forwarding', 1);
    for (const h of topo.hosts) {
      for (const a of h.addresses) {
        sh('ip', ['-n', r.router, 'neigh', 'replace', a, 'lladdr', h.mac, 'dev', h.iface, 'nud', 'permanent']);
      }
    }
    for (const rt of topo.routes) {
      const fam = rt.dst.includes(':') ? '-6' : '-4';
      sh('ip', [fam, '-n', r.router, 'route', 'add', rt.dst, ...(rt.via !== undefined ? ['via', rt.via] : []), 'dev', rt.dev]);
    }
    inNs(r.router, 'nft', ['-f', rulesetFile]);
    return r;
  } catch (e) {
    teardown(r);
    throw e;
  }
}

/**
 * Waits until linkwatch has marked every router port operationally UP. The carrier-up event is
 * what makes IPv6 send its MLD reports (addrconf_notify → ipv6_mc_up), up to a second after the
 * link was set up; capturing before that would record them (README "Settling").
 */
export async function waitOperUp(r: Router, topo: Topology, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const out = sh('ip', ['-n', r.router, '-o', 'link', 'show']);
    const up = topo.interfaces.every((i) => new RegExp(`^\\d+: ${i.name}@[^:]*:.*state UP`, 'm').test(out));
    if (up) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`router ports not operationally up after ${timeoutMs} ms:\n${out}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Removes both namespaces; never throws. */
export function teardown(r: Router): void {
  for (const ns of [r.tester, r.router]) {
    try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
  }
}

/** Writes `text` to `file` (helper for rulesets). */
export function writeText(file: string, text: string): void {
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
