import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIRECTION_INBOUND, DIRECTION_OUTBOUND, PcapWriter, PcapngWriter, PerInterfacePcapWriter } from '../../src/pcap/index.ts';

/**
 * The files flowsim writes must open in the real tools: libpcap's reader (via `tcpdump -r`) must
 * count every frame and print nothing on stderr but its "reading from file …" banner. CI installs
 * tcpdump, so there a missing tcpdump is a failure; elsewhere the test is skipped, saying why.
 * FLOWSIM_TCPDUMP names another binary.
 */
const TCPDUMP = process.env.FLOWSIM_TCPDUMP ?? 'tcpdump';
const probe = spawnSync(TCPDUMP, ['--version'], { encoding: 'utf8' });
const haveTcpdump = probe.status === 0;
if (!haveTcpdump && process.env.CI) {
  throw new Error('tcpdump is required in CI (apt-get install -y tcpdump) but was not found');
}
const skipReason = 'tcpdump not installed (apt-get install -y tcpdump); CI runs this test';
if (!haveTcpdump) console.warn(`test/pcap/tcpdump.test.ts skipped: ${skipReason}`);

/** A minimal IPv4/UDP frame so tcpdump has something real to decode. */
function udpFrame(len: number, seq: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  const ipLen = len - 14;
  const ip = [0x45, 0, ipLen >> 8, ipLen & 0xff, seq >> 8, seq & 0xff, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 7];
  f.set(ip, 14);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f[24] = ~sum >> 8;
  f[25] = ~sum & 0xff;
  const udpLen = ipLen - 20;
  f.set([0x9c, 0x40, 0x9c, 0x41, udpLen >> 8, udpLen & 0xff, 0, 0], 34);
  for (let i = 42; i < len; i++) f[i] = i & 0xff;
  return f;
}

const SIZES = [60, 590, 1514, 60, 9014, 128, 60, 1514];

function tcpdump(path: string): { lines: string[]; stderr: string[] } {
  const r = spawnSync(TCPDUMP, ['-r', path, '-nn', '-tt', '--nano'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return {
    lines: r.stdout.split('\n').filter((l) => l.length > 0),
    stderr: r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('reading from file ')),
  };
}

describe.skipIf(!haveTcpdump)(`files written by flowsim open in tcpdump -r${haveTcpdump ? '' : ` (skipped: ${skipReason})`}`, () => {
  it('a classic pcap (ns magic, LE, snaplen 262144): every frame, nanosecond times from virtual time 0, no warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-tcpdump-'));
    try {
      const path = join(dir, 'wan.pcap');
      const w = PcapWriter.open(path);
      SIZES.forEach((n, i) => w.write(udpFrame(n, i), 0, n, 1_000_000_000 * i + 7, 0));
      w.close();
      const { lines, stderr } = tcpdump(path);
      expect(stderr).toEqual([]);
      expect(lines).toHaveLength(SIZES.length);
      expect(lines[0]).toMatch(/^0\.000000007 IP 192\.0\.2\.1\.40000 > 198\.51\.100\.7\.40001: UDP, length 18$/);
      expect(lines[3]).toMatch(/^3\.000000007 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one pcap per interface through PerInterfacePcapWriter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-tcpdump-'));
    try {
      const paths = ['lan', 'wan', 'ppe'].map((n) => join(dir, `${n}.pcap`));
      const w = new PerInterfacePcapWriter(paths);
      SIZES.forEach((n, i) => w.write(udpFrame(n, i), 0, n, i * 1000, i % 3));
      w.close();
      const counts = paths.map((p) => {
        const { lines, stderr } = tcpdump(p);
        expect(stderr).toEqual([]);
        return lines.length;
      });
      expect(counts).toEqual([3, 3, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pcapng with one IDB per device, if_tsresol 9 and epb_flags: every frame, no warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsim-tcpdump-'));
    try {
      const path = join(dir, 'all.pcapng');
      const w = PcapngWriter.open(path, { interfaces: ['lan', 'wan/ingress', 'ft:hit'] });
      SIZES.forEach((n, i) => w.write(udpFrame(n, i), 0, n, 1_000_000_000 * i + 123_456_789, i % 3, i % 2 ? DIRECTION_OUTBOUND : DIRECTION_INBOUND));
      w.close();
      const { lines, stderr } = tcpdump(path);
      expect(stderr).toEqual([]);
      expect(lines).toHaveLength(SIZES.length);
      expect(lines[1]).toMatch(/^1\.123456789 IP /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
