/**
 * Determinism: virtual time and one seeded PRNG (never Date.now or Math.random in src/) make a run
 * a pure function of (scenario, mode, seed). The same inputs give the same JSON report — apart from
 * `engine`, the wall-clock speed of flowsim itself — and the same frames at the same virtual times;
 * another seed gives other traffic (client ports and remote addresses are drawn from it).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/sim/run.ts';
import { deterministicPart, runRecorded, type TxFrame } from './helpers.ts';

const EXAMPLE = fileURLToPath(new URL('../../sim-scenarios/mt7621-pppoe.yaml', import.meta.url));

/** Client port and server address of each TCP SYN the router sent out (offsets behind PPPoE + PPP). */
function synSignature(frames: readonly TxFrame[]): string[] {
  const out: string[] = [];
  for (const f of frames) {
    const b = Buffer.from(f.hex, 'hex');
    let ip = 14;
    if (b.readUInt16BE(12) === 0x8864) ip = 14 + 6 + 2; // PPPoE session header + PPP protocol
    if ((b[ip]! >> 4) !== 4 || b[ip + 9] !== 6) continue;
    const th = ip + (b[ip]! & 0xf) * 4;
    if ((b[th + 13]! & 0x12) !== 0x02) continue;
    out.push(`${b.readUInt16BE(th)} -> ${b.subarray(ip + 16, ip + 20).join('.')}`);
  }
  return out;
}

describe('determinism', () => {
  const sc = loadScenario(EXAMPLE);

  it('the same scenario and seed give the same report (engine timings aside) and the same frames, in every mode', () => {
    for (const mode of ['none', 'software', 'hardware'] as const) {
      const a = runRecorded(sc, mode, { duration_s: 0.08 });
      const b = runRecorded(sc, mode, { duration_s: 0.08 });
      expect(a.frames.length).toBeGreaterThan(500);
      expect(deterministicPart(b.report)).toEqual(deterministicPart(a.report));
      // Frame by frame, with virtual transmit times.
      expect(b.frames.length).toBe(a.frames.length);
      for (let i = 0; i < a.frames.length; i++) {
        if (a.frames[i]!.hex !== b.frames[i]!.hex || a.frames[i]!.timeNs !== b.frames[i]!.timeNs || a.frames[i]!.iface !== b.frames[i]!.iface) {
          expect.fail(`${mode}: frame #${i} differs between two identical runs`);
        }
      }
    }
  });

  it('a different seed changes the traffic: client ports and remote addresses differ', () => {
    const a = runRecorded(sc, 'software', { duration_s: 0.08 });
    const b = runRecorded(sc, 'software', { duration_s: 0.08, seed: 8 });
    expect(a.report.seed).toBe(7);
    expect(b.report.seed).toBe(8);
    const sa = synSignature(a.frames);
    const sb = synSignature(b.frames);
    expect(sa.length).toBeGreaterThan(0);
    expect(sb.length).toBe(sa.length);
    expect(sb).not.toEqual(sa);
    // Not a single SYN alike.
    expect(sb.filter((s) => sa.includes(s))).toEqual([]);
  });
});
