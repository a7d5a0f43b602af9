import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PacketPool, PF_PPPOE, PF_VLAN } from '../../src/buffers/pool.ts';
import { buildFrame, FrameSpec } from '../../src/wire/builder.ts';
import { encapSetEthAddrs, pppoePop, pppoePush, trimToIpLength, vlanPop, vlanPush } from '../../src/wire/encap.ts';
import { parseFrame, parsedIpLength } from '../../src/wire/parse.ts';
import { hex } from './ref.ts';

const pool = new PacketPool({ capacity: 2 });
const spec = new FrameSpec();

function buildPlain(payloadLen = 0, family = 4): Uint8Array {
  spec.reset();
  spec.family = family;
  spec.payloadLen = payloadLen;
  spec.padToMinimum = false;
  buildFrame(pool, 0, spec);
  return pool.frame(0).slice();
}

describe('L2 encapsulation in the headroom', () => {
  it('vlanPush inserts TPID and TCI after the MACs (vlan_insert_tag) and vlanPop restores the frame', () => {
    const orig = buildPlain(10);
    expect(vlanPush(pool, 0, 0x8100, 0x2064)).toBe(true);
    const f = pool.frame(0);
    expect(hex(f.subarray(0, 18))).toBe(hex(orig.subarray(0, 12)) + '810020640800');
    expect(hex(f.subarray(18))).toBe(hex(orig.subarray(14)));
    expect(parseFrame(pool, 0)).toBe(0);
    expect(pool.pflags[0]! & PF_VLAN).toBe(PF_VLAN);
    expect(pool.vlan0[0]).toBe(0x064);
    expect(vlanPop(pool, 0)).toBe(true);
    expect(hex(pool.frame(0))).toBe(hex(orig));
    expect(vlanPop(pool, 0)).toBe(false);
  });

  it('pppoePush writes 0x8864, ver/type 0x11, code 0, sid, length = IP length + 2, PPP protocol 0x0021', () => {
    const orig = buildPlain(10);
    const ipLen = orig.length - 14;
    expect(pppoePush(pool, 0, 0xabcd)).toBe(true);
    const f = pool.frame(0);
    const len = (ipLen + 2).toString(16).padStart(4, '0');
    expect(hex(f.subarray(12, 22))).toBe(`88641100abcd${len}0021`);
    expect(hex(f.subarray(22))).toBe(hex(orig.subarray(14)));
    expect(parseFrame(pool, 0)).toBe(0);
    expect(pool.pflags[0]! & PF_PPPOE).toBe(PF_PPPOE);
    expect(pool.pppoeSid[0]).toBe(0xabcd);
    expect(pppoePop(pool, 0)).toBe(true);
    expect(hex(pool.frame(0))).toBe(hex(orig));
  });

  it('pppoePush for IPv6 uses PPP protocol 0x0057 and sits inside a VLAN tag', () => {
    buildPlain(0, 6);
    vlanPush(pool, 0, 0x8100, 7);
    expect(pppoePush(pool, 0, 1)).toBe(true);
    const f = pool.frame(0);
    // IPv6 header 40 + TCP 20 = 60 bytes of IP packet: PPPoE length 62 (0x3e).
    expect(hex(f.subarray(12, 26))).toBe('81000007886411000001003e0057');
    expect(parseFrame(pool, 0)).toBe(0);
    expect(pool.l3off[0]).toBe(26);
  });

  it('refuses a push without headroom and leaves the frame unchanged', () => {
    const small = new PacketPool({ capacity: 1, headroom: 4 });
    spec.reset();
    buildFrame(small, 0, spec);
    const before = hex(small.frame(0));
    expect(pppoePush(small, 0, 1)).toBe(false);
    expect(hex(small.frame(0))).toBe(before);
    expect(vlanPush(small, 0, 0x8100, 1)).toBe(true);
    expect(vlanPush(small, 0, 0x8100, 1)).toBe(false);
  });

  it('encapSetEthAddrs writes both MACs; trimToIpLength drops the Ethernet padding', () => {
    spec.reset();
    buildFrame(pool, 0, spec);
    encapSetEthAddrs(pool, 0, 0x0011, 0x22334455, 0x0066, 0x778899aa);
    expect(hex(pool.frame(0).subarray(0, 12))).toBe('001122334455' + '0066778899aa');
    parseFrame(pool, 0);
    expect(pool.len[0]).toBe(60);
    expect(trimToIpLength(pool, 0, pool.l3off[0]!, parsedIpLength(pool, 0))).toBe(true);
    expect(pool.len[0]).toBe(54);
  });

  it('any sequence of pushes and pops keeps the IP packet bytes intact', () => {
    const ops = fc.array(fc.constantFrom('vpush', 'vpop', 'ppush', 'ppop'), { maxLength: 12 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.constantFrom(4, 6), ops, (payload, family, seq) => {
      const orig = buildPlain(payload, family);
      const ip = hex(orig.subarray(14));
      for (const op of seq) {
        if (op === 'vpush') vlanPush(pool, 0, 0x8100, 5);
        else if (op === 'vpop') vlanPop(pool, 0);
        else if (op === 'ppush') pppoePush(pool, 0, 9);
        else pppoePop(pool, 0);
      }
      const r = parseFrame(pool, 0);
      // A PPPoE header inside a PPPoE header is not IP; everything else must still parse to the same packet.
      if (r === 0 && (pool.l3proto[0] === 0x0800 || pool.l3proto[0] === 0x86dd)) {
        const f = pool.frame(0);
        expect(hex(f.subarray(pool.l3off[0]!))).toBe(ip);
        expect(hex(f.subarray(0, 12))).toBe(hex(orig.subarray(0, 12)));
      }
    }));
  });
});
