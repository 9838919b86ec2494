import { parseIpv4, parseIpv6 } from '@cnikit/wire';
import { asPathLength } from '../as-path.js';
import type { BgpRoute } from './route.js';

/** LOCAL_PREF assumed for routes that carry none (eBGP-learned, RFC 4271 §9.1.1's default policy). */
export const DEFAULT_LOCAL_PREF = 100;

function neighbourAs(r: BgpRoute): number | undefined {
  for (const s of r.asPath) if (s.asns.length) return s.asns[0];
  return undefined;
}

function addressKey(a: string): string {
  if (a === 'local') return '';
  if (a.includes(':')) return `6${Array.from(parseIpv6(a), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return `4${(parseIpv4(a) >>> 0).toString(16).padStart(8, '0')}`;
}

/** The BGP Identifier a route competes with: its ORIGINATOR_ID when reflected (RFC 4456 §9), else its peer's. */
function routerIdOf(r: BgpRoute): number {
  for (const x of r.otherAttributes) if (x.kind === 'originator-id') return x.originatorId >>> 0;
  return parseIpv4(r.source.routerId) >>> 0;
}

function clusterListLength(r: BgpRoute): number {
  for (const x of r.otherAttributes) if (x.kind === 'cluster-list') return x.clusterIds.length;
  return 0;
}

/**
 * The §9.1.2.2 steps up to and including eBGP over iBGP (what ECMP needs equal): negative when
 * `a` wins one of them, 0 when they tie on all.
 */
export function compareAttributes(a: BgpRoute, b: BgpRoute): number {
  const al = a.source.peer === 'local';
  const bl = b.source.peer === 'local';
  if (al !== bl) return al ? -1 : 1;
  const lp = (b.localPref ?? DEFAULT_LOCAL_PREF) - (a.localPref ?? DEFAULT_LOCAL_PREF);
  if (lp) return lp;
  const len = asPathLength(a.asPath) - asPathLength(b.asPath);
  if (len) return len;
  if (a.origin !== b.origin) return a.origin - b.origin;
  const na = neighbourAs(a);
  if (na !== undefined && na === neighbourAs(b)) {
    const med = (a.med ?? 0) - (b.med ?? 0);
    if (med) return med;
  }
  if (a.source.ibgp !== b.source.ibgp) return a.source.ibgp ? 1 : -1;
  return 0;
}

/**
 * Negative when `a` is preferred over `b` (RFC 4271 §9.1.2.2): routes this speaker originates
 * first, then the higher LOCAL_PREF, the shorter AS_PATH, the lower ORIGIN, the lower MED between
 * routes from the same neighbouring AS (missing MED = 0), eBGP over iBGP, the lower BGP
 * Identifier (ORIGINATOR_ID for reflected routes), the shorter CLUSTER_LIST (RFC 4456 §9), the
 * lower peer address, the lower path identifier. (No IGP metric step: this speaker resolves no
 * next hops.)
 */
export function compareRoutes(a: BgpRoute, b: BgpRoute): number {
  const attrs = compareAttributes(a, b);
  if (attrs) return attrs;
  const ida = routerIdOf(a);
  const idb = routerIdOf(b);
  if (ida !== idb) return ida < idb ? -1 : 1;
  const cl = clusterListLength(a) - clusterListLength(b);
  if (cl) return cl;
  const pa = addressKey(a.source.peer);
  const pb = addressKey(b.source.peer);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.pathId - b.pathId;
}

/**
 * ECMP: `best` and the other routes that tie with it through eBGP-over-iBGP, come from the same
 * neighbouring AS and have a next hop of their own (one route per next hop), best first.
 */
export function multipathRoutes(best: BgpRoute, routes: Iterable<BgpRoute>, max = 64): BgpRoute[] {
  const out = [best];
  const hops = new Set([best.nextHop]);
  const as = neighbourAs(best);
  const rest = [...routes].filter((r) => r !== best && compareAttributes(r, best) === 0).sort(compareRoutes);
  for (const r of rest) {
    if (out.length >= max) break;
    if (neighbourAs(r) !== as || hops.has(r.nextHop) || r.source.peer === 'local') continue;
    hops.add(r.nextHop);
    out.push(r);
  }
  return out;
}

/** The best of `routes` under `compareRoutes`, undefined for none. */
export function bestRoute(routes: Iterable<BgpRoute>): BgpRoute | undefined {
  let best: BgpRoute | undefined;
  for (const r of routes) if (!best || compareRoutes(r, best) < 0) best = r;
  return best;
}
