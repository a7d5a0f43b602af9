/**
 * Conntrack tunables: the sysctls under net.netfilter.nf_conntrack_* that the model honours, with
 * the kernel's defaults (mainline 6.6/6.12) and OpenWrt's overrides as a preset.
 *
 * Timeouts are given in seconds, as the sysctls take them, and converted once to virtual ns.
 */
import {
  TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_CLOSE_WAIT, TCP_CONNTRACK_ESTABLISHED, TCP_CONNTRACK_FIN_WAIT,
  TCP_CONNTRACK_LAST_ACK, TCP_CONNTRACK_NONE, TCP_CONNTRACK_RETRANS, TCP_CONNTRACK_SYN_RECV, TCP_CONNTRACK_SYN_SENT,
  TCP_CONNTRACK_SYN_SENT2, TCP_CONNTRACK_TIME_WAIT, TCP_CONNTRACK_TIMEOUT_MAX, TCP_CONNTRACK_UNACK,
} from './constants.ts';

export const NS_PER_SEC = 1e9;

/** Per-state TCP timeouts in seconds (tcp_timeouts[] in nf_conntrack_proto_tcp.c). */
export interface TcpTimeouts {
  synSent: number;
  synRecv: number;
  established: number;
  finWait: number;
  closeWait: number;
  lastAck: number;
  timeWait: number;
  close: number;
  synSent2: number;
  /** nf_conntrack_tcp_timeout_max_retrans */
  retrans: number;
  /** nf_conntrack_tcp_timeout_unacknowledged */
  unack: number;
}

export interface ConntrackTimeouts {
  tcp: TcpTimeouts;
  /** nf_conntrack_udp_timeout (UDP_CT_UNREPLIED) */
  udp: number;
  /** nf_conntrack_udp_timeout_stream (UDP_CT_REPLIED) */
  udpStream: number;
  /** nf_conntrack_icmp_timeout */
  icmp: number;
  /** nf_conntrack_icmpv6_timeout */
  icmpv6: number;
  /** nf_conntrack_generic_timeout */
  generic: number;
}

export interface ConntrackConfig {
  /** nf_conntrack_max: connections (confirmed + unconfirmed) the table may hold. Also its capacity. */
  max: number;
  /** Per-run hash key (nf_conntrack_hash_rnd) and the seed of the NAT port PRNG. */
  seed: number;
  /** nf_conntrack_tcp_loose: pick up connections mid-stream (default 1). */
  tcpLoose: boolean;
  timeouts: ConntrackTimeouts;
}

export interface ConntrackConfigInput {
  max?: number;
  seed?: number;
  tcpLoose?: boolean;
  timeouts?: { tcp?: Partial<TcpTimeouts> } & Partial<Omit<ConntrackTimeouts, 'tcp'>>;
}

/** Mainline defaults (nf_conntrack_proto_{tcp,udp,icmp,icmpv6,generic}.c). */
export const KERNEL_TIMEOUTS: Readonly<ConntrackTimeouts> = Object.freeze({
  tcp: Object.freeze({
    synSent: 120, synRecv: 60, established: 432000, finWait: 120, closeWait: 60, lastAck: 30,
    timeWait: 120, close: 10, synSent2: 120, retrans: 300, unack: 300,
  }),
  udp: 30,
  udpStream: 120,
  icmp: 30,
  icmpv6: 30,
  generic: 600,
});

/**
 * OpenWrt's /etc/sysctl.d/11-nf-conntrack.conf (openwrt/openwrt
 * package/kernel/linux/files/sysctl-nf-conntrack.conf): established 7440 s, UDP 60 s, UDP stream
 * 180 s (it also sets nf_conntrack_tcp_max_retrans=5, which feeds tcp_in_window's retransmission
 * count: not modelled, see tcp.ts).
 */
export const OPENWRT_TIMEOUT_OVERRIDES = Object.freeze({
  tcp: Object.freeze({ established: 7440 }),
  udp: 60,
  udpStream: 180,
});

export const DEFAULT_CONNTRACK_MAX = 65536;

export function conntrackConfig(input: ConntrackConfigInput = {}): ConntrackConfig {
  const max = input.max ?? DEFAULT_CONNTRACK_MAX;
  if (!Number.isInteger(max) || max <= 0 || max > 1 << 26) throw new RangeError(`conntrack max must be an integer in 1..${1 << 26}, got ${max}`);
  const t = input.timeouts ?? {};
  const timeouts: ConntrackTimeouts = {
    tcp: { ...KERNEL_TIMEOUTS.tcp, ...(t.tcp ?? {}) },
    udp: t.udp ?? KERNEL_TIMEOUTS.udp,
    udpStream: t.udpStream ?? KERNEL_TIMEOUTS.udpStream,
    icmp: t.icmp ?? KERNEL_TIMEOUTS.icmp,
    icmpv6: t.icmpv6 ?? KERNEL_TIMEOUTS.icmpv6,
    generic: t.generic ?? KERNEL_TIMEOUTS.generic,
  };
  for (const [k, v] of Object.entries({ ...timeouts.tcp, udp: timeouts.udp, udpStream: timeouts.udpStream, icmp: timeouts.icmp, icmpv6: timeouts.icmpv6, generic: timeouts.generic })) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new RangeError(`conntrack timeout ${k} must be a non-negative number of seconds, got ${String(v)}`);
  }
  return { max, seed: (input.seed ?? 0x9e3779b9) >>> 0, tcpLoose: input.tcpLoose ?? true, timeouts };
}

/** The OpenWrt preset: kernel defaults with OpenWrt's sysctl overrides, then `input` on top. */
export function openwrtConntrackConfig(input: ConntrackConfigInput = {}): ConntrackConfig {
  return conntrackConfig({
    ...input,
    timeouts: {
      udp: OPENWRT_TIMEOUT_OVERRIDES.udp,
      udpStream: OPENWRT_TIMEOUT_OVERRIDES.udpStream,
      ...(input.timeouts ?? {}),
      tcp: { ...OPENWRT_TIMEOUT_OVERRIDES.tcp, ...(input.timeouts?.tcp ?? {}) },
    },
  });
}

/** TCP timeouts in ns indexed by TCP_CONNTRACK_* (the kernel's tn->timeouts[] array). */
export function tcpTimeoutTable(t: TcpTimeouts): Float64Array {
  const a = new Float64Array(TCP_CONNTRACK_TIMEOUT_MAX);
  a[TCP_CONNTRACK_NONE] = t.synSent * NS_PER_SEC; // timeouts[0] mirrors SYN_SENT, as nf_conntrack_tcp_init_net
  a[TCP_CONNTRACK_SYN_SENT] = t.synSent * NS_PER_SEC;
  a[TCP_CONNTRACK_SYN_RECV] = t.synRecv * NS_PER_SEC;
  a[TCP_CONNTRACK_ESTABLISHED] = t.established * NS_PER_SEC;
  a[TCP_CONNTRACK_FIN_WAIT] = t.finWait * NS_PER_SEC;
  a[TCP_CONNTRACK_CLOSE_WAIT] = t.closeWait * NS_PER_SEC;
  a[TCP_CONNTRACK_LAST_ACK] = t.lastAck * NS_PER_SEC;
  a[TCP_CONNTRACK_TIME_WAIT] = t.timeWait * NS_PER_SEC;
  a[TCP_CONNTRACK_CLOSE] = t.close * NS_PER_SEC;
  a[TCP_CONNTRACK_SYN_SENT2] = t.synSent2 * NS_PER_SEC;
  a[TCP_CONNTRACK_RETRANS] = t.retrans * NS_PER_SEC;
  a[TCP_CONNTRACK_UNACK] = t.unack * NS_PER_SEC;
  return a;
}
