import { defineSuite } from './case.ts';
import { PacketPool } from '../src/buffers/pool.ts';
import { Ring } from '../src/buffers/ring.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';

export default defineSuite('buffers', [
  {
    name: 'pool alloc+free, burst of 64',
    mode: null,
    flows: null,
    packetsPerCall: BURST_SIZE,
    setup: () => {
      const pool = new PacketPool({ capacity: 4096 });
      const held = new Int32Array(BURST_SIZE);
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) held[i] = pool.alloc();
        for (let i = 0; i < BURST_SIZE; i++) pool.free(held[i]!);
      };
    },
  },
  {
    name: 'ring enqueue+dequeue, burst of 64',
    mode: null,
    flows: null,
    packetsPerCall: BURST_SIZE,
    setup: () => {
      const ring = new Ring(1024);
      const src = new Int32Array(BURST_SIZE).map((_, i) => i);
      const dst = new Int32Array(BURST_SIZE);
      return () => {
        ring.enqueueBurst(src, 0, BURST_SIZE);
        ring.dequeueBurst(dst, 0, BURST_SIZE);
      };
    },
  },
]);
