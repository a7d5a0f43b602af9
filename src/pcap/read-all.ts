/**
 * Whole-file convenience for tests and small files: every packet copied out into its own array.
 * Replay should stream with PcapReader instead.
 */
import { PcapReader } from './reader.ts';

export interface CapturedPacket {
  /** The frame (Ethernet after framing, see PcapReader), copied. */
  readonly data: Uint8Array;
  readonly origLength: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  /** Nanoseconds since the file's first packet. */
  readonly tsNs: number;
  readonly interfaceIndex: number;
  readonly interfaceName: string;
  readonly linkType: number;
  /** 0 unknown, 1 inbound, 2 outbound. */
  readonly direction: number;
}

export interface ReadAllOptions {
  /** Label for errors when reading bytes from memory. */
  readonly name?: string;
  /** Called once if the file ends inside its last record (the packets before it are returned). */
  readonly onTruncated?: (offset: number, message: string) => void;
}

/** Reads every packet of a capture file (a path) or of capture bytes in memory. */
export function readAllPackets(source: string | Uint8Array, options: ReadAllOptions = {}): CapturedPacket[] {
  const r = typeof source === 'string' ? PcapReader.open(source) : PcapReader.fromBytes(source, options.name);
  const out: CapturedPacket[] = [];
  try {
    while (r.next()) {
      out.push({
        data: r.data.slice(r.offset, r.offset + r.length),
        origLength: r.origLength,
        tsSec: r.tsSec,
        tsNsec: r.tsNsec,
        tsNs: r.tsNs,
        interfaceIndex: r.interfaceIndex,
        interfaceName: r.interfaceName,
        linkType: r.linkType,
        direction: r.direction,
      });
    }
    const warning = r.truncationWarning();
    if (warning !== null) options.onTruncated?.(r.truncatedOffset, warning);
  } finally {
    r.close();
  }
  return out;
}
