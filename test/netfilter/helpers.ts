/**
 * Test fixtures: a fake NetfilterHost that records calls, a pool with hand-built IPv4 frames, and
 * a one-liner to compile nft text.
 */
import { PacketPool, PF_L4_VALID } from '../../src/buffers/pool.ts';
import { parseText } from '../../src/nft/parse-text.ts';
import type { Ruleset } from '../../src/nft/ir.ts';
import { tupleSetV4, TUPLE_WORDS } from '../../src/wire/tuple.ts';
import { compileRuleset, type CompiledRuleset, type CompileOptions } from '../../src/netfilter/compile.ts';
import { CT_STATE_NEW, type NatRange, type NetfilterHost } from '../../src/netfilter/host.ts';

export interface Call {
  readonly fn: string;
  readonly slot: number;
  readonly args: readonly unknown[];
}

export class FakeHost implements NetfilterHost {
  readonly calls: Call[] = [];
  devices: [number, string][] = [[1, 'eth0'], [2, 'eth1'], [3, 'wan'], [4, 'br-lan']];
  /** Per slot: which manip types have a binding (bit 1 << maniptype). */
  natDone = new Map<number, number>();
  natSetupResult = 0;
  flowAddResult = true;
  ctMarks = new Map<number, number>();
  status = 0;

  private rec(fn: string, slot: number, ...args: unknown[]): void {
    this.calls.push({ fn, slot, args });
  }
  callsOf(fn: string): Call[] {
    return this.calls.filter((c) => c.fn === fn);
  }
  listDevices(): Iterable<readonly [number, string]> { return this.devices; }
  deviceName(ifindex: number): string { return this.devices.find(([i]) => i === ifindex)?.[1] ?? ''; }
  deviceType(): number { return 1; }
  ctStatus(): number { return this.status; }
  ctMark(slot: number): number { return this.ctMarks.get(slot) ?? 0; }
  ctSetMark(slot: number, mark: number): void { this.rec('ctSetMark', slot, mark); this.ctMarks.set(slot, mark); }
  ctHelper(): number { return 0; }
  helperId(name: string): number { return name.length; }
  ctExpiration(): number { return 30000; }
  ctTuple(): void {}
  natInitialized(slot: number, manip: number): boolean { return ((this.natDone.get(slot) ?? 0) & (1 << manip)) !== 0; }
  natSetup(slot: number, manip: number, range: NatRange): number {
    this.rec('natSetup', slot, manip, { kind: range.kind, flags: range.flags, min: range.minAddr[0], max: range.maxAddr[0], minPort: range.minPort, maxPort: range.maxPort });
    if (this.natSetupResult === 0) this.natDone.set(slot, (this.natDone.get(slot) ?? 0) | (1 << manip));
    return this.natSetupResult;
  }
  natNullBinding(slot: number, manip: number): number {
    this.rec('natNullBinding', slot, manip);
    this.natDone.set(slot, (this.natDone.get(slot) ?? 0) | (1 << manip));
    return 0;
  }
  natMangle(slot: number, manip: number): number { this.rec('natMangle', slot, manip); return 0; }
  reject(slot: number, kind: number, code: number): void { this.rec('reject', slot, kind, code); }
  log(slot: number, idx: number): void { this.rec('log', slot, idx); }
  flowAdd(slot: number, ft: number): boolean { this.rec('flowAdd', slot, ft); return this.flowAddResult; }
  notrack(slot: number): void { this.rec('notrack', slot); }
  ctHelperSet(slot: number, idx: number): void { this.rec('ctHelperSet', slot, idx); }
  clampMss(slot: number, mss: number): void { this.rec('clampMss', slot, mss); }
  fibResult = 1;
  fib(slot: number, flags: number, result: number): number { this.rec('fib', slot, flags, result); return this.fibResult; }
}

export function ip4(s: string): number {
  const [a, b, c, d] = s.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export interface PacketSpec {
  src?: string;
  dst?: string;
  proto?: number; // 6 tcp, 17 udp, 1 icmp
  sport?: number;
  dport?: number;
  tcpFlags?: number;
  iif?: number;
  oif?: number;
  ctState?: number; // CT_STATE_* bit, 0 = no conntrack
  ct?: number;
  ctDir?: number;
  payload?: number;
}

/** Writes Ethernet + IPv4 + TCP/UDP/ICMP into a new slot and fills the parsed fields as the parser would. */
export function makePacket(pool: PacketPool, p: PacketSpec = {}): number {
  const slot = pool.alloc();
  if (slot < 0) throw new Error('pool exhausted');
  const proto = p.proto ?? 6;
  const l4len = proto === 6 ? 20 : 8;
  const payload = p.payload ?? 0;
  const frame = new Uint8Array(14 + 20 + l4len + payload);
  const dv = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2], 0);
  dv.setUint16(12, 0x0800);
  frame[14] = 0x45;
  dv.setUint16(16, 20 + l4len + payload);
  frame[22] = 64;
  frame[23] = proto;
  const src = ip4(p.src ?? '192.168.1.10');
  const dst = ip4(p.dst ?? '8.8.8.8');
  dv.setUint32(26, src);
  dv.setUint32(30, dst);
  const sport = p.sport ?? 40000;
  const dport = p.dport ?? 80;
  if (proto === 6 || proto === 17) {
    dv.setUint16(34, sport);
    dv.setUint16(36, dport);
  }
  if (proto === 6) {
    frame[34 + 12] = 5 << 4;
    frame[34 + 13] = p.tcpFlags ?? 0x02;
  }
  if (proto === 1) frame[34] = 8;
  pool.write(slot, frame);
  pool.l3proto[slot] = 0x0800;
  pool.l3off[slot] = 14;
  pool.l4off[slot] = 34;
  pool.pflags[slot] = PF_L4_VALID;
  pool.iif[slot] = p.iif ?? 1;
  pool.oif[slot] = p.oif ?? 3;
  tupleSetV4(pool.tuple, slot * TUPLE_WORDS, src, dst, proto, proto === 1 ? 0 : sport, proto === 1 ? 0 : dport);
  const state = p.ctState ?? CT_STATE_NEW;
  pool.ctState[slot] = state;
  pool.ct[slot] = state === 0 ? -1 : (p.ct ?? 7);
  pool.ctDir[slot] = p.ctDir ?? 0;
  return slot;
}

export function parse(text: string): Ruleset {
  const r = parseText(text, 'test.nft');
  if (r.ruleset === null || r.errors.length > 0) throw new Error(`nft parse failed: ${r.errors.map((e) => `${e.loc.line}:${e.loc.col} ${e.message}`).join('; ')}`);
  return r.ruleset;
}

export function load(text: string, opts: CompileOptions & { host?: FakeHost; pool?: PacketPool } = {}): { rs: CompiledRuleset; host: FakeHost; pool: PacketPool } {
  const host = opts.host ?? new FakeHost();
  const pool = opts.pool ?? new PacketPool({ capacity: 256 });
  const rs = compileRuleset(parse(text), pool, host, opts);
  return { rs, host, pool };
}
