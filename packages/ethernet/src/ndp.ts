import {
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

/** Neighbor Discovery option types (RFC 4861 §4.6, RFC 8106 §5.1). */
export const NdpOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  RedirectedHeader: 4,
  Mtu: 5,
  Rdnss: 25,
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
  otherFlags: number;
  validLifetime: number;
  preferredLifetime: number;
  reserved: number;
  prefix: Uint8Array;
}

export interface NdpRedirectedHeaderOption {
  kind: 'redirected-header';
  /** Six reserved octets. */
  reserved: Uint8Array;
  /** The redirected packet (the writer zero-pads it to a multiple of 8). */
  packet: Uint8Array;
}

export interface NdpMtuOption {
  kind: 'mtu';
  reserved: number;
  mtu: number;
}

/** Recursive DNS Server option (RFC 8106 §5.1). */
export interface NdpRdnssOption {
  kind: 'rdnss';
  reserved: number;
  lifetime: number;
  servers: Uint8Array[];
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
  | NdpUnknownOption;

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
      (type === 5 && units !== 1) ||
      (type === 25 && (units < 3 || units % 2 === 0));
    if (bad)
      throw new DecodeError('bad-option', 'icmpv6', i + 1, `option ${type} cannot have length ${units}`);
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
    default:
      return { kind: 'unknown', type, data: buf.subarray(i + 2, end) };
  }
}

const DECODED_TYPES = new Set<number>([1, 2, 3, 4, 5, 25]);

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
      checkUint('otherFlags', o.otherFlags, 0x3f);
      checkUint('validLifetime', o.validLifetime, 0xffffffff);
      checkUint('preferredLifetime', o.preferredLifetime, 0xffffffff);
      checkUint('reserved', o.reserved, 0xffffffff);
      if (o.prefix.length !== 16) throw new RangeError(`prefix must be 16 bytes, got ${o.prefix.length}`);
      return;
    case 'redirected-header':
      if (o.reserved.length !== 6)
        throw new RangeError(`redirected-header reserved must be 6 bytes, got ${o.reserved.length}`);
      return;
    case 'mtu':
      checkUint('reserved', o.reserved, 0xffff);
      checkUint('mtu', o.mtu, 0xffffffff);
      return;
    case 'rdnss':
      checkUint('reserved', o.reserved, 0xffff);
      checkUint('lifetime', o.lifetime, 0xffffffff);
      if (o.servers.length === 0) throw new RangeError('rdnss needs at least one server');
      for (const s of o.servers)
        if (s.length !== 16) throw new RangeError(`rdnss server must be 16 bytes, got ${s.length}`);
      return;
    case 'unknown':
      checkUint('option type', o.type, 255);
      if (DECODED_TYPES.has(o.type)) throw new RangeError(`option type ${o.type} is decoded: use its kind`);
      if ((2 + o.data.length) % 8 !== 0 || o.data.length === 0) {
        throw new RangeError(`unknown option data must be 6, 14, 22, … bytes, got ${o.data.length}`);
      }
      return;
    default:
      return;
  }
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
        out[i + 3] = (o.onLink ? 0x80 : 0) | (o.autonomous ? 0x40 : 0) | o.otherFlags;
        writeU32(out, i + 4, o.validLifetime);
        writeU32(out, i + 8, o.preferredLifetime);
        writeU32(out, i + 12, o.reserved);
        out.set(o.prefix, i + 16);
        break;
      case 'redirected-header':
        out[i] = 4;
        out.set(o.reserved, i + 2);
        out.set(o.packet, i + 8);
        break;
      case 'mtu':
        out[i] = 5;
        writeU16(out, i + 2, o.reserved);
        writeU32(out, i + 4, o.mtu);
        break;
      case 'rdnss':
        out[i] = 25;
        writeU16(out, i + 2, o.reserved);
        writeU32(out, i + 4, o.lifetime);
        for (let k = 0; k < o.servers.length; k++) out.set(o.servers[k], i + 8 + 16 * k);
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
  14: 'Nonce',
  25: 'Recursive DNS Server',
};

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
  }
  return { field: 'icmpv6.opt', name, offset: i, length, display: name, children };
}
