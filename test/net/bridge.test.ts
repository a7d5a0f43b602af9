import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BridgeFdb, FDB_LOCAL, FDB_MISS } from '../../src/net/bridge.ts';
import { rxDemux, RxScratch, RX_FLOOD, RX_FORWARD, RX_LOCAL } from '../../src/net/rx.ts';
import { parseMac } from '../../src/net/mac.ts';
import { HOST_A, HOST_B, mtkRouter } from './fixtures.ts';

const S = 1e9;
const mac = (s: string): { hi: number; lo: number } => parseMac(s)!;

describe('bridge FDB (net/bridge/br_fdb.c)', () => {
  it('learns the source MAC of a frame on its ingress port and forwards later frames to it (br_fdb_update, br_fdb_find_rcu)', () => {
    const net = mtkRouter();
    const { topo } = net;
    const br = topo.byName('br-lan'), lan1 = topo.byName('lan1'), lan2 = topo.byName('lan2');
    const a = mac(HOST_A), b = mac(HOST_B);
    const f = new RxScratch();
    // A → B while B is unknown: flooded (br_flood for unknown unicast), A learned on lan1.
    rxDemux(net, lan1, f.setFrame(b.hi, b.lo, a.hi, a.lo, 64), 0);
    expect(f.verdict).toBe(RX_FLOOD);
    expect(f.bridge).toBe(br);
    expect(f.inPort).toBe(lan1);
    expect(net.fdb.find(br, a.hi, a.lo, 0)).toBe(lan1);
    // B → A: A is known, forwarded to lan1 only; B learned on lan2.
    rxDemux(net, lan2, f.setFrame(a.hi, a.lo, b.hi, b.lo, 64), 1 * S);
    expect(f.verdict).toBe(RX_FORWARD);
    expect(f.outPort).toBe(lan1);
    expect(net.fdb.find(br, b.hi, b.lo, 1 * S)).toBe(lan2);
  });

  it('an entry ages out 300 s (BR_DEFAULT_AGEING_TIME) after the address was last seen, then frames flood again', () => {
    const net = mtkRouter();
    const { topo } = net;
    const br = topo.byName('br-lan'), lan1 = topo.byName('lan1'), lan2 = topo.byName('lan2');
    const a = mac(HOST_A), b = mac(HOST_B);
    const f = new RxScratch();
    rxDemux(net, lan1, f.setFrame(b.hi, b.lo, a.hi, a.lo, 64), 10 * S);
    expect(net.fdb.find(br, a.hi, a.lo, 310 * S)).toBe(lan1); // updated + ageing is not yet < now
    expect(net.fdb.find(br, a.hi, a.lo, 310 * S + 1)).toBe(FDB_MISS);
    rxDemux(net, lan2, f.setFrame(a.hi, a.lo, b.hi, b.lo, 64), 311 * S);
    expect(f.verdict).toBe(RX_FLOOD);
    expect(net.fdb.gc(311 * S)).toBe(1); // br_fdb_cleanup removes A; B (just learned) stays
    expect(net.fdb.find(br, b.hi, b.lo, 311 * S)).toBe(lan2);
  });

  it('a host that moves to another port is re-learned there', () => {
    const net = mtkRouter();
    const { topo } = net;
    const br = topo.byName('br-lan');
    const a = mac(HOST_A), b = mac(HOST_B);
    const f = new RxScratch();
    rxDemux(net, topo.byName('lan1'), f.setFrame(b.hi, b.lo, a.hi, a.lo, 64), 0);
    rxDemux(net, topo.byName('lan3'), f.setFrame(b.hi, b.lo, a.hi, a.lo, 64), S);
    expect(net.fdb.find(br, a.hi, a.lo, S)).toBe(topo.byName('lan3'));
  });

  it("frames to the bridge's own MAC go up to br-lan (local fdb entry); broadcast goes up and floods", () => {
    const net = mtkRouter();
    const { topo } = net;
    const br = topo.byName('br-lan');
    expect(net.fdb.find(br, topo.macHi[br]!, topo.macLo[br]!, 0)).toBe(FDB_LOCAL);
    const a = mac(HOST_A);
    const f = new RxScratch();
    expect(rxDemux(net, topo.byName('lan1'), f.setFrame(topo.macHi[br]!, topo.macLo[br]!, a.hi, a.lo, 64), 0)).toBe(br);
    expect(f.verdict).toBe(RX_LOCAL);
    expect(f.alsoFlood).toBe(false);
    expect(rxDemux(net, topo.byName('lan1'), f.setFrame(0xffff, 0xffffffff, a.hi, a.lo, 64), 0)).toBe(br);
    expect(f.alsoFlood).toBe(true);
  });

  it('table invariant: after any sequence of learn/gc, find agrees with a model map (backward-shift deletion)', () => {
    const op = fc.record({ kind: fc.constantFrom('learn', 'gc'), mac: fc.integer({ min: 1, max: 40 }), port: fc.integer({ min: 2, max: 4 }), dt: fc.integer({ min: 0, max: 200 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const ageing = new Float64Array(8); ageing[1] = 300 * S;
      const fdb = new BridgeFdb(ageing, 64);
      const model = new Map<number, { port: number; t: number }>();
      let now = 0;
      for (const o of ops) {
        now += o.dt * S;
        // Mix the MACs across hash buckets: the low word carries the id, the high word a constant.
        if (o.kind === 'learn') { fdb.learn(1, o.port, 0x0200, o.mac * 0x01000193, now); model.set(o.mac, { port: o.port, t: now }); }
        else { fdb.gc(now); for (const [k, v] of model) if (v.t + 300 * S < now) model.delete(k); }
        for (let m = 1; m <= 40; m++) {
          const e = model.get(m);
          const want = e && e.t + 300 * S >= now ? e.port : FDB_MISS;
          expect(fdb.find(1, 0x0200, (m * 0x01000193) >>> 0, now)).toBe(want);
        }
      }
    }), { numRuns: 60 });
  });
});
