/**
 * Checks shared by the PPE-style drivers' REPLACE handlers (mtk_flow_offload_replace,
 * airoha_ppe_flow_offload_replace): what the action list may contain.
 */
import { TUPLE_WORDS, T_PORTS, T_SRC } from '../wire/tuple.ts';
import { DSA_TAG_MTK, DSA_TAG_NONE, ETH_P_8021Q, MAX_VLANS, OffloadRefusal } from './types.ts';
import type { OffloadRequest } from './types.ts';

/** is_valid_ether_addr(): not multicast (I/G bit) and not all zeroes. */
export function isValidEtherAddr(b: Uint8Array, off: number): boolean {
  if ((b[off]! & 1) !== 0) return false;
  return (b[off]! | b[off + 1]! | b[off + 2]! | b[off + 3]! | b[off + 4]! | b[off + 5]!) !== 0;
}

/** True when an IPv6 direction rewrites an address (FLOW_ACT_MANGLE_HDR_TYPE_IP6) or port. */
export function hasIpv6Nat(req: OffloadRequest, dir: number): boolean {
  const o = dir * TUPLE_WORDS;
  for (let i = 0; i < 8; i++) if (req.tuple[o + T_SRC + i] !== req.rewritten[o + T_SRC + i]) return true;
  return req.tuple[o + T_PORTS] !== req.rewritten[o + T_PORTS];
}

/**
 * The egress encapsulation rules of mtk_flow_offload_replace():
 * - FLOW_ACTION_VLAN_PUSH is refused when `vlan.num + pppoe.num == 2` or the TPID is not 802.1Q;
 * - FLOW_ACTION_PPPOE_PUSH is refused when a session is already set or `vlan.num == 2`;
 * - mtk_flow_get_dsa_port() refuses DSA ports whose switch is not DSA_TAG_PROTO_MTK (-ENODEV);
 * - a DSA tag takes one VLAN layer (mtk_foe_entry_set_dsa). With a DSA tag and two VLANs the
 *   driver's mtk_foe_entry_set_vlan() overwrites vlan1 instead of failing (its caller ignores the
 *   return value); flowsim refuses that case rather than model a corrupted entry.
 */
export function checkEgressEncap(req: OffloadRequest, dir: number, allowPppoe: boolean): number {
  const nVlan = req.outVlanCount[dir]!;
  const pppoe = req.outPppoeSid[dir]! >= 0 ? 1 : 0;
  for (let i = 0; i < nVlan && i < MAX_VLANS; i++) {
    if (req.outVlanTpid[dir * MAX_VLANS + i] !== ETH_P_8021Q) return OffloadRefusal.QINQ;
  }
  if (nVlan > MAX_VLANS || nVlan + pppoe > 2) return OffloadRefusal.TOO_MANY_ENCAPS;
  if (pppoe && !allowPppoe) return OffloadRefusal.TOO_MANY_ENCAPS;
  const dsa = req.outDsaTag[dir]!;
  if (dsa !== DSA_TAG_NONE && req.outDsaPort[dir]! >= 0) {
    if (dsa !== DSA_TAG_MTK) return OffloadRefusal.FOREIGN_SWITCH_TAG;
    if (nVlan >= 2) return OffloadRefusal.TOO_MANY_ENCAPS;
  }
  return 0;
}

/** Both MACs of a direction valid (else -EINVAL). */
export function checkMacs(req: OffloadRequest, dir: number): number {
  if (!isValidEtherAddr(req.srcMac, dir * 6) || !isValidEtherAddr(req.dstMac, dir * 6)) return OffloadRefusal.INVALID_MAC;
  return 0;
}
