import { describe, it, expect } from 'vitest';
import {
  CT_INFO_INVALID, IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IPS_ASSURED, IPS_SEEN_REPLY,
  TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_CLOSE_WAIT, TCP_CONNTRACK_ESTABLISHED, TCP_CONNTRACK_FIN_WAIT,
  TCP_CONNTRACK_LAST_ACK, TCP_CONNTRACK_SYN_RECV, TCP_CONNTRACK_SYN_SENT, TCP_CONNTRACK_SYN_SENT2,
  TCP_CONNTRACK_TIME_WAIT, ctStateBit, NF_CT_STATE_INVALID_BIT, NF_CT_STATE_NEW_BIT, NF_CT_STATE_ESTABLISHED_BIT,
} from '../../src/conntrack/constants.ts';
import { TCP_CONNTRACKS } from '../../src/conntrack/tcp.ts';
import { ACK, FIN, Harness, RST, SYN, PSH, tcpPair } from './helpers.ts';

const S = ['sNO', 'sSS', 'sSR', 'sES', 'sFW', 'sCW', 'sLA', 'sTW', 'sCL', 'sS2', 'sIV', 'sIG'];

describe('TCP state table (tcp_conntracks[2][6][10], nf_conntrack_proto_tcp.c)', () => {
  it('is the kernel table row by row', () => {
    // Rows as printed in the mainline source; flowsim's table must read back identically.
    const kernel = [
      'sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2', // ORIGINAL syn
      'sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR', // ORIGINAL synack
      'sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV', // ORIGINAL fin
      'sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV', // ORIGINAL ack
      'sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL', // ORIGINAL rst
      'sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV', // ORIGINAL none
      'sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2', // REPLY syn
      'sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR', // REPLY synack
      'sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV', // REPLY fin
      'sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG', // REPLY ack
      'sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL', // REPLY rst
      'sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV', // REPLY none
    ];
    const ours = kernel.map((_, row) => Array.from(TCP_CONNTRACKS.subarray(row * 10, row * 10 + 10), (v) => S[v]).join(', '));
    expect(ours).toEqual(kernel);
  });
});

describe('TCP tracking (nf_conntrack_tcp_packet)', () => {
  it('a 3-way handshake goes SYN_SENT → SYN_RECV → ESTABLISHED and becomes ASSURED on the final ACK', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const syn = c.orig(SYN);
    expect(syn.ctinfo).toBe(IP_CT_NEW);
    expect(ctStateBit(syn.ct, syn.ctinfo)).toBe(NF_CT_STATE_NEW_BIT);
    expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_SYN_SENT);
    expect(h.timeLeft(syn.ct)).toBe(120);
    h.advance(1);
    const synack = c.reply(SYN | ACK);
    expect(synack.ct).toBe(syn.ct);
    expect(synack.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_SYN_RECV);
    expect(h.timeLeft(syn.ct)).toBe(60);
    expect(h.ct.statusOf(syn.ct) & IPS_SEEN_REPLY).toBeTruthy();
    expect(h.ct.statusOf(syn.ct) & IPS_ASSURED).toBe(0);
    const ack = c.orig(ACK);
    expect(ack.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(ctStateBit(ack.ct, ack.ctinfo)).toBe(NF_CT_STATE_ESTABLISHED_BIT);
    expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(h.ct.statusOf(syn.ct) & IPS_ASSURED).toBeTruthy();
    expect(h.timeLeft(syn.ct)).toBe(432000);
  });

  it('a simultaneous open (SYN both ways) goes through SYN_SENT2 and ends ESTABLISHED', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const a = c.orig(SYN);
    c.reply(SYN);
    expect(h.ct.tcpStateOf(a.ct)).toBe(TCP_CONNTRACK_SYN_SENT2);
    c.orig(SYN | ACK);
    expect(h.ct.tcpStateOf(a.ct)).toBe(TCP_CONNTRACK_SYN_RECV);
    c.reply(SYN | ACK); // sSR → sIG in the reply direction
    expect(h.ct.tcpStateOf(a.ct)).toBe(TCP_CONNTRACK_SYN_RECV);
    c.reply(ACK); // IP_CT_TCP_SIMULTANEOUS_OPEN turns the reply ACK into ESTABLISHED
    expect(h.ct.tcpStateOf(a.ct)).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(h.ct.statusOf(a.ct) & IPS_ASSURED).toBeTruthy();
  });

  function established(h: Harness) {
    const c = tcpPair(h);
    const r = c.orig(SYN);
    c.reply(SYN | ACK);
    c.orig(ACK);
    return { c, ct: r.ct };
  }

  it('a FIN from the client walks FIN_WAIT → CLOSE_WAIT → LAST_ACK → TIME_WAIT with their timeouts', () => {
    const h = new Harness();
    const { c, ct } = established(h);
    c.orig(FIN | ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_FIN_WAIT);
    expect(h.timeLeft(ct)).toBe(120);
    c.reply(ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_CLOSE_WAIT);
    expect(h.timeLeft(ct)).toBe(60);
    c.reply(FIN | ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_LAST_ACK);
    expect(h.timeLeft(ct)).toBe(30);
    c.orig(ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_TIME_WAIT);
    expect(h.timeLeft(ct)).toBe(120);
  });

  it('a FIN from the server closes the same way from the other side', () => {
    const h = new Harness();
    const { c, ct } = established(h);
    c.reply(FIN | ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_FIN_WAIT);
    c.orig(FIN | ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_LAST_ACK);
    c.reply(ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_TIME_WAIT);
  });

  it('a RST closes an established connection: state CLOSE, timeout 10 s, then it is gone', () => {
    const h = new Harness();
    const { c, ct } = established(h);
    c.reply(RST | ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_CLOSE);
    expect(h.timeLeft(ct)).toBe(10);
    h.advance(10);
    // Expired: the next segment no longer finds it (loose pickup starts a fresh connection).
    const next = c.orig(ACK);
    expect(h.ct.isValid(ct)).toBe(false);
    expect(next.ct).not.toBe(ct);
    expect(next.ctinfo).toBe(IP_CT_NEW);
  });

  it('a RST answering a SYN (no reply seen yet) deletes the connection at once', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const syn = c.orig(SYN);
    const rst = c.reply(RST | ACK);
    expect(rst.ct).toBe(syn.ct);
    expect(h.ct.isValid(syn.ct)).toBe(false);
    expect(h.ct.entries).toBe(0);
  });

  it('packets that do not fit the state are invalid (sIV) and leave the state alone', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const syn = c.orig(SYN);
    const badAck = c.orig(ACK); // ORIGINAL ack in SYN_SENT → sIV
    expect(badAck.ctinfo).toBe(CT_INFO_INVALID);
    expect(badAck.ct).toBe(-1);
    expect(ctStateBit(badAck.ct, badAck.ctinfo)).toBe(NF_CT_STATE_INVALID_BIT);
    expect(c.orig(FIN | ACK).ctinfo).toBe(CT_INFO_INVALID); // ORIGINAL fin in SYN_SENT → sIV
    expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_SYN_SENT);
    expect(h.ct.stats.invalid).toBe(2);
  });

  it('a SYN/ACK, FIN or RST cannot start a connection (tcp_new: sNO → sIV)', () => {
    const h = new Harness();
    const c = tcpPair(h);
    for (const f of [SYN | ACK, FIN | ACK, RST]) expect(c.orig(f).ctinfo).toBe(CT_INFO_INVALID);
    expect(h.ct.count).toBe(0);
  });

  it('invalid flag combinations are invalid (tcp_error: tcp_valid_flags)', () => {
    const h = new Harness();
    const c = tcpPair(h);
    expect(c.orig(SYN | FIN).ctinfo).toBe(CT_INFO_INVALID);
    expect(c.orig(0).ctinfo).toBe(CT_INFO_INVALID);
    expect(c.orig(SYN | PSH).ctinfo).toBe(IP_CT_NEW); // PSH is ignored by the check
  });

  it('with nf_conntrack_tcp_loose=1 a mid-stream ACK is picked up as ESTABLISHED capped at UNACK (300 s)', () => {
    const h = new Harness();
    const c = tcpPair(h);
    const r = c.orig(ACK);
    expect(r.ctinfo).toBe(IP_CT_NEW);
    expect(h.ct.tcpStateOf(r.ct)).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(h.timeLeft(r.ct)).toBe(300);
    c.reply(ACK);
    c.orig(ACK); // a valid answer for a picked-up connection → ASSURED, full timeout
    expect(h.ct.statusOf(r.ct) & IPS_ASSURED).toBeTruthy();
    expect(h.timeLeft(r.ct)).toBe(432000);
  });

  it('with nf_conntrack_tcp_loose=0 only a SYN starts a connection', () => {
    const h = new Harness({ tcpLoose: false });
    const c = tcpPair(h);
    expect(c.orig(ACK).ctinfo).toBe(CT_INFO_INVALID);
    expect(c.orig(SYN).ctinfo).toBe(IP_CT_NEW);
  });

  it('a SYN in TIME_WAIT after a FIN close reopens the connection as a new one (RFC 1122)', () => {
    const h = new Harness();
    const { c, ct } = established(h);
    c.orig(FIN | ACK);
    c.reply(FIN | ACK);
    c.orig(ACK);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_TIME_WAIT);
    const again = c.orig(SYN);
    expect(again.ctinfo).toBe(IP_CT_NEW);
    expect(again.ct).not.toBe(ct);
    expect(h.ct.isValid(ct)).toBe(false);
    expect(h.ct.tcpStateOf(again.ct)).toBe(TCP_CONNTRACK_SYN_SENT);
  });

  it('a SYN in ESTABLISHED is ignored (sIG): accepted, no state change, timer not refreshed', () => {
    const h = new Harness();
    const { c, ct } = established(h);
    h.advance(100);
    const r = c.orig(SYN);
    expect(r.ct).toBe(ct);
    expect(r.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_ESTABLISHED);
    expect(h.timeLeft(ct)).toBe(432000 - 100);
  });
});
