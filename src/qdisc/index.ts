/**
 * Egress queueing: the qdiscs a router port and SQM put between routing and the wire.
 *
 * Modelled (kernel function names in each module):
 *  - `Pfifo` — sch_fifo.c pfifo_enqueue(): packet limit (txqueuelen 1000), tail drop (QDISC_DROP).
 *  - `FqCodel` — sch_fq_codel.c: 1024 flow queues by reciprocal_scale(hash), DRR with quantum
 *    1514 over new/old flow lists (new flows first), CoDel per flow (codel_dequeue(), target 5 ms,
 *    interval 100 ms, the kernel's Newton-step reciprocal sqrt and control law in its fixed
 *    point), ECN marking (INET_ECN_set_ce()), limit 10240 / memory_limit 32 MiB with
 *    fq_codel_drop() evicting from the fattest flow in batches of up to 64 (QDISC_OVERLIMIT);
 *    CoDel drops are QDISC_CODEL.
 *  - `HtbShaper` — sch_htb.c with one class (sqm-scripts' simplest.qos): a token bucket kept in
 *    ns (htb_accnt_tokens(), htb_class_mode()), burst as tc or sqm computes it, overhead / mpu /
 *    ATM size table (stab), any leaf qdisc; `sqmSimplest()` builds HTB + fq_codel as sqm does.
 *  - `Cake` — sch_cake.c besteffort/flows: deficit-mode shaper (time_next_packet, no bucket),
 *    overhead/mpu/ATM/PTM compensation, DRR++ with sparse/bulk/decaying flow sets, COBALT
 *    (CoDel + BLUE) per flow, memory limit with cake_drop() from the longest queue.
 *  - `Link` — line-rate serialisation of a port ((len ≥ 60) + 4 FCS + 20 preamble/IFG at the line
 *    rate), a tx ring of configurable depth (default 1 frame, i.e. BQL at its tightest) pulling
 *    from the qdisc when it has room.
 *  - `DelayHistogram` — every qdisc records each dequeued packet's sojourn time in a fixed
 *    log-scale histogram (10 µs … 10 s, 40 buckets per decade) with p50/p99.
 *
 * Simplified, and where it matters:
 *  - Time is virtual float64 ns; CoDel's 1024-ns u32 clock and its wrap are not modelled.
 *  - skb->truesize (memory_limit, cake's memlimit) is modelled as max(2304, len + 512) bytes.
 *  - No tc filters / skb->priority classification, no GSO (a packet is one frame), no
 *    ce_threshold, no pfifo_fast/prio bands, no HTB class hierarchy or simple.qos' three tiers.
 *  - cake: one tin, per-flow (not set-associative, not host-fair) hashing, egress mode only, no
 *    ACK filter; see cake.ts.
 *  - A packet's `flowHash` is given by the caller (skb_get_hash()); qdiscs do not dissect.
 *
 * Drops: enqueue returns the reason for the arriving packet; every other victim goes on the
 * qdisc's `drops` list, which the caller drains (see types.ts).
 */
export type { Qdisc } from './types.ts';
export { QdiscStats, DropList, reciprocalScale } from './types.ts';
export { DelayHistogram } from './histogram.ts';
export type { DelayHistogramOptions } from './histogram.ts';
export { Pfifo } from './pfifo.ts';
export type { PfifoOptions } from './pfifo.ts';
export { FqCodel, defaultTruesize } from './fq_codel.ts';
export type { FqCodelOptions } from './fq_codel.ts';
export { HtbShaper, sqmSimplest, sqmHtbBurst, tcDefaultHtbBurst } from './shaper.ts';
export type { HtbShaperOptions, SqmSimplestOptions } from './shaper.ts';
export { Cake } from './cake.ts';
export type { CakeOptions } from './cake.ts';
export { SizeTable, adjustedLength } from './overhead.ts';
export type { LinkLayer, OverheadOptions } from './overhead.ts';
export { Link, TxDoneList, wireTimeNs, ETH_FCS, ETH_PREAMBLE_IFG, ETH_MIN_FRAME } from './link.ts';
export type { LinkOptions } from './link.ts';
export { inetEcnSetCe } from './ecn.ts';
export { codelNewtonStep, codelControlLaw, CodelVars } from './codel.ts';
export type { CodelParams } from './codel.ts';
