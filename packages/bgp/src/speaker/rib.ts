import type { BgpRoute } from './route.js';
import type { OutgoingRoute } from './update-routes.js';

/** Routes by prefix, then by path identifier: an Adj-RIB-In (RFC 4271 §3.2), ADD-PATH aware. */
export class AdjRibIn {
  private readonly byPrefix = new Map<string, Map<number, BgpRoute>>();
  private count = 0;

  /** Adds or replaces the route with the same prefix and path identifier. */
  set(route: BgpRoute): void {
    let paths = this.byPrefix.get(route.prefix);
    if (!paths) {
      paths = new Map();
      this.byPrefix.set(route.prefix, paths);
    }
    if (!paths.has(route.pathId)) this.count++;
    paths.set(route.pathId, route);
  }

  /** Removes one path; true when it was there. */
  delete(prefix: string, pathId: number): boolean {
    const paths = this.byPrefix.get(prefix);
    if (!paths?.delete(pathId)) return false;
    this.count--;
    if (paths.size === 0) this.byPrefix.delete(prefix);
    return true;
  }

  /** The paths to `prefix` (empty when none). */
  paths(prefix: string): Iterable<BgpRoute> {
    return this.byPrefix.get(prefix)?.values() ?? [];
  }

  prefixes(): IterableIterator<string> {
    return this.byPrefix.keys();
  }

  *routes(): IterableIterator<BgpRoute> {
    for (const paths of this.byPrefix.values()) yield* paths.values();
  }

  /** Paths held (more than prefixes with ADD-PATH). */
  get size(): number {
    return this.count;
  }

  clear(): void {
    this.byPrefix.clear();
    this.count = 0;
  }
}

/** The best path per prefix (RFC 4271 §3.2 Loc-RIB). */
export class LocRib {
  private readonly best = new Map<string, BgpRoute>();

  get(prefix: string): BgpRoute | undefined {
    return this.best.get(prefix);
  }

  /** Installs `route` as the best for its prefix (undefined: none); returns the previous best. */
  set(prefix: string, route: BgpRoute | undefined): BgpRoute | undefined {
    const previous = this.best.get(prefix);
    if (route) this.best.set(prefix, route);
    else this.best.delete(prefix);
    return previous;
  }

  routes(): IterableIterator<BgpRoute> {
    return this.best.values();
  }

  get size(): number {
    return this.best.size;
  }
}

/** One path we sent: the route and the key of its attributes (equal keys: nothing to resend). */
export interface SentPath {
  readonly key: string;
  readonly route: OutgoingRoute;
}

/** What was sent to one peer and not withdrawn since, by prefix (or EVPN key), then path identifier (0 without ADD-PATH). */
export class AdjRibOut {
  private readonly byPrefix = new Map<string, Map<number, SentPath>>();
  private count = 0;

  /** The paths sent for `prefix`, by path identifier. */
  paths(prefix: string): ReadonlyMap<number, SentPath> | undefined {
    return this.byPrefix.get(prefix);
  }

  set(prefix: string, pathId: number, sent: SentPath): void {
    let paths = this.byPrefix.get(prefix);
    if (!paths) {
      paths = new Map();
      this.byPrefix.set(prefix, paths);
    }
    if (!paths.has(pathId)) this.count++;
    paths.set(pathId, sent);
  }

  delete(prefix: string, pathId: number): boolean {
    const paths = this.byPrefix.get(prefix);
    if (!paths?.delete(pathId)) return false;
    this.count--;
    if (paths.size === 0) this.byPrefix.delete(prefix);
    return true;
  }

  /** Forgets every path of `prefix` (so that the next send repeats them). */
  forget(prefix: string): void {
    const paths = this.byPrefix.get(prefix);
    if (!paths) return;
    this.count -= paths.size;
    this.byPrefix.delete(prefix);
  }

  *routes(): IterableIterator<OutgoingRoute> {
    for (const paths of this.byPrefix.values()) for (const p of paths.values()) yield p.route;
  }

  /** Paths held (more than prefixes with ADD-PATH send). */
  get size(): number {
    return this.count;
  }

  clear(): void {
    this.byPrefix.clear();
    this.count = 0;
  }
}
