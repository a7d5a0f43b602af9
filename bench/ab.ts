/**
 * A/B: the end-to-end router cost of the working tree against another commit, both in ONE process,
 * alternating — on a shared or virtual machine the spread between two runs minutes apart (±20 %)
 * hides most single changes, while alternating rounds see the same machine.
 *
 *   npx tsx bench/ab.ts --base <rev> [--mode software|classic|hardware] [--flows 65536]
 *                       [--topology two-port|mt7621-pppoe] [--rounds 8] [--ms 200]
 *
 * Both trees are compiled to JavaScript with tsc (the base in a temporary git worktree), each
 * builds its own e2e rig (bench/e2e-harness.ts), and rounds alternate A and B, each round timing
 * `burst()` for --ms milliseconds. Prints min and median ns/packet of each, and B's change.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}`);
}

/** Compiles `tree`'s src/ and bench/ to `out` (ES modules, .ts imports rewritten to .js). */
function compile(tree: string, out: string): void {
  const cfg = join(out, 'tsconfig.ab.json');
  run('mkdir', ['-p', out], repo);
  writeFileSync(cfg, JSON.stringify({
    extends: join(tree, 'tsconfig.json'),
    compilerOptions: {
      noEmit: false, outDir: join(out, 'js'), rootDir: tree, rewriteRelativeImportExtensions: true,
      allowImportingTsExtensions: false, sourceMap: false, declaration: false,
      // The config lives outside the tree: point type lookup at the repository's node_modules.
      typeRoots: [join(repo, 'node_modules', '@types')],
    },
    include: [join(tree, 'src/**/*.ts'), join(tree, 'bench/**/*.ts')],
  }));
  run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', cfg], repo);
  // The rig reads bundled scenarios relative to the compiled tree; the output is ES modules.
  symlinkSync(join(tree, 'sim-scenarios'), join(out, 'js', 'sim-scenarios'));
  writeFileSync(join(out, 'js', 'package.json'), '{ "type": "module" }\n');
}

const DRIVER = `
const [a, b, mode, flows, topology, rounds, ms] = process.argv.slice(2);
const A = await import(a), B = await import(b);
const opts = { topology, mode, flows: Number(flows) };
const rigs = [new A.E2eRig(opts), new B.E2eRig(opts)];
for (const r of rigs) for (let i = 0; i < 3000; i++) r.burst();
const res = [[], []];
for (let k = 0; k < Number(rounds); k++) for (let j = 0; j < 2; j++) {
  const r = rigs[(j + k) & 1], out = res[(j + k) & 1];
  const t0 = performance.now(); let n = 0;
  while (performance.now() - t0 < Number(ms)) { for (let i = 0; i < 20; i++) r.burst(); n += 20 * 64; }
  out.push((performance.now() - t0) * 1e6 / n);
}
const stat = (v) => { v.sort((x, y) => x - y); return { min: v[0], median: v[v.length >> 1] }; };
const sa = stat(res[0]), sb = stat(res[1]);
const pct = (x, y) => ((y / x - 1) * 100).toFixed(1) + ' %';
console.log(\`\${mode} \${flows} flows (\${topology}), \${rounds} rounds of \${ms} ms each, ns/packet\`);
console.log(\`  A (base)         min \${sa.min.toFixed(0)}  median \${sa.median.toFixed(0)}\`);
console.log(\`  B (working tree) min \${sb.min.toFixed(0)}  median \${sb.median.toFixed(0)}   B vs A: min \${pct(sa.min, sb.min)}, median \${pct(sa.median, sb.median)}\`);
`;

function main(): void {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' }, mode: { type: 'string', default: 'software' }, flows: { type: 'string', default: '65536' },
      topology: { type: 'string', default: 'two-port' }, rounds: { type: 'string', default: '8' }, ms: { type: 'string', default: '200' },
    },
  });
  if (values.base === undefined) throw new Error('--base <rev> is required (the commit to compare the working tree against)');
  // The compiled trees live under the repository's (git-ignored) out/, so their imports of npm
  // packages resolve to its node_modules; the base's sources go to a temporary worktree.
  run('mkdir', ['-p', join(repo, 'out')], repo);
  const tmp = mkdtempSync(join(repo, 'out', 'ab-'));
  const baseTree = mkdtempSync(join(tmpdir(), 'flowsim-ab-'));
  try {
    run('git', ['worktree', 'add', '--detach', '--quiet', baseTree, values.base], repo);
    symlinkSync(join(repo, 'node_modules'), join(baseTree, 'node_modules'));
    process.stdout.write(`compiling ${values.base} and the working tree...\n`);
    compile(baseTree, join(tmp, 'a'));
    compile(repo, join(tmp, 'b'));
    const driver = join(tmp, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    run(process.execPath, [driver, join(tmp, 'a', 'js', 'bench', 'e2e-harness.js'), join(tmp, 'b', 'js', 'bench', 'e2e-harness.js'),
      values.mode!, values.flows!, values.topology!, values.rounds!, values.ms!], repo);
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', baseTree], { cwd: repo, stdio: 'ignore' });
    rmSync(baseTree, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`ab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
