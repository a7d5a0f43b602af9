import { describe, it, expect } from 'vitest';
import { cpuLoad, createBackend, getSocProfile, listSocProfiles, pathCycles, tcpPps } from '../../src/offload/registry.ts';
import { MediatekPpe } from '../../src/offload/mediatek-ppe.ts';
import { Mlx5Backend } from '../../src/offload/mlx5.ts';

const REQUIRED = ['mt7621', 'mt7622', 'mt7623', 'mt7981', 'mt7986', 'mt7988', 'mt7629', 'mt7620', 'en7581', 'ipq807x', 'ipq4019', 'generic-x86', 'mlx5-switchdev', 'marvell-armada-385', 'realtek-rtl930x'];

describe('SoC profiles', () => {
  it('include every required SoC, each with sources for its CPU, cycles and calibration', () => {
    const names = listSocProfiles().map((p) => p.name);
    for (const n of REQUIRED) expect(names).toContain(n);
    for (const p of listSocProfiles()) {
      expect(Object.keys(p.sources).some((k) => k.startsWith('cpu'))).toBe(true);
      expect(Object.keys(p.sources).some((k) => k.startsWith('cycles'))).toBe(true);
      expect(p.sources.calibration).toBeDefined();
      expect(p.ports.length).toBeGreaterThan(0);
    }
    expect(getSocProfile('MT7986')?.name).toBe('mt7986');
    expect(getSocProfile('nope')).toBeUndefined();
  });

  it('instantiate the right backend', () => {
    expect(createBackend(getSocProfile('mt7620')!)).toBeInstanceOf(MediatekPpe);
    expect(createBackend(getSocProfile('mlx5-switchdev')!)).toBeInstanceOf(Mlx5Backend);
    for (const p of listSocProfiles()) expect(createBackend(p).describe().length).toBeGreaterThan(20);
  });

  // load = pps × cycles / (cores_used × clock) + background / (cores × clock)
  it('reproduce MT7620: 78.6 / 39.1 / 3.7 % CPU at ~91 Mbit/s (openwrt PR #24515)', () => {
    const p = getSocProfile('mt7620')!;
    const pps = tcpPps(91);
    expect(cpuLoad(p, 'classic', pps) * 100).toBeCloseTo(78.6, 1);
    expect(cpuLoad(p, 'software', pps) * 100).toBeCloseTo(39.1, 1);
    expect(cpuLoad(p, 'hardware', pps) * 100).toBeCloseTo(3.7, 1);
  });

  it('reproduce qualcommax: 46.8 % at 780 Mbit/s classic, 47.8 % at ~917 Mbit/s software (PR #24806)', () => {
    const p = getSocProfile('ipq807x')!;
    expect(Math.abs(cpuLoad(p, 'classic', tcpPps(780)) * 100 - 46.8)).toBeLessThan(0.3);
    expect(Math.abs(cpuLoad(p, 'software', tcpPps(917)) * 100 - 47.8)).toBeLessThan(0.3);
  });

  it('reproduce MT7621: classic saturates one core at ~400 Mbit/s; software ~17 % of 4 CPUs at 940', () => {
    const p = getSocProfile('mt7621')!;
    expect(cpuLoad(p, 'classic', tcpPps(400))).toBeCloseTo(1.0, 2);
    expect(cpuLoad(p, 'software', tcpPps(940), 4) * 100).toBeCloseTo(17, 0);
    expect(pathCycles(p, 'software')).toBeLessThan(pathCycles(p, 'classic'));
  });
});
