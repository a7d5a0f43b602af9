/**
 * A forward-only window over a capture's bytes: a file read in chunks with readSync into one
 * reusable buffer, or a byte array already in memory.
 *
 * Why chunks: a capture larger than memory must replay in bounded memory. The buffer starts at
 * `chunkSize` (1 MiB) and grows only when one record is larger than it; the caller caps record
 * sizes before asking, so a corrupted length never reaches an allocation.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export class ChunkSource {
  /** The window. Bytes [pos, end) are valid; byte i of the window is file byte `base + i`. */
  bytes: Uint8Array;
  /** DataView over `bytes`, replaced when the window grows. */
  view: DataView;
  pos = 0;
  end = 0;
  /** File offset of bytes[0]. */
  base = 0;
  /** File size when opened (for messages about a truncated tail). */
  readonly size: number;
  private eof: boolean;
  private fd: number;

  private constructor(bytes: Uint8Array, end: number, fd: number, size: number) {
    this.bytes = bytes;
    this.size = size;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = end;
    this.fd = fd;
    this.eof = fd < 0;
  }

  static openFile(path: string, chunkSize = DEFAULT_CHUNK_SIZE): ChunkSource {
    const fd = openSync(path, 'r');
    try {
      return new ChunkSource(new Uint8Array(Math.max(64, chunkSize)), 0, fd, fstatSync(fd).size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Reads from `bytes` in place (never written to). */
  static fromBytes(bytes: Uint8Array): ChunkSource {
    return new ChunkSource(bytes, bytes.length, -1, bytes.length);
  }

  /** File offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes available from the cursor without reading further. */
  get available(): number {
    return this.end - this.pos;
  }

  /**
   * Makes bytes [pos, pos + n) valid, reading more of the file if needed. Returns false when the
   * file ends first (the bytes that are there stay valid). Positions into `bytes` taken before a
   * call are stale after it: the window may have moved or grown.
   */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    if (this.pos + n > this.bytes.length) {
      const keep = this.end - this.pos;
      if (n > this.bytes.length) {
        // One record larger than the chunk: grow once to fit it (the caller has capped n).
        const grown = new Uint8Array(Math.max(n, this.bytes.length * 2));
        grown.set(this.bytes.subarray(this.pos, this.end), 0);
        this.bytes = grown;
        this.view = new DataView(grown.buffer);
      } else {
        this.bytes.copyWithin(0, this.pos, this.end);
      }
      this.base += this.pos;
      this.pos = 0;
      this.end = keep;
    }
    while (this.end - this.pos < n) {
      const got = readSync(this.fd, this.bytes, this.end, this.bytes.length - this.end, this.base + this.end);
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  /** Moves the cursor `n` bytes on, past bytes that need not be read (an unknown block's body). */
  skip(n: number): void {
    if (this.pos + n <= this.end) {
      this.pos += n;
      return;
    }
    // Past the window: drop it and read again from the new offset. Off the end of the file, the
    // next ensure() simply fails, which the reader reports as a truncated tail.
    const target = this.base + this.pos + n;
    if (this.fd < 0) {
      this.pos = this.end;
      this.base = target - this.end;
      return;
    }
    this.base = target;
    this.pos = 0;
    this.end = 0;
  }

  /** Back to the first byte of the file (a replay loop). */
  rewind(): void {
    if (this.fd < 0) {
      this.pos = 0;
      this.base = 0;
      return;
    }
    this.base = 0;
    this.pos = 0;
    this.end = 0;
    this.eof = false;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    this.eof = true;
  }
}
