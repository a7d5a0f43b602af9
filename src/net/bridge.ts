/**
 * Bridge forwarding database (net/bridge/br_fdb.c): MAC → port, per bridge, learned from the source
 * address of frames received on a port (br_fdb_update) and aged out after the bridge's ageing time
 * (300 s by default) of virtual time without traffic from that address.
 *
 * Modelled: VLAN-unaware bridges (vlan_filtering 0, every entry has vid 0), local entries for the
 * bridge's and its ports' own MACs (f->dst == NULL: frames to them go up the stack), static entries
 * (`bridge fdb add … master static`) that never age, port moves on learning.
 * Simplified: expiry is exact (an entry is gone the instant updated + ageing < now); the kernel
 * removes it in the periodic br_fdb_cleanup work, so it may linger up to one cleanup interval.
 *
 * Storage: open addressing with linear probing over typed arrays, deletion by backward shift, so
 * learning and lookups never allocate. The capacity is fixed at construction (learning into a full
 * table is refused and counted, like br->fdb_max_learned).
 */

const F_STATIC = 1;
const F_LOCAL = 2;

/** `find` result for a local entry (the bridge itself or one of its ports' MACs). */
export const FDB_LOCAL = 0;
/** `find` result when the address is unknown (or its entry expired). */
export const FDB_MISS = -1;

export class BridgeFdb {
  readonly capacity: number;
  private readonly mask: number;
  private readonly keyBr: Int32Array; // 0 = empty slot
  private readonly keyHi: Uint32Array;
  private readonly keyLo: Uint32Array;
  private readonly port: Int32Array;
  private readonly updated: Float64Array;
  private readonly fl: Uint8Array;
  /** Ageing time per bridge ifindex, ns. */
  private readonly ageing: Float64Array;
  private used = 0;
  /** Learning attempts refused because the table was full. */
  learnRefused = 0;

  /** `ageingByBridge[ifindex]` is the bridge's ageing time in ns (Topology.ageingNs). */
  constructor(ageingByBridge: Float64Array, capacity = 4096) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.capacity = capacity;
    this.mask = cap - 1;
    this.keyBr = new Int32Array(cap);
    this.keyHi = new Uint32Array(cap);
    this.keyLo = new Uint32Array(cap);
    this.port = new Int32Array(cap);
    this.updated = new Float64Array(cap);
    this.fl = new Uint8Array(cap);
    this.ageing = ageingByBridge;
  }

  get size(): number {
    return this.used;
  }

  private hash(br: number, hi: number, lo: number): number {
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(br, 0x85ebca6b), 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x27d4eb2f);
    return (h ^ (h >>> 13)) & this.mask;
  }

  private slotOf(br: number, hi: number, lo: number): number {
    let i = this.hash(br, hi, lo);
    for (;;) {
      const b = this.keyBr[i]!;
      if (b === 0) return -1;
      if (b === br && this.keyHi[i] === hi && this.keyLo[i] === lo) return i;
      i = (i + 1) & this.mask;
    }
  }

  private expired(i: number, now: number): boolean {
    return (this.fl[i]! & (F_STATIC | F_LOCAL)) === 0 && this.updated[i]! + this.ageing[this.keyBr[i]!]! < now;
  }

  /**
   * The port a destination MAC lives behind, as br_fdb_find_rcu() followed by the has_expired() test:
   * a port ifindex (> 0), FDB_LOCAL for the bridge's own addresses, FDB_MISS when unknown or aged out.
   */
  find(br: number, hi: number, lo: number, now: number): number {
    const i = this.slotOf(br, hi, lo);
    if (i < 0 || this.expired(i, now)) return FDB_MISS;
    return (this.fl[i]! & F_LOCAL) !== 0 ? FDB_LOCAL : this.port[i]!;
  }

  /**
   * Learns that `hi:lo` was seen as a source on `port`, as br_fdb_update(): refreshes the entry,
   * moves it to the new port, or inserts it. Local entries are never overwritten (the kernel warns
   * "received packet … with own address as source address").
   */
  learn(br: number, port: number, hi: number, lo: number, now: number): void {
    const i = this.slotOf(br, hi, lo);
    if (i >= 0) {
      if ((this.fl[i]! & F_LOCAL) !== 0) return;
      this.updated[i] = now;
      this.port[i] = port;
      return;
    }
    this.insert(br, hi, lo, port, 0, now);
  }

  /** A static entry (never ages), as `bridge fdb add MAC dev PORT master static`. Load time. */
  addStatic(br: number, hi: number, lo: number, port: number): void {
    const i = this.slotOf(br, hi, lo);
    if (i >= 0) { this.port[i] = port; this.fl[i] = F_STATIC; return; }
    this.insert(br, hi, lo, port, F_STATIC, 0);
  }

  /** A local entry: the bridge's or a port's own MAC (fdb_add_local). */
  addLocal(br: number, hi: number, lo: number): void {
    const i = this.slotOf(br, hi, lo);
    if (i >= 0) { this.port[i] = 0; this.fl[i] = F_LOCAL; return; }
    this.insert(br, hi, lo, 0, F_LOCAL, 0);
  }

  private insert(br: number, hi: number, lo: number, port: number, flags: number, now: number): void {
    if (this.used >= this.capacity) { this.learnRefused++; return; }
    let i = this.hash(br, hi, lo);
    while (this.keyBr[i] !== 0) i = (i + 1) & this.mask;
    this.keyBr[i] = br;
    this.keyHi[i] = hi;
    this.keyLo[i] = lo;
    this.port[i] = port;
    this.fl[i] = flags;
    this.updated[i] = now;
    this.used++;
  }

  /** Removes aged-out dynamic entries, as the br_fdb_cleanup() work does. Returns how many. */
  gc(now: number): number {
    let removed = 0;
    for (let i = 0; i <= this.mask; ) {
      if (this.keyBr[i] !== 0 && this.expired(i, now)) {
        this.removeAt(i);
        removed++;
        continue; // the backward shift may have moved another live entry into slot i
      }
      i++;
    }
    return removed;
  }

  /** Removes every dynamic entry pointing at `port` (br_fdb_delete_by_port on port down/removal). */
  flushPort(port: number): void {
    for (let i = 0; i <= this.mask; ) {
      if (this.keyBr[i] !== 0 && this.port[i] === port && (this.fl[i]! & (F_STATIC | F_LOCAL)) === 0) {
        this.removeAt(i);
        continue;
      }
      i++;
    }
  }

  /** Backward-shift deletion for linear probing (Knuth 6.4 algorithm R): no tombstones. */
  private removeAt(slot: number): void {
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.keyBr[j] === 0) break;
      const home = this.hash(this.keyBr[j]!, this.keyHi[j]!, this.keyLo[j]!);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      this.keyBr[hole] = this.keyBr[j]!;
      this.keyHi[hole] = this.keyHi[j]!;
      this.keyLo[hole] = this.keyLo[j]!;
      this.port[hole] = this.port[j]!;
      this.updated[hole] = this.updated[j]!;
      this.fl[hole] = this.fl[j]!;
      hole = j;
    }
    this.keyBr[hole] = 0;
    this.used--;
  }
}
