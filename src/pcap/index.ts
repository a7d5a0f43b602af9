/**
 * Capture files in and out: classic pcap and pcapng (draft-ietf-opsawg-pcap / -pcapng), written
 * with DataView, no dependency.
 *
 * In: `PcapReader` streams a capture (pcap in either byte order, µs or ns; pcapng with any number
 * of sections, interfaces and resolutions) in bounded memory, one record per `next()`, with no
 * allocation per record. Cooked (SLL, SLL2) and raw IP captures come out as Ethernet frames with
 * a synthesised header (zero destination MAC, the cooked source address as source MAC). Bad files
 * raise `CaptureError` with the byte offset; a truncated last record is reported, not thrown.
 *
 * Out: `PcapWriter` (one .pcap per interface; `PerInterfacePcapWriter` routes by interface) and
 * `PcapngWriter` (one .pcapng, one IDB per device, epb_flags for direction), both nanosecond,
 * little-endian, snaplen 262144, Ethernet. Virtual time 0 is written as 1970-01-01T00:00:00Z
 * unless `epochSec` says otherwise, so absolute times in Wireshark read as scenario time.
 *
 * Limits: pcap files with the Kuznetzov "modified" magic (0xA1B2CD34) are refused; frames over
 * 128 bytes are copied into the writers' buffer through one short-lived subarray view each
 * (TypedArray.set has no source range and a byte loop is ~20× slower on Node 20); the reader
 * allocates nothing per record.
 */
export { CaptureError } from './errors.ts';
export {
  DIRECTION_INBOUND,
  DIRECTION_OUTBOUND,
  DIRECTION_UNKNOWN,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  MAX_CAPTURED_LEN,
  WRITER_SNAPLEN,
} from './format.ts';
export type { Direction } from './format.ts';
export { PcapReader } from './reader.ts';
export type { CaptureFormat, PcapReaderOptions } from './reader.ts';
export { readAllPackets } from './read-all.ts';
export type { CapturedPacket, ReadAllOptions } from './read-all.ts';
export { FileSink, MemorySink, NullSink } from './sink.ts';
export type { ByteSink } from './sink.ts';
export { PcapWriter, PcapngWriter, PerInterfacePcapWriter } from './writer.ts';
export type { CaptureWriter, PcapngWriterOptions, WriterOptions } from './writer.ts';
