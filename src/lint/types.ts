/**
 * What `flowsim lint` reports: findings, each with an id, a severity, a one-line message, the
 * kernel behaviour or source that explains it, a fix, and where it is (scenario or ruleset file).
 */
import type { Loc } from '../nft/ir.ts';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** The checks, in the order they run (and the order of this list is the order of the report). */
export const LINT_IDS = [
  'sqm-with-hw-offload',
  'flowtable-device-mismatch',
  'offload-flag-without-engine',
  'hw-offload-unsupported-flows',
  'counters-and-log-on-offloaded',
  'flow-add-placement',
  'helper-prevents-offload',
  'conntrack-max-small',
] as const;
export type LintId = (typeof LINT_IDS)[number];

export interface Finding {
  readonly id: LintId;
  readonly severity: Severity;
  /** One line naming the device, rule or flowtable. */
  readonly message: string;
  /** The kernel behaviour (function, doc, source) behind the finding. */
  readonly why: string;
  /** What to change. */
  readonly fix: string;
  /** Where: the scenario or ruleset position, or null when nothing better than the scenario file exists. */
  readonly loc: Loc | null;
}
