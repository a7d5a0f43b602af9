/**
 * IPv4 fragmentation of a forwarded packet: the slow path of ip_do_fragment (net/ipv4/ip_output.c),
 * which a router takes for a linear skb bigger than the route MTU without DF (ip_forward only
 * refuses DF packets: ip_exceeds_mtu). One call writes one fragment.
 */
import type { PacketPool } from '../buffers/pool.ts';
import { rd16, wr16 } from './bytes.ts';
import { csumFinish, csumPartial } from './checksum.ts';
import { ETH_HLEN, ETH_P_IP } from './ethernet.ts';
import { IP_MF } from './ipv4.ts';

/** Payload bytes per fragment for header length `hlen` and MTU `mtu`: (mtu - hlen) & ~7. */
export function ipv4FragmentStep(mtu: number, hlen: number): number {
  return (mtu - hlen) & ~7;
}

/**
 * Writes into `outSlot` the fragment of the IPv4 packet in `origSlot` (IP header at pool.l3off)
 * that carries `len` payload bytes from payload offset `offset`, as ip_do_fragment's slow path
 * does: the original header (same id, TTL, TOS, addresses) with fragment offset = the original's
 * offset + `offset`, MF unless this is the last fragment of a datagram that was itself the last
 * (or whole) one, DF clear (IPSKB_FRAG_PMTU is not set for forwarded packets), tot_len and header
 * checksum updated. In fragments after the first, options without the copied flag become NOOPs
 * (ip_options_fragment). The frame gets a 14-byte Ethernet header with zero MACs (the neighbour
 * output writes the real one) and l3proto/l3off/l4off set. Returns the frame length, or 0 when it
 * does not fit the slot.
 */
export function buildIpv4Fragment(pool: PacketPool, origSlot: number, outSlot: number, offset: number, len: number, last: boolean): number {
  const b = pool.bytes;
  const oip = pool.frameStart(origSlot) + pool.l3off[origSlot]!;
  const hlen = (b[oip]! & 0x0f) << 2;
  const total = ETH_HLEN + hlen + len;
  if (total > pool.slotSize - pool.headroom) return 0;
  const f = pool.base(outSlot) + pool.headroom;
  pool.off[outSlot] = pool.headroom;
  b.fill(0, f, f + 12);
  wr16(b, f + 12, ETH_P_IP);
  const ip = f + ETH_HLEN;
  b.copyWithin(ip, oip, oip + hlen);
  b.copyWithin(ip + hlen, oip + hlen + offset, oip + hlen + offset + len);
  const ofrag = rd16(b, oip + 6);
  const notLastFrag = (ofrag & IP_MF) !== 0;
  const fragOff = ((ofrag & 0x1fff) << 3) + offset;
  wr16(b, ip + 6, (fragOff >>> 3) | (!last || notLastFrag ? IP_MF : 0));
  wr16(b, ip + 2, hlen + len);
  if (offset > 0) {
    // ip_options_fragment: only options with the copied flag survive past the first fragment.
    for (let p = ip + 20; p < ip + hlen;) {
      const type = b[p]!;
      if (type === 0) break; // IPOPT_END
      if (type === 1) { p++; continue; } // IPOPT_NOOP
      const olen = b[p + 1]!;
      if (olen < 2 || p + olen > ip + hlen) break;
      if (!(type & 0x80)) b.fill(1, p, p + olen);
      p += olen;
    }
  }
  wr16(b, ip + 10, 0);
  wr16(b, ip + 10, csumFinish(csumPartial(b, ip, hlen, 0)));
  pool.len[outSlot] = total;
  pool.l3proto[outSlot] = ETH_P_IP;
  pool.l3off[outSlot] = ETH_HLEN;
  pool.l4off[outSlot] = ETH_HLEN + hlen;
  return total;
}
