import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, MemorySink, PcapReader, PcapWriter, PcapngWriter, readAllPackets } from '../../src/pcap/index.ts';
import { buildPcap, buildPcapng, oracleSecNs } from './build.ts';
import type { NgBlock, NgInterface, NgSection, PcapFile } from './build.ts';

const frameArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 14, maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 9000 }) },
);

const pcapFileArb = (sorted: boolean): fc.Arbitrary<PcapFile> =>
  fc.record({ le: fc.boolean(), ns: fc.boolean() }).chain(({ le, ns }) =>
    fc
      .array(
        fc.record({
          sec: sorted ? fc.integer({ min: 0, max: 100_000 }) : fc.integer({ min: 0, max: 0xffffffff }),
          frac: fc.integer({ min: 0, max: ns ? 999_999_999 : 999_999 }),
          data: frameArb,
        }),
        { maxLength: 12 },
      )
      .map((records) => {
        if (sorted) records.sort((a, b) => a.sec - b.sec || a.frac - b.frac);
        return { le, ns, snaplen: 262144, records };
      }),
  );

/** if_tsresol values: absent (µs), 10^-3, 10^-6, 10^-9, 10^-12, 2^-10, 2^-20, 2^-30. */
const tsresolArb = fc.constantFrom<number | undefined>(undefined, 3, 6, 9, 12, 0x80 | 10, 0x80 | 20, 0x80 | 30);

function unitsPerSec(r: number | undefined): bigint {
  const res = r ?? 6;
  return res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
}

const sectionArb: fc.Arbitrary<{ section: NgSection; ifaces: NgInterface[] }> = fc
  .record({
    le: fc.boolean(),
    ifaces: fc.array(fc.record({ linkType: fc.constant(1), name: fc.string({ maxLength: 12 }), tsresol: tsresolArb }), { minLength: 1, maxLength: 4 }),
  })
  .chain(({ le, ifaces }) =>
    fc
      .array(
        fc.record({
          ifId: fc.integer({ min: 0, max: ifaces.length - 1 }),
          sec: fc.integer({ min: 0, max: 2 ** 33 - 1 }),
          frac: fc.integer({ min: 0, max: 2 ** 30 - 1 }).map((n) => n / 2 ** 30),
          data: frameArb,
          flags: fc.constantFrom<number | undefined>(undefined, 0, 1, 2),
        }),
        { maxLength: 10 },
      )
      .map((packets) => {
        const blocks: NgBlock[] = ifaces.map((iface) => ({ kind: 'idb' as const, iface }));
        for (const p of packets) {
          const per = unitsPerSec(ifaces[p.ifId]!.tsresol);
          const frac = BigInt(Math.floor(p.frac * Number(per))) % per;
          const sec = BigInt(p.sec) % ((1n << 64n) / per); // picoseconds overflow 64 bits after ~213 days
          blocks.push({ kind: 'epb', ifId: p.ifId, ts: sec * per + frac, data: p.data, ...(p.flags === undefined ? {} : { flags: p.flags }) });
        }
        return { section: { le, blocks }, ifaces };
      }),
  );

interface Seen {
  data: number[];
  sec: number;
  nsec: number;
  name: string;
  direction: number;
}

function collect(bytes: Uint8Array): Seen[] {
  return readAllPackets(bytes).map((p) => ({ data: Array.from(p.data), sec: p.tsSec, nsec: p.tsNsec, name: p.interfaceName, direction: p.direction }));
}

describe('round trip: write(read(x)) keeps every frame and timestamp', () => {
  it('classic pcap in either byte order, µs or ns, through PcapWriter at absolute times', () => {
    fc.assert(
      fc.property(pcapFileArb(false), (file) => {
        const r = PcapReader.fromBytes(buildPcap(file));
        const sink = new MemorySink();
        const w = new PcapWriter(sink);
        while (r.next()) w.writeAt(r.data, r.offset, r.length, r.tsSec, r.tsNsec, r.origLength);
        w.close();
        const back = readAllPackets(sink.bytes());
        expect(back).toHaveLength(file.records.length);
        back.forEach((p, i) => {
          const rec = file.records[i]!;
          expect(Buffer.compare(p.data, rec.data)).toBe(0);
          expect([p.tsSec, p.tsNsec]).toEqual([rec.sec, file.ns ? rec.frac : rec.frac * 1000]);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('classic pcap through PcapWriter.write() in virtual time: tsNs since the first packet is preserved', () => {
    fc.assert(
      fc.property(pcapFileArb(true), (file) => {
        const first = readAllPackets(buildPcap(file));
        const sink = new MemorySink();
        const w = new PcapWriter(sink);
        for (const p of first) w.write(p.data, 0, p.data.length, p.tsNs, 0);
        w.close();
        const back = readAllPackets(sink.bytes());
        expect(back.map((p) => p.tsNs)).toEqual(first.map((p) => p.tsNs));
        back.forEach((p, i) => expect(Buffer.compare(p.data, first[i]!.data)).toBe(0));
        // virtual time 0 is written as 1970-01-01T00:00:00Z
        if (back.length > 0) expect([back[0]!.tsSec, back[0]!.tsNsec]).toEqual([0, 0]);
      }),
      { numRuns: 100 },
    );
  });

  it('pcapng with several sections (both byte orders) and interfaces at any resolution, through PcapngWriter', () => {
    fc.assert(
      fc.property(fc.array(sectionArb, { minLength: 1, maxLength: 3 }), (gen) => {
        const bytes = buildPcapng(gen.map((g) => g.section));
        // what the file says, computed independently with BigInt
        const expected: Seen[] = [];
        for (const g of gen) {
          for (const b of g.section.blocks) {
            if (b.kind !== 'epb') continue;
            const [sec, nsec] = oracleSecNs(b.ts, g.ifaces[b.ifId]!.tsresol);
            expected.push({ data: Array.from(b.data), sec, nsec, name: g.ifaces[b.ifId]!.name ?? '', direction: b.flags ?? 0 });
          }
        }
        expect(collect(bytes)).toEqual(expected);

        const r = PcapReader.fromBytes(bytes);
        const sink = new MemorySink();
        const w = new PcapngWriter(sink);
        const ifMap = new Map<number, number>();
        while (r.next()) {
          let id = ifMap.get(r.interfaceIndex);
          if (id === undefined) ifMap.set(r.interfaceIndex, (id = w.addInterface(r.interfaceName)));
          w.writeAt(r.data, r.offset, r.length, r.tsSec, r.tsNsec, id, r.direction, r.origLength);
        }
        w.close();
        expect(collect(sink.bytes())).toEqual(expected);
      }),
      { numRuns: 120 },
    );
  });
});

/** Reads everything, allowing only a CaptureError; returns the number of steps taken. */
function readBounded(bytes: Uint8Array): { steps: number; outcome: 'ok' | 'truncated' | 'error' } {
  const limit = Math.floor(bytes.length / 12) + 2; // every record or block is at least 12 bytes
  let steps = 0;
  try {
    const r = PcapReader.fromBytes(bytes, 'fuzz');
    while (r.next()) {
      expect(r.offset + r.length).toBeLessThanOrEqual(r.data.length);
      expect(r.length).toBeGreaterThanOrEqual(0);
      if (++steps > limit) throw new Error('reader did not make progress');
    }
    return { steps, outcome: r.truncatedTail ? 'truncated' : 'ok' };
  } catch (e) {
    if (e instanceof CaptureError) {
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length);
      return { steps, outcome: 'error' };
    }
    throw e;
  }
}

const interesting = fc.constantFrom(0, 1, 3, 8, 11, 12, 13, 16, 28, 32, 0x7fff, 0xffff, 65536, 262145, 0x7fffffff, 0x80000000, 0xffffffff);

// fc.double leans towards tiny values (it draws over the float encoding): spread positions evenly.
const at01 = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1e6);
const wordArb = fc.record({ at: at01, value: fc.oneof(interesting, fc.nat()) });
const byteArb = fc.record({ at: at01, value: fc.nat(255) });
/** One kind of damage at a time, and all together: a length word, a byte, a cut. */
const none = fc.constant<{ at: number; value: number }[]>([]);
const noCut = fc.constant<number | undefined>(undefined);
const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ words: fc.tuple(wordArb).map((w) => [...w]), bytes: none, cut: noCut }),
  fc.record({ words: none, bytes: fc.array(byteArb, { minLength: 1, maxLength: 4 }), cut: noCut }),
  fc.record({ words: none, bytes: none, cut: at01.map((x): number | undefined => x) }),
  fc.record({ words: fc.array(wordArb, { maxLength: 3 }), bytes: fc.array(byteArb, { maxLength: 3 }), cut: fc.option(at01, { nil: undefined }) }),
);

interface Corruption {
  words: { at: number; value: number }[];
  bytes: { at: number; value: number }[];
  cut: number | undefined;
}

function corrupt(valid: Uint8Array, c: Corruption): Uint8Array {
  let b = valid.slice();
  const view = new DataView(b.buffer);
  for (const w of c.words) {
    // pcapng fields are 4-aligned; pcap record headers sit anywhere: try both
    const at = w.value & 2 ? Math.floor(w.at * b.length) : Math.floor((w.at * b.length) / 4) * 4;
    if (at + 4 <= b.length) view.setUint32(at, w.value >>> 0, (w.value & 1) === 0);
  }
  for (const x of c.bytes) b[Math.floor(x.at * b.length)] = x.value;
  if (c.cut !== undefined) b = b.subarray(0, Math.floor(c.cut * b.length));
  return b;
}

const tally = { ok: 0, truncated: 0, error: 0 };

describe('corrupted files: a CaptureError or a truncation report, never another exception or a hang', () => {
  it('classic pcap with random header, length and byte damage', () => {
    fc.assert(
      fc.property(pcapFileArb(false).filter((f) => f.records.length > 0), corruptionArb, (file, c) => {
        tally[readBounded(corrupt(buildPcap(file), c)).outcome]++;
      }),
      { numRuns: 300 },
    );
  });

  it('pcapng with random header, length and byte damage', () => {
    fc.assert(
      fc.property(fc.array(sectionArb, { minLength: 1, maxLength: 2 }), corruptionArb, (gen, c) => {
        tally[readBounded(corrupt(buildPcapng(gen.map((g) => g.section)), c)).outcome]++;
      }),
      { numRuns: 300 },
    );
    // the damage really reached the checks (not only bytes inside frames)
    expect(tally.error).toBeGreaterThan(60);
    expect(tally.truncated).toBeGreaterThan(30);
    expect(tally.ok).toBeGreaterThan(30);
  });

  it('a clean cut at any byte is a truncation report (or a header error), with every packet before it kept', () => {
    fc.assert(
      fc.property(pcapFileArb(false), fc.boolean(), fc.integer({ min: 0, max: 1e6 }).map((n) => n / 1e6), (file, ng, cutAt) => {
        const bytes = ng
          ? buildPcapng([{ le: file.le, blocks: [{ kind: 'idb', iface: { linkType: 1 } }, ...file.records.map((r) => ({ kind: 'epb' as const, ifId: 0, ts: BigInt(r.sec), data: r.data }))] }])
          : buildPcap(file);
        const cut = Math.floor(cutAt * bytes.length);
        // Where each header, block or record ends: the places a cut leaves a clean file.
        const v = new DataView(bytes.buffer, bytes.byteOffset);
        const header = ng ? v.getUint32(4, file.le) : 24;
        const boundaries = [header];
        if (ng) boundaries.push(header + v.getUint32(header + 4, file.le));
        const packetEnds: number[] = [];
        let end = boundaries[boundaries.length - 1]!;
        for (const r of file.records) {
          end += ng ? 32 + ((r.data.length + 3) & ~3) : 16 + r.data.length;
          packetEnds.push(end);
        }
        const { steps, outcome } = readBounded(bytes.subarray(0, cut));
        if (cut < header) {
          expect(outcome).toBe('error'); // too short to identify the file or its first section
          return;
        }
        expect(steps).toBe(packetEnds.filter((e) => e <= cut).length);
        expect(outcome).toBe([...boundaries, ...packetEnds].includes(cut) ? 'ok' : 'truncated');
      }),
      { numRuns: 300 },
    );
  });
});

/** Everything a reader yields, or the error it stops with. */
function transcript(open: () => PcapReader): string[] {
  const out: string[] = [];
  let r: PcapReader | undefined;
  try {
    r = open();
    while (r.next()) out.push(`${r.recordOffset} ${r.interfaceIndex} ${r.tsSec}.${r.tsNsec} ${Buffer.from(r.data.subarray(r.offset, r.offset + r.length)).toString('hex')}`);
    out.push(r.truncationWarning() ?? 'end');
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    out.push(e.message);
  } finally {
    r?.close();
  }
  return out;
}

describe('streaming equals reading from memory', () => {
  it('a file read through a 64-byte chunk (growing for big records, skipping unknown blocks) yields exactly what memory does, damaged or not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-pcap-stream-'));
    const path = join(dir, 'x.cap');
    try {
      fc.assert(
        fc.property(fc.boolean(), pcapFileArb(false), fc.array(sectionArb, { minLength: 1, maxLength: 2 }), corruptionArb, (ng, file, gen, c) => {
          const bytes = corrupt(ng ? buildPcapng(gen.map((g) => g.section)) : buildPcap(file), c);
          writeFileSync(path, bytes);
          expect(transcript(() => PcapReader.open(path, { chunkSize: 64 }))).toEqual(transcript(() => PcapReader.fromBytes(bytes, path)));
        }),
        { numRuns: 150 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
