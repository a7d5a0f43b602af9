/**
 * The long soak, by hand: `npx tsx test/robustness/soak.ts [--flows N] [--spread S] [--mode M]`.
 * N TCP and N UDP short flows (250 ms each, ~88 packets per flow on average) start over S seconds;
 * prints heap/RSS samples through the run and every table's population after the timeouts.
 * 100 million packets: --flows 570000 --spread 3000.
 */
import { parseArgs } from 'node:util';
import type { Mode } from '../../src/scenario/types.ts';
import { soak } from './soak-harness.ts';

const { values } = parseArgs({ options: { flows: { type: 'string', default: '57000' }, spread: { type: 'string', default: '300' }, mode: { type: 'string', default: 'hardware' } } });
const r = soak(Number(values.flows), Number(values.spread), values.mode as Mode);
console.log(`soak (${values.mode}): ${r.packets} packets, ${r.flows} flows, ${r.wallS.toFixed(1)} s wall, dropped ${r.dropped}`);
console.log(`paths ${JSON.stringify(r.report.paths)}; hardware binds ${r.report.hardware?.binds ?? 0}; flowtable added ${r.report.flowtable.flows_added}`);
for (const s of r.samples) console.log(`  ${(s.at * 100).toFixed(0).padStart(3)} %  heap ${s.heapMB.toFixed(1)} MB  rss ${s.rssMB.toFixed(1)} MB`);
console.log(`after the timeouts: conntrack ${r.ctEntries}, flowtable ${r.ftActive}, hardware bound ${r.hwBound} unbound ${r.hwUnbound}`);
console.log(`expectations: ${r.report.expect.passed ? 'hold' : r.report.expect.failures.join('; ')}`);
process.exitCode = r.ctEntries + r.ftActive + r.hwBound + r.hwUnbound === 0 && r.report.expect.passed ? 0 : 1;
