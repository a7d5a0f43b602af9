/**
 * A kernel differential case: a router topology, an nft ruleset and a two-sided capture, run both
 * on the real kernel (network namespaces) and on flowsim, then compared.
 */
import type { ConntrackEntry } from './conntrack.ts';

export interface RouterInterface {
  /** Interface name (same in the router namespace and in flowsim). */
  readonly name: string;
  readonly mac: string;
  /** Addresses with prefix, e.g. 192.168.1.1/24, fd00:1::1/64. */
  readonly addresses: readonly string[];
  readonly mtu?: number;
}

export interface Route {
  /** CIDR (0.0.0.0/0, ::/0 for defaults). */
  readonly dst: string;
  readonly via?: string;
  readonly dev: string;
}

/** A neighbour of the router: the router gets a permanent neighbour entry for each address. */
export interface Host {
  readonly name: string;
  readonly iface: string;
  readonly mac: string;
  /** Plain addresses (no prefix). */
  readonly addresses: readonly string[];
}

export interface Topology {
  readonly interfaces: readonly RouterInterface[];
  readonly routes: readonly Route[];
  readonly hosts: readonly Host[];
}

/** One frame of the two-sided capture: the router interface it arrives on, and its bytes. */
export interface InputFrame {
  readonly iface: string;
  readonly bytes: Uint8Array;
}

/**
 * A documented, case-specific normalisation of something the kernel chooses at random. Each one is
 * listed in test/kernel/README.md; the harness prints it whenever it applies.
 */
export interface NatPortNormalisation {
  readonly kind: 'nat-port-range';
  /** The NAT address whose port the kernel picks at random (nf_nat_l4proto_unique_tuple, off = get_random_u16()). */
  readonly addr: string;
  readonly lo: number;
  readonly hi: number;
  readonly why: string;
}

export type Normalisation = NatPortNormalisation;

/** What the kernel run produced (and, in the same shape, what flowsim produced). */
export interface RunResult {
  /** Frames the router transmitted, per interface, in transmit order. */
  readonly sent: ReadonlyMap<string, Uint8Array[]>;
  readonly conntrack: readonly ConntrackEntry[];
  /** Raw conntrack lines, for reports. */
  readonly conntrackRaw: readonly string[];
}

export interface KernelCase {
  readonly name: string;
  /** What the case pins down (printed in the report). */
  readonly description: string;
  readonly topology: Topology;
  /** nft ruleset text, loaded with `nft -f` in the router namespace and given to flowsim as a file. */
  readonly ruleset: string;
  readonly frames: readonly InputFrame[];
  readonly normalise?: readonly Normalisation[];
  /**
   * Sanity checks of the kernel's own output (run in --kernel-only mode too): a list of failures,
   * empty when the kernel behaved as the case's author expects. They check the harness, not flowsim.
   */
  readonly checkKernel?: (r: RunResult) => string[];
  /**
   * A known, explained divergence (README "Known divergences"): the case still runs and both sides
   * are still compared; a mismatch is then reported as KNOWN-DIVERGENCE instead of FAIL, and a match
   * is reported as FIXED so the entry gets removed.
   */
  readonly knownDivergence?: string;
}
