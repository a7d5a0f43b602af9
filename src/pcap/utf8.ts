/** UTF-8 encoding for option strings (interface names, application), once per block. */
const encoder = new TextEncoder();

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
