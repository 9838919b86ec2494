import {
  checkOptionalUint,
  checkUint,
  type DissectionNode,
  dataNode,
  formatIpv6,
  hex,
  type Ipv6Input,
  internetChecksum,
  ipv6Bytes,
  ipv6PseudoHeaderSum,
  type LayerDissector,
  fieldNode as leaf,
  type NextLayer,
  readU16,
  readU32,
  requireBytes,
  verifyChecksum,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { dissectExtendedEcho } from './extended-echo.js';
import { dissectMld } from './mld.js';
import {
  checkNdpOption,
  checkNdpOptions,
  dissectNdpOptions,
  type NdpOption,
  ndpOptionsSize,
  readNdpOptions,
  writeNdpOptions,
} from './ndp.js';
import { dissectNodeInformation } from './node-information.js';

/** ICMPv6 message types this package decodes (RFC 4443 §2.1, RFC 4861 §4). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

interface Icmpv6Common {
  code: number;
  /** Absent → computed over the IPv6 pseudo-header (the writer then needs src/dst). */
  checksum?: number;
}

export interface Icmpv6Echo extends Icmpv6Common {
  kind: 'echo-request' | 'echo-reply';
  identifier: number;
  sequence: number;
  data: Uint8Array;
}

/** Destination Unreachable / Time Exceeded: a 32-bit unused word, then the invoking packet. */
export interface Icmpv6PlainError extends Icmpv6Common {
  kind: 'destination-unreachable' | 'time-exceeded';
  unused: number;
  invoking: Uint8Array;
}

export interface Icmpv6PacketTooBig extends Icmpv6Common {
  kind: 'packet-too-big';
  mtu: number;
  invoking: Uint8Array;
}

export interface Icmpv6ParameterProblem extends Icmpv6Common {
  kind: 'parameter-problem';
  pointer: number;
  invoking: Uint8Array;
}

export interface NdpRouterSolicitation extends Icmpv6Common {
  kind: 'router-solicitation';
  /** Absent → 0 when written. */
  reserved?: number;
  options: NdpOption[];
}

export interface NdpRouterAdvertisement extends Icmpv6Common {
  kind: 'router-advertisement';
  curHopLimit: number;
  /** M flag. */
  managed: boolean;
  /** O flag. */
  otherConfig: boolean;
  /** The low six flag bits (H 0x20, Prf 0x18, P 0x04 — RFC 3775/4191/4389 — and reserved). */
  otherFlags?: number;
  routerLifetime: number;
  reachableTime: number;
  retransTimer: number;
  options: NdpOption[];
}

export interface NdpNeighborSolicitation extends Icmpv6Common {
  kind: 'neighbor-solicitation';
  /** Absent → 0 when written. */
  reserved?: number;
  target: Uint8Array;
  options: NdpOption[];
}

export interface NdpNeighborAdvertisement extends Icmpv6Common {
  kind: 'neighbor-advertisement';
  router: boolean;
  solicited: boolean;
  override: boolean;
  /** The 29 reserved bits after R, S, O. Absent → 0 when written. */
  reserved?: number;
  target: Uint8Array;
  options: NdpOption[];
}

export interface NdpRedirect extends Icmpv6Common {
  kind: 'redirect';
  /** Absent → 0 when written. */
  reserved?: number;
  target: Uint8Array;
  destination: Uint8Array;
  options: NdpOption[];
}

/** Any other type, kept raw: `body` is everything after the checksum. */
export interface Icmpv6Other extends Icmpv6Common {
  kind: 'other';
  type: number;
  body: Uint8Array;
}

export type Icmpv6Header =
  | Icmpv6Echo
  | Icmpv6PlainError
  | Icmpv6PacketTooBig
  | Icmpv6ParameterProblem
  | NdpRouterSolicitation
  | NdpRouterAdvertisement
  | NdpNeighborSolicitation
  | NdpNeighborAdvertisement
  | NdpRedirect
  | Icmpv6Other;

export type Icmpv6Kind = Icmpv6Header['kind'];

const KIND_BY_TYPE: Record<number, Exclude<Icmpv6Kind, 'other'>> = {
  1: 'destination-unreachable',
  2: 'packet-too-big',
  3: 'time-exceeded',
  4: 'parameter-problem',
  128: 'echo-request',
  129: 'echo-reply',
  133: 'router-solicitation',
  134: 'router-advertisement',
  135: 'neighbor-solicitation',
  136: 'neighbor-advertisement',
  137: 'redirect',
};

const TYPE_BY_KIND: Record<Exclude<Icmpv6Kind, 'other'>, number> = {
  'destination-unreachable': 1,
  'packet-too-big': 2,
  'time-exceeded': 3,
  'parameter-problem': 4,
  'echo-request': 128,
  'echo-reply': 129,
  'router-solicitation': 133,
  'router-advertisement': 134,
  'neighbor-solicitation': 135,
  'neighbor-advertisement': 136,
  redirect: 137,
};

/** Octets before the body/options of each decoded type (the fixed part). */
function fixedLength(type: number): number {
  if (type === 134) return 16;
  if (type === 135 || type === 136) return 24;
  if (type === 137) return 40;
  return KIND_BY_TYPE[type] === undefined ? 4 : 8;
}

const isNdp = (type: number) => type >= 133 && type <= 137;
const isError = (type: number) => type >= 1 && type <= 4;
const EMPTY = new Uint8Array(0);

/** Zero-copy ICMPv6 message view (RFC 4443, NDP of RFC 4861). */
export class Icmpv6Message {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Where NDP options start, or `end` for other types. */
  optionsOffset = 0;
  /** Where the checked NDP options end (before `end` only for a partial message). */
  optionsEnd = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length, partial = false): Icmpv6Message {
    return new Icmpv6Message().bind(buf, start, end, partial);
  }

  /**
   * Validates the fixed part of the message type and, for NDP, every option. With `partial`
   * (a quoted message cut short) an option running past `end` ends the option walk.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length, partial = false): this {
    requireBytes('icmpv6', start, 4, end);
    const type = buf[start];
    const fixed = fixedLength(type);
    requireBytes('icmpv6', start, fixed, end);
    let optionsEnd = end;
    if (isNdp(type)) optionsEnd = checkNdpOptions(buf, start + fixed, end, partial);
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.optionsOffset = isNdp(type) ? start + fixed : end;
    this.optionsEnd = optionsEnd;
    return this;
  }

  get type(): number {
    return this.buf[this.start];
  }
  get kind(): Icmpv6Kind {
    return KIND_BY_TYPE[this.buf[this.start]] ?? 'other';
  }
  get code(): number {
    return this.buf[this.start + 1];
  }
  get checksum(): number {
    return readU16(this.buf, this.start + 2);
  }
  /** Everything after the checksum. */
  get body(): Uint8Array {
    return this.buf.subarray(this.start + 4, this.end);
  }
  /** The 32-bit word after the checksum: MTU (type 2), pointer (type 4), unused or reserved. */
  get word(): number {
    return readU32(this.buf, this.start + 4);
  }
  get identifier(): number {
    return readU16(this.buf, this.start + 4);
  }
  get sequence(): number {
    return readU16(this.buf, this.start + 6);
  }
  /** Echo data or, for an error, the invoking packet: everything after the first 8 octets. */
  get data(): Uint8Array {
    return this.buf.subarray(this.start + 8, this.end);
  }
  get mtu(): number {
    return this.word;
  }
  get pointer(): number {
    return this.word;
  }
  get curHopLimit(): number {
    return this.buf[this.start + 4];
  }
  get managed(): boolean {
    return (this.buf[this.start + 5] & 0x80) !== 0;
  }
  get otherConfig(): boolean {
    return (this.buf[this.start + 5] & 0x40) !== 0;
  }
  get routerLifetime(): number {
    return readU16(this.buf, this.start + 6);
  }
  get reachableTime(): number {
    return readU32(this.buf, this.start + 8);
  }
  get retransTimer(): number {
    return readU32(this.buf, this.start + 12);
  }
  get router(): boolean {
    return (this.buf[this.start + 4] & 0x80) !== 0;
  }
  get solicited(): boolean {
    return (this.buf[this.start + 4] & 0x40) !== 0;
  }
  get override(): boolean {
    return (this.buf[this.start + 4] & 0x20) !== 0;
  }
  /** NS/NA/redirect target address. */
  get target(): Uint8Array {
    return this.buf.subarray(this.start + 8, this.start + 24);
  }
  /** Redirect destination address. */
  get destination(): Uint8Array {
    return this.buf.subarray(this.start + 24, this.start + 40);
  }
  /** NDP options as plain objects (empty for other types). */
  options(): NdpOption[] {
    return readNdpOptions(this.buf, this.optionsOffset, this.optionsEnd);
  }

  /** Whether the checksum is right over the IPv6 pseudo-header of src/dst (RFC 4443 §2.3). */
  checksumValid(src: Uint8Array, dst: Uint8Array): boolean {
    const length = this.end - this.start;
    return verifyChecksum(this.buf, this.start, this.end, ipv6PseudoHeaderSum(src, dst, 58, length));
  }

  toJSON(): Icmpv6Header {
    const code = this.code;
    const checksum = this.checksum;
    const kind = this.kind;
    switch (kind) {
      case 'echo-request':
      case 'echo-reply':
        return {
          kind,
          code,
          checksum,
          identifier: this.identifier,
          sequence: this.sequence,
          data: this.data,
        };
      case 'destination-unreachable':
      case 'time-exceeded':
        return { kind, code, checksum, unused: this.word, invoking: this.data };
      case 'packet-too-big':
        return { kind, code, checksum, mtu: this.word, invoking: this.data };
      case 'parameter-problem':
        return { kind, code, checksum, pointer: this.word, invoking: this.data };
      case 'router-solicitation':
        return { kind, code, checksum, reserved: this.word, options: this.options() };
      case 'router-advertisement':
        return {
          kind,
          code,
          checksum,
          curHopLimit: this.curHopLimit,
          managed: this.managed,
          otherConfig: this.otherConfig,
          otherFlags: this.buf[this.start + 5] & 0x3f,
          routerLifetime: this.routerLifetime,
          reachableTime: this.reachableTime,
          retransTimer: this.retransTimer,
          options: this.options(),
        };
      case 'neighbor-solicitation':
        return { kind, code, checksum, reserved: this.word, target: this.target, options: this.options() };
      case 'neighbor-advertisement':
        return {
          kind,
          code,
          checksum,
          router: this.router,
          solicited: this.solicited,
          override: this.override,
          reserved: this.word & 0x1fffffff,
          target: this.target,
          options: this.options(),
        };
      case 'redirect':
        return {
          kind,
          code,
          checksum,
          reserved: this.word,
          target: this.target,
          destination: this.destination,
          options: this.options(),
        };
      default:
        return { kind: 'other', type: this.type, code, checksum, body: this.body };
    }
  }
}

function checkAddress(name: string, a: Uint8Array): void {
  if (a.length !== 16) throw new RangeError(`${name} must be 16 bytes, got ${a.length}`);
}

/** The ICMPv6 type number `h` is written with. */
export function icmpv6Type(h: Icmpv6Header): number {
  return h.kind === 'other' ? h.type : TYPE_BY_KIND[h.kind];
}

/** Bytes `writeIcmpv6` emits for `h`. */
export function icmpv6Length(h: Icmpv6Header): number {
  switch (h.kind) {
    case 'echo-request':
    case 'echo-reply':
      return 8 + h.data.length;
    case 'destination-unreachable':
    case 'time-exceeded':
    case 'packet-too-big':
    case 'parameter-problem':
      return 8 + h.invoking.length;
    case 'other':
      return 4 + h.body.length;
    default:
      return fixedLength(TYPE_BY_KIND[h.kind]) + ndpOptionsSize(h.options);
  }
}

function checkIcmpv6(h: Icmpv6Header): void {
  checkUint('code', h.code, 255);
  if (h.checksum !== undefined) checkUint('checksum', h.checksum, 0xffff);
  switch (h.kind) {
    case 'echo-request':
    case 'echo-reply':
      checkUint('identifier', h.identifier, 0xffff);
      checkUint('sequence', h.sequence, 0xffff);
      return;
    case 'destination-unreachable':
    case 'time-exceeded':
      checkUint('unused', h.unused, 0xffffffff);
      return;
    case 'packet-too-big':
      checkUint('mtu', h.mtu, 0xffffffff);
      return;
    case 'parameter-problem':
      checkUint('pointer', h.pointer, 0xffffffff);
      return;
    case 'other':
      checkUint('type', h.type, 255);
      if (KIND_BY_TYPE[h.type] !== undefined)
        throw new RangeError(`type ${h.type} is decoded: use kind '${KIND_BY_TYPE[h.type]}'`);
      return;
    case 'router-advertisement':
      checkUint('curHopLimit', h.curHopLimit, 255);
      checkOptionalUint('otherFlags', h.otherFlags, 0x3f);
      checkUint('routerLifetime', h.routerLifetime, 0xffff);
      checkUint('reachableTime', h.reachableTime, 0xffffffff);
      checkUint('retransTimer', h.retransTimer, 0xffffffff);
      break;
    case 'neighbor-advertisement':
      checkOptionalUint('reserved', h.reserved, 0x1fffffff);
      checkAddress('target', h.target);
      break;
    case 'redirect':
      checkOptionalUint('reserved', h.reserved, 0xffffffff);
      checkAddress('target', h.target);
      checkAddress('destination', h.destination);
      break;
    case 'neighbor-solicitation':
      checkOptionalUint('reserved', h.reserved, 0xffffffff);
      checkAddress('target', h.target);
      break;
    case 'router-solicitation':
      checkOptionalUint('reserved', h.reserved, 0xffffffff);
      break;
  }
  for (const o of h.options) checkNdpOption(o);
}

/**
 * Writes an ICMPv6 message; returns bytes written. The checksum is `h.checksum` if given, else
 * computed over the pseudo-header of `ip` (RangeError if neither is given).
 */
export function writeIcmpv6(
  h: Icmpv6Header,
  out: Uint8Array,
  offset = 0,
  ip?: { readonly src: Uint8Array; readonly dst: Uint8Array },
): number {
  checkIcmpv6(h);
  if (h.checksum === undefined) {
    if (!ip) throw new RangeError('checksum: give h.checksum or the IPv6 src/dst to compute it');
    checkAddress('ip.src', ip.src);
    checkAddress('ip.dst', ip.dst);
  }
  const length = icmpv6Length(h);
  if (offset < 0 || offset + length > out.length) {
    throw new RangeError(`out has no room for ${length} bytes at offset ${offset}`);
  }
  const o = offset;
  out[o] = icmpv6Type(h);
  out[o + 1] = h.code;
  writeU16(out, o + 2, 0);
  switch (h.kind) {
    case 'echo-request':
    case 'echo-reply':
      writeU16(out, o + 4, h.identifier);
      writeU16(out, o + 6, h.sequence);
      out.set(h.data, o + 8);
      break;
    case 'destination-unreachable':
    case 'time-exceeded':
    case 'packet-too-big':
    case 'parameter-problem':
      writeU32(
        out,
        o + 4,
        h.kind === 'packet-too-big' ? h.mtu : h.kind === 'parameter-problem' ? h.pointer : h.unused,
      );
      out.set(h.invoking, o + 8);
      break;
    case 'other':
      out.set(h.body, o + 4);
      break;
    case 'router-solicitation':
      writeU32(out, o + 4, h.reserved ?? 0);
      writeNdpOptions(h.options, out, o + 8);
      break;
    case 'router-advertisement':
      out[o + 4] = h.curHopLimit;
      out[o + 5] = (h.managed ? 0x80 : 0) | (h.otherConfig ? 0x40 : 0) | (h.otherFlags ?? 0);
      writeU16(out, o + 6, h.routerLifetime);
      writeU32(out, o + 8, h.reachableTime);
      writeU32(out, o + 12, h.retransTimer);
      writeNdpOptions(h.options, out, o + 16);
      break;
    case 'neighbor-solicitation':
      writeU32(out, o + 4, h.reserved ?? 0);
      out.set(h.target, o + 8);
      writeNdpOptions(h.options, out, o + 24);
      break;
    case 'neighbor-advertisement':
      writeU32(
        out,
        o + 4,
        (h.router ? 0x80000000 : 0) +
          (h.solicited ? 0x40000000 : 0) +
          (h.override ? 0x20000000 : 0) +
          (h.reserved ?? 0),
      );
      out.set(h.target, o + 8);
      writeNdpOptions(h.options, out, o + 24);
      break;
    case 'redirect':
      writeU32(out, o + 4, h.reserved ?? 0);
      out.set(h.target, o + 8);
      out.set(h.destination, o + 24);
      writeNdpOptions(h.options, out, o + 40);
      break;
  }
  const checksum =
    h.checksum ??
    internetChecksum(out, o, o + length, ipv6PseudoHeaderSum(ip?.src ?? EMPTY, ip?.dst ?? EMPTY, 58, length));
  writeU16(out, o + 2, checksum);
  return length;
}

/** Allocating convenience around `writeIcmpv6`; the addresses may be text (`{ src: 'fe80::1', dst: 'ff02::1' }`). */
export function encodeIcmpv6(
  h: Icmpv6Header,
  ip?: { readonly src: Ipv6Input; readonly dst: Ipv6Input },
): Uint8Array {
  const out = new Uint8Array(icmpv6Length(h));
  writeIcmpv6(h, out, 0, ip && { src: ipv6Bytes(ip.src, 'ip.src'), dst: ipv6Bytes(ip.dst, 'ip.dst') });
  return out;
}

// ---- dissection -------------------------------------------------------------------------------

function flagNode(
  field: string,
  offset: number,
  length: number,
  value: number,
  digits: number,
  children: DissectionNode[],
): DissectionNode {
  return { field, name: 'Flags', offset, length, value, display: `Flags: ${hex(value, digits)}`, children };
}

/** Wireshark's checksum status: 0 bad, 1 good, 2 unverified. */
export const ChecksumStatus = { Bad: 0, Good: 1, Unverified: 2 } as const;

/**
 * Dissects an ICMPv6 message. Errors hand the invoking packet to table `link` key 229 (raw IPv6)
 * in quoted context; echo data becomes a nested `data` node as in Wireshark; MLD queries, reports
 * and dones show their fields (see `dissectMld`).
 */
export const dissectIcmpv6: LayerDissector = (buf, start, end, context) => {
  const m = new Icmpv6Message().bind(buf, start, end, context.quoted === true || context.fragment === true);
  const type = m.type;
  const ip = context.ip;
  let status: number = ChecksumStatus.Unverified;
  if (ip && ip.family === 6 && !context.quoted && !context.fragment) {
    status = m.checksumValid(ip.src, ip.dst) ? ChecksumStatus.Good : ChecksumStatus.Bad;
  }
  const children: DissectionNode[] = [
    leaf('icmpv6.type', 'Type', start, 1, type),
    leaf('icmpv6.code', 'Code', start + 1, 1, m.code),
    leaf(
      'icmpv6.checksum',
      'Checksum',
      start + 2,
      2,
      m.checksum,
      `Checksum: ${hex(m.checksum, 4)} ${status === ChecksumStatus.Good ? '[correct]' : status === ChecksumStatus.Bad ? '[incorrect]' : '[unverified]'}`,
    ),
    leaf('icmpv6.checksum.status', 'Checksum Status', start + 2, 0, status),
  ];
  const s = start;
  const reserved = (o: number, n: number) =>
    leaf('icmpv6.reserved', 'Reserved', o, n, buf.subarray(o, o + n));
  const address = (field: string, name: string, o: number) => leaf(field, name, o, 16, formatIpv6(buf, o));
  let next: NextLayer | undefined;
  switch (type) {
    case 128:
    case 129:
      children.push(
        leaf(
          'icmpv6.echo.identifier',
          'Identifier',
          s + 4,
          2,
          m.identifier,
          `Identifier: ${hex(m.identifier, 4)}`,
        ),
        leaf('icmpv6.echo.sequence_number', 'Sequence', s + 6, 2, m.sequence),
      );
      if (end > s + 8) children.push(dataNode(buf, s + 8, end));
      break;
    case 1:
    case 3:
      children.push(reserved(s + 4, 4));
      break;
    case 2:
      children.push(leaf('icmpv6.mtu', 'MTU', s + 4, 4, m.word));
      break;
    case 4:
      children.push(leaf('icmpv6.pointer', 'Pointer', s + 4, 4, m.word));
      break;
    case 130:
    case 131:
    case 132:
    case 143:
      children.push(...dissectMld(buf, s, end));
      break;
    case 133:
      children.push(reserved(s + 4, 4));
      break;
    case 139:
    case 140:
      children.push(...dissectNodeInformation(buf, s, end, context.quoted === true));
      break;
    case 160:
    case 161:
      children.push(...dissectExtendedEcho(buf, s, end, context.quoted === true));
      break;
    case 134: {
      const f = buf[s + 5];
      children.push(
        leaf('icmpv6.nd.ra.cur_hop_limit', 'Cur hop limit', s + 4, 1, m.curHopLimit),
        flagNode('icmpv6.nd.ra.flag', s + 5, 1, f, 2, [
          leaf('icmpv6.nd.ra.flag.m', 'Managed address configuration', s + 5, 1, (f & 0x80) !== 0),
          leaf('icmpv6.nd.ra.flag.o', 'Other configuration', s + 5, 1, (f & 0x40) !== 0),
          leaf('icmpv6.nd.ra.flag.h', 'Home Agent', s + 5, 1, (f & 0x20) !== 0),
          leaf('icmpv6.nd.ra.flag.prf', 'Prf (Default Router Preference)', s + 5, 1, (f >>> 3) & 3),
          leaf('icmpv6.nd.ra.flag.p', 'Proxy', s + 5, 1, (f & 0x04) !== 0),
          leaf('icmpv6.nd.ra.flag.rsv', 'Reserved', s + 5, 1, f & 3),
        ]),
        leaf('icmpv6.nd.ra.router_lifetime', 'Router lifetime (s)', s + 6, 2, m.routerLifetime),
        leaf('icmpv6.nd.ra.reachable_time', 'Reachable time (ms)', s + 8, 4, m.reachableTime),
        leaf('icmpv6.nd.ra.retrans_timer', 'Retrans timer (ms)', s + 12, 4, m.retransTimer),
      );
      break;
    }
    case 135:
      children.push(reserved(s + 4, 4), address('icmpv6.nd.ns.target_address', 'Target Address', s + 8));
      break;
    case 136: {
      const f = m.word;
      children.push(
        flagNode('icmpv6.nd.na.flag', s + 4, 4, f, 8, [
          leaf('icmpv6.nd.na.flag.r', 'Router', s + 4, 4, m.router),
          leaf('icmpv6.nd.na.flag.s', 'Solicited', s + 4, 4, m.solicited),
          leaf('icmpv6.nd.na.flag.o', 'Override', s + 4, 4, m.override),
          leaf('icmpv6.nd.na.flag.rsv', 'Reserved', s + 4, 4, f & 0x1fffffff),
        ]),
        address('icmpv6.nd.na.target_address', 'Target Address', s + 8),
      );
      break;
    }
    case 137:
      children.push(
        reserved(s + 4, 4),
        address('icmpv6.nd.rd.target_address', 'Target Address', s + 8),
        // Wireshark's name for this field really is `icmpv6.rd.na.…` (packet-icmpv6.c, hf_icmpv6_nd_rd_destination_address).
        address('icmpv6.rd.na.destination_address', 'Destination Address', s + 24),
      );
      break;
  }
  if (isNdp(type)) children.push(...dissectNdpOptions(buf, m.optionsOffset, m.optionsEnd));
  if (isError(type) && end > s + 8) {
    next = { table: 'link', keys: [229], start: s + 8, end, quoted: true };
  } else if (type === 137) {
    // Like tshark, dissect the packet a Redirected Header option carries, as a quoted one.
    for (let i = m.optionsOffset; i < m.optionsEnd; i += buf[i + 1] * 8) {
      if (buf[i] === 4 && buf[i + 1] > 1) {
        next = { table: 'link', keys: [229], start: i + 8, end: i + buf[i + 1] * 8, quoted: true };
        break;
      }
    }
  }
  const node: DissectionNode = {
    field: 'icmpv6',
    name: 'Internet Control Message Protocol v6',
    offset: start,
    length: (next && type !== 137 ? next.start : end) - start,
    children,
  };
  return next ? { node, next } : { node };
};

export const icmpv6Bindings = [{ table: 'ip.proto', key: 58, layer: 'icmpv6' }] as const;
