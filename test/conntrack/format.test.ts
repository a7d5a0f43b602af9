import { describe, it, expect } from 'vitest';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { NF_NAT_MANIP_SRC } from '../../src/conntrack/constants.ts';
import { formatEntry, formatIpv6, listEntries } from '../../src/conntrack/format.ts';
import { natRangeV4, setupNat } from '../../src/conntrack/nat.ts';
import { ACK, Harness, SYN, ip4, tcpPair } from './helpers.ts';

describe('conntrack -L output (ct_seq_show)', () => {
  it('prints an assured TCP connection like conntrack -L', () => {
    const h = new Harness();
    const c = tcpPair(h, ip4('192.168.1.10'), ip4('198.51.100.7'), 40000, 443);
    const s = c.orig(SYN);
    c.reply(SYN | ACK);
    c.orig(ACK);
    h.advance(1);
    expect(formatEntry(h.ct, s.ct, h.now)).toBe(
      'tcp      6 431999 ESTABLISHED src=192.168.1.10 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=192.168.1.10 sport=443 dport=40000 [ASSURED] mark=0 use=1',
    );
    h.ct.setOffload(s.ct, false);
    expect(formatEntry(h.ct, s.ct, h.now)).toBe(
      'tcp      6 src=192.168.1.10 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=192.168.1.10 sport=443 dport=40000 [OFFLOAD] mark=0 use=1',
    );
  });

  it('marks unreplied connections and shows the NATed reply tuple', () => {
    const h = new Harness();
    const r = h.inOnly({ src: ip4('192.168.1.10'), dst: ip4('8.8.8.8'), proto: IPPROTO_UDP, sport: 5353, dport: 53 });
    setupNat(h.ct, r.ct, NF_NAT_MANIP_SRC, natRangeV4(ip4('203.0.113.5')), h.now);
    h.ct.confirm(r.ct, h.now);
    expect(formatEntry(h.ct, r.ct, h.now)).toBe(
      'udp      17 30 src=192.168.1.10 dst=8.8.8.8 sport=5353 dport=53 [UNREPLIED] src=8.8.8.8 dst=203.0.113.5 sport=53 dport=5353 mark=0 use=1',
    );
    const list = listEntries(h.ct, h.now);
    expect(list).toHaveLength(1);
    expect(list[0]!.srcNat).toBe(true);
    expect(list[0]!.timeoutLeft).toBe(30);
    void IPPROTO_TCP;
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    expect(formatIpv6([0x20010db8, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatIpv6([0, 0, 0, 0])).toBe('::');
  });
});
