/**
 * Receive demultiplexing: which device a frame belongs to once the stacked devices have peeled
 * their headers, as __netif_receive_skb_core() does round by round with the DSA tagger
 * (dsa_switch_rcv), vlan_do_receive(), the bridge rx handler (br_handle_frame →
 * br_handle_frame_finish) and pppoe_rcv().
 *
 * The caller parses the L2 headers (wire layer) into an `RxScratch`, calls `rxDemux`, and reads the
 * answer from the same scratch. Nothing is allocated per packet.
 *
 * Each round runs on one device and records it in the scratch's `chain` — those are the devices
 * whose netdev ingress hooks (tc ingress, nftables netdev chains, the flowtable hook) see the frame,
 * in order, with the VLAN tags and PPPoE header still on the frame at that point. A flowtable listed
 * on a port therefore sees frames before VLAN/PPPoE demux; one listed on `br-lan` or `pppoe-wan`
 * sees them after.
 *
 * Modelled: DSA user ports behind a conduit (the frame names its switch port), 802.1Q/802.1ad
 * devices (outer tag first), priority tags (vid 0) stripped when no vid-0 device exists, bridges
 * without VLAN filtering (learning, local delivery for the bridge's own MACs, broadcast/multicast =
 * flood + local, unknown unicast = flood, known unicast = forward to the FDB port), PPPoE sessions
 * matched by (device, session id, peer MAC), the destination-MAC check (PACKET_OTHERHOST frames are
 * dropped before L3).
 * Not modelled: STP port states, hairpin mode, multicast snooping, VLAN-filtering bridges, macvlan,
 * bonding, PPPoE discovery (0x8863) and LCP, the ARP/ND frames themselves.
 */
import { DropReason } from '../wire/drop-reasons.ts';
import type { BridgeFdb } from './bridge.ts';
import { FDB_LOCAL, FDB_MISS } from './bridge.ts';
import type { Topology } from './devices.ts';
import { DEV_F_DSA_CONDUIT } from './devices.ts';

/** The frame is for the local stack of `l3Dev` (and, with `alsoFlood`, flooded by a bridge too). */
export const RX_LOCAL = 1;
/** Bridged at L2 to `outPort`. */
export const RX_FORWARD = 2;
/** Unknown unicast: flooded by `bridge` to every port except `inPort`. */
export const RX_FLOOD = 3;
/** Dropped; `drop` holds the DropReason. */
export const RX_DROP = 4;

/** Most devices a frame passes through (conduit, port, VLAN, VLAN, bridge, VLAN, PPPoE, …). */
export const RX_MAX_CHAIN = 8;

export const CHAIN_DSA_TAGGED = 1; // the hook on this device sees the switch tag still on the frame

/** Caller-owned input/output for one frame; reuse one per worker. */
export class RxScratch {
  // --- input: parsed L2 facts -----------------------------------------------------------------
  dstHi = 0;
  dstLo = 0;
  srcHi = 0;
  srcLo = 0;
  /** Number of VLAN tags (0–2), outer first in vlanProto/vlanId. */
  vlanCount = 0;
  readonly vlanProto = new Uint16Array(2);
  readonly vlanId = new Uint16Array(2);
  /** PPPoE session id, or -1 when the frame carries no PPPoE session header. */
  pppoeSid = -1;
  /** Switch port named by a DSA tag when the frame arrives on a conduit, or -1. */
  dsaPort = -1;
  /** Frame length in bytes (for counters). */
  len = 0;

  // --- output -----------------------------------------------------------------------------------
  verdict = 0;
  /** L3 device for RX_LOCAL, else 0. */
  l3Dev = 0;
  /** Egress port for RX_FORWARD. */
  outPort = 0;
  /** Bridge that forwarded/flooded, and the port the frame came in on. */
  bridge = 0;
  inPort = 0;
  /** RX_LOCAL via a bridge for a broadcast/multicast frame: the bridge floods it as well. */
  alsoFlood = false;
  drop = 0;
  /** Headers removed on the way up. */
  vlansPopped = 0;
  pppoePopped = false;
  dsaTagBytes = 0;
  strippedBytes = 0;
  /** Devices the frame passed, in order (their ingress hooks ran). */
  chainLen = 0;
  readonly chainDev = new Int32Array(RX_MAX_CHAIN);
  /** VLAN tags still on the frame when the hook on chainDev[i] ran. */
  readonly chainVlans = new Uint8Array(RX_MAX_CHAIN);
  /** 1 if the PPPoE session header was still on the frame at chainDev[i]. */
  readonly chainPppoe = new Uint8Array(RX_MAX_CHAIN);
  readonly chainFlags = new Uint8Array(RX_MAX_CHAIN);

  /** Sets the L2 input facts in one call (tests, generators). */
  setFrame(dstHi: number, dstLo: number, srcHi: number, srcLo: number, len: number): this {
    this.dstHi = dstHi; this.dstLo = dstLo >>> 0; this.srcHi = srcHi; this.srcLo = srcLo >>> 0; this.len = len;
    this.vlanCount = 0; this.pppoeSid = -1; this.dsaPort = -1;
    return this;
  }

  /** Appends a VLAN tag (call outer first). */
  pushVlan(proto: number, vid: number): this {
    if (this.vlanCount < 2) {
      this.vlanProto[this.vlanCount] = proto;
      this.vlanId[this.vlanCount] = vid;
      this.vlanCount++;
    }
    return this;
  }
}

export interface RxContext {
  readonly topo: Topology;
  readonly fdb: BridgeFdb;
}

function record(f: RxScratch, dev: number, vlans: number, pppoe: boolean, flags: number): void {
  const i = f.chainLen;
  if (i >= RX_MAX_CHAIN) return;
  f.chainDev[i] = dev;
  f.chainVlans[i] = vlans;
  f.chainPppoe[i] = pppoe ? 1 : 0;
  f.chainFlags[i] = flags;
  f.chainLen = i + 1;
}

function dropAt(topo: Topology, f: RxScratch, dev: number, reason: number): number {
  topo.rxDropped[dev]! += 1;
  f.verdict = RX_DROP;
  f.drop = reason;
  return 0;
}

/**
 * Demultiplexes a frame that arrived on `arrival` (a physical port or DSA conduit). Returns the L3
 * device ifindex for local delivery, or 0 when the frame was bridged, flooded or dropped (see
 * `f.verdict`). Learns bridge FDB entries (virtual time `now`, ns) and counts rx on every device.
 */
export function rxDemux(ctx: RxContext, arrival: number, f: RxScratch, now: number): number {
  const topo = ctx.topo;
  f.verdict = 0; f.l3Dev = 0; f.outPort = 0; f.bridge = 0; f.inPort = 0; f.alsoFlood = false; f.drop = 0;
  f.vlansPopped = 0; f.pppoePopped = false; f.dsaTagBytes = 0; f.strippedBytes = 0; f.chainLen = 0;
  if (arrival <= 0 || arrival > topo.count) { f.verdict = RX_DROP; f.drop = DropReason.DEV_DOWN; return 0; }

  const dstHi = f.dstHi, dstLo = f.dstLo;
  const multicast = (dstHi & 0x0100) !== 0;
  let dev = arrival;
  let vi = 0; // next VLAN tag to peel
  const nv = f.vlanCount;
  let pppoe = f.pppoeSid >= 0;
  let stripped = 0;

  // DSA: the conduit's hook sees the tagged frame; the tagger hands it to the user port.
  if ((topo.flags[dev]! & DEV_F_DSA_CONDUIT) !== 0 && f.dsaPort >= 0) {
    if (topo.up[dev] !== 1) return dropAt(topo, f, dev, DropReason.DEV_DOWN);
    record(f, dev, nv, pppoe, CHAIN_DSA_TAGGED);
    topo.countRx(dev, f.len);
    const user = topo.dsaUser(dev, f.dsaPort);
    if (user === 0) return dropAt(topo, f, dev, DropReason.DSA_UNKNOWN_PORT);
    stripped += topo.dsaTagLen[user]!;
    f.dsaTagBytes = topo.dsaTagLen[user]!;
    dev = user;
  }

  // eth_type_trans() on the receiving port: PACKET_OTHERHOST unless for its MAC or a group address.
  let forUs = multicast || (topo.macHi[dev] === dstHi && topo.macLo[dev] === dstLo);

  for (let round = 0; round < RX_MAX_CHAIN; round++) {
    if (topo.up[dev] !== 1) return dropAt(topo, f, dev, DropReason.DEV_DOWN);
    record(f, dev, nv - vi, pppoe, 0);
    topo.countRx(dev, f.len - stripped);

    // vlan_do_receive(): a VLAN device on this device for the outer remaining tag takes the frame.
    if (vi < nv) {
      const child = topo.vlanChild(dev, f.vlanProto[vi]!, f.vlanId[vi]!);
      if (child !== 0) {
        vi++; stripped += 4; f.vlansPopped++;
        dev = child;
        // vlan_do_receive() rescues PACKET_OTHERHOST frames sent to the VLAN device's own MAC.
        if (topo.macHi[dev] === dstHi && topo.macLo[dev] === dstLo) forUs = true;
        continue;
      }
    }

    // The bridge rx handler on a port (br_handle_frame → br_handle_frame_finish).
    const br = topo.master[dev]!;
    if (br !== 0) {
      if ((f.srcHi & 0x0100) !== 0 || (f.srcHi === 0 && f.srcLo === 0)) return dropAt(topo, f, dev, DropReason.L2_BAD_SADDR);
      ctx.fdb.learn(br, dev, f.srcHi, f.srcLo, now);
      f.bridge = br;
      f.inPort = dev;
      if (multicast) {
        f.alsoFlood = true; // flooded to the other ports and passed up (no multicast snooping)
        dev = br; forUs = true;
        continue;
      }
      const dst = ctx.fdb.find(br, dstHi, dstLo, now);
      if (dst === FDB_LOCAL) { dev = br; forUs = true; continue; }
      if (dst === FDB_MISS) { f.verdict = RX_FLOOD; f.strippedBytes = stripped; return 0; }
      if (dst === dev) return dropAt(topo, f, dev, DropReason.BRIDGE_SAME_PORT);
      if (topo.up[dst] !== 1) return dropAt(topo, f, dev, DropReason.DEV_DOWN);
      f.verdict = RX_FORWARD;
      f.outPort = dst;
      f.strippedBytes = stripped;
      return 0;
    }

    // Tags left that no VLAN device claims: vid 0 is a priority tag and is stripped; any other
    // vid marks the frame PACKET_OTHERHOST and IP drops it (the check_vlan_id path).
    let inner = 0;
    while (vi < nv) {
      if (f.vlanId[vi] !== 0) return dropAt(topo, f, dev, DropReason.VLAN_UNKNOWN);
      vi++; stripped += 4; f.vlansPopped++;
      if (vi < nv) {
        inner = topo.vlanChild(dev, f.vlanProto[vi]!, f.vlanId[vi]!);
        if (inner !== 0) { vi++; stripped += 4; f.vlansPopped++; break; }
      }
    }
    if (inner !== 0) { dev = inner; continue; } // vlan_do_receive() found a device for the inner tag

    if (!forUs) return dropAt(topo, f, dev, DropReason.NOT_FOR_US);

    if (pppoe) {
      // pppoe_rcv(): the session is found by (session id, peer MAC, receiving device).
      const p = topo.pppoeChild(dev, f.pppoeSid);
      if (p === 0 || topo.peerMacHi[p] !== f.srcHi || topo.peerMacLo[p] !== f.srcLo) {
        return dropAt(topo, f, dev, DropReason.PPPOE_NO_SESSION);
      }
      pppoe = false; stripped += 8; f.pppoePopped = true;
      dev = p;
      if (topo.up[dev] !== 1) return dropAt(topo, f, dev, DropReason.DEV_DOWN);
      record(f, dev, 0, false, 0);
      topo.countRx(dev, f.len - stripped);
    }

    f.verdict = RX_LOCAL;
    f.l3Dev = dev;
    f.strippedBytes = stripped;
    return dev;
  }
  // Unreachable with a validated topology (devices stack as a tree of bounded depth).
  return dropAt(topo, f, dev, DropReason.TOO_MANY_TAGS);
}
