import {
  ETHERNET_HEADER_LENGTH,
  type EthernetHeader,
  EtherType,
  type Ipv4Header,
  type Ipv6Header,
  IpProtocol,
  UDP_HEADER_LENGTH,
  type UdpHeader,
  writeEthernet,
  writeIpv4,
  writeIpv6,
  writeUdp,
} from '@cnikit/ethernet';
import { type IpContext, parseIpv4, parseIpv6, parseMac } from '@cnikit/wire';
import { MAX_VNI, VXLAN_HEADER_LENGTH, VxlanPort } from './constants.js';
import { innerFlowSourcePort, type PortRange, SourcePortRange } from './flow-hash.js';
import { gbpToVxlanHeader, type VxlanGbpHeader } from './gbp.js';
import { encapsulateEcn, innerDontFragment, innerDsfield } from './inner-ip.js';
import { checkUint } from './range.js';
import { type VxlanHeader, writeVxlan } from './vxlan-header.js';

/** An IPv4 address as text or uint32, or an IPv6 address as text or 16 bytes. */
export type IpAddressInput = string | number | Uint8Array;

export interface EncapsulateOptions {
  /** Outer Ethernet source (this VTEP's underlay NIC) and destination (the underlay next hop). */
  srcMac: string | Uint8Array;
  dstMac: string | Uint8Array;
  /** Outer IP source (local VTEP) and destination (remote VTEP); both IPv4 or both IPv6. */
  src: IpAddressInput;
  dst: IpAddressInput;
  /** 24-bit VXLAN Network Identifier. */
  vni: number;
  /** UDP destination port: 4789 (IANA, the default), 8472 (Linux/flannel) or any. */
  port?: number;
  /** A fixed UDP source port instead of the flow hash. */
  srcPort?: number;
  /** Where the flow hash puts the source port. Default RFC 7348's 49152–65535 (see README). */
  srcPortRange?: PortRange;
  /** Seed of the flow hash (Linux seeds per boot). Default 0. */
  hashSeed?: number;
  /** Outer TTL / hop limit. Default 64. */
  ttl?: number;
  /** Outer TOS / traffic class, or 'inherit' (Linux `tos inherit`). ECN follows RFC 6040 either way. Default 0. */
  tos?: number | 'inherit';
  /** Outer IPv4 DF, or 'inherit' from the inner IPv4 header (Linux `df inherit`). Default false. */
  df?: boolean | 'inherit';
  /** Outer IPv4 identification. Default 0. */
  identification?: number;
  /** Outer IPv6 flow label. Default 0. */
  flowLabel?: number;
  /**
   * Compute the outer UDP checksum. Default: false over IPv4 (RFC 7348 §5 "SHOULD be transmitted
   * as zero"), true over IPv6 (RFC 6935/6936 allow zero only where the tunnel is configured for it).
   */
  udpChecksum?: boolean;
  /** Send a VXLAN-GBP header with this group policy instead of the plain RFC 7348 one. */
  gbp?: Omit<VxlanGbpHeader, 'vni'>;
}

const IPV4_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;
const EMPTY = new Uint8Array(0);

/** Outer headers VXLAN adds in front of an inner frame: Ethernet + IPv4 (50) or IPv6 (70) + UDP + VXLAN. */
export function encapsulationOverhead(family: 4 | 6): number {
  return (
    ETHERNET_HEADER_LENGTH +
    (family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH) +
    UDP_HEADER_LENGTH +
    VXLAN_HEADER_LENGTH
  );
}

export function encapsulatedLength(innerLength: number, family: 4 | 6): number {
  return encapsulationOverhead(family) + innerLength;
}

function toMac(field: string, mac: string | Uint8Array): Uint8Array {
  if (typeof mac === 'string') return parseMac(mac);
  if (mac.length !== 6) throw new RangeError(`vxlan: ${field} must be 6 bytes, got ${mac.length}`);
  return mac;
}

function toAddress(field: string, a: IpAddressInput): number | Uint8Array {
  if (typeof a === 'number') return checkUint('vxlan', field, a, 0xffffffff);
  if (typeof a === 'string') return a.includes(':') ? parseIpv6(a) : parseIpv4(a);
  if (a.length !== 16) throw new RangeError(`vxlan: ${field} must be an IPv4 number or 16 IPv6 bytes`);
  return a;
}

/**
 * Encapsulates inner Ethernet frames with one set of options checked once: the hot-path form of
 * `encapsulate`. Reuses its header objects, so `encapsulate` allocates nothing over IPv4.
 */
export class VxlanEncapsulator {
  readonly family: 4 | 6;
  /** The outer Ethernet header, constant per encapsulator: written once by writeEthernet. */
  private readonly ethHeader = new Uint8Array(ETHERNET_HEADER_LENGTH);
  private readonly ip4: Ipv4Header;
  private readonly ip6: Ipv6Header;
  private readonly udp: UdpHeader;
  private readonly vxlan: VxlanHeader;
  private readonly udpOptions: { ip: IpContext; payloadLength: number };
  private readonly range: PortRange;
  private readonly fixedSrcPort: number;
  private readonly hashSeed: number;
  private readonly tos: number;
  private readonly inheritTos: boolean;
  private readonly df: boolean | 'inherit';
  private readonly udpChecksum: boolean;

  constructor(options: EncapsulateOptions) {
    const src = toAddress('src', options.src);
    const dst = toAddress('dst', options.dst);
    if (typeof src !== typeof dst) throw new RangeError('vxlan: src and dst must both be IPv4 or both IPv6');
    this.family = typeof src === 'number' ? 4 : 6;
    checkUint('vxlan', 'vni', options.vni, MAX_VNI);
    const port = checkUint('vxlan', 'port', options.port ?? VxlanPort.IANA, 0xffff);
    this.fixedSrcPort =
      options.srcPort === undefined ? -1 : checkUint('vxlan', 'srcPort', options.srcPort, 0xffff);
    const range = options.srcPortRange ?? SourcePortRange.rfc7348;
    checkUint('vxlan', 'srcPortRange.min', range.min, 0xffff);
    checkUint('vxlan', 'srcPortRange.max', range.max, 0xffff);
    if (range.min > range.max) throw new RangeError('vxlan: srcPortRange.min is above srcPortRange.max');
    this.range = { min: range.min, max: range.max };
    this.hashSeed = options.hashSeed ?? 0;
    const ttl = checkUint('vxlan', 'ttl', options.ttl ?? 64, 255);
    this.inheritTos = options.tos === 'inherit';
    this.tos = options.tos === 'inherit' ? 0 : checkUint('vxlan', 'tos', options.tos ?? 0, 255);
    this.df = options.df ?? false;
    this.udpChecksum = options.udpChecksum ?? this.family === 6;
    this.vxlan = options.gbp ? gbpToVxlanHeader({ ...options.gbp, vni: options.vni }) : { vni: options.vni };
    const eth: EthernetHeader = {
      dst: toMac('dstMac', options.dstMac),
      src: toMac('srcMac', options.srcMac),
      etherType: this.family === 4 ? EtherType.IPv4 : EtherType.IPv6,
      payload: EMPTY,
    };
    writeEthernet(eth, this.ethHeader, 0);
    this.udp = { srcPort: 0, dstPort: port, checksum: this.udpChecksum ? undefined : 0 };
    this.ip4 = {
      dscp: 0,
      ecn: 0,
      totalLength: 0,
      identification: checkUint('vxlan', 'identification', options.identification ?? 0, 0xffff),
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl,
      protocol: IpProtocol.UDP,
      src: typeof src === 'number' ? src : 0,
      dst: typeof dst === 'number' ? dst : 0,
      options: [],
      payload: EMPTY,
    };
    this.ip6 = {
      trafficClass: 0,
      flowLabel: checkUint('vxlan', 'flowLabel', options.flowLabel ?? 0, 0xfffff),
      payloadLength: 0,
      hopLimit: ttl,
      src: typeof src === 'number' ? EMPTY : src,
      dst: typeof dst === 'number' ? EMPTY : dst,
      extensions: [],
      protocol: IpProtocol.UDP,
      payload: EMPTY,
    };
    const ip: IpContext =
      this.family === 4
        ? { family: 4, src: src as number, dst: dst as number }
        : { family: 6, src: src as Uint8Array, dst: dst as Uint8Array };
    this.udpOptions = { ip, payloadLength: 0 };
  }

  /**
   * Writes the encapsulated frame for inner[innerStart, innerEnd) at out[offset] and returns its
   * length. RangeError (nothing written) when `out` is too small or the frame too large for the
   * outer length fields.
   */
  encapsulate(
    inner: Uint8Array,
    out: Uint8Array,
    offset = 0,
    innerStart = 0,
    innerEnd = inner.length,
  ): number {
    if (!Number.isInteger(innerStart) || innerStart < 0 || innerEnd > inner.length || innerStart > innerEnd) {
      throw new RangeError('vxlan: inner range is outside the inner buffer');
    }
    const innerLength = innerEnd - innerStart;
    this.checkRoom(out, offset, innerLength);
    out.set(
      innerStart === 0 && innerEnd === inner.length ? inner : inner.subarray(innerStart, innerEnd),
      offset + encapsulationOverhead(this.family),
    );
    return this.writeHeaders(out, offset, innerLength);
  }

  /**
   * The zero-copy form: the inner frame (`innerLength` bytes) is already in `out` after
   * `encapsulationOverhead(family)` bytes of headroom at `offset`; only the outer headers are
   * written in front of it. Returns the whole frame's length.
   */
  encapsulateInPlace(out: Uint8Array, offset: number, innerLength: number): number {
    if (!Number.isInteger(innerLength) || innerLength < 0) {
      throw new RangeError(`vxlan: innerLength must be a non-negative integer, got ${innerLength}`);
    }
    this.checkRoom(out, offset, innerLength);
    return this.writeHeaders(out, offset, innerLength);
  }

  private checkRoom(out: Uint8Array, offset: number, innerLength: number): void {
    const ipLength = this.family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
    const udpLength = UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH + innerLength;
    const total = ETHERNET_HEADER_LENGTH + ipLength + udpLength;
    if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
      throw new RangeError(`vxlan: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
    }
    if (udpLength > 0xffff || (this.family === 4 && ipLength + udpLength > 0xffff)) {
      throw new RangeError(`vxlan: a ${innerLength}-byte inner frame does not fit the outer IP length field`);
    }
  }

  private writeHeaders(out: Uint8Array, offset: number, innerLength: number): number {
    const ipLength = this.family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
    const udpLength = UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH + innerLength;
    const ipAt = offset + ETHERNET_HEADER_LENGTH;
    const udpAt = ipAt + ipLength;
    const vxlanAt = udpAt + UDP_HEADER_LENGTH;
    const innerAt = vxlanAt + VXLAN_HEADER_LENGTH;
    const innerEnd = innerAt + innerLength;
    writeVxlan(this.vxlan, out, vxlanAt);
    const udp = this.udp;
    udp.srcPort =
      this.fixedSrcPort >= 0
        ? this.fixedSrcPort
        : innerFlowSourcePort(out, innerAt, innerEnd, this.hashSeed, this.range);
    const udpOptions = this.udpOptions;
    udpOptions.payloadLength = VXLAN_HEADER_LENGTH + innerLength;
    writeUdp(udp, out, udpAt, udpOptions);
    const innerTos = innerDsfield(out, innerAt, innerEnd);
    const tos = encapsulateEcn(this.inheritTos ? Math.max(innerTos, 0) : this.tos, innerTos);
    if (this.family === 4) {
      const ip = this.ip4;
      ip.dscp = tos >> 2;
      ip.ecn = tos & 3;
      ip.totalLength = ipLength + udpLength;
      ip.dontFragment = this.df === 'inherit' ? innerDontFragment(out, innerAt, innerEnd) : this.df;
      writeIpv4(ip, out, ipAt);
    } else {
      const ip = this.ip6;
      ip.trafficClass = tos;
      ip.payloadLength = udpLength;
      writeIpv6(ip, out, ipAt);
    }
    const eth = this.ethHeader;
    for (let i = 0; i < ETHERNET_HEADER_LENGTH; i++) out[offset + i] = eth[i];
    return ETHERNET_HEADER_LENGTH + ipLength + udpLength;
  }
}

/**
 * Writes outer Ethernet + IPv4/IPv6 + UDP + VXLAN + the inner frame at out[offset]; returns the
 * bytes written. Lengths and checksums are computed; the UDP source port comes from a hash of
 * the inner flow (RFC 7348 §5). Checks `options` on every call: reuse a `VxlanEncapsulator` on a
 * hot path (it also has `encapsulateInPlace`, which writes the headers in front of an inner frame
 * already in place).
 */
export function encapsulate(
  inner: Uint8Array,
  options: EncapsulateOptions,
  out: Uint8Array,
  offset = 0,
): number {
  return new VxlanEncapsulator(options).encapsulate(inner, out, offset);
}

/** Allocating convenience: the encapsulated frame in a new Uint8Array. */
export function encodeEncapsulated(inner: Uint8Array, options: EncapsulateOptions): Uint8Array {
  const enc = new VxlanEncapsulator(options);
  const out = new Uint8Array(encapsulatedLength(inner.length, enc.family));
  enc.encapsulate(inner, out, 0);
  return out;
}
