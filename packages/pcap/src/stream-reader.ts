import { ByteWindow } from './byte-window.js';
import { CaptureParser, type CaptureReadOptions } from './capture-parser.js';
import type {
  CaptureBlock,
  CaptureFormat,
  CaptureInterface,
  CapturePacket,
  PcapFileHeader,
} from './capture-types.js';

export interface CaptureStreamOptions extends CaptureReadOptions {
  /**
   * Yield views into the reader's one reused buffer instead of copies: faster, but a packet's
   * `data` is only valid until the next packet is requested. Default false (each packet owns
   * its bytes).
   */
  readonly zeroCopy?: boolean;
}

/**
 * Reads a pcap or pcapng file from a stream of byte chunks, holding one unit (record/block)
 * at a time: memory is bounded by the largest block, not the file.
 */
export class CaptureStreamReader implements AsyncIterable<CapturePacket> {
  private readonly parser: CaptureParser;
  private started = false;

  constructor(
    private readonly source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly options: CaptureStreamOptions = {},
  ) {
    this.parser = new CaptureParser(options);
  }

  /** Known once the first block has been read. */
  get format(): CaptureFormat | undefined {
    return this.parser.format;
  }

  get pcapHeader(): PcapFileHeader | undefined {
    return this.parser.pcapHeader;
  }

  /** Interfaces of the section being read. */
  get interfaces(): readonly CaptureInterface[] {
    return this.parser.decoder?.interfaces ?? [];
  }

  /** Bad records/blocks skipped (`onError: 'skip'`), and the bytes they covered. */
  get skipped(): number {
    return this.parser.skipped;
  }

  get skippedBytes(): number {
    return this.parser.skippedBytes;
  }

  private openWindow(): ByteWindow {
    if (this.started) throw new Error('a CaptureStreamReader can be iterated only once');
    this.started = true;
    const source = this.source;
    return new ByteWindow(
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : syncToAsync(source[Symbol.iterator]()),
    );
  }

  /** Every record/block in file order. A reader can be iterated once. */
  async *blocks(): AsyncGenerator<CaptureBlock> {
    const window = this.openWindow();
    const { parser } = this;
    const copy = !this.options.zeroCopy;
    try {
      for (;;) {
        const step = parser.step(window.buf, window.start, window.end, window.eof);
        if (step.type === 'end') return;
        if (step.type === 'need') {
          await window.fill(step.bytes);
          continue;
        }
        const block = step.block && copy ? detach(step.block) : step.block;
        window.consume(step.bytes);
        if (block) yield block;
      }
    } finally {
      await window.close();
    }
  }

  /**
   * Calls `onPacket` for every packet, in file order, without an async-iterator step per packet
   * (one await per read chunk instead): the fast way to visit a large capture. Return `false` to
   * stop; a returned Promise is awaited first (backpressure). Like the iterator, it can run once.
   */
  async forEachPacket(
    onPacket: (packet: CapturePacket) => boolean | undefined | Promise<boolean | undefined>,
  ): Promise<void> {
    const window = this.openWindow();
    const { parser } = this;
    const copy = !this.options.zeroCopy;
    try {
      for (;;) {
        const step = parser.step(window.buf, window.start, window.end, window.eof);
        if (step.type === 'end') return;
        if (step.type === 'need') {
          await window.fill(step.bytes);
          continue;
        }
        const block = step.block;
        if (block?.kind !== 'packet') {
          window.consume(step.bytes);
          continue;
        }
        const packet = copy ? { ...block.packet, data: block.packet.data.slice() } : block.packet;
        // The packet's bytes stay in place until the next fill, so consuming first is safe.
        window.consume(step.bytes);
        const more = onPacket(packet);
        if ((typeof more === 'object' ? await more : more) === false) return;
      }
    } finally {
      await window.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CapturePacket> {
    for await (const block of this.blocks()) if (block.kind === 'packet') yield block.packet;
  }
}

function syncToAsync(it: Iterator<Uint8Array>): AsyncIterator<Uint8Array> {
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}

/** A copy of a block whose byte fields no longer point into the reader's buffer. */
function detach(block: CaptureBlock): CaptureBlock {
  switch (block.kind) {
    case 'packet':
      return { ...block, packet: { ...block.packet, data: block.packet.data.slice() } };
    case 'section':
      return { ...block, section: { ...block.section, options: block.section.options.slice() } };
    case 'other':
      return { ...block, bytes: block.bytes.slice() };
    default:
      return block;
  }
}

/** Streams a capture from any (async) iterable of byte chunks (browser-safe; see `openCapture` for files). */
export function readCaptureStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options?: CaptureStreamOptions,
): CaptureStreamReader {
  return new CaptureStreamReader(source, options);
}
