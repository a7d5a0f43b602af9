/**
 * Constants of the two capture formats (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng,
 * linktypes.csv) and the hard caps that keep a corrupted length from causing a huge allocation.
 */

/** Classic pcap magic, seconds + microseconds, as read in the file's own byte order. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
/** Classic pcap magic, seconds + nanoseconds. */
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** The same magics read in the wrong byte order (a file written by the other endianness). */
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** LinkType field: bit 26 says bits 31..28 carry the FCS length in 16-bit words. */
export const PCAP_LINK_FCS_PRESENT = 1 << 26;

/** pcapng block types. */
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_OPB = 2; // Obsolete Packet Block
export const BLOCK_SPB = 3;
export const BLOCK_EPB = 6;
/** Section Header byte-order magic, read in the section's byte order. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
/** Smallest block: type, total length, total length again. */
export const PCAPNG_MIN_BLOCK = 12;

/** Option codes. */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_SHB_USERAPPL = 4;
export const OPT_IF_NAME = 2;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_FCSLEN = 13;
export const OPT_IF_TSOFFSET = 14;
/** epb_flags (and the OPB's pack_flags): bits 0-1 are the direction. */
export const OPT_EPB_FLAGS = 2;

/** LinkTypes we read (linktypes.csv). Everything else is passed through unconverted. */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Packet direction, with epb_flags' own values (bits 0-1): 0 unknown, 1 inbound, 2 outbound. */
export const DIRECTION_UNKNOWN = 0;
export const DIRECTION_INBOUND = 1;
export const DIRECTION_OUTBOUND = 2;
export type Direction = typeof DIRECTION_UNKNOWN | typeof DIRECTION_INBOUND | typeof DIRECTION_OUTBOUND;

/**
 * Largest captured length accepted in a record (256 KiB, tcpdump's default snaplen 262144). A
 * corrupted length above it is an error, never an allocation.
 */
export const MAX_CAPTURED_LEN = 262144;
/** Largest pcapng block kept in memory (a packet block with generous options, an IDB, an SHB). */
export const MAX_BUFFERED_BLOCK = 4 * 1024 * 1024;
/** Snaplen the writers declare, as tcpdump writes it. */
export const WRITER_SNAPLEN = 262144;

/** Rounds a length up to the next multiple of 4 (pcapng pads every body and option to 32 bits). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}
