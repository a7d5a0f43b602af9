import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowTable } from '../../src/flowtable/table.ts';
import { FLOW_KEY_WORDS, K_IIF, newFlowRouteDir, type FlowRouteDir } from '../../src/flowtable/types.ts';
import { TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../../src/wire/tuple.ts';

function tuplesFor(id: number): Uint32Array {
  const t = new Uint32Array(TUPLE_WORDS * 2);
  tupleSetV4(t, 0, 0x0a000000 + id, 0x08080808, 6, 1024 + (id & 0xffff), 443);
  tupleInvert(t, TUPLE_WORDS, t, 0);
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
          const table = new FlowTable(24, seed);
          const model = new Map<number, number>(); // id -> flow
          for (const [op, id] of ops) {
            const t = tuplesFor(id);
            if (op === 'add') {
              const flow = table.add(t, routes(1, 2), id, 0, 0, 0);
              if (model.has(id) || model.size >= 24) expect(flow).toBe(-1);
              else {
                expect(flow).toBeGreaterThanOrEqual(0);
                model.set(id, flow);
              }
            } else if (op === 'remove') {
              const flow = model.get(id);
              if (flow !== undefined) {
                table.remove(flow);
                model.delete(id);
              }
            }
            // Every live flow is found in both directions, on its own input device only.
            for (const [mid, flow] of model) {
              const mt = tuplesFor(mid);
              expect(table.lookup(probe(mt, 0, 1), 0)).toBe(flow * 2);
              expect(table.lookup(probe(mt, 1, 2), 0)).toBe(flow * 2 + 1);
              expect(table.lookup(probe(mt, 0, 2), 0)).toBe(-1);
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
});
