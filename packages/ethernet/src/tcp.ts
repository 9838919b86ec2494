import {
  checkOptionalUint,
  type DissectionNode,
  foldSum,
  hex,
  type IpContext,
  type LayerDissector,
  fieldNode as leaf,
  readU16,
  readU32,
  sumWords,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { fail, failTruncated } from './fail.js';
import { tcpFlagsSummary } from './tcp-flags-summary.js';
import {
  decodeTcpOptions,
  TCP_MAX_OPTIONS_LENGTH,
  type TcpOption,
  type TcpOptionOffsets,
  tcpOptionNodes,
  tcpOptionsLength,
  walkTcpOptions,
  writeTcpOptions,
} from './tcp-options.js';
import {
  ipContextOf,
  type TransportEncodeOptions,
  type TransportWriteOptions,
  transportPseudoHeaderSum,
} from './udp.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'tcp';
const TCP_PROTOCOL = 6;
export const TCP_HEADER_LENGTH = 20;
const NO_OPTIONS: TransportWriteOptions = {};

/** Flag bits of the 12-bit field after the data offset (RFC 9293 §3.1; AE is RFC 9768, ex-NS). */
export const TcpFlags = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
  /** The three reserved bits. */
  Reserved: 0xe00,
} as const;

/** TCP header (RFC 9293) as a plain object: what `toJSON()` returns and `writeTcp` takes. */
export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Header length in 32-bit words. Absent → 5 + options rounded up to whole words. */
  dataOffset?: number;
  /** The 12 bits after the data offset: `TcpFlags` bits, reserved bits included. */
  flags: number;
  window: number;
  /** Absent → computed over the pseudo-header (needs `ip`). */
  checksum?: number;
  urgentPointer: number;
  /** Options in wire order; written back byte-exact, zero-padded (EOL) to the header length. */
  options: TcpOption[];
  /** Absent → `payloadLength` bytes already in place after the header (see writeTcp). */
  payload?: Uint8Array;
}

/** How a TCP checksum checks out; `partial` = segment cut short (ICMP quote), not checkable. */
export type TcpChecksumStatus = 'good' | 'bad' | 'partial';

/**
 * Zero-copy, rebindable view of a TCP segment (RFC 9293). `bind` notes where the known options are
 * (`mssOffset` …, -1 when absent) as it checks them, so `mss`, `windowScale`, `sackPermitted`,
 * `tsval`/`tsecr` and the SACK blocks read without allocating; `options` decodes them all into objects.
 */
export class TcpSegment implements TcpOptionOffsets {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Where the header (with options) ends: start + data offset × 4, or `end` if cut short. */
  headerEnd = 0;
  /** True when bound with `partial` and the header reaches past the bytes present. */
  truncated = false;
  /** Absolute offset of the option's kind byte, -1 when absent; the last one if sent twice. */
  mssOffset = -1;
  windowScaleOffset = -1;
  sackPermittedOffset = -1;
  sackOffset = -1;
  timestampsOffset = -1;

  static parse(buf: Uint8Array, start = 0, end = buf.length, partial = false): TcpSegment {
    return new TcpSegment().bind(buf, start, end, partial);
  }

  /**
   * Validates the fixed header, the data offset and every option length, and points this view at
   * the segment buf[start, end). With `partial` (a segment quoted in an ICMP error) a data offset
   * beyond `end` is accepted (the header then ends at `end`), as is an option cut short there.
   * Throws DecodeError.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length, partial = false): this {
    if (end - start < TCP_HEADER_LENGTH) failTruncated(LAYER, start, TCP_HEADER_LENGTH, end);
    const headerLength = (buf[start + 12] >>> 4) * 4;
    if (headerLength < TCP_HEADER_LENGTH) failDataOffset(start, headerLength);
    let headerEnd = start + headerLength;
    let truncated = false;
    if (headerEnd > end) {
      if (!partial) failTruncated(LAYER, start, headerLength, end);
      headerEnd = end;
      truncated = true;
    }
    this.mssOffset = -1;
    this.windowScaleOffset = -1;
    this.sackPermittedOffset = -1;
    this.sackOffset = -1;
    this.timestampsOffset = -1;
    if (headerEnd > start + TCP_HEADER_LENGTH) {
      walkTcpOptions(buf, start + TCP_HEADER_LENGTH, headerEnd, truncated, undefined, this);
    }
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.headerEnd = headerEnd;
    this.truncated = truncated;
    return this;
  }

  get srcPort(): number {
    return readU16(this.buf, this.start);
  }
  get dstPort(): number {
    return readU16(this.buf, this.start + 2);
  }
  get seq(): number {
    return readU32(this.buf, this.start + 4);
  }
  get ack(): number {
    return readU32(this.buf, this.start + 8);
  }
  /** Header length in 32-bit words, as sent. */
  get dataOffset(): number {
    return this.buf[this.start + 12] >>> 4;
  }
  /** Header length in bytes, as sent (tshark's `tcp.hdr_len`). */
  get headerLength(): number {
    return (this.buf[this.start + 12] >>> 4) * 4;
  }
  /** 12 flag bits (`TcpFlags`), reserved bits included. */
  get flags(): number {
    return readU16(this.buf, this.start + 12) & 0xfff;
  }
  hasFlag(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }
  get window(): number {
    return readU16(this.buf, this.start + 14);
  }
  get checksum(): number {
    return readU16(this.buf, this.start + 16);
  }
  get urgentPointer(): number {
    return readU16(this.buf, this.start + 18);
  }
  /** Where the options area starts (absolute); with `optionsLength`, `optionBytes` without allocating. */
  get optionsOffset(): number {
    return this.start + TCP_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return this.headerEnd - this.start - TCP_HEADER_LENGTH;
  }
  /** Maximum segment size option (RFC 9293 §3.7.1), or -1 when absent. */
  get mss(): number {
    return this.mssOffset < 0 ? -1 : readU16(this.buf, this.mssOffset + 2);
  }
  /** Window scale shift count as sent (RFC 7323 §2), or -1 when absent. */
  get windowScale(): number {
    return this.windowScaleOffset < 0 ? -1 : this.buf[this.windowScaleOffset + 2];
  }
  get sackPermitted(): boolean {
    return this.sackPermittedOffset >= 0;
  }
  /** Timestamps option TSval (RFC 7323 §3), or -1 when absent. */
  get tsval(): number {
    return this.timestampsOffset < 0 ? -1 : readU32(this.buf, this.timestampsOffset + 2);
  }
  /** Timestamps option TSecr, or -1 when absent. */
  get tsecr(): number {
    return this.timestampsOffset < 0 ? -1 : readU32(this.buf, this.timestampsOffset + 6);
  }
  /** Blocks in the SACK option (RFC 2018), 0 when absent. */
  get sackBlockCount(): number {
    return this.sackOffset < 0 ? 0 : (this.buf[this.sackOffset + 1] - 2) >>> 3;
  }
  /** Left edge of SACK block `i`, for 0 ≤ i < sackBlockCount (not checked, like every getter). */
  sackLeft(i: number): number {
    return readU32(this.buf, this.sackOffset + 2 + 8 * i);
  }
  /** Right edge of SACK block `i`, for 0 ≤ i < sackBlockCount. */
  sackRight(i: number): number {
    return readU32(this.buf, this.sackOffset + 6 + 8 * i);
  }
  /** Raw option bytes (no copy). */
  get optionBytes(): Uint8Array {
    return this.buf.subarray(this.start + TCP_HEADER_LENGTH, this.headerEnd);
  }
  /** Decoded options (allocates; the bytes were validated by `bind`). */
  get options(): TcpOption[] {
    return decodeTcpOptions(this.buf, this.start + TCP_HEADER_LENGTH, this.headerEnd, this.truncated);
  }
  get payloadOffset(): number {
    return this.headerEnd;
  }
  get payloadLength(): number {
    return this.end - this.headerEnd;
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.headerEnd, this.end);
  }

  /** Checks the checksum over the pseudo-header built from `ip` (no allocation). */
  checksumStatus(ip: IpContext): TcpChecksumStatus {
    if (this.truncated) return 'partial';
    const initial = transportPseudoHeaderSum(ip, TCP_PROTOCOL, this.end - this.start);
    return foldSum(sumWords(this.buf, this.start, this.end, initial)) === 0xffff ? 'good' : 'bad';
  }

  /** The checksum this segment should carry over `ip`. */
  computeChecksum(ip: IpContext): number {
    return tcpChecksum(this.buf, this.start, this.end, ip);
  }

  toJSON(): Required<TcpHeader> {
    return {
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      seq: this.seq,
      ack: this.ack,
      dataOffset: this.dataOffset,
      flags: this.flags,
      window: this.window,
      checksum: this.checksum,
      urgentPointer: this.urgentPointer,
      options: this.options,
      payload: this.payload,
    };
  }
}

function failDataOffset(start: number, headerLength: number): never {
  fail('bad-header-length', LAYER, start + 12, `data offset ${headerLength / 4} is less than 5 words`);
}

/** TCP checksum of buf[start, end) with the checksum field taken as zero. */
function tcpChecksum(buf: Uint8Array, start: number, end: number, ip: IpContext): number {
  const initial = transportPseudoHeaderSum(ip, TCP_PROTOCOL, end - start);
  return ~foldSum(sumWords(buf, start, end, initial) - readU16(buf, start + 16)) & 0xffff;
}

/**
 * Writes a TCP segment at `out[offset]` and returns the bytes written (header + payload).
 *
 * Options are written in order and zero-padded to `dataOffset` words (computed when absent). The
 * checksum is computed over the pseudo-header from `options.ip` unless `h.checksum` is given.
 * Payload-first, no copy: write the payload at `out[offset + headerLength]` (see
 * `tcpHeaderLength`), then call `writeTcp({ …, options }, out, offset, { ip, payloadLength })`.
 * A `h.payload` that already sits there is not copied either.
 * Throws RangeError naming the field before writing anything.
 */
/**
 * What `writeTcp`/`encodeTcp` take: a `TcpHeader` whose sequence and acknowledgment numbers,
 * flags, urgent pointer (0) and options (none) may be left out.
 */
export interface TcpHeaderInit
  extends Omit<TcpHeader, 'seq' | 'ack' | 'flags' | 'urgentPointer' | 'options'> {
  seq?: number;
  ack?: number;
  flags?: number;
  urgentPointer?: number;
  options?: readonly TcpOption[];
}

const NO_TCP_OPTIONS: readonly TcpOption[] = [];

function tcpOptionsOf(h: Pick<TcpHeaderInit, 'options'>): readonly TcpOption[] {
  const o = h.options ?? NO_TCP_OPTIONS;
  if (!Array.isArray(o)) throw new RangeError(`tcp options must be an array, got ${typeof o}`);
  return o;
}

export function writeTcp(
  h: TcpHeaderInit,
  out: Uint8Array,
  offset = 0,
  options: TransportWriteOptions = NO_OPTIONS,
): number {
  checkOptionalUint('srcPort', h.srcPort, 0xffff, 'tcp');
  checkOptionalUint('dstPort', h.dstPort, 0xffff, 'tcp');
  checkOptionalUint('seq', h.seq, 0xffffffff, 'tcp');
  checkOptionalUint('ack', h.ack, 0xffffffff, 'tcp');
  checkOptionalUint('flags', h.flags, 0xfff, 'tcp');
  checkOptionalUint('window', h.window, 0xffff, 'tcp');
  checkOptionalUint('checksum', h.checksum, 0xffff, 'tcp');
  checkOptionalUint('urgentPointer', h.urgentPointer, 0xffff, 'tcp');
  checkOptionalUint('dataOffset', h.dataOffset, 15, 'tcp');
  const tcpOptions = tcpOptionsOf(h);
  const optionsLength = tcpOptionsLength(tcpOptions);
  if (optionsLength > TCP_MAX_OPTIONS_LENGTH) {
    throw new RangeError(`tcp options: ${optionsLength} bytes, at most ${TCP_MAX_OPTIONS_LENGTH}`);
  }
  const needed = TCP_HEADER_LENGTH + optionsLength;
  const headerLength = h.dataOffset === undefined ? (needed + 3) & ~3 : h.dataOffset * 4;
  if (headerLength < needed) {
    throw new RangeError(`tcp dataOffset ${h.dataOffset} is too small for ${optionsLength} option bytes`);
  }
  const payloadLength = h.payload ? h.payload.length : (options.payloadLength ?? 0);
  if (!Number.isInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`tcp payloadLength must be a non-negative integer, got ${payloadLength}`);
  }
  const total = headerLength + payloadLength;
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`tcp out: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  const ip = options.ip;
  if (h.checksum === undefined && !ip) {
    throw new RangeError('tcp checksum: absent, and options.ip is needed to compute it');
  }
  const p = h.payload;
  if (p && !(p.buffer === out.buffer && p.byteOffset === out.byteOffset + offset + headerLength)) {
    out.set(p, offset + headerLength);
  }
  writeU16(out, offset, h.srcPort);
  writeU16(out, offset + 2, h.dstPort);
  writeU32(out, offset + 4, h.seq ?? 0);
  writeU32(out, offset + 8, h.ack ?? 0);
  writeU16(out, offset + 12, ((headerLength / 4) << 12) | (h.flags ?? 0));
  writeU16(out, offset + 14, h.window);
  writeU16(out, offset + 16, 0);
  writeU16(out, offset + 18, h.urgentPointer ?? 0);
  const written = writeTcpOptions(tcpOptions, out, offset + TCP_HEADER_LENGTH);
  out.fill(0, offset + TCP_HEADER_LENGTH + written, offset + headerLength);
  writeU16(out, offset + 16, h.checksum ?? (ip ? tcpChecksum(out, offset, offset + total, ip) : 0));
  return total;
}

/** Header length in bytes `writeTcp` will use for `h` (where a payload written first must go). */
export function tcpHeaderLength(h: Pick<TcpHeaderInit, 'options' | 'dataOffset'>): number {
  return h.dataOffset === undefined
    ? (TCP_HEADER_LENGTH + tcpOptionsLength(tcpOptionsOf(h)) + 3) & ~3
    : h.dataOffset * 4;
}

/** Allocating convenience around `writeTcp`. */
export function encodeTcp(h: TcpHeaderInit, options: TransportEncodeOptions = NO_OPTIONS): Uint8Array {
  const out = new Uint8Array(tcpHeaderLength(h) + (h.payload?.length ?? 0));
  writeTcp(h, out, 0, { ip: ipContextOf(options.ip) });
  return out;
}

const FLAG_LETTERS = 'RRRACEUAPRSF';

/** tshark's `tcp.flags.str`: one letter per set bit, high bit first, `·` for clear bits. */
export function tcpFlagsString(flags: number): string {
  let s = '';
  for (let bit = 11; bit >= 0; bit--) s += flags & (1 << bit) ? FLAG_LETTERS[11 - bit] : '\u00b7';
  return s;
}

function flagNode(field: string, name: string, offset: number, flags: number, bit: number): DissectionNode {
  const set = flags & bit ? 1 : 0;
  return { field, name, offset, length: 2, value: set, display: `${name}: ${set ? 'Set' : 'Not set'}` };
}

function portNodes(buf: Uint8Array, start: number): DissectionNode[] {
  const src = readU16(buf, start);
  const dst = readU16(buf, start + 2);
  return [
    leaf('tcp.srcport', 'Source Port', start, 2, src),
    leaf('tcp.dstport', 'Destination Port', start + 2, 2, dst),
    { ...leaf('tcp.port', 'Source or Destination Port', start, 2, src), hidden: true },
    { ...leaf('tcp.port', 'Source or Destination Port', start + 2, 2, dst), hidden: true },
  ];
}

/**
 * TCP dissector → layer 'tcp'. Emits tshark's raw fields (no stream state: `tcp.seq_raw`, not the
 * relative `tcp.seq`) and hands a non-empty payload to table 'tcp.port' with keys [lower port,
 * higher port]. Checksum status is tshark's default, 2 (unverified). In quoted context a segment
 * cut short is accepted; under 20 bytes only the ports (and, inside ICMPv4, the sequence number)
 * are shown.
 */
export const dissectTcp: LayerDissector = (buf, start, end, context) => {
  const quoted = context.quoted === true;
  // Inside an ICMPv4 error packet-tcp.c adds the raw sequence number as `tcp.seq` right after the
  // ports (ICMPv4 may quote only 8 bytes) and leaves `tcp.seq_raw` out; ICMPv6 quotes take the
  // ordinary path. Neither shows `tcp.len` for a quoted segment.
  const inIcmpv4 = quoted && context.ip?.family === 4;
  if (quoted && end - start < TCP_HEADER_LENGTH && end - start >= 4) {
    const children = portNodes(buf, start);
    if (inIcmpv4 && end - start >= 8)
      children.push(leaf('tcp.seq', 'Sequence Number', start + 4, 4, readU32(buf, start + 4)));
    return {
      node: {
        field: LAYER,
        name: 'Transmission Control Protocol',
        offset: start,
        length: end - start,
        children,
      },
    };
  }
  const t = new TcpSegment().bind(buf, start, end, quoted || context.claimedEnd !== undefined);
  const flags = t.flags;
  const f = start + 12;
  const flagChildren: DissectionNode[] = [
    {
      field: 'tcp.flags.res',
      name: 'Reserved',
      offset: f,
      length: 2,
      value: flags & TcpFlags.Reserved ? 1 : 0,
    },
    flagNode('tcp.flags.ae', 'Accurate ECN', f, flags, TcpFlags.AE),
    flagNode('tcp.flags.cwr', 'Congestion Window Reduced', f, flags, TcpFlags.CWR),
    flagNode('tcp.flags.ece', 'ECN-Echo', f, flags, TcpFlags.ECE),
    flagNode('tcp.flags.urg', 'Urgent', f, flags, TcpFlags.URG),
    flagNode('tcp.flags.ack', 'Acknowledgment', f, flags, TcpFlags.ACK),
    flagNode('tcp.flags.push', 'Push', f, flags, TcpFlags.PSH),
    flagNode('tcp.flags.reset', 'Reset', f, flags, TcpFlags.RST),
    flagNode('tcp.flags.syn', 'Syn', f, flags, TcpFlags.SYN),
    flagNode('tcp.flags.fin', 'Fin', f, flags, TcpFlags.FIN),
    { field: 'tcp.flags.str', name: 'TCP Flags', offset: f, length: 2, value: tcpFlagsString(flags) },
  ];
  const checksum = t.checksum;
  const children: DissectionNode[] = [
    ...portNodes(buf, start),
    // Cut by the capture: tshark's tcp.len is the IP-claimed length less the data offset. In a
    // first fragment the segment's length is unknown: tshark shows none.
    ...(quoted || context.fragment === true
      ? []
      : [
          leaf(
            'tcp.len',
            'TCP Segment Len',
            start,
            0,
            context.claimedEnd === undefined ? t.payloadLength : context.claimedEnd - start - t.headerLength,
          ),
        ]),
    inIcmpv4
      ? leaf('tcp.seq', 'Sequence Number', start + 4, 4, t.seq)
      : leaf('tcp.seq_raw', 'Sequence Number (raw)', start + 4, 4, t.seq),
    leaf('tcp.ack_raw', 'Acknowledgment number (raw)', start + 8, 4, t.ack),
    {
      ...leaf('tcp.hdr_len', 'Header Length', f, 1, t.headerLength),
      display: `Header Length: ${t.headerLength} bytes (${t.dataOffset})`,
    },
    {
      field: 'tcp.flags',
      name: 'Flags',
      offset: f,
      length: 2,
      value: flags,
      display: `Flags: ${hex(flags, 3)} (${tcpFlagsSummary(flags)})`,
      children: flagChildren,
    },
    leaf('tcp.window_size_value', 'Window', start + 14, 2, t.window),
    {
      ...leaf('tcp.checksum', 'Checksum', start + 16, 2, checksum),
      display: `Checksum: ${hex(checksum, 4)} [unverified]`,
    },
    leaf('tcp.checksum.status', 'Checksum Status', start + 16, 0, 2),
    leaf('tcp.urgent_pointer', 'Urgent Pointer', start + 18, 2, t.urgentPointer),
  ];
  const optionsStart = start + TCP_HEADER_LENGTH;
  if (t.headerEnd > optionsStart) {
    children.push({
      field: 'tcp.options',
      name: 'Options',
      offset: optionsStart,
      length: t.headerEnd - optionsStart,
      value: t.optionBytes,
      display: `Options: (${t.headerEnd - optionsStart} bytes)`,
      children: tcpOptionNodes(buf, optionsStart, t.headerEnd),
    });
  }
  const src = t.srcPort;
  const dst = t.dstPort;
  const node: DissectionNode = {
    field: LAYER,
    name: 'Transmission Control Protocol',
    offset: start,
    length: t.headerEnd - start,
    display: `Transmission Control Protocol, Src Port: ${src}, Dst Port: ${dst}, Len: ${t.payloadLength}`,
    children,
  };
  if (t.payloadLength === 0) return { node };
  return {
    node,
    next: { table: 'tcp.port', keys: src <= dst ? [src, dst] : [dst, src], start: t.headerEnd, end },
  };
};

export const tcpBindings = [{ table: 'ip.proto', key: TCP_PROTOCOL, layer: 'tcp' }] as const;
