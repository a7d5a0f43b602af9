/** Filtering cases: policy drop, established/related, limit, sets and vmaps, jump/goto/return, two tables. */
import type { KernelCase } from '../case.ts';
import { buildPacket } from '../wire.ts';
import {
  expectConntrack, expectConntrackCount, expectCount, expectNone, expectSome, frameFrom, GW, LAN_A, outbound, REMOTE, standardTopology, WAN_IP, WAN_MAC,
} from './common.ts';
import { BASE_FW } from './nat.ts';

const FW_WITH_INPUT = BASE_FW.replace(/}\n$/, `  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lan" accept
  }
}
`);

function unsolicitedInbound(): KernelCase {
  const ok = outbound('udp', LAN_A, '192.168.1.10', 50100, REMOTE, 53, WAN_IP);
  ok.fromA(0, 20); ok.fromB(0, 60);
  return {
    name: 'unsolicited-inbound-dropped',
    description: 'forward and input policy drop: unsolicited TCP/UDP/ICMP from the WAN to a LAN host and to the router are dropped silently, never confirmed in conntrack',
    topology: standardTopology(),
    ruleset: FW_WITH_INPUT,
    frames: [
      ...ok.frames,
      frameFrom(GW, { src: REMOTE, dst: '192.168.1.10', l4: { proto: 'tcp', sport: 41000, dport: 22, seq: 1, flags: 2 } }),
      frameFrom(GW, { src: REMOTE, dst: '192.168.1.10', l4: { proto: 'udp', sport: 41001, dport: 5000, payload: 10 } }),
      frameFrom(GW, { src: REMOTE, dst: '192.168.1.10', l4: { proto: 'icmp', type: 8, code: 0, id: 7, seq: 1, payload: 16 } }),
      frameFrom(GW, { src: REMOTE, dst: WAN_IP, l4: { proto: 'tcp', sport: 41002, dport: 22, seq: 1, flags: 2 } }),
      frameFrom(GW, { src: REMOTE, dst: WAN_IP, l4: { proto: 'udp', sport: 41003, dport: 9999, payload: 10 } }),
      frameFrom(GW, { src: REMOTE, dst: WAN_IP, l4: { proto: 'udp', sport: 53, dport: 50101, payload: 10 } }),
    ],
    checkKernel: (r) => [...expectCount(r, 'wan', 1), ...expectCount(r, 'lan', 1), ...expectConntrackCount(r, 1)],
  };
}

function establishedRelated(): KernelCase {
  const tcp = outbound('tcp', LAN_A, '192.168.1.10', 40100, REMOTE, 80, WAN_IP).handshake().exchange(10, 10);
  const udp = outbound('udp', LAN_A, '192.168.1.10', 50200, REMOTE, 33434, WAN_IP);
  udp.fromA(0, 32, { ttl: 64, id: 0x4242 });
  // The remote answers with port unreachable, quoting the packet as it arrived (after masquerade,
  // one hop: TTL 63): RELATED to the UDP entry, forwarded with the quoted header un-NATed.
  const natted = buildPacket({ srcMac: WAN_MAC, dstMac: GW.mac, src: WAN_IP, dst: REMOTE, ttl: 63, id: 0x4242, l4: { proto: 'udp', sport: 50200, dport: 33434, payload: 32 } });
  const err = frameFrom(GW, { src: REMOTE, dst: WAN_IP, l4: { proto: 'icmp', type: 3, code: 3, rest: [0, 0, 0, 0], quote: natted.subarray(14, 14 + 28 + 32) } });
  // An error quoting a flow conntrack never saw: not RELATED (nf_conntrack_icmpv4_error finds no
  // entry), so INVALID and dropped by the policy.
  const stray = buildPacket({ srcMac: WAN_MAC, dstMac: GW.mac, src: WAN_IP, dst: REMOTE, ttl: 63, id: 0x4343, l4: { proto: 'udp', sport: 50999, dport: 33435, payload: 8 } });
  const bogus = frameFrom(GW, { src: REMOTE, dst: WAN_IP, l4: { proto: 'icmp', type: 3, code: 3, rest: [0, 0, 0, 0], quote: stray.subarray(14, 14 + 36) } });
  return {
    name: 'established-related',
    description: 'ct state established,related accept: TCP replies pass, an ICMP port-unreachable for a masqueraded UDP flow is RELATED and un-NATed (inner header too), an error for an unknown flow is dropped',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: [...tcp.frames, ...udp.frames, err, bogus],
    checkKernel: (r) => [
      ...expectSome(r, 'lan', 'ICMP port unreachable to 192.168.1.10 quoting 192.168.1.10:50200', (d) => d.icmpType === 3 && d.dst === '192.168.1.10' && d.inner?.src === '192.168.1.10' && d.inner.sport === 50200),
      ...expectNone(r, 'lan', 'the error for the unknown flow', (d) => d.icmpType === 3 && d.inner?.sport === 50999),
    ],
  };
}

function limitRate(): KernelCase {
  const c = outbound('icmp', LAN_A, '192.168.1.10', 77, REMOTE, 0, WAN_IP);
  for (let i = 0; i < 8; i++) c.fromA(0, 56);
  return {
    name: 'limit-rate',
    description: '`limit rate 2/second burst 2 packets`: of 8 back-to-back echo requests (5 ms apart) only the bucket\'s worth pass (nft_limit_eval)',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    icmp type echo-request limit rate 2/second burst 2 packets accept
    icmp type echo-request drop
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`,
    frames: c.frames,
    checkKernel: (r) => {
      const n = r.sent.get('wan')?.length ?? 0;
      return n >= 2 && n <= 5 ? [] : [`expected 2..5 echo requests through the limit, kernel sent ${n}`];
    },
  };
}

function setsAndVmaps(): KernelCase {
  const syn = (dst: string, dport: number): ReturnType<typeof frameFrom> =>
    frameFrom(LAN_A, { src: '192.168.1.10', dst, l4: { proto: 'tcp', sport: 40200 + dport % 100, dport, seq: 100, flags: 2 } });
  const udp = (dst: string, dport: number): ReturnType<typeof frameFrom> =>
    frameFrom(LAN_A, { src: '192.168.1.10', dst, l4: { proto: 'udp', sport: 50300 + dport % 100, dport, payload: 12 } });
  return {
    name: 'sets-and-vmaps-intervals',
    description: 'named interval sets (ports, prefixes), an interval verdict map and an anonymous vmap with a range',
    topology: standardTopology(),
    ruleset: `table inet fw {
  set blocked_ports {
    type inet_service
    flags interval
    elements = { 23, 135-139, 445 }
  }
  set bad_nets {
    type ipv4_addr
    flags interval
    elements = { 198.51.100.0/28 }
  }
  map by_dst {
    type ipv4_addr : verdict
    flags interval
    elements = { 198.51.100.16/28 : accept, 198.51.100.32/27 : drop }
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    tcp dport @blocked_ports drop
    ip daddr vmap @by_dst
    ip daddr @bad_nets drop
    udp dport vmap { 53 : accept, 1000-2000 : drop }
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`,
    frames: [
      syn('198.51.100.20', 137), // blocked port range → drop
      syn('198.51.100.20', 80), // vmap /28 → accept
      syn('198.51.100.40', 80), // vmap /27 → drop
      syn(REMOTE, 80), // bad_nets → drop
      syn('198.51.100.100', 445), // blocked port → drop
      udp('198.51.100.100', 53), // anonymous vmap → accept
      udp('198.51.100.100', 1500), // anonymous vmap range → drop
      udp('198.51.100.100', 2001), // no match → policy accept
      syn('198.51.100.31', 139), // blocked before the vmap → drop
      syn('198.51.100.31', 140), // vmap accept
    ],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 4),
      ...expectSome(r, 'wan', 'SYN to .20:80', (d) => d.dst === '198.51.100.20' && d.dport === 80),
      ...expectSome(r, 'wan', 'UDP :2001', (d) => d.dport === 2001),
      ...expectNone(r, 'wan', 'UDP :1500', (d) => d.dport === 1500),
    ],
  };
}

function jumpGotoReturn(): KernelCase {
  const u = (dst: string, dport: number): ReturnType<typeof frameFrom> =>
    frameFrom(LAN_A, { src: '192.168.1.10', dst, l4: { proto: 'udp', sport: 51000 + dport, dport, payload: 8 } });
  return {
    name: 'jump-goto-return',
    description: 'jump returns to the caller, return ends a chain early, goto does not come back (the base policy applies at the end of a goto\'d chain)',
    topology: standardTopology(),
    ruleset: `table inet fw {
  chain classify {
    udp dport 1001 drop
    udp dport 1002 return
    udp dport 1003 meta mark set 0x2
  }
  chain via_goto {
    udp dport 9 drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    jump classify
    meta mark 0x2 drop
    ip daddr 198.51.100.30 goto via_goto
    udp dport 7 drop
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    meta nfproto ipv4 oifname "wan" masquerade
  }
}
`,
    frames: [u(REMOTE, 1001), u(REMOTE, 1002), u(REMOTE, 1003), u('198.51.100.30', 7), u('198.51.100.30', 9), u(REMOTE, 7), u(REMOTE, 8)],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 3),
      ...expectSome(r, 'wan', 'UDP :1002 (returned)', (d) => d.dport === 1002),
      ...expectSome(r, 'wan', 'UDP .30:7 (goto, policy accept)', (d) => d.dst === '198.51.100.30' && d.dport === 7),
      ...expectSome(r, 'wan', 'UDP :8', (d) => d.dport === 8),
    ],
  };
}

function twoTablesPriorities(): KernelCase {
  const u = (dport: number): ReturnType<typeof frameFrom> =>
    frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, l4: { proto: 'udp', sport: 52000 + dport % 1000, dport, payload: 8 } });
  return {
    name: 'two-tables-priorities',
    description: 'two tables on the forward hook: priority -10 runs first and sets a mark the priority 10 chain drops on; an accept in the first table does not stop the second',
    topology: standardTopology(),
    ruleset: `table inet late {
  chain forward {
    type filter hook forward priority 10; policy accept;
    meta mark 7 drop
    udp dport 3000 drop
  }
}
table inet early {
  chain forward {
    type filter hook forward priority -10; policy accept;
    udp dport 2000 meta mark set 7
    udp dport 3000 accept
    udp dport 5000 drop
  }
}
table ip nat {
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade
  }
}
`,
    frames: [u(2000), u(3000), u(4000), u(5000), u(6000)],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 2),
      ...expectSome(r, 'wan', 'UDP :4000', (d) => d.dport === 4000),
      ...expectConntrack(r, 'UDP 4000 unreplied', (l) => l.includes('dport=4000') && l.includes('UNREPLIED')),
    ],
  };
}

export const filterCases = [unsolicitedInbound, establishedRelated, limitRate, setsAndVmaps, jumpGotoReturn, twoTablesPriorities];
