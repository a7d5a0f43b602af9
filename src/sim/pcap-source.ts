/**
 * Scenario traffic replayed from a capture (`traffic: { pcap, ingress, speedup, loop }`): frames
 * enter the router at their capture timestamps (relative to the first, divided by `speedup`), each
 * on the port its ingress rule picks — by source MAC, or by source IP prefix. The capture is
 * streamed one record ahead, so a file larger than memory replays in bounded memory.
 * Replies are not synthesised: what the router sends back goes to the scenario's hosts, if their
 * MACs match, and is otherwise only counted and captured.
 */
import { CaptureError, PcapReader } from '../pcap/index.ts';
import type { PacketPool } from '../buffers/pool.ts';
import type { PcapTrafficSpec } from '../scenario/types.ts';
import type { Topology } from '../net/devices.ts';

interface IngressRule {
  kind: 'any' | 'mac' | 'v4' | 'v6';
  macHi: number;
  macLo: number;
  words: Uint32Array;
  plen: number;
  port: number;
}

export class PcapSource {
  private reader: PcapReader;
  private readonly rules: IngressRule[];
  private loopsLeft: number;
  private loopBase = 0;
  private lastTs = 0;
  /** Frames that matched no ingress rule (not replayed). */
  unmatched = 0;
  replayed = 0;
  truncated: string | null = null;

  constructor(private readonly spec: PcapTrafficSpec, topo: Topology, portOf: (dev: number) => number) {
    try {
      this.reader = PcapReader.open(spec.path);
    } catch (e) {
      if (e instanceof CaptureError) throw new Error(`${spec.loc.file}:${spec.loc.line}:${spec.loc.col}: error: traffic.pcap: ${e.message}`);
      throw new Error(`${spec.loc.file}:${spec.loc.line}:${spec.loc.col}: error: traffic.pcap: cannot read ${spec.path}`);
    }
    this.loopsLeft = spec.loop;
    this.rules = spec.ingress.map((r) => {
      const port = portOf(topo.byName(r.iface));
      const rule: IngressRule = { kind: 'any', macHi: 0, macLo: 0, words: new Uint32Array(4), plen: 0, port };
      if (r.match === '*') return rule;
      if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(r.match)) {
        const b = r.match.split(':').map((x) => parseInt(x, 16));
        rule.kind = 'mac';
        rule.macHi = (b[0]! << 8) | b[1]!;
        rule.macLo = ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
        return rule;
      }
      const [addr, len] = r.match.split('/') as [string, string];
      rule.plen = Number(len);
      if (addr.includes(':')) {
        rule.kind = 'v6';
        const full = expandV6(addr);
        for (let i = 0; i < 4; i++) rule.words[i] = ((full[i * 2]! << 16) | full[i * 2 + 1]!) >>> 0;
      } else {
        rule.kind = 'v4';
        rule.words[0] = addr.split('.').reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
      }
      return rule;
    });
  }

  /**
   * Advances to the next frame; returns its arrival time (ns) or -1 at the end. The frame stays
   * readable through `copyInto` until the next call.
   */
  next(): number {
    for (;;) {
      if (this.reader.next()) {
        const ts = this.loopBase + this.reader.tsNs / this.spec.speedup;
        this.lastTs = ts;
        return ts < 0 ? 0 : ts;
      }
      if (this.reader.truncatedTail) this.truncated = this.reader.truncationWarning();
      this.loopsLeft--;
      if (this.loopsLeft <= 0) return -1;
      this.loopBase = this.lastTs + 1e6; // the next loop starts a millisecond after the last frame
      this.reader.rewind();
    }
  }

  /** Copies the current frame into `slot`; returns the ingress port, or 0 when no rule matches. */
  copyInto(pool: PacketPool, slot: number): number {
    const r = this.reader;
    const data = r.data;
    const off = r.offset;
    const len = Math.min(r.length, pool.slotSize - pool.headroom);
    pool.off[slot] = pool.headroom;
    pool.len[slot] = len;
    const base = slot * pool.slotSize + pool.headroom;
    for (let i = 0; i < len; i++) pool.bytes[base + i] = data[off + i]!;
    const port = this.portFor(data, off, len);
    if (port > 0) this.replayed++;
    else this.unmatched++;
    return port;
  }

  private portFor(d: Uint8Array, off: number, len: number): number {
    const srcHi = (d[off + 6]! << 8) | d[off + 7]!;
    const srcLo = ((d[off + 8]! << 24) | (d[off + 9]! << 16) | (d[off + 10]! << 8) | d[off + 11]!) >>> 0;
    // The L3 header: skip VLAN tags and a PPPoE session header.
    let p = off + 12;
    let type = (d[p]! << 8) | d[p + 1]!;
    while ((type === 0x8100 || type === 0x88a8) && p + 6 <= off + len) { p += 4; type = (d[p]! << 8) | d[p + 1]!; }
    let ip = p + 2;
    if (type === 0x8864) { const proto = (d[ip + 6]! << 8) | d[ip + 7]!; type = proto === 0x21 ? 0x0800 : proto === 0x57 ? 0x86dd : 0; ip += 8; }
    for (const r of this.rules) {
      if (r.kind === 'any') return r.port;
      if (r.kind === 'mac' && r.macHi === srcHi && r.macLo === srcLo) return r.port;
      if (r.kind === 'v4' && type === 0x0800 && ip + 20 <= off + len) {
        const src = ((d[ip + 12]! << 24) | (d[ip + 13]! << 16) | (d[ip + 14]! << 8) | d[ip + 15]!) >>> 0;
        const mask = r.plen === 0 ? 0 : (0xffffffff << (32 - r.plen)) >>> 0;
        if (((src & mask) >>> 0) === ((r.words[0]! & mask) >>> 0)) return r.port;
      }
      if (r.kind === 'v6' && type === 0x86dd && ip + 40 <= off + len) {
        let ok = true;
        for (let w = 0; w < 4 && ok; w++) {
          const bits = Math.max(0, Math.min(32, r.plen - w * 32));
          if (bits === 0) break;
          const v = ((d[ip + 8 + w * 4]! << 24) | (d[ip + 9 + w * 4]! << 16) | (d[ip + 10 + w * 4]! << 8) | d[ip + 11 + w * 4]!) >>> 0;
          const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
          ok = ((v & mask) >>> 0) === ((r.words[w]! & mask) >>> 0);
        }
        if (ok) return r.port;
      }
    }
    return 0;
  }

  close(): void {
    this.reader.close();
  }
}

function expandV6(s: string): number[] {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}
