import { PacketPool } from '../../src/buffers/pool.ts';
import type { Qdisc } from '../../src/qdisc/types.ts';

/** A pool whose slots carry only a length (qdiscs read nothing else unless they ECN-mark). */
export function makePool(capacity = 65536): PacketPool {
  return new PacketPool({ capacity, slotSize: 2048 });
}

/** Allocates a packet of `len` frame bytes, stamping its arrival time and traffic flow id. */
export function packet(pool: PacketPool, len: number, now = 0, flow = -1): number {
  const slot = pool.alloc();
  if (slot < 0) throw new Error('test pool exhausted');
  pool.len[slot] = len;
  pool.ts[slot] = now;
  pool.flow[slot] = flow;
  return slot;
}

/** Frees every victim on the qdisc's drop list and returns how many there were. */
export function drainDrops(pool: PacketPool, q: Qdisc, onDrop?: (slot: number, reason: number) => void): number {
  const d = q.drops;
  const n = d.count;
  for (let i = 0; i < n; i++) {
    onDrop?.(d.slots[i]!, d.reasons[i]!);
    pool.free(d.slots[i]!);
  }
  d.clear();
  return n;
}

/** A well-mixed 32-bit hash for a small flow id (the caller's skb_get_hash()). */
export function flowHash(id: number): number {
  let h = (id + 1) * 0x9e3779b1;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
