import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { IPPROTO_UDP, TUPLE_WORDS, tupleInvert, tupleSetV4 } from '../../src/wire/tuple.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import { Harness, SEC, ip4 } from './helpers.ts';

/**
 * Model-based tests: random sequences of create / lookup / confirm-or-drop / advance time /
 * delete / gc against a Map-based reference of which flows are alive and until when.
 */
type Op =
  | { kind: 'create'; key: number; confirm: boolean }
  | { kind: 'lookup'; key: number }
  | { kind: 'advance'; seconds: number }
  | { kind: 'delete'; key: number }
  | { kind: 'gc'; budget: number };

const KEYS = 24;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), key: fc.nat(KEYS - 1), confirm: fc.boolean() }),
  fc.record({ kind: fc.constant('lookup' as const), key: fc.nat(KEYS - 1) }),
  fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat(KEYS - 1) }),
  fc.record({ kind: fc.constant('gc' as const), budget: fc.integer({ min: 1, max: 64 }) }),
);

const orig = new Uint32Array(TUPLE_WORDS);
const reply = new Uint32Array(TUPLE_WORDS);
function keyTuples(key: number): void {
  tupleSetV4(orig, 0, ip4('10.0.0.1') + key, ip4('192.0.2.1'), IPPROTO_UDP, 1000 + key, 53);
  tupleInvert(reply, 0, orig, 0);
}
const pkt = (key: number) => ({ src: ip4('10.0.0.1') + key, dst: ip4('192.0.2.1'), proto: IPPROTO_UDP, sport: 1000 + key, dport: 53 });

describe('conntrack table against a reference model', () => {
  it('both directions resolve to the same live connection; nothing expired or deleted is ever returned', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 0, max: 0xffff }), (ops, seed) => {
        const h = new Harness({ max: 64, seed });
        const model = new Map<number, { handle: number; expires: number }>();
        for (const op of ops) {
          switch (op.kind) {
            case 'create': {
              const r = h.inOnly(pkt(op.key));
              const live = model.get(op.key);
              if (live && live.expires > h.now) {
                expect(r.ct).toBe(live.handle); // existing flow: found and refreshed (UDP unreplied 30 s)
                live.expires = h.now + 30 * SEC;
              } else {
                model.delete(op.key);
                if (op.confirm) {
                  expect(h.ct.confirm(r.ct, h.now)).toBe(0);
                  model.set(op.key, { handle: r.ct, expires: h.now + 30 * SEC });
                } else {
                  h.ct.discardUnconfirmed(r.ct);
                }
              }
              break;
            }
            case 'lookup': {
              keyTuples(op.key);
              const a = h.ct.lookup(orig, 0, h.now);
              const b = h.ct.lookup(reply, 0, h.now);
              const live = model.get(op.key);
              if (live && live.expires > h.now) {
                expect(a).toBe(live.handle);
                expect(b).toBe(live.handle | 1);
              } else {
                expect(a).toBe(-1);
                expect(b).toBe(-1);
              }
              break;
            }
            case 'advance':
              h.advance(op.seconds);
              break;
            case 'delete': {
              const live = model.get(op.key);
              if (live && live.expires > h.now) expect(h.ct.kill(live.handle)).toBe(true);
              model.delete(op.key);
              break;
            }
            case 'gc':
              h.ct.gcStep(h.now, op.budget);
              break;
          }
          expect(h.ct.entries).toBe(h.ct.stats.insert - h.ct.stats.deletes);
          expect(h.ct.count).toBe(h.ct.entries); // every create either confirmed or discarded
          expect(h.ct.count).toBeLessThanOrEqual(64);
          // No handle the model considers dead (deleted) is valid any more.
          for (const [k, v] of model) if (v.expires <= h.now) model.delete(k);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the table never exceeds nf_conntrack_max; a refused packet is a counted CT_TABLE_FULL', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.boolean(), fc.integer({ min: 0, max: 5 })), { maxLength: 300 }), (steps) => {
        const h = new Harness({ max: 16 });
        let full = 0;
        for (const [key, reply, dt] of steps) {
          h.advance(dt);
          const r = h.send(pkt(key));
          if (r.drop === DropReason.CT_TABLE_FULL) full++;
          else expect(r.drop).toBe(0);
          if (reply && r.drop === 0) h.send({ src: ip4('192.0.2.1'), dst: ip4('10.0.0.1') + key, proto: IPPROTO_UDP, sport: 53, dport: 1000 + key });
          expect(h.ct.count).toBeLessThanOrEqual(16);
          expect(h.ct.entries).toBe(h.ct.stats.insert - h.ct.stats.deletes);
        }
        expect(h.ct.stats.drop).toBe(full);
      }),
      { numRuns: 100 },
    );
  });
});
