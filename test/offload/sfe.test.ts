import { describe, it, expect } from 'vitest';
import { SFE_ASSURED, SFE_CONFIRMED, SFE_ESTABLISHED, SFE_HELPER, SfeConnectionInfo, SfeMiss, SfeSkip, ShortcutFe } from '../../src/offload/sfe.ts';
import { IPPROTO_TCP, IPPROTO_UDP, TUPLE_WORDS, tupleInvert } from '../../src/wire/tuple.ts';
import { TCP_ACK, TCP_FIN, newPool, v4, writePacket } from './helpers.ts';

function conn(id: number, orig: Uint32Array, flags: number, packets: number): SfeConnectionInfo {
  const c = new SfeConnectionInfo();
  c.connId = id;
  c.l4proto = orig[9]! & 0xff;
  c.flags = flags;
  c.packets = packets;
  c.tuple.set(orig, 0);
  tupleInvert(c.tuple, TUPLE_WORDS, orig, 0);
  return c;
}

describe('Shortcut-FE (sfe_cm.c)', () => {
  const tcp = v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40000, 443);
  const all = SFE_CONFIRMED | SFE_ASSURED | SFE_ESTABLISHED;

  it('learns only confirmed, assured, established connections without helpers past the packet threshold', () => {
    const s = new ShortcutFe({ packetThreshold: 10 });
    expect(s.learn(conn(1, tcp, all, 5), 0)).toBe(SfeSkip.BELOW_THRESHOLD);
    expect(s.learn(conn(1, tcp, SFE_CONFIRMED | SFE_ESTABLISHED, 20), 0)).toBe(SfeSkip.NOT_ASSURED);
    expect(s.learn(conn(1, tcp, all | SFE_HELPER, 20), 0)).toBe(SfeSkip.HELPER);
    expect(s.learn(conn(1, tcp, all, 20), 0)).toBe(SfeSkip.LEARNED);
    expect(s.learn(conn(2, v4(1, 2, 47, 0, 0), all, 20), 0)).toBe(SfeSkip.NOT_TCP_UDP);
    expect(s.size).toBe(1);
    expect(s.buckets).toBe(4096);
  });

  it('forwards both directions of a learned connection and syncs the counters back to conntrack', () => {
    const s = new ShortcutFe();
    const pool = newPool();
    s.learn(conn(7, tcp, SFE_CONFIRMED | SFE_ASSURED | SFE_ESTABLISHED, 20), 0);
    writePacket(pool, 0, { tuple: tcp, len: 100 });
    expect(s.lookup(pool, 0, 1)).toBe(14);
    const rev = new Uint32Array(TUPLE_WORDS);
    tupleInvert(rev, 0, tcp, 0);
    writePacket(pool, 1, { tuple: rev, len: 60 });
    expect(s.lookup(pool, 1, 2)).toBe(15);
    const out = new Float64Array(5);
    expect(s.sync(7, out)).toBe(true);
    expect([...out]).toEqual([1, 100, 1, 60, 2]);
    s.sync(7, out);
    expect(out[0]).toBe(0); // deltas are cleared by a sync
    expect(s.packets(7, 0)).toBe(1);
  });

  it('flushes the connection on a FIN so conntrack sees the close (sfe_ipv4_recv_tcp)', () => {
    const s = new ShortcutFe();
    const pool = newPool();
    s.learn(conn(7, tcp, SFE_CONFIRMED | SFE_ASSURED | SFE_ESTABLISHED, 20), 0);
    writePacket(pool, 0, { tuple: tcp, tcpFlags: TCP_FIN | TCP_ACK });
    expect(s.lookup(pool, 0, 1)).toBe(-1);
    expect(s.lastMiss).toBe(SfeMiss.TCP_FLAGS);
    writePacket(pool, 0, { tuple: tcp, tcpFlags: TCP_ACK });
    expect(s.lookup(pool, 0, 2)).toBe(-1);
    expect(s.has(7)).toBe(false);
    s.destroy(7);
    expect(s.size).toBe(0);
  });

  it('has no hard cap: chains grow past 4096 connections', () => {
    const s = new ShortcutFe({ packetThreshold: 0 });
    for (let i = 0; i < 10000; i++) s.learn(conn(i, v4(0x0a000000 + i, 0x01010101, IPPROTO_UDP, 1000, 53), SFE_CONFIRMED, 1), 0);
    expect(s.size).toBe(10000);
    expect(s.longestChain()).toBeGreaterThan(1);
  });
});
