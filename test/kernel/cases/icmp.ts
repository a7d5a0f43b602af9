/** Router-generated packets: reject (TCP reset, ICMP, ICMPx), TTL expiry, fragmentation needed, IPv6 errors. */
import type { KernelCase } from '../case.ts';
import {
  expectConntrack, expectCount, expectNone, expectSome, frameFrom, LAN_A, outbound, REMOTE, REMOTE2, REMOTE6, standardTopology, TCP_ACK, TCP_SYN, WAN_IP,
} from './common.ts';
import { BASE_FW } from './nat.ts';

function rejectTcpReset(): KernelCase {
  const c = outbound('tcp', LAN_A, '192.168.1.10', 40300, REMOTE, 23, WAN_IP);
  c.fromA(TCP_SYN);
  return {
    name: 'reject-tcp-reset',
    description: '`reject with tcp reset` answers a SYN with RST/ACK (nf_send_reset) and a mid-stream ACK with RST seq=ack; IPv6 too (nf_send_reset6)',
    topology: standardTopology(),
    ruleset: BASE_FW.replace('ct state established,related accept', 'tcp dport 23 reject with tcp reset\n    ct state established,related accept'),
    frames: [
      ...c.frames,
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, l4: { proto: 'tcp', sport: 40301, dport: 23, seq: 7777, ack: 8888, flags: TCP_ACK, payload: 20 } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, l4: { proto: 'tcp', sport: 40302, dport: 23, seq: 3000, flags: TCP_SYN } }),
    ],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 0), ...expectCount(r, 'lan', 3),
      ...expectSome(r, 'lan', 'RST/ACK from 198.51.100.5:23 to the SYN', (d) => d.src === REMOTE && d.sport === 23 && d.tcpFlags === 0x14),
      ...expectSome(r, 'lan', 'RST to the mid-stream ACK', (d) => d.src === REMOTE && d.dport === 40301 && (d.tcpFlags & 4) !== 0),
      ...expectSome(r, 'lan', 'IPv6 RST', (d) => d.family === 6 && (d.tcpFlags & 4) !== 0),
    ],
  };
}

function rejectIcmp(): KernelCase {
  return {
    name: 'reject-icmp',
    description: '`reject` (default port-unreachable), `reject with icmp type host-unreachable`, `reject with icmpv6 type admin-prohibited`: ICMP errors from the router quoting the offending packet',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    meta nfproto ipv4 udp dport 9999 reject
    ip daddr ${REMOTE2} reject with icmp type host-unreachable
    meta nfproto ipv6 udp dport 9999 reject with icmpv6 type admin-prohibited
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`,
    frames: [
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x5001, l4: { proto: 'udp', sport: 53000, dport: 9999, payload: 20 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE2, id: 0x5002, l4: { proto: 'tcp', sport: 53001, dport: 80, seq: 1, flags: TCP_SYN } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, l4: { proto: 'udp', sport: 53002, dport: 9999, payload: 20 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x5003, l4: { proto: 'udp', sport: 53003, dport: 9998, payload: 20 } }),
    ],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 1), ...expectCount(r, 'lan', 3),
      ...expectSome(r, 'lan', 'ICMP port unreachable', (d) => d.icmpType === 3 && d.icmpCode === 3),
      ...expectSome(r, 'lan', 'ICMP host unreachable', (d) => d.icmpType === 3 && d.icmpCode === 1),
      ...expectSome(r, 'lan', 'ICMPv6 admin prohibited', (d) => d.family === 6 && d.icmpType === 1 && d.icmpCode === 1),
    ],
  };
}

function rejectIcmpx(): KernelCase {
  return {
    name: 'reject-icmpx',
    description: '`reject with icmpx type admin-prohibited` / `port-unreachable` in an inet table: ICMP for IPv4 and ICMPv6 for IPv6',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    tcp dport 8443 reject with icmpx type admin-prohibited
    udp dport 4500 reject with icmpx type port-unreachable
  }
}
`,
    frames: [
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x6001, l4: { proto: 'tcp', sport: 54000, dport: 8443, seq: 1, flags: TCP_SYN } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, l4: { proto: 'tcp', sport: 54001, dport: 8443, seq: 1, flags: TCP_SYN } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x6002, l4: { proto: 'udp', sport: 54002, dport: 4500, payload: 40 } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, l4: { proto: 'udp', sport: 54003, dport: 4500, payload: 40 } }),
    ],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 0), ...expectCount(r, 'lan', 4),
      ...expectSome(r, 'lan', 'ICMP admin prohibited (3/13)', (d) => d.family === 4 && d.icmpType === 3 && d.icmpCode === 13),
      ...expectSome(r, 'lan', 'ICMPv6 admin prohibited (1/1)', (d) => d.family === 6 && d.icmpType === 1 && d.icmpCode === 1),
      ...expectSome(r, 'lan', 'ICMPv6 port unreachable (1/4)', (d) => d.family === 6 && d.icmpType === 1 && d.icmpCode === 4),
    ],
  };
}

function ttlExpiry(): KernelCase {
  return {
    name: 'ttl-1-time-exceeded',
    description: 'TTL 1 is not forwarded: ICMP time exceeded from the router (ip_forward → icmp_send); TTL 2 leaves with TTL 1',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: [
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, ttl: 1, id: 0x7001, l4: { proto: 'udp', sport: 55000, dport: 33434, payload: 24 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, ttl: 2, id: 0x7002, l4: { proto: 'udp', sport: 55000, dport: 33435, payload: 24 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, ttl: 1, id: 0x7003, l4: { proto: 'tcp', sport: 55001, dport: 80, seq: 9, flags: TCP_SYN } }),
    ],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 1), ...expectCount(r, 'lan', 2),
      ...expectSome(r, 'lan', 'ICMP time exceeded', (d) => d.icmpType === 11 && d.icmpCode === 0),
      ...expectSome(r, 'wan', 'the TTL 2 packet with TTL 1', (d) => d.ttl === 1 && d.dport === 33435),
    ],
  };
}

function dfOversize(): KernelCase {
  return {
    name: 'df-oversize-frag-needed',
    description: 'wan MTU 1400: a 1500-byte DF packet gets ICMP fragmentation needed (mtu 1400); without DF it is fragmented (ip_fragment); a 1400-byte DF packet fits',
    topology: standardTopology({ wanMtu: 1400 }),
    ruleset: BASE_FW,
    frames: [
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, df: true, id: 0x8001, l4: { proto: 'udp', sport: 56000, dport: 9000, payload: 1472 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, df: false, id: 0x8002, l4: { proto: 'udp', sport: 56001, dport: 9000, payload: 1472 } }),
      frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, df: true, id: 0x8003, l4: { proto: 'udp', sport: 56002, dport: 9000, payload: 1372 } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, l4: { proto: 'udp', sport: 56003, dport: 9000, payload: 1452 } }),
    ],
    checkKernel: (r) => [
      ...expectSome(r, 'lan', 'ICMP frag needed, mtu 1400', (d) => d.icmpType === 3 && d.icmpCode === 4),
      ...expectSome(r, 'lan', 'ICMPv6 packet too big', (d) => d.family === 6 && d.icmpType === 2),
      ...expectSome(r, 'wan', 'a fragment', (d) => d.mf || d.fragOff > 0),
      ...expectSome(r, 'wan', 'the 1400-byte DF packet', (d) => d.ipLen === 1400),
    ],
  };
}

function ipv6Forward(): KernelCase {
  const c = outbound('tcp', LAN_A, 'fd00:1::10', 40400, REMOTE6, 443, 'fd00:1::10').handshake().exchange(64, 64);
  return {
    name: 'ipv6-forward-icmpv6-errors',
    description: 'IPv6 routed (no NAT), hop limit decremented; hop limit 1 → ICMPv6 time exceeded; no route → ICMPv6 unreachable; reject → ICMPv6 admin prohibited',
    topology: { ...standardTopology(), routes: [{ dst: '0.0.0.0/0', via: '203.0.113.1', dev: 'wan' }, { dst: '2001:db8:100::/48', via: '2001:db8:2::1', dev: 'wan' }] },
    ruleset: BASE_FW.replace('iifname "lan" accept', 'ip6 daddr 2001:db8:100::23 reject with icmpv6 type admin-prohibited\n    iifname "lan" accept'),
    frames: [
      ...c.frames,
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: REMOTE6, ttl: 1, l4: { proto: 'udp', sport: 57000, dport: 33434, payload: 16 } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: '2001:db8:999::1', l4: { proto: 'udp', sport: 57001, dport: 53, payload: 16 } }),
      frameFrom(LAN_A, { src: 'fd00:1::10', dst: '2001:db8:100::23', l4: { proto: 'tcp', sport: 57002, dport: 80, seq: 5, flags: TCP_SYN } }),
    ],
    checkKernel: (r) => [
      ...expectSome(r, 'wan', 'SYN with hop limit 63, address unchanged', (d) => d.family === 6 && d.src === 'fd00:1::10' && d.ttl === 63 && d.tcpFlags === 2),
      ...expectSome(r, 'lan', 'ICMPv6 time exceeded', (d) => d.family === 6 && d.icmpType === 3),
      ...expectSome(r, 'lan', 'ICMPv6 no route', (d) => d.family === 6 && d.icmpType === 1 && d.icmpCode === 0),
      ...expectSome(r, 'lan', 'ICMPv6 admin prohibited', (d) => d.family === 6 && d.icmpType === 1 && d.icmpCode === 1),
      ...expectNone(r, 'wan', 'anything to 2001:db8:999::1', (d) => d.dst === '2001:db8:999::1'),
      ...expectConntrack(r, 'IPv6 TCP ESTABLISHED', (l) => l.includes('ESTABLISHED') && l.includes('fd00:1::10')),
    ],
  };
}

export const icmpCases = [rejectTcpReset, rejectIcmp, rejectIcmpx, ttlExpiry, dfOversize, ipv6Forward];
