/** NAT cases: masquerade (TCP, UDP), DNAT port forward, SNAT to an address and to a port range. */
import type { KernelCase } from '../case.ts';
import { buildPacket, TCP_SYN } from '../wire.ts';
import {
  Conv, expectConntrack, expectCount, expectSome, frameFrom, GW, LAN_A, LAN_B, outbound, REMOTE, standardTopology, WAN_IP, WAN_MAC,
} from './common.ts';

/** forward: established/related + LAN out; postrouting: IPv4 masquerade on wan. */
export const BASE_FW = `table inet fw {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" accept
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`;

function masqueradeTcp(): KernelCase {
  // Assumption: masquerade keeps the source port when it is free (nf_nat_l4proto_unique_tuple is
  // not reached: get_unique_tuple finds the original tuple in range and unused).
  const c = outbound('tcp', LAN_A, '192.168.1.10', 40000, REMOTE, 80, WAN_IP).handshake().exchange();
  return {
    name: 'masquerade-tcp',
    description: 'IPv4 masquerade of a TCP connection, both directions (SYN, SYN/ACK, data each way)',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: c.frames,
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 4), ...expectCount(r, 'lan', 3),
      ...expectSome(r, 'wan', 'SYN rewritten to the WAN address, TTL 63', (d) => d.src === WAN_IP && d.sport === 40000 && d.ttl === 63 && d.tcpFlags === 2),
      ...expectSome(r, 'lan', 'SYN/ACK un-NATed to 192.168.1.10', (d) => d.dst === '192.168.1.10' && d.dport === 40000 && d.tcpFlags === 0x12),
      ...expectConntrack(r, 'ESTABLISHED, reply to the WAN address, ASSURED', (l) => l.includes('ESTABLISHED') && l.includes(`dst=${WAN_IP}`) && l.includes('[ASSURED]')),
    ],
  };
}

function masqueradeUdp(): KernelCase {
  const c = outbound('udp', LAN_A, '192.168.1.10', 50000, REMOTE, 53, WAN_IP);
  c.fromA(0, 40); c.fromB(0, 120); c.fromA(0, 40); c.fromB(0, 120);
  const d = outbound('udp', LAN_B, '192.168.1.11', 50001, REMOTE, 123, WAN_IP);
  d.fromA(0, 48); d.fromB(0, 48);
  return {
    name: 'masquerade-udp',
    description: 'IPv4 masquerade of two UDP flows (DNS-like, NTP-like), queries out and replies back',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: [...c.frames.slice(0, 2), ...d.frames, ...c.frames.slice(2)],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 3), ...expectCount(r, 'lan', 3),
      // nf_conntrack_udp_packet: a UDP stream is only ASSURED once it is older than 2 s (stream_ts).
      ...expectConntrack(r, 'UDP 50000 replied, not yet assured', (l) => l.startsWith('udp') && l.includes('sport=50000') && !l.includes('UNREPLIED') && !l.includes('ASSURED')),
      ...expectConntrack(r, 'UDP 50001 replied, not assured', (l) => l.startsWith('udp') && l.includes('sport=50001') && !l.includes('UNREPLIED') && !l.includes('ASSURED')),
    ],
  };
}

function dnatPortForward(): KernelCase {
  const c = new Conv('tcp', { host: GW, ip: '198.51.100.77', port: 45000 }, { ip: WAN_IP, port: 8080 },
    { host: LAN_A, ip: '192.168.1.10', port: 80 }, { ip: '198.51.100.77', port: 45000 });
  c.handshake().exchange(300, 1200).finClose();
  return {
    name: 'dnat-port-forward',
    description: 'DNAT wan:8080 → 192.168.1.10:80 (port forward), the forwarded connection and its un-DNATed replies',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" meta nfproto ipv4 tcp dport 8080 dnat ip to 192.168.1.10:80
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct status dnat accept
    iifname "lan" accept
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`,
    frames: c.frames,
    checkKernel: (r) => [
      ...expectCount(r, 'lan', 6), ...expectCount(r, 'wan', 4),
      ...expectSome(r, 'lan', 'SYN to 192.168.1.10:80', (d) => d.dst === '192.168.1.10' && d.dport === 80 && d.tcpFlags === 2),
      ...expectSome(r, 'wan', 'SYN/ACK from WAN address port 8080', (d) => d.src === WAN_IP && d.sport === 8080 && d.tcpFlags === 0x12),
      ...expectConntrack(r, 'DNAT entry in TIME_WAIT', (l) => l.includes('TIME_WAIT') && l.includes('dport=8080') && l.includes('src=192.168.1.10')),
    ],
  };
}

function snatAddressAndRange(): KernelCase {
  // Flow 1: snat to an address only: the port is kept. Flow 2: snat to a port range that does not
  // contain the original port: the kernel picks a random port in the range (normalised, see README).
  const c = outbound('tcp', LAN_A, '192.168.1.10', 40010, REMOTE, 443, '203.0.113.3').handshake().exchange(50, 50);
  const d = outbound('udp', LAN_B, '192.168.1.11', 40011, REMOTE, 5353, '203.0.113.4');
  d.fromA(0, 30);
  d.fromA(0, 31);
  return {
    name: 'snat-address-and-port-range',
    description: 'SNAT to an address (port kept, replies un-NATed) and to an address:port-range (port chosen in range)',
    topology: standardTopology(),
    ruleset: `table ip nat {
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ip saddr 192.168.1.10 snat to 203.0.113.3
    oifname "wan" ip saddr 192.168.1.11 meta l4proto udp snat to 203.0.113.4:20000-20099
  }
}
table inet fw {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" accept
  }
}
`,
    frames: [...c.frames.slice(0, 3), ...d.frames, ...c.frames.slice(3)],
    normalise: [{ kind: 'nat-port-range', addr: '203.0.113.4', lo: 20000, hi: 20099, why: 'snat to a port range not containing the original port: nf_nat_l4proto_unique_tuple starts at a random offset (get_random_u16) for SNAT' }],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 6), ...expectCount(r, 'lan', 3),
      ...expectSome(r, 'wan', 'SYN from 203.0.113.3:40010', (d) => d.src === '203.0.113.3' && d.sport === 40010),
      ...expectSome(r, 'wan', 'UDP from 203.0.113.4 with a port in 20000-20099', (d) => d.src === '203.0.113.4' && d.sport >= 20000 && d.sport <= 20099),
    ],
  };
}

function dnatPortRange(): KernelCase {
  // nf_nat_l4proto_unique_tuple without `random` for a DST manip starts at the range's first port
  // (off = 0, "netfilter: nat: restore default DNAT behavior"): the first connection gets 21000.
  // The second comes from the same source address and port to another forwarded port: its reply
  // tuple with 21000 would be the first one's, so it takes the next port, 21001.
  const c = new Conv('tcp', { host: GW, ip: '198.51.100.77', port: 45000 }, { ip: WAN_IP, port: 8080 },
    { host: LAN_A, ip: '192.168.1.10', port: 21000 }, { ip: '198.51.100.77', port: 45000 });
  const d = new Conv('tcp', { host: GW, ip: '198.51.100.77', port: 45000 }, { ip: WAN_IP, port: 8081 },
    { host: LAN_A, ip: '192.168.1.10', port: 21001 }, { ip: '198.51.100.77', port: 45000 });
  c.handshake();
  d.handshake();
  return {
    name: 'dnat-port-range',
    description: 'DNAT to 192.168.1.10:21000-21010 without `random`: the first connection gets the first port, a clashing second one the next',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" meta nfproto ipv4 tcp dport { 8080, 8081 } dnat ip to 192.168.1.10:21000-21010
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct status dnat accept
  }
}
`,
    frames: [...c.frames, ...d.frames],
    checkKernel: (r) => [
      ...expectCount(r, 'lan', 4), ...expectCount(r, 'wan', 2),
      ...expectSome(r, 'lan', 'first SYN to port 21000', (x) => x.dport === 21000 && x.tcpFlags === TCP_SYN),
      ...expectSome(r, 'lan', 'second SYN to port 21001', (x) => x.dport === 21001 && x.tcpFlags === TCP_SYN),
    ],
  };
}

function masqueradeSourceChoice(): KernelCase {
  // nf_nat_masquerade_ipv4 takes inet_select_addr(out, nexthop): with 10.9.9.2/24 first on wan and
  // the gateway in 203.0.113.0/24, the source is 203.0.113.2, not the device's first address.
  const topo = standardTopology();
  const wan = topo.interfaces.find((i) => i.name === 'wan')!;
  const topology = { ...topo, interfaces: topo.interfaces.map((i) => i === wan ? { ...i, addresses: ['10.9.9.2/24', ...i.addresses] } : i) };
  const c = outbound('udp', LAN_A, '192.168.1.10', 50100, REMOTE, 53, WAN_IP);
  c.fromA(0, 40); c.fromB(0, 80);
  return {
    name: 'masquerade-source-choice',
    description: 'masquerade on a device with two IPv4 addresses takes the one in the next hop\'s subnet (inet_select_addr)',
    topology,
    ruleset: BASE_FW,
    frames: c.frames,
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 1), ...expectCount(r, 'lan', 1),
      ...expectSome(r, 'wan', 'query from 203.0.113.2', (x) => x.src === WAN_IP && x.sport === 50100),
    ],
  };
}

function icmpErrorPortDnat(): KernelCase {
  // A port-only DNAT (`dnat to :8080`, the address kept) of an outgoing connection; a router on the
  // way (the gateway) answers the forwarded SYN with time exceeded. nf_nat_icmp_reply_translation
  // restores the quoted destination port and rewrites the OUTER source to the inverted original
  // tuple's: the error reaches the client from 198.51.100.5, the address it dialled.
  const syn = frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x4242, l4: { proto: 'tcp', sport: 40400, dport: 80, seq: 5000, flags: TCP_SYN } });
  // The SYN as the router forwards it: TTL 63, destination port 8080 (IPv4 header + 8 bytes quoted).
  const fwd = buildPacket({ srcMac: WAN_MAC, dstMac: GW.mac, src: '192.168.1.10', dst: REMOTE, ttl: 63, id: 0x4242, l4: { proto: 'tcp', sport: 40400, dport: 8080, seq: 5000, flags: TCP_SYN } });
  const quote = fwd.subarray(14, 14 + 28);
  const err = frameFrom(GW, { src: '203.0.113.1', dst: '192.168.1.10', id: 0x4343, l4: { proto: 'icmp', type: 11, code: 0, rest: [0, 0, 0, 0], quote } });
  return {
    name: 'icmp-error-port-dnat',
    description: 'time exceeded about a port-only DNATed connection: inner port restored, outer source becomes the dialled address',
    topology: standardTopology(),
    ruleset: `table ip nat {
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "lan" tcp dport 80 dnat to :8080
  }
}
`,
    frames: [syn, err],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 1), ...expectCount(r, 'lan', 1),
      ...expectSome(r, 'wan', 'SYN to port 8080', (x) => x.dport === 8080),
      ...expectSome(r, 'lan', 'time exceeded from 198.51.100.5', (x) => x.icmpType === 11 && x.src === REMOTE),
    ],
  };
}

export const natCases = [masqueradeTcp, masqueradeUdp, dnatPortForward, snatAddressAndRange, dnatPortRange, masqueradeSourceChoice, icmpErrorPortDnat];
