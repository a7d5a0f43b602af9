/**
 * The MediaTek PPE flow hash, exactly as `mtk_ppe_hash_entry()` (drivers/net/ethernet/mediatek/
 * mtk_ppe.c) computes it; Airoha's `airoha_ppe_foe_get_entry_hash()` is the same fold without the
 * way shift. The driver feeds host-order u32 words (be32_to_cpu of addresses and ports), which is
 * what flowsim's tuple words already hold (wire/tuple.ts):
 *
 *   IPv4 HNAPT/ROUTE: hv1 = ports, hv2 = dest_ip, hv3 = src_ip
 *     `ports` is `struct { u16 dest_port; u16 src_port; }` read as a u32 on a little-endian SoC:
 *     (src_port << 16) | dest_port — the tuple's T_PORTS word. (ROUTE entries use 0xa5a5a500|proto;
 *     the driver never creates them.)
 *   IPv6 3T/5T (ip[0] = most significant word):
 *     hv1 = src[3] ^ dst[3] ^ ports;  hv2 = src[2] ^ dst[2] ^ dst[0];  hv3 = src[1] ^ dst[1] ^ src[0]
 *
 *   h = (hv1 & hv2) | (~hv1 & hv3)
 *   h = (h >> 24) | ((h & 0xffffff) << 8)      rotate left by 8
 *   h ^= hv1 ^ hv2 ^ hv3
 *   h ^= h >> 16
 *   h <<= ffs(hash_offset) - 1                 1 on 2-way SoCs, 2 on 4-way, 0 on Airoha
 *   h &= entries - 1                           8191 on MediaTek, 32767 on EN7581
 *
 * The result is the index of the bucket's first way; the software list is foe_flow[h / ways].
 * The hardware is assumed to compute the same hash (HASH_MODE 1, seed register never written by
 * mtk_ppe_start): the driver relies on it when it looks up foe_flow[index / hash_offset].
 */
import { T_DST, T_PORTS, T_PROTO, T_SRC } from '../wire/tuple.ts';

/** Like the kernel's ffs(): 1-based index of the lowest set bit, 0 for 0. */
export function ffs(x: number): number {
  if (x === 0) return 0;
  return 32 - Math.clz32(x & -x);
}

/**
 * The fold shared by every packet type, over three u32 words. Computed in int32 arithmetic (V8
 * keeps it in registers; the bit pattern is the same as the C u32 code) and returned unsigned.
 */
export function ppeHashFold(hv1: number, hv2: number, hv3: number, shift: number, mask: number): number {
  let h = (hv1 & hv2) | (~hv1 & hv3);
  h = (h >>> 24) | (h << 8); // rotate left by 8: (h >> 24) | ((h & 0xffffff) << 8)
  h ^= hv1 ^ hv2 ^ hv3;
  h ^= h >>> 16;
  h <<= shift;
  return (h & mask) >>> 0;
}

/**
 * mtk_ppe_hash_entry() over a flowsim tuple (TUPLE_WORDS at `off`): IPv4 as HNAPT, IPv6 as 5-tuple.
 * `shift` = ffs(hash_offset) - 1, `mask` = entries - 1. Accepts the words as Uint32Array or as an
 * Int32Array view of the same bits.
 */
export function mtkPpeHash(t: Uint32Array | Int32Array, off: number, shift: number, mask: number): number {
  const family = (t[off + T_PROTO]! >>> 8) & 0xff;
  const ports = t[off + T_PORTS]! | 0;
  if (family === 6) {
    const s0 = t[off + T_SRC]! | 0, s1 = t[off + T_SRC + 1]! | 0, s2 = t[off + T_SRC + 2]! | 0, s3 = t[off + T_SRC + 3]! | 0;
    const d0 = t[off + T_DST]! | 0, d1 = t[off + T_DST + 1]! | 0, d2 = t[off + T_DST + 2]! | 0, d3 = t[off + T_DST + 3]! | 0;
    return ppeHashFold(s3 ^ d3 ^ ports, s2 ^ d2 ^ d0, s1 ^ d1 ^ s0, shift, mask);
  }
  return ppeHashFold(ports, t[off + T_DST]! | 0, t[off + T_SRC]! | 0, shift, mask);
}
