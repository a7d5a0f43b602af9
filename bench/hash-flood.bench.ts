/**
 * Crafted-tuple floods against the conntrack and flowtable hashes (issue "Robustness", part 2).
 * Both tables hash with a key drawn from the run's seed (conntrack: nf_conntrack_hash_rnd;
 * flowtable: the rhashtable's random seed), so an attacker who knows the algorithm but not the key
 * cannot aim tuples at one bucket. Each case fills a table with 64K connections (16K with --quick) from one tuple set
 * and measures lookup hits (bursts of 64, both directions), to set beside the random set:
 * - random: random addresses and ports (the baseline);
 * - sequential: one client, one server, consecutive ports (a scanner or a SYN flood);
 * - ppe-bucket: tuples that all fall in one MediaTek PPE bucket (that hash is unkeyed and public:
 *   what an attacker who targets the hardware table crafts);
 * - guessed-key: tuples that would all share 1/1024 of the table if the key were 0 (an attacker
 *   who guessed the key wrong; the run's key is 0x1234).
 * Pass criterion: every crafted set within 2× the random set's ns/op.
 */
import { defineSuite, type BenchCase } from './case.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';
import { ConntrackTable } from '../src/conntrack/table.ts';
import { hashTuple } from '../src/conntrack/hash.ts';
import { FlowTable } from '../src/flowtable/table.ts';
import { FLOW_KEY_WORDS, K_IIF, newFlowRouteDir } from '../src/flowtable/types.ts';
import { mtkPpeHash } from '../src/offload/ppe-hash.ts';
import { Rng } from '../src/sim/rng.ts';
import { IPPROTO_TCP, TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../src/wire/tuple.ts';

// 64K connections; 16K with --quick (finding 64K tuples that share one PPE bucket takes seconds).
const N = process.argv.includes('--quick') ? 16384 : 65536;
const NLABEL = `${N / 1024}K`;
const RUN_SEED = 0x1234;
const FAR = 1e18;

export type TupleSet = 'random' | 'sequential' | 'ppe-bucket' | 'guessed-key';

const built = new Map<string, Uint32Array>();

/**
 * `n` distinct TCP connections (original tuple, then reply tuple), 2 × TUPLE_WORDS each. Built once
 * per kind and size (the PPE-bucket search takes seconds) and shared by the conntrack and
 * flowtable cases, which only read it.
 */
export function tupleSet(kind: TupleSet, n: number): Uint32Array {
  const id = `${kind}/${n}`;
  let keys = built.get(id);
  if (keys === undefined) {
    keys = makeTupleSet(kind, n);
    built.set(id, keys);
  }
  return keys;
}

function makeTupleSet(kind: TupleSet, n: number): Uint32Array {
  const keys = new Uint32Array(n * 2 * TUPLE_WORDS);
  const rng = new Rng(99);
  const seen = new Set<string>();
  const one = new Uint32Array(TUPLE_WORDS);
  let i = 0;
  let probe = 0;
  while (i < n) {
    probe++;
    let src: number, dst: number, sport: number, dport: number;
    if (kind === 'random') { src = rng.u32(); dst = rng.u32(); sport = 1 + rng.int(65535); dport = 1 + rng.int(65535); }
    else if (kind === 'sequential') { src = 0xc0a8010a; dst = (0xcb007150 + (probe >>> 16)) >>> 0; sport = probe & 0xffff; dport = 443; }
    else { src = (0x0a000000 | (probe >>> 16)) >>> 0; dst = 0xcb007150; sport = probe & 0xffff; dport = 80; }
    tupleSetV4(one, 0, src >>> 0, dst >>> 0, IPPROTO_TCP, sport, dport);
    if (kind === 'ppe-bucket' && (mtkPpeHash(one, 0, 1, 8191) >> 1) !== 648) continue;
    if (kind === 'guessed-key' && (hashTuple(one, 0, 0) & 1023) !== 7) continue;
    const id = `${src}:${dst}:${sport}:${dport}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const o = i * 2 * TUPLE_WORDS;
    keys.set(one, o);
    tupleInvert(keys, o + TUPLE_WORDS, keys, o);
    i++;
  }
  return keys;
}

function offsets(n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = (x >>> 0) % (n * 2);
  }
  return out;
}

function conntrackCase(kind: TupleSet): BenchCase {
  return {
    name: `conntrack lookup hit, ${NLABEL} connections, ${kind} tuples`,
    mode: null, flows: N, packetsPerCall: BURST_SIZE,
    setup: () => {
      const keys = tupleSet(kind, N);
      const t = new ConntrackTable({ max: N, seed: RUN_SEED });
      for (let i = 0; i < N; i++) {
        const o = i * 2 * TUPLE_WORDS;
        const h = t.alloc(keys, o, t.hash(keys, o), 0);
        t.confirm(h, 0);
        t.setTimeout(h, FAR);
      }
      const offs = offsets(N, 1 << 16).map((x) => x * TUPLE_WORDS);
      let pos = 0, sink = 0;
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) { sink ^= t.lookup(keys, offs[pos]!, 1); pos = (pos + 1) & 0xffff; }
        if (sink === 0x7fffffff) console.log(sink);
      };
    },
  };
}

function flowtableCase(kind: TupleSet): BenchCase {
  return {
    name: `flowtable lookup hit, ${NLABEL} flows, ${kind} tuples`,
    mode: null, flows: N, packetsPerCall: BURST_SIZE,
    setup: () => {
      const keys = tupleSet(kind, N);
      // The tuple set is laid out as a conntrack table's tuples are: flow i's two at i * 2 * TUPLE_WORDS.
      const t = new FlowTable(N, RUN_SEED, keys, 2 * TUPLE_WORDS);
      const ra = newFlowRouteDir(), rb = newFlowRouteDir();
      ra.inIf = 2; rb.inIf = 3;
      const lk = new Uint32Array(N * 2 * FLOW_KEY_WORDS);
      for (let i = 0; i < N; i++) {
        t.add(i, [ra, rb], i, 0, FAR, 0);
        for (let d = 0; d < 2; d++) {
          lk.set(keys.subarray((i * 2 + d) * TUPLE_WORDS, (i * 2 + d + 1) * TUPLE_WORDS), (i * 2 + d) * FLOW_KEY_WORDS);
          lk[(i * 2 + d) * FLOW_KEY_WORDS + K_IIF] = d === 0 ? 2 : 3;
        }
      }
      const offs = offsets(N, 1 << 16).map((x) => x * FLOW_KEY_WORDS);
      let pos = 0, sink = 0;
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) { sink ^= t.lookup(lk, offs[pos]!); pos = (pos + 1) & 0xffff; }
        if (sink === 0x7fffffff) console.log(sink);
      };
    },
  };
}

const KINDS: readonly TupleSet[] = ['random', 'sequential', 'ppe-bucket', 'guessed-key'];
export default defineSuite('hash-flood', [...KINDS.map(conntrackCase), ...KINDS.map(flowtableCase)]);
