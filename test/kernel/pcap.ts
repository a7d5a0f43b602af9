/**
 * Tiny classic-pcap reader/writer for the kernel harness (LINKTYPE_ETHERNET only).
 * Independent of src/pcap on purpose: the harness reads flowsim's output with its own code.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface CapturedFrame {
  /** Timestamp in ns (capture-relative or absolute, as stored). */
  readonly tsNs: number;
  readonly bytes: Uint8Array;
}

/** Writes frames as a microsecond-resolution classic pcap. */
export function writePcap(path: string, frames: readonly CapturedFrame[]): void {
  const parts: Buffer[] = [];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16);
  hdr.writeUInt32LE(1, 20);
  parts.push(hdr);
  for (const f of frames) {
    const r = Buffer.alloc(16);
    const us = Math.round(f.tsNs / 1000);
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(f.bytes.length, 8);
    r.writeUInt32LE(f.bytes.length, 12);
    parts.push(r, Buffer.from(f.bytes));
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** Reads a classic pcap (either byte order, µs or ns resolution). Throws on anything else. */
export function readPcap(path: string): CapturedFrame[] {
  return parsePcap(readFileSync(path), path);
}

export function parsePcap(buf: Buffer, name = '<buffer>'): CapturedFrame[] {
  if (buf.length < 24) throw new Error(`${name}: not a pcap file (${buf.length} bytes)`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nsRes: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) { le = true; nsRes = magicLE === 0xa1b23c4d; }
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) { le = false; nsRes = buf.readUInt32BE(0) === 0xa1b23c4d; }
  else throw new Error(`${name}: bad pcap magic 0x${magicLE.toString(16)} (pcapng is not read here)`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20) & 0xffff;
  if (link !== 1) throw new Error(`${name}: link type ${link}, expected 1 (Ethernet)`);
  const out: CapturedFrame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) throw new Error(`${name}: truncated record at byte ${off}`);
    out.push({ tsNs: sec * 1e9 + frac * (nsRes ? 1 : 1000), bytes: new Uint8Array(buf.subarray(off + 16, off + 16 + incl)) });
    off += 16 + incl;
  }
  return out;
}
