/**
 * UDP, ICMP/ICMPv6 and generic trackers, and the ICMP-error → RELATED lookup.
 *
 * nf_conntrack_proto_udp.c, nf_conntrack_proto_icmp.c, nf_conntrack_proto_icmpv6.c,
 * nf_conntrack_proto_generic.c (generic_packet in nf_conntrack_core.c), mainline 6.x.
 */
import {
  IPS_ASSURED as IMPORTED_IPS_ASSURED, IPS_NAT_CLASH as IMPORTED_IPS_NAT_CLASH, IPS_SEEN_REPLY as IMPORTED_IPS_SEEN_REPLY,
} from './constants.ts';
import {
  NS_PER_SEC as IMPORTED_NS_PER_SEC,
} from './config.ts';
import {
  L4_ACCEPT as IMPORTED_L4_ACCEPT, L4_INVALID as IMPORTED_L4_INVALID,
} from './tcp.ts';
import type { ConntrackTable } from './table.ts';

// Module-local copies: imported bindings can compile to getter calls (CJS interop) in hot loops.
const IPS_ASSURED = IMPORTED_IPS_ASSURED;
const IPS_NAT_CLASH = IMPORTED_IPS_NAT_CLASH;
const IPS_SEEN_REPLY = IMPORTED_IPS_SEEN_REPLY;
const NS_PER_SEC = IMPORTED_NS_PER_SEC;
const L4_ACCEPT = IMPORTED_L4_ACCEPT;
const L4_INVALID = IMPORTED_L4_INVALID;

/** "Still active after two seconds? Extend timeout." (nf_conntrack_udp_packet) */
const UDP_STREAM_DELAY_NS = 2 * NS_PER_SEC;

/**
 * nf_conntrack_udp_packet: 30 s (UNREPLIED) until a reply is seen; once replied and more than 2 s
 * after the first packet, 120 s (REPLIED, "stream") and IPS_ASSURED.
 */
export function udpPacket(t: ConntrackTable, idx: number, confirmed: boolean, now: number): number {
  if (!confirmed) t.setAuxAt(idx, now + UDP_STREAM_DELAY_NS); // ct->proto.udp.stream_ts
  const st = t.statusAt(idx);
  if (st & IPS_SEEN_REPLY) {
    let extra = t.udpTimeout;
    let stream = false;
    if (now > t.auxAt(idx)) {
      extra = t.udpStreamTimeout;
      stream = (st & IPS_ASSURED) === 0;
    }
    t.refresh(idx, extra, now);
    if (st & IPS_NAT_CLASH) return L4_ACCEPT; // never assured: they time out soon
    if (stream) t.setStatusAt(idx, t.statusAt(idx) | IPS_ASSURED);
  } else {
    t.refresh(idx, t.udpTimeout, now);
  }
  return L4_ACCEPT;
}

// ICMP types (include/uapi/linux/icmp.h), shared with the wire layer.
export {
  ICMP_ECHOREPLY, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_ECHO, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB,
  ICMP_TIMESTAMP, ICMP_TIMESTAMPREPLY, ICMP_INFO_REQUEST, ICMP_INFO_REPLY, ICMP_ADDRESS, ICMP_ADDRESSREPLY, NR_ICMP_TYPES,
} from '../wire/icmp.ts';
import {
  ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_ECHO, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB,
  ICMP_TIMESTAMP, ICMP_INFO_REQUEST, ICMP_ADDRESS, ICMP_ECHOREPLY, ICMP_TIMESTAMPREPLY, ICMP_INFO_REPLY, ICMP_ADDRESSREPLY,
} from '../wire/icmp.ts';
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_NI_QUERY = 139;
export const ICMPV6_NI_REPLY = 140;

/** icmp_is_err() */
export function icmpIsError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETERPROB
  );
}

/** ICMPv6 errors are types 0–127. */
export function icmpv6IsError(type: number): boolean {
  return type < 128;
}

/**
 * noct_valid_new[] of nf_conntrack_icmpv6_error: MLD query/report/done, router and neighbour
 * solicitation/advertisement and MLDv2 report are left untracked (IP_CT_UNTRACKED).
 */
export function icmpv6Untracked(type: number): boolean {
  return (type >= 130 && type <= 136) || type === 143;
}

/** valid_new[] of nf_conntrack_icmp_packet / icmpv6_packet: requests that may open a connection. */
export function icmpValidNew(type: number, v6: boolean): boolean {
  if (v6) return type === ICMPV6_ECHO_REQUEST || type === ICMPV6_NI_QUERY;
  return type === ICMP_ECHO || type === ICMP_TIMESTAMP || type === ICMP_INFO_REQUEST || type === ICMP_ADDRESS;
}

/** Request/reply types nf_ct_invert_tuple can invert (the quoted packet of an ICMP error). */
export function icmpInvertible(type: number, v6: boolean): boolean {
  if (v6) return type === ICMPV6_ECHO_REQUEST || type === ICMPV6_ECHO_REPLY || type === ICMPV6_NI_QUERY || type === ICMPV6_NI_REPLY;
  return (
    type === ICMP_ECHO || type === ICMP_ECHOREPLY || type === ICMP_TIMESTAMP || type === ICMP_TIMESTAMPREPLY ||
    type === ICMP_INFO_REQUEST || type === ICMP_INFO_REPLY || type === ICMP_ADDRESS || type === ICMP_ADDRESSREPLY
  );
}

/**
 * nf_conntrack_icmp_packet / nf_conntrack_icmpv6_packet: only a request type may create a
 * connection (icmp_new's valid_new); every packet refreshes the 30 s timeout.
 */
export function icmpPacket(t: ConntrackTable, idx: number, confirmed: boolean, type: number, v6: boolean, now: number): number {
  if (!confirmed && !icmpValidNew(type, v6)) return L4_INVALID;
  t.refresh(idx, v6 ? t.icmpv6Timeout : t.icmpTimeout, now);
  return L4_ACCEPT;
}

/** generic_packet: any other L4 protocol, 600 s. */
export function genericPacket(t: ConntrackTable, idx: number, now: number): number {
  t.refresh(idx, t.genericTimeout, now);
  return L4_ACCEPT;
}
