/**
 * `--pcap-out DIR`: what each interface transmitted, as DIR/<iface>.pcap (classic pcap, ns) for
 * every physical port, and DIR/all.pcapng with one interface block per port; and what the hosts
 * offered, as DIR/offered.pcapng: every frame as it reached a router port, with one interface
 * block per port frames entered (added as the first frame enters it). Timestamps are the
 * scenario's virtual time (0 = 1970-01-01T00:00:00Z), so offered.pcapng replays at the same
 * virtual times (`traffic: { pcap: DIR/offered.pcapng, ingress: … }`, see PcapSource).
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
  /** A frame reaching router port `port` (SimOptions.onOffer). */
  onOffer(slot: number, port: number, timeNs: number): void;
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
  let offered: PcapngWriter | null = null;
  /** offered.pcapng interface id per router port, -1 until a frame enters it. */
  let offeredIndex: Int32Array = new Int32Array(0);
  let names: string[] = [];
  let pool: Built['pool'] | null = null;
  return {
    attach(built) {
      pool = built.pool;
      const topo = built.net.topo;
      perPort = [];
      names = [];
      ngIndex = new Int32Array(topo.count + 2).fill(-1);
      offeredIndex = new Int32Array(topo.count + 2).fill(-1);
      ng = PcapngWriter.open(join(dir, 'all.pcapng'));
      offered = PcapngWriter.open(join(dir, 'offered.pcapng'));
      for (let i = 0; i <= topo.count + 1; i++) {
        names.push(i > 0 && i <= topo.count ? topo.name(i) : `port${i}`);
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
    onOffer(slot, port, timeNs) {
      if (pool === null || offered === null || port < 0 || port >= offeredIndex.length) return;
      if (offeredIndex[port]! < 0) offeredIndex[port] = offered.addInterface(names[port]!);
      offered.write(pool.bytes, pool.frameStart(slot), pool.len[slot]!, timeNs, offeredIndex[port]!);
    },
    close() {
      for (const w of perPort) w?.close();
      ng?.close();
      offered?.close();
    },
  };
}
