/**
 * Scenario traffic replayed from a capture (`traffic: { pcap, ingress, speedup, loop, replies }`):
 * frames enter the router at their capture timestamps (divided by `speedup`), each on the port its
 * ingress rule picks — by source MAC, or by source IP prefix. The capture is streamed one record
 * ahead, so a file larger than memory replays in bounded memory.
 *
 * Time rule: a capture whose first record is dated before 1980-01-01 (such as every capture flowsim
 * writes, where virtual time 0 is the epoch) is replayed at its absolute timestamps, so a replay of
 * `--pcap-out DIR/offered.pcapng` reproduces the run nanosecond for nanosecond. Any other capture
 * starts at virtual time 0: its timestamps count from its first record.
 *
 * What the router sends back goes to the scenario's hosts, if their MACs match. With `replies`,
 * the far hosts answer it (PcapResponder) so a one-sided capture can still open connections.
 */
import { setHostL2 } from './host-frame.ts';
import { CaptureError, PcapReader } from '../pcap/index.ts';
import type { PacketPool } from '../buffers/pool.ts';
import { PF_ICMP_ERROR, PF_L4_VALID } from '../buffers/pool.ts';
import type { PcapTrafficSpec } from '../scenario/types.ts';
import type { Topology } from '../net/devices.ts';
import { FrameSpec, buildFrame } from '../wire/builder.ts';
import { ETH_P_IPV6 } from '../wire/ethernet.ts';
import { ICMP_ECHO, ICMP_ECHOREPLY, ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST } from '../wire/icmp.ts';
import { TCP_ACK_FLAG, TCP_FIN, TCP_RST, TCP_SYN } from '../wire/tcp.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, T_DST, T_PORTS, T_SRC, TUPLE_WORDS } from '../wire/tuple.ts';
import type { BuiltHost } from './build.ts';

/** 1980-01-01T00:00:00Z: captures dated before it are taken as absolute virtual time. */
export const ABSOLUTE_TIME_BEFORE_SEC = 315532800;

interface IngressRule {
  kind: 'any' | 'mac' | 'v4' | 'v6';
  macHi: number;
  macLo: number;
  words: Uint32Array;
  plen: number;
  port: number;
}

export class PcapSource {
  private reader: PcapReader;
  private readonly rules: IngressRule[];
  private loopsLeft: number;
  private loopBase = 0;
  private lastTs = 0;
  /** Decided at the first record: replay at absolute timestamps (see the time rule above). */
  private absolute = -1;
  /** Frames that matched no ingress rule (not replayed). */
  unmatched = 0;
  replayed = 0;
  truncated: string | null = null;

  constructor(private readonly spec: PcapTrafficSpec, topo: Topology, portOf: (dev: number) => number) {
    try {
      this.reader = PcapReader.open(spec.path);
    } catch (e) {
      if (e instanceof CaptureError) throw new Error(`${spec.loc.file}:${spec.loc.line}:${spec.loc.col}: error: traffic.pcap: ${e.message}`);
      throw new Error(`${spec.loc.file}:${spec.loc.line}:${spec.loc.col}: error: traffic.pcap: cannot read ${spec.path}`);
    }
    this.loopsLeft = spec.loop;
    this.rules = spec.ingress.map((r) => {
      const port = portOf(topo.byName(r.iface));
      const rule: IngressRule = { kind: 'any', macHi: 0, macLo: 0, words: new Uint32Array(4), plen: 0, port };
      if (r.match === '*') return rule;
      if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(r.match)) {
        const b = r.match.split(':').map((x) => parseInt(x, 16));
        rule.kind = 'mac';
        rule.macHi = (b[0]! << 8) | b[1]!;
        rule.macLo = ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
        return rule;
      }
      const [addr, len] = r.match.split('/') as [string, string];
      rule.plen = Number(len);
      if (addr.includes(':')) {
        rule.kind = 'v6';
        const full = expandV6(addr);
        for (let i = 0; i < 4; i++) rule.words[i] = ((full[i * 2]! << 16) | full[i * 2 + 1]!) >>> 0;
      } else {
        rule.kind = 'v4';
        rule.words[0] = addr.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
      }
      return rule;
    });
  }

  /**
   * Advances to the next frame; returns its arrival time (ns) or -1 at the end. The frame stays
   * readable through `copyInto` until the next call.
   */
  next(): number {
    for (;;) {
      if (this.reader.next()) {
        const r = this.reader;
        if (this.absolute < 0) this.absolute = r.tsSec < ABSOLUTE_TIME_BEFORE_SEC ? 1 : 0;
        const ts = this.loopBase + (this.absolute === 1 ? r.tsSec * 1e9 + r.tsNsec : r.tsNs) / this.spec.speedup;
        this.lastTs = ts;
        return ts < 0 ? 0 : ts;
      }
      if (this.reader.truncatedTail) this.truncated = this.reader.truncationWarning();
      this.loopsLeft--;
      if (this.loopsLeft <= 0) return -1;
      this.loopBase = this.lastTs + 1e6; // the next loop starts a millisecond after the last frame
      this.reader.rewind();
    }
  }

  /** Copies the current frame into `slot`; returns the ingress port, or 0 when no rule matches. */
  copyInto(pool: PacketPool, slot: number): number {
    const r = this.reader;
    const data = r.data;
    const off = r.offset;
    const len = Math.min(r.length, pool.slotSize - pool.headroom);
    pool.off[slot] = pool.headroom;
    pool.len[slot] = len;
    const base = slot * pool.slotSize + pool.headroom;
    for (let i = 0; i < len; i++) pool.bytes[base + i] = data[off + i]!;
    const port = this.portFor(data, off, len);
    if (port > 0) this.replayed++;
    else this.unmatched++;
    return port;
  }

  private portFor(d: Uint8Array, off: number, len: number): number {
    const srcHi = (d[off + 6]! << 8) | d[off + 7]!;
    const srcLo = ((d[off + 8]! << 24) | (d[off + 9]! << 16) | (d[off + 10]! << 8) | d[off + 11]!) >>> 0;
    // The L3 header: skip VLAN tags and a PPPoE session header.
    let p = off + 12;
    let type = (d[p]! << 8) | d[p + 1]!;
    while ((type === 0x8100 || type === 0x88a8) && p + 6 <= off + len) { p += 4; type = (d[p]! << 8) | d[p + 1]!; }
    let ip = p + 2;
    if (type === 0x8864) { const proto = (d[ip + 6]! << 8) | d[ip + 7]!; type = proto === 0x21 ? 0x0800 : proto === 0x57 ? 0x86dd : 0; ip += 8; }
    for (const r of this.rules) {
      if (r.kind === 'any') return r.port;
      if (r.kind === 'mac' && r.macHi === srcHi && r.macLo === srcLo) return r.port;
      if (r.kind === 'v4' && type === 0x0800 && ip + 20 <= off + len) {
        const src = ((d[ip + 12]! << 24) | (d[ip + 13]! << 16) | (d[ip + 14]! << 8) | d[ip + 15]!) >>> 0;
        const mask = r.plen === 0 ? 0 : (0xffffffff << (32 - r.plen)) >>> 0;
        if (((src & mask) >>> 0) === ((r.words[0]! & mask) >>> 0)) return r.port;
      }
      if (r.kind === 'v6' && type === 0x86dd && ip + 40 <= off + len) {
        let ok = true;
        for (let w = 0; w < 4 && ok; w++) {
          const bits = Math.max(0, Math.min(32, r.plen - w * 32));
          if (bits === 0) break;
          const v = ((d[ip + 8 + w * 4]! << 24) | (d[ip + 9 + w * 4]! << 16) | (d[ip + 10 + w * 4]! << 8) | d[ip + 11 + w * 4]!) >>> 0;
          const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
          ok = ((v & mask) >>> 0) === ((r.words[w]! & mask) >>> 0);
        }
        if (ok) return r.port;
      }
    }
    return 0;
  }

  /**
   * Which hosts answer (1 per host index): the named ones, or with `replies: true` every host on a
   * router port that no ingress rule feeds (the capture speaks for the hosts on the others).
   */
  answeringHosts(hosts: readonly BuiltHost[]): Uint8Array {
    const out = new Uint8Array(hosts.length);
    const rep = this.spec.replies;
    if (rep === undefined) return out;
    for (const h of hosts) {
      if (rep === true) out[h.index] = this.rules.some((r) => r.port === h.port) ? 0 : 1;
      else out[h.index] = rep.includes(h.spec.name) ? 1 : 0;
    }
    return out;
  }

  close(): void {
    this.reader.close();
  }
}

/**
 * The far end of a one-sided capture: a stateless responder that answers, from the received frame
 * alone, what a minimal peer stack would (tcp_v4_rcv/tcp_rcv_state_process, icmp_echo, a UDP echo
 * socket). TCP: SYN → SYN-ACK (ISN a hash of the connection's addresses and ports, ack = seq + 1,
 * MSS option), SYN-ACK → ACK, data → ACK, FIN → FIN-ACK; ACKs and RSTs get no answer. UDP: a
 * datagram of the same payload size back. ICMP/ICMPv6 echo request → echo reply. Everything else
 * (errors, fragments, other protocols) is not answered. No retransmission, window or timer.
 */
export class PcapResponder {
  /** The reply `prepare` described; `write` builds it. */
  readonly spec = new FrameSpec();
  answered = 0;

  constructor(readonly answers: Uint8Array) {}

  /**
   * Describes host `h`'s answer to the parsed frame in `rx` (addressed to it); false when the frame
   * needs no answer. Allocates nothing.
   */
  prepare(pool: PacketPool, rx: number, h: BuiltHost): boolean {
    if (this.answers[h.index] !== 1) return false;
    const fl = pool.pflags[rx]!;
    if ((fl & PF_ICMP_ERROR) !== 0 || (fl & PF_L4_VALID) === 0) return false;
    const b = pool.bytes;
    const fs = pool.frameStart(rx);
    const ip = fs + pool.l3off[rx]!;
    const l4 = fs + pool.l4off[rx]!;
    const v6 = pool.l3proto[rx] === ETH_P_IPV6;
    const ipEnd = v6 ? ip + 40 + ((b[ip + 4]! << 8) | b[ip + 5]!) : ip + ((b[ip + 2]! << 8) | b[ip + 3]!);
    const t = pool.tuple;
    const to = rx * TUPLE_WORDS;
    const proto = t[to + 9]! & 0xff;
    const s = this.spec;
    s.reset();
    if (proto === IPPROTO_TCP) {
      const flags = b[l4 + 13]!;
      const seq = ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0;
      const ack = ((b[l4 + 8]! << 24) | (b[l4 + 9]! << 16) | (b[l4 + 10]! << 8) | b[l4 + 11]!) >>> 0;
      const payload = Math.max(0, ipEnd - l4 - (b[l4 + 12]! >>> 4) * 4);
      if (flags & TCP_RST) return false;
      s.l4proto = IPPROTO_TCP;
      s.tcpMss = -1;
      if ((flags & (TCP_SYN | TCP_ACK_FLAG)) === TCP_SYN) {
        // A passive open: tcp_conn_request answers with our ISN and the MSS we accept.
        s.tcpFlags = TCP_SYN | TCP_ACK_FLAG;
        s.tcpSeq = isn(t, to);
        s.tcpAck = (seq + 1) >>> 0;
        s.tcpMss = v6 ? 1440 : 1460;
      } else if (flags & TCP_SYN) {
        s.tcpFlags = TCP_ACK_FLAG; // our SYN was in the capture: complete the handshake
        s.tcpSeq = ack;
        s.tcpAck = (seq + 1) >>> 0;
      } else if (flags & TCP_FIN) {
        s.tcpFlags = TCP_FIN | TCP_ACK_FLAG; // close our side at once (no half-close data)
        s.tcpSeq = ack;
        s.tcpAck = (seq + payload + 1) >>> 0;
      } else if (payload > 0) {
        s.tcpFlags = TCP_ACK_FLAG;
        s.tcpSeq = ack;
        s.tcpAck = (seq + payload) >>> 0;
      } else return false;
    } else if (proto === IPPROTO_UDP) {
      s.l4proto = IPPROTO_UDP;
      s.payloadLen = Math.max(0, ipEnd - l4 - 8);
    } else if (proto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
      if (b[l4]! !== (v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO)) return false;
      s.l4proto = proto;
      s.icmpType = v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY;
      s.icmpCode = 0;
      s.icmpId = (b[l4 + 4]! << 8) | b[l4 + 5]!;
      s.icmpSeq = (b[l4 + 6]! << 8) | b[l4 + 7]!;
      s.payloadLen = Math.max(0, ipEnd - l4 - 8);
    } else return false;
    // Addresses and ports swapped; on the wire as the host's own frames are (Simulator.emit).
    s.family = v6 ? 6 : 4;
    if (v6) for (let w = 0; w < 4; w++) { s.src6[w] = t[to + T_DST + w]!; s.dst6[w] = t[to + T_SRC + w]!; }
    else { s.src4 = t[to + T_DST]!; s.dst4 = t[to + T_SRC]!; }
    const ports = t[to + T_PORTS]!;
    s.sport = ports & 0xffff;
    s.dport = ports >>> 16;
    setHostL2(s, h);
    s.ttl = 64;
    s.df = true;
    s.ipId = this.answered & 0xffff;
    return true;
  }

  /** Builds the prepared reply into `slot`; false if it does not fit. */
  write(pool: PacketPool, slot: number): boolean {
    if (buildFrame(pool, slot, this.spec) === 0) return false;
    this.answered++;
    return true;
  }
}

/** A deterministic initial sequence number from the connection's tuple (secure_tcp_seq without the secret or clock). */
function isn(t: Uint32Array, off: number): number {
  let x = 0x811c9dc5;
  for (let i = 0; i < 9; i++) x = Math.imul(x ^ t[off + i]!, 0x01000193);
  return x >>> 0;
}

function expandV6(s: string): number[] {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}
