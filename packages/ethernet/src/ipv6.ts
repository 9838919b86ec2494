import {
  checkUint,
  DecodeError,
  type DissectionNode,
  formatIpv6,
  hex,
  type Ipv6Input,
  ipv6Bytes,
  type LayerDissector,
  fieldNode as leaf,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { dsfieldSummary } from './dsfield-summary.js';
import { fail, failTruncated } from './fail.js';
import {
  checkIpv6Extension,
  checkIpv6Options,
  dissectIpv6Extension,
  type Ipv6ExtensionHeader,
  Ipv6ExtensionView,
  ipv6ExtensionLength,
  ipv6ExtensionSize,
  ipv6ExtensionType,
  isIpv6ExtensionHeader,
  MAX_IPV6_EXTENSION_HEADERS,
  routingFinalDestinationOffset,
  writeIpv6Extension,
} from './ipv6-extensions.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'ipv6';
const HEADER_LENGTH = 40;

/** Plain IPv6 packet (RFC 8200): what `toJSON()` returns and `writeIpv6` takes. */
export interface Ipv6Header {
  /** 8 bits: DSCP (high 6) and ECN (low 2). */
  trafficClass: number;
  flowLabel: number;
  /** Absent → extension headers + payload (0 stays 0 for a jumbogram). */
  payloadLength?: number;
  /** Absent → the first extension header's type, or `protocol`. */
  nextHeader?: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** The extension header chain in order; each one's Next Header is written from what follows. */
  extensions: Ipv6ExtensionHeader[];
  /** The Next Header value ending the chain: the upper-layer protocol (ESP 50 and 59 included). */
  protocol: number;
  /** Bytes after the extension headers. */
  payload: Uint8Array;
}

/**
 * Zero-copy IPv6 packet view. `bind` walks the extension header chain once (at most
 * MAX_IPV6_EXTENSION_HEADERS, each checked to fit, options checked to fill their header) and
 * records where the upper layer starts; getters then read without checks.
 */
export class Ipv6Packet {
  buf: Uint8Array = EMPTY;
  start = 0;
  /** Where this packet ends: start + 40 + payload length (Jumbo length for a jumbogram). */
  end = 0;
  /** Next Header value that ends the extension chain. */
  protocol = 0;
  /** Absolute offset of the upper-layer payload. */
  payloadOffset = 0;
  extensionCount = 0;
  /** Absolute offset of the Fragment header, or -1. */
  fragmentHeaderOffset = -1;
  /** Jumbo Payload length (RFC 2675) when the payload length is 0, or -1. */
  jumboLength = -1;
  /** True when bound in partial mode and the payload length reached past the bytes present. */
  truncated = false;
  private finalDestinationOffset = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length, partial = false): Ipv6Packet {
    return new Ipv6Packet().bind(buf, start, end, partial);
  }

  /**
   * Validates and points this view at buf[start, end). With `partial` (an ICMPv6-quoted datagram)
   * a payload length beyond `end` is accepted and the view ends at `end`.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length, partial = false): this {
    if (end - start < HEADER_LENGTH) failTruncated(LAYER, start, HEADER_LENGTH, end);
    if (buf[start] >>> 4 !== 6) fail('bad-version', LAYER, start, `version ${buf[start] >>> 4} is not 6`);
    const payloadLength = readU16(buf, start + 4);
    let nextHeader = buf[start + 6];
    let offset = start + HEADER_LENGTH;
    const jumbo = payloadLength === 0 && nextHeader === 0 ? jumboPayloadLength(buf, offset, end) : -1;
    const total = jumbo >= 0 ? jumbo : payloadLength;
    let layerEnd = offset + total;
    let truncated = false;
    if (layerEnd > end) {
      if (!partial) failTruncated(LAYER, offset, total, end);
      layerEnd = end;
      truncated = true;
    }
    let count = 0;
    let fragmentAt = -1;
    let finalDst = start + 24;
    while (isIpv6ExtensionHeader(nextHeader)) {
      if (count === MAX_IPV6_EXTENSION_HEADERS) failTooDeep(offset);
      const length = ipv6ExtensionLength(buf, nextHeader, offset, layerEnd);
      count++;
      if (nextHeader === 0 || nextHeader === 60) checkIpv6Options(buf, offset + 2, offset + length);
      else if (nextHeader === 43) {
        const o = routingFinalDestinationOffset(buf, offset, length);
        if (o >= 0) finalDst = o;
      }
      const current = nextHeader;
      nextHeader = buf[offset];
      if (current === 44) {
        fragmentAt = offset;
        offset += length;
        if (readU16(buf, fragmentAt + 2) >>> 3 !== 0) break; // RFC 8200 §4.5: no upper-layer header here
      } else offset += length;
    }
    this.buf = buf;
    this.start = start;
    this.end = layerEnd;
    this.protocol = nextHeader;
    this.payloadOffset = offset;
    this.extensionCount = count;
    this.fragmentHeaderOffset = fragmentAt;
    this.jumboLength = jumbo;
    this.truncated = truncated;
    this.finalDestinationOffset = finalDst;
    return this;
  }

  get version(): number {
    return this.buf[this.start] >>> 4;
  }
  get trafficClass(): number {
    return ((this.buf[this.start] & 0x0f) << 4) | (this.buf[this.start + 1] >>> 4);
  }
  get dscp(): number {
    return this.trafficClass >>> 2;
  }
  get ecn(): number {
    return this.trafficClass & 3;
  }
  get flowLabel(): number {
    return ((this.buf[this.start + 1] & 0x0f) << 16) | readU16(this.buf, this.start + 2);
  }
  get payloadLength(): number {
    return readU16(this.buf, this.start + 4);
  }
  get nextHeader(): number {
    return this.buf[this.start + 6];
  }
  get hopLimit(): number {
    return this.buf[this.start + 7];
  }
  /** Where the source address is (absolute): `src` without allocating; see also `srcWord`. */
  get srcOffset(): number {
    return this.start + 8;
  }
  get dstOffset(): number {
    return this.start + 24;
  }
  /** 32-bit word `i` (0..3, not checked) of the source address, big-endian. */
  srcWord(i: number): number {
    return readU32(this.buf, this.start + 8 + 4 * i);
  }
  /** 32-bit word `i` (0..3, not checked) of the destination address, big-endian. */
  dstWord(i: number): number {
    return readU32(this.buf, this.start + 24 + 4 * i);
  }
  // Words at or above 2^31 come back boxed where TurboFan does not inline the call; 16-bit groups
  // never do, so a reader of every field allocates nothing with them.
  /** 16-bit group `i` (0..7, not checked) of the source address, as written in its text form. */
  srcGroup(i: number): number {
    const b = this.buf;
    const o = this.start + 8 + 2 * i;
    return (b[o] << 8) | b[o + 1];
  }
  /** 16-bit group `i` (0..7, not checked) of the destination address. */
  dstGroup(i: number): number {
    const b = this.buf;
    const o = this.start + 24 + 2 * i;
    return (b[o] << 8) | b[o + 1];
  }
  /** Bytes after the extension headers: `payload.length` without allocating. */
  get upperLayerLength(): number {
    return this.end - this.payloadOffset;
  }
  get src(): Uint8Array {
    return this.buf.subarray(this.start + 8, this.start + 24);
  }
  get dst(): Uint8Array {
    return this.buf.subarray(this.start + 24, this.start + 40);
  }
  /** The destination the upper-layer pseudo-header uses: a routing header's final one if present. */
  get pseudoHeaderDst(): Uint8Array {
    return this.buf.subarray(this.finalDestinationOffset, this.finalDestinationOffset + 16);
  }
  /** Bytes after the extension headers, up to `end`. */
  get payload(): Uint8Array {
    return this.buf.subarray(this.payloadOffset, this.end);
  }
  get isFragment(): boolean {
    return this.fragmentHeaderOffset >= 0;
  }
  /** Fragment offset in 8-octet units (0 when there is no Fragment header). */
  get fragmentOffset(): number {
    return this.fragmentHeaderOffset < 0 ? 0 : readU16(this.buf, this.fragmentHeaderOffset + 2) >>> 3;
  }
  get moreFragments(): boolean {
    return this.fragmentHeaderOffset >= 0 && (this.buf[this.fragmentHeaderOffset + 3] & 1) === 1;
  }
  /** False for a non-first fragment: its payload continues an upper-layer header seen elsewhere. */
  get hasUpperLayer(): boolean {
    return this.fragmentOffset === 0;
  }

  /** The extension headers in order, as views (allocates one small object per header). */
  *extensions(): Generator<Ipv6ExtensionView> {
    let type = this.nextHeader;
    let offset = this.start + HEADER_LENGTH;
    for (let k = 0; k < this.extensionCount; k++) {
      const length = ipv6ExtensionLength(this.buf, type, offset, this.end);
      yield new Ipv6ExtensionView(this.buf, type, offset, offset + length);
      type = this.buf[offset];
      offset += length;
    }
  }

  toJSON(): Ipv6Header {
    const extensions: Ipv6ExtensionHeader[] = [];
    for (const e of this.extensions()) extensions.push(e.toJSON());
    return {
      trafficClass: this.trafficClass,
      flowLabel: this.flowLabel,
      payloadLength: this.payloadLength,
      nextHeader: this.nextHeader,
      hopLimit: this.hopLimit,
      src: this.src,
      dst: this.dst,
      extensions,
      protocol: this.protocol,
      payload: this.payload,
    };
  }
}

/** RFC 2675: payload length 0 and a hop-by-hop header: the Jumbo option's length, or -1. */
function jumboPayloadLength(buf: Uint8Array, offset: number, end: number): number {
  const length = ipv6ExtensionLength(buf, 0, offset, end);
  return checkIpv6Options(buf, offset + 2, offset + length);
}

function failTooDeep(offset: number): never {
  fail('too-deep', LAYER, offset, `more than ${MAX_IPV6_EXTENSION_HEADERS} extension headers`);
}

/**
 * What `writeIpv6`/`encodeIpv6` take: an `Ipv6Header` whose traffic class and flow label (0), extension
 * headers (none) and payload (empty) may be left out, with addresses as text or bytes.
 */
export interface Ipv6HeaderInit {
  trafficClass?: number;
  flowLabel?: number;
  payloadLength?: number;
  nextHeader?: number;
  hopLimit: number;
  src: Ipv6Input;
  dst: Ipv6Input;
  extensions?: readonly Ipv6ExtensionHeader[];
  protocol: number;
  payload?: Uint8Array;
}

const NO_EXTENSIONS: readonly Ipv6ExtensionHeader[] = [];

function extensionsOf(h: Ipv6HeaderInit): readonly Ipv6ExtensionHeader[] {
  const e = h.extensions ?? NO_EXTENSIONS;
  if (!Array.isArray(e)) throw new RangeError(`extensions must be an array, got ${typeof e}`);
  return e;
}

/** Bytes `writeIpv6` emits for `h`. */
export function ipv6Length(h: Ipv6HeaderInit): number {
  let n = HEADER_LENGTH + (h.payload ?? EMPTY).length;
  for (const e of extensionsOf(h)) n += ipv6ExtensionSize(e);
  return n;
}

/**
 * Writes the IPv6 header, its extension headers and the payload; returns bytes written.
 * Throws RangeError naming the field before writing anything.
 */
export function writeIpv6(h: Ipv6HeaderInit, out: Uint8Array, offset = 0): number {
  const trafficClass = h.trafficClass ?? 0;
  const flowLabel = h.flowLabel ?? 0;
  checkUint('trafficClass', trafficClass, 255);
  checkUint('flowLabel', flowLabel, 0xfffff);
  checkUint('hopLimit', h.hopLimit, 255);
  checkUint('protocol', h.protocol, 255);
  if (h.nextHeader !== undefined) checkUint('nextHeader', h.nextHeader, 255);
  const src = ipv6Bytes(h.src, 'src');
  const dst = ipv6Bytes(h.dst, 'dst');
  if (src.length !== 16) throw new RangeError(`src must be 16 bytes, got ${src.length}`);
  if (dst.length !== 16) throw new RangeError(`dst must be 16 bytes, got ${dst.length}`);
  const extensions = extensionsOf(h);
  const payload = h.payload ?? EMPTY;
  for (const e of extensions) checkIpv6Extension(e);
  const total = ipv6Length(h);
  const payloadLength = h.payloadLength ?? total - HEADER_LENGTH;
  checkUint('payloadLength', payloadLength, 0xffff);
  if (offset < 0 || offset + total > out.length) {
    throw new RangeError(`out has no room for ${total} bytes at offset ${offset}`);
  }
  const first = extensions.length > 0 ? ipv6ExtensionType(extensions[0]) : h.protocol;
  writeU32(out, offset, (6 << 28) | (trafficClass << 20) | flowLabel);
  writeU16(out, offset + 4, payloadLength);
  out[offset + 6] = h.nextHeader ?? first;
  out[offset + 7] = h.hopLimit;
  out.set(src, offset + 8);
  out.set(dst, offset + 24);
  let o = offset + HEADER_LENGTH;
  for (let k = 0; k < extensions.length; k++) {
    const next = k + 1 < extensions.length ? ipv6ExtensionType(extensions[k + 1]) : h.protocol;
    o += writeIpv6Extension(extensions[k], next, out, o);
  }
  out.set(payload, o);
  return total;
}

/** Allocating convenience around `writeIpv6`: `encodeIpv6({ hopLimit: 64, protocol: 58, src: 'fe80::1', dst: 'ff02::1' })`. */
export function encodeIpv6(h: Ipv6HeaderInit): Uint8Array {
  const out = new Uint8Array(ipv6Length(h));
  writeIpv6(h, out, 0);
  return out;
}

/**
 * A bad extension header fails the view after the fixed header was read: like Wireshark, which cuts
 * its buffer to 40 + the payload length before the extension headers, tell the previous layer's
 * trailer where this layer ends (not for a jumbogram, whose length is in the failing headers).
 */
function withIpv6End(e: DecodeError, buf: Uint8Array, start: number, end: number): DecodeError {
  if (end - start < HEADER_LENGTH || buf[start] >>> 4 !== 6) return e;
  const payloadLength = readU16(buf, start + 4);
  if (payloadLength === 0 && buf[start + 6] === 0) return e;
  return e.atLayerEnd(Math.min(start + HEADER_LENGTH + payloadLength, end));
}

/** Dissects an IPv6 header and its extension headers into one `ipv6` node, as Wireshark nests them. */
export const dissectIpv6: LayerDissector = (buf, start, end, context) => {
  let p: Ipv6Packet;
  try {
    p = new Ipv6Packet().bind(buf, start, end, context.quoted === true);
  } catch (e) {
    throw e instanceof DecodeError ? withIpv6End(e, buf, start, end) : e;
  }
  const tc = p.trafficClass;
  const children: DissectionNode[] = [
    leaf('ipv6.version', 'Version', start, 1, 6),
    // Wireshark fills `ip.version` for IPv6 too (so `ip.version == 6` works) but does not show it.
    { ...leaf('ip.version', 'Version', start, 1, 6), hidden: true },
    {
      field: 'ipv6.tclass',
      name: 'Traffic Class',
      offset: start,
      length: 2,
      value: tc,
      display: `Traffic Class: ${hex(tc, 2)} (${dsfieldSummary(tc)})`,
      children: [
        leaf('ipv6.tclass.dscp', 'Differentiated Services Codepoint', start, 2, tc >>> 2),
        leaf('ipv6.tclass.ecn', 'Explicit Congestion Notification', start + 1, 1, tc & 3),
      ],
    },
    leaf('ipv6.flow', 'Flow Label', start + 1, 3, p.flowLabel, `Flow Label: ${hex(p.flowLabel, 5)}`),
    leaf('ipv6.plen', 'Payload Length', start + 4, 2, p.payloadLength),
    leaf('ipv6.nxt', 'Next Header', start + 6, 1, p.nextHeader),
    leaf('ipv6.hlim', 'Hop Limit', start + 7, 1, p.hopLimit),
    leaf('ipv6.src', 'Source Address', start + 8, 16, formatIpv6(buf, start + 8)),
    // `ipv6.addr`: Wireshark's "source or destination" alias, for filters such as `ipv6.addr == …`.
    {
      ...leaf('ipv6.addr', 'Source or Destination Address', start + 8, 16, formatIpv6(buf, start + 8)),
      hidden: true,
    },
    leaf('ipv6.dst', 'Destination Address', start + 24, 16, formatIpv6(buf, start + 24)),
    {
      ...leaf('ipv6.addr', 'Source or Destination Address', start + 24, 16, formatIpv6(buf, start + 24)),
      hidden: true,
    },
  ];
  for (const e of p.extensions()) children.push(dissectIpv6Extension(buf, e.type, e.start, e.length));
  const node: DissectionNode = {
    field: 'ipv6',
    name: 'Internet Protocol Version 6',
    offset: start,
    length: p.payloadOffset - start,
    display: `Internet Protocol Version 6, Src: ${formatIpv6(buf, start + 8)}, Dst: ${formatIpv6(buf, start + 24)}`,
    children,
  };
  // We do not reassemble (tshark with `-o ipv6.defragment:FALSE`): a first fragment's payload
  // goes to the transport layer, marked `fragment`; a later fragment's is data. Quoted in an
  // ICMPv6 error, any fragment's payload stays data, as tshark's defaults show it.
  const quoted = context.quoted === true;
  const keys = (quoted ? !p.isFragment : p.hasUpperLayer) ? [p.protocol] : [];
  const fragment = p.moreFragments && p.hasUpperLayer && !quoted;
  return {
    node,
    // Bytes past 40 + the payload length are the link layer's (Ethernet padding/trailer).
    end: p.end,
    next: {
      table: 'ip.proto',
      keys,
      start: p.payloadOffset,
      end: p.end,
      ...(fragment ? { fragment } : {}),
      ip: { family: 6, src: p.src, dst: p.pseudoHeaderDst },
    },
  };
};

export const ipv6Bindings = [
  { table: 'ethertype', key: 0x86dd, layer: 'ipv6' },
  { table: 'link', key: 229, layer: 'ipv6' },
  { table: 'ip.version', key: 6, layer: 'ipv6' },
  { table: 'ip.proto', key: 41, layer: 'ipv6' },
] as const;
