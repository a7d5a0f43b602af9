/**
 * Accumulates a ruleset the way `nft -f` applies a file: tables, chains and sets declared twice
 * are merged (a redeclared chain keeps its rules, nf_tables_newchain with NLM_F_EXCL unset),
 * `flush`/`delete` commands change what was built so far. Shared by the text and JSON front ends.
 */
import type { BaseChainInfo, Chain, Family, Flowtable, Loc, NamedSet, Rule, Ruleset, StatefulObject, Table } from './ir.ts';

export class RulesetBuilder {
  readonly tables: Table[] = [];

  findTable(family: Family, name: string): Table | undefined {
    return this.tables.find((t) => t.family === family && t.name === name);
  }

  /** `table F N` / `add table F N`: create unless it exists. */
  ensureTable(family: Family, name: string, loc: Loc): Table {
    const found = this.findTable(family, name);
    if (found) return found;
    const t: Table = { kind: 'table', family, name, flags: [], comment: null, chains: [], sets: [], flowtables: [], objects: [], handle: null, loc };
    this.tables.push(t);
    return t;
  }

  /** Declare a chain, or merge into an existing one (rules kept, base info updated when given). */
  ensureChain(table: Table, name: string, loc: Loc): Chain {
    const found = table.chains.find((c) => c.name === name);
    if (found) return found;
    const c: Chain = { kind: 'chain', name, base: null, rules: [], comment: null, handle: null, loc };
    table.chains.push(c);
    return c;
  }

  setBase(chain: Chain, base: BaseChainInfo): void {
    chain.base = base;
  }

  addRule(chain: Chain, rule: Rule, prepend = false): void {
    if (prepend) chain.rules.unshift(rule);
    else chain.rules.push(rule);
  }

  /** Add a set or merge elements into the existing one of that name. */
  addSet(table: Table, set: NamedSet): void {
    const found = table.sets.find((s) => s.name === set.name);
    if (found) {
      found.elements = [...found.elements, ...set.elements];
      return;
    }
    table.sets.push(set);
  }

  addFlowtable(table: Table, ft: Flowtable): void {
    const i = table.flowtables.findIndex((f) => f.name === ft.name);
    if (i >= 0) table.flowtables[i] = ft;
    else table.flowtables.push(ft);
  }

  addObject(table: Table, obj: StatefulObject): void {
    const i = table.objects.findIndex((o) => o.kind === obj.kind && o.name === obj.name);
    if (i >= 0) table.objects[i] = obj;
    else table.objects.push(obj);
  }

  /** `flush ruleset`: everything goes. */
  flushRuleset(): void {
    this.tables.length = 0;
  }

  /** `flush table`: every chain loses its rules and every set its elements (nf_tables flush). */
  flushTable(table: Table): void {
    for (const c of table.chains) c.rules.length = 0;
    for (const s of table.sets) s.elements = [];
  }

  deleteTable(table: Table): void {
    const i = this.tables.indexOf(table);
    if (i >= 0) this.tables.splice(i, 1);
  }

  build(format: 'text' | 'json', files: string[]): Ruleset {
    return { kind: 'ruleset', tables: this.tables, source: { format, files } };
  }
}

export const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'netdev', 'bridge', 'arp'];

export function isFamily(s: string): s is Family {
  return (FAMILIES as readonly string[]).includes(s);
}
