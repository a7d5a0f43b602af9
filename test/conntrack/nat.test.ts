import { describe, it, expect } from 'vitest';
import { IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS } from '../../src/wire/tuple.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import {
  IP_CT_ESTABLISHED_REPLY, IPS_DST_NAT, IPS_DST_NAT_DONE, IPS_SRC_NAT, IPS_SRC_NAT_DONE, NF_NAT_MANIP_DST, NF_NAT_MANIP_SRC,
} from '../../src/conntrack/constants.ts';
import {
  NAT_CHANGE_DADDR, NAT_CHANGE_DPORT, NAT_CHANGE_SADDR, NAT_CHANGE_SPORT, NAT_PLAN_MASK, NAT_PLAN_WORDS, allocNullBinding,
  natManglePlan, natRangeV4, setupMasquerade, setupNat,
} from '../../src/conntrack/nat.ts';
import { Harness, ip4 } from './helpers.ts';
import type { Pkt } from './helpers.ts';

const LAN1 = ip4('192.168.1.10');
const LAN2 = ip4('192.168.1.11');
const WAN = ip4('203.0.113.5');
const SRV = ip4('198.51.100.7');

/** A packet through prerouting → (SNAT at postrouting) → confirm; returns the handle or the drop. */
function snatFlow(h: Harness, p: Pkt, range = natRangeV4(WAN)): { ct: number; drop: number } {
  const r = h.inOnly(p);
  const d = setupNat(h.ct, r.ct, NF_NAT_MANIP_SRC, range, h.now);
  if (d !== 0) {
    h.ct.discardUnconfirmed(r.ct);
    return { ct: -1, drop: d };
  }
  return { ct: r.ct, drop: h.ct.confirm(r.ct, h.now) };
}

function replyTuple(h: Harness, ct: number): Uint32Array {
  const o = h.ct.tupleOffset(ct, 1);
  return h.ct.tuples.slice(o, o + TUPLE_WORDS);
}

describe('NAT bindings (nf_nat_setup_info / get_unique_tuple)', () => {
  it('SNAT keeps the original source port when the resulting tuple is free, and replies match', () => {
    const h = new Harness();
    const f = snatFlow(h, { src: LAN1, dst: SRV, proto: IPPROTO_TCP, sport: 40000, dport: 443, flags: 0x02 });
    expect(f.drop).toBe(0);
    const rep = replyTuple(h, f.ct);
    expect(rep[4]).toBe(WAN); // replies go to the WAN address…
    expect(rep[8]! & 0xffff).toBe(40000); // …and the same port
    expect(h.ct.statusOf(f.ct) & (IPS_SRC_NAT | IPS_SRC_NAT_DONE)).toBe(IPS_SRC_NAT | IPS_SRC_NAT_DONE);
    const back = h.send({ src: SRV, dst: WAN, proto: IPPROTO_TCP, sport: 443, dport: 40000, flags: 0x12 });
    expect(back.ct).toBe(f.ct);
    expect(back.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('on a clash another port in the range is chosen, deterministically for a given seed', () => {
    const pick = (seed: number): number => {
      const h = new Harness({ seed });
      const range = natRangeV4(WAN, WAN, { minPort: 1024, maxPort: 65535 });
      snatFlow(h, { src: LAN1, dst: SRV, proto: IPPROTO_UDP, sport: 5000, dport: 53 }, range);
      const g = snatFlow(h, { src: LAN2, dst: SRV, proto: IPPROTO_UDP, sport: 5000, dport: 53 }, range);
      expect(g.drop).toBe(0);
      const port = replyTuple(h, g.ct)[8]! & 0xffff;
      expect(port).not.toBe(5000);
      expect(port).toBeGreaterThanOrEqual(1024);
      return port;
    };
    expect(pick(7)).toBe(pick(7));
  });

  it('when every port of the range is taken the packet is dropped with NAT_NO_TUPLE, counted', () => {
    const h = new Harness();
    const range = natRangeV4(WAN, WAN, { minPort: 10000, maxPort: 10003 });
    for (let i = 0; i < 4; i++) {
      const f = snatFlow(h, { src: ip4(`192.168.1.${20 + i}`), dst: SRV, proto: IPPROTO_UDP, sport: 7000, dport: 53 }, range);
      expect(f.drop).toBe(0);
    }
    const ports = new Set<number>();
    h.ct.forEachHandle((c) => ports.add(replyTuple(h, c)[8]! & 0xffff));
    expect([...ports].sort()).toEqual([10000, 10001, 10002, 10003]);
    const f = snatFlow(h, { src: ip4('192.168.1.99'), dst: SRV, proto: IPPROTO_UDP, sport: 7000, dport: 53 }, range);
    expect(f.drop).toBe(DropReason.NAT_NO_TUPLE);
    expect(h.ct.stats.natNoTuple).toBe(1);
  });

  it('binds only on the first packet: a confirmed connection is left alone', () => {
    const h = new Harness();
    const f = snatFlow(h, { src: LAN1, dst: SRV, proto: IPPROTO_UDP, sport: 1, dport: 2 });
    const before = replyTuple(h, f.ct);
    expect(setupNat(h.ct, f.ct, NF_NAT_MANIP_SRC, natRangeV4(ip4('1.2.3.4')), h.now)).toBe(0);
    expect(replyTuple(h, f.ct)).toEqual(before);
  });

  it('a null binding remaps the source port of a connection whose reply tuple would clash', () => {
    const h = new Harness();
    // Connection 1 is SNATed onto WAN:6000.
    snatFlow(h, { src: LAN1, dst: SRV, proto: IPPROTO_UDP, sport: 6000, dport: 53 });
    // The router itself (WAN) now sends from port 6000 to the same server: no NAT rule matches.
    const r = h.inOnly({ src: WAN, dst: SRV, proto: IPPROTO_UDP, sport: 6000, dport: 53 });
    expect(allocNullBinding(h.ct, r.ct, NF_NAT_MANIP_SRC, h.now)).toBe(0);
    expect(h.ct.confirm(r.ct, h.now)).toBe(0);
    expect(replyTuple(h, r.ct)[8]! & 0xffff).not.toBe(6000);
    expect(h.ct.statusOf(r.ct) & IPS_SRC_NAT).toBeTruthy();
  });

  it('DNAT rewrites the destination; natManglePlan gives the rewrite for each direction', () => {
    const h = new Harness();
    const r = h.inOnly({ src: SRV, dst: WAN, proto: IPPROTO_TCP, sport: 50000, dport: 8080, flags: 0x02 });
    const range = natRangeV4(LAN1, LAN1, { minPort: 80 });
    expect(setupNat(h.ct, r.ct, NF_NAT_MANIP_DST, range, h.now)).toBe(0);
    expect(allocNullBinding(h.ct, r.ct, NF_NAT_MANIP_SRC, h.now)).toBe(0);
    h.ct.confirm(r.ct, h.now);
    expect(h.ct.statusOf(r.ct) & (IPS_DST_NAT | IPS_DST_NAT_DONE | IPS_SRC_NAT_DONE)).toBe(IPS_DST_NAT | IPS_DST_NAT_DONE | IPS_SRC_NAT_DONE);
    const plan = new Uint32Array(NAT_PLAN_WORDS);
    expect(natManglePlan(h.ct, r.ct, 0, plan, 0)).toBe(NAT_CHANGE_DADDR | NAT_CHANGE_DPORT);
    expect(plan[4]).toBe(LAN1);
    expect(plan[8]! & 0xffff).toBe(80);
    expect(natManglePlan(h.ct, r.ct, 1, plan, 0)).toBe(NAT_CHANGE_SADDR | NAT_CHANGE_SPORT);
    expect(plan[0]).toBe(WAN);
    expect(plan[8]! >>> 16).toBe(8080);
    expect(plan[NAT_PLAN_MASK]).toBe(NAT_CHANGE_SADDR | NAT_CHANGE_SPORT);
  });

  it('masquerade is SNAT to the outgoing interface address the caller passes', () => {
    const h = new Harness();
    const r = h.inOnly({ src: LAN1, dst: SRV, proto: IPPROTO_TCP, sport: 41000, dport: 443, flags: 0x02 });
    expect(setupMasquerade(h.ct, r.ct, new Uint32Array([WAN, 0, 0, 0]), 0, null, h.now)).toBe(0);
    h.ct.confirm(r.ct, h.now);
    const plan = new Uint32Array(NAT_PLAN_WORDS);
    expect(natManglePlan(h.ct, r.ct, 0, plan, 0)).toBe(NAT_CHANGE_SADDR);
    expect(plan[0]).toBe(WAN);
  });
});
