import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IpamError } from './errors.js';
import { FileStore } from './file-store.js';
import type { KvStore, KvTxn } from './kv-store.js';
import { type Family, formatIpValue, parseAddress } from './prefix-math.js';
import {
  canonicalizeRanges,
  type HostLocalConfig,
  type RangeSetSpec,
  type RouteConfig,
} from './range-config.js';
import { type Allocation, type Owner, ownerKey, RangePool } from './range-pool.js';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';
const LAST_RESERVED = 'last_reserved_ip.';
/** Owner key for addresses we know are taken but have not read (yet). */
const UNREAD = '\u0000unread';

export interface DnsConfig {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** What host-local prints for ADD (CNI 1.0 IPAM result). */
export interface IpamResult {
  ips: { address: string; gateway?: string }[];
  routes: RouteConfig[];
  dns: DnsConfig;
}

export interface HostLocalNetwork {
  /** The network name: host-local's directory under dataDir. */
  name: string;
  ipam: HostLocalConfig;
}

export interface AddRequest extends Owner {
  /** Specific addresses (host-local's `ips` from args or runtimeConfig), at most one per range set. */
  ips?: string[];
}

/** host-local's parser of resolv.conf: nameserver, domain, search and options lines. */
export function parseResolvConf(text: string): DnsConfig {
  // Key order as host-local's JSON prints them.
  const dns: DnsConfig = { nameservers: undefined, domain: undefined, search: undefined, options: undefined };
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#') || fields[0].startsWith(';')) continue;
    const [name, ...rest] = fields;
    if (name === 'nameserver' && rest[0]) (dns.nameservers ??= []).push(rest[0]);
    else if (name === 'domain' && rest[0]) dns.domain = rest[0];
    else if (name === 'search') dns.search = rest;
    else if (name === 'options') dns.options = rest;
  }
  for (const k of Object.keys(dns) as (keyof DnsConfig)[]) if (dns[k] === undefined) delete dns[k];
  return dns;
}

/** A uniformly random address of a range set (gateway and exclusions included: only a start point). */
function randomIn(set: RangeSetSpec): bigint {
  const sizes = set.map((r) => r.end - r.start + 1n);
  let pick = 0n;
  for (let i = 0; i < 4; i++) pick = (pick << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32));
  pick %= sizes.reduce((a, b) => a + b, 0n);
  for (const [i, r] of set.entries()) {
    if (pick < sizes[i]) return r.start + pick;
    pick -= sizes[i];
  }
  return set[0].start;
}

function addressKey(family: Family, value: bigint): string {
  return formatIpValue(family, value);
}

/** Parses an address file's bytes (`containerID\r\nifname`, or an older bare container id). */
export function parseOwnerFile(key: string, text: string): { containerId: string; ifname?: string } {
  const trimmed = text.trim();
  const lines = trimmed.split('\r\n');
  if (trimmed === '' || lines.length > 2 || /[\0\n\r]/.test(lines.join(''))) {
    throw new IpamError(
      'corrupt-store',
      key,
      `not "containerID\\r\\nifname": ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return lines.length === 2 ? { containerId: lines[0], ifname: lines[1] } : { containerId: lines[0] };
}

/**
 * The host-local allocator: host-local's configuration and data-directory format over any store.
 * On the file store (the default, `<dataDir>/<name>`) it shares the directory with the real
 * host-local binary: the same flock, the same files (`<address>` holding `containerID\r\nifname`,
 * `last_reserved_ip.<set>`), the same round-robin. On etcd the same keys live under the store's
 * prefix and each reservation is a transaction that fails if the address key exists.
 */
export class HostLocal {
  readonly specs: RangeSetSpec[];
  /** Cache of the store: on the file store rebuilt from the directory on every operation. */
  private readonly pool: RangePool;
  private synced = false;
  /** parseKey's answers: every operation on the file store lists the whole directory. */
  private readonly parsedKeys = new Map<string, { set: number; value: bigint; family: Family } | undefined>();
  private readonly dns: DnsConfig;

  readonly store: KvStore;

  /** `store` defaults to a FileStore on `<dataDir>/<name>`, made only once the configuration is valid. */
  constructor(
    readonly network: HostLocalNetwork,
    store?: KvStore,
  ) {
    if (typeof network.name !== 'string' || !/^[^/\0]+$/.test(network.name) || network.name.startsWith('.')) {
      throw new IpamError('bad-config', 'name', `not a usable network name: ${JSON.stringify(network.name)}`);
    }
    this.specs = canonicalizeRanges(network.ipam);
    this.pool = new RangePool(this.specs);
    this.dns = network.ipam.resolvConf ? parseResolvConf(readFileSync(network.ipam.resolvConf, 'utf8')) : {};
    this.store = store ?? new FileStore(join(network.ipam.dataDir ?? DEFAULT_DATA_DIR, network.name));
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** CNI ADD: one address per range set, all or nothing. */
  async add(request: AddRequest): Promise<IpamResult> {
    const key = ownerKey(request);
    let tried: bigint[] = [];
    const allocations = await this.store.transact(async (tx) => {
      // An optimistic store reran us: someone else took at least one of the last choices.
      if (tx.uncertain && tried.length > 0) {
        // Our last commit may have gone through: if every address we tried holds our bytes, it did.
        let ours = true;
        for (const [set, v] of tried.entries()) {
          if ((await tx.peek(addressKey(this.pool.familyOf(set), v))) !== key) ours = false;
        }
        if (ours) return tried;
      }
      const optimistic = this.store.kind === 'etcd';
      if (tx.attempt > 0) {
        for (const [set, v] of tried.entries()) {
          this.pool.take(set, v, UNREAD);
          // Concurrent allocators that follow nearby cursors collide again and again: after a lost
          // race, continue from a random place of the set (round-robin again from there).
          this.pool.setLastReserved(set, randomIn(this.specs[set]));
        }
      }
      const firstSync = !this.synced;
      // Unchanged since our last operation: the cursors are the ones we wrote.
      const cursorsKnown = tx.unchanged === true && this.synced;
      await this.sync(tx, tx.attempt === 0 && !optimistic);
      // On etcd each allocator follows its own cursor from a random place: allocators that share
      // one pool then seldom race for the same address.
      if (!optimistic) {
        if (!cursorsKnown) await this.readCursors(tx);
      } else if (firstSync) {
        for (let set = 0; set < this.pool.setCount; set++) {
          this.pool.setLastReserved(set, randomIn(this.specs[set]));
        }
      }
      let chosen: bigint[];
      try {
        chosen = this.pool.choose(request, request.ips ?? []);
      } catch (e) {
        // Before reporting exhaustion from a cache, look at the whole store once.
        if (!(e instanceof IpamError) || e.code !== 'exhausted' || this.store.kind !== 'etcd') throw e;
        await this.sync(tx, true);
        chosen = this.pool.choose(request, request.ips ?? []);
      }
      tried = chosen;
      chosen.forEach((value, set) => {
        const family = this.pool.familyOf(set);
        tx.create(addressKey(family, value), key);
        tx.put(`${LAST_RESERVED}${set}`, formatIpValue(family, value), { hint: true });
      });
      return chosen;
    });
    const out: Allocation[] = allocations.map((value, set) => {
      this.pool.free(set, value);
      this.pool.take(set, value, key);
      this.pool.setLastReserved(set, value);
      return this.pool.describe(set, value);
    });
    return {
      ips: out.map((a) => ({ address: a.cidr, gateway: a.gateway })),
      routes: this.network.ipam.routes ?? [],
      dns: this.dns,
    };
  }

  /** CNI DEL: releases every address held by this container id and interface (host-local also frees bare-id files). */
  async del(owner: Owner): Promise<string[]> {
    const key = ownerKey(owner);
    if (this.store.kind === 'file') {
      // The cache, once brought in line with the directory, says which files hold this owner.
      const released = await this.store.transact(async (tx) => {
        await this.sync(tx, true);
        const entries = [...this.pool.entries()];
        let mine = entries.filter((e) => e.key === key);
        if (mine.length === 0) mine = entries.filter((e) => e.key === owner.containerId.trim());
        mine.sort((a, b) => a.set - b.set || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
        const keys: string[] = [];
        for (const e of mine) {
          const k = addressKey(this.pool.familyOf(e.set), e.value);
          if ((await tx.get(k))?.trim() !== e.key) continue;
          tx.delete(k);
          keys.push(k);
        }
        return { keys, values: mine };
      });
      for (const e of released.values) this.pool.free(e.set, e.value);
      return released.keys;
    }
    return this.store.transact(async (tx) => {
      const all = await this.readAll(tx);
      let mine = all.filter((e) => e.text.trim() === key);
      if (mine.length === 0) mine = all.filter((e) => e.text.trim() === owner.containerId.trim());
      for (const e of mine) {
        await tx.get(e.key);
        tx.delete(e.key);
      }
      this.synced = false;
      return mine.map((e) => e.key);
    });
  }

  /**
   * CNI GC: releases every address whose owner is not among `valid` attachments, corrupt address
   * files included, and removes temp files a crash left. Returns the released addresses.
   */
  async gc(valid: readonly Owner[]): Promise<string[]> {
    const keep = new Set(valid.map(ownerKey));
    const ids = new Set(valid.map((o) => o.containerId.trim()));
    return this.store.transact(async (tx) => {
      if (this.store instanceof FileStore) this.store.removeDebris();
      const released: string[] = [];
      for (const key of await tx.peekKeys('')) {
        const addr = this.parseKey(key);
        if (addr === undefined) {
          if (key.startsWith(LAST_RESERVED) && !this.validCursor(await tx.peek(key))) tx.delete(key);
          continue;
        }
        const text = (await tx.get(key)) ?? '';
        let owner: { containerId: string; ifname?: string } | undefined;
        try {
          owner = parseOwnerFile(key, text);
        } catch {
          owner = undefined;
        }
        const ok =
          owner !== undefined &&
          (owner.ifname === undefined ? ids.has(owner.containerId) : keep.has(text.trim()));
        if (!ok) {
          tx.delete(key);
          released.push(key);
        }
      }
      this.synced = false;
      return released;
    });
  }

  /** Every held address with its owner, read from the store. */
  async list(): Promise<{ address: string; containerId: string; ifname?: string }[]> {
    return this.store.transact(async (tx) =>
      (await this.readAll(tx)).map((e) => ({ address: e.key, ...parseOwnerFile(e.key, e.text) })),
    );
  }

  private async readAll(tx: KvTxn): Promise<{ key: string; text: string }[]> {
    const out: { key: string; text: string }[] = [];
    for (const key of await tx.peekKeys('')) {
      if (this.parseKey(key) === undefined) continue;
      const text = await tx.peek(key);
      if (text === undefined) continue;
      parseOwnerFile(key, text);
      out.push({ key, text });
    }
    return out;
  }

  /** An address key of this network's ranges (host-local also keeps files of addresses outside them). */
  private parseKey(key: string): { set: number; value: bigint; family: Family } | undefined {
    if (this.parsedKeys.has(key)) return this.parsedKeys.get(key);
    const parsed = this.parseKeyUncached(key);
    this.parsedKeys.set(key, parsed);
    return parsed;
  }

  private parseKeyUncached(key: string): { set: number; value: bigint; family: Family } | undefined {
    if (key.startsWith(LAST_RESERVED) || !/^[0-9a-fA-F.:]+$/.test(key)) return undefined;
    let ip: { family: Family; value: bigint };
    try {
      ip = parseAddress(key);
    } catch {
      return undefined;
    }
    if (formatIpValue(ip.family, ip.value) !== key) return undefined;
    const at = this.pool.locate(ip.family, ip.value);
    return at && { set: at.set, value: ip.value, family: ip.family };
  }

  private validCursor(text: string | undefined): boolean {
    if (text === undefined) return false;
    try {
      parseAddress(text);
      return true;
    } catch {
      return false;
    }
  }

  /** Brings the cache in line with the store's address keys; reads the owners of addresses it did not know. */
  private async sync(tx: KvTxn, full: boolean): Promise<void> {
    if ((!full || tx.unchanged) && this.synced) return;
    // A file seen before may have been deleted and written again for another owner since: on the
    // file store (when it cannot tell nothing changed) every address file is read again.
    const reread = this.store.kind === 'file';
    const present = new Map<string, { set: number; value: bigint; key: string }>();
    for (const key of await tx.peekKeys('')) {
      const at = this.parseKey(key);
      if (at) present.set(`${at.set}/${at.value}`, { ...at, key });
    }
    for (const e of [...this.pool.entries()]) {
      if (!present.has(`${e.set}/${e.value}`)) this.pool.free(e.set, e.value);
    }
    for (const p of present.values()) {
      const known = this.pool.ownerOf(p.set, p.value);
      if (known !== undefined && known !== UNREAD && !reread) continue;
      const text = await tx.peek(p.key);
      if (text === undefined) continue;
      parseOwnerFile(p.key, text);
      if (known === text.trim()) continue;
      this.pool.free(p.set, p.value);
      this.pool.take(p.set, p.value, text.trim());
    }
    this.synced = true;
  }

  private async readCursors(tx: KvTxn): Promise<void> {
    for (let set = 0; set < this.pool.setCount; set++) {
      const key = `${LAST_RESERVED}${set}`;
      const text = await tx.peek(key);
      if (text === undefined) {
        this.pool.setLastReserved(set, undefined);
        continue;
      }
      // The cursor is a hint written without fsync: like host-local, one that does not parse (a crash
      // can leave it empty) or lies outside the set (ranges changed) restarts the round-robin.
      let ip: { family: Family; value: bigint } | undefined;
      try {
        ip = parseAddress(text.trim());
      } catch {
        ip = undefined;
      }
      this.pool.setLastReserved(set, ip?.family === this.pool.familyOf(set) ? ip.value : undefined);
    }
  }
}
