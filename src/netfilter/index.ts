/**
 * The netfilter layer: hooks with prioritised entries, nftables rules compiled from the ruleset
 * IR into closures, sets/maps, limits, counters, NAT chain dispatch and tracing. The router talks
 * to it through `compileRuleset()` + `CompiledRuleset.runHook()` and implements `NetfilterHost`.
 */
export * from './verdict.ts';
export * from './host.ts';
export { CompiledChain, Engine, type CompiledRule, type Op, type TableRef } from './chain.ts';
export { HookTable, type BuiltinHook, type HookEntry } from './hooks.ts';
export { NatHookEntry } from './nat.ts';
export { HashSet, IntervalSet, RangeTupleSet, type SetBackend } from './sets.ts';
export { TokenBucket, Quota, NFT_LIMIT_PKT_BURST_DEFAULT } from './limit.ts';
export { TraceRecorder, formatTrace, formatTracePacket, type TraceEvent, type TracePacket } from './trace.ts';
export { printRuleText } from './print.ts';
export {
  compileRuleset, CompiledRuleset, type CompileOptions, type CompiledFlowtable, type RuleStats, type ChainStats,
  type CounterState,
} from './compile.ts';
