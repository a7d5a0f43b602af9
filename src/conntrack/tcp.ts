/**
 * TCP connection tracking: the kernel's state machine (nf_conntrack_proto_tcp.c, mainline 6.x).
 *
 * Modelled: tcp_error's flag-combination check, tcp_new (a new connection starts with SYN, or mid-
 * stream with nf_conntrack_tcp_loose=1), the transition table tcp_conntracks[2][6][10] copied entry
 * by entry, ignored packets (sIG: no state change, no timer refresh, annotated for the SYN/ACK
 * resync), SYN reopening a TIME_WAIT/CLOSE connection (kill + NF_REPEAT), simultaneous open,
 * the RFC 5961 challenge-ACK guard in LAST_ACK, IPS_ASSURED on SYN_RECV/ESTABLISHED → ESTABLISHED
 * with a reply seen, RST while unreplied killing the entry, a retransmitted SYN not renewing the
 * timer (6.2+), and the timeout choice (RST → CLOSE, unreplied ESTABLISHED capped at UNACK).
 *
 * tcp_in_window is NOT modelled: flowsim treats every segment as in window, as
 * nf_conntrack_tcp_be_liberal=1 does for the verdict. But the kernel's tcp_in_window also keeps,
 * liberal or not, the per-direction sequence state that the following need, and flowsim has none
 * of it: the RETRANS timeout cap after nf_conntrack_tcp_max_retrans identical segments, the
 * zero-window cap, the UNACK cap while data is unacknowledged (here only for unreplied
 * ESTABLISHED connections), and the RST checks (an RST below the peer's highest ack is invalid,
 * one in window but not exactly at it keeps the state). flowsim closes on any RST.
 *
 * Per-connection TCP state lives in the table: `state` (TCP_CONNTRACK_*), `tcpFlags` (the bits
 * below) and `lastEnd` (the end sequence of the last ignored segment).
 */
import {
  IPS_ASSURED as IMPORTED_IPS_ASSURED, IPS_SEEN_REPLY as IMPORTED_IPS_SEEN_REPLY, IP_CT_DIR_ORIGINAL as IMPORTED_IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY as IMPORTED_IP_CT_DIR_REPLY, TCP_CONNTRACK_CLOSE as IMPORTED_TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_ESTABLISHED as IMPORTED_TCP_CONNTRACK_ESTABLISHED, TCP_CONNTRACK_FIN_WAIT as IMPORTED_TCP_CONNTRACK_FIN_WAIT, TCP_CONNTRACK_IGNORE as IMPORTED_TCP_CONNTRACK_IGNORE, TCP_CONNTRACK_LAST_ACK as IMPORTED_TCP_CONNTRACK_LAST_ACK, TCP_CONNTRACK_MAX as IMPORTED_TCP_CONNTRACK_MAX, TCP_CONNTRACK_NONE as IMPORTED_TCP_CONNTRACK_NONE, TCP_CONNTRACK_SYN_RECV as IMPORTED_TCP_CONNTRACK_SYN_RECV, TCP_CONNTRACK_SYN_SENT as IMPORTED_TCP_CONNTRACK_SYN_SENT, TCP_CONNTRACK_SYN_SENT2 as IMPORTED_TCP_CONNTRACK_SYN_SENT2, TCP_CONNTRACK_TIME_WAIT as IMPORTED_TCP_CONNTRACK_TIME_WAIT, TCP_CONNTRACK_UNACK as IMPORTED_TCP_CONNTRACK_UNACK, TCP_CONNTRACK_CLOSE_WAIT as IMPORTED_TCP_CONNTRACK_CLOSE_WAIT,
} from './constants.ts';
import type { ConntrackTable } from './table.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const IPS_ASSURED = IMPORTED_IPS_ASSURED;
const IPS_SEEN_REPLY = IMPORTED_IPS_SEEN_REPLY;
const IP_CT_DIR_ORIGINAL = IMPORTED_IP_CT_DIR_ORIGINAL;
const IP_CT_DIR_REPLY = IMPORTED_IP_CT_DIR_REPLY;
const TCP_CONNTRACK_CLOSE = IMPORTED_TCP_CONNTRACK_CLOSE;
const TCP_CONNTRACK_ESTABLISHED = IMPORTED_TCP_CONNTRACK_ESTABLISHED;
const TCP_CONNTRACK_FIN_WAIT = IMPORTED_TCP_CONNTRACK_FIN_WAIT;
const TCP_CONNTRACK_IGNORE = IMPORTED_TCP_CONNTRACK_IGNORE;
const TCP_CONNTRACK_LAST_ACK = IMPORTED_TCP_CONNTRACK_LAST_ACK;
const TCP_CONNTRACK_MAX = IMPORTED_TCP_CONNTRACK_MAX;
const TCP_CONNTRACK_NONE = IMPORTED_TCP_CONNTRACK_NONE;
const TCP_CONNTRACK_SYN_RECV = IMPORTED_TCP_CONNTRACK_SYN_RECV;
const TCP_CONNTRACK_SYN_SENT = IMPORTED_TCP_CONNTRACK_SYN_SENT;
const TCP_CONNTRACK_SYN_SENT2 = IMPORTED_TCP_CONNTRACK_SYN_SENT2;
const TCP_CONNTRACK_TIME_WAIT = IMPORTED_TCP_CONNTRACK_TIME_WAIT;
const TCP_CONNTRACK_UNACK = IMPORTED_TCP_CONNTRACK_UNACK;
const TCP_CONNTRACK_CLOSE_WAIT = IMPORTED_TCP_CONNTRACK_CLOSE_WAIT;

// enum tcp_bit_set: the flag index of a segment (get_conntrack_index).
export const TCP_SYN_SET = 0;
export const TCP_SYNACK_SET = 1;
export const TCP_FIN_SET = 2;
export const TCP_ACK_SET = 3;
export const TCP_RST_SET = 4;
export const TCP_NONE_SET = 5;

// TCP header flag bits (byte 13).
export const TCPHDR_FIN = 0x01;
export const TCPHDR_SYN = 0x02;
export const TCPHDR_RST = 0x04;
export const TCPHDR_PSH = 0x08;
export const TCPHDR_ACK = 0x10;
export const TCPHDR_URG = 0x20;
export const TCPHDR_ECE = 0x40;
export const TCPHDR_CWR = 0x80;

// Bits of ConntrackTable.tcpFlags.
const F_LAST_INDEX = 0x07; // ct->proto.tcp.last_index
const F_LAST_DIR = 0x08; // ct->proto.tcp.last_dir (set = REPLY)
const F_CLOSE_INIT_ORIG = 0x10; // seen[0].flags & IP_CT_TCP_FLAG_CLOSE_INIT
const F_CLOSE_INIT_REPLY = 0x20; // seen[1].flags & IP_CT_TCP_FLAG_CLOSE_INIT
const F_SIMULTANEOUS_OPEN = 0x40; // last_flags & IP_CT_TCP_SIMULTANEOUS_OPEN
const F_EXP_CHALLENGE_ACK = 0x80; // last_flags & IP_CT_EXP_CHALLENGE_ACK

const sNO = TCP_CONNTRACK_NONE;
const sSS = TCP_CONNTRACK_SYN_SENT;
const sSR = TCP_CONNTRACK_SYN_RECV;
const sES = TCP_CONNTRACK_ESTABLISHED;
const sFW = TCP_CONNTRACK_FIN_WAIT;
const sCW = TCP_CONNTRACK_CLOSE_WAIT;
const sLA = TCP_CONNTRACK_LAST_ACK;
const sTW = TCP_CONNTRACK_TIME_WAIT;
const sCL = TCP_CONNTRACK_CLOSE;
const sS2 = TCP_CONNTRACK_SYN_SENT2;
const sIV = TCP_CONNTRACK_MAX;
const sIG = TCP_CONNTRACK_IGNORE;

/**
 * tcp_conntracks[dir][index][old_state], copied from nf_conntrack_proto_tcp.c (mainline 6.x).
 * Flattened: [(dir * 6 + index) * 10 + old_state].
 */
// prettier-ignore
export const TCP_CONNTRACKS = Uint8Array.from([
  /* ORIGINAL */
  /*          sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
  /*syn*/    sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2,
  /*synack*/ sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR,
  /*fin*/    sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /*ack*/    sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV,
  /*rst*/    sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /*none*/   sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
  /* REPLY */
  /*          sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
  /*syn*/    sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2,
  /*synack*/ sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR,
  /*fin*/    sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /*ack*/    sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG,
  /*rst*/    sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /*none*/   sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
]);

/** The transition table lookup: tcp_conntracks[dir][index][old]. */
export function tcpTransition(dir: number, index: number, old: number): number {
  return TCP_CONNTRACKS[(dir * 6 + index) * 10 + old]!;
}

/** get_conntrack_index: rst > syn(+ack) > fin > ack > none. */
export function tcpFlagIndex(flags: number): number {
  if (flags & TCPHDR_RST) return TCP_RST_SET;
  if (flags & TCPHDR_SYN) return flags & TCPHDR_ACK ? TCP_SYNACK_SET : TCP_SYN_SET;
  if (flags & TCPHDR_FIN) return TCP_FIN_SET;
  if (flags & TCPHDR_ACK) return TCP_ACK_SET;
  return TCP_NONE_SET;
}

/** tcp_valid_flags[]: combinations of FIN/SYN/RST/ACK/URG that are valid (PSH, ECE, CWR ignored). */
const TCP_VALID_FLAGS = (() => {
  const v = new Uint8Array(TCPHDR_FIN | TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK | TCPHDR_URG | 1);
  for (const f of [
    TCPHDR_SYN, TCPHDR_SYN | TCPHDR_URG, TCPHDR_SYN | TCPHDR_ACK, TCPHDR_RST, TCPHDR_RST | TCPHDR_ACK,
    TCPHDR_FIN | TCPHDR_ACK, TCPHDR_FIN | TCPHDR_ACK | TCPHDR_URG, TCPHDR_ACK, TCPHDR_ACK | TCPHDR_URG,
  ]) v[f] = 1;
  return v;
})();

/** tcp_error's flag check: true when the flag combination is one a TCP stack may send. */
export function tcpFlagsValid(flags: number): boolean {
  return TCP_VALID_FLAGS[flags & ~(TCPHDR_ECE | TCPHDR_CWR | TCPHDR_PSH) & 0xff] === 1;
}

/** Tracker verdicts (the sign conventions of nf_conntrack_handle_packet). */
export const L4_INVALID = 0; // -NF_ACCEPT: packet passes without a conntrack, counted invalid
export const L4_ACCEPT = 1; // NF_ACCEPT
export const L4_REPEAT = 2; // -NF_REPEAT: the old connection was killed, look the packet up again

/**
 * nf_conntrack_tcp_packet for entry `idx` (handle `handle`), packet direction `dir`.
 * `flags` is TCP header byte 13; `ack` the ack number; `end` = seq + payload + SYN + FIN
 * (segment_seq_plus_len). Returns L4_ACCEPT, L4_INVALID or L4_REPEAT. `ack` and `end` may be
 * int32 or uint32: callers pass `| 0`, so that no heap number is boxed per packet.
 */
export function tcpPacket(
  t: ConntrackTable, handle: number, idx: number, dir: number, confirmed: boolean,
  flags: number, ack: number, end: number, now: number,
): number {
  if (!tcpFlagsValid(flags)) return L4_INVALID; // tcp_error: "invalid tcp flag combination"
  const index = tcpFlagIndex(flags);

  if (!confirmed) {
    // tcp_new
    const ns = tcpTransition(IP_CT_DIR_ORIGINAL, index, TCP_CONNTRACK_NONE);
    if (ns >= TCP_CONNTRACK_MAX) return L4_INVALID;
    if (ns !== TCP_CONNTRACK_SYN_SENT && !t.config.tcpLoose) return L4_INVALID;
    t.setStateAt(idx, TCP_CONNTRACK_NONE);
    t.setTcpFlagsAt(idx, TCP_NONE_SET);
  }

  let tf = t.tcpFlagsAt(idx);
  let oldState = t.stateAt(idx);
  let newState = tcpTransition(dir, index, oldState);
  const lastIndex = tf & F_LAST_INDEX;
  const lastDir = tf & F_LAST_DIR ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;

  if (newState === TCP_CONNTRACK_SYN_SENT && oldState >= TCP_CONNTRACK_TIME_WAIT) {
    // RFC 1122 reopen from TIME_WAIT/CLOSE: only if a side started the close or our last segment
    // in this direction was a RST; then kill the old connection and look the packet up again.
    if (tf & (F_CLOSE_INIT_ORIG | F_CLOSE_INIT_REPLY) || (lastDir === dir && lastIndex === TCP_RST_SET)) {
      t.kill(handle);
      return L4_REPEAT;
    }
    newState = TCP_CONNTRACK_IGNORE; // otherwise the kernel falls through to the ignore case
  }

  switch (newState) {
    case TCP_CONNTRACK_IGNORE:
      if (index === TCP_SYNACK_SET && lastIndex === TCP_SYN_SET && lastDir !== dir && (ack >>> 0) === t.lastEndAt(idx)) {
        // b) The SYN/ACK acknowledges a SYN we ignored: client and server are in sync, we were not.
        oldState = TCP_CONNTRACK_SYN_SENT;
        newState = TCP_CONNTRACK_SYN_RECV;
        tf &= ~F_EXP_CHALLENGE_ACK;
        break;
      }
      tf = (tf & ~(F_LAST_INDEX | F_LAST_DIR)) | index | (dir === IP_CT_DIR_REPLY ? F_LAST_DIR : 0);
      t.setLastEndAt(idx, end >>> 0);
      if (index === TCP_SYN_SET && dir === IP_CT_DIR_ORIGINAL) {
        // a) SYN in ORIGINAL: annotate; from LAST_ACK, expect a possible RFC 5961 challenge ACK.
        tf &= ~F_EXP_CHALLENGE_ACK;
        if (oldState === TCP_CONNTRACK_LAST_ACK) tf |= F_EXP_CHALLENGE_ACK;
      }
      t.setTcpFlagsAt(idx, tf);
      return L4_ACCEPT; // ignored: no state change, no timer refresh
    case TCP_CONNTRACK_MAX:
      return L4_INVALID; // "invalid state"
    case TCP_CONNTRACK_TIME_WAIT:
      if (
        oldState === TCP_CONNTRACK_LAST_ACK && index === TCP_ACK_SET && lastDir !== dir &&
        lastIndex === TCP_SYN_SET && tf & F_EXP_CHALLENGE_ACK
      ) {
        // Detected RFC 5961 challenge ACK: it does not ack the last FIN.
        t.setTcpFlagsAt(idx, tf & ~F_EXP_CHALLENGE_ACK);
        return L4_ACCEPT;
      }
      break;
    case TCP_CONNTRACK_SYN_SENT2:
      tf |= F_SIMULTANEOUS_OPEN; // the table alone cannot finish a simultaneous open
      break;
    case TCP_CONNTRACK_SYN_RECV:
      if (dir === IP_CT_DIR_REPLY && index === TCP_ACK_SET && tf & F_SIMULTANEOUS_OPEN) newState = TCP_CONNTRACK_ESTABLISHED;
      break;
    default:
      // TCP_CONNTRACK_CLOSE: the RST sequence checks need window tracking (liberal: accepted).
      break;
  }

  // in_window: from here on the segment counts.
  tf = (tf & ~(F_LAST_INDEX | F_LAST_DIR)) | index | (dir === IP_CT_DIR_REPLY ? F_LAST_DIR : 0);
  if (oldState !== newState && newState === TCP_CONNTRACK_FIN_WAIT) tf |= dir === IP_CT_DIR_REPLY ? F_CLOSE_INIT_REPLY : F_CLOSE_INIT_ORIG;
  t.setTcpFlagsAt(idx, tf);
  t.setStateAt(idx, newState);

  const timeouts = t.tcpTimeouts;
  let timeout = index === TCP_RST_SET ? timeouts[TCP_CONNTRACK_CLOSE]! : timeouts[newState]!;
  const st = t.statusAt(idx);
  if (!(st & IPS_SEEN_REPLY)) {
    // Only reply so far is a RST: not an established connection, delete it at once.
    if (flags & TCPHDR_RST) {
      t.killHeld(handle); // nf_ct_kill_acct: gone from the table, but this RST is still forwarded
      return L4_ACCEPT;
    }
    // A retransmitted SYN does not renew the timer (6.2+): an unanswered connection attempt
    // expires SYN_SENT's timeout after its first SYN, however often it is retried.
    if (index === TCP_SYN_SET && oldState === TCP_CONNTRACK_SYN_SENT) return L4_ACCEPT;
    // Mid-stream pickup without a reply yet: avoid the long ESTABLISHED timeout.
    if (newState === TCP_CONNTRACK_ESTABLISHED && timeout > timeouts[TCP_CONNTRACK_UNACK]!) timeout = timeouts[TCP_CONNTRACK_UNACK]!;
  } else if (
    !(st & IPS_ASSURED) &&
    (oldState === TCP_CONNTRACK_SYN_RECV || oldState === TCP_CONNTRACK_ESTABLISHED) &&
    newState === TCP_CONNTRACK_ESTABLISHED
  ) {
    t.setStatusAt(idx, st | IPS_ASSURED);
  }
  t.refresh(idx, timeout, now);
  return L4_ACCEPT;
}
