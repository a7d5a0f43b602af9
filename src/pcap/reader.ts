/**
 * Streaming reader for classic pcap and pcapng files.
 *
 * Shaped for replay at simulator speed: `next()` advances to the following packet and the
 * current record is read through getters — the frame is (`data`, `offset`, `length`), a view into
 * the reader's chunk buffer that stays valid until the next call to `next()`, `rewind()` or
 * `close()`. Nothing is allocated per record (interface names are decoded once per Interface
 * Description Block). Files are read with readSync in 1 MiB chunks, so a capture larger than
 * memory replays in bounded memory.
 *
 * Timestamps: `tsSec` and `tsNsec` are the absolute time (seconds since 1970 and nanoseconds
 * within the second), kept apart because nanoseconds since 1970 (~1.8e18) are far beyond float64's
 * exact 2^53 (2^53 ns is only ~104 days). `tsNs` is virtual time: nanoseconds since the file's
 * first packet, exact while the capture spans less than ~104 days; it is negative for a packet
 * stamped earlier than the first (pcapng files interleaving interfaces need not be sorted).
 *
 * Frames: every record whose link layer can be framed as Ethernet comes out as an Ethernet frame
 * with `linkType` 1 (see link.ts for the synthesised header of cooked and raw IP captures);
 * others keep their own `linkType`. A trailing FCS the file declares (pcap LinkType FCS bits,
 * pcapng `if_fcslen`) is trimmed from Ethernet frames that were captured whole.
 *
 * Errors: a malformed file throws CaptureError with the byte offset of the header, record or
 * block at fault. A file that simply stops in the middle of its last record is not an error: the
 * packets before it are delivered, then `next()` returns false with `truncatedTail` set and
 * `truncatedOffset` giving where the incomplete record starts. Hard caps (captured length at most
 * 256 KiB, buffered pcapng blocks at most 4 MiB, block lengths >= 12 and multiples of 4) keep a
 * corrupted length from causing a huge allocation, and every step consumes at least 12 bytes, so
 * no input can make the reader loop.
 */
import { CaptureError, hex32 } from './errors.ts';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_OPB,
  BLOCK_SHB,
  BLOCK_SPB,
  DIRECTION_UNKNOWN,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  MAX_BUFFERED_BLOCK,
  MAX_CAPTURED_LEN,
  OPT_ENDOFOPT,
  OPT_EPB_FLAGS,
  OPT_IF_FCSLEN,
  OPT_IF_NAME,
  OPT_IF_TSOFFSET,
  OPT_IF_TSRESOL,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_BYTE_ORDER_MAGIC_SWAPPED,
  PCAPNG_MIN_BLOCK,
  PCAP_FILE_HEADER_LEN,
  PCAP_LINK_FCS_PRESENT,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_NS_SWAPPED,
  PCAP_MAGIC_US,
  PCAP_MAGIC_US_SWAPPED,
  PCAP_RECORD_HEADER_LEN,
  PCAP_VERSION_MAJOR,
  pad4,
} from './format.ts';
import {
  ETH_HEADER_LEN,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  SLL2_HEADER_LEN,
  SLL_HEADER_LEN,
  rawEtherType,
  sll2ToEthernetInPlace,
  sllDirection,
  sllEtherType,
  sllToEthernetInPlace,
  writeBareEthernetHeader,
} from './link.ts';
import { ChunkSource, DEFAULT_CHUNK_SIZE } from './source.ts';
import { RES_POW10, RES_POW2, unitsToSecNs } from './time.ts';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface PcapReaderOptions {
  /** Initial chunk size in bytes (default 1 MiB); grows only for a record larger than it. */
  readonly chunkSize?: number;
}

const utf8 = new TextDecoder('utf-8');

export class PcapReader {
  /** File name (or the label given to an in-memory capture), as used in error messages. */
  readonly file: string;
  readonly format: CaptureFormat;
  /** Classic pcap only: true for the nanosecond magic 0xA1B23C4D. */
  readonly nanosecondPcap: boolean = false;

  /** True when the file ended inside a record; the records before it were delivered. */
  truncatedTail = false;
  /** Byte offset where the incomplete last record starts, or -1. */
  truncatedOffset = -1;
  /** What the incomplete record lacked, e.g. "truncated record: needs 1530 bytes, 200 present". */
  truncationDetail = '';

  private readonly src: ChunkSource;
  private le = true;
  private done = false;
  private closed = false;

  // Classic pcap file header.
  private snaplen = 0;

  // Interfaces, file-wide (pcapng sections append; classic pcap has exactly one).
  private readonly ifNames: string[] = [];
  private readonly ifLinkTypes: number[] = [];
  private readonly ifSnaplens: number[] = [];
  private readonly ifResKinds: number[] = [];
  private readonly ifResExps: number[] = [];
  private readonly ifTsOffsets: number[] = [];
  private readonly ifFcsBytes: number[] = [];
  /** File-wide index of the current section's interface 0, and the section's interface count. */
  private sectionFirstIf = 0;
  private sectionIfCount = 0;

  // The current record.
  private _data: Uint8Array;
  private _offset = 0;
  private _length = 0;
  private _origLength = 0;
  private _tsSec = 0;
  private _tsNsec = 0;
  private _tsNs = 0;
  private _ifId = 0;
  private _ifIndex = 0;
  private _linkType = 0;
  private _direction = DIRECTION_UNKNOWN;
  private _recordOffset = -1;
  private firstSec = 0;
  private firstNsec = 0;
  private haveFirst = false;

  /** 14 bytes overwritten by a synthesised Ethernet header, put back on the next call. */
  private readonly saved = new Uint8Array(ETH_HEADER_LEN);
  private savedAt = -1;
  /** Frame buffer for the one case with no room for an in-place header (raw IP in an SPB). */
  private scratch: Uint8Array | null = null;
  private readonly ts = new Float64Array(2);

  private constructor(src: ChunkSource, file: string) {
    this.src = src;
    this.file = file;
    this._data = src.bytes;
    if (!src.ensure(4)) throw this.error(0, `file too short for a capture header (${src.available} bytes)`);
    const magicLe = src.view.getUint32(src.pos, true);
    if (magicLe === BLOCK_SHB) {
      this.format = 'pcapng';
      this.readShb(true);
      return;
    }
    this.format = 'pcap';
    if (magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS) this.le = true;
    else if (magicLe === PCAP_MAGIC_US_SWAPPED || magicLe === PCAP_MAGIC_NS_SWAPPED) this.le = false;
    else throw this.error(0, `bad magic ${hex32(src.view.getUint32(src.pos, false))} (neither pcap nor pcapng)`);
    this.nanosecondPcap = magicLe === PCAP_MAGIC_NS || magicLe === PCAP_MAGIC_NS_SWAPPED;
    this.readPcapHeader();
  }

  /** Opens a capture file for streaming. Throws CaptureError if its header is bad. */
  static open(path: string, options: PcapReaderOptions = {}): PcapReader {
    const src = ChunkSource.openFile(path, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    try {
      return new PcapReader(src, path);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /**
   * Reads a capture held in memory. `bytes` is read in place; while a cooked or raw IP record is
   * current, 14 bytes of its already-parsed header hold the synthesised Ethernet header, put back
   * on the next call (so do not read the same array through a second reader at the same time).
   */
  static fromBytes(bytes: Uint8Array, name = '<memory>'): PcapReader {
    return new PcapReader(ChunkSource.fromBytes(bytes), name);
  }

  // ---- the current record -------------------------------------------------------------------

  /** Buffer holding the current frame: bytes [offset, offset + length). Valid until next(). */
  get data(): Uint8Array {
    return this._data;
  }
  get offset(): number {
    return this._offset;
  }
  /** Captured length of the frame as delivered (after any Ethernet framing or FCS trim). */
  get length(): number {
    return this._length;
  }
  /** Length of the packet on the wire, adjusted like `length`. */
  get origLength(): number {
    return this._origLength;
  }
  /** Seconds since 1970-01-01T00:00:00Z. */
  get tsSec(): number {
    return this._tsSec;
  }
  /** Nanoseconds within the second, 0..999 999 999. */
  get tsNsec(): number {
    return this._tsNsec;
  }
  /** Virtual time: nanoseconds since the file's first packet (exact below ~104 days). */
  get tsNs(): number {
    return this._tsNs;
  }
  /** Interface id as the file says it (the IDB's index within its pcapng section; 0 in pcap). */
  get interfaceId(): number {
    return this._ifId;
  }
  /** File-wide interface index, counting IDBs across all pcapng sections. */
  get interfaceIndex(): number {
    return this._ifIndex;
  }
  /** if_name of the current record's interface ('' when the file names none). */
  get interfaceName(): string {
    return this.ifNames[this._ifIndex] ?? '';
  }
  /** LinkType of the delivered frame: 1 (Ethernet) after framing, else the interface's own. */
  get linkType(): number {
    return this._linkType;
  }
  /** 0 unknown, 1 inbound, 2 outbound (epb_flags bits 0-1, or the SLL packet type). */
  get direction(): number {
    return this._direction;
  }
  /** Byte offset of the current record (pcap record header or pcapng block) in the file. */
  get recordOffset(): number {
    return this._recordOffset;
  }

  // ---- interfaces -----------------------------------------------------------------------------

  /** Interfaces described so far (pcapng IDBs appear as the file is read; pcap has one). */
  get interfaceCount(): number {
    return this.ifNames.length;
  }
  interfaceNameAt(index: number): string {
    return this.ifNames[index] ?? '';
  }
  /** The interface's LinkType as declared in the file (before any Ethernet framing). */
  interfaceLinkTypeAt(index: number): number {
    return this.ifLinkTypes[index] ?? -1;
  }

  /** "file: offset N: truncated record: …" for a truncated tail, else null. */
  truncationWarning(): string | null {
    return this.truncatedTail ? `${this.file}: offset ${this.truncatedOffset}: ${this.truncationDetail}` : null;
  }

  // ---- iteration ------------------------------------------------------------------------------

  /** Advances to the next packet. Returns false at the end of the file (or of a truncated tail). */
  next(): boolean {
    if (this.savedAt >= 0) this.restoreSaved();
    if (this.done) return false;
    return this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
  }

  /** Starts again from the first packet (pcapng interfaces are re-read as their blocks recur). */
  rewind(): void {
    if (this.closed) throw new Error('PcapReader.rewind() after close()');
    if (this.savedAt >= 0) this.restoreSaved();
    this.src.rewind();
    this.done = false;
    this.truncatedTail = false;
    this.truncatedOffset = -1;
    this.truncationDetail = '';
    this.haveFirst = false;
    this._recordOffset = -1;
    if (this.format === 'pcap') {
      this.src.skip(PCAP_FILE_HEADER_LEN);
    } else {
      this.ifNames.length = 0;
      this.ifLinkTypes.length = 0;
      this.ifSnaplens.length = 0;
      this.ifResKinds.length = 0;
      this.ifResExps.length = 0;
      this.ifTsOffsets.length = 0;
      this.ifFcsBytes.length = 0;
      this.readShb(true);
    }
  }

  close(): void {
    if (this.savedAt >= 0) this.restoreSaved();
    this.closed = true;
    this.done = true;
    this.src.close();
  }

  // ---- classic pcap ---------------------------------------------------------------------------

  private readPcapHeader(): void {
    const s = this.src;
    if (!s.ensure(PCAP_FILE_HEADER_LEN)) {
      throw this.error(0, `file too short for a pcap header (${s.available} of ${PCAP_FILE_HEADER_LEN} bytes)`);
    }
    const v = s.view;
    const p = s.pos;
    const major = v.getUint16(p + 4, this.le);
    const minor = v.getUint16(p + 6, this.le);
    if (major !== PCAP_VERSION_MAJOR) throw this.error(4, `unsupported pcap version ${major}.${minor}`);
    this.snaplen = v.getUint32(p + 16, this.le);
    const linkField = v.getUint32(p + 20, this.le);
    this.ifNames.push('');
    this.ifLinkTypes.push(linkField & 0xffff);
    this.ifSnaplens.push(this.snaplen);
    this.ifResKinds.push(RES_POW10);
    this.ifResExps.push(this.nanosecondPcap ? 9 : 6);
    this.ifTsOffsets.push(0);
    // bits 31..28 hold the FCS length in 16-bit words when bit 26 says they are present
    this.ifFcsBytes.push(linkField & PCAP_LINK_FCS_PRESENT ? (linkField >>> 28) * 2 : 0);
    this.sectionIfCount = 1;
    s.skip(PCAP_FILE_HEADER_LEN);
  }

  private nextPcap(): boolean {
    const s = this.src;
    const at = s.offset;
    if (!s.ensure(PCAP_RECORD_HEADER_LEN)) return this.endOrTruncated(at, PCAP_RECORD_HEADER_LEN);
    const v = s.view;
    let p = s.pos;
    let sec = v.getUint32(p, this.le);
    let frac = v.getUint32(p + 4, this.le);
    const cap = v.getUint32(p + 8, this.le);
    const orig = v.getUint32(p + 12, this.le);
    if (cap > MAX_CAPTURED_LEN) {
      throw this.error(at, `record length ${cap} exceeds the ${MAX_CAPTURED_LEN}-byte limit`);
    }
    if (this.snaplen !== 0 && cap > this.snaplen) {
      throw this.error(at, `record length ${cap} exceeds snaplen ${this.snaplen}`);
    }
    if (!s.ensure(PCAP_RECORD_HEADER_LEN + cap)) return this.endOrTruncated(at, PCAP_RECORD_HEADER_LEN + cap);
    p = s.pos;
    // A fraction of a second or more in the fraction field (buggy writers) carries into seconds.
    const unit = this.nanosecondPcap ? 1e9 : 1e6;
    if (frac >= unit) {
      sec += Math.floor(frac / unit);
      frac %= unit;
    }
    this._recordOffset = at;
    this._ifId = 0;
    this._ifIndex = 0;
    this._direction = DIRECTION_UNKNOWN;
    this.setTime(sec, this.nanosecondPcap ? frac : frac * 1000);
    this.deliver(0, p + PCAP_RECORD_HEADER_LEN, cap, orig, PCAP_RECORD_HEADER_LEN);
    s.skip(PCAP_RECORD_HEADER_LEN + cap);
    return true;
  }

  // ---- pcapng ---------------------------------------------------------------------------------

  private nextPcapng(): boolean {
    const s = this.src;
    for (;;) {
      const at = s.offset;
      if (!s.ensure(8)) return this.endOrTruncated(at, 8);
      const type = s.view.getUint32(s.pos, this.le);
      if (type === BLOCK_SHB) {
        if (!this.readShb(false)) return false;
        continue;
      }
      const len = s.view.getUint32(s.pos + 4, this.le);
      this.checkBlockLength(at, type, len);
      if (type !== BLOCK_EPB && type !== BLOCK_SPB && type !== BLOCK_OPB && type !== BLOCK_IDB) {
        // Unknown or uninteresting (NRB, ISB, DSB, custom): skip the body, check the trailer.
        s.skip(len - 4);
        if (!s.ensure(4)) return this.endOrTruncated(at, len, true);
        const trailer = s.view.getUint32(s.pos, this.le);
        if (trailer !== len) throw this.lengthMismatch(at, len, trailer);
        s.skip(4);
        continue;
      }
      if (len > MAX_BUFFERED_BLOCK) {
        throw this.error(at, `block total length ${len} exceeds the ${MAX_BUFFERED_BLOCK}-byte limit`);
      }
      if (!s.ensure(len)) return this.endOrTruncated(at, len);
      const p = s.pos;
      const trailer = s.view.getUint32(p + len - 4, this.le);
      if (trailer !== len) throw this.lengthMismatch(at, len, trailer);
      if (type === BLOCK_IDB) {
        this.readIdb(at, p, len);
        s.skip(len);
        continue;
      }
      if (type === BLOCK_SPB) this.readSpb(at, p, len);
      else this.readEpb(at, p, len, type === BLOCK_OPB);
      s.skip(len);
      return true;
    }
  }

  /** Reads a Section Header Block at the cursor; returns false at a truncated tail. */
  private readShb(first: boolean): boolean {
    const s = this.src;
    const at = s.offset;
    if (!s.ensure(12)) {
      if (first) throw this.error(at, `file too short for a section header block (${s.available} bytes)`);
      return this.endOrTruncated(at, 12);
    }
    const bom = s.view.getUint32(s.pos + 8, true);
    if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
    else if (bom === PCAPNG_BYTE_ORDER_MAGIC_SWAPPED) this.le = false;
    else throw this.error(at, `bad byte-order magic ${hex32(s.view.getUint32(s.pos + 8, false))} in section header block`);
    const len = s.view.getUint32(s.pos + 4, this.le);
    this.checkBlockLength(at, BLOCK_SHB, len);
    if (len < 28) throw this.error(at, `section header block length ${len} is below the minimum 28`);
    if (len > MAX_BUFFERED_BLOCK) throw this.error(at, `block total length ${len} exceeds the ${MAX_BUFFERED_BLOCK}-byte limit`);
    if (!s.ensure(len)) {
      if (first) throw this.error(at, `truncated section header block (needs ${len} bytes, ${s.available} present)`);
      return this.endOrTruncated(at, len);
    }
    const p = s.pos;
    const trailer = s.view.getUint32(p + len - 4, this.le);
    if (trailer !== len) throw this.lengthMismatch(at, len, trailer);
    const major = s.view.getUint16(p + 12, this.le);
    const minor = s.view.getUint16(p + 14, this.le);
    if (major !== 1) throw this.error(at, `unsupported pcapng version ${major}.${minor}`);
    // A new section starts a new interface numbering (IDB ids are per section).
    this.sectionFirstIf = this.ifNames.length;
    this.sectionIfCount = 0;
    s.skip(len);
    return true;
  }

  private readIdb(at: number, p: number, len: number): void {
    if (len < 20) throw this.error(at, `interface description block length ${len} is below the minimum 20`);
    const v = this.src.view;
    const b = this.src.bytes;
    const linkType = v.getUint16(p + 8, this.le);
    const snaplen = v.getUint32(p + 12, this.le);
    let name = '';
    let resKind = RES_POW10;
    let resExp = 6; // if_tsresol absent: microseconds
    let tsOffset = 0;
    let fcs = 0;
    const end = p + len - 4;
    for (let o = p + 16; o + 4 <= end; ) {
      const code = v.getUint16(o, this.le);
      const olen = v.getUint16(o + 2, this.le);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + olen > end) throw this.error(at, `option ${code} length ${olen} overruns the interface description block`);
      const val = o + 4;
      if (code === OPT_IF_NAME) name = utf8.decode(b.subarray(val, val + olen));
      else if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = b[val]!;
        resKind = r & 0x80 ? RES_POW2 : RES_POW10;
        resExp = r & 0x7f;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = v.getInt32(this.le ? val + 4 : val, this.le);
        const lo = v.getUint32(this.le ? val : val + 4, this.le);
        tsOffset = hi * 4294967296 + lo;
      } else if (code === OPT_IF_FCSLEN && olen >= 1) fcs = b[val]!;
      o = val + pad4(olen);
    }
    this.ifNames.push(name);
    this.ifLinkTypes.push(linkType);
    this.ifSnaplens.push(snaplen);
    this.ifResKinds.push(resKind);
    this.ifResExps.push(resExp);
    this.ifTsOffsets.push(tsOffset);
    this.ifFcsBytes.push(fcs);
    this.sectionIfCount++;
  }

  /** Enhanced Packet Block (type 6) or Obsolete Packet Block (type 2, 16-bit interface id). */
  private readEpb(at: number, p: number, len: number, obsolete: boolean): void {
    if (len < 32) throw this.error(at, `packet block length ${len} is below the minimum 32`);
    const v = this.src.view;
    const ifId = obsolete ? v.getUint16(p + 8, this.le) : v.getUint32(p + 8, this.le);
    if (ifId >= this.sectionIfCount) {
      throw this.error(at, `interface id ${ifId} not described (the section has ${this.sectionIfCount} interfaces)`);
    }
    const ifIndex = this.sectionFirstIf + ifId;
    const tsHi = v.getUint32(p + 12, this.le);
    const tsLo = v.getUint32(p + 16, this.le);
    const cap = v.getUint32(p + 20, this.le);
    const orig = v.getUint32(p + 24, this.le);
    if (cap > MAX_CAPTURED_LEN) throw this.error(at, `captured length ${cap} exceeds the ${MAX_CAPTURED_LEN}-byte limit`);
    if (28 + pad4(cap) > len - 4) throw this.error(at, `captured length ${cap} overruns the ${len}-byte block`);
    // epb_flags (pack_flags in an OPB): bits 0-1 are the direction.
    let direction = DIRECTION_UNKNOWN;
    const end = p + len - 4;
    for (let o = p + 28 + pad4(cap); o + 4 <= end; ) {
      const code = v.getUint16(o, this.le);
      const olen = v.getUint16(o + 2, this.le);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + olen > end) throw this.error(at, `option ${code} length ${olen} overruns the packet block`);
      if (code === OPT_EPB_FLAGS && olen === 4) direction = v.getUint32(o + 4, this.le) & 3;
      o += 4 + pad4(olen);
    }
    unitsToSecNs(tsHi, tsLo, this.ifResKinds[ifIndex]!, this.ifResExps[ifIndex]!, this.ts);
    this._recordOffset = at;
    this._ifId = ifId;
    this._ifIndex = ifIndex;
    this._direction = direction === 3 ? DIRECTION_UNKNOWN : direction;
    this.setTime(this.ts[0]! + this.ifTsOffsets[ifIndex]!, this.ts[1]!);
    this.deliver(ifIndex, p + 28, cap, orig, 28);
  }

  /** Simple Packet Block: interface 0, no timestamp (the previous packet's time is kept). */
  private readSpb(at: number, p: number, len: number): void {
    if (len < 16) throw this.error(at, `simple packet block length ${len} is below the minimum 16`);
    if (this.sectionIfCount === 0) throw this.error(at, 'simple packet block before any interface description block');
    const ifIndex = this.sectionFirstIf;
    const orig = this.src.view.getUint32(p + 8, this.le);
    let cap = Math.min(orig, len - 16);
    const snap = this.ifSnaplens[ifIndex]!;
    if (snap !== 0 && cap > snap) cap = snap;
    if (cap > MAX_CAPTURED_LEN) throw this.error(at, `captured length ${cap} exceeds the ${MAX_CAPTURED_LEN}-byte limit`);
    this._recordOffset = at;
    this._ifId = 0;
    this._ifIndex = ifIndex;
    this._direction = DIRECTION_UNKNOWN;
    if (!this.haveFirst) this.setTime(0, 0);
    this.deliver(ifIndex, p + 12, cap, orig, 12);
  }

  private checkBlockLength(at: number, type: number, len: number): void {
    if (len < PCAPNG_MIN_BLOCK || len % 4 !== 0) {
      throw this.error(at, `block type ${hex32(type)}: bad block total length ${len} (must be >= 12 and a multiple of 4)`);
    }
  }

  private lengthMismatch(at: number, len: number, trailer: number): CaptureError {
    return this.error(at, `block total length mismatch: ${len} at the start, ${trailer} at the end`);
  }

  // ---- shared ---------------------------------------------------------------------------------

  private setTime(sec: number, nsec: number): void {
    if (!this.haveFirst) {
      this.haveFirst = true;
      this.firstSec = sec;
      this.firstNsec = nsec;
    }
    this._tsSec = sec;
    this._tsNsec = nsec;
    this._tsNs = (sec - this.firstSec) * 1e9 + (nsec - this.firstNsec);
  }

  /**
   * Publishes the record at [dataOff, dataOff + cap) of the window, framing it as Ethernet where
   * the link layer allows. `room` is how many already-parsed header bytes precede the data.
   */
  private deliver(ifIndex: number, dataOff: number, cap: number, orig: number, room: number): void {
    const b = this.src.bytes;
    const linkType = this.ifLinkTypes[ifIndex]!;
    this._data = b;
    this._offset = dataOff;
    this._length = cap;
    this._origLength = orig;
    this._linkType = linkType;
    if (linkType === LINKTYPE_ETHERNET) {
      const fcs = this.ifFcsBytes[ifIndex]!;
      if (fcs !== 0 && cap === orig && cap >= fcs) {
        this._length = cap - fcs;
        this._origLength = orig - fcs;
      }
      return;
    }
    if (linkType === LINKTYPE_LINUX_SLL) {
      if (cap < SLL_HEADER_LEN) return;
      const et = sllEtherType((b[dataOff + 14]! << 8) | b[dataOff + 15]!, (b[dataOff + 2]! << 8) | b[dataOff + 3]!);
      const dir = sllDirection((b[dataOff]! << 8) | b[dataOff + 1]!);
      if (this._direction === DIRECTION_UNKNOWN) this._direction = dir;
      if (et < 0) return;
      this.save(dataOff + 2);
      sllToEthernetInPlace(b, dataOff);
      this.framed(dataOff + 2, cap - 2, orig - 2);
      return;
    }
    if (linkType === LINKTYPE_LINUX_SLL2) {
      if (cap < SLL2_HEADER_LEN) return;
      const et = sllEtherType((b[dataOff]! << 8) | b[dataOff + 1]!, (b[dataOff + 8]! << 8) | b[dataOff + 9]!);
      if (this._direction === DIRECTION_UNKNOWN) this._direction = sllDirection(b[dataOff + 10]!);
      if (et < 0) return;
      this.save(dataOff + 6);
      sll2ToEthernetInPlace(b, dataOff);
      this.framed(dataOff + 6, cap - 6, orig - 6);
      return;
    }
    let et = -1;
    if (linkType === LINKTYPE_RAW) et = cap > 0 ? rawEtherType(b[dataOff]!) : -1;
    else if (linkType === LINKTYPE_IPV4) et = ETHERTYPE_IPV4;
    else if (linkType === LINKTYPE_IPV6) et = ETHERTYPE_IPV6;
    if (et < 0) return;
    if (room >= ETH_HEADER_LEN) {
      this.save(dataOff - ETH_HEADER_LEN);
      writeBareEthernetHeader(b, dataOff - ETH_HEADER_LEN, et);
      this.framed(dataOff - ETH_HEADER_LEN, cap + ETH_HEADER_LEN, orig + ETH_HEADER_LEN);
      return;
    }
    // Raw IP in a Simple Packet Block: 12 header bytes, 2 short of an Ethernet header. Copy.
    const out = (this.scratch ??= new Uint8Array(MAX_CAPTURED_LEN + ETH_HEADER_LEN));
    writeBareEthernetHeader(out, 0, et);
    for (let i = 0; i < cap; i++) out[ETH_HEADER_LEN + i] = b[dataOff + i]!;
    this._data = out;
    this.framed(0, cap + ETH_HEADER_LEN, orig + ETH_HEADER_LEN);
  }

  private framed(offset: number, length: number, orig: number): void {
    this._offset = offset;
    this._length = length;
    this._origLength = orig;
    this._linkType = LINKTYPE_ETHERNET;
  }

  private save(at: number): void {
    const b = this.src.bytes;
    for (let i = 0; i < ETH_HEADER_LEN; i++) this.saved[i] = b[at + i]!;
    this.savedAt = at;
  }

  private restoreSaved(): void {
    const b = this.src.bytes;
    const at = this.savedAt;
    for (let i = 0; i < ETH_HEADER_LEN; i++) b[at + i] = this.saved[i]!;
    this.savedAt = -1;
  }

  /** At a record boundary: a clean end if nothing is left, else a truncated tail. */
  private endOrTruncated(at: number, need: number, skipped = false): boolean {
    this.done = true;
    if (!skipped && this.src.available === 0) return false;
    const present = Math.max(0, this.src.size - at);
    this.truncatedTail = true;
    this.truncatedOffset = at;
    this.truncationDetail = `truncated ${this.format === 'pcap' ? 'record' : 'block'}: needs ${need} bytes, ${present} present`;
    return false;
  }

  private error(offset: number, detail: string): CaptureError {
    return new CaptureError(this.file, offset, detail);
  }
}
