import { DecodeError, readU32 } from '@cnikit/wire';
import { BIG_ENDIAN, type ByteOrder, byteOrder, u64 } from './byte-order.js';
import { type CaptureBlock, type CaptureInterface, MAX_BLOCK_LENGTH } from './capture-types.js';
import {
  decodePcapngOptions,
  IF_FCSLEN,
  IF_NAME,
  IF_TSOFFSET,
  IF_TSRESOL,
  readI64,
} from './pcapng-options.js';
import { ticksPerSecond, ticksToNanoseconds } from './timestamp.js';
import type { UnitDecoder } from './unit-decoder.js';

const LAYER = 'pcapng';

/** pcapng block types (draft-ietf-opsawg-pcapng §10.1). */
export const BlockType = {
  SectionHeader: 0x0a0d0d0a,
  InterfaceDescription: 0x00000001,
  /** Obsolete Packet Block, still written by old tools. */
  Packet: 0x00000002,
  SimplePacket: 0x00000003,
  NameResolution: 0x00000004,
  InterfaceStatistics: 0x00000005,
  EnhancedPacket: 0x00000006,
  SystemdJournalExport: 0x00000009,
  DecryptionSecrets: 0x0000000a,
  Custom: 0x00000bad,
  CustomNoCopy: 0x40000bad,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Block type + block total length + trailing block total length. */
export const BLOCK_OVERHEAD = 12;

const KNOWN_TYPES = new Set<number>(Object.values(BlockType));

interface InterfaceState {
  readonly iface: CaptureInterface;
  readonly perSecond: bigint;
  readonly offsetNs: bigint;
  /** Ticks per second when it is 10^6 (the default), for a number-only fast path. */
  readonly microseconds: boolean;
}

/** Block decoder for a pcapng file: tracks the current section's byte order and interfaces. */
export class PcapngDecoder implements UnitDecoder {
  readonly format = 'pcapng';
  readonly resyncStep = 4;
  private order: ByteOrder | undefined;
  private states: InterfaceState[] = [];

  get interfaces(): readonly CaptureInterface[] {
    return this.states.map((s) => s.iface);
  }

  headerSize(): number {
    return BLOCK_OVERHEAD;
  }

  /** Byte order of the SHB at `at` (12 bytes present), or undefined if its magic is wrong. */
  private sectionOrder(buf: Uint8Array, at: number): ByteOrder | undefined {
    const magic = readU32(buf, at + 8);
    if (magic === BYTE_ORDER_MAGIC) return BIG_ENDIAN;
    if (magic === 0x4d3c2b1a) return byteOrder(true);
    return undefined;
  }

  unitLength(buf: Uint8Array, at: number): number {
    const type = readU32(buf, at);
    let order = this.order;
    if (type === BlockType.SectionHeader) {
      order = this.sectionOrder(buf, at);
      if (!order) throw new DecodeError('bad-value', LAYER, at + 8, 'bad byte-order magic in section header');
    } else if (!order) {
      throw new DecodeError('bad-value', LAYER, at, `bad magic 0x${type.toString(16)}: not a pcapng section`);
    }
    const length = order.u32(buf, at + 4);
    if (length < BLOCK_OVERHEAD) {
      throw new DecodeError('bad-length', LAYER, at, `block length ${length} is less than 12`);
    }
    if (length % 4 !== 0) {
      throw new DecodeError('bad-length', LAYER, at, `block length ${length} is not a multiple of 4`);
    }
    if (length > MAX_BLOCK_LENGTH) {
      throw new DecodeError('bad-length', LAYER, at, `block length ${length} exceeds ${MAX_BLOCK_LENGTH}`);
    }
    return length;
  }

  decodeUnit(buf: Uint8Array, at: number, length: number, fileOffset: number): CaptureBlock | undefined {
    const isSection = readU32(buf, at) === BlockType.SectionHeader;
    const order = isSection ? this.sectionOrder(buf, at)! : this.order!;
    const type = order.u32(buf, at);
    const trailing = order.u32(buf, at + length - 4);
    if (trailing !== length) {
      throw new DecodeError(
        'bad-length',
        LAYER,
        at,
        `trailing block length ${trailing} does not match the leading ${length}`,
      );
    }
    switch (type) {
      case BlockType.SectionHeader:
        return this.sectionHeader(buf, at, length, fileOffset, order);
      case BlockType.InterfaceDescription:
        return this.interfaceDescription(buf, at, length, fileOffset, order);
      case BlockType.EnhancedPacket:
        return this.enhancedPacket(buf, at, length, fileOffset, order);
      case BlockType.SimplePacket:
        return this.simplePacket(buf, at, length, fileOffset, order);
      case BlockType.Packet:
        return this.obsoletePacket(buf, at, length, fileOffset, order);
      default:
        return {
          kind: 'other',
          offset: fileOffset,
          blockType: type,
          littleEndian: order.littleEndian,
          bytes: buf.subarray(at, at + length),
        };
    }
  }

  private need(at: number, length: number, minimum: number, what: string): void {
    if (length < minimum) {
      throw new DecodeError('bad-length', LAYER, at, `${what} of ${length} bytes is shorter than ${minimum}`);
    }
  }

  private sectionHeader(buf: Uint8Array, at: number, length: number, offset: number, order: ByteOrder) {
    this.need(at, length, 28, 'section header block');
    const versionMajor = order.u16(buf, at + 12);
    const versionMinor = order.u16(buf, at + 14);
    if (versionMajor !== 1) {
      throw new DecodeError(
        'bad-version',
        LAYER,
        at + 12,
        `unsupported version ${versionMajor}.${versionMinor}`,
      );
    }
    this.order = order;
    this.states = [];
    return {
      kind: 'section',
      offset,
      section: {
        offset,
        littleEndian: order.littleEndian,
        versionMajor,
        versionMinor,
        sectionLength: readI64(buf, at + 16, order),
        options: buf.subarray(at + 24, at + length - 4),
      },
    } as const;
  }

  private interfaceDescription(
    buf: Uint8Array,
    at: number,
    length: number,
    offset: number,
    order: ByteOrder,
  ) {
    this.need(at, length, 20, 'interface description block');
    const linkTypeWord = order.u16(buf, at + 8);
    let timestampResolution = 6;
    let timestampOffset = 0n;
    let fcsLength: number | undefined;
    let name: string | undefined;
    for (const o of decodePcapngOptions(buf, at + 16, at + length - 4, order)) {
      if (o.code === IF_TSRESOL && o.value.length >= 1) timestampResolution = o.value[0];
      else if (o.code === IF_TSOFFSET && o.value.length >= 8) timestampOffset = readI64(o.value, 0, order);
      else if (o.code === IF_FCSLEN && o.value.length >= 1) fcsLength = o.value[0];
      else if (o.code === IF_NAME) name = new TextDecoder().decode(o.value);
    }
    const perSecond = ticksPerSecond(timestampResolution);
    if (perSecond === undefined) {
      throw new DecodeError(
        'bad-option',
        LAYER,
        at,
        `if_tsresol 0x${timestampResolution.toString(16)} is too fine`,
      );
    }
    const iface: CaptureInterface = {
      linkType: linkTypeWord,
      snapLength: order.u32(buf, at + 12),
      timestampResolution,
      timestampOffset,
      linkTypeWord,
      ...(fcsLength === undefined ? {} : { fcsLength }),
      ...(name === undefined ? {} : { name }),
    };
    const index = this.states.length;
    this.states.push({
      iface,
      perSecond,
      offsetNs: timestampOffset * 1_000_000_000n,
      microseconds: perSecond === 1_000_000n,
    });
    return { kind: 'interface', offset, index, iface } as const;
  }

  private interfaceAt(at: number, index: number): InterfaceState {
    const state = this.states[index];
    if (!state) {
      throw new DecodeError(
        'bad-value',
        LAYER,
        at,
        `interface id ${index} but the section describes ${this.states.length} interfaces`,
      );
    }
    return state;
  }

  private timestamp(state: InterfaceState, high: number, low: number): bigint {
    if (state.microseconds && high < 0x200000) {
      const ticks = high * 0x100000000 + low;
      const seconds = Math.floor(ticks / 1_000_000);
      const ns = BigInt(seconds) * 1_000_000_000n + BigInt((ticks - seconds * 1_000_000) * 1000);
      return state.offsetNs === 0n ? ns : ns + state.offsetNs;
    }
    return ticksToNanoseconds(u64(high, low), state.perSecond) + state.offsetNs;
  }

  private packet(
    buf: Uint8Array,
    at: number,
    bodyStart: number,
    bodyEnd: number,
    captureLength: number,
    offset: number,
    index: number,
    originalLength: number,
    timestamp: bigint,
  ): CaptureBlock {
    if (bodyStart + captureLength > bodyEnd) {
      throw new DecodeError(
        'bad-length',
        LAYER,
        at,
        `captured length ${captureLength} does not fit in a block with ${bodyEnd - bodyStart} bytes of data`,
      );
    }
    const state = this.states[index];
    return {
      kind: 'packet',
      offset,
      packet: {
        data: buf.subarray(bodyStart, bodyStart + captureLength),
        captureLength,
        originalLength,
        timestamp,
        interfaceIndex: index,
        linkType: state.iface.linkType,
      },
    };
  }

  private enhancedPacket(buf: Uint8Array, at: number, length: number, offset: number, order: ByteOrder) {
    this.need(at, length, 32, 'enhanced packet block');
    return this.timedPacket(buf, at, length, offset, order, order.u32(buf, at + 8));
  }

  /** Obsolete Packet Block: the Enhanced Packet Block's layout with a 16-bit interface ID (then drops). */
  private obsoletePacket(buf: Uint8Array, at: number, length: number, offset: number, order: ByteOrder) {
    this.need(at, length, 32, 'packet block');
    return this.timedPacket(buf, at, length, offset, order, order.u16(buf, at + 8));
  }

  /** The fields after the interface ID, shared by the enhanced and the obsolete packet blocks. */
  private timedPacket(
    buf: Uint8Array,
    at: number,
    length: number,
    offset: number,
    order: ByteOrder,
    index: number,
  ) {
    const state = this.interfaceAt(at, index);
    const timestamp = this.timestamp(state, order.u32(buf, at + 12), order.u32(buf, at + 16));
    const captureLength = order.u32(buf, at + 20);
    const originalLength = order.u32(buf, at + 24);
    return this.packet(
      buf,
      at,
      at + 28,
      at + length - 4,
      captureLength,
      offset,
      index,
      originalLength,
      timestamp,
    );
  }

  /** Simple Packet Block: interface 0, no timestamp (reported as 0), data cut to the snaplen. */
  private simplePacket(buf: Uint8Array, at: number, length: number, offset: number, order: ByteOrder) {
    this.need(at, length, 16, 'simple packet block');
    const state = this.interfaceAt(at, 0);
    const originalLength = order.u32(buf, at + 8);
    const room = length - 16;
    const snap = state.iface.snapLength;
    const captureLength = Math.min(originalLength, room, snap === 0 ? room : snap);
    return this.packet(buf, at, at + 12, at + length - 4, captureLength, offset, 0, originalLength, 0n);
  }

  plausibleStart(buf: Uint8Array, at: number, end: number, eof: boolean): boolean | number {
    if (end - at < BLOCK_OVERHEAD) return eof ? false : BLOCK_OVERHEAD;
    const isSection = readU32(buf, at) === BlockType.SectionHeader;
    const order = isSection ? this.sectionOrder(buf, at) : this.order;
    if (!order) return false;
    const type = order.u32(buf, at);
    if (!KNOWN_TYPES.has(type)) return false;
    const length = order.u32(buf, at + 4);
    if (length < BLOCK_OVERHEAD || length % 4 !== 0 || length > MAX_BLOCK_LENGTH) return false;
    if (type === BlockType.EnhancedPacket && order.u32(buf, at + 8) >= this.states.length) return false;
    if (end - at < length) return eof ? false : length;
    return order.u32(buf, at + length - 4) === length;
  }
}
