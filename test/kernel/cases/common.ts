/**
 * The standard two-interface router every case starts from, and a small DSL to write a two-sided
 * capture as the conversation a real exchange would have (TCP sequence numbers tracked, so the
 * kernel's conntrack window tracking accepts every segment).
 */
import type { Host, InputFrame, RunResult, Topology } from '../case.ts';
import { decodeFrame, type Decoded } from '../decode.ts';
import { buildPacket, isV6, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type L4, type PacketSpec } from '../wire.ts';

export const LAN_MAC = '02:00:00:00:01:01';
export const WAN_MAC = '02:00:00:00:02:01';
export const LAN_IP = '192.168.1.1';
export const WAN_IP = '203.0.113.2';
export const LAN_IP6 = 'fd00:1::1';
export const WAN_IP6 = '2001:db8:2::2';

export const LAN_A: Host = { name: 'lan-a', iface: 'lan', mac: '02:00:00:00:01:10', addresses: ['192.168.1.10', 'fd00:1::10'] };
export const LAN_B: Host = { name: 'lan-b', iface: 'lan', mac: '02:00:00:00:01:11', addresses: ['192.168.1.11', 'fd00:1::11'] };
/** The upstream gateway: every remote address is reached through it. */
export const GW: Host = { name: 'wan-gw', iface: 'wan', mac: '02:00:00:00:02:10', addresses: ['203.0.113.1', '2001:db8:2::1'] };

export const REMOTE = '198.51.100.5';
export const REMOTE2 = '198.51.100.20';
export const REMOTE6 = '2001:db8:100::5';

export function standardTopology(opts: { wanMtu?: number; lanMtu?: number } = {}): Topology {
  return {
    interfaces: [
      { name: 'lan', mac: LAN_MAC, addresses: [`${LAN_IP}/24`, `${LAN_IP6}/64`], ...(opts.lanMtu !== undefined ? { mtu: opts.lanMtu } : {}) },
      { name: 'wan', mac: WAN_MAC, addresses: [`${WAN_IP}/24`, `${WAN_IP6}/64`], ...(opts.wanMtu !== undefined ? { mtu: opts.wanMtu } : {}) },
    ],
    routes: [
      { dst: '0.0.0.0/0', via: '203.0.113.1', dev: 'wan' },
      { dst: '::/0', via: '2001:db8:2::1', dev: 'wan' },
    ],
    hosts: [LAN_A, LAN_B, GW],
  };
}

const ROUTER_MAC: Record<string, string> = { lan: LAN_MAC, wan: WAN_MAC };

/** One frame from `host` to the router (the L2 destination is the router's MAC on that side). */
export function frameFrom(host: Host, spec: Omit<PacketSpec, 'srcMac' | 'dstMac'>): InputFrame {
  const dstMac = ROUTER_MAC[host.iface];
  if (dstMac === undefined) throw new Error(`no router MAC for ${host.iface}`);
  return { iface: host.iface, bytes: buildPacket({ ...spec, srcMac: host.mac, dstMac }) };
}

export interface Endpoint {
  readonly host: Host;
  readonly ip: string;
  readonly port: number;
}

/**
 * A conversation between A (the initiator) and B.
 * `a()` frames go from A's host to `bDial` (the address A dials, e.g. a DNAT'ed router address);
 * `b()` frames go from B's host (its real address `b.ip:b.port`) to `aSeen` (how B sees A after
 * SNAT/masquerade — the assumption the case states, e.g. masquerade keeps the source port).
 */
export class Conv {
  private aSeq = 1000;
  private echoSeq = 1;
  private bSeq = 50000;
  readonly frames: InputFrame[] = [];
  constructor(
    readonly proto: 'tcp' | 'udp' | 'icmp',
    readonly a: Endpoint,
    readonly bDial: { ip: string; port: number },
    readonly b: Endpoint,
    readonly aSeen: { ip: string; port: number },
    readonly extra: { ttl?: number; df?: boolean } = {},
  ) {}

  private l4(fromA: boolean, flags: number, payload: number): L4 {
    const sport = fromA ? this.a.port : this.b.port;
    const dport = fromA ? this.bDial.port : this.aSeen.port;
    if (this.proto === 'udp') return { proto: 'udp', sport, dport, payload };
    if (this.proto === 'icmp') {
      const v6 = isV6(this.a.ip);
      // Echo request from A carries A's identifier; the reply carries the identifier B saw.
      return { proto: 'icmp', type: fromA ? (v6 ? 128 : 8) : (v6 ? 129 : 0), code: 0, id: fromA ? this.a.port : this.aSeen.port, seq: fromA ? this.echoSeq++ : this.echoSeq - 1, payload };
    }
    const seq = fromA ? this.aSeq : this.bSeq;
    const ack = flags & TCP_ACK ? (fromA ? this.bSeq : this.aSeq) : 0;
    const adv = payload + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
    if (fromA) this.aSeq += adv; else this.bSeq += adv;
    return { proto: 'tcp', sport, dport, seq, ack, flags, payload, window: 64240 };
  }

  /** A frame from A. */
  fromA(flags = 0, payload = 0, over: { ttl?: number; df?: boolean; id?: number } = {}): InputFrame {
    const f = frameFrom(this.a.host, { src: this.a.ip, dst: this.bDial.ip, l4: this.l4(true, flags, payload), ...this.extra, ...over, id: over.id ?? 0x1000 + this.frames.length });
    this.frames.push(f);
    return f;
  }

  /** A frame from B. */
  fromB(flags = 0, payload = 0, over: { ttl?: number; df?: boolean; id?: number } = {}): InputFrame {
    const f = frameFrom(this.b.host, { src: this.b.ip, dst: this.aSeen.ip, l4: this.l4(false, flags, payload), ...this.extra, ...over, id: over.id ?? 0x2000 + this.frames.length });
    this.frames.push(f);
    return f;
  }

  /** SYN, SYN/ACK, ACK. */
  handshake(): this {
    this.fromA(TCP_SYN);
    this.fromB(TCP_SYN | TCP_ACK);
    this.fromA(TCP_ACK);
    return this;
  }

  /** A sends `n` bytes, B acknowledges; then B sends `m` bytes, A acknowledges. */
  exchange(n = 100, m = 200): this {
    this.fromA(TCP_ACK | 0x08, n);
    this.fromB(TCP_ACK);
    this.fromB(TCP_ACK | 0x08, m);
    this.fromA(TCP_ACK);
    return this;
  }

  /** Orderly close: FIN from A, FIN/ACK from B, last ACK from A. */
  finClose(): this {
    this.fromA(TCP_FIN | TCP_ACK);
    this.fromB(TCP_FIN | TCP_ACK);
    this.fromA(TCP_ACK);
    return this;
  }

  rst(fromA = true): this {
    if (fromA) this.fromA(TCP_RST | TCP_ACK); else this.fromB(TCP_RST | TCP_ACK);
    return this;
  }
}

/** A LAN host talking to a remote server through masquerade/SNAT to `natIp` (port kept). */
export function outbound(proto: 'tcp' | 'udp' | 'icmp', lan: Host, lanIp: string, sport: number, remote: string, dport: number, natIp: string, natPort = sport): Conv {
  return new Conv(proto, { host: lan, ip: lanIp, port: sport }, { ip: remote, port: dport }, { host: GW, ip: remote, port: dport }, { ip: natIp, port: natPort });
}


// ---------------------------------------------------------------------------------------------
// Sanity checks of the kernel output (used by --kernel-only and before every comparison).

export function decodedOn(r: RunResult, iface: string): Decoded[] {
  return (r.sent.get(iface) ?? []).map(decodeFrame);
}

export function expectCount(r: RunResult, iface: string, n: number, what = 'frames'): string[] {
  const got = r.sent.get(iface)?.length ?? 0;
  return got === n ? [] : [`expected ${n} ${what} on ${iface}, kernel sent ${got}`];
}

export function expectSome(r: RunResult, iface: string, what: string, pred: (d: Decoded) => boolean): string[] {
  return decodedOn(r, iface).some(pred) ? [] : [`expected on ${iface}: ${what}`];
}

export function expectNone(r: RunResult, iface: string, what: string, pred: (d: Decoded) => boolean): string[] {
  return decodedOn(r, iface).some(pred) ? [`unexpected on ${iface}: ${what}`] : [];
}

export function expectConntrack(r: RunResult, what: string, pred: (line: string) => boolean): string[] {
  return r.conntrackRaw.some(pred) ? [] : [`expected a conntrack entry: ${what}; table:\n    ${r.conntrackRaw.join('\n    ')}`];
}

export function expectConntrackCount(r: RunResult, n: number): string[] {
  return r.conntrack.length === n ? [] : [`expected ${n} conntrack entries, kernel has ${r.conntrack.length}:\n    ${r.conntrackRaw.join('\n    ')}`];
}

export { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN };
