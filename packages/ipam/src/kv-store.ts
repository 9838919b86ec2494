/** A write a transaction makes; applied only if the whole transaction commits. */
export type KvWrite =
  | {
      readonly op: 'put';
      readonly key: string;
      readonly value: string;
      readonly ttlSeconds?: number;
      readonly create: boolean;
      /** A hint (a round-robin cursor): the file store does not fsync it. */
      readonly hint?: boolean;
    }
  | { readonly op: 'delete'; readonly key: string };

/**
 * What a transaction function sees. `get`/`list` make the commit depend on what they read (an
 * optimistic store aborts and reruns the function when it changed); `peek`/`peekList` read without
 * that dependency (hints such as a round-robin cursor). Writes are buffered and applied all together.
 */
export interface KvTxn {
  /** 0 on the first run; an optimistic store reruns the function after a conflict with attempt + 1. */
  readonly attempt: number;
  /**
   * True when the previous run's commit may have been applied without us hearing the answer (the
   * connection broke mid-commit): a function that creates keys should look for its own writes first.
   */
  readonly uncertain: boolean;
  /**
   * True when the store can tell that no other writer created, replaced or deleted a top-level key
   * (one without `/`) since this store object's previous transaction (the file store: its
   * directory's mtime is still the stamp it left). A cache of those keys is then still exact.
   */
  readonly unchanged?: boolean;
  get(key: string): Promise<string | undefined>;
  peek(key: string): Promise<string | undefined>;
  /** Every key under `prefix` with its value. */
  list(prefix: string): Promise<Map<string, string>>;
  peekList(prefix: string): Promise<Map<string, string>>;
  /** Every key under `prefix`, without values (no dependency). */
  peekKeys(prefix: string): Promise<string[]>;
  /** Puts `value` only if `key` does not exist at commit (an address reservation). */
  create(key: string, value: string, options?: { ttlSeconds?: number }): void;
  put(key: string, value: string, options?: { ttlSeconds?: number; hint?: boolean }): void;
  delete(key: string): void;
}

/**
 * A key-value store the allocators share. Memory and file stores run a transaction under a lock
 * (in-process mutex; flock); the etcd store runs it optimistically and commits with one etcd
 * transaction comparing the revisions read, rerunning on conflict. A function that throws changes nothing.
 */
export interface KvStore {
  readonly kind: 'memory' | 'file' | 'etcd';
  /** Where it keeps its data (a directory, etcd endpoints and prefix), for messages. */
  readonly location: string;
  transact<T>(fn: (tx: KvTxn) => Promise<T> | T): Promise<T>;
  close(): Promise<void>;
}

/** Buffers writes and lets reads see them. */
export abstract class BufferedTxn implements KvTxn {
  readonly writes: KvWrite[] = [];
  private readonly overlay = new Map<string, string | undefined>();

  constructor(
    readonly attempt: number,
    readonly uncertain = false,
  ) {}

  protected abstract read(key: string, recorded: boolean): Promise<string | undefined>;
  protected abstract readAll(prefix: string, recorded: boolean): Promise<Map<string, string>>;
  abstract peekKeys(prefix: string): Promise<string[]>;

  async get(key: string): Promise<string | undefined> {
    return this.overlay.has(key) ? this.overlay.get(key) : this.read(key, true);
  }

  async peek(key: string): Promise<string | undefined> {
    return this.overlay.has(key) ? this.overlay.get(key) : this.read(key, false);
  }

  async list(prefix: string): Promise<Map<string, string>> {
    return this.merge(prefix, await this.readAll(prefix, true));
  }

  async peekList(prefix: string): Promise<Map<string, string>> {
    return this.merge(prefix, await this.readAll(prefix, false));
  }

  create(key: string, value: string, options?: { ttlSeconds?: number }): void {
    this.writes.push({ op: 'put', key, value, ttlSeconds: options?.ttlSeconds, create: true });
    this.overlay.set(key, value);
  }

  put(key: string, value: string, options?: { ttlSeconds?: number; hint?: boolean }): void {
    this.writes.push({
      op: 'put',
      key,
      value,
      ttlSeconds: options?.ttlSeconds,
      create: false,
      hint: options?.hint,
    });
    this.overlay.set(key, value);
  }

  delete(key: string): void {
    this.writes.push({ op: 'delete', key });
    this.overlay.set(key, undefined);
  }

  private merge(prefix: string, m: Map<string, string>): Map<string, string> {
    for (const [k, v] of this.overlay) {
      if (!k.startsWith(prefix)) continue;
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    }
    return m;
  }
}

/** Serialises async critical sections inside one process. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((r) => (done = r));
    await prev;
    try {
      return await fn();
    } finally {
      done();
    }
  }
}

interface MemoryEntry {
  value: string;
  expiresAt?: number;
}

/** The in-memory store: one process, nothing persisted; TTLs expire by the clock. */
export class MemoryStore implements KvStore {
  readonly kind = 'memory';
  readonly location = 'memory';
  private readonly data = new Map<string, MemoryEntry>();
  private readonly mutex = new Mutex();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keys currently held (expired ones dropped), for tests and debugging. */
  get size(): number {
    this.expire();
    return this.data.size;
  }

  transact<T>(fn: (tx: KvTxn) => Promise<T> | T): Promise<T> {
    return this.mutex.run(async () => {
      this.expire();
      const tx = new MemoryTxn(this.data);
      const result = await fn(tx);
      for (const w of tx.writes) {
        if (w.op === 'put' && w.create && this.data.has(w.key)) {
          throw new Error(`memory store: ${w.key} created twice in one transaction`);
        }
      }
      for (const w of tx.writes) {
        if (w.op === 'delete') this.data.delete(w.key);
        else
          this.data.set(w.key, {
            value: w.value,
            expiresAt: w.ttlSeconds === undefined ? undefined : this.now() + w.ttlSeconds * 1000,
          });
      }
      return result;
    });
  }

  async close(): Promise<void> {}

  private expire(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== undefined && e.expiresAt <= t) this.data.delete(k);
  }
}

class MemoryTxn extends BufferedTxn {
  constructor(private readonly data: Map<string, MemoryEntry>) {
    super(0);
  }

  protected async read(key: string): Promise<string | undefined> {
    return this.data.get(key)?.value;
  }

  protected async readAll(prefix: string): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const [k, e] of this.data) if (k.startsWith(prefix)) m.set(k, e.value);
    return m;
  }

  async peekKeys(prefix: string): Promise<string[]> {
    return [...(await this.readAll(prefix)).keys()];
  }
}
