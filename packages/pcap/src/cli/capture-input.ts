import { open } from 'node:fs/promises';
import { DecodeError } from '@cnikit/wire';
import type { CapturePacket } from '../capture-types.js';
import { linkTypeName } from '../link-types.js';
import { openCapture } from '../open-capture.js';
import type { NumberedPacket } from './frame.js';
import type { CliIo } from './io.js';
import { ProgressBar } from './progress.js';
import { decodesLinkType } from './protocols.js';

/** An error that ends the command with a message on stderr and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface ReadOutcome {
  /** Packets handed to the callback. */
  readonly packets: number;
  /** Why reading stopped early: the capture's DecodeError, with its file offset. */
  readonly error?: DecodeError;
}

/** Files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
// 64 KiB reads: 1 MiB ones raised peak RSS by ~25 MiB (buffers awaiting GC) for no speed gain.
const CHUNK_BYTES = 64 * 1024;

const OPEN_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/**
 * Streams the packets of a capture file (bounded memory) to `onPacket`, which returns false to
 * stop. A packet's bytes are only valid during its callback. Throws CliError (exit 2) when the
 * file cannot be opened; a corrupt capture ends the read with `error` set, after the packets
 * before it were delivered.
 */
export async function readPackets(
  path: string,
  io: CliIo,
  options: { readonly progress: boolean },
  onPacket: (p: NumberedPacket) => boolean | Promise<boolean>,
): Promise<ReadOutcome> {
  const input = path === STDIN ? standardInput(io) : await openFile(path);
  // Standard input has no size to show progress against.
  const size = input.size ?? 0;
  const bar = new ProgressBar(io.stderr, options.progress && size >= PROGRESS_MIN_BYTES ? size : 0, path);
  let bytesRead = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input.chunks) {
      if (typeof chunk === 'string') throw new CliError(`${path}: input is text, not a capture`, 2);
      bytesRead += chunk.length;
      bar.update(bytesRead);
      yield chunk;
    }
  }
  const reader = openCapture(chunks(), { zeroCopy: true, onError: 'throw' });
  const seenLinkTypes = new Set<number>();
  let number = 0;
  try {
    await reader.forEachPacket((packet) => {
      number++;
      if (!seenLinkTypes.has(packet.linkType)) {
        seenLinkTypes.add(packet.linkType);
        warnUndecodedLinkType(io, path, packet);
      }
      const fcsLength = reader.interfaces[packet.interfaceIndex]?.fcsLength;
      const pcapng = reader.format === 'pcapng';
      return onPacket(
        fcsLength === undefined ? { number, packet, pcapng } : { number, packet, pcapng, fcsLength },
      );
    });
    return { packets: number };
  } catch (e) {
    if (e instanceof DecodeError) return { packets: number, error: e };
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, 1);
  } finally {
    bar.finish();
    await input.close();
  }
}

/** The FILE name that means standard input. */
export const STDIN = '-';

interface Input {
  readonly chunks: AsyncIterable<Uint8Array | string>;
  /** Bytes in the file, when known (not for standard input). */
  readonly size?: number;
  close(): Promise<void>;
}

function standardInput(io: CliIo): Input {
  const stdin = io.stdin;
  if (!stdin) throw new CliError('cannot open -: no standard input', 2);
  // Standard input belongs to the process: left open for whoever owns it.
  return { chunks: stdin, close: async () => {} };
}

async function openFile(path: string): Promise<Input> {
  try {
    const handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return {
      chunks: handle.createReadStream({ highWaterMark: CHUNK_BYTES }),
      size: stat.size,
      close: () => handle.close().catch(() => {}),
    };
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const reason = OPEN_FAILURES[code] ?? (e instanceof Error ? e.message : String(e));
    throw new CliError(`cannot open ${path}: ${reason}`, 2);
  }
}

/** Called once per link type seen. */
function warnUndecodedLinkType(io: CliIo, path: string, packet: CapturePacket): void {
  if (decodesLinkType(packet.linkType)) return;
  io.stderr.write(
    `cnikit: ${path}: link type ${linkTypeName(packet.linkType)} (${packet.linkType}) has no dissector; ` +
      'its packets are shown as undecoded data\n',
  );
}
