import type { PacketPool } from '../../src/buffers/pool.ts';
import type { Link } from '../../src/qdisc/link.ts';
import { flowHash, packet } from './helpers.ts';

/** A constant-rate packet source (an unresponsive UDP-like flow) for driving a Link. */
export interface Source {
  flow: number;
  len: number;
  intervalNs: number;
  /** First arrival, ns (default 0). */
  start?: number;
  /** No arrivals at or after this time (default never). */
  stop?: number;
}

export interface FlowResult {
  sentPackets: number;
  sentBytes: number;
  droppedPackets: number;
  /** Arrival→end-of-transmission delays of delivered packets, ns, in delivery order. */
  delays: number[];
  /** Delivery times, ns. */
  times: number[];
}

/**
 * A greedy window-based Reno-like sender: cwnd packets in flight, ACKs (and loss signals) come back
 * `rttNs` after the packet left the wire (or was dropped); halves cwnd at most once per RTT on
 * loss, +1/cwnd per ACK in congestion avoidance, +1 per ACK in slow start.
 */
export interface RenoFlow {
  flow: number;
  len: number;
  rttNs: number;
  start?: number;
}

/**
 * Tiny discrete-event loop: constant-rate sources and Reno-like flows feed `link`; every delivered
 * or dropped packet is accounted per flow and its slot freed. Stops at `untilNs`.
 */
export function runLink(pool: PacketPool, link: Link, sources: Source[], untilNs: number, flows = 64, renos: RenoFlow[] = []): FlowResult[] {
  const res: FlowResult[] = [];
  for (let i = 0; i < flows; i++) res.push({ sentPackets: 0, sentBytes: 0, droppedPackets: 0, delays: [], times: [] });
  const next = sources.map((s) => s.start ?? 0);
  // Reno state per flow id
  const reno = new Map<number, { f: RenoFlow; cwnd: number; ssthresh: number; inflight: number; lastCut: number }>();
  for (const f of renos) reno.set(f.flow, { f, cwnd: 2, ssthresh: Infinity, inflight: 0, lastCut: -Infinity });
  // feedback events in time order (constant delay keeps them sorted): [time, flow, lost]
  const fbTime: number[] = [];
  const fbFlow: number[] = [];
  const fbLost: boolean[] = [];
  let fbHead = 0;
  const feedback = (flow: number, t: number, lost: boolean): void => {
    const st = reno.get(flow);
    if (!st) return;
    fbTime.push(t + st.f.rttNs);
    fbFlow.push(flow);
    fbLost.push(lost);
  };
  const drain = (): void => {
    const tx = link.txDone;
    for (let i = 0; i < tx.count; i++) {
      const s = tx.slots[i]!;
      feedback(pool.flow[s]!, tx.times[i]!, false);
      const r = res[pool.flow[s]!]!;
      r.sentPackets++;
      r.sentBytes += pool.len[s]!;
      r.delays.push(tx.times[i]! - pool.ts[s]!);
      r.times.push(tx.times[i]!);
      pool.free(s);
    }
    tx.clear();
    const d = link.qdisc.drops;
    for (let i = 0; i < d.count; i++) {
      const s = d.slots[i]!;
      res[pool.flow[s]!]!.droppedPackets++;
      feedback(pool.flow[s]!, now, true);
      pool.free(s);
    }
    d.clear();
  };
  let now = 0;
  const send = (st: { f: RenoFlow; inflight: number }, t: number): void => {
    const slot = packet(pool, st.f.len, t, st.f.flow);
    st.inflight++;
    const r = link.enqueue(slot, flowHash(st.f.flow), t);
    if (r !== 0) {
      res[st.f.flow]!.droppedPackets++;
      feedback(st.f.flow, t, true);
      pool.free(slot);
    }
    drain();
  };
  const pump = (t: number): void => {
    for (const st of reno.values()) {
      if (t < (st.f.start ?? 0)) continue;
      while (st.inflight < Math.floor(st.cwnd)) send(st, t);
    }
  };
  for (;;) {
    let t = link.nextEventTime();
    if (fbHead < fbTime.length && fbTime[fbHead]! < t) t = fbTime[fbHead]!;
    for (const st of reno.values()) if ((st.f.start ?? 0) > now && (st.f.start ?? 0) < t) t = st.f.start ?? 0;
    for (let i = 0; i < sources.length; i++) {
      const stop = sources[i]!.stop ?? Infinity;
      if (next[i]! < stop && next[i]! < t) t = next[i]!;
    }
    if (t > untilNs) break;
    now = t;
    link.advance(t);
    drain();
    while (fbHead < fbTime.length && fbTime[fbHead]! <= t) {
      const st = reno.get(fbFlow[fbHead]!)!;
      st.inflight--;
      if (fbLost[fbHead]) {
        if (t - st.lastCut > st.f.rttNs) {
          st.cwnd = Math.max(2, st.cwnd / 2);
          st.ssthresh = st.cwnd;
          st.lastCut = t;
        }
      } else if (st.cwnd < st.ssthresh) st.cwnd += 1;
      else st.cwnd += 1 / st.cwnd;
      fbHead++;
    }
    pump(t);
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i]!;
      if (next[i] === t && t < (src.stop ?? Infinity)) {
        const slot = packet(pool, src.len, t, src.flow);
        const r = link.enqueue(slot, flowHash(src.flow), t);
        if (r !== 0) {
          res[src.flow]!.droppedPackets++;
          pool.free(slot);
        }
        drain();
        next[i] = t + src.intervalNs;
      }
    }
  }
  link.advance(untilNs);
  drain();
  return res;
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}
