import { TUPLE_WORDS } from '../wire/tuple.ts';

/**
 * Preallocated packet buffers: one ArrayBuffer of fixed-size slots plus struct-of-arrays metadata
 * (VPP's vlib_buffer_t pool, DPDK's mempool). A packet is its slot index; nothing is allocated per
 * packet. Each slot keeps `headroom` bytes before the frame so VLAN/PPPoE headers can be pushed by
 * moving `off` back instead of copying the payload (the skb's headroom).
 *
 * Over a SharedArrayBuffer (option `shared`) the same pool can be read by worker threads; the free
 * list is owned by one thread (the pool's owner) and never shared.
 */

/** Which road a packet took through the router; a stage sets it once it takes the packet. */
export const PATH_NONE = 0;
export const PATH_CLASSIC = 1;
export const PATH_SOFTWARE = 2;
export const PATH_HARDWARE = 3;
export const PATH_SHORTCUT = 4; // SFE-style accelerated software path

/** Per-packet parse flags (`PacketPool.pflags`). */
export const PF_VLAN = 1 << 0; // at least one 802.1Q/802.1ad tag
export const PF_QINQ = 1 << 1; // two tags
export const PF_PPPOE = 1 << 2; // PPPoE session header
export const PF_FRAGMENT = 1 << 3; // IPv4 MF/offset or IPv6 fragment header
export const PF_FIRST_FRAG = 1 << 4; // fragment with offset 0 (carries the L4 header)
export const PF_IP_OPTIONS = 1 << 5; // IPv4 IHL > 5, or IPv6 hop-by-hop/routing/destination options
export const PF_L4_VALID = 1 << 6; // tuple ports are meaningful
export const PF_ICMP_ERROR = 1 << 7; // ICMP/ICMPv6 error quoting another packet

/** Length of the payload pattern region after the slots (256 phases × the largest slot payload). */
export const PATTERN_LEN = 256 + 65536;

export interface PacketPoolOptions {
  /** Number of slots; any positive integer. */
  capacity: number;
  /** Bytes per slot including headroom (default 2048). */
  slotSize?: number;
  /** Bytes kept free in front of the frame for pushed headers (default 128). */
  headroom?: number;
  /** Back the pool with a SharedArrayBuffer so worker threads can see it. */
  shared?: boolean;
}

export class PacketPool {
  readonly capacity: number;
  readonly slotSize: number;
  readonly headroom: number;
  /** All slots' bytes. Slot i spans [i*slotSize, (i+1)*slotSize). */
  readonly bytes: Uint8Array;
  /** Big-endian accessors over the same bytes (never lay wider typed arrays over wire data). */
  readonly view: DataView;

  // --- frame position -------------------------------------------------------------------------
  /** Frame start, as an offset from the slot's base. */
  readonly off: Uint16Array;
  /** Frame length in bytes (no FCS). */
  readonly len: Uint16Array;

  // --- metadata set by stages -----------------------------------------------------------------
  /** Virtual time the packet arrived, in ns. */
  readonly ts: Float64Array;
  /** Ingress interface index. */
  readonly iif: Uint16Array;
  /** Egress interface index once routed. */
  readonly oif: Uint16Array;
  /** skb->mark. */
  readonly mark: Uint32Array;
  /** Conntrack handle (entry id with generation, see conntrack), or -1. */
  readonly ct: Int32Array;
  /** IP_CT_DIR_ORIGINAL (0) or IP_CT_DIR_REPLY (1). */
  readonly ctDir: Uint8Array;
  /** Kernel ctinfo (IP_CT_*), as conntrack set it. */
  readonly ctInfo: Uint8Array;
  /** The `ct state` bit the rule engine sees (NF_CT_STATE_*; 0 = no conntrack entry). */
  readonly ctState: Uint8Array;
  /** PATH_* — which road the packet took. */
  readonly path: Uint8Array;
  /** DropReason code, 0 while alive. */
  readonly drop: Uint16Array;
  /** Traffic-generator flow id (for per-flow accounting and ordering checks), or -1. */
  readonly flow: Int32Array;
  /** Trace enabled (meta nftrace). */
  readonly trace: Uint8Array;

  // --- parsed headers (set by the parser; offsets relative to the frame start) -----------------
  readonly pflags: Uint16Array;
  /** Ethertype of the L3 payload after tags and PPPoE (0x0800 / 0x86dd / other). */
  readonly l3proto: Uint16Array;
  readonly l3off: Uint16Array;
  readonly l4off: Uint16Array;
  /** Outer and inner VLAN id (0 when absent). */
  readonly vlan0: Uint16Array;
  readonly vlan1: Uint16Array;
  readonly pppoeSid: Uint16Array;
  /** Tuple words per slot (see wire/tuple.ts). */
  readonly tuple: Uint32Array;

  /**
   * Offset in `bytes` of a read-only region holding the byte pattern i & 0xff for
   * i in [0, PATTERN_LEN): builders copy payloads from it with copyWithin (a native memmove).
   */
  readonly patternAt: number;

  private readonly freeStack: Int32Array;
  private freeTop: number;
  /** 1 while a slot is handed out; catches double frees. */
  private readonly inUse: Uint8Array;

  constructor(opts: PacketPoolOptions) {
    const capacity = opts.capacity;
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`pool capacity must be a positive integer, got ${capacity}`);
    const slotSize = opts.slotSize ?? 2048;
    const headroom = opts.headroom ?? 128;
    if (slotSize > 65535 || headroom >= slotSize) throw new RangeError('slotSize must be ≤ 65535 and larger than headroom');
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.headroom = headroom;
    const mk = (bytes: number): ArrayBuffer | SharedArrayBuffer =>
      opts.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const data = mk(capacity * slotSize + PATTERN_LEN);
    this.bytes = new Uint8Array(data);
    this.patternAt = capacity * slotSize;
    for (let i = 0; i < PATTERN_LEN; i++) this.bytes[this.patternAt + i] = i & 0xff;
    this.view = new DataView(data);
    this.off = new Uint16Array(mk(capacity * 2));
    this.len = new Uint16Array(mk(capacity * 2));
    this.ts = new Float64Array(mk(capacity * 8));
    this.iif = new Uint16Array(mk(capacity * 2));
    this.oif = new Uint16Array(mk(capacity * 2));
    this.mark = new Uint32Array(mk(capacity * 4));
    this.ct = new Int32Array(mk(capacity * 4));
    this.ctDir = new Uint8Array(mk(capacity));
    this.ctInfo = new Uint8Array(mk(capacity));
    this.ctState = new Uint8Array(mk(capacity));
    this.path = new Uint8Array(mk(capacity));
    this.drop = new Uint16Array(mk(capacity * 2));
    this.flow = new Int32Array(mk(capacity * 4));
    this.trace = new Uint8Array(mk(capacity));
    this.pflags = new Uint16Array(mk(capacity * 2));
    this.l3proto = new Uint16Array(mk(capacity * 2));
    this.l3off = new Uint16Array(mk(capacity * 2));
    this.l4off = new Uint16Array(mk(capacity * 2));
    this.vlan0 = new Uint16Array(mk(capacity * 2));
    this.vlan1 = new Uint16Array(mk(capacity * 2));
    this.pppoeSid = new Uint16Array(mk(capacity * 2));
    this.tuple = new Uint32Array(mk(capacity * TUPLE_WORDS * 4));
    this.freeStack = new Int32Array(capacity);
    this.inUse = new Uint8Array(capacity);
    // Lowest slot on top of the stack: deterministic reuse order.
    for (let i = 0; i < capacity; i++) this.freeStack[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  /** Slots currently free. */
  get available(): number {
    return this.freeTop;
  }

  /** Takes a slot and resets its metadata; returns -1 when the pool is exhausted. */
  alloc(): number {
    if (this.freeTop === 0) return -1;
    const slot = this.freeStack[--this.freeTop]!;
    this.inUse[slot] = 1;
    this.reset(slot);
    return slot;
  }

  /** Returns a slot to the pool. Freeing a slot twice is a bug in the caller and throws. */
  free(slot: number): void {
    if (this.inUse[slot] !== 1) throw new Error(`PacketPool.free: slot ${slot} is not allocated`);
    this.inUse[slot] = 0;
    this.freeStack[this.freeTop++] = slot;
  }

  isAllocated(slot: number): boolean {
    return this.inUse[slot] === 1;
  }

  /** Offset of the slot's first byte in `bytes`. */
  base(slot: number): number {
    return slot * this.slotSize;
  }

  /** Offset of the frame's first byte in `bytes`. */
  frameStart(slot: number): number {
    return slot * this.slotSize + this.off[slot]!;
  }

  /** Frame bytes as a subarray view (allocates a view: for tests and I/O, not the hot path). */
  frame(slot: number): Uint8Array {
    const start = this.frameStart(slot);
    return this.bytes.subarray(start, start + this.len[slot]!);
  }

  /** Copies `data` into the slot at the default headroom and sets the length. */
  write(slot: number, data: Uint8Array): void {
    if (data.length > this.slotSize - this.headroom) throw new RangeError(`frame of ${data.length} bytes exceeds slot payload ${this.slotSize - this.headroom}`);
    this.off[slot] = this.headroom;
    this.len[slot] = data.length;
    this.bytes.set(data, slot * this.slotSize + this.headroom);
  }

  /**
   * Grows the frame at the front by `n` bytes (skb_push). Returns false, changing nothing, when
   * the headroom is too small.
   */
  push(slot: number, n: number): boolean {
    const off = this.off[slot]!;
    if (n > off) return false;
    this.off[slot] = off - n;
    this.len[slot] = this.len[slot]! + n;
    return true;
  }

  /** Removes `n` bytes from the front (skb_pull). Returns false when the frame is shorter. */
  pull(slot: number, n: number): boolean {
    const len = this.len[slot]!;
    if (n > len) return false;
    this.off[slot] = this.off[slot]! + n;
    this.len[slot] = len - n;
    return true;
  }

  /** Copies frame bytes and the metadata a clone needs (used for reject/ICMP replies and pcap taps). */
  copyFrame(from: number, to: number): void {
    const len = this.len[from]!;
    const src = this.frameStart(from);
    this.off[to] = this.off[from]!;
    this.len[to] = len;
    this.bytes.copyWithin(to * this.slotSize + this.off[to]!, src, src + len);
  }

  private reset(slot: number): void {
    this.off[slot] = this.headroom;
    this.len[slot] = 0;
    this.ts[slot] = 0;
    this.iif[slot] = 0;
    this.oif[slot] = 0;
    this.mark[slot] = 0;
    this.ct[slot] = -1;
    this.ctDir[slot] = 0;
    this.ctInfo[slot] = 0;
    this.ctState[slot] = 0;
    this.path[slot] = PATH_NONE;
    this.drop[slot] = 0;
    this.flow[slot] = -1;
    this.trace[slot] = 0;
    this.pflags[slot] = 0;
    this.l3proto[slot] = 0;
    this.l3off[slot] = 0;
    this.l4off[slot] = 0;
    this.vlan0[slot] = 0;
    this.vlan1[slot] = 0;
    this.pppoeSid[slot] = 0;
    const t = slot * TUPLE_WORDS;
    for (let i = 0; i < TUPLE_WORDS; i++) this.tuple[t + i] = 0;
  }
}
