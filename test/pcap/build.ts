/**
 * Hand-built capture files for the reader's tests, written field by field from the format drafts
 * (draft-ietf-opsawg-pcap §4-5, draft-ietf-opsawg-pcapng §4) independently of src/pcap's writers,
 * in either byte order.
 */

/** A growable little byte builder with an explicit byte order. */
export class Bytes {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;
  constructor(readonly le: boolean) {}

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const g = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    g.set(this.buf.subarray(0, this.len));
    this.buf = g;
    this.view = new DataView(g.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.view.setUint16(this.len, v, this.le);
    this.len += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.len, v >>> 0, this.le);
    this.len += 4;
    return this;
  }
  /** A 64-bit value as two 32-bit words, hi first (pcapng timestamps are hi then lo). */
  u64(v: bigint): this {
    return this.u32(Number(v >> 32n)).u32(Number(v & 0xffffffffn));
  }
  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  pad4(): this {
    while (this.len % 4 !== 0) this.u8(0);
    return this;
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, this.le);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export interface PcapRecord {
  sec: number;
  /** µs or ns, per the file's magic. */
  frac: number;
  data: Uint8Array;
  orig?: number;
}

export interface PcapFile {
  le: boolean;
  ns: boolean;
  snaplen?: number;
  /** The whole LinkType field (link type plus FCS bits). */
  linkType?: number;
  records: readonly PcapRecord[];
}

export function buildPcap(f: PcapFile): Uint8Array {
  const b = new Bytes(f.le);
  b.u32(f.ns ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(f.snaplen ?? 65535).u32(f.linkType ?? 1);
  for (const r of f.records) b.u32(r.sec).u32(r.frac).u32(r.data.length).u32(r.orig ?? r.data.length).raw(r.data);
  return b.bytes();
}

export interface NgInterface {
  linkType: number;
  name?: string;
  /** Raw if_tsresol byte (absent: µs). */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: number;
  snaplen?: number;
}

export type NgBlock =
  | { kind: 'epb'; ifId: number; ts: bigint; data: Uint8Array; orig?: number; flags?: number; comment?: string }
  | { kind: 'opb'; ifId: number; ts: bigint; data: Uint8Array; flags?: number }
  | { kind: 'spb'; data: Uint8Array; orig?: number }
  | { kind: 'idb'; iface: NgInterface }
  | { kind: 'unknown'; type: number; body: Uint8Array };

export interface NgSection {
  le: boolean;
  blocks: readonly NgBlock[];
}

const enc = new TextEncoder();

function option(b: Bytes, code: number, value: Uint8Array): void {
  b.u16(code).u16(value.length).raw(value).pad4();
}

/** Wraps a body as a block: type, total length, body (padded), total length. */
function block(b: Bytes, type: number, body: (x: Bytes) => void): void {
  const start = b.len;
  b.u32(type).u32(0);
  body(b);
  b.pad4();
  const total = b.len - start + 4;
  b.u32(total);
  b.setU32(start + 4, total);
}

export function buildPcapng(sections: readonly NgSection[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of sections) {
    const b = new Bytes(s.le);
    block(b, 0x0a0d0d0a, (x) => {
      x.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff);
      option(x, 4, enc.encode('flowsim test builder'));
      x.u32(0);
    });
    for (const bl of s.blocks) {
      if (bl.kind === 'idb') {
        const i = bl.iface;
        block(b, 1, (x) => {
          x.u16(i.linkType).u16(0).u32(i.snaplen ?? 0);
          if (i.name !== undefined) option(x, 2, enc.encode(i.name));
          if (i.tsresol !== undefined) option(x, 9, new Uint8Array([i.tsresol]));
          if (i.tsoffset !== undefined) {
            // a true i64 in the section's byte order (unlike timestamps, not hi word first)
            const o = new Bytes(s.le);
            const v = BigInt.asUintN(64, BigInt(i.tsoffset));
            const hi = Number(v >> 32n);
            const lo = Number(v & 0xffffffffn);
            if (s.le) o.u32(lo).u32(hi);
            else o.u32(hi).u32(lo);
            option(x, 14, o.bytes());
          }
          x.u32(0);
        });
      } else if (bl.kind === 'epb' || bl.kind === 'opb') {
        block(b, bl.kind === 'epb' ? 6 : 2, (x) => {
          if (bl.kind === 'epb') x.u32(bl.ifId);
          else x.u16(bl.ifId).u16(0);
          x.u64(bl.ts).u32(bl.data.length).u32(bl.kind === 'epb' ? (bl.orig ?? bl.data.length) : bl.data.length);
          x.raw(bl.data).pad4();
          const comment = bl.kind === 'epb' ? bl.comment : undefined;
          if (comment !== undefined) option(x, 1, enc.encode(comment));
          if (bl.flags !== undefined) {
            const o = new Bytes(s.le);
            o.u32(bl.flags);
            option(x, 2, o.bytes());
          }
          if (comment !== undefined || bl.flags !== undefined) x.u32(0);
        });
      } else if (bl.kind === 'spb') {
        block(b, 3, (x) => x.u32(bl.orig ?? bl.data.length).raw(bl.data));
      } else {
        block(b, bl.type, (x) => x.raw(bl.body));
      }
    }
    parts.push(b.bytes());
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A frame of `len` bytes whose content encodes `seed`, so swapped or shifted frames show up. */
export function frame(len: number, seed: number): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (seed * 31 + i * 7) & 0xff;
  return f;
}

/** Oracle for a pcapng timestamp: units at if_tsresol `r` -> [seconds, ns], with BigInt. */
export function oracleSecNs(ts: bigint, r: number | undefined): [number, number] {
  const res = r ?? 6;
  const n = BigInt(res & 0x7f);
  const perSec = res & 0x80 ? 1n << n : 10n ** n;
  const sec = ts / perSec;
  const frac = ts % perSec;
  return [Number(sec), Number((frac * 1_000_000_000n) / perSec)];
}
