import {
  formatIpv4,
  formatIpv6,
  formatPrefix,
  maskIpv4,
  maskIpv6,
  type Prefix,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  writeU32,
} from '@cnikit/wire';
import { type AsPathSegment, mergeAs4Path } from '../as-path.js';
import { attributesToPassOn, attributeType, type PathAttribute } from '../attributes.js';
import { Afi, AS_TRANS, AsPathSegmentType, Safi } from '../constants.js';
import { maxMessageLength } from '../header.js';
import { messageLength } from '../message.js';
import type { Nlri } from '../nlri.js';
import { type BgpSession, fourOctetAs } from '../session.js';
import type { UpdateMessage, UpdateReading } from '../update.js';
import { type EvpnRouteSpec, evpnKey, evpnRoute, evpnSpec } from './evpn-routes.js';
import type { AnnounceAttributes, BgpRoute, RouteSource } from './route.js';

/** A path named by prefix and path identifier (what a withdrawal carries). */
export interface RouteKey {
  readonly prefix: string;
  readonly pathId: number;
}

/** The routes an UPDATE announces and withdraws, read as RFC 7606 says. */
export interface UpdateRoutes {
  readonly announced: BgpRoute[];
  readonly withdrawn: RouteKey[];
}

export function prefixText(p: Prefix): string {
  return p.family === 4
    ? formatPrefix({ family: 4, address: maskIpv4(p.address, p.length), length: p.length })
    : formatPrefix({ family: 6, address: maskIpv6(p.address, p.length), length: p.length });
}

function isUnicast(afi: number, safi: number): boolean {
  return (afi === Afi.Ipv4 || afi === Afi.Ipv6) && safi === Safi.Unicast;
}

function isEvpn(afi: number, safi: number): boolean {
  return afi === Afi.L2vpn && safi === Safi.Evpn;
}

function keys(list: readonly Nlri[]): RouteKey[] {
  const out: RouteKey[] = [];
  for (const n of list) {
    if (n.kind === 'prefix') out.push({ prefix: prefixText(n.prefix), pathId: n.pathId ?? 0 });
    else if (n.kind === 'evpn') {
      const spec = evpnSpec(n.route, []);
      if (spec) out.push({ prefix: evpnKey(spec), pathId: n.pathId ?? 0 });
    }
  }
  return out;
}

function mpNextHop(nh: Uint8Array): string {
  if (nh.length === 4) return formatIpv4(((nh[0] << 24) | (nh[1] << 16) | (nh[2] << 8) | nh[3]) >>> 0);
  // 16 octets global, or 32 with a link-local after it: the global one is the next hop.
  return formatIpv6(nh, 0);
}

/**
 * The routes of an UPDATE already read with `readUpdate` (unicast IPv4/IPv6 and EVPN types 2
 * and 3; other families and EVPN types are left out). With `treat-as-withdraw` every route of the message is withdrawn.
 */
export function routesOfUpdate(
  reading: UpdateReading,
  source: RouteSource,
  session: BgpSession,
): UpdateRoutes {
  if (reading.action === 'treat-as-withdraw') return { announced: [], withdrawn: keys(reading.withdrawAll) };
  const u = reading.update;
  const withdrawn = keys(u.withdrawn);
  let origin = 0;
  let asPath: AsPathSegment[] = [];
  let as4Path: readonly AsPathSegment[] | undefined;
  let aggregator: { asn: number; hasAs4Aggregator: boolean } | undefined;
  let hasAs4Aggregator = false;
  let nextHop: string | undefined;
  let med: number | undefined;
  let localPref: number | undefined;
  let communities: readonly number[] = [];
  let largeCommunities: BgpRoute['largeCommunities'] = [];
  let extendedCommunities: BgpRoute['extendedCommunities'] = [];
  const other: PathAttribute[] = [];
  const mp: { afi: number; nextHop: string; nlri: readonly Nlri[] }[] = [];
  for (const a of u.attributes) {
    switch (a.kind) {
      case 'origin':
        origin = a.origin;
        break;
      case 'as-path':
        asPath = a.segments.map((s) => ({ type: s.type, asns: [...s.asns] }));
        break;
      case 'as4-path':
        as4Path = a.segments;
        break;
      case 'next-hop':
        nextHop = formatIpv4(a.nextHop);
        break;
      case 'med':
        med = a.med;
        break;
      case 'local-pref':
        localPref = a.localPref;
        break;
      case 'communities':
        communities = a.communities;
        break;
      case 'large-communities':
        largeCommunities = a.communities;
        break;
      case 'extended-communities':
        extendedCommunities = a.communities;
        break;
      case 'mp-reach':
        if (isUnicast(a.afi, a.safi) || isEvpn(a.afi, a.safi))
          mp.push({ afi: a.afi, nextHop: mpNextHop(a.nextHop), nlri: a.nlri });
        break;
      case 'mp-unreach':
        if (isUnicast(a.afi, a.safi) || isEvpn(a.afi, a.safi)) withdrawn.push(...keys(a.withdrawn));
        break;
      case 'aggregator':
        aggregator = { asn: a.asn, hasAs4Aggregator: false };
        other.push(a);
        break;
      case 'as4-aggregator':
        hasAs4Aggregator = true;
        other.push(a);
        break;
      default:
        other.push(a);
    }
  }
  if (!fourOctetAs(session)) {
    // RFC 6793 §4.2.3: a 2-octet peer's AS_PATH is rebuilt with its AS4_PATH.
    asPath = mergeAs4Path(asPath, as4Path, aggregator && { ...aggregator, hasAs4Aggregator });
  }
  const announced: BgpRoute[] = [];
  const add = (n: Nlri, hop: string) => {
    if (n.kind === 'raw') return;
    const evpn = n.kind === 'evpn' ? evpnSpec(n.route, other) : undefined;
    if (n.kind === 'evpn' && !evpn) return;
    announced.push({
      prefix: evpn ? evpnKey(evpn) : prefixText((n as Extract<Nlri, { kind: 'prefix' }>).prefix),
      family: evpn ? 'evpn' : (n as Extract<Nlri, { kind: 'prefix' }>).prefix.family,
      ...(evpn ? { evpn } : {}),
      pathId: n.pathId ?? 0,
      source,
      nextHop: hop,
      origin,
      asPath,
      ...(med === undefined ? {} : { med }),
      ...(localPref === undefined ? {} : { localPref }),
      communities,
      largeCommunities,
      extendedCommunities,
      otherAttributes: other,
    });
  };
  if (nextHop !== undefined) for (const n of u.nlri) add(n, nextHop);
  for (const m of mp) for (const n of m.nlri) add(n, m.nextHop);
  return { announced, withdrawn };
}

/** What we send for a route: its attributes after our AS and next hop are applied. */
export interface OutgoingRoute {
  /** The prefix, or an EVPN route's key. */
  readonly prefix: string;
  /** The path identifier we gave it, on a family with ADD-PATH send negotiated. */
  readonly pathId?: number;
  readonly evpn?: EvpnRouteSpec;
  readonly nextHop: string;
  readonly origin: number;
  readonly asPath: readonly AsPathSegment[];
  readonly med?: number;
  readonly localPref?: number;
  readonly communities: readonly number[];
  readonly largeCommunities: BgpRoute['largeCommunities'];
  readonly extendedCommunities: BgpRoute['extendedCommunities'];
  readonly otherAttributes: readonly PathAttribute[];
}

function outFamily(r: { readonly prefix: string; readonly evpn?: unknown }): 4 | 6 | 'evpn' {
  return r.evpn ? 'evpn' : r.prefix.includes(':') ? 6 : 4;
}

/** A string equal for routes that can share one UPDATE. */
export function attributesKey(r: OutgoingRoute): string {
  return JSON.stringify([
    outFamily(r),
    r.pathId ?? null,
    r.nextHop,
    r.origin,
    r.asPath,
    r.med ?? null,
    r.localPref ?? null,
    r.communities,
    r.largeCommunities,
    r.extendedCommunities,
    r.otherAttributes.map((a) => JSON.stringify(a, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v))),
  ]);
}

/** Converts `AnnounceAttributes` given by a user or a policy into what is sent. */
export function applyAnnounceAttributes(base: OutgoingRoute, a: AnnounceAttributes): OutgoingRoute {
  return {
    ...base,
    ...(a.origin === undefined ? {} : { origin: a.origin }),
    ...(a.asPath === undefined ? {} : { asPath: sequence(a.asPath) }),
    ...(a.nextHop === undefined ? {} : { nextHop: a.nextHop }),
    ...(a.med === undefined ? {} : { med: a.med }),
    ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
    ...(a.communities === undefined ? {} : { communities: a.communities }),
    ...(a.largeCommunities === undefined ? {} : { largeCommunities: a.largeCommunities }),
    ...(a.extendedCommunities === undefined ? {} : { extendedCommunities: a.extendedCommunities }),
  };
}

/** RFC 4271 §5.1.2: our AS goes first in the leading AS_SEQUENCE (a new one when that is full or absent). */
export function prependAs(asn: number, segments: readonly AsPathSegment[]): AsPathSegment[] {
  const first = segments[0];
  if (first && first.type === AsPathSegmentType.AsSequence && first.asns.length < 255)
    return [{ type: first.type, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  return [{ type: AsPathSegmentType.AsSequence, asns: [asn] }, ...segments];
}

export function sequence(asns: readonly number[]): AsPathSegment[] {
  return asns.length ? [{ type: AsPathSegmentType.AsSequence, asns: [...asns] }] : [];
}

function asPathAttributes(segments: readonly AsPathSegment[], session: BgpSession): PathAttribute[] {
  if (fourOctetAs(session) || segments.every((s) => s.asns.every((a) => a <= 0xffff)))
    return [{ kind: 'as-path', segments }];
  // RFC 6793 §4.2.2: to a 2-octet peer, AS_TRANS stands in and AS4_PATH carries the real path.
  return [
    {
      kind: 'as-path',
      segments: segments.map((s) => ({ type: s.type, asns: s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)) })),
    },
    { kind: 'as4-path', segments },
  ];
}

function addressBytes(text: string): Uint8Array {
  if (text.includes(':')) return parseIpv6(text);
  const b = new Uint8Array(4);
  writeU32(b, 0, parseIpv4(text));
  return b;
}

function nlriOf(r: {
  readonly prefix: string;
  readonly pathId?: number;
  readonly evpn?: EvpnRouteSpec;
}): Nlri {
  const id = r.pathId === undefined ? {} : { pathId: r.pathId };
  if (r.evpn) return { kind: 'evpn', route: evpnRoute(r.evpn), ...id };
  return { kind: 'prefix', prefix: parsePrefix(r.prefix), ...id };
}

const AFI_SAFI = {
  4: { afi: Afi.Ipv4, safi: Safi.Unicast },
  6: { afi: Afi.Ipv6, safi: Safi.Unicast },
  evpn: { afi: Afi.L2vpn, safi: Safi.Evpn },
} as const;

/**
 * One UPDATE announcing `routes`, all with `r`'s attributes: IPv4 prefixes with an IPv4 next hop
 * in the NLRI field with NEXT_HOP, everything else (IPv6, EVPN, IPv4 with an IPv6 next hop as RFC
 * 8950 allows) in MP_REACH_NLRI.
 */
function updateFor(routes: readonly OutgoingRoute[], r: OutgoingRoute, session: BgpSession): UpdateMessage {
  const family = outFamily(r);
  const nlri = routes.map(nlriOf);
  if (family === 6 && !r.nextHop.includes(':'))
    throw new RangeError(`bgp IPv6 prefixes need an IPv6 next hop, got ${r.nextHop}`);
  const inMp = family !== 4 || r.nextHop.includes(':');
  const attributes: PathAttribute[] = [
    { kind: 'origin', origin: r.origin },
    ...asPathAttributes(r.asPath, session),
  ];
  if (inMp)
    attributes.push({ kind: 'mp-reach', ...AFI_SAFI[family], nextHop: addressBytes(r.nextHop), nlri });
  else attributes.push({ kind: 'next-hop', nextHop: parseIpv4(r.nextHop) });
  if (r.med !== undefined) attributes.push({ kind: 'med', med: r.med });
  if (r.localPref !== undefined) attributes.push({ kind: 'local-pref', localPref: r.localPref });
  if (r.communities.length) attributes.push({ kind: 'communities', communities: r.communities });
  if (r.extendedCommunities.length)
    attributes.push({ kind: 'extended-communities', communities: r.extendedCommunities });
  if (r.largeCommunities.length)
    attributes.push({ kind: 'large-communities', communities: r.largeCommunities });
  attributes.push(...attributesToPassOn(r.otherAttributes));
  // RFC 4271 §5 orders nothing, but attributes sorted by type code are what daemons send.
  attributes.sort((a, b) => attributeType(a) - attributeType(b));
  return { type: 'update', withdrawn: [], attributes, nlri: inMp ? [] : nlri };
}

/** The most octets one NLRI entry of `family` takes (with a path identifier when `pathIds`). */
function entrySize(family: 4 | 6 | 'evpn', pathIds: boolean): number {
  return (family === 4 ? 5 : family === 6 ? 17 : 2 + 33 + 16 + 3) + (pathIds ? 4 : 0);
}

/**
 * UPDATEs announcing `routes`, which share the attributes of their first (same `attributesKey`),
 * as many per message as the session's maximum message length allows (RFC 8654: 65,535 octets
 * when extended messages were negotiated).
 */
export function announceRoutes(routes: readonly OutgoingRoute[], session: BgpSession): UpdateMessage[] {
  if (routes.length === 0) return [];
  const r = routes[0];
  const max = maxMessageLength(session);
  const empty = messageLength(updateFor([], r, session), session);
  const per = Math.max(
    1,
    Math.floor(
      (max - empty - 8) /
        entrySize(
          outFamily(r),
          routes.some((x) => x.pathId !== undefined),
        ),
    ),
  );
  const out: UpdateMessage[] = [];
  for (let i = 0; i < routes.length; i += per) out.push(updateFor(routes.slice(i, i + per), r, session));
  return out;
}

/**
 * UPDATEs announcing `prefixes` with `r`'s attributes, as many prefixes per message as the
 * session's maximum message length allows.
 */
export function announcements(
  prefixes: readonly string[],
  r: OutgoingRoute,
  session: BgpSession,
): UpdateMessage[] {
  return announceRoutes(
    prefixes.map((prefix) => ({ ...r, prefix })),
    session,
  );
}

/** A route to withdraw: prefix or EVPN route, with the path identifier it was announced with. */
export interface WithdrawnRoute {
  readonly prefix: string;
  readonly pathId?: number;
  readonly evpn?: EvpnRouteSpec;
}

/** UPDATEs withdrawing `routes` (any families mixed), split by family and to fit the session. */
export function withdrawRoutes(routes: readonly WithdrawnRoute[], session: BgpSession): UpdateMessage[] {
  const max = maxMessageLength(session);
  const byFamily = new Map<4 | 6 | 'evpn', WithdrawnRoute[]>();
  for (const r of routes) {
    const f = outFamily(r);
    const list = byFamily.get(f);
    if (list) list.push(r);
    else byFamily.set(f, [r]);
  }
  const out: UpdateMessage[] = [];
  for (const [family, list] of byFamily) {
    const per = Math.floor(
      (max - 64) /
        entrySize(
          family,
          list.some((x) => x.pathId !== undefined),
        ),
    );
    for (let i = 0; i < list.length; i += per) {
      const nlri = list.slice(i, i + per).map(nlriOf);
      out.push(
        family === 4
          ? { type: 'update', withdrawn: nlri, attributes: [], nlri: [] }
          : {
              type: 'update',
              withdrawn: [],
              attributes: [{ kind: 'mp-unreach', ...AFI_SAFI[family], withdrawn: nlri }],
              nlri: [],
            },
      );
    }
  }
  return out;
}

/** UPDATEs withdrawing `prefixes` of one family, split to fit the session. */
export function withdrawals(prefixes: readonly string[], session: BgpSession): UpdateMessage[] {
  return withdrawRoutes(
    prefixes.map((prefix) => ({ prefix })),
    session,
  );
}
