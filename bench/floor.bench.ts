/**
 * The floors: the least a software flowtable hit, and the least the classic path, can cost on this
 * machine. First the flowtable hit, written as one function
 * over typed arrays with nothing but the work itself — what any JavaScript flowtable, however it is
 * organised, has to do for an established, NATed IPv4/TCP packet (nf_flow_offload_ip_hook's steps):
 *
 *   restore the frame's 56 header bytes from a template (the stand-in for the NIC's DMA, as the e2e
 *   harness does), check the ethertype, IHL, fragment bits, protocol and TTL, hash the 4-tuple and
 *   the input device (the same murmur rounds FlowTable.hashOf uses), probe a tagged open-addressing
 *   index, compare the key in the entry's record, check the flow's teardown bit and its
 *   connection's liveness word, the MTU and TCP FIN/RST, refresh the timeout, rewrite source
 *   address and port with RFC 1624 checksum updates (IP and TCP), decrement the TTL, write both
 *   MAC addresses, count packets and bytes, and put the slot on a transmit ring.
 *
 * No parse into metadata, no VLAN/PPPoE/IPv6, no NEIGH output, no trace hooks, no per-device
 * counters, no function boundaries: the router does all of these, so its e2e rows sit above this
 * floor by what they add. The index holds both directions of each flow (2 entries per flow, load
 * ≤ 0.5) and each entry is one 64-byte record, so the 64K case's working set (~8 MB of records,
 * 1 MB of index, 256 KB of liveness words) is smaller than the router's (~15 MB).
 *
 * `look-ahead` rows first hash every frame of the burst and read its index slot, then read every
 * record, then process the burst (Router.receiveBurst's scheme); the others process frame by frame.
 */
import { defineSuite, type BenchCase } from './case.ts';
import { fmix32, mix } from '../src/conntrack/hash.ts';
import { shuffledOrder } from './e2e-harness.ts';

const BURST = 64;
const FRAME = 128; // bytes per work slot and per template
const HDR_WORDS = 14; // Ethernet 14 + IPv4 20 + TCP 20 = 54 bytes → 14 words
const REC = 16; // int32 words per entry record
// Record words.
const R_SRC = 0, R_DST = 1, R_PORTS = 2, R_IIF = 3, R_NAT_ADDR = 4, R_NAT_PORT = 5, R_MAC_HI = 6, R_DMAC_LO = 7,
  R_SMAC_LO = 8, R_MTU = 9, R_FLAGS = 10, R_CT = 11, R_PKTS = 12, R_BYTES = 13; // 14–15: timeout (float64)
const TEARDOWN = 4;
const SEED = 0x2545f491;

function hash4(src: number, dst: number, ports: number, iif: number): number {
  let h = SEED ^ 0x9e3779b9;
  h = mix(h, 0x406); // l3proto 4 << 8 | TCP
  h = mix(h, ports);
  h = mix(h, src);
  h = mix(h, dst);
  return fmix32(mix(h, iif));
}

/** RFC 1624 eq. 3: the checksum after a 16-bit word changes from `from` to `to`. */
function csumReplace16(csum: number, from: number, to: number): number {
  let s = (~csum & 0xffff) + (~from & 0xffff) + to;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** An Ethernet/IPv4/TCP data segment (DF, TTL 64, 50-byte payload) at `o`, `iif` kept in its last byte. */
function writeTcpTemplate(b: Uint8Array, o: number, src: number, dst: number, sport: number, dport: number, iif: number): void {
  b.fill(0, o, o + FRAME);
  b[o + 12] = 0x08; b[o + 13] = 0x00;
  b[o + FRAME - 1] = iif; // the arrival port, past the frame
  const ip = o + 14;
  b[ip] = 0x45; b[ip + 3] = 104; b[ip + 6] = 0x40; b[ip + 8] = 64; b[ip + 9] = 6;
  for (let k = 0; k < 4; k++) { b[ip + 12 + k] = (src >>> (24 - 8 * k)) & 0xff; b[ip + 16 + k] = (dst >>> (24 - 8 * k)) & 0xff; }
  let s = 0;
  for (let k = 0; k < 20; k += 2) s += (b[ip + k]! << 8) | b[ip + k + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  b[ip + 10] = c >>> 8; b[ip + 11] = c & 0xff;
  const l4 = ip + 20;
  b[l4] = sport >>> 8; b[l4 + 1] = sport & 0xff; b[l4 + 2] = dport >>> 8; b[l4 + 3] = dport & 0xff;
  b[l4 + 12] = 0x50; b[l4 + 13] = 0x18; b[l4 + 16] = 0x12; b[l4 + 17] = 0x34;
}

/** The DMA stand-in: the next BURST templates' headers (and their port byte) into the work slots; returns the new cursor. */
function restoreBurst(tw: Int32Array, ww: Int32Array, cursor: number, mask: number): number {
  let c = cursor;
  for (let s = 0; s < BURST; s++) {
    const d = (s * FRAME) >> 2, t = (c * FRAME) >> 2;
    for (let w = 0; w < HDR_WORDS; w++) ww[d + w] = tw[t + w]!;
    ww[d + (FRAME >> 2) - 1] = tw[t + (FRAME >> 2) - 1]!;
    c = (c + 1) & mask;
  }
  return c;
}

class FloorRig {
  readonly rec: Int32Array;
  readonly recF64: Float64Array;
  readonly index: Int32Array;
  readonly mask: number;
  readonly live: Int32Array;
  readonly tpl: Uint8Array;
  readonly tplWords: Int32Array;
  readonly work: Uint8Array;
  readonly workWords: Int32Array;
  readonly templates: number;
  readonly ring = new Int32Array(1024);
  ringTail = 0;
  cursor = 0;
  now = 1e9;
  private readonly hashes = new Int32Array(BURST);
  private readonly slotVals = new Int32Array(BURST);
  sink = 0;

  constructor(flows: number) {
    const entries = flows * 2;
    this.rec = new Int32Array(entries * REC);
    this.recF64 = new Float64Array(this.rec.buffer);
    let size = 16;
    while (size < entries * 2) size *= 2;
    this.index = new Int32Array(size);
    this.mask = size - 1;
    this.live = new Int32Array(flows).fill(1);
    // Templates: one data segment per flow (original direction), up to 64K, spread over all flows,
    // in shuffled order.
    let T = 1;
    while (T < Math.min(flows, 65536)) T *= 2;
    this.templates = T;
    this.tpl = new Uint8Array(T * FRAME);
    this.tplWords = new Int32Array(this.tpl.buffer);
    this.work = new Uint8Array(BURST * FRAME);
    this.workWords = new Int32Array(this.work.buffer);
    const order = shuffledOrder(T, 0x1234567);
    const natAddr = 0x64400002;
    const src = (f: number): number => (0x0a000000 + (f >>> 6)) | 0;
    const dst = (f: number): number => (0xc6120000 + (f >>> 6)) | 0;
    for (let f = 0; f < flows; f++) {
      const sport = 1024 + (f & 63), dport = 443;
      // Original direction (LAN → WAN, iif 2) and reply (WAN → LAN, iif 1).
      this.insert(f * 2, src(f), dst(f), (sport << 16) | dport, 2, natAddr, sport, f);
      this.insert(f * 2 + 1, dst(f), natAddr, (dport << 16) | sport, 1, src(f), dport, f);
    }
    for (let k = 0; k < T; k++) {
      const f = Math.floor((k * flows) / T);
      writeTcpTemplate(this.tpl, order[k]! * FRAME, src(f), dst(f), 1024 + (f & 63), 443, 2);
    }
  }

  private insert(e: number, src: number, dst: number, ports: number, iif: number, natAddr: number, natPort: number, ct: number): void {
    const r = e * REC;
    const rec = this.rec;
    rec[r + R_SRC] = src; rec[r + R_DST] = dst; rec[r + R_PORTS] = ports; rec[r + R_IIF] = iif;
    rec[r + R_NAT_ADDR] = natAddr; rec[r + R_NAT_PORT] = natPort;
    rec[r + R_MAC_HI] = (0x0200 << 16) | 0x0200; rec[r + R_DMAC_LO] = 0x00000009; rec[r + R_SMAC_LO] = 0x00000001;
    rec[r + R_MTU] = 1500; rec[r + R_FLAGS] = 0; rec[r + R_CT] = ct;
    this.recF64[(r >> 1) + 7] = 0;
    const h = hash4(src, dst, ports, iif);
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = (h & ~0x3fffff) | (e + 1); // tag in the top bits (≤ 4M entries below them)
  }

  /** The 4-tuple words of the frame in work slot `s` and the key hash (iif 2). */
  private hashOfSlot(o: number): number {
    const b = this.work;
    const ip = o + 14;
    const src = (b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!;
    const dst = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
    const ports = (b[ip + 20]! << 24) | (b[ip + 21]! << 16) | (b[ip + 22]! << 8) | b[ip + 23]!;
    return hash4(src, dst, ports, 2);
  }

  run(lookAhead: boolean): void {
    this.cursor = restoreBurst(this.tplWords, this.workWords, this.cursor, this.templates - 1);
    this.now += 1000;
    if (lookAhead) {
      const idx = this.index, rec = this.rec, hs = this.hashes, sv = this.slotVals;
      for (let s = 0; s < BURST; s++) {
        const h = this.hashOfSlot(s * FRAME);
        hs[s] = h;
        sv[s] = idx[h & this.mask]!;
      }
      let acc = 0;
      for (let s = 0; s < BURST; s++) {
        const v = sv[s]!;
        if (v !== 0) { const r = ((v & 0x3fffff) - 1) * REC; acc ^= rec[r]! ^ this.live[rec[r + R_CT]!]!; }
      }
      this.sink ^= acc;
      for (let s = 0; s < BURST; s++) this.forward(s, hs[s]!, true);
    } else {
      for (let s = 0; s < BURST; s++) this.forward(s, 0, false);
    }
  }

  /** One frame, nf_flow_offload_ip_hook's work; returns nothing, counts misses in `sink`. */
  private forward(s: number, known: number, hashKnown: boolean): void {
    const b = this.work;
    const o = s * FRAME;
    if (b[o + 12] !== 0x08 || b[o + 13] !== 0x00) { this.sink++; return; }
    const ip = o + 14;
    if (b[ip] !== 0x45 || ((b[ip + 6]! << 8) | b[ip + 7]!) & 0x3fff || b[ip + 9] !== 6 || b[ip + 8]! <= 1) { this.sink++; return; }
    const src = (b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!;
    const dst = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
    const l4 = ip + 20;
    const ports = (b[l4]! << 24) | (b[l4 + 1]! << 16) | (b[l4 + 2]! << 8) | b[l4 + 3]!;
    const h = hashKnown ? known : hash4(src, dst, ports, 2);
    const idx = this.index, rec = this.rec;
    const tag = h & ~0x3fffff;
    let i = h & this.mask;
    let r = -1;
    for (;;) {
      const v = idx[i]!;
      if (v === 0) break;
      if ((v & ~0x3fffff) === tag) {
        const k = ((v & 0x3fffff) - 1) * REC;
        if (rec[k + R_PORTS] === ports && rec[k + R_SRC] === src && rec[k + R_DST] === dst && rec[k + R_IIF] === 2) { r = k; break; }
      }
      i = (i + 1) & this.mask;
    }
    if (r < 0 || rec[r + R_FLAGS]! & TEARDOWN || this.live[rec[r + R_CT]!] !== 1) { this.sink++; return; }
    const totLen = (b[ip + 2]! << 8) | b[ip + 3]!;
    if (totLen > rec[r + R_MTU]! || b[l4 + 13]! & 0x05) { this.sink++; return; }
    // flow_offload_refresh
    const now = this.now;
    const tf = (r >> 1) + 7;
    if (now + 30e9 - this.recF64[tf]! > 1e9) this.recF64[tf] = now + 30e9;
    // nf_flow_snat_ip + nf_flow_snat_port: the source address and port, checksums by RFC 1624.
    const na = rec[r + R_NAT_ADDR]!, np = rec[r + R_NAT_PORT]!;
    let ipc = (b[ip + 10]! << 8) | b[ip + 11]!;
    let tc = (b[l4 + 16]! << 8) | b[l4 + 17]!;
    const oHi = src >>> 16, oLo = src & 0xffff, nHi = na >>> 16, nLo = na & 0xffff;
    ipc = csumReplace16(csumReplace16(ipc, oHi, nHi), oLo, nLo);
    tc = csumReplace16(csumReplace16(tc, oHi, nHi), oLo, nLo);
    const osp = ports >>> 16;
    tc = csumReplace16(tc, osp, np);
    b[ip + 12] = nHi >>> 8; b[ip + 13] = nHi & 0xff; b[ip + 14] = nLo >>> 8; b[ip + 15] = nLo & 0xff;
    b[l4] = np >>> 8; b[l4 + 1] = np & 0xff;
    // ip_decrease_ttl
    const ttl = b[ip + 8]!;
    ipc = csumReplace16(ipc, (ttl << 8) | 6, ((ttl - 1) << 8) | 6);
    b[ip + 8] = ttl - 1;
    b[ip + 10] = ipc >>> 8; b[ip + 11] = ipc & 0xff;
    b[l4 + 16] = tc >>> 8; b[l4 + 17] = tc & 0xff;
    // dev_hard_header with the cached addresses.
    const mh = rec[r + R_MAC_HI]!, dl = rec[r + R_DMAC_LO]!, sl = rec[r + R_SMAC_LO]!;
    b[o] = mh >>> 24; b[o + 1] = (mh >>> 16) & 0xff; b[o + 2] = dl >>> 24; b[o + 3] = (dl >>> 16) & 0xff; b[o + 4] = (dl >>> 8) & 0xff; b[o + 5] = dl & 0xff;
    b[o + 6] = (mh >>> 8) & 0xff; b[o + 7] = mh & 0xff; b[o + 8] = sl >>> 24; b[o + 9] = (sl >>> 16) & 0xff; b[o + 10] = (sl >>> 8) & 0xff; b[o + 11] = sl & 0xff;
    // Counters, then the transmit ring.
    rec[r + R_PKTS] = (rec[r + R_PKTS]! + 1) | 0;
    rec[r + R_BYTES] = (rec[r + R_BYTES]! + totLen) | 0;
    this.ring[this.ringTail] = s;
    this.ringTail = (this.ringTail + 1) & 1023;
  }
}


/**
 * The classic path's floor: the least flowsim's netfilter path does for an established, NATed
 * IPv4/TCP packet of the two-port fw4 router, in one function over typed arrays — ip_rcv_core's
 * checks with the header checksum, conntrack's lookup (hash, probe, key compare over both tuples'
 * entries), the TCP state table step (flowsim tracks TCP liberally: no window checks) and the
 * timeout refresh, fw4's rules an established packet meets as inline tests (prerouting's iifname
 * jump, mangle_forward's two MSS-clamp tests, forward's `meta l4proto` set and `ct state` vmap; the
 * NAT chains do not run for an established connection), a longest-prefix FIB lookup over the
 * router's prefixes, ip_forward's TTL and MTU checks and TTL decrement, the NAT manip from the
 * other direction's tuple with RFC 1624 checksum updates, a neighbour lookup and the Ethernet
 * header, the transmit ring. Same restore and templates as the flowtable floor.
 */
const CREC = 16; // int32 words per connection: orig src,dst,ports | reply src,dst,ports | status, state | timeout f64 (12–13)
const C_STATUS = 6, C_STATE = 7;
const TCP_STATES = 10;

class ClassicFloorRig {
  readonly rec: Int32Array;
  readonly recF64: Float64Array;
  readonly index: Int32Array;
  readonly mask: number;
  readonly tpl: Uint8Array;
  readonly tplWords: Int32Array;
  readonly work: Uint8Array;
  readonly workWords: Int32Array;
  readonly templates: number;
  /** FIB: one open-addressing table per prefix length present (/32 … /0), key = addr & mask. */
  private readonly fibLens = new Int32Array([24, 8, 0]);
  private readonly fibKey: Int32Array;
  private readonly fibDev: Int32Array;
  private readonly fibGw: Int32Array;
  /** Neighbour table: next hop → MAC (a small hash). */
  private readonly neighKey = new Int32Array(64);
  private readonly neighLo = new Int32Array(64);
  /** tcp_conntracks[dir][flag index][state] folded to [flag index * 10 + state]. */
  private readonly tcpNext = new Uint8Array(6 * TCP_STATES);
  private readonly l4protoSet = new Uint8Array(256);
  readonly ring = new Int32Array(1024);
  ringTail = 0;
  cursor = 0;
  now = 1e9;
  sink = 0;

  constructor(flows: number) {
    this.rec = new Int32Array(flows * CREC);
    this.recF64 = new Float64Array(this.rec.buffer);
    let size = 16;
    while (size < flows * 4) size *= 2; // two tuples per connection, load ≤ 0.5
    this.index = new Int32Array(size);
    this.mask = size - 1;
    let T = 1;
    while (T < Math.min(flows * 2, 65536)) T *= 2;
    this.templates = T;
    this.tpl = new Uint8Array(T * FRAME);
    this.tplWords = new Int32Array(this.tpl.buffer);
    this.work = new Uint8Array(BURST * FRAME);
    this.workWords = new Int32Array(this.work.buffer);
    // FIB: 192.168.1.0/24 and 100.64.0.0/24 connected, 10.0.0.0/8 via 192.168.1.2, default via 100.64.0.1.
    this.fibKey = new Int32Array(3 * 8).fill(-1);
    this.fibDev = new Int32Array(3 * 8);
    this.fibGw = new Int32Array(3 * 8);
    this.route(0, 0xc0a80100 | 0, 2, 0); this.route(0, 0x64400000, 1, 0);
    this.route(1, 0x0a000000, 2, 0xc0a80102 | 0); this.route(2, 0, 1, 0x64400001);
    // Neighbours: the two gateways (hosts behind them are reached through them).
    this.neigh(0xc0a80102 | 0, 0x00000b02); this.neigh(0x64400001, 0x00000b01);
    for (let i = 0; i < this.tcpNext.length; i++) this.tcpNext[i] = 3; // ESTABLISHED stays ESTABLISHED on ACK
    this.l4protoSet[6] = 1; this.l4protoSet[17] = 1;
    const order = shuffledOrder(T, 0x1234567);
    const natAddr = 0x64400002;
    const src = (f: number): number => (0x0a000000 + (f >>> 6)) | 0;
    const dst = (f: number): number => (0xc6120000 + (f >>> 6)) | 0;
    for (let f = 0; f < flows; f++) {
      const sport = 1024 + (f & 63);
      const r = f * CREC, rec = this.rec;
      rec[r] = src(f); rec[r + 1] = dst(f); rec[r + 2] = (sport << 16) | 443;
      rec[r + 3] = dst(f); rec[r + 4] = natAddr; rec[r + 5] = (443 << 16) | sport;
      rec[r + C_STATUS] = 0x1be; // SEEN_REPLY | ASSURED | CONFIRMED | SRC_NAT | … (IPS_*) rec[r + C_STATE] = 3;
      this.recF64[(r >> 1) + 6] = 0;
      this.insert(f * 2, src(f), dst(f), (sport << 16) | 443);
      this.insert(f * 2 + 1, dst(f), natAddr, (443 << 16) | sport);
    }
    // Templates: both directions, spread over all connections (LAN side iif 2, WAN side iif 1).
    for (let k = 0; k < T; k++) {
      const f = Math.floor(((k >> 1) * flows) / (T >> 1));
      const sport = 1024 + (f & 63);
      if (k & 1) writeTcpTemplate(this.tpl, order[k]! * FRAME, dst(f), natAddr, 443, sport, 1);
      else writeTcpTemplate(this.tpl, order[k]! * FRAME, src(f), dst(f), sport, 443, 2);
    }
  }

  private route(lenIdx: number, key: number, dev: number, gw: number): void {
    let i = (Math.imul(key, 0x9e3779b1) >>> 29) & 7;
    while (this.fibKey[lenIdx * 8 + i] !== -1) i = (i + 1) & 7;
    this.fibKey[lenIdx * 8 + i] = key; this.fibDev[lenIdx * 8 + i] = dev; this.fibGw[lenIdx * 8 + i] = gw;
  }

  private neigh(addr: number, lo: number): void {
    const i = (Math.imul(addr, 0x9e3779b1) >>> 26) & 63;
    this.neighKey[i] = addr; this.neighLo[i] = lo;
  }

  private insert(ref: number, src: number, dst: number, ports: number): void {
    const h = hash4(src, dst, ports, 0);
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = (h & ~0x3fffff) | (ref + 1);
  }

  run(): void {
    this.cursor = restoreBurst(this.tplWords, this.workWords, this.cursor, this.templates - 1);
    this.now += 1000;
    for (let s = 0; s < BURST; s++) this.forward(s);
  }

  private forward(s: number): void {
    const b = this.work;
    const o = s * FRAME;
    const iif = b[o + FRAME - 1]!;
    // ip_rcv_core: version/IHL, total length, header checksum.
    if (b[o + 12] !== 0x08 || b[o + 13] !== 0x00) { this.sink++; return; }
    const ip = o + 14;
    if (b[ip] !== 0x45) { this.sink++; return; }
    const totLen = (b[ip + 2]! << 8) | b[ip + 3]!;
    if (totLen > FRAME - 14 - 1) { this.sink++; return; }
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += (b[ip + k]! << 8) | b[ip + k + 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    if (sum !== 0xffff) { this.sink++; return; }
    if (((b[ip + 6]! << 8) | b[ip + 7]!) & 0x3fff || b[ip + 9] !== 6) { this.sink++; return; }
    const src = (b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!;
    const dst = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
    const l4 = ip + 20;
    const ports = (b[l4]! << 24) | (b[l4 + 1]! << 16) | (b[l4 + 2]! << 8) | b[l4 + 3]!;
    const tcpFlags = b[l4 + 13]!;
    // PREROUTING −200: nf_conntrack_in — lookup, TCP state step, refresh.
    const h = hash4(src, dst, ports, 0);
    const idx = this.index, rec = this.rec;
    const tag = h & ~0x3fffff;
    let i = h & this.mask;
    let ref = -1;
    for (;;) {
      const v = idx[i]!;
      if (v === 0) break;
      if ((v & ~0x3fffff) === tag) {
        const rf = (v & 0x3fffff) - 1;
        const k = (rf >> 1) * CREC + (rf & 1) * 3;
        if (rec[k + 2] === ports && rec[k] === src && rec[k + 1] === dst) { ref = rf; break; }
      }
      i = (i + 1) & this.mask;
    }
    if (ref < 0) { this.sink++; return; }
    const r = (ref >> 1) * CREC, dir = ref & 1;
    const fi = tcpFlags & 0x04 ? 5 : tcpFlags & 0x02 ? (tcpFlags & 0x10 ? 1 : 0) : tcpFlags & 0x01 ? 2 : tcpFlags & 0x10 ? 3 : 4;
    const state = this.tcpNext[fi * TCP_STATES + rec[r + C_STATE]!]!;
    rec[r + C_STATE] = state;
    this.recF64[(r >> 1) + 6] = this.now + 7440e9;
    const established = state === 3 && (rec[r + C_STATUS]! & 0x4) !== 0;
    // PREROUTING −100 (nf_nat_ipv4_in): the destination manip, before routing (the reply of a
    // masqueraded connection gets the LAN client's address back).
    const ot = r + (dir ^ 1) * 3;
    const newSrc = rec[ot + 1]!, newDst = rec[ot]!, newPorts = ((rec[ot + 2]! & 0xffff) << 16) | (rec[ot + 2]! >>> 16);
    // PREROUTING 0 (fw4 prerouting): iifname "pf0vf0" jump helper_lan (an empty chain).
    if (iif === 2) { /* helper_lan: no rules */ }
    // Routing on the translated destination: longest prefix first.
    let dev = -1, gw = 0;
    for (let li = 0; li < 3 && dev < 0; li++) {
      const len = this.fibLens[li]!;
      const key = len === 0 ? 0 : newDst & (-1 << (32 - len));
      let j = (Math.imul(key, 0x9e3779b1) >>> 29) & 7;
      for (let n = 0; n < 8; n++) {
        const fk = this.fibKey[li * 8 + j]!;
        if (fk === -1) break;
        if (fk === key) { dev = this.fibDev[li * 8 + j]!; gw = this.fibGw[li * 8 + j]! || newDst; break; }
        j = (j + 1) & 7;
      }
    }
    if (dev < 0) { this.sink++; return; }
    // ip_forward: TTL, MTU (DF set).
    const ttl = b[ip + 8]!;
    if (ttl <= 1 || totLen > 1500) { this.sink++; return; }
    // FORWARD −150 (mangle_forward): MSS clamping only on SYN.
    if (iif === 1 && (tcpFlags & 0x07) === 0x02) this.sink ^= 1;
    if (dev === 1 && (tcpFlags & 0x07) === 0x02) this.sink ^= 1;
    // FORWARD 0 (forward): meta l4proto { tcp, udp } flow offload @ft (no flowtable in classic
    // mode), then ct state vmap { established : accept, … }.
    if (this.l4protoSet[6] === 1) { /* flow offload: not in this mode */ }
    if (!established) { this.sink++; return; }
    // The NAT manips (nf_nat_packet; the source one belongs to POSTROUTING +100, written together
    // here): the packet's tuple becomes the inverse of the other direction's.
    let ipc = (b[ip + 10]! << 8) | b[ip + 11]!;
    let tc = (b[l4 + 16]! << 8) | b[l4 + 17]!;
    if (newSrc !== src) {
      ipc = csumReplace16(csumReplace16(ipc, src >>> 16, newSrc >>> 16), src & 0xffff, newSrc & 0xffff);
      tc = csumReplace16(csumReplace16(tc, src >>> 16, newSrc >>> 16), src & 0xffff, newSrc & 0xffff);
      b[ip + 12] = newSrc >>> 24; b[ip + 13] = (newSrc >>> 16) & 0xff; b[ip + 14] = (newSrc >>> 8) & 0xff; b[ip + 15] = newSrc & 0xff;
    }
    if (newDst !== dst) {
      ipc = csumReplace16(csumReplace16(ipc, dst >>> 16, newDst >>> 16), dst & 0xffff, newDst & 0xffff);
      tc = csumReplace16(csumReplace16(tc, dst >>> 16, newDst >>> 16), dst & 0xffff, newDst & 0xffff);
      b[ip + 16] = newDst >>> 24; b[ip + 17] = (newDst >>> 16) & 0xff; b[ip + 18] = (newDst >>> 8) & 0xff; b[ip + 19] = newDst & 0xff;
    }
    if (newPorts !== ports) {
      tc = csumReplace16(csumReplace16(tc, ports >>> 16, newPorts >>> 16), ports & 0xffff, newPorts & 0xffff);
      b[l4] = newPorts >>> 24; b[l4 + 1] = (newPorts >>> 16) & 0xff; b[l4 + 2] = (newPorts >>> 8) & 0xff; b[l4 + 3] = newPorts & 0xff;
    }
    ipc = csumReplace16(ipc, (ttl << 8) | 6, ((ttl - 1) << 8) | 6);
    b[ip + 8] = ttl - 1;
    b[ip + 10] = ipc >>> 8; b[ip + 11] = ipc & 0xff;
    b[l4 + 16] = tc >>> 8; b[l4 + 17] = tc & 0xff;
    // Neighbour output: next hop → MAC, Ethernet header.
    const ni = (Math.imul(gw, 0x9e3779b1) >>> 26) & 63;
    if (this.neighKey[ni] !== gw) { this.sink++; return; }
    const lo = this.neighLo[ni]!;
    b[o] = 0x02; b[o + 1] = 0; b[o + 2] = lo >>> 24; b[o + 3] = (lo >>> 16) & 0xff; b[o + 4] = (lo >>> 8) & 0xff; b[o + 5] = lo & 0xff;
    b[o + 6] = 0x02; b[o + 7] = 0; b[o + 8] = 0; b[o + 9] = 0; b[o + 10] = 0; b[o + 11] = dev;
    this.ring[this.ringTail] = s;
    this.ringTail = (this.ringTail + 1) & 1023;
  }
}

function classicFloorCase(flows: number, label: string): BenchCase {
  return {
    name: `floor: classic path in one function, ${label} connections`,
    mode: 'classic',
    flows,
    packetsPerCall: BURST,
    setup: () => {
      const rig = new ClassicFloorRig(flows);
      const before = rig.sink;
      for (let i = 0; i < rig.templates / BURST + 1; i++) rig.run();
      if (rig.sink !== before) throw new Error(`classic floor rig: ${rig.sink - before} frames missed`);
      return () => rig.run();
    },
  };
}

function floorCase(flows: number, label: string, lookAhead: boolean): BenchCase {
  return {
    name: `floor: flowtable hit in one function, ${label} flows${lookAhead ? ', look-ahead' : ''}`,
    mode: 'software',
    flows,
    packetsPerCall: BURST,
    setup: () => {
      const rig = new FloorRig(flows);
      // Every template must hit: one pass, no miss allowed.
      const before = rig.sink;
      for (let i = 0; i < rig.templates / BURST + 1; i++) rig.run(false);
      if (rig.sink !== before) throw new Error(`floor rig: ${rig.sink - before} frames missed`);
      return () => rig.run(lookAhead);
    },
  };
}

const quick = process.argv.includes('--quick');
export default defineSuite('floor', [
  classicFloorCase(1024, '1K'),
  classicFloorCase(65536, '64K'),
  floorCase(1024, '1K', false),
  floorCase(65536, '64K', false),
  floorCase(65536, '64K', true),
  // 1M: full runs only (flows stays honest in quick mode).
  ...(quick ? [] : [floorCase(1048576, '1M', false), floorCase(1048576, '1M', true)]),
]);
