import {
  checkOptionalUint,
  checkUint,
  type DissectionNode,
  fieldNode as field,
  foldSum,
  hex,
  type IpContext,
  ipv4Number,
  ipv4PseudoHeaderSum,
  ipv6Bytes,
  ipv6PseudoHeaderSum,
  type LayerDissector,
  readU16,
  sumWords,
  writeU16,
} from '@cnikit/wire';
import { copyBytes } from './copy.js';
import { fail, failTruncated } from './fail.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'udp';
const UDP_PROTOCOL = 17;
export const UDP_HEADER_LENGTH = 8;

/** UDP header (RFC 768) as a plain object: what `toJSON()` returns and `writeUdp` takes. */
export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** Length field (header + payload). Absent → computed as 8 + payload length. */
  length?: number;
  /** Checksum field. Absent → computed over the pseudo-header (needs `ip`); 0 over IPv4 means "none". */
  checksum?: number;
  /** Payload bytes. Absent → `payloadLength` bytes already in place after the header (see writeUdp). */
  payload?: Uint8Array;
}

/**
 * Options shared by the UDP and TCP writers.
 * - `ip`: the enclosing IP header's addresses, needed to compute the checksum over the pseudo-header.
 * - `payloadLength`: when the header's `payload` is absent, the payload is taken to be this many
 *   bytes already written in `out` right after the header (write payload first, header second).
 */
export interface TransportWriteOptions {
  readonly ip?: IpContext;
  readonly payloadLength?: number;
}

const NO_OPTIONS: TransportWriteOptions = {};

/**
 * The enclosing IP header's addresses as a caller writes them by hand: an `IpContext`, or text
 * (`{ src: '10.0.0.1', dst: '10.0.0.2' }`, `{ src: 'fe80::1', dst: 'ff02::1' }`, the family read
 * from the text). For the allocating `encodeUdp`/`encodeTcp`; the `write*` writers take IpContext.
 */
export type IpContextInput = IpContext | { readonly src: string; readonly dst: string };

/** Options of the allocating `encodeUdp`/`encodeTcp`: `ip` may be text. */
export interface TransportEncodeOptions {
  readonly ip?: IpContextInput;
}

/** `ip` with text parsed (once, here at the allocating edge). */
export function ipContextOf(ip: IpContextInput | undefined): IpContext | undefined {
  if (ip === undefined || typeof ip.src !== 'string') return ip as IpContext | undefined;
  const dst = ip.dst as string;
  return ip.src.includes(':')
    ? { family: 6, src: ipv6Bytes(ip.src, 'ip.src'), dst: ipv6Bytes(dst, 'ip.dst') }
    : { family: 4, src: ipv4Number(ip.src, 'ip.src'), dst: ipv4Number(dst, 'ip.dst') };
}

/**
 * How a UDP checksum checks out: `none` = zero over IPv4 (sender computed none, RFC 768);
 * `zero-ipv6` = zero over IPv6, invalid except on RFC 6935/6936 tunnels; `partial` = the datagram
 * is cut short (quoted in an ICMP error), so it cannot be checked.
 */
export type UdpChecksumStatus = 'good' | 'bad' | 'none' | 'zero-ipv6' | 'partial';

/** Unfolded pseudo-header sum (RFC 768 / RFC 8200 §8.1) for an upper-layer protocol. */
export function transportPseudoHeaderSum(ip: IpContext, protocol: number, length: number): number {
  return ip.family === 4
    ? ipv4PseudoHeaderSum(ip.src, ip.dst, protocol, length)
    : ipv6PseudoHeaderSum(ip.src, ip.dst, protocol, length);
}

/** Zero-copy, rebindable view of a UDP datagram (RFC 768). */
export class UdpDatagram {
  // Getters read bytes inline, not through readU16/readU32: with the helper's bytecode counted, a
  // getter misses TurboFan's inlining budget more often (case (a): 81 → 68 ns/op measured).
  buf: Uint8Array = EMPTY;
  start = 0;
  /** End of the datagram: start + length field (or the bytes present when `partial` cut it short). */
  end = 0;
  /** True when bound with `partial` and the length field reaches past the bytes present. */
  truncated = false;

  static parse(buf: Uint8Array, start = 0, end = buf.length, partial = false): UdpDatagram {
    return new UdpDatagram().bind(buf, start, end, partial);
  }

  /**
   * Validates the header and points this view at it. The datagram ends at start + length field,
   * trimming anything after it. With `partial` (a datagram quoted in an ICMP error) a length field
   * beyond `end` is accepted and the view ends at `end`. A zero length field is accepted only for
   * an RFC 2675 jumbogram (more than 65,535 bytes present). Throws DecodeError.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length, partial = false): this {
    if (end - start < UDP_HEADER_LENGTH) failTruncated(LAYER, start, UDP_HEADER_LENGTH, end);
    const length = readU16(buf, start + 4);
    const stop = start + length;
    // A length below 8 (jumbogram or error) or past `end`: the uncommon cases, out of line.
    if (length < UDP_HEADER_LENGTH || stop > end) return this.bindUnusual(buf, start, end, partial);
    this.buf = buf;
    this.start = start;
    this.end = stop;
    this.truncated = false;
    return this;
  }

  private bindUnusual(buf: Uint8Array, start: number, end: number, partial: boolean): this {
    const length = readU16(buf, start + 4);
    let truncated = false;
    if (length === 0 && end - start > 0xffff) {
      // RFC 2675 jumbogram: the datagram runs to the end of the IPv6 payload.
    } else if (length < UDP_HEADER_LENGTH) {
      fail('bad-length', LAYER, start + 4, `length ${length} is less than 8`);
    } else {
      if (!partial) failTruncated(LAYER, start, length, end);
      truncated = true;
    }
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.truncated = truncated;
    return this;
  }

  get srcPort(): number {
    const b = this.buf;
    const o = this.start;
    return (b[o] << 8) | b[o + 1];
  }
  get dstPort(): number {
    const b = this.buf;
    const o = this.start + 2;
    return (b[o] << 8) | b[o + 1];
  }
  /** The length field as sent (0 for a jumbogram). */
  get length(): number {
    const b = this.buf;
    const o = this.start + 4;
    return (b[o] << 8) | b[o + 1];
  }
  get checksum(): number {
    const b = this.buf;
    const o = this.start + 6;
    return (b[o] << 8) | b[o + 1];
  }
  get payloadOffset(): number {
    return this.start + UDP_HEADER_LENGTH;
  }
  get payloadLength(): number {
    return this.end - this.start - UDP_HEADER_LENGTH;
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + UDP_HEADER_LENGTH, this.end);
  }

  /** Checks the checksum over the pseudo-header built from `ip` (no allocation). */
  checksumStatus(ip: IpContext): UdpChecksumStatus {
    if (this.checksum === 0) return ip.family === 4 ? 'none' : 'zero-ipv6';
    if (this.truncated) return 'partial';
    const initial = transportPseudoHeaderSum(ip, UDP_PROTOCOL, this.end - this.start);
    return foldSum(sumWords(this.buf, this.start, this.end, initial)) === 0xffff ? 'good' : 'bad';
  }

  /** The checksum this datagram should carry over `ip` (0 computed is sent as 0xffff). */
  computeChecksum(ip: IpContext): number {
    return udpChecksum(this.buf, this.start, this.end, ip);
  }

  toJSON(): Required<UdpHeader> {
    return {
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      length: this.length,
      checksum: this.checksum,
      payload: this.payload,
    };
  }
}

/** UDP checksum of buf[start, end) with the checksum field taken as zero; a computed 0 becomes 0xffff. */
function udpChecksum(buf: Uint8Array, start: number, end: number, ip: IpContext): number {
  const initial = transportPseudoHeaderSum(ip, UDP_PROTOCOL, end - start);
  const sum = sumWords(buf, start, end, initial) - readU16(buf, start + 6);
  const c = ~foldSum(sum) & 0xffff;
  return c === 0 ? 0xffff : c;
}

/**
 * Writes a UDP datagram at `out[offset]` and returns the bytes written (8 + payload length).
 *
 * The checksum is computed over the pseudo-header from `options.ip` unless `h.checksum` is given
 * (pass `checksum: 0` over IPv4 to send none). Payload-first, no copy: write the payload at
 * `out[offset + 8]`, then call `writeUdp({ srcPort, dstPort }, out, offset, { ip, payloadLength })`.
 * A `h.payload` that already sits at `out[offset + 8]` is not copied either.
 * Throws RangeError naming the field before writing anything.
 */
export function writeUdp(
  h: UdpHeader,
  out: Uint8Array,
  offset = 0,
  options: TransportWriteOptions = NO_OPTIONS,
): number {
  checkUint('srcPort', h.srcPort, 0xffff, 'udp');
  checkUint('dstPort', h.dstPort, 0xffff, 'udp');
  checkOptionalUint('length', h.length, 0xffff, 'udp');
  checkOptionalUint('checksum', h.checksum, 0xffff, 'udp');
  const payloadLength = h.payload ? h.payload.length : (options.payloadLength ?? 0);
  if (!Number.isInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`udp payloadLength must be a non-negative integer, got ${payloadLength}`);
  }
  const total = UDP_HEADER_LENGTH + payloadLength;
  if (h.length === undefined && total > 0xffff) {
    throw new RangeError(`udp length: ${total} bytes do not fit the 16-bit length field`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`udp out: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  if (h.checksum === undefined && !options.ip) {
    throw new RangeError('udp checksum: absent, and options.ip is needed to compute it');
  }
  const length = h.length ?? total;
  const p = h.payload;
  const payloadStart = offset + UDP_HEADER_LENGTH;
  // The payload goes first: it may sit in `out` where the header is about to be written
  // (copyBytes is overlap-safe; a payload already in place is copied onto itself).
  if (p !== undefined) copyBytes(p, out, payloadStart);
  let checksum = h.checksum;
  if (checksum === undefined) {
    const ip = options.ip as IpContext; // checked above
    const initial = transportPseudoHeaderSum(ip, UDP_PROTOCOL, total) + h.srcPort + h.dstPort + length;
    const sum = sumWords(out, payloadStart, payloadStart + payloadLength, initial);
    checksum = ~foldSum(sum) & 0xffff || 0xffff;
  }
  writeU16(out, offset, h.srcPort);
  writeU16(out, offset + 2, h.dstPort);
  writeU16(out, offset + 4, length);
  writeU16(out, offset + 6, checksum);
  return total;
}

/** Allocating convenience around `writeUdp`; `options.ip` may be text (see IpContextInput). */
export function encodeUdp(h: UdpHeader, options: TransportEncodeOptions = NO_OPTIONS): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LENGTH + (h.payload?.length ?? 0));
  writeUdp(h, out, 0, { ip: ipContextOf(options.ip) });
  return out;
}

/** tshark's checksum-status values (proto.h `PROTO_CHECKSUM_E_*`). */
const UNVERIFIED = 2;
const NOT_PRESENT = 3;
const ILLEGAL = 4;

/** Port fields, including Wireshark's two hidden `udp.port`. */
function portNodes(proto: 'udp', buf: Uint8Array, start: number): DissectionNode[] {
  const src = readU16(buf, start);
  const dst = readU16(buf, start + 2);
  return [
    field(`${proto}.srcport`, 'Source Port', start, 2, src),
    field(`${proto}.dstport`, 'Destination Port', start + 2, 2, dst),
    { ...field(`${proto}.port`, 'Source or Destination Port', start, 2, src), hidden: true },
    { ...field(`${proto}.port`, 'Source or Destination Port', start + 2, 2, dst), hidden: true },
  ];
}

/**
 * UDP dissector → layer 'udp'. Hands the payload to table 'udp.port' with keys [lower port, higher
 * port]. The checksum status is tshark's default: 2 (unverified), or for zero 3 (not present) over
 * IPv4 and 4 (illegal) over IPv6.
 * In quoted context (inside an ICMP error) a datagram cut short is accepted.
 */
export const dissectUdp: LayerDissector = (buf, start, end, context) => {
  const quoted = context.quoted === true;
  if (quoted && end - start < UDP_HEADER_LENGTH && end - start >= 4) {
    return {
      node: {
        field: LAYER,
        name: 'User Datagram Protocol',
        offset: start,
        length: end - start,
        children: portNodes('udp', buf, start),
      },
    };
  }
  // A datagram the capture cut short (the IP header claims more), or the start of one in a first
  // fragment, is shown as far as it goes.
  const u = new UdpDatagram().bind(
    buf,
    start,
    end,
    quoted || context.claimedEnd !== undefined || context.fragment === true,
  );
  const src = u.srcPort;
  const dst = u.dstPort;
  const checksum = u.checksum;
  // RFC 8200 §8.1: over IPv6 a zero checksum is illegal (tshark: status 4), over IPv4 it means none.
  const zeroIllegal = context.ip?.family === 6;
  const checksumNode: DissectionNode =
    checksum === 0
      ? {
          field: 'udp.checksum',
          name: 'Checksum',
          offset: start + 6,
          length: 2,
          value: 0,
          display: `Checksum: 0x0000 [${zeroIllegal ? 'illegal' : 'zero-value ignored'}]`,
          children: [
            field(
              'udp.checksum.status',
              'Checksum Status',
              start + 6,
              0,
              zeroIllegal ? ILLEGAL : NOT_PRESENT,
            ),
          ],
        }
      : {
          field: 'udp.checksum',
          name: 'Checksum',
          offset: start + 6,
          length: 2,
          value: checksum,
          display: `Checksum: ${hex(checksum, 4)} [unverified]`,
        };
  const children: DissectionNode[] = [
    ...portNodes('udp', buf, start),
    field('udp.length', 'Length', start + 4, 2, u.length),
    checksumNode,
  ];
  if (checksum !== 0)
    children.push(field('udp.checksum.status', 'Checksum Status', start + 6, 0, UNVERIFIED));
  const node: DissectionNode = {
    field: LAYER,
    name: 'User Datagram Protocol',
    offset: start,
    length: UDP_HEADER_LENGTH,
    display: `User Datagram Protocol, Src Port: ${src}, Dst Port: ${dst}`,
    children,
  };
  if (u.payloadLength === 0) return { node };
  return {
    node,
    next: {
      table: 'udp.port',
      keys: src <= dst ? [src, dst] : [dst, src],
      start: u.payloadOffset,
      end: u.end,
    },
  };
};

export const udpBindings = [{ table: 'ip.proto', key: UDP_PROTOCOL, layer: 'udp' }] as const;
