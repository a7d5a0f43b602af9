/**
 * No flow engine: x86 NICs in general, Marvell Armada (mvneta/mvpp2; Prestera offloads tc flower and
 * FIB routes only), Realtek switch SoCs, MT7629 (mt7629_data has no offload_version). The kernel
 * refuses `flags offload` on such devices: nf_flow_table_offload_setup() calls
 * ndo_setup_tc(TC_SETUP_FT), which these drivers do not handle (-EOPNOTSUPP), and the flowtable is
 * not created. The software flowtable still works; flowsim keeps the software path and counts each
 * refused flow as 'no-flow-engine'.
 */
import { RefusingBackend } from './refusing.ts';
import { OffloadRefusal } from './types.ts';

export function createNoneBackend(soc: string, why: string): RefusingBackend {
  const text = [
    `none/${soc}: no hardware flow engine`,
    `  ${why}`,
    '  `flags offload` is refused (ndo_setup_tc has no TC_SETUP_FT: -EOPNOTSUPP); the software flowtable fast path still works.',
    '  Realtek switch SoCs: their L3 route offload (RTL930x, FIB/neighbour driven, no NAT, off by default since OpenWrt PR #20208) is route offload, not flowtable offload.',
  ];
  return new RefusingBackend(`none/${soc}`, OffloadRefusal.NO_FLOW_ENGINE, text.join('\n'));
}
