import { describe, it, expect } from 'vitest';
import { createBackend, getSocProfile } from '../../src/offload/registry.ts';
import { MediatekPpe, MTK_SOC_DATA } from '../../src/offload/mediatek-ppe.ts';
import { mtkPpeHash } from '../../src/offload/ppe-hash.ts';
import { CpuReason, DSA_TAG_OTHER, ETH_P_8021AD, OffloadRefusal } from '../../src/offload/types.ts';
import type { HardwareBackend } from '../../src/offload/types.ts';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import type { PacketPool } from '../../src/buffers/pool.ts';
import { MS, S, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, makeRequest, newPool, v4, v6, writePacket } from './helpers.ts';

const LAN1 = 1; // mt7621 profile: ports [wan, lan1..lan4]
const WAN = 0;

function ppe(soc: string): MediatekPpe {
  const b = createBackend(getSocProfile(soc)!);
  if (!(b instanceof MediatekPpe)) throw new Error('not a PPE');
  return b;
}

function send(b: HardwareBackend, pool: PacketPool, tuple: Uint32Array, now: number, extra: { tcpFlags?: number; ttl?: number; len?: number; inPort?: number } = {}): number {
  writePacket(pool, 0, { tuple, ...extra });
  return b.rxLookup(pool, 0, extra.inPort ?? LAN1, now);
}

/** `n` UDP tuples lan→wan that share one MT7621 bucket whose two ways are both usable. */
function collidingTuples(n: number): Uint32Array[] {
  const geo = MTK_SOC_DATA.mt7621!;
  const byBucket = new Map<number, Uint32Array[]>();
  for (let sport = 1024; ; sport++) {
    const t = v4(0xc0a80102, 0x08080808, IPPROTO_UDP, sport, 53);
    const h = mtkPpeHash(t, 0, geo.hashShift, geo.entries - 1);
    if (geo.staticSkip.includes(h % 128) || geo.staticSkip.includes((h + 1) % 128)) continue;
    const list = byBucket.get(h) ?? [];
    list.push(t);
    byBucket.set(h, list);
    if (list.length === n) return list;
  }
}

describe('MediaTek PPE lazy binding (mtk_foe_entry_commit, __mtk_ppe_check_skb)', () => {
  it('sends the first packets of a new flow to the CPU and forwards later ones in hardware once it reaches 30 packets/s', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    expect(b.replace(makeRequest(7, t), 0)).toBe(0); // REPLACE always succeeds: nothing in hardware yet
    expect(b.occupancy().bound).toBe(0);
    const seen: number[] = [];
    let firstHw = -1;
    for (let i = 0; i < 40; i++) {
      const r = send(b, pool, t, i * 10 * MS);
      seen.push(b.lastCpuReason);
      if (r >= 0 && firstHw < 0) firstHw = i;
      if (r >= 0) expect(r).toBe(7 * 2 + 0);
    }
    expect(seen[0]).toBe(CpuReason.UN_HIT); // hash miss: the PPE builds an UNBIND entry
    expect(seen[1]).toBe(CpuReason.HIT_UNBIND);
    expect(seen[29]).toBe(CpuReason.HIT_UNBIND_RATE_REACHED); // 30th packet within a second
    expect(firstHw).toBe(30); // the packet that triggered the bind still went to the CPU
    expect(b.occupancy().bound).toBe(1);
    expect(b.counters.binds).toBe(1);
    expect(b.entries(7)[0]).toMatchObject({ dir: 0, state: 'BIND' });
  });

  it('checks a hardware entry for a software flow at most once per 100 ms (mtk_ppe_check_skb, HZ/10)', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40001, 443);
    // 30 packets before the flowtable has offloaded the flow: the bind check finds no software flow.
    for (let i = 0; i < 30; i++) send(b, pool, t, i * 10 * MS);
    expect(b.lastCpuReason).toBe(CpuReason.HIT_UNBIND_RATE_REACHED);
    expect(b.counters.bindNoFlow).toBe(1);
    const checkedAt = 290 * MS;
    b.replace(makeRequest(1, t), checkedAt + MS);
    // Within 100 ms of the last check the driver does not look again.
    for (let dt = 10; dt < 100; dt += 10) expect(send(b, pool, t, checkedAt + dt * MS)).toBe(-1);
    expect(b.counters.bindChecksRateLimited).toBe(9);
    expect(send(b, pool, t, checkedAt + 100 * MS)).toBe(-1); // this packet triggers the bind
    expect(send(b, pool, t, checkedAt + 110 * MS)).toBe(2);
  });

  it('hands TCP FIN, SYN and RST to the CPU; a FIN on a bound entry takes it out of BIND', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40002, 443);
    expect(send(b, pool, t, 0, { tcpFlags: TCP_SYN })).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.TCP_FIN_SYN_RST);
    b.replace(makeRequest(3, t), 0);
    for (let i = 0; i < 31; i++) send(b, pool, t, i * 10 * MS, { tcpFlags: TCP_ACK });
    expect(send(b, pool, t, 320 * MS, { tcpFlags: TCP_ACK })).toBe(6);
    expect(send(b, pool, t, 330 * MS, { tcpFlags: TCP_RST })).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.HIT_BIND_TCP_FIN);
    expect(send(b, pool, t, 340 * MS, { tcpFlags: TCP_ACK })).toBe(-1);
    expect(send(b, pool, t, 350 * MS, { tcpFlags: TCP_FIN | TCP_ACK })).toBe(-1);
    expect(b.occupancy().bound).toBe(0);
  });

  it('punts fragments, IP options, TTL ≤ 1 and oversized packets to the CPU', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40003, 443);
    const req = makeRequest(4, t);
    req.mtu[0] = 1000;
    b.replace(req, 0);
    for (let i = 0; i < 31; i++) send(b, pool, t, i * 10 * MS);
    expect(send(b, pool, t, 400 * MS)).toBe(8);
    expect(send(b, pool, t, 410 * MS, { ttl: 1 })).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.HIT_TTL_1);
    expect(send(b, pool, t, 420 * MS, { len: 14 + 1001 })).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.EXCEED_MTU);
    writePacket(pool, 0, { tuple: t, pflags: 1 << 3 });
    expect(b.rxLookup(pool, 0, LAN1, 430 * MS)).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.IPV4_FRAG);
  });
});

describe('what mtk_flow_offload_replace() refuses', () => {
  const t4 = v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40000, 443);

  it('refuses IPv6 NAT (FLOW_ACT_MANGLE_HDR_TYPE_IP6) but takes routed IPv6', () => {
    const b = ppe('mt7986');
    const t6 = v6([0x20010db8, 0, 0, 1], [0x20010db8, 1, 0, 2], IPPROTO_UDP, 5000, 53);
    const nat = v6([0x20010db8, 0xffff, 0, 1], [0x20010db8, 1, 0, 2], IPPROTO_UDP, 5000, 53);
    expect(b.replace(makeRequest(1, t6, { natOrig: nat }), 0)).toBe(OffloadRefusal.IPV6_NAT);
    expect(b.replace(makeRequest(2, t6), 0)).toBe(0);
    expect(b.counters.refusals[OffloadRefusal.IPV6_NAT]).toBe(1);
  });

  it('refuses QinQ (an 802.1ad VLAN push)', () => {
    const req = makeRequest(1, t4);
    req.outVlanCount[0] = 1;
    req.outVlanTpid[0] = ETH_P_8021AD;
    expect(ppe('mt7621').replace(req, 0)).toBe(OffloadRefusal.QINQ);
  });

  it('takes two 802.1Q VLANs or one VLAN + PPPoE, refuses two VLANs + PPPoE', () => {
    const req = makeRequest(1, t4);
    req.outVlanCount[0] = 2;
    expect(ppe('mt7621').replace(req, 0)).toBe(0);
    req.outVlanCount[0] = 1;
    req.outPppoeSid[0] = 0x1234;
    expect(ppe('mt7621').replace(req, 0)).toBe(0);
    req.outVlanCount[0] = 2;
    expect(ppe('mt7621').replace(req, 0)).toBe(OffloadRefusal.TOO_MANY_ENCAPS);
  });

  it('refuses DSA ports behind a non-MediaTek switch tag, invalid MACs and non-TCP/UDP flows', () => {
    const a = makeRequest(1, t4);
    a.outDsaPort[0] = 2;
    a.outDsaTag[0] = DSA_TAG_OTHER;
    expect(ppe('mt7621').replace(a, 0)).toBe(OffloadRefusal.FOREIGN_SWITCH_TAG);
    const m = makeRequest(1, t4);
    m.setMac('dst', 1, 0x0100, 0x5e000001); // multicast
    expect(ppe('mt7621').replace(m, 0)).toBe(OffloadRefusal.INVALID_MAC);
    const g = makeRequest(1, v4(1, 2, 47, 0, 0));
    expect(ppe('mt7621').replace(g, 0)).toBe(OffloadRefusal.UNSUPPORTED_PROTOCOL);
    const b = ppe('mt7621');
    b.replace(makeRequest(9, t4), 0);
    expect(b.replace(makeRequest(9, t4), 0)).toBe(OffloadRefusal.EXISTS);
  });
});

describe('per-flow counters (MIB) and the timestamp', () => {
  it('MT7621 has no per-flow counters, MT7986 counts packets and bytes', () => {
    const out = new Float64Array(7);
    for (const [soc, hasMib] of [['mt7621', false], ['mt7986', true]] as const) {
      const b = ppe(soc);
      const pool = newPool();
      const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
      b.replace(makeRequest(5, t), 0);
      for (let i = 0; i < 40; i++) send(b, pool, t, i * 10 * MS, { len: 100 });
      expect(b.caps.perFlowCounters).toBe(hasMib);
      expect(b.stats(5, out)).toBe(hasMib);
      expect(out[0]).toBe(hasMib ? 10 : 0); // packets 30..39 went through the hardware
      expect(out[1]).toBe(hasMib ? 1000 : 0);
      expect(out[2]).toBe(0.39 * S); // lastused = now - idle whole seconds; idle 0 ticks
    }
  });

  it('reports lastused through the 8-bit NETSYS v2 timestamp, which wraps every 256 s (__mtk_foe_entry_idle_time)', () => {
    const b = ppe('mt7986');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    b.replace(makeRequest(5, t), 0);
    for (let i = 0; i < 31; i++) send(b, pool, t, i * 10 * MS);
    b.tick(300 * S); // idle 300 s reads as idle 300 - 256 = 44 s
    const out = new Float64Array(3);
    b.stats(5, out);
    expect(out[2]).toBe(300 * S - 44 * S);
  });
});

describe('hash collisions: the most active flow keeps the slot', () => {
  it('keeps a colliding flow in software while both ways of its bucket are bound', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const [ta, tb, tc] = collidingTuples(3) as [Uint32Array, Uint32Array, Uint32Array];
    b.replace(makeRequest(1, ta), 0);
    b.replace(makeRequest(2, tb), 0);
    b.replace(makeRequest(3, tc), 0);
    for (let i = 0; i < 40; i++) {
      send(b, pool, ta, i * 10 * MS);
      send(b, pool, tb, i * 10 * MS + 1);
    }
    let cHw = 0;
    for (let i = 0; i < 1000; i++) {
      const now = 400 * MS + i * 10 * MS;
      expect(send(b, pool, ta, now)).toBe(2);
      expect(send(b, pool, tb, now + 1)).toBe(4);
      if (send(b, pool, tc, now + 2) >= 0) cHw++;
    }
    expect(cHw).toBe(0);
    expect(b.lastCpuReason).toBe(CpuReason.UN_HIT);
    expect(b.counters.collisionsLost).toBeGreaterThan(0);
    expect(b.entries(3)[0]!.why).toMatch(/bucket full/);
  });

  it('gives a freed way to the more active of the contending flows', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const [s1, s2, d] = collidingTuples(3) as [Uint32Array, Uint32Array, Uint32Array];
    for (const [id, t] of [[1, s1], [2, s2], [3, d]] as const) b.replace(makeRequest(id, t), 0);
    // s1, s2: ~4.8 packets/s, never reach the bind rate; d: 100 packets/s, arrives after them.
    const events: [number, Uint32Array, number][] = [];
    for (let k = 0; k * 210 < 10000; k++) {
      events.push([3 * MS + k * 210 * MS, s1, 1]);
      events.push([7 * MS + k * 210 * MS, s2, 2]);
    }
    for (let k = 0; 50.5 + k * 10 < 10000; k++) events.push([50.5 * MS + k * 10 * MS, d, 3]);
    events.sort((x, y) => x[0] - y[0]);
    const hw = new Map<number, number>([[1, 0], [2, 0], [3, 0]]);
    let dLostEarly = 0;
    for (const [now, t, id] of events) {
      const r = send(b, pool, t, now);
      if (r >= 0) hw.set(id, hw.get(id)! + 1);
      if (id === 3 && now < 3 * S && b.lastCpuReason === CpuReason.UN_HIT) dLostEarly++;
    }
    expect(dLostEarly).toBeGreaterThan(0); // first it found both ways taken by the slow flows
    expect(hw.get(3)).toBeGreaterThan(600); // then won a way when the slow entries aged out, and bound
    expect(hw.get(1)).toBe(0);
    expect(hw.get(2)).toBe(0);
  });
});

describe('aging and teardown', () => {
  it('returns an idle bound UDP entry to UNBIND after 12 units; the software flow stays filed', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    b.replace(makeRequest(1, t), 0);
    for (let i = 0; i < 31; i++) send(b, pool, t, i * 10 * MS);
    expect(b.occupancy().bound).toBe(1);
    b.tick(0.3 * S + 11 * S);
    expect(b.occupancy().bound).toBe(1);
    b.tick(0.3 * S + 12.5 * S);
    expect(b.occupancy().bound).toBe(0);
    expect(b.counters.agedOut).toBe(1);
    expect(b.entries(1)[0]!.state).toBe('UNBIND');
    expect(b.occupancy().filed).toBe(2);
    expect(send(b, pool, t, 13 * S)).toBe(-1);
    expect(b.lastCpuReason).toBe(CpuReason.HIT_UNBIND);
  });

  it('clears the hardware entry on destroy (__mtk_foe_entry_clear)', () => {
    const b = ppe('mt7621');
    const pool = newPool();
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    b.replace(makeRequest(1, t), 0);
    for (let i = 0; i < 31; i++) send(b, pool, t, i * 10 * MS);
    b.destroy(1);
    expect(b.occupancy()).toMatchObject({ bound: 0, filed: 0 });
    expect(send(b, pool, t, 320 * MS)).toBe(-1);
    expect(b.entries(1)).toEqual([]);
  });
});

describe('SoC variants', () => {
  it('MT7621 has 7744 usable entries of 8192 (mtk_ppe_init_foe_table STATIC entries)', () => {
    expect(ppe('mt7621').caps.tableSize).toBe(7744);
    expect(ppe('mt7622').caps.tableSize).toBe(8192);
    expect(ppe('mt7986').caps.tableSize).toBe(16384);
    expect(ppe('mt7988').caps.tableSize).toBe(24576);
  });

  it('files a flow on the PPE of its ingress GMAC on MT7988 (GMAC2 → PPE1)', () => {
    const b = ppe('mt7988');
    const wan = getSocProfile('mt7988')!.ports.findIndex((p) => p.name === 'wan');
    const t = v4(0x08080808, 0xc0a80164, IPPROTO_UDP, 53, 40000);
    b.replace(makeRequest(1, t, { inPort: [wan, 0] }), 0);
    const [orig, reply] = b.entries(1);
    expect(orig!.engine).toBe(1);
    expect(reply!.engine).toBe(0);
  });

  it('WED: MT7622 can send to Wi-Fi, MT7621 cannot', () => {
    const t = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    const wlan = getSocProfile('mt7622')!.ports.findIndex((p) => p.kind === 'wlan');
    expect(ppe('mt7622').replace(makeRequest(1, t, { inPort: [WAN, wlan] }), 0)).toBe(0);
    expect(ppe('mt7622').caps.wed).toBe(1);
    expect(ppe('mt7986').caps.wed).toBe(2);
    expect(ppe('mt7621').caps.wed).toBe(0);
  });
});
