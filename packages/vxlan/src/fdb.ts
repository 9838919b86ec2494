import { macKey, macKeyText, toMacKey } from './mac-key.js';

/** The all-zeros MAC: Linux's default-destination entry, whose remotes form the flood list. */
export const ALL_ZEROS_MAC = '00:00:00:00:00:00';

/** Linux's default `ageing` for a vxlan device, in seconds. */
export const DEFAULT_AGEING_SECONDS = 300;

export interface FdbEntry {
  /** Inner MAC, `aa:bb:…`; `00:00:00:00:00:00` for the flood list. */
  readonly mac: string;
  /** Remote VTEP underlay IPs (text); more than one replicates each frame to all of them. */
  readonly remotes: readonly string[];
  /** Static (`bridge fdb add … permanent`/`static`, as flannel installs): never aged, never moved. */
  readonly static: boolean;
  /** Clock time (ms) the entry was created or last refreshed by a received frame. */
  readonly updated: number;
  /** Clock time (ms) the entry last forwarded a frame. */
  readonly used: number;
}

/** What learning from a received frame did (Linux's vxlan_snoop). */
export type LearnResult =
  | 'learned'
  | 'refreshed'
  | 'moved'
  /** A static entry points elsewhere: the frame must be dropped (Linux does). */
  | 'conflict'
  /** Source MAC is multicast or all zeros: nothing learned. */
  | 'invalid-source';

export interface FdbOptions {
  /** Seconds a learned entry lives without being refreshed. Default 300 (Linux). */
  readonly ageingSeconds?: number;
  /** Clock in milliseconds (inject one in tests). Default Date.now. */
  readonly now?: () => number;
}

interface MutableEntry {
  mac: string;
  remotes: string[];
  static: boolean;
  updated: number;
  used: number;
}

/** Forwarding database of a VXLAN device: inner MAC → remote VTEP(s). */
export class Fdb {
  readonly ageingMs: number;
  private readonly now: () => number;
  private readonly table = new Map<number, MutableEntry>();

  constructor(options: FdbOptions = {}) {
    this.ageingMs = (options.ageingSeconds ?? DEFAULT_AGEING_SECONDS) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** `bridge fdb replace`: sets the entry's single remote (static unless `dynamic`). */
  set(mac: string | Uint8Array, remote: string, options: { dynamic?: boolean } = {}): void {
    const key = toMacKey(mac);
    const t = this.now();
    this.table.set(key, {
      mac: macKeyText(key),
      remotes: [remote],
      static: !options.dynamic,
      updated: t,
      used: t,
    });
  }

  /** `bridge fdb append`: adds a remote to the entry (how the all-zeros flood list grows). */
  append(mac: string | Uint8Array, remote: string): void {
    const key = toMacKey(mac);
    const entry = this.table.get(key);
    if (!entry) {
      this.set(mac, remote);
      return;
    }
    if (!entry.remotes.includes(remote)) entry.remotes.push(remote);
  }

  /** Removes one remote of an entry, or the whole entry; returns whether anything was removed. */
  delete(mac: string | Uint8Array, remote?: string): boolean {
    const key = toMacKey(mac);
    const entry = this.table.get(key);
    if (!entry) return false;
    if (remote === undefined) return this.table.delete(key);
    const i = entry.remotes.indexOf(remote);
    if (i < 0) return false;
    entry.remotes.splice(i, 1);
    if (entry.remotes.length === 0) this.table.delete(key);
    return true;
  }

  /** The live entry for the MAC at frame[offset], marking it used; expired entries are dropped. */
  lookup(frame: Uint8Array, offset = 0): FdbEntry | undefined {
    return this.lookupKey(macKey(frame, offset));
  }

  /** The flood list (remotes of the all-zeros entry), or undefined when there is none. */
  floodList(): FdbEntry | undefined {
    return this.lookupKey(0);
  }

  get(mac: string | Uint8Array): FdbEntry | undefined {
    const entry = this.table.get(toMacKey(mac));
    return entry && !this.expired(entry) ? entry : undefined;
  }

  /** Learns `remote` for the source MAC at frame[offset], as Linux's vxlan_snoop. */
  learn(frame: Uint8Array, offset: number, remote: string): LearnResult {
    if ((frame[offset] & 1) === 1) return 'invalid-source';
    const key = macKey(frame, offset);
    if (key === 0) return 'invalid-source';
    const t = this.now();
    const entry = this.table.get(key);
    if (!entry || this.expired(entry)) {
      this.table.set(key, { mac: macKeyText(key), remotes: [remote], static: false, updated: t, used: t });
      return 'learned';
    }
    if (entry.remotes[0] === remote) {
      if (!entry.static) entry.updated = t;
      return 'refreshed';
    }
    if (entry.static) return 'conflict';
    entry.remotes[0] = remote;
    entry.updated = t;
    return 'moved';
  }

  /** Drops every dynamic entry older than the ageing time; returns how many went. */
  age(): number {
    let removed = 0;
    for (const [key, entry] of this.table) {
      if (this.expired(entry)) {
        this.table.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Live entries (expired ones are left out), like `bridge fdb show dev vxlan0`. */
  entries(): FdbEntry[] {
    return [...this.table.values()].filter((e) => !this.expired(e));
  }

  get size(): number {
    return this.entries().length;
  }

  private lookupKey(key: number): FdbEntry | undefined {
    const entry = this.table.get(key);
    if (!entry) return undefined;
    if (this.expired(entry)) {
      this.table.delete(key);
      return undefined;
    }
    entry.used = this.now();
    return entry;
  }

  private expired(entry: MutableEntry): boolean {
    return !entry.static && this.now() - entry.updated >= this.ageingMs;
  }
}
