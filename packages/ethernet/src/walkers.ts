import {
  DecodeError,
  type LayerStep,
  type LayerWalker,
  LINK_TABLE,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  requireBytes,
} from '@cnikit/wire';
import { ArpPacket } from './arp.js';
import { MAX_8023_LENGTH } from './constants.js';
import { ETHERNET_HEADER_LENGTH, EthernetFrame } from './ethernet.js';
import { payloadEndBeforeFcs } from './ethernet-trailer.js';
import { ICMPV4_HEADER_LENGTH, Icmpv4Message } from './icmpv4.js';
import { Icmpv6Message } from './icmpv6.js';
import { IgmpMessage, igmpTypeIsOtherProtocol, igmpVersion } from './igmp.js';
import { IPV4_MIN_HEADER_LENGTH, Ipv4Packet } from './ipv4.js';
import { ipv4SourceRouteDestinationOffset } from './ipv4-options.js';
import { Ipv6Packet } from './ipv6.js';
import { TcpSegment } from './tcp.js';
import { UDP_HEADER_LENGTH, UdpDatagram } from './udp.js';
import { VLAN_TAG_LENGTH, VlanTag } from './vlan.js';

/*
 * Layer walkers for `dissectLayerPath` (`cnikit stats`): each is the twin of the dissector of the
 * same name. It validates through the same view `bind` (so the checks and DecodeErrors cannot
 * drift) and hands over exactly what the dissector's `next` holds, without building nodes.
 * Walkers run synchronously and never re-enter, so each keeps one view, bound anew per call.
 */

/** Shared by every hand-over that looks nothing up (`llc`, fragments, ICMP data). */
const NO_KEYS: readonly number[] = /* @__PURE__ */ Object.freeze([]);

const ETH: LayerStep = { field: 'eth' };
const ARP: LayerStep = { field: 'arp' };
const UDP: LayerStep = { field: 'udp' };
const TCP: LayerStep = { field: 'tcp' };
const ICMP: LayerStep = { field: 'icmp' };
const ICMPV6: LayerStep = { field: 'icmpv6' };
const IGMP: LayerStep = { field: 'igmp' };
const DATA: LayerStep = { field: 'data' };

const ethernetView = /* @__PURE__ */ new EthernetFrame();
const vlanView = /* @__PURE__ */ new VlanTag();
const qinqView = /* @__PURE__ */ new VlanTag();
const arpView = /* @__PURE__ */ new ArpPacket();
const ipv4View = /* @__PURE__ */ new Ipv4Packet();
const ipv6View = /* @__PURE__ */ new Ipv6Packet();
const udpView = /* @__PURE__ */ new UdpDatagram();
const tcpView = /* @__PURE__ */ new TcpSegment();
const icmpv4View = /* @__PURE__ */ new Icmpv4Message();
const icmpv6View = /* @__PURE__ */ new Icmpv6Message();
const igmpView = /* @__PURE__ */ new IgmpMessage();

/** Ethernet II → `ethertype`; IEEE 802.3 → its LLC data (bounded by the length field) to `llc`. */
export const walkEthernet: LayerWalker = (buf, start, end, context) => {
  const f = ethernetView.bind(buf, start, end);
  const type = f.etherType;
  const payloadStart = start + ETHERNET_HEADER_LENGTH;
  const payloadEnd = payloadEndBeforeFcs(payloadStart, end, context);
  return {
    field: ETH.field,
    next:
      type <= MAX_8023_LENGTH
        ? { table: 'llc', keys: NO_KEYS, start: payloadStart, end: Math.min(f.llcEnd, payloadEnd) }
        : { table: 'ethertype', keys: [type], start: payloadStart, end: payloadEnd },
  };
};

function walkTag(
  view: VlanTag,
  layer: 'vlan' | 'ieee8021ad',
  buf: Uint8Array,
  start: number,
  end: number,
): LayerStep {
  view.layer = layer;
  const type = view.bind(buf, start, end).etherType;
  const payloadStart = start + VLAN_TAG_LENGTH;
  return {
    field: layer,
    // Only the 802.1Q tag reads a type ≤ 1500 as an 802.3 length.
    next:
      layer === 'vlan' && type <= MAX_8023_LENGTH
        ? { table: 'llc', keys: NO_KEYS, start: payloadStart, end: Math.min(end, payloadStart + type) }
        : { table: 'ethertype', keys: [type], start: payloadStart, end },
  };
}

export const walkVlan: LayerWalker = (buf, start, end) => walkTag(vlanView, 'vlan', buf, start, end);

export const walkQinQ: LayerWalker = (buf, start, end) => walkTag(qinqView, 'ieee8021ad', buf, start, end);

/** ARP ends the frame; one cut short still counts as `arp`, then malformed (as the dissector). */
export const walkArp: LayerWalker = (buf, start, end) => {
  try {
    arpView.bind(buf, start, end);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { field: ARP.field, malformed: e };
  }
  return ARP;
};

/** IPv4: lenient total length (as the dissector), later fragments hand over no key, source routes pick the pseudo-header dst. */
export const walkIpv4: LayerWalker = (buf, start, end, context) => {
  const p = ipv4View.bind(buf, start, end, true);
  const hl = p.headerLength;
  const routeAt =
    hl > IPV4_MIN_HEADER_LENGTH
      ? ipv4SourceRouteDestinationOffset(buf, start + IPV4_MIN_HEADER_LENGTH, start + hl)
      : -1;
  const handOver = p.hasUpperLayer;
  const fragment = p.moreFragments && handOver && context.quoted !== true;
  const src = p.src;
  const dst =
    routeAt < 0
      ? p.dst
      : ((buf[routeAt] << 24) | (buf[routeAt + 1] << 16) | (buf[routeAt + 2] << 8) | buf[routeAt + 3]) >>> 0;
  const keys = handOver ? [p.protocol] : NO_KEYS;
  const layerEnd = p.end;
  const totalLength = p.totalLength;
  if (p.truncated && totalLength > 0 && context.reportedEnd !== undefined) {
    return {
      field: 'ip',
      next: {
        table: 'ip.proto',
        keys,
        start: start + hl,
        end: layerEnd,
        claimedEnd: Math.min(start + totalLength, context.reportedEnd),
        fragment,
        ip: { family: 4, src, dst },
      },
    };
  }
  return {
    field: 'ip',
    next: {
      table: 'ip.proto',
      keys,
      start: start + hl,
      end: layerEnd,
      fragment,
      ip: { family: 4, src, dst },
    },
  };
};

/** LINKTYPE_RAW: the version nibble picks the layer in `ip.version`. */
export const walkRawIp: LayerWalker = (buf, start, end) => ({
  field: 'raw',
  next: { table: 'ip.version', keys: start < end ? [buf[start] >>> 4] : NO_KEYS, start, end },
});

/** IPv6: strict unless quoted; a later fragment (any fragment when quoted) hands over no key. */
export const walkIpv6: LayerWalker = (buf, start, end, context) => {
  const quoted = context.quoted === true;
  const p = ipv6View.bind(buf, start, end, quoted);
  return {
    field: 'ipv6',
    next: {
      table: 'ip.proto',
      keys: (quoted ? !p.isFragment : p.hasUpperLayer) ? [p.protocol] : NO_KEYS,
      fragment: p.moreFragments && p.hasUpperLayer && !quoted,
      start: p.payloadOffset,
      end: p.end,
      ip: { family: 6, src: p.src, dst: p.pseudoHeaderDst },
    },
  };
};

/** UDP: ports sorted low first into `udp.port`; nothing when the datagram carries no payload. */
export const walkUdp: LayerWalker = (buf, start, end, context) => {
  const quoted = context.quoted === true;
  // A quoted datagram may be cut to its ports: the dissector shows them and stops.
  if (quoted && end - start < UDP_HEADER_LENGTH && end - start >= 4) return UDP;
  const u = udpView.bind(
    buf,
    start,
    end,
    quoted || context.claimedEnd !== undefined || context.fragment === true,
  );
  const stop = u.end;
  const payloadStart = start + UDP_HEADER_LENGTH;
  if (stop === payloadStart) return UDP;
  const src = (buf[start] << 8) | buf[start + 1];
  const dst = (buf[start + 2] << 8) | buf[start + 3];
  return {
    field: UDP.field,
    next: { table: 'udp.port', keys: src <= dst ? [src, dst] : [dst, src], start: payloadStart, end: stop },
  };
};

/** TCP: ports sorted low first into `tcp.port`; nothing when the segment carries no payload. */
export const walkTcp: LayerWalker = (buf, start, end, context) => {
  const quoted = context.quoted === true;
  if (quoted && end - start < 20 && end - start >= 4) return TCP;
  const t = tcpView.bind(buf, start, end, quoted || context.claimedEnd !== undefined);
  const headerEnd = t.headerEnd;
  if (headerEnd === end) return TCP;
  const src = (buf[start] << 8) | buf[start + 1];
  const dst = (buf[start + 2] << 8) | buf[start + 3];
  return {
    field: TCP.field,
    next: { table: 'tcp.port', keys: src <= dst ? [src, dst] : [dst, src], start: headerEnd, end },
  };
};

/** ICMPv4: errors hand the quoted datagram to raw IPv4 with `quoted`; other bodies go to `icmp.data`. */
export const walkIcmpv4: LayerWalker = (buf, start, end) => {
  const m = icmpv4View.bind(buf, start, end);
  const type = buf[start];
  const bodyStart =
    (type === 13 || type === 14) && end - start >= 20
      ? start + 20
      : (type === 17 || type === 18) && end - start >= 12
        ? start + 12
        : start + ICMPV4_HEADER_LENGTH;
  if (bodyStart >= end) return ICMP;
  if (m.isError) {
    return {
      field: ICMP.field,
      next: { table: LINK_TABLE, keys: [LINKTYPE_IPV4], start: bodyStart, end, quoted: true },
    };
  }
  return { field: ICMP.field, next: { table: 'icmp.data', keys: NO_KEYS, start: bodyStart, end } };
};

/** ICMPv6: errors (types 1-4) and a Redirect's Redirected Header option hand a quoted IPv6 packet to `link` 229. */
export const walkIcmpv6: LayerWalker = (buf, start, end, context) => {
  const m = icmpv6View.bind(buf, start, end, context.quoted === true);
  const type = buf[start];
  if (type >= 1 && type <= 4) {
    if (end <= start + 8) return ICMPV6;
    return {
      field: ICMPV6.field,
      next: { table: LINK_TABLE, keys: [LINKTYPE_IPV6], start: start + 8, end, quoted: true },
    };
  }
  if (type === 137) {
    const optionsEnd = m.optionsEnd;
    for (let i = m.optionsOffset; i < optionsEnd; i += buf[i + 1] * 8) {
      if (buf[i] === 4 && buf[i + 1] > 1) {
        return {
          field: ICMPV6.field,
          next: {
            table: LINK_TABLE,
            keys: [LINKTYPE_IPV6],
            start: i + 8,
            end: i + buf[i + 1] * 8,
            quoted: true,
          },
        };
      }
    }
  }
  return ICMPV6;
};

/** IGMP: the same checks as `dissectIgmp`; types of other protocols (DVMRP, PIMv1, …) are `data`. */
export const walkIgmp: LayerWalker = (buf, start, end, context) => {
  requireBytes('igmp', start, 1, end);
  const type = buf[start];
  if (igmpTypeIsOtherProtocol(type, context.ip?.family === 4 ? context.ip.dst : undefined)) return DATA;
  if (type === 0x1e || type === 0x1f) requireBytes('igmp', start, 24, end);
  else if (type < 16) requireBytes('igmp', start, 20, end);
  else {
    const claimed = (context.claimedEnd ?? end) - start;
    if (igmpVersion(type, claimed, start + 1 < end ? buf[start + 1] : 0) !== undefined) {
      igmpView.bind(buf, start, end);
    }
  }
  return IGMP;
};
