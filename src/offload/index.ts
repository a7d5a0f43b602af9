/** Public surface of the offload layer. */
export * from './types.ts';
export { mtkPpeHash, ppeHashFold, ffs } from './ppe-hash.ts';
export { MediatekPpe, MTK_SOC_DATA, MTK_PPE_TIMERS, ppeIndexForGmac, FOE_STATE_INVALID, FOE_STATE_UNBIND, FOE_STATE_BIND, FOE_STATE_FIN } from './mediatek-ppe.ts';
export type { PpeGeometry, PpeTimers, PpeOptions, EnginePort } from './mediatek-ppe.ts';
export { AirohaPpe, AIROHA_EN7581 } from './airoha.ts';
export { Mlx5Backend, MLX5_DEFAULTS } from './mlx5.ts';
export type { Mlx5Options } from './mlx5.ts';
export { RefusingBackend } from './refusing.ts';
export { createNoneBackend } from './none.ts';
export { createNoBindingBackend } from './no-binding.ts';
export * from './sfe.ts';
export type * from './soc-profile.ts';
export { SOC_PROFILES } from './socs.ts';
export { getSocProfile, listSocProfiles, createBackend, pathCycles, cpuLoad, tcpPps } from './registry.ts';
export type { BackendOptions, PathMode } from './registry.ts';
