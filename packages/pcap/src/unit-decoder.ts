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
   * Resync: whether a unit plausibly starts at `at`, looking at buf[at, end). Returns the number of
   * bytes (from `at`) it wants to look at when fewer are present; at the end of the input the
   * caller takes such an answer as "plausible" and lets the decoder report the truncation.
   */
  plausibleStart(buf: Uint8Array, at: number, end: number): boolean | number;
}
