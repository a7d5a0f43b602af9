/**
 * `flowsim lint`: each check fires on a scenario built to trigger it and stays silent on a clean
 * firewall4 router (ports listed, no SQM). The kernel behaviour each check stands for is cited.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { lintFails, lintScenario } from '../../src/lint/index.ts';
import { loadScenario } from '../../src/sim/run.ts';
import { FW4_FORWARD, ids, lintRouter, lintYaml, routerYaml, textAt, withId } from './helpers.ts';

describe('a clean firewall4 router', () => {
  it('with the ports in the flowtable, hardware offload and no SQM has no findings', () => {
    const f = lintRouter();
    expect(ids(f)).toEqual([]);
    expect(lintFails(f)).toBe(false);
  });

  it('with software offload (no flags offload) has no findings either', () => {
    expect(ids(lintRouter({ flags: '' }))).toEqual([]);
  });

  it('sim-scenarios/mt7621-pppoe.yaml (hardware offload, ports listed, no SQM) lints without warnings', () => {
    const f = lintScenario(loadScenario(resolve(__dirname, '../../sim-scenarios/mt7621-pppoe.yaml')));
    expect(f.filter((x) => x.severity !== 'info')).toEqual([]);
    expect(lintFails(f)).toBe(false);
  });
});

describe('sqm-with-hw-offload', () => {
  const sqm = ['{ device: pppoe-wan, qdisc: cake, rate: 40Mbit, direction: egress }'];

  it('warns that SQM on pppoe-wan will not shape hardware-offloaded flows (the PPE bypasses the qdisc)', () => {
    const f = withId(lintRouter({ sqm }), 'sqm-with-hw-offload');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.message).toMatch(/SQM .* on pppoe-wan will not shape hardware-offloaded flows/);
    expect(f[0]!.loc?.line).toBeGreaterThan(0);
  });

  it('stays silent with software offload: the fast path transmits through dev_queue_xmit and the qdisc', () => {
    expect(withId(lintRouter({ sqm, flags: '' }), 'sqm-with-hw-offload')).toEqual([]);
  });

  it('stays silent on the Airoha EN7581, which shapes offloaded flows in hardware', () => {
    const interfaces = [
      '{ name: eth0, kind: ethernet, mac: "02:11:22:33:44:00" }',
      '{ name: wan, kind: ethernet, mac: "02:11:22:33:44:01" }',
      '{ name: lan1, kind: dsa, conduit: eth0 }',
      '{ name: lan2, kind: dsa, conduit: eth0 }',
      '{ name: br-lan, kind: bridge, ports: [lan1, lan2], addresses: [192.168.1.1/24] }',
      '{ name: pppoe-wan, kind: pppoe, parent: wan, session: 0x1a2b, addresses: [100.64.10.2/32] }',
    ];
    expect(withId(lintRouter({ soc: 'en7581', interfaces, sqm }), 'sqm-with-hw-offload')).toEqual([]);
  });
});

describe('flowtable-device-mismatch (nft_dev_forward_path)', () => {
  it('warns when only the L3 devices br-lan and pppoe-wan are listed: the flow falls back to the NEIGH path', () => {
    const f = withId(lintRouter({ devices: '{ "br-lan", "pppoe-wan" }', flags: '' }), 'flowtable-device-mismatch');
    expect(f.map((x) => x.severity)).toEqual(['warning', 'warning']);
    const ppp = f.find((x) => x.message.includes('pppoe-wan'))!;
    expect(ppp.message).toMatch(/lists the PPPoE device pppoe-wan but not wan/);
    expect(ppp.why).toMatch(/NEIGH/);
    expect(ppp.why).toMatch(/PPPoE/);
    expect(ppp.fix).toMatch(/"wan"/);
    const br = f.find((x) => x.message.includes('br-lan'))!;
    expect(br.message).toMatch(/bridge device br-lan but not lan1/);
    // Located at the flowtable, in the scenario file that holds the inline ruleset.
    expect(ppp.loc?.file).toMatch(/\.yaml$/);
    expect(textAt(ppp.loc!)).toMatch(/^flowtable ft \{/);
  });

  it('warns when none of the devices a host\'s packets cross is listed: that direction is never offloaded', () => {
    const f = withId(lintRouter({ devices: '{ "lan2", "wan" }' }), 'flowtable-device-mismatch');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/packets from laptop arrive on lan1 → br-lan, none of which flowtable ft lists/);
    expect(f[0]!.fix).toMatch(/"lan1"/);
  });

  it('listing the DSA conduit eth0 does not catch packets of the user port lan1 (mainline stops at the DSA port)', () => {
    const f = withId(lintRouter({ devices: '{ "eth0", "wan" }', flags: '' }), 'flowtable-device-mismatch');
    expect(f.some((x) => /laptop .* lan1 → br-lan/.test(x.message))).toBe(true);
  });

  it('is an error when the flowtable lists a device that does not exist (nft: No such file or directory)', () => {
    const f = withId(lintRouter({ devices: '{ "lan1", "lan2", "wan", "eth9" }', flags: '' }), 'flowtable-device-mismatch');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]!.message).toMatch(/"eth9"/);
  });
});

describe('offload-flag-without-engine', () => {
  const x86 = {
    soc: 'generic-x86',
    interfaces: [
      '{ name: eth0, kind: ethernet, mac: "02:33:00:00:00:01", addresses: [192.168.1.1/24] }',
      '{ name: eth1, kind: ethernet, mac: "02:33:00:00:00:02", addresses: [198.51.100.2/24] }',
    ],
    routes: ['{ dst: default, via: 198.51.100.1, dev: eth1 }'],
    hosts: [
      '{ name: laptop, interface: eth0, addresses: [192.168.1.50] }',
      '{ name: isp, interface: eth1, addresses: [0.0.0.0/0] }',
    ],
    devices: '{ "eth0", "eth1" }',
    srcnat: ['oifname "eth1" masquerade;'],
  };

  it('is an error: nft refuses `flags offload` on a SoC without a flow engine (ndo_setup_tc: EOPNOTSUPP)', () => {
    const f = withId(lintRouter(x86), 'offload-flag-without-engine');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]!.message).toMatch(/flowtable ft has "flags offload"/);
    expect(f[0]!.why).toMatch(/EOPNOTSUPP/);
  });

  it('stays silent on the same x86 router with software offload', () => {
    expect(ids(lintRouter({ ...x86, flags: '' }))).toEqual([]);
  });

  it('is an error when flags offload lists a device the engine cannot bind (br-lan)', () => {
    const f = withId(lintRouter({ devices: '{ "br-lan", "wan" }' }), 'offload-flag-without-engine');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]!.message).toMatch(/"br-lan"/);
  });
});

describe('hw-offload-unsupported-flows', () => {
  it('warns about IPv6 with NAT on MediaTek: the PPE has no IPv6 address rewrite', () => {
    const interfaces = [
      '{ name: eth0, kind: ethernet, mac: "02:44:55:66:77:00" }',
      '{ name: wan, kind: dsa, conduit: eth0, addresses: [198.51.100.2/24, "2001:db8:ffff::2/64"] }',
      '{ name: lan1, kind: dsa, conduit: eth0 }',
      '{ name: lan2, kind: dsa, conduit: eth0 }',
      '{ name: br-lan, kind: bridge, ports: [lan1, lan2], addresses: [192.168.1.1/24, "2001:db8:1::1/64"] }',
    ];
    const base = {
      soc: 'mt7622', interfaces,
      routes: ['{ dst: default, via: 198.51.100.1, dev: wan }', '{ dst: "::/0", via: "2001:db8:ffff::1", dev: wan }'],
      hosts: [
        '{ name: laptop, interface: br-lan, port: lan1, addresses: [192.168.1.10, "2001:db8:1::10"] }',
        '{ name: isp, interface: wan, addresses: [0.0.0.0/0, "::/0"] }',
      ],
      traffic: ['{ name: v6, client: laptop, server: isp, family: 6, count: 2, rate: 50Mbit, size: 1514, duration: 1s }'],
    };
    const nat66 = withId(lintRouter({ ...base, srcnat: ['oifname "wan" masquerade;'] }), 'hw-offload-unsupported-flows');
    expect(nat66.map((x) => x.severity)).toEqual(['warning']);
    expect(nat66[0]!.message).toMatch(/IPv6 .* no IPv6 NAT/);
    // firewall4 masquerades IPv4 only: routed IPv6 is fine.
    expect(ids(lintRouter({ ...base, srcnat: ['oifname "wan" meta nfproto ipv4 masquerade;'] }))).toEqual([]);
  });

  it('warns about an 802.1ad (QinQ) tag on the WAN, which the PPE refuses', () => {
    const interfaces = [
      '{ name: eth0, kind: ethernet, mac: "02:11:22:33:44:00" }',
      '{ name: wan, kind: dsa, conduit: eth0 }',
      '{ name: lan1, kind: dsa, conduit: eth0 }',
      '{ name: lan2, kind: dsa, conduit: eth0 }',
      '{ name: br-lan, kind: bridge, ports: [lan1, lan2], addresses: [192.168.1.1/24] }',
      '{ name: wan.100, kind: vlan, parent: wan, vid: 100, proto: 802.1ad, addresses: [198.51.100.2/24] }',
    ];
    const f = withId(lintRouter({
      interfaces, routes: ['{ dst: default, via: 198.51.100.1, dev: wan.100 }'],
      hosts: ['{ name: laptop, interface: br-lan, port: lan1, addresses: [192.168.1.100] }', '{ name: isp, interface: wan.100, addresses: [0.0.0.0/0] }'],
      srcnat: ['oifname "wan.100" meta nfproto ipv4 masquerade;'],
    }), 'hw-offload-unsupported-flows');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toMatch(/802\.1ad \(QinQ\)/);
  });

  it('warns about PPPoE over two VLANs: more than NF_FLOW_TABLE_ENCAP_MAX (2) encapsulations', () => {
    const interfaces = [
      '{ name: eth0, kind: ethernet, mac: "02:11:22:33:44:00" }',
      '{ name: wan, kind: dsa, conduit: eth0 }',
      '{ name: lan1, kind: dsa, conduit: eth0 }',
      '{ name: lan2, kind: dsa, conduit: eth0 }',
      '{ name: br-lan, kind: bridge, ports: [lan1, lan2], addresses: [192.168.1.1/24] }',
      '{ name: wan.7, kind: vlan, parent: wan, vid: 7 }',
      '{ name: wan.7.8, kind: vlan, parent: wan.7, vid: 8 }',
      '{ name: pppoe-wan, kind: pppoe, parent: wan.7.8, session: 0x1a2b, addresses: [100.64.10.2/32] }',
    ];
    const f = withId(lintRouter({ interfaces }), 'hw-offload-unsupported-flows');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toMatch(/2 VLAN tags and a PPPoE session/);
  });

  it('notes (info) that ICMP flows are never offloaded', () => {
    const f = lintRouter({ traffic: ['{ name: ping, client: laptop, server: isp, proto: icmp, count: 1, rate: 0.1Mbit, size: 98, duration: 1s }'] });
    expect(ids(f)).toEqual(['info:hw-offload-unsupported-flows']);
    expect(f[0]!.message).toMatch(/ICMP/);
    expect(lintFails(f)).toBe(false);
  });

  it('notes (info) flows below the PPE bind rate of 30 packets/s, which stay in software', () => {
    // 0.1 Mbit/s of 1000-byte frames = 12.5 packets/s.
    const f = lintRouter({ traffic: ['{ name: slow, client: laptop, server: isp, proto: udp, count: 2, direction: upload, rate: 0.1Mbit, size: 1000, duration: 1s }'] });
    expect(ids(f)).toEqual(['info:hw-offload-unsupported-flows']);
    expect(f[0]!.message).toMatch(/12\.5 packets\/s .* bind rate of 30/);
    // The same flows in software mode: the bind rate is the engine's, not the flowtable's.
    expect(ids(lintRouter({ flags: '', traffic: ['{ name: slow, client: laptop, server: isp, proto: udp, count: 2, direction: upload, rate: 0.1Mbit, size: 1000, duration: 1s }'] }))).toEqual([]);
  });
});

describe('counters-and-log-on-offloaded', () => {
  it('notes (info) a forward-chain counter that established packets reach: offloaded packets skip it', () => {
    const f = lintRouter({ forward: ['meta l4proto { tcp, udp } flow offload @ft;', 'iifname "br-lan" counter log prefix "fwd " accept;', ...FW4_FORWARD.slice(1)] });
    const c = withId(f, 'counters-and-log-on-offloaded');
    expect(c).toHaveLength(1);
    expect(c[0]!.severity).toBe('info');
    expect(c[0]!.message).toMatch(/chain forward .*iifname "br-lan" counter .*log prefix "fwd " accept/);
    expect(c[0]!.message).toMatch(/counter and log/);
    expect(lintFails(f)).toBe(false);
  });

  it('stays silent on counters after firewall4\'s established accept (they count new connections only anyway)', () => {
    expect(ids(lintRouter({ forward: [...FW4_FORWARD.slice(0, 2), 'iifname "br-lan" counter accept;'] }))).toEqual([]);
  });
});

describe('flow-add-placement (nft_flow_offload_validate / nft_flow_offload_eval)', () => {
  it('warns when flow add comes after the established accept: it never sees an established connection', () => {
    const f = withId(lintRouter({ forward: [FW4_FORWARD[1]!, FW4_FORWARD[0]!, FW4_FORWARD[2]!] }), 'flow-add-placement');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toMatch(/flow add @ft.* comes after "ct state vmap/);
  });

  it('also follows jumps: an established accept in the base chain shadows flow add in a jumped-to chain', () => {
    const f = withId(lintRouter({
      forward: [FW4_FORWARD[1]!, 'jump offload;'],
      extra: ['chain offload {', '  meta l4proto { tcp, udp } flow add @ft;', '}'],
    }), 'flow-add-placement');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/chain offload/);
  });

  it('is an error for flow add outside the forward hook (nft refuses it)', () => {
    const f = withId(lintRouter({
      forward: FW4_FORWARD,
      extra: ['chain input {', '  type filter hook input priority filter; policy accept;', '  meta l4proto tcp flow add @ft;', '}'],
    }), 'flow-add-placement');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]!.message).toMatch(/input/);
  });

  it('warns about a flowtable with no devices, and about one that no flow add uses', () => {
    const empty = withId(lintRouter({ devices: '{ }' }), 'flow-add-placement');
    expect(empty.some((x) => /no devices/.test(x.message))).toBe(true);
    const unused = withId(lintRouter({ forward: [FW4_FORWARD[1]!, FW4_FORWARD[2]!] }), 'flow-add-placement');
    expect(unused.map((x) => x.message)).toEqual([expect.stringMatching(/flowtable ft is never used/)]);
  });
});

describe('helper-prevents-offload', () => {
  it('warns that connections with a ct helper are never offloaded, naming the traffic it catches', () => {
    const f = withId(lintRouter({
      extra: [
        'ct helper ftp { type "ftp" protocol tcp; }',
        'chain helper {',
        '  type filter hook prerouting priority filter; policy accept;',
        '  tcp dport 21 ct helper set "ftp";',
        '}',
      ],
      traffic: ['{ name: ftp, client: laptop, server: isp, proto: tcp, dport: 21, count: 1, rate: 10Mbit, size: 1514, duration: 1s }'],
    }), 'helper-prevents-offload');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toMatch(/ct helper "ftp" \(ftp\).*traffic ftp is never offloaded/);
  });
});

describe('conntrack-max-small', () => {
  it('warns when nf_conntrack_max is below the connections the traffic opens', () => {
    const f = withId(lintRouter({
      sysctl: ['nf_conntrack_max: 100'],
      traffic: ['{ name: many, client: laptop, server: isp, proto: udp, count: 300, rate: 1Mbit, size: 200, spread: 1s, duration: 500ms }'],
    }), 'conntrack-max-small');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toMatch(/nf_conntrack_max is 100, .* 300 connections/);
  });

  it('stays silent when the table is large enough', () => {
    expect(ids(lintRouter({ sysctl: ['nf_conntrack_max: 1000'] }))).toEqual([]);
  });
});

describe('lint options', () => {
  it('--mode software on a hardware-offload ruleset drops the hardware-only findings', () => {
    const sqm = ['{ device: pppoe-wan, qdisc: cake, rate: 40Mbit, direction: egress }'];
    expect(withId(lintYaml(routerYaml({ sqm }), { mode: 'software' }), 'sqm-with-hw-offload')).toEqual([]);
  });

  it('--mode none skips the flowtable checks', () => {
    expect(ids(lintYaml(routerYaml({ devices: '{ "br-lan" }', flags: '' }), { mode: 'none' }))).toEqual([]);
  });
});
