import { DecodeError } from '@cnikit/wire';
import { readHostU16, readHostU32 } from './host-order.js';
import { align4, NLMSG_HDRLEN } from './netlink-constants.js';

const EMPTY = new Uint8Array(0);

/**
 * One netlink message (struct nlmsghdr + payload), zero-copy and rebindable.
 *
 * ```
 *  0               4       6       8              12             16
 *  +---------------+-------+-------+--------------+--------------+---------------
 *  | nlmsg_len     | type  | flags | nlmsg_seq    | nlmsg_pid    | payload …
 *  +---------------+-------+-------+--------------+--------------+---------------
 * ```
 * All fields in host byte order; `nlmsg_len` counts the header and payload, not the padding.
 */
export class NetlinkMessage {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): NetlinkMessage {
    return new NetlinkMessage().bind(buf, start, end);
  }

  /** Points the view at the message starting at `start`; `end` bounds the datagram. */
  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    if (end - start < NLMSG_HDRLEN) {
      throw new DecodeError(
        'truncated',
        'netlink',
        start,
        `needs a 16-byte header, only ${end - start} left`,
      );
    }
    const len = readHostU32(buf, start);
    if (len < NLMSG_HDRLEN) throw new DecodeError('bad-length', 'netlink', start, `nlmsg_len ${len} < 16`);
    if (len > end - start) {
      throw new DecodeError('truncated', 'netlink', start, `nlmsg_len ${len} but only ${end - start} bytes`);
    }
    this.buf = buf;
    this.start = start;
    this.end = start + len;
    return this;
  }

  get length(): number {
    return this.end - this.start;
  }
  get type(): number {
    return readHostU16(this.buf, this.start + 4);
  }
  get flags(): number {
    return readHostU16(this.buf, this.start + 6);
  }
  get seq(): number {
    return readHostU32(this.buf, this.start + 8);
  }
  get pid(): number {
    return readHostU32(this.buf, this.start + 12);
  }
  /** Where the payload starts in `buf`. */
  get payloadStart(): number {
    return this.start + NLMSG_HDRLEN;
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + NLMSG_HDRLEN, this.end);
  }

  toJSON(): NetlinkHeader {
    return { length: this.length, type: this.type, flags: this.flags, seq: this.seq, pid: this.pid };
  }
}

/** struct nlmsghdr as a plain object; `length` is computed by writers when absent. */
export interface NetlinkHeader {
  length?: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/**
 * Walks the messages of one datagram without allocating: `next()` rebinds `message` to the next
 * one and returns false at the end. Messages are 4-byte aligned; the last one need not be padded.
 */
export class NetlinkMessageCursor {
  readonly message = new NetlinkMessage();
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;

  constructor(buf?: Uint8Array, start = 0, end = buf?.length ?? 0) {
    if (buf) this.reset(buf, start, end);
  }

  reset(buf: Uint8Array, start = 0, end = buf.length): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  next(): boolean {
    if (this.pos >= this.end) return false;
    this.message.bind(this.buf, this.pos, this.end);
    this.pos = Math.min(this.end, this.message.start + align4(this.message.length));
    return true;
  }
}

/** Every message of a datagram as plain headers (allocating; for tests and tools). */
export function decodeNetlinkHeaders(buf: Uint8Array, start = 0, end = buf.length): NetlinkHeader[] {
  const out: NetlinkHeader[] = [];
  const c = new NetlinkMessageCursor(buf, start, end);
  while (c.next()) out.push(c.message.toJSON());
  return out;
}
