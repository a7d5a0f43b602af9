/**
 * Kernel behaviours, end to end through small scenarios (lan1/lan2/wan on one router, static
 * neighbours from the hosts, a firewall4-style ruleset with `flow offload @ft` first in forward).
 * Each test names the kernel function whose behaviour it pins down.
 */
import { describe, expect, it } from 'vitest';
import { IPS_DST_NAT, IPS_OFFLOAD } from '../../src/conntrack/constants.ts';
import { TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_ESTABLISHED, TCP_CONNTRACK_TIME_WAIT } from '../../src/conntrack/constants.ts';
import type { Mode } from '../../src/scenario/types.ts';
import { conntrackListing } from '../../src/sim/run.ts';
import { ACK, decode, FIN, firstTcpTuple, injectTcpFromHost, RST, SYN } from './frames.ts';
import {
  conntrackStates, firstFrameDifference, fw4Ruleset, runRecorded, scenarioFromYaml, scenarioYaml, TWO_PORT_TOPOLOGY,
  type RecordedRun, type TxFrame,
} from './helpers.ts';

const PATH_CLASSIC = 1, PATH_SOFTWARE = 2;
const MODES: readonly Mode[] = ['none', 'software', 'hardware'];

function flowFrames(r: RecordedRun, flow: number): TxFrame[] {
  return r.frames.filter((f) => f.flow === flow);
}

function paths(frames: readonly TxFrame[]): number[] {
  return frames.map((f) => f.path);
}

describe('when a TCP connection is offloaded (nft_flow_offload_eval)', () => {
  const sc = scenarioFromYaml(scenarioYaml({
    duration: '300ms',
    traffic: ['{ name: dl, client: pc, server: net, proto: tcp, dport: 443, direction: download, rate: 2Mbit, size: 1000, end: none }'],
  }), 'tcp-handshake.yaml');

  it('the handshake takes the classic path; the flow is added on the ACK that makes it ESTABLISHED and ASSURED; the rest is fast path', () => {
    const r = runRecorded(sc, 'software');
    const fr = flowFrames(r, 0);
    const d = fr.map(decode);
    expect(d[0]!.tcpFlags & (SYN | ACK)).toBe(SYN);
    expect(d[1]!.tcpFlags & (SYN | ACK)).toBe(SYN | ACK);
    expect(d[2]!.tcpFlags & (SYN | ACK)).toBe(ACK);
    // nf_conntrack_tcp_established() is false for the SYN and the SYN-ACK (SYN_SENT, SYN_RECV); the
    // ACK moves SYN_RECV → ESTABLISHED and sets IPS_ASSURED, then `flow offload` adds it.
    expect(paths(fr.slice(0, 3))).toEqual([PATH_CLASSIC, PATH_CLASSIC, PATH_CLASSIC]);
    expect(fr.length).toBeGreaterThan(20);
    expect(paths(fr.slice(3)).every((p) => p === PATH_SOFTWARE)).toBe(true);
    // The TCP check comes before the confirmed check in nft_flow_offload_eval.
    expect(r.report.flowtable.not_added).toEqual({ 'TCP connection not established and assured': 2 });
    expect(r.report.flowtable.flows_added).toBe(1);
    expect(r.report.conntrack.offloaded).toBe(1);
  });

  it('conntrack -L shows [OFFLOAD] and hides the TCP state and the timeout of the offloaded entry (ct_seq_show)', () => {
    const r = runRecorded(sc, 'software');
    const line = conntrackListing(r.built, 300e6).trim();
    expect(line).toMatch(/^tcp\s+6 src=192\.168\.1\.10 /);
    expect(line).toContain('[OFFLOAD]');
    expect(line).not.toContain('ESTABLISHED');
    // ...while the entry itself is still ESTABLISHED (nf_flow_table keeps ct->proto.tcp.state).
    expect(conntrackStates(r.built)[0]!.tcpState).toBe(TCP_CONNTRACK_ESTABLISHED);
    const none = runRecorded(sc, 'none');
    expect(conntrackListing(none.built, 300e6)).toMatch(/^tcp\s+6 \d+ ESTABLISHED src=192\.168\.1\.10 /);
  });
});

describe('FIN and RST hand the connection back to the classic path (nf_flow_state_check → flow_offload_teardown)', () => {
  const scenario = (end: 'fin' | 'rst'): ReturnType<typeof scenarioFromYaml> => scenarioFromYaml(scenarioYaml({
    duration: '1600ms',
    traffic: [`{ name: dl, client: pc, server: net, proto: tcp, dport: 443, direction: download, rate: 2Mbit, size: 1000, duration: 200ms, end: ${end} }`],
  }), `tcp-${end}.yaml`);

  it('the FIN tears the flow down: it and every later packet take the classic path, and conntrack tracks the close', () => {
    const sw = runRecorded(scenario('fin'), 'software');
    const fr = flowFrames(sw, 0);
    const finAt = fr.findIndex((f) => (decode(f).tcpFlags & FIN) !== 0);
    expect(finAt).toBeGreaterThan(3);
    expect(paths(fr.slice(3, finAt)).every((p) => p === PATH_SOFTWARE)).toBe(true);
    const after = fr.slice(finAt);
    expect(after.length).toBeGreaterThanOrEqual(3); // FIN, the server's FIN (+ACK), the last ACK
    expect(paths(after).every((p) => p === PATH_CLASSIC)).toBe(true);
    expect(sw.report.flowtable.fast_path_misses['TCP FIN/RST tears the flow down']).toBe(1);
    expect(sw.report.flowtable.teardowns).toBe(1);
    // The next GC run (every second) removes the torn-down flow (nf_flow_offload_gc_step).
    expect(sw.report.flowtable.active_flows).toBe(0);
    const [c] = conntrackStates(sw.built);
    expect(c!.tcpState).toBe(TCP_CONNTRACK_TIME_WAIT);
    expect(c!.offloaded).toBe(false);
    expect(conntrackStates(runRecorded(scenario('fin'), 'none').built)).toEqual(conntrackStates(sw.built));
  });

  it('an RST tears the flow down the same way and conntrack ends in CLOSE', () => {
    const sw = runRecorded(scenario('rst'), 'software');
    const fr = flowFrames(sw, 0);
    const rstAt = fr.findIndex((f) => (decode(f).tcpFlags & RST) !== 0);
    expect(rstAt).toBeGreaterThan(3);
    expect(fr[rstAt]!.path).toBe(PATH_CLASSIC);
    expect(sw.report.flowtable.fast_path_misses['TCP FIN/RST tears the flow down']).toBe(1);
    expect(sw.report.flowtable.teardowns).toBe(1);
    expect(conntrackStates(sw.built)[0]!.tcpState).toBe(TCP_CONNTRACK_CLOSE);
  });
});

describe('a UDP exchange of one request and one reply is never fast-pathed (REFERENCE.md §5)', () => {
  it('the request is not confirmed yet; the reply adds the flow, but no packet follows', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '500ms',
      traffic: ['{ name: dns, client: pc, server: net, proto: udp, dport: 53, count: 3, direction: upload, rate: 0.01Mbit, size: 80, packets: 1, spread: 300ms }'],
    }), 'dns.yaml');
    const r = runRecorded(sc, 'software');
    expect(r.report.packets.offered).toBe(6);
    expect(r.report.packets.transmitted).toBe(6);
    expect(r.report.paths.software).toBe(0);
    expect(r.report.paths.classic).toBe(6);
    // nft_flow_offload_eval: `if (!nf_ct_is_confirmed(ct)) goto out` for the request; the reply passes.
    expect(r.report.flowtable.not_added).toEqual({ 'connection not confirmed yet': 3 });
    expect(r.report.flowtable.flows_added).toBe(3);
    // So conntrack lists them [OFFLOAD] until the flowtable's UDP timeout (30 s) expires them.
    expect(r.report.conntrack.offloaded).toBe(3);
  });
});

describe('the fast path only catches packets on devices listed in the flowtable (nf_flow_offload_ip_hook is a per-device ingress hook)', () => {
  it('a LAN-to-LAN flow from lan1 (listed) to lan2 (not listed) is fast in one direction only', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '400ms',
      traffic: ['{ name: l2l, client: pc, server: pc2, proto: udp, dport: 7000, direction: both, rate: 1Mbit, size: 500 }'],
    }), 'lan2lan.yaml');
    const r = runRecorded(sc, 'software');
    const fromLan1 = r.frames.filter((f) => f.iface === 'lan2');
    const fromLan2 = r.frames.filter((f) => f.iface === 'lan1');
    expect(fromLan1.length).toBeGreaterThan(20);
    expect(fromLan2.length).toBeGreaterThan(20);
    expect(fromLan1.filter((f) => f.path === PATH_SOFTWARE).length).toBeGreaterThan(0);
    // Arriving on lan2: no hook, no lookup, never a hit.
    expect(fromLan2.every((f) => f.path === PATH_CLASSIC)).toBe(true);
  });

  it('with only wan listed, the download is fast and the client\'s ACKs (arriving on lan1) all take the classic path', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '300ms', ruleset: fw4Ruleset({ devices: ['wan'] }),
      traffic: ['{ name: dl, client: pc, server: net, proto: tcp, dport: 443, direction: download, rate: 2Mbit, size: 1000, end: none }'],
    }), 'wan-only.yaml');
    const r = runRecorded(sc, 'software');
    const down = r.frames.filter((f) => f.iface === 'lan1');
    const up = r.frames.filter((f) => f.iface === 'wan');
    expect(down.filter((f) => f.path === PATH_SOFTWARE).length).toBeGreaterThan(20);
    expect(up.length).toBeGreaterThan(5);
    expect(up.every((f) => f.path === PATH_CLASSIC)).toBe(true);
  });
});

describe('packets bigger than the egress MTU with DF set (ip_forward → ip_exceeds_mtu; nf_flow_exceeds_mtu on the fast path)', () => {
  const topology = TWO_PORT_TOPOLOGY.replace('{ name: wan, kind: dsa, conduit: eth0,', '{ name: wan, kind: dsa, conduit: eth0, mtu: 1400,');
  const sc = scenarioFromYaml(scenarioYaml({
    duration: '400ms', topology,
    traffic: ['{ name: up, client: pc, server: net, proto: tcp, dport: 443, direction: upload, rate: 2Mbit, size: 1514, end: none }'],
  }), 'mtu.yaml');

  it('get ICMP fragmentation-needed with the next-hop MTU and are dropped as PKT_TOO_BIG, in every mode; PMTUD then lets the upload through', () => {
    const runs = MODES.map((m) => runRecorded(sc, m));
    for (const r of runs) {
      const m = r.report.mode;
      expect(r.report.drops.PKT_TOO_BIG, m).toBeGreaterThanOrEqual(1);
      const icmp = r.frames.filter((f) => f.iface === 'lan1' && decode(f).proto === 1).map(decode);
      expect(icmp.length, m).toBe(r.report.drops.PKT_TOO_BIG);
      for (const e of icmp) {
        expect([e.icmpType, e.icmpCode, e.icmpMtu], m).toEqual([3, 4, 1400]);
        expect(e.src, m).toBe('192.168.1.1');
        expect(e.dst, m).toBe('192.168.1.10');
      }
      expect(r.report.traffic.icmp_errors, m).toBeGreaterThanOrEqual(1);
      expect(r.report.traffic.goodput_mbit_up, m).toBeGreaterThan(1);
      // Nothing bigger than the MTU left on wan.
      expect(r.frames.filter((f) => f.iface === 'wan').every((f) => f.hex.length / 2 - 14 <= 1400), m).toBe(true);
    }
    // The software fast path hands the oversized packet to the classic path, which sends the error.
    expect(runs[1]!.report.flowtable.fast_path_misses['packet exceeds the cached MTU']).toBeGreaterThanOrEqual(1);
    expect(runs[1]!.report.drops).toEqual(runs[0]!.report.drops);
    expect(runs[2]!.report.drops).toEqual(runs[0]!.report.drops);
  });
});

/**
 * Injects one packet of the first TCP connection (or of a fresh one) from `pc` when the `at`-th frame
 * has left `trigger`, while the connection is offloaded. The trigger port must not be the one the
 * injected packet (or the error it causes) leaves by: the injection runs inside that port's transmit
 * loop.
 */
function runWithInjection(mode: Mode, at: number, trigger: 'wan' | 'lan1', opts: { ttl?: number; ipOptionsLen?: number; fresh?: boolean; badIpChecksum?: boolean }): RecordedRun & { injectedAt: number } {
  const sc = scenarioFromYaml(scenarioYaml({
    duration: '400ms',
    traffic: ['{ name: up, client: pc, server: net, proto: tcp, dport: 443, direction: upload, rate: 2Mbit, size: 600, end: none }'],
  }), 'inject.yaml');
  let wanFrames = 0;
  let injectedAt = -1;
  const r = runRecorded(sc, mode, {
    onFrame: (f, built) => {
      if (f.iface !== trigger || ++wanFrames !== at) return;
      const t = firstTcpTuple(built);
      if (t === null) throw new Error('no TCP connection yet');
      if (!opts.fresh && mode !== 'none') expect(built.router.ct.statusOf(t.handle) & IPS_OFFLOAD).toBe(IPS_OFFLOAD);
      const tuple = opts.fresh ? { ...t, sport: 1234, dport: 80 } : t;
      injectedAt = f.timeNs;
      expect(injectTcpFromHost(built, 'pc', tuple, { ttl: opts.ttl ?? 64, ipOptionsLen: opts.ipOptionsLen ?? 0, flags: opts.fresh ? SYN : ACK, badIpChecksum: opts.badIpChecksum === true }, f.timeNs)).toBe(true);
    },
  });
  expect(injectedAt).toBeGreaterThan(0);
  return { ...r, injectedAt };
}

describe('TTL 1 (ip_forward: too_many_hops; nf_flow_offload_ip_hook: ip_decrease_ttl would expire)', () => {
  for (const mode of MODES) {
    it(`a packet of an offloaded flow with TTL 1 gets ICMP time exceeded and is dropped as IP_TTL_EXPIRED (mode ${mode})`, () => {
      const r = runWithInjection(mode, 60, 'wan', { ttl: 1 });
      expect(r.report.drops.IP_TTL_EXPIRED).toBe(1);
      const errs = r.frames.filter((f) => f.flow === -1);
      expect(errs.length).toBe(1);
      const e = decode(errs[0]!);
      expect(errs[0]!.iface).toBe('lan1');
      expect([e.proto, e.icmpType, e.icmpCode, e.src, e.dst]).toEqual([1, 11, 0, '192.168.1.1', '192.168.1.10']);
      if (mode === 'software') expect(r.report.flowtable.fast_path_misses['TTL/hop limit would expire']).toBe(1);
      // The flow is not torn down: later packets still take the fast road.
      if (mode !== 'none') {
        const later = flowFrames(r, 0).filter((f) => f.timeNs > r.injectedAt + 1e6);
        expect(later.length).toBeGreaterThan(5);
        expect(later.every((f) => f.path !== PATH_CLASSIC)).toBe(true);
        expect(r.report.flowtable.teardowns).toBe(0);
      }
    });
  }

  it('a fresh connection\'s SYN with TTL 1 is answered with time exceeded before the forward chain sees it', () => {
    const r = runWithInjection('software', 10, 'wan', { ttl: 1, fresh: true });
    expect(r.report.drops.IP_TTL_EXPIRED).toBe(1);
    const errs = r.frames.filter((f) => f.flow === -1).map(decode);
    expect(errs.map((e) => [e.icmpType, e.icmpCode])).toEqual([[11, 0]]);
  });
});

describe('IPv4 options go to the classic path (nf_flow_tuple_ip: ip_has_options; nft_flow_offload_skip)', () => {
  it('a flow whose packets all carry options is never offloaded: every packet is classic', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '300ms',
      traffic: ['{ name: opt, client: pc, server: net, proto: tcp, dport: 443, direction: download, rate: 1Mbit, size: 600, end: none, ip_options: true }'],
    }), 'ip-options.yaml');
    const r = runRecorded(sc, 'software');
    expect(r.report.packets.offered).toBeGreaterThan(20);
    expect(r.report.paths.classic).toBe(r.report.packets.offered);
    expect(r.report.paths.software).toBe(0);
    expect(r.report.flowtable.flows_added).toBe(0);
    expect(r.report.flowtable.not_added['IPv4 options']).toBeGreaterThan(0);
    // lan1 and wan are both listed: every packet met the hook and missed before the lookup.
    expect(r.report.flowtable.fast_path_misses).toEqual({ 'fragment or IP options': r.report.packets.offered });
    expect(r.frames.every((f) => decode(f).ihl === 24)).toBe(true);
  });

  it('a packet with options inside an offloaded flow takes the classic path, goes out with its options, and the flow stays offloaded', () => {
    const r = runWithInjection('software', 30, 'lan1', { ipOptionsLen: 4 });
    const injected = r.frames.filter((f) => f.flow === -1);
    expect(injected.length).toBe(1);
    expect(injected[0]!.iface).toBe('wan');
    expect(injected[0]!.path).toBe(PATH_CLASSIC);
    expect(decode(injected[0]!).ihl).toBe(24);
    expect(r.report.flowtable.fast_path_misses['fragment or IP options']).toBe(1);
    expect(r.report.flowtable.teardowns).toBe(0);
    const later = flowFrames(r, 0).filter((f) => f.timeNs > r.injectedAt + 1e6);
    expect(later.length).toBeGreaterThan(5);
    expect(later.every((f) => f.path === PATH_SOFTWARE)).toBe(true);
  });
});

describe('a bad IPv4 header checksum (ip_rcv_core: csum_error; nf_flow_offload_ip_hook never checks it)', () => {
  it('classic path: the packet is dropped as IP_CSUM before PREROUTING', () => {
    const r = runWithInjection('none', 30, 'lan1', { badIpChecksum: true });
    expect(r.frames.filter((f) => f.flow === -1)).toEqual([]);
    expect(r.report.drops.IP_CSUM).toBe(1);
  });

  it('software fast path: a packet of an offloaded flow is forwarded, NATed, with its header checksum still wrong', () => {
    const r = runWithInjection('software', 30, 'lan1', { badIpChecksum: true });
    const injected = r.frames.filter((f) => f.flow === -1);
    expect(injected.length).toBe(1);
    expect(injected[0]!.iface).toBe('wan');
    expect(injected[0]!.path).toBe(PATH_SOFTWARE);
    expect(r.report.drops.IP_CSUM ?? 0).toBe(0);
    // The rewrite is incremental (csum_replace4, ip_decrease_ttl): the error travels on. A header
    // that sums to 0xffff is valid; the injected one sums 0x5a short or over in its low byte.
    const b = Buffer.from(injected[0]!.hex, 'hex');
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).not.toBe(0xffff);
    // The flow is untouched: later packets still take the fast path.
    const later = flowFrames(r, 0).filter((f) => f.timeNs > r.injectedAt + 1e6);
    expect(later.length).toBeGreaterThan(5);
    expect(later.every((f) => f.path === PATH_SOFTWARE)).toBe(true);
  });
});

describe('the forward policy drops unsolicited WAN→LAN traffic (nf_hook_slow: NF_DROP → SKB_DROP_REASON_NETFILTER_DROP)', () => {
  it('no handshake completes, every packet is dropped in forward, and no conntrack entry is confirmed', () => {
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '1500ms',
      traffic: [
        '{ name: scan, client: net, server: pc, proto: tcp, dport: 22, count: 2, direction: download, rate: 1Mbit }',
        '{ name: probe, client: net, server: pc, proto: udp, dport: 53, direction: upload, rate: 0.1Mbit, size: 100, duration: 200ms }',
      ],
    }), 'unsolicited.yaml');
    for (const mode of MODES) {
      const r = runRecorded(sc, mode);
      expect(r.report.traffic.handshakes, mode).toBe(0);
      expect(r.report.packets.offered, mode).toBeGreaterThan(4);
      expect(r.report.packets.transmitted, mode).toBe(0);
      expect(r.report.drops, mode).toEqual({ NETFILTER_DROP: r.report.packets.offered });
      // Dropped before nf_conntrack_confirm: the unconfirmed entries are freed.
      expect(r.report.conntrack.entries, mode).toBe(0);
      expect(r.report.flowtable.flows_added, mode).toBe(0);
    }
  });
});

describe('a DNAT port forward (nf_nat_ipv4_fn in prerouting; the flow carries NF_FLOW_DNAT)', () => {
  const forward = (to: string): ReturnType<typeof scenarioFromYaml> => scenarioFromYaml(scenarioYaml({
    duration: '600ms', ruleset: fw4Ruleset({ dstnat: `iifname "wan" tcp dport 8443 dnat ip to ${to}` }),
    traffic: ['{ name: fwd, client: net, server: pc, proto: tcp, dport: 8443, to: 203.0.113.2, count: 2, direction: download, rate: 1Mbit, size: 600, duration: 300ms }'],
  }), 'dnat.yaml');

  it('a client on the WAN side connects to the router\'s WAN address, the LAN server answers, and the offloaded flow rewrites as the classic path', () => {
    const sc = forward('192.168.1.10');
    const none = runRecorded(sc, 'none');
    const sw = runRecorded(sc, 'software');
    for (const r of [none, sw]) {
      expect(r.report.traffic.handshakes).toBe(2);
      expect(r.report.traffic.failed_handshakes).toBe(0);
      expect(r.report.traffic.goodput_mbit_down).toBeGreaterThan(0.3);
      expect(conntrackStates(r.built).every((c) => (c.status & IPS_DST_NAT) !== 0)).toBe(true);
    }
    // Into the LAN the destination is the server; back out to the WAN the source is the router again.
    const inbound = sw.frames.filter((f) => f.iface === 'lan1').map(decode);
    expect(inbound.every((d) => d.dst === '192.168.1.10' && d.dport === 8443)).toBe(true);
    const outbound = sw.frames.filter((f) => f.iface === 'wan').map(decode);
    expect(outbound.every((d) => d.src === '203.0.113.2' && d.sport === 8443)).toBe(true);
    expect(sw.report.paths.software).toBeGreaterThan(20);
    expect(firstFrameDifference(none.frames, sw.frames, 'none', 'software')).toBeNull();
  });

  // Engine bug (src/sim/simulator.ts, Simulator.emit): a server always answers from the group's
  // `dport` — the port the CLIENT connected to — not from the port it was reached on after DNAT.
  // A real server socket answers from its own port (80 here), which nf_nat_ipv4_fn's reply tuple
  // (src 192.168.1.10:80) expects; answering from :8443 makes a new, unsolicited connection that the
  // forward policy drops. Port-rewriting forwards (WAN 8443 → LAN 80) cannot complete a handshake.
  it('a port forward that also rewrites the port (8443 → 80) completes its handshakes', () => {
    const r = runRecorded(forward('192.168.1.10:80'), 'software');
    expect(r.report.traffic.handshakes).toBe(2);
  });
});


describe('an idle flow expires from the flowtable and the next packet offloads it again (nftables tests/shell/testcases/packetpath/flowtables)', () => {
  it('after the flowtable timeout conntrack owns the entry again with its own timeout (flow_offload_fixup_ct); the next packet re-adds the flow', () => {
    // The remote side is one address (a /31 stands for a network whose host part is always .1),
    // so both groups use the same 5-tuple: one connection, busy, idle for 8 s, busy again.
    const topology = TWO_PORT_TOPOLOGY.replace('addresses: [0.0.0.0/0, "::/0"]', 'addresses: [198.51.100.0/31]');
    const sc = scenarioFromYaml(scenarioYaml({
      duration: '9500ms', topology, extra: 'sysctl:\n  nf_flowtable_udp_timeout: 5\n  nf_conntrack_max: 1024\n',
      traffic: [
        '{ name: a, client: pc, server: net, proto: udp, sport: 40000, dport: 5000, direction: both, rate: 0.05Mbit, size: 100, duration: 1s }',
        '{ name: b, client: pc, server: net, proto: udp, sport: 40000, dport: 5000, direction: both, rate: 0.05Mbit, size: 100, start: 9s, duration: 400ms }',
        // One LAN packet at 8 s, to look at conntrack while the connection is idle.
        '{ name: tick, client: pc, server: pc2, proto: udp, dport: 9999, direction: upload, packets: 1, start: 8s, rate: 0.01Mbit, size: 80, reply_every: 0 }',
      ],
    }), 'flowtable-expiry.yaml');
    let idle: string | undefined;
    const r = runRecorded(sc, 'software', { onFrame: (f, built) => { if (f.flow === 2) idle = conntrackListing(built, f.timeNs); } });
    const line = idle!.split('\n').find((l) => l.includes('dport=5000'))!;
    // No longer [OFFLOAD]; the timeout is udp_timeout_stream − nf_flowtable_udp_timeout, minus the ~2 s since.
    expect(line).not.toContain('OFFLOAD');
    const left = Number(/^udp\s+17 (\d+) /.exec(line)![1]);
    const stream = r.built.router.ct.udpStreamTimeout / 1e9;
    expect(left).toBeGreaterThanOrEqual(stream - 5 - 4);
    expect(left).toBeLessThanOrEqual(stream - 5);
    expect(r.report.flowtable.expired).toBe(1);
    expect(r.report.flowtable.flows_added).toBe(2);
    // Group b: its first packet takes the classic path (and re-adds the flow), the rest the fast path.
    const b = flowFrames(r, 1);
    expect(b[0]!.path).toBe(PATH_CLASSIC);
    expect(b.length).toBeGreaterThan(20);
    expect(b.slice(1).every((f) => f.path === PATH_SOFTWARE)).toBe(true);
    expect(r.report.conntrack.offloaded).toBe(1);
  });
});

describe('log statements (nft_log_eval → nf_log_packet)', () => {
  it('write the run\'s event log in the kernel log format, with the rule\'s prefix', async () => {
    const { scenarioFromYaml } = await import('./helpers.ts');
    const { runScenario } = await import('../../src/sim/run.ts');
    const yaml = (await import('node:fs')).readFileSync(new URL('../../sim-scenarios/x86-no-engine.yaml', import.meta.url), 'utf8')
      .replace('iifname "eth0" accept;', 'iifname "eth0" tcp flags & (syn | ack) == syn log prefix "new-conn: " accept;\n        iifname "eth0" accept;');
    const { report } = runScenario(scenarioFromYaml(yaml), { mode: 'software', duration_s: 0.5 });
    expect(report.log.messages).toBe(8); // one SYN per flow
    expect(report.log.first[0]).toMatch(/^\[\d+\.\d{6}\] new-conn: IN=eth0 OUT=eth1 SRC=192\.168\.1\.50 DST=198\.1[89]\.\d+\.\d+ PROTO=TCP SPT=\d+ DPT=443$/);
  });
});
