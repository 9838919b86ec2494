/** The part of a Node stream the CLI writes to; tests pass an object that collects strings. */
export interface CliStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Where `runCli` writes, what it reads for FILE `-`, and what it reports for `--version`. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Standard input, read when FILE is `-` (a Node Readable is an async iterable of chunks). */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  readonly version?: string;
}

const FLUSH_AT = 64 * 1024;

/**
 * Batches many small writes into ~64 KiB ones and waits for `drain` when the stream's buffer
 * is full, so piping a large capture's output keeps memory bounded.
 */
export class BufferedOutput {
  private pending = '';

  constructor(private readonly stream: CliStream) {}

  /** Appends text; call `maybeFlush()` at a point where waiting is allowed. */
  write(text: string): void {
    this.pending += text;
  }

  async maybeFlush(): Promise<void> {
    if (this.pending.length >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    const stream = this.stream;
    if (stream.write(text) === false && stream.once) {
      await new Promise<void>((resolve) => stream.once?.('drain', resolve));
    }
  }
}
