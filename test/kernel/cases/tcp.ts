/** TCP connection life cycle through conntrack: closed by FIN, closed by RST. */
import type { KernelCase } from '../case.ts';
import { expectConntrack, expectCount, expectNone, expectSome, LAN_A, LAN_B, outbound, REMOTE, standardTopology, TCP_ACK, WAN_IP } from './common.ts';
import { BASE_FW } from './nat.ts';

function finClose(): KernelCase {
  const c = outbound('tcp', LAN_A, '192.168.1.10', 40500, REMOTE, 80, WAN_IP).handshake().exchange(500, 1400).finClose();
  // A second connection half-closed: FIN from the client only, acknowledged (FIN_WAIT → CLOSE_WAIT).
  const d = outbound('tcp', LAN_B, '192.168.1.11', 40501, REMOTE, 80, WAN_IP).handshake();
  d.fromA(0x11);
  d.fromB(TCP_ACK);
  return {
    name: 'tcp-fin-close',
    description: 'conntrack TCP states through an orderly close (TIME_WAIT) and a half close (CLOSE_WAIT), masqueraded',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: [...c.frames, ...d.frames],
    checkKernel: (r) => [
      ...expectCount(r, 'wan', 9), ...expectCount(r, 'lan', 6),
      ...expectConntrack(r, 'TIME_WAIT for 40500', (l) => l.includes('TIME_WAIT') && l.includes('sport=40500')),
      ...expectConntrack(r, 'CLOSE_WAIT for 40501', (l) => l.includes('CLOSE_WAIT') && l.includes('sport=40501')),
    ],
  };
}

function rstClose(): KernelCase {
  const c = outbound('tcp', LAN_A, '192.168.1.10', 40600, REMOTE, 80, WAN_IP).handshake().exchange(100, 100).rst(true);
  const d = outbound('tcp', LAN_B, '192.168.1.11', 40601, REMOTE, 80, WAN_IP).handshake().rst(false);
  // A SYN answered by RST (port closed on the server): SYN_SENT → CLOSE.
  const e = outbound('tcp', LAN_A, '192.168.1.10', 40602, REMOTE, 81, WAN_IP);
  e.fromA(0x02);
  e.fromB(0x14);
  return {
    name: 'tcp-rst-close',
    description: 'conntrack CLOSE after an RST from the client and from the server; a RST answering a SYN deletes the entry',
    topology: standardTopology(),
    ruleset: BASE_FW,
    frames: [...c.frames, ...d.frames, ...e.frames],
    checkKernel: (r) => [
      ...expectConntrack(r, 'CLOSE for 40600', (l) => l.includes(' CLOSE ') && l.includes('sport=40600')),
      ...expectConntrack(r, 'CLOSE for 40601', (l) => l.includes(' CLOSE ') && l.includes('sport=40601')),
      // tcp_packet(): a RST as the only reply deletes the entry at once (nf_ct_kill_acct).
      ...expectNone(r, 'wan', 'nothing after the SYN for 40602', (d) => d.sport === 40602 && d.tcpFlags !== 2),
      ...expectSome(r, 'lan', 'the RST answering the SYN', (d) => d.dport === 40602 && (d.tcpFlags & 4) !== 0),
      ...(r.conntrackRaw.some((l) => l.includes('sport=40602')) ? ['expected no conntrack entry for 40602 (killed by the RST)'] : []),
    ],
  };
}

export const tcpCases = [finClose, rstClose];
