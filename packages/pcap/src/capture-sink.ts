/** Receives the bytes a writer produces; may return a Promise to apply backpressure. */
export type CaptureSink = (chunk: Uint8Array) => void | Promise<void>;

/** The part of a Node `Writable` a writer uses (structural, so this module stays browser-safe). */
export interface WritableLike {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(callback?: () => void): unknown;
}

const BATCH_SIZE = 64 * 1024;

/**
 * Collects small writes into ~64 KiB chunks for a sink or a Writable. Every chunk handed over is
 * a fresh array the receiver may keep.
 */
export class BatchedOutput {
  private batch = new Uint8Array(BATCH_SIZE);
  private used = 0;
  private closed = false;
  private backpressure: Promise<void> | undefined;
  private readonly sink: CaptureSink;
  private readonly writable: WritableLike | undefined;

  constructor(target: CaptureSink | WritableLike) {
    if (typeof target === 'function') {
      this.sink = target;
      this.writable = undefined;
    } else {
      const writable = target;
      this.writable = writable;
      this.sink = (chunk) =>
        writable.write(chunk) ? undefined : new Promise<void>((resolve) => writable.once('drain', resolve));
    }
  }

  /** Space for `n` bytes: write them at `at` in the returned array, then call `commit(n)`. */
  reserve(n: number): { buf: Uint8Array; at: number } {
    if (this.closed) throw new Error('capture writer is closed');
    if (this.used + n > this.batch.length) {
      const wait = this.flush();
      if (wait) this.backpressure = this.backpressure ? this.backpressure.then(() => wait) : wait;
      if (n > this.batch.length) this.batch = new Uint8Array(n);
    }
    return { buf: this.batch, at: this.used };
  }

  /** Records `n` written bytes; returns a Promise when the destination asked the caller to wait. */
  commit(n: number): void | Promise<void> {
    this.used += n;
    const wait = this.backpressure;
    this.backpressure = undefined;
    return wait;
  }

  /** Hands the batch over; returns the sink's promise, if any. */
  flush(): void | Promise<void> {
    if (this.used === 0) return;
    const chunk = this.batch.subarray(0, this.used);
    this.batch = new Uint8Array(BATCH_SIZE);
    this.used = 0;
    return this.sink(chunk);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.backpressure;
    await this.flush();
    this.closed = true;
    const writable = this.writable;
    if (writable) await new Promise<void>((resolve) => writable.end(resolve));
  }
}
