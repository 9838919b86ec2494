/**
 * A flannel-style node agent (flannel's vxlan backend), built from the kit: it leases a node
 * subnet with @cnikit/ipam under flannel's keys (etcd for a cluster, a file store for one
 * machine), creates the VXLAN device with @cnikit/netlink, writes
 * subnet.env for the CNI plugin, and for every other node's lease programs the ARP entry, the FDB
 * entry and the onlink route (removing them when the lease goes). It recreates its device when it
 * is deleted. Run it inside the node's network namespace:
 *
 *   node agent.cjs --etcd http://192.168.60.254:2379 --iface eth0 --public-ip 192.168.60.1 \
 *     --subnet-file /run/flannel/subnet.env [--ttl 86400]
 *   node agent.cjs --store-dir /var/lib/cnk-flannel … (one machine: every node's agent shares the directory)
 *
 * etcd keys (as flannel's etcd subnet manager writes them):
 *   /coreos.com/network/config                 {"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}
 *   /coreos.com/network/subnets/10.244.1.0-24  {"PublicIP": "192.168.60.1", "BackendType": "vxlan",
 *                                               "BackendData": {"VNI": 1, "VtepMAC": "…"}}  (with a TTL lease)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  EtcdStore,
  FileStore,
  FLANNEL_PREFIX,
  type FlannelLease,
  type FlannelLeaseAttrs,
  FlannelSubnets,
  type KvStore,
} from '@cnikit/ipam';
import { type Link, Netlink } from '@cnikit/netlink';
import { formatIpv4, parseIpv4 } from '@cnikit/wire';
import { Etcd3 } from 'etcd3';

const CONFIG_KEY = '/coreos.com/network/config';
const DEVICE = 'flannel.1';
const VNI = 1;
const PORT = 8472;

/** A remote node as programmed: its subnet, VTEP MAC and underlay address. */
interface Remote {
  subnet: string;
  length: number;
  mac: string;
  publicIp: string;
}

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

const log = (what: string) => process.stdout.write(`[agent ${arg('public-ip')}] ${what}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Agent {
  private nl!: Netlink;
  private readonly subnets: FlannelSubnets;
  private lease!: FlannelLease;
  private network = '';
  private mac = '';
  private mtu = 1450;
  private readonly remotes = new Map<string, Remote>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    readonly store: KvStore,
    /** The etcd client the store uses, for the watch on the leases (none: the file store). */
    readonly etcd: Etcd3 | undefined,
    readonly iface: string,
    readonly publicIp: string,
    readonly subnetFile: string,
    readonly ttl: number,
  ) {
    // The first free subnet (flannel picks at random), so a run reads the same every time.
    this.subnets = new FlannelSubnets(store, { ttlSeconds: ttl, pick: (free) => free[0] });
  }

  async start(): Promise<void> {
    this.nl = await Netlink.open();
    const config = await this.retry(() => this.store.transact((tx) => tx.get(CONFIG_KEY)));
    if (!config) throw new Error(`no network configuration at ${CONFIG_KEY}`);
    this.network = (JSON.parse(config) as { Network: string }).Network;
    await this.ensureDevice();
    await this.acquireLease();
    this.writeSubnetFile();
    this.watch();
  }

  /** Store calls fail while etcd is away (after @cnikit/ipam's bounded wait): try again. */
  private async retry<T>(f: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (e) {
        if (attempt > 600) throw e;
        if (attempt % 10 === 0) log(`store: ${(e as Error).message}; retrying`);
        await sleep(500);
      }
    }
  }

  /** flannel.1: VNI 1, port 8472, learning off, local = our underlay address, MTU = underlay − 50. */
  private async ensureDevice(): Promise<Link> {
    const underlay = await this.nl.links.get(this.iface);
    this.mtu = (underlay.mtu ?? 1500) - 50;
    let dev: Link | undefined;
    try {
      dev = await this.nl.links.get(DEVICE);
    } catch {
      dev = undefined;
    }
    if (dev && (dev.vxlan?.id !== VNI || dev.vxlan?.port !== PORT || dev.vxlan?.local !== this.publicIp)) {
      log(`${DEVICE} has other attributes: recreating it`);
      await this.nl.links.delete(dev.index);
      dev = undefined;
    }
    if (!dev) {
      dev = await this.nl.links.create({
        name: DEVICE,
        kind: 'vxlan',
        vxlan: {
          id: VNI,
          link: underlay.index,
          local: this.publicIp,
          port: PORT,
          learning: false,
          gbp: false,
        },
        mtu: this.mtu,
        // Recreated after a deletion: the same MAC, so the other nodes' ARP and FDB entries stay right.
        ...(this.mac ? { address: this.mac } : {}),
      });
      log(
        `created ${DEVICE} (VNI ${VNI}, port ${PORT}, learning off, local ${this.publicIp}, mac ${dev.address})`,
      );
    }
    await this.nl.links.set(dev.index, { up: true });
    this.mac = dev.address ?? '';
    if (this.lease) await this.addDeviceAddress(dev.index);
    return dev;
  }

  private async addDeviceAddress(index: number): Promise<void> {
    await this.nl.addresses.replace({ index, address: `${this.lease.subnet.split('/')[0]}/32` });
  }

  /** The previous subnet from subnet.env, which flannel asks for again after a restart. */
  private previousSubnet(): string | undefined {
    if (!existsSync(this.subnetFile)) return undefined;
    const m = /^FLANNEL_SUBNET=(\d+\.\d+\.\d+)\.\d+\/(\d+)$/m.exec(readFileSync(this.subnetFile, 'utf8'));
    return m ? `${m[1]}.0/${m[2]}` : undefined;
  }

  /**
   * Our lease through @cnikit/ipam's FlannelSubnets: the subnet already leased to our public IP
   * (an agent restarted), else the previous one, else the first free; renewed every third of the TTL.
   */
  private async acquireLease(): Promise<void> {
    const attrs = { PublicIP: this.publicIp, BackendType: 'vxlan', BackendData: { VNI, VtepMAC: this.mac } };
    const before = await this.retry(() => this.subnets.leases());
    const kept = before.find((l) => l.attrs.PublicIP === this.publicIp);
    this.lease = await this.retry(() => this.subnets.acquire(attrs, this.previousSubnet()));
    log(`${kept ? 'kept' : 'took'} lease ${this.lease.subnet} for ${this.ttl}s (${this.lease.key})`);
    const dev = await this.nl.links.get(DEVICE);
    await this.addDeviceAddress(dev.index);
    const timer = setInterval(
      () =>
        void this.subnets.renew(this.lease).catch(async (e) => {
          log(`renewing: ${(e as Error).message}`);
          if ((e as { code?: string }).code === 'unavailable')
            this.lease = await this.retry(() => this.subnets.acquire(attrs));
        }),
      Math.max(1000, (this.ttl * 1000) / 3),
    );
    void timer;
  }

  /** subnet.env as flannel writes it, atomically (the CNI plugin reads it). */
  private writeSubnetFile(): void {
    const [subnet, length] = this.lease.subnet.split('/');
    const gateway = formatIpv4((parseIpv4(subnet) + 1) >>> 0);
    mkdirSync(dirname(this.subnetFile), { recursive: true });
    const tmp = `${this.subnetFile}.tmp`;
    writeFileSync(
      tmp,
      `FLANNEL_NETWORK=${this.network}\nFLANNEL_SUBNET=${gateway}/${length}\nFLANNEL_MTU=${this.mtu}\nFLANNEL_IPMASQ=false\n`,
    );
    renameSync(tmp, this.subnetFile);
    log(`wrote ${this.subnetFile}: subnet ${gateway}/${length}, mtu ${this.mtu}`);
  }

  /**
   * The leases are followed as flannel follows them. With etcd: one read of the subnets prefix,
   * then a watch from the revision after that read; each put or delete is applied as it comes. A
   * lost watch (etcd gone, the stream ended, a compacted revision) means a full resync: re-read,
   * re-apply, watch again from the new revision. With the file store (one machine) the directory
   * is read every second: a lease there expires by its TTL without any write, so no file event
   * would tell. The device is followed with an rtnetlink link monitor and recreated at once.
   */
  private watch(): void {
    this.watchDevice();
    if (!this.etcd) {
      setInterval(() => this.queue(() => this.resyncFromStore()), 1000);
      return;
    }
    this.queue(() => this.followEtcd(this.etcd as Etcd3));
  }

  /** Runs `f` after whatever is being applied, so the kernel changes never interleave. */
  private queue(f: () => Promise<void>): void {
    this.syncing = this.syncing.then(f).catch(report);
  }

  private watchDevice(): void {
    const monitor = this.nl.monitor(['link']);
    monitor.on('event', (e) => {
      if (e.kind === 'dellink' && e.link.name === DEVICE) this.queue(() => this.checkDevice());
    });
    // Events dropped (ENOBUFS): look at the device instead of trusting what was seen.
    monitor.on('error', () => this.queue(() => this.checkDevice()));
  }

  private async checkDevice(): Promise<void> {
    try {
      await this.nl.links.get(DEVICE);
    } catch {
      log(`${DEVICE} is gone: recreating it`);
      await this.ensureDevice();
      for (const r of this.remotes.values()) await this.program(r);
    }
  }

  /** One full read of the leases and a watch from the revision after it, until the watch is lost. */
  private async followEtcd(etcd: Etcd3): Promise<void> {
    const dir = `${FLANNEL_PREFIX}/subnets/`;
    const read = await this.retry(() => etcd.getAll().prefix(dir).exec());
    const revision = BigInt(read.header.revision);
    const leases: FlannelLease[] = [];
    for (const kv of read.kvs) {
      const lease = leaseOf(kv.key.toString(), kv.value.toString());
      if (lease) leases.push(lease);
    }
    await this.apply(leases);
    log(`watching ${dir} from revision ${revision + 1n} (${leases.length} leases read)`);
    const watcher = await etcd
      .watch()
      .prefix(dir)
      .startRevision(String(revision + 1n))
      .create();
    let lost = false;
    const resync = (why: string) => {
      if (lost) return;
      lost = true;
      log(`watch lost (${why}): reading every lease again`);
      void watcher.cancel().catch(() => undefined);
      this.queue(() => this.followEtcd(etcd));
    };
    watcher.on('put', (kv) => {
      const key = kv.key.toString();
      this.queue(async () => {
        const lease = leaseOf(key, kv.value.toString());
        if (lease) await this.applyLease(lease);
      });
    });
    watcher.on('delete', (kv) => {
      const key = kv.key.toString();
      this.queue(() => this.forget(key));
    });
    watcher.on('disconnected', (e) => resync(e.message));
    watcher.on('error', (e) => resync(e.message));
  }

  /** The file store: every lease read again and the kernel made to match. */
  private async resyncFromStore(): Promise<void> {
    let leases: FlannelLease[];
    try {
      leases = await this.subnets.leases();
    } catch {
      return; // the store is away: keep what is programmed
    }
    await this.apply(leases);
  }

  /** A full list of leases applied: new or changed nodes programmed, vanished ones removed. */
  private async apply(leases: readonly FlannelLease[]): Promise<void> {
    const seen = new Set<string>();
    for (const l of leases) {
      seen.add(l.key);
      await this.applyLease(l);
    }
    for (const key of [...this.remotes.keys()]) if (!seen.has(key)) await this.forget(key);
  }

  private async applyLease(l: FlannelLease): Promise<void> {
    if (l.subnet === this.lease.subnet || l.attrs.BackendType !== 'vxlan' || !l.attrs.BackendData?.VtepMAC)
      return;
    const [subnet, length] = l.subnet.split('/');
    const remote: Remote = {
      subnet,
      length: Number(length),
      mac: l.attrs.BackendData.VtepMAC,
      publicIp: l.attrs.PublicIP,
    };
    const old = this.remotes.get(l.key);
    if (old && old.mac === remote.mac && old.publicIp === remote.publicIp) return;
    if (old) await this.unprogram(old);
    this.remotes.set(l.key, remote);
    await this.program(remote);
  }

  private async forget(key: string): Promise<void> {
    const old = this.remotes.get(key);
    if (!old) return;
    this.remotes.delete(key);
    await this.unprogram(old);
  }

  /** flannel's per-remote programming: ARP (subnet.0 → VTEP MAC), FDB (MAC → underlay IP), onlink route. */
  private async program(r: Remote): Promise<void> {
    const dev = await this.nl.links.get(DEVICE);
    await this.nl.neighbours.replace({ index: dev.index, dst: r.subnet, lladdr: r.mac });
    await this.nl.fdb.replace({ index: dev.index, lladdr: r.mac, dst: r.publicIp });
    await this.nl.routes.replace({
      dst: `${r.subnet}/${r.length}`,
      gateway: r.subnet,
      oif: dev.index,
      onlink: true,
    });
    log(`added ${r.subnet}/${r.length} via ${r.publicIp} (vtep ${r.mac}): arp, fdb, route`);
  }

  private async unprogram(r: Remote): Promise<void> {
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    let index: number;
    try {
      index = (await this.nl.links.get(DEVICE)).index;
    } catch {
      return;
    }
    await quiet(this.nl.routes.delete({ dst: `${r.subnet}/${r.length}`, gateway: r.subnet, oif: index }));
    await quiet(this.nl.fdb.delete({ index, lladdr: r.mac, dst: r.publicIp }));
    await quiet(this.nl.neighbours.delete({ index, dst: r.subnet, lladdr: r.mac }));
    log(`removed ${r.subnet}/${r.length} (node ${r.publicIp} gone): arp, fdb, route`);
  }
}

/** A lease from its etcd key and value; a value that is not flannel's JSON is reported and skipped. */
function leaseOf(key: string, value: string): FlannelLease | undefined {
  const dir = `${FLANNEL_PREFIX}/subnets/`;
  try {
    const attrs = JSON.parse(value) as FlannelLeaseAttrs;
    if (typeof attrs?.PublicIP !== 'string') throw new Error('no PublicIP');
    return { key, subnet: key.slice(dir.length).replace('-', '/'), attrs };
  } catch (e) {
    log(`ignoring ${key}: ${(e as Error).message}`);
    return undefined;
  }
}

function report(e: unknown): void {
  process.stderr.write(`agent error: ${(e as Error)?.stack ?? String(e)}\n`);
}

const storeDir = process.argv.includes('--store-dir') ? arg('store-dir') : undefined;
const etcd = storeDir ? undefined : new Etcd3({ hosts: arg('etcd').split(','), dialTimeout: 2000 });
const store: KvStore = etcd
  ? new EtcdStore({ endpoints: arg('etcd').split(','), prefix: '', client: etcd })
  : new FileStore(storeDir as string);
const agent = new Agent(
  store,
  etcd,
  arg('iface', 'eth0'),
  arg('public-ip'),
  arg('subnet-file'),
  Number(arg('ttl', '86400')),
);
agent.start().catch((e) => {
  report(e);
  process.exit(1);
});
