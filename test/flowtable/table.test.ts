import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowTable } from '../../src/flowtable/table.ts';
import { FLOW_KEY_WORDS, K_IIF, newFlowRouteDir, type FlowRouteDir } from '../../src/flowtable/types.ts';
import { TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../../src/wire/tuple.ts';

const STRIDE = 2 * TUPLE_WORDS;

/** Writes connection `id`'s two tuples where a conntrack table would keep entry `flow`'s. */
function storeTuples(store: Uint32Array, flow: number, id: number): void {
  tupleSetV4(store, flow * STRIDE, 0x0a000000 + id, 0x08080808, 6, 1024 + (id & 0xffff), 443);
  tupleInvert(store, flow * STRIDE + TUPLE_WORDS, store, flow * STRIDE);
}

function tuplesFor(id: number): Uint32Array {
  const t = new Uint32Array(STRIDE);
  storeTuples(t, 0, id);
  return t;
}

function routes(inA: number, inB: number): [FlowRouteDir, FlowRouteDir] {
  const a = newFlowRouteDir();
  const b = newFlowRouteDir();
  a.inIf = inA;
  b.inIf = inB;
  return [a, b];
}

function probe(t: Uint32Array, dir: number, iif: number): Uint32Array {
  const k = new Uint32Array(FLOW_KEY_WORDS);
  k.set(t.subarray(dir * TUPLE_WORDS, dir * TUPLE_WORDS + TUPLE_WORDS));
  k[K_IIF] = iif;
  return k;
}

describe('FlowTable (the rhashtable of struct flow_offload, both tuplehash entries)', () => {
  it('finds both directions of a flow, and nothing after removal (model-based)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'lookup'), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (ops, seed) => {
          const CAP = 24;
          const store = new Uint32Array(CAP * STRIDE);
          const table = new FlowTable(CAP, seed, store, STRIDE);
          const model = new Map<number, number>(); // connection id -> flow id (its "entry index")
          const freeIds: number[] = [];
          for (let i = CAP - 1; i >= 0; i--) freeIds.push(i);
          for (const [op, id] of ops) {
            const t = tuplesFor(id);
            if (op === 'add') {
              if (model.has(id)) {
                // The same tuples under another id: the keys exist, the add is refused.
                const other = freeIds.at(-1);
                if (other !== undefined) {
                  storeTuples(store, other, id);
                  expect(table.add(other, routes(1, 2), other, 0, 0, 0)).toBe(-1);
                }
                // The flow's own id is in use.
                expect(table.add(model.get(id)!, routes(1, 2), 0, 0, 0, 0)).toBe(-1);
              } else if (freeIds.length > 0) {
                const flow = freeIds.pop()!;
                storeTuples(store, flow, id);
                expect(table.add(flow, routes(1, 2), flow, 0, 0, 0)).toBe(flow);
                model.set(id, flow);
              }
            } else if (op === 'remove') {
              const flow = model.get(id);
              if (flow !== undefined) {
                table.remove(flow);
                model.delete(id);
                freeIds.push(flow);
              }
            }
            // Every live flow is found in both directions, on its own input device only.
            for (const [mid, flow] of model) {
              const mt = tuplesFor(mid);
              expect(table.lookup(probe(mt, 0, 1), 0)).toBe(flow * 2);
              expect(table.lookup(probe(mt, 1, 2), 0)).toBe(flow * 2 + 1);
              expect(table.lookup(probe(mt, 0, 2), 0)).toBe(-1);
              expect(table.ct(flow)).toBe(flow);
              expect(table.iif(flow * 2 + 1)).toBe(2);
            }
            if (!model.has(id)) {
              expect(table.lookup(probe(t, 0, 1), 0)).toBe(-1);
              expect(table.lookup(probe(t, 1, 2), 0)).toBe(-1);
            }
            expect(table.count).toBe(model.size);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps each direction\'s route: transmit type, MTU, devices, addresses and encapsulations', () => {
    const store = new Uint32Array(4 * STRIDE);
    const table = new FlowTable(4, 7, store, STRIDE);
    storeTuples(store, 3, 99);
    const [a, b] = routes(5, 6);
    a.xmit = 3; a.mtu = 1492; a.outIf = 6; a.outPort = 2; a.dstMacHi = 0xaabb; a.dstMacLo = 0xccddeeff; a.srcMacHi = 0x0200; a.srcMacLo = 0x00000001;
    a.inEncap0 = (0x8100 << 16) | 10; a.outEncap0 = (0x8864 << 16) | 0x1234;
    b.xmit = 1; b.mtu = 1500; b.outIf = 5; b.outPort = 1;
    b.inEncap0 = (0x8864 << 16) | 0x1234; b.outEncap0 = (0x8100 << 16) | 10;
    expect(table.add(3, [a, b], 77, 0, 0, 2)).toBe(3);
    expect([table.xmit(6), table.mtu(6), table.iif(6), table.outIf(6), table.outPort(6)]).toEqual([3, 1492, 5, 6, 2]);
    expect([table.dstMacHi(6), table.dstMacLo(6) >>> 0, table.srcMacHi(6), table.srcMacLo(6)]).toEqual([0xaabb, 0xccddeeff, 0x0200, 1]);
    expect([table.inEncap0(6) >>> 0, table.outEncap0(6) >>> 0]).toEqual([((0x8100 << 16) | 10) >>> 0, ((0x8864 << 16) | 0x1234) >>> 0]);
    expect([table.xmit(7), table.mtu(7), table.iif(7), table.outIf(7), table.outPort(7)]).toEqual([1, 1500, 6, 5, 1]);
    expect(table.flowtableIndex(3)).toBe(2);
    expect(table.l4proto(3)).toBe(6);
    // The key includes the input encapsulation: the VLAN-tagged packet finds the entry, an untagged one does not.
    const t = tuplesFor(99);
    expect(table.lookupTuple(t, 0, 5, (0x8100 << 16) | 10, 0)).toBe(6);
    expect(table.lookupTuple(t, 0, 5, 0, 0)).toBe(-1);
  });
});
