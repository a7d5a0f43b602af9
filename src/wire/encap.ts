/**
 * L2 operations on a pool slot: Ethernet addresses, 802.1Q/802.1ad tags and the PPPoE session
 * header, grown and shrunk in the slot's headroom with PacketPool.push/pull (skb_push/skb_pull)
 * so the payload never moves. The results are what Linux puts on the wire: vlan_insert_tag()
 * (MACs, TPID, TCI, inner ethertype) and the PPPoE session encapsulation of pppoe_xmit() /
 * nf_flow_pppoe_push() (0x8864, ver/type 0x11, code 0, session id, length = PPP payload + 2,
 * PPP protocol).
 */
import type { PacketPool } from '../buffers/pool.ts';
import { rd16, wr16 } from './bytes.ts';
import { ETH_HLEN, ETH_P_IP, ETH_P_IPV6, ETH_P_PPP_SES, ETH_SRC, ETH_TYPE, writeMac } from './ethernet.ts';
import { PPP_IP, PPP_IPV6, PPPOE_CODE_SESSION, PPPOE_SES_HLEN, PPPOE_VER_TYPE_11, writePppoeSession } from './pppoe.ts';
import { isVlanTpid, VLAN_HLEN } from './vlan.ts';

/** Writes destination and source MAC addresses of the frame in `slot`. */
export function encapSetEthAddrs(pool: PacketPool, slot: number, dstHi: number, dstLo: number, srcHi: number, srcLo: number): void {
  const at = pool.frameStart(slot);
  writeMac(pool.bytes, at, dstHi, dstLo);
  writeMac(pool.bytes, at + ETH_SRC, srcHi, srcLo);
}

/** Moves the 12 MAC bytes from the current frame start `n` bytes later after a pull, or earlier after a push. */
function moveMacs(b: Uint8Array, from: number, to: number): void {
  b.copyWithin(to, from, from + 12);
}

/**
 * Inserts a VLAN tag (TPID 0x8100 or 0x88a8, TCI) right after the MAC addresses, as
 * vlan_insert_tag(): the old ethertype becomes the tag's encapsulated protocol. Returns false
 * (frame unchanged) when the frame is shorter than an Ethernet header or the headroom is too small.
 */
export function vlanPush(pool: PacketPool, slot: number, tpid: number, tci: number): boolean {
  if (pool.len[slot]! < ETH_HLEN) return false;
  const old = pool.frameStart(slot);
  if (!pool.push(slot, VLAN_HLEN)) return false;
  const at = old - VLAN_HLEN;
  const b = pool.bytes;
  moveMacs(b, old, at);
  wr16(b, at + ETH_TYPE, tpid);
  wr16(b, at + ETH_TYPE + 2, tci);
  // The original ethertype is still in place at at+16, now the encapsulated protocol.
  return true;
}

/**
 * Removes the outer VLAN tag (skb_vlan_pop of an in-band tag): the encapsulated protocol becomes the
 * ethertype. Returns false (unchanged) when the frame carries no 802.1Q/802.1ad tag.
 */
export function vlanPop(pool: PacketPool, slot: number): boolean {
  if (pool.len[slot]! < ETH_HLEN + VLAN_HLEN) return false;
  const at = pool.frameStart(slot);
  const b = pool.bytes;
  if (!isVlanTpid(rd16(b, at + ETH_TYPE))) return false;
  moveMacs(b, at, at + VLAN_HLEN);
  pool.pull(slot, VLAN_HLEN);
  return true;
}

/**
 * Inserts a PPPoE session header after the MACs (and after any VLAN tags, i.e. right before the
 * IPv4/IPv6 ethertype): ethertype 0x8864, ver/type 0x11, code 0, `sid`, length = bytes after the
 * header + 2, PPP protocol 0x0021/0x0057 from the old ethertype. The length counts every byte after
 * the header, as the kernel's skb->len does: trim Ethernet padding first (trimToIpLength).
 * Returns false (unchanged) when the inner ethertype is not IPv4/IPv6 or headroom is short.
 */
export function pppoePush(pool: PacketPool, slot: number, sid: number): boolean {
  const len = pool.len[slot]!;
  const b = pool.bytes;
  const old = pool.frameStart(slot);
  // Find the innermost ethertype field (after up to two VLAN tags).
  let typeAt = ETH_TYPE;
  let tags = 0;
  while (typeAt + 2 <= len && isVlanTpid(rd16(b, old + typeAt)) && tags < 2) {
    typeAt += VLAN_HLEN;
    tags++;
  }
  if (typeAt + 2 > len) return false;
  const type = rd16(b, old + typeAt);
  const proto = type === ETH_P_IP ? PPP_IP : type === ETH_P_IPV6 ? PPP_IPV6 : 0;
  if (proto === 0) return false;
  if (!pool.push(slot, PPPOE_SES_HLEN)) return false;
  const at = old - PPPOE_SES_HLEN;
  // Everything before the ethertype field moves forward; the ethertype field becomes 0x8864.
  b.copyWithin(at, old, old + typeAt);
  wr16(b, at + typeAt, ETH_P_PPP_SES);
  const payload = len - typeAt - 2; // the IP packet
  writePppoeSession(b, at + typeAt + 2, sid, payload + 2, proto);
  return true;
}

/**
 * Removes the PPPoE session header after the MACs/VLAN tags and restores the IPv4/IPv6 ethertype
 * (nf_flow_encap_pop for PPPoE). Returns false (unchanged) when the frame is not a PPPoE session
 * frame carrying IPv4/IPv6.
 */
export function pppoePop(pool: PacketPool, slot: number): boolean {
  const len = pool.len[slot]!;
  const b = pool.bytes;
  const at = pool.frameStart(slot);
  let typeAt = ETH_TYPE;
  let tags = 0;
  while (typeAt + 2 <= len && isVlanTpid(rd16(b, at + typeAt)) && tags < 2) {
    typeAt += VLAN_HLEN;
    tags++;
  }
  if (typeAt + 2 + PPPOE_SES_HLEN > len || rd16(b, at + typeAt) !== ETH_P_PPP_SES) return false;
  const ph = at + typeAt + 2;
  if (b[ph] !== PPPOE_VER_TYPE_11 || b[ph + 1] !== PPPOE_CODE_SESSION) return false;
  const proto = rd16(b, ph + 6);
  const type = proto === PPP_IP ? ETH_P_IP : proto === PPP_IPV6 ? ETH_P_IPV6 : 0;
  if (type === 0) return false;
  // The new ethertype goes where the PPP protocol was; the bytes before it shift back 8.
  wr16(b, ph + 6, type);
  b.copyWithin(at + PPPOE_SES_HLEN, at, at + typeAt);
  pool.pull(slot, PPPOE_SES_HLEN);
  return true;
}

/**
 * Trims the frame to the L3 packet's own length (ip_rcv_core's / ipv6_rcv's pskb_trim_rcsum),
 * dropping Ethernet padding, given the IP header offset and the IP packet length. Returns false when
 * the frame is shorter than that.
 */
export function trimToIpLength(pool: PacketPool, slot: number, l3off: number, ipLen: number): boolean {
  const want = l3off + ipLen;
  if (want > pool.len[slot]!) return false;
  pool.len[slot] = want;
  return true;
}
