import {
  EthernetFrame,
  EtherType,
  FrameDecoder,
  IpProtocol,
  Ipv4Packet,
  Ipv6Packet,
  UdpDatagram,
  VlanTag,
} from '@cnikit/ethernet';
import { DecodeError, type IpContext, readU16, readU24 } from '@cnikit/wire';
import { DEFAULT_VXLAN_PORTS, VXLAN_HEADER_LENGTH } from './constants.js';
import { VxlanPacket } from './vxlan-header.js';

export interface DecapsulateOptions {
  /** UDP destination ports taken as VXLAN. Default 4789 and 8472. */
  readonly ports?: readonly number[];
}

/** Views of every layer of a VXLAN frame, outermost first; all point into the received bytes. */
export interface Decapsulated {
  readonly ethernet: EthernetFrame;
  /** 802.1Q / 802.1ad tags on the outer frame, outermost first (usually none). */
  readonly vlanTags: readonly VlanTag[];
  readonly ip: Ipv4Packet | Ipv6Packet;
  readonly udp: UdpDatagram;
  readonly vxlan: VxlanPacket;
  /** The inner Ethernet frame. */
  readonly inner: EthernetFrame;
}

const MAX_OUTER_TAGS = 2;
const ETHERNET_HEADER_LENGTH = 14;
const UDP_HEADER_LENGTH = 8;

/** One bit per UDP port: the port test on the hot path is a load and a shift, whatever `ports` holds. */
function portBitmap(ports: readonly number[]): Uint8Array {
  const bits = new Uint8Array(0x10000 >>> 3);
  for (const port of ports) {
    if (Number.isInteger(port) && port >= 0 && port <= 0xffff) bits[port >>> 3] |= 1 << (port & 7);
  }
  return bits;
}

/**
 * Rebindable, allocation-free decapsulator for the hot path: `bind` checks a frame once and
 * points its views at it. The views are reused by the next `bind`. Every field is readable as a
 * number through the views (`ethernet.dstMac`, `ipv4View.src`, `udp.payloadOffset`, `inner.srcMac`,
 * …); the subarray getters (`inner.payload`, …) are the zero-copy convenience.
 *
 * On mixed traffic, `tryBind` is `bind` without the throw, and `decode` also decodes the inner
 * frame (`innerFrame`, a FrameDecoder): `if (d.decode(frame)) use(d.vni, d.innerFrame.ipv4.src)`.
 *
 * The outer IP header, three ways: `ipv4View` / `ipv6View` are the two views themselves, always
 * there, bound by whichever family the frame has (`family`): read the one `family` names, with
 * no branch (the hot path). `ip` is the bound one, typed as either; `ipv4` / `ipv6` are it, or
 * undefined when the frame is of the other family (for narrowing: `if (d.ipv4) d.ipv4.ttl`).
 */
export class VxlanDecapsulator {
  readonly ethernet = new EthernetFrame();
  readonly vlanTags: readonly VlanTag[] = [new VlanTag(), new VlanTag()];
  /** How many of `vlanTags` the current frame has. */
  vlanCount = 0;
  readonly ipv4View = new Ipv4Packet();
  readonly ipv6View = new Ipv6Packet();
  /** 4 or 6: which of the IP views the current frame uses. */
  family: 4 | 6 = 4;
  readonly udp = new UdpDatagram();
  readonly vxlan = new VxlanPacket();
  readonly inner = new EthernetFrame();
  /** Why the last `tryBind`/`decode` returned false; undefined after one that returned true. */
  error: DecodeError | undefined = undefined;
  private readonly portBits: Uint8Array;
  private innerDecoder: FrameDecoder | undefined = undefined;
  /** Whether `innerFrame` holds the current frame's inner frame (set by `decode`, cleared by `tryBind`). */
  private innerDecoded = false;

  constructor(options: DecapsulateOptions = {}) {
    this.portBits = portBitmap(options.ports ?? DEFAULT_VXLAN_PORTS);
  }

  /**
   * The inner frame as `decode` left it: a FrameDecoder (`layers`, `layerCount`, `ipv4`, `ipv6`,
   * `udp`, `tcp`, `stop`, `error`), reused by the next `decode`.
   */
  get innerFrame(): FrameDecoder {
    if (this.innerDecoder === undefined) this.innerDecoder = new FrameDecoder();
    return this.innerDecoder;
  }

  /**
   * `bind` without the throw: true when frame[start, end) is a well-formed VXLAN frame (the views
   * point at it), false otherwise with the reason in `error` (any other exception is rethrown).
   */
  tryBind(frame: Uint8Array, start = 0, end = frame.length): boolean {
    this.innerDecoded = false;
    try {
      this.bind(frame, start, end);
    } catch (e) {
      if (!DecodeError.is(e)) throw e;
      this.error = e;
      return false;
    }
    this.error = undefined;
    return true;
  }

  /**
   * `tryBind`, then the inner frame decoded into `innerFrame`: true when the frame is VXLAN (the
   * inner frame may still stop early: `innerFrame.stop`, `innerFrame.error`), false with `error`
   * when it is not. No allocation once `innerFrame` exists.
   */
  decode(frame: Uint8Array, start = 0, end = frame.length): boolean {
    if (!this.tryBind(frame, start, end)) return false;
    this.innerFrame.decode(frame, this.inner.start, this.inner.end);
    this.innerDecoded = true;
    return true;
  }

  /**
   * The layer stack after `decode`, outer then inner: `eth`, `vlan`…, `ip` or `ipv6`, `udp`,
   * `vxlan`, then the inner frame's layers (`eth`, `ip`, `tcp`, …; after `tryBind` alone, only
   * the outer ones). Allocates.
   */
  get layers(): string[] {
    const out = ['eth'];
    for (let i = 0; i < this.vlanCount; i++) out.push(this.vlanTags[i].layer);
    out.push(this.family === 4 ? 'ip' : 'ipv6', 'udp', 'vxlan');
    const f = this.innerDecoder;
    if (f !== undefined && this.innerDecoded) out.push(...f.layers.slice(0, f.layerCount));
    return out;
  }

  get ip(): Ipv4Packet | Ipv6Packet {
    return this.family === 4 ? this.ipv4View : this.ipv6View;
  }
  get ipv4(): Ipv4Packet | undefined {
    return this.family === 4 ? this.ipv4View : undefined;
  }
  get ipv6(): Ipv6Packet | undefined {
    return this.family === 6 ? this.ipv6View : undefined;
  }
  /** The VNI of the current frame (`vxlan.vni`). */
  get vni(): number {
    return readU24(this.vxlan.buf, this.vxlan.start + 4);
  }

  /**
   * Checks every layer of frame[start, end) and points the views at it. Throws DecodeError: a
   * layer too short (`truncated`), an outer frame that is not IPv4/IPv6 or not UDP, a fragment, a
   * destination port that is not VXLAN (`unsupported`), bad IP/UDP lengths (`bad-length`), the
   * VXLAN I flag clear (`bad-value`), or an inner frame shorter than an Ethernet header.
   *
   * One function on purpose: it is larger than TurboFan inlines (460 bytecode bytes), so a caller
   * keeps its inlining budget for field reads while the views' `bind`s inline in here
   * (benchmarks/FINDINGS.md, VXLAN).
   */
  bind(frame: Uint8Array, start = 0, end = frame.length): this {
    this.ethernet.bind(frame, start, end);
    let typeAt = start + 12;
    let etherType = readU16(frame, typeAt);
    let at = start + ETHERNET_HEADER_LENGTH;
    let tags = 0;
    while (etherType === EtherType.VLAN || etherType === EtherType.QinQ) {
      if (tags === MAX_OUTER_TAGS) failTooManyTags(typeAt);
      const tag = this.vlanTags[tags++].bind(frame, at, end);
      typeAt = at + 2;
      etherType = tag.etherType;
      at = tag.payloadOffset;
    }
    this.vlanCount = tags;
    let udpAt: number;
    let ipEnd: number;
    if (etherType === EtherType.IPv4) {
      const ip = this.ipv4View.bind(frame, at, end);
      if ((readU16(frame, at + 6) & 0x3fff) !== 0 || frame[at + 9] !== IpProtocol.UDP) {
        failOuterIpv4(frame, at);
      }
      this.family = 4;
      udpAt = ip.payloadOffset;
      ipEnd = ip.end;
    } else if (etherType === EtherType.IPv6) {
      udpAt = this.bindIpv6(frame, at, end);
      ipEnd = this.ipv6View.end;
    } else {
      failEtherType(etherType, typeAt);
    }
    const udp = this.udp.bind(frame, udpAt, ipEnd);
    const port = readU16(frame, udpAt + 2);
    if (udp.end !== ipEnd || ((this.portBits[port >>> 3] >>> (port & 7)) & 1) === 0) {
      failUdp(udpAt, udp.end, ipEnd, port);
    }
    const vxlanAt = udpAt + UDP_HEADER_LENGTH;
    this.vxlan.bind(frame, vxlanAt, ipEnd);
    if ((frame[vxlanAt] & 0x08) === 0) failNoVni(vxlanAt);
    this.inner.bind(frame, vxlanAt + VXLAN_HEADER_LENGTH, ipEnd);
    return this;
  }

  /** The outer IPv6 header at `at`: sets `family`, returns where UDP starts. */
  private bindIpv6(frame: Uint8Array, at: number, end: number): number {
    const ip = this.ipv6View.bind(frame, at, end);
    if (ip.isFragment) {
      throw new DecodeError(
        'unsupported',
        'vxlan',
        ip.fragmentHeaderOffset,
        'the outer IPv6 packet is a fragment; reassemble first',
      );
    }
    if (ip.protocol !== IpProtocol.UDP) {
      failNotUdp(ip.protocol, ip.extensionCount === 0 ? at + 6 : ip.payloadOffset);
    }
    this.family = 6;
    return ip.payloadOffset;
  }

  /** The outer addresses as the IpContext a checksum over the pseudo-header needs. */
  ipContext(): IpContext {
    return this.family === 4
      ? { family: 4, src: this.ipv4View.src, dst: this.ipv4View.dst }
      : { family: 6, src: this.ipv6View.src, dst: this.ipv6View.pseudoHeaderDst };
  }
}

/*
 * The throws, out of line: message building on the hot path would count against what V8 inlines.
 */

function failTooManyTags(typeAt: number): never {
  throw new DecodeError('unsupported', 'vxlan', typeAt, 'more than two VLAN tags on the outer frame');
}

function failEtherType(etherType: number, typeAt: number): never {
  throw new DecodeError(
    'unsupported',
    'vxlan',
    typeAt,
    `outer EtherType 0x${etherType.toString(16)} is not IPv4 or IPv6`,
  );
}

/** An outer IPv4 packet at `at` that is a fragment or not UDP. */
function failOuterIpv4(frame: Uint8Array, at: number): never {
  if ((readU16(frame, at + 6) & 0x3fff) !== 0) {
    throw new DecodeError(
      'unsupported',
      'vxlan',
      at + 6,
      'the outer IPv4 packet is a fragment; reassemble first',
    );
  }
  failNotUdp(frame[at + 9], at + 9);
}

function failNotUdp(protocol: number, protocolAt: number): never {
  throw new DecodeError('unsupported', 'vxlan', protocolAt, `outer IP protocol ${protocol} is not UDP`);
}

/** UDP whose length disagrees with the IP header's, or to a port that is not VXLAN. */
function failUdp(udpAt: number, udpEnd: number, ipEnd: number, port: number): never {
  if (udpEnd !== ipEnd) {
    throw new DecodeError(
      'bad-length',
      'vxlan',
      udpAt + 4,
      `UDP length ${udpEnd - udpAt} disagrees with the ${ipEnd - udpAt} bytes the IP header gives it`,
    );
  }
  throw new DecodeError(
    'unsupported',
    'vxlan',
    udpAt + 2,
    `UDP destination port ${port} is not a VXLAN port`,
  );
}

function failNoVni(vxlanAt: number): never {
  throw new DecodeError('bad-value', 'vxlan', vxlanAt, 'I flag clear: the VNI is not valid (RFC 7348 §5)');
}

/**
 * Zero-copy views of the outer Ethernet, IP, UDP and VXLAN layers and the inner Ethernet frame.
 * Throws DecodeError for anything that is not a well-formed VXLAN frame (see VxlanDecapsulator).
 */
export function decapsulate(frame: Uint8Array, options: DecapsulateOptions = {}): Decapsulated {
  const d = new VxlanDecapsulator(options).bind(frame);
  return {
    ethernet: d.ethernet,
    vlanTags: d.vlanTags.slice(0, d.vlanCount),
    ip: d.ip,
    udp: d.udp,
    vxlan: d.vxlan,
    inner: d.inner,
  };
}
