/** A firewall4-style full ruleset (OpenWrt's default lan/wan zones, syn_flood, helpers assigned but idle, MSS clamping). */
import type { KernelCase } from '../case.ts';
import { decodeFrame } from '../decode.ts';
import {
  Conv, expectConntrack, expectSome, frameFrom, GW, LAN_A, outbound, REMOTE, REMOTE6, standardTopology, TCP_SYN, WAN_IP,
} from './common.ts';

/** Modelled on `fw4 print` of a default OpenWrt 23.05 configuration (lan, wan zones, default rules). */
export const FW4_RULESET = `table inet fw4 {
  ct helper ftp {
    type "ftp" protocol tcp
    l3proto inet
  }
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept comment "!fw4: Accept traffic from loopback"
    ct state vmap { established : accept, related : accept } comment "!fw4: Handle inbound flows"
    tcp flags syn / fin,syn,rst,ack jump syn_flood comment "!fw4: Rate limit TCP syn packets"
    iifname "lan" jump input_lan comment "!fw4: Handle lan IPv4/IPv6 input traffic"
    iifname "wan" jump input_wan comment "!fw4: Handle wan IPv4/IPv6 input traffic"
    jump handle_reject
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state vmap { established : accept, related : accept } comment "!fw4: Handle forwarded flows"
    iifname "lan" jump forward_lan comment "!fw4: Handle lan IPv4/IPv6 forward traffic"
    iifname "wan" jump forward_wan comment "!fw4: Handle wan IPv4/IPv6 forward traffic"
    jump handle_reject
  }
  chain output {
    type filter hook output priority filter; policy accept;
    oif "lo" accept comment "!fw4: Accept traffic towards loopback"
    ct state vmap { established : accept, related : accept } comment "!fw4: Handle outbound flows"
    oifname "lan" jump output_lan comment "!fw4: Handle lan IPv4/IPv6 output traffic"
    oifname "wan" jump output_wan comment "!fw4: Handle wan IPv4/IPv6 output traffic"
  }
  chain prerouting {
    type filter hook prerouting priority filter; policy accept;
    iifname "lan" jump helper_lan comment "!fw4: Handle lan IPv4/IPv6 helper assignment"
  }
  chain handle_reject {
    meta l4proto tcp reject with tcp reset comment "!fw4: Reject TCP traffic"
    reject comment "!fw4: Reject any other traffic"
  }
  chain syn_flood {
    limit rate 25/second burst 50 packets return comment "!fw4: Accept SYN packets below rate-limit"
    drop comment "!fw4: Drop excess packets"
  }
  chain input_lan {
    jump accept_from_lan
  }
  chain output_lan {
    jump accept_to_lan
  }
  chain forward_lan {
    jump accept_to_wan comment "!fw4: Accept lan to wan forwarding"
    jump accept_to_lan
  }
  chain helper_lan {
    tcp dport 21 ct helper set "ftp" comment "!fw4: lan FTP CT helper"
  }
  chain accept_from_lan {
    iifname "lan" counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"
  }
  chain accept_to_lan {
    oifname "lan" counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"
  }
  chain input_wan {
    meta nfproto ipv4 udp dport 68 counter accept comment "!fw4: Allow-DHCP-Renew"
    icmp type echo-request counter accept comment "!fw4: Allow-Ping"
    meta nfproto ipv4 meta l4proto igmp counter accept comment "!fw4: Allow-IGMP"
    meta nfproto ipv6 udp dport 546 counter accept comment "!fw4: Allow-DHCPv6"
    icmpv6 type { destination-unreachable, time-exceeded, echo-request, echo-reply, nd-router-solicit, nd-router-advert } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Input"
    jump reject_from_wan
  }
  chain output_wan {
    jump accept_to_wan
  }
  chain forward_wan {
    icmpv6 type { destination-unreachable, time-exceeded, echo-request, echo-reply } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Forward"
    meta l4proto esp counter jump accept_to_lan comment "!fw4: Allow-IPSec-ESP"
    udp dport 500 counter jump accept_to_lan comment "!fw4: Allow-ISAKMP"
    jump reject_to_wan
  }
  chain accept_to_wan {
    meta nfproto ipv4 oifname "wan" ct state invalid counter drop comment "!fw4: Prevent NAT leakage"
    oifname "wan" counter accept comment "!fw4: accept wan IPv4/IPv6 traffic"
  }
  chain reject_from_wan {
    iifname "wan" counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"
  }
  chain reject_to_wan {
    oifname "wan" counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"
  }
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" jump srcnat_wan comment "!fw4: Handle wan IPv4/IPv6 srcnat traffic"
  }
  chain srcnat_wan {
    meta nfproto ipv4 masquerade comment "!fw4: Masquerade IPv4 wan traffic"
  }
  chain raw_prerouting {
    type filter hook prerouting priority raw; policy accept;
  }
  chain raw_output {
    type filter hook output priority raw; policy accept;
  }
  chain mangle_prerouting {
    type filter hook prerouting priority mangle; policy accept;
  }
  chain mangle_postrouting {
    type filter hook postrouting priority mangle; policy accept;
  }
  chain mangle_input {
    type filter hook input priority mangle; policy accept;
  }
  chain mangle_output {
    type route hook output priority mangle; policy accept;
  }
  chain mangle_forward {
    type filter hook forward priority mangle; policy accept;
    iifname "wan" tcp flags syn tcp option maxseg size set rt mtu comment "!fw4: Zone wan IPv4/IPv6 ingress MTU fixing"
    oifname "wan" tcp flags syn tcp option maxseg size set rt mtu comment "!fw4: Zone wan IPv4/IPv6 egress MTU fixing"
  }
}
`;

/** The MSS option of the first SYN to `dport` (harness check only). */
function mssOfSyn(frames: readonly Uint8Array[], dport: number): number | undefined {
  for (const b of frames) {
    const d = decodeFrame(b);
    if (d.proto !== 6 || d.dport !== dport || (d.tcpFlags & 0x12) !== 2) continue;
    const end = d.l4off + ((b[d.l4off + 12]! >> 4) * 4);
    for (let o = d.l4off + 20; o < end;) {
      const kind = b[o]!;
      if (kind === 0) break;
      if (kind === 1) { o++; continue; }
      if (kind === 2) return (b[o + 2]! << 8) | b[o + 3]!;
      o += b[o + 1]! || 1;
    }
  }
  return undefined;
}

function fw4Full(): KernelCase {
  // FTP control connection: helper assigned, never triggered (no PORT/PASV in the payload).
  const ftp = outbound('tcp', LAN_A, '192.168.1.10', 40700, REMOTE, 21, WAN_IP);
  ftp.fromA(TCP_SYN, 0, {});
  // Rebuild the SYN with an MSS option of 8960: mangle_forward clamps it to the route MTU (1460).
  ftp.frames[0] = frameFrom(LAN_A, { src: '192.168.1.10', dst: REMOTE, id: 0x1000, l4: { proto: 'tcp', sport: 40700, dport: 21, seq: 1000, flags: TCP_SYN, mss: 8960 } });
  ftp.fromB(TCP_SYN | 0x10);
  ftp.fromA(0x10);
  ftp.exchange(20, 80).finClose();
  const dns6 = outbound('udp', LAN_A, 'fd00:1::10', 50700, REMOTE6, 53, 'fd00:1::10');
  dns6.fromA(0, 30); dns6.fromB(0, 90);
  const ping6in = new Conv('icmp', { host: GW, ip: REMOTE6, port: 0x99 }, { ip: 'fd00:1::10', port: 0 }, { host: LAN_A, ip: 'fd00:1::10', port: 0 }, { ip: REMOTE6, port: 0x99 });
  ping6in.fromA(0, 32); ping6in.fromB(0, 32);
  return {
    name: 'fw4-full',
    description: 'firewall4 default zones: LAN→WAN masqueraded with MSS clamping and an idle FTP helper, WAN→LAN TCP answered with RST and other traffic with port-unreachable, ICMPv6 forwarded, ping to the router answered',
    topology: standardTopology(),
    ruleset: FW4_RULESET,
    frames: [
      ...ftp.frames,
      frameFrom(GW, { src: REMOTE, dst: '192.168.1.10', id: 0x3001, l4: { proto: 'tcp', sport: 41700, dport: 22, seq: 77, flags: TCP_SYN } }),
      frameFrom(GW, { src: REMOTE, dst: '192.168.1.10', id: 0x3002, l4: { proto: 'udp', sport: 41701, dport: 161, payload: 30 } }),
      frameFrom(GW, { src: REMOTE, dst: WAN_IP, id: 0x3003, l4: { proto: 'icmp', type: 8, code: 0, id: 0x55, seq: 1, payload: 32 } }),
      frameFrom(GW, { src: REMOTE, dst: WAN_IP, id: 0x3004, l4: { proto: 'tcp', sport: 41702, dport: 22, seq: 88, flags: TCP_SYN } }),
      ...dns6.frames,
      ...ping6in.frames,
    ],
    checkKernel: (r) => [
      ...(mssOfSyn(r.sent.get('wan') ?? [], 21) === 1460 ? [] : [`expected the SYN's MSS clamped to 1460, got ${mssOfSyn(r.sent.get('wan') ?? [], 21)}`]),
      ...expectSome(r, 'wan', 'RST for the WAN→LAN SYN', (d) => (d.tcpFlags & 4) !== 0 && d.dport === 41700),
      ...expectSome(r, 'wan', 'port unreachable for WAN→LAN UDP', (d) => d.icmpType === 3 && d.icmpCode === 3),
      ...expectSome(r, 'wan', 'echo reply from the router', (d) => d.icmpType === 0 && d.src === WAN_IP),
      ...expectSome(r, 'wan', 'RST from the router for SYN to its port 22', (d) => (d.tcpFlags & 4) !== 0 && d.dport === 41702),
      ...expectSome(r, 'lan', 'ICMPv6 echo request forwarded', (d) => d.family === 6 && d.icmpType === 128),
      ...expectConntrack(r, 'FTP connection with helper in TIME_WAIT', (l) => l.includes('TIME_WAIT') && l.includes('dport=21')),
    ],
  };
}

export const fw4Cases = [fw4Full];
