import { describe, it, expect } from 'vitest';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import {
  CT_INFO_INVALID, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IP_CT_RELATED, IP_CT_RELATED_REPLY, IP_CT_UNTRACKED,
  NF_CT_STATE_RELATED_BIT, NF_CT_STATE_UNTRACKED_BIT, ctStateBit,
} from '../../src/conntrack/constants.ts';
import { Harness, SYN, ip4, ip6, ipPacket } from './helpers.ts';

const A = ip4('192.168.1.10');
const B = ip4('198.51.100.7');
const M = ip4('203.0.113.1');

describe('ICMP echo (nf_conntrack_icmp_packet)', () => {
  it('an echo request creates a connection; the echo reply with the same id is its reply', () => {
    const h = new Harness();
    const req = h.send({ src: A, dst: B, proto: IPPROTO_ICMP, icmpType: 8, icmpId: 77 });
    expect(req.ctinfo).toBe(IP_CT_NEW);
    const rep = h.send({ src: B, dst: A, proto: IPPROTO_ICMP, icmpType: 0, icmpId: 77 });
    expect(rep.ct).toBe(req.ct);
    expect(rep.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('an echo reply nobody asked for is invalid (icmp_new: only requests open a connection)', () => {
    const h = new Harness();
    expect(h.send({ src: B, dst: A, proto: IPPROTO_ICMP, icmpType: 0, icmpId: 5 }).ctinfo).toBe(CT_INFO_INVALID);
    expect(h.ct.count).toBe(0);
  });

  it('ICMPv6 echo is tracked; neighbour discovery is left untracked (noct_valid_new)', () => {
    const h = new Harness();
    const a6 = ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    const b6 = ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]);
    const req = h.send({ src: a6, dst: b6, proto: IPPROTO_ICMPV6, icmpType: 128, icmpId: 9 });
    expect(req.ctinfo).toBe(IP_CT_NEW);
    expect(h.send({ src: b6, dst: a6, proto: IPPROTO_ICMPV6, icmpType: 129, icmpId: 9 }).ct).toBe(req.ct);
    const ns = h.send({ src: a6, dst: b6, proto: IPPROTO_ICMPV6, icmpType: 135 });
    expect(ns.ctinfo).toBe(IP_CT_UNTRACKED);
    expect(ctStateBit(ns.ct, ns.ctinfo)).toBe(NF_CT_STATE_UNTRACKED_BIT);
  });
});

describe('ICMP errors (nf_conntrack_icmpv4_error → nf_conntrack_inet_error)', () => {
  it('an error quoting a packet of a tracked connection is RELATED to it', () => {
    const h = new Harness();
    const syn = h.send({ src: A, dst: B, proto: IPPROTO_TCP, sport: 40000, dport: 443, flags: SYN });
    // A router on the path answers A's SYN with "host unreachable", quoting it.
    const quoted = ipPacket({ src: A, dst: B, proto: IPPROTO_TCP, sport: 40000, dport: 443, flags: SYN }).slice(0, 28);
    const err = h.send({ src: M, dst: A, proto: IPPROTO_ICMP, icmpType: 3, icmpCode: 1, quoted });
    expect(err.ct).toBe(syn.ct);
    expect(err.dir).toBe(1);
    expect(err.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(ctStateBit(err.ct, err.ctinfo)).toBe(NF_CT_STATE_RELATED_BIT);
    // An error travelling in the original direction (to B, about B's reply) is plain RELATED.
    const q2 = ipPacket({ src: B, dst: A, proto: IPPROTO_TCP, sport: 443, dport: 40000, flags: SYN }).slice(0, 28);
    const err2 = h.send({ src: M, dst: B, proto: IPPROTO_ICMP, icmpType: 11, quoted: q2 });
    expect(err2.ctinfo).toBe(IP_CT_RELATED);
  });

  it('an error quoting nothing known is invalid and counted as an error', () => {
    const h = new Harness();
    const quoted = ipPacket({ src: A, dst: B, proto: IPPROTO_UDP, sport: 1, dport: 2 }).slice(0, 28);
    const err = h.send({ src: M, dst: A, proto: IPPROTO_ICMP, icmpType: 3, quoted });
    expect(err.ctinfo).toBe(CT_INFO_INVALID);
    expect(err.ct).toBe(-1);
    expect(h.ct.stats.error).toBe(1);
  });

  it('an error whose outer destination is not the connection endpoint is invalid', () => {
    const h = new Harness();
    h.send({ src: A, dst: B, proto: IPPROTO_UDP, sport: 1, dport: 2 });
    const quoted = ipPacket({ src: A, dst: B, proto: IPPROTO_UDP, sport: 1, dport: 2 }).slice(0, 28);
    const err = h.send({ src: M, dst: ip4('10.9.9.9'), proto: IPPROTO_ICMP, icmpType: 3, quoted });
    expect(err.ctinfo).toBe(CT_INFO_INVALID);
  });

  it('a truncated quoted header is invalid, never a crash', () => {
    const h = new Harness();
    const err = h.send({ src: M, dst: A, proto: IPPROTO_ICMP, icmpType: 3, quoted: new Uint8Array([0x45, 0]) });
    expect(err.ctinfo).toBe(CT_INFO_INVALID);
  });
});
