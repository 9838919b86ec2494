import { type ByteOrder, byteOrder } from './byte-order.js';
import { BatchedOutput, type CaptureSink, type WritableLike } from './capture-sink.js';
import {
  type CaptureInterface,
  MAX_STANDARD_PACKET_LENGTH,
  type PacketInput,
  type PcapFileHeader,
} from './capture-types.js';
import {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_RECORD_HEADER_LENGTH,
} from './pcap-decoder.js';

export interface PcapWriteOptions {
  /** LINKTYPE of every packet. */
  readonly linkType: number;
  /** Default 262144. */
  readonly snapLength?: number;
  /** Nanosecond magic (0xa1b23c4d) instead of microseconds. Default false. */
  readonly nanosecond?: boolean;
  /** Default true (what libpcap writes on x86/ARM). */
  readonly littleEndian?: boolean;
  /** FCS bytes at the end of each packet, stored in the link-type word (must be even, ≤ 30). */
  readonly fcsLength?: number;
  /** The whole 32-bit link-type word, written as given (overrides `linkType`/`fcsLength`; for copies). */
  readonly linkTypeWord?: number;
  /** Header "thiszone"/"sigfigs" words (default 0), for copies. */
  readonly thisZone?: number;
  readonly sigFigs?: number;
}

function u32Field(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new RangeError(`pcap ${name} ${v} is not a uint32`);
}

/** Writes the 24-byte pcap file header at `offset`; returns the bytes written. */
export function writePcapFileHeader(options: PcapWriteOptions, out: Uint8Array, offset = 0): number {
  const snapLength = options.snapLength ?? MAX_STANDARD_PACKET_LENGTH;
  u32Field('snapLength', snapLength);
  if (!Number.isInteger(options.linkType) || options.linkType < 0 || options.linkType > 0xffff) {
    throw new RangeError(`pcap linkType ${options.linkType} is not a uint16`);
  }
  let word = options.linkType;
  if (options.fcsLength !== undefined) {
    const f = options.fcsLength;
    if (!Number.isInteger(f) || f < 0 || f > 30 || f % 2 !== 0) {
      throw new RangeError(`pcap fcsLength ${f} must be an even number of bytes up to 30`);
    }
    word = (word | 0x04000000 | ((f / 2) << 28)) >>> 0;
  }
  if (options.linkTypeWord !== undefined) {
    u32Field('linkTypeWord', options.linkTypeWord);
    word = options.linkTypeWord;
  }
  if (out.length - offset < PCAP_FILE_HEADER_LENGTH) throw new RangeError('pcap: output buffer too small');
  const order = byteOrder(options.littleEndian ?? true);
  order.setU32(out, offset, options.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS);
  order.setU16(out, offset + 4, 2);
  order.setU16(out, offset + 6, 4);
  order.setU32(out, offset + 8, (options.thisZone ?? 0) >>> 0);
  order.setU32(out, offset + 12, options.sigFigs ?? 0);
  order.setU32(out, offset + 16, snapLength);
  order.setU32(out, offset + 20, word);
  return PCAP_FILE_HEADER_LENGTH;
}

interface RecordFields {
  readonly seconds: number;
  readonly fraction: number;
  readonly originalLength: number;
}

function recordFields(packet: PacketInput, nanosecond: boolean): RecordFields {
  const ns = packet.timestamp;
  if (typeof ns !== 'bigint' || ns < 0n || ns >= 0x1_0000_0000n * 1_000_000_000n) {
    throw new RangeError(`pcap timestamp ${ns} ns is outside 1970..2106 (uint32 seconds)`);
  }
  const originalLength = packet.originalLength ?? packet.data.length;
  u32Field('originalLength', originalLength);
  u32Field('captureLength', packet.data.length);
  const subsecond = Number(ns % 1_000_000_000n);
  return {
    seconds: Number(ns / 1_000_000_000n),
    fraction: nanosecond ? subsecond : Math.floor(subsecond / 1000),
    originalLength,
  };
}

function writeRecord(
  packet: PacketInput,
  f: RecordFields,
  order: ByteOrder,
  out: Uint8Array,
  at: number,
): number {
  order.setU32(out, at, f.seconds);
  order.setU32(out, at + 4, f.fraction);
  order.setU32(out, at + 8, packet.data.length);
  order.setU32(out, at + 12, f.originalLength);
  out.set(packet.data, at + PCAP_RECORD_HEADER_LENGTH);
  return PCAP_RECORD_HEADER_LENGTH + packet.data.length;
}

/**
 * Writes one pcap record (16-byte header + data) at `offset`; returns the bytes written. Throws
 * RangeError, before writing, for a timestamp outside uint32 seconds or lengths over uint32.
 * Microsecond files truncate the timestamp to the microsecond.
 */
export function writePcapRecord(
  packet: PacketInput,
  options: Pick<PcapWriteOptions, 'nanosecond' | 'littleEndian'>,
  out: Uint8Array,
  offset = 0,
): number {
  const f = recordFields(packet, options.nanosecond ?? false);
  if (out.length - offset < PCAP_RECORD_HEADER_LENGTH + packet.data.length) {
    throw new RangeError('pcap: output buffer too small');
  }
  return writeRecord(packet, f, byteOrder(options.littleEndian ?? true), out, offset);
}

/** A whole pcap file in one array (for small captures; use `PcapWriter` to stream). */
export function encodePcap(options: PcapWriteOptions, packets: Iterable<PacketInput>): Uint8Array {
  const list = Array.from(packets);
  let size = PCAP_FILE_HEADER_LENGTH;
  for (const p of list) size += PCAP_RECORD_HEADER_LENGTH + p.data.length;
  const out = new Uint8Array(size);
  let at = writePcapFileHeader(options, out);
  for (const p of list) at += writePcapRecord(p, options, out, at);
  return out;
}

/**
 * Streams a pcap file to a sink callback or a Node Writable. `write` returns a Promise when the
 * destination wants the caller to wait (backpressure); `close` flushes (and ends a Writable).
 */
export class PcapWriter {
  private readonly output: BatchedOutput;
  private readonly order: ByteOrder;
  private readonly nanosecond: boolean;

  constructor(target: CaptureSink | WritableLike, options: PcapWriteOptions) {
    const header = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
    writePcapFileHeader(options, header);
    this.output = new BatchedOutput(target);
    this.order = byteOrder(options.littleEndian ?? true);
    this.nanosecond = options.nanosecond ?? false;
    const space = this.output.reserve(PCAP_FILE_HEADER_LENGTH);
    space.buf.set(header, space.at);
    this.output.commit(PCAP_FILE_HEADER_LENGTH);
  }

  write(packet: PacketInput): void | Promise<void> {
    const f = recordFields(packet, this.nanosecond);
    const n = PCAP_RECORD_HEADER_LENGTH + packet.data.length;
    const space = this.output.reserve(n);
    writeRecord(packet, f, this.order, space.buf, space.at);
    return this.output.commit(n);
  }

  /** Hands buffered bytes to the destination now. */
  flush(): void | Promise<void> {
    return this.output.flush();
  }

  /** Flushes and ends a Writable destination. */
  close(): Promise<void> {
    return this.output.close();
  }
}

/** Writer options that reproduce a file read by `CaptureReader` (header words included). */
export function pcapWriteOptionsOf(header: PcapFileHeader, iface: CaptureInterface): PcapWriteOptions {
  return {
    linkType: iface.linkType,
    linkTypeWord: iface.linkTypeWord,
    snapLength: iface.snapLength,
    nanosecond: header.nanosecond,
    littleEndian: header.littleEndian,
    thisZone: header.thisZone,
    sigFigs: header.sigFigs,
  };
}
