import type { PacketPool } from '../buffers/pool.ts';
import { FqCodel } from './fq_codel.ts';
import type { FqCodelOptions } from './fq_codel.ts';
import type { DelayHistogram } from './histogram.ts';
import { SizeTable } from './overhead.ts';
import type { OverheadOptions } from './overhead.ts';
import { QdiscStats } from './types.ts';
import type { DropList, Qdisc } from './types.ts';

export interface HtbShaperOptions extends OverheadOptions {
  /** Shaped rate in bit/s (HTB `rate` = `ceil`). */
  rate: number;
  /**
   * Bucket depth in bytes (HTB `burst` = `cburst`). Default: what tc picks when none is given,
   * rate/HZ + mtu with tc's 1600-byte mtu and HZ = 1e9 on hrtimer kernels, i.e. ≈ 1600 bytes.
   */
  burst?: number;
}

/** HTB's cap on accumulated debt and on one idle gap's credit (mbuffer = 60 s, htb_change_class()). */
const MBUFFER_NS = 60e9;

/** tc's default burst when none is given (htb_parse_class_opt(): rate / get_hz() + mtu). */
export function tcDefaultHtbBurst(rateBps: number): number {
  return Math.floor(rateBps / 8 / 1e9) + 1600;
}

/**
 * The burst sqm-scripts gives HTB (get_htb_burst() → get_burst(), SHAPER_BURST_DUR_US = 1000):
 * the bytes sent in `durationUs` at the rate, but at least one MTU expanded to ATM cells with a
 * 48-byte worst-case overhead (1749 bytes for MTU 1489–1536).
 */
export function sqmHtbBurst(rateBps: number, mtu = 1500, durationUs = 1000): number {
  const kbps = Math.floor(rateBps / 1000);
  const minBurst = Math.floor((mtu + 48 + 47) / 48) * 53;
  const burst = Math.floor((durationUs * kbps) / 8000);
  return burst < minBurst ? minBurst : burst;
}

/**
 * A one-class HTB in front of a leaf qdisc — what sqm-scripts' simplest.qos builds
 * (`htb default 10`, class rate = ceil = the configured bandwidth, fq_codel leaf; simple.qos adds
 * three priority tiers below the same root class, which is not modelled).
 *
 * Token bucket in time units as sch_htb.c keeps it: `tokens` is credit in ns, growing with
 * elapsed time up to `buffer` (= burst at the rate) and charged psched_l2t_ns(len) = len·8/rate
 * after each dequeue (htb_accnt_tokens(), debt floored at −mbuffer). The class may send while
 * tokens + elapsed ≥ 0 (htb_class_mode() with htb_hysteresis off, the default), so a packet can
 * overdraw the bucket and the next one waits until the debt is repaid: over time the rate is
 * exact and bursts are bounded by `burst` plus one packet. `len` is charged after the size table
 * (overhead/mpu/linklayer, the `stab` sqm attaches).
 *
 * HTB itself drops nothing: drops come from the leaf. `drops` and `sojourn` are the leaf's (a
 * packet's time in the leaf is its whole time in the shaper).
 */
export class HtbShaper implements Qdisc {
  readonly kind = 'htb';
  readonly child: Qdisc;
  readonly stats = new QdiscStats();
  readonly rate: number;
  readonly burst: number;
  readonly sizeTable: SizeTable;
  /** Bytes charged to the bucket (after the size table), for rate checks. */
  chargedBytes = 0;
  private readonly pool: PacketPool;
  private readonly nsPerByte: number;
  private readonly buffer: number;
  private tokens: number;
  private tc = 0;

  constructor(pool: PacketPool, child: Qdisc, opts: HtbShaperOptions) {
    if (!(opts.rate > 0) || !Number.isFinite(opts.rate)) throw new RangeError(`htb rate must be a positive number of bit/s, got ${opts.rate}`);
    this.pool = pool;
    this.child = child;
    this.rate = opts.rate;
    this.burst = opts.burst ?? tcDefaultHtbBurst(opts.rate);
    if (!(this.burst > 0)) throw new RangeError(`htb burst must be positive, got ${this.burst}`);
    this.sizeTable = new SizeTable(opts);
    this.nsPerByte = 8e9 / opts.rate;
    this.buffer = this.burst * this.nsPerByte;
    this.tokens = this.buffer;
  }

  get drops(): DropList {
    return this.child.drops;
  }

  get sojourn(): DelayHistogram {
    return this.child.sojourn;
  }

  get backlogPackets(): number {
    return this.child.backlogPackets;
  }

  get backlogBytes(): number {
    return this.child.backlogBytes;
  }

  /** Wire time the bucket charges for a frame of `len` bytes, ns (psched_l2t_ns()). */
  chargeNs(len: number): number {
    return this.sizeTable.size(len) * this.nsPerByte;
  }

  // models htb_enqueue(): classify to the one leaf class and hand the packet to its qdisc
  enqueue(slot: number, flowHash: number, now: number): number {
    const r = this.child.enqueue(slot, flowHash, now);
    if (r !== 0) {
      this.stats.countDrop(r);
      return r;
    }
    this.stats.enqueued++;
    this.stats.enqueuedBytes += this.pool.len[slot]!;
    return 0;
  }

  peekReadyTime(now: number): number {
    if (this.child.backlogPackets === 0) return Infinity;
    // tokens + (now − t_c) ≥ 0  ⇔  now ≥ t_c − tokens (the same expression dequeue tests)
    const releaseAt = this.tc - this.tokens;
    return releaseAt > now ? releaseAt : this.child.peekReadyTime(now);
  }

  // models htb_dequeue() → htb_dequeue_tree() → htb_charge_class() for one leaf class
  dequeue(now: number): number {
    if (this.child.backlogPackets === 0) return -1;
    if (now < this.tc - this.tokens) {
      // HTB_CANT_SEND: the watchdog fires when the debt is repaid
      return -1;
    }
    let diff = now - this.tc;
    if (diff > MBUFFER_NS) diff = MBUFFER_NS;
    const slot = this.child.dequeue(now);
    if (slot === -1) return -1;
    const len = this.pool.len[slot]!;
    const charged = this.sizeTable.size(len);
    this.chargedBytes += charged;
    // htb_accnt_tokens()
    let toks = this.tokens + diff;
    if (toks > this.buffer) toks = this.buffer;
    toks -= charged * this.nsPerByte;
    if (toks <= -MBUFFER_NS) toks = 1 - MBUFFER_NS;
    this.tokens = toks;
    this.tc = now;
    // htb_change_class_mode(): the class leaves HTB_CAN_SEND and is counted overlimit
    if (toks < 0) this.stats.overlimits++;
    this.stats.dequeued++;
    this.stats.dequeuedBytes += len;
    return slot;
  }
}

export interface SqmSimplestOptions extends OverheadOptions {
  /** Shaped rate in kbit/s, as sqm's UPLINK/DOWNLINK. */
  rateKbit: number;
  /** Interface MTU for the burst computation (default 1500). */
  mtu?: number;
  /** SHAPER_BURST_DUR_US (default 1000). */
  burstDurationUs?: number;
  /** fq_codel limit (sqm's LIMIT default 1001). */
  limit?: number;
  /** ECN on the leaf (sqm's EECN/IECN default "ECN"). */
  ecn?: boolean;
  /** Further fq_codel options. */
  fqCodel?: FqCodelOptions;
}

/**
 * sqm-scripts' simplest.qos with `qdisc fq_codel`: HTB at the rate with sqm's burst, fq_codel leaf
 * with sqm's limit and its slow-link target (adapt_target_to_slow_link(): target grows to one
 * worst-case ATM MTU time below ~2.3 Mbit/s, interval = 95 ms + target).
 */
export function sqmSimplest(pool: PacketPool, opts: SqmSimplestOptions): HtbShaper {
  const rate = opts.rateKbit * 1000;
  const targetUs = Math.max(5000, Math.floor((1000 * 1000 * 33 * 53 * 8) / 1000 / opts.rateKbit));
  const leaf = new FqCodel(pool, {
    limit: opts.limit ?? 1001,
    ecn: opts.ecn ?? true,
    target: targetUs * 1000,
    interval: (95_000 + targetUs) * 1000,
    ...opts.fqCodel,
  });
  return new HtbShaper(pool, leaf, {
    rate,
    burst: sqmHtbBurst(rate, opts.mtu ?? 1500, opts.burstDurationUs ?? 1000),
    overhead: opts.overhead ?? 0,
    mpu: opts.mpu ?? 0,
    linklayer: opts.linklayer ?? 'ethernet',
  });
}
