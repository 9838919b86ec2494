import {
  checkUint,
  DecodeError,
  type DissectionNode,
  formatIpv6,
  hex,
  fieldNode as leaf,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { fail, failTruncated } from './fail.js';
import type { Ipv6Packet } from './ipv6.js';

const EMPTY = new Uint8Array(0);

/** Next Header values this package walks as IPv6 extension headers (RFC 8200 §4, RFC 4302). */
export const Ipv6ExtensionType = {
  HopByHop: 0,
  Routing: 43,
  Fragment: 44,
  AuthenticationHeader: 51,
  DestinationOptions: 60,
} as const;

/** Hop-by-hop / destination option types this package names (RFC 8200 §4.2, RFC 2711, RFC 2675). */
export const Ipv6OptionType = {
  Pad1: 0x00,
  PadN: 0x01,
  RouterAlert: 0x05,
  Jumbo: 0xc2,
} as const;

/** Most extension headers the walk accepts before giving up with a `too-deep` DecodeError. */
export const MAX_IPV6_EXTENSION_HEADERS = 16;

/** One TLV option of a hop-by-hop or destination options header. Pad1 is `{ type: 0, data: empty }`. */
export interface Ipv6Option {
  type: number;
  data: Uint8Array;
}

export interface Ipv6OptionsHeader {
  kind: 'hop-by-hop' | 'destination-options';
  /** In order, padding included. The writer pads to a multiple of 8 octets if they fall short. */
  options: Ipv6Option[];
}

export interface Ipv6RoutingHeader {
  kind: 'routing';
  /** 0 (deprecated source route), 2 (Mobile IPv6), 3 (RPL), 4 (SRv6 SRH), … */
  routingType: number;
  segmentsLeft: number;
  /** Type-specific data after the first four octets, kept raw (4 + length must be a multiple of 8). */
  data: Uint8Array;
}

export interface Ipv6FragmentHeader {
  kind: 'fragment';
  /** The reserved octet after Next Header (zero on the wire unless someone is fuzzing). */
  reserved: number;
  /** Fragment offset in 8-octet units. */
  fragmentOffset: number;
  /** The two reserved bits (`Res`) before M. */
  reservedBits: number;
  moreFragments: boolean;
  identification: number;
}

/** IP Authentication Header (RFC 4302 §2); its Payload Len counts 4-octet words minus 2. */
export interface Ipv6AuthenticationHeader {
  kind: 'ah';
  reserved: number;
  spi: number;
  sequence: number;
  icv: Uint8Array;
}

export type Ipv6ExtensionHeader =
  | Ipv6OptionsHeader
  | Ipv6RoutingHeader
  | Ipv6FragmentHeader
  | Ipv6AuthenticationHeader;

const KIND_TO_TYPE: Record<Ipv6ExtensionHeader['kind'], number> = {
  'hop-by-hop': 0,
  routing: 43,
  fragment: 44,
  ah: 51,
  'destination-options': 60,
};

/** Whether a Next Header value is one of the extension headers the walk steps over. */
export function isIpv6ExtensionHeader(nextHeader: number): boolean {
  return nextHeader === 0 || nextHeader === 43 || nextHeader === 44 || nextHeader === 51 || nextHeader === 60;
}

/** The Next Header value that announces this extension header. */
export function ipv6ExtensionType(h: Ipv6ExtensionHeader): number {
  return KIND_TO_TYPE[h.kind];
}

/**
 * Bytes of the extension header of `type` at `offset`, checked to fit before `end`.
 * Throws a `truncated` DecodeError (layer `ipv6`) when it does not.
 */
export function ipv6ExtensionLength(buf: Uint8Array, type: number, offset: number, end: number): number {
  if (type === 44) {
    if (end - offset < 8) failTruncated('ipv6', offset, 8, end);
    return 8;
  }
  if (end - offset < 2) failTruncated('ipv6', offset, 2, end);
  let length: number;
  if (type === 51) {
    length = (buf[offset + 1] + 2) * 4;
    if (length < 12) fail('bad-length', 'ipv6', offset + 1, `AH length ${length} is under 12 octets`);
  } else length = (buf[offset + 1] + 1) * 8;
  if (end - offset < length) failTruncated('ipv6', offset, length, end);
  return length;
}

/**
 * Checks that the TLV options of buf[start, end) fill it exactly; returns the Jumbo Payload length
 * (RFC 2675) if a 4-octet Jumbo option is present, otherwise -1. Allocates nothing.
 */
export function checkIpv6Options(buf: Uint8Array, start: number, end: number): number {
  let jumbo = -1;
  let i = start;
  while (i < end) {
    const type = buf[i];
    if (type === 0) {
      i++;
      continue;
    }
    if (i + 2 > end || i + 2 + buf[i + 1] > end) failOption(buf, i, end);
    const length = buf[i + 1];
    if (type === 0xc2 && length === 4) jumbo = readU32(buf, i + 2);
    i += 2 + length;
  }
  return jumbo;
}

/** The DecodeError for the malformed option at `i`. */
function failOption(buf: Uint8Array, i: number, end: number): never {
  if (i + 2 > end) fail('bad-option', 'ipv6', i, `option 0x${hex2(buf[i])} has no room for its length`);
  fail('bad-option', 'ipv6', i + 1, `option length ${buf[i + 1]} runs past the header`);
}

/** The options of a checked options area, as plain objects (data are subarrays). */
export function readIpv6Options(buf: Uint8Array, start: number, end: number): Ipv6Option[] {
  const options: Ipv6Option[] = [];
  let i = start;
  while (i < end) {
    const type = buf[i];
    if (type === 0) {
      options.push({ type: 0, data: buf.subarray(i + 1, i + 1) });
      i++;
      continue;
    }
    const length = buf[i + 1];
    options.push({ type, data: buf.subarray(i + 2, i + 2 + length) });
    i += 2 + length;
  }
  return options;
}

/**
 * The extension header of `type` at buf[start, start + length) — bounds already checked by
 * `ipv6ExtensionLength` (and options by `checkIpv6Options`) — as a plain object.
 */
export function readIpv6Extension(
  buf: Uint8Array,
  type: number,
  start: number,
  length: number,
): Ipv6ExtensionHeader {
  switch (type) {
    case 0:
    case 60:
      return {
        kind: type === 0 ? 'hop-by-hop' : 'destination-options',
        options: readIpv6Options(buf, start + 2, start + length),
      };
    case 43:
      return {
        kind: 'routing',
        routingType: buf[start + 2],
        segmentsLeft: buf[start + 3],
        data: buf.subarray(start + 4, start + length),
      };
    case 44: {
      const word = readU16(buf, start + 2);
      return {
        kind: 'fragment',
        reserved: buf[start + 1],
        fragmentOffset: word >>> 3,
        reservedBits: (word >>> 1) & 3,
        moreFragments: (word & 1) === 1,
        identification: readU32(buf, start + 4),
      };
    }
    case 51:
      return {
        kind: 'ah',
        reserved: readU16(buf, start + 2),
        spi: readU32(buf, start + 4),
        sequence: readU32(buf, start + 8),
        icv: buf.subarray(start + 12, start + length),
      };
    default:
      throw new DecodeError('unsupported', 'ipv6', start, `next header ${type} is not an extension header`);
  }
}

/**
 * Offset of the address a routing header names as the final destination (RFC 8200 §8.1: the
 * upper-layer pseudo-header uses it while Segments Left > 0), or -1 when it names none.
 */
export function routingFinalDestinationOffset(buf: Uint8Array, start: number, length: number): number {
  const routingType = buf[start + 2];
  if (buf[start + 3] === 0 || length < 24) return -1;
  if (routingType === 0) return start + 8 + (((length - 8) >>> 4) - 1) * 16;
  // Type 2 carries the home address; an SRH lists segments last-first, so segment 0 is final.
  if (routingType === 2 || routingType === 4) return start + 8;
  return -1;
}

/** A zero-copy view of one extension header inside a bound Ipv6Packet. */
export class Ipv6ExtensionView {
  constructor(
    readonly buf: Uint8Array,
    /** The Next Header value that announced this header (0, 43, 44, 51, 60). */
    readonly type: number,
    readonly start: number,
    readonly end: number,
  ) {}
  get kind(): Ipv6ExtensionHeader['kind'] {
    return this.toJSON().kind;
  }
  get nextHeader(): number {
    return this.buf[this.start];
  }
  get length(): number {
    return this.end - this.start;
  }
  get bytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }
  toJSON(): Ipv6ExtensionHeader {
    return readIpv6Extension(this.buf, this.type, this.start, this.end - this.start);
  }
}

/** Bytes of an extension header whose length `Ipv6Packet.bind` has checked. */
function checkedExtensionLength(buf: Uint8Array, type: number, offset: number): number {
  if (type === 44) return 8;
  return type === 51 ? (buf[offset + 1] + 2) * 4 : (buf[offset + 1] + 1) * 8;
}

/**
 * Allocation-free walk over a bound Ipv6Packet's extension headers (what `extensions()` yields,
 * without the generator and views). Make one, then per packet:
 * `for (cursor.reset(ip); cursor.next(); ) use(cursor.type, cursor.start, cursor.end)`.
 */
export class Ipv6ExtensionCursor {
  buf: Uint8Array = EMPTY;
  /** The Next Header value that announced the current header (0, 43, 44, 51, 60). */
  type = -1;
  /** The current header is buf[start, end). */
  start = 0;
  end = 0;
  private left = 0;
  private nextType = -1;

  /** Points the cursor before the first extension header of `packet` (bound, so checked). */
  reset(packet: Ipv6Packet): this {
    this.buf = packet.buf;
    this.type = -1;
    this.left = packet.extensionCount;
    this.nextType = packet.nextHeader;
    this.start = packet.start + 40;
    this.end = this.start;
    return this;
  }

  /** Steps to the next extension header; false after the last. */
  next(): boolean {
    if (this.left === 0) return false;
    this.left--;
    const buf = this.buf;
    const at = this.end;
    const type = this.nextType;
    this.type = type;
    this.start = at;
    this.end = at + checkedExtensionLength(buf, type, at);
    this.nextType = buf[at];
    return true;
  }

  /** The Next Header field of the current header. */
  get nextHeader(): number {
    return this.buf[this.start];
  }
  get length(): number {
    return this.end - this.start;
  }
  /** Whether the current header holds TLV options (hop-by-hop or destination options). */
  get hasOptions(): boolean {
    return this.type === 0 || this.type === 60;
  }
}

/**
 * Allocation-free walk over the TLV options of a hop-by-hop or destination options header (what
 * `readIpv6Options` returns, without the array and subarrays). Pad1 has `type` 0 and no data.
 * Throws DecodeError `bad-option` for an option running past the end (`bind` has checked those of a
 * bound packet). `for (options.reset(buf, start + 2, end); options.next(); ) use(options.type)`.
 */
export class Ipv6OptionCursor {
  buf: Uint8Array = EMPTY;
  /** The current option: its type, where its TLV starts, and its data buf[dataOffset, + dataLength). */
  type = -1;
  offset = 0;
  dataOffset = 0;
  dataLength = 0;
  private end = 0;

  /** Points the cursor before the options in buf[start, end). */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.type = -1;
    this.offset = start;
    this.dataOffset = start;
    this.dataLength = 0;
    this.end = end;
    return this;
  }

  /** Points the cursor before the options of the extension header `at` is on (hop-by-hop or destination). */
  resetTo(at: Ipv6ExtensionCursor): this {
    return this.reset(at.buf, at.start + 2, at.end);
  }

  /** Steps to the next option; false after the last. */
  next(): boolean {
    const i = this.dataOffset + this.dataLength;
    const end = this.end;
    if (i >= end) return false;
    const buf = this.buf;
    const type = buf[i];
    this.type = type;
    this.offset = i;
    if (type === 0) {
      this.dataOffset = i + 1;
      this.dataLength = 0;
      return true;
    }
    if (i + 2 > end || i + 2 + buf[i + 1] > end) failOption(buf, i, end);
    this.dataOffset = i + 2;
    this.dataLength = buf[i + 1];
    return true;
  }
}

function optionsContentLength(options: readonly Ipv6Option[]): number {
  let n = 0;
  for (const o of options) n += o.type === 0 ? 1 : 2 + o.data.length;
  return n;
}

/** Bytes the writer emits for this extension header (options padded to a multiple of 8). */
export function ipv6ExtensionSize(h: Ipv6ExtensionHeader): number {
  switch (h.kind) {
    case 'hop-by-hop':
    case 'destination-options':
      return Math.ceil((2 + optionsContentLength(h.options)) / 8) * 8;
    case 'routing':
      return 4 + h.data.length;
    case 'fragment':
      return 8;
    case 'ah':
      return 12 + h.icv.length;
  }
}

/** Throws RangeError naming the field if the writer cannot write `h`. */
export function checkIpv6Extension(h: Ipv6ExtensionHeader): void {
  const size = ipv6ExtensionSize(h);
  switch (h.kind) {
    case 'hop-by-hop':
    case 'destination-options':
      for (const o of h.options) {
        checkUint('option type', o.type, 255);
        if (o.type === 0 && o.data.length !== 0) throw new RangeError('a Pad1 option (type 0) has no data');
        if (o.data.length > 255) throw new RangeError(`option 0x${hex2(o.type)} data is over 255 bytes`);
      }
      if (size > 2048) throw new RangeError(`${h.kind} header would be ${size} bytes, over 2048`);
      return;
    case 'routing':
      checkUint('routingType', h.routingType, 255);
      checkUint('segmentsLeft', h.segmentsLeft, 255);
      if (size % 8 !== 0 || size > 2048) {
        throw new RangeError(
          `routing data must make the header a multiple of 8 up to 2048 bytes, got ${size}`,
        );
      }
      return;
    case 'fragment':
      checkUint('reserved', h.reserved, 255);
      checkUint('fragmentOffset', h.fragmentOffset, 0x1fff);
      checkUint('reservedBits', h.reservedBits, 3);
      checkUint('identification', h.identification, 0xffffffff);
      return;
    case 'ah':
      checkUint('reserved', h.reserved, 0xffff);
      checkUint('spi', h.spi, 0xffffffff);
      checkUint('sequence', h.sequence, 0xffffffff);
      if (size % 4 !== 0 || size > 257 * 4) {
        throw new RangeError(`AH icv must make the header a multiple of 4 up to 1028 bytes, got ${size}`);
      }
      return;
  }
}

/** Writes a checked extension header announcing `nextHeader`; returns bytes written. */
export function writeIpv6Extension(
  h: Ipv6ExtensionHeader,
  nextHeader: number,
  out: Uint8Array,
  offset: number,
): number {
  const size = ipv6ExtensionSize(h);
  out[offset] = nextHeader;
  switch (h.kind) {
    case 'hop-by-hop':
    case 'destination-options': {
      out[offset + 1] = size / 8 - 1;
      let i = offset + 2;
      for (const o of h.options) {
        out[i++] = o.type;
        if (o.type === 0) continue;
        out[i++] = o.data.length;
        out.set(o.data, i);
        i += o.data.length;
      }
      const pad = offset + size - i;
      if (pad === 1) out[i] = 0;
      else if (pad > 1) {
        out[i] = 1;
        out[i + 1] = pad - 2;
        out.fill(0, i + 2, offset + size);
      }
      break;
    }
    case 'routing':
      out[offset + 1] = size / 8 - 1;
      out[offset + 2] = h.routingType;
      out[offset + 3] = h.segmentsLeft;
      out.set(h.data, offset + 4);
      break;
    case 'fragment':
      out[offset + 1] = h.reserved;
      writeU16(out, offset + 2, (h.fragmentOffset << 3) | (h.reservedBits << 1) | (h.moreFragments ? 1 : 0));
      writeU32(out, offset + 4, h.identification);
      break;
    case 'ah':
      out[offset + 1] = size / 4 - 2;
      writeU16(out, offset + 2, h.reserved);
      writeU32(out, offset + 4, h.spi);
      writeU32(out, offset + 8, h.sequence);
      out.set(h.icv, offset + 12);
      break;
  }
  return size;
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

// ---- dissection -------------------------------------------------------------------------------

const OPTION_NAMES: Record<number, string> = {
  0: 'Pad1',
  1: 'PadN',
  5: 'Router Alert',
  194: 'Jumbo Payload',
};

function dissectOption(buf: Uint8Array, i: number): DissectionNode {
  const type = buf[i];
  const typeNode = (children?: DissectionNode[]): DissectionNode => ({
    field: 'ipv6.opt.type',
    name: 'Type',
    offset: i,
    length: 1,
    value: type,
    display: `Type: ${OPTION_NAMES[type] ?? 'Unknown'} (${hex(type, 2)})`,
    ...(children ? { children } : {}),
  });
  const name = OPTION_NAMES[type] ?? `Unknown IPv6 Option (${hex(type, 2)})`;
  if (type === 0) {
    return {
      field: 'ipv6.opt',
      name,
      offset: i,
      length: 1,
      display: name,
      children: [typeNode(), leaf('ipv6.opt.pad1', 'Pad1', i, 1)],
    };
  }
  const length = buf[i + 1];
  const data = i + 2;
  const children: DissectionNode[] = [
    typeNode([
      leaf('ipv6.opt.type.action', 'Action', i, 1, type >>> 6),
      leaf('ipv6.opt.type.change', 'May Change', i, 1, (type & 0x20) !== 0),
      leaf(
        'ipv6.opt.type.rest',
        'Low-Order Bits',
        i,
        1,
        type & 0x1f,
        `Low-Order Bits: ${hex(type & 0x1f, 2)}`,
      ),
    ]),
    leaf('ipv6.opt.length', 'Length', i + 1, 1, length),
  ];
  if (type === 1)
    children.push(leaf('ipv6.opt.padn', 'PadN', data, length, buf.subarray(data, data + length)));
  else if (type === 5 && length === 2)
    children.push(leaf('ipv6.opt.router_alert', 'Router Alert', data, 2, readU16(buf, data)));
  else if (type === 0xc2 && length === 4)
    children.push(leaf('ipv6.opt.jumbo', 'Payload Length', data, 4, readU32(buf, data)));
  // RFC 4727 experimental types (0x1e, 0x3e, … 0xfe): Wireshark names their data apart.
  else if ((type & 0x1f) === 0x1e)
    children.push(
      leaf('ipv6.opt.experimental', 'Experimental Option', data, length, buf.subarray(data, data + length)),
    );
  else
    children.push(
      leaf('ipv6.opt.unknown', 'Unknown Option Payload', data, length, buf.subarray(data, data + length)),
    );
  return { field: 'ipv6.opt', name, offset: i, length: 2 + length, display: name, children };
}

const EXTENSION_FIELDS: Record<number, { field: string; name: string }> = {
  0: { field: 'ipv6.hopopts', name: 'IPv6 Hop-by-Hop Option' },
  43: { field: 'ipv6.routing', name: 'Routing Header' },
  44: { field: 'ipv6.fraghdr', name: 'Fragment Header' },
  60: { field: 'ipv6.dstopts', name: 'Destination Options for IPv6' },
};

/** The dissection node of a checked extension header, with Wireshark's field names. */
export function dissectIpv6Extension(
  buf: Uint8Array,
  type: number,
  start: number,
  length: number,
): DissectionNode {
  if (type === 51) return dissectAh(buf, start, length);
  const { field, name } = EXTENSION_FIELDS[type];
  const children: DissectionNode[] = [leaf(`${field}.nxt`, 'Next Header', start, 1, buf[start])];
  if (type === 44) {
    const word = readU16(buf, start + 2);
    children.push(
      leaf('ipv6.fraghdr.reserved_octet', 'Reserved octet', start + 1, 1, buf[start + 1]),
      leaf('ipv6.fraghdr.offset', 'Offset', start + 2, 2, word >>> 3),
      leaf('ipv6.fraghdr.reserved_bits', 'Reserved bits', start + 2, 2, (word >>> 1) & 3),
      leaf('ipv6.fraghdr.more', 'More Fragments', start + 2, 2, (word & 1) === 1),
      leaf('ipv6.fraghdr.ident', 'Identification', start + 4, 4, readU32(buf, start + 4)),
    );
    return { field, name, offset: start, length, children };
  }
  children.push(
    leaf(`${field}.len`, 'Length', start + 1, 1, buf[start + 1]),
    leaf(`${field}.len_oct`, 'Length', start + 1, 1, length, `Length: ${length} bytes`),
  );
  if (type === 43) dissectRouting(buf, start, length, children);
  else {
    for (let i = start + 2; i < start + length; i += buf[i] === 0 ? 1 : 2 + buf[i + 1]) {
      children.push(dissectOption(buf, i));
    }
  }
  return { field, name, offset: start, length, children };
}

function dissectRouting(buf: Uint8Array, start: number, length: number, children: DissectionNode[]): void {
  const routingType = buf[start + 2];
  children.push(
    leaf('ipv6.routing.type', 'Type', start + 2, 1, routingType),
    leaf('ipv6.routing.segleft', 'Segments Left', start + 3, 1, buf[start + 3]),
  );
  const end = start + length;
  const address = (f: string, o: number) => leaf(f, 'Address', o, 16, formatIpv6(buf, o));
  if (routingType === 0) {
    children.push(
      leaf('ipv6.routing.src.reserved', 'Reserved', start + 4, 4, buf.subarray(start + 4, start + 8)),
    );
    for (let o = start + 8; o + 16 <= end; o += 16) children.push(address('ipv6.routing.src.addr', o));
  } else if (routingType === 2) {
    children.push(
      leaf('ipv6.routing.mipv6.reserved', 'Reserved', start + 4, 4, buf.subarray(start + 4, start + 8)),
    );
    if (start + 24 <= end) children.push(address('ipv6.routing.mipv6.home_address', start + 8));
  } else if (routingType === 4) {
    const lastEntry = buf[start + 4];
    children.push(
      leaf('ipv6.routing.srh.last_entry', 'Last Entry', start + 4, 1, lastEntry),
      leaf(
        'ipv6.routing.srh.flags',
        'Flags',
        start + 5,
        1,
        buf[start + 5],
        `Flags: ${hex(buf[start + 5], 2)}`,
      ),
      leaf('ipv6.routing.srh.tag', 'Tag', start + 6, 2, buf.subarray(start + 6, start + 8)),
    );
    for (let k = 0, o = start + 8; k <= lastEntry && o + 16 <= end; k++, o += 16) {
      children.push(address('ipv6.routing.srh.addr', o));
    }
  } else if (length > 4) {
    children.push(
      leaf(
        'ipv6.routing.unknown_data',
        'Type-Specific Data',
        start + 4,
        length - 4,
        buf.subarray(start + 4, end),
      ),
    );
  }
}

function dissectAh(buf: Uint8Array, start: number, length: number): DissectionNode {
  const spi = readU32(buf, start + 4);
  return {
    field: 'ah',
    name: 'Authentication Header',
    offset: start,
    length,
    children: [
      leaf('ah.next_header', 'Next header', start, 1, buf[start]),
      leaf('ah.length', 'Length', start + 1, 1, buf[start + 1]),
      leaf('ah.reserved', 'Reserved', start + 2, 2, buf.subarray(start + 2, start + 4)),
      leaf('ah.spi', 'AH SPI', start + 4, 4, spi, `AH SPI: ${hex(spi, 8)}`),
      leaf('ah.sequence', 'AH Sequence', start + 8, 4, readU32(buf, start + 8)),
      leaf('ah.icv', 'AH ICV', start + 12, length - 12, buf.subarray(start + 12, start + length)),
    ],
  };
}
