/**
 * Self-test of the kernel differential harness, without network namespaces: the comparison must
 * accept identical runs, accept exactly the documented normalisations, and reject everything else
 * — in particular a flowsim run made with a different ruleset (a deliberately wrong expectation).
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeScenario } from '../../src/scenario/schema.ts';
import { parseLocated } from '../../src/scenario/source.ts';
import type { KernelCase, RunResult } from './case.ts';
import { allCases } from './cases/index.ts';
import { GW, LAN_A, outbound, REMOTE, standardTopology, WAN_IP } from './cases/common.ts';
import { canonicalAddr, entryKey, parseConntrackLine, parseConntrackList } from './conntrack.ts';
import { compareRuns, normaliseFrame, type NormaliseContext } from './compare.ts';
import { decodeFrame } from './decode.ts';
import { scenarioFor } from './flowsim-run.ts';
import { parsePcap, writePcap } from './pcap.ts';
import { replayRuns } from './kernel-run.ts';
import { wrongRuleset } from './self-check.ts';
import { buildPacket, inetChecksum } from './wire.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CTX: NormaliseContext = { routerAddrs: new Set(['192.168.1.1', '203.0.113.2', 'fd00:1::1', '2001:db8:2::2']), extra: [] };
const IFACES = ['lan', 'wan'];

function run(lan: Uint8Array[], wan: Uint8Array[], ct: string[] = []): RunResult {
  return { sent: new Map([['lan', lan], ['wan', wan]]), conntrack: parseConntrackList(ct.join('\n')), conntrackRaw: ct };
}

function cmp(a: RunResult, b: RunResult, ctx = CTX): ReturnType<typeof compareRuns> {
  return compareRuns({ label: 'kernel', result: a }, { label: 'flowsim', result: b }, ctx, IFACES);
}

/** The masqueraded SYN as the kernel transmits it on wan. */
function wanSyn(over: { ttl?: number; sport?: number; id?: number } = {}): Uint8Array {
  return buildPacket({ srcMac: '02:00:00:00:02:01', dstMac: GW.mac, src: WAN_IP, dst: REMOTE, ttl: over.ttl ?? 63, id: over.id ?? 0x1000, l4: { proto: 'tcp', sport: over.sport ?? 40000, dport: 80, seq: 1000, flags: 2 } });
}

function icmpError(id: number, ttl = 64): Uint8Array {
  const quoted = buildPacket({ srcMac: '02:00:00:00:01:10', dstMac: '02:00:00:00:01:01', src: '192.168.1.10', dst: REMOTE, ttl: 1, l4: { proto: 'udp', sport: 5, dport: 6, payload: 4 } });
  return buildPacket({ srcMac: '02:00:00:00:01:01', dstMac: LAN_A.mac, src: '192.168.1.1', dst: '192.168.1.10', ttl, id, df: false, tos: 0xc0, l4: { proto: 'icmp', type: 11, code: 0, rest: [0, 0, 0, 0], quote: quoted.subarray(14) } });
}

describe('frame comparison (what "behaves like Linux" means here)', () => {
  it('identical runs compare equal, and the frame count is reported', () => {
    const r = cmp(run([], [wanSyn()]), run([], [wanSyn()]));
    expect(r.ok).toBe(true);
    expect(r.framesCompared).toBe(1);
  });

  it('a wrong TTL is a difference, named by field', () => {
    const r = cmp(run([], [wanSyn()]), run([], [wanSyn({ ttl: 64 })]));
    expect(r.ok).toBe(false);
    expect(r.diffs.join('\n')).toMatch(/IPv4 TTL/);
  });

  it('a missing frame and an extra frame are differences', () => {
    expect(cmp(run([], [wanSyn()]), run([], [])).ok).toBe(false);
    expect(cmp(run([], []), run([wanSyn()], [])).ok).toBe(false);
  });

  it('order within a flow matters; interleaving of different flows does not', () => {
    const a = wanSyn({ id: 1 });
    const b = wanSyn({ id: 2 });
    expect(cmp(run([], [a, b]), run([], [b, a])).ok).toBe(false);
    const other = wanSyn({ sport: 40001 });
    expect(cmp(run([], [a, other]), run([], [other, a])).ok).toBe(true);
  });

  it('Ethernet padding after the IP datagram is ignored (veth does not pad, a NIC does)', () => {
    const f = wanSyn();
    const padded = new Uint8Array(60);
    padded.set(f);
    expect(cmp(run([], [f]), run([], [padded])).ok).toBe(true);
  });

  it('the IPv4 ID of a router-generated ICMP error is normalised, its TTL is not', () => {
    expect(cmp(run([icmpError(0x1111)], []), run([icmpError(0x2222)], [])).ok).toBe(true);
    expect(cmp(run([icmpError(0x1111)], []), run([icmpError(0x1111, 255)], [])).ok).toBe(false);
  });

  it('a forwarded packet\'s IPv4 ID is never normalised', () => {
    expect(cmp(run([], [wanSyn({ id: 1 })]), run([], [wanSyn({ id: 2 })])).ok).toBe(false);
  });

  it('a bad header checksum on a normalised router packet is still reported', () => {
    const bad = icmpError(0x1111);
    bad[24] = bad[24]! ^ 0xff; // IPv4 header checksum
    const n = normaliseFrame(bad, CTX);
    expect(n.errors.join()).toMatch(/checksum/);
    expect(cmp(run([icmpError(0x1111)], []), run([bad], [])).ok).toBe(false);
  });

  it('a random NAT port is accepted only inside the declared range, with a valid checksum', () => {
    const ctx: NormaliseContext = { ...CTX, extra: [{ kind: 'nat-port-range', addr: WAN_IP, lo: 20000, hi: 20099, why: 'test' }] };
    expect(cmp(run([], [wanSyn({ sport: 20001 })]), run([], [wanSyn({ sport: 20077 })]), ctx).ok).toBe(true);
    expect(cmp(run([], [wanSyn({ sport: 20001 })]), run([], [wanSyn({ sport: 30000 })]), ctx).ok).toBe(false);
    const badSum = wanSyn({ sport: 20077 });
    badSum[14 + 20 + 16] = badSum[14 + 20 + 16]! ^ 1;
    expect(cmp(run([], [wanSyn({ sport: 20001 })]), run([], [badSum]), ctx).ok).toBe(false);
  });
});

describe('conntrack comparison', () => {
  const k = 'tcp      6 431999 ESTABLISHED src=192.168.1.10 dst=198.51.100.5 sport=40000 dport=80 src=198.51.100.5 dst=203.0.113.2 sport=80 dport=40000 [ASSURED] mark=0 use=1';

  it('parses conntrack -L lines: state, both tuples, flags, mark; ignores timeout and use', () => {
    const e = parseConntrackLine(k)!;
    expect(e.state).toBe('ESTABLISHED');
    expect(e.orig).toEqual({ src: '192.168.1.10', dst: '198.51.100.5', sport: '40000', dport: '80' });
    expect(e.reply['dst']).toBe(WAN_IP);
    expect(e.flags).toEqual(['ASSURED']);
    expect(entryKey(e)).toBe(entryKey(parseConntrackLine(k.replace('431999', '7').replace('use=1', 'use=2'))!));
    const u = parseConntrackLine('ipv4     2 udp      17 29 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 [UNREPLIED] src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 mark=0 use=1')!;
    expect(u.proto).toBe('udp');
    expect(u.flags).toEqual(['UNREPLIED']);
    const i = parseConntrackLine('icmp     1 29 src=198.51.100.5 dst=203.0.113.2 type=8 code=0 id=85 src=203.0.113.2 dst=198.51.100.5 type=0 code=0 id=85 mark=0 use=1')!;
    expect(i.reply).toEqual({ src: '203.0.113.2', dst: '198.51.100.5', type: '0', code: '0', id: '85' });
  });

  it('IPv6 addresses compare in canonical form', () => {
    expect(canonicalAddr('2001:DB8:0:0:0:0:0:5')).toBe('2001:db8::5');
    expect(canonicalAddr('fd00:1:0:0:1:0:0:0')).toBe('fd00:1:0:0:1::'); // longest zero run (RFC 5952 §4.2.3)
  });

  it('a different state, NAT address or missing flag is a difference', () => {
    expect(cmp(run([], [], [k]), run([], [], [k])).ok).toBe(true);
    expect(cmp(run([], [], [k]), run([], [], [k.replace('ESTABLISHED', 'SYN_SENT')])).ok).toBe(false);
    expect(cmp(run([], [], [k]), run([], [], [k.replace('dst=203.0.113.2', 'dst=203.0.113.9')])).ok).toBe(false);
    expect(cmp(run([], [], [k]), run([], [], [k.replace(' [ASSURED]', '')])).ok).toBe(false);
    expect(cmp(run([], [], [k]), run([], [], [])).ok).toBe(false);
  });
});

describe('the harness itself', () => {
  it('flowsim run with a different ruleset is detected (a deliberately wrong expectation fails)', () => {
    const c = allCases().find((x) => x.name === 'masquerade-tcp')!;
    const wrong = wrongRuleset(c.ruleset);
    expect(wrong).not.toBe(c.ruleset);
    expect(wrong).not.toMatch(/masquerade/);
    // What the kernel sends with masquerade, and what a router without it would send.
    const nat = wanSyn();
    const noNat = buildPacket({ srcMac: '02:00:00:00:02:01', dstMac: GW.mac, src: '192.168.1.10', dst: REMOTE, ttl: 63, id: 0x1000, l4: { proto: 'tcp', sport: 40000, dport: 80, seq: 1000, flags: 2 } });
    expect(cmp(run([], [nat]), run([], [noNat])).ok).toBe(false);
  });

  it('every case has a unique name, frames on known interfaces, and at least 15 cases exist', () => {
    const cases = allCases();
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      const names = c.topology.interfaces.map((i) => i.name);
      for (const f of c.frames) expect(names).toContain(f.iface);
      expect(c.frames.length).toBeGreaterThan(0);
    }
  });

  it('crafted frames carry valid IPv4 header and L4 checksums', () => {
    const c = outbound('tcp', LAN_A, '192.168.1.10', 40000, REMOTE, 80, WAN_IP).handshake();
    for (const f of c.frames) {
      const d = decodeFrame(f.bytes);
      expect(inetChecksum(f.bytes, 14, 34)).toBe(0);
      expect(normaliseFrame(f.bytes, { ...CTX, extra: [{ kind: 'nat-port-range', addr: d.src, lo: 0, hi: 65535, why: '' }] }).errors).toEqual([]);
    }
  });

  it('pcap files round-trip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsk-'));
    const frames = [{ tsNs: 0, bytes: wanSyn() }, { tsNs: 5_000_000, bytes: icmpError(1) }];
    writePcap(join(dir, 'x.pcap'), frames);
    const back = parsePcap(readFileSync(join(dir, 'x.pcap')));
    expect(back.map((f) => [...f.bytes])).toEqual(frames.map((f) => [...f.bytes]));
    expect(back[1]!.tsNs).toBe(5_000_000);
  });

  it('replay keeps capture order: consecutive frames per interface are grouped, never reordered', () => {
    const c: Pick<KernelCase, 'frames'> = { frames: [{ iface: 'lan', bytes: Uint8Array.of(1) }, { iface: 'lan', bytes: Uint8Array.of(2) }, { iface: 'wan', bytes: Uint8Array.of(3) }, { iface: 'lan', bytes: Uint8Array.of(4) }] };
    expect(replayRuns(c.frames).map((r) => [r.iface, r.frames.map((f) => f[0])])).toEqual([['lan', [1, 2]], ['wan', [3]], ['lan', [4]]]);
  });

  it('every generated scenario is accepted by flowsim\'s scenario schema', () => {
    for (const c of allCases()) {
      const text = stringify(scenarioFor(c, 'ruleset.nft', 'input.pcap'));
      const parsed = parseLocated(text, `${c.name}.yaml`);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const d = decodeScenario(parsed.root, `/tmp/${c.name}.yaml`);
      expect(d.ok ? [] : d.errors.map((e) => String(e.message ?? e))).toEqual([]);
    }
    expect(standardTopology().interfaces.length).toBe(2);
  });
});
