/**
 * Traffic: flow groups from the scenario become flows whose packets are generated lazily in
 * virtual time (never a materialised list of packets), so a 10 s run at 1 Gbit/s or a million
 * flows fits in bounded memory.
 *
 * Each flow is a small state machine over typed arrays (struct-of-arrays, index = flow id):
 *   TCP  client SYN (retransmitted after 1 s, 2 s) → server SYN-ACK → client ACK → data in the
 *        group's direction at its rate, the receiver ACKing every `ackEvery` data packets
 *        (delayed ACK) → FIN/ACK exchange or RST from the data sender, or silence (`end: none`).
 *        Hosts advertise MSS 1460 (1440 for IPv6) and honour the peer's MSS option and ICMP
 *        fragmentation-needed / packet-too-big (path MTU discovery), so a ruleset without MSS
 *        clamping behind PPPoE behaves as it does on a real link.
 *   UDP  the client sends first (opening NAT and conntrack), then data flows in the group's
 *        direction; the other side answers every `replyEvery` packets.
 *   ICMP echo requests at the rate; each is answered.
 * What a host receives comes back through `onReceive`: a host only reacts to packets that the
 * router actually delivered to it, so a drop, a reject or a broken NAT shows up in the traffic.
 *
 * The generator decides *what* to send; `TrafficIo` (the simulator) builds the frame and puts it
 * on the wire. Nothing here allocates per packet.
 */
import type { TrafficSpec } from '../scenario/types.ts';
import type { Rng } from './rng.ts';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_ICMP = 2;

const PH_IDLE = 0;
const PH_SYN_SENT = 1;
const PH_OPEN = 2;
const PH_CLOSING = 3;
const PH_DONE = 4;

export interface TrafficIo {
  /**
   * Sends one packet of flow `f` from the client (`fromClient`) or the server with the given TCP
   * flags (0 for UDP/ICMP), payload length, sequence and acknowledgement numbers. Returns false
   * when it could not (no packet buffer), so the generator counts it.
   */
  emit(f: number, fromClient: boolean, tcpFlags: number, payload: number, seq: number, ack: number, now: number): boolean;
  /** Asks to be woken for flow `f` at `time` (ns). */
  wake(f: number, time: number): void;
}

export interface TrafficGroupInfo {
  readonly spec: TrafficSpec;
  readonly first: number;
  readonly count: number;
}

const NS = 1e9;

export class TrafficGenerator {
  readonly flows: number;
  readonly groups: readonly TrafficGroupInfo[];
  /** Group index per flow. */
  readonly group: Uint16Array;
  readonly proto: Uint8Array;
  readonly family: Uint8Array;
  readonly phase: Uint8Array;
  /** Data direction: bit 0 client→server, bit 1 server→client. */
  readonly dataDir: Uint8Array;
  readonly startAt: Float64Array;
  readonly stopAt: Float64Array;
  readonly wakeAt: Float64Array;
  readonly nextClient: Float64Array;
  readonly nextServer: Float64Array;
  readonly clientSeq: Uint32Array;
  readonly serverSeq: Uint32Array;
  readonly clientSent: Uint32Array;
  readonly serverSent: Uint32Array;
  /** Data packets received and not yet acknowledged, at the client / server. */
  readonly clientUnacked: Uint8Array;
  readonly serverUnacked: Uint8Array;
  /** Largest payload each side may send (MSS, or path MTU for UDP). */
  readonly clientMss: Uint16Array;
  readonly serverMss: Uint16Array;
  readonly synTries: Uint8Array;
  /** 1 once the server side has heard from the client (handshake done, or first UDP packet). */
  readonly serverReady: Uint8Array;

  // Outcome counters.
  handshakes = 0;
  failedHandshakes = 0;
  resets = 0;
  icmpErrors = 0;
  emitFailures = 0;
  completed = 0;
  /** Bytes of payload delivered to receivers, per direction. */
  bytesToServer = 0;
  bytesToClient = 0;

  private readonly headerLen: Uint8Array;
  private readonly rng: Rng;

  constructor(specs: readonly TrafficSpec[], rng: Rng, durationNs: number) {
    let total = 0;
    const groups: TrafficGroupInfo[] = [];
    for (const spec of specs) {
      groups.push({ spec, first: total, count: spec.count });
      total += spec.count;
    }
    this.flows = total;
    this.groups = groups;
    this.rng = rng;
    this.group = new Uint16Array(total);
    this.proto = new Uint8Array(total);
    this.family = new Uint8Array(total);
    this.phase = new Uint8Array(total);
    this.dataDir = new Uint8Array(total);
    this.startAt = new Float64Array(total);
    this.stopAt = new Float64Array(total);
    this.wakeAt = new Float64Array(total).fill(Infinity);
    this.nextClient = new Float64Array(total).fill(Infinity);
    this.nextServer = new Float64Array(total).fill(Infinity);
    this.clientSeq = new Uint32Array(total);
    this.serverSeq = new Uint32Array(total);
    this.clientSent = new Uint32Array(total);
    this.serverSent = new Uint32Array(total);
    this.clientUnacked = new Uint8Array(total);
    this.serverUnacked = new Uint8Array(total);
    this.clientMss = new Uint16Array(total);
    this.serverMss = new Uint16Array(total);
    this.synTries = new Uint8Array(total);
    this.serverReady = new Uint8Array(total);
    this.headerLen = new Uint8Array(total);
    groups.forEach((g, gi) => {
      const s = g.spec;
      const proto = s.proto === 'tcp' ? PROTO_TCP : s.proto === 'udp' ? PROTO_UDP : PROTO_ICMP;
      const dir = s.direction === 'upload' ? 1 : s.direction === 'download' ? 2 : 3;
      const l3 = s.family === 6 ? 40 : 20;
      const l4 = proto === PROTO_TCP ? 20 : 8;
      for (let i = 0; i < g.count; i++) {
        const f = g.first + i;
        this.group[f] = gi;
        this.proto[f] = proto;
        this.family[f] = s.family;
        this.dataDir[f] = dir;
        const start = (s.start_s + (g.count > 1 ? (s.spread_s * i) / g.count : 0)) * NS;
        this.startAt[f] = start;
        this.stopAt[f] = Number.isFinite(s.duration_s) ? start + s.duration_s * NS : durationNs + 1;
        this.clientSeq[f] = rng.u32();
        this.serverSeq[f] = rng.u32();
        this.headerLen[f] = 14 + l3 + l4 + (s.ipv4Options && s.family === 4 ? 4 : 0);
        // Until told otherwise, a host may fill an Ethernet MTU of 1500.
        const mss = 1500 - l3 - l4;
        this.clientMss[f] = mss;
        this.serverMss[f] = mss;
      }
    });
  }

  /** Schedules every flow's first action. */
  start(io: TrafficIo): void {
    for (let f = 0; f < this.flows; f++) this.setWake(io, f, this.startAt[f]!);
  }

  /** Payload of the next data packet from one side, from the size distribution and the MSS. */
  private dataPayload(f: number, fromClient: boolean): number {
    const s = this.groups[this.group[f]!]!.spec;
    let frame: number;
    if (s.size.kind === 'fixed') frame = s.size.bytes;
    else {
      const w = s.size.weights;
      let sum = 0;
      for (let i = 0; i < w.length; i++) sum += w[i]!;
      let r = this.rng.float() * sum;
      let i = 0;
      while (i < w.length - 1 && r >= w[i]!) { r -= w[i]!; i++; }
      frame = s.size.sizes[i]!;
    }
    let payload = frame - this.headerLen[f]!;
    if (payload < 0) payload = 0;
    const mss = fromClient ? this.clientMss[f]! : this.serverMss[f]!;
    return payload > mss ? mss : payload;
  }

  private intervalNs(f: number, payload: number): number {
    const s = this.groups[this.group[f]!]!.spec;
    return (((payload + this.headerLen[f]!) * 8) / (s.rateMbit * 1e6)) * NS;
  }

  private setWake(io: TrafficIo, f: number, t: number): void {
    if (t === Infinity) {
      this.wakeAt[f] = Infinity;
      return;
    }
    this.wakeAt[f] = t;
    io.wake(f, t);
  }

  private rearm(io: TrafficIo, f: number): void {
    const c = this.nextClient[f]!;
    const s = this.nextServer[f]!;
    let t = c < s ? c : s;
    const ph = this.phase[f]!;
    if (ph === PH_OPEN && this.stopAt[f]! < t) t = this.stopAt[f]!;
    if (ph === PH_DONE) t = Infinity;
    this.setWake(io, f, t);
  }

  /** Runs flow `f`'s due actions. Events whose time no longer matches `wakeAt` are stale. */
  onWake(io: TrafficIo, f: number, now: number): void {
    if (this.wakeAt[f] !== now) return;
    const ph = this.phase[f]!;
    const proto = this.proto[f]!;
    if (ph === PH_IDLE) {
      if (proto === PROTO_TCP) {
        this.sendSyn(io, f, now);
        return;
      }
      this.phase[f] = PH_OPEN;
      // The client speaks first (a request, or the stream itself when uploading).
      this.nextClient[f] = now;
    } else if (ph === PH_SYN_SENT) {
      if (this.synTries[f]! < 3) {
        this.sendSyn(io, f, now);
        return;
      }
      this.phase[f] = PH_DONE;
      this.failedHandshakes++;
      this.wakeAt[f] = Infinity;
      return;
    }
    if (this.phase[f] !== PH_OPEN) return;
    if (now >= this.stopAt[f]! || this.reachedPacketLimit(f)) {
      this.finish(io, f, now);
      return;
    }
    const dir = this.dataDir[f]!;
    if (this.nextClient[f]! <= now) {
      if (dir & 1 || this.clientSent[f] === 0) {
        const p = proto === PROTO_UDP && !(dir & 1) ? 32 : this.dataPayload(f, true);
        this.sendData(io, f, true, p, now);
        this.nextClient[f] = dir & 1 ? now + this.intervalNs(f, p) : Infinity;
      } else this.nextClient[f] = Infinity;
    }
    if (this.nextServer[f]! <= now) {
      if (dir & 2 && this.serverReady[f]) {
        const p = this.dataPayload(f, false);
        this.sendData(io, f, false, p, now);
        this.nextServer[f] = now + this.intervalNs(f, p);
      } else this.nextServer[f] = Infinity;
    }
    this.rearm(io, f);
  }

  private reachedPacketLimit(f: number): boolean {
    const limit = this.groups[this.group[f]!]!.spec.packets;
    if (limit === undefined) return false;
    const dir = this.dataDir[f]!;
    const sent = (dir & 1 ? this.clientSent[f]! : 0) + (dir & 2 ? this.serverSent[f]! : 0);
    return sent >= limit;
  }

  private sendSyn(io: TrafficIo, f: number, now: number): void {
    this.phase[f] = PH_SYN_SENT;
    const tries = this.synTries[f]!;
    this.synTries[f] = tries + 1;
    if (!io.emit(f, true, TCP_SYN, 0, this.clientSeq[f]!, 0, now)) this.emitFailures++;
    // Retransmission timeout doubles from 1 s (the kernel's TCP_TIMEOUT_INIT), as tcp_retransmit_timer.
    this.setWake(io, f, now + (1 << tries) * NS);
  }

  private sendData(io: TrafficIo, f: number, fromClient: boolean, payload: number, now: number): void {
    const proto = this.proto[f]!;
    if (fromClient) {
      const ok = io.emit(f, true, proto === PROTO_TCP ? TCP_ACK | TCP_PSH : 0, payload, this.clientSeq[f]!, this.serverSeq[f]!, now);
      if (!ok) { this.emitFailures++; return; }
      if (proto === PROTO_TCP) this.clientSeq[f] = (this.clientSeq[f]! + payload) >>> 0;
      this.clientSent[f] = this.clientSent[f]! + 1;
    } else {
      const ok = io.emit(f, false, proto === PROTO_TCP ? TCP_ACK | TCP_PSH : 0, payload, this.serverSeq[f]!, this.clientSeq[f]!, now);
      if (!ok) { this.emitFailures++; return; }
      if (proto === PROTO_TCP) this.serverSeq[f] = (this.serverSeq[f]! + payload) >>> 0;
      this.serverSent[f] = this.serverSent[f]! + 1;
    }
  }

  private finish(io: TrafficIo, f: number, now: number): void {
    const end = this.groups[this.group[f]!]!.spec.end;
    this.nextClient[f] = Infinity;
    this.nextServer[f] = Infinity;
    if (this.proto[f] !== PROTO_TCP || end === 'none') {
      this.phase[f] = PH_DONE;
      this.completed++;
      this.wakeAt[f] = Infinity;
      return;
    }
    // The client closes (an application finishing its transfer, or a user closing the tab).
    if (end === 'rst') {
      io.emit(f, true, TCP_RST | TCP_ACK, 0, this.clientSeq[f]!, this.serverSeq[f]!, now);
      this.phase[f] = PH_DONE;
      this.completed++;
    } else {
      io.emit(f, true, TCP_FIN | TCP_ACK, 0, this.clientSeq[f]!, this.serverSeq[f]!, now);
      this.clientSeq[f] = (this.clientSeq[f]! + 1) >>> 0;
      this.phase[f] = PH_CLOSING;
    }
    this.wakeAt[f] = Infinity;
  }

  /**
   * A packet of flow `f` reached the client (`atClient`) or the server. `flags` are its TCP flags,
   * `payload` its payload length, `peerMss` the MSS option it carried (0 if none).
   */
  onReceive(io: TrafficIo, f: number, atClient: boolean, flags: number, payload: number, peerMss: number, now: number): void {
    const ph = this.phase[f]!;
    if (ph === PH_DONE) return;
    const proto = this.proto[f]!;
    if (proto !== PROTO_TCP) {
      if (atClient) { this.bytesToClient += payload; return; }
      this.bytesToServer += payload;
      const first = this.serverReady[f] === 0;
      this.serverReady[f] = 1;
      if (proto === PROTO_ICMP) {
        io.emit(f, false, 0, payload, 0, 0, now); // echo reply
        return;
      }
      if (first && this.dataDir[f]! & 2) {
        this.nextServer[f] = now;
        this.rearm(io, f);
        return;
      }
      const every = this.groups[this.group[f]!]!.spec.replyEvery;
      if (every > 0 && !(this.dataDir[f]! & 2) && this.clientSent[f]! % every === 0) io.emit(f, false, 0, payload < 64 ? payload : 64, 0, 0, now);
      return;
    }
    if (flags & TCP_RST) {
      this.phase[f] = PH_DONE;
      this.resets++;
      this.wakeAt[f] = Infinity;
      return;
    }
    if (atClient) {
      if (flags & TCP_SYN) {
        if (ph !== PH_SYN_SENT || !(flags & TCP_ACK)) return;
        if (peerMss > 0 && peerMss < this.clientMss[f]!) this.clientMss[f] = peerMss;
        this.clientSeq[f] = (this.clientSeq[f]! + 1) >>> 0;
        io.emit(f, true, TCP_ACK, 0, this.clientSeq[f]!, this.serverSeq[f]!, now);
        this.phase[f] = PH_OPEN;
        this.handshakes++;
        this.nextClient[f] = this.dataDir[f]! & 1 ? now : Infinity;
        this.rearm(io, f);
        return;
      }
      if (payload > 0) {
        this.bytesToClient += payload;
        const n = this.clientUnacked[f]! + 1;
        if (n >= this.groups[this.group[f]!]!.spec.ackEvery) {
          this.clientUnacked[f] = 0;
          io.emit(f, true, TCP_ACK, 0, this.clientSeq[f]!, this.serverSeq[f]!, now);
        } else this.clientUnacked[f] = n;
      }
      if (flags & TCP_FIN && ph === PH_CLOSING) {
        // The server's FIN answers ours: the last ACK ends the connection (client enters TIME_WAIT).
        io.emit(f, true, TCP_ACK, 0, this.clientSeq[f]!, (this.serverSeq[f]! + 1) >>> 0, now);
        this.phase[f] = PH_DONE;
        this.completed++;
      }
      return;
    }
    // At the server.
    if (flags & TCP_SYN) {
      if (peerMss > 0 && peerMss < this.serverMss[f]!) this.serverMss[f] = peerMss;
      // Answer every SYN (a retransmitted SYN gets the same SYN-ACK), advertising our MSS.
      const fresh = this.serverReady[f] === 0;
      const isn = fresh ? this.serverSeq[f]! : (this.serverSeq[f]! - 1) >>> 0;
      io.emit(f, false, TCP_SYN | TCP_ACK, 0, isn, (this.clientSeq[f]! + 1) >>> 0, now);
      if (fresh) this.serverSeq[f] = (this.serverSeq[f]! + 1) >>> 0;
      this.serverReady[f] = 2; // SYN seen, waiting for the ACK
      return;
    }
    if (this.serverReady[f] === 2 && flags & TCP_ACK) {
      this.serverReady[f] = 1;
      if (this.dataDir[f]! & 2) {
        this.nextServer[f] = now;
        this.rearm(io, f);
      }
    }
    if (payload > 0) {
      this.bytesToServer += payload;
      const n = this.serverUnacked[f]! + 1;
      if (n >= this.groups[this.group[f]!]!.spec.ackEvery) {
        this.serverUnacked[f] = 0;
        io.emit(f, false, TCP_ACK, 0, this.serverSeq[f]!, this.clientSeq[f]!, now);
      } else this.serverUnacked[f] = n;
    }
    if (flags & TCP_FIN) {
      this.nextServer[f] = Infinity;
      io.emit(f, false, TCP_FIN | TCP_ACK, 0, this.serverSeq[f]!, this.clientSeq[f]!, now);
    }
  }

  /** An ICMP error about flow `f` reached one side: fragmentation needed lowers the MSS (PMTUD). */
  onIcmpError(io: TrafficIo, f: number, atClient: boolean, mtu: number, now: number): void {
    this.icmpErrors++;
    if (mtu > 0) {
      const l3l4 = this.headerLen[f]! - 14;
      const mss = mtu - l3l4;
      if (atClient && mss > 0 && mss < this.clientMss[f]!) this.clientMss[f] = mss;
      if (!atClient && mss > 0 && mss < this.serverMss[f]!) this.serverMss[f] = mss;
      return;
    }
    // Unreachable/prohibited: a TCP connect fails at once (ECONNREFUSED/EHOSTUNREACH).
    if (this.proto[f] === PROTO_TCP && this.phase[f] === PH_SYN_SENT) {
      this.phase[f] = PH_DONE;
      this.failedHandshakes++;
      this.wakeAt[f] = Infinity;
    }
    void io;
    void now;
  }

  /** Flows not yet done (for the end-of-run summary). */
  activeFlows(): number {
    let n = 0;
    for (let f = 0; f < this.flows; f++) if (this.phase[f] !== PH_DONE && this.phase[f] !== PH_IDLE) n++;
    return n;
  }
}
