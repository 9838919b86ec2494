// @cnikit/ipam's stores against the real things, each ratio measured in the same run (issue 14,
// "Speed"): the file store's ADD/DEL in-process vs the real host-local binary's whole ADD/DEL, and an
// etcd allocation vs flannel's lease acquisition (one etcd transaction). Asynchronous cases: every
// operation waits for a lock helper, a process or etcd. Skipped loudly without host-local or etcd.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdStore, FlannelSubnets, HostLocal } from '@cnikit/ipam';
import { startEtcd } from './ipam/etcd-server.mjs';

const HOST_LOCAL = '/usr/lib/cni/host-local';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Addresses held while measuring: the "over 1,000 allocations in a /14". */
const HELD = 1000;

const cleanups = [];
async function teardown() {
  for (const f of cleanups.splice(0).reverse()) await f();
}

function hostLocalCall(network, command, containerId) {
  const r = spawnSync(HOST_LOCAL, [], {
    input: JSON.stringify({
      cniVersion: '1.0.0',
      name: network.name,
      type: 'host-local',
      ipam: network.ipam,
    }),
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: '/var/run/netns/bench',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
    },
  });
  if (r.status !== 0) throw new Error(`host-local ${command}: ${r.stdout}${r.stderr}`);
  return 1;
}

const fileStore = {
  id: 'ipam-file-store-vs-host-local',
  title: `ipam file store ADD/DEL in-process (lock, read, crash-safe write; ${HELD} held in a /14) vs host-local's whole ADD/DEL`,
  async: true,
  agree: false,
  blocker() {
    if (!existsSync(HOST_LOCAL)) return `${HOST_LOCAL} is not installed (Debian containernetworking-plugins)`;
    return undefined;
  },
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-ipam-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const net = (name) => ({
      name,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.128.0.0/14' }]], dataDir: dir },
    });
    const ours = new HostLocal(net('ours'));
    cleanups.push(() => ours.close());
    // Both directories hold HELD addresses (the same files host-local writes).
    const filler = new HostLocal(net('hl'));
    for (let i = 0; i < HELD; i++) {
      await ours.add({ containerId: `held-${i}`, ifname: 'eth0' });
      await filler.add({ containerId: `held-${i}`, ifname: 'eth0' });
    }
    await filler.close();
    // A whole Node process of ours per ADD or DEL (start-up, import, lock helper, the operation).
    // node_modules/.cache does not exist in a fresh clone until some tool makes it.
    const cacheDir = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    const scriptDir = mkdtempSync(join(cacheDir, 'cnikit-ipam-bench-'));
    cleanups.push(() => rmSync(scriptDir, { recursive: true, force: true }));
    const script = join(scriptDir, 'one-op.mjs');
    writeFileSync(
      script,
      `import { HostLocal } from '@cnikit/ipam';\nconst h = new HostLocal(${JSON.stringify(net('proc'))});\nconst o = { containerId: 'x', ifname: 'eth0' };\nawait (process.argv[2] === 'ADD' ? h.add(o) : h.del(o));\nawait h.close();\n`,
    );
    const hl = net('hl');
    let a = 0;
    let b = 0;
    let c = 0;
    // Each implementation alternates ADD and DEL of one container: ns/op is the mean of the two.
    return {
      ours: async () => {
        const o = { containerId: 'x', ifname: 'eth0' };
        if (a++ % 2 === 0) return (await ours.add(o)).ips.length;
        return (await ours.del(o)).length;
      },
      'host-local': async () => hostLocalCall(hl, b++ % 2 === 0 ? 'ADD' : 'DEL', 'x'),
      'ours-process': async () => {
        const r = spawnSync(process.execPath, [script, c++ % 2 === 0 ? 'ADD' : 'DEL']);
        if (r.status !== 0) throw new Error(String(r.stderr));
        return 1;
      },
    };
  },
  teardown,
  targets: [{ vs: 'host-local', max: 0.1 }],
};

const etcdCase = {
  id: 'ipam-etcd-allocation-vs-flannel-lease',
  title:
    'ipam etcd store: one allocation (one transaction), and 8 clients allocating at once, vs a flannel lease acquisition',
  async: true,
  agree: false,
  blocker() {
    const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
    if (!ok('etcd', ['--version']) || !ok('etcdctl', ['version']))
      return 'etcd/etcdctl are not installed (Debian etcd-server, etcd-client)';
    return undefined;
  },
  async setup() {
    const etcd = await startEtcd();
    cleanups.push(etcd.stop);
    const { endpoint } = etcd;
    const network = { name: 'bench', ipam: { ranges: [[{ subnet: '10.64.0.0/10' }]] } };
    const stores = Array.from(
      { length: 9 },
      () => new EtcdStore({ endpoints: [endpoint], prefix: '/bench/', timeoutMs: 30_000 }),
    );
    cleanups.push(async () => {
      for (const s of stores) await s.close();
    });
    const clients = stores.slice(0, 8).map((s) => new HostLocal(network, s));
    const single = new HostLocal(network, stores[8]);
    const flannelStore = new EtcdStore({ endpoints: [endpoint], timeoutMs: 30_000 });
    cleanups.push(() => flannelStore.close());
    const flannel = new FlannelSubnets(flannelStore, { ttlSeconds: 3600 });
    await flannel.writeConfig({ Network: '10.0.0.0/8', SubnetLen: 24 });
    // Connections up, caches filled.
    await Promise.all(
      [...clients, single].map((h, i) => h.add({ containerId: `warm-${i}`, ifname: 'eth0' })),
    );
    let n = 0;
    return {
      ours: async () => (await single.add({ containerId: `s${n++}`, ifname: 'eth0' })).ips.length,
      // 8 allocations at once, one per client (ns/op / 8 = the time per allocation at that concurrency).
      'ours-8-clients': async () => {
        const k = n++;
        const got = await Promise.all(
          clients.map((h, i) => h.add({ containerId: `c${i}-${k}`, ifname: 'eth0' })),
        );
        return got.length;
      },
      // One node acquiring its lease again (flannel at every start): the config and the subnet list
      // read, an etcd lease granted, one transaction.
      'flannel-lease': async () => {
        await flannel.acquire({ PublicIP: '192.168.0.1', BackendType: 'vxlan' });
        return 1;
      },
    };
  },
  teardown,
  targets: [{ vs: 'flannel-lease', max: 1 }],
};

export const cases = [fileStore, etcdCase];
