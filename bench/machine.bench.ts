/**
 * The machine's own limits, to read the other suites against: the cost of one dependent random
 * memory read (pointer chasing through a random cyclic permutation, so neither the prefetcher nor
 * out-of-order execution can hide it) in working sets from cache-sized to far beyond the last-level
 * cache. A packet of a flow table with 64K or 1M flows needs at least two such reads (the hash
 * index, then the flow record) that no packet before it brought into cache: this row is the floor
 * under the 64K and 1M end-to-end numbers. On a virtual machine each read that misses the TLB also
 * pays a two-dimensional page walk (guest and host page tables), which is why these numbers grow
 * well past the cache sizes.
 *
 * One "packet" here is one read.
 */
import { defineSuite, type BenchCase } from './case.ts';

const READS_PER_CALL = 4096;

/** A random single-cycle permutation of 0..n-1 (Sattolo's algorithm, xorshift32). */
function cycle(n: number): Int32Array {
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[i] = i;
  let x = 0x2545f491;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const j = (x >>> 0) % i;
    const t = next[i]!; next[i] = next[j]!; next[j] = t;
  }
  return next;
}

function chase(bytes: number, label: string): BenchCase {
  return {
    name: `dependent random read, ${label} working set`,
    mode: null,
    flows: null,
    packetsPerCall: READS_PER_CALL,
    setup: () => {
      // One read per 64-byte line: entry i lives at word i * 16.
      const lines = bytes / 64;
      const perm = cycle(lines);
      const mem = new Int32Array(lines * 16);
      for (let i = 0; i < lines; i++) mem[i * 16] = perm[i]! * 16;
      let p = 0;
      return () => {
        let q = p;
        for (let i = 0; i < READS_PER_CALL; i++) q = mem[q]!;
        p = q;
      };
    },
  };
}

/**
 * The same reads when they do not depend on one another (the addresses come from a precomputed
 * random list): what the CPU can overlap, and so what a burst look-ahead can at best bring a
 * lookup's misses down to.
 */
function independent(bytes: number, label: string): BenchCase {
  return {
    name: `independent random read, ${label} working set`,
    mode: null,
    flows: null,
    packetsPerCall: READS_PER_CALL,
    setup: () => {
      const lines = bytes / 64;
      const mem = new Int32Array(lines * 16);
      const order = cycle(lines);
      const at = new Int32Array(1 << 16);
      for (let i = 0; i < at.length; i++) at[i] = order[i % lines]! * 16;
      let pos = 0, sink = 0;
      return () => {
        let s = sink;
        for (let i = 0; i < READS_PER_CALL; i++) s = (s + mem[at[(pos + i) & 0xffff]!]!) | 0;
        pos = (pos + READS_PER_CALL) & 0xffff;
        sink = s;
      };
    },
  };
}

export default defineSuite('machine', [
  chase(64 << 10, '64 KB'),
  chase(1 << 20, '1 MB'),
  chase(16 << 20, '16 MB'),
  chase(128 << 20, '128 MB'),
  independent(16 << 20, '16 MB'),
]);
