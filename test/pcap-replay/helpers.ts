/** Shared by the capture-replay tests: record a run's offered frames, and scenario YAML for replaying them. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptures } from '../../src/cli/capture.ts';
import type { Built } from '../../src/sim/build.ts';
import { loadScenario, runScenario, type RunResult } from '../../src/sim/run.ts';
import type { Mode } from '../../src/scenario/types.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowsim-pcap-replay-'));
}

export function macString(hi: number, lo: number): string {
  const b = [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Runs `file` with `--pcap-out dir`; returns the run and how many frames offered.pcapng holds. */
export function runRecorded(file: string, mode: Mode, duration_s: number, dir: string): { run: RunResult; recorded: number } {
  const cap = openCaptures(dir);
  let recorded = 0;
  const run = runScenario(loadScenario(file), {
    mode, duration_s,
    onBuilt: (b) => cap.attach(b),
    onTransmit: (s, p, t) => cap.onTransmit(s, p, t),
    onOffer: (s, p, t) => { recorded++; cap.onOffer(s, p, t); },
  });
  cap.close(run.built);
  return { run, recorded };
}

/** An ingress rule per scenario host: its MAC → the router port it is on. */
export function ingressByHostMac(built: Built): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of built.hosts) out[macString(h.macHi, h.macLo)] = built.net.topo.name(h.port);
  return out;
}

/**
 * The scenario text of `file` with its traffic section replaced by `traffic` (a YAML flow
 * mapping) and its expectations removed; relative paths (ruleset) made absolute. Written to dir.
 */
export function replayScenario(file: string, traffic: string, dir: string): string {
  const src = readFileSync(file, 'utf8');
  const base = join(file, '..');
  const lines: string[] = [];
  let skipping = false;
  for (const line of src.split('\n')) {
    if (/^(traffic|expect):/.test(line)) { skipping = true; continue; }
    if (skipping && /^\S/.test(line)) skipping = false;
    if (skipping) continue;
    lines.push(line.replace(/^ruleset: (?!\/)(\S+)/, (_m, p: string) => `ruleset: ${join(base, p)}`));
  }
  lines.push(`traffic: ${traffic}`);
  const out = join(dir, 'replay.yaml');
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
