/**
 * Capture writers: classic pcap (one file per interface) and pcapng (one file, one Interface
 * Description Block per device).
 *
 * Time: `write()` takes the simulator's virtual time in ns. Virtual time 0 is written as the
 * epoch `epochSec` (default 0, i.e. 1970-01-01T00:00:00Z), so Wireshark's absolute times read
 * directly as virtual time ("00:00:01.5" = 1.5 s into the scenario). `writeAt()` takes an absolute
 * (seconds, nanoseconds) pair instead, to copy a capture's real timestamps.
 *
 * Both write little-endian files at nanosecond resolution (pcap magic 0xA1B23C4D; pcapng
 * `if_tsresol` = 9), snaplen 262144, LinkType Ethernet (1). Records are encoded into one reusable
 * buffer (1 MiB) and handed to the sink with fs.writeSync when it fills and on close(). Frames up
 * to 128 bytes are copied without any allocation; larger ones through one short-lived subarray
 * view (TypedArray.set has no source range; a byte loop is ~20x slower on Node 20). Frames longer
 * than the snaplen are cut, keeping their original length.
 */
import { utf8Bytes } from './utf8.ts';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_SHB,
  DIRECTION_UNKNOWN,
  LINKTYPE_ETHERNET,
  MAX_CAPTURED_LEN,
  OPT_ENDOFOPT,
  OPT_EPB_FLAGS,
  OPT_IF_NAME,
  OPT_IF_TSRESOL,
  OPT_SHB_USERAPPL,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAP_MAGIC_NS,
  PCAP_RECORD_HEADER_LEN,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  WRITER_SNAPLEN,
  pad4,
} from './format.ts';
import { FileSink } from './sink.ts';
import type { ByteSink } from './sink.ts';
import { secNsToUnits } from './time.ts';

export const DEFAULT_WRITE_BUFFER = 1024 * 1024;
/** Frames up to this many bytes are copied without allocating (see copyFrame). */
const SMALL_FRAME = 128;

/** What the simulator needs from any capture writer. */
export interface CaptureWriter {
  /** Records frame bytes [offset, offset + length) at virtual time `tsNs` on interface `ifIndex`. */
  write(bytes: Uint8Array, offset: number, length: number, tsNs: number, ifIndex: number): void;
  /** Flushes and closes; the writer cannot be used afterwards. */
  close(): void;
}

export interface WriterOptions {
  /** Seconds since 1970 that virtual time 0 is written as (default 0: 1970-01-01T00:00:00Z). */
  readonly epochSec?: number;
  /** Largest captured length per record (default 262144, at most 262144). */
  readonly snaplen?: number;
  /** Output buffer size in bytes (default 1 MiB). */
  readonly bufferSize?: number;
}

/** Shared output buffering: encode into `buf` at `fill`, hand full chunks to the sink. */
abstract class BufferedOutput {
  protected buf: Uint8Array;
  protected view: DataView;
  protected fill = 0;
  protected readonly sink: ByteSink;
  protected readonly snaplen: number;
  protected readonly epochSec: number;
  private closed = false;
  /** Records written so far. */
  packets = 0;
  /** Scratch for the virtual-time split (seconds, nanoseconds). */
  protected readonly tsOut = new Float64Array(2);

  constructor(sink: ByteSink, options: WriterOptions) {
    this.sink = sink;
    const size = Math.max(options.bufferSize ?? DEFAULT_WRITE_BUFFER, MAX_CAPTURED_LEN + 1024);
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.snaplen = Math.min(options.snaplen ?? WRITER_SNAPLEN, MAX_CAPTURED_LEN);
    if (!(this.snaplen > 0)) throw new RangeError(`snaplen must be positive, got ${options.snaplen}`);
    this.epochSec = options.epochSec ?? 0;
    if (!Number.isSafeInteger(this.epochSec) || this.epochSec < 0) throw new RangeError(`epochSec must be a non-negative integer`);
  }

  /** Makes room for `n` more bytes, flushing first if needed. */
  protected reserve(n: number): void {
    if (this.closed) throw new Error('capture writer used after close()');
    if (this.fill + n > this.buf.length) this.flush();
  }

  private srcBytes: Uint8Array | null = null;
  private srcView: DataView | null = null;

  /**
   * Copies frame bytes [offset, offset + n) of `bytes` into the output buffer at `at`.
   * TypedArray.set has no source range, so set(subarray()) costs one short-lived view object.
   * Small frames (most of a packet mix) are copied word by word through a DataView cached per
   * source buffer instead: no allocation, and about as fast as a view up to ~128 bytes.
   */
  protected copyFrame(bytes: Uint8Array, offset: number, n: number, at: number): void {
    if (n > SMALL_FRAME) {
      this.buf.set(bytes.subarray(offset, offset + n), at);
      return;
    }
    let src = this.srcView;
    if (this.srcBytes !== bytes || src === null) {
      src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.srcBytes = bytes;
      this.srcView = src;
    }
    const dst = this.view;
    let i = 0;
    // same byte order on both sides, so this is a plain copy; little-endian needs no swap on x86/ARM
    for (; i + 4 <= n; i += 4) dst.setUint32(at + i, src.getUint32(offset + i, true), true);
    for (; i < n; i++) this.buf[at + i] = bytes[offset + i]!;
  }

  /** Refuses a timestamp the format cannot hold (rather than wrapping it silently). */
  protected checkAbs(sec: number, nsec: number, maxSec: number): void {
    if (!(sec >= 0 && sec <= maxSec && nsec >= 0 && nsec < 1e9)) {
      throw new RangeError(`timestamp ${sec} s + ${nsec} ns out of range (seconds 0..${maxSec}, ns 0..999999999)`);
    }
  }

  /** Splits virtual ns into (seconds since 1970, ns) in tsOut. */
  protected virtualToAbs(tsNs: number): void {
    if (!(tsNs >= 0) || tsNs > Number.MAX_SAFE_INTEGER) throw new RangeError(`virtual time ${tsNs} ns out of range`);
    const t = Math.floor(tsNs);
    let sec = Math.floor(t / 1e9);
    let nsec = t - sec * 1e9;
    if (nsec < 0) {
      sec--;
      nsec += 1e9;
    } else if (nsec >= 1e9) {
      sec++;
      nsec -= 1e9;
    }
    this.tsOut[0] = sec + this.epochSec;
    this.tsOut[1] = nsec;
  }

  /** Hands the buffered bytes to the sink. */
  flush(): void {
    if (this.fill > 0) {
      this.sink.write(this.buf, 0, this.fill);
      this.fill = 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sink.close();
  }
}

/** Classic pcap, little-endian, nanosecond magic, LinkType Ethernet: one file per interface. */
export class PcapWriter extends BufferedOutput implements CaptureWriter {
  constructor(sink: ByteSink, options: WriterOptions = {}) {
    super(sink, options);
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC_NS, true);
    v.setUint16(4, PCAP_VERSION_MAJOR, true);
    v.setUint16(6, PCAP_VERSION_MINOR, true);
    v.setUint32(8, 0, true); // reserved1 (thiszone)
    v.setUint32(12, 0, true); // reserved2 (sigfigs)
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, LINKTYPE_ETHERNET, true);
    this.fill = 24;
  }

  /** Creates (or truncates) `path` and writes the file header. */
  static open(path: string, options: WriterOptions = {}): PcapWriter {
    return new PcapWriter(new FileSink(path), options);
  }

  /** Records a frame at virtual time `tsNs`. `ifIndex` is ignored: a pcap file is one interface. */
  write(bytes: Uint8Array, offset: number, length: number, tsNs: number, _ifIndex = 0): void {
    this.virtualToAbs(tsNs);
    this.writeAt(bytes, offset, length, this.tsOut[0]!, this.tsOut[1]!, length);
  }

  /** Records a frame at absolute time (sec since 1970, nsec within the second). */
  writeAt(bytes: Uint8Array, offset: number, length: number, sec: number, nsec: number, origLength = length): void {
    this.checkAbs(sec, nsec, 0xffffffff); // ts_sec is a u32: up to 2106
    const cap = Math.min(length, this.snaplen);
    this.reserve(PCAP_RECORD_HEADER_LEN + cap);
    const v = this.view;
    const p = this.fill;
    v.setUint32(p, sec, true);
    v.setUint32(p + 4, nsec, true);
    v.setUint32(p + 8, cap, true);
    v.setUint32(p + 12, Math.max(origLength, cap), true);
    this.copyFrame(bytes, offset, cap, p + PCAP_RECORD_HEADER_LEN);
    this.fill = p + PCAP_RECORD_HEADER_LEN + cap;
    this.packets++;
  }
}

/** One classic pcap file per interface: `write(…, ifIndex)` goes to the file of `ifIndex`. */
export class PerInterfacePcapWriter implements CaptureWriter {
  private readonly writers: PcapWriter[];

  /** Opens one pcap file per path; interface i writes to paths[i]. */
  constructor(paths: readonly string[], options: WriterOptions = {}) {
    this.writers = [];
    try {
      for (const p of paths) this.writers.push(PcapWriter.open(p, options));
    } catch (e) {
      for (const w of this.writers) w.close();
      throw e;
    }
  }

  write(bytes: Uint8Array, offset: number, length: number, tsNs: number, ifIndex: number): void {
    const w = this.writers[ifIndex];
    if (w === undefined) throw new RangeError(`no pcap file for interface ${ifIndex}`);
    w.write(bytes, offset, length, tsNs, ifIndex);
  }

  close(): void {
    for (const w of this.writers) w.close();
  }
}

export interface PcapngWriterOptions extends WriterOptions {
  /** Interface names, one IDB each, written up front (more with addInterface()). */
  readonly interfaces?: readonly string[];
  /** shb_userappl of the Section Header Block (default "flowsim"). */
  readonly application?: string;
}

/** pcapng, little-endian, one section, one IDB per device, Enhanced Packet Blocks in ns. */
export class PcapngWriter extends BufferedOutput implements CaptureWriter {
  private interfaces = 0;

  constructor(sink: ByteSink, options: PcapngWriterOptions = {}) {
    super(sink, options);
    this.writeShb(options.application ?? 'flowsim');
    for (const name of options.interfaces ?? []) this.addInterface(name);
  }

  /** Creates (or truncates) `path` and writes the section header and the interfaces. */
  static open(path: string, options: PcapngWriterOptions = {}): PcapngWriter {
    return new PcapngWriter(new FileSink(path), options);
  }

  get interfaceCount(): number {
    return this.interfaces;
  }

  /** Writes an Interface Description Block (if_name, if_tsresol = 9) and returns its id. */
  addInterface(name: string, linkType = LINKTYPE_ETHERNET): number {
    const nameBytes = utf8Bytes(name);
    if (nameBytes.length > 0xffff) throw new RangeError('interface name too long');
    const optLen = (nameBytes.length > 0 ? 4 + pad4(nameBytes.length) : 0) + 8 + 4;
    const len = 16 + optLen + 4;
    this.reserve(len);
    const v = this.view;
    let p = this.fill;
    v.setUint32(p, BLOCK_IDB, true);
    v.setUint32(p + 4, len, true);
    v.setUint16(p + 8, linkType, true);
    v.setUint16(p + 10, 0, true);
    v.setUint32(p + 12, this.snaplen, true);
    p += 16;
    if (nameBytes.length > 0) p = this.option(p, OPT_IF_NAME, nameBytes);
    v.setUint16(p, OPT_IF_TSRESOL, true);
    v.setUint16(p + 2, 1, true);
    v.setUint32(p + 4, 9, true); // 10^-9 s; the 3 padding bytes are zero
    v.setUint32(p + 8, OPT_ENDOFOPT, true);
    v.setUint32(p + 12, len, true);
    this.fill = p + 16;
    return this.interfaces++;
  }

  /**
   * Records a frame at virtual time `tsNs` on interface `ifIndex`; a non-zero `direction`
   * (1 inbound, 2 outbound) is written as epb_flags.
   */
  write(bytes: Uint8Array, offset: number, length: number, tsNs: number, ifIndex: number, direction = DIRECTION_UNKNOWN): void {
    this.virtualToAbs(tsNs);
    this.writeAt(bytes, offset, length, this.tsOut[0]!, this.tsOut[1]!, ifIndex, direction, length);
  }

  /** Records a frame at absolute time (sec since 1970, nsec within the second). */
  writeAt(
    bytes: Uint8Array,
    offset: number,
    length: number,
    sec: number,
    nsec: number,
    ifIndex: number,
    direction = DIRECTION_UNKNOWN,
    origLength = length,
  ): void {
    if (ifIndex >= this.interfaces || ifIndex < 0) throw new RangeError(`interface ${ifIndex} not described (have ${this.interfaces})`);
    this.checkAbs(sec, nsec, 2 ** 34 - 1); // 64-bit ns count: kept to what secNsToUnits splits exactly
    const cap = Math.min(length, this.snaplen);
    const padded = pad4(cap);
    const optLen = direction !== DIRECTION_UNKNOWN ? 12 : 0;
    const len = 28 + padded + optLen + 4;
    this.reserve(len);
    secNsToUnits(sec, nsec, this.tsOut);
    const v = this.view;
    const b = this.buf;
    const p = this.fill;
    v.setUint32(p, BLOCK_EPB, true);
    v.setUint32(p + 4, len, true);
    v.setUint32(p + 8, ifIndex, true);
    v.setUint32(p + 12, this.tsOut[0]!, true);
    v.setUint32(p + 16, this.tsOut[1]!, true);
    v.setUint32(p + 20, cap, true);
    v.setUint32(p + 24, Math.max(origLength, cap), true);
    this.copyFrame(bytes, offset, cap, p + 28);
    let q = p + 28 + cap;
    while (q < p + 28 + padded) b[q++] = 0;
    if (optLen !== 0) {
      v.setUint16(q, OPT_EPB_FLAGS, true);
      v.setUint16(q + 2, 4, true);
      v.setUint32(q + 4, direction & 3, true);
      v.setUint32(q + 8, OPT_ENDOFOPT, true);
      q += 12;
    }
    v.setUint32(q, len, true);
    this.fill = q + 4;
    this.packets++;
  }

  private writeShb(application: string): void {
    const app = utf8Bytes(application);
    const optLen = (app.length > 0 ? 4 + pad4(app.length) : 0) + 4;
    const len = 24 + optLen + 4;
    this.reserve(len);
    const v = this.view;
    let p = this.fill;
    v.setUint32(p, BLOCK_SHB, true);
    v.setUint32(p + 4, len, true);
    v.setUint32(p + 8, PCAPNG_BYTE_ORDER_MAGIC, true);
    v.setUint16(p + 12, 1, true);
    v.setUint16(p + 14, 0, true);
    v.setInt32(p + 16, -1, true); // section length unknown (-1 as an i64)
    v.setInt32(p + 20, -1, true);
    p += 24;
    if (app.length > 0) p = this.option(p, OPT_SHB_USERAPPL, app);
    v.setUint32(p, OPT_ENDOFOPT, true);
    v.setUint32(p + 4, len, true);
    this.fill = p + 8;
  }

  /** Writes one option (code, length, value padded with zeros) at p; returns the next offset. */
  private option(p: number, code: number, value: Uint8Array): number {
    this.view.setUint16(p, code, true);
    this.view.setUint16(p + 2, value.length, true);
    this.buf.set(value, p + 4);
    const end = p + 4 + pad4(value.length);
    this.buf.fill(0, p + 4 + value.length, end);
    return end;
  }
}
