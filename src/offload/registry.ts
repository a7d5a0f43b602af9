/**
 * Looking up SoC profiles and building their backends; the cost model's arithmetic.
 */
import { AirohaPpe } from './airoha.ts';
import { MTK_SOC_DATA, MediatekPpe } from './mediatek-ppe.ts';
import type { EnginePort, PpeTimers } from './mediatek-ppe.ts';
import { Mlx5Backend } from './mlx5.ts';
import { createNoBindingBackend } from './no-binding.ts';
import { createNoneBackend } from './none.ts';
import type { SocProfile } from './soc-profile.ts';
import { SOC_PROFILES } from './socs.ts';
import type { HardwareBackend } from './types.ts';

/** The profile named `name` (case-insensitive), or undefined. */
export function getSocProfile(name: string): SocProfile | undefined {
  const n = name.toLowerCase();
  return SOC_PROFILES.find((p) => p.name === n);
}

export function listSocProfiles(): readonly SocProfile[] {
  return SOC_PROFILES;
}

/** Overrides for createBackend (tests, scenarios). */
export interface BackendOptions {
  readonly timers?: Partial<PpeTimers>;
  readonly initialFlows?: number;
  /** mlx5: eswitch mode. */
  readonly switchdev?: boolean;
  readonly tableSize?: number;
  readonly insertRate?: number;
}

/** Instantiates the profile's flow engine. */
export function createBackend(profile: SocProfile, options: BackendOptions = {}): HardwareBackend {
  const ports: EnginePort[] = profile.ports.map((p) => ({ name: p.name, gmac: p.gmac, kind: p.kind }));
  const b = profile.backend;
  switch (b.kind) {
    case 'mediatek-ppe': {
      const geometry = MTK_SOC_DATA[b.variant];
      if (!geometry) throw new Error(`${profile.name}: unknown MediaTek PPE variant '${b.variant}'`);
      return new MediatekPpe(geometry, { ports, ...(options.timers ? { timers: options.timers } : {}), ...(options.initialFlows ? { initialFlows: options.initialFlows } : {}) });
    }
    case 'airoha':
      return new AirohaPpe({ ports, ...(options.timers ? { timers: options.timers } : {}), ...(options.initialFlows ? { initialFlows: options.initialFlows } : {}) });
    case 'mlx5':
      return new Mlx5Backend({
        switchdev: options.switchdev ?? b.switchdev,
        tableSize: options.tableSize ?? b.tableSize,
        insertRate: options.insertRate ?? b.insertRate,
        ...(options.initialFlows ? { initialFlows: options.initialFlows } : {}),
      });
    case 'no-binding':
      return createNoBindingBackend(b.driver);
    case 'none':
      return createNoneBackend(profile.name, b.why);
  }
}

export type PathMode = 'classic' | 'software' | 'hardware';

/**
 * Modelled CPU cycles per packet on a path (hardware: 0 — the CPU never sees the packet), with the
 * profile's calibration ruleset unless `hooks`/`rules` are given.
 */
export function pathCycles(profile: SocProfile, mode: PathMode, hooks = profile.calibration.hooks, rules = profile.calibration.rulesPerPacket): number {
  const c = profile.cycles;
  if (mode === 'hardware') return 0;
  if (mode === 'software') return c.driverRx + c.softwareFastPath + c.qdisc + c.driverTx;
  return c.driverRx + c.routing + c.conntrack + c.nat + hooks * c.netfilterHookBase + rules * c.netfilterPerRule + c.qdisc + c.driverTx;
}

/**
 * load = pps × cycles / (coresUsed × clock) + background / (cores × clock), as a fraction of the
 * `coresUsed` CPUs' capacity (0.786 = 78.6 %). Background — the base load plus per-offloaded-flow
 * housekeeping — runs spread over all the SoC's CPUs.
 */
export function cpuLoad(profile: SocProfile, mode: PathMode, pps: number, coresUsed = 1, offloadedFlows = 0): number {
  const c = profile.cycles;
  const background = c.hwBaseCyclesPerSec + (mode === 'hardware' ? offloadedFlows * c.hwHousekeepingPerFlowPerSec : 0);
  const hz = profile.cpu.clockMhz * 1e6;
  return (pps * pathCycles(profile, mode)) / (coresUsed * hz) + background / (profile.cpu.cores * hz);
}

/** Packets/s of an iperf3 TCP transfer at `mbit` goodput, MTU 1500: data + one ACK per two segments. */
export function tcpPps(mbit: number): number {
  return ((mbit * 1e6) / (1448 * 8)) * 1.5;
}
