/**
 * Airoha EN7581 PPE (drivers/net/ethernet/airoha/airoha_ppe.c): derived from the MediaTek design —
 * same packet types, states, hash fold and lazy binding (airoha_ppe_check_skb rate-limits per entry
 * with HZ/10, then airoha_ppe_foe_insert_entry matches the `foe_flow[hash]` list) — with a larger
 * single-way table and a QDMA that shapes offloaded traffic.
 *
 * Geometry (airoha_eth.h): PPE_NUM 2; PPE_SRAM_NUM_ENTRIES 16K + PPE_DRAM_NUM_ENTRIES 16K =
 * PPE_NUM_ENTRIES 32768, 80-byte entries. airoha_ppe_foe_get_entry_hash() applies no way shift and
 * masks with the total entry count, so the table is one 32768-entry, 1-way hash shared by both PPEs
 * (flowsim models it as one engine instance). Ageing (airoha_ppe_hw_init): UDP 12, NON_L4 1, TCP 7,
 * TCP_FIN 1. Timestamp width taken as 8 bits like NETSYS v2 [uncertain]. Per-flow counters need
 * CONFIG_NET_AIROHA_FLOW_STATS (4K stats entries per PPE carved from SRAM): modelled as present.
 *
 * QoS: airoha_dev_tc_setup() offloads TC_SETUP_QDISC_ETS and TC_SETUP_QDISC_HTB to the QDMA, so
 * offloaded flows can still be shaped in hardware — the one engine here where SQM-like shaping
 * survives hardware offload (caps.hwShaping). The shaper itself is the qdisc layer's job.
 */
import { MediatekPpe } from './mediatek-ppe.ts';
import type { PpeGeometry, PpeOptions } from './mediatek-ppe.ts';

export const AIROHA_EN7581: PpeGeometry = {
  soc: 'EN7581',
  netsys: 2,
  ppeNum: 1,
  entries: 32768,
  ways: 1,
  hashShift: 0,
  staticSkip: [],
  timestampBits: 8,
  accounting: true,
  wed: 0,
  entryBytes: 80,
  pppoe: true,
  mainline: true,
  source: 'airoha_eth.h PPE_NUM_ENTRIES (16K SRAM + 16K DRAM), airoha_ppe_foe_get_entry_hash (no shift), airoha_ppe_hw_init ageing',
};

export class AirohaPpe extends MediatekPpe {
  constructor(opts: PpeOptions = {}) {
    // The NPU offloads Wi-Fi in newer kernels (airoha_ppe_get_wdma_info); not modelled as WED.
    super(AIROHA_EN7581, opts, 'airoha-ppe/EN7581', { hwShaping: true });
  }

  override describe(): string {
    const base = super.describe().split('\n');
    base[0] = `${this.name}: Airoha EN7581 PPE (MediaTek-derived), 2 PPEs sharing one 32768-entry 1-way table (16K SRAM via NPU firmware + 16K DRAM)`;
    base[6] = '  per-flow counters: yes (CONFIG_NET_AIROHA_FLOW_STATS); Wi-Fi: through the NPU (not modelled)';
    base.splice(base.length - 2, 1, '  refuses: non-TCP/UDP, IPv6 NAT (IPv4 mangle only), 802.1ad, more than 2 VLAN pushes, invalid MACs',
      '  hardware shaping: yes — ETS/HTB offloaded to the QDMA (TC_SETUP_QDISC_ETS/HTB), so shaping survives offload');
    return base.join('\n');
  }
}
