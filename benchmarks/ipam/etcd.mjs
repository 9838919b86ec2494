// etcd store: allocations per second with 8 concurrent clients on one pool, the latency of one
// allocation (one client, median), and flannel's lease acquisition (one transaction) beside it.
// Starts its own etcd on loopback with a temp data dir and removes it.
//   npm run build -w @cnikit/ipam && node benchmarks/ipam/etcd.mjs [seconds]
import { loadavg } from 'node:os';
import { EtcdStore, FlannelSubnets, HostLocal } from '@cnikit/ipam';
import { startEtcd } from './etcd-server.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const etcd = await startEtcd();
const { endpoint } = etcd;
try {
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
  etcd.stop();
}
