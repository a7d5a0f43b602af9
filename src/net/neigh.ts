/**
 * Neighbour table (ARP for IPv4, ND for IPv6): (device, address) → MAC, from static entries the
 * scenario declares for its hosts (`ip neigh add … nud permanent`).
 *
 * The model sends no ARP requests or neighbour solicitations and never learns entries from traffic:
 * a lookup miss means the packet is dropped with DropReason.NEIGH_FAILED (where Linux would queue it
 * and resolve). Every entry is NUD_PERMANENT, so NUD_VALID for nft_dev_fill_forward_path().
 *
 * Open addressing with linear probing over typed arrays keyed by (ifindex, family, 4 address words).
 */
import { FAMILY_IPV4, FAMILY_IPV6 } from '../wire/tuple.ts';

export class NeighTable {
  private cap = 64;
  private mask = 63;
  private used = 0;
  private kDev = new Int32Array(64); // 0 = empty
  private kFam = new Uint8Array(64);
  private kAddr = new Uint32Array(64 * 4);
  private vHi = new Uint32Array(64);
  private vLo = new Uint32Array(64);

  get size(): number {
    return this.used;
  }

  private hash(dev: number, fam: number, a0: number, a1: number, a2: number, a3: number): number {
    let h = Math.imul(dev ^ (fam << 24), 0x9e3779b1);
    h = Math.imul(h ^ a0, 0x85ebca6b); h ^= h >>> 13;
    h = Math.imul(h ^ a1, 0xc2b2ae35); h ^= h >>> 16;
    h = Math.imul(h ^ a2, 0x85ebca6b); h ^= h >>> 13;
    h = Math.imul(h ^ a3, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private find(dev: number, fam: number, a0: number, a1: number, a2: number, a3: number): number {
    let i = this.hash(dev, fam, a0, a1, a2, a3);
    for (;;) {
      const d = this.kDev[i]!;
      if (d === 0) return -1;
      const o = i * 4;
      if (d === dev && this.kFam[i] === fam && this.kAddr[o] === a0 && this.kAddr[o + 1] === a1 &&
          this.kAddr[o + 2] === a2 && this.kAddr[o + 3] === a3) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Entry handle for an IPv4 neighbour on `dev`, or -1 (neigh_lookup(&arp_tbl, …)). */
  lookupV4(dev: number, addr: number): number {
    return this.find(dev, FAMILY_IPV4, addr >>> 0, 0, 0, 0);
  }

  /** Entry handle for an IPv6 neighbour on `dev` (address words at w[off..off+4)), or -1. */
  lookupV6(dev: number, w: Uint32Array, off: number): number {
    return this.find(dev, FAMILY_IPV6, w[off]! >>> 0, w[off + 1]! >>> 0, w[off + 2]! >>> 0, w[off + 3]! >>> 0);
  }

  /** MAC of an entry: high 16 bits. */
  macHi(entry: number): number { return this.vHi[entry]!; }
  /** MAC of an entry: low 32 bits. */
  macLo(entry: number): number { return this.vLo[entry]!; }

  /** Adds or replaces a permanent entry (load time; may grow the table). */
  add(dev: number, family: number, addr: ArrayLike<number>, macHi: number, macLo: number): void {
    const a0 = addr[0]! >>> 0;
    const a1 = family === FAMILY_IPV6 ? addr[1]! >>> 0 : 0;
    const a2 = family === FAMILY_IPV6 ? addr[2]! >>> 0 : 0;
    const a3 = family === FAMILY_IPV6 ? addr[3]! >>> 0 : 0;
    const existing = this.find(dev, family, a0, a1, a2, a3);
    if (existing >= 0) { this.vHi[existing] = macHi; this.vLo[existing] = macLo >>> 0; return; }
    if ((this.used + 1) * 2 > this.cap) this.grow();
    this.place(dev, family, a0, a1, a2, a3, macHi, macLo >>> 0);
    this.used++;
  }

  private place(dev: number, fam: number, a0: number, a1: number, a2: number, a3: number, hi: number, lo: number): void {
    let i = this.hash(dev, fam, a0, a1, a2, a3);
    while (this.kDev[i] !== 0) i = (i + 1) & this.mask;
    this.kDev[i] = dev; this.kFam[i] = fam;
    this.kAddr[i * 4] = a0; this.kAddr[i * 4 + 1] = a1; this.kAddr[i * 4 + 2] = a2; this.kAddr[i * 4 + 3] = a3;
    this.vHi[i] = hi; this.vLo[i] = lo;
  }

  private grow(): void {
    const { kDev, kFam, kAddr, vHi, vLo, cap } = this;
    this.cap = cap * 2;
    this.mask = this.cap - 1;
    this.kDev = new Int32Array(this.cap);
    this.kFam = new Uint8Array(this.cap);
    this.kAddr = new Uint32Array(this.cap * 4);
    this.vHi = new Uint32Array(this.cap);
    this.vLo = new Uint32Array(this.cap);
    for (let i = 0; i < cap; i++) {
      if (kDev[i] === 0) continue;
      this.place(kDev[i]!, kFam[i]!, kAddr[i * 4]!, kAddr[i * 4 + 1]!, kAddr[i * 4 + 2]!, kAddr[i * 4 + 3]!, vHi[i]!, vLo[i]!);
    }
  }
}
