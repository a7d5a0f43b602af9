import { describe, it, expect } from 'vitest';
import { IPPROTO_GRE, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { DropReason } from '../../src/wire/drop-reasons.ts';
import {
  IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IPS_ASSURED, IPS_CONFIRMED, IPS_HW_OFFLOAD, IPS_OFFLOAD,
} from '../../src/conntrack/constants.ts';
import { openwrtConntrackConfig } from '../../src/conntrack/config.ts';
import { ConntrackTable } from '../../src/conntrack/table.ts';
import { ACK, Harness, SEC, SYN, ip4, tcpPair } from './helpers.ts';

const A = ip4('192.168.1.10');
const B = ip4('203.0.113.9');
const udp = (sport: number, dport = 53) => ({ src: A, dst: B, proto: IPPROTO_UDP, sport, dport });
const udpBack = (sport: number, dport = 53) => ({ src: B, dst: A, proto: IPPROTO_UDP, sport: dport, dport: sport });

describe('confirm and unconfirmed entries (__nf_conntrack_confirm)', () => {
  it('an unconfirmed entry is reachable only from its packet; confirm inserts both directions', () => {
    const h = new Harness();
    const r = h.inOnly(udp(1000));
    expect(r.ctinfo).toBe(IP_CT_NEW);
    expect(h.ct.count).toBe(1);
    expect(h.ct.entries).toBe(0);
    // A second packet of the same flow before confirm does not see it.
    const r2 = h.inOnly(udp(1000));
    expect(r2.ct).not.toBe(r.ct);
    h.ct.discardUnconfirmed(r2.ct);
    expect(h.ct.confirm(r.ct, h.now)).toBe(0);
    expect(h.ct.statusOf(r.ct) & IPS_CONFIRMED).toBeTruthy();
    expect(h.ct.entries).toBe(1);
    expect(h.inOnly(udp(1000)).ct).toBe(r.ct);
    const back = h.inOnly(udpBack(1000));
    expect(back.ct).toBe(r.ct);
    expect(back.dir).toBe(1);
    expect(back.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('a packet dropped before confirm frees its entry with discardUnconfirmed', () => {
    const h = new Harness();
    const r = h.inOnly(udp(1000));
    h.ct.discardUnconfirmed(r.ct);
    expect(h.ct.count).toBe(0);
    expect(h.ct.isValid(r.ct)).toBe(false);
  });

  it('confirming a second entry for a tuple already in the hash fails: insert_failed and a drop', () => {
    const h = new Harness();
    const a = h.inOnly(udp(1000));
    const b = h.inOnly(udp(1000));
    expect(h.ct.confirm(a.ct, 0)).toBe(0);
    expect(h.ct.confirm(b.ct, 0)).toBe(DropReason.CT_INSERT_FAILED);
    expect(h.ct.stats.insertFailed).toBe(1);
    expect(h.ct.count).toBe(1);
  });

  it('a stale handle is detected by its generation', () => {
    const h = new Harness({ max: 4 });
    const r = h.send(udp(1000));
    h.ct.kill(r.ct);
    const again = h.send(udp(1001));
    expect(h.ct.indexOf(again.ct)).toBe(h.ct.indexOf(r.ct)); // slot reused…
    expect(h.ct.isValid(r.ct)).toBe(false); // …but the old handle is stale
    expect(h.ct.isValid(again.ct)).toBe(true);
  });
});

describe('timeouts (defaults of nf_conntrack_proto_*.c, overridable)', () => {
  it('UDP: 30 s unreplied; replied and older than 2 s → 120 s stream timeout and ASSURED', () => {
    const h = new Harness();
    const r = h.send(udp(1000));
    expect(h.timeLeft(r.ct)).toBe(30);
    h.advance(1);
    h.send(udpBack(1000));
    expect(h.timeLeft(r.ct)).toBe(30); // replied but within 2 s of the first packet
    expect(h.ct.statusOf(r.ct) & IPS_ASSURED).toBe(0);
    h.advance(2);
    const more = h.send(udp(1000));
    expect(more.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(h.timeLeft(r.ct)).toBe(120);
    expect(h.ct.statusOf(r.ct) & IPS_ASSURED).toBeTruthy();
  });

  it('ICMP echo: 30 s; other L4 protocols: the generic 600 s', () => {
    const h = new Harness();
    const ping = h.send({ src: A, dst: B, proto: 1, icmpType: 8, icmpId: 7 });
    expect(h.timeLeft(ping.ct)).toBe(30);
    const gre = h.send({ src: A, dst: B, proto: IPPROTO_GRE });
    expect(h.timeLeft(gre.ct)).toBe(600);
  });

  it('ConntrackConfig overrides defaults; the OpenWrt preset uses 7440 s established, 60/180 s UDP', () => {
    const h = new Harness({ timeouts: { udp: 5 } });
    expect(h.timeLeft(h.send(udp(1)).ct)).toBe(5);
    const cfg = openwrtConntrackConfig();
    expect(cfg.timeouts.tcp.established).toBe(7440);
    expect(cfg.timeouts.udp).toBe(60);
    expect(cfg.timeouts.udpStream).toBe(180);
    expect(cfg.timeouts.tcp.synSent).toBe(120);
    const o = new Harness(cfg);
    const c = tcpPair(o);
    const s = c.orig(SYN);
    c.reply(SYN | ACK);
    c.orig(ACK);
    expect(o.timeLeft(s.ct)).toBe(7440);
  });

  it('each packet refreshes the timer; an entry is gone for lookups once expired (nf_ct_is_expired)', () => {
    const h = new Harness();
    const r = h.send(udp(1000));
    h.advance(29);
    expect(h.send(udp(1000)).ct).toBe(r.ct);
    h.advance(29);
    expect(h.ct.lookup(h.pool.tuple, 0, h.now)).toBe(r.ct); // slot 0 still holds that packet's tuple
    h.advance(1);
    expect(h.ct.lookup(h.pool.tuple, 0, h.now)).toBe(-1);
    expect(h.ct.isValid(r.ct)).toBe(false);
    expect(h.ct.stats.expired).toBe(1);
  });
});

describe('GC (gc_worker)', () => {
  it('does bounded work per call and eventually reaps every expired entry', () => {
    const h = new Harness({ max: 64 });
    for (let i = 0; i < 40; i++) h.send(udp(2000 + i));
    h.advance(31);
    const first = h.ct.gcStep(h.now, 10);
    expect(first).toBeLessThanOrEqual(10);
    let total = first;
    for (let i = 0; i < 10; i++) total += h.ct.gcStep(h.now, 10);
    expect(total).toBe(40);
    expect(h.ct.entries).toBe(0);
    expect(h.ct.count).toBe(0);
  });

  it('never expires an offloaded entry; clearing IPS_OFFLOAD and setTimeout hand it back', () => {
    const h = new Harness();
    const r = h.send(udp(1000));
    expect(h.ct.setOffload(r.ct, true)).toBe(true);
    expect(h.ct.statusOf(r.ct) & (IPS_OFFLOAD | IPS_HW_OFFLOAD)).toBe(IPS_OFFLOAD | IPS_HW_OFFLOAD);
    h.advance(3600);
    h.ct.gcStep(h.now, h.ct.capacity);
    expect(h.ct.isValid(r.ct)).toBe(true);
    expect(h.ct.lookup(h.pool.tuple, 0, h.now)).toBeGreaterThanOrEqual(0);
    // flow_offload_fixup_ct: back to conntrack with a fixed-up timeout.
    h.ct.clearOffload(r.ct);
    h.ct.setTimeout(r.ct, h.now + 90 * SEC);
    expect(h.timeLeft(r.ct)).toBe(90);
    h.advance(91);
    h.ct.gcStep(h.now, h.ct.capacity);
    expect(h.ct.isValid(r.ct)).toBe(false);
  });
});

describe('table full: early_drop and CT_TABLE_FULL (__nf_conntrack_alloc)', () => {
  function fill(h: Harness, n: number, assure: boolean): number[] {
    const handles: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = h.send(udp(3000 + i));
      if (assure) {
        h.advance(3);
        h.send(udpBack(3000 + i));
        h.send(udp(3000 + i));
      }
      handles.push(r.ct);
    }
    return handles;
  }

  it('a new connection evicts a non-assured one near its bucket and counts early_drop', () => {
    const h = new Harness({ max: 16, seed: 1 });
    fill(h, 16, false);
    const r = h.send(udp(9000));
    expect(r.drop).toBe(0);
    expect(h.ct.stats.earlyDrop).toBeGreaterThanOrEqual(1);
    expect(h.ct.count).toBeLessThanOrEqual(16);
  });

  it('assured connections are never early-dropped', () => {
    const h = new Harness({ max: 16, seed: 2 });
    const assured = fill(h, 8, true);
    fill(h, 8, false);
    for (let i = 0; i < 20; i++) h.send(udp(9000 + i));
    for (const a of assured) {
      expect(h.ct.isValid(a)).toBe(true);
      expect(h.ct.statusOf(a) & IPS_ASSURED).toBeTruthy();
    }
  });

  it('a table full of assured connections drops the new packet with CT_TABLE_FULL, counted', () => {
    const h = new Harness({ max: 8 });
    fill(h, 8, true);
    const r = h.send(udp(9000));
    expect(r.drop).toBe(DropReason.CT_TABLE_FULL);
    expect(h.ct.stats.drop).toBe(1);
    expect(h.ct.count).toBe(8);
  });
});

describe('memory', () => {
  it('stays under 144 bytes of typed arrays per connection at 1M connections', () => {
    const t = new ConntrackTable({ max: 1 << 20 });
    expect(t.bytesPerConnection()).toBeLessThanOrEqual(144);
  });
});

describe('a flow\'s reference on its connection (flow_offload_alloc nf_ct_get … flow_offload_free nf_ct_put)', () => {
  it('a connection deleted while a flow holds it leaves the table at once but keeps its record until the put', () => {
    const h = new Harness({ max: 4 });
    const r = h.send(udp(1000));
    const idx = h.ct.indexOf(r.ct);
    const before = Array.from(h.ct.tuples.subarray(h.ct.tupleOffset(r.ct, 0), h.ct.tupleOffset(r.ct, 0) + 20));
    expect(h.ct.holdFlow(r.ct)).toBe(true);
    expect(h.ct.holdFlow(r.ct)).toBe(false); // one flow per connection
    expect(h.ct.kill(r.ct)).toBe(true); // conntrack -D
    // Gone for conntrack: no lookup finds it, not live; but nf_conntrack_count still counts it.
    expect(h.ct.lookup(h.pool.tuple, 0, h.now)).toBe(-1);
    expect(h.ct.isLive(r.ct)).toBe(false);
    expect(h.ct.entries).toBe(0);
    expect(h.ct.count).toBe(1);
    // New connections never get its record, and its tuples stay as they were.
    for (let i = 0; i < 3; i++) expect(h.ct.indexOf(h.send(udp(2000 + i)).ct)).not.toBe(idx);
    // The table is full (the zombie counts): early_drop evicts an unassured connection, not it.
    const d = h.send(udp(3000));
    expect(d.drop).toBe(0);
    expect(h.ct.indexOf(d.ct)).not.toBe(idx);
    expect(h.ct.stats.earlyDrop).toBe(1);
    h.ct.gcStep(h.now, h.ct.capacity);
    expect(Array.from(h.ct.tuples.subarray(idx * 30, idx * 30 + 20))).toEqual(before);
    expect(h.ct.isFlowHeld(r.ct)).toBe(true);
    // The put frees it.
    h.ct.releaseFlow(r.ct);
    expect(h.ct.count).toBe(3);
    expect(h.ct.isHeld(r.ct)).toBe(false);
    expect(h.ct.indexOf(h.send(udp(4000)).ct)).toBe(idx);
  });

  it('expiry of a torn-down connection waits for the flow too; a put of a live connection frees nothing', () => {
    const h = new Harness({ max: 4 });
    const a = h.send(udp(1000));
    const b = h.send(udp(1001));
    h.ct.holdFlow(a.ct);
    h.ct.holdFlow(b.ct);
    h.advance(181);
    h.ct.gcStep(h.now, h.ct.capacity); // both expire: b is still wanted by its flow
    expect(h.ct.entries).toBe(0);
    expect(h.ct.count).toBe(2);
    h.ct.releaseFlow(a.ct);
    expect(h.ct.count).toBe(1);
    const c = h.send(udp(1002));
    h.ct.holdFlow(c.ct);
    h.ct.releaseFlow(c.ct);
    expect(h.ct.isLive(c.ct)).toBe(true);
    expect(h.ct.count).toBe(2);
    h.ct.releaseFlow(b.ct);
    expect(h.ct.count).toBe(1);
  });
});

describe('TCP and the table together', () => {
  it('tcp helper id and mark are kept per connection', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const r = h.inOnly({ src: A, dst: B, proto: IPPROTO_TCP, sport: 5, dport: 21, flags: SYN });
    expect(h.ct.setHelper(r.ct, 3)).toBe(true);
    h.ct.confirm(r.ct, h.now);
    expect(h.ct.setHelper(r.ct, 4)).toBe(false); // only before confirm
    h.ct.setMark(r.ct, 0x42);
    expect(h.ct.getHelper(r.ct)).toBe(3);
    expect(h.ct.getMark(r.ct)).toBe(0x42);
    void c;
  });
});

describe('isLive: the flowtable\'s view of a connection (flow_offload_lookup: nf_ct_is_dying)', () => {
  it('is true for a confirmed entry and false once it is killed, deleted while held, or its slot is reused', () => {
    const h = new Harness();
    const a = h.inOnly(udp(2000));
    expect(h.ct.confirm(a.ct, h.now)).toBe(0);
    expect(h.ct.isLive(a.ct)).toBe(true);
    // Deleted while its packet holds it (nf_ct_kill_acct from the tracker): still held, not live.
    expect(h.ct.killHeld(a.ct)).toBe(true);
    expect(h.ct.isHeld(a.ct)).toBe(true);
    expect(h.ct.isLive(a.ct)).toBe(false);
    const b = h.inOnly(udp(2001));
    expect(h.ct.confirm(b.ct, h.now)).toBe(0);
    expect(h.ct.kill(b.ct)).toBe(true);
    expect(h.ct.isLive(b.ct)).toBe(false);
    // An unconfirmed entry marked dying by kill() is not live either.
    const c = h.inOnly(udp(2002));
    expect(h.ct.isLive(c.ct)).toBe(true);
    h.ct.kill(c.ct);
    expect(h.ct.isLive(c.ct)).toBe(false);
    // A stale handle to a reused slot is not live; the new connection's handle is.
    h.ct.discardUnconfirmed(c.ct);
    const d = h.inOnly(udp(2003));
    expect(h.ct.indexOf(d.ct)).toBe(h.ct.indexOf(c.ct));
    expect(h.ct.isLive(c.ct)).toBe(false);
    expect(h.ct.isLive(d.ct)).toBe(true);
    expect(h.ct.isLive(-1)).toBe(false);
  });
});
