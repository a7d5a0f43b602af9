import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ffs, mtkPpeHash, ppeHashFold } from '../../src/offload/ppe-hash.ts';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/tuple.ts';
import { v4, v6 } from './helpers.ts';

// Shifts and masks as mtk_ppe_hash_entry() applies them: hash <<= ffs(hash_offset) - 1; hash &= 8191.
const MT7621 = { shift: ffs(2) - 1, mask: 8191 }; // hash_offset 2 → << 1
const MT7986 = { shift: ffs(4) - 1, mask: 8191 }; // hash_offset 4 → << 2

describe('mtk_ppe_hash_entry (drivers/net/ethernet/mediatek/mtk_ppe.c)', () => {
  it('ffs() is the kernel’s 1-based lowest set bit', () => {
    expect(ffs(0)).toBe(0);
    expect(ffs(1)).toBe(1);
    expect(ffs(2)).toBe(2);
    expect(ffs(4)).toBe(3);
    expect(ffs(12)).toBe(3);
  });

  /*
   * IPv4 HNAPT, TCP 192.168.1.100:40000 → 1.1.1.1:443, worked by hand:
   *   hv1 = ports = (40000 << 16) | 443 = 0x9c40_01bb   (struct {u16 dest_port; u16 src_port} as LE u32)
   *   hv2 = dest_ip = 0x0101_0101,  hv3 = src_ip = 0xc0a8_0164
   *   hv1 & hv2            = 0x0000_0101
   *   ~hv1 & hv3           = 0x63bf_fe44 & 0xc0a8_0164 = 0x40a8_0044
   *   h = OR               = 0x40a8_0145
   *   rotate left 8        = 0xa801_4540
   *   hv1 ^ hv2 ^ hv3      = 0x9c40_01bb ^ 0x0101_0101 ^ 0xc0a8_0164 = 0x5de9_01de
   *   h ^= that            = 0xf5e8_449e
   *   h ^= h >> 16         = 0xf5e8_449e ^ 0x0000_f5e8 = 0xf5e8_b176
   *   MT7621: h << 1 = 0xebd1_62ec; & 0x1fff = 0x02ec = 748  → bucket 748 / 2 = 374, ways 748..749
   *   MT7986: h << 2 = 0xd7a2_c5d8; & 0x1fff = 0x05d8 = 1496 → bucket 1496 / 4 = 374, ways 1496..1499
   */
  const t4 = v4(0xc0a80164, 0x01010101, IPPROTO_TCP, 40000, 443);

  it('folds an IPv4 HNAPT tuple as worked by hand (2-way MT7621)', () => {
    expect(ppeHashFold(0x9c4001bb, 0x01010101, 0xc0a80164, 0, 0xffffffff)).toBe(0xf5e8b176);
    expect(mtkPpeHash(t4, 0, MT7621.shift, MT7621.mask)).toBe(748);
  });

  it('folds the same IPv4 tuple for a 4-way SoC (MT7986): first way of bucket 374', () => {
    expect(mtkPpeHash(t4, 0, MT7986.shift, MT7986.mask)).toBe(1496);
  });

  /*
   * IPv6 5-tuple, UDP [2001:db8::1]:50000 → [2001:db8:1::2]:53 (ip[0] = most significant word):
   *   src = 20010db8 00000000 00000000 00000001,  dst = 20010db8 00010000 00000000 00000002
   *   ports = (50000 << 16) | 53 = 0xc350_0035
   *   hv1 = src[3] ^ dst[3] ^ ports = 1 ^ 2 ^ 0xc350_0035 = 0xc350_0036
   *   hv2 = src[2] ^ dst[2] ^ dst[0] = 0x2001_0db8
   *   hv3 = src[1] ^ dst[1] ^ src[0] = 0x0001_0000 ^ 0x2001_0db8 = 0x2000_0db8
   *   hv1 & hv2 = 0x0000_0030;  ~hv1 & hv3 = 0x3caf_ffc9 & 0x2000_0db8 = 0x2000_0d88
   *   h = 0x2000_0db8;  rotate left 8 = 0x000d_b820
   *   hv1 ^ hv2 ^ hv3 = 0xc351_0036;  h ^= → 0xc35c_b816;  h ^= h >> 16 → 0xc35c_7b4a
   *   MT7621: << 1 = 0x86b8_f694; & 0x1fff = 0x1694 = 5780 (bucket 2890)
   *   MT7986: << 2 = 0x0d71_ed28; & 0x1fff = 0x0d28 = 3368 (bucket 842)
   */
  const t6 = v6([0x20010db8, 0, 0, 1], [0x20010db8, 0x00010000, 0, 2], IPPROTO_UDP, 50000, 53);

  it('folds an IPv6 5-tuple as worked by hand (MT7621)', () => {
    expect(ppeHashFold(0xc3500036, 0x20010db8, 0x20000db8, 0, 0xffffffff)).toBe(0xc35c7b4a);
    expect(mtkPpeHash(t6, 0, MT7621.shift, MT7621.mask)).toBe(5780);
  });

  it('folds the IPv6 5-tuple for MT7986', () => {
    expect(mtkPpeHash(t6, 0, MT7986.shift, MT7986.mask)).toBe(3368);
  });

  it('always lands on the first way of a bucket inside the table', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (s, d, sp, dp) => {
        const t = v4(s, d, IPPROTO_UDP, sp, dp);
        const h2 = mtkPpeHash(t, 0, MT7621.shift, MT7621.mask);
        const h4 = mtkPpeHash(t, 0, MT7986.shift, MT7986.mask);
        expect(h2 % 2).toBe(0);
        expect(h4 % 4).toBe(0);
        expect(h2).toBeLessThan(8192);
        expect(h4).toBeLessThan(8192);
      }),
    );
  });
});
