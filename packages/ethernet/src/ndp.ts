import {
  checkOptionalUint,
  checkUint,
  DecodeError,
  type DissectionNode,
  formatIpv6,
  hex,
  fieldNode as leaf,
  readU16,
  readU32,
  requireBytes,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { dnsNameEnd, dnsNameIsPlain, dnsNameSize, dnsNameText, writeDnsName } from './dns-name.js';

/** Neighbor Discovery option types (RFC 4861 §4.6, RFC 6275 §7.3–7.4, RFC 4191, RFC 8106, RFC 8781). */
export const NdpOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  RedirectedHeader: 4,
  Mtu: 5,
  AdvertisementInterval: 7,
  HomeAgentInformation: 8,
  RouteInformation: 24,
  Rdnss: 25,
  Dnssl: 31,
  Pref64: 38,
} as const;

export interface NdpLinkLayerAddressOption {
  kind: 'source-link-layer-address' | 'target-link-layer-address';
  /** 6 bytes on Ethernet; the writer zero-pads to a multiple of 8 octets with the type and length. */
  address: Uint8Array;
}

export interface NdpPrefixInformationOption {
  kind: 'prefix-information';
  prefixLength: number;
  /** L flag. */
  onLink: boolean;
  /** A flag (SLAAC). */
  autonomous: boolean;
  /** The other six flag bits (R of RFC 6275 is 0x20), as they sit in the flag octet. */
  otherFlags?: number;
  validLifetime: number;
  preferredLifetime: number;
  /** Absent → 0 when written. */
  reserved?: number;
  prefix: Uint8Array;
}

export interface NdpRedirectedHeaderOption {
  kind: 'redirected-header';
  /** Six reserved octets. Absent → zeros when written. */
  reserved?: Uint8Array;
  /** The redirected packet (the writer zero-pads it to a multiple of 8). */
  packet: Uint8Array;
}

export interface NdpMtuOption {
  kind: 'mtu';
  /** Absent → 0 when written. */
  reserved?: number;
  mtu: number;
}

/** Recursive DNS Server option (RFC 8106 §5.1). */
export interface NdpRdnssOption {
  kind: 'rdnss';
  /** Absent → 0 when written. */
  reserved?: number;
  lifetime: number;
  servers: Uint8Array[];
}

/** Advertisement Interval option (RFC 6275 §7.3): the most time between unsolicited RAs, in ms. */
export interface NdpAdvertisementIntervalOption {
  kind: 'advertisement-interval';
  /** Absent → 0 when written. */
  reserved?: number;
  interval: number;
}

/**
 * Home Agent Information option (RFC 6275 §7.4). The preference is the unsigned 16-bit value as
 * sent (the RFC reads it as two's complement; Wireshark shows it unsigned too); lifetime in seconds.
 */
export interface NdpHomeAgentInformationOption {
  kind: 'home-agent-information';
  /** Absent → 0 when written. */
  reserved?: number;
  preference: number;
  lifetime: number;
}

/** Route Information option (RFC 4191 §2.3). */
export interface NdpRouteInformationOption {
  kind: 'route-information';
  prefixLength: number;
  /** Prf, two bits: 0 medium, 1 high, 3 low (2 is reserved). */
  preference: number;
  /** The reserved bits of the flag octet (mask 0xe7), as they sit in it. */
  otherFlags?: number;
  /** Seconds; 0xffffffff is infinity. */
  routeLifetime: number;
  /** The prefix bytes as sent: 0, 8 or 16 of them (option length 1, 2 or 3). */
  prefix: Uint8Array;
}

/**
 * DNS Search List option (RFC 8106 §5.2): dotted domain names (one character per label byte),
 * written uncompressed and zero-padded to a multiple of 8 octets. A DNSSL whose bytes would not
 * be written back the same way (non-zero or extra padding, a '.' inside a label) is read as an
 * `unknown` option of type 31, so it round-trips byte-exact.
 */
export interface NdpDnsslOption {
  kind: 'dnssl';
  /** Absent → 0 when written. */
  reserved?: number;
  lifetime: number;
  domains: string[];
}

/** PREF64 option (RFC 8781 §4): the NAT64 prefix. */
export interface NdpPref64Option {
  kind: 'pref64';
  /** Lifetime in units of 8 seconds (13 bits). */
  scaledLifetime: number;
  /** Prefix Length Code 0..5: /96, /64, /56, /48, /40, /32 (see `pref64PrefixLength`). */
  plc: number;
  /** The 12 prefix octets as sent (the highest 96 bits; those past the prefix length are kept as is). */
  prefix: Uint8Array;
}

/** Any other option, kept raw: `data` is everything after the type and length octets. */
export interface NdpUnknownOption {
  kind: 'unknown';
  type: number;
  data: Uint8Array;
}

export type NdpOption =
  | NdpLinkLayerAddressOption
  | NdpPrefixInformationOption
  | NdpRedirectedHeaderOption
  | NdpMtuOption
  | NdpRdnssOption
  | NdpAdvertisementIntervalOption
  | NdpHomeAgentInformationOption
  | NdpRouteInformationOption
  | NdpDnsslOption
  | NdpPref64Option
  | NdpUnknownOption;

/** The prefix lengths of PREF64's Prefix Length Codes 0..5 (RFC 8781 §4). */
const PREF64_LENGTHS = [96, 64, 56, 48, 40, 32] as const;

/** The prefix length a PREF64 Prefix Length Code stands for, or undefined for codes 6 and 7. */
export function pref64PrefixLength(plc: number): number | undefined {
  return PREF64_LENGTHS[plc];
}

/**
 * Checks the domain names of a DNSSL option at buf[i, end) (names until a zero octet, which
 * starts the padding). Returns where the names end.
 */
function checkDnsslNames(buf: Uint8Array, i: number, end: number): number {
  let o = i + 8;
  while (o < end && buf[o] !== 0) o = dnsNameEnd(buf, o, end, 'icmpv6');
  return o;
}

/** Whether a checked DNSSL option at buf[i, end) is what the writer makes of its names. */
function dnsslIsPlain(buf: Uint8Array, i: number, end: number): boolean {
  const namesEnd = checkDnsslNames(buf, i, end);
  if (namesEnd === i + 8 || end - i !== pad8(namesEnd - i)) return false;
  for (let o = namesEnd; o < end; o++) if (buf[o] !== 0) return false;
  for (let o = i + 8; o < namesEnd; o = dnsNameEnd(buf, o, end, 'icmpv6')) {
    if (!dnsNameIsPlain(buf, o)) return false;
  }
  return true;
}

/**
 * Checks the options in buf[start, end) (RFC 4861 §4.6: length 0 is invalid; each must fit; the
 * options this package decodes must have their defined length) and returns where they end.
 * With `partial` (a quoted message cut short) an option running past `end` ends the walk instead.
 * Each step advances at least 8 octets, so the walk is bounded by the input.
 */
export function checkNdpOptions(buf: Uint8Array, start: number, end: number, partial = false): number {
  let i = start;
  while (i < end) {
    if (partial && i + 2 > end) return i;
    requireBytes('icmpv6', i, 2, end);
    const type = buf[i];
    const units = buf[i + 1];
    if (units === 0) throw new DecodeError('bad-option', 'icmpv6', i + 1, `option ${type} has length 0`);
    if (partial && i + units * 8 > end) return i;
    requireBytes('icmpv6', i, units * 8, end);
    const bad =
      (type === 3 && units !== 4) ||
      ((type === 5 || type === 7 || type === 8) && units !== 1) ||
      (type === 24 && units > 3) ||
      (type === 25 && (units < 3 || units % 2 === 0)) ||
      (type === 31 && units < 2) ||
      (type === 38 && units !== 2);
    if (bad)
      throw new DecodeError('bad-option', 'icmpv6', i + 1, `option ${type} cannot have length ${units}`);
    if (type === 31) checkDnsslNames(buf, i, i + units * 8);
    if (type === 38 && (buf[i + 3] & 7) > 5) {
      // Wireshark flags it malformed too ("Invalid Option Length"): the prefix length is unknown.
      throw new DecodeError(
        'bad-option',
        'icmpv6',
        i + 3,
        `PREF64 prefix length code ${buf[i + 3] & 7} is undefined`,
      );
    }
    i += units * 8;
  }
  return i;
}

/** The options of a checked range as plain objects (byte fields are subarrays). */
export function readNdpOptions(buf: Uint8Array, start: number, end: number): NdpOption[] {
  const options: NdpOption[] = [];
  for (let i = start; i < end; i += buf[i + 1] * 8) options.push(readNdpOption(buf, i));
  return options;
}

function readNdpOption(buf: Uint8Array, i: number): NdpOption {
  const type = buf[i];
  const end = i + buf[i + 1] * 8;
  switch (type) {
    case 1:
    case 2:
      return {
        kind: type === 1 ? 'source-link-layer-address' : 'target-link-layer-address',
        address: buf.subarray(i + 2, end),
      };
    case 3: {
      const flags = buf[i + 3];
      return {
        kind: 'prefix-information',
        prefixLength: buf[i + 2],
        onLink: (flags & 0x80) !== 0,
        autonomous: (flags & 0x40) !== 0,
        otherFlags: flags & 0x3f,
        validLifetime: readU32(buf, i + 4),
        preferredLifetime: readU32(buf, i + 8),
        reserved: readU32(buf, i + 12),
        prefix: buf.subarray(i + 16, i + 32),
      };
    }
    case 4:
      return {
        kind: 'redirected-header',
        reserved: buf.subarray(i + 2, i + 8),
        packet: buf.subarray(i + 8, end),
      };
    case 5:
      return { kind: 'mtu', reserved: readU16(buf, i + 2), mtu: readU32(buf, i + 4) };
    case 25: {
      const servers: Uint8Array[] = [];
      for (let o = i + 8; o < end; o += 16) servers.push(buf.subarray(o, o + 16));
      return { kind: 'rdnss', reserved: readU16(buf, i + 2), lifetime: readU32(buf, i + 4), servers };
    }
    case 7:
      return { kind: 'advertisement-interval', reserved: readU16(buf, i + 2), interval: readU32(buf, i + 4) };
    case 8:
      return {
        kind: 'home-agent-information',
        reserved: readU16(buf, i + 2),
        preference: readU16(buf, i + 4),
        lifetime: readU16(buf, i + 6),
      };
    case 24: {
      const flags = buf[i + 3];
      return {
        kind: 'route-information',
        prefixLength: buf[i + 2],
        preference: (flags >>> 3) & 3,
        otherFlags: flags & 0xe7,
        routeLifetime: readU32(buf, i + 4),
        prefix: buf.subarray(i + 8, end),
      };
    }
    case 31: {
      if (!dnsslIsPlain(buf, i, end)) break;
      const domains: string[] = [];
      for (let o = i + 8; o < end && buf[o] !== 0; o = dnsNameEnd(buf, o, end, 'icmpv6')) {
        domains.push(dnsNameText(buf, o));
      }
      return { kind: 'dnssl', reserved: readU16(buf, i + 2), lifetime: readU32(buf, i + 4), domains };
    }
    case 38: {
      const word = readU16(buf, i + 2);
      return {
        kind: 'pref64',
        scaledLifetime: word >>> 3,
        plc: word & 7,
        prefix: buf.subarray(i + 4, i + 16),
      };
    }
  }
  return { kind: 'unknown', type, data: buf.subarray(i + 2, end) };
}

const DECODED_TYPES = new Set<number>([1, 2, 3, 4, 5, 7, 8, 24, 25, 31, 38]);

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bytes the writer emits for one option. */
export function ndpOptionSize(o: NdpOption): number {
  switch (o.kind) {
    case 'source-link-layer-address':
    case 'target-link-layer-address':
      return pad8(2 + o.address.length);
    case 'prefix-information':
      return 32;
    case 'redirected-header':
      return 8 + pad8(o.packet.length);
    case 'mtu':
      return 8;
    case 'rdnss':
      return 8 + 16 * o.servers.length;
    case 'advertisement-interval':
    case 'home-agent-information':
      return 8;
    case 'route-information':
      return 8 + o.prefix.length;
    case 'dnssl': {
      let n = 8;
      for (const d of o.domains) n += dnsNameSize('dnssl domain', d);
      return pad8(n);
    }
    case 'pref64':
      return 16;
    case 'unknown':
      return 2 + o.data.length;
  }
}

export function ndpOptionsSize(options: readonly NdpOption[]): number {
  let n = 0;
  for (const o of options) n += ndpOptionSize(o);
  return n;
}

/** Throws RangeError naming the field if an option cannot be written. */
export function checkNdpOption(o: NdpOption): void {
  const size = ndpOptionSize(o);
  if (size > 255 * 8) throw new RangeError(`${o.kind} option would be ${size} bytes, over 2040`);
  switch (o.kind) {
    case 'prefix-information':
      checkUint('prefixLength', o.prefixLength, 255);
      checkOptionalUint('otherFlags', o.otherFlags, 0x3f);
      checkUint('validLifetime', o.validLifetime, 0xffffffff);
      checkUint('preferredLifetime', o.preferredLifetime, 0xffffffff);
      checkOptionalUint('reserved', o.reserved, 0xffffffff);
      if (o.prefix.length !== 16) throw new RangeError(`prefix must be 16 bytes, got ${o.prefix.length}`);
      return;
    case 'redirected-header':
      if (o.reserved !== undefined && o.reserved.length !== 6)
        throw new RangeError(`redirected-header reserved must be 6 bytes, got ${o.reserved.length}`);
      return;
    case 'mtu':
      checkOptionalUint('reserved', o.reserved, 0xffff);
      checkUint('mtu', o.mtu, 0xffffffff);
      return;
    case 'rdnss':
      checkOptionalUint('reserved', o.reserved, 0xffff);
      checkUint('lifetime', o.lifetime, 0xffffffff);
      if (o.servers.length === 0) throw new RangeError('rdnss needs at least one server');
      for (const s of o.servers)
        if (s.length !== 16) throw new RangeError(`rdnss server must be 16 bytes, got ${s.length}`);
      return;
    case 'advertisement-interval':
      checkOptionalUint('reserved', o.reserved, 0xffff);
      checkUint('interval', o.interval, 0xffffffff);
      return;
    case 'home-agent-information':
      checkOptionalUint('reserved', o.reserved, 0xffff);
      checkUint('preference', o.preference, 0xffff);
      checkUint('lifetime', o.lifetime, 0xffff);
      return;
    case 'route-information':
      checkUint('prefixLength', o.prefixLength, 255);
      checkUint('preference', o.preference, 3);
      checkOptionalUint('otherFlags', o.otherFlags, 0xe7);
      if (((o.otherFlags ?? 0) & 0x18) !== 0)
        throw new RangeError('otherFlags must leave the preference bits 0x18 clear');
      checkUint('routeLifetime', o.routeLifetime, 0xffffffff);
      if (o.prefix.length !== 0 && o.prefix.length !== 8 && o.prefix.length !== 16) {
        throw new RangeError(`route-information prefix must be 0, 8 or 16 bytes, got ${o.prefix.length}`);
      }
      return;
    case 'dnssl':
      checkOptionalUint('reserved', o.reserved, 0xffff);
      checkUint('lifetime', o.lifetime, 0xffffffff);
      if (o.domains.length === 0) throw new RangeError('dnssl needs at least one domain');
      return;
    case 'pref64':
      checkUint('scaledLifetime', o.scaledLifetime, 0x1fff);
      checkUint('plc', o.plc, 5);
      if (o.prefix.length !== 12)
        throw new RangeError(`pref64 prefix must be 12 bytes, got ${o.prefix.length}`);
      return;
    case 'unknown':
      checkUint('option type', o.type, 255);
      if ((2 + o.data.length) % 8 !== 0 || o.data.length === 0) {
        throw new RangeError(`unknown option data must be 6, 14, 22, … bytes, got ${o.data.length}`);
      }
      if (o.type === 31 && rawDnsslStaysRaw(o.data)) return;
      if (DECODED_TYPES.has(o.type)) throw new RangeError(`option type ${o.type} is decoded: use its kind`);
      return;
    default:
      return;
  }
}

/** Whether raw DNSSL bytes (after type and length) are read back as `unknown`: valid, but not what the writer makes of their names. */
function rawDnsslStaysRaw(data: Uint8Array): boolean {
  const option = new Uint8Array(2 + data.length);
  option[0] = 31;
  option[1] = option.length / 8;
  option.set(data, 2);
  try {
    checkNdpOptions(option, 0, option.length);
  } catch {
    return false;
  }
  return !dnsslIsPlain(option, 0, option.length);
}

/** Writes checked options at `offset`; returns bytes written. */
export function writeNdpOptions(options: readonly NdpOption[], out: Uint8Array, offset: number): number {
  let i = offset;
  for (const o of options) {
    const size = ndpOptionSize(o);
    out.fill(0, i, i + size);
    out[i + 1] = size / 8;
    switch (o.kind) {
      case 'source-link-layer-address':
      case 'target-link-layer-address':
        out[i] = o.kind === 'source-link-layer-address' ? 1 : 2;
        out.set(o.address, i + 2);
        break;
      case 'prefix-information':
        out[i] = 3;
        out[i + 2] = o.prefixLength;
        out[i + 3] = (o.onLink ? 0x80 : 0) | (o.autonomous ? 0x40 : 0) | (o.otherFlags ?? 0);
        writeU32(out, i + 4, o.validLifetime);
        writeU32(out, i + 8, o.preferredLifetime);
        writeU32(out, i + 12, o.reserved ?? 0);
        out.set(o.prefix, i + 16);
        break;
      case 'redirected-header':
        out[i] = 4;
        if (o.reserved) out.set(o.reserved, i + 2);
        out.set(o.packet, i + 8);
        break;
      case 'mtu':
        out[i] = 5;
        writeU16(out, i + 2, o.reserved ?? 0);
        writeU32(out, i + 4, o.mtu);
        break;
      case 'rdnss':
        out[i] = 25;
        writeU16(out, i + 2, o.reserved ?? 0);
        writeU32(out, i + 4, o.lifetime);
        for (let k = 0; k < o.servers.length; k++) out.set(o.servers[k], i + 8 + 16 * k);
        break;
      case 'advertisement-interval':
        out[i] = 7;
        writeU16(out, i + 2, o.reserved ?? 0);
        writeU32(out, i + 4, o.interval);
        break;
      case 'home-agent-information':
        out[i] = 8;
        writeU16(out, i + 2, o.reserved ?? 0);
        writeU16(out, i + 4, o.preference);
        writeU16(out, i + 6, o.lifetime);
        break;
      case 'route-information':
        out[i] = 24;
        out[i + 2] = o.prefixLength;
        out[i + 3] = (o.preference << 3) | (o.otherFlags ?? 0);
        writeU32(out, i + 4, o.routeLifetime);
        out.set(o.prefix, i + 8);
        break;
      case 'dnssl': {
        out[i] = 31;
        writeU16(out, i + 2, o.reserved ?? 0);
        writeU32(out, i + 4, o.lifetime);
        let at = i + 8;
        for (const d of o.domains) at = writeDnsName(d, out, at);
        break;
      }
      case 'pref64':
        out[i] = 38;
        writeU16(out, i + 2, (o.scaledLifetime << 3) | o.plc);
        out.set(o.prefix, i + 4);
        break;
      case 'unknown':
        out[i] = o.type;
        out.set(o.data, i + 2);
        break;
    }
    i += size;
  }
  return i - offset;
}

// ---- dissection -------------------------------------------------------------------------------

const OPTION_NAMES: Record<number, string> = {
  1: 'Source link-layer address',
  2: 'Target link-layer address',
  3: 'Prefix information',
  4: 'Redirected header',
  5: 'MTU',
  7: 'Advertisement Interval',
  8: 'Home Agent Information',
  14: 'Nonce',
  24: 'Route Information',
  25: 'Recursive DNS Server',
  31: 'DNS Search List Option',
  38: 'PREF64 Option',
};

/** An IPv6 prefix of `n` bytes at `o`, zero-extended, as Wireshark shows a short prefix. */
function shortPrefix(buf: Uint8Array, o: number, n: number): string {
  const full = new Uint8Array(16);
  full.set(buf.subarray(o, o + n));
  return formatIpv6(full);
}

/** One `icmpv6.opt` node per option of a checked range, with Wireshark's field names. */
export function dissectNdpOptions(buf: Uint8Array, start: number, end: number): DissectionNode[] {
  const nodes: DissectionNode[] = [];
  for (let i = start; i < end; i += buf[i + 1] * 8) nodes.push(dissectNdpOption(buf, i));
  return nodes;
}

function dissectNdpOption(buf: Uint8Array, i: number): DissectionNode {
  const type = buf[i];
  const length = buf[i + 1] * 8;
  const end = i + length;
  const name = `ICMPv6 Option (${OPTION_NAMES[type] ?? `Unknown ${type}`})`;
  const children: DissectionNode[] = [
    leaf('icmpv6.opt.type', 'Type', i, 1, type),
    leaf('icmpv6.opt.length', 'Length', i + 1, 1, buf[i + 1], `Length: ${buf[i + 1]} (${length} bytes)`),
  ];
  switch (type) {
    case 1:
    case 2: {
      const address = buf.subarray(i + 2, end);
      children.push(
        leaf('icmpv6.opt.linkaddr', 'Link-layer address', i + 2, length - 2, address),
        leaf(
          type === 1 ? 'icmpv6.opt.src_linkaddr' : 'icmpv6.opt.target_linkaddr',
          name,
          i + 2,
          length - 2,
          address,
        ),
      );
      break;
    }
    case 3: {
      const flags = buf[i + 3];
      children.push(
        leaf('icmpv6.opt.prefix.length', 'Prefix Length', i + 2, 1, buf[i + 2]),
        {
          field: 'icmpv6.opt.prefix.flag',
          name: 'Flag',
          offset: i + 3,
          length: 1,
          value: flags,
          display: `Flag: ${hex(flags, 2)}`,
          children: [
            leaf('icmpv6.opt.prefix.flag.l', 'On-link flag(L)', i + 3, 1, (flags & 0x80) !== 0),
            leaf(
              'icmpv6.opt.prefix.flag.a',
              'Autonomous address-configuration flag(A)',
              i + 3,
              1,
              (flags & 0x40) !== 0,
            ),
            leaf('icmpv6.opt.prefix.flag.r', 'Router address flag(R)', i + 3, 1, (flags & 0x20) !== 0),
            leaf('icmpv6.opt.prefix.flag.reserved', 'Reserved', i + 3, 1, flags & 0x1f),
          ],
        },
        leaf('icmpv6.opt.prefix.valid_lifetime', 'Valid Lifetime', i + 4, 4, readU32(buf, i + 4)),
        leaf('icmpv6.opt.prefix.preferred_lifetime', 'Preferred Lifetime', i + 8, 4, readU32(buf, i + 8)),
        leaf('icmpv6.opt.reserved', 'Reserved', i + 12, 4),
        leaf('icmpv6.opt.prefix', 'Prefix', i + 16, 16, formatIpv6(buf, i + 16)),
      );
      break;
    }
    case 4:
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 6),
        leaf('icmpv6.opt.redirected_packet', 'Redirected Packet', i + 8, length - 8),
      );
      break;
    case 5:
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 2),
        leaf('icmpv6.opt.mtu', 'MTU', i + 4, 4, readU32(buf, i + 4)),
      );
      break;
    case 14:
      // RFC 3971 §5.3.2; Linux puts one in every DAD probe (RFC 7527 enhanced DAD).
      children.push(leaf('icmpv6.opt.nonce', 'Nonce', i + 2, length - 2, buf.subarray(i + 2, end)));
      break;
    case 25:
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 2),
        leaf('icmpv6.opt.rdnss.lifetime', 'Lifetime', i + 4, 4, readU32(buf, i + 4)),
      );
      for (let o = i + 8; o < end; o += 16) {
        children.push(leaf('icmpv6.opt.rdnss', 'Recursive DNS Servers', o, 16, formatIpv6(buf, o)));
      }
      break;
    case 7:
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 2),
        leaf('icmpv6.opt.advertisement_interval', 'Advertisement Interval', i + 4, 4, readU32(buf, i + 4)),
      );
      break;
    case 8:
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 2),
        leaf('icmpv6.opt.home_agent_preference', 'Home Agent Preference', i + 4, 2, readU16(buf, i + 4)),
        leaf('icmpv6.opt.home_agent_lifetime', 'Home Agent Lifetime', i + 6, 2, readU16(buf, i + 6)),
      );
      break;
    case 24: {
      // RFC 4191 §2.3; the prefix is 0, 8 or 16 octets by the option length (8 shown zero-extended).
      const flags = buf[i + 3];
      children.push(
        leaf('icmpv6.opt.prefix.length', 'Prefix Length', i + 2, 1, buf[i + 2]),
        {
          field: 'icmpv6.opt.route_info.flag',
          name: 'Flag',
          offset: i + 3,
          length: 1,
          value: flags,
          display: `Flag: ${hex(flags, 2)}`,
          children: [
            leaf(
              'icmpv6.opt.route_info.flag.route_preference',
              'Route Preference',
              i + 3,
              1,
              (flags >>> 3) & 3,
            ),
            leaf('icmpv6.opt.route_info.flag.reserved', 'Reserved', i + 3, 1, flags & 0xe7),
          ],
        },
        leaf('icmpv6.opt.route_lifetime', 'Route Lifetime', i + 4, 4, readU32(buf, i + 4)),
      );
      if (length > 8) {
        children.push(
          leaf('icmpv6.opt.prefix', 'Prefix', i + 8, length - 8, shortPrefix(buf, i + 8, length - 8)),
        );
      }
      break;
    }
    case 31: {
      children.push(
        leaf('icmpv6.opt.reserved', 'Reserved', i + 2, 2),
        leaf('icmpv6.opt.dnssl.lifetime', 'Lifetime', i + 4, 4, readU32(buf, i + 4)),
      );
      let o = i + 8;
      while (o < end && buf[o] !== 0) {
        const next = dnsNameEnd(buf, o, end, 'icmpv6');
        children.push(leaf('icmpv6.opt.dnssl', 'Domain Names', o, next - o, dnsNameText(buf, o)));
        o = next;
      }
      if (o < end) children.push(leaf('icmpv6.opt.padding', 'Padding', o, end - o));
      break;
    }
    case 38: {
      // RFC 8781 §4: scaled lifetime (13 bits) and Prefix Length Code, then the prefix's top 96 bits.
      const word = readU16(buf, i + 2);
      const bits = PREF64_LENGTHS[word & 7] ?? 0;
      children.push(
        leaf('icmpv6.opt.pref64.scaled_lifetime', 'Scaled Lifetime', i + 2, 2, word >>> 3),
        leaf(
          'icmpv6.opt.pref64.plc',
          'PLC (Prefix Length Code)',
          i + 2,
          2,
          word & 7,
          `PLC (Prefix Length Code): ${bits} bits prefix length (${hex(word & 7, 1)})`,
        ),
        leaf('icmpv6.opt.pref64.prefix', 'Prefix', i + 4, bits / 8, shortPrefix(buf, i + 4, bits / 8)),
      );
      break;
    }
  }
  return { field: 'icmpv6.opt', name, offset: i, length, display: name, children };
}
