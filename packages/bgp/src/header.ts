import { readU16 } from '@cnikit/wire';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import { sessionError } from './errors.js';
import { type BgpSession, DEFAULT_SESSION } from './session.js';

const EMPTY = new Uint8Array(0);

/** The smallest length of each message type (RFC 4271 §4, RFC 2918 §3). */
const MIN_LENGTH: Readonly<Record<number, number>> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

/** The largest message a session allows. */
export function maxMessageLength(session: BgpSession): number {
  return session.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/**
 * Checks the 19-byte header at `start` (RFC 4271 §6.1: marker, length, type; 19 bytes must be
 * there) and returns the message length. Errors carry NOTIFICATION 1/1, 1/2 or 1/3.
 */
export function checkHeaderFields(buf: Uint8Array, start: number, session: BgpSession): number {
  for (let i = 0; i < 16; i++) {
    if (buf[start + i] !== 0xff) throw sessionError('bad-value', start + i, 'marker is not all ones', 1, 1);
  }
  const length = readU16(buf, start + 16);
  const type = buf[start + 18];
  if (length < HEADER_LENGTH || length > maxMessageLength(session)) {
    throw sessionError(
      'bad-length',
      start + 16,
      `message length ${length}`,
      1,
      2,
      buf.subarray(start + 16, start + 18),
    );
  }
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw sessionError(
      'bad-value',
      start + 18,
      `message type ${type}`,
      1,
      3,
      buf.subarray(start + 18, start + 19),
    );
  }
  if (length < min || (type === MessageType.Keepalive && length !== HEADER_LENGTH)) {
    throw sessionError(
      'bad-length',
      start + 16,
      `${length} bytes is not a valid length for type ${type}`,
      1,
      2,
      buf.subarray(start + 16, start + 18),
    );
  }
  return length;
}

/** checkHeaderFields, and the whole message must lie before `end`; returns the message length. */
export function checkHeader(buf: Uint8Array, start: number, end: number, session: BgpSession): number {
  if (start + HEADER_LENGTH > end) {
    throw sessionError(
      'truncated',
      start,
      `header needs 19 bytes, only ${Math.max(0, end - start)} left`,
      1,
      2,
    );
  }
  const length = checkHeaderFields(buf, start, session);
  if (start + length > end) {
    throw sessionError(
      'truncated',
      start,
      `message of ${length} bytes, only ${end - start} left`,
      1,
      2,
      buf.subarray(start + 16, start + 18),
    );
  }
  return length;
}

/** A zero-copy view of one BGP message's header; `body` is the rest of the message. */
export class BgpMessageView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(
    buf: Uint8Array,
    start = 0,
    end = buf.length,
    session: BgpSession = DEFAULT_SESSION,
  ): BgpMessageView {
    return new BgpMessageView().bind(buf, start, end, session);
  }

  /** Points the view at the message starting at `start`; `end` becomes where the message ends. */
  bind(buf: Uint8Array, start = 0, end = buf.length, session: BgpSession = DEFAULT_SESSION): this {
    const length = checkHeader(buf, start, end, session);
    this.buf = buf;
    this.start = start;
    this.end = start + length;
    return this;
  }

  get marker(): Uint8Array {
    return this.buf.subarray(this.start, this.start + 16);
  }
  get length(): number {
    return this.end - this.start;
  }
  get type(): MessageType {
    return this.buf[this.start + 18] as MessageType;
  }
  get bodyStart(): number {
    return this.start + HEADER_LENGTH;
  }
  get body(): Uint8Array {
    return this.buf.subarray(this.start + HEADER_LENGTH, this.end);
  }
}

/** Writes a header for a message of `length` bytes (body follows) at `offset`. */
export function writeHeader(type: number, length: number, out: Uint8Array, offset = 0): number {
  if (!Number.isInteger(length) || length < HEADER_LENGTH || length > MAX_EXTENDED_MESSAGE_LENGTH) {
    throw new RangeError(`bgp length must be an integer in 19..65535, got ${length}`);
  }
  out.fill(0xff, offset, offset + 16);
  out[offset + 16] = length >>> 8;
  out[offset + 17] = length;
  out[offset + 18] = type;
  return HEADER_LENGTH;
}
