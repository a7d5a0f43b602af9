import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, PcapReader, readAllPackets } from '../../src/pcap/index.ts';
import { buildPcap, buildPcapng, Bytes, frame, oracleSecNs } from './build.ts';

function ipv4Packet(len: number): Uint8Array {
  const p = frame(len, 4);
  p[0] = 0x45;
  return p;
}
function ipv6Packet(len: number): Uint8Array {
  const p = frame(len, 6);
  p[0] = 0x60;
  return p;
}
/** SLL header (tcpdump -i any, LINKTYPE_LINUX_SLL): pkttype, ARPHRD, addr len, addr[8], protocol. */
function sll(pkttype: number, mac: number[], protocol: number, payload: Uint8Array, arphrd = 1): Uint8Array {
  const b = new Bytes(false);
  b.u16(pkttype).u16(arphrd).u16(mac.length);
  for (let i = 0; i < 8; i++) b.u8(mac[i] ?? 0);
  b.u16(protocol).raw(payload);
  return b.bytes();
}
/** SLL2 header (LINKTYPE_LINUX_SLL2): protocol, reserved, ifindex, ARPHRD, pkttype, addr len, addr[8]. */
function sll2(pkttype: number, mac: number[], protocol: number, payload: Uint8Array, arphrd = 1): Uint8Array {
  const b = new Bytes(false);
  b.u16(protocol).u16(0).u32(3).u16(arphrd).u8(pkttype).u8(mac.length);
  for (let i = 0; i < 8; i++) b.u8(mac[i] ?? 0);
  b.raw(payload);
  return b.bytes();
}
const MAC = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
const ethHeader = (src: number[], etherType: number) => [0, 0, 0, 0, 0, 0, ...src, etherType >> 8, etherType & 0xff];

function readFrames(bytes: Uint8Array): { frames: number[][]; r: PcapReader } {
  const r = PcapReader.fromBytes(bytes, 't.pcap');
  const frames: number[][] = [];
  while (r.next()) frames.push(Array.from(r.data.subarray(r.offset, r.offset + r.length)));
  return { frames, r };
}

function captureError(f: () => unknown): CaptureError {
  try {
    f();
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
  throw new Error('expected a CaptureError');
}

describe('classic pcap (draft-ietf-opsawg-pcap)', () => {
  it('reads a big-endian microsecond file (magic bytes a1 b2 c3 d4) with µs scaled to ns', () => {
    const bytes = buildPcap({
      le: false,
      ns: false,
      records: [
        { sec: 1_700_000_000, frac: 999_999, data: frame(60, 1) },
        { sec: 1_700_000_001, frac: 1, data: frame(1514, 2), orig: 1514 },
      ],
    });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xa1, 0xb2, 0xc3, 0xd4]);
    const r = PcapReader.fromBytes(bytes);
    expect(r.format).toBe('pcap');
    expect(r.nanosecondPcap).toBe(false);
    expect(r.next()).toBe(true);
    expect([r.tsSec, r.tsNsec, r.tsNs, r.length]).toEqual([1_700_000_000, 999_999_000, 0, 60]);
    expect(r.next()).toBe(true);
    expect([r.tsSec, r.tsNsec, r.tsNs, r.length]).toEqual([1_700_000_001, 1000, 2000, 1514]);
    expect(Array.from(r.data.subarray(r.offset, r.offset + r.length))).toEqual(Array.from(frame(1514, 2)));
    expect(r.next()).toBe(false);
    expect(r.truncatedTail).toBe(false);
  });

  it('reads a little-endian nanosecond file (bytes 4d 3c b2 a1)', () => {
    const bytes = buildPcap({ le: true, ns: true, records: [{ sec: 5, frac: 123_456_789, data: frame(64, 3) }] });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    const [p] = readAllPackets(bytes);
    expect([p!.tsSec, p!.tsNsec, p!.linkType]).toEqual([5, 123_456_789, 1]);
  });

  it('keeps the packets before a truncated last record and reports where that record starts', () => {
    const full = buildPcap({ le: true, ns: true, records: [0, 1, 2].map((i) => ({ sec: i, frac: 0, data: frame(100, i) })) });
    const lastRecord = 24 + 2 * (16 + 100);
    for (const cut of [lastRecord + 3, lastRecord + 16, lastRecord + 16 + 99]) {
      const r = PcapReader.fromBytes(full.subarray(0, cut), 'cut.pcap');
      let n = 0;
      while (r.next()) n++;
      expect(n).toBe(2);
      expect(r.truncatedTail).toBe(true);
      expect(r.truncatedOffset).toBe(lastRecord);
      expect(r.truncationWarning()).toMatch(new RegExp(`^cut\\.pcap: offset ${lastRecord}: truncated record`));
    }
    const offsets: number[] = [];
    expect(readAllPackets(full.subarray(0, lastRecord + 5), { onTruncated: (o) => offsets.push(o) })).toHaveLength(2);
    expect(offsets).toEqual([lastRecord]);
  });

  it('refuses a record longer than the snaplen, naming file and offset', () => {
    const bytes = buildPcap({ le: true, ns: false, snaplen: 65535, records: [{ sec: 0, frac: 0, data: frame(60, 0) }] });
    const b = new Bytes(true);
    b.raw(bytes).u32(1).u32(0).u32(70000).u32(70000);
    const r = PcapReader.fromBytes(b.bytes(), 'file.pcap');
    expect(r.next()).toBe(true);
    const e = captureError(() => r.next());
    expect(e.message).toBe('file.pcap: offset 100: record length 70000 exceeds snaplen 65535');
    expect([e.file, e.offset]).toEqual(['file.pcap', 100]);
  });

  it('refuses a record longer than 256 KiB even when the snaplen allows it (no huge allocation)', () => {
    const b = new Bytes(true);
    b.u32(0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(0xffffffff).u32(1).u32(0).u32(0).u32(0x7fffffff).u32(0x7fffffff);
    expect(captureError(() => PcapReader.fromBytes(b.bytes()).next()).message).toMatch(/offset 24: record length 2147483647 exceeds the 262144-byte limit/);
  });

  it('names an unknown magic in file byte order', () => {
    const e = captureError(() => PcapReader.fromBytes(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]), 'x.bin'));
    expect(e.message).toBe('x.bin: offset 0: bad magic 0xdeadbeef (neither pcap nor pcapng)');
  });

  it('trims the FCS the LinkType field declares from whole Ethernet frames', () => {
    // bits 31..28 = 2 sixteen-bit words (4 bytes), bit 26 = FCS length present
    const linkType = (2 << 28) | (1 << 26) | 1;
    const [p] = readAllPackets(buildPcap({ le: true, ns: true, linkType, records: [{ sec: 0, frac: 0, data: frame(64, 9) }] }));
    expect(p!.data.length).toBe(60);
    expect(p!.origLength).toBe(60);
  });
});

describe('Linux cooked and raw IP captures become Ethernet frames', () => {
  it('SLL (113): EtherType from the protocol field, source MAC from the SLL address, zero destination, direction from pkttype', () => {
    const ip = ipv4Packet(40);
    const bytes = buildPcap({
      le: true,
      ns: false,
      linkType: 113,
      records: [
        { sec: 0, frac: 0, data: sll(0, MAC, 0x0800, ip) },
        { sec: 0, frac: 1, data: sll(4, MAC.slice(0, 4), 0x86dd, ipv6Packet(48)) },
      ],
    });
    const r = PcapReader.fromBytes(bytes);
    expect(r.next()).toBe(true);
    expect(r.linkType).toBe(1);
    expect(r.interfaceLinkTypeAt(0)).toBe(113);
    expect(r.direction).toBe(1); // PACKET_HOST: inbound
    expect(r.length).toBe(54);
    expect(r.origLength).toBe(54);
    expect(Array.from(r.data.subarray(r.offset, r.offset + r.length))).toEqual([...ethHeader(MAC, 0x0800), ...ip]);
    expect(r.next()).toBe(true);
    expect(r.direction).toBe(2); // PACKET_OUTGOING
    // a 4-byte link address is not a MAC: the source MAC stays zero
    expect(Array.from(r.data.subarray(r.offset, r.offset + 14))).toEqual(ethHeader([0, 0, 0, 0, 0, 0], 0x86dd));
  });

  it('SLL2 (276): same framing from the 20-byte header', () => {
    const ip = ipv4Packet(33);
    const { frames, r } = readFrames(buildPcap({ le: false, ns: true, linkType: 276, records: [{ sec: 1, frac: 2, data: sll2(4, MAC, 0x0800, ip) }] }));
    expect(frames).toEqual([[...ethHeader(MAC, 0x0800), ...ip]]);
    expect(r.direction).toBe(2);
  });

  it('leaves payloads that are not L3 (protocol < 0x0600, netlink) unframed, with their own link type', () => {
    const llc = sll(0, MAC, 0x0004, frame(20, 1));
    const nl = sll(0, [], 0x0000, frame(20, 2), 824);
    const packets = readAllPackets(buildPcap({ le: true, ns: true, linkType: 113, records: [llc, nl].map((d) => ({ sec: 0, frac: 0, data: d })) }));
    expect(packets.map((p) => p.linkType)).toEqual([113, 113]);
    expect(Array.from(packets[0]!.data)).toEqual(Array.from(llc));
  });

  it('raw IP (101 by version nibble, 228 IPv4, 229 IPv6) gets a bare Ethernet header', () => {
    const v4 = ipv4Packet(28);
    const v6 = ipv6Packet(40);
    for (const [lt, data, et] of [[101, v4, 0x0800], [101, v6, 0x86dd], [228, v4, 0x0800], [229, v6, 0x86dd]] as const) {
      const { frames } = readFrames(buildPcap({ le: true, ns: true, linkType: lt, records: [{ sec: 0, frac: 0, data }] }));
      expect(frames).toEqual([[...ethHeader([0, 0, 0, 0, 0, 0], et), ...data]]);
    }
    // neither IPv4 nor IPv6: passed through
    const odd = frame(10, 0).fill(0x20, 0, 1);
    expect(readAllPackets(buildPcap({ le: true, ns: true, linkType: 101, records: [{ sec: 0, frac: 0, data: odd }] }))[0]!.linkType).toBe(101);
  });

  it('framing in place leaves the input bytes as they were once the reader moves on', () => {
    const bytes = buildPcap({ le: true, ns: false, linkType: 113, records: [{ sec: 0, frac: 0, data: sll(0, MAC, 0x0800, ipv4Packet(40)) }, { sec: 1, frac: 0, data: frame(30, 1) }] });
    const before = bytes.slice();
    const r = PcapReader.fromBytes(bytes);
    while (r.next());
    expect(bytes).toEqual(before);
    r.rewind();
    expect(r.next()).toBe(true);
    expect(Array.from(r.data.subarray(r.offset + 6, r.offset + 12))).toEqual(MAC);
  });
});

describe('pcapng (draft-ietf-opsawg-pcapng)', () => {
  it('reads interfaces, names, resolutions (10^-n and 2^-n, default µs), if_tsoffset and epb_flags direction', () => {
    const ifaces = [
      { linkType: 1, name: 'wan' },
      { linkType: 1, name: 'lan', tsresol: 9 },
      { linkType: 1, name: 'ppe', tsresol: 0x80 | 20, tsoffset: 100 },
    ];
    const ts = [1_700_000_000_123_456n, 1_700_000_000_987_654_321n, (1_700_000_000n << 20n) + 777_777n];
    const bytes = buildPcapng([
      {
        le: true,
        blocks: [
          ...ifaces.map((iface) => ({ kind: 'idb' as const, iface })),
          { kind: 'epb', ifId: 0, ts: ts[0]!, data: frame(60, 0), flags: 1 },
          { kind: 'epb', ifId: 1, ts: ts[1]!, data: frame(61, 1), flags: 2, comment: 'path=flowtable' },
          { kind: 'epb', ifId: 2, ts: ts[2]!, data: frame(62, 2) },
        ],
      },
    ]);
    const packets = readAllPackets(bytes);
    expect(packets.map((p) => p.interfaceName)).toEqual(['wan', 'lan', 'ppe']);
    expect(packets.map((p) => p.direction)).toEqual([1, 2, 0]);
    expect(packets.map((p) => p.data.length)).toEqual([60, 61, 62]);
    const expected = ts.map((t, i) => oracleSecNs(t, ifaces[i]!.tsresol));
    expected[2]![0] += 100;
    expect(packets.map((p) => [p.tsSec, p.tsNsec])).toEqual(expected);
    expect(packets[1]!.tsNs).toBe((expected[1]![0] - expected[0]![0]) * 1e9 + expected[1]![1] - expected[0]![1]);
  });

  it('skips unknown blocks by their length (NRB, ISB, custom), checking both length fields', () => {
    const bytes = buildPcapng([
      {
        le: false,
        blocks: [
          { kind: 'unknown', type: 4, body: frame(13, 0) },
          { kind: 'idb', iface: { linkType: 1 } },
          { kind: 'unknown', type: 0x40000bad, body: frame(100, 1) },
          { kind: 'epb', ifId: 0, ts: 1n, data: frame(60, 7) },
          { kind: 'unknown', type: 5, body: frame(20, 2) },
        ],
      },
    ]);
    const packets = readAllPackets(bytes);
    expect(packets.map((p) => Array.from(p.data))).toEqual([Array.from(frame(60, 7))]);
  });

  it('numbers interfaces per section, across sections of both byte orders', () => {
    const bytes = buildPcapng([
      { le: true, blocks: [{ kind: 'idb', iface: { linkType: 1, name: 'a' } }, { kind: 'epb', ifId: 0, ts: 1n, data: frame(20, 1) }] },
      {
        le: false,
        blocks: [
          { kind: 'idb', iface: { linkType: 1, name: 'b' } },
          { kind: 'idb', iface: { linkType: 1, name: 'c' } },
          { kind: 'epb', ifId: 1, ts: 2n, data: frame(21, 2) },
          { kind: 'opb', ifId: 0, ts: 3n, data: frame(22, 3), flags: 2 },
          { kind: 'spb', data: frame(23, 4) },
        ],
      },
    ]);
    const r = PcapReader.fromBytes(bytes);
    const seen: [number, number, string, number][] = [];
    while (r.next()) seen.push([r.interfaceId, r.interfaceIndex, r.interfaceName, r.length]);
    expect(seen).toEqual([[0, 0, 'a', 20], [1, 2, 'c', 21], [0, 1, 'b', 22], [0, 1, 'b', 23]]);
    expect(r.interfaceCount).toBe(3);
  });

  it('frames raw IP from a Simple Packet Block (no room before the data: copied)', () => {
    const ip = ipv6Packet(41);
    const bytes = buildPcapng([{ le: true, blocks: [{ kind: 'idb', iface: { linkType: 229 } }, { kind: 'spb', data: ip }] }]);
    const [p] = readAllPackets(bytes);
    expect(Array.from(p!.data)).toEqual([...ethHeader([0, 0, 0, 0, 0, 0], 0x86dd), ...ip]);
  });

  it('reports a block whose trailing length differs from its leading length, at the block offset', () => {
    const bytes = buildPcapng([{ le: true, blocks: [{ kind: 'idb', iface: { linkType: 1 } }, { kind: 'epb', ifId: 0, ts: 0n, data: frame(60, 0) }] }]);
    const epbAt = bytes.length - (32 + 60);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, 88, true);
    const e = captureError(() => readAllPackets(bytes, { name: 'm.pcapng' }));
    expect(e.offset).toBe(epbAt);
    expect(e.message).toBe(`m.pcapng: offset ${epbAt}: block total length mismatch: 92 at the start, 88 at the end`);
  });

  it('refuses block lengths below 12 or not a multiple of 4, and undescribed interfaces', () => {
    const ok = buildPcapng([{ le: true, blocks: [{ kind: 'idb', iface: { linkType: 1 } }, { kind: 'epb', ifId: 0, ts: 0n, data: frame(60, 0) }] }]);
    const at = ok.length - 92;
    for (const [len, re] of [[8, /bad block total length 8/], [94, /bad block total length 94/]] as const) {
      const b = ok.slice();
      new DataView(b.buffer).setUint32(at + 4, len, true);
      expect(captureError(() => readAllPackets(b)).message).toMatch(re);
    }
    const b = ok.slice();
    new DataView(b.buffer).setUint32(at + 8, 5, true);
    expect(captureError(() => readAllPackets(b)).message).toMatch(/interface id 5 not described/);
  });

  it('reports a truncated last block with its offset and keeps the packets before it', () => {
    const bytes = buildPcapng([{ le: true, blocks: [{ kind: 'idb', iface: { linkType: 1 } }, ...[0, 1, 2].map((i) => ({ kind: 'epb' as const, ifId: 0, ts: BigInt(i), data: frame(60, i) }))] }]);
    const lastAt = bytes.length - 92;
    const r = PcapReader.fromBytes(bytes.subarray(0, bytes.length - 1));
    let n = 0;
    while (r.next()) n++;
    expect([n, r.truncatedTail, r.truncatedOffset]).toEqual([2, true, lastAt]);
  });
});

describe('streaming from a file in bounded chunks', () => {
  it('delivers the same records through a 64-byte chunk (grown for large records) as from memory, and after rewind()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-pcap-'));
    try {
      const records = Array.from({ length: 40 }, (_, i) => ({ sec: i, frac: i * 1000, data: frame([60, 590, 1514, 9000][i % 4]!, i) }));
      const bytes = buildPcap({ le: false, ns: true, snaplen: 262144, records });
      const path = join(dir, 'a.pcap');
      writeFileSync(path, bytes);
      const r = PcapReader.open(path, { chunkSize: 64 });
      for (let pass = 0; pass < 2; pass++) {
        for (const rec of records) {
          expect(r.next()).toBe(true);
          expect(r.tsSec).toBe(rec.sec);
          expect(Buffer.compare(r.data.subarray(r.offset, r.offset + r.length), rec.data)).toBe(0);
        }
        expect(r.next()).toBe(false);
        r.rewind();
      }
      r.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
