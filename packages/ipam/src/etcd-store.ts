import type { Etcd3, ICompare, IRequestOp } from 'etcd3';
import { IpamError } from './errors.js';
import { BufferedTxn, type KvStore, type KvTxn } from './kv-store.js';

export interface EtcdStoreOptions {
  /** `http://127.0.0.1:2379`, … */
  endpoints: string[];
  /** Prepended to every key (e.g. `/cnikit/ipam/net1/`); flannel's keys want ''. */
  prefix?: string;
  /**
   * The bounded wait: a transaction that cannot reach etcd for this long fails with
   * `store-unreachable` (default 10 s). There is never a local fallback.
   */
  timeoutMs?: number;
  /** Deadline of one etcd call (default 2 s). */
  callTimeoutMs?: number;
  /** Conflicts tolerated before a transaction fails with `conflict` (default 10,000). */
  maxConflicts?: number;
  /** An existing client to use instead of making one (it is not closed by close()). */
  client?: Etcd3;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

type Etcd3Module = typeof import('etcd3');

/** etcd3 (and gRPC under it) is loaded on first use, so users of the other stores never pay for it. */
let etcd3Module: Promise<Etcd3Module> | undefined;
function loadEtcd3(): Promise<Etcd3Module> {
  etcd3Module ??= import('etcd3');
  return etcd3Module;
}

function transient(lib: Etcd3Module, e: unknown): boolean {
  if (e instanceof IpamError) return false;
  const err = e as Error;
  return (
    err instanceof lib.GRPCGenericError ||
    err instanceof lib.ClientRuntimeError ||
    // etcd3's per-host circuit breaker (cockatiel) refuses calls for a while after failures.
    (err as { isBrokenCircuitError?: boolean })?.isBrokenCircuitError === true ||
    (err instanceof Error && lib.isRecoverableError(err))
  );
}

/**
 * etcd v3 as a store. A transaction's reads happen at one snapshot revision; it commits with one
 * etcd transaction comparing the mod revision of every key it `get`s (0 = absent), that no key under
 * a prefix it `list`s changed since the snapshot, and that every key it `create`s is absent. When
 * the comparison fails the function runs again after a jittered exponential back-off (1 ms doubling
 * to 250 ms). When etcd does not answer, calls are retried until `timeoutMs` has passed, then the
 * transaction fails with IpamError `store-unreachable`: nothing is kept locally instead.
 */
export class EtcdStore implements KvStore {
  readonly kind = 'etcd';
  private clientPromise: Promise<Etcd3> | undefined;
  private readonly callTimeout: number;
  readonly prefix: string;
  readonly timeoutMs: number;
  private readonly ownsClient: boolean;
  private readonly maxConflicts: number;
  /** Conflicts seen (transactions rerun), for tests and benchmarks. */
  conflicts = 0;

  constructor(readonly options: EtcdStoreOptions) {
    this.prefix = options.prefix ?? '';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxConflicts = options.maxConflicts ?? 10_000;
    this.callTimeout = options.callTimeoutMs ?? 2_000;
    this.ownsClient = options.client === undefined;
    if (options.client) this.clientPromise = Promise.resolve(options.client);
  }

  /** The etcd3 client (made on first use). */
  client(): Promise<Etcd3> {
    this.clientPromise ??= loadEtcd3().then(
      (lib) =>
        new lib.Etcd3({
          hosts: this.options.endpoints,
          dialTimeout: this.callTimeout,
          defaultCallOptions: (context) =>
            context.isStream ? {} : { deadline: Date.now() + this.callTimeout },
        }),
    );
    return this.clientPromise;
  }

  get location(): string {
    return `etcd ${this.options.endpoints.join(',')} ${this.prefix}`;
  }

  key(k: string): Buffer {
    return Buffer.from(this.prefix + k);
  }

  async transact<T>(fn: (tx: KvTxn) => Promise<T> | T): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    const lib = await loadEtcd3();
    const client = await this.client();
    let conflicts = 0;
    let lastError: unknown;
    let uncertain = false;
    for (let attempt = 0; ; ) {
      if (Date.now() > deadline) {
        throw new IpamError(
          'store-unreachable',
          this.location,
          `no answer within ${this.timeoutMs} ms: ${(lastError as Error)?.message ?? 'timed out'}`,
          { cause: lastError },
        );
      }
      const tx = new EtcdTxn(this, client, attempt, uncertain);
      let committing = false;
      try {
        const result = await fn(tx);
        committing = true;
        if (tx.writes.length === 0 || (await this.commit(client, tx))) return result;
        uncertain = false;
      } catch (e) {
        if (!transient(lib, e)) throw e;
        // A commit cut off by a broken connection may or may not have been applied.
        if (committing) uncertain = true;
        lastError = e;
        await sleep(Math.min(250, 10 * 2 ** Math.min(5, conflicts)) * (0.5 + Math.random()));
        continue;
      }
      this.conflicts++;
      if (++conflicts > this.maxConflicts) {
        throw new IpamError('conflict', this.location, `lost ${conflicts} races in a row`);
      }
      attempt++;
      await sleep(Math.min(250, 2 ** Math.min(8, conflicts - 1)) * Math.random());
    }
  }

  private async commit(client: Etcd3, tx: EtcdTxn): Promise<boolean> {
    const compare: ICompare[] = [];
    for (const [k, rev] of tx.revisions) {
      compare.push({ key: this.key(k), target: 'Mod', result: 'Equal', mod_revision: rev });
    }
    for (const p of tx.prefixes) {
      const key = this.key(p);
      compare.push({
        key,
        range_end: prefixEnd(key),
        target: 'Mod',
        result: 'Less',
        mod_revision: tx.snapshot + 1,
      });
    }
    const success: IRequestOp[] = [];
    const leases = new Map<number, string>();
    for (const w of tx.writes) {
      if (w.op === 'delete') {
        success.push({ request_delete_range: { key: this.key(w.key) } });
        continue;
      }
      if (w.create && !tx.revisions.has(w.key)) {
        compare.push({ key: this.key(w.key), target: 'Version', result: 'Equal', version: 0 });
      }
      let lease: string | undefined;
      if (w.ttlSeconds !== undefined) {
        lease = leases.get(w.ttlSeconds);
        if (lease === undefined) {
          lease = (await client.leaseClient.leaseGrant({ TTL: w.ttlSeconds })).ID;
          leases.set(w.ttlSeconds, lease);
        }
      }
      success.push({ request_put: { key: this.key(w.key), value: Buffer.from(w.value), lease } });
    }
    const res = await client.kv.txn({ compare, success, failure: [] });
    return res.succeeded;
  }

  async close(): Promise<void> {
    if (this.ownsClient && this.clientPromise) (await this.clientPromise).close();
  }
}

class EtcdTxn extends BufferedTxn {
  /** Keys read with get(): their mod revision at the snapshot ('0' when absent). */
  readonly revisions = new Map<string, string>();
  readonly prefixes: string[] = [];
  snapshot = 0;

  constructor(
    private readonly store: EtcdStore,
    private readonly client: Etcd3,
    attempt: number,
    uncertain: boolean,
  ) {
    super(attempt, uncertain);
  }

  private async range(key: string, prefix: boolean, keysOnly = false) {
    const k = this.store.key(key);
    const res = await this.client.kv.range({
      key: k,
      range_end: prefix ? prefixEnd(k) : undefined,
      revision: this.snapshot || undefined,
      keys_only: keysOnly,
    });
    if (this.snapshot === 0) this.snapshot = Number(res.header.revision);
    const strip = this.store.prefix.length;
    return res.kvs.map((kv) => ({
      key: kv.key.toString().slice(strip),
      value: kv.value.toString(),
      mod: kv.mod_revision,
    }));
  }

  protected async read(key: string, recorded: boolean): Promise<string | undefined> {
    const [kv] = await this.range(key, false);
    if (recorded && !this.revisions.has(key)) this.revisions.set(key, kv?.mod ?? '0');
    return kv?.value;
  }

  protected async readAll(prefix: string, recorded: boolean): Promise<Map<string, string>> {
    const kvs = await this.range(prefix, true);
    if (recorded) this.prefixes.push(prefix);
    return new Map(kvs.map((kv) => [kv.key, kv.value]));
  }

  async peekKeys(prefix: string): Promise<string[]> {
    return (await this.range(prefix, true, true)).map((kv) => kv.key);
  }
}
