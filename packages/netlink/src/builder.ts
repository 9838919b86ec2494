import { writeU16, writeU32 } from '@cnikit/wire';
import { writeHostU16, writeHostU32, writeHostU64 } from './host-order.js';
import { align4, NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './netlink-constants.js';

const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * Builds one netlink message in a growable buffer: the header, the family's fixed header, then
 * attributes (nested ones with `nestStart`/`nestEnd`). Lengths and padding are computed; `finish()`
 * returns the message bytes (a view of the builder's buffer until the next `begin`).
 */
export class MessageBuilder {
  buf: Uint8Array;
  pos = 0;
  private start = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Starts a message; the buffer is reused from the beginning. */
  begin(type: number, flags: number, seq = 0, pid = 0): this {
    this.pos = 0;
    this.start = 0;
    this.room(NLMSG_HDRLEN);
    this.buf.fill(0, 0, NLMSG_HDRLEN);
    writeHostU16(this.buf, 4, type);
    writeHostU16(this.buf, 6, flags);
    writeHostU32(this.buf, 8, seq);
    writeHostU32(this.buf, 12, pid);
    this.pos = NLMSG_HDRLEN;
    return this;
  }

  /** Reserves `n` zeroed bytes (a fixed header) and returns their offset. */
  reserve(n: number): number {
    this.room(n);
    const at = this.pos;
    this.buf.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  u8At(o: number, v: number): void {
    this.buf[o] = v;
  }
  u16At(o: number, v: number): void {
    writeHostU16(this.buf, o, v);
  }
  u32At(o: number, v: number): void {
    writeHostU32(this.buf, o, v);
  }

  /** An attribute with `len` value bytes left for the caller at the returned offset. */
  attrSpace(type: number, len: number): number {
    const total = align4(NLA_HDRLEN + len);
    this.room(total);
    const at = this.pos;
    this.buf.fill(0, at, at + total);
    writeHostU16(this.buf, at, NLA_HDRLEN + len);
    writeHostU16(this.buf, at + 2, type);
    this.pos += total;
    return at + NLA_HDRLEN;
  }

  bytes(type: number, value: Uint8Array): this {
    const at = this.attrSpace(type, value.length);
    this.buf.set(value, at);
    return this;
  }
  flag(type: number): this {
    this.attrSpace(type, 0);
    return this;
  }
  // Each writer takes the offset first: attrSpace may grow (replace) this.buf.
  u8(type: number, v: number): this {
    const at = this.attrSpace(type, 1);
    this.buf[at] = v;
    return this;
  }
  u16(type: number, v: number): this {
    const at = this.attrSpace(type, 2);
    writeHostU16(this.buf, at, v);
    return this;
  }
  u32(type: number, v: number): this {
    const at = this.attrSpace(type, 4);
    writeHostU32(this.buf, at, v);
    return this;
  }
  u64(type: number, v: number): this {
    const at = this.attrSpace(type, 8);
    writeHostU64(this.buf, at, v);
    return this;
  }
  be16(type: number, v: number): this {
    const at = this.attrSpace(type, 2);
    writeU16(this.buf, at, v);
    return this;
  }
  be32(type: number, v: number): this {
    const at = this.attrSpace(type, 4);
    writeU32(this.buf, at, v);
    return this;
  }
  /** A NUL-terminated string. */
  string(type: number, s: string): this {
    const b = encoder.encode(s);
    const at = this.attrSpace(type, b.length + 1);
    this.buf.set(b, at);
    return this;
  }

  /** A string without the NUL terminator (how iproute2 writes IFLA_INFO_KIND; the kernel accepts both). */
  chars(type: number, s: string): this {
    const b = encoder.encode(s);
    const at = this.attrSpace(type, b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Opens a nested attribute (NLA_F_NESTED set unless `flagNested` is false, as older kinds expect). */
  nestStart(type: number, flagNested = false): number {
    const at = this.pos;
    this.room(NLA_HDRLEN);
    writeHostU16(this.buf, at + 2, flagNested ? type | NLA_F_NESTED : type);
    this.pos += NLA_HDRLEN;
    return at;
  }
  nestEnd(at: number): this {
    writeHostU16(this.buf, at, this.pos - at);
    return this;
  }

  /** Sets nlmsg_len and returns the message. */
  finish(): Uint8Array {
    writeHostU32(this.buf, this.start, this.pos - this.start);
    return this.buf.subarray(this.start, this.pos);
  }
}
