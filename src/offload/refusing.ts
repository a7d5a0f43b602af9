/**
 * A backend that takes no flows: every replace() is refused with one code and every packet goes to
 * the CPU. Used for SoCs/NICs with no flow engine (none.ts) and for drivers that offload tc flower
 * but have no nft flowtable binding (no-binding.ts).
 */
import type { PacketPool } from '../buffers/pool.ts';
import { BackendCounters, CpuReason } from './types.ts';
import type { BackendCaps, FlowPlacement, HardwareBackend, Occupancy, OffloadRequest } from './types.ts';

const NO_CAPS: BackendCaps = {
  families: [],
  ipv4Nat: false,
  ipv6Nat: false,
  maxVlans: 0,
  pppoe: false,
  qinq: false,
  perFlowCounters: false,
  hwShaping: false,
  wed: 0,
  tableSize: 0,
  bindRateThreshold: 0,
  takesFlowtable: false,
};

export class RefusingBackend implements HardwareBackend {
  readonly caps: BackendCaps = NO_CAPS;
  readonly counters = new BackendCounters();
  lastCpuReason: number = CpuReason.NO_ENGINE;

  constructor(
    readonly name: string,
    private readonly refusal: number,
    private readonly text: string,
  ) {}

  replace(_req: OffloadRequest, _now: number): number {
    this.counters.refusals[this.refusal]!++;
    return this.refusal;
  }

  destroy(_flowId: number): void {}

  stats(_flowId: number, out: Float64Array): boolean {
    out[0] = 0;
    out[1] = 0;
    out[2] = -1;
    return false;
  }

  rxLookup(_pool: PacketPool, _slot: number, _inPort: number, _now: number): number {
    this.counters.cpuReasons[CpuReason.NO_ENGINE]!++;
    return -1;
  }

  warmIndex(_pool: PacketPool, _slot: number, _inPort: number): number {
    return -1;
  }

  warmRecord(_handle: number): number {
    return -1;
  }

  tick(_now: number): void {}

  occupancy(): Occupancy {
    return { bound: 0, unbound: 0, filed: 0, capacity: 0 };
  }

  entries(_flowId: number): FlowPlacement[] {
    return [];
  }

  describe(): string {
    return this.text;
  }
}
