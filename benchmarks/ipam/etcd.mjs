// etcd store: allocations per second with 8 concurrent clients on one pool, the latency of one
// allocation (one client, median), and flannel's lease acquisition (one transaction) beside it.
// Starts its own etcd on loopback with a temp data dir and removes it.
//   npm run build -w @cnikit/ipam && node benchmarks/ipam/etcd.mjs [seconds]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore, FlannelSubnets, HostLocal } from '@cnikit/ipam';

const SECONDS = Number(process.argv[2] ?? 5);
const port = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// etcd's data on tmpfs when there is one: its fsyncs are etcd's cost, not the allocator's.
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cnikit-ipam-etcd-bench-'));
const [client, peer] = [await port(), await port()];
const endpoint = `http://127.0.0.1:${client}`;
const etcd = spawn(
  'etcd',
  [
    '--data-dir',
    join(dir, 'data'),
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--log-level',
    'error',
  ],
  { stdio: 'ignore' },
);
try {
  for (
    let i = 0;
    i < 100 && spawnSync('etcdctl', ['--endpoints', endpoint, 'endpoint', 'health']).status !== 0;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const network = { name: 'bench', ipam: { ranges: [[{ subnet: '10.64.0.0/12' }]] } };
  const stores = Array.from(
    { length: 8 },
    () => new EtcdStore({ endpoints: [endpoint], prefix: '/bench/', timeoutMs: 30_000 }),
  );
  // Connections made and caches filled before the clock starts.
  const clients = stores.map((store) => new HostLocal(network, store));
  await Promise.all(clients.map((h, c) => h.add({ containerId: `warm-${c}`, ifname: 'eth0' })));
  let count = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    clients.map(async (ipam, c) => {
      for (let i = 0; Date.now() < end; i++, count++)
        await ipam.add({ containerId: `c${c}-${i}`, ifname: 'eth0' });
    }),
  );
  const conflicts = stores.reduce((n, s) => n + s.conflicts, 0);
  const single = new HostLocal(network, stores[0]);
  const one = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await single.add({ containerId: `single-${i}`, ifname: 'eth0' });
    one.push(performance.now() - t);
  }
  const flannel = new FlannelSubnets(stores[1], { ttlSeconds: 3600 });
  await flannel.writeConfig({ Network: '10.0.0.0/8', SubnetLen: 24 });
  const lease = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await flannel.acquire({ PublicIP: `192.168.${i >> 8}.${i & 255}`, BackendType: 'vxlan' });
    lease.push(performance.now() - t);
  }
  for (const s of stores) await s.close();
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  8 clients, ${SECONDS} s: ${count} allocations, ${(count / SECONDS).toFixed(0)}/s, ${conflicts} conflicts retried`,
  );
  console.log(`  one allocation, one client: median ${median(one).toFixed(2)} ms`);
  console.log(`  flannel lease acquisition: median ${median(lease).toFixed(2)} ms`);
} finally {
  etcd.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
