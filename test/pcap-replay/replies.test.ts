/**
 * Far-host replies for one-sided captures (`traffic: { pcap, ingress, replies }`): a capture of
 * only the LAN client's side of a TCP connection still opens it, because the far host answers as
 * a minimal peer (tcp_conn_request's SYN-ACK, ACKs for data, icmp_echo, a UDP echo), built from
 * the received frame alone. And the time rule: captures dated before 1980 replay at their absolute
 * timestamps, others from their first record.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketPool } from '../../src/buffers/pool.ts';
import { IPS_ASSURED, IPS_OFFLOAD, TCP_CONNTRACK_ESTABLISHED } from '../../src/conntrack/constants.ts';
import { PcapWriter } from '../../src/pcap/index.ts';
import type { Topology } from '../../src/net/devices.ts';
import { buildScenario, type Built, type BuiltHost } from '../../src/sim/build.ts';
import { PcapResponder, PcapSource } from '../../src/sim/pcap-source.ts';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import type { PcapTrafficSpec } from '../../src/scenario/types.ts';
import { FrameSpec, buildFrame } from '../../src/wire/builder.ts';
import { parseFrame } from '../../src/wire/parse.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { macString, replayScenario, tempDir } from './helpers.ts';

const scenario = join(import.meta.dirname, '..', '..', 'sim-scenarios', 'mt7621-pppoe.yaml');
const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;
const SERVER = 0xcb00710a; // 203.0.113.10, reached through pppoe-wan (isp answers for 0.0.0.0/0)
const SECOND = 1_700_000_000; // a real-world date: the capture replays from its first record

function host(built: Built, name: string): BuiltHost {
  return built.hosts.find((h) => h.spec.name === name)!;
}

/** Laptop's side only: SYN, then (after the SYN-ACK it would have had) ACK and `segments` data segments. */
function writeClientSide(path: string, laptop: BuiltHost, segments: number): void {
  const pool = new PacketPool({ capacity: 4 });
  const slot = pool.alloc();
  const w = PcapWriter.open(path, { epochSec: SECOND });
  const s = new FrameSpec();
  const put = (tNs: number, flags: number, seq: number, ack: number, payload: number): void => {
    s.reset();
    s.srcMacHi = laptop.macHi; s.srcMacLo = laptop.macLo;
    s.dstMacHi = laptop.routerMacHi; s.dstMacLo = laptop.routerMacLo;
    s.src4 = laptop.v4[0]!.addr; s.dst4 = SERVER;
    s.l4proto = IPPROTO_TCP; s.sport = 40000; s.dport = 443;
    s.tcpFlags = flags; s.tcpSeq = seq; s.tcpAck = ack; s.tcpMss = flags & SYN ? 1460 : -1;
    s.payloadLen = payload;
    expect(buildFrame(pool, slot, s)).toBeGreaterThan(0);
    w.write(pool.bytes, pool.frameStart(slot), pool.len[slot]!, tNs, 0);
  };
  put(0, SYN, 1000, 0, 0);
  put(30e6, ACK, 1001, 1, 0); // the peer's ISN is unknown to the capture: conntrack is liberal
  for (let i = 0; i < segments; i++) put(31e6 + i * 1e6, ACK | PSH, 1001 + i * 1000, 1, 1000);
  w.close();
}

function runOneSided(replies: string | null): ReturnType<typeof runScenario> {
  const dir = tempDir();
  const built = buildScenario(loadScenario(scenario));
  const laptop = host(built, 'laptop');
  const pcap = join(dir, 'client.pcap');
  writeClientSide(pcap, laptop, 20);
  const ingress = `{ "${macString(laptop.macHi, laptop.macLo)}": lan1 }`;
  const yaml = replayScenario(scenario, `{ pcap: ${pcap}, ingress: ${ingress}${replies !== null ? `, replies: ${replies}` : ''} }`, dir);
  return runScenario(loadScenario(yaml), { mode: 'software', duration_s: 0.2 });
}

function onlyConnection(r: ReturnType<typeof runScenario>): { status: number; state: number } {
  const ct = r.built.router.ct;
  const out: { status: number; state: number }[] = [];
  ct.forEachHandle((h) => { const i = ct.indexOf(h); out.push({ status: ct.statusAt(i), state: ct.stateAt(i) }); });
  expect(out).toHaveLength(1);
  return out[0]!;
}

describe('far-host replies to a one-sided capture', () => {
  it('the far host answers the SYN, the handshake completes (ESTABLISHED, ASSURED) and the flowtable takes the flow', () => {
    const r = runOneSided('true');
    const c = onlyConnection(r);
    // tcp_packet(): the client's ACK of the SYN-ACK moves SYN_RECV → ESTABLISHED and sets ASSURED.
    expect(c.state).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(c.status & IPS_ASSURED).toBe(IPS_ASSURED);
    // nft_flow_offload_eval() offloads an established TCP connection: the data rides the fast path.
    expect(c.status & IPS_OFFLOAD).toBe(IPS_OFFLOAD);
    expect(r.report.flowtable.flows_added).toBe(1);
    expect(r.report.paths.software).toBeGreaterThan(30);
    // 22 frames from the capture, 1 SYN-ACK and 20 ACKs from the far host.
    expect(r.report.packets.offered).toBe(43);
    expect(r.sim.responder!.answered).toBe(21);
  });

  it('naming the answering host does the same as replies: true', () => {
    const r = runOneSided('[isp]');
    expect(r.report.flowtable.flows_added).toBe(1);
    expect(r.sim.responder!.answered).toBe(21);
  });

  it('without replies the connection never sees a reply and stays off the fast path', () => {
    const r = runOneSided(null);
    const c = onlyConnection(r);
    expect(c.status & IPS_ASSURED).toBe(0);
    expect(r.report.paths.software).toBe(0);
    expect(r.report.flowtable.flows_added).toBe(0);
    expect(r.sim.responder).toBeNull();
  });

  it('replies naming an unknown host is a located error', () => {
    const dir = tempDir();
    const yaml = replayScenario(scenario, `{ pcap: x.pcap, ingress: lan1, replies: [nobody] }`, dir);
    expect(() => loadScenario(yaml)).toThrow(/replay\.yaml:\d+:\d+: .*traffic\.replies\[0\].*unknown host "nobody"/);
  });
});

describe('PcapResponder: the answer a minimal peer stack gives', () => {
  const built = buildScenario(loadScenario(scenario));
  const isp = host(built, 'isp');
  const pool = new PacketPool({ capacity: 4 });
  const answers = new Uint8Array(built.hosts.length);
  answers[isp.index] = 1;
  const responder = new PcapResponder(answers);
  const s = new FrameSpec();

  /** A frame as the router delivers it to isp (PPPoE session on the wire), parsed. */
  function delivered(set: (s: FrameSpec) => void): number {
    const slot = pool.alloc();
    s.reset();
    s.dstMacHi = isp.macHi; s.dstMacLo = isp.macLo;
    s.pppoeSid = isp.encap0 & 0xffff;
    s.src4 = 0x64400a02; s.dst4 = SERVER;
    set(s);
    buildFrame(pool, slot, s);
    expect(parseFrame(pool, slot)).toBe(0);
    return slot;
  }

  /** Prepares and builds the answer; returns the parsed answer slot, or -1 for none. */
  function answer(rx: number): number {
    const ok = responder.prepare(pool, rx, isp);
    pool.free(rx);
    if (!ok) return -1;
    const out = pool.alloc();
    expect(responder.write(pool, out)).toBe(true);
    expect(parseFrame(pool, out)).toBe(0);
    return out;
  }

  const u32 = (slot: number, at: number): number => pool.view.getUint32(pool.frameStart(slot) + pool.l4off[slot]! + at);
  const u8 = (slot: number, at: number): number => pool.bytes[pool.frameStart(slot) + pool.l4off[slot]! + at]!;
  const ipLen = (slot: number): number => pool.view.getUint16(pool.frameStart(slot) + pool.l3off[slot]! + 2);

  it('SYN → SYN-ACK from the addressed socket: ack = seq + 1, MSS option, sent in the host\'s PPPoE session to the router', () => {
    const out = answer(delivered((x) => { x.tcpFlags = SYN; x.tcpSeq = 5000; x.sport = 40000; x.dport = 443; x.tcpMss = 1452; }));
    expect(out).toBeGreaterThanOrEqual(0);
    expect(u8(out, 13)).toBe(SYN | ACK);
    expect(u32(out, 8)).toBe(5001);
    expect(pool.tuple[out * 10]).toBe(SERVER);
    expect(pool.tuple[out * 10 + 4]).toBe(0x64400a02);
    expect(pool.tuple[out * 10 + 8]).toBe((443 << 16) | 40000);
    expect(pool.pppoeSid[out]).toBe(isp.encap0 & 0xffff);
    const fs = pool.frameStart(out);
    expect((pool.bytes[fs]! << 8) | pool.bytes[fs + 1]!).toBe(isp.routerMacHi);
    expect(u8(out, 20)).toBe(2); // TCPOPT_MSS
    pool.free(out);
  });

  it('the SYN-ACK\'s ISN is a function of the connection: the same SYN gets the same ISN', () => {
    const a = answer(delivered((x) => { x.tcpFlags = SYN; x.tcpSeq = 1; }));
    const isnA = u32(a, 4); pool.free(a);
    const b = answer(delivered((x) => { x.tcpFlags = SYN; x.tcpSeq = 99; }));
    expect(u32(b, 4)).toBe(isnA); pool.free(b);
  });

  it('data → ACK of seq + length; FIN → FIN-ACK of seq + length + 1', () => {
    const d = answer(delivered((x) => { x.tcpFlags = ACK | PSH; x.tcpSeq = 7000; x.tcpAck = 42; x.payloadLen = 100; }));
    expect(u8(d, 13)).toBe(ACK); expect(u32(d, 4)).toBe(42); expect(u32(d, 8)).toBe(7100); pool.free(d);
    const f = answer(delivered((x) => { x.tcpFlags = FIN | ACK; x.tcpSeq = 7100; x.tcpAck = 42; }));
    expect(u8(f, 13)).toBe(FIN | ACK); expect(u32(f, 4)).toBe(42); expect(u32(f, 8)).toBe(7101); pool.free(f);
  });

  it('a pure ACK or a RST gets no answer (no ACK-of-ACK loops)', () => {
    expect(answer(delivered((x) => { x.tcpFlags = ACK; x.tcpSeq = 1; x.tcpAck = 2; }))).toBe(-1);
    expect(answer(delivered((x) => { x.tcpFlags = RST | ACK; }))).toBe(-1);
  });

  it('UDP → a datagram of the same payload size back to the sender\'s port', () => {
    const u = answer(delivered((x) => { x.l4proto = IPPROTO_UDP; x.sport = 5353; x.dport = 53; x.payloadLen = 37; }));
    expect(pool.tuple[u * 10 + 8]).toBe((53 << 16) | 5353);
    expect(ipLen(u)).toBe(20 + 8 + 37);
    pool.free(u);
  });

  it('ICMP echo request → echo reply with the same id, sequence and size (icmp_echo); other ICMP: none', () => {
    const e = answer(delivered((x) => { x.l4proto = IPPROTO_ICMP; x.icmpType = 8; x.icmpId = 77; x.icmpSeq = 3; x.payloadLen = 56; }));
    expect(u8(e, 0)).toBe(0);
    expect(pool.view.getUint16(pool.frameStart(e) + pool.l4off[e]! + 4)).toBe(77);
    expect(pool.view.getUint16(pool.frameStart(e) + pool.l4off[e]! + 6)).toBe(3);
    expect(ipLen(e)).toBe(20 + 8 + 56);
    pool.free(e);
    expect(answer(delivered((x) => { x.l4proto = IPPROTO_ICMP; x.icmpType = 0; }))).toBe(-1);
  });

  it('a host not configured to answer stays silent', () => {
    const rx = delivered((x) => { x.tcpFlags = SYN; });
    expect(responder.prepare(pool, rx, host(built, 'laptop'))).toBe(false);
    pool.free(rx);
  });
});

describe('replay time', () => {
  function timesOf(epochSec: number, offsetsNs: number[]): number[] {
    const dir = tempDir();
    const path = join(dir, 't.pcap');
    const w = PcapWriter.open(path, { epochSec });
    const frame = new Uint8Array(60);
    for (const t of offsetsNs) w.write(frame, 0, 60, t, 0);
    w.close();
    const spec: PcapTrafficSpec = { loc: { file: 't', line: 1, col: 1 }, path, ingress: [], speedup: 1, loop: 1 };
    const src = new PcapSource(spec, null as unknown as Topology, () => 0); // no ingress rules: topology unused
    const out: number[] = [];
    for (let t = src.next(); t >= 0; t = src.next()) out.push(t);
    src.close();
    return out;
  }

  it('a capture dated before 1980 (flowsim\'s own: virtual time 0 = the epoch) replays at its absolute times', () => {
    expect(timesOf(0, [5e6, 7.5e6, 1e9])).toEqual([5e6, 7.5e6, 1e9]);
  });

  it('any other capture starts at virtual time 0, its first record', () => {
    expect(timesOf(SECOND, [5e6, 7.5e6, 1e9])).toEqual([0, 2.5e6, 1e9 - 5e6]);
  });
});
