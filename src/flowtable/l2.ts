/**
 * Building the link-layer header of an outgoing IP packet: Ethernet addresses, then the
 * encapsulations a forward path needs (PPPoE session, 802.1Q/802.1ad tags). Used by the flowtable's
 * DIRECT transmit (nf_flow_queue_xmit + nf_flow_encap_push) and by the router's neighbour output, so
 * both paths put identical bytes on the wire.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { wr16 } from '../wire/bytes.ts';
import { ETH_HLEN, ETH_P_IP, ETH_P_IPV6, ETH_P_PPP_SES, ETH_SRC, ETH_TYPE, writeMac } from '../wire/ethernet.ts';
import { pppoePush, vlanPush } from '../wire/encap.ts';
import { DropReason } from '../wire/drop-reasons.ts';

/** Removes everything in front of the IP header (the received link-layer header and encaps). */
export function stripToL3(pool: PacketPool, slot: number): boolean {
  const l3 = pool.l3off[slot]!;
  if (!pool.pull(slot, l3)) return false;
  pool.l4off[slot] = pool.l4off[slot]! - l3;
  pool.l3off[slot] = 0;
  return true;
}

/**
 * Gives an IP packet the link-layer header of its way out (addresses, then encapsulations as for
 * `pushL2`), whatever header it arrived with. Returns 0, or the drop reason: PKT_TOO_SMALL when the
 * received header cannot be taken off, POOL_EXHAUSTED when the headroom is short.
 */
export function replaceL2(
  pool: PacketPool, slot: number, family: number,
  dstHi: number, dstLo: number, srcHi: number, srcLo: number, encap0: number, encap1: number,
): number {
  if (pool.l3off[slot] === ETH_HLEN && encap0 === 0 && encap1 === 0) {
    rewriteEthernet(pool, slot, family, dstHi, dstLo, srcHi, srcLo);
    return 0;
  }
  if (pool.l3off[slot] !== 0 && !stripToL3(pool, slot)) return DropReason.PKT_TOO_SMALL;
  if (!pushL2(pool, slot, family, dstHi, dstLo, srcHi, srcLo, encap0, encap1)) return DropReason.POOL_EXHAUSTED;
  return 0;
}

/**
 * The Ethernet header of a frame that arrived as plain Ethernet (`l3off === ETH_HLEN`) and leaves
 * without encapsulation, rewritten in place: the same bytes and offsets as `stripToL3` followed by
 * `pushL2` with no encapsulation (the header is taken off and put back at the same place), without
 * moving the frame's start twice.
 */
function rewriteEthernet(pool: PacketPool, slot: number, family: number, dstHi: number, dstLo: number, srcHi: number, srcLo: number): void {
  const at = pool.frameStart(slot);
  const b = pool.bytes;
  writeMac(b, at, dstHi, dstLo);
  writeMac(b, at + ETH_SRC, srcHi, srcLo);
  wr16(b, at + ETH_TYPE, family === 6 ? ETH_P_IPV6 : ETH_P_IP);
}

/**
 * Prepends Ethernet + encapsulations to a packet that starts at its IP header. `encap0` is the
 * outermost encapsulation word ((proto << 16) | id), `encap1` the next, 0 = none. Returns false
 * when the headroom is short (the caller drops).
 */
export function pushL2(
  pool: PacketPool, slot: number, family: number,
  dstHi: number, dstLo: number, srcHi: number, srcLo: number, encap0: number, encap1: number,
): boolean {
  if (!pool.push(slot, ETH_HLEN)) return false;
  const at = pool.frameStart(slot);
  const b = pool.bytes;
  writeMac(b, at, dstHi, dstLo);
  writeMac(b, at + ETH_SRC, srcHi, srcLo);
  wr16(b, at + ETH_TYPE, family === 6 ? ETH_P_IPV6 : ETH_P_IP);
  let added = ETH_HLEN;
  // PPPoE sits innermost (under any VLAN tags); tags are then pushed innermost first.
  if ((encap1 >>> 16) === ETH_P_PPP_SES || (encap0 >>> 16) === ETH_P_PPP_SES) {
    const sid = (encap1 >>> 16) === ETH_P_PPP_SES ? encap1 & 0xffff : encap0 & 0xffff;
    if (!pppoePush(pool, slot, sid)) return false;
    added += 8;
  }
  if (encap1 !== 0 && (encap1 >>> 16) !== ETH_P_PPP_SES) {
    if (!vlanPush(pool, slot, encap1 >>> 16, encap1 & 0xffff)) return false;
    added += 4;
  }
  if (encap0 !== 0 && (encap0 >>> 16) !== ETH_P_PPP_SES) {
    if (!vlanPush(pool, slot, encap0 >>> 16, encap0 & 0xffff)) return false;
    added += 4;
  }
  pool.l3off[slot] = pool.l3off[slot]! + added;
  pool.l4off[slot] = pool.l4off[slot]! + added;
  return true;
}
