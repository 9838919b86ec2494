const INITIAL_SIZE = 64 * 1024;

/**
 * A growable window over a stream of chunks: one buffer, compacted and reused, grown only when
 * a single unit is larger than it. Holds at most max(largest request, one chunk) bytes plus slack.
 */
export class ByteWindow {
  buf = new Uint8Array(INITIAL_SIZE);
  start = 0;
  end = 0;
  eof = false;
  private pending: Uint8Array | undefined;

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  get length(): number {
    return this.end - this.start;
  }

  /** Reads until `n` bytes are in the window or the input ends; grows only as data arrives. */
  async fill(n: number): Promise<void> {
    while (this.length < n && !this.eof) {
      let chunk = this.pending;
      this.pending = undefined;
      if (!chunk) {
        const r = await this.chunks.next();
        if (r.done) {
          this.eof = true;
          break;
        }
        chunk = r.value;
        if (!(chunk instanceof Uint8Array)) {
          throw new TypeError('capture stream chunks must be Uint8Arrays (not strings or objects)');
        }
      }
      this.makeRoom(Math.min(chunk.length, n - this.length));
      const take = Math.min(chunk.length, this.buf.length - this.end);
      this.buf.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.end);
      this.end += take;
      if (take < chunk.length) this.pending = chunk.subarray(take);
    }
  }

  consume(n: number): void {
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Makes room for `n` more bytes after `end`: compacts, and grows (doubling) only when it must. */
  private makeRoom(n: number): void {
    if (this.buf.length - this.end >= n) return;
    const length = this.length;
    if (this.buf.length - length >= n) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const grown = new Uint8Array(Math.max(length + n, 2 * this.buf.length));
      grown.set(this.buf.subarray(this.start, this.end));
      this.buf = grown;
    }
    this.start = 0;
    this.end = length;
  }

  /** Stops the underlying stream early. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}
