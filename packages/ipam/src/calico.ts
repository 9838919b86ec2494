import { formatPrefix, type Prefix, parsePrefix } from '@cnikit/wire';
import { badConfig, IpamError } from './errors.js';
import type { KvStore, KvTxn } from './kv-store.js';
import {
  containsAddress,
  containsPrefix,
  type Family,
  formatIpValue,
  nthSubnet,
  parseAddress,
  prefixFirst,
  prefixOf,
  subnetCount,
} from './prefix-math.js';

/** A block as Calico's libcalico-go stores it (`AllocationBlock`). */
export interface CalicoBlock {
  cidr: string;
  /** `host:<node>`, or null once the affinity is released. */
  affinity: string | null;
  strictAffinity: boolean;
  /** Per ordinal: index into `attributes`, or null when free. */
  allocations: (number | null)[];
  /** Free ordinals, the next to hand out first. */
  unallocated: number[];
  attributes: { handle_id: string | null; secondary: Record<string, string> | null }[];
  deleted: boolean;
  /** Bumped on every change. */
  sequenceNumber: number;
  /** The sequenceNumber at which each allocated ordinal was handed out (a stale release is refused). */
  sequenceNumberForAllocation: Record<string, number>;
}

export interface CalicoPoolConfig {
  cidr: string;
  /** Block prefix length: 26 for IPv4 and 122 for IPv6 by default, as Calico. */
  blockSize?: number;
  /** Never borrow from other hosts' blocks (Calico's StrictAffinity). */
  strictAffinity?: boolean;
}

export interface CalicoAssignment {
  readonly address: string;
  readonly block: string;
  readonly host: string;
  /** Whether it came from another host's block. */
  readonly borrowed: boolean;
  /** Pass back to release() so a stale release cannot free a reused address. */
  readonly sequenceNumber: number;
}

const ROOT = '/calico/ipam/v2';

function blockKeyName(cidr: string): string {
  return cidr.replace('/', '-');
}

/**
 * Calico-style IPAM: a pool cut into blocks (/26, /122) with host affinity. An assignment comes
 * from the host's blocks; else a new block is claimed for the host; else, unless strict affinity is
 * set, it is borrowed from another host's block. Handles group a container's addresses; each
 * allocation records the block's sequence number so a release carrying an older number is refused;
 * a block left empty is released (and its affinity with it). Every operation is one store transaction
 * over Calico's keys (`/calico/ipam/v2/assignment/ipv4/block/<cidr>`, `/calico/ipam/v2/host/<host>/ipv4/block/<cidr>`,
 * `/calico/ipam/v2/handle/<id>`).
 */
export class CalicoIpam {
  readonly pool: Prefix;
  readonly family: Family;
  readonly blockSize: number;
  readonly strictAffinity: boolean;

  constructor(
    readonly store: KvStore,
    config: CalicoPoolConfig,
  ) {
    try {
      this.pool = parsePrefix(config.cidr);
    } catch {
      throw badConfig('cidr', `not a CIDR prefix: ${JSON.stringify(config.cidr)}`);
    }
    this.family = this.pool.family;
    this.blockSize = config.blockSize ?? (this.family === 4 ? 26 : 122);
    const bits = this.family === 4 ? 32 : 128;
    if (
      !Number.isInteger(this.blockSize) ||
      this.blockSize < this.pool.length ||
      this.blockSize > bits - 1 ||
      bits - this.blockSize > 12
    ) {
      throw badConfig(
        'blockSize',
        `${config.blockSize} must be in ${Math.max(this.pool.length, bits - 12)}..${bits - 1}`,
      );
    }
    this.strictAffinity = config.strictAffinity ?? false;
  }

  private get fam(): string {
    return this.family === 4 ? 'ipv4' : 'ipv6';
  }

  blockKey(cidr: string): string {
    return `${ROOT}/assignment/${this.fam}/block/${blockKeyName(cidr)}`;
  }

  affinityKey(host: string, cidr: string): string {
    return `${ROOT}/host/${host}/${this.fam}/block/${blockKeyName(cidr)}`;
  }

  handleKey(handle: string): string {
    return `${ROOT}/handle/${handle}`;
  }

  private async readBlock(tx: KvTxn, key: string): Promise<CalicoBlock | undefined> {
    const text = await tx.get(key);
    if (text === undefined) return undefined;
    try {
      const b = JSON.parse(text) as CalicoBlock;
      if (!Array.isArray(b.allocations) || !Array.isArray(b.unallocated) || typeof b.cidr !== 'string')
        throw new Error();
      return b;
    } catch {
      throw new IpamError('corrupt-store', key, 'not a Calico allocation block');
    }
  }

  private newBlock(cidr: string, host: string): CalicoBlock {
    const size = 1 << ((this.family === 4 ? 32 : 128) - this.blockSize);
    return {
      cidr,
      affinity: `host:${host}`,
      strictAffinity: this.strictAffinity,
      allocations: new Array(size).fill(null),
      unallocated: Array.from({ length: size }, (_, i) => i),
      attributes: [],
      deleted: false,
      sequenceNumber: 0,
      sequenceNumberForAllocation: {},
    };
  }

  /** Blocks of this pool that exist, by cidr. */
  private async blockCidrs(tx: KvTxn): Promise<string[]> {
    const dir = `${ROOT}/assignment/${this.fam}/block/`;
    return (await tx.peekKeys(dir))
      .map((k) => k.slice(dir.length).replace('-', '/'))
      .filter((c) => {
        try {
          return containsPrefix(this.pool, parsePrefix(c));
        } catch {
          return false;
        }
      });
  }

  private async hostBlocks(tx: KvTxn, host: string): Promise<string[]> {
    const dir = `${ROOT}/host/${host}/${this.fam}/block/`;
    return (await tx.peekKeys(dir)).map((k) => k.slice(dir.length).replace('-', '/'));
  }

  private take(
    block: CalicoBlock,
    handle: string,
    attrs: Record<string, string> | null,
  ): { ordinal: number; seq: number } {
    const ordinal = block.unallocated.shift()!;
    let attr = block.attributes.findIndex(
      (a) => a.handle_id === handle && JSON.stringify(a.secondary) === JSON.stringify(attrs),
    );
    if (attr < 0) attr = block.attributes.push({ handle_id: handle, secondary: attrs }) - 1;
    block.allocations[ordinal] = attr;
    block.sequenceNumber++;
    block.sequenceNumberForAllocation[String(ordinal)] = block.sequenceNumber;
    return { ordinal, seq: block.sequenceNumber };
  }

  private async bumpHandle(tx: KvTxn, handle: string, cidr: string, delta: number): Promise<void> {
    const key = this.handleKey(handle);
    const text = await tx.get(key);
    let h: { block: Record<string, number>; deleted: boolean };
    try {
      h = text === undefined ? { block: {}, deleted: false } : JSON.parse(text);
    } catch {
      throw new IpamError('corrupt-store', key, 'not a Calico handle');
    }
    const n = (h.block[cidr] ?? 0) + delta;
    if (n > 0) h.block[cidr] = n;
    else delete h.block[cidr];
    if (Object.keys(h.block).length === 0) tx.delete(key);
    else tx.put(key, JSON.stringify(h));
  }

  /** Assigns one address to `handle` on `host`. Throws `exhausted` (nothing changed) when the pool has none for it. */
  assign(
    host: string,
    handle: string,
    attrs: Record<string, string> | null = null,
  ): Promise<CalicoAssignment> {
    if (!/^[A-Za-z0-9._-]+$/.test(host)) throw badConfig('host', `not a node name: ${JSON.stringify(host)}`);
    if (!/^[A-Za-z0-9._-]+$/.test(handle))
      throw badConfig('handle', `not a handle id: ${JSON.stringify(handle)}`);
    return this.store.transact(async (tx) => {
      const finish = async (block: CalicoBlock, borrowed: boolean): Promise<CalicoAssignment> => {
        const { ordinal, seq } = this.take(block, handle, attrs);
        tx.put(this.blockKey(block.cidr), JSON.stringify(block));
        await this.bumpHandle(tx, handle, block.cidr, 1);
        const address = formatIpValue(this.family, prefixFirst(parsePrefix(block.cidr)) + BigInt(ordinal));
        return { address, block: block.cidr, host, borrowed, sequenceNumber: seq };
      };
      // 1. The host's own blocks.
      for (const cidr of await this.hostBlocks(tx, host)) {
        const block = await this.readBlock(tx, this.blockKey(cidr));
        if (block && block.unallocated.length > 0) return finish(block, false);
      }
      // 2. Claim a free block for the host.
      const existing = new Set(await this.blockCidrs(tx));
      const count = subnetCount(this.pool, this.blockSize);
      for (let i = 0n; i < count; i++) {
        const cidr = formatPrefix(nthSubnet(this.pool, this.blockSize, i));
        if (existing.has(cidr)) continue;
        const block = this.newBlock(cidr, host);
        tx.create(this.affinityKey(host, cidr), JSON.stringify({ state: 'confirmed', deleted: false }));
        // finish() puts the block; create semantics come from reading it absent first.
        await tx.get(this.blockKey(cidr));
        return finish(block, false);
      }
      // 3. Borrow from another host's block, unless strict affinity forbids it.
      if (!this.strictAffinity) {
        for (const cidr of existing) {
          const block = await this.readBlock(tx, this.blockKey(cidr));
          if (block && !block.strictAffinity && block.unallocated.length > 0)
            return finish(block, block.affinity !== `host:${host}`);
        }
      }
      throw new IpamError(
        'exhausted',
        formatPrefix(this.pool),
        `no address left for host ${host}${this.strictAffinity ? ' (strict affinity)' : ''}`,
      );
    });
  }

  /**
   * Releases one address. With `sequenceNumber` (from assign), a release whose number is not the
   * address's current one is refused (`unavailable`): the address was freed and handed out again since.
   * A block left empty is deleted with its affinity.
   */
  release(address: string, sequenceNumber?: number): Promise<boolean> {
    return this.store.transact(async (tx) => {
      const ip = parseAddress(address);
      if (!containsAddress(this.pool, address))
        throw new IpamError('unavailable', address, `not in pool ${formatPrefix(this.pool)}`);
      const cidr = formatPrefix(prefixOf(this.family, ip.value, this.blockSize));
      const block = await this.readBlock(tx, this.blockKey(cidr));
      if (!block) return false;
      const ordinal = Number(ip.value - prefixFirst(parsePrefix(cidr)));
      const attr = block.allocations[ordinal];
      if (attr === null || attr === undefined) return false;
      if (
        sequenceNumber !== undefined &&
        block.sequenceNumberForAllocation[String(ordinal)] !== sequenceNumber
      ) {
        throw new IpamError('unavailable', address, 'stale release: the address was handed out again since');
      }
      const handle = block.attributes[attr].handle_id;
      await this.freeOrdinals(tx, block, [ordinal]);
      if (handle) await this.bumpHandle(tx, handle, cidr, -1);
      return true;
    });
  }

  /** Releases everything of one handle (a container) at once; returns the addresses freed. */
  releaseHandle(handle: string): Promise<string[]> {
    return this.store.transact(async (tx) => {
      const key = this.handleKey(handle);
      const text = await tx.get(key);
      if (text === undefined) return [];
      let h: { block: Record<string, number> };
      try {
        h = JSON.parse(text);
      } catch {
        throw new IpamError('corrupt-store', key, 'not a Calico handle');
      }
      const freed: string[] = [];
      for (const cidr of Object.keys(h.block)) {
        const block = await this.readBlock(tx, this.blockKey(cidr));
        if (!block) continue;
        const base = prefixFirst(parsePrefix(cidr));
        const ordinals: number[] = [];
        block.allocations.forEach((a, i) => {
          if (a !== null && block.attributes[a]?.handle_id === handle) ordinals.push(i);
        });
        for (const o of ordinals) freed.push(formatIpValue(this.family, base + BigInt(o)));
        await this.freeOrdinals(tx, block, ordinals);
      }
      tx.delete(key);
      return freed;
    });
  }

  private async freeOrdinals(tx: KvTxn, block: CalicoBlock, ordinals: number[]): Promise<void> {
    for (const o of ordinals) {
      block.allocations[o] = null;
      block.unallocated.push(o);
      delete block.sequenceNumberForAllocation[String(o)];
    }
    block.sequenceNumber++;
    // Attributes no allocation points at any more are dropped, and the indexes renumbered.
    const used = [...new Set(block.allocations.filter((a): a is number => a !== null))].sort((a, b) => a - b);
    const remap = new Map(used.map((old, i) => [old, i]));
    block.attributes = used.map((i) => block.attributes[i]);
    block.allocations = block.allocations.map((a) => (a === null ? null : remap.get(a)!));
    const key = this.blockKey(block.cidr);
    if (used.length === 0) {
      tx.delete(key);
      if (block.affinity?.startsWith('host:'))
        tx.delete(this.affinityKey(block.affinity.slice(5), block.cidr));
    } else tx.put(key, JSON.stringify(block));
  }

  /** Every block with its host and how many addresses it holds. */
  blocks(): Promise<{ cidr: string; host: string | null; used: number }[]> {
    return this.store.transact(async (tx) => {
      const out = [];
      for (const cidr of await this.blockCidrs(tx)) {
        const b = await this.readBlock(tx, this.blockKey(cidr));
        if (b)
          out.push({
            cidr,
            host: b.affinity?.replace(/^host:/, '') ?? null,
            used: b.allocations.filter((a) => a !== null).length,
          });
      }
      const first = (c: string) => prefixFirst(parsePrefix(c));
      return out.sort((a, b) => (first(a.cidr) < first(b.cidr) ? -1 : 1));
    });
  }
}
