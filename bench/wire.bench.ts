import { defineSuite } from './case.ts';
import { PacketPool } from '../src/buffers/pool.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';
import { buildFrame, FrameSpec } from '../src/wire/builder.ts';
import { parseFrame } from '../src/wire/parse.ts';
import { IPPROTO_TCP, IPPROTO_UDP } from '../src/wire/tuple.ts';

/** Builds a burst of 64 frames (one flow each) with `shape` and returns the timed parse loop. */
function parseBurst(shape: (spec: FrameSpec) => void): () => () => void {
  return () => {
    const pool = new PacketPool({ capacity: BURST_SIZE });
    const spec = new FrameSpec();
    const slots = new Int32Array(BURST_SIZE);
    for (let i = 0; i < BURST_SIZE; i++) {
      slots[i] = pool.alloc();
      spec.reset();
      shape(spec);
      spec.sport = 40000 + i;
      spec.payloadLen = 64 + ((i * 37) % 1000);
      if (buildFrame(pool, slots[i]!, spec) === 0) throw new Error('frame does not fit');
      if (parseFrame(pool, slots[i]!) !== 0) throw new Error('bench frame does not parse');
    }
    let sink = 0;
    return () => {
      for (let i = 0; i < BURST_SIZE; i++) sink += parseFrame(pool, slots[i]!);
      if (sink !== 0) throw new Error('parse failed');
    };
  };
}

/**
 * Calibration on a shared machine: the same burst, but only summing each frame's first 54 bytes
 * (an untagged IPv4/TCP header stack) — what any parser must at least touch. Compare the parse
 * cases against it when load makes absolute numbers drift.
 */
function touchBurst(): () => void {
  const pool = new PacketPool({ capacity: BURST_SIZE });
  const spec = new FrameSpec();
  for (let i = 0; i < BURST_SIZE; i++) {
    pool.alloc();
    spec.sport = 40000 + i;
    buildFrame(pool, i, spec);
  }
  const b = pool.bytes;
  let sink = 0;
  return () => {
    for (let i = 0; i < BURST_SIZE; i++) {
      const f = pool.frameStart(i);
      let x = 0;
      for (let j = 0; j < 54; j++) x += b[f + j]!;
      pool.pflags[i] = x;
      sink += x;
    }
    if (sink < 0) throw new Error('unreachable');
  };
}

export default defineSuite('wire', [
  {
    name: 'parse IPv4/TCP, burst of 64',
    mode: null,
    flows: BURST_SIZE,
    packetsPerCall: BURST_SIZE,
    setup: parseBurst((s) => {
      s.l4proto = IPPROTO_TCP;
      s.tcpFlags = 0x10;
    }),
  },
  {
    name: 'parse IPv6/UDP, burst of 64',
    mode: null,
    flows: BURST_SIZE,
    packetsPerCall: BURST_SIZE,
    setup: parseBurst((s) => {
      s.family = 6;
      s.l4proto = IPPROTO_UDP;
    }),
  },
  {
    name: 'parse PPPoE-in-VLAN IPv4/TCP, burst of 64',
    mode: null,
    flows: BURST_SIZE,
    packetsPerCall: BURST_SIZE,
    setup: parseBurst((s) => {
      s.vlanCount = 1;
      s.vlanTci0 = 835;
      s.pppoeSid = 0x1234;
      s.l4proto = IPPROTO_TCP;
      s.tcpFlags = 0x10;
    }),
  },
  {
    name: 'baseline: touch 54 header bytes, burst of 64',
    mode: null,
    flows: BURST_SIZE,
    packetsPerCall: BURST_SIZE,
    setup: touchBurst,
  },
]);
