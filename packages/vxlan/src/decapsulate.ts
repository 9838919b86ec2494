import {
  EthernetFrame,
  EtherType,
  IpProtocol,
  Ipv4Packet,
  Ipv6Packet,
  UdpDatagram,
  VlanTag,
} from '@cnikit/ethernet';
import { DecodeError, type IpContext } from '@cnikit/wire';
import { DEFAULT_VXLAN_PORTS } from './constants.js';
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

function isTag(etherType: number): boolean {
  return etherType === EtherType.VLAN || etherType === EtherType.QinQ;
}

/**
 * Rebindable, allocation-free decapsulator for the hot path: `bind` checks a frame once and
 * points its views at it. The views are reused by the next `bind`.
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
  private readonly ports: readonly number[];

  constructor(options: DecapsulateOptions = {}) {
    this.ports = options.ports ?? DEFAULT_VXLAN_PORTS;
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

  /**
   * Checks every layer of frame[start, end) and points the views at it. Throws DecodeError: a
   * layer too short (`truncated`), an outer frame that is not IPv4/IPv6 or not UDP, a fragment, a
   * destination port that is not VXLAN (`unsupported`), bad IP/UDP lengths (`bad-length`), the
   * VXLAN I flag clear (`bad-value`), or an inner frame shorter than an Ethernet header.
   */
  bind(frame: Uint8Array, start = 0, end = frame.length): this {
    const eth = this.ethernet.bind(frame, start, end);
    let etherType = eth.etherType;
    let at = eth.payloadOffset;
    let typeAt = start + 12;
    let tags = 0;
    while (isTag(etherType)) {
      if (tags === MAX_OUTER_TAGS) {
        throw new DecodeError('unsupported', 'vxlan', typeAt, 'more than two VLAN tags on the outer frame');
      }
      const tag = this.vlanTags[tags++].bind(frame, at, end);
      typeAt = at + 2;
      etherType = tag.etherType;
      at = tag.payloadOffset;
    }
    this.vlanCount = tags;
    let protocol: number;
    let protocolAt: number;
    let ipEnd: number;
    let udpAt: number;
    if (etherType === EtherType.IPv4) {
      const ip = this.ipv4View.bind(frame, at, end);
      if (ip.isFragment) {
        throw new DecodeError(
          'unsupported',
          'vxlan',
          at + 6,
          'the outer IPv4 packet is a fragment; reassemble first',
        );
      }
      this.family = 4;
      protocol = ip.protocol;
      protocolAt = at + 9;
      ipEnd = ip.end;
      udpAt = ip.payloadOffset;
    } else if (etherType === EtherType.IPv6) {
      const ip = this.ipv6View.bind(frame, at, end);
      if (ip.isFragment) {
        throw new DecodeError(
          'unsupported',
          'vxlan',
          ip.fragmentHeaderOffset,
          'the outer IPv6 packet is a fragment; reassemble first',
        );
      }
      this.family = 6;
      protocol = ip.protocol;
      protocolAt = ip.extensionCount === 0 ? at + 6 : ip.payloadOffset;
      ipEnd = ip.end;
      udpAt = ip.payloadOffset;
    } else {
      throw new DecodeError(
        'unsupported',
        'vxlan',
        typeAt,
        `outer EtherType 0x${etherType.toString(16)} is not IPv4 or IPv6`,
      );
    }
    if (protocol !== IpProtocol.UDP) {
      throw new DecodeError('unsupported', 'vxlan', protocolAt, `outer IP protocol ${protocol} is not UDP`);
    }
    const udp = this.udp.bind(frame, udpAt, ipEnd);
    if (udp.end !== ipEnd) {
      throw new DecodeError(
        'bad-length',
        'vxlan',
        udpAt + 4,
        `UDP length ${udp.end - udpAt} disagrees with the ${ipEnd - udpAt} bytes the IP header gives it`,
      );
    }
    const port = udp.dstPort;
    if (!this.ports.includes(port)) {
      throw new DecodeError(
        'unsupported',
        'vxlan',
        udpAt + 2,
        `UDP destination port ${port} is not a VXLAN port`,
      );
    }
    const vxlan = this.vxlan.bind(frame, udp.payloadOffset, udp.end);
    if (!vxlan.hasVni) {
      throw new DecodeError(
        'bad-value',
        'vxlan',
        vxlan.start,
        'I flag clear: the VNI is not valid (RFC 7348 §5)',
      );
    }
    this.inner.bind(frame, vxlan.start + 8, vxlan.end);
    return this;
  }

  /** The outer addresses as the IpContext a checksum over the pseudo-header needs. */
  ipContext(): IpContext {
    return this.family === 4
      ? { family: 4, src: this.ipv4View.src, dst: this.ipv4View.dst }
      : { family: 6, src: this.ipv6View.src, dst: this.ipv6View.pseudoHeaderDst };
  }
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
