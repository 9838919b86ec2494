import { DecodeError, readU16, readU32 } from '@cnikit/wire';
import { readHostI32, readHostU16, readHostU32, readHostU64 } from './host-order.js';
import { align4, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './netlink-constants.js';

const EMPTY = new Uint8Array(0);

/**
 * Walks a run of netlink attributes (struct nlattr: u16 nla_len, u16 nla_type, value, padding to 4)
 * without allocating. `next()` moves to the next attribute and returns false at the end; a length
 * that does not fit throws a DecodeError. Getters read the current attribute's value; a getter
 * whose value is shorter than it needs throws a DecodeError too (the kernel would never send one,
 * but fuzzed bytes can).
 *
 * ```
 *  0        2        4                 4+len-4      align4
 *  +--------+--------+-----------------+------------+
 *  | nla_len| nla_type (N|O|type)      | value …    | pad
 *  +--------+--------+-----------------+------------+
 * ```
 */
export class AttributeCursor {
  buf: Uint8Array = EMPTY;
  /** The current attribute's type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  type = 0;
  /** The raw nla_type with its flag bits. */
  rawType = 0;
  /** Absolute offsets of the current attribute's header and value in `buf`. */
  offset = 0;
  valueStart = 0;
  valueEnd = 0;
  private pos = 0;
  private end = 0;
  private layer = 'netlink.attr';

  constructor(buf?: Uint8Array, start = 0, end = buf?.length ?? 0, layer?: string) {
    if (buf) this.reset(buf, start, end, layer);
  }

  reset(buf: Uint8Array, start: number, end: number, layer = 'netlink.attr'): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.layer = layer;
    this.type = this.rawType = this.offset = this.valueStart = this.valueEnd = 0;
    return this;
  }

  /** A cursor over the current attribute's value, read as nested attributes. */
  nested(into: AttributeCursor = new AttributeCursor()): AttributeCursor {
    return into.reset(this.buf, this.valueStart, this.valueEnd, this.layer);
  }

  next(): boolean {
    // Fewer than 4 bytes left: trailing padding (the kernel's nla_ok stops the same way).
    if (this.end - this.pos < NLA_HDRLEN) {
      this.pos = this.end;
      return false;
    }
    const b = this.buf;
    const len = readHostU16(b, this.pos);
    if (len < NLA_HDRLEN) {
      throw new DecodeError('bad-length', this.layer, this.pos, `nla_len ${len} < 4`);
    }
    if (len > this.end - this.pos) {
      throw new DecodeError(
        'truncated',
        this.layer,
        this.pos,
        `nla_len ${len} but only ${this.end - this.pos} left`,
      );
    }
    this.offset = this.pos;
    this.rawType = readHostU16(b, this.pos + 2);
    this.type = this.rawType & NLA_TYPE_MASK;
    this.valueStart = this.pos + NLA_HDRLEN;
    this.valueEnd = this.pos + len;
    this.pos = Math.min(this.end, this.pos + align4(len));
    return true;
  }

  get isNested(): boolean {
    return (this.rawType & NLA_F_NESTED) !== 0;
  }
  get isNetByteOrder(): boolean {
    return (this.rawType & NLA_F_NET_BYTEORDER) !== 0;
  }
  get length(): number {
    return this.valueEnd - this.valueStart;
  }
  /** The value bytes (a subarray, not a copy). */
  get value(): Uint8Array {
    return this.buf.subarray(this.valueStart, this.valueEnd);
  }

  private need(n: number): void {
    if (this.valueEnd - this.valueStart < n) {
      throw new DecodeError(
        'bad-length',
        this.layer,
        this.offset,
        `attribute ${this.type} has ${this.valueEnd - this.valueStart} bytes, needs ${n}`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.valueStart];
  }
  u16(): number {
    this.need(2);
    return readHostU16(this.buf, this.valueStart);
  }
  u32(): number {
    this.need(4);
    return readHostU32(this.buf, this.valueStart);
  }
  i32(): number {
    this.need(4);
    return readHostI32(this.buf, this.valueStart);
  }
  u64(): number {
    this.need(8);
    return readHostU64(this.buf, this.valueStart);
  }
  /** Big-endian (network order) u16, e.g. IFLA_VXLAN_PORT, NDA_PORT. */
  be16(): number {
    this.need(2);
    return readU16(this.buf, this.valueStart);
  }
  be32(): number {
    this.need(4);
    return readU32(this.buf, this.valueStart);
  }
  /** A NUL-terminated (or unterminated) string. */
  string(): string {
    let e = this.valueStart;
    while (e < this.valueEnd && this.buf[e] !== 0) e++;
    return decodeText(this.buf, this.valueStart, e);
  }
  /** The value as an unsigned number of its own width (1, 2, 4 or 8 bytes). */
  uint(): number {
    switch (this.valueEnd - this.valueStart) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 8:
        return this.u64();
      default:
        return this.u32();
    }
  }
}

function decodeText(b: Uint8Array, start: number, end: number): string {
  // Short ASCII (interface names, kinds) without a TextDecoder; anything else through one.
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      if (b[i] > 0x7e) return new TextDecoder().decode(b.subarray(start, end));
      s += String.fromCharCode(b[i]);
    }
    return s;
  }
  return new TextDecoder().decode(b.subarray(start, end));
}

/** One attribute as a plain object (unknown attributes are kept like this, raw). */
export interface RawAttribute {
  type: number;
  /** NLA_F_NESTED was set. */
  nested?: boolean;
  /** NLA_F_NET_BYTEORDER was set. */
  netByteOrder?: boolean;
  value: Uint8Array;
}

/** Every attribute of a run as plain objects (values copied). */
export function decodeAttributes(buf: Uint8Array, start = 0, end = buf.length): RawAttribute[] {
  const out: RawAttribute[] = [];
  const c = new AttributeCursor(buf, start, end);
  while (c.next()) {
    const a: RawAttribute = { type: c.type, value: c.value.slice() };
    if (c.isNested) a.nested = true;
    if (c.isNetByteOrder) a.netByteOrder = true;
    out.push(a);
  }
  return out;
}
