/**
 * The fuzzers' long mode, run by hand (the CI slice is router-frames.test.ts / loaders.test.ts):
 *
 *   npx tsx test/fuzz/long.ts [--frames N] [--files N] [--seed S]
 *
 * --frames: inputs per (scenario, mode) through the whole router (2 scenarios × 3 modes);
 * --files: mutated files per kind (nft text, nft JSON, scenario YAML, pcap, pcapng).
 * Prints what was tried and what held; exits 1 on any failure, printing the inputs to replay.
 */
import { parseArgs } from 'node:util';
import { MODES } from '../../src/scenario/types.ts';
import { captureSeeds, fuzzCaptures, fuzzRulesets, fuzzScenarios, type FileFuzzStats } from './file-harness.ts';
import { fuzzRouter, recordIngress } from './router-harness.ts';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '1000000' }, files: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } } });
const frames = Number(values.frames);
const files = Number(values.files);
const seed = Number(values.seed);
let failures = 0;
let totalFrames = 0;
let totalMs = 0;

for (const scenario of ['mt7621-pppoe.yaml', 'dualstack.yaml']) {
  const corpus = recordIngress(scenario, 'software', 0.3, 300);
  for (const mode of MODES) {
    if (frames <= 0) break;
    const s = fuzzRouter({ scenario, mode, seed, frames, corpus });
    totalFrames += s.frames;
    totalMs += s.wallMs;
    failures += s.failures.length;
    const drops = Object.entries(s.dropsByReason).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`frames ${scenario} ${mode}: ${s.frames} inputs in ${(s.wallMs / 1000).toFixed(1)} s, tx ${s.transmitted}, local ${s.delivered}, dropped ${s.dropped} (made by the router ${s.generated}); paths ${JSON.stringify(s.paths)}; slowest input ${s.maxFrameMs.toFixed(2)} ms; failures ${s.failures.length}`);
    console.log(`  top drops: ${drops}`);
    for (const f of s.failures) console.log(`  FAIL ${f}`);
  }
}
if (frames > 0) console.log(`frames total: ${totalFrames} in ${(totalMs / 1000).toFixed(1)} s (${Math.round(totalFrames / (totalMs / 1000))} inputs/s)`);

if (files > 0) {
  const seeds = captureSeeds(recordIngress('mt7621-pppoe.yaml', 'software', 0.05, 40));
  const runs: FileFuzzStats[] = [
    fuzzRulesets('nft-text', seed, files), fuzzRulesets('nft-json', seed, files), fuzzScenarios(seed, files),
    fuzzCaptures('pcap', seeds.pcap, seed, files), fuzzCaptures('pcapng', seeds.pcapng, seed, files),
  ];
  for (const st of runs) {
    failures += st.failures.length;
    console.log(`files ${st.kind}: ${st.tried} tried, ${st.accepted} loaded, ${st.refused} refused with a located error, ${(st.wallMs / 1000).toFixed(1)} s, slowest ${st.maxFileMs.toFixed(1)} ms, failures ${st.failures.length}`);
    for (const f of st.failures) console.log(`  FAIL ${f}`);
  }
}
process.exitCode = failures > 0 ? 1 : 0;
