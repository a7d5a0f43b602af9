/**
 * fast-check arbitraries for small random traffic through TWO_PORT_TOPOLOGY: a few TCP flows
 * (handshake, data one or both ways, ending with FIN, RST or nothing), UDP flows, mixed frame
 * sizes including minimum-size frames, IPv6 (routed, no NAT), a LAN→LAN flow through a port the
 * flowtable does not list, and now and then IPv4 options.
 */
import fc from 'fast-check';

export interface FlowGroup {
  readonly proto: 'tcp' | 'udp';
  readonly family: 4 | 6;
  /** net: out through wan (masqueraded for IPv4); pc2: LAN to LAN (lan2 is not in the flowtable). */
  readonly server: 'net' | 'pc2';
  readonly count: number;
  readonly direction: 'upload' | 'download' | 'both';
  readonly rateKbit: number;
  readonly size: number | readonly (readonly [number, number])[];
  readonly startMs: number;
  readonly durationMs: number;
  readonly end: 'fin' | 'rst' | 'none';
  readonly ackEvery: number;
  readonly replyEvery: number;
  readonly ipOptions: boolean;
}

const frameSize = fc.constantFrom(60, 64, 78, 100, 128, 576, 1000, 1280, 1514);

export const flowGroupArb: fc.Arbitrary<FlowGroup> = fc.record({
  proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'tcp', 'udp'),
  family: fc.constantFrom<4 | 6>(4, 4, 4, 6),
  server: fc.constantFrom<'net' | 'pc2'>('net', 'net', 'net', 'pc2'),
  count: fc.integer({ min: 1, max: 2 }),
  direction: fc.constantFrom<'upload' | 'download' | 'both'>('upload', 'download', 'both'),
  rateKbit: fc.integer({ min: 100, max: 1500 }),
  size: fc.oneof(frameSize, fc.array(fc.tuple(frameSize, fc.integer({ min: 1, max: 5 })), { minLength: 2, maxLength: 3 })),
  startMs: fc.integer({ min: 0, max: 200 }),
  durationMs: fc.integer({ min: 50, max: 400 }),
  end: fc.constantFrom<'fin' | 'rst' | 'none'>('fin', 'rst', 'none'),
  ackEvery: fc.integer({ min: 1, max: 4 }),
  replyEvery: fc.integer({ min: 0, max: 3 }),
  ipOptions: fc.constantFrom(false, false, false, true),
}).map((g) => ({
  ...g,
  // Only the IPv4 host pc2 exists on lan2; IP options are IPv4 only, and rare.
  server: g.family === 6 ? 'net' as const : g.server,
  ipOptions: g.family === 4 && g.ipOptions && g.count === 1,
}));

export const trafficArb = fc.array(flowGroupArb, { minLength: 1, maxLength: 4 });

/** Host names of a topology for the roles client (pc), remote server (net) and second LAN host (pc2). */
export interface HostNames {
  readonly pc: string;
  readonly net: string;
  readonly pc2: string;
  /** The topology has IPv6 addresses. */
  readonly v6: boolean;
}

export const TWO_PORT_HOSTS: HostNames = { pc: 'pc', net: 'net', pc2: 'pc2', v6: true };
/** sim-scenarios/mt7621-pppoe.yaml: laptop and desktop on br-lan, the ISP behind pppoe-wan. */
export const PPPOE_HOSTS: HostNames = { pc: 'laptop', net: 'isp', pc2: 'desktop', v6: false };

/** One traffic group as a YAML flow map line. */
export function groupYaml(g: FlowGroup, i: number, hosts: HostNames = TWO_PORT_HOSTS): string {
  const v6 = g.family === 6 && hosts.v6;
  const min = v6 ? 78 : 60;
  const size = typeof g.size === 'number'
    ? String(Math.max(min, g.size))
    : `[${g.size.map(([b, w]) => `{ bytes: ${Math.max(min, b)}, weight: ${w} }`).join(', ')}]`;
  return `{ name: g${i}, client: ${hosts.pc}, server: ${g.server === 'net' ? hosts.net : hosts.pc2}, proto: ${g.proto}, family: ${v6 ? 6 : 4}, dport: ${g.proto === 'tcp' ? 443 + i : 5000 + i}, `
    + `count: ${g.count}, direction: ${g.direction}, rate: ${g.rateKbit / 1000}Mbit, size: ${size}, start: ${g.startMs}ms, spread: 50ms, `
    + `duration: ${g.durationMs}ms, end: ${g.end}, ack_every: ${g.ackEvery}, reply_every: ${g.replyEvery}, ip_options: ${g.ipOptions} }`;
}
