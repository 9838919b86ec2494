import type { CaptureBlock, CaptureFormat, CaptureInterface } from './capture-types.js';

/**
 * The format-specific half of a reader: splits a capture file into units (the pcap file header,
 * pcap records, pcapng blocks) and decodes them. Offsets it is given are into `buf`; `fileOffset`
 * is where `buf[at]` sits in the file. Errors are DecodeErrors with offsets into `buf`.
 */
export interface UnitDecoder {
  readonly format: CaptureFormat;
  /** Interfaces of the current pcapng section (or the pcap file), in id order. */
  readonly interfaces: readonly CaptureInterface[];
  /** Bytes needed at a unit's start before `unitLength` can answer. */
  headerSize(): number;
  /** Length of the unit at `at` (at least `headerSize()` bytes are present); throws DecodeError. */
  unitLength(buf: Uint8Array, at: number): number;
  /** Decodes the complete unit buf[at, at + length); throws DecodeError. */
  decodeUnit(buf: Uint8Array, at: number, length: number, fileOffset: number): CaptureBlock | undefined;
  /** Resync: how far to step past a bad unit or a rejected candidate start. */
  readonly resyncStep: number;
  /**
   * Resync: whether a unit plausibly starts at `at`, looking at buf[at, end). Before the end of
   * the input (`eof` false) it returns the number of bytes (from `at`) it wants to look at when
   * fewer are present. At the end of the input it answers true or false: a candidate it cannot
   * confirm there (cut short, or nothing after it to cross-check) is false, so bytes of a skipped
   * or cut unit never come out as a packet.
   */
  plausibleStart(buf: Uint8Array, at: number, end: number, eof: boolean): boolean | number;
}
