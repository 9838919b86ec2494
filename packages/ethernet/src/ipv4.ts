import {
  checkUint,
  type DissectionNode,
  foldSum,
  formatIpv4,
  hex,
  type Ipv4Input,
  ipv4Number,
  type LayerDissector,
  fieldNode as leaf,
  readU16,
  readU32,
  sumWords,
  verifyChecksum,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { copyBytes } from './copy.js';
import { dsfieldSummary } from './dsfield-summary.js';
import { fail, failTruncated } from './fail.js';
import {
  checkIpv4Option,
  dissectIpv4Options,
  type Ipv4Option,
  ipv4OptionsLength,
  ipv4SourceRouteDestinationOffset,
  parseIpv4Options,
  writeIpv4Options,
} from './ipv4-options.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'ip';
export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV4_MAX_HEADER_LENGTH = 60;

/** An IPv4 packet (RFC 791) as a plain object: what `toJSON()` returns and `writeIpv4` takes. */
export interface Ipv4Header {
  /** Differentiated Services code point, 0..63. */
  dscp: number;
  /** Explicit Congestion Notification, 0..3. */
  ecn: number;
  /** Total length field. Absent → header + payload length. */
  totalLength?: number;
  identification: number;
  /** The reserved ("evil") flag bit; absent → 0. */
  reservedFlag?: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in 8-octet units, 0..8191. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** Header checksum. Absent → computed; present → written only with `{ keepChecksum: true }`. */
  checksum?: number;
  /** Addresses as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  /** Options in order; the writer pads them with zeros (End of Option List) to a 4-byte multiple. */
  options: Ipv4Option[];
  payload: Uint8Array;
}

export interface Ipv4WriteOptions {
  /** Write `h.checksum` as given instead of computing it (to reproduce a packet, bad checksum and all). */
  readonly keepChecksum?: boolean;
}

const NO_WRITE_OPTIONS: Ipv4WriteOptions = {};

/** Zero-copy, rebindable view of an IPv4 packet; `end` = start + total length. */
export class Ipv4Packet {
  // Getters read bytes inline, not through readU16/readU32: with the helper's bytecode counted, a
  // getter misses TurboFan's inlining budget more often (case (a): 81 → 68 ns/op measured).
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** True when bound with `partial` and the total length reached past the bytes present. */
  truncated = false;

  static parse(buf: Uint8Array, start = 0, end = buf.length, partial = false): Ipv4Packet {
    return new Ipv4Packet().bind(buf, start, end, partial);
  }

  /**
   * Checks version, header length and total length, and points this view at the packet. Bytes
   * after the total length (Ethernet padding) are left out. With `partial` (a datagram quoted in an
   * ICMP error) a total length beyond `end` is accepted and the view ends at `end`. Options are not
   * walked here: `options` checks them when asked. A total length of 0 (TSO, Linux BIG TCP) means
   * the packet runs to `end`.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length, partial = false): this {
    if (end - start < IPV4_MIN_HEADER_LENGTH) failTruncated(LAYER, start, IPV4_MIN_HEADER_LENGTH, end);
    const b0 = buf[start];
    const headerLength = (b0 & 0x0f) << 2;
    if (b0 >>> 4 !== 4 || headerLength < IPV4_MIN_HEADER_LENGTH || end - start < headerLength) {
      failHeader(buf, start, end);
    }
    const totalLength = readU16(buf, start + 2);
    const layerEnd = start + totalLength;
    // Total length 0, below the header, or past `end`: the uncommon cases, out of line.
    if (totalLength < headerLength || layerEnd > end) return this.bindUnusual(buf, start, end, partial);
    this.buf = buf;
    this.start = start;
    this.end = layerEnd;
    this.truncated = false;
    return this;
  }

  private bindUnusual(buf: Uint8Array, start: number, end: number, partial: boolean): this {
    const headerLength = (buf[start] & 0x0f) << 2;
    let totalLength = readU16(buf, start + 2);
    // Linux BIG TCP and TSO captures carry total length 0: the packet runs to the end of the frame.
    if (totalLength === 0) totalLength = end - start;
    if (totalLength < headerLength) {
      fail(
        'bad-length',
        LAYER,
        start + 2,
        `total length ${totalLength} is below the header length ${headerLength}`,
      );
    }
    let layerEnd = start + totalLength;
    let truncated = false;
    if (layerEnd > end) {
      if (!partial) failTruncated(LAYER, start, totalLength, end);
      layerEnd = end;
      truncated = true;
    }
    this.buf = buf;
    this.start = start;
    this.end = layerEnd;
    this.truncated = truncated;
    return this;
  }

  get version(): number {
    return this.buf[this.start] >>> 4;
  }
  /** Header length field in 32-bit words. */
  get ihl(): number {
    return this.buf[this.start] & 0x0f;
  }
  get headerLength(): number {
    return (this.buf[this.start] & 0x0f) << 2;
  }
  /** The whole DS field (former TOS octet). */
  get dsfield(): number {
    return this.buf[this.start + 1];
  }
  get dscp(): number {
    return this.buf[this.start + 1] >>> 2;
  }
  get ecn(): number {
    return this.buf[this.start + 1] & 3;
  }
  get totalLength(): number {
    const b = this.buf;
    const o = this.start + 2;
    return (b[o] << 8) | b[o + 1];
  }
  get identification(): number {
    const b = this.buf;
    const o = this.start + 4;
    return (b[o] << 8) | b[o + 1];
  }
  /** The 3 flag bits: reserved (4), don't fragment (2), more fragments (1). */
  get flags(): number {
    return this.buf[this.start + 6] >>> 5;
  }
  get reservedFlag(): boolean {
    return (this.buf[this.start + 6] & 0x80) !== 0;
  }
  get dontFragment(): boolean {
    return (this.buf[this.start + 6] & 0x40) !== 0;
  }
  get moreFragments(): boolean {
    return (this.buf[this.start + 6] & 0x20) !== 0;
  }
  /** Fragment offset in 8-octet units. */
  get fragmentOffset(): number {
    const b = this.buf;
    const o = this.start + 6;
    return ((b[o] << 8) | b[o + 1]) & 0x1fff;
  }
  get isFragment(): boolean {
    const b = this.buf;
    const o = this.start + 6;
    return (((b[o] << 8) | b[o + 1]) & 0x3fff) !== 0;
  }
  /** False for a non-first fragment: its payload continues an upper-layer header seen elsewhere. */
  get hasUpperLayer(): boolean {
    return this.fragmentOffset === 0;
  }
  get ttl(): number {
    return this.buf[this.start + 8];
  }
  get protocol(): number {
    return this.buf[this.start + 9];
  }
  get checksum(): number {
    const b = this.buf;
    const o = this.start + 10;
    return (b[o] << 8) | b[o + 1];
  }
  get src(): number {
    const b = this.buf;
    const o = this.start + 12;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  get dst(): number {
    const b = this.buf;
    const o = this.start + 16;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  // Addresses at or above 2^31 (128.0.0.0 and up) come back boxed where TurboFan does not inline
  // the getter; the 16-bit halves never do, so a reader of every field allocates nothing with them.
  /** The high 16 bits of `src`: `src === srcHi * 65536 + srcLo`. */
  get srcHi(): number {
    const b = this.buf;
    const o = this.start + 12;
    return (b[o] << 8) | b[o + 1];
  }
  /** The low 16 bits of `src`. */
  get srcLo(): number {
    const b = this.buf;
    const o = this.start + 14;
    return (b[o] << 8) | b[o + 1];
  }
  /** The high 16 bits of `dst`: `dst === dstHi * 65536 + dstLo`. */
  get dstHi(): number {
    const b = this.buf;
    const o = this.start + 16;
    return (b[o] << 8) | b[o + 1];
  }
  /** The low 16 bits of `dst`. */
  get dstLo(): number {
    const b = this.buf;
    const o = this.start + 18;
    return (b[o] << 8) | b[o + 1];
  }
  /** Where the options area starts (absolute); with `optionsLength`, `optionBytes` without allocating. */
  get optionsOffset(): number {
    return this.start + IPV4_MIN_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return ((this.buf[this.start] & 0x0f) << 2) - IPV4_MIN_HEADER_LENGTH;
  }
  /** The raw options area (header bytes after the first 20). */
  get optionBytes(): Uint8Array {
    return this.buf.subarray(this.start + IPV4_MIN_HEADER_LENGTH, this.start + this.headerLength);
  }
  /** Decoded options; throws DecodeError `bad-option` for a malformed option. Allocates. */
  get options(): Ipv4Option[] {
    return parseIpv4Options(this.buf, this.start + IPV4_MIN_HEADER_LENGTH, this.start + this.headerLength);
  }
  get payloadOffset(): number {
    return this.start + this.headerLength;
  }
  get payloadLength(): number {
    return this.end - this.start - this.headerLength;
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + this.headerLength, this.end);
  }
  /** True when the header checksum verifies (RFC 1071). */
  verifyChecksum(): boolean {
    return verifyChecksum(this.buf, this.start, this.start + this.headerLength);
  }
  /** The checksum the header should carry (computed with the checksum field as zero). */
  computeChecksum(): number {
    const sum = sumWords(this.buf, this.start, this.start + this.headerLength) - this.checksum;
    return ~foldSum(sum) & 0xffff;
  }

  toJSON(): Ipv4Header {
    return {
      dscp: this.dscp,
      ecn: this.ecn,
      totalLength: this.totalLength,
      identification: this.identification,
      reservedFlag: this.reservedFlag,
      dontFragment: this.dontFragment,
      moreFragments: this.moreFragments,
      fragmentOffset: this.fragmentOffset,
      ttl: this.ttl,
      protocol: this.protocol,
      checksum: this.checksum,
      src: this.src,
      dst: this.dst,
      options: this.options,
      payload: this.payload,
    };
  }
}

/** Which check failed, in the order `bind` promises: version, header length, header bytes. */
function failHeader(buf: Uint8Array, start: number, end: number): never {
  const b0 = buf[start];
  if (b0 >>> 4 !== 4) fail('bad-version', LAYER, start, `version ${b0 >>> 4} is not 4`);
  const headerLength = (b0 & 0x0f) << 2;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    fail('bad-header-length', LAYER, start, `header length ${headerLength} is below 20`);
  }
  failTruncated(LAYER, start, headerLength, end);
}

/** Header length `writeIpv4` uses for these options: 20 + options padded to 4 bytes. */
export function ipv4HeaderLength(options: readonly Ipv4Option[]): number {
  return IPV4_MIN_HEADER_LENGTH + ((ipv4OptionsLength(options) + 3) & ~3);
}

/**
 * What `writeIpv4` and `encodeIpv4` take: an `Ipv4Header` whose optional fields may be left out
 * (dscp, ecn, identification, flags, fragment offset 0, no options, empty payload) and whose
 * addresses may be dotted-quad text, parsed once by the writer.
 */
export interface Ipv4HeaderInit {
  dscp?: number;
  ecn?: number;
  totalLength?: number;
  identification?: number;
  reservedFlag?: boolean;
  dontFragment?: boolean;
  moreFragments?: boolean;
  fragmentOffset?: number;
  ttl: number;
  protocol: number;
  checksum?: number;
  src: Ipv4Input;
  dst: Ipv4Input;
  options?: readonly Ipv4Option[];
  payload?: Uint8Array;
}

const NO_OPTIONS: readonly Ipv4Option[] = [];

function optionsOf(h: Ipv4HeaderInit): readonly Ipv4Option[] {
  const options = h.options ?? NO_OPTIONS;
  if (!Array.isArray(options)) throw new RangeError(`options must be an array, got ${typeof options}`);
  return options;
}

export function ipv4Length(h: Ipv4HeaderInit): number {
  return ipv4HeaderLength(optionsOf(h)) + (h.payload ?? EMPTY).length;
}

/**
 * Writes the header (options padded with zeros) and payload at `offset`; returns bytes written.
 * Computes the total length and checksum unless given (checksum: with `keepChecksum`); fields left
 * out take their defaults (see Ipv4HeaderInit). Throws RangeError naming the field before writing
 * anything.
 */
export function writeIpv4(
  h: Ipv4HeaderInit,
  out: Uint8Array,
  offset = 0,
  options: Ipv4WriteOptions = NO_WRITE_OPTIONS,
): number {
  const dscp = h.dscp ?? 0;
  const ecn = h.ecn ?? 0;
  const identification = h.identification ?? 0;
  const fragmentOffset = h.fragmentOffset ?? 0;
  checkUint('dscp', dscp, 63);
  checkUint('ecn', ecn, 3);
  checkUint('identification', identification, 0xffff);
  checkUint('fragmentOffset', fragmentOffset, 0x1fff);
  checkUint('ttl', h.ttl, 255);
  checkUint('protocol', h.protocol, 255);
  const src = ipv4Number(h.src, 'src');
  const dst = ipv4Number(h.dst, 'dst');
  checkUint('src', src, 0xffffffff);
  checkUint('dst', dst, 0xffffffff);
  const ipOptions = optionsOf(h);
  const payload = h.payload ?? EMPTY;
  if (!(payload instanceof Uint8Array)) throw new RangeError('payload must be a Uint8Array');
  for (const o of ipOptions) checkIpv4Option(o);
  const headerLength = ipv4HeaderLength(ipOptions);
  if (headerLength > IPV4_MAX_HEADER_LENGTH) {
    throw new RangeError(`options need a ${headerLength}-byte header, over the 60-byte maximum`);
  }
  const total = headerLength + payload.length;
  const totalLength = h.totalLength ?? total;
  checkUint('totalLength', totalLength, 0xffff);
  if (options.keepChecksum) {
    if (h.checksum === undefined) throw new RangeError('checksum must be given with keepChecksum');
    checkUint('checksum', h.checksum, 0xffff);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`out has no room for ${total} bytes at offset ${offset}`);
  }
  const word0 = ((0x40 | (headerLength >>> 2)) << 8) | (dscp << 2) | ecn;
  const flags = (h.reservedFlag ? 4 : 0) | (h.dontFragment ? 2 : 0) | (h.moreFragments ? 1 : 0);
  const word3 = (flags << 13) | fragmentOffset;
  const word4 = (h.ttl << 8) | h.protocol;
  writeU16(out, offset, word0);
  writeU16(out, offset + 2, totalLength);
  writeU16(out, offset + 4, identification);
  writeU16(out, offset + 6, word3);
  writeU16(out, offset + 8, word4);
  writeU32(out, offset + 12, src);
  writeU32(out, offset + 16, dst);
  // The checksum is summed from the values written, not read back; options (rare) are read back.
  let sum = word0 + totalLength + identification + word3 + word4;
  sum += (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  if (headerLength > IPV4_MIN_HEADER_LENGTH) {
    const optionsStart = offset + IPV4_MIN_HEADER_LENGTH;
    const written = writeIpv4Options(ipOptions, out, optionsStart);
    out.fill(0, optionsStart + written, offset + headerLength);
    sum = sumWords(out, optionsStart, offset + headerLength, sum);
  }
  const checksum = options.keepChecksum ? (h.checksum as number) : ~foldSum(sum) & 0xffff;
  writeU16(out, offset + 10, checksum);
  copyBytes(payload, out, offset + headerLength);
  return total;
}

/** Allocating convenience around `writeIpv4`: `encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.1', dst: '10.0.0.2' })`. */
export function encodeIpv4(h: Ipv4HeaderInit, options: Ipv4WriteOptions = NO_WRITE_OPTIONS): Uint8Array {
  const out = new Uint8Array(ipv4Length(h));
  writeIpv4(h, out, 0, options);
  return out;
}

/**
 * Every IPv4 header field under Wireshark's names. Like Wireshark, it shows a header whose total
 * length runs past the captured bytes (snap length, slicing) and hands over what is there. `ip.checksum.status` is 2 ("unverified"), as
 * tshark reports with its default preferences; `verifyChecksum()` gives the real answer.
 * We do not reassemble: as tshark with `-o ip.defragment:FALSE`, a first fragment hands its payload
 * to the transport layer (marked `fragment`: its length may run past the fragment, its checksum
 * is not checked) and a later fragment hands over nothing (its payload is data).
 */
export const dissectIpv4: LayerDissector = (buf, start, end, context) => {
  const p = new Ipv4Packet().bind(buf, start, end, true);
  const hl = p.headerLength;
  const ds = p.dsfield;
  const flagsByte = buf[start + 6];
  const src = formatIpv4(p.src);
  const dst = formatIpv4(p.dst);
  // While a source route is in progress the header holds the current hop, shown as `ip.cur_rt`;
  // the final destination (the route's last address) is the pseudo-header's.
  const routeAt =
    hl > IPV4_MIN_HEADER_LENGTH ? ipv4SourceRouteDestinationOffset(buf, start + 20, start + hl) : -1;
  const children: DissectionNode[] = [
    leaf('ip.version', 'Version', start, 1, 4),
    leaf('ip.hdr_len', 'Header Length', start, 1, hl, `Header Length: ${hl} bytes (${hl >>> 2})`),
    {
      field: 'ip.dsfield',
      name: 'Differentiated Services Field',
      offset: start + 1,
      length: 1,
      value: ds,
      display: `Differentiated Services Field: ${hex(ds, 2)} (${dsfieldSummary(ds)})`,
      children: [
        leaf('ip.dsfield.dscp', 'Differentiated Services Codepoint', start + 1, 1, ds >>> 2),
        leaf('ip.dsfield.ecn', 'Explicit Congestion Notification', start + 1, 1, ds & 3),
      ],
    },
    // Wireshark shows a zero total length (TSO) as the length it assumed.
    leaf('ip.len', 'Total Length', start + 2, 2, p.totalLength || p.end - start),
    leaf(
      'ip.id',
      'Identification',
      start + 4,
      2,
      p.identification,
      `Identification: ${hex(p.identification, 4)} (${p.identification})`,
    ),
    {
      field: 'ip.flags',
      name: 'Flags',
      offset: start + 6,
      length: 1,
      value: flagsByte >>> 5,
      display: `Flags: ${ipv4FlagsSummary(flagsByte >>> 5)}`,
      children: [
        leaf('ip.flags.rb', 'Reserved bit', start + 6, 1, p.reservedFlag),
        leaf('ip.flags.df', "Don't fragment", start + 6, 1, p.dontFragment),
        leaf('ip.flags.mf', 'More fragments', start + 6, 1, p.moreFragments),
      ],
    },
    leaf('ip.frag_offset', 'Fragment Offset', start + 6, 2, p.fragmentOffset),
    leaf('ip.ttl', 'Time to Live', start + 8, 1, p.ttl),
    leaf('ip.proto', 'Protocol', start + 9, 1, p.protocol),
    leaf(
      'ip.checksum',
      'Header Checksum',
      start + 10,
      2,
      p.checksum,
      `Header Checksum: ${hex(p.checksum, 4)} [validation disabled]`,
    ),
    leaf(
      'ip.checksum.status',
      'Header checksum status',
      start + 10,
      0,
      2,
      'Header checksum status: Unverified',
    ),
    leaf('ip.src', 'Source Address', start + 12, 4, src),
    // `ip.addr`: Wireshark's "source or destination" alias, for filters such as `ip.addr == …`.
    { ...leaf('ip.addr', 'Source or Destination Address', start + 12, 4, src), hidden: true },
    routeAt < 0
      ? leaf('ip.dst', 'Destination Address', start + 16, 4, dst)
      : leaf('ip.cur_rt', 'Current Route', start + 16, 4, dst),
    routeAt < 0
      ? { ...leaf('ip.addr', 'Source or Destination Address', start + 16, 4, dst), hidden: true }
      : {
          ...leaf('ip.addr', 'Source or Destination Address', routeAt, 4, formatIpv4(readU32(buf, routeAt))),
          hidden: true,
        },
  ];
  if (hl > IPV4_MIN_HEADER_LENGTH) {
    children.push(dissectIpv4Options(buf, start + IPV4_MIN_HEADER_LENGTH, start + hl));
  }
  if (p.truncated && context.quoted !== true) {
    const message = `IPv4 total length exceeds packet length (${end - start} bytes)`;
    children.push({
      field: 'ip.bogus_ip_length',
      name: message,
      offset: start + 2,
      length: 2,
      display: message,
    });
  }
  const node: DissectionNode = {
    field: 'ip',
    name: 'Internet Protocol Version 4',
    offset: start,
    length: hl,
    display: `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`,
    children,
  };
  const handOver = p.hasUpperLayer;
  const fragment = p.moreFragments && handOver && context.quoted !== true;
  return {
    node,
    // Bytes past the total length are the link layer's (Ethernet padding/trailer).
    end: p.end,
    next: {
      table: 'ip.proto',
      keys: handOver ? [p.protocol] : [],
      start: start + hl,
      end: p.end,
      // Cut by the capture's snaplen (not a bogus length): the next layer may report the claim.
      ...(p.truncated && p.totalLength > 0 && context.reportedEnd !== undefined
        ? { claimedEnd: Math.min(start + p.totalLength, context.reportedEnd) }
        : {}),
      ...(fragment ? { fragment } : {}),
      ip: { family: 4, src: p.src, dst: routeAt < 0 ? p.dst : readU32(buf, routeAt) },
    },
  };
};

/** `0x3, Don't fragment, More fragments`: the three flag bits and the names of those set, as tshark heads them. */
function ipv4FlagsSummary(flags: number): string {
  const names = ['Reserved bit', "Don't fragment", 'More fragments'].filter(
    (_, i) => (flags & (4 >>> i)) !== 0,
  );
  return [`0x${flags.toString(16)}`, ...names].join(', ');
}

/** LINKTYPE_RAW (101): no link header; the version nibble picks IPv4 or IPv6 via `ip.version`. */
export const dissectRawIp: LayerDissector = (buf, start, end) => {
  const node: DissectionNode = { field: 'raw', name: 'Raw packet data', offset: start, length: 0 };
  const keys = start < end ? [buf[start] >>> 4] : [];
  return { node, next: { table: 'ip.version', keys, start, end } };
};

export const ipv4Bindings = [
  { table: 'ethertype', key: 0x0800, layer: 'ip' },
  { table: 'link', key: 228, layer: 'ip' },
  { table: 'link', key: 101, layer: 'raw' },
  { table: 'ip.version', key: 4, layer: 'ip' },
  { table: 'ip.proto', key: 4, layer: 'ip' },
] as const;
