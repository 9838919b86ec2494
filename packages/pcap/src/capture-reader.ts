import { CaptureParser, type CaptureReadOptions, detectCaptureFormat } from './capture-parser.js';
import type {
  CaptureBlock,
  CaptureFormat,
  CaptureInterface,
  CapturePacket,
  PcapFileHeader,
} from './capture-types.js';

/**
 * A pcap or pcapng file held in memory. Iterating yields its packets, whose `data` are
 * `subarray`s of the input (zero-copy); `blocks()` yields every unit, for copiers.
 * Bad input throws a DecodeError (layer `pcap`/`pcapng`, file offset of the bad record or block)
 * when iteration reaches it, or is skipped and counted with `{ onError: 'skip' }`.
 */
export class CaptureReader implements Iterable<CapturePacket> {
  /** `undefined` when the first bytes are not a pcap or pcapng magic (iteration then throws). */
  readonly format: CaptureFormat | undefined;
  private parser: CaptureParser;

  constructor(
    readonly bytes: Uint8Array,
    private readonly options: CaptureReadOptions = {},
  ) {
    this.format = detectCaptureFormat(bytes);
    this.parser = new CaptureParser(options);
  }

  /** The pcap file header (after iteration started), undefined for pcapng. */
  get pcapHeader(): PcapFileHeader | undefined {
    return this.parser.pcapHeader;
  }

  /** Interfaces of the section being read (the pcap header's single interface for pcap). */
  get interfaces(): readonly CaptureInterface[] {
    return this.parser.decoder?.interfaces ?? [];
  }

  /** Bad records/blocks skipped so far (`onError: 'skip'`). */
  get skipped(): number {
    return this.parser.skipped;
  }

  /** Every record/block in file order; restarts from the beginning on each call. */
  *blocks(): Generator<CaptureBlock> {
    const parser = new CaptureParser(this.options);
    this.parser = parser;
    const { bytes } = this;
    let at = 0;
    for (;;) {
      const step = parser.step(bytes, at, bytes.length, true);
      if (step.type !== 'consume') return;
      at += step.bytes;
      if (step.block) yield step.block;
    }
  }

  *[Symbol.iterator](): Iterator<CapturePacket> {
    for (const block of this.blocks()) if (block.kind === 'packet') yield block.packet;
  }

  /** All packets as an array (their data still views of the input). */
  packets(): CapturePacket[] {
    return Array.from(this);
  }
}

/** Reads a pcap or pcapng file held in memory (sniffs the format from its magic). */
export function readCapture(bytes: Uint8Array, options?: CaptureReadOptions): CaptureReader {
  return new CaptureReader(bytes, options);
}
