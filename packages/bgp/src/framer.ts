import { HEADER_LENGTH } from './constants.js';
import { checkHeaderFields, maxMessageLength } from './header.js';
import { type BgpSession, DEFAULT_SESSION } from './session.js';

/**
 * Turns a TCP byte stream into whole BGP messages. `push(chunk)` returns the messages the chunk
 * completes: subarrays of the chunk itself when a message lies inside it (zero-copy), else of an
 * internal buffer of one maximum message (4,096 bytes, or 65,535 with extended messages), so
 * memory stays bounded whatever the stream. A bad marker, length or type throws a
 * BgpDecodeError (NOTIFICATION 1/1, 1/2 or 1/3) as soon as the header is in, and the framer stays
 * failed. A message returned from the internal buffer stays valid: the buffer is replaced, not
 * overwritten, once handed out.
 */
export class BgpFramer {
  private pending: Uint8Array;
  private have = 0;
  private failed: Error | undefined;
  /** `pending` was handed out in a returned message: the next partial message needs a new buffer. */
  private shared = false;

  constructor(private session: BgpSession = DEFAULT_SESSION) {
    this.pending = new Uint8Array(maxMessageLength(session));
  }

  /** Changes the session (after the OPENs: extended messages); the buffer grows if needed. */
  setSession(session: BgpSession): void {
    this.session = session;
    const max = maxMessageLength(session);
    if (max > this.pending.length) {
      const grown = new Uint8Array(max);
      grown.set(this.pending.subarray(0, this.have));
      this.pending = grown;
    }
  }

  /** Bytes held from an incomplete message. */
  get buffered(): number {
    return this.have;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    try {
      return this.take(chunk);
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  private take(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    if (this.have > 0) {
      if (this.have < HEADER_LENGTH) {
        const n = Math.min(HEADER_LENGTH - this.have, chunk.length);
        this.pending.set(chunk.subarray(0, n), this.have);
        this.have += n;
        at = n;
        if (this.have < HEADER_LENGTH) return out;
      }
      const total = checkHeaderFields(this.pending, 0, this.session);
      const n = Math.min(total - this.have, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + n), this.have);
      this.have += n;
      at += n;
      if (this.have < total) return out;
      out.push(this.pending.subarray(0, total));
      this.have = 0;
      this.shared = true;
    }
    while (chunk.length - at >= HEADER_LENGTH) {
      const length = checkHeaderFields(chunk, at, this.session);
      if (at + length > chunk.length) break;
      out.push(chunk.subarray(at, at + length));
      at += length;
    }
    if (at < chunk.length) {
      if (this.shared) {
        this.pending = new Uint8Array(this.pending.length);
        this.shared = false;
      }
      this.pending.set(chunk.subarray(at), 0);
      this.have = chunk.length - at;
    }
    return out;
  }
}
