import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { readHostU16, readHostU32 } from './host-order.js';
import { formatAddress, formatIpv4At, ipBytes, splitPrefix } from './ip-text.js';
import type { NetlinkMessage } from './message.js';
import { AF_INET, AF_INET6 } from './netlink-constants.js';
import * as C from './rtnetlink-constants.js';

/** Route metrics (RTA_METRICS / RTAX_*). */
export interface RouteMetrics {
  lock?: number;
  mtu?: number;
  window?: number;
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
  cwnd?: number;
  advmss?: number;
  reordering?: number;
  hoplimit?: number;
  initcwnd?: number;
  features?: number;
  rtoMin?: number;
  initrwnd?: number;
  quickack?: number;
}
const METRICS: (keyof RouteMetrics)[] = [
  'lock',
  'mtu',
  'window',
  'rtt',
  'rttvar',
  'ssthresh',
  'cwnd',
  'advmss',
  'reordering',
  'hoplimit',
  'initcwnd',
  'features',
  'rtoMin',
  'initrwnd',
  'quickack',
];

/** One next hop of a multipath route (struct rtnexthop + RTA_GATEWAY). */
export interface NextHop {
  gateway?: string;
  oif?: number;
  /** `weight` as ip prints it (rtnh_hops + 1). */
  weight?: number;
  /** RTNH_F_* (4 = onlink). */
  flags?: number;
}

/** A route (RTM_NEWROUTE). `dst` is a prefix text, absent for the default route. */
export interface Route {
  family: number;
  dstLength: number;
  srcLength: number;
  tos: number;
  table: number;
  /** RTPROT_* (2 kernel, 3 boot, 4 static). */
  protocol: number;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  scope: number;
  /** RTN_* (1 unicast, 2 local, 3 broadcast, 6 blackhole, 7 unreachable). */
  type: number;
  /** RTM_F_* and RTNH_F_* flags. */
  flags: number;
  dst?: string;
  src?: string;
  gateway?: string;
  oif?: number;
  iif?: number;
  priority?: number;
  prefsrc?: string;
  metrics?: RouteMetrics;
  multipath?: NextHop[];
  mark?: number;
  pref?: number;
}

/** What `routes.add/replace/delete` send. */
export interface RouteSpec {
  /** `10.244.2.0/24`, `fd00::/64` or `default` (then `family` tells which, IPv4 by default). */
  dst: string;
  family?: 4 | 6;
  gateway?: string;
  oif?: number;
  /** Main (254) unless told. */
  table?: number;
  /** Boot (3) unless told, as iproute2. */
  protocol?: number;
  /** Link scope when there is no gateway, else universe, as iproute2 decides. */
  scope?: number;
  /** Unicast (1) unless told. */
  type?: number;
  priority?: number;
  prefsrc?: string;
  src?: string;
  metrics?: RouteMetrics;
  multipath?: NextHop[];
  /** The gateway is on the link even if no address says so (RTNH_F_ONLINK). */
  onlink?: boolean;
  tos?: number;
}

export const RTMSG_LEN = 12;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_NOWHERE = 255;

/** Writes an RTM_NEWROUTE/RTM_DELROUTE body. `forDelete` leaves protocol/scope as wildcards. */
export function writeRouteRequest(b: MessageBuilder, r: RouteSpec, forDelete = false): void {
  let family = r.family === 6 ? AF_INET6 : AF_INET;
  let dst: Uint8Array | undefined;
  let dstLength = 0;
  if (r.dst !== 'default') {
    const p = splitPrefix(r.dst);
    family = p.family;
    dst = p.bytes;
    dstLength = p.length;
  }
  const table = r.table ?? C.RT_TABLE_MAIN;
  const hasGateway = r.gateway !== undefined || (r.multipath !== undefined && r.multipath.length > 0);
  const at = b.reserve(RTMSG_LEN);
  b.u8At(at, family);
  b.u8At(at + 1, dstLength);
  b.u8At(at + 2, r.src ? splitPrefix(r.src).length : 0);
  b.u8At(at + 3, r.tos ?? 0);
  b.u8At(at + 4, table < 256 ? table : 0);
  b.u8At(at + 5, r.protocol ?? (forDelete ? 0 : 3));
  b.u8At(at + 6, r.scope ?? (forDelete ? RT_SCOPE_NOWHERE : hasGateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
  b.u8At(at + 7, r.type ?? 1);
  b.u32At(at + 8, r.onlink ? C.RTNH_F_ONLINK : 0);
  if (table >= 256) b.u32(C.RTA_TABLE, table);
  if (dst) b.bytes(C.RTA_DST, dst);
  if (r.src) b.bytes(C.RTA_SRC, splitPrefix(r.src).bytes);
  if (r.priority !== undefined) b.u32(C.RTA_PRIORITY, r.priority);
  if (r.prefsrc !== undefined) b.bytes(C.RTA_PREFSRC, ipBytes(r.prefsrc).bytes);
  if (r.gateway !== undefined) b.bytes(C.RTA_GATEWAY, ipBytes(r.gateway).bytes);
  if (r.oif !== undefined) b.u32(C.RTA_OIF, r.oif);
  if (r.metrics) {
    const m = b.nestStart(C.RTA_METRICS);
    METRICS.forEach((k, i) => {
      const v = r.metrics![k];
      if (v !== undefined) b.u32(i + 1, v);
    });
    b.nestEnd(m);
  }
  if (r.multipath && r.multipath.length > 0) {
    const mp = b.nestStart(C.RTA_MULTIPATH);
    for (const nh of r.multipath) {
      const h = b.reserve(8);
      b.u8At(h + 2, (nh.flags ?? 0) | (r.onlink ? C.RTNH_F_ONLINK : 0));
      b.u8At(h + 3, Math.max(0, (nh.weight ?? 1) - 1));
      b.u32At(h + 4, nh.oif ?? 0);
      if (nh.gateway !== undefined) b.bytes(C.RTA_GATEWAY, ipBytes(nh.gateway).bytes);
      b.u16At(h, b.pos - h);
    }
    b.nestEnd(mp);
  }
}

function readMultipath(c: AttributeCursor): NextHop[] {
  const hops: NextHop[] = [];
  const b = c.buf;
  let o = c.valueStart;
  while (c.valueEnd - o >= 8) {
    const len = readHostU16(b, o);
    if (len < 8 || len > c.valueEnd - o) {
      throw new DecodeError('bad-length', 'rtnetlink.route', o, `rtnexthop length ${len} does not fit`);
    }
    const nh: NextHop = { flags: b[o + 2], weight: b[o + 3] + 1, oif: readHostU32(b, o + 4) };
    const a = new AttributeCursor(b, o + 8, o + len, 'rtnetlink.route');
    while (a.next()) if (a.type === C.RTA_GATEWAY) nh.gateway = formatAddress(b, a.valueStart, a.valueEnd);
    hops.push(nh);
    o += (len + 3) & ~3;
  }
  return hops;
}

/** The attribute cursor of `decodeRoute` (which never runs inside itself), reused per route. */
const ROUTE_ATTRS = new AttributeCursor();

/** An address attribute as text: IPv4 (most routes) without a detour, `/length` for prefixes. */
function addressText(c: AttributeCursor, prefixLength?: number): string {
  if (c.length === 4) return formatIpv4At(c.buf, c.valueStart, prefixLength);
  const a = formatAddress(c.buf, c.valueStart, c.valueEnd);
  return prefixLength === undefined ? a : `${a}/${prefixLength}`;
}

/**
 * A route from RTM_NEWROUTE/RTM_DELROUTE. Dumps decode 100,000 of these at a time, so the
 * attributes are read first and the object is made once with its final set of properties (in the
 * common shapes as one literal), which keeps it small for the garbage collector.
 */
export function decodeRoute(m: NetlinkMessage): Route {
  const p = m.payloadStart;
  if (m.end - p < RTMSG_LEN) throw new DecodeError('truncated', 'rtnetlink.route', p, 'rtmsg needs 12 bytes');
  const b = m.buf;
  const dstLength = b[p + 1];
  const srcLength = b[p + 2];
  let table = b[p + 4];
  let dst: string | undefined;
  let src: string | undefined;
  let gateway: string | undefined;
  let oif: number | undefined;
  let iif: number | undefined;
  let priority: number | undefined;
  let prefsrc: string | undefined;
  let metrics: RouteMetrics | undefined;
  let multipath: NextHop[] | undefined;
  let mark: number | undefined;
  let pref: number | undefined;
  /** Set when an attribute other than dst, gateway, oif and table came. */
  let uncommon = false;
  const c = ROUTE_ATTRS.reset(b, p + RTMSG_LEN, m.end, 'rtnetlink.route');
  while (c.next()) {
    switch (c.type) {
      case C.RTA_DST:
        dst = addressText(c, dstLength);
        break;
      case C.RTA_GATEWAY:
        gateway = addressText(c);
        break;
      case C.RTA_OIF:
        oif = c.u32();
        break;
      case C.RTA_TABLE:
        table = c.u32();
        break;
      case C.RTA_SRC:
        src = addressText(c, srcLength);
        uncommon = true;
        break;
      case C.RTA_IIF:
        iif = c.u32();
        uncommon = true;
        break;
      case C.RTA_PRIORITY:
        priority = c.u32();
        uncommon = true;
        break;
      case C.RTA_PREFSRC:
        prefsrc = addressText(c);
        uncommon = true;
        break;
      case C.RTA_MARK:
        mark = c.u32();
        uncommon = true;
        break;
      case C.RTA_PREF:
        pref = c.u8();
        uncommon = true;
        break;
      case C.RTA_METRICS: {
        metrics = {};
        const n = c.nested();
        while (n.next()) {
          const k = METRICS[n.type - 1];
          if (k && n.length >= 4) metrics[k] = n.u32();
        }
        uncommon = true;
        break;
      }
      case C.RTA_MULTIPATH:
        multipath = readMultipath(c);
        uncommon = true;
        break;
    }
  }
  const family = b[p];
  const tos = b[p + 3];
  const protocol = b[p + 5];
  const scope = b[p + 6];
  const type = b[p + 7];
  const flags = readHostU32(b, p + 8);
  if (!uncommon && dst !== undefined && oif !== undefined) {
    return gateway === undefined
      ? { family, dstLength, srcLength, tos, table, protocol, scope, type, flags, dst, oif }
      : { family, dstLength, srcLength, tos, table, protocol, scope, type, flags, dst, gateway, oif };
  }
  const r: Route = { family, dstLength, srcLength, tos, table, protocol, scope, type, flags };
  if (dst !== undefined) r.dst = dst;
  if (src !== undefined) r.src = src;
  if (gateway !== undefined) r.gateway = gateway;
  if (oif !== undefined) r.oif = oif;
  if (iif !== undefined) r.iif = iif;
  if (priority !== undefined) r.priority = priority;
  if (prefsrc !== undefined) r.prefsrc = prefsrc;
  if (metrics !== undefined) r.metrics = metrics;
  if (multipath !== undefined) r.multipath = multipath;
  if (mark !== undefined) r.mark = mark;
  if (pref !== undefined) r.pref = pref;
  return r;
}
