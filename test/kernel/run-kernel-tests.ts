/**
 * Differential tests against the real Linux kernel (classic path). See test/kernel/README.md.
 *
 *   tsx test/kernel/run-kernel-tests.ts [--kernel-only | --kernel-twice] [--filter NAME] [--keep] [--verbose]
 *
 * --kernel-only   run only the kernel side and its sanity checks (prints what the kernel sent)
 * --kernel-twice  compare the kernel with itself (a second run) instead of flowsim: shows that the
 *                 documented normalisations cover all of the kernel's own non-determinism
 *
 * For every case: build the router in network namespaces, replay the capture with tcpreplay,
 * record with tcpdump what the router sent on each interface and read `conntrack -L`; run flowsim
 * on the same topology, ruleset and capture; compare. Prints PASS / FAIL / KNOWN-DIVERGENCE per
 * case and a final line `N passed, M failed, …`. Exit status 1 on any failure.
 *
 * Without network namespaces (not root, no CAP_SYS_ADMIN, tools missing) it says so loudly and
 * exits 1, unless FLOWSIM_NO_KERNEL=1 is set on purpose (then it exits 0 after the message).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KernelCase, RunResult } from './case.ts';
import { allCases } from './cases/index.ts';
import { compareRuns, type NormaliseContext } from './compare.ts';
import { describe } from './decode.ts';
import { runOnFlowsim } from './flowsim-run.ts';
import { runOnKernel } from './kernel-run.ts';
import { netnsUnavailableReason } from './netns.ts';
import { wrongRuleset } from './self-check.ts';

interface Options {
  kernelOnly: boolean;
  /** Run each case twice on the kernel and compare the runs (validates the normalisations). */
  kernelTwice: boolean;
  filter?: string;
  keep: boolean;
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { kernelOnly: false, kernelTwice: false, keep: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--kernel-only') o.kernelOnly = true;
    else if (a === '--kernel-twice') o.kernelTwice = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--filter') o.filter = argv[++i];
    else { console.error(`unknown argument ${a}`); process.exit(2); }
  }
  return o;
}

const REQUIRED_TOOLS = ['ip', 'nft', 'conntrack', 'tcpreplay', 'tcpdump', 'ethtool'];

function missingTools(): string[] {
  return REQUIRED_TOOLS.filter((t) => {
    try { execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); return false; } catch { return true; }
  });
}

function refuse(reason: string): never {
  const bar = '!'.repeat(78);
  console.error(`${bar}\n!! KERNEL DIFFERENTIAL TESTS CANNOT RUN: ${reason}\n!! They need root (CAP_SYS_ADMIN, CAP_NET_ADMIN) to create network namespaces, and the\n!! Debian packages nftables, conntrack, tcpreplay, tcpdump, iproute2, ethtool.\n${bar}`);
  if (process.env['FLOWSIM_NO_KERNEL'] === '1') {
    console.error('FLOWSIM_NO_KERNEL=1 is set: skipping on purpose (0 cases compared).');
    process.exit(0);
  }
  console.error('Set FLOWSIM_NO_KERNEL=1 to skip on purpose.');
  process.exit(1);
}

export function routerContext(c: KernelCase): NormaliseContext {
  return {
    routerAddrs: new Set(c.topology.interfaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]!))),
    extra: c.normalise ?? [],
  };
}

function printResult(label: string, r: RunResult, ifaces: readonly string[]): void {
  for (const i of ifaces) {
    const frames = r.sent.get(i) ?? [];
    console.log(`    ${label} sent on ${i}: ${frames.length} frame(s)`);
    for (const f of frames) console.log(`      ${describe(f)}`);
  }
  console.log(`    ${label} conntrack: ${r.conntrackRaw.length} entr${r.conntrackRaw.length === 1 ? 'y' : 'ies'}`);
  for (const l of r.conntrackRaw) console.log(`      ${l}`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const missing = missingTools();
  if (missing.length > 0) refuse(`missing tools: ${missing.join(', ')}`);
  const why = netnsUnavailableReason();
  if (why !== undefined) refuse(`cannot create network namespaces (${why})`);

  const cases = allCases().filter((c) => opts.filter === undefined || c.name.includes(opts.filter));
  let passed = 0, failed = 0, known = 0;
  const root = mkdtempSync(join(tmpdir(), 'flowsim-kernel-'));
  console.log(`kernel differential tests: ${cases.length} case(s)${opts.kernelOnly ? ' (kernel side only)' : ''}; work dir ${root}`);
  for (const c of cases) {
    const work = join(root, c.name);
    const ifaces = c.topology.interfaces.map((i) => i.name);
    let kernel: RunResult;
    try {
      kernel = await runOnKernel(c, work);
    } catch (e) {
      failed++;
      console.log(`FAIL ${c.name}: kernel run failed: ${(e as Error).message}`);
      continue;
    }
    const sanity = c.checkKernel?.(kernel) ?? [];
    const counts = ifaces.map((i) => `${i}=${kernel.sent.get(i)?.length ?? 0}`).join(' ');
    if (opts.kernelOnly) {
      if (sanity.length === 0) { passed++; console.log(`PASS ${c.name} (kernel: ${counts}, conntrack=${kernel.conntrack.length})`); }
      else { failed++; console.log(`FAIL ${c.name} (kernel: ${counts})\n  ${sanity.join('\n  ')}`); }
      if (opts.verbose || sanity.length > 0) printResult('kernel', kernel, ifaces);
      continue;
    }
    if (sanity.length > 0) {
      failed++;
      console.log(`FAIL ${c.name}: the kernel did not behave as the case assumes (fix the case):\n  ${sanity.join('\n  ')}`);
      printResult('kernel', kernel, ifaces);
      continue;
    }
    let sim: RunResult;
    try {
      sim = opts.kernelTwice ? await runOnKernel(c, join(work, 'again')) : runOnFlowsim(c, work);
    } catch (e) {
      if (c.knownDivergence !== undefined) { known++; console.log(`KNOWN-DIVERGENCE ${c.name}: ${c.knownDivergence}\n  (flowsim failed: ${(e as Error).message.split('\n')[0]})`); }
      else { failed++; console.log(`FAIL ${c.name}: ${(e as Error).message}`); }
      continue;
    }
    const rep = compareRuns({ label: 'kernel', result: kernel }, { label: 'flowsim', result: sim }, routerContext(c), ifaces);
    const norm = rep.notes.length > 0 ? `; normalised: ${rep.notes.join(', ')}` : '';
    if (rep.ok && c.knownDivergence === undefined) {
      passed++;
      console.log(`PASS ${c.name} (${rep.framesCompared} frames: ${counts}; ${kernel.conntrack.length} conntrack entries${norm})`);
    } else if (rep.ok) {
      failed++;
      console.log(`FAIL ${c.name}: listed as a known divergence but now matches the kernel: remove it from the case and README ("${c.knownDivergence}")`);
    } else if (c.knownDivergence !== undefined) {
      known++;
      console.log(`KNOWN-DIVERGENCE ${c.name}: ${c.knownDivergence}\n  ${rep.diffs.join('\n  ')}`);
    } else {
      failed++;
      console.log(`FAIL ${c.name} (${counts}${norm})\n  ${rep.diffs.join('\n  ')}`);
      printResult('kernel', kernel, ifaces);
      printResult('flowsim', sim, ifaces);
    }
    if (opts.verbose) { printResult('kernel', kernel, ifaces); printResult('flowsim', sim, ifaces); }
  }

  // Self-check of the harness: flowsim run with a different ruleset must be caught.
  let selfCheck = '';
  if (!opts.kernelOnly && !opts.kernelTwice && opts.filter === undefined) {
    const c = cases.find((x) => x.name === 'masquerade-tcp');
    if (c) {
      try {
        const kernel = await runOnKernel(c, join(root, 'self-check'));
        const sim = runOnFlowsim(c, join(root, 'self-check'), { ruleset: wrongRuleset(c.ruleset) });
        const rep = compareRuns({ label: 'kernel', result: kernel }, { label: 'flowsim(wrong ruleset)', result: sim }, routerContext(c), c.topology.interfaces.map((i) => i.name));
        if (rep.ok) { failed++; selfCheck = 'FAIL self-check: flowsim with a different ruleset was NOT detected'; }
        else selfCheck = `PASS self-check: flowsim with a different ruleset is detected (${rep.diffs.length} differences)`;
      } catch (e) {
        selfCheck = `PASS self-check: flowsim with a different ruleset is detected (run failed: ${(e as Error).message.split('\n')[0]})`;
      }
      console.log(selfCheck);
    }
  }

  if (!opts.keep) rmSync(root, { recursive: true, force: true });
  const total = passed + failed + known;
  console.log(`${passed} passed, ${failed} failed${known > 0 ? `, ${known} known divergences` : ''} (${total} cases compared${opts.kernelOnly ? ', kernel side only' : ''})`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();
