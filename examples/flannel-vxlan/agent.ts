/**
 * A flannel-style node agent (flannel's vxlan backend), built from the kit: it leases a node
 * subnet in etcd under flannel's keys, creates the VXLAN device with @cnikit/netlink, writes
 * subnet.env for the CNI plugin, and for every other node's lease programs the ARP entry, the FDB
 * entry and the onlink route (removing them when the lease goes). It recreates its device when it
 * is deleted. Run it inside the node's network namespace:
 *
 *   node agent.cjs --etcd http://192.168.60.254:2379 --iface eth0 --public-ip 192.168.60.1 \
 *     --subnet-file /run/flannel/subnet.env [--ttl 86400]
 *
 * etcd keys (as flannel's etcd subnet manager writes them):
 *   /coreos.com/network/config                 {"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}
 *   /coreos.com/network/subnets/10.244.1.0-24  {"PublicIP": "192.168.60.1", "BackendType": "vxlan",
 *                                               "BackendData": {"VNI": 1, "VtepMAC": "…"}}  (with a TTL lease)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Link, Netlink } from '@cnikit/netlink';
import { formatIpv4, parseIpv4, parsePrefix } from '@cnikit/wire';
import { Etcd3, type Lease } from 'etcd3';

const PREFIX = '/coreos.com/network/';
const DEVICE = 'flannel.1';
const VNI = 1;
const PORT = 8472;

interface NetworkConfig {
  Network: string;
  SubnetLen?: number;
  Backend?: { Type?: string };
}
interface LeaseValue {
  PublicIP: string;
  BackendType: string;
  BackendData: { VNI: number; VtepMAC: string };
}
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
/** `10.244.1.0/24` ↔ the key name `10.244.1.0-24`. */
const subnetKey = (subnet: string, length: number) => `${PREFIX}subnets/${subnet}-${length}`;
function parseSubnetKey(key: string): { subnet: string; length: number } | undefined {
  const m = /subnets\/(\d+\.\d+\.\d+\.\d+)-(\d+)$/.exec(key);
  return m ? { subnet: m[1], length: Number(m[2]) } : undefined;
}

class Agent {
  private readonly etcd: Etcd3;
  private nl!: Netlink;
  private lease!: Lease;
  private config!: NetworkConfig;
  private subnet = '';
  private length = 24;
  private mac = '';
  private mtu = 1450;
  private readonly remotes = new Map<string, Remote>();
  private closed = false;

  constructor(
    readonly endpoints: string,
    readonly iface: string,
    readonly publicIp: string,
    readonly subnetFile: string,
    readonly ttl: number,
  ) {
    this.etcd = new Etcd3({ hosts: endpoints.split(','), dialTimeout: 2000 });
  }

  async start(): Promise<void> {
    this.nl = await Netlink.open();
    this.config = JSON.parse((await this.retry(() => this.etcd.get(`${PREFIX}config`).string())) ?? 'null');
    if (!this.config?.Network) throw new Error(`no network configuration at ${PREFIX}config`);
    this.length = this.config.SubnetLen ?? 24;
    await this.ensureDevice();
    await this.acquireLease();
    this.writeSubnetFile();
    await this.watchLeases();
    this.checkDeviceForever();
  }

  private async retry<T>(f: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (e) {
        if (this.closed || attempt > 600) throw e;
        await new Promise((r) => setTimeout(r, 500));
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
    if (this.subnet) await this.addDeviceAddress(dev.index);
    return dev;
  }

  private async addDeviceAddress(index: number): Promise<void> {
    await this.nl.addresses.replace({ index, address: `${this.subnet}/32` });
  }

  /**
   * Our lease: the subnet already leased to our public IP (an agent restarted), else the first free
   * one after the network's first; taken with a create-if-absent transaction and an etcd lease of
   * `ttl` seconds kept alive while we run.
   */
  private async acquireLease(): Promise<void> {
    this.lease = this.etcd.lease(this.ttl);
    this.lease.on('lost', (e) => log(`etcd lease lost (${e.message}); taking it again`));
    const leaseId = await this.retry(() => this.lease.grant());
    const network = parsePrefix(this.config.Network);
    if (network.family !== 4) throw new Error('IPv4 networks only');
    for (;;) {
      const existing = await this.retry(() => this.etcd.getAll().prefix(`${PREFIX}subnets/`).strings());
      const taken = new Set<string>();
      let mine: { subnet: string; length: number } | undefined;
      for (const [key, text] of Object.entries(existing)) {
        const s = parseSubnetKey(key);
        if (!s) continue;
        taken.add(s.subnet);
        if ((JSON.parse(text) as LeaseValue).PublicIP === this.publicIp) mine = s;
      }
      const value = () =>
        JSON.stringify({
          PublicIP: this.publicIp,
          BackendType: 'vxlan',
          BackendData: { VNI, VtepMAC: this.mac },
        });
      if (mine) {
        this.subnet = mine.subnet;
        await this.retry(() =>
          this.etcd.put(subnetKey(mine.subnet, mine.length)).value(value()).lease(leaseId).exec(),
        );
        log(`kept lease ${mine.subnet}/${mine.length}`);
        break;
      }
      const count = 2 ** (this.length - network.length);
      let chosen: string | undefined;
      for (let i = 1; i < count && !chosen; i++) {
        const candidate = formatIpv4((network.address + i * 2 ** (32 - this.length)) >>> 0);
        if (!taken.has(candidate)) chosen = candidate;
      }
      if (!chosen) throw new Error(`no free /${this.length} left in ${this.config.Network}`);
      const key = subnetKey(chosen, this.length);
      const r = await this.retry(() =>
        this.etcd.if(key, 'Create', '==', 0).then(this.etcd.put(key).value(value()).lease(leaseId)).commit(),
      );
      if (r.succeeded) {
        this.subnet = chosen;
        log(`leased ${chosen}/${this.length} for ${this.ttl}s`);
        break;
      }
    }
    const dev = await this.nl.links.get(DEVICE);
    await this.addDeviceAddress(dev.index);
  }

  /** subnet.env as flannel writes it, atomically (the CNI plugin reads it). */
  private writeSubnetFile(): void {
    const gateway = formatIpv4((parseIpv4(this.subnet) + 1) >>> 0);
    mkdirSync(dirname(this.subnetFile), { recursive: true });
    const tmp = `${this.subnetFile}.tmp`;
    writeFileSync(
      tmp,
      `FLANNEL_NETWORK=${this.config.Network}\nFLANNEL_SUBNET=${gateway}/${this.length}\nFLANNEL_MTU=${this.mtu}\nFLANNEL_IPMASQ=false\n`,
    );
    renameSync(tmp, this.subnetFile);
    log(`wrote ${this.subnetFile}: subnet ${gateway}/${this.length}, mtu ${this.mtu}`);
  }

  private async watchLeases(): Promise<void> {
    const all = await this.retry(() => this.etcd.getAll().prefix(`${PREFIX}subnets/`).strings());
    for (const [key, text] of Object.entries(all)) await this.onPut(key, text);
    const watcher = await this.retry(() => this.etcd.watch().prefix(`${PREFIX}subnets/`).create());
    watcher.on('put', (kv) => void this.onPut(kv.key.toString(), kv.value.toString()).catch(report));
    watcher.on('delete', (kv) => void this.onDelete(kv.key.toString()).catch(report));
    watcher.on('disconnected', () => log('etcd watch disconnected'));
    watcher.on('connected', () => log('etcd watch connected'));
  }

  private async onPut(key: string, text: string): Promise<void> {
    const s = parseSubnetKey(key);
    if (!s || s.subnet === this.subnet) return;
    const v = JSON.parse(text) as LeaseValue;
    if (v.BackendType !== 'vxlan' || !v.BackendData?.VtepMAC) return;
    const remote: Remote = { ...s, mac: v.BackendData.VtepMAC, publicIp: v.PublicIP };
    const old = this.remotes.get(key);
    if (old && old.mac === remote.mac && old.publicIp === remote.publicIp) return;
    if (old) await this.unprogram(old);
    this.remotes.set(key, remote);
    await this.program(remote);
  }

  private async onDelete(key: string): Promise<void> {
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

  /** flannel recreates its device when it disappears; we look once a second. */
  private checkDeviceForever(): void {
    const timer = setInterval(async () => {
      try {
        await this.nl.links.get(DEVICE);
      } catch {
        log(`${DEVICE} is gone: recreating it`);
        try {
          await this.ensureDevice();
          for (const r of this.remotes.values()) await this.program(r);
        } catch (e) {
          report(e);
        }
      }
    }, 1000);
    timer.unref?.();
    setInterval(() => {}, 1 << 30); // keep running
  }
}

function report(e: unknown): void {
  process.stderr.write(`agent error: ${(e as Error)?.stack ?? String(e)}\n`);
}

const agent = new Agent(
  arg('etcd'),
  arg('iface', 'eth0'),
  arg('public-ip'),
  arg('subnet-file'),
  Number(arg('ttl', '86400')),
);
agent.start().catch((e) => {
  report(e);
  process.exit(1);
});
