/** One captured packet, as both readers return it and both writers take it. */
export interface CapturePacket {
  /** The captured bytes (`captureLength` of them). */
  readonly data: Uint8Array;
  /** Bytes captured; equals `data.length` for packets from a reader. */
  readonly captureLength: number;
  /** Length of the packet on the wire (may exceed `captureLength` when the snaplen cut it). */
  readonly originalLength: number;
  /** Nanoseconds since 1970-01-01T00:00:00Z (negative before it); see `formatEpochTime`. */
  readonly timestamp: bigint;
  /** pcapng interface id within its section; 0 for pcap. */
  readonly interfaceIndex: number;
  /** LINKTYPE of the packet's interface (low 16 bits). */
  readonly linkType: number;
}

/** What a writer accepts: lengths default to `data.length`, interface to 0. */
export interface PacketInput {
  readonly data: Uint8Array;
  readonly timestamp: bigint;
  readonly originalLength?: number;
  readonly interfaceIndex?: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** A capture interface: the one pcap file header, or a pcapng Interface Description Block. */
export interface CaptureInterface {
  readonly linkType: number;
  /** Largest number of bytes captured per packet; 0 means "no limit" in pcapng. */
  readonly snapLength: number;
  /**
   * Timestamp resolution as pcapng's `if_tsresol` byte: bit 7 clear → 10^-n seconds, set →
   * 2^-n seconds. pcap files report 6 (microsecond magic) or 9 (nanosecond magic).
   */
  readonly timestampResolution: number;
  /** `if_tsoffset`: seconds added to every timestamp of this interface (pcapng only). */
  readonly timestampOffset: bigint;
  /** Number of FCS bytes at the end of each packet, when the file says (pcap bit 26 / `if_fcslen`). */
  readonly fcsLength?: number;
  /** `if_name`, when present. */
  readonly name?: string;
  /** The raw link-type word of a pcap header (with FCS bits), or the IDB's 16-bit type. */
  readonly linkTypeWord: number;
}

/** pcap file header fields besides the interface. */
export interface PcapFileHeader {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** The "thiszone" and "sigfigs" words, 0 in practice. */
  readonly thisZone: number;
  readonly sigFigs: number;
}

/** A pcapng Section Header Block. */
export interface PcapngSection {
  /** File offset of the SHB. */
  readonly offset: number;
  readonly littleEndian: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Section length in bytes, or -1 when not given. */
  readonly sectionLength: bigint;
  /** The SHB's options, raw (in the section's byte order). */
  readonly options: Uint8Array;
}

/**
 * One unit of a capture file, in file order: what a copier needs to re-emit a file.
 * `other` is any pcapng block that is neither a section, an interface nor a packet (NRB, ISB,
 * custom, decryption secrets, unknown types), kept raw and in the file's byte order.
 */
export type CaptureBlock =
  | { readonly kind: 'packet'; readonly offset: number; readonly packet: CapturePacket }
  | { readonly kind: 'section'; readonly offset: number; readonly section: PcapngSection }
  | {
      readonly kind: 'interface';
      readonly offset: number;
      readonly index: number;
      readonly iface: CaptureInterface;
    }
  | {
      readonly kind: 'other';
      readonly offset: number;
      readonly blockType: number;
      readonly littleEndian: boolean;
      /** The whole block, header and trailing length included. */
      readonly bytes: Uint8Array;
    };

/** Never allocate more than this for one record or block, whatever a corrupted length says. */
export const MAX_BLOCK_LENGTH = 256 * 1024 * 1024;

/** Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD: a pcap record may always be this long. */
export const MAX_STANDARD_PACKET_LENGTH = 262144;
