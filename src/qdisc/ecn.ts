import type { PacketPool } from '../buffers/pool.ts';

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

/**
 * Sets ECN CE on an ECN-capable IP packet, as INET_ECN_set_ce() does when an AQM would rather mark
 * than drop. Returns true when the packet now carries CE (it was ECT(0)/ECT(1), or already CE);
 * false for Not-ECT, non-IP or an unparsed packet (`l3proto` 0), which the AQM then drops.
 * IPv4's header checksum is patched incrementally (RFC 1624) as IP_ECN_set_ce() does.
 */
export function inetEcnSetCe(pool: PacketPool, slot: number): boolean {
  const proto = pool.l3proto[slot]!;
  const l3 = pool.l3off[slot]!;
  const len = pool.len[slot]!;
  const b = pool.bytes;
  const at = pool.frameStart(slot) + l3;
  if (proto === ETH_P_IP) {
    if (l3 + 20 > len) return false;
    const tos = b[at + 1]!;
    const ecn = tos & 3;
    if (ecn === 0) return false; // Not-ECT
    if (ecn === 3) return true; // already CE
    const oldWord = (b[at]! << 8) | tos;
    const newWord = (b[at]! << 8) | tos | 3;
    const check = (b[at + 10]! << 8) | b[at + 11]!;
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
    let sum = (~check & 0xffff) + (~oldWord & 0xffff) + newWord;
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    const next = ~sum & 0xffff;
    b[at + 1] = tos | 3;
    b[at + 10] = next >>> 8;
    b[at + 11] = next & 0xff;
    return true;
  }
  if (proto === ETH_P_IPV6) {
    if (l3 + 40 > len) return false;
    // Traffic class spans the low nibble of byte 0 and the high nibble of byte 1; ECN is its low 2 bits.
    const byte1 = b[at + 1]!;
    if ((byte1 & 0x30) === 0) return false; // Not-ECT (IP6_ECN_set_ce)
    b[at + 1] = byte1 | 0x30;
    return true;
  }
  return false;
}
