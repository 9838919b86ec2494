import { hex, type LayerDissector, readU32, requireBytes, writeU32 } from '@cnikit/wire';
import { readU32LE, writeU32LE } from './byte-order.js';
import { LinkType } from './link-types.js';
import { leaf } from './sll.js';

/**
 * BSD loopback headers: LINKTYPE_NULL (0) holds the address family as a 32-bit word in the
 * *capturing host's* byte order; LINKTYPE_LOOP (108) holds it big-endian.
 */
export interface NullHeader {
  /** AF_* value of the capturing OS (2 = IPv4 everywhere; IPv6 is 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS). */
  readonly family: number;
  /** Byte order the word is (to be) stored in. Absent → little-endian for NULL. */
  readonly littleEndian?: boolean;
}

export const NULL_HEADER_LENGTH = 4;
const EMPTY = new Uint8Array(0);

/** AF_INET and the per-OS AF_INET6 values → the EtherType of the IP version they carry. */
export function familyToEthertype(family: number): number | undefined {
  if (family === 2) return 0x0800;
  if (family === 24 || family === 28 || family === 30) return 0x86dd;
  return undefined;
}

export class NullPacket {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** True for LINKTYPE_LOOP (always big-endian). */
  loop = false;

  static parse(buf: Uint8Array, start = 0, end = buf.length, loop = false): NullPacket {
    return new NullPacket().bind(buf, start, end, loop);
  }

  bind(buf: Uint8Array, start = 0, end = buf.length, loop = false): this {
    requireBytes(loop ? 'loop' : 'null', start, NULL_HEADER_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.loop = loop;
    return this;
  }

  /**
   * Which byte order the word is in, guessed as Wireshark does for NULL: the reading whose value
   * fits in 16 bits (AF_* values are small). Undefined when neither does (then the first two
   * bytes are an EtherType: some systems wrote that instead).
   */
  get littleEndian(): boolean | undefined {
    if (this.loop) return false;
    if (readU32LE(this.buf, this.start) <= 0xffff) return true;
    if (readU32(this.buf, this.start) <= 0xffff) return false;
    return undefined;
  }

  get family(): number | undefined {
    const le = this.littleEndian;
    if (le === undefined) return undefined;
    return le ? readU32LE(this.buf, this.start) : readU32(this.buf, this.start);
  }

  /** The EtherType in the first two bytes, when the word is not an address family. */
  get etherType(): number | undefined {
    return this.littleEndian === undefined
      ? (this.buf[this.start] << 8) | this.buf[this.start + 1]
      : undefined;
  }

  get payload(): Uint8Array {
    return this.buf.subarray(this.start + NULL_HEADER_LENGTH, this.end);
  }

  toJSON(): NullHeader {
    const family = this.family ?? readU32(this.buf, this.start);
    return { family, littleEndian: this.littleEndian ?? false };
  }
}

/** Writes the 4-byte family word at `offset`; returns 4. */
export function writeNull(h: NullHeader, out: Uint8Array, offset = 0): number {
  if (!Number.isInteger(h.family) || h.family < 0 || h.family > 0xffffffff) {
    throw new RangeError(`null family ${h.family} is not a uint32`);
  }
  if (out.length - offset < NULL_HEADER_LENGTH) throw new RangeError('null: output buffer too small');
  if (h.littleEndian ?? true) writeU32LE(out, offset, h.family);
  else writeU32(out, offset, h.family);
  return NULL_HEADER_LENGTH;
}

export function encodeNull(h: NullHeader): Uint8Array {
  const out = new Uint8Array(NULL_HEADER_LENGTH);
  writeNull(h, out);
  return out;
}

function dissectLoopback(loop: boolean): LayerDissector {
  return (buf, start, end) => {
    const p = new NullPacket().bind(buf, start, end, loop);
    const family = p.family;
    const payloadStart = start + NULL_HEADER_LENGTH;
    if (family === undefined) {
      const type = p.etherType!;
      return {
        node: {
          field: 'null',
          name: 'Null/Loopback',
          offset: start,
          length: NULL_HEADER_LENGTH,
          children: [leaf('null.type', 'Type', start, 2, type, `Type: ${hex(type, 4)}`)],
        },
        next: { table: 'ethertype', keys: [type], start: payloadStart, end },
      };
    }
    const ethertype = familyToEthertype(family);
    return {
      node: {
        field: 'null',
        name: 'Null/Loopback',
        offset: start,
        length: NULL_HEADER_LENGTH,
        children: [leaf('null.family', 'Family', start, 4, family)],
      },
      ...(ethertype === undefined
        ? {}
        : { next: { table: 'ethertype', keys: [ethertype], start: payloadStart, end } }),
    };
  };
}

/** LINKTYPE_NULL: family in the capturing host's byte order. */
export const dissectNull: LayerDissector = dissectLoopback(false);
/** LINKTYPE_LOOP: family big-endian. */
export const dissectLoop: LayerDissector = dissectLoopback(true);

export const nullBindings = [
  { table: 'link', key: LinkType.NULL, layer: 'null' },
  { table: 'link', key: LinkType.LOOP, layer: 'loop' },
] as const;
