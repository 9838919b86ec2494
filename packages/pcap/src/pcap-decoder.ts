import { DecodeError, requireBytes } from '@cnikit/wire';
import { type ByteOrder, byteOrder } from './byte-order.js';
import {
  type CaptureBlock,
  type CaptureInterface,
  MAX_BLOCK_LENGTH,
  MAX_STANDARD_PACKET_LENGTH,
  type PcapFileHeader,
} from './capture-types.js';
import { splitLinkTypeWord } from './link-types.js';
import type { UnitDecoder } from './unit-decoder.js';

const LAYER = 'pcap';
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Alexey Kuznetzov's "modified" pcap, with longer record headers. */
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Resync accepts a record header only if its time is within a week of the last good record. */
const RESYNC_TIME_WINDOW = 7 * 24 * 3600;

/** Decodes the 24-byte pcap file header at `at`; throws DecodeError. */
export function decodePcapFileHeader(
  buf: Uint8Array,
  at = 0,
): { header: PcapFileHeader; iface: CaptureInterface } {
  requireBytes(LAYER, at, PCAP_FILE_HEADER_LENGTH, buf.length);
  const magicBE = byteOrder(false).u32(buf, at);
  const magicLE = byteOrder(true).u32(buf, at);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (magicBE === PCAP_MAGIC_MICROSECONDS || magicBE === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = false;
    nanosecond = magicBE === PCAP_MAGIC_NANOSECONDS;
  } else if (magicLE === PCAP_MAGIC_MICROSECONDS || magicLE === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = true;
    nanosecond = magicLE === PCAP_MAGIC_NANOSECONDS;
  } else if (magicBE === PCAP_MAGIC_MODIFIED || magicLE === PCAP_MAGIC_MODIFIED) {
    throw new DecodeError('unsupported', LAYER, at, 'modified (Kuznetzov) pcap is not supported');
  } else {
    throw new DecodeError('bad-value', LAYER, at, `bad magic number 0x${magicBE.toString(16)}`);
  }
  const order = byteOrder(littleEndian);
  const versionMajor = order.u16(buf, at + 4);
  const versionMinor = order.u16(buf, at + 6);
  if (versionMajor !== 2) {
    throw new DecodeError(
      'bad-version',
      LAYER,
      at + 4,
      `unsupported version ${versionMajor}.${versionMinor}`,
    );
  }
  const linkTypeWord = order.u32(buf, at + 20);
  const { linkType, fcsLength } = splitLinkTypeWord(linkTypeWord);
  const iface: CaptureInterface = {
    linkType,
    snapLength: order.u32(buf, at + 16),
    timestampResolution: nanosecond ? 9 : 6,
    timestampOffset: 0n,
    linkTypeWord,
    ...(fcsLength === undefined ? {} : { fcsLength }),
  };
  const header: PcapFileHeader = {
    littleEndian,
    nanosecond,
    versionMajor,
    versionMinor,
    thisZone: order.u32(buf, at + 8) | 0,
    sigFigs: order.u32(buf, at + 12),
  };
  return { header, iface };
}

/** Record decoder for a pcap file whose header has been read. */
export class PcapDecoder implements UnitDecoder {
  readonly format = 'pcap';
  readonly interfaces: readonly CaptureInterface[];
  readonly resyncStep = 1;
  /** Records may not claim more than this many captured bytes. */
  readonly maxCaptureLength: number;
  private readonly order: ByteOrder;
  private readonly fractionUnit: number;
  private readonly fractionLimit: number;
  /** Versions before 2.3 wrote orig_len before incl_len (libpcap's swapped_type handling). */
  private readonly lengthsMaybeSwapped: boolean;
  private readonly oldMinor: boolean;
  /** Seconds of the last good record: resync candidates must be near it. */
  private lastSeconds: number | undefined;

  constructor(
    readonly header: PcapFileHeader,
    readonly iface: CaptureInterface,
  ) {
    this.interfaces = [iface];
    this.order = byteOrder(header.littleEndian);
    this.fractionUnit = header.nanosecond ? 1 : 1000;
    this.fractionLimit = header.nanosecond ? 1_000_000_000 : 1_000_000;
    this.maxCaptureLength = Math.min(
      MAX_BLOCK_LENGTH,
      Math.max(iface.snapLength, MAX_STANDARD_PACKET_LENGTH),
    );
    this.oldMinor = header.versionMinor < 3;
    this.lengthsMaybeSwapped = header.versionMinor <= 3;
  }

  headerSize(): number {
    return PCAP_RECORD_HEADER_LENGTH;
  }

  private lengths(buf: Uint8Array, at: number): [captureLength: number, originalLength: number] {
    let captured = this.order.u32(buf, at + 8);
    let original = this.order.u32(buf, at + 12);
    if (this.lengthsMaybeSwapped && (this.oldMinor || original < captured)) {
      [captured, original] = [original, captured];
    }
    return [captured, original];
  }

  unitLength(buf: Uint8Array, at: number): number {
    const [captured] = this.lengths(buf, at);
    if (captured > this.maxCaptureLength) {
      throw new DecodeError(
        'bad-length',
        LAYER,
        at,
        `record claims ${captured} captured bytes, more than the ${this.maxCaptureLength}-byte bound (snaplen ${this.iface.snapLength})`,
      );
    }
    return PCAP_RECORD_HEADER_LENGTH + captured;
  }

  decodeUnit(buf: Uint8Array, at: number, length: number, fileOffset: number): CaptureBlock {
    const [captureLength, originalLength] = this.lengths(buf, at);
    const seconds = this.order.u32(buf, at);
    this.lastSeconds = seconds;
    const fraction = this.order.u32(buf, at + 4);
    const timestamp = BigInt(seconds) * 1_000_000_000n + BigInt(fraction * this.fractionUnit);
    const data = buf.subarray(at + PCAP_RECORD_HEADER_LENGTH, at + length);
    return {
      kind: 'packet',
      offset: fileOffset,
      packet: {
        data,
        captureLength,
        originalLength,
        timestamp,
        interfaceIndex: 0,
        linkType: this.iface.linkType,
      },
    };
  }

  plausibleStart(buf: Uint8Array, at: number, end: number, eof: boolean): boolean | number {
    if (end - at < PCAP_RECORD_HEADER_LENGTH) return eof ? false : PCAP_RECORD_HEADER_LENGTH;
    if (!this.plausibleHeader(buf, at)) return false;
    // A lone header can match by chance; when the next one is already here, it must match too.
    const next = at + PCAP_RECORD_HEADER_LENGTH + this.lengths(buf, at)[0];
    if (next + PCAP_RECORD_HEADER_LENGTH <= end) return this.plausibleHeader(buf, next);
    if (!eof) return next + PCAP_RECORD_HEADER_LENGTH - at;
    // The last record of the file has no next header to check: it must end exactly at the end
    // of the file and its time must be near a record read before (bytes of a cut record that
    // happen to look like a header have neither).
    return next === end && this.lastSeconds !== undefined;
  }

  private plausibleHeader(buf: Uint8Array, at: number): boolean {
    const [captured, original] = this.lengths(buf, at);
    const seconds = this.order.u32(buf, at);
    return (
      (this.lastSeconds === undefined || Math.abs(seconds - this.lastSeconds) <= RESYNC_TIME_WINDOW) &&
      original > 0 &&
      this.order.u32(buf, at + 4) < this.fractionLimit &&
      captured <= this.maxCaptureLength &&
      captured <= original &&
      original <= MAX_BLOCK_LENGTH
    );
  }
}
