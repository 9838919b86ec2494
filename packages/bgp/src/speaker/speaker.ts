import { EventEmitter, on } from 'node:events';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { parseIpv4, parsePrefix, type TypedEmitter } from '@cnikit/wire';
import type { PathAttribute } from '../attributes.js';
import { buildEndOfRib } from '../builders.js';
import { TunnelType } from '../extended-community.js';
import { type NotificationMessage, shutdownNotification } from '../notification.js';
import { bestRoute, compareRoutes, multipathRoutes } from './decision.js';
import { type EvpnRouteSpec, evpnKey, evpnRoute, pmsiFor } from './evpn-routes.js';
import {
  BgpPeer,
  type BgpRoleName,
  FAMILIES,
  type Family,
  type PeerHost,
  type PeerInfo,
  type PeerOptions,
  type PeerState,
  routeFamily,
} from './peer.js';
import { AdjRibIn, LocRib } from './rib.js';
import type { AnnounceAttributes, BgpRoute, RouteSource } from './route.js';
import {
  applyMd5,
  applyTtl,
  type SetSocketOption,
  type SetSocketOptionBytes,
  type TtlPolicy,
  tcpMd5Sig,
} from './transport.js';
import {
  announcements,
  announceRoutes,
  applyAnnounceAttributes,
  attributesKey,
  type OutgoingRoute,
  prefixText,
  prependAs,
  type RouteKey,
  sequence,
  type UpdateRoutes,
  type WithdrawnRoute,
  withdrawRoutes,
} from './update-routes.js';

export interface BgpSpeakerOptions {
  readonly asn: number;
  /** BGP Identifier, dotted IPv4 text. */
  readonly routerId: string;
  /** Where to accept connections (one socket for every peer); false: none (active peers only). */
  readonly listen?: { readonly host?: string; readonly port?: number } | false;
  /**
   * Route reflection (RFC 4456) CLUSTER_ID, dotted IPv4 text (default: `routerId`); used when a
   * peer is a `routeReflectorClient`.
   */
  readonly clusterId?: string;
  /**
   * ECMP: keep, besides the best path, the paths that tie with it down to eBGP-over-iBGP from the
   * same neighbouring AS with other next hops (`true`: up to 64), reported in `bestPathChange`.
   */
  readonly multipath?: boolean | { readonly maxPaths: number };
  /**
   * `setsockopt(fd, level, name, value)` for peers' `ttl` and `gtsm`: pass
   * `nativeNetlink().setsockopt` from @cnikit/netlink (Node has no IP_TTL / IP_MINTTL option).
   */
  readonly setsockopt?: SetSocketOption;
  /** `setsockopt` with a struct value, for peers' `password` (TCP-MD5): `nativeNetlink().setsockoptBytes`. */
  readonly setsockoptBytes?: SetSocketOptionBytes;
}

/** A best-path change of one prefix, for programming a FIB. */
export interface BestPathChange {
  readonly prefix: string;
  /** The new best path; undefined when the prefix is gone. */
  readonly best?: BgpRoute;
  readonly previous?: BgpRoute;
  /** With `multipath`: the equal-cost paths, best first (also when only this set changed). */
  readonly multipath?: readonly BgpRoute[];
}

export type BgpSpeakerEvents = {
  peerUp: (peer: PeerInfo) => void;
  /** `notification` is the NOTIFICATION sent (`sent`) or received, when there was one. */
  peerDown: (
    peer: PeerInfo,
    reason: string,
    notification: NotificationMessage | undefined,
    sent: boolean,
  ) => void;
  stateChange: (peer: PeerInfo, from: PeerState, to: PeerState) => void;
  update: (peer: PeerInfo, routes: UpdateRoutes) => void;
  endOfRib: (peer: PeerInfo, family: Family) => void;
  /**
   * ROUTE-REFRESH traffic from a peer: its request (`request`, answered by us), or the RFC 7313
   * markers around its answer (`begin`: its routes of the family are now stale; `end`: the stale
   * ones it did not repeat are gone).
   */
  routeRefresh: (peer: PeerInfo, family: Family, kind: 'request' | 'begin' | 'end') => void;
  bestPathChange: (change: BestPathChange) => void;
  /** Decode errors of peers' messages (the session may stay up: RFC 7606), socket errors. Emitted only when listened to. */
  error: (error: Error, peer?: PeerInfo) => void;
};

const LOCAL = 'local';

/**
 * RFC 9234 §5 ingress rules for a route from a peer whose role is `role`: undefined when it is a
 * leak (ineligible), else the route, with OTC = the peer's AS added when it comes from a
 * provider, peer or route server without one.
 */
export function otcIngress(route: BgpRoute, role: BgpRoleName, peerAsn: number): BgpRoute | undefined {
  const otc = route.otherAttributes.find((a) => a.kind === 'otc');
  if (otc && (role === 'customer' || role === 'rs-client')) return undefined;
  if (otc?.kind === 'otc' && role === 'peer' && otc.asn !== peerAsn) return undefined;
  if (!otc && (role === 'provider' || role === 'peer' || role === 'rs'))
    return { ...route, otherAttributes: [...route.otherAttributes, { kind: 'otc', asn: peerAsn }] };
  return route;
}

/**
 * A BGP-4 speaker: peers with their RFC 4271 §8 state machines, one listening socket for all,
 * Adj-RIBs-In, a Loc-RIB chosen by the §9.1 decision process, and Adj-RIBs-Out filled through
 * each peer's export policy.
 */
export class BgpSpeaker extends (EventEmitter as new () => TypedEmitter<BgpSpeakerEvents>) {
  readonly asn: number;
  readonly routerId: string;
  private readonly id: number;
  private readonly peers = new Map<string, BgpPeer>();
  private readonly locRib = new LocRib();
  private readonly local = new AdjRibIn();
  private server: Server | undefined;
  private readonly pending = new Map<BgpPeer, Set<string>>();
  private flushScheduled = false;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly listenHost: string | undefined;
  /** Resolves once the listening socket is bound (at once without one). */
  readonly listening: Promise<void>;
  private readonly localSource: RouteSource;
  private readonly setsockopt: SetSocketOption | undefined;
  private readonly setsockoptBytes: SetSocketOptionBytes | undefined;
  private readonly clusterId: number;
  private readonly maxPaths: number;
  private readonly multipaths = new Map<string, readonly BgpRoute[]>();

  constructor(options: BgpSpeakerOptions) {
    super();
    if (!Number.isInteger(options.asn) || options.asn < 1 || options.asn > 0xffffffff)
      throw new RangeError(`bgp speaker asn must be 1..4294967295, got ${options.asn}`);
    this.asn = options.asn;
    this.routerId = options.routerId;
    this.id = parseIpv4(options.routerId) >>> 0;
    if (this.id === 0) throw new RangeError('bgp speaker routerId must not be 0.0.0.0');
    this.localSource = { peer: LOCAL, asn: options.asn, routerId: options.routerId, ibgp: false };
    this.setsockopt = options.setsockopt;
    this.setsockoptBytes = options.setsockoptBytes;
    this.clusterId = options.clusterId === undefined ? this.id : parseIpv4(options.clusterId) >>> 0;
    const mp = options.multipath;
    this.maxPaths = mp === true ? 64 : mp ? mp.maxPaths : 1;
    if (!Number.isInteger(this.maxPaths) || this.maxPaths < 1)
      throw new RangeError(`bgp speaker multipath.maxPaths must be a positive integer, got ${this.maxPaths}`);
    const listen = options.listen ?? {};
    if (listen === false) {
      this.listening = Promise.resolve();
      return;
    }
    const host = listen.host;
    this.listenHost = host && host !== '0.0.0.0' && host !== '::' ? host : undefined;
    const server = createServer((s) => this.accept(s));
    this.server = server;
    this.listening = new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: listen.port ?? 179, ...(host ? { host } : {}) }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.report(e));
  }

  /** The bound port of the listening socket (useful with `listen: { port: 0 }`). */
  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  private accept(s: Socket): void {
    const remote = (s.remoteAddress ?? '').replace(/^::ffff:/, '');
    const peer = this.peers.get(remote);
    if (!peer || this.closed) {
      // Connections from addresses that are no peer of ours are refused (RFC 4271 §8: Idle refuses).
      s.destroy();
      return;
    }
    peer.incoming(s);
  }

  private readonly host: PeerHost = {
    asn: 0,
    routerId: 0,
    stateChanged: (peer, from, to) => this.emit('stateChange', peer.info(), from, to),
    established: (peer) => {
      this.emit('peerUp', peer.info());
      this.sendInitial(peer);
    },
    down: (peer, reason, n, sent) => {
      this.emit('peerDown', peer.info(), reason, n, sent);
      const restart = peer.peerRestartTime();
      // RFC 4724 §4.2: a session lost without a NOTIFICATION (TCP closed, or our hold timer) keeps the routes, stale.
      if (restart !== undefined && (n === undefined || (sent && n.code === 4))) this.keepStale(peer, restart);
      else this.dropPeerRoutes(peer);
    },
    routes: (peer, routes) => this.received(peer, routes),
    endOfRib: (peer, family) => {
      this.purgeStale(peer, family);
      this.emit('endOfRib', peer.info(), family);
    },
    refreshRequested: (peer, family) => {
      this.emit('routeRefresh', peer.info(), family, 'request');
      this.resend(peer, family);
    },
    familyDisabled: (peer, family) => {
      const gone = [...peer.adjRibIn.routes()].filter((r) => routeFamily(r.family) === family);
      for (const r of gone) peer.adjRibIn.delete(r.prefix, r.pathId);
      for (const r of [...peer.adjRibOut.routes()])
        if (routeFamily(r.evpn ? 'evpn' : r.prefix.includes(':') ? 6 : 4) === family)
          peer.adjRibOut.forget(r.prefix);
      for (const prefix of new Set(gone.map((r) => r.prefix))) this.decide(prefix);
    },
    refreshMarker: (peer, family, marker) => {
      if (marker === 'begin') {
        // RFC 7313 §4.2: every route of the family from this peer is stale until repeated or EoRR.
        for (const r of [...peer.adjRibIn.routes()])
          if (routeFamily(r.family) === family) peer.adjRibIn.set({ ...r, stale: true });
      } else {
        this.purgeStale(peer, family);
      }
      this.emit('routeRefresh', peer.info(), family, marker);
    },
    error: (peer, e) => this.report(e, peer.info()),
  };

  private report(e: Error, peer?: PeerInfo): void {
    if (this.listenerCount('error') > 0) this.emit('error', e, peer);
  }

  /** Adds a peer and starts it (connecting out unless `passive`). */
  addPeer(options: PeerOptions): PeerInfo {
    if (this.closed) throw new Error('bgp speaker is closed');
    if (!isIP(options.address))
      throw new RangeError(`bgp peer address must be an IP address, got ${options.address}`);
    if (this.peers.has(options.address)) throw new RangeError(`bgp peer ${options.address} exists already`);
    const host: PeerHost = Object.assign(Object.create(this.host) as PeerHost, {
      asn: this.asn,
      routerId: this.id,
      ...(this.setsockopt ? { setsockopt: this.setsockopt } : {}),
    });
    if (options.password !== undefined) {
      const server = this.server;
      const set = this.setsockoptBytes;
      if (!set || !server)
        throw new RangeError(
          'bgp peer password needs a listening speaker with setsockoptBytes (nativeNetlink().setsockoptBytes of @cnikit/netlink)',
        );
      tcpMd5Sig(options.address, options.password, false);
      const key = options.password;
      this.listening
        .then(() =>
          applyMd5(
            server,
            options.address,
            key,
            set,
            (server.address() as { family?: string } | null)?.family === 'IPv6',
          ),
        )
        .catch((e) => this.report(e as Error));
    }
    const peer = new BgpPeer(options, host, this.listenHost);
    const server = this.server;
    if (peer.ttl?.minTtl !== undefined && server && this.setsockopt) {
      // GTSM on the listening socket: SYNs under the minimum never make a connection, SYN-ACKs leave with 255.
      const set = this.setsockopt;
      const policy = peer.ttl as TtlPolicy;
      const v6 = () => (server.address() as { family?: string } | null)?.family === 'IPv6';
      this.listening.then(() => applyTtl(server, policy, set, v6())).catch((e) => this.report(e as Error));
    }
    this.peers.set(options.address, peer);
    peer.start();
    return peer.info();
  }

  /** Stops a peer with Cease / Peer De-configured (RFC 4486) and forgets it. */
  async removePeer(address: string): Promise<void> {
    const peer = this.peers.get(address);
    if (!peer) return;
    await peer.stop({ type: 'notification', code: 6, subcode: 3, data: new Uint8Array(0) }, 'peer removed');
    this.peers.delete(address);
    const server = this.server;
    if (peer.options.password !== undefined && server && this.setsockoptBytes && !this.closed) {
      // An empty key deletes the address's TCP-MD5 key from the listening socket.
      const v6 = (server.address() as { family?: string } | null)?.family === 'IPv6';
      applyMd5(server, address, '', this.setsockoptBytes, v6);
    }
  }

  /** Every peer's state. */
  peerInfo(): PeerInfo[];
  peerInfo(address: string): PeerInfo | undefined;
  peerInfo(address?: string): PeerInfo[] | PeerInfo | undefined {
    if (address !== undefined) return this.peers.get(address)?.info();
    return [...this.peers.values()].map((p) => p.info());
  }

  /** The Loc-RIB: the best path of every prefix. */
  routes(): BgpRoute[] {
    return [...this.locRib.routes()];
  }

  /** The best path to `prefix`. */
  bestPath(prefix: string): BgpRoute | undefined {
    return this.locRib.get(prefix);
  }

  /** A peer's Adj-RIB-In (every path it sent that was not withdrawn). */
  adjRibIn(address: string): BgpRoute[] {
    const p = this.peers.get(address);
    return p ? [...p.adjRibIn.routes()] : [];
  }

  /** What was sent to a peer and not withdrawn since. */
  adjRibOut(address: string): OutgoingRoute[] {
    const p = this.peers.get(address);
    return p ? [...p.adjRibOut.routes()] : [];
  }

  /** Sends ROUTE-REFRESH to a peer; false when it is not Established or did not offer route refresh. */
  requestRefresh(address: string, family: Family = 'ipv4-unicast'): boolean {
    return this.peers.get(address)?.requestRefresh(family) ?? false;
  }

  /**
   * Every best-path change as an async iterator (for a FIB programmer's loop); it ends when the
   * speaker closes or `signal` aborts. Changes are buffered while the loop body runs.
   */
  async *bestPathChanges(signal?: AbortSignal): AsyncGenerator<BestPathChange> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    this.closing.signal.addEventListener('abort', abort);
    signal?.addEventListener('abort', abort);
    try {
      for await (const [change] of on(this as unknown as EventEmitter, 'bestPathChange', {
        signal: stop.signal,
      }))
        yield change as BestPathChange;
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    } finally {
      this.closing.signal.removeEventListener('abort', abort);
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Originates `prefixes` with `attributes` (replacing earlier announcements of them). */
  announce(prefixes: readonly string[], attributes: AnnounceAttributes = {}): void {
    // Every field checked now (RangeError naming it), not when the UPDATE is written later.
    const samples = new Map<number, string>();
    for (const text of prefixes) samples.set(parsePrefix(text).family, text);
    for (const [family, sample] of samples) {
      const nextHop = attributes.nextHop ?? (family === 4 ? '0.0.0.0' : '::');
      const base = {
        prefix: sample,
        nextHop,
        origin: 0,
        asPath: [],
        communities: [],
        largeCommunities: [],
        extendedCommunities: [],
        otherAttributes: [],
      };
      announcements([sample], applyAnnounceAttributes(base, { ...attributes, nextHop }), {});
    }
    for (const text of prefixes) {
      const p = parsePrefix(text);
      this.originate(
        {
          prefix: prefixText(p),
          family: p.family,
          extendedCommunities: attributes.extendedCommunities ?? [],
          otherAttributes: [],
        },
        attributes,
      );
    }
  }

  /** Puts one route of ours into the local Adj-RIB-In and runs the decision process for it. */
  private originate(
    route: Pick<BgpRoute, 'prefix' | 'family' | 'evpn' | 'extendedCommunities' | 'otherAttributes'>,
    attributes: AnnounceAttributes,
  ): void {
    this.local.set({
      ...route,
      pathId: 0,
      source: this.localSource,
      nextHop: attributes.nextHop ?? '',
      origin: attributes.origin ?? 0,
      asPath: sequence(attributes.asPath ?? []),
      ...(attributes.med === undefined ? {} : { med: attributes.med }),
      ...(attributes.localPref === undefined ? {} : { localPref: attributes.localPref }),
      communities: attributes.communities ?? [],
      largeCommunities: attributes.largeCommunities ?? [],
    });
    this.decide(route.prefix);
  }

  /** Stops originating `prefixes`. */
  withdraw(prefixes: readonly string[]): void {
    for (const text of prefixes) {
      const prefix = prefixText(parsePrefix(text));
      if (this.local.delete(prefix, 0)) this.decide(prefix);
    }
  }

  /**
   * Originates EVPN routes (RFC 7432 types 2 and 3 with VXLAN, RFC 8365), sent to peers that
   * negotiated `l2vpn-evpn`. The encapsulation extended community (VXLAN) is added unless given;
   * a type 3 route gets the PMSI tunnel attribute (ingress replication to its originator, the
   * VNI as label). Route targets go in `attributes.extendedCommunities`. The next hop defaults
   * to each session's local IPv4 address (the VTEP).
   */
  announceEvpn(routes: readonly EvpnRouteSpec[], attributes: AnnounceAttributes = {}): void {
    const given = attributes.extendedCommunities ?? [];
    const extendedCommunities = given.some((c) => c.kind === 'encapsulation')
      ? given
      : [
          ...given,
          { kind: 'encapsulation' as const, type: 0x03, subtype: 0x0c, tunnelType: TunnelType.Vxlan },
        ];
    const checked = routes.map((spec) => {
      evpnRoute(spec);
      if (spec.type === 3 && spec.vni === undefined)
        throw new RangeError('bgp EVPN type 3 route needs a vni (for its PMSI tunnel attribute)');
      const pmsi = pmsiFor(spec);
      return { spec, other: pmsi ? [pmsi] : [] };
    });
    if (checked.length) {
      const sample: OutgoingRoute = {
        prefix: evpnKey(checked[0].spec),
        evpn: checked[0].spec,
        nextHop: attributes.nextHop ?? '0.0.0.0',
        origin: 0,
        asPath: [],
        communities: [],
        largeCommunities: [],
        extendedCommunities: [],
        otherAttributes: checked[0].other,
      };
      announceRoutes([applyAnnounceAttributes(sample, { ...attributes, extendedCommunities })], {});
    }
    for (const { spec, other } of checked) {
      this.originate(
        { prefix: evpnKey(spec), family: 'evpn', evpn: spec, extendedCommunities, otherAttributes: other },
        attributes,
      );
    }
  }

  /** Stops originating EVPN routes (matched by route key: RD, Ethernet tag, MAC/IP or originator). */
  withdrawEvpn(routes: readonly EvpnRouteSpec[]): void {
    for (const spec of routes) {
      const prefix = evpnKey(spec);
      if (this.local.delete(prefix, 0)) this.decide(prefix);
    }
  }

  private received(peer: BgpPeer, r: UpdateRoutes): void {
    const touched = new Set<string>();
    for (const k of r.withdrawn) if (peer.adjRibIn.delete(k.prefix, k.pathId)) touched.add(k.prefix);
    const role = peer.remoteRole();
    for (const received of r.announced) {
      const route = role ? otcIngress(received, role, peer.options.asn) : received;
      // RFC 4271 §9.1.2: a route whose AS_PATH holds our AS is unusable (loop); an eBGP peer's is
      // dropped, as is a route leak RFC 9234 §5 names (ineligible).
      if (
        !route ||
        (!peer.ibgp && route.asPath.some((s) => s.asns.includes(this.asn))) ||
        this.reflectedLoop(route)
      ) {
        if (peer.adjRibIn.delete(received.prefix, received.pathId)) touched.add(received.prefix);
        continue;
      }
      peer.adjRibIn.set(route);
      touched.add(route.prefix);
    }
    const max = peer.options.maxPrefixes;
    if (max && peer.adjRibIn.size > max.limit) {
      if (max.warningOnly) {
        if (!peer.overLimitReported)
          this.report(new Error(`peer ${peer.address} sent more than ${max.limit} prefixes`), peer.info());
        peer.overLimitReported = true;
      } else {
        // RFC 4486 §4: AFI, SAFI and the upper bound as data.
        const last = r.announced[r.announced.length - 1]?.family ?? 4;
        const { afi, safi } = FAMILIES[routeFamily(last)];
        const data = new Uint8Array([
          afi >>> 8,
          afi,
          safi,
          max.limit >>> 24,
          max.limit >>> 16,
          max.limit >>> 8,
          max.limit,
        ]);
        peer.fail({ type: 'notification', code: 6, subcode: 1, data }, `more than ${max.limit} prefixes`);
        return;
      }
    }
    this.emit('update', peer.info(), r);
    for (const prefix of touched) this.decide(prefix);
  }

  /** RFC 4456 §8: our own ORIGINATOR_ID or our CLUSTER_ID in the CLUSTER_LIST means the route looped. */
  private reflectedLoop(route: BgpRoute): boolean {
    for (const a of route.otherAttributes) {
      if (a.kind === 'originator-id' && a.originatorId >>> 0 === this.id) return true;
      if (a.kind === 'cluster-list' && a.clusterIds.some((c) => c >>> 0 === this.clusterId)) return true;
    }
    return false;
  }

  /** The equal-cost paths to `prefix` (with `multipath`), best first; just the best without. */
  multipath(prefix: string): readonly BgpRoute[] {
    const best = this.locRib.get(prefix);
    if (!best) return [];
    return this.multipaths.get(prefix) ?? [best];
  }

  private readonly staleTimers = new Map<BgpPeer, ReturnType<typeof setTimeout>>();

  private keepStale(peer: BgpPeer, restartSeconds: number): void {
    for (const r of [...peer.adjRibIn.routes()]) peer.adjRibIn.set({ ...r, stale: true });
    this.pending.delete(peer);
    clearTimeout(this.staleTimers.get(peer));
    const t = setTimeout(() => {
      this.staleTimers.delete(peer);
      for (const f of Object.keys(FAMILIES) as Family[]) this.purgeStale(peer, f);
    }, restartSeconds * 1000);
    this.staleTimers.set(peer, t);
  }

  /** Drops the peer's stale routes of one family (End-of-RIB, or the restart time passed). */
  private purgeStale(peer: BgpPeer, family: Family): void {
    const gone = [...peer.adjRibIn.routes()].filter((r) => r.stale && routeFamily(r.family) === family);
    for (const r of gone) peer.adjRibIn.delete(r.prefix, r.pathId);
    for (const prefix of new Set(gone.map((r) => r.prefix))) this.decide(prefix);
  }

  private dropPeerRoutes(peer: BgpPeer): void {
    const prefixes = [...peer.adjRibIn.prefixes()];
    peer.adjRibIn.clear();
    this.pending.delete(peer);
    for (const p of prefixes) this.decide(p);
  }

  /** RFC 4271 §9.1.2 for one prefix; on a change, the event and the Adj-RIBs-Out. */
  private decide(prefix: string): void {
    const candidates = this.candidates(prefix);
    this.prunePathIds(prefix, candidates);
    const best = bestRoute(candidates);
    const previous = this.locRib.get(prefix);
    let multipath: readonly BgpRoute[] | undefined;
    let multipathChanged = false;
    if (this.maxPaths > 1) {
      multipath = best ? multipathRoutes(best, candidates, this.maxPaths) : undefined;
      const before = this.multipaths.get(prefix);
      multipathChanged =
        (before?.length ?? 0) !== (multipath?.length ?? 0) ||
        (before ?? []).some((r, i) => multipath?.[i] !== r);
      if (multipath && multipath.length > 1) this.multipaths.set(prefix, multipath);
      else this.multipaths.delete(prefix);
    }
    if (best === previous && multipathChanged) {
      this.emit('bestPathChange', {
        prefix,
        ...(best ? { best, previous: best } : {}),
        ...(multipath ? { multipath } : {}),
      });
    }
    if (best === previous) {
      // Another path than the best changed: only ADD-PATH send peers see it.
      if (best)
        for (const p of this.peers.values())
          if (p.state === 'Established' && p.addPathSend(routeFamily(best.family))) this.queue(p, prefix);
      return;
    }
    this.locRib.set(prefix, best);
    this.emit('bestPathChange', {
      prefix,
      ...(best ? { best } : {}),
      ...(previous ? { previous } : {}),
      ...(multipath ? { multipath } : {}),
    });
    for (const p of this.peers.values()) if (p.state === 'Established') this.queue(p, prefix);
  }

  /** Every path to `prefix`: ours and each peer's Adj-RIB-In's. */
  private candidates(prefix: string): BgpRoute[] {
    const out: BgpRoute[] = [...this.local.paths(prefix)];
    for (const p of this.peers.values()) for (const r of p.adjRibIn.paths(prefix)) out.push(r);
    return out;
  }

  /** ADD-PATH send: the path identifier we give each path, by prefix, then by its source peer and their identifier. */
  private readonly pathIds = new Map<string, Map<string, number>>();

  private pathIdFor(route: BgpRoute): number {
    let ids = this.pathIds.get(route.prefix);
    if (!ids) {
      ids = new Map();
      this.pathIds.set(route.prefix, ids);
    }
    const key = `${route.source.peer}#${route.pathId}`;
    let id = ids.get(key);
    if (id === undefined) {
      const used = new Set(ids.values());
      for (id = 1; used.has(id); id++);
      ids.set(key, id);
    }
    return id;
  }

  private prunePathIds(prefix: string, candidates: readonly BgpRoute[]): void {
    const ids = this.pathIds.get(prefix);
    if (!ids) return;
    const live = new Set(candidates.map((r) => `${r.source.peer}#${r.pathId}`));
    for (const k of [...ids.keys()]) if (!live.has(k)) ids.delete(k);
    if (ids.size === 0) this.pathIds.delete(prefix);
  }

  private queue(peer: BgpPeer, prefix: string): void {
    let set = this.pending.get(peer);
    if (!set) {
      set = new Set();
      this.pending.set(peer, set);
    }
    set.add(prefix);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const work = [...this.pending];
    this.pending.clear();
    for (const [peer, prefixes] of work) {
      if (peer.state !== 'Established') continue;
      try {
        this.sendPrefixes(peer, prefixes);
      } catch (e) {
        // An export policy returned attributes that cannot be written: reported, not thrown from a timer.
        this.report(e as Error, peer.info());
      }
    }
  }

  /** The route as `peer` gets it (RFC 4271 §9.1.3 and §5.1), or undefined when it is not sent. */
  private exportRoute(peer: BgpPeer, best: BgpRoute | undefined): OutgoingRoute | undefined {
    if (!best) return undefined;
    const fromPeer = best.source.peer !== LOCAL;
    if (best.source.peer === peer.address) return undefined;
    // RFC 4271 §9.2: routes learned over iBGP are not passed to iBGP peers, unless we reflect them
    // (RFC 4456 §6): a client's routes to every iBGP peer, a non-client's to the clients.
    const reflect = fromPeer && best.source.ibgp && peer.ibgp;
    if (
      reflect &&
      !peer.options.routeReflectorClient &&
      !this.peers.get(best.source.peer)?.options.routeReflectorClient
    )
      return undefined;
    if (!peer.families.includes(routeFamily(best.family))) return undefined;
    const self = peer.nextHopFor(best.family);
    const nextHop = peer.ibgp && fromPeer ? best.nextHop : !fromPeer && best.nextHop ? best.nextHop : self;
    if (!nextHop) return undefined;
    let out: OutgoingRoute = {
      prefix: best.prefix,
      ...(best.evpn ? { evpn: best.evpn } : {}),
      nextHop,
      origin: best.origin,
      asPath: peer.ibgp ? best.asPath : prependAs(this.asn, best.asPath),
      // RFC 4271 §5.1.4: MED received from a neighbouring AS is not passed to other ASes.
      ...(best.med !== undefined && (!fromPeer || peer.ibgp) ? { med: best.med } : {}),
      ...(peer.ibgp ? { localPref: best.localPref ?? 100 } : {}),
      communities: best.communities,
      largeCommunities: best.largeCommunities,
      extendedCommunities: best.extendedCommunities,
      otherAttributes: reflect
        ? this.reflectedAttributes(best)
        : fromPeer
          ? best.otherAttributes.filter((a) => a.kind !== 'originator-id' && a.kind !== 'cluster-list')
          : best.otherAttributes,
    };
    if (!peer.ibgp) {
      const { localPref: _, ...rest } = out;
      out = rest;
    }
    const role = peer.remoteRole();
    if (role) {
      // RFC 9234 §5 egress: a route marked Only To Customer goes to no provider, peer or RS; one
      // without the mark gets our AS as OTC towards customers, peers and RS clients.
      const marked = out.otherAttributes.some((a) => a.kind === 'otc');
      if (marked && (role === 'provider' || role === 'peer' || role === 'rs')) return undefined;
      if (!marked && (role === 'customer' || role === 'peer' || role === 'rs-client'))
        out = { ...out, otherAttributes: [...out.otherAttributes, { kind: 'otc', asn: this.asn }] };
    }
    const policy = peer.options.exportPolicy;
    if (policy) {
      const verdict = policy(best, peer.info());
      if (verdict === false) return undefined;
      if (verdict && verdict !== true) {
        const changed = applyAnnounceAttributes(out, verdict);
        out =
          verdict.asPath && !peer.ibgp
            ? { ...changed, asPath: prependAs(this.asn, changed.asPath) }
            : changed;
      }
    }
    return out;
  }

  /** What `peer` should hold for `prefix`: the best path, or with ADD-PATH send every path (best first, up to `sendMax`). */
  private wanted(peer: BgpPeer, prefix: string): OutgoingRoute[] {
    const best = this.locRib.get(prefix);
    if (!best) return [];
    if (!peer.addPathSend(routeFamily(best.family))) {
      const out = this.exportRoute(peer, best);
      return out ? [out] : [];
    }
    const addPath = peer.options.addPath;
    const max = (typeof addPath === 'object' ? addPath.sendMax : undefined) ?? Number.POSITIVE_INFINITY;
    const list: OutgoingRoute[] = [];
    for (const path of this.candidates(prefix).sort(compareRoutes)) {
      if (list.length >= max) break;
      const out = this.exportRoute(peer, path);
      if (out) list.push({ ...out, pathId: this.pathIdFor(path) });
    }
    return list;
  }

  /** RFC 4456 §8: ORIGINATOR_ID (the originating peer's BGP Identifier) kept or added, our CLUSTER_ID first in CLUSTER_LIST. */
  private reflectedAttributes(route: BgpRoute): PathAttribute[] {
    const out: PathAttribute[] = [];
    let originator = false;
    let clusters: readonly number[] = [];
    for (const a of route.otherAttributes) {
      if (a.kind === 'originator-id') originator = true;
      if (a.kind === 'cluster-list') clusters = a.clusterIds;
      else out.push(a);
    }
    if (!originator)
      out.push({ kind: 'originator-id', originatorId: parseIpv4(route.source.routerId) >>> 0 });
    out.push({ kind: 'cluster-list', clusterIds: [this.clusterId, ...clusters] });
    return out;
  }

  private sendPrefixes(peer: BgpPeer, prefixes: Iterable<string>): void {
    const groups = new Map<string, OutgoingRoute[]>();
    const gone: WithdrawnRoute[] = [];
    for (const prefix of prefixes) {
      const wanted = this.wanted(peer, prefix);
      const before = peer.adjRibOut.paths(prefix);
      if (before) {
        const kept = new Set(wanted.map((o) => o.pathId ?? 0));
        for (const [id, sent] of [...before])
          if (!kept.has(id)) {
            peer.adjRibOut.delete(prefix, id);
            gone.push(sent.route);
          }
      }
      for (const out of wanted) {
        const id = out.pathId ?? 0;
        const key = attributesKey(out);
        // An EVPN route's label (VNI) and ESI are not part of its key but change what is sent.
        const sentKey = out.evpn ? `${key}${JSON.stringify(out.evpn)}` : key;
        if (before?.get(id)?.key === sentKey) continue;
        peer.adjRibOut.set(prefix, id, { key: sentKey, route: out });
        const g = groups.get(key);
        if (g) g.push(out);
        else groups.set(key, [out]);
      }
    }
    if (gone.length) for (const m of withdrawRoutes(gone, peer.session)) peer.send(m);
    for (const g of groups.values()) for (const m of announceRoutes(g, peer.session)) peer.send(m);
  }

  /** The whole Loc-RIB to a peer that just came up, then End-of-RIB per family (RFC 4724 §2). */
  private sendInitial(peer: BgpPeer): void {
    peer.adjRibOut.clear();
    this.sendPrefixes(
      peer,
      [...this.locRib.routes()].map((r) => r.prefix),
    );
    for (const f of peer.families) peer.send(buildEndOfRib(FAMILIES[f].afi, FAMILIES[f].safi));
  }

  /** Answers ROUTE-REFRESH: everything of the family again. */
  private resend(peer: BgpPeer, family: Family): void {
    const prefixes = [...this.locRib.routes()]
      .filter((r) => routeFamily(r.family) === family)
      .map((r) => r.prefix);
    for (const p of prefixes) peer.adjRibOut.forget(p);
    // RFC 7313 §4: with enhanced route refresh the answer is framed by BoRR and EoRR.
    const framed = peer.enhancedRouteRefresh();
    if (framed) peer.sendRefreshMarker(family, 'begin');
    this.sendPrefixes(peer, prefixes);
    if (framed) peer.sendRefreshMarker(family, 'end');
  }

  /**
   * Sends Cease / Administrative Shutdown with the RFC 9003 `message` to every peer with a
   * session, closes the listening socket, every connection and timer.
   */
  async close(message = 'speaker shut down'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const n = shutdownNotification(message);
    this.closing.abort();
    for (const t of this.staleTimers.values()) clearTimeout(t);
    this.staleTimers.clear();
    const server = this.server;
    const serverClosed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    await Promise.all([...this.peers.values()].map((p) => p.stop(n, 'administrative shutdown')));
    this.pending.clear();
    await serverClosed;
  }
}

export type { RouteKey };
