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

/**
 * Negative when `a` is preferred over `b` (RFC 4271 §9.1.2.2): routes this speaker originates
 * first, then the higher LOCAL_PREF, the shorter AS_PATH, the lower ORIGIN, the lower MED between
 * routes from the same neighbouring AS (missing MED = 0), eBGP over iBGP, the lower BGP
 * Identifier, the lower peer address, the lower path identifier. (No IGP metric step: this
 * speaker resolves no next hops.)
 */
export function compareRoutes(a: BgpRoute, b: BgpRoute): number {
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
  const ida = parseIpv4(a.source.routerId) >>> 0;
  const idb = parseIpv4(b.source.routerId) >>> 0;
  if (ida !== idb) return ida < idb ? -1 : 1;
  const pa = addressKey(a.source.peer);
  const pb = addressKey(b.source.peer);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.pathId - b.pathId;
}

/** The best of `routes` under `compareRoutes`, undefined for none. */
export function bestRoute(routes: Iterable<BgpRoute>): BgpRoute | undefined {
  let best: BgpRoute | undefined;
  for (const r of routes) if (!best || compareRoutes(r, best) < 0) best = r;
  return best;
}
