import { describe, it, expect } from 'vitest';
import { createBackend, getSocProfile } from '../../src/offload/registry.ts';
import { AirohaPpe } from '../../src/offload/airoha.ts';
import { Mlx5Backend } from '../../src/offload/mlx5.ts';
import { CpuReason, OffloadRefusal } from '../../src/offload/types.ts';
import { mtkPpeHash } from '../../src/offload/ppe-hash.ts';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { MS, S, TCP_ACK, TCP_FIN, makeRequest, newPool, v4, writePacket } from './helpers.ts';

const t = v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40000, 443);

describe('no flow engine (ndo_setup_tc without TC_SETUP_FT)', () => {
  for (const soc of ['mt7629', 'generic-x86', 'marvell-armada-385', 'realtek-rtl930x', 'ipq807x']) {
    it(`${soc} refuses every flow with no-flow-engine`, () => {
      const b = createBackend(getSocProfile(soc)!);
      expect(b.replace(makeRequest(1, t), 0)).toBe(OffloadRefusal.NO_FLOW_ENGINE);
      const pool = newPool();
      writePacket(pool, 0, { tuple: t });
      expect(b.rxLookup(pool, 0, 0, 0)).toBe(-1);
      expect(b.caps.takesFlowtable).toBe(false);
    });
  }

  it('says that Realtek route offload is not flowtable offload', () => {
    expect(createBackend(getSocProfile('realtek-rtl930x')!).describe()).toMatch(/route offload.*not flowtable offload/);
  });

  it('intel ice and netronome nfp have no flowtable binding', () => {
    expect(createBackend(getSocProfile('intel-ice')!).replace(makeRequest(1, t), 0)).toBe(OffloadRefusal.NO_FLOWTABLE_BINDING);
    const nfp = createBackend(getSocProfile('netronome-nfp')!);
    expect(nfp.replace(makeRequest(1, t), 0)).toBe(OffloadRefusal.NO_FLOWTABLE_BINDING);
    expect(nfp.describe()).toMatch(/act_ct/);
  });
});

describe('mlx5 (mlx5e_rep_setup_ft_cb)', () => {
  it('refuses every flow in legacy eswitch mode', () => {
    const b = createBackend(getSocProfile('mlx5-switchdev')!, { switchdev: false });
    expect(b.replace(makeRequest(1, t), 0)).toBe(OffloadRefusal.NOT_SWITCHDEV);
  });

  it('binds synchronously on exact match of tuple and ingress port, and counts per flow', () => {
    const b = new Mlx5Backend();
    const pool = newPool();
    expect(b.replace(makeRequest(4, t, { inPort: [1, 0] }), 0)).toBe(0);
    writePacket(pool, 0, { tuple: t, len: 200 });
    expect(b.rxLookup(pool, 0, 1, 1)).toBe(8); // first packet: no bind rate
    expect(b.rxLookup(pool, 0, 2, 2)).toBe(-1); // other ingress port: no match
    writePacket(pool, 0, { tuple: t, tcpFlags: TCP_FIN | TCP_ACK });
    expect(b.rxLookup(pool, 0, 1, 3)).toBe(-1); // nf_flow_rule_match: FIN/RST must be clear
    expect(b.lastCpuReason).toBe(CpuReason.TCP_FIN_SYN_RST);
    const out = new Float64Array(3);
    expect(b.stats(4, out)).toBe(true);
    expect([...out]).toEqual([1, 200, 1]);
    b.destroy(4);
    writePacket(pool, 0, { tuple: t });
    expect(b.rxLookup(pool, 0, 1, 4)).toBe(-1);
  });

  it('refuses insertions over its rate limit; the flowtable retries later', () => {
    const b = new Mlx5Backend({ insertRate: 10 });
    let ok = 0;
    for (let i = 0; i < 20; i++) if (b.replace(makeRequest(i, v4(1, 2, IPPROTO_UDP, 1000 + i, 53)), 0) === 0) ok++;
    expect(ok).toBe(5); // a 10/s bucket holds 10 rule insertions = 5 bidirectional flows
    expect(b.counters.refusals[OffloadRefusal.RATE_LIMITED]).toBe(15);
    expect(b.replace(makeRequest(100, v4(1, 2, IPPROTO_UDP, 999, 53)), 1 * S)).toBe(0);
  });

  it('refuses flows past its table size', () => {
    const b = new Mlx5Backend({ tableSize: 4, insertRate: 0 });
    for (let i = 0; i < 2; i++) expect(b.replace(makeRequest(i, v4(1, 2, IPPROTO_UDP, 1000 + i, 53)), 0)).toBe(0);
    expect(b.replace(makeRequest(9, v4(1, 2, IPPROTO_UDP, 999, 53)), 0)).toBe(OffloadRefusal.TABLE_FULL);
  });
});

describe('Airoha EN7581 (airoha_ppe.c)', () => {
  it('uses one 32768-entry way per hash, lazy binding, and shapes in hardware', () => {
    const b = createBackend(getSocProfile('en7581')!);
    expect(b).toBeInstanceOf(AirohaPpe);
    expect(b.caps.hwShaping).toBe(true);
    expect(b.caps.tableSize).toBe(32768);
    // airoha_ppe_foe_get_entry_hash: no way shift, mask 32767.
    expect(mtkPpeHash(v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40000, 443), 0, 0, 32767)).toBe(0xf5e8b176 & 32767);
    const pool = newPool();
    const u = v4(0xc0a80164, 0x01010101, IPPROTO_UDP, 40000, 443);
    b.replace(makeRequest(1, u), 0);
    let first = -1;
    for (let i = 0; i < 40 && first < 0; i++) {
      writePacket(pool, 0, { tuple: u, tcpFlags: TCP_ACK });
      if (b.rxLookup(pool, 0, 0, i * 10 * MS) >= 0) first = i;
    }
    expect(first).toBe(30);
    expect(b.describe()).toMatch(/HTB/);
  });
});
