import { ETHERNET_HEADER_LENGTH, EtherType, IpProtocol, UDP_HEADER_LENGTH } from '@cnikit/ethernet';
import {
  checkUint,
  foldSum,
  ipv4PseudoHeaderSum,
  ipv6PseudoHeaderSum,
  parseIpv4,
  parseIpv6,
  parseMac,
  sumWords,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { MAX_VNI, VXLAN_HEADER_LENGTH, VxlanPort } from './constants.js';
import { innerFlowSourcePort, type PortRange, SourcePortRange } from './flow-hash.js';
import { gbpToVxlanHeader, type VxlanGbpHeader } from './gbp.js';
import { encapsulateEcn, innerDontFragment, innerDsfield } from './inner-ip.js';
import { writeVxlan } from './vxlan-header.js';

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
  if (typeof a === 'number') return checkUint(field, a, 0xffffffff, 'vxlan');
  if (typeof a === 'string') return a.includes(':') ? parseIpv6(a) : parseIpv4(a);
  if (a.length !== 16) throw new RangeError(`vxlan: ${field} must be an IPv4 number or 16 IPv6 bytes`);
  return a;
}

/**
 * Encapsulates inner Ethernet frames with one set of options checked once: the hot-path form of
 * `encapsulate`. The outer headers are built once as a template; per frame it copies them and
 * patches what depends on the frame (lengths, TOS/ECN, inherited DF, source port, checksums).
 * Allocates nothing.
 */
export class VxlanEncapsulator {
  readonly family: 4 | 6;
  /** Outer Ethernet + IP + UDP + VXLAN, per-frame fields zero. */
  private readonly template: Uint8Array;
  private readonly overhead: number;
  private readonly ipLength: number;
  /**
   * Unfolded sum of the template's IPv4 header words (checksum zero): per frame only TOS, total
   * length and an inherited DF are added (RFC 1071 §2(4) incremental update).
   */
  private readonly ipv4Sum: number;
  /** Unfolded sum of the pseudo-header without its length, the UDP destination port and VXLAN header. */
  private readonly udpSum: number;
  private readonly flowLabelHigh: number;
  private readonly portRange: PortRange;
  private readonly fixedSrcPort: number;
  private readonly hashSeed: number;
  private readonly tos: number;
  private readonly inheritTos: boolean;
  private readonly inheritDf: boolean;
  private readonly udpChecksum: boolean;

  constructor(options: EncapsulateOptions) {
    const src = toAddress('src', options.src);
    const dst = toAddress('dst', options.dst);
    if (typeof src !== typeof dst) throw new RangeError('vxlan: src and dst must both be IPv4 or both IPv6');
    const family = typeof src === 'number' ? 4 : 6;
    this.family = family;
    checkUint('vni', options.vni, MAX_VNI, 'vxlan');
    const port = checkUint('port', options.port ?? VxlanPort.IANA, 0xffff, 'vxlan');
    this.fixedSrcPort =
      options.srcPort === undefined ? -1 : checkUint('srcPort', options.srcPort, 0xffff, 'vxlan');
    const range = options.srcPortRange ?? SourcePortRange.rfc7348;
    checkUint('srcPortRange.min', range.min, 0xffff, 'vxlan');
    checkUint('srcPortRange.max', range.max, 0xffff, 'vxlan');
    if (range.min > range.max) throw new RangeError('vxlan: srcPortRange.min is above srcPortRange.max');
    this.portRange = { min: range.min, max: range.max };
    this.hashSeed = options.hashSeed ?? 0;
    const ttl = checkUint('ttl', options.ttl ?? 64, 255, 'vxlan');
    this.inheritTos = options.tos === 'inherit';
    this.tos = options.tos === 'inherit' ? 0 : checkUint('tos', options.tos ?? 0, 255, 'vxlan');
    const df = options.df ?? false;
    this.inheritDf = df === 'inherit';
    this.udpChecksum = options.udpChecksum ?? family === 6;
    const identification = checkUint('identification', options.identification ?? 0, 0xffff, 'vxlan');
    const flowLabel = checkUint('flowLabel', options.flowLabel ?? 0, 0xfffff, 'vxlan');
    this.flowLabelHigh = flowLabel >>> 16;
    const vxlan = options.gbp ? gbpToVxlanHeader({ ...options.gbp, vni: options.vni }) : { vni: options.vni };

    this.ipLength = family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
    this.overhead = encapsulationOverhead(family);
    const t = new Uint8Array(this.overhead);
    t.set(toMac('dstMac', options.dstMac), 0);
    t.set(toMac('srcMac', options.srcMac), 6);
    writeU16(t, 12, family === 4 ? EtherType.IPv4 : EtherType.IPv6);
    const ip = ETHERNET_HEADER_LENGTH;
    if (typeof src === 'number' && typeof dst === 'number') {
      t[ip] = 0x45;
      writeU16(t, ip + 4, identification);
      if (df === true) t[ip + 6] = 0x40;
      t[ip + 8] = ttl;
      t[ip + 9] = IpProtocol.UDP;
      writeU32(t, ip + 12, src);
      writeU32(t, ip + 16, dst);
      this.ipv4Sum = sumWords(t, ip, ip + IPV4_HEADER_LENGTH);
    } else if (typeof src !== 'number' && typeof dst !== 'number') {
      writeU32(t, ip, 0x60000000 | flowLabel);
      t[ip + 6] = IpProtocol.UDP;
      t[ip + 7] = ttl;
      t.set(src, ip + 8);
      t.set(dst, ip + 24);
      this.ipv4Sum = 0;
    } else {
      throw new RangeError('vxlan: src and dst must both be IPv4 or both IPv6');
    }
    const udp = ip + this.ipLength;
    writeU16(t, udp + 2, port);
    writeVxlan(vxlan, t, udp + UDP_HEADER_LENGTH);
    const pseudo =
      typeof src === 'number'
        ? ipv4PseudoHeaderSum(src, dst as number, IpProtocol.UDP, 0)
        : ipv6PseudoHeaderSum(src, dst as Uint8Array, IpProtocol.UDP, 0);
    this.udpSum = sumWords(t, udp, this.overhead, pseudo);
    this.template = t;
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
    const at = offset + this.overhead;
    if (innerStart === 0 && innerEnd === inner.length) {
      out.set(inner, at);
    } else if (inner === out) {
      out.copyWithin(at, innerStart, innerEnd);
    } else if (inner.buffer === out.buffer) {
      out.set(inner.subarray(innerStart, innerEnd), at);
    } else {
      for (let i = 0; i < innerLength; i++) out[at + i] = inner[innerStart + i];
    }
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
    const total = this.overhead + innerLength;
    if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
      throw new RangeError(`vxlan: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
    }
    const udpLength = UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH + innerLength;
    if (udpLength > 0xffff || (this.family === 4 && IPV4_HEADER_LENGTH + udpLength > 0xffff)) {
      throw new RangeError(`vxlan: a ${innerLength}-byte inner frame does not fit the outer IP length field`);
    }
  }

  private writeHeaders(out: Uint8Array, offset: number, innerLength: number): number {
    const overhead = this.overhead;
    out.set(this.template, offset);
    const ipAt = offset + ETHERNET_HEADER_LENGTH;
    const udpAt = ipAt + this.ipLength;
    const innerAt = offset + overhead;
    const innerEnd = innerAt + innerLength;
    const udpLength = UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH + innerLength;
    const srcPort =
      this.fixedSrcPort >= 0
        ? this.fixedSrcPort
        : innerFlowSourcePort(out, innerAt, innerEnd, this.hashSeed, this.portRange);
    writeU16(out, udpAt, srcPort);
    writeU16(out, udpAt + 4, udpLength);
    if (this.udpChecksum) {
      const sum = sumWords(out, innerAt, innerEnd, this.udpSum + srcPort + udpLength + udpLength);
      writeU16(out, udpAt + 6, ~foldSum(sum) & 0xffff || 0xffff);
    }
    const innerTos = innerDsfield(out, innerAt, innerEnd);
    const tos = encapsulateEcn(this.inheritTos ? Math.max(innerTos, 0) : this.tos, innerTos);
    if (this.family === 4) {
      const totalLength = IPV4_HEADER_LENGTH + udpLength;
      let sum = this.ipv4Sum + tos + totalLength;
      out[ipAt + 1] = tos;
      writeU16(out, ipAt + 2, totalLength);
      if (this.inheritDf && innerDontFragment(out, innerAt, innerEnd)) {
        out[ipAt + 6] = 0x40;
        sum += 0x4000;
      }
      sum = (sum & 0xffff) + (sum >>> 16);
      writeU16(out, ipAt + 10, ~(sum + (sum >>> 16)) & 0xffff);
    } else {
      out[ipAt] = 0x60 | (tos >>> 4);
      out[ipAt + 1] = ((tos & 0x0f) << 4) | this.flowLabelHigh;
      writeU16(out, ipAt + 4, udpLength);
    }
    return overhead + innerLength;
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
