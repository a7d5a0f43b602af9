/**
 * NICs with a flow engine but no nft flowtable binding in mainline:
 * - Intel ice: ice_setup_tc() handles TC_SETUP_BLOCK (flower in switchdev/ADQ), MQPRIO and ETF —
 *   no TC_SETUP_FT and no act_ct offload;
 * - Netronome/Corigine nfp: flower offload, and conntrack offload only through act_ct's zone
 *   flowtable callback (nf_flow_table_offload_add_cb in flower/conntrack.c), not a plain nft
 *   flowtable bound with `flags offload`.
 */
import { RefusingBackend } from './refusing.ts';
import { OffloadRefusal } from './types.ts';

const WHY: Readonly<Record<'ice' | 'nfp', string>> = {
  ice: 'Intel ice: ice_setup_tc() handles TC_SETUP_BLOCK (tc flower, switchdev/ADQ), TC_SETUP_QDISC_MQPRIO and TC_SETUP_QDISC_ETF only; no TC_SETUP_FT, no act_ct offload.',
  nfp: 'Netronome nfp: tc flower offload (up to CONFIG_FC_HOST_CTX_COUNT flows, default 131072); conntrack flows reach it only via act_ct zone flowtables (nfp_fl_ct_handle_nft_flow), not via an nft flowtable with `flags offload`.',
};

export function createNoBindingBackend(driver: 'ice' | 'nfp'): RefusingBackend {
  const text = [`no-binding/${driver}: flow engine present, but no nft flowtable binding in mainline`, `  ${WHY[driver]}`,
    '  Every flow stays on the software flowtable fast path.'];
  return new RefusingBackend(`no-binding/${driver}`, OffloadRefusal.NO_FLOWTABLE_BINDING, text.join('\n'));
}
