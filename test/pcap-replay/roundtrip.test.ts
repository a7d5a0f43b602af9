/**
 * Issue "pcap in and out", last check: a capture made by flowsim from a scenario, replayed as the
 * traffic of the same scenario, gives the same per-path counts. `--pcap-out` records every frame
 * as it reaches a router port (offered.pcapng, at flowsim's virtual time, dated from 1970); the
 * replay puts each frame back on the port its source MAC's host sits on, at the same virtual time
 * (PcapSource's absolute-time rule), so the router sees the identical packet sequence and every
 * decision it takes — conntrack, flowtable, PPE binding — is the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../src/sim/run.ts';
import { MODES } from '../../src/scenario/types.ts';
import { openCaptures } from '../../src/cli/capture.ts';
import { ingressByHostMac, replayScenario, runRecorded, tempDir } from './helpers.ts';

const scenario = join(import.meta.dirname, '..', '..', 'sim-scenarios', 'mt7621-pppoe.yaml');
const DURATION_S = 0.4;

describe('a flowsim capture replayed as the same scenario', () => {
  for (const mode of MODES) {
    it(`mt7621-pppoe in mode ${mode}: same paths, transmitted, dropped, conntrack and flowtable counts, byte-identical output`, () => {
      const dir = tempDir();
      const { run, recorded } = runRecorded(scenario, mode, DURATION_S, dir);
      const ingress = ingressByHostMac(run.built);
      const yaml = replayScenario(scenario, `{ pcap: ${join(dir, 'offered.pcapng')}, ingress: ${JSON.stringify(ingress)} }`, dir);
      const outDir = join(dir, 'replay-out');
      const cap = openCaptures(outDir);
      const replay = runScenario(loadScenario(yaml), {
        mode, duration_s: DURATION_S,
        onBuilt: (b) => cap.attach(b),
        onTransmit: (s, p, t) => cap.onTransmit(s, p, t),
      });
      cap.close(replay.built);
      const a = run.report, b = replay.report;
      expect(replay.sim.pcap!.unmatched).toBe(0);
      expect(b.paths).toEqual(a.paths);
      expect(b.packets.transmitted).toBe(a.packets.transmitted);
      expect(b.packets.dropped).toBe(a.packets.dropped);
      expect(b.drops).toEqual(a.drops);
      // Offered: the capture holds what reached the router; frames still on a host's wire when the
      // run stopped (counted offered and queued by the original run) never did.
      expect(b.packets.offered).toBe(recorded);
      expect(a.packets.offered - recorded).toBe(a.packets.queued - b.packets.queued);
      expect(b.conntrack).toEqual(a.conntrack);
      expect(b.flowtable).toEqual(a.flowtable);
      expect(b.hardware).toEqual(a.hardware);
      expect(b.interfaces).toEqual(a.interfaces);
      // What the router transmitted, frame for frame and nanosecond for nanosecond.
      expect(Buffer.compare(readFileSync(join(outDir, 'all.pcapng')), readFileSync(join(dir, 'all.pcapng')))).toBe(0);
      if (mode !== 'none') expect(a.paths.classic).toBeLessThan(a.packets.transmitted);
    });
  }
});
