import { type ByteOrder, byteOrder } from './byte-order.js';
import { BatchedOutput, type CaptureSink, type WritableLike } from './capture-sink.js';
import type { CaptureBlock, CaptureInterface, PacketInput } from './capture-types.js';
import { BlockType, BYTE_ORDER_MAGIC } from './pcapng-decoder.js';
import {
  IF_FCSLEN,
  IF_NAME,
  IF_TSOFFSET,
  IF_TSRESOL,
  type PcapngOption,
  pcapngOptionsLength,
  writeI64,
  writePcapngOptions,
} from './pcapng-options.js';
import { nanosecondsToTicks, ticksPerSecond } from './timestamp.js';

/** An interface to describe in an IDB. */
export interface PcapngInterfaceInput {
  readonly linkType: number;
  /** Default 0 ("no limit"). */
  readonly snapLength?: number;
  /** `if_tsresol` byte: 6 = µs (default), 9 = ns, 0x80|n = 2^-n s. */
  readonly timestampResolution?: number;
  /** `if_tsoffset` seconds. */
  readonly timestampOffset?: bigint;
  readonly name?: string;
  readonly fcsLength?: number;
  /** More IDB options, written as given. */
  readonly options?: readonly PcapngOption[];
}

export interface PcapngWriteOptions {
  /** Interfaces described at the start of the section (more can be added with `addInterface`). */
  readonly interfaces?: readonly PcapngInterfaceInput[];
  /** Default true. */
  readonly littleEndian?: boolean;
  /** SHB options (e.g. shb_userappl = 4), written as given. */
  readonly sectionOptions?: readonly PcapngOption[];
}

interface InterfaceEncoding {
  readonly perSecond: bigint;
  readonly offsetNs: bigint;
}

const MAX_U64 = (1n << 64n) - 1n;

function sectionHeaderBlock(order: ByteOrder, options: readonly PcapngOption[] | Uint8Array): Uint8Array {
  const optionsLength = options instanceof Uint8Array ? options.length : pcapngOptionsLength(options);
  if (optionsLength % 4 !== 0) throw new RangeError('pcapng section options must be a multiple of 4 bytes');
  const length = 28 + optionsLength;
  const b = new Uint8Array(length);
  order.setU32(b, 0, BlockType.SectionHeader);
  order.setU32(b, 4, length);
  order.setU32(b, 8, BYTE_ORDER_MAGIC);
  order.setU16(b, 12, 1);
  order.setU16(b, 14, 0);
  writeI64(b, 16, -1n, order);
  if (options instanceof Uint8Array) b.set(options, 24);
  else writePcapngOptions(options, b, 24, order);
  order.setU32(b, length - 4, length);
  return b;
}

function interfaceOptions(i: PcapngInterfaceInput, order: ByteOrder): PcapngOption[] {
  const options: PcapngOption[] = [];
  if (i.name !== undefined) options.push({ code: IF_NAME, value: new TextEncoder().encode(i.name) });
  const resolution = i.timestampResolution ?? 6;
  if (resolution !== 6) options.push({ code: IF_TSRESOL, value: Uint8Array.of(resolution) });
  if (i.fcsLength !== undefined) options.push({ code: IF_FCSLEN, value: Uint8Array.of(i.fcsLength) });
  if (i.timestampOffset !== undefined && i.timestampOffset !== 0n) {
    const value = new Uint8Array(8);
    writeI64(value, 0, i.timestampOffset, order);
    options.push({ code: IF_TSOFFSET, value });
  }
  return i.options ? options.concat(i.options) : options;
}

/**
 * Streams a pcapng file (one SHB, then IDBs and EPBs) to a sink callback or a Node Writable.
 * `writeBlock` re-emits blocks from a reader, so reader → writer copies a file, unknown blocks
 * included. `write`/`writeBlock` return a Promise when the destination asks the caller to wait.
 */
export class PcapngWriter {
  private readonly output: BatchedOutput;
  /** Byte order of the current section; undefined until its SHB is written. */
  private order: ByteOrder | undefined;
  private interfaces: InterfaceEncoding[] = [];
  private readonly littleEndian: boolean;
  private readonly sectionOptions: readonly PcapngOption[];

  /**
   * The SHB is written with the first interface or packet (or by `startSection`, which copiers
   * use to reproduce a file's own section headers).
   */
  constructor(target: CaptureSink | WritableLike, options: PcapngWriteOptions = {}) {
    this.output = new BatchedOutput(target);
    this.littleEndian = options.littleEndian ?? true;
    this.sectionOptions = options.sectionOptions ?? [];
    for (const i of options.interfaces ?? []) this.addInterface(i);
  }

  /** The current section's byte order, writing the default SHB first if none was written. */
  private section(): ByteOrder {
    if (!this.order) {
      this.order = byteOrder(this.littleEndian);
      this.emit(sectionHeaderBlock(this.order, this.sectionOptions));
    }
    return this.order;
  }

  /** Interfaces described in the current section. */
  get interfaceCount(): number {
    return this.interfaces.length;
  }

  private emit(block: Uint8Array): void | Promise<void> {
    const space = this.output.reserve(block.length);
    space.buf.set(block, space.at);
    return this.output.commit(block.length);
  }

  /** Writes an IDB; returns the new interface's id. */
  addInterface(i: PcapngInterfaceInput): number {
    const perSecond = ticksPerSecond(i.timestampResolution ?? 6);
    if (perSecond === undefined)
      throw new RangeError(`pcapng timestampResolution ${i.timestampResolution} overflows`);
    if (!Number.isInteger(i.linkType) || i.linkType < 0 || i.linkType > 0xffff) {
      throw new RangeError(`pcapng linkType ${i.linkType} is not a uint16`);
    }
    const snapLength = i.snapLength ?? 0;
    if (!Number.isInteger(snapLength) || snapLength < 0 || snapLength > 0xffffffff) {
      throw new RangeError(`pcapng snapLength ${snapLength} is not a uint32`);
    }
    const order = this.section();
    const options = interfaceOptions(i, order);
    const length = 20 + pcapngOptionsLength(options);
    const b = new Uint8Array(length);
    order.setU32(b, 0, BlockType.InterfaceDescription);
    order.setU32(b, 4, length);
    order.setU16(b, 8, i.linkType);
    order.setU32(b, 12, snapLength);
    writePcapngOptions(options, b, 16, order);
    order.setU32(b, length - 4, length);
    this.emit(b);
    this.interfaces.push({ perSecond, offsetNs: (i.timestampOffset ?? 0n) * 1_000_000_000n });
    return this.interfaces.length - 1;
  }

  /** Writes an Enhanced Packet Block. Throws RangeError (before writing) for a bad interface or time. */
  write(packet: PacketInput): void | Promise<void> {
    const index = packet.interfaceIndex ?? 0;
    const encoding = this.interfaces[index];
    if (!encoding) {
      throw new RangeError(
        `pcapng interfaceIndex ${index}: only ${this.interfaces.length} interfaces described`,
      );
    }
    const ticks = nanosecondsToTicks(packet.timestamp - encoding.offsetNs, encoding.perSecond);
    if (ticks < 0n || ticks > MAX_U64) {
      throw new RangeError(
        `pcapng timestamp ${packet.timestamp} ns is not representable on interface ${index}`,
      );
    }
    const captureLength = packet.data.length;
    const originalLength = packet.originalLength ?? captureLength;
    if (!Number.isInteger(originalLength) || originalLength < 0 || originalLength > 0xffffffff) {
      throw new RangeError(`pcapng originalLength ${originalLength} is not a uint32`);
    }
    const padded = (captureLength + 3) & ~3;
    const length = 32 + padded;
    const order = this.section();
    const { buf, at } = this.output.reserve(length);
    order.setU32(buf, at, BlockType.EnhancedPacket);
    order.setU32(buf, at + 4, length);
    order.setU32(buf, at + 8, index);
    order.setU32(buf, at + 12, Number(ticks >> 32n));
    order.setU32(buf, at + 16, Number(ticks & 0xffffffffn));
    order.setU32(buf, at + 20, captureLength);
    order.setU32(buf, at + 24, originalLength);
    buf.set(packet.data, at + 28);
    buf.fill(0, at + 28 + captureLength, at + 28 + padded);
    order.setU32(buf, at + 28 + padded, length);
    return this.output.commit(length);
  }

  /**
   * Starts a new section (SHB) in the given byte order; interfaces must be described again.
   * `options` are SHB options, raw bytes in that byte order or a list.
   */
  startSection(
    littleEndian: boolean,
    options: readonly PcapngOption[] | Uint8Array = [],
  ): void | Promise<void> {
    this.order = byteOrder(littleEndian);
    this.interfaces = [];
    return this.emit(sectionHeaderBlock(this.order, options));
  }

  /**
   * Re-emits a block read by `CaptureReader`/`CaptureStreamReader`: sections and interfaces are
   * re-encoded, packets become EPBs, other blocks are copied byte for byte (so they must be in
   * the current section's byte order, which holds when copying a whole file).
   */
  writeBlock(block: CaptureBlock): void | Promise<void> {
    switch (block.kind) {
      case 'section':
        return this.startSection(block.section.littleEndian, block.section.options);
      case 'interface':
        this.addInterface(fromCaptureInterface(block.iface));
        return;
      case 'packet':
        return this.write(block.packet);
      case 'other':
        if (block.littleEndian !== this.section().littleEndian) {
          throw new RangeError('pcapng: cannot copy a raw block into a section of the other byte order');
        }
        return this.emit(block.bytes);
    }
  }

  /** Hands buffered bytes to the destination now (a sync sink has them all on return). */
  flush(): void | Promise<void> {
    this.section();
    return this.output.flush();
  }

  /** Flushes (writing the SHB if nothing else was) and ends a Writable destination. */
  async close(): Promise<void> {
    this.section();
    await this.output.close();
  }
}

/** The writer input that describes `iface` again (name, resolution, offset, FCS length). */
export function fromCaptureInterface(iface: CaptureInterface): PcapngInterfaceInput {
  return {
    linkType: iface.linkTypeWord & 0xffff,
    snapLength: iface.snapLength,
    timestampResolution: iface.timestampResolution,
    timestampOffset: iface.timestampOffset,
    ...(iface.name === undefined ? {} : { name: iface.name }),
    ...(iface.fcsLength === undefined ? {} : { fcsLength: iface.fcsLength }),
  };
}

/** A whole pcapng file in one array (for small captures; use `PcapngWriter` to stream). */
export function encodePcapng(options: PcapngWriteOptions, packets: Iterable<PacketInput>): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new PcapngWriter((c) => {
    chunks.push(c);
  }, options);
  for (const p of packets) writer.write(p);
  writer.flush();
  return concat(chunks);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
