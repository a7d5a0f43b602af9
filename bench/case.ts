/**
 * A benchmark case, independent of the benchmark library.
 *
 * `setup` runs untimed and returns the function to time; one call of that function processes
 * `packetsPerCall` packets (a burst, or several), so ns/packet = 1e9 / (ops/s × packetsPerCall).
 * The shape is what benny's `add(name, () => fn)` and tinybench's `bench.add(name, fn)` both take,
 * so moving to tinybench means changing bench/run.ts only.
 */
export type BenchMode = 'classic' | 'software' | 'hardware' | null;

export interface BenchCase {
  /** Unique within its suite, e.g. "conntrack lookup hit". */
  readonly name: string;
  readonly mode: BenchMode;
  /** Concurrent flows/connections the case holds (exact count), or null when it has none. */
  readonly flows: number | null;
  /** Packets (or operations) one call of the timed function processes. */
  readonly packetsPerCall: number;
  /** Untimed setup; returns the timed function. `quick` asks for a smaller setup (CI smoke). */
  readonly setup: (quick: boolean) => () => void;
}

export interface BenchSuite {
  readonly name: string;
  readonly cases: readonly BenchCase[];
}

export function defineSuite(name: string, cases: readonly BenchCase[]): BenchSuite {
  return { name, cases };
}

/** Standard flow counts the end-to-end cases use: 1K, 64K, 1M. */
export const FLOW_COUNTS = [1024, 65536, 1048576] as const;
