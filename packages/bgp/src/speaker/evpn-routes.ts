import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac, writeU32 } from '@cnikit/wire';
import type { PathAttribute } from '../attributes.js';
import { type EvpnRoute, formatRouteDistinguisher, parseRouteDistinguisher } from '../evpn.js';

/**
 * An EVPN route with VXLAN encapsulation (RFC 7432 §7, RFC 8365), as `announceEvpn` takes it and
 * as `BgpRoute.evpn` holds it: type 2 (MAC/IP advertisement) or type 3 (inclusive multicast
 * Ethernet tag, what a VTEP announces to be sent BUM traffic by ingress replication).
 */
export type EvpnRouteSpec =
  | {
      readonly type: 2;
      /** Route distinguisher: `65000:100`, `192.0.2.1:7`. */
      readonly rd: string;
      readonly ethernetTag?: number;
      readonly mac: string;
      /** The host's IPv4 or IPv6 address, when the route binds one to the MAC. */
      readonly ip?: string;
      /** The VXLAN network identifier, sent in the route's label field (RFC 8365 §5.1.3). */
      readonly vni: number;
      /** Ethernet segment identifier, 10 octets as colon-separated hex (default all zero). */
      readonly esi?: string;
    }
  | {
      readonly type: 3;
      readonly rd: string;
      readonly ethernetTag?: number;
      /** The VTEP address (also the ingress-replication tunnel endpoint). */
      readonly originatorIp: string;
      /** The VNI, sent in the PMSI tunnel attribute (RFC 8365 §5.1.3); absent when received without one. */
      readonly vni?: number;
    };

const ZERO_ESI = new Uint8Array(10);

function ipBytes(text: string): Uint8Array {
  if (text.includes(':')) return parseIpv6(text);
  const b = new Uint8Array(4);
  writeU32(b, 0, parseIpv4(text));
  return b;
}

function ipText(b: Uint8Array): string {
  return b.length === 4
    ? formatIpv4(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0)
    : formatIpv6(b);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

function esiBytes(text: string | undefined): Uint8Array {
  if (text === undefined) return ZERO_ESI;
  const parts = text.split(':');
  if (parts.length !== 10 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p)))
    throw new RangeError(`bgp EVPN esi must be 10 colon-separated octets, got ${JSON.stringify(text)}`);
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

/**
 * The RIB key of an EVPN route: its route distinguisher and the fields RFC 7432 §7 makes the
 * route key (type 2: Ethernet tag, MAC, IP; type 3: Ethernet tag, originator IP), written the way
 * FRR shows them: `[2]:[65000:100]:[0]:[48]:[aa:bb:cc:dd:ee:ff]:[32]:[10.1.1.5]`.
 */
export function evpnKey(spec: EvpnRouteSpec): string {
  const tag = spec.ethernetTag ?? 0;
  if (spec.type === 3) {
    const bits = spec.originatorIp.includes(':') ? 128 : 32;
    return `[3]:[${spec.rd}]:[${tag}]:[${bits}]:[${spec.originatorIp}]`;
  }
  const ip = spec.ip === undefined ? '' : `:[${spec.ip.includes(':') ? 128 : 32}]:[${spec.ip}]`;
  return `[2]:[${spec.rd}]:[${tag}]:[48]:[${spec.mac.toLowerCase()}]${ip}`;
}

/** The codec's route for `spec` (every field checked, RangeError naming it). */
export function evpnRoute(spec: EvpnRouteSpec): EvpnRoute {
  const rd = parseRouteDistinguisher(spec.rd);
  const ethernetTag = spec.ethernetTag ?? 0;
  if (spec.type === 3) return { routeType: 3, rd, ethernetTag, originatorIp: ipBytes(spec.originatorIp) };
  if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff)
    throw new RangeError(`bgp EVPN vni must be 0..16777215, got ${spec.vni}`);
  return {
    routeType: 2,
    rd,
    esi: esiBytes(spec.esi),
    ethernetTag,
    mac: parseMac(spec.mac),
    ip: spec.ip === undefined ? new Uint8Array(0) : ipBytes(spec.ip),
    label: spec.vni,
  };
}

/** The spec of a received route of type 2 or 3 (undefined for other types); `attributes` give a type 3 its VNI. */
export function evpnSpec(r: EvpnRoute, attributes: readonly PathAttribute[]): EvpnRouteSpec | undefined {
  if ('value' in r) return undefined;
  if (r.routeType === 2) {
    const esi = r.esi.some((b) => b !== 0) ? { esi: hex(r.esi) } : {};
    return {
      type: 2,
      rd: formatRouteDistinguisher(r.rd),
      ethernetTag: r.ethernetTag,
      mac: formatMac(r.mac),
      ...(r.ip.length ? { ip: ipText(r.ip) } : {}),
      vni: r.label,
      ...esi,
    };
  }
  if (r.routeType === 3) {
    const pmsi = attributes.find((a) => a.kind === 'pmsi-tunnel');
    return {
      type: 3,
      rd: formatRouteDistinguisher(r.rd),
      ethernetTag: r.ethernetTag,
      originatorIp: ipText(r.originatorIp),
      ...(pmsi?.kind === 'pmsi-tunnel' ? { vni: pmsi.label } : {}),
    };
  }
  return undefined;
}

/** RFC 6514 §5 / RFC 8365 §5.1.3: the PMSI tunnel attribute of a type 3 route, ingress replication to its VTEP. */
export function pmsiFor(spec: EvpnRouteSpec): PathAttribute | undefined {
  if (spec.type !== 3 || spec.vni === undefined) return undefined;
  if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff)
    throw new RangeError(`bgp EVPN vni must be 0..16777215, got ${spec.vni}`);
  return {
    kind: 'pmsi-tunnel',
    tunnelFlags: 0,
    tunnelType: 6,
    label: spec.vni,
    tunnelId: ipBytes(spec.originatorIp),
  };
}
