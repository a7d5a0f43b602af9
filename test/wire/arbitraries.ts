/** fast-check generators of frame descriptions shared by the wire tests. */
import fc from 'fast-check';
import { FrameSpec } from '../../src/wire/builder.ts';
import { ETH_P_8021AD, ETH_P_8021Q } from '../../src/wire/ethernet.ts';
import { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';

export type FragKind = 'none' | 'first' | 'later' | 'atomic';

export interface SpecInput {
  vlanCount: number;
  tpid0: number;
  tci0: number;
  tpid1: number;
  tci1: number;
  pppoeSid: number;
  family: 4 | 6;
  src4: number;
  dst4: number;
  src6: number[];
  dst6: number[];
  ttl: number;
  tos: number;
  df: boolean;
  ipId: number;
  frag: FragKind;
  fragUnits: number;
  fragMore: boolean;
  fragId: number;
  optWords: number;
  hbh: boolean;
  destOpts: number;
  l4: 'tcp' | 'udp' | 'icmp' | 'gre';
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  tcpFlags: number;
  window: number;
  mss: number;
  udpChecksum: boolean;
  icmpKind: 'request' | 'reply' | 'error';
  icmpId: number;
  icmpSeq: number;
  payloadLen: number;
  seed: number;
}

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const specInput: fc.Arbitrary<SpecInput> = fc.record({
  vlanCount: fc.integer({ min: 0, max: 2 }),
  tpid0: fc.constantFrom(ETH_P_8021Q, ETH_P_8021AD),
  tci0: u16,
  tpid1: fc.constantFrom(ETH_P_8021Q, ETH_P_8021AD),
  tci1: u16,
  pppoeSid: fc.oneof(fc.constant(-1), u16),
  family: fc.constantFrom(4 as const, 6 as const),
  src4: u32,
  dst4: u32,
  src6: fc.array(u32, { minLength: 4, maxLength: 4 }),
  dst6: fc.array(u32, { minLength: 4, maxLength: 4 }),
  ttl: fc.integer({ min: 0, max: 255 }),
  tos: fc.integer({ min: 0, max: 255 }),
  df: fc.boolean(),
  ipId: u16,
  frag: fc.constantFrom<FragKind>('none', 'none', 'none', 'first', 'later', 'atomic'),
  fragUnits: fc.integer({ min: 1, max: 8191 }),
  fragMore: fc.boolean(),
  fragId: u32,
  optWords: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
  hbh: fc.boolean(),
  destOpts: fc.integer({ min: 0, max: 3 }),
  l4: fc.constantFrom<'tcp' | 'udp' | 'icmp' | 'gre'>('tcp', 'udp', 'icmp', 'gre'),
  sport: u16,
  dport: u16,
  seq: u32,
  ack: u32,
  tcpFlags: fc.integer({ min: 0, max: 255 }),
  window: u16,
  mss: fc.oneof(fc.constant(-1), u16),
  udpChecksum: fc.boolean(),
  icmpKind: fc.constantFrom<'request' | 'reply' | 'error'>('request', 'reply', 'error'),
  icmpId: u16,
  icmpSeq: u16,
  payloadLen: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 1400 })),
  seed: fc.integer({ min: 0, max: 255 }),
});

export function l4protoOf(i: SpecInput): number {
  switch (i.l4) {
    case 'tcp': return IPPROTO_TCP;
    case 'udp': return IPPROTO_UDP;
    case 'icmp': return i.family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    case 'gre': return IPPROTO_GRE;
  }
}

export function icmpTypeOf(i: SpecInput): number {
  if (i.family === 4) return i.icmpKind === 'request' ? 8 : i.icmpKind === 'reply' ? 0 : 11;
  return i.icmpKind === 'request' ? 128 : i.icmpKind === 'reply' ? 129 : 3;
}

/** Applies a generated description to a reusable FrameSpec. */
export function applySpec(spec: FrameSpec, i: SpecInput): FrameSpec {
  spec.reset();
  spec.vlanCount = i.vlanCount;
  spec.vlanTpid0 = i.tpid0;
  spec.vlanTci0 = i.tci0;
  spec.vlanTpid1 = i.tpid1;
  spec.vlanTci1 = i.tci1;
  spec.pppoeSid = i.pppoeSid;
  spec.family = i.family;
  spec.src4 = i.src4;
  spec.dst4 = i.dst4;
  spec.src6.set(i.src6);
  spec.dst6.set(i.dst6);
  spec.ttl = i.ttl;
  spec.tos = i.tos;
  spec.df = i.df;
  spec.ipId = i.ipId;
  spec.fragOffset = i.frag === 'later' ? i.fragUnits * 8 : 0;
  spec.moreFragments = i.frag === 'first' ? true : i.frag === 'later' ? i.fragMore : false;
  spec.ipv6Fragment = i.family === 6 && i.frag !== 'none';
  spec.fragId = i.fragId;
  spec.ipv4OptionsLen = i.optWords * 4;
  spec.ipv6HopByHop = i.hbh;
  spec.ipv6DestOpts = i.destOpts;
  spec.l4proto = l4protoOf(i);
  spec.sport = i.sport;
  spec.dport = i.dport;
  spec.tcpSeq = i.seq;
  spec.tcpAck = i.ack;
  spec.tcpFlags = i.tcpFlags;
  spec.tcpWindow = i.window;
  spec.tcpMss = i.mss;
  spec.udpChecksum = i.udpChecksum;
  spec.icmpType = icmpTypeOf(i);
  spec.icmpId = i.icmpId;
  spec.icmpSeq = i.icmpSeq;
  spec.payloadLen = i.payloadLen;
  spec.payloadSeed = i.seed;
  return spec;
}
