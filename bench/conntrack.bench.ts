/**
 * Conntrack benchmarks: cost of a lookup hit at 1K / 64K / 1M live connections (bursts of 64
 * lookups over random existing tuples, both directions), and conntrackIn for an established UDP
 * packet. Tables are always built at the exact `flows` size; `--quick` leaves out the 1M table.
 */
import { defineSuite } from './case.ts';
import type { BenchCase } from './case.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';
import { PacketPool, PF_L4_VALID } from '../src/buffers/pool.ts';
import { IPPROTO_UDP, TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../src/wire/tuple.ts';
import { ConntrackTable } from '../src/conntrack/table.ts';
import { conntrackIn } from '../src/conntrack/conntrack-in.ts';

const FAR = 1e18;
let memoryLogged = false;

/** A table with `n` confirmed UDP connections; returns it and every connection's two tuples. */
function build(n: number): { t: ConntrackTable; keys: Uint32Array } {
  const t = new ConntrackTable({ max: n, seed: 0x1234 });
  const keys = new Uint32Array(n * 2 * TUPLE_WORDS);
  for (let i = 0; i < n; i++) {
    const o = i * 2 * TUPLE_WORDS;
    tupleSetV4(keys, o, (0x0a000000 + (i >>> 8)) >>> 0, (0xc6336400 + (i & 0xff)) >>> 0, IPPROTO_UDP, 1024 + (i % 60000), 443);
    tupleInvert(keys, o + TUPLE_WORDS, keys, o);
    const h = t.alloc(keys, o, t.hash(keys, o), 0);
    t.confirm(h, 0);
    t.setTimeout(h, FAR);
  }
  return { t, keys };
}

/** Deterministic pseudo-random tuple offsets (xorshift), both directions. */
function offsets(n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = ((x >>> 0) % (n * 2)) * TUPLE_WORDS;
  }
  return out;
}

function lookupCase(n: number, label: string): BenchCase {
  return {
    name: `lookup hit, burst of 64, ${label} connections`,
    mode: null,
    flows: n,
    packetsPerCall: BURST_SIZE,
    setup: () => {
      const { t, keys } = build(n);
      if (n === 1048576 && !memoryLogged) memoryLogged = true, console.log(`conntrack: ${t.bytesPerConnection().toFixed(1)} bytes of typed arrays per connection at ${n} connections`);
      const offs = offsets(n, 1 << 16);
      let pos = 0;
      let sink = 0;
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) {
          sink ^= t.lookup(keys, offs[pos]!, 1);
          pos = (pos + 1) & 0xffff;
        }
        if (sink === 0x7fffffff) console.log(sink);
      };
    },
  };
}

export default defineSuite('conntrack', [
  lookupCase(1024, '1K'),
  lookupCase(65536, '64K'),
  // A 1M-connection table takes seconds to fill: full runs only.
  ...(process.argv.includes('--quick') ? [] : [lookupCase(1048576, '1M')]),
  {
    name: 'conntrackIn established UDP, burst of 64, 64K connections',
    mode: 'classic',
    flows: 65536,
    packetsPerCall: BURST_SIZE,
    setup: () => {
      const n = 65536;
      const { t, keys } = build(n);
      const pool = new PacketPool({ capacity: BURST_SIZE, slotSize: 256, headroom: 64 });
      const slots = new Int32Array(BURST_SIZE);
      for (let i = 0; i < BURST_SIZE; i++) {
        const s = pool.alloc();
        slots[i] = s;
        pool.len[s] = 14 + 20 + 8;
        pool.l3off[s] = 14;
        pool.l4off[s] = 34;
        pool.pflags[s] = PF_L4_VALID;
      }
      const offs = offsets(n, 1 << 16);
      let pos = 0;
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) {
          const s = slots[i]!;
          const src = offs[pos]!;
          pos = (pos + 1) & 0xffff;
          const d = s * TUPLE_WORDS;
          for (let w = 0; w < TUPLE_WORDS; w++) pool.tuple[d + w] = keys[src + w]!;
          pool.ct[s] = -1;
          conntrackIn(t, pool, s, 1);
        }
      };
    },
  },
]);
