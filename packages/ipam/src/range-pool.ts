import { IpamError } from './errors.js';
import { BitmapOffsetSet, createOffsetSet, type OffsetSet } from './offset-set.js';
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

/**
 * An offset inside a range: a number while it is a safe integer (every IPv4 offset, and every IPv6
 * offset a round-robin reaches in practice), a bigint beyond. Never both for one value, so `===` and
 * Map keys work.
 */
type Off = number | bigint;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function canon(v: bigint): Off {
  return v <= BigInt(MAX_SAFE) ? Number(v) : v;
}

function inc(o: Off): Off {
  return typeof o === 'number' && o < MAX_SAFE ? o + 1 : BigInt(o) + 1n;
}

/** Offsets per page of the owner index: 1024 for bitmap ranges (an array of pages), 64 for larger ones (a map). */
const DENSE_PAGE_BITS = 10;
const SPARSE_PAGE_BITS = 6;

class RangeState {
  readonly taken: OffsetSet;
  /** Excluded addresses (gateway, `exclude`) inside taken. */
  readonly reserved: number;
  readonly ipv4: boolean;
  /** The range's first address as a number (IPv4), or NaN. */
  readonly startNum: number;
  readonly lastOff: Off;
  /**
   * Offset → owner slot + 1, in pages of Int32Array made on first use and dropped when empty (the
   * last element counts the page's owners): an array of pages for bitmap ranges (up to 2^24
   * addresses), a map of small pages for larger ones, so a /64 costs memory only where it is used.
   * Offsets beyond 2^53 go to a plain map.
   */
  private readonly pages: (Int32Array | undefined)[] | undefined;
  private readonly pageMap: Map<number, Int32Array> | undefined;
  private readonly bigOwners = new Map<bigint, number>();
  private readonly pageBits: number;
  private readonly pageSize: number;
  // The page used last: allocation walks offsets in order, so this saves most page look-ups.
  private cachedIndex = -1;
  private cachedPage: Int32Array | undefined;

  constructor(readonly spec: RangeSpec) {
    const size = spec.end - spec.start + 1n;
    this.taken = createOffsetSet(size);
    this.lastOff = canon(size - 1n);
    this.ipv4 = spec.family === 4;
    this.startNum = this.ipv4 ? Number(spec.start) : Number.NaN;
    let reserved = 0;
    for (const [lo, hi] of spec.excluded) {
      this.taken.addRun(lo - spec.start, hi - spec.start);
      reserved += Number(hi - lo + 1n);
    }
    this.reserved = reserved;
    this.pageBits = this.taken instanceof BitmapOffsetSet ? DENSE_PAGE_BITS : SPARSE_PAGE_BITS;
    this.pageSize = 1 << this.pageBits;
    if (this.taken instanceof BitmapOffsetSet)
      this.pages = new Array(Math.ceil(this.taken.n / this.pageSize));
    else this.pageMap = new Map();
  }

  offsetOf(value: bigint): Off {
    return this.ipv4 ? Number(value) - this.startNum : canon(value - this.spec.start);
  }

  valueAt(off: Off): bigint {
    return this.ipv4 ? BigInt(this.startNum + (off as number)) : this.spec.start + BigInt(off);
  }

  private page(index: number): Int32Array | undefined {
    if (index === this.cachedIndex) return this.cachedPage;
    const page = this.pages !== undefined ? this.pages[index] : this.pageMap!.get(index);
    if (page !== undefined) {
      this.cachedIndex = index;
      this.cachedPage = page;
    }
    return page;
  }

  /** Owner slot + 1 at `off`, 0 when none. */
  ownerAt(off: Off): number {
    if (typeof off !== 'number') return this.bigOwners.get(off) ?? 0;
    const page = this.page(Math.floor(off / this.pageSize));
    return page === undefined ? 0 : page[off & (this.pageSize - 1)];
  }

  setOwner(off: Off, slotPlusOne: number): void {
    if (typeof off !== 'number') {
      if (slotPlusOne === 0) this.bigOwners.delete(off);
      else this.bigOwners.set(off, slotPlusOne);
      return;
    }
    const index = Math.floor(off / this.pageSize);
    const size = this.pageSize;
    let page = this.page(index);
    if (page === undefined) {
      if (slotPlusOne === 0) return;
      page = new Int32Array(size + 1);
      if (this.pages !== undefined) this.pages[index] = page;
      else this.pageMap!.set(index, page);
      this.cachedIndex = index;
      this.cachedPage = page;
    }
    const i = off & (size - 1);
    const had = page[i] !== 0;
    page[i] = slotPlusOne;
    if (slotPlusOne !== 0) {
      if (!had) page[size]++;
    } else if (had && --page[size] === 0) {
      if (this.pages !== undefined) this.pages[index] = undefined;
      else this.pageMap!.delete(index);
      this.cachedIndex = -1;
      this.cachedPage = undefined;
    }
  }

  contains(value: bigint): boolean {
    return value >= this.spec.start && value <= this.spec.end;
  }

  isTaken(off: Off): boolean {
    return typeof off === 'number' ? this.taken.hasAt(off) : this.taken.has(off);
  }

  /** The first free offset in [from, to], or -1. */
  nextFree(from: Off, to: Off): Off {
    if (typeof from === 'number') {
      if (typeof to === 'number') return this.taken.nextFreeAt(from, to);
      const f = this.taken.nextFreeAt(from, MAX_SAFE);
      if (f >= 0) return f;
      from = BigInt(MAX_SAFE) + 1n;
    } else if (typeof to === 'number') return -1;
    const f = this.taken.nextFree(from, BigInt(to));
    return f === undefined ? -1 : canon(f);
  }
}

/** An address an owner holds beyond the one per set the slot arrays have room for. */
interface Extra {
  readonly set: number;
  readonly range: number;
  readonly off: Off;
}

class SetState {
  readonly family: Family;
  /** Cursor: the last reserved address as a range index and offset; range -1 when none. */
  lastRange = -1;
  lastOff: Off = 0;
  /** A last reserved address outside every range (ranges changed), kept only to report it. */
  lastOutside: bigint | undefined;
  /** Per owner slot: the range index + 1 of the address it holds here (0 = none), and its offset. */
  heldRange: Uint8Array;
  heldOff: Float64Array;
  count = 0;

  constructor(
    readonly ranges: RangeState[],
    capacity: number,
  ) {
    this.family = ranges[0].spec.family;
    this.heldRange = new Uint8Array(capacity);
    this.heldOff = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    const r = new Uint8Array(capacity);
    r.set(this.heldRange);
    this.heldRange = r;
    const o = new Float64Array(capacity);
    o.set(this.heldOff);
    this.heldOff = o;
  }

  rangeIndex(value: bigint): number {
    for (let i = 0; i < this.ranges.length; i++) if (this.ranges[i].contains(value)) return i;
    return -1;
  }
}

/** ifname id of owner keys that are not `containerID\r\nifname` (older bare-id files, placeholders). */
const RAW = 0;

/**
 * The range allocator, in memory and synchronous: range sets of host-local ranges, one taken-set per
 * range (bitmap or pages), round-robin from the last reserved address as host-local iterates,
 * requests for specific addresses, one address per set all or nothing. Every method that throws
 * leaves the pool as it was.
 *
 * Owners live in slots (small integers): a map from container id to slot per interface name, and
 * per set typed arrays of what each slot holds, so holding an address costs no object and no string
 * of ours. Allocating and releasing with a number offset does no BigInt work for IPv4.
 */
export class RangePool {
  private readonly sets: SetState[];
  private readonly ifIds = new Map<string, number>();
  private readonly ifNames: string[] = [''];
  /** Per ifname id: container id → slot. */
  private readonly slotsByIf: Map<string, number>[] = [new Map()];
  private slotCid: string[] = [];
  /** Per slot: its ifname id, or for a free slot -2 - the next free slot. */
  private slotIf: Int32Array;
  private freeSlot = -1;
  private slotEnd = 0;
  private readonly extras = new Map<number, Extra[]>();
  // The owner identify() read, and what pick() chose per set.
  private curIf = RAW;
  private curCid = '';
  private lastIfName: string | undefined;
  private lastIfId = RAW;
  private readonly pickRange: Int32Array;
  private readonly pickOff: Off[];

  constructor(specs: readonly RangeSetSpec[]) {
    const capacity = 64;
    this.slotIf = new Int32Array(capacity);
    this.sets = specs.map(
      (ranges) =>
        new SetState(
          ranges.map((spec) => new RangeState(spec)),
          capacity,
        ),
    );
    this.pickRange = new Int32Array(this.sets.length);
    this.pickOff = this.sets.map(() => 0);
  }

  get setCount(): number {
    return this.sets.length;
  }

  /** Addresses held by owners (excluded addresses not counted). */
  get size(): number {
    let n = 0;
    for (const s of this.sets) n += s.count;
    return n;
  }

  familyOf(set: number): Family {
    return this.sets[set].family;
  }

  /** The set and range holding `value` between rangeStart and rangeEnd, or undefined. */
  locate(family: Family, value: bigint): { set: number; range: RangeSpec } | undefined {
    for (let s = 0; s < this.sets.length; s++) {
      if (this.sets[s].family !== family) continue;
      const i = this.sets[s].rangeIndex(value);
      if (i >= 0) return { set: s, range: this.sets[s].ranges[i].spec };
    }
    return undefined;
  }

  lastReserved(set: number): bigint | undefined {
    const s = this.sets[set];
    return s.lastRange < 0 ? s.lastOutside : s.ranges[s.lastRange].valueAt(s.lastOff);
  }

  setLastReserved(set: number, value: bigint | undefined): void {
    const s = this.sets[set];
    const i = value === undefined ? -1 : s.rangeIndex(value);
    s.lastRange = i;
    s.lastOutside = i < 0 ? value : undefined;
    s.lastOff = i < 0 ? 0 : s.ranges[i].offsetOf(value!);
  }

  ownerOf(set: number, value: bigint): string | undefined {
    const s = this.sets[set];
    const i = s.rangeIndex(value);
    const slot = i < 0 ? 0 : s.ranges[i].ownerAt(s.ranges[i].offsetOf(value));
    return slot === 0 ? undefined : this.keyOf(slot - 1);
  }

  /** Whether `value` can be handed out now (inside a range of `set`, not excluded, not taken). */
  isFree(set: number, value: bigint): boolean {
    const s = this.sets[set];
    const i = s.rangeIndex(value);
    return i >= 0 && !s.ranges[i].isTaken(s.ranges[i].offsetOf(value));
  }

  /** The address host-local's iterator would try next in `set`: the first free after the last reserved one, wrapping. */
  candidate(set: number): bigint | undefined {
    if (!this.search(set)) return undefined;
    return this.sets[set].ranges[this.pickRange[set]].valueAt(this.pickOff[set]);
  }

  /** Marks `value` as held by `key` (an owner key); false when it was already taken. Does not move the cursor. */
  take(set: number, value: bigint, key: string): boolean {
    const s = this.sets[set];
    const i = s.rangeIndex(value);
    if (i < 0) return false;
    const off = s.ranges[i].offsetOf(value);
    if (s.ranges[i].isTaken(off)) return false;
    this.identifyKey(key);
    this.takeAt(set, i, off, this.slotForCurrent());
    return true;
  }

  /** Frees an address held by an owner; returns its owner key, or undefined if it was not held. */
  free(set: number, value: bigint): string | undefined {
    const s = this.sets[set];
    const i = s.rangeIndex(value);
    if (i < 0) return undefined;
    const off = s.ranges[i].offsetOf(value);
    const slot = s.ranges[i].ownerAt(off) - 1;
    if (slot < 0) return undefined;
    const key = this.keyOf(slot);
    this.freeAt(set, i, off, slot);
    if (this.holdsNothing(slot)) this.dropSlot(slot);
    return key;
  }

  /** What `owner` holds, per set. */
  held(owner: Owner | string): { set: number; value: bigint }[] {
    const slot = this.findSlot(owner);
    const out: { set: number; value: bigint }[] = [];
    if (slot < 0) return out;
    for (let set = 0; set < this.sets.length; set++) {
      const s = this.sets[set];
      const r = s.heldRange[slot];
      if (r !== 0) out.push({ set, value: s.ranges[r - 1].valueAt(s.heldOff[slot]) });
    }
    for (const e of this.extras.get(slot) ?? []) {
      out.push({ set: e.set, value: this.sets[e.set].ranges[e.range].valueAt(e.off) });
    }
    return out;
  }

  /** Every held address with its owner key. */
  *entries(): Generator<{ set: number; value: bigint; key: string }> {
    for (let set = 0; set < this.sets.length; set++) {
      const s = this.sets[set];
      for (let slot = 0; slot < this.slotEnd; slot++) {
        const r = s.heldRange[slot];
        if (r !== 0) yield { set, value: s.ranges[r - 1].valueAt(s.heldOff[slot]), key: this.keyOf(slot) };
      }
    }
    for (const [slot, list] of this.extras) {
      for (const e of list) {
        yield { set: e.set, value: this.sets[e.set].ranges[e.range].valueAt(e.off), key: this.keyOf(slot) };
      }
    }
  }

  /**
   * Chooses one address per set for `owner` without changing anything: the requested addresses
   * (each must fall in one set, not the gateway, free), otherwise host-local's round-robin
   * candidate. Throws IpamError (`exhausted`, `unavailable`, `duplicate`, `bad-config`).
   */
  choose(owner: Owner, requested: readonly string[] = []): bigint[] {
    this.pick(owner, requested);
    return this.sets.map((s, set) => s.ranges[this.pickRange[set]].valueAt(this.pickOff[set]));
  }

  /** choose() then take every address and move each set's cursor: one address per set, all or nothing. */
  allocate(owner: Owner, requested: readonly string[] = []): Allocation[] {
    this.commit(this.pick(owner, requested));
    return this.sets.map((s, set) =>
      this.describe(set, s.ranges[this.pickRange[set]].valueAt(this.pickOff[set])),
    );
  }

  /** Frees everything `owner` holds (host-local's release by container id and ifname). */
  release(owner: Owner | string): Allocation[] {
    const out = this.held(owner).map(({ set, value }) => this.describe(set, value));
    this.releaseValues(owner);
    return out;
  }

  /** allocate() without formatting the result: the chosen address of each set as integers. */
  allocateValues(owner: Owner, requested: readonly string[] = []): bigint[] {
    this.commit(this.pick(owner, requested));
    const out: bigint[] = [];
    for (let set = 0; set < this.sets.length; set++) {
      out.push(this.sets[set].ranges[this.pickRange[set]].valueAt(this.pickOff[set]));
    }
    return out;
  }

  /** release() without formatting: how many addresses were freed. */
  releaseValues(owner: Owner | string): number {
    const slot = this.findSlot(owner);
    if (slot < 0) return 0;
    let n = 0;
    for (let set = 0; set < this.sets.length; set++) {
      const s = this.sets[set];
      const r = s.heldRange[slot];
      if (r === 0) continue;
      this.freeAt(set, r - 1, s.heldOff[slot], slot);
      n++;
    }
    const extra = this.extras.get(slot);
    if (extra !== undefined) {
      n += extra.length;
      for (const e of [...extra]) this.freeAt(e.set, e.range, e.off, slot);
    }
    this.dropSlot(slot);
    return n;
  }

  describe(set: number, value: bigint): Allocation {
    const s = this.sets[set];
    const i = s.rangeIndex(value);
    const r = s.ranges[Math.max(i, 0)].spec;
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

  /** host-local's iterator: the first free address after the cursor, through the ranges, wrapping. Sets pickRange/pickOff. */
  private search(set: number): boolean {
    const s = this.sets[set];
    const ranges = s.ranges;
    const first = Math.max(s.lastRange, 0);
    const from: Off = s.lastRange < 0 ? 0 : inc(s.lastOff);
    for (let k = 0; k < ranges.length; k++) {
      const r = ranges[(first + k) % ranges.length];
      const start = k === 0 ? from : 0;
      if (start > r.lastOff) continue;
      const off = r.nextFree(start, r.lastOff);
      if (off !== -1) {
        this.pickRange[set] = (first + k) % ranges.length;
        this.pickOff[set] = off;
        return true;
      }
    }
    if (from !== 0) {
      const r = ranges[first];
      const to = typeof from === 'number' ? from - 1 : canon(from - 1n);
      const off = r.nextFree(0, to);
      if (off !== -1) {
        this.pickRange[set] = first;
        this.pickOff[set] = off;
        return true;
      }
    }
    return false;
  }

  /** Chooses per set into pickRange/pickOff; returns the owner's slot or -1 (identify() state left for commit). */
  private pick(owner: Owner, requested: readonly string[]): number {
    const asked = requested.length === 0 ? undefined : new Uint8Array(this.sets.length);
    for (let i = 0; i < requested.length; i++) {
      const text = requested[i];
      let ip: { family: Family; value: bigint };
      try {
        ip = parseAddress(text);
      } catch {
        throw new IpamError('bad-config', `ips[${i}]`, `not an IP address: ${JSON.stringify(text)}`);
      }
      const at = this.locate(ip.family, ip.value);
      if (!at) throw new IpamError('unavailable', `ips[${i}]`, `${text} is in no configured range`);
      if (asked![at.set] !== 0)
        throw new IpamError('bad-config', `ips[${i}]`, `a second address for range set ${at.set}`);
      if (ip.value === at.range.gateway)
        throw new IpamError('unavailable', `ips[${i}]`, `${text} is the subnet's gateway`);
      if (!this.isFree(at.set, ip.value)) {
        throw new IpamError('unavailable', `ips[${i}]`, `${text} is not available (taken or excluded)`);
      }
      asked![at.set] = 1;
      const s = this.sets[at.set];
      const r = s.rangeIndex(ip.value);
      this.pickRange[at.set] = r;
      this.pickOff[at.set] = s.ranges[r].offsetOf(ip.value);
    }
    this.identify(owner);
    const slot = this.slotOfCurrent();
    for (let set = 0; set < this.sets.length; set++) {
      if (asked !== undefined && asked[set] !== 0) continue;
      if (slot >= 0) {
        const mine = this.heldIn(slot, set);
        if (mine !== undefined) {
          throw new IpamError(
            'duplicate',
            `ranges[${set}]`,
            `${formatIpValue(this.sets[set].family, mine)} has been allocated to ${owner.containerId}, duplicate allocation is not allowed`,
          );
        }
      }
      if (!this.search(set))
        throw new IpamError('exhausted', `ranges[${set}]`, 'no IP addresses available in range set');
    }
    return slot;
  }

  /** Takes what pick() chose for the owner it identified, and moves each set's cursor. */
  private commit(slot: number): void {
    if (slot < 0) slot = this.newSlot();
    for (let set = 0; set < this.sets.length; set++) {
      const s = this.sets[set];
      const range = this.pickRange[set];
      const off = this.pickOff[set];
      this.takeAt(set, range, off, slot);
      s.lastRange = range;
      s.lastOff = off;
      s.lastOutside = undefined;
    }
  }

  private heldIn(slot: number, set: number): bigint | undefined {
    const s = this.sets[set];
    const r = s.heldRange[slot];
    if (r !== 0) return s.ranges[r - 1].valueAt(s.heldOff[slot]);
    const e = this.extras.get(slot)?.find((x) => x.set === set);
    return e && s.ranges[e.range].valueAt(e.off);
  }

  private takeAt(set: number, range: number, off: Off, slot: number): void {
    const s = this.sets[set];
    const r = s.ranges[range];
    if (typeof off === 'number') r.taken.addAt(off);
    else r.taken.add(off);
    r.setOwner(off, slot + 1);
    s.count++;
    if (s.heldRange[slot] === 0 && range < 255 && typeof off === 'number') {
      s.heldRange[slot] = range + 1;
      s.heldOff[slot] = off;
      return;
    }
    const list = this.extras.get(slot);
    if (list === undefined) this.extras.set(slot, [{ set, range, off }]);
    else list.push({ set, range, off });
  }

  private freeAt(set: number, range: number, off: Off, slot: number): void {
    const s = this.sets[set];
    const r = s.ranges[range];
    if (typeof off === 'number') r.taken.deleteAt(off);
    else r.taken.delete(off);
    r.setOwner(off, 0);
    s.count--;
    if (s.heldRange[slot] === range + 1 && s.heldOff[slot] === off) {
      s.heldRange[slot] = 0;
      return;
    }
    const list = this.extras.get(slot)!;
    list.splice(
      list.findIndex((e) => e.set === set && e.range === range && e.off === off),
      1,
    );
    if (list.length === 0) this.extras.delete(slot);
  }

  private holdsNothing(slot: number): boolean {
    for (const s of this.sets) if (s.heldRange[slot] !== 0) return false;
    return !this.extras.has(slot);
  }

  /** Reads an owner into curIf/curCid: `containerID\r\nifname` split in two without building the key. */
  private identify(owner: Owner | string): void {
    if (typeof owner === 'string') {
      this.identifyKey(owner);
      return;
    }
    const id = owner.containerId;
    // trim() only removes characters below '!' or from U+00A0 up: skip it (and its copy) when neither end has one.
    const a = id.charCodeAt(0);
    const z = id.charCodeAt(id.length - 1);
    const cid = a > 32 && a < 160 && z > 32 && z < 160 ? id : id.trim();
    const ifname = owner.ifname;
    // Only a '\r' in either could make the split differ from the key's: those go through the key.
    if (cid.indexOf('\r') >= 0 || ifname.indexOf('\r') >= 0) {
      this.identifyKey(ownerKey(owner));
      return;
    }
    this.curCid = cid;
    if (ifname === this.lastIfName) this.curIf = this.lastIfId;
    else {
      this.curIf = this.ifIds.get(ifname) ?? this.internIf(ifname);
      this.lastIfName = ifname;
      this.lastIfId = this.curIf;
    }
  }

  private identifyKey(key: string): void {
    const i = key.indexOf('\r\n');
    if (i < 0) {
      this.curCid = key;
      this.curIf = RAW;
      return;
    }
    this.curCid = key.slice(0, i);
    const ifname = key.slice(i + 2);
    this.curIf = this.ifIds.get(ifname) ?? this.internIf(ifname);
  }

  private internIf(ifname: string): number {
    const id = this.ifNames.length;
    this.ifNames.push(ifname);
    this.slotsByIf.push(new Map());
    this.ifIds.set(ifname, id);
    return id;
  }

  private findSlot(owner: Owner | string): number {
    this.identify(owner);
    return this.slotOfCurrent();
  }

  private slotOfCurrent(): number {
    return this.slotsByIf[this.curIf].get(this.curCid) ?? -1;
  }

  private slotForCurrent(): number {
    const known = this.slotOfCurrent();
    return known >= 0 ? known : this.newSlot();
  }

  /** A slot for the identified owner, which has none. */
  private newSlot(): number {
    let slot = this.freeSlot;
    if (slot >= 0) {
      this.freeSlot = -2 - this.slotIf[slot];
      this.slotCid[slot] = this.curCid;
    } else {
      slot = this.slotEnd++;
      if (slot === this.slotIf.length) this.grow(slot * 2);
      this.slotCid.push(this.curCid);
    }
    this.slotIf[slot] = this.curIf;
    this.slotsByIf[this.curIf].set(this.curCid, slot);
    return slot;
  }

  private dropSlot(slot: number): void {
    this.slotsByIf[this.slotIf[slot]].delete(this.slotCid[slot]);
    this.slotCid[slot] = '';
    this.slotIf[slot] = -2 - this.freeSlot;
    this.freeSlot = slot;
  }

  private grow(capacity: number): void {
    const ifs = new Int32Array(capacity);
    ifs.set(this.slotIf);
    this.slotIf = ifs;
    for (const s of this.sets) s.grow(capacity);
  }

  private keyOf(slot: number): string {
    const ifId = this.slotIf[slot];
    return ifId === RAW ? this.slotCid[slot] : `${this.slotCid[slot]}\r\n${this.ifNames[ifId]}`;
  }
}
