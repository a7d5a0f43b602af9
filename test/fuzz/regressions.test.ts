/**
 * Inputs the fuzzers found, kept as examples of the behaviour they pinned down once fixed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeScenario } from '../../src/scenario/schema.ts';
import { parseLocated } from '../../src/scenario/source.ts';
import { buildScenario, BuildError } from '../../src/sim/build.ts';
import { SCENARIO_DIR } from './file-harness.ts';

describe('fuzzer finds', () => {
  // Found by fuzzScenarios (long mode, seed 7, inputs #4055 and #7864): a route that clashes with
  // another one (the same `default` twice, or a default route next to an address with a /0
  // prefix, whose connected route is also 0.0.0.0/0) made TopologyBuilder.build() throw a
  // NetConfigError that buildScenario() did not turn into a located BuildError: the CLI printed
  // "flowsim: internal error: NetConfigError … (File exists)" with a stack trace (exit 3) instead
  // of `file:line:col: error: …` (exit 2). The kernel's answer to the second `ip route add` is
  // EEXIST ("File exists"); the scenario's answer points at the route.
  it('a duplicate default route is refused with a located error, not an internal error', () => {
    const file = `${SCENARIO_DIR}/x86-no-engine.yaml`;
    const text = readFileSync(file, 'utf8').replace(/routes:\n(\s+- [^\n]+\n)/, (_m, r: string) => `routes:\n${r}${r}`);
    const parsed = parseLocated(text, file);
    if (!parsed.ok) throw new Error('the seed must parse');
    const decoded = decodeScenario(parsed.root, file);
    if (!decoded.ok) throw new Error('the seed must decode');
    let err: unknown;
    try { buildScenario(decoded.scenario, { poolSlots: 64 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toMatch(/x86-no-engine\.yaml:\d+:\d+: error: .*route/);
  });
});
