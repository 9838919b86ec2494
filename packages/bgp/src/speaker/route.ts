import type { AsPathSegment } from '../as-path.js';
import type { LargeCommunity, PathAttribute } from '../attributes.js';
import type { ExtendedCommunity } from '../extended-community.js';
import type { EvpnRouteSpec } from './evpn-routes.js';

/** Where a route came from: a peer (its address, AS, BGP identifier, iBGP or not), or this speaker. */
export interface RouteSource {
  /** The peer's address as configured; `local` for routes given to `announce`. */
  readonly peer: string;
  readonly asn: number;
  /** BGP Identifier as dotted text. */
  readonly routerId: string;
  readonly ibgp: boolean;
}

/** One path to a prefix, as held in an Adj-RIB-In, the Loc-RIB or an Adj-RIB-Out. */
export interface BgpRoute {
  /**
   * `10.1.0.0/24`, `2001:db8::/48` (host bits cleared); for EVPN the route key
   * (`[2]:[65000:100]:[0]:[48]:[aa:bb:cc:dd:ee:ff]`, see `evpnKey`).
   */
  readonly prefix: string;
  readonly family: 4 | 6 | 'evpn';
  /** The EVPN route (types 2 and 3), when `family` is `evpn`. */
  readonly evpn?: EvpnRouteSpec;
  /** RFC 7911 path identifier; 0 without ADD-PATH. */
  readonly pathId: number;
  readonly source: RouteSource;
  readonly nextHop: string;
  /** 0 IGP, 1 EGP, 2 incomplete. */
  readonly origin: number;
  readonly asPath: readonly AsPathSegment[];
  readonly med?: number;
  readonly localPref?: number;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly extendedCommunities: readonly ExtendedCommunity[];
  /** Every other attribute as received (ATOMIC_AGGREGATE, AGGREGATOR, OTC, unknown ones, …). */
  readonly otherAttributes: readonly PathAttribute[];
  /**
   * Kept from a peer that is restarting (RFC 4724 §4.2) until it sends the route again or End-of-RIB,
   * or inside an enhanced route refresh (RFC 7313) until it sends the route again or EoRR.
   */
  readonly stale?: boolean;
}

/** What `announce` takes and an export policy may return: the attributes of routes we send. */
export interface AnnounceAttributes {
  readonly origin?: number;
  /** AS numbers after ours (ours is prepended to eBGP peers). */
  readonly asPath?: readonly number[];
  /**
   * Default: the local address of each session (next-hop-self). An IPv6 next hop for IPv4
   * prefixes is sent to peers that negotiated extended next hop (RFC 8950).
   */
  readonly nextHop?: string;
  readonly med?: number;
  /** Sent to iBGP peers (default 100). */
  readonly localPref?: number;
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly LargeCommunity[];
  readonly extendedCommunities?: readonly ExtendedCommunity[];
}
