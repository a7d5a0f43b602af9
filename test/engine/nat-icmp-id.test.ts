/**
 * ICMP echo through masquerade when two LAN hosts use the same echo id towards the same server:
 * the second connection's id is remapped (nf_nat_l4proto_unique_tuple for ICMP keys on the id),
 * and the replies must get each host's own id back. The kernel's icmp_manip_pkt writes
 * `tuple->src.u.icmp.id` of the target tuple for either manip type, so the reply direction's
 * destination manip restores the id as well as the address (nf_nat_proto.c).
 */
import { describe, expect, it } from 'vitest';
import { buildScenario, type Built } from '../../src/sim/build.ts';
import type { Mode } from '../../src/scenario/types.ts';
import { FrameSpec, buildFrame } from '../../src/wire/builder.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../src/wire/tuple.ts';
import { decode, ipv4 } from './frames.ts';
import { scenarioFromYaml } from './helpers.ts';

// An inet table: masquerade applies to IPv6 too (NAT66), as the kernel's inet nat chains do.
const YAML = `
name: two LAN hosts ping one server through masquerade
seed: 1
duration: 1s
device: { soc: generic-x86 }
interfaces:
  - { name: eth0, kind: ethernet, mac: "02:33:00:00:00:01", addresses: [192.168.1.1/24, "2001:db8:1::1/64"] }
  - { name: eth1, kind: ethernet, mac: "02:33:00:00:00:02", addresses: [198.51.100.2/24, "2001:db8:ffff::2/64"] }
routes:
  - { dst: default, via: 198.51.100.1, dev: eth1 }
  - { dst: "::/0", via: "2001:db8:ffff::1", dev: eth1 }
hosts:
  - { name: a, interface: eth0, addresses: [192.168.1.50, "2001:db8:1::50"] }
  - { name: b, interface: eth0, addresses: [192.168.1.51, "2001:db8:1::51"] }
  - { name: upstream, interface: eth1, addresses: [0.0.0.0/0, "::/0"] }
ruleset:
  inline: |
    table inet fw4 {
      chain forward {
        type filter hook forward priority filter; policy accept;
      }
      chain srcnat {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth1" masquerade;
      }
    }
traffic: []
`;

interface Out { readonly iface: string; readonly hex: string }

function router(mode: Mode): { built: Built; out: Out[] } {
  const built = buildScenario(scenarioFromYaml(YAML, 'nat-icmp-id.yaml'), { mode, poolSlots: 256 });
  const pool = built.pool;
  const out: Out[] = [];
  built.router.sink = {
    transmit(slot, port) { out.push({ iface: built.net.topo.name(port), hex: Buffer.from(pool.frame(slot)).toString('hex') }); pool.free(slot); },
    deliverLocal(slot) { pool.free(slot); },
    dropped(slot) { pool.free(slot); },
  };
  return { built, out };
}

/** An IPv6 address as the four words FrameSpec takes. */
function v6(s: string): Uint32Array {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [], t = tail ? tail.split(':') : [];
  const g = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((x) => parseInt(x, 16));
  return Uint32Array.from([0, 1, 2, 3], (i) => ((g[2 * i]! << 16) | g[2 * i + 1]!) >>> 0);
}

/**
 * An echo request or reply (ICMP types 8/0 for a number address, ICMPv6 128/129 for an IPv6
 * one) from host `from`, handed to the router.
 */
function echo(built: Built, from: string, src: number | string, dst: number | string, request: boolean, id: number, now: number): void {
  const h = built.hosts.find((x) => x.spec.name === from)!;
  const pool = built.pool;
  const slot = pool.alloc();
  const s = new FrameSpec();
  s.srcMacHi = h.macHi; s.srcMacLo = h.macLo;
  s.dstMacHi = h.routerMacHi; s.dstMacLo = h.routerMacLo;
  if (typeof src === 'number' && typeof dst === 'number') {
    s.family = 4;
    s.src4 = src; s.dst4 = dst;
    s.l4proto = IPPROTO_ICMP;
    s.icmpType = request ? 8 : 0;
  } else {
    s.family = 6;
    s.src6.set(v6(String(src))); s.dst6.set(v6(String(dst)));
    s.l4proto = IPPROTO_ICMPV6;
    s.icmpType = request ? 128 : 129;
  }
  s.icmpCode = 0;
  s.icmpId = id;
  s.icmpSeq = 1;
  s.payloadLen = 32;
  expect(buildFrame(pool, slot, s)).not.toBe(0);
  built.router.receive(slot, h.port, now);
}

/** Echo id and ICMP/ICMPv6 checksum validity (with the IPv6 pseudo-header) of a transmitted frame. */
function icmpOf(hex: string): { id: number; csumOk: boolean } {
  const b = Buffer.from(hex, 'hex');
  const isV6 = b.readUInt16BE(12) === 0x86dd;
  const l4 = isV6 ? 54 : 14 + (b[14]! & 0xf) * 4;
  let sum = 0;
  if (isV6) {
    for (let i = 22; i < 54; i += 2) sum += b.readUInt16BE(i);
    sum += b.length - l4 + IPPROTO_ICMPV6;
  }
  for (let i = l4; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if ((b.length - l4) & 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return { id: b.readUInt16BE(l4 + 4), csumOk: sum === 0xffff };
}

describe('masqueraded ICMP echo with a clashing id', () => {
  const families = [
    { family: 'IPv4', a: ipv4('192.168.1.50'), b: ipv4('192.168.1.51'), server: ipv4('203.0.113.9'), wan: ipv4('198.51.100.2'), aText: '192.168.1.50', bText: '192.168.1.51', wanText: '198.51.100.2' },
    { family: 'IPv6', a: '2001:db8:1::50', b: '2001:db8:1::51', server: '2001:db8:9::9', wan: '2001:db8:ffff::2', aText: hex6('2001:db8:1::50'), bText: hex6('2001:db8:1::51'), wanText: hex6('2001:db8:ffff::2') },
  ];
  describe.each(families)('$family', (f) => {
    it.each(['none', 'software'] as const)('mode %s: each host gets its own id back on the reply', (mode) => {
      const { built, out } = router(mode);
      echo(built, 'a', f.a, f.server, true, 0x1234, 1e6);
      echo(built, 'b', f.b, f.server, true, 0x1234, 2e6);
      expect(out.map((o) => o.iface)).toEqual(['eth1', 'eth1']);
      const idA = icmpOf(out[0]!.hex).id, idB = icmpOf(out[1]!.hex).id;
      expect(decode(out[0]!.hex).src).toBe(f.wanText);
      expect(decode(out[1]!.hex).src).toBe(f.wanText);
      // Same address and id on the WAN side would be one tuple: the second id is remapped.
      expect(idA).toBe(0x1234);
      expect(idB).not.toBe(0x1234);
      expect(icmpOf(out[1]!.hex).csumOk).toBe(true);
      // The server answers each request with its id; the router must map both back.
      echo(built, 'upstream', f.server, f.wan, false, idB, 3e6);
      echo(built, 'upstream', f.server, f.wan, false, idA, 4e6);
      expect(out.length).toBe(4);
      const toB = out[2]!, toA = out[3]!;
      expect(toB.iface).toBe('eth0');
      expect(decode(toB.hex).dst).toBe(f.bText);
      expect(icmpOf(toB.hex)).toEqual({ id: 0x1234, csumOk: true });
      expect(decode(toA.hex).dst).toBe(f.aText);
      expect(icmpOf(toA.hex)).toEqual({ id: 0x1234, csumOk: true });
    });
  });
});

/** An IPv6 address as decode() prints it (32 hex digits). */
function hex6(s: string): string {
  return Array.from(v6(s), (w) => w.toString(16).padStart(8, '0')).join('');
}
