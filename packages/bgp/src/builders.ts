import { type Prefix, parseIpv4, parseIpv6, parsePrefix } from '@cnikit/wire';
import type { AsPathSegment } from './as-path.js';
import type { LargeCommunity, PathAttribute } from './attributes.js';
import type { Capability } from './capabilities.js';
import { Afi, AsPathSegmentType, Safi } from './constants.js';
import type { ExtendedCommunity } from './extended-community.js';
import type { Nlri } from './nlri.js';
import { type OpenMessage, openCapabilities, twoOctetAs } from './open.js';
import type { AddPathDirection, AfiSafi, BgpSession } from './session.js';
import type { UpdateMessage } from './update.js';

export interface RouteAttributes {
  /** 0 IGP (default), 1 EGP, 2 incomplete. */
  readonly origin?: number;
  /** AS_SEQUENCE, nearest AS first; empty for iBGP-originated routes. */
  readonly asPath?: readonly number[];
  /** IPv4 next hop (`192.0.2.1`) for IPv4 prefixes, IPv6 (`2001:db8::1`) for IPv6 ones (or IPv4 prefixes, RFC 8950). */
  readonly nextHop: string;
  /** IPv6 link-local next hop sent after the global one. */
  readonly linkLocalNextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly LargeCommunity[];
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  /** ADD-PATH path identifier given to every prefix. */
  readonly pathId?: number;
}

function toPrefix(p: string | Prefix): Prefix {
  return typeof p === 'string' ? parsePrefix(p) : p;
}

function toNlri(prefixes: readonly (string | Prefix)[], pathId: number | undefined): Nlri[] {
  return prefixes.map((p) =>
    pathId === undefined
      ? { kind: 'prefix', prefix: toPrefix(p) }
      : { kind: 'prefix', prefix: toPrefix(p), pathId },
  );
}

/**
 * An UPDATE announcing `prefixes` (text or Prefix, one family) with the attributes given: IPv4
 * prefixes with an IPv4 next hop go in the NLRI field with NEXT_HOP; IPv6 prefixes, or IPv4 ones
 * with an IPv6 next hop (RFC 8950), go in MP_REACH_NLRI.
 */
export function buildUpdate(prefixes: readonly (string | Prefix)[], attrs: RouteAttributes): UpdateMessage {
  const nlri = toNlri(prefixes, attrs.pathId);
  const families = new Set(nlri.map((n) => (n.kind === 'prefix' ? n.prefix.family : 0)));
  if (families.size > 1) throw new RangeError('bgp buildUpdate: prefixes of one family per UPDATE');
  const family = families.has(6) ? 6 : 4;
  const v6NextHop = attrs.nextHop.includes(':');
  const segments: AsPathSegment[] = attrs.asPath?.length
    ? [{ type: AsPathSegmentType.AsSequence, asns: [...attrs.asPath] }]
    : [];
  const list: PathAttribute[] = [
    { kind: 'origin', origin: attrs.origin ?? 0 },
    { kind: 'as-path', segments },
  ];
  const mp = family === 6 || v6NextHop;
  if (mp) {
    if (!v6NextHop && family === 6)
      throw new RangeError('bgp buildUpdate: IPv6 prefixes need an IPv6 next hop');
    const global = parseIpv6(attrs.nextHop);
    const nextHop = attrs.linkLocalNextHop
      ? new Uint8Array([...global, ...parseIpv6(attrs.linkLocalNextHop)])
      : global;
    list.push({
      kind: 'mp-reach',
      afi: family === 6 ? Afi.Ipv6 : Afi.Ipv4,
      safi: Safi.Unicast,
      nextHop,
      nlri,
    });
  } else {
    list.push({ kind: 'next-hop', nextHop: parseIpv4(attrs.nextHop) });
  }
  if (attrs.med !== undefined) list.push({ kind: 'med', med: attrs.med });
  if (attrs.localPref !== undefined) list.push({ kind: 'local-pref', localPref: attrs.localPref });
  if (attrs.communities?.length) list.push({ kind: 'communities', communities: [...attrs.communities] });
  if (attrs.extendedCommunities?.length)
    list.push({ kind: 'extended-communities', communities: [...attrs.extendedCommunities] });
  if (attrs.largeCommunities?.length)
    list.push({ kind: 'large-communities', communities: [...attrs.largeCommunities] });
  // RFC 4271 §5 orders nothing, but attributes sorted by type code are what daemons send.
  list.sort((a, b) => typeOrder(a) - typeOrder(b));
  return { type: 'update', withdrawn: [], attributes: list, nlri: mp ? [] : nlri };
}

function typeOrder(a: PathAttribute): number {
  const order: Partial<Record<PathAttribute['kind'], number>> = {
    origin: 1,
    'as-path': 2,
    'next-hop': 3,
    med: 4,
    'local-pref': 5,
    communities: 8,
    'mp-reach': 14,
    'extended-communities': 16,
    'large-communities': 32,
  };
  return order[a.kind] ?? 255;
}

/** An UPDATE withdrawing `prefixes` (IPv4 in the withdrawn routes field, IPv6 in MP_UNREACH_NLRI). */
export function buildWithdrawal(prefixes: readonly (string | Prefix)[], pathId?: number): UpdateMessage {
  const nlri = toNlri(prefixes, pathId);
  const v6 = nlri.filter((n) => n.kind === 'prefix' && n.prefix.family === 6);
  const v4 = nlri.filter((n) => n.kind === 'prefix' && n.prefix.family === 4);
  const attributes: PathAttribute[] = v6.length
    ? [{ kind: 'mp-unreach', afi: Afi.Ipv6, safi: Safi.Unicast, withdrawn: v6 }]
    : [];
  return { type: 'update', withdrawn: v4, attributes, nlri: [] };
}

/** The End-of-RIB marker of a family (RFC 4724 §2): empty UPDATE for IPv4 unicast, else an empty MP_UNREACH_NLRI. */
export function buildEndOfRib(afi: number = Afi.Ipv4, safi: number = Safi.Unicast): UpdateMessage {
  if (afi === Afi.Ipv4 && safi === Safi.Unicast)
    return { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  return {
    type: 'update',
    withdrawn: [],
    attributes: [{ kind: 'mp-unreach', afi, safi, withdrawn: [] }],
    nlri: [],
  };
}

/** Whether an UPDATE is an End-of-RIB marker; returns its family, else undefined. */
export function endOfRibFamily(m: UpdateMessage): AfiSafi | undefined {
  if (m.withdrawn.length || m.nlri.length) return undefined;
  if (m.attributes.length === 0) return { afi: Afi.Ipv4, safi: Safi.Unicast };
  const a = m.attributes[0];
  if (m.attributes.length === 1 && a.kind === 'mp-unreach' && a.withdrawn.length === 0)
    return { afi: a.afi, safi: a.safi };
  return undefined;
}

/**
 * An OPEN for `asn` (My AS is AS_TRANS when it needs 4 octets) with the capabilities given,
 * adding the 4-octet AS capability when the list lacks it. `bgpId` as dotted text or uint32.
 */
export function buildOpen(options: {
  readonly asn: number;
  readonly bgpId: string | number;
  readonly holdTime?: number;
  readonly capabilities: readonly Capability[];
}): OpenMessage {
  const caps = [...options.capabilities];
  if (!caps.some((c) => c.kind === 'four-octet-as')) caps.push({ kind: 'four-octet-as', asn: options.asn });
  return {
    type: 'open',
    version: 4,
    myAs: twoOctetAs(options.asn),
    holdTime: options.holdTime ?? 90,
    bgpId: typeof options.bgpId === 'string' ? parseIpv4(options.bgpId) : options.bgpId,
    parameters: [{ kind: 'capabilities', capabilities: caps }],
  };
}

/** The session both OPENs negotiate (RFC 6793, RFC 7911 §4, RFC 8654), seen from `local`'s side. */
export function negotiateSession(local: OpenMessage, remote: OpenMessage, ibgp: boolean): BgpSession {
  const mine = openCapabilities(local);
  const theirs = openCapabilities(remote);
  const has = (list: Capability[], kind: Capability['kind']) => list.some((c) => c.kind === kind);
  const addPath: (AfiSafi & { direction: AddPathDirection })[] = [];
  for (const c of mine) {
    if (c.kind !== 'add-path') continue;
    for (const f of c.families) {
      const peer = theirs
        .flatMap((t) => (t.kind === 'add-path' ? t.families : []))
        .find((p) => p.afi === f.afi && p.safi === f.safi);
      if (!peer) continue;
      const receive = (f.sendReceive & 1) !== 0 && (peer.sendReceive & 2) !== 0;
      const send = (f.sendReceive & 2) !== 0 && (peer.sendReceive & 1) !== 0;
      if (receive || send)
        addPath.push({
          afi: f.afi,
          safi: f.safi,
          direction: receive && send ? 'both' : receive ? 'receive' : 'send',
        });
    }
  }
  return {
    fourOctetAs: has(mine, 'four-octet-as') && has(theirs, 'four-octet-as'),
    extendedMessage: has(mine, 'extended-message') && has(theirs, 'extended-message'),
    ibgp,
    ...(addPath.length ? { addPath } : {}),
  };
}
