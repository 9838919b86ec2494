import { formatPrefix, type Prefix, parsePrefix } from '@cnikit/wire';
import { badConfig, IpamError } from './errors.js';
import type { KvStore, KvTxn } from './kv-store.js';
import {
  containsPrefix,
  nthSubnet,
  parseAddress,
  prefixFirst,
  prefixOf,
  subnetCount,
  subnetIndex,
} from './prefix-math.js';

/** `/coreos.com/network/config` as flannel reads it (IPv4). */
export interface FlannelConfig {
  Network: string;
  SubnetLen?: number;
  SubnetMin?: string;
  SubnetMax?: string;
  Backend?: { Type: string; [k: string]: unknown };
}

/** A lease's value as flannel writes it under `/coreos.com/network/subnets/<a.b.c.d>-<len>`. */
export interface FlannelLeaseAttrs {
  PublicIP: string;
  PublicIPv6?: string;
  BackendType?: string;
  BackendData?: { VNI?: number; VtepMAC?: string; [k: string]: unknown };
}

export interface FlannelLease {
  readonly subnet: string;
  readonly key: string;
  readonly attrs: FlannelLeaseAttrs;
}

interface NetworkConfig {
  network: Prefix;
  subnetLen: number;
  min: bigint;
  max: bigint;
}

export const FLANNEL_PREFIX = '/coreos.com/network';

/** `10.244.1.0/24` → `10.244.1.0-24`, flannel's key form. */
export function flannelSubnetKey(subnet: string): string {
  return subnet.replace('/', '-');
}

/** flannel's config checks and defaults (SubnetLen 24, or half a /24-or-smaller network; SubnetMin skips the first subnet). */
export function parseFlannelConfig(
  text: string,
  key = `${FLANNEL_PREFIX}/config`,
): NetworkConfig & { raw: FlannelConfig } {
  let raw: FlannelConfig;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new IpamError('corrupt-store', key, `not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.Network !== 'string') {
    throw badConfig('Network', 'missing');
  }
  let network: Prefix;
  try {
    network = parsePrefix(raw.Network, false);
  } catch {
    throw badConfig('Network', `not a CIDR prefix: ${JSON.stringify(raw.Network)}`);
  }
  if (network.family !== 4)
    throw badConfig('Network', 'only IPv4 networks here (flannel keeps IPv6 in IPv6Network)');
  if (network.length > 28) throw badConfig('Network', 'too small: the smallest useful network is a /28');
  const subnetLen = raw.SubnetLen ?? (network.length < 24 ? 24 : network.length + 1);
  if (!Number.isInteger(subnetLen) || subnetLen <= network.length || subnetLen > 30) {
    throw badConfig('SubnetLen', `${raw.SubnetLen} must be an integer in ${network.length + 1}..30`);
  }
  const count = subnetCount(network, subnetLen);
  const indexOf = (field: 'SubnetMin' | 'SubnetMax', dflt: bigint): bigint => {
    const text = raw[field];
    if (text === undefined) return dflt;
    let v: bigint;
    try {
      v = parseAddress(text).value;
    } catch {
      throw badConfig(field, `not an IPv4 address: ${JSON.stringify(text)}`);
    }
    const p = prefixOf(4, v, subnetLen);
    if (prefixFirst(p) !== v || !containsPrefix(network, p)) {
      throw badConfig(field, `${text} is not a /${subnetLen} subnet of ${formatPrefix(network)}`);
    }
    return subnetIndex(network, p);
  };
  const min = indexOf('SubnetMin', 1n);
  const max = indexOf('SubnetMax', count - 1n);
  if (max < min) throw badConfig('SubnetMax', 'is below SubnetMin');
  return { network, subnetLen, min, max, raw };
}

function parseLease(key: string, text: string): FlannelLeaseAttrs {
  let v: FlannelLeaseAttrs;
  try {
    v = JSON.parse(text);
  } catch {
    throw new IpamError(
      'corrupt-store',
      key,
      `lease value is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  if (typeof v !== 'object' || v === null || typeof v.PublicIP !== 'string') {
    throw new IpamError('corrupt-store', key, 'lease value has no PublicIP');
  }
  return v;
}

export interface FlannelOptions {
  /** Key prefix (flannel's `-etcd-prefix`), default `/coreos.com/network`. */
  prefix?: string;
  /** Lease TTL in seconds (flannel: 24 h). */
  ttlSeconds?: number;
  /** Picks among free subnet indexes (default: at random, as flannel does). */
  pick?: (free: bigint[]) => bigint;
}

/**
 * flannel's subnet manager: per-node subnets of `SubnetLen` carved out of `Network` between
 * SubnetMin and SubnetMax, each a lease with a TTL under flannel's own keys and JSON, so flanneld
 * and `etcdctl` read what this writes. A node whose PublicIP already holds a lease gets it back.
 */
export class FlannelSubnets {
  readonly prefix: string;
  readonly ttlSeconds: number;
  private readonly pick: (free: bigint[]) => bigint;

  constructor(
    readonly store: KvStore,
    options: FlannelOptions = {},
  ) {
    this.prefix = options.prefix ?? FLANNEL_PREFIX;
    this.ttlSeconds = options.ttlSeconds ?? 24 * 3600;
    this.pick = options.pick ?? ((free) => free[Math.floor(Math.random() * free.length)]);
  }

  /** Writes the network configuration (validated first; a bad one changes nothing). */
  async writeConfig(config: FlannelConfig): Promise<void> {
    parseFlannelConfig(JSON.stringify(config));
    await this.store.transact((tx) => tx.put(`${this.prefix}/config`, JSON.stringify(config)));
  }

  private async config(tx: KvTxn) {
    const key = `${this.prefix}/config`;
    const text = await tx.get(key);
    if (text === undefined) throw new IpamError('bad-config', key, 'no flannel network configuration');
    return parseFlannelConfig(text, key);
  }

  private async readLeases(tx: KvTxn): Promise<FlannelLease[]> {
    const dir = `${this.prefix}/subnets/`;
    const out: FlannelLease[] = [];
    for (const [key, text] of await tx.list(dir)) {
      out.push({ key, subnet: key.slice(dir.length).replace('-', '/'), attrs: parseLease(key, text) });
    }
    return out;
  }

  /** Every live lease (a malformed value is a corrupt-store error naming its key). */
  leases(): Promise<FlannelLease[]> {
    return this.store.transact((tx) => this.readLeases(tx));
  }

  /**
   * Acquires a subnet for a node: its existing lease (same PublicIP) renewed, else `previous`
   * (flannel's subnet.env) if free and valid, else a free subnet. Throws `exhausted` when none is left.
   */
  acquire(attrs: FlannelLeaseAttrs, previous?: string): Promise<FlannelLease> {
    return this.store.transact(async (tx) => {
      const cfg = await this.config(tx);
      const leases = await this.readLeases(tx);
      const mine = leases.find((l) => l.attrs.PublicIP === attrs.PublicIP);
      let subnet: Prefix;
      if (mine) subnet = parsePrefix(mine.subnet);
      else {
        const taken = new Set(leases.map((l) => l.subnet));
        const prev = previous === undefined ? undefined : parsePrefix(previous, false);
        const ok = (p: Prefix) => {
          if (p.length !== cfg.subnetLen || !containsPrefix(cfg.network, p) || taken.has(formatPrefix(p)))
            return false;
          const i = subnetIndex(cfg.network, p);
          return i >= cfg.min && i <= cfg.max;
        };
        if (prev && ok(prev)) subnet = prev;
        else {
          const free: bigint[] = [];
          // flannel also looks at a bounded number of candidates, not the whole space.
          for (let i = cfg.min; i <= cfg.max && free.length < 100; i++) {
            if (!taken.has(formatPrefix(nthSubnet(cfg.network, cfg.subnetLen, i)))) free.push(i);
          }
          if (free.length === 0)
            throw new IpamError(
              'exhausted',
              `${this.prefix}/subnets`,
              'no free subnet between SubnetMin and SubnetMax',
            );
          subnet = nthSubnet(cfg.network, cfg.subnetLen, this.pick(free));
        }
      }
      const text = formatPrefix(subnet);
      const key = `${this.prefix}/subnets/${flannelSubnetKey(text)}`;
      const value = JSON.stringify(normalize(attrs));
      if (mine) tx.put(key, value, { ttlSeconds: this.ttlSeconds });
      else tx.create(key, value, { ttlSeconds: this.ttlSeconds });
      return { subnet: text, key, attrs: normalize(attrs) };
    });
  }

  /** Renews a lease for another TTL; `unavailable` if it expired and someone else took the subnet. */
  renew(lease: FlannelLease): Promise<FlannelLease> {
    return this.store.transact(async (tx) => {
      const text = await tx.get(lease.key);
      if (text !== undefined && parseLease(lease.key, text).PublicIP !== lease.attrs.PublicIP) {
        throw new IpamError('unavailable', lease.key, 'the subnet is leased to another node now');
      }
      tx.put(lease.key, JSON.stringify(lease.attrs), { ttlSeconds: this.ttlSeconds });
      return lease;
    });
  }

  release(lease: FlannelLease): Promise<void> {
    return this.store.transact(async (tx) => {
      const text = await tx.get(lease.key);
      if (text !== undefined && parseLease(lease.key, text).PublicIP === lease.attrs.PublicIP)
        tx.delete(lease.key);
    });
  }
}

function normalize(a: FlannelLeaseAttrs): FlannelLeaseAttrs {
  const out: FlannelLeaseAttrs = { PublicIP: a.PublicIP };
  if (a.PublicIPv6 !== undefined) out.PublicIPv6 = a.PublicIPv6;
  if (a.BackendType !== undefined) out.BackendType = a.BackendType;
  if (a.BackendData !== undefined) out.BackendData = a.BackendData;
  return out;
}
