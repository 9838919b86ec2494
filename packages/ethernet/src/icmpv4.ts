import {
  checkOptionalUint,
  type DissectionNode,
  foldSum,
  formatIpv4,
  hex,
  internetChecksum,
  type LayerDissector,
  LINK_TABLE,
  LINKTYPE_IPV4,
  fieldNode as leaf,
  readU16,
  readU32,
  requireBytes,
  sumWords,
  verifyChecksum,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { ICMPV4_TYPE_NAMES, icmpDataTimeNodes } from './icmp-data-time.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'icmp';
export const ICMPV4_HEADER_LENGTH = 8;

/** ICMPv4 message types (RFC 792, RFC 950) this module names. */
export const Icmpv4Type = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
} as const;

/** Destination unreachable code 4: fragmentation needed and DF set (RFC 1191 adds the MTU). */
export const ICMPV4_FRAGMENTATION_NEEDED = 4;

/**
 * ICMPv4 message as a plain object: what `toJSON()` returns and `writeIcmpv4` takes.
 * Bytes 4–7 ("rest of header") come from, in order of precedence: `restOfHeader`;
 * `identifier`/`sequence` (echo, timestamp, address mask); `nextHopMtu` (low 16 bits); else 0.
 * `toJSON()` gives `identifier`/`sequence` for types 0, 8, 13–18, `nextHopMtu` for destination
 * unreachable code 4 whose unused half is zero, and `restOfHeader` for everything else.
 */
export interface Icmpv4Header {
  type: number;
  code: number;
  /** Absent → computed over the whole message. */
  checksum?: number;
  identifier?: number;
  sequence?: number;
  nextHopMtu?: number;
  /** Bytes 4–7 as an unsigned 32-bit number, raw. */
  restOfHeader?: number;
  /** Echo data, the quoted datagram of an error, or whatever follows byte 8. */
  payload?: Uint8Array;
}

/** Types whose bytes 4–7 are identifier + sequence number. */
export function icmpv4HasIdentifier(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/** Error types that quote the offending datagram (RFC 792). */
export function icmpv4IsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Zero-copy, rebindable view of an ICMPv4 message (RFC 792); it runs to `end`. */
export class Icmpv4Message {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): Icmpv4Message {
    return new Icmpv4Message().bind(buf, start, end);
  }

  /** Checks that the 8-byte header is present and points this view at buf[start, end). Throws DecodeError. */
  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes(LAYER, start, ICMPV4_HEADER_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  get type(): number {
    return this.buf[this.start];
  }
  get code(): number {
    return this.buf[this.start + 1];
  }
  get checksum(): number {
    return readU16(this.buf, this.start + 2);
  }
  /** Bytes 4–7 as an unsigned 32-bit number. */
  get restOfHeader(): number {
    return readU32(this.buf, this.start + 4);
  }
  /** Echo / timestamp / address-mask identifier (bytes 4–5). */
  get identifier(): number {
    return readU16(this.buf, this.start + 4);
  }
  /** Echo / timestamp / address-mask sequence number (bytes 6–7). */
  get sequence(): number {
    return readU16(this.buf, this.start + 6);
  }
  /** Next-hop MTU of a "fragmentation needed" message (RFC 1191; bytes 6–7). */
  get nextHopMtu(): number {
    return readU16(this.buf, this.start + 6);
  }
  get isError(): boolean {
    return icmpv4IsError(this.buf[this.start]);
  }
  get payloadOffset(): number {
    return this.start + ICMPV4_HEADER_LENGTH;
  }
  /** Echo data, or for an error the quoted IP header and leading bytes of its payload. */
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + ICMPV4_HEADER_LENGTH, this.end);
  }

  /** True when the checksum over the whole message verifies (RFC 792). */
  checksumValid(): boolean {
    return verifyChecksum(this.buf, this.start, this.end);
  }

  /** The checksum this message should carry. */
  computeChecksum(): number {
    return icmpChecksum(this.buf, this.start, this.end);
  }

  toJSON(): Icmpv4Header {
    const type = this.type;
    const code = this.code;
    const checksum = this.checksum;
    const payload = this.payload;
    if (icmpv4HasIdentifier(type)) {
      return { type, code, checksum, identifier: this.identifier, sequence: this.sequence, payload };
    }
    if (
      type === Icmpv4Type.DestinationUnreachable &&
      code === ICMPV4_FRAGMENTATION_NEEDED &&
      this.identifier === 0
    ) {
      return { type, code, checksum, nextHopMtu: this.nextHopMtu, payload };
    }
    return { type, code, checksum, restOfHeader: this.restOfHeader, payload };
  }
}

/** Checksum of buf[start, end) with the checksum field taken as zero (no copy). */
function icmpChecksum(buf: Uint8Array, start: number, end: number): number {
  return ~foldSum(sumWords(buf, start, end) - readU16(buf, start + 2)) & 0xffff;
}

/**
 * Writes an ICMPv4 message at `out[offset]` and returns the bytes written (8 + payload length).
 * The checksum is computed over the whole message unless `h.checksum` is given.
 * Payload-first, no copy: write the payload at `out[offset + 8]`, leave `h.payload` absent and pass
 * its length as `payloadLength`; a `h.payload` already at that place is not copied either.
 * Throws RangeError naming the field before writing anything.
 */
export function writeIcmpv4(h: Icmpv4Header, out: Uint8Array, offset = 0, payloadLength?: number): number {
  checkOptionalUint('type', h.type, 0xff, 'icmp');
  checkOptionalUint('code', h.code, 0xff, 'icmp');
  checkOptionalUint('checksum', h.checksum, 0xffff, 'icmp');
  checkOptionalUint('identifier', h.identifier, 0xffff, 'icmp');
  checkOptionalUint('sequence', h.sequence, 0xffff, 'icmp');
  checkOptionalUint('nextHopMtu', h.nextHopMtu, 0xffff, 'icmp');
  checkOptionalUint('restOfHeader', h.restOfHeader, 0xffffffff, 'icmp');
  const length = h.payload ? h.payload.length : (payloadLength ?? 0);
  checkOptionalUint('payloadLength', length, Number.MAX_SAFE_INTEGER, 'icmp');
  const total = ICMPV4_HEADER_LENGTH + length;
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`icmp out: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  const p = h.payload;
  if (p && !(p.buffer === out.buffer && p.byteOffset === out.byteOffset + offset + ICMPV4_HEADER_LENGTH)) {
    out.set(p, offset + ICMPV4_HEADER_LENGTH);
  }
  let rest = 0;
  if (h.restOfHeader !== undefined) rest = h.restOfHeader;
  else if (h.identifier !== undefined || h.sequence !== undefined) {
    rest = (((h.identifier ?? 0) << 16) | (h.sequence ?? 0)) >>> 0;
  } else if (h.nextHopMtu !== undefined) rest = h.nextHopMtu;
  out[offset] = h.type;
  out[offset + 1] = h.code;
  writeU16(out, offset + 2, 0);
  writeU32(out, offset + 4, rest);
  writeU16(out, offset + 2, h.checksum ?? internetChecksum(out, offset, offset + total));
  return total;
}

/** Allocating convenience around `writeIcmpv4`. */
export function encodeIcmpv4(h: Icmpv4Header): Uint8Array {
  const out = new Uint8Array(ICMPV4_HEADER_LENGTH + (h.payload?.length ?? 0));
  writeIcmpv4(h, out, 0);
  return out;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

/** A 16-bit field shown as tshark's BASE_DEC_HEX does: `1292 (0x050c)`. */
function decimalAndHex(field: string, name: string, offset: number, value: number): DissectionNode {
  return leaf(field, name, offset, 2, value, `${name}: ${value} (${hex(value, 4)})`);
}

/** Fields of bytes 4–7 (and the timestamp / mask bodies), as tshark names them. */
function restNodes(m: Icmpv4Message): DissectionNode[] {
  const s = m.start;
  const { buf, type, code } = m;
  if (icmpv4HasIdentifier(type)) {
    const nodes = [
      decimalAndHex('icmp.ident', 'Identifier (BE)', s + 4, m.identifier),
      decimalAndHex('icmp.ident_le', 'Identifier (LE)', s + 4, swap16(m.identifier)),
      decimalAndHex('icmp.seq', 'Sequence Number (BE)', s + 6, m.sequence),
      decimalAndHex('icmp.seq_le', 'Sequence Number (LE)', s + 6, swap16(m.sequence)),
    ];
    if ((type === 13 || type === 14) && m.end - s >= 20) {
      nodes.push(leaf('icmp.originate_timestamp', 'Originate Timestamp', s + 8, 4, readU32(buf, s + 8)));
      nodes.push(leaf('icmp.receive_timestamp', 'Receive Timestamp', s + 12, 4, readU32(buf, s + 12)));
      nodes.push(leaf('icmp.transmit_timestamp', 'Transmit Timestamp', s + 16, 4, readU32(buf, s + 16)));
    } else if ((type === 17 || type === 18) && m.end - s >= 12) {
      nodes.push(leaf('icmp.address_mask', 'Address Mask', s + 8, 4, formatIpv4(readU32(buf, s + 8))));
    }
    return nodes;
  }
  switch (type) {
    case 42:
    case 43: // RFC 8335 extended echo: identifier, then a sequence byte and flags (not decoded)
      return [
        leaf('icmp.ident', 'Identifier (BE)', s + 4, 2, m.identifier),
        leaf('icmp.ident_le', 'Identifier (LE)', s + 4, 2, swap16(m.identifier)),
      ];
    case Icmpv4Type.DestinationUnreachable:
      if (code === ICMPV4_FRAGMENTATION_NEEDED) {
        return [
          leaf('icmp.unused', 'Unused', s + 4, 2, buf.subarray(s + 4, s + 6)),
          leaf('icmp.mtu', 'MTU of next hop', s + 6, 2, m.nextHopMtu),
        ];
      }
      return [leaf('icmp.unused', 'Unused', s + 4, 4, buf.subarray(s + 4, s + 8))];
    case Icmpv4Type.SourceQuench:
    case Icmpv4Type.TimeExceeded:
      return [leaf('icmp.unused', 'Unused', s + 4, 4, buf.subarray(s + 4, s + 8))];
    case Icmpv4Type.Redirect:
      return [leaf('icmp.redir_gw', 'Gateway Address', s + 4, 4, formatIpv4(m.restOfHeader))];
    case Icmpv4Type.ParameterProblem:
      return [
        leaf('icmp.pointer', 'Pointer', s + 4, 1, buf[s + 4]),
        leaf('icmp.unused', 'Unused', s + 5, 3, buf.subarray(s + 5, s + 8)),
      ];
    default:
      return [];
  }
}

/**
 * ICMPv4 dissector → layer 'icmp'. The checksum is verified (tshark does so by default: status 1
 * good, 0 bad; 2 when the message is itself quoted and so may be cut short). Error messages hand
 * the quoted datagram to table 'link' key 228 (raw IPv4) with `quoted: true`; any other payload
 * becomes a `data` node.
 */
export const dissectIcmpv4: LayerDissector = (buf, start, end, context) => {
  const m = new Icmpv4Message().bind(buf, start, end);
  const checksum = m.checksum;
  const status = context.quoted || context.fragment ? 2 : m.checksumValid() ? 1 : 0;
  const statusText = ['[incorrect]', '[correct]', '[unverified]'][status];
  // An echo's data may start with the sender's timestamp (ping's struct timeval).
  const dataTime =
    m.type === 0 || m.type === 8
      ? icmpDataTimeNodes(buf, start + ICMPV4_HEADER_LENGTH, end, context.frameTime)
      : [];
  const children: DissectionNode[] = [
    leaf(
      'icmp.type',
      'Type',
      start,
      1,
      m.type,
      `Type: ${m.type} (${ICMPV4_TYPE_NAMES[m.type] ?? 'Unknown ICMP (obsolete or malformed?)'})`,
    ),
    leaf('icmp.code', 'Code', start + 1, 1, m.code),
    {
      ...leaf('icmp.checksum', 'Checksum', start + 2, 2, checksum),
      display: `Checksum: ${hex(checksum, 4)} ${statusText}`,
    },
    leaf('icmp.checksum.status', 'Checksum Status', start + 2, 0, status),
    ...restNodes(m),
    ...dataTime,
  ];
  const node: DissectionNode = {
    field: LAYER,
    name: 'Internet Control Message Protocol',
    offset: start,
    length: end - start,
    children,
  };
  const bodyStart =
    (m.type === 13 || m.type === 14) && end - start >= 20
      ? start + 20
      : (m.type === 17 || m.type === 18) && end - start >= 12
        ? start + 12
        : start + ICMPV4_HEADER_LENGTH + (dataTime.length > 0 ? 8 : 0);
  if (bodyStart >= end) return { node };
  if (m.isError) {
    return { node, next: { table: LINK_TABLE, keys: [LINKTYPE_IPV4], start: bodyStart, end, quoted: true } };
  }
  return { node, next: { table: 'icmp.data', keys: [], start: bodyStart, end } };
};

export const icmpv4Bindings = [{ table: 'ip.proto', key: 1, layer: 'icmp' }] as const;
