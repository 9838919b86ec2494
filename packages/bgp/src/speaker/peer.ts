import { connect, isIPv4, type Socket } from 'node:net';
import { formatIpv4 } from '@cnikit/wire';
import { buildOpen, endOfRibFamily, negotiateSession } from '../builders.js';
import { BgpRole, type Capability } from '../capabilities.js';
import { Afi, MessageType, Safi } from '../constants.js';
import { BgpDecodeError } from '../errors.js';
import { BgpFramer } from '../framer.js';
import { type BgpMessage, decodeMessage, encodeMessage } from '../message.js';
import type { NotificationMessage } from '../notification.js';
import { type OpenMessage, openAsn, openCapabilities } from '../open.js';
import type { AfiSafi, BgpSession } from '../session.js';
import { readUpdate, UpdateView } from '../update.js';
import { AdjRibIn, AdjRibOut } from './rib.js';
import type { AnnounceAttributes, BgpRoute, RouteSource } from './route.js';
import { backoff, FsmTimer, jitter, keepaliveInterval } from './timers.js';
import { applyTtl, type SetSocketOption, type TtlPolicy, ttlPolicy } from './transport.js';
import { routesOfUpdate, type UpdateRoutes } from './update-routes.js';

/** The RFC 4271 §8.2.2 states. */
export type PeerState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type Family = 'ipv4-unicast' | 'ipv6-unicast' | 'l2vpn-evpn';

export const FAMILIES: Readonly<Record<Family, AfiSafi>> = {
  'ipv4-unicast': { afi: Afi.Ipv4, safi: Safi.Unicast },
  'ipv6-unicast': { afi: Afi.Ipv6, safi: Safi.Unicast },
  'l2vpn-evpn': { afi: Afi.L2vpn, safi: Safi.Evpn },
};

export function familyName(afi: number, safi: number): Family | undefined {
  if (afi === Afi.L2vpn && safi === Safi.Evpn) return 'l2vpn-evpn';
  if (safi !== Safi.Unicast) return undefined;
  return afi === Afi.Ipv4 ? 'ipv4-unicast' : afi === Afi.Ipv6 ? 'ipv6-unicast' : undefined;
}

/** The AFI/SAFI of the MP_REACH/MP_UNREACH attribute an afisafi-disable error names (its data is the attribute). */
function failedFamily(e: BgpDecodeError): Family | undefined {
  const d = e.notification.data;
  if (d.length < 3) return undefined;
  const at = d[0] & 0x10 ? 4 : 3;
  if (d.length < at + 3) return undefined;
  return familyName((d[at] << 8) | d[at + 1], d[at + 2]);
}

/** The family of a route (`BgpRoute.family`). */
export function routeFamily(family: 4 | 6 | 'evpn'): Family {
  return family === 4 ? 'ipv4-unicast' : family === 6 ? 'ipv6-unicast' : 'l2vpn-evpn';
}

/** A BGP role (RFC 9234 §4.1): what this speaker is to the peer on one eBGP session. */
export type BgpRoleName = 'provider' | 'rs' | 'rs-client' | 'customer' | 'peer';

const ROLE_CODE: Readonly<Record<BgpRoleName, number>> = {
  provider: BgpRole.Provider,
  rs: BgpRole.RouteServer,
  'rs-client': BgpRole.RouteServerClient,
  customer: BgpRole.Customer,
  peer: BgpRole.Peer,
};

/** The role the other side must have (RFC 9234 §4.2: the allowed pairs). */
const COUNTERPART: Readonly<Record<BgpRoleName, BgpRoleName>> = {
  provider: 'customer',
  customer: 'provider',
  rs: 'rs-client',
  'rs-client': 'rs',
  peer: 'peer',
};

/** ADD-PATH (RFC 7911) per family: where we accept path identifiers and where we send several paths per prefix. */
export interface AddPathOptions {
  /** Families on which the peer may send us several paths per prefix. */
  readonly receive?: readonly Family[];
  /** Families on which we send the peer every path we hold per prefix (best first), each with its own path identifier. */
  readonly send?: readonly Family[];
  /** Most paths sent per prefix (default: all). */
  readonly sendMax?: number;
}

/** Decides what a peer is sent: false drops the route, attributes change it, true/undefined sends it as is. */
export type ExportPolicy = (route: BgpRoute, peer: PeerInfo) => boolean | undefined | AnnounceAttributes;

export interface PeerOptions {
  readonly address: string;
  readonly asn: number;
  /** TCP port of the peer (default 179). */
  readonly port?: number;
  /** Wait for the peer to connect; never connect out. */
  readonly passive?: boolean;
  /** Hold time we offer, seconds: 0 or at least 3 (default 90). */
  readonly holdTime?: number;
  /** Families we offer (default both unicast families; `l2vpn-evpn` only when listed). */
  readonly families?: readonly Family[];
  /** ADD-PATH: `true` receives path identifiers on every family we offer; or per family and direction. */
  readonly addPath?: boolean | AddPathOptions;
  /** Offer extended messages (RFC 8654): up to 65,535 octets per message once both sides offer it. */
  readonly extendedMessage?: boolean;
  /**
   * Offer extended next hop (RFC 8950) for IPv4 unicast: IPv4 routes may then carry an IPv6 next
   * hop both ways (what FRR's `capability extended-nexthop` does over an IPv6 session).
   */
  readonly extendedNextHop?: boolean;
  /** Source address of our connections (default: the speaker's listen host, when it names one). */
  readonly localAddress?: string;
  /** Source port of our connections (default: one the kernel picks). */
  readonly localPort?: number;
  /**
   * TTL (IPv6 hop limit) of the session's packets, e.g. 2+ for eBGP multihop. Needs the speaker's
   * `setsockopt`. Set once the connection exists: a SYN we send still leaves with the default TTL.
   */
  readonly ttl?: number;
  /**
   * GTSM (RFC 5082): send with TTL 255 and accept only 255 − (hops − 1) (`true`: hops 1). Needs the
   * speaker's `setsockopt`. Also set on the speaker's listening socket (its SYN-ACKs leave with
   * 255, SYNs under the minimum are dropped), which every peer connecting to it shares.
   */
  readonly gtsm?: boolean | { readonly hops: number };
  /**
   * TCP-MD5 key (RFC 2385, at most 80 octets), set on the speaker's listening socket for this
   * peer's address through the speaker's `setsockoptBytes`: the peer must connect to us (make it
   * `passive`), since Node opens outgoing sockets and connects in one step.
   */
  readonly password?: string;
  /** Next hop for routes sent to this peer (default: the session's local address for its family). */
  readonly nextHop?: { readonly ipv4?: string; readonly ipv6?: string };
  /** First ConnectRetry interval, seconds (default 5); it doubles after each failure up to `connectRetryMax`. */
  readonly connectRetryTime?: number;
  /** Cap of the back-off, seconds (default 120, RFC 4271 §10's ConnectRetryTime). */
  readonly connectRetryMax?: number;
  /**
   * Our BGP role on this eBGP session (RFC 9234): offered in the OPEN, a peer announcing a role
   * that does not pair with it gets OPEN error / Role Mismatch (2/11), as does a peer announcing
   * none when `strictRole`; routes get the OTC attribute rules on the way in and out.
   */
  readonly role?: BgpRoleName;
  readonly strictRole?: boolean;
  /** Route reflection (RFC 4456): this iBGP peer is our client; its routes are reflected to every iBGP peer, others' to it. */
  readonly routeReflectorClient?: boolean;
  /** Offer enhanced route refresh (RFC 7313; default true): refreshes are framed by BoRR/EoRR, and routes not repeated inside are swept. */
  readonly enhancedRouteRefresh?: boolean;
  readonly exportPolicy?: ExportPolicy;
  /**
   * Graceful restart as a receiving speaker (RFC 4724): offer the capability; when a peer that
   * offered it too loses its session without a NOTIFICATION, its routes are kept as stale until
   * it sends End-of-RIB after reconnecting, or its restart time passes.
   */
  readonly gracefulRestart?: boolean;
  /** DelayOpen (RFC 4271 §8.1.1), seconds: wait this long after the TCP connection for the peer's OPEN before sending ours. */
  readonly delayOpen?: number;
  /**
   * Most paths accepted from this peer: over it the session is closed with Cease / Maximum
   * Number of Prefixes Reached (RFC 4486), or with `warningOnly` an `error` event is emitted once.
   */
  readonly maxPrefixes?: { readonly limit: number; readonly warningOnly?: boolean };
}

/** A peer's state, readable at any time (like `birdc show protocols all`). */
export interface PeerInfo {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly ibgp: boolean;
  readonly passive: boolean;
  readonly state: PeerState;
  /** Peer's BGP Identifier once its OPEN arrived. */
  readonly routerId?: string;
  readonly localAddress?: string;
  /** Who opened the session's TCP connection. */
  readonly connection?: 'outgoing' | 'incoming';
  /** Negotiated hold time and keepalive interval, seconds. */
  readonly holdTime?: number;
  readonly keepaliveTime?: number;
  readonly families: readonly Family[];
  readonly fourOctetAs?: boolean;
  readonly routeRefresh?: boolean;
  readonly addPathReceive: readonly Family[];
  /** Families on which we send several paths per prefix (ADD-PATH send negotiated). */
  readonly addPathSend: readonly Family[];
  readonly extendedMessage?: boolean;
  /** Both sides offered enhanced route refresh (RFC 7313). */
  readonly enhancedRouteRefresh?: boolean;
  /** The role the peer announced (RFC 9234), once its OPEN arrived. */
  readonly remoteRole?: BgpRoleName;
  /** Both sides offered extended next hop for IPv4 unicast with IPv6 next hops. */
  readonly extendedNextHop?: boolean;
  readonly routesReceived: number;
  readonly routesSent: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  /** ms since the epoch when the session came up, while Established. */
  readonly establishedSince?: number;
  readonly lastError?: string;
  readonly lastNotification?: NotificationMessage;
  readonly localOpen?: OpenMessage;
  readonly remoteOpen?: OpenMessage;
  /** Families whose End-of-RIB the peer sent. */
  readonly endOfRibReceived: readonly Family[];
  /** Families disabled on this session after an RFC 7606 afisafi-disable error (the session stayed up). */
  readonly disabledFamilies: readonly Family[];
}

/** What a peer tells the speaker that owns it. */
export interface PeerHost {
  readonly asn: number;
  readonly routerId: number;
  readonly setsockopt?: SetSocketOption;
  stateChanged(peer: BgpPeer, from: PeerState, to: PeerState): void;
  established(peer: BgpPeer): void;
  down(peer: BgpPeer, reason: string, notification: NotificationMessage | undefined, sent: boolean): void;
  routes(peer: BgpPeer, routes: UpdateRoutes): void;
  endOfRib(peer: BgpPeer, family: Family): void;
  refreshRequested(peer: BgpPeer, family: Family): void;
  /** The family was disabled on the session (RFC 7606 afisafi-disable). */
  familyDisabled(peer: BgpPeer, family: Family): void;
  /** RFC 7313 BoRR (`begin`) or EoRR (`end`) from the peer. */
  refreshMarker(peer: BgpPeer, family: Family, marker: 'begin' | 'end'): void;
  error(peer: BgpPeer, error: Error): void;
}

const LARGE_HOLD_MS = 240_000;
const notify = (
  code: number,
  subcode: number,
  data: Uint8Array = new Uint8Array(0),
): NotificationMessage => ({
  type: 'notification',
  code,
  subcode,
  data,
});

/**
 * One configured peer and its RFC 4271 §8 state machine. Not created directly: `BgpSpeaker.addPeer`.
 */
export class BgpPeer {
  state: PeerState = 'Idle';
  readonly adjRibIn = new AdjRibIn();
  /** What we last sent. */
  readonly adjRibOut = new AdjRibOut();
  session: BgpSession = {};
  families: Family[] = [];
  localOpen: OpenMessage | undefined;
  remoteOpen: OpenMessage | undefined;
  private socket: Socket | undefined;
  private connecting: Socket | undefined;
  private framer = new BgpFramer();
  private readonly connectRetry = new FsmTimer(() => this.connectRetryExpired());
  private readonly hold = new FsmTimer(() => this.holdExpired());
  private readonly keepalive = new FsmTimer(() => this.keepaliveExpired());
  private readonly delayOpenTimer = new FsmTimer(() => this.sendOpen());
  private failures = 0;
  private stopped = true;
  private holdTime = 0;
  private keepaliveMs: number | undefined;
  private establishedSince: number | undefined;
  private lastError: string | undefined;
  private lastNotification: NotificationMessage | undefined;
  private messagesReceived = 0;
  private messagesSent = 0;
  private endOfRibReceived = new Set<Family>();
  /** Families disabled on this session after an RFC 7606 afisafi-disable error. */
  private readonly disabledFamilies = new Set<Family>();
  private readonly closing = new Set<Socket>();
  /** Second connections waiting for their OPEN (§6.8). */
  private readonly candidates = new Set<Socket>();
  /** Whether the session's connection was initiated by us. */
  private outgoing = false;
  readonly ibgp: boolean;
  readonly port: number;
  /** The TTL / minimum TTL the session's sockets get (ttl, gtsm). */
  readonly ttl: TtlPolicy | undefined;
  /** The peer's restart time (seconds) when both sides offered graceful restart on the last session. */
  peerRestartTime(): number | undefined {
    if (!this.options.gracefulRestart || !this.remoteOpen) return undefined;
    const gr = openCapabilities(this.remoteOpen).find((c) => c.kind === 'graceful-restart');
    return gr?.kind === 'graceful-restart' ? gr.restartTime : undefined;
  }

  /** The max-prefix warning was emitted for this session. */
  overLimitReported = false;

  constructor(
    readonly options: PeerOptions,
    private readonly host: PeerHost,
    private readonly defaultLocalAddress: string | undefined,
  ) {
    const hold = options.holdTime ?? 90;
    if (!Number.isInteger(hold) || hold < 0 || hold > 0xffff || hold === 1 || hold === 2)
      throw new RangeError(`bgp peer holdTime must be 0 or 3..65535, got ${hold}`);
    if (!Number.isInteger(options.asn) || options.asn < 1 || options.asn > 0xffffffff)
      throw new RangeError(`bgp peer asn must be 1..4294967295, got ${options.asn}`);
    const max = options.maxPrefixes?.limit;
    if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > 0xffffffff))
      throw new RangeError(`bgp peer maxPrefixes.limit must be 0..4294967295, got ${max}`);
    const addPath = options.addPath;
    const sendMax = typeof addPath === 'object' ? addPath.sendMax : undefined;
    if (sendMax !== undefined && (!Number.isInteger(sendMax) || sendMax < 1))
      throw new RangeError(`bgp peer addPath.sendMax must be a positive integer, got ${sendMax}`);
    this.ttl = ttlPolicy(options);
    if (this.ttl && !host.setsockopt)
      throw new RangeError(
        'bgp peer ttl/gtsm need the speaker option setsockopt (nativeNetlink().setsockopt of @cnikit/netlink)',
      );
    this.ibgp = options.asn === host.asn;
    this.port = options.port ?? 179;
  }

  get address(): string {
    return this.options.address;
  }

  /**
   * Where our routes' next hop points for this peer: IPv4 for IPv4 routes and EVPN (the VTEP),
   * IPv6 for IPv6 routes, or for IPv4 routes when extended next hop was negotiated and the
   * session runs over IPv6.
   */
  nextHopFor(family: 4 | 6 | 'evpn'): string | undefined {
    const v4 = family !== 6;
    const configured = v4 ? this.options.nextHop?.ipv4 : this.options.nextHop?.ipv6;
    if (configured) return configured;
    const local = this.socket?.localAddress?.replace(/^::ffff:/, '');
    if (!local) return undefined;
    if (isIPv4(local) === v4) return local;
    if (family === 4 && this.extendedNextHop()) return this.options.nextHop?.ipv6 ?? local;
    return undefined;
  }

  /** Both sides offered RFC 7313 enhanced route refresh. */
  enhancedRouteRefresh(): boolean {
    if (this.options.enhancedRouteRefresh === false || !this.remoteOpen) return false;
    return openCapabilities(this.remoteOpen).some((c) => c.kind === 'enhanced-route-refresh');
  }

  /** The role the peer's OPEN announced. */
  announcedRole(): BgpRoleName | undefined {
    const cap = this.remoteOpen && openCapabilities(this.remoteOpen).find((c) => c.kind === 'role');
    if (cap?.kind !== 'role') return undefined;
    return (Object.keys(ROLE_CODE) as BgpRoleName[]).find((r) => ROLE_CODE[r] === cap.role);
  }

  /** The peer's role for the OTC rules (RFC 9234 §5): the counterpart of ours, on eBGP sessions with a role configured. */
  remoteRole(): BgpRoleName | undefined {
    return this.options.role && !this.ibgp ? COUNTERPART[this.options.role] : undefined;
  }

  /** Both sides offered RFC 8950 extended next hop for IPv4 unicast over IPv6. */
  extendedNextHop(): boolean {
    if (!this.options.extendedNextHop || !this.remoteOpen) return false;
    return openCapabilities(this.remoteOpen).some(
      (c) =>
        c.kind === 'extended-next-hop' &&
        c.entries.some((e) => e.afi === Afi.Ipv4 && e.safi === Safi.Unicast && e.nextHopAfi === Afi.Ipv6),
    );
  }

  /** ADD-PATH send was negotiated for `family`: we send several paths per prefix, each with a path identifier. */
  addPathSend(family: Family): boolean {
    const { afi, safi } = FAMILIES[family];
    return (this.session.addPath ?? []).some(
      (a) => a.afi === afi && a.safi === safi && a.direction !== 'receive',
    );
  }

  info(): PeerInfo {
    const id = this.remoteOpen?.bgpId;
    const addPathReceive = (this.session.addPath ?? [])
      .filter((a) => a.direction !== 'send')
      .map((a) => familyName(a.afi, a.safi))
      .filter((f): f is Family => f !== undefined);
    const addPathSend = this.families.filter((f) => this.addPathSend(f));
    const caps = this.remoteOpen ? openCapabilities(this.remoteOpen) : [];
    return {
      address: this.address,
      port: this.port,
      asn: this.options.asn,
      ibgp: this.ibgp,
      passive: this.options.passive ?? false,
      state: this.state,
      ...(id === undefined ? {} : { routerId: formatIpv4(id) }),
      ...(this.socket?.localAddress
        ? { localAddress: this.socket.localAddress.replace(/^::ffff:/, '') }
        : {}),
      ...(this.socket ? { connection: this.outgoing ? ('outgoing' as const) : ('incoming' as const) } : {}),
      ...(this.state === 'OpenConfirm' || this.state === 'Established'
        ? {
            holdTime: this.holdTime,
            keepaliveTime: (this.keepaliveMs ?? 0) / 1000,
            fourOctetAs: this.session.fourOctetAs ?? false,
            routeRefresh: caps.some((c) => c.kind === 'route-refresh' || c.kind === 'route-refresh-old'),
            extendedMessage: this.session.extendedMessage ?? false,
            enhancedRouteRefresh: this.enhancedRouteRefresh(),
            ...(this.announcedRole() ? { remoteRole: this.announcedRole() } : {}),
            extendedNextHop: this.extendedNextHop(),
          }
        : {}),
      families: [...this.families],
      addPathReceive,
      addPathSend,
      routesReceived: this.adjRibIn.size,
      routesSent: this.adjRibOut.size,
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      ...(this.establishedSince === undefined ? {} : { establishedSince: this.establishedSince }),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.lastNotification === undefined ? {} : { lastNotification: this.lastNotification }),
      ...(this.localOpen ? { localOpen: this.localOpen } : {}),
      ...(this.remoteOpen ? { remoteOpen: this.remoteOpen } : {}),
      endOfRibReceived: [...this.endOfRibReceived],
      disabledFamilies: [...this.disabledFamilies],
    };
  }

  source(): RouteSource {
    return {
      peer: this.address,
      asn: this.options.asn,
      routerId: formatIpv4(this.remoteOpen?.bgpId ?? 0),
      ibgp: this.ibgp,
    };
  }

  /** ManualStart / AutomaticStart (RFC 4271 §8.1.2, events 1 and 3–5). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.state !== 'Idle') return;
    this.leaveIdle(0);
  }

  private leaveIdle(delayMs: number): void {
    if (this.options.passive) {
      this.setState('Active');
    } else if (delayMs > 0) {
      this.setState('Active');
      this.connectRetry.start(delayMs);
    } else {
      this.connectOut();
    }
  }

  private retryDelay(): number {
    const base = (this.options.connectRetryTime ?? 5) * 1000;
    const cap = (this.options.connectRetryMax ?? 120) * 1000;
    return jitter(backoff(base, this.failures, cap));
  }

  private connectOut(): void {
    this.setState('Connect');
    this.connectRetry.start(this.retryDelay());
    const local = this.options.localAddress ?? this.defaultLocalAddress;
    const s = connect({
      host: this.address,
      port: this.port,
      ...(local ? { localAddress: local } : {}),
      ...(this.options.localPort ? { localPort: this.options.localPort } : {}),
    });
    this.connecting = s;
    s.setNoDelay(true);
    const failed = () => {
      if (this.connecting !== s) return;
      this.connecting = undefined;
      s.destroy();
      // RFC 4271 §8.2.2 Connect state, TCP connection fails: to Active, ConnectRetryTimer running.
      if (this.state === 'Connect') {
        this.failures++;
        this.connectRetry.start(this.retryDelay());
        this.setState('Active');
      }
    };
    s.once('error', failed);
    s.once('close', failed);
    s.once('connect', () => {
      if (this.connecting !== s) return;
      this.connecting = undefined;
      s.removeListener('error', failed);
      s.removeListener('close', failed);
      if (this.socket && (this.state === 'OpenSent' || this.state === 'OpenConfirm')) this.candidate(s, true);
      else if (this.socket) this.release(s);
      else this.tcpUp(s, true);
    });
  }

  private connectRetryExpired(): void {
    if (this.stopped) return;
    if (this.state === 'Connect' || this.state === 'Active') {
      this.dropConnecting();
      if (!this.options.passive) this.connectOut();
    }
  }

  private dropConnecting(): void {
    const c = this.connecting;
    this.connecting = undefined;
    c?.destroy();
  }

  /**
   * An incoming connection from this peer's address. In Connect and Active it becomes the
   * session (an outgoing attempt still in flight is kept: it may collide); in OpenSent and
   * OpenConfirm it is a collision, resolved by BGP Identifier once its OPEN arrives (§6.8); in
   * Established it is closed with Cease / Connection Collision Resolution, in Idle refused.
   */
  incoming(s: Socket): void {
    s.setNoDelay(true);
    if (!this.stopped && (this.state === 'Connect' || this.state === 'Active') && !this.socket) {
      this.tcpUp(s, false);
    } else if (!this.stopped && this.socket && (this.state === 'OpenSent' || this.state === 'OpenConfirm')) {
      this.candidate(s, false);
    } else {
      this.sendOn(s, notify(6, this.state === 'Established' ? 7 : 5));
      this.release(s);
    }
  }

  /** A second connection while the first is in OpenSent/OpenConfirm: our OPEN on it, then wait for theirs. */
  private candidate(s: Socket, outgoing: boolean): void {
    this.applyTtl(s);
    const framer = new BgpFramer();
    this.candidates.add(s);
    s.on('error', () => {});
    s.on('close', () => this.candidates.delete(s));
    if (this.localOpen) this.sendOn(s, this.localOpen);
    s.on('data', (chunk: Buffer) => {
      if (!this.candidates.has(s)) return;
      let open: OpenMessage | undefined;
      let rest: Uint8Array[] = [];
      try {
        const messages = framer.push(chunk);
        if (messages.length === 0) return;
        const first = decodeMessage(messages[0]);
        if (first.type === 'open') open = first;
        rest = messages.slice(1);
      } catch {
        /* a broken second connection is dropped; the first one is not affected */
      }
      this.candidates.delete(s);
      s.removeAllListeners('data');
      if (!open) {
        this.release(s);
        return;
      }
      this.resolveCollision(s, outgoing, framer, open, rest);
    });
  }

  /**
   * RFC 4271 §6.8: the connection initiated by the speaker with the higher BGP Identifier
   * survives; the other gets Cease / Connection Collision Resolution.
   */
  private resolveCollision(
    s: Socket,
    outgoing: boolean,
    framer: BgpFramer,
    open: OpenMessage,
    rest: Uint8Array[],
  ): void {
    const cease = notify(6, 7);
    if (this.stopped || this.state === 'Established') {
      this.sendOn(s, cease);
      this.release(s);
      return;
    }
    const current = this.socket;
    if (current && (this.state === 'OpenSent' || this.state === 'OpenConfirm')) {
      const keepOutgoing = this.host.routerId >>> 0 > open.bgpId >>> 0;
      if (outgoing === this.outgoing || outgoing !== keepOutgoing) {
        this.sendOn(s, cease);
        this.release(s);
        return;
      }
      this.socket = undefined;
      this.sendOn(current, cease);
      this.release(current);
    }
    this.dropConnecting();
    this.attach(s, outgoing);
    this.framer = framer;
    this.session = {};
    this.hold.start(LARGE_HOLD_MS);
    this.keepalive.stop();
    if (this.state !== 'OpenSent') this.setState('OpenSent');
    try {
      this.messagesReceived++;
      this.openReceived(open);
      for (const m of rest) {
        if (this.socket !== s) return;
        this.messagesReceived++;
        this.message(m);
      }
    } catch (e) {
      this.decodeFailed(e);
    }
  }

  /** The peer's TTL policy on a connection (RFC 5082 GTSM, multihop TTL). */
  private applyTtl(s: Socket): void {
    const setsockopt = this.host.setsockopt;
    if (!this.ttl || !setsockopt) return;
    try {
      applyTtl(s, this.ttl, setsockopt, !isIPv4(s.remoteAddress ?? this.address));
    } catch (e) {
      this.host.error(this, e as Error);
    }
  }

  private attach(s: Socket, outgoing: boolean): void {
    this.applyTtl(s);
    this.connectRetry.stop();
    this.socket = s;
    this.outgoing = outgoing;
    s.on('data', (chunk: Buffer) => this.data(s, chunk));
    s.on('error', (e) => {
      if (this.socket === s) this.lastError = e.message;
    });
    s.on('close', () => {
      if (this.socket === s) this.down('connection closed by the peer', undefined, false);
    });
  }

  private tcpUp(s: Socket, outgoing: boolean): void {
    this.attach(s, outgoing);
    this.framer = new BgpFramer();
    this.session = {};
    this.endOfRibReceived.clear();
    this.disabledFamilies.clear();
    const caps: Capability[] = [];
    const offered = this.options.families ?? ['ipv4-unicast', 'ipv6-unicast'];
    for (const f of offered) caps.push({ kind: 'multiprotocol', ...FAMILIES[f] });
    caps.push({ kind: 'route-refresh' });
    caps.push({ kind: 'four-octet-as', asn: this.host.asn });
    if (this.options.gracefulRestart)
      caps.push({
        kind: 'graceful-restart',
        restartFlags: 0,
        restartTime: 120,
        families: offered.map((f) => ({ ...FAMILIES[f], flags: 0 })),
      });
    const addPath = this.options.addPath;
    if (addPath) {
      const receive = addPath === true ? offered : (addPath.receive ?? []);
      const send = addPath === true ? [] : (addPath.send ?? []);
      const families = offered
        .map((f) => ({
          ...FAMILIES[f],
          sendReceive: (receive.includes(f) ? 1 : 0) | (send.includes(f) ? 2 : 0),
        }))
        .filter((f) => f.sendReceive !== 0);
      if (families.length) caps.push({ kind: 'add-path', families });
    }
    if (this.options.extendedMessage) caps.push({ kind: 'extended-message' });
    if (this.options.enhancedRouteRefresh !== false) caps.push({ kind: 'enhanced-route-refresh' });
    if (this.options.role && !this.ibgp) caps.push({ kind: 'role', role: ROLE_CODE[this.options.role] });
    if (this.options.extendedNextHop && offered.includes('ipv4-unicast'))
      caps.push({
        kind: 'extended-next-hop',
        entries: [{ afi: Afi.Ipv4, safi: Safi.Unicast, nextHopAfi: Afi.Ipv6 }],
      });
    this.localOpen = buildOpen({
      asn: this.host.asn,
      bgpId: this.host.routerId,
      holdTime: this.options.holdTime ?? 90,
      capabilities: caps,
    });
    if (this.options.delayOpen) {
      // RFC 4271 §8.2.2 DelayOpen: stay in Connect/Active; send our OPEN when the timer fires or
      // theirs arrives, whichever is first.
      this.delayOpenTimer.start(this.options.delayOpen * 1000);
      return;
    }
    this.sendOpen();
  }

  private sendOpen(): void {
    this.delayOpenTimer.stop();
    if (this.localOpen) this.send(this.localOpen);
    this.hold.start(LARGE_HOLD_MS);
    this.setState('OpenSent');
  }

  private data(s: Socket, chunk: Buffer): void {
    if (this.socket !== s) return;
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch (e) {
      this.decodeFailed(e);
      return;
    }
    for (const m of messages) {
      if (this.socket !== s) return;
      this.messagesReceived++;
      try {
        this.message(m);
      } catch (e) {
        this.decodeFailed(e);
      }
    }
  }

  private decodeFailed(e: unknown): void {
    if (e instanceof BgpDecodeError) {
      this.host.error(this, e);
      const n = e.notification;
      this.fail(notify(n.code, n.subcode, n.data.slice()), `decode error: ${e.message}`);
      return;
    }
    // A bug of ours, not the peer's: reset the session rather than crash the process.
    const err = e instanceof Error ? e : new Error(String(e));
    this.host.error(this, err);
    this.fail(notify(6, 0), `internal error: ${err.message}`);
  }

  private message(m: Uint8Array): void {
    const type = m[18];
    if (this.state === 'Established' || this.state === 'OpenConfirm') this.restartHold();
    if (type === MessageType.Update && this.state === 'Established') {
      this.updateMessage(m);
      return;
    }
    const msg: BgpMessage = decodeMessage(m, this.session);
    if (msg.type === 'notification') {
      this.lastNotification = { ...msg, data: msg.data.slice() };
      this.down('NOTIFICATION received', this.lastNotification, false);
      return;
    }
    switch (this.state) {
      case 'Connect':
      case 'Active':
        if (!this.delayOpenTimer.running) return;
        if (msg.type !== 'open') {
          this.fail(notify(5, 0), `${msg.type} before OPEN`);
          return;
        }
        this.sendOpen();
        this.openReceived(msg);
        return;
      case 'OpenSent':
        if (msg.type !== 'open') {
          this.fail(notify(5, 1), `${msg.type} in OpenSent`);
          return;
        }
        this.openReceived(msg);
        return;
      case 'OpenConfirm':
        if (msg.type === 'keepalive') {
          this.toEstablished();
          return;
        }
        this.fail(notify(5, 2), `${msg.type} in OpenConfirm`);
        return;
      case 'Established':
        if (msg.type === 'keepalive') return;
        if (msg.type === 'route-refresh') {
          const f = familyName(msg.afi, msg.safi);
          if (!f || !this.families.includes(f)) return;
          if (msg.subtype === 0) this.host.refreshRequested(this, f);
          // RFC 7313 §4: BoRR and EoRR only count when enhanced route refresh was negotiated; other subtypes are ignored.
          else if ((msg.subtype === 1 || msg.subtype === 2) && this.enhancedRouteRefresh())
            this.host.refreshMarker(this, f, msg.subtype === 1 ? 'begin' : 'end');
          return;
        }
        this.fail(notify(5, 3), `${msg.type} in Established`);
        return;
      default:
        return;
    }
  }

  private openReceived(open: OpenMessage): void {
    if (open.version !== 4) {
      this.fail(notify(2, 1, new Uint8Array([0, 4])), `unsupported version ${open.version}`);
      return;
    }
    const asn = openAsn(open);
    if (asn !== this.options.asn) {
      const data = new Uint8Array([open.myAs >> 8, open.myAs & 0xff]);
      this.fail(notify(2, 2, data), `peer AS ${asn}, expected ${this.options.asn}`);
      return;
    }
    if (open.holdTime === 1 || open.holdTime === 2) {
      this.fail(notify(2, 6), `unacceptable hold time ${open.holdTime}`);
      return;
    }
    if (open.bgpId === 0 || (this.ibgp && open.bgpId === this.host.routerId)) {
      this.fail(notify(2, 3), `bad BGP identifier ${formatIpv4(open.bgpId)}`);
      return;
    }
    this.remoteOpen = open;
    const role = this.options.role;
    if (role && !this.ibgp) {
      // RFC 9234 §4.2: a role that does not pair with ours, or none when we are strict.
      const theirs = this.announcedRole();
      const announced = openCapabilities(open).some((c) => c.kind === 'role');
      if (announced ? theirs !== COUNTERPART[role] : this.options.strictRole) {
        this.fail(
          notify(2, 11),
          `role mismatch: we are ${role}, the peer ${theirs ?? (announced ? 'unknown' : 'none')}`,
        );
        return;
      }
    }
    const local = this.localOpen as OpenMessage;
    this.session = negotiateSession(local, open, this.ibgp);
    this.framer.setSession(this.session);
    const theirs = openCapabilities(open);
    const theirMp = theirs.filter((c) => c.kind === 'multiprotocol');
    const offered = this.options.families ?? ['ipv4-unicast', 'ipv6-unicast'];
    // RFC 4760 §8: a peer that sends no multiprotocol capability speaks IPv4 unicast only.
    this.families = offered.filter((f) =>
      theirMp.length === 0
        ? f === 'ipv4-unicast'
        : theirMp.some((c) => c.afi === FAMILIES[f].afi && c.safi === FAMILIES[f].safi),
    );
    this.holdTime = Math.min(local.holdTime, open.holdTime);
    this.keepaliveMs = keepaliveInterval(this.holdTime);
    this.send({ type: 'keepalive' });
    this.restartHold();
    this.scheduleKeepalive();
    this.setState('OpenConfirm');
  }

  private toEstablished(): void {
    this.failures = 0;
    this.establishedSince = Date.now();
    this.setState('Established');
    this.host.established(this);
  }

  private updateMessage(m: Uint8Array): void {
    const view = UpdateView.parse(m, 0, m.length, this.session);
    const reading = readUpdate(view);
    if (reading.action === 'session-reset') {
      this.decodeFailed(reading.errors[0]);
      return;
    }
    if (reading.action === 'afisafi-disable') {
      // RFC 7606 §3 / RFC 4760 §7: the family goes (its routes from this peer are dropped and it is
      // ignored from now on), the session stays; when the family cannot be told, the session is reset.
      const e = reading.errors[0];
      const f = failedFamily(e);
      if (!f || (!this.families.includes(f) && !this.disabledFamilies.has(f))) {
        this.decodeFailed(e);
        return;
      }
      if (!this.disabledFamilies.has(f)) {
        this.families = this.families.filter((x) => x !== f);
        this.disabledFamilies.add(f);
        this.host.familyDisabled(this, f);
      }
    }
    if (reading.errors.length) for (const e of reading.errors) this.host.error(this, e);
    const eor = endOfRibFamily(reading.update);
    if (eor && reading.errors.length === 0) {
      const f = familyName(eor.afi, eor.safi);
      if (f) {
        this.endOfRibReceived.add(f);
        this.host.endOfRib(this, f);
      }
      return;
    }
    const routes = routesOfUpdate(reading, this.source(), this.session);
    if (this.disabledFamilies.size === 0) {
      this.host.routes(this, routes);
      return;
    }
    const live = (prefix: string, family?: 4 | 6 | 'evpn') =>
      !this.disabledFamilies.has(
        routeFamily(family ?? (prefix.startsWith('[') ? 'evpn' : prefix.includes(':') ? 6 : 4)),
      );
    this.host.routes(this, {
      announced: routes.announced.filter((r) => live(r.prefix, r.family)),
      withdrawn: routes.withdrawn.filter((k) => live(k.prefix)),
    });
  }

  private restartHold(): void {
    if (this.holdTime > 0) this.hold.start(this.holdTime * 1000);
    else this.hold.stop();
  }

  private scheduleKeepalive(): void {
    if (this.keepaliveMs !== undefined) this.keepalive.start(jitter(this.keepaliveMs));
  }

  private keepaliveExpired(): void {
    if (this.state !== 'OpenConfirm' && this.state !== 'Established') return;
    this.send({ type: 'keepalive' });
    this.scheduleKeepalive();
  }

  private holdExpired(): void {
    this.fail(notify(4, 0), 'hold timer expired');
  }

  /** Sends a message on the session (no-op without one). */
  send(m: BgpMessage): void {
    const s = this.socket;
    if (!s) return;
    this.sendOn(s, m);
    this.messagesSent++;
    // RFC 4271 §10: a KEEPALIVE is due a keepalive interval after the last message sent.
    if (m.type === 'update' && this.state === 'Established') this.scheduleKeepalive();
  }

  private sendOn(s: Socket, m: BgpMessage): void {
    if (s.destroyed || !s.writable) return;
    s.write(encodeMessage(m, this.session));
  }

  /** Sends a NOTIFICATION and drops the session (RFC 4271 §6). */
  fail(n: NotificationMessage, reason: string): void {
    this.lastNotification = n;
    if (this.socket) this.sendOn(this.socket, n);
    this.down(reason, n, true);
  }

  /** Sends a BoRR (`begin`) or EoRR (`end`) marker for `family` (RFC 7313 §4). */
  sendRefreshMarker(family: Family, marker: 'begin' | 'end'): void {
    const { afi, safi } = FAMILIES[family];
    this.send({
      type: 'route-refresh',
      afi,
      safi,
      subtype: marker === 'begin' ? 1 : 2,
      data: new Uint8Array(0),
    });
  }

  /** Sends ROUTE-REFRESH for `family` when the peer supports it; false otherwise. */
  requestRefresh(family: Family): boolean {
    if (this.state !== 'Established' || !this.info().routeRefresh || !this.families.includes(family))
      return false;
    const { afi, safi } = FAMILIES[family];
    this.send({ type: 'route-refresh', afi, safi, subtype: 0, data: new Uint8Array(0) });
    return true;
  }

  private down(reason: string, n: NotificationMessage | undefined, sent: boolean): void {
    const s = this.socket;
    this.socket = undefined;
    if (s) this.release(s);
    this.hold.stop();
    this.keepalive.stop();
    this.connectRetry.stop();
    this.delayOpenTimer.stop();
    this.dropConnecting();
    for (const c of this.candidates) this.release(c);
    this.candidates.clear();
    this.lastError = reason;
    const was = this.state;
    this.establishedSince = undefined;
    this.adjRibOut.clear();
    this.overLimitReported = false;
    this.setState('Idle');
    if (was === 'Established') this.host.down(this, reason, n, sent);
    if (!this.stopped) {
      this.failures++;
      this.leaveIdle(this.options.passive ? 0 : this.retryDelay());
    }
  }

  private release(s: Socket): void {
    s.removeAllListeners('data');
    s.on('error', () => {});
    this.closing.add(s);
    s.once('close', () => this.closing.delete(s));
    s.end(() => s.destroy());
    setTimeout(() => s.destroy(), 500).unref();
  }

  /**
   * Stops the peer (ManualStop): sends `n` (a Cease) when a session is up, closes every socket
   * and timer; resolves once every socket is closed.
   */
  async stop(n: NotificationMessage, reason: string): Promise<void> {
    this.stopped = true;
    if (this.socket && this.state !== 'Connect' && this.state !== 'Active') {
      this.fail(n, reason);
    } else {
      this.down(reason, undefined, false);
    }
    await Promise.all(
      [...this.closing].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.destroyed && s.closed) resolve();
            else s.once('close', () => resolve());
          }),
      ),
    );
  }

  private setState(to: PeerState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.host.stateChanged(this, from, to);
  }
}
