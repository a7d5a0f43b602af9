/**
 * `--pcap-out DIR`: what each interface transmitted, as DIR/<iface>.pcap (classic pcap, ns) for
 * every physical port, and DIR/all.pcapng with one interface block per port. Timestamps are the
 * scenario's virtual time (0 = 1970-01-01T00:00:00Z).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter, PcapngWriter } from '../pcap/index.ts';
import type { Built } from '../sim/build.ts';
import { UserError } from './errors.ts';

export interface Captures {
  /** Call once the router is built (creates the files). */
  attach(built: Built): void;
  onTransmit(slot: number, port: number, timeNs: number): void;
  close(built: Built): void;
}

export function openCaptures(dir: string): Captures {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`flowsim: --pcap-out ${dir}: ${(e as Error).message}`);
  }
  let perPort: (PcapWriter | null)[] = [];
  let ngIndex: Int32Array = new Int32Array(0);
  let ng: PcapngWriter | null = null;
  let pool: Built['pool'] | null = null;
  return {
    attach(built) {
      pool = built.pool;
      const topo = built.net.topo;
      perPort = [];
      ngIndex = new Int32Array(topo.count + 2).fill(-1);
      ng = PcapngWriter.open(join(dir, 'all.pcapng'));
      for (let i = 0; i <= topo.count + 1; i++) {
        if (i > 0 && i <= topo.count && built.isPort[i]) {
          perPort.push(PcapWriter.open(join(dir, `${topo.name(i)}.pcap`)));
          ngIndex[i] = ng.addInterface(topo.name(i));
        } else perPort.push(null);
      }
    },
    onTransmit(slot, port, timeNs) {
      if (pool === null) return;
      const w = perPort[port];
      const start = pool.frameStart(slot);
      const len = pool.len[slot]!;
      w?.write(pool.bytes, start, len, timeNs, port);
      if (ng !== null && ngIndex[port]! >= 0) ng.write(pool.bytes, start, len, timeNs, ngIndex[port]!);
    },
    close() {
      for (const w of perPort) w?.close();
      ng?.close();
    },
  };
}
