/**
 * Link-layer size accounting for shapers: what a packet costs on the bottleneck link rather than
 * its frame length. Models tc's size table (`tc qdisc add … stab overhead N mpu M linklayer
 * ethernet|atm`: __qdisc_calculate_pkt_len() over the table tc_calc_size_table() builds, with
 * tc_adjust_size() and tc_align_to_atm()) and cake's cake_calc_overhead() (which also knows PTM).
 *
 * `len` is the frame length as the qdisc sees skb->len: on an Ethernet device the 14-byte MAC
 * header is included, the FCS is not.
 */
export type LinkLayer = 'ethernet' | 'atm' | 'ptm';

export interface OverheadOptions {
  /** Bytes added per packet (sqm's `overhead`, e.g. 44 for PPPoE on VDSL2; may be negative). */
  overhead?: number;
  /** Minimum accounted size after the overhead (sqm's `mpu`, e.g. 84 for Ethernet). */
  mpu?: number;
  /** 'atm': pad to 48-byte cells and charge 53 bytes per cell (ADSL); 'ptm': one byte per 64 (VDSL2). */
  linklayer?: LinkLayer;
}

/** Accounted size of a packet: max(len + overhead, mpu), then ATM cells or PTM 64/65 framing. */
export function adjustedLength(len: number, overhead: number, mpu: number, linklayer: LinkLayer): number {
  let l = len + overhead;
  if (l < mpu) l = mpu;
  if (l < 1) l = 1;
  if (linklayer === 'atm') return Math.ceil(l / 48) * 53; // tc_align_to_atm()
  if (linklayer === 'ptm') return l + Math.ceil(l / 64); // cake_calc_overhead(), CAKE_ATM_PTM
  return l;
}

/** A fixed overhead setting, precomputed so the per-packet path is one call with no lookups. */
export class SizeTable {
  readonly overhead: number;
  readonly mpu: number;
  readonly linklayer: LinkLayer;

  constructor(opts: OverheadOptions = {}) {
    this.overhead = opts.overhead ?? 0;
    this.mpu = opts.mpu ?? 0;
    this.linklayer = opts.linklayer ?? 'ethernet';
    if (!Number.isInteger(this.overhead) || this.overhead < -64 || this.overhead > 256) throw new RangeError(`overhead must be an integer in -64..256, got ${this.overhead}`);
    if (!Number.isInteger(this.mpu) || this.mpu < 0) throw new RangeError(`mpu must be a non-negative integer, got ${this.mpu}`);
  }

  size(len: number): number {
    return adjustedLength(len, this.overhead, this.mpu, this.linklayer);
  }
}
