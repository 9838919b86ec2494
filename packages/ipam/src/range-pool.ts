import { IpamError } from './errors.js';
import { createOffsetSet, type OffsetSet, SparseOffsetSet } from './offset-set.js';
import { type Family, formatIpValue, parseAddress } from './prefix-math.js';
import type { RangeSetSpec, RangeSpec } from './range-config.js';

/** Who holds an address: the CNI container id and interface name. */
export interface Owner {
  readonly containerId: string;
  readonly ifname: string;
}

/** The owner as host-local writes it into an address file: `containerID\r\nifname`. */
export function ownerKey(owner: Owner): string {
  return `${owner.containerId.trim()}\r\n${owner.ifname}`;
}

/** One address handed out. */
export interface Allocation {
  /** Index of the range set it came from. */
  readonly set: number;
  readonly family: Family;
  readonly address: string;
  readonly value: bigint;
  /** `address/prefix length of its subnet`, as CNI results write it. */
  readonly cidr: string;
  readonly gateway: string;
}

interface Held {
  readonly set: number;
  readonly value: bigint;
}

interface RangeState {
  readonly spec: RangeSpec;
  readonly taken: OffsetSet;
  /** Excluded addresses (gateway, `exclude`) inside taken. */
  readonly reserved: number;
}

interface SetState {
  readonly ranges: RangeState[];
  readonly family: Family;
  last: bigint | undefined;
  /** address (a number for IPv4, which Map hashes faster than a bigint) → owner key (`containerID\r\nifname`) */
  readonly owners: Map<number | bigint, string>;
}

/**
 * The range allocator, in memory and synchronous: range sets of host-local ranges, one taken-set per
 * range (bitmap or sparse), round-robin from the last reserved address as host-local iterates,
 * requests for specific addresses, one address per set all or nothing. Every method that throws
 * leaves the pool as it was.
 */
export class RangePool {
  private readonly sets: SetState[];
  /** owner key → what it holds (one entry unboxed: the common case allocates no array). */
  private readonly byOwner = new Map<string, Held | Held[]>();

  constructor(specs: readonly RangeSetSpec[]) {
    this.sets = specs.map((ranges) => ({
      family: ranges[0].family,
      last: undefined,
      owners: new Map(),
      ranges: ranges.map((spec) => {
        const taken = createOffsetSet(spec.end - spec.start + 1n);
        let reserved = 0;
        for (const [lo, hi] of spec.excluded) {
          if (taken instanceof SparseOffsetSet) taken.addRun(lo - spec.start, hi - spec.start);
          else for (let v = lo; v <= hi; v++) taken.add(v - spec.start);
          reserved += Number(hi - lo + 1n);
        }
        return { spec, taken, reserved };
      }),
    }));
  }

  get setCount(): number {
    return this.sets.length;
  }

  /** Addresses held by owners (excluded addresses not counted). */
  get size(): number {
    let n = 0;
    for (const s of this.sets) n += s.owners.size;
    return n;
  }

  familyOf(set: number): Family {
    return this.sets[set].family;
  }

  /** The set and range holding `value` between rangeStart and rangeEnd, or undefined. */
  locate(family: Family, value: bigint): { set: number; range: RangeSpec } | undefined {
    for (let s = 0; s < this.sets.length; s++) {
      if (this.sets[s].family !== family) continue;
      for (const r of this.sets[s].ranges) {
        if (value >= r.spec.start && value <= r.spec.end) return { set: s, range: r.spec };
      }
    }
    return undefined;
  }

  lastReserved(set: number): bigint | undefined {
    return this.sets[set].last;
  }

  setLastReserved(set: number, value: bigint | undefined): void {
    this.sets[set].last = value;
  }

  ownerOf(set: number, value: bigint): string | undefined {
    return this.sets[set].owners.get(this.mapKey(set, value));
  }

  private mapKey(set: number, value: bigint): number | bigint {
    return this.sets[set].family === 4 ? Number(value) : value;
  }

  private heldBy(key: string): Held[] {
    const h = this.byOwner.get(key);
    return h === undefined ? [] : Array.isArray(h) ? h : [h];
  }

  /** Whether `value` can be handed out now (inside a range of `set`, not excluded, not taken). */
  isFree(set: number, value: bigint): boolean {
    const r = this.rangeOf(set, value);
    return r !== undefined && !r.taken.has(value - r.spec.start);
  }

  /** The address host-local's iterator would try next in `set`: the first free after the last reserved one, wrapping. */
  candidate(set: number): bigint | undefined {
    const s = this.sets[set];
    const ranges = s.ranges;
    let first = 0;
    let from = ranges[0].spec.start;
    if (s.last !== undefined) {
      const i = ranges.findIndex((r) => s.last! >= r.spec.start && s.last! <= r.spec.end);
      if (i >= 0) {
        first = i;
        from = s.last + 1n;
      }
    }
    for (let k = 0; k < ranges.length; k++) {
      const r = ranges[(first + k) % ranges.length];
      const start = k === 0 ? from : r.spec.start;
      const off = r.taken.nextFree(start - r.spec.start);
      if (off !== undefined) return r.spec.start + off;
    }
    const r = ranges[first];
    if (from > r.spec.start) {
      const off = r.taken.nextFree(0n, from - 1n - r.spec.start);
      if (off !== undefined) return r.spec.start + off;
    }
    return undefined;
  }

  /** Marks `value` as held by `key` (an owner key); false when it was already taken. Does not move the cursor. */
  take(set: number, value: bigint, key: string): boolean {
    const r = this.rangeOf(set, value);
    if (r === undefined || !r.taken.add(value - r.spec.start)) return false;
    this.sets[set].owners.set(this.mapKey(set, value), key);
    const held = this.byOwner.get(key);
    if (held === undefined) this.byOwner.set(key, { set, value });
    else if (Array.isArray(held)) held.push({ set, value });
    else this.byOwner.set(key, [held, { set, value }]);
    return true;
  }

  /** Frees an address held by an owner; returns its owner key, or undefined if it was not held. */
  free(set: number, value: bigint): string | undefined {
    const s = this.sets[set];
    const mk = this.mapKey(set, value);
    const key = s.owners.get(mk);
    if (key === undefined) return undefined;
    const r = this.rangeOf(set, value)!;
    r.taken.delete(value - r.spec.start);
    s.owners.delete(mk);
    const held = this.byOwner.get(key)!;
    if (!Array.isArray(held)) this.byOwner.delete(key);
    else {
      held.splice(
        held.findIndex((e) => e.set === set && e.value === value),
        1,
      );
      if (held.length === 1) this.byOwner.set(key, held[0]);
    }
    return key;
  }

  /** What `owner` holds, per set. */
  held(owner: Owner | string): { set: number; value: bigint }[] {
    return [...this.heldBy(typeof owner === 'string' ? owner : ownerKey(owner))];
  }

  /** Every held address with its owner key. */
  *entries(): Generator<{ set: number; value: bigint; key: string }> {
    for (let set = 0; set < this.sets.length; set++) {
      for (const [value, key] of this.sets[set].owners) yield { set, value: BigInt(value), key };
    }
  }

  /**
   * Chooses one address per set for `owner` without changing anything: the requested addresses
   * (each must fall in one set, not the gateway, free), otherwise host-local's round-robin
   * candidate. Throws IpamError (`exhausted`, `unavailable`, `duplicate`, `bad-config`).
   */
  choose(owner: Owner, requested: readonly string[] = []): bigint[] {
    const bySet = new Map<number, bigint>();
    requested.forEach((text, i) => {
      let ip: { family: Family; value: bigint };
      try {
        ip = parseAddress(text);
      } catch {
        throw new IpamError('bad-config', `ips[${i}]`, `not an IP address: ${JSON.stringify(text)}`);
      }
      const at = this.locate(ip.family, ip.value);
      if (!at) throw new IpamError('unavailable', `ips[${i}]`, `${text} is in no configured range`);
      if (bySet.has(at.set))
        throw new IpamError('bad-config', `ips[${i}]`, `a second address for range set ${at.set}`);
      if (ip.value === at.range.gateway)
        throw new IpamError('unavailable', `ips[${i}]`, `${text} is the subnet's gateway`);
      if (!this.isFree(at.set, ip.value)) {
        throw new IpamError('unavailable', `ips[${i}]`, `${text} is not available (taken or excluded)`);
      }
      bySet.set(at.set, ip.value);
    });
    const key = ownerKey(owner);
    const held = this.heldBy(key);
    const chosen: bigint[] = [];
    for (let set = 0; set < this.sets.length; set++) {
      const wanted = bySet.get(set);
      if (wanted !== undefined) {
        chosen.push(wanted);
        continue;
      }
      const mine = held.find((e) => e.set === set);
      if (mine) {
        throw new IpamError(
          'duplicate',
          `ranges[${set}]`,
          `${formatIpValue(this.sets[set].family, mine.value)} has been allocated to ${owner.containerId}, duplicate allocation is not allowed`,
        );
      }
      const v = this.candidate(set);
      if (v === undefined)
        throw new IpamError('exhausted', `ranges[${set}]`, 'no IP addresses available in range set');
      chosen.push(v);
    }
    return chosen;
  }

  /** choose() then take every address and move each set's cursor: one address per set, all or nothing. */
  allocate(owner: Owner, requested: readonly string[] = []): Allocation[] {
    const chosen = this.choose(owner, requested);
    const key = ownerKey(owner);
    return chosen.map((value, set) => {
      this.take(set, value, key);
      this.sets[set].last = value;
      return this.describe(set, value);
    });
  }

  /** Frees everything `owner` holds (host-local's release by container id and ifname). */
  release(owner: Owner | string): Allocation[] {
    const key = typeof owner === 'string' ? owner : ownerKey(owner);
    const out: Allocation[] = [];
    for (const { set, value } of this.heldBy(key)) out.push(this.describe(set, value));
    for (const a of out) this.free(a.set, a.value);
    return out;
  }

  /** allocate() without formatting the result: the chosen address of each set as integers. */
  allocateValues(owner: Owner, requested: readonly string[] = []): bigint[] {
    const chosen = this.choose(owner, requested);
    const key = ownerKey(owner);
    for (let set = 0; set < chosen.length; set++) {
      this.take(set, chosen[set], key);
      this.sets[set].last = chosen[set];
    }
    return chosen;
  }

  /** release() without formatting: how many addresses were freed. */
  releaseValues(owner: Owner | string): number {
    const held = this.heldBy(typeof owner === 'string' ? owner : ownerKey(owner));
    for (const { set, value } of held) this.free(set, value);
    return held.length;
  }

  describe(set: number, value: bigint): Allocation {
    const s = this.sets[set];
    const r = this.rangeOf(set, value)?.spec ?? s.ranges[0].spec;
    const address = formatIpValue(s.family, value);
    return {
      set,
      family: s.family,
      address,
      value,
      cidr: `${address}/${r.subnet.length}`,
      gateway: formatIpValue(s.family, r.gateway),
    };
  }

  /** Free addresses left in `set` (can exceed 2^53 for IPv6: returned as bigint). */
  freeCount(set: number): bigint {
    let n = 0n;
    for (const r of this.sets[set].ranges) n += r.taken.size - BigInt(r.taken.count);
    return n;
  }

  private rangeOf(set: number, value: bigint): RangeState | undefined {
    for (const r of this.sets[set].ranges) if (value >= r.spec.start && value <= r.spec.end) return r;
    return undefined;
  }
}
