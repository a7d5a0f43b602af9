/**
 * The device table: every network device of the modelled router, addressed by its ifindex
 * (1-based as in Linux; 0 means "no device"). Built once at load time by `TopologyBuilder`;
 * afterwards every per-packet read is a typed-array access indexed by ifindex.
 *
 * Device kinds follow the Linux drivers whose forwarding behaviour the simulator models:
 * - ETHERNET: a physical port (a `net_device` with a real driver). May be a DSA conduit ("CPU
 *   port", e.g. eth0 on MediaTek) that carries switch-tagged frames for its DSA user ports.
 * - DSA_USER: a switch port (lan1, wan) behind a conduit (net/dsa/user.c); frames reach it after
 *   the tagger on the conduit strips the switch tag.
 * - BRIDGE: a software bridge (net/bridge) with member ports and a learned FDB (see bridge.ts).
 * - VLAN: an 802.1Q / 802.1ad device on a parent (net/8021q).
 * - PPPOE: a ppp device whose channel is a PPPoE session on a parent (drivers/net/ppp/pppoe.c).
 *   ARPHRD_PPP: no hardware address (its MAC here is zero), MTU 1492 by default (parent − 8).
 * - LOOPBACK: `lo`, always ifindex 1 as in Linux.
 * - IFB: an intermediate functional block for ingress shaping (drivers/net/ifb.c); no L2 role.
 */

export const DeviceKind = Object.freeze({
  ETHERNET: 1,
  DSA_USER: 2,
  BRIDGE: 3,
  VLAN: 4,
  PPPOE: 5,
  LOOPBACK: 6,
  IFB: 7,
} as const);
export type DeviceKindCode = (typeof DeviceKind)[keyof typeof DeviceKind];

export const DEVICE_KIND_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'ethernet', 2: 'dsa', 3: 'bridge', 4: 'vlan', 5: 'pppoe', 6: 'loopback', 7: 'ifb',
});

/** Per-device flag bits (`Topology.flags`). */
export const DEV_F_HW_OFFLOAD = 1 << 0; // the driver accepts TC_SETUP_FT (flowtable hardware offload)
export const DEV_F_DSA_CONDUIT = 1 << 1; // an ethernet port that is the conduit of DSA user ports
export const DEV_F_LOOPBACK = 1 << 2; // IFF_LOOPBACK
export const DEV_F_NOARP = 1 << 3; // no link-layer address (ppp): ARPHRD is not ETHER

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_PPP_SES = 0x8864;

export const DEFAULT_MTU = 1500;
export const PPPOE_SES_HLEN = 8;
/** Linux's default bridge FDB ageing time, BR_DEFAULT_AGEING_TIME = 300 s, in ns. */
export const BR_DEFAULT_AGEING_NS = 300e9;

/** Bytes a DSA tagger inserts per frame, by tag protocol name (net/dsa/tag_*.c). */
export const DSA_TAG_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  mtk: 4, // tag_mtk.c MTK_HDR_LEN
  qca: 2, // tag_qca.c QCA_HDR_LEN
  rtl4a: 4, // tag_rtl4_a.c RTL4_A_HDR_LEN
  rtl8_4: 8, // tag_rtl8_4.c RTL8_4_TAG_LEN
  rtl8_4t: 8, // same tag, as a trailer
  brcm: 4, // tag_brcm.c BRCM_TAG_LEN
  'brcm-prepend': 4,
  dsa: 4, // tag_dsa.c DSA_HLEN
  edsa: 8, // EDSA_HLEN
  ksz9477: 2, // tail tag
  lan9303: 4,
  none: 0,
});

/** One device as the builder describes it (load time). */
export interface DeviceSpec {
  name: string;
  kind: DeviceKindCode;
  macHi: number;
  macLo: number;
  mtu: number;
  up: boolean;
  flags: number;
  speedMbps: number;
  /** VLAN/PPPoE parent or DSA conduit (ifindex), 0 if none. */
  lower: number;
  /** The bridge this device is a port of, 0 if none. */
  master: number;
  vlanId: number;
  vlanProto: number;
  pppoeSid: number;
  peerMacHi: number;
  peerMacLo: number;
  dsaPort: number;
  dsaTagProto: string;
  ageingNs: number;
}

/**
 * Struct-of-arrays device registry. Arrays are sized `count + 1` so index 0 (no device) is valid
 * and holds zeros.
 */
export class Topology {
  /** Number of devices; valid ifindexes are 1..count. */
  readonly count: number;
  readonly names: readonly string[];
  readonly kind: Uint8Array;
  /** VLAN/PPPoE parent, DSA conduit; 0 for none. */
  readonly lower: Int32Array;
  /** Bridge master of a port; 0 for none. */
  readonly master: Int32Array;
  readonly mtu: Uint32Array;
  /** MAC bytes, 6 per device. */
  readonly mac: Uint8Array;
  readonly macHi: Uint32Array;
  readonly macLo: Uint32Array;
  /** 1 = administratively and operationally up. */
  readonly up: Uint8Array;
  readonly flags: Uint32Array;
  readonly speedMbps: Float64Array;
  readonly vlanId: Uint16Array;
  readonly vlanProto: Uint16Array;
  /** PPPoE session id, -1 when not a PPPoE device. */
  readonly pppoeSid: Int32Array;
  readonly peerMacHi: Uint32Array;
  readonly peerMacLo: Uint32Array;
  /** Switch port number of a DSA user port, -1 otherwise. */
  readonly dsaPort: Int16Array;
  readonly dsaTagLen: Uint8Array;
  readonly dsaTagProto: readonly string[];
  /** Bridge FDB ageing time in ns (bridges only). */
  readonly ageingNs: Float64Array;
  /** Upper devices stacked on each device (VLAN, PPPoE, DSA users), CSR: childList[childStart[i]..childStart[i+1]). */
  readonly childStart: Int32Array;
  readonly childList: Int32Array;
  /** Ports of each bridge, CSR like the children. */
  readonly portStart: Int32Array;
  readonly portList: Int32Array;

  // Counters, indexed by ifindex (Float64: byte counts pass 2^32 quickly).
  readonly rxPackets: Float64Array;
  readonly rxBytes: Float64Array;
  readonly txPackets: Float64Array;
  readonly txBytes: Float64Array;
  readonly rxDropped: Float64Array;
  readonly txDropped: Float64Array;

  private readonly byNameMap: ReadonlyMap<string, number>;

  constructor(specs: readonly DeviceSpec[]) {
    const n = specs.length + 1;
    this.count = specs.length;
    this.names = ['', ...specs.map((s) => s.name)];
    this.kind = new Uint8Array(n);
    this.lower = new Int32Array(n);
    this.master = new Int32Array(n);
    this.mtu = new Uint32Array(n);
    this.mac = new Uint8Array(n * 6);
    this.macHi = new Uint32Array(n);
    this.macLo = new Uint32Array(n);
    this.up = new Uint8Array(n);
    this.flags = new Uint32Array(n);
    this.speedMbps = new Float64Array(n);
    this.vlanId = new Uint16Array(n);
    this.vlanProto = new Uint16Array(n);
    this.pppoeSid = new Int32Array(n).fill(-1);
    this.peerMacHi = new Uint32Array(n);
    this.peerMacLo = new Uint32Array(n);
    this.dsaPort = new Int16Array(n).fill(-1);
    this.dsaTagLen = new Uint8Array(n);
    this.ageingNs = new Float64Array(n);
    this.rxPackets = new Float64Array(n);
    this.rxBytes = new Float64Array(n);
    this.txPackets = new Float64Array(n);
    this.txBytes = new Float64Array(n);
    this.rxDropped = new Float64Array(n);
    this.txDropped = new Float64Array(n);
    const tagProto: string[] = [''];
    const byName = new Map<string, number>();
    specs.forEach((s, i) => {
      const ix = i + 1;
      byName.set(s.name, ix);
      this.kind[ix] = s.kind;
      this.lower[ix] = s.lower;
      this.master[ix] = s.master;
      this.mtu[ix] = s.mtu;
      this.macHi[ix] = s.macHi;
      this.macLo[ix] = s.macLo >>> 0;
      const m = ix * 6;
      this.mac[m] = (s.macHi >>> 8) & 0xff;
      this.mac[m + 1] = s.macHi & 0xff;
      this.mac[m + 2] = s.macLo >>> 24;
      this.mac[m + 3] = (s.macLo >>> 16) & 0xff;
      this.mac[m + 4] = (s.macLo >>> 8) & 0xff;
      this.mac[m + 5] = s.macLo & 0xff;
      this.up[ix] = s.up ? 1 : 0;
      this.flags[ix] = s.flags;
      this.speedMbps[ix] = s.speedMbps;
      this.vlanId[ix] = s.vlanId;
      this.vlanProto[ix] = s.vlanProto;
      this.pppoeSid[ix] = s.pppoeSid;
      this.peerMacHi[ix] = s.peerMacHi;
      this.peerMacLo[ix] = s.peerMacLo >>> 0;
      this.dsaPort[ix] = s.dsaPort;
      this.dsaTagLen[ix] = DSA_TAG_LENGTHS[s.dsaTagProto] ?? 0;
      this.ageingNs[ix] = s.ageingNs;
      tagProto.push(s.dsaTagProto);
    });
    this.dsaTagProto = tagProto;
    this.byNameMap = byName;
    [this.childStart, this.childList] = csr(n, specs, (s) => s.lower);
    [this.portStart, this.portList] = csr(n, specs, (s) => s.master);
  }

  /** ifindex of a device by name, or 0. Load/report time (uses a Map). */
  byName(name: string): number {
    return this.byNameMap.get(name) ?? 0;
  }

  name(ifindex: number): string {
    return this.names[ifindex] ?? `if${ifindex}`;
  }

  /** All device names in ifindex order (for error messages). */
  knownNames(): string[] {
    return this.names.slice(1);
  }

  isValid(ifindex: number): boolean {
    return ifindex > 0 && ifindex <= this.count;
  }

  /**
   * A device with an Ethernet hardware address, as nft_is_valid_ether_device(): not loopback, ARPHRD
   * ether, a valid unicast MAC. PPP devices and lo fail this test.
   */
  isValidEtherDevice(ifindex: number): boolean {
    if (ifindex <= 0 || ifindex > this.count) return false;
    if ((this.flags[ifindex]! & (DEV_F_LOOPBACK | DEV_F_NOARP)) !== 0) return false;
    const hi = this.macHi[ifindex]!;
    const lo = this.macLo[ifindex]!;
    return (hi & 0x0100) === 0 && (hi !== 0 || lo !== 0);
  }

  /** The VLAN device on `parent` for (proto, vid), or 0, as vlan_find_dev(). Scans the parent's uppers. */
  vlanChild(parent: number, proto: number, vid: number): number {
    const end = this.childStart[parent + 1]!;
    for (let i = this.childStart[parent]!; i < end; i++) {
      const c = this.childList[i]!;
      if (this.kind[c] === DeviceKind.VLAN && this.vlanId[c] === vid && this.vlanProto[c] === proto) return c;
    }
    return 0;
  }

  /** The PPPoE device on `parent` for a session id, or 0 (pppoe_rcv's get_item by sid and device). */
  pppoeChild(parent: number, sid: number): number {
    const end = this.childStart[parent + 1]!;
    for (let i = this.childStart[parent]!; i < end; i++) {
      const c = this.childList[i]!;
      if (this.kind[c] === DeviceKind.PPPOE && this.pppoeSid[c] === sid) return c;
    }
    return 0;
  }

  /** The DSA user port behind `conduit` with switch port number `port`, or 0 (dsa_conduit_find_user()). */
  dsaUser(conduit: number, port: number): number {
    const end = this.childStart[conduit + 1]!;
    for (let i = this.childStart[conduit]!; i < end; i++) {
      const c = this.childList[i]!;
      if (this.kind[c] === DeviceKind.DSA_USER && this.dsaPort[c] === port) return c;
    }
    return 0;
  }

  /** Counts a transmitted frame on a device. */
  countTx(ifindex: number, bytes: number): void {
    this.txPackets[ifindex]! += 1;
    this.txBytes[ifindex]! += bytes;
  }

  countRx(ifindex: number, bytes: number): void {
    this.rxPackets[ifindex]! += 1;
    this.rxBytes[ifindex]! += bytes;
  }
}

function csr(n: number, specs: readonly DeviceSpec[], parentOf: (s: DeviceSpec) => number): [Int32Array, Int32Array] {
  const start = new Int32Array(n + 1);
  for (const s of specs) {
    const p = parentOf(s);
    if (p > 0) start[p + 1]! += 1;
  }
  for (let i = 1; i <= n; i++) start[i]! += start[i - 1]!;
  const list = new Int32Array(start[n]!);
  const fill = start.slice(0, n);
  specs.forEach((s, i) => {
    const p = parentOf(s);
    if (p > 0) list[fill[p]!++] = i + 1;
  });
  return [start, list];
}
