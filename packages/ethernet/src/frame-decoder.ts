import { DecodeError, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '@cnikit/wire';
import { ArpPacket } from './arp.js';
import { EtherType, IpProtocol } from './constants.js';
import { ETHERNET_HEADER_LENGTH, EthernetFrame } from './ethernet.js';
import { fail } from './fail.js';
import { Icmpv4Message } from './icmpv4.js';
import { Icmpv6Message } from './icmpv6.js';
import { IPV4_MIN_HEADER_LENGTH, Ipv4Packet } from './ipv4.js';
import { Ipv6Packet } from './ipv6.js';
import { TcpSegment } from './tcp.js';
import { UDP_HEADER_LENGTH, UdpDatagram } from './udp.js';
import { VlanTag } from './vlan.js';

/** ICMP and ICMPv6 messages start with 8 bytes of type, code, checksum and one 32-bit word. */
const ICMP_HEADER_LENGTH = 8;

/** A layer FrameDecoder decodes, named as its dissector names it. */
export type FrameLayer =
  | 'eth'
  | 'vlan'
  | 'ieee8021ad'
  | 'arp'
  | 'ip'
  | 'ipv6'
  | 'udp'
  | 'tcp'
  | 'icmp'
  | 'icmpv6';

/**
 * Why decoding stopped:
 * - `end`: the last layer carries nothing more (ARP, an empty payload);
 * - `payload`: UDP, TCP or ICMP payload follows, at [payloadStart, payloadEnd) (for ICMP: what
 *   follows the first 8 bytes, e.g. echo data or the quoted datagram of an error);
 * - `unknown`: the next layer is one FrameDecoder does not decode: `nextTable`/`nextKey` say which
 *   (`ethertype` 0x88cc, `ip.proto` 47, `link` 113, `ethertype` ≤ 1500 for an 802.3 length), and
 *   its bytes are [payloadStart, payloadEnd);
 * - `fragment`: an IP fragment past the first, whose bytes carry no upper-layer header;
 * - `error`: the bytes are malformed; `error` says which layer, where and why.
 */
export type FrameStop = 'end' | 'payload' | 'unknown' | 'fragment' | 'error';

/** FrameDecoder's compact stop state: Rest is `payload`, or `end` when the payload bounds are empty. */
const State = { Rest: 0, Unknown: 1, Fragment: 2, Error: 3 } as const;

/** What FrameDecoder's layer list holds: `Listed` = written as decoded; others = still to write. */
const Shape = { Listed: 0, EthIpUdp: 1 } as const;

/** Tables a FrameDecoder looks the next layer up in, as the dissectors name them. */
export type FrameTable = 'link' | 'ethertype' | 'ip.proto';

export interface FrameDecoderOptions {
  /** How many stacked 802.1Q/802.1ad tags to decode before giving up with `too-deep`. Default 4. */
  readonly maxVlanTags?: number;
}

/**
 * Decodes Ethernet / raw-IP frames into reusable views, like gopacket's DecodingLayerParser: one
 * view per layer type (and `maxVlanTags` VLAN views), rebound with `bind` on every call, so the
 * hot path allocates nothing. Read the views of the layers `layers[0, layerCount)` names; the
 * others still hold an earlier frame.
 *
 * `decode` never throws on bad bytes: it returns false and leaves the DecodeError in `error`
 * (layers decoded before the bad one stay readable). It decodes one IP header: IP-in-IP stops as
 * `unknown` at `ip.proto` 4 or 41, and the datagram an ICMP error quotes is left as its payload.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * for (const frame of frames) {
 *   if (!decoder.decode(frame)) { console.log(decoder.error?.message); continue; }
 *   if (decoder.has('tcp')) console.log(formatIpv4(decoder.ipv4.src), decoder.tcp.dstPort);
 *   if (decoder.stop === 'unknown') console.log(`no decoder for ${decoder.nextTable} ${decoder.nextKey}`);
 * }
 * ```
 */
export class FrameDecoder {
  readonly ethernet = new EthernetFrame();
  /** Views for stacked tags, outermost first; `vlanCount` of them hold this frame's tags. */
  readonly vlans: readonly VlanTag[];
  readonly arp = new ArpPacket();
  readonly ipv4 = new Ipv4Packet();
  readonly ipv6 = new Ipv6Packet();
  readonly udp = new UdpDatagram();
  readonly tcp = new TcpSegment();
  readonly icmpv4 = new Icmpv4Message();
  readonly icmpv6 = new Icmpv6Message();

  private readonly layerList: FrameLayer[];
  /** Which layers `layerList` should hold; the fast path leaves it to the getter to write them. */
  private layersOf: number = Shape.Listed;
  layerCount = 0;
  vlanCount = 0;
  /** The bytes after the last decoded layer (its payload; an unknown layer's bytes). */
  payloadStart = 0;
  payloadEnd = 0;
  // Why decoding stopped, in as few stores as the hot path can make; `stop`, `nextTable`,
  // `nextKey` and `error` are derived from these when asked.
  private state: number = State.Rest;
  private unknownTable: FrameTable = 'link';
  private unknownKey = -1;
  private lastError: DecodeError | undefined = undefined;

  constructor(options: FrameDecoderOptions = {}) {
    const maxVlanTags = options.maxVlanTags ?? 4;
    this.vlans = Array.from({ length: maxVlanTags }, () => new VlanTag());
    // eth, the tags, one network layer, one transport layer.
    this.layerList = new Array<FrameLayer>(maxVlanTags + 3).fill('eth');
  }

  /**
   * Decodes buf[start, end), a frame of pcap LINKTYPE `linkType` (1 Ethernet, 101 raw IP,
   * 228 IPv4, 229 IPv6). Returns true unless a layer was malformed (then `stop` is `error`).
   */
  decode(buf: Uint8Array, start = 0, end = buf.length, linkType: number = LINKTYPE_ETHERNET): boolean {
    return (
      (linkType === LINKTYPE_ETHERNET && this.decodeEthernetIpv4Udp(buf, start, end)) ||
      this.decodeAny(buf, start, end, linkType)
    );
  }

  /**
   * The common frame checked inline, without `bind` calls or a try block: Ethernet II, IPv4 (not
   * a fragment past the first; total length within the frame), UDP (length within the packet).
   * Anything else returns false and is decoded by `decodeAny` from scratch. Every condition here
   * is one under which the binds take their plain path, so the views end up bound alike.
   */
  private decodeEthernetIpv4Udp(buf: Uint8Array, start: number, end: number): boolean {
    const ip = start + ETHERNET_HEADER_LENGTH;
    if (end - ip < IPV4_MIN_HEADER_LENGTH || buf[start + 12] !== 0x08 || buf[start + 13] !== 0x00)
      return false;
    const b0 = buf[ip];
    const headerLength = (b0 & 0x0f) << 2;
    const ipEnd = ip + ((buf[ip + 2] << 8) | buf[ip + 3]);
    const udp = ip + headerLength;
    if (b0 >>> 4 !== 4 || headerLength < IPV4_MIN_HEADER_LENGTH || ipEnd < udp || ipEnd > end) return false;
    if (buf[ip + 9] !== IpProtocol.UDP || ((buf[ip + 6] & 0x1f) | buf[ip + 7]) !== 0) return false;
    if (ipEnd - udp < UDP_HEADER_LENGTH) return false;
    const udpEnd = udp + ((buf[udp + 4] << 8) | buf[udp + 5]);
    if (udpEnd - udp < UDP_HEADER_LENGTH || udpEnd > ipEnd) return false;
    const eth = this.ethernet;
    eth.buf = buf;
    eth.start = start;
    eth.end = end;
    const ip4 = this.ipv4;
    ip4.buf = buf;
    ip4.start = ip;
    ip4.end = ipEnd;
    ip4.truncated = false;
    const u = this.udp;
    u.buf = buf;
    u.start = udp;
    u.end = udpEnd;
    u.truncated = false;
    this.layersOf = Shape.EthIpUdp;
    this.layerCount = 3;
    this.vlanCount = 0;
    this.state = State.Rest;
    this.payloadStart = udp + UDP_HEADER_LENGTH;
    this.payloadEnd = udpEnd;
    return true;
  }

  private decodeAny(buf: Uint8Array, start: number, end: number, linkType: number): boolean {
    this.layersOf = Shape.Listed;
    this.layerCount = 0;
    this.vlanCount = 0;
    this.state = State.Rest;
    try {
      switch (linkType) {
        case LINKTYPE_ETHERNET:
          this.decodeEthernet(buf, start, end);
          break;
        case LINKTYPE_IPV4:
          this.decodeIpv4(buf, start, end);
          break;
        case LINKTYPE_IPV6:
          this.decodeIpv6(buf, start, end);
          break;
        case LINKTYPE_RAW:
          if (start >= end) fail('truncated', 'raw', start, 'no IP version nibble');
          if (buf[start] >>> 4 === 4) this.decodeIpv4(buf, start, end);
          else if (buf[start] >>> 4 === 6) this.decodeIpv6(buf, start, end);
          else this.unknown('link', linkType, start, end);
          break;
        default:
          this.unknown('link', linkType, start, end);
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.lastError = e;
      this.state = State.Error;
      this.payloadStart = start;
      this.payloadEnd = end;
      return false;
    }
    return true;
  }

  /** Why decoding stopped (see FrameStop). */
  get stop(): FrameStop {
    switch (this.state) {
      case State.Rest:
        return this.payloadStart < this.payloadEnd ? 'payload' : 'end';
      case State.Unknown:
        return 'unknown';
      case State.Fragment:
        return 'fragment';
      default:
        return 'error';
    }
  }
  /** With stop `unknown`: where the next layer would have been looked up, and the key. */
  get nextTable(): FrameTable {
    return this.state === State.Unknown ? this.unknownTable : 'link';
  }
  get nextKey(): number {
    return this.state === State.Unknown ? this.unknownKey : -1;
  }
  /** With stop `error`: what was wrong. */
  get error(): DecodeError | undefined {
    return this.state === State.Error ? this.lastError : undefined;
  }

  /** Layers decoded, outermost first; only `layers[0, layerCount)` belong to the last frame. */
  get layers(): FrameLayer[] {
    const list = this.layerList;
    if (this.layersOf === Shape.EthIpUdp) {
      list[0] = 'eth';
      list[1] = 'ip';
      list[2] = 'udp';
      this.layersOf = Shape.Listed;
    }
    return list;
  }

  /** Whether the last frame had this layer. */
  has(layer: FrameLayer): boolean {
    for (let i = 0; i < this.layerCount; i++) if (this.layers[i] === layer) return true;
    return false;
  }

  private push(layer: FrameLayer): void {
    this.layerList[this.layerCount++] = layer;
  }

  private unknown(table: FrameTable, key: number, start: number, end: number): void {
    this.state = State.Unknown;
    this.unknownTable = table;
    this.unknownKey = key;
    this.payloadStart = start;
    this.payloadEnd = end;
  }

  /** Stop `payload` (or `end` when start = end); `state` is already Rest. */
  private rest(start: number, end: number): void {
    this.payloadStart = start;
    this.payloadEnd = end;
  }

  private decodeEthernet(buf: Uint8Array, start: number, end: number): void {
    const eth = this.ethernet.bind(buf, start, end);
    this.push('eth');
    let etherType = eth.etherType;
    let at = eth.payloadOffset;
    const stop = eth.end;
    while (etherType === EtherType.VLAN || etherType === EtherType.QinQ) {
      if (this.vlanCount === this.vlans.length) failTooManyTags(at, this.vlans.length);
      const layer = etherType === EtherType.VLAN ? 'vlan' : 'ieee8021ad';
      const tag = this.vlans[this.vlanCount++];
      tag.layer = layer;
      tag.bind(buf, at, stop);
      this.push(layer);
      etherType = tag.etherType;
      at = tag.payloadOffset;
    }
    switch (etherType) {
      case EtherType.IPv4:
        this.decodeIpv4(buf, at, stop);
        return;
      case EtherType.IPv6:
        this.decodeIpv6(buf, at, stop);
        return;
      case EtherType.ARP:
        this.arp.bind(buf, at, stop);
        this.push('arp');
        this.rest(this.arp.end, this.arp.end);
        return;
      default:
        this.unknown('ethertype', etherType, at, stop);
        return;
    }
  }

  private decodeIpv4(buf: Uint8Array, start: number, end: number): void {
    const ip = this.ipv4.bind(buf, start, end);
    this.push('ip');
    if (ip.fragmentOffset !== 0) {
      this.state = State.Fragment;
      this.payloadStart = ip.payloadOffset;
      this.payloadEnd = ip.end;
      return;
    }
    this.decodeTransport(buf, ip.protocol, ip.payloadOffset, ip.end, ip.moreFragments);
  }

  private decodeIpv6(buf: Uint8Array, start: number, end: number): void {
    const ip = this.ipv6.bind(buf, start, end);
    this.push('ipv6');
    if (!ip.hasUpperLayer) {
      this.state = State.Fragment;
      this.payloadStart = ip.payloadOffset;
      this.payloadEnd = ip.end;
      return;
    }
    this.decodeTransport(buf, ip.protocol, ip.payloadOffset, ip.end, ip.isFragment);
  }

  /** In a first fragment the UDP length (and ICMPv6 options) may reach past this packet. */
  private decodeTransport(
    buf: Uint8Array,
    protocol: number,
    start: number,
    end: number,
    firstFragment: boolean,
  ): void {
    switch (protocol) {
      case IpProtocol.UDP: {
        const udp = this.udp.bind(buf, start, end, firstFragment);
        this.push('udp');
        this.rest(udp.payloadOffset, udp.end);
        return;
      }
      case IpProtocol.TCP: {
        const tcp = this.tcp.bind(buf, start, end);
        this.push('tcp');
        this.rest(tcp.payloadOffset, tcp.end);
        return;
      }
      case IpProtocol.ICMP: {
        const icmp = this.icmpv4.bind(buf, start, end);
        this.push('icmp');
        this.rest(icmp.payloadOffset, icmp.end);
        return;
      }
      case IpProtocol.ICMPv6: {
        const icmp = this.icmpv6.bind(buf, start, end, firstFragment);
        this.push('icmpv6');
        this.rest(Math.min(icmp.start + ICMP_HEADER_LENGTH, icmp.end), icmp.end);
        return;
      }
      default:
        this.unknown('ip.proto', protocol, start, end);
        return;
    }
  }
}

function failTooManyTags(at: number, max: number): never {
  fail('too-deep', 'vlan', at, `more than ${max} VLAN tags`);
}

/** What `decodeFrame` returns: the layers found, as plain objects. */
export interface DecodedFrame {
  readonly layers: FrameLayer[];
  readonly stop: FrameStop;
  readonly next?: { readonly table: FrameTable; readonly key: number; readonly offset: number };
  readonly error?: DecodeError;
  readonly payload: Uint8Array;
}

/**
 * Allocating convenience: decodes one frame with a fresh FrameDecoder and copies out which layers
 * were found. For many frames, reuse one FrameDecoder instead.
 */
export function decodeFrame(buf: Uint8Array, linkType: number = LINKTYPE_ETHERNET): DecodedFrame {
  const d = new FrameDecoder();
  d.decode(buf, 0, buf.length, linkType);
  return {
    layers: d.layers.slice(0, d.layerCount),
    stop: d.stop,
    ...(d.stop === 'unknown' ? { next: { table: d.nextTable, key: d.nextKey, offset: d.payloadStart } } : {}),
    ...(d.error ? { error: d.error } : {}),
    payload: buf.subarray(d.payloadStart, d.payloadEnd),
  };
}
