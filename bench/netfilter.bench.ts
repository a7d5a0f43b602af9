/**
 * Rule evaluation cost per packet: linear rule lists vs set lookups, and the established fast case.
 * One call runs the forward hook for a burst of 64 packets.
 */
import { defineSuite, type BenchCase } from './case.ts';
import { PacketPool, PF_L4_VALID } from '../src/buffers/pool.ts';
import { BURST_SIZE } from '../src/buffers/burst.ts';
import { parseText } from '../src/nft/parse-text.ts';
import { tupleSetV4, TUPLE_WORDS } from '../src/wire/tuple.ts';
import { compileRuleset } from '../src/netfilter/compile.ts';
import { CT_STATE_ESTABLISHED, CT_STATE_NEW, HOOK_FORWARD, NFPROTO_IPV4, type NetfilterHost } from '../src/netfilter/host.ts';

const host: NetfilterHost = {
  listDevices: () => [[1, 'lan'], [2, 'wan']],
  deviceName: (i) => (i === 1 ? 'lan' : 'wan'),
  deviceType: () => 1,
  ctStatus: () => 0, ctMark: () => 0, ctSetMark: () => {}, ctHelper: () => 0, helperId: () => 1,
  ctExpiration: () => 0, ctTuple: () => {},
  natInitialized: () => true, natSetup: () => 0, natNullBinding: () => 0, natMangle: () => 0,
  reject: () => {}, log: () => {}, flowAdd: () => true, notrack: () => {}, ctHelperSet: () => {}, clampMss: () => {},
  fib: () => 1,
};

function packets(pool: PacketPool, ctState: number): Int32Array {
  const out = new Int32Array(BURST_SIZE);
  for (let i = 0; i < BURST_SIZE; i++) {
    const s = pool.alloc();
    const f = new Uint8Array(14 + 40);
    const dv = new DataView(f.buffer);
    dv.setUint16(12, 0x0800);
    f[14] = 0x45; f[23] = 6;
    const src = (0x0a000000 + i) >>> 0;
    dv.setUint32(26, src); dv.setUint32(30, 0x08080808);
    dv.setUint16(34, 40000 + i); dv.setUint16(36, 443);
    f[46] = 0x50; f[47] = 0x10;
    pool.write(s, f);
    pool.l3proto[s] = 0x0800; pool.l3off[s] = 14; pool.l4off[s] = 34; pool.pflags[s] = PF_L4_VALID;
    pool.iif[s] = 1; pool.oif[s] = 2; pool.ct[s] = i; pool.ctInfo[s] = ctState;
    tupleSetV4(pool.tuple, s * TUPLE_WORDS, src, 0x08080808, 6, 40000 + i, 443);
    out[i] = s;
  }
  return out;
}

const QUICK = process.argv.includes('--quick');

function caseFor(name: string, text: (quick: boolean) => string, ctState = CT_STATE_NEW, jit = true): BenchCase {
  return {
    name, mode: 'classic', flows: null, packetsPerCall: BURST_SIZE,
    setup: (quick) => {
      const r = parseText(text(quick), 'bench.nft');
      if (r.ruleset === null || r.errors.length > 0) throw new Error(r.errors.map((e) => e.message).join('; '));
      const pool = new PacketPool({ capacity: BURST_SIZE * 2 });
      const rs = compileRuleset(r.ruleset, pool, host, { jit });
      const burst = packets(pool, ctState);
      return () => {
        for (let i = 0; i < BURST_SIZE; i++) rs.runHook(HOOK_FORWARD, NFPROTO_IPV4, burst[i]!, 0);
      };
    },
  };
}

function linear(n: number): string {
  const rules: string[] = [];
  for (let i = 0; i < n; i++) rules.push(`tcp dport ${1000 + i} drop`);
  return `table inet f { chain fwd { type filter hook forward priority 0; policy drop;\n${rules.join('\n')}\ntcp dport 443 accept } }`;
}

function withSet(n: number): string {
  const els: string[] = [];
  for (let i = 0; i < n; i++) els.push(`${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}.1`);
  return `table inet f { set block { type ipv4_addr; elements = { ${els.join(', ')} } }
    chain fwd { type filter hook forward priority 0; policy drop; ip daddr @block drop; tcp dport 443 accept } }`;
}

export default defineSuite('netfilter', [
  caseFor('ct state established accept first (established)', () => `table inet f { chain fwd { type filter hook forward priority 0; policy drop;
    ct state vmap { established : accept, related : accept, invalid : drop }
    ${Array.from({ length: 50 }, (_, i) => `tcp dport ${1000 + i} accept`).join('\n')} } }`, CT_STATE_ESTABLISHED),
  caseFor('10 non-matching rules then accept', () => linear(10)),
  caseFor('100 non-matching rules then accept', () => linear(100)),
  caseFor('1000 non-matching rules then accept', () => linear(1000)),
  // The same chains run by the interpreter (Engine.doChain) instead of generated code (netfilter/jit.ts).
  caseFor('10 non-matching rules then accept, interpreted', () => linear(10), CT_STATE_NEW, false),
  caseFor('1000 non-matching rules then accept, interpreted', () => linear(1000), CT_STATE_NEW, false),
  caseFor('set of 10 elements (miss) then accept', () => withSet(10)),
  caseFor('set of 1000 elements (miss) then accept', () => withSet(1000)),
  // Parsing and building 100 000 elements takes seconds: full runs only (names stay honest).
  ...(QUICK ? [] : [caseFor('set of 100000 elements (miss) then accept', () => withSet(100000))]),
]);
