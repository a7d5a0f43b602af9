/**
 * Semantic checks after parsing: what `nft -f` would refuse when the kernel validates the
 * ruleset (nf_tables_api.c nft_chain_validate / nft_*_validate), phrased so the user sees why.
 * - references: jump/goto chains, @sets/@maps, flowtables, named counters/quotas/ct helpers;
 * - jump/goto to a base chain (the kernel: EOPNOTSUPP);
 * - jump loops (the kernel: ELOOP);
 * - `@set` lookups whose key type does not match the set's;
 * - NAT statements outside nat chains or on the wrong hook (nft_nat_validate, nft_masq_validate,
 *   nft_redir_validate), `flow add` outside the forward hook (nft_flow_offload_validate).
 */
import type { BaseChainInfo, Chain, DataType, Expr, Loc, NftError, NftWarning, Ruleset, SetElement, Stmt, Table, Verdict } from './ir.ts';
import { nftError } from './errors.ts';
import { exprTypes } from './parse-text.ts';

export interface CheckResult {
  readonly errors: NftError[];
  readonly warnings: NftWarning[];
}

interface Edge {
  readonly from: Chain;
  readonly to: string;
  readonly verdict: Verdict;
}

export function checkRuleset(ruleset: Ruleset): CheckResult {
  const errors: NftError[] = [];
  const warnings: NftWarning[] = [];
  for (const table of ruleset.tables) checkTable(table, errors, warnings);
  return { errors, warnings };
}

function checkTable(table: Table, errors: NftError[], _warnings: NftWarning[]): void {
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const sets = new Map(table.sets.map((s) => [s.name, s]));
  const flowtables = new Set(table.flowtables.map((f) => f.name));
  const where = `table ${table.family} ${table.name}`;
  const edges: Edge[] = [];

  // Named verdict maps contribute jump edges from every chain that looks them up.
  const verdictsOfSet = (name: string): Verdict[] => {
    const s = sets.get(name);
    if (!s) return [];
    return s.elements.flatMap((e) => (e.data?.kind === 'verdict' ? [e.data] : []));
  };

  const refSet = (name: string, loc: Loc, wantMap: 'set' | 'map' | 'vmap' | 'any', keyTypes: DataType[] | null): void => {
    const s = sets.get(name);
    if (!s) {
      const near = [...sets.keys()].filter((n) => n.toLowerCase() === name.toLowerCase());
      errors.push(nftError('semantic', `unknown set or map "@${name}" in ${where}${near.length > 0 ? ` (did you mean "@${near[0]}"?)` : ''}`, loc, name.length + 1));
      return;
    }
    if (wantMap === 'vmap' && (s.kind !== 'map' || s.data?.fields[0]?.dtype !== 'verdict')) {
      errors.push(nftError('semantic', `"@${name}" is not a verdict map (declare it as "map ${name} { type … : verdict; }")`, loc, name.length + 1));
      return;
    }
    if (wantMap === 'map' && s.kind !== 'map') {
      errors.push(nftError('semantic', `"@${name}" is a set, but a map is needed here`, loc, name.length + 1));
      return;
    }
    if (keyTypes !== null) {
      const have = s.key.fields.map((f) => f.dtype);
      if (!sameTypes(have, keyTypes)) {
        errors.push(nftError('semantic', `datatype mismatch: "@${name}" holds ${have.join(' . ')} but the expression is ${keyTypes.join(' . ')}`, loc, name.length + 1));
      }
    }
  };

  const walkExpr = (e: Expr, chain: Chain): void => {
    switch (e.kind) {
      case 'map':
        if (e.map.kind === 'setref') refSet(e.map.name, e.map.loc, 'map', exprTypes(e.key));
        else walkElements(e.map.elements, chain);
        return;
      case 'set':
        walkElements(e.elements, chain);
        return;
      case 'verdict':
        walkVerdict(e, chain);
        return;
      case 'concat':
        for (const p of e.parts) walkExpr(p, chain);
        return;
      default:
        return;
    }
  };
  const walkElements = (els: SetElement[], chain: Chain): void => {
    for (const el of els) if (el.data) walkExpr(el.data, chain);
  };
  const walkVerdict = (v: Verdict, chain: Chain): void => {
    if ((v.code === 'jump' || v.code === 'goto') && v.chain !== null) edges.push({ from: chain, to: v.chain, verdict: v });
  };

  const objRefs = (stmt: Stmt): void => {
    if (stmt.kind !== 'objref') return;
    const kind = stmt.objType === 'ct helper' ? 'ct-helper' : stmt.objType;
    if (!table.objects.some((o) => o.kind === kind && o.name === stmt.name)) {
      const hint = stmt.objType === 'ct helper' ? ` (declare it with: ct helper ${stmt.name} { type "${stmt.name}" protocol tcp; })` : ` (declare it with: ${stmt.objType} ${stmt.name} { })`;
      errors.push(nftError('semantic', `unknown ${stmt.objType} "${stmt.name}" in ${where}${hint}`, stmt.loc));
    }
  };

  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      for (const stmt of rule.stmts) {
        switch (stmt.kind) {
          case 'verdict':
            walkVerdict(stmt, chain);
            break;
          case 'vmap':
            if (stmt.map.kind === 'setref') {
              refSet(stmt.map.name, stmt.map.loc, 'vmap', exprTypes(stmt.key));
              for (const v of verdictsOfSet(stmt.map.name)) walkVerdict({ ...v, loc: stmt.map.loc }, chain);
            } else walkElements(stmt.map.elements, chain);
            break;
          case 'match':
            if (stmt.right.kind === 'setref') refSet(stmt.right.name, stmt.right.loc, 'any', exprTypes(stmt.left));
            walkExpr(stmt.left, chain);
            break;
          case 'nat':
            if (stmt.addr) walkExpr(stmt.addr, chain);
            if (stmt.port) walkExpr(stmt.port, chain);
            break;
          case 'flow-add':
            if (!flowtables.has(stmt.flowtable)) errors.push(nftError('semantic', `unknown flowtable "@${stmt.flowtable}" in ${where}`, stmt.loc));
            break;
          case 'set-update':
            refSet(stmt.set, stmt.loc, 'any', null);
            break;
          case 'objref':
            objRefs(stmt);
            break;
          default:
            break;
        }
      }
    }
  }

  // Jump targets: defined, and not base chains.
  const goodEdges: Edge[] = [];
  for (const e of edges) {
    const target = chains.get(e.to);
    if (!target) {
      errors.push(nftError('semantic', `${e.verdict.code} to unknown chain "${e.to}" in ${where}`, e.verdict.loc, e.verdict.code.length));
      continue;
    }
    if (target.base) {
      errors.push(
        nftError(
          'semantic',
          `cannot ${e.verdict.code} to base chain "${e.to}" (it is attached to hook ${target.base.hook}); nft refuses this with "Could not process rule: Operation not supported" — ${e.verdict.code} to a regular chain (one without "type … hook …") instead`,
          e.verdict.loc,
          e.verdict.code.length,
        ),
      );
      continue;
    }
    goodEdges.push(e);
  }

  // Loops (nf_tables_check_loops → ELOOP "Too many levels of symbolic links").
  const out = new Map<string, Edge[]>();
  for (const e of goodEdges) {
    const list = out.get(e.from.name) ?? [];
    list.push(e);
    out.set(e.from.name, list);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let loopReported = false;
  const dfs = (name: string): void => {
    state.set(name, 1);
    stack.push(name);
    for (const e of out.get(name) ?? []) {
      if (loopReported) break;
      const s = state.get(e.to);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(e.to)), e.to];
        errors.push(nftError('semantic', `jump loop: ${cycle.join(' → ')}; nft refuses it with "Too many levels of symbolic links"`, e.verdict.loc, e.verdict.code.length));
        loopReported = true;
        break;
      }
      if (s === undefined) dfs(e.to);
    }
    stack.pop();
    state.set(name, 2);
  };
  for (const c of table.chains) if (!state.has(c.name) && !loopReported) dfs(c.name);

  // Which base chains reach each chain (for hook/type validation of nat and flow add).
  const reachedBy = new Map<string, { chain: Chain; base: BaseChainInfo }[]>();
  for (const c of table.chains) {
    if (!c.base) continue;
    const base = c.base;
    const seen = new Set<string>([c.name]);
    const queue = [c.name];
    while (queue.length > 0) {
      const n = queue.shift()!;
      const list = reachedBy.get(n) ?? [];
      list.push({ chain: c, base });
      reachedBy.set(n, list);
      for (const e of out.get(n) ?? []) {
        if (!seen.has(e.to)) {
          seen.add(e.to);
          queue.push(e.to);
        }
      }
    }
  }

  for (const chain of table.chains) {
    const bases = reachedBy.get(chain.name) ?? [];
    for (const rule of chain.rules) {
      for (const stmt of rule.stmts) {
        if (stmt.kind === 'nat') {
          for (const { chain: bc, base } of bases) {
            const via = bc === chain ? `chain "${chain.name}"` : `chain "${chain.name}" (reached from base chain "${bc.name}")`;
            if (base.type !== 'nat') {
              errors.push(nftError('semantic', `${stmt.type} is only valid in chains of type nat, but ${via} is type ${base.type} hook ${base.hook}; nft refuses it with "Could not process rule: Operation not supported"`, stmt.loc, stmt.type.length));
              break;
            }
            const okHooks = stmt.type === 'snat' || stmt.type === 'masquerade' ? ['postrouting', 'input'] : ['prerouting', 'output'];
            if (!okHooks.includes(base.hook)) {
              errors.push(nftError('semantic', `${stmt.type} is only valid in the ${okHooks.join(' or ')} hook, but ${via} is on hook ${base.hook}; nft refuses it with "Could not process rule: Operation not supported"`, stmt.loc, stmt.type.length));
              break;
            }
          }
          if (table.family === 'inet' && stmt.family === null && stmt.addr !== null) {
            errors.push(nftError('semantic', `${stmt.type} in an inet table needs "ip" or "ip6" ("${stmt.type} ip to …")`, stmt.loc, stmt.type.length));
          }
        }
        if (stmt.kind === 'flow-add') {
          for (const { chain: bc, base } of bases) {
            if (base.hook !== 'forward') {
              const via = bc === chain ? `chain "${chain.name}"` : `chain "${chain.name}" (reached from base chain "${bc.name}")`;
              errors.push(nftError('semantic', `flow add is only valid in the forward hook, but ${via} is on hook ${base.hook}; nft refuses it with "Could not process rule: Operation not supported"`, stmt.loc, 4));
              break;
            }
          }
        }
      }
    }
  }
}

function sameTypes(a: DataType[], b: DataType[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((t, i) => compatible(t, b[i]!));
}

/** Types nft treats as the same for set lookups (integer-based aliases). */
function compatible(a: DataType, b: DataType): boolean {
  if (a === b) return true;
  const ints = new Set<DataType>(['integer', 'mark', 'iface_index']);
  if (ints.has(a) && ints.has(b)) return true;
  if ((a === 'ifname' && b === 'string') || (a === 'string' && b === 'ifname')) return true;
  return false;
}
