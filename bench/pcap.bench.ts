import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite } from './case.ts';
import { FileSink, MemorySink, NullSink, PcapReader, PcapWriter, PcapngWriter } from '../src/pcap/index.ts';

/** 64 frames in IMIX proportions (7:4:1 of 60/590/1514 bytes, as a pcap holds them). */
const PACKETS = 64;
const SIZES = Array.from({ length: PACKETS }, (_, i) => [60, 60, 590, 60, 60, 590, 1514, 60, 590, 60, 60, 590][i % 12]!);
const frames = new Uint8Array(PACKETS * 1514);
for (let i = 0; i < frames.length; i++) frames[i] = i & 0xff;

function capture(ng: boolean): Uint8Array {
  const sink = new MemorySink();
  const w = ng ? new PcapngWriter(sink, { interfaces: ['lan', 'wan'] }) : new PcapWriter(sink);
  for (let i = 0; i < PACKETS; i++) w.write(frames, i * 1514, SIZES[i]!, i * 1000, i & 1);
  w.close();
  return sink.bytes();
}

/** Replays all 64 records (rewind + next), touching each frame's first byte. */
function replay(r: PcapReader): () => void {
  let sink = 0;
  return () => {
    r.rewind();
    while (r.next()) sink ^= r.data[r.offset]! + r.length + r.tsNs;
    if (sink === -1) throw new Error('unreachable');
  };
}

/** A temp file the reader keeps open; removed right away (Linux keeps the open file readable). */
function tempFileReader(bytes: Uint8Array): PcapReader {
  const dir = mkdtempSync(join(tmpdir(), 'flowsim-bench-pcap-'));
  const path = join(dir, 'c.pcap');
  writeFileSync(path, bytes);
  const r = PcapReader.open(path);
  rmSync(dir, { recursive: true, force: true });
  return r;
}

export default defineSuite('pcap', [
  {
    name: 'pcap read, 64 mixed packets (memory)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => replay(PcapReader.fromBytes(capture(false))),
  },
  {
    name: 'pcap read, 64 mixed packets (file, readSync per pass)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => replay(tempFileReader(capture(false))),
  },
  {
    name: 'pcapng read, 64 mixed packets (memory)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => replay(PcapReader.fromBytes(capture(true))),
  },
  {
    name: 'pcap write, 64 mixed packets (buffer only)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => {
      const w = new PcapWriter(new NullSink());
      let t = 0;
      return () => {
        for (let i = 0; i < PACKETS; i++) w.write(frames, i * 1514, SIZES[i]!, (t += 1000), 0);
      };
    },
  },
  {
    name: 'pcap write, 64 mixed packets (writeSync to /dev/null)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => {
      const w = new PcapWriter(new FileSink('/dev/null'));
      let t = 0;
      return () => {
        for (let i = 0; i < PACKETS; i++) w.write(frames, i * 1514, SIZES[i]!, (t += 1000), 0);
      };
    },
  },
  {
    name: 'pcapng write, 64 mixed packets, epb_flags (buffer only)',
    mode: null,
    flows: null,
    packetsPerCall: PACKETS,
    setup: () => {
      const w = new PcapngWriter(new NullSink(), { interfaces: ['lan', 'wan'] });
      let t = 0;
      return () => {
        for (let i = 0; i < PACKETS; i++) w.write(frames, i * 1514, SIZES[i]!, (t += 1000), i & 1, 1 + (i & 1));
      };
    },
  },
]);
