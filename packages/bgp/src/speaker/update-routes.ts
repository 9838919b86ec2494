import { formatIpv4, formatIpv6, formatPrefix, maskIpv4, maskIpv6, type Prefix } from '@cnikit/wire';
import { type AsPathSegment, mergeAs4Path } from '../as-path.js';
import { attributesToPassOn, type PathAttribute } from '../attributes.js';
import { buildUpdate, buildWithdrawal } from '../builders.js';
import { Afi, AS_TRANS, AsPathSegmentType, Safi } from '../constants.js';
import { maxMessageLength } from '../header.js';
import { messageLength } from '../message.js';
import type { Nlri } from '../nlri.js';
import { type BgpSession, fourOctetAs } from '../session.js';
import type { UpdateMessage, UpdateReading } from '../update.js';
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

function keys(list: readonly Nlri[]): RouteKey[] {
  const out: RouteKey[] = [];
  for (const n of list)
    if (n.kind === 'prefix') out.push({ prefix: prefixText(n.prefix), pathId: n.pathId ?? 0 });
  return out;
}

function mpNextHop(nh: Uint8Array): string {
  if (nh.length === 4) return formatIpv4(((nh[0] << 24) | (nh[1] << 16) | (nh[2] << 8) | nh[3]) >>> 0);
  // 16 octets global, or 32 with a link-local after it: the global one is the next hop.
  return formatIpv6(nh, 0);
}

/**
 * The routes of an UPDATE already read with `readUpdate` (unicast IPv4/IPv6 only; other
 * families are left out). With `treat-as-withdraw` every route of the message is withdrawn.
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
        if (isUnicast(a.afi, a.safi)) mp.push({ afi: a.afi, nextHop: mpNextHop(a.nextHop), nlri: a.nlri });
        break;
      case 'mp-unreach':
        if (isUnicast(a.afi, a.safi)) withdrawn.push(...keys(a.withdrawn));
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
    if (n.kind !== 'prefix') return;
    announced.push({
      prefix: prefixText(n.prefix),
      family: n.prefix.family,
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
  readonly prefix: string;
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

/** A string equal for routes that can share one UPDATE. */
export function attributesKey(r: OutgoingRoute): string {
  return JSON.stringify([
    r.prefix.includes(':') ? 6 : 4,
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

/** One UPDATE's worth of attributes for routes sharing `r`'s attributes. */
function updateFor(prefixes: readonly string[], r: OutgoingRoute, session: BgpSession): UpdateMessage {
  const built = buildUpdate(prefixes, {
    origin: r.origin,
    nextHop: r.nextHop,
    ...(r.med === undefined ? {} : { med: r.med }),
    ...(r.localPref === undefined ? {} : { localPref: r.localPref }),
    communities: r.communities,
    largeCommunities: r.largeCommunities,
    extendedCommunities: r.extendedCommunities,
  });
  const attributes: PathAttribute[] = [];
  for (const a of built.attributes) {
    if (a.kind === 'as-path') attributes.push(...asPathAttributes(r.asPath, session));
    else attributes.push(a);
  }
  attributes.push(...attributesToPassOn(r.otherAttributes));
  return { ...built, attributes };
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
  const max = maxMessageLength(session);
  const empty = messageLength(updateFor([], r, session), session);
  const v6 = r.prefix.includes(':');
  const per = Math.max(1, Math.floor((max - empty - 8) / (v6 ? 17 : 5)));
  const out: UpdateMessage[] = [];
  for (let i = 0; i < prefixes.length; i += per) out.push(updateFor(prefixes.slice(i, i + per), r, session));
  return out;
}

/** UPDATEs withdrawing `prefixes` of one family, split to fit the session. */
export function withdrawals(prefixes: readonly string[], session: BgpSession): UpdateMessage[] {
  const max = maxMessageLength(session);
  const per = Math.floor((max - 64) / (prefixes[0]?.includes(':') ? 17 : 5));
  const out: UpdateMessage[] = [];
  for (let i = 0; i < prefixes.length; i += per) out.push(buildWithdrawal(prefixes.slice(i, i + per)));
  return out;
}
