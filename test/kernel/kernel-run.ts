/**
 * Runs one case on the real kernel: builds the namespaces, starts one `tcpdump -Q in` per tester
 * veth (so it records only what the router transmitted), replays the capture with `tcpreplay` from
 * the tester side in capture order, then reads `conntrack -L` and tears everything down.
 *
 * Replay order: consecutive frames on the same interface go to one tcpreplay call (paced with
 * --pps); between calls the harness waits a little so the router has processed the previous frame
 * before a frame arrives on another interface. Capture order is therefore preserved globally.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelCase, RunResult } from './case.ts';
import { parseConntrackList } from './conntrack.ts';
import { buildRouter, inNs, teardown, waitOperUp, writeText } from './netns.ts';
import { readPcap, writePcap } from './pcap.ts';

export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** Settle time after building the router before capturing (README "Settling"). */
const SETTLE_MS = 250;
/** Time after the last frame for the router to finish transmitting before tcpdump stops. */
const DRAIN_MS = 300;
/** Pause between two tcpreplay calls (interface switch). */
const SWITCH_MS = 15;
/** Packets per second within one tcpreplay call. */
const PPS = 200;

function startTcpdump(ns: string, iface: string, file: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-Q', 'in', '-U', '--immediate-mode', '-n', '-s', '0', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tcpdump on ${iface} did not start: ${err}`)), 5000);
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) { clearTimeout(timer); resolve(p); }
    });
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`tcpdump on ${iface} exited (${code}): ${err}`)); });
  });
}

function stopTcpdump(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) { resolve(); return; }
    p.removeAllListeners('exit');
    p.on('exit', () => resolve());
    p.kill('SIGINT');
  });
}

/** Groups the frames into runs of consecutive frames on the same interface. */
export function replayRuns(frames: KernelCase['frames']): { iface: string; frames: Uint8Array[] }[] {
  const runs: { iface: string; frames: Uint8Array[] }[] = [];
  for (const f of frames) {
    const last = runs[runs.length - 1];
    if (last && last.iface === f.iface) last.frames.push(f.bytes);
    else runs.push({ iface: f.iface, frames: [f.bytes] });
  }
  return runs;
}

export async function runOnKernel(c: KernelCase, workdir: string): Promise<RunResult> {
  const dir = join(workdir, 'kernel');
  mkdirSync(dir, { recursive: true });
  const rulesetFile = join(workdir, 'ruleset.nft');
  writeText(rulesetFile, c.ruleset);
  const r = buildRouter(c.topology, rulesetFile);
  const dumps: ChildProcess[] = [];
  try {
    await waitOperUp(r, c.topology);
    await sleep(SETTLE_MS);
    for (const itf of c.topology.interfaces) dumps.push(await startTcpdump(r.tester, itf.name, join(dir, `${itf.name}.pcap`)));
    const runs = replayRuns(c.frames);
    runs.forEach((run, i) => writePcap(join(dir, `replay-${i}.pcap`), run.frames.map((bytes, j) => ({ tsNs: j * 1e9 / PPS, bytes }))));
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i]!;
      if (run.frames.length === 1) inNs(r.tester, 'tcpreplay', ['-q', '-i', run.iface, '--topspeed', join(dir, `replay-${i}.pcap`)]);
      else inNs(r.tester, 'tcpreplay', ['-q', '-i', run.iface, `--pps=${PPS}`, join(dir, `replay-${i}.pcap`)]);
      await sleep(SWITCH_MS);
    }
    await sleep(DRAIN_MS);
    for (const d of dumps) await stopTcpdump(d);
    dumps.length = 0;
    const ctText = inNs(r.router, 'conntrack', ['-L']);
    const sent = new Map<string, Uint8Array[]>();
    for (const itf of c.topology.interfaces) sent.set(itf.name, readPcap(join(dir, `${itf.name}.pcap`)).map((f) => f.bytes));
    return { sent, conntrack: parseConntrackList(ctText), conntrackRaw: ctText.split('\n').filter((l) => l.trim() !== '') };
  } finally {
    for (const d of dumps) await stopTcpdump(d);
    teardown(r);
  }
}
