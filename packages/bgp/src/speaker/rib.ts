import type { BgpRoute } from './route.js';

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
