import {
  closeSync,
  constants,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { IpamError } from './errors.js';
import { FileLock, type FlockHelper } from './file-lock.js';
import { BufferedTxn, type KvStore, type KvTxn, Mutex } from './kv-store.js';

export interface FileStoreOptions {
  /** The clock of TTLs (default Date.now). */
  now?: () => number;
  /** How flock(2) is taken (see `FlockHelper`; default `auto`: perl, else util-linux `flock`). */
  lockHelper?: FlockHelper;
}

const TEMP_PREFIX = '.cnikit-tmp-';
const TTL_PREFIX = '.cnikit-ttl.';

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/**
 * The embedded default store: one file per key under a directory (a key's `/` makes
 * subdirectories), values as the file's bytes, so host-local's data directory is this store's
 * layout. Every transaction runs under an exclusive flock on `<dir>/lock` (host-local's lock);
 * each write goes to a temp file, is fsynced, then linked (create: fails if the key exists) or
 * renamed into place, and the directory is fsynced. A crash leaves whole files or none, plus temp
 * files that `removeDebris()` (and the allocators' GC) delete.
 */
export class FileStore implements KvStore {
  readonly kind = 'file';
  private readonly lock: FileLock;
  private readonly mutex = new Mutex();
  private seq = 0;
  /**
   * TTL sidecar names of each directory listed in the current transaction (nothing else changes
   * the directory while we hold the lock), so checking a key's expiry costs no failed open. The top
   * directory's set is kept for the next transaction while the directory stays unchanged.
   */
  private sidecars = new Map<string, Set<string>>();
  /**
   * The directory's mtime as this store left it: after each transaction we set it to a moment in
   * the past, which the kernel replaces with the current time when anyone else creates, renames
   * or deletes an entry. Still equal at the next lock = nobody else changed the directory.
   */
  private stamp: bigint | undefined;

  private readonly now: () => number;

  constructor(
    readonly dir: string,
    options: FileStoreOptions | (() => number) = {},
  ) {
    const o = typeof options === 'function' ? { now: options } : options;
    this.now = o.now ?? Date.now;
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    this.lock = new FileLock(join(dir, 'lock'), o.lockHelper);
  }

  /** The flock helper in use (`auto` until the first transaction). */
  get lockHelper(): FlockHelper {
    return this.lock.helper;
  }

  get location(): string {
    return this.dir;
  }

  transact<T>(fn: (tx: KvTxn) => Promise<T> | T): Promise<T> {
    return this.mutex.run(async () => {
      let dirs = new Set<string>();
      await this.lock.lock();
      try {
        const unchanged = this.stamp !== undefined && this.mtime() === this.stamp;
        const top = unchanged ? this.sidecars.get(this.dir) : undefined;
        this.sidecars.clear();
        if (top) this.sidecars.set(this.dir, top);
        const tx = new FileTxn(this, unchanged);
        const result = await fn(tx);
        dirs = this.apply(tx);
        if (!unchanged || dirs.has(this.dir)) this.restamp();
        return result;
      } catch (e) {
        this.stamp = undefined;
        throw e;
      } finally {
        await this.lock.unlock();
        // Directory entries are made durable after the lock is dropped but before the caller hears
        // of them: a crash in between loses a reservation nobody was told about.
        for (const d of dirs) fsyncDir(d);
      }
    });
  }

  private mtime(): bigint {
    return statSync(this.dir, { bigint: true }).mtimeNs;
  }

  private restamp(): void {
    try {
      // 1 to 101 s ago, at a random microsecond: no other store of ours picks the same moment.
      const past = Date.now() / 1000 - 1 - Math.random() * 100;
      utimesSync(this.dir, past, past);
      this.stamp = this.mtime();
    } catch {
      // Not the directory's owner: every transaction reads the directory afresh.
      this.stamp = undefined;
    }
  }

  private tempFile(dir: string): string {
    return join(dir, `${TEMP_PREFIX}${process.pid}-${this.seq++}`);
  }

  async close(): Promise<void> {
    this.lock.close();
  }

  /** Deletes temp files a crash left behind; only safe under the lock (call inside a transaction). */
  removeDebris(sub = ''): string[] {
    const removed: string[] = [];
    const dir = join(this.dir, sub);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) removed.push(...this.removeDebris(join(sub, e.name)));
      else if (e.name.startsWith(TEMP_PREFIX)) {
        unlinkSync(join(dir, e.name));
        removed.push(join(sub, e.name));
      }
    }
    return removed;
  }

  path(key: string): string {
    const rel = key.replace(/^\/+/, '');
    const parts = rel.split('/');
    if (
      rel === '' ||
      parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.')) ||
      rel === 'lock'
    ) {
      throw new IpamError('bad-config', key, 'not a key the file store can hold');
    }
    return join(this.dir, rel);
  }

  readKey(key: string): string | undefined {
    const file = this.path(key);
    try {
      const value = readFileSync(file, 'utf8');
      if (this.expired(file)) return undefined;
      return value;
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  /** Every key under a `prefix` that ends at a directory boundary ('' or 'a/b/'). */
  listKeys(prefix: string): string[] {
    const rel = prefix.replace(/^\/+/, '');
    const lead = prefix.slice(0, prefix.length - rel.length);
    const baseDir = rel === '' ? this.dir : join(this.dir, rel.endsWith('/') ? rel : dirname(rel));
    const out: string[] = [];
    const walk = (dir: string, keyPrefix: string) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        if (errno(e) === 'ENOENT') return;
        throw e;
      }
      const ttl = new Set<string>();
      for (const e of entries) if (e.name.startsWith(TTL_PREFIX)) ttl.add(e.name);
      this.sidecars.set(dir, ttl);
      for (const e of entries) {
        if (e.name.startsWith('.') || (dir === this.dir && e.name === 'lock')) continue;
        if (e.isDirectory()) walk(join(dir, e.name), `${keyPrefix}${e.name}/`);
        else if (!this.expired(join(dir, e.name))) out.push(`${lead}${keyPrefix}${e.name}`);
      }
    };
    const startPrefix =
      rel === '' ? '' : rel.endsWith('/') ? rel : dirname(rel) === '.' ? '' : `${dirname(rel)}/`;
    walk(baseDir, startPrefix);
    return out.filter((k) => k.startsWith(prefix));
  }

  private expired(file: string): boolean {
    const dir = dirname(file);
    const name = `${TTL_PREFIX}${file.slice(dir.length + 1)}`;
    const known = this.sidecars.get(dir);
    if (known !== undefined && !known.has(name)) return false;
    const sidecar = join(dir, name);
    let text: string;
    try {
      text = readFileSync(sidecar, 'utf8');
    } catch {
      return false;
    }
    return Number(text) <= this.now();
  }

  private writeFile(file: string, value: string, create: boolean, durable = true): void {
    const dir = dirname(file);
    if (dir !== this.dir) mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (!durable && !create) {
      // A hint (the round-robin cursor) is rewritten in place, as host-local does: a crash can
      // leave it cut, and a cursor that does not parse restarts the round-robin. Written over and
      // then cut to length, not truncated first: ext4 flushes a file truncated to 0 when it closes.
      const bytes = Buffer.from(value);
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o644);
      try {
        writeSync(fd, bytes, 0, bytes.length, 0);
        ftruncateSync(fd, bytes.length);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const tmp = this.tempFile(dir);
    writeDurably(tmp, value);
    if (create) {
      try {
        linkSync(tmp, file);
      } catch (e) {
        unlinkSync(tmp);
        if (errno(e) === 'EEXIST')
          throw new IpamError('conflict', file, 'exists already (written without the lock?)');
        throw e;
      }
      unlinkSync(tmp);
    } else renameSync(tmp, file);
  }

  private apply(tx: FileTxn): Set<string> {
    const dirs = new Set<string>();
    for (const w of tx.writes) {
      const file = this.path(w.key);
      const dir = dirname(file);
      const name = `${TTL_PREFIX}${file.slice(dir.length + 1)}`;
      const sidecar = join(dir, name);
      const known = this.sidecars.get(dir);
      if (w.op === 'delete') {
        for (const f of known === undefined || known.has(name) ? [file, sidecar] : [file]) {
          try {
            unlinkSync(f);
          } catch (e) {
            if (errno(e) !== 'ENOENT') throw e;
          }
        }
        known?.delete(name);
      } else {
        if (w.create && this.expired(file)) unlinkSync(file);
        this.writeFile(file, w.value, w.create, !w.hint);
        if (w.ttlSeconds !== undefined) {
          this.writeFile(sidecar, String(this.now() + w.ttlSeconds * 1000), false);
          known?.add(name);
        } else if (known === undefined || known.has(name)) {
          try {
            unlinkSync(sidecar);
          } catch {}
          known?.delete(name);
        }
      }
      dirs.add(dir);
    }
    return dirs;
  }
}

function writeDurably(file: string, value: string): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    writeSync(fd, value);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

class FileTxn extends BufferedTxn {
  constructor(
    private readonly store: FileStore,
    readonly unchanged: boolean,
  ) {
    super(0);
  }

  protected async read(key: string): Promise<string | undefined> {
    return this.store.readKey(key);
  }

  protected async readAll(prefix: string): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const k of this.store.listKeys(prefix)) {
      const v = this.store.readKey(k);
      if (v !== undefined) m.set(k, v);
    }
    return m;
  }

  async peekKeys(prefix: string): Promise<string[]> {
    return this.store.listKeys(prefix);
  }
}
