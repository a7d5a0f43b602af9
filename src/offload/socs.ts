/**
 * SoC profiles as data. Cost model: load = (pps × cycles_per_packet + base_cycles_per_s) /
 * (cores_used × clock). Throughput figures are converted to packets with the rule from
 * REFERENCE.md §5: an iperf3 TCP stream of G Mbit/s goodput at MTU 1500 (MSS 1448) carries
 * G·1e6 / (1448·8) data packets/s plus half as many delayed ACKs, so pps = G · 129.5 [C].
 * Classic path = driverRx + routing + conntrack + nat + hooks·netfilterHookBase +
 * rules·netfilterPerRule + qdisc + driverTx, with the firewall4 default of 3 hooks and 8 rules
 * (calibration). Software path = driverRx + softwareFastPath + qdisc + driverTx. Only the TOTALS
 * are calibrated against measurements; the split between stages is an estimate [C] shaped after
 * the x86 anchors (XDP paper: forwarding ≈ 2 070 cycles, conntrack ≈ 1 250 of it extra).
 */
import type { CalibrationAssumptions, PortSpec, SocProfile, StageCycles } from './soc-profile.ts';

const FW4: CalibrationAssumptions = { hooks: 3, rulesPerPacket: 8 };

const FW4_SOURCE = '[C] firewall4 default: prerouting (ct + dnat), forward (filter, flow add), postrouting (srcnat); ~8 rules evaluated per forwarded packet';

/**
 * MIPS 24KEc, calibrated on MT7620N @ 580 MHz, 1 core (openwrt/openwrt PR #24515 [P]):
 * ~91 Mbit/s 2-stream iperf3 → 91 × 129.5 = 11 784 pps.
 * hardware 3.7 % → base = 0.037 × 580e6 = 21.46e6 cycles/s (everything offloaded: background only);
 * classic 78.6 % → (0.786 − 0.037) × 580e6 / 11 784 = 36 865 cycles/packet;
 * software 39.1 % → (0.391 − 0.037) × 580e6 / 11 784 = 17 424 cycles/packet.
 * Split [C]: SW = rx 7 000 + fast 3 424 + qdisc 1 500 + tx 5 500 = 17 424;
 * classic = 14 000 + routing 3 000 + conntrack 10 000 + nat 3 865 + 3 × 1 200 + 8 × 300 = 36 865.
 * Check: 11 784 × 36 865 + 21.46e6 = 455.9e6 → 78.6 % of 580 MHz; × 17 424 → 39.1 %; base → 3.7 %.
 */
const MIPS24K: StageCycles = {
  driverRx: 7000, driverTx: 5500, conntrack: 10000, netfilterHookBase: 1200, netfilterPerRule: 300,
  routing: 3000, nat: 3865, softwareFastPath: 3424, qdisc: 1500,
  sqmShaper: 12000, hwHousekeepingPerFlowPerSec: 4000, hwBaseCyclesPerSec: 21.46e6,
};
const MIPS24K_SOURCES = {
  'cycles.*': '[C] calibrated on REFERENCE.md §4 row MT7620N (openwrt PR #24515: 78.6 / 39.1 / 3.7 % at ~91 Mbit/s); stage split estimated',
  'cycles.sqmShaper': '[C] estimate: about a third of the classic path on MIPS (REFERENCE.md §4 SQM row: WNDR3800 cake ~135 Mbit/s with the CPU maxed); not measured on MT7620',
  'cycles.hwHousekeepingPerFlowPerSec': '[C] estimate: flowtable GC + one FLOW_CLS_STATS per flow every ~3 s',
};

/**
 * MIPS 1004Kc, MT7621 @ 880 MHz, 2 cores × 2 threads = 4 logical CPUs:
 * classic: "~300–500 Mbit/s, one core saturated" (coolsnowwolf/lede #8732, openwrt #9932 [U]) →
 *   400 Mbit/s = 51 796 pps on one CPU, less the 3 % background → 0.97 × 880e6 / 51 796 = 16 480
 *   cycles/packet (cores_used 1);
 * hardware: ~3 % of the 4 CPUs at ~940 Mbit/s (coolsnowwolf/lede #8732 [U]) → base = 0.03 × 4 × 880e6 = 105.6e6;
 * software: ~17 % of the 4 CPUs at ~940 Mbit/s (openwrt PR #2815 comment, 19.07 [U]) → 121 720 pps,
 *   (0.17 − 0.03) × 4 × 880e6 / 121 720 = 4 049 cycles/packet: one CPU at 940 Mbit/s is 56 % busy.
 *   (The brief's "~940 Mbit/s saturating one core" is the classic path of older kernels — LEDE 17.01
 *   reached 900+ at 60–70 % — the notes put DSA-era classic at 300–500; flowsim follows the notes.)
 * Split [C]: SW = rx 1 500 + fast 949 + qdisc 400 + tx 1 200 = 4 049;
 * classic = 3 100 + routing 2 000 + conntrack 5 490 + nat 2 290 + 3 × 800 + 8 × 150 = 16 480.
 * The ratio SW/classic = 0.25 is below REFERENCE.md's 0.4–0.85 rule: the 17 % report is from a
 * 19.07 (kernel 4.14, swconfig) build; reports differ ~3× by kernel era.
 */
const MIPS1004K: StageCycles = {
  driverRx: 1500, driverTx: 1200, conntrack: 5490, netfilterHookBase: 800, netfilterPerRule: 150,
  routing: 2000, nat: 2290, softwareFastPath: 949, qdisc: 400,
  sqmShaper: 5500, hwHousekeepingPerFlowPerSec: 4000, hwBaseCyclesPerSec: 105.6e6,
};
const MIPS1004K_SOURCES = {
  'cycles.*': '[C] calibrated on REFERENCE.md §4 row MT7621 (classic 300–500 Mbit/s one core; SW ~940 @ 17 %; HW ~940 @ ~3 %) [U]; stage split estimated',
  'cycles.sqmShaper': '[C] MIPS24K estimate scaled by the classic-path ratio 16 480 / 36 865',
  'cycles.hwHousekeepingPerFlowPerSec': '[C] estimate',
};

/**
 * Cortex-A53, calibrated on qualcommax (IPQ807x, 4 × A53 @ 2.2 GHz, openwrt PR #24806 [P]),
 * reading the PR's CPU % as the share of the one core doing the forwarding (cores_used 1; if it is
 * the all-core average, every figure below is 4× larger — implausible for an A53 next to MT7620):
 * hardware 0.1 % → base 2.2e6 cycles/s, present in every mode;
 * classic 780 Mbit/s = 101 001 pps at 46.8 % → (0.468 − 0.001) × 2.2e9 / 101 001 = 10 172 cycles/packet;
 * software 917 Mbit/s (897–937) = 118 741 pps at 47.8 % → (0.478 − 0.001) × 2.2e9 / 118 741 = 8 838.
 * Split [C]: SW = rx 3 800 + fast 1 438 + qdisc 600 + tx 3 000 = 8 838 (driver/IRQ dominate on
 * ARM, as REFERENCE.md §4 says: SW only 1.15× cheaper); classic = 7 400 + routing 500 +
 * conntrack 978 + nat 302 + 3 × 200 + 8 × 49 = 10 172.
 * SQM: MT7622 (2 × A53 @ 1.35 GHz) cake tops out at ~420 Mbit/s on one core (sqm-scripts #142 [U])
 * → 54 386 pps → 24 823 cycles/packet in total; minus the classic path → 14 651 for the shaper.
 */
const A53: StageCycles = {
  driverRx: 3800, driverTx: 3000, conntrack: 978, netfilterHookBase: 200, netfilterPerRule: 49,
  routing: 500, nat: 302, softwareFastPath: 1438, qdisc: 600,
  sqmShaper: 14651, hwHousekeepingPerFlowPerSec: 2000, hwBaseCyclesPerSec: 2.2e6,
};
const A53_SOURCES = {
  'cycles.*': '[C] calibrated on REFERENCE.md §4 row qualcommax (openwrt PR #24806: 780 Mbit/s @ 46.8 %, 897–937 @ 47.8 %, 938 @ 0.1 %) [P]; stage split estimated',
  'cycles.sqmShaper': '[C] from REFERENCE.md §4 SQM row: MT7622 cake ~420 Mbit/s single core (sqm-scripts #142) [U]',
  'cycles.hwHousekeepingPerFlowPerSec': '[C] estimate',
};

/**
 * Cortex-A7, calibrated on IPQ4019 @ 717 MHz (openwrt #9418, x-wrt #242 [U]), one core saturated:
 * classic 380 Mbit/s (260–500) = 49 206 pps → 717e6 / 49 206 = 14 571 cycles/packet;
 * software 780 Mbit/s (680–880) = 101 001 pps → 7 099 cycles/packet (ratio 0.49).
 * Split [C]: SW = rx 2 800 + fast 1 399 + qdisc 500 + tx 2 400 = 7 099;
 * classic = 5 700 + routing 1 200 + conntrack 3 800 + nat 1 007 + 3 × 600 + 8 × 133 = 14 571.
 */
const A7: StageCycles = {
  driverRx: 2800, driverTx: 2400, conntrack: 3800, netfilterHookBase: 600, netfilterPerRule: 133,
  routing: 1200, nat: 1007, softwareFastPath: 1399, qdisc: 500,
  sqmShaper: 20900, hwHousekeepingPerFlowPerSec: 2000, hwBaseCyclesPerSec: 0,
};
const A7_SOURCES = {
  'cycles.*': '[C] calibrated on REFERENCE.md §4 row IPQ4019 (260–500 → 680–880 Mbit/s) [U]; stage split estimated',
  'cycles.sqmShaper': '[C] A53 shaper cost scaled by the classic-path ratio 14 571 / 10 172',
  'cycles.hwBaseCyclesPerSec': 'n/a: no flow engine measured on this core',
};

/** Cortex-A73 (MT7988): the A53 totals × 0.65 for the wider core [C, uncertain: no measurement]. */
const A73: StageCycles = {
  driverRx: 2470, driverTx: 1950, conntrack: 650, netfilterHookBase: 130, netfilterPerRule: 32,
  routing: 325, nat: 196, softwareFastPath: 947, qdisc: 390,
  sqmShaper: 9509, hwHousekeepingPerFlowPerSec: 1300, hwBaseCyclesPerSec: 2.2e6,
};

/**
 * x86, 3.0 GHz class. XDP paper (CoNEXT 2018 [P]): Linux IP forwarding 1.74 Mpps/core at 3.6 GHz
 * ≈ 2 070 cycles = rx 900 + routing 320 + qdisc 150 + tx 700; conntrack adds ≈ 1 250.
 * Classic = 2 070 + 1 250 + nat 228 + 3 × 100 + 8 × 19 = 4 000. Software: firewalld measured the
 * flowtable at +59 % throughput (REFERENCE.md §4 [P]) → 4 000 / 1.59 = 2 516 = 1 750 + fast 766.
 * SQM: CAKE ≈ 2.75 Gbit/s per 3.4 GHz core (LibreQoS #127) = 356 100 pps → 9 548 cycles in total,
 * ~8 500 of them the shaper [C].
 */
const X86: StageCycles = {
  driverRx: 900, driverTx: 700, conntrack: 1250, netfilterHookBase: 100, netfilterPerRule: 19,
  routing: 320, nat: 228, softwareFastPath: 766, qdisc: 150,
  sqmShaper: 8500, hwHousekeepingPerFlowPerSec: 1000, hwBaseCyclesPerSec: 0,
};
const X86_SOURCES = {
  'cycles.*': '[C] REFERENCE.md §4 per-packet anchors (XDP paper: 2 070 cycles forwarding, +1 250 conntrack) and firewalld +59 % [P]',
  'cycles.sqmShaper': '[C] REFERENCE.md §4 SQM row: x86 core cake 2.5–3 Gbit/s (LibreQoS #127)',
};

/**
 * Realtek RTL930x, MIPS 34Kc @ 800 MHz, 1 core: CPU routing "~20–50 Mbit/s" (openwrt #25129 [U])
 * → 35 Mbit/s = 4 532 pps → 800e6 / 4 532 = 176 500 cycles/packet (the CPU port is slow).
 * Software path: the MT7620 SW/classic ratio 0.47 → 83 000 [C]. Split [C]:
 * SW = rx 35 000 + fast 16 000 + qdisc 2 000 + tx 30 000; classic = 67 000 + routing 15 000 +
 * conntrack 50 000 + nat 14 500 + 3 × 6 000 + 8 × 1 500.
 */
const RTL930X: StageCycles = {
  driverRx: 35000, driverTx: 30000, conntrack: 50000, netfilterHookBase: 6000, netfilterPerRule: 1500,
  routing: 15000, nat: 14500, softwareFastPath: 16000, qdisc: 2000,
  sqmShaper: 57450, hwHousekeepingPerFlowPerSec: 0, hwBaseCyclesPerSec: 0,
};

const eth = (name: string, mbps: number, gmac: number | null, dsa?: 'mtk' | 'other'): PortSpec =>
  dsa ? { name, mbps, gmac, kind: 'ethernet', dsa } : { name, mbps, gmac, kind: 'ethernet' };
const wlan = (name: string, mbps: number): PortSpec => ({ name, mbps, gmac: null, kind: 'wlan' });

const PPE_SOURCES = {
  'backend.variant': 'hw-backends.md §1.1/§8.1: mtk_soc_data (ppe_num, hash_offset, foe_entry_size, has_accounting), MTK_PPE_ENTRIES 8192',
  'backend.timers': 'mtk_ppe_start(): BIND_RATE 30, BIND_AGE0 UDP 12 / NON_L4 1, BIND_AGE1 TCP 7 / FIN 1, UNBIND_AGE 1000 pkts / 3; mtk_ppe_check_skb HZ/10',
  'ports.gmac': 'mtk_open(): GMAC1→PPE0, GMAC2→PPE1, GMAC3→PPE2 (ppe_idx); MediaTek DSA switches use DSA_TAG_PROTO_MTK',
};

export const SOC_PROFILES: readonly SocProfile[] = [
  {
    name: 'mt7620', title: 'MediaTek MT7620N (e.g. ZBT-WE826)',
    cpu: { arch: 'mips32r2', model: 'MIPS 24KEc', cores: 1, clockMhz: 580 },
    cycles: MIPS24K, calibration: FW4,
    ports: [eth('wan', 100, 0), eth('lan1', 100, 0), eth('lan2', 100, 0), eth('lan3', 100, 0), eth('lan4', 100, 0)],
    backend: { kind: 'mediatek-ppe', variant: 'mt7620' },
    sources: { ...MIPS24K_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'REFERENCE.md §4 row MT7620N: 580 MHz MIPS 24KEc', 'ports.mbps': 'REFERENCE.md §4: 100 Mbit port limit', 'backend.variant': 'hw-backends.md §1.3: OpenWrt PR #24515 "two-way 4K FOE table", 80-byte v1 entries [uncertain]' },
    notes: ['The MT7620 PPE driver is OpenWrt PR #24515, not mainline: modelled as a v1 PPE with a 4096-entry 2-way table.'],
  },
  {
    name: 'mt7621', title: 'MediaTek MT7621A (e.g. Ubiquiti ER-X, Xiaomi 4A Gigabit)',
    cpu: { arch: 'mips32r2', model: 'MIPS 1004Kc (2 cores × 2 threads)', cores: 4, clockMhz: 880 },
    cycles: MIPS1004K, calibration: FW4,
    ports: [eth('wan', 1000, 0, 'mtk'), eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('lan4', 1000, 0, 'mtk')],
    backend: { kind: 'mediatek-ppe', variant: 'mt7621' },
    sources: { ...MIPS1004K_SOURCES, ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'REFERENCE.md §4 row MT7621: 880 MHz MIPS 1004Kc; perf-anchors.md §1', 'ports.mbps': 'MT7530 switch, 1 GbE ports' },
    notes: ['7744 of 8192 entries usable (mtk_ppe_init_foe_table marks 7 of every 128 STATIC).', 'No per-flow counters: FLOW_CLS_STATS reports only lastused.'],
  },
  {
    name: 'mt7622', title: 'MediaTek MT7622 (e.g. Linksys E8450 / Belkin RT3200)',
    cpu: { arch: 'aarch64', model: 'Cortex-A53', cores: 2, clockMhz: 1350 },
    cycles: A53, calibration: FW4,
    ports: [eth('wan', 1000, 0, 'mtk'), eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('lan4', 1000, 0, 'mtk'), wlan('wlan0', 1200)],
    backend: { kind: 'mediatek-ppe', variant: 'mt7622' },
    sources: { ...A53_SOURCES, ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: MT7622 Cortex-A53 1.35 GHz; REFERENCE.md §4 SQM row (RT3200)', 'ports.mbps': 'MT7531 switch 1 GbE; wlan0 nominal' },
    notes: ['WED v1: Ethernet→WLAN only; Wi-Fi receive does not pass the PPE.'],
  },
  {
    name: 'mt7623', title: 'MediaTek MT7623N (e.g. Banana Pi R2)',
    cpu: { arch: 'armv7', model: 'Cortex-A7', cores: 4, clockMhz: 1300 },
    cycles: A7, calibration: FW4,
    ports: [eth('wan', 1000, 0, 'mtk'), eth('lan0', 1000, 0, 'mtk'), eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk')],
    backend: { kind: 'mediatek-ppe', variant: 'mt7623' },
    sources: { ...A7_SOURCES, ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'MT7623N: 4 × Cortex-A7 @ 1.3 GHz [uncertain: vendor spec, not in the notes]', 'ports.mbps': 'MT7530 switch 1 GbE' },
    notes: [],
  },
  {
    name: 'mt7629', title: 'MediaTek MT7629',
    cpu: { arch: 'armv7', model: 'Cortex-A7', cores: 2, clockMhz: 1250 },
    cycles: A7, calibration: FW4,
    ports: [eth('wan', 1000, 1), eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('lan4', 1000, 0, 'mtk')],
    backend: { kind: 'none', why: 'MT7629: mt7629_data has no offload_version, so mtk_probe() creates no PPE and mtk_eth_setup_tc_block() returns -EOPNOTSUPP.' },
    sources: { ...A7_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'MT7629: 2 × Cortex-A7 @ 1.25 GHz [uncertain: vendor spec]', backend: 'hw-backends.md §1.1: offload_version unset' },
    notes: ['Has a frame engine but the mainline driver sets up no PPE: software flowtable only.'],
  },
  {
    name: 'mt7981', title: 'MediaTek MT7981B (Filogic 820, e.g. Cudy WR3000)',
    cpu: { arch: 'aarch64', model: 'Cortex-A53', cores: 2, clockMhz: 1300 },
    cycles: A53, calibration: FW4,
    ports: [eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('wan', 1000, 1), wlan('wlan0', 2400)],
    backend: { kind: 'mediatek-ppe', variant: 'mt7981' },
    sources: { ...A53_SOURCES, ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'REFERENCE.md §4 row MT7981B: 2 × 1.3 GHz A53', 'ports.mbps': 'REFERENCE.md §4: 942 Mbit/s LAN→WAN (1 GbE ports)' },
    notes: ['SW and HW offload both reach 942 Mbit/s; HW showed up to 3 ms latency at line rate (openwrt #19449).'],
  },
  {
    name: 'mt7986', title: 'MediaTek MT7986A (Filogic 830, e.g. GL-MT6000)',
    cpu: { arch: 'aarch64', model: 'Cortex-A53', cores: 4, clockMhz: 2000 },
    cycles: A53, calibration: FW4,
    ports: [eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('lan4', 1000, 0, 'mtk'), eth('lan5', 2500, 1), eth('wan', 2500, 1), wlan('wlan0', 2400), wlan('wlan1', 4800)],
    backend: { kind: 'mediatek-ppe', variant: 'mt7986' },
    sources: { ...A53_SOURCES, ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: MT7986 Cortex-A53 2.0 GHz', 'ports.mbps': 'REFERENCE.md §2: 2.5 G WAN (openwrt #24219)' },
    notes: ['PPPoE + VLAN report with an empty ppe0/bind (openwrt #24219): check the flowtable device list.'],
  },
  {
    name: 'mt7988', title: 'MediaTek MT7988A (Filogic 880, e.g. Banana Pi R4)',
    cpu: { arch: 'aarch64', model: 'Cortex-A73', cores: 4, clockMhz: 1800 },
    cycles: A73, calibration: FW4,
    ports: [eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('wan', 10000, 1), eth('sfp-lan', 10000, 2), wlan('wlan0', 5000)],
    backend: { kind: 'mediatek-ppe', variant: 'mt7988' },
    sources: { 'cycles.*': '[C, uncertain] A53 calibration × 0.65 for the wider A73 core; no MT7988 measurement', ...PPE_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'MT7988A: 4 × Cortex-A73 @ 1.8 GHz [uncertain: vendor spec]', 'ports.mbps': 'hw-backends.md §1.1: NETSYS v3 GMAC1 to the switch is 10G; GMAC2/3 10G SerDes' },
    notes: ['Three PPEs: GMAC1→PPE0, GMAC2→PPE1, GMAC3→PPE2.', '64-bit MIB counters.'],
  },
  {
    name: 'en7581', title: 'Airoha EN7581',
    cpu: { arch: 'aarch64', model: 'Cortex-A53', cores: 4, clockMhz: 1300 },
    cycles: A53, calibration: FW4,
    ports: [eth('lan1', 1000, 0, 'mtk'), eth('lan2', 1000, 0, 'mtk'), eth('lan3', 1000, 0, 'mtk'), eth('lan4', 1000, 0, 'mtk'), eth('wan', 2500, 1)],
    backend: { kind: 'airoha' },
    sources: { ...A53_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'EN7581: 4 × Cortex-A53 [uncertain clock]', backend: 'hw-backends.md §2: PPE_NUM 2, PPE_NUM_ENTRIES 32768, 1 way, ageing as MTK, ETS/HTB on QDMA' },
    notes: ['Hardware shaping (ETS/HTB on the QDMA) keeps shaping offloaded flows.'],
  },
  {
    name: 'ipq807x', title: 'Qualcomm IPQ807x (qualcommax)',
    cpu: { arch: 'aarch64', model: 'Cortex-A53', cores: 4, clockMhz: 2200 },
    cycles: A53, calibration: FW4,
    ports: [eth('wan', 1000, 0), eth('lan1', 1000, 0), eth('lan2', 1000, 0), eth('lan3', 1000, 0), eth('lan4', 1000, 0)],
    backend: { kind: 'none', why: 'qualcommax: no mainline PPE flowtable offload (host-driven PPE offload is openwrt/openwrt PR #24806, unmerged); NSS + ECM firmware offload is out of tree and not a flowtable backend.' },
    shortcut: { kind: 'sfe', packetThreshold: 10 },
    sources: { ...A53_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: IPQ8074 Cortex-A53 2.2 GHz', backend: 'hw-backends.md §6: NSS/ECM out of tree; PR #24806 pending' },
    notes: ['PR #24806 measured 938 Mbit/s at 0.1 % CPU with its PPE offload; not modelled as a backend until merged.', 'NSS firmware offload: 1024 IPv4 + 1024 IPv6 connections by default (qca-nss-drv).'],
  },
  {
    name: 'ipq4019', title: 'Qualcomm IPQ4019 (e.g. Linksys EA8300, ZTE MF289F)',
    cpu: { arch: 'armv7', model: 'Cortex-A7', cores: 4, clockMhz: 717 },
    cycles: A7, calibration: FW4,
    ports: [eth('wan', 1000, 0), eth('lan1', 1000, 0), eth('lan2', 1000, 0), eth('lan3', 1000, 0), eth('lan4', 1000, 0)],
    backend: { kind: 'none', why: 'IPQ40xx: the ESS switch/EDMA drivers have no flow engine for nft flowtables.' },
    shortcut: { kind: 'sfe', packetThreshold: 10 },
    sources: { ...A7_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: IPQ4019 Cortex-A7 717 MHz' },
    notes: ['Shortcut-FE (out of tree) is the usual accelerator here.'],
  },
  {
    name: 'generic-x86', title: 'Generic x86 router (4 cores, 3 GHz)',
    cpu: { arch: 'x86_64', model: 'x86-64', cores: 4, clockMhz: 3000 },
    cycles: X86, calibration: FW4,
    ports: [eth('wan', 2500, null), eth('lan', 2500, null)],
    backend: { kind: 'none', why: 'Typical x86 NICs (igc, r8169, e1000e) have no TC_SETUP_FT handler.' },
    sources: { ...X86_SOURCES, calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: x86 3.0 GHz budget row' },
    notes: [],
  },
  {
    name: 'mlx5-switchdev', title: 'x86 host with an NVIDIA ConnectX (mlx5) in switchdev mode',
    cpu: { arch: 'x86_64', model: 'x86-64', cores: 8, clockMhz: 3000 },
    cycles: { ...X86, hwBaseCyclesPerSec: 0 }, calibration: FW4,
    ports: [eth('p0', 100000, 0), eth('pf0vf0', 100000, 0), eth('pf0vf1', 100000, 0)],
    backend: { kind: 'mlx5', switchdev: true, tableSize: 16 * 1024 * 1024, insertRate: 100_000 },
    sources: { ...X86_SOURCES, calibration: FW4_SOURCE, 'cpu.*': '[C] generic 8-core 3 GHz x86 host (illustrative)', 'backend.tableSize': 'hw-backends.md §5: MLNX_OFED 5.4 "16M entries per group" [uncertain]', 'backend.insertRate': '[uncertain placeholder] no published insertion rate', 'cycles.hwBaseCyclesPerSec': 'perf-anchors.md §2.2: CX5 flowtable offload 8 Mpps using 0 host CPU [S]' },
    notes: ['Legacy eswitch mode refuses every flow (not-switchdev).'],
  },
  {
    name: 'intel-ice', title: 'x86 host with an Intel E810 (ice)',
    cpu: { arch: 'x86_64', model: 'x86-64', cores: 8, clockMhz: 3000 },
    cycles: X86, calibration: FW4,
    ports: [eth('p0', 100000, null), eth('p1', 100000, null)],
    backend: { kind: 'no-binding', driver: 'ice' },
    sources: { ...X86_SOURCES, calibration: FW4_SOURCE, 'cpu.*': '[C] generic 8-core 3 GHz x86 host (illustrative)', backend: 'hw-backends.md §5: ice_setup_tc has no TC_SETUP_FT' },
    notes: [],
  },
  {
    name: 'netronome-nfp', title: 'x86 host with a Netronome/Corigine Agilio (nfp)',
    cpu: { arch: 'x86_64', model: 'x86-64', cores: 8, clockMhz: 3000 },
    cycles: X86, calibration: FW4,
    ports: [eth('p0', 25000, null), eth('p1', 25000, null)],
    backend: { kind: 'no-binding', driver: 'nfp' },
    sources: { ...X86_SOURCES, calibration: FW4_SOURCE, 'cpu.*': '[C] generic 8-core 3 GHz x86 host (illustrative)', backend: 'hw-backends.md §5: act_ct zone flowtables only' },
    notes: [],
  },
  {
    name: 'marvell-armada-385', title: 'Marvell Armada 385 (e.g. Turris Omnia, WRT3200ACM)',
    cpu: { arch: 'armv7', model: 'Cortex-A9', cores: 2, clockMhz: 1600 },
    cycles: A7, calibration: FW4,
    ports: [eth('wan', 1000, null), eth('lan1', 1000, null, 'other'), eth('lan2', 1000, null, 'other'), eth('lan3', 1000, null, 'other'), eth('lan4', 1000, null, 'other')],
    backend: { kind: 'none', why: 'Marvell: mvneta handles only TC_SETUP_QDISC_MQPRIO, mvpp2 has no ndo_setup_tc; Prestera offloads tc flower and FIB routes, not flowtables.' },
    sources: { 'cycles.*': '[C, uncertain] A7 calibration reused for the A9: no primary Armada 385 numbers (perf-anchors.md §8)', calibration: FW4_SOURCE, 'cpu.*': 'perf-anchors.md §1: Armada 385 Cortex-A9 1.6 GHz', backend: 'hw-backends.md §4' },
    notes: [],
  },
  {
    name: 'realtek-rtl930x', title: 'Realtek RTL930x switch SoC',
    cpu: { arch: 'mips32r2', model: 'MIPS 34Kc', cores: 1, clockMhz: 800 },
    cycles: RTL930X, calibration: FW4,
    ports: [eth('lan1', 1000, null), eth('lan2', 1000, null), eth('lan3', 1000, null), eth('lan4', 1000, null), eth('lan5', 1000, null), eth('lan6', 1000, null), eth('lan7', 1000, null), eth('lan8', 1000, null), eth('sfp1', 10000, null), eth('sfp2', 10000, null)],
    backend: { kind: 'none', why: 'Realtek rtl83xx: rtl83xx_setup_tc() handles TC_SETUP_BLOCK only (PIE ACLs, no NAT); its RTL930x L3 route offload works from the FIB, not the flowtable, and is off by default since OpenWrt PR #20208.' },
    sources: { 'cycles.*': '[C] CPU routing "~20–50 Mbit/s" (openwrt #25129 [U]); software path by the MT7620 ratio', calibration: FW4_SOURCE, 'cpu.*': 'RTL9301: MIPS 34Kc 800 MHz [uncertain: vendor spec]', backend: 'hw-backends.md §3' },
    notes: ['Route offload is not flowtable offload: flowsim models no hardware path here.'],
  },
];
