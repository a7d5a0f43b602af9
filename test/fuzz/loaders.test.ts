/**
 * File fuzzing through the loaders (issue "Robustness", part 1): mutated nft rulesets (text and
 * libnftables JSON), scenario files and pcap/pcapng captures. A bad file is the user's everyday
 * mistake, so the contract is the CLI's: every input loads, or is refused with a located error —
 * `file:line:col: error: …` for text (as `nft -f` and the scenario schema report), `file: offset
 * N: …` for captures — never an exception and never the loader's "internal parser error" fallback.
 *
 * CI runs a slice with a fixed seed; FLOWSIM_FUZZ_FILES=<files per kind> (or test/fuzz/long.ts)
 * runs more.
 */
import { describe, expect, it } from 'vitest';
import { captureSeeds, fuzzCaptures, fuzzRulesets, fuzzScenarios, textSeeds } from './file-harness.ts';
import { recordIngress } from './router-harness.ts';

const FILES = Number(process.env.FLOWSIM_FUZZ_FILES ?? 0) || 300;
const SEED = Number(process.env.FLOWSIM_FUZZ_SEED ?? 20240601);

describe('loader fuzzing: every bad file gets a located error, no exception escapes', () => {
  it('the seed files themselves load (mutants start from valid input)', () => {
    expect(textSeeds('nft-text').length).toBeGreaterThanOrEqual(4);
    expect(textSeeds('nft-json').length).toBeGreaterThanOrEqual(2);
    expect(textSeeds('scenario').length).toBeGreaterThanOrEqual(8);
  });

  it.each(['nft-text', 'nft-json'] as const)('mutated %s rulesets through parseRuleset', (kind) => {
    const st = fuzzRulesets(kind, SEED, FILES);
    expect(st.failures).toEqual([]);
    expect(st.tried).toBe(FILES);
    // Both outcomes occur: the mutants are neither all trivially broken nor all harmless.
    expect(st.refused).toBeGreaterThan(FILES / 4);
    expect(st.accepted).toBeGreaterThan(0);
  });

  it('mutated scenario files through decode, expect parsing and buildScenario', () => {
    const n = Math.max(1, Math.round(FILES / 2));
    const st = fuzzScenarios(SEED, n);
    expect(st.failures).toEqual([]);
    expect(st.refused).toBeGreaterThan(n / 4);
    expect(st.accepted).toBeGreaterThan(0);
  });

  it('mutated pcap and pcapng captures through the streaming reader', () => {
    const seeds = captureSeeds(recordIngress('mt7621-pppoe.yaml', 'software', 0.05, 40));
    for (const [kind, files] of [['pcap', seeds.pcap], ['pcapng', seeds.pcapng]] as const) {
      const st = fuzzCaptures(kind, files, SEED, FILES);
      expect(st.failures, kind).toEqual([]);
      expect(st.refused, kind).toBeGreaterThan(FILES / 10);
      expect(st.accepted, kind).toBeGreaterThan(0);
    }
  });
});
