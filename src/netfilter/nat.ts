/**
 * The NAT lookup entry of one family and hook: a model of nf_nat_inet_fn() / nf_nat_ipv4_fn()
 * (net/netfilter/nf_nat_core.c, nf_nat_proto.c) and nft_chain_nat.c.
 *
 * `type nat` base chains are not hook entries of their own: nft_chain_nat registers them through
 * nf_nat_register_fn(), which (for the first nat chain of a family) registers the family's four
 * NAT entries at their FIXED priorities — NF_IP_PRI_NAT_DST (−100) at prerouting and output,
 * NF_IP_PRI_NAT_SRC (100) at postrouting and input — and files the chain in that entry's private
 * list, sorted by the chain's own priority. So a chain's priority orders it among nat chains only.
 *
 * Per packet (nf_nat_inet_fn): no conntrack → accept. For a NEW or RELATED connection whose
 * binding for this hook's manip type is not set up yet (nf_nat_initialized), run the nat chains in
 * order; a non-accept verdict is returned; as soon as one chain set up NAT the rest are skipped;
 * if none did, the host allocates a null binding (nf_nat_alloc_null_binding). Then, for every
 * packet of the connection, both directions, the host mangles it per the binding (nf_nat_packet).
 * ICMP errors RELATED to a connection skip the chains: nf_nat_ipv4_fn translates them directly
 * (nf_nat_icmp_reply_translation, done by the host's natMangle).
 *
 * Not modelled: nf_nat_oif_changed() (masqueraded connection whose out interface changed → drop).
 */
import type { PacketPool } from '../buffers/pool.ts';
import { PF_ICMP_ERROR } from '../buffers/pool.ts';
import type { CompiledChain, Engine } from './chain.ts';
import type { HookEntry } from './hooks.ts';
import { CT_STATE_NEW, CT_STATE_RELATED, hookManip } from './host.ts';
import { NF_ACCEPT, NF_DROP } from './verdict.ts';

export class NatHookEntry implements HookEntry {
  readonly priority: number;
  readonly name: string;
  readonly kind = 'nat' as const;
  /** nat chains for this family and hook, in run order. */
  readonly chains: CompiledChain[] = [];
  private readonly engine: Engine;
  private readonly pool: PacketPool;

  constructor(engine: Engine, priority: number, name: string) {
    this.engine = engine;
    this.pool = engine.pool;
    this.priority = priority;
    this.name = name;
  }

  /** nf_hook_entries_insert_raw(): sorted by priority, a later chain before earlier equal ones. */
  addChain(chain: CompiledChain, priority: number, priorities: Map<CompiledChain, number>): void {
    priorities.set(chain, priority);
    let i = 0;
    while (i < this.chains.length && priority > priorities.get(this.chains[i]!)!) i++;
    this.chains.splice(i, 0, chain);
  }

  run(slot: number, now: number, hook: number): number {
    const pool = this.pool;
    if (pool.ct[slot]! < 0) return NF_ACCEPT;
    const host = this.engine.host;
    const manip = hookManip(hook);
    const state = pool.ctState[slot]!;
    if ((state & (CT_STATE_NEW | CT_STATE_RELATED)) !== 0) {
      if ((state & CT_STATE_RELATED) !== 0 && (pool.pflags[slot]! & PF_ICMP_ERROR) !== 0) {
        return this.mangle(slot, manip);
      }
      if (!host.natInitialized(slot, manip)) {
        const engine = this.engine;
        let done = false;
        for (let i = 0; i < this.chains.length; i++) {
          engine.now = now;
          engine.hook = hook;
          const v = engine.runChain(this.chains[i]!, slot);
          if (v !== NF_ACCEPT) return v;
          if (host.natInitialized(slot, manip)) {
            done = true;
            break;
          }
        }
        if (!done) {
          const r = host.natNullBinding(slot, manip);
          if (r !== 0) {
            pool.drop[slot] = r;
            return NF_DROP;
          }
        }
      }
    }
    return this.mangle(slot, manip);
  }

  private mangle(slot: number, manip: number): number {
    const r = this.engine.host.natMangle(slot, manip);
    if (r === 0) return NF_ACCEPT;
    this.pool.drop[slot] = r;
    return NF_DROP;
  }
}
