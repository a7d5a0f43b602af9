/**
 * The one error a capture file can raise: where in which file it went wrong.
 *
 * Messages read `file: offset N: what` (the byte offset of the record or block at fault, from the
 * start of the file), the capture counterpart of the compiler's `file:line:col` convention.
 */
export class CaptureError extends Error {
  /** The file name (or the label an in-memory capture was given). */
  readonly file: string;
  /** Byte offset from the start of the file of the header, record or block at fault. */
  readonly offset: number;
  /** The message without the `file: offset N:` prefix. */
  readonly detail: string;

  constructor(file: string, offset: number, detail: string) {
    super(`${file}: offset ${offset}: ${detail}`);
    this.name = 'CaptureError';
    this.file = file;
    this.offset = offset;
    this.detail = detail;
  }
}

/** `0x0a0d0d0a` style hex for messages. */
export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}
