/**
 * Where a capture writer's bytes go: a file (writeSync) or memory (tests, benchmarks).
 * Writers hand over whole chunks of their reusable buffer, never one packet at a time.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface ByteSink {
  /** Takes bytes [offset, offset + length); may not keep a reference to `bytes`. */
  write(bytes: Uint8Array, offset: number, length: number): void;
  close(): void;
}

/** Writes to a file, created or truncated on open. */
export class FileSink implements ByteSink {
  private fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array, offset: number, length: number): void {
    if (this.fd < 0) throw new Error('FileSink: write after close');
    let done = 0;
    while (done < length) done += writeSync(this.fd, bytes, offset + done, length - done);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Collects the bytes in memory; `bytes()` returns them as one array. */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;

  write(bytes: Uint8Array, offset: number, length: number): void {
    this.chunks.push(bytes.slice(offset, offset + length));
    this.total += length;
  }

  close(): void {}

  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Discards everything (benchmarks of the encoding alone). */
export class NullSink implements ByteSink {
  written = 0;
  write(_bytes: Uint8Array, _offset: number, length: number): void {
    this.written += length;
  }
  close(): void {}
}
