/**
 * Conntrack against the kernel (mainline 6.6–6.12): net/netfilter/nf_conntrack_proto_tcp.c,
 * nf_conntrack_proto_icmp.c, nf_conntrack_proto_icmpv6.c. Each test asserts what the kernel does
 * and quotes the function responsible. (What tcp_in_window's sequence state drives — the RETRANS,
 * zero-window and UNACK timeout caps, the RST sequence checks — is not modelled; src/conntrack/tcp.ts
 * and the README say so.)
 */
import { describe, it, expect } from 'vitest';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../../src/wire/tuple.ts';
import {
  CT_INFO_INVALID, IPS_ASSURED, IP_CT_ESTABLISHED_REPLY,
  TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_ESTABLISHED, TCP_CONNTRACK_SYN_SENT,
} from '../../src/conntrack/constants.ts';
import { ACK, Harness, PSH, RST, SYN, ip4, ip6, type Result } from './helpers.ts';

const C = ip4('192.168.1.10');
const S = ip4('198.51.100.7');
const CPORT = 40000;
const SPORT = 443;
const CISN = 1000; // client ISN: its first data byte is 1001
const SISN = 5000; // server ISN: its first data byte is 5001

/** One TCP segment between the client C and the server S, through conntrack in + confirm. */
function seg(h: Harness, fromClient: boolean, flags: number, seq: number, ack: number, opts: { payload?: number } = {}): Result {
  return h.send(fromClient
    ? { src: C, dst: S, proto: IPPROTO_TCP, sport: CPORT, dport: SPORT, flags, seq, ack, payload: opts.payload ?? 0 }
    : { src: S, dst: C, proto: IPPROTO_TCP, sport: SPORT, dport: CPORT, flags, seq, ack, payload: opts.payload ?? 0 });
}

/** SYN, SYN/ACK, ACK with real sequence numbers: ESTABLISHED + ASSURED. */
function handshake(h: Harness): number {
  const syn = seg(h, true, SYN, CISN, 0);
  seg(h, false, SYN | ACK, SISN, CISN + 1);
  seg(h, true, ACK, CISN + 1, SISN + 1);
  expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_ESTABLISHED);
  expect(h.ct.statusOf(syn.ct) & IPS_ASSURED).toBeTruthy();
  expect(h.timeLeft(syn.ct)).toBe(432000);
  return syn.ct;
}

describe('TCP timeouts that do not depend on window checking (nf_conntrack_tcp_packet)', () => {
  it('a retransmitted SYN in SYN_SENT does not renew the timeout', () => {
    // nf_conntrack_tcp_packet (upstream e15d4cdf27cb "netfilter: conntrack: do not renew entry stuck
    // in tcp SYN_SENT state", v6.2, in 6.6–6.12):
    //   if (!test_bit(IPS_SEEN_REPLY_BIT, &ct->status)) {
    //       ...
    //       if (index == TCP_SYN_SET && old_state == TCP_CONNTRACK_SYN_SENT) {
    //           /* do not renew timeout on SYN retransmit.
    //            * Else port reuse by client or NAT middlebox can keep
    //            * entry alive indefinitely (including nat info). */
    //           return NF_ACCEPT;
    //       }
    // So a SYN at t=0 (120 s) retransmitted at t=100 still expires at t=120.
    const h = new Harness();
    const syn = seg(h, true, SYN, CISN, 0);
    expect(h.timeLeft(syn.ct)).toBe(120);
    h.advance(100);
    const again = seg(h, true, SYN, CISN, 0);
    expect(again.ct).toBe(syn.ct);
    expect(h.ct.tcpStateOf(syn.ct)).toBe(TCP_CONNTRACK_SYN_SENT);
    expect(h.timeLeft(syn.ct)).toBe(20);
  });

});

describe('TCP RST at the acknowledged sequence (nf_conntrack_tcp_packet, case TCP_CONNTRACK_CLOSE)', () => {
  /** Handshake, 100 bytes server → client, acknowledged: the client's td_maxack is SISN + 101. */
  function withServerData(h: Harness): number {
    const ct = handshake(h);
    seg(h, false, PSH | ACK, SISN + 1, CISN + 1, { payload: 100 });
    seg(h, true, ACK, CISN + 1, SISN + 101);
    return ct;
  }

  it('a RST at exactly the acknowledged sequence closes: CLOSE, 10 s', () => {
    //   if (... seq == ct->proto.tcp.seen[!dir].td_maxack) break;  → new_state = sCL
    //   else if (unlikely(index == TCP_RST_SET)) timeout = timeouts[TCP_CONNTRACK_CLOSE];
    const h = new Harness();
    const ct = withServerData(h);
    const rst = seg(h, false, RST | ACK, SISN + 101, CISN + 1);
    expect(rst.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(h.ct.tcpStateOf(ct)).toBe(TCP_CONNTRACK_CLOSE);
    expect(h.timeLeft(ct)).toBe(10);
  });
});

describe('ICMP (nf_conntrack_proto_icmp.c)', () => {
  const A = ip4('192.168.1.10');
  const B = ip4('198.51.100.7');

  it('the echo reply does not end the connection: it stays, refreshed to 30 s', () => {
    // nf_conntrack_icmp_packet: "Do not immediately delete the connection after the first
    // successful reply to avoid excessive conntrackd traffic and also to handle correctly ICMP
    // echo reply duplicates." ... nf_ct_refresh_acct(ct, ctinfo, skb, *timeout);
    const h = new Harness();
    const req = h.send({ src: A, dst: B, proto: IPPROTO_ICMP, icmpType: 8, icmpId: 9 });
    h.advance(10);
    const rep = h.send({ src: B, dst: A, proto: IPPROTO_ICMP, icmpType: 0, icmpId: 9 });
    expect(rep.ct).toBe(req.ct);
    expect(rep.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(h.ct.isValid(req.ct)).toBe(true);
    expect(h.timeLeft(req.ct)).toBe(30);
    expect(h.ct.statusOf(req.ct) & IPS_ASSURED).toBe(0); // icmp never sets ASSURED
  });

  it('ICMPv6 redirect (137) is not in noct_valid_new: an unsolicited one is INVALID, not untracked', () => {
    // nf_conntrack_icmpv6_error: noct_valid_new covers MLD 130–132, RS/RA/NS/NA 133–136 and MLDv2 143;
    // 137 is neither untracked nor an error (>= 128), and icmpv6_packet's valid_new only allows
    // ECHO_REQUEST / NI_QUERY to create a connection.
    const h = new Harness();
    const a6 = ip6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x10]);
    const b6 = ip6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x1]);
    const r = h.send({ src: b6, dst: a6, proto: IPPROTO_ICMPV6, icmpType: 137 });
    expect(r.ctinfo).toBe(CT_INFO_INVALID);
    expect(h.ct.count).toBe(0);
  });
});
