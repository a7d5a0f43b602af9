/**
 * 802.1Q / 802.1ad tag view, laid out as the kernel's `struct vlan_hdr`: `off` points at the TCI,
 * right after the TPID (0x8100 or 0x88a8) that sits in the preceding ethertype field; the
 * encapsulated ethertype follows the TCI.
 */
import { rd16, wr16 } from './bytes.ts';
import { ETH_P_8021AD, ETH_P_8021Q } from './ethernet.ts';

export const VLAN_TCI = 0;
export const VLAN_ENCAP_PROTO = 2;
/** Tag length (VLAN_HLEN): TPID + TCI as inserted into a frame. */
export const VLAN_HLEN = 4;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_PRIO_SHIFT = 13;
export const VLAN_CFI_MASK = 0x1000;

/** True when `type` is a VLAN TPID this stack parses (802.1Q or 802.1ad). */
export function isVlanTpid(type: number): boolean {
  return type === ETH_P_8021Q || type === ETH_P_8021AD;
}
/** Returns the tag control information (PCP, DEI, VID). */
export function vlanTci(b: Uint8Array, off: number): number {
  return rd16(b, off + VLAN_TCI);
}
/** Returns the VLAN id (12 bits). */
export function vlanId(b: Uint8Array, off: number): number {
  return rd16(b, off + VLAN_TCI) & VLAN_VID_MASK;
}
/** Returns the priority code point (3 bits). */
export function vlanPcp(b: Uint8Array, off: number): number {
  return b[off + VLAN_TCI]! >>> 5;
}
/** Returns the drop eligible indicator (formerly CFI). */
export function vlanDei(b: Uint8Array, off: number): boolean {
  return (b[off + VLAN_TCI]! & 0x10) !== 0;
}
/** Returns the encapsulated ethertype. */
export function vlanEncapProto(b: Uint8Array, off: number): number {
  return rd16(b, off + VLAN_ENCAP_PROTO);
}
/** Sets the tag control information. */
export function setVlanTci(b: Uint8Array, off: number, tci: number): void {
  wr16(b, off + VLAN_TCI, tci);
}
/** Sets the encapsulated ethertype. */
export function setVlanEncapProto(b: Uint8Array, off: number, type: number): void {
  wr16(b, off + VLAN_ENCAP_PROTO, type);
}
