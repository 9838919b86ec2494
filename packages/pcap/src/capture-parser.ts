import { DecodeError } from '@cnikit/wire';
import type { CaptureBlock, CaptureFormat, PcapFileHeader } from './capture-types.js';
import { decodePcapFileHeader, PCAP_FILE_HEADER_LENGTH, PcapDecoder } from './pcap-decoder.js';
import { BlockType, PcapngDecoder } from './pcapng-decoder.js';
import type { UnitDecoder } from './unit-decoder.js';

/** What to do with a bad record or block: stop with its DecodeError, or skip it and resync. */
export type OnDecodeError = 'throw' | 'skip';

export interface CaptureReadOptions {
  /** `'skip'` drops a bad record/block, looks for the next plausible one and counts the skip. */
  readonly onError?: OnDecodeError;
}

/** One step of a parse: wait for more bytes, or move past `bytes` (maybe yielding a block). */
export type ParseStep =
  | { readonly type: 'need'; readonly bytes: number }
  | { readonly type: 'consume'; readonly bytes: number; readonly block?: CaptureBlock }
  | { readonly type: 'end' };

/** pcap or pcapng from the first four bytes, or undefined. */
export function detectCaptureFormat(bytes: Uint8Array, at = 0): CaptureFormat | undefined {
  if (bytes.length - at < 4) return undefined;
  const word = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  if (word === BlockType.SectionHeader) return 'pcapng';
  const swapped = ((bytes[at + 3] << 24) | (bytes[at + 2] << 16) | (bytes[at + 1] << 8) | bytes[at]) >>> 0;
  for (const w of [word, swapped]) if (w === 0xa1b2c3d4 || w === 0xa1b23c4d) return 'pcap';
  return undefined;
}

function relocate(e: DecodeError, delta: number): DecodeError {
  return delta === 0 ? e : new DecodeError(e.code, e.layer, e.offset + delta, e.reason);
}

/**
 * The format-independent reading loop, shared by the synchronous and the streaming reader. It
 * is fed a window buf[at, end) that starts at file offset `position` and says what to do next;
 * with `eof` set it never asks for more. Errors carry file offsets.
 */
export class CaptureParser {
  /** File offset of buf[at] on the next call. */
  position = 0;
  /** Bad records/blocks dropped in `'skip'` mode. */
  skipped = 0;
  /** Bytes dropped while skipping. */
  skippedBytes = 0;
  /** The first error skipped, for reporting. */
  firstError: DecodeError | undefined;
  decoder: UnitDecoder | undefined;
  pcapHeader: PcapFileHeader | undefined;
  private resyncing = false;
  private candidate = false;
  private readonly onError: OnDecodeError;

  constructor(options: CaptureReadOptions = {}) {
    this.onError = options.onError ?? 'throw';
  }

  get format(): CaptureFormat | undefined {
    return this.decoder?.format;
  }

  step(buf: Uint8Array, at: number, end: number, eof: boolean): ParseStep {
    if (!this.decoder) return this.start(buf, at, end, eof);
    const decoder = this.decoder;
    const available = end - at;
    if (available === 0 && eof) return { type: 'end' };
    if (this.resyncing) {
      const plausible = decoder.plausibleStart(buf, at, end, eof);
      if (typeof plausible === 'number' && !eof) return { type: 'need', bytes: plausible };
      // At the end of the input a candidate that could not be confirmed is not a unit.
      if (plausible !== true) return this.drop(Math.min(decoder.resyncStep, available));
      this.resyncing = false;
      this.candidate = true;
    }
    try {
      const headerSize = decoder.headerSize();
      if (available < headerSize) {
        if (!eof) return { type: 'need', bytes: headerSize };
        throw this.truncated(at, headerSize, available);
      }
      const length = decoder.unitLength(buf, at);
      if (available < length) {
        if (!eof) return { type: 'need', bytes: length };
        throw this.truncated(at, length, available);
      }
      const block = decoder.decodeUnit(buf, at, length, this.position);
      this.candidate = false;
      this.position += length;
      return { type: 'consume', bytes: length, block };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      const error = relocate(e, this.position - at);
      if (this.onError === 'throw') throw error;
      if (!this.candidate) {
        this.skipped++;
        this.firstError ??= error;
      }
      this.candidate = false;
      this.resyncing = true;
      return this.drop(Math.min(decoder.resyncStep, available));
    }
  }

  private drop(bytes: number): ParseStep {
    this.position += bytes;
    this.skippedBytes += bytes;
    return { type: 'consume', bytes };
  }

  private truncated(at: number, need: number, available: number): DecodeError {
    const what = this.decoder?.format === 'pcapng' ? 'block' : 'record';
    return new DecodeError(
      'truncated',
      this.decoder?.format ?? 'pcap',
      at,
      `${what} needs ${need} bytes, only ${available} left`,
    );
  }

  /** The file header: always fatal when bad, since nothing after it can be read without it. */
  private start(buf: Uint8Array, at: number, end: number, eof: boolean): ParseStep {
    const available = end - at;
    if (available < 4) {
      if (!eof) return { type: 'need', bytes: 4 };
      throw new DecodeError('truncated', 'pcap', this.position, `file of ${available} bytes has no header`);
    }
    const format = detectCaptureFormat(buf, at);
    if (format === 'pcapng') {
      this.decoder = new PcapngDecoder();
      return this.step(buf, at, end, eof);
    }
    if (!format) {
      const magic = Array.from(buf.subarray(at, at + 4), (b) => b.toString(16).padStart(2, '0')).join('');
      throw new DecodeError(
        'bad-value',
        'pcap',
        this.position,
        `bad magic 0x${magic}: not a pcap or pcapng file`,
      );
    }
    if (available < PCAP_FILE_HEADER_LENGTH) {
      if (!eof) return { type: 'need', bytes: PCAP_FILE_HEADER_LENGTH };
      throw new DecodeError(
        'truncated',
        'pcap',
        this.position,
        `file header needs 24 bytes, only ${available} left`,
      );
    }
    let decoded: ReturnType<typeof decodePcapFileHeader>;
    try {
      decoded = decodePcapFileHeader(buf.subarray(at, at + PCAP_FILE_HEADER_LENGTH));
    } catch (e) {
      throw e instanceof DecodeError ? relocate(e, this.position) : e;
    }
    this.decoder = new PcapDecoder(decoded.header, decoded.iface);
    this.pcapHeader = decoded.header;
    const offset = this.position;
    this.position += PCAP_FILE_HEADER_LENGTH;
    return {
      type: 'consume',
      bytes: PCAP_FILE_HEADER_LENGTH,
      block: { kind: 'interface', offset, index: 0, iface: decoded.iface },
    };
  }
}
