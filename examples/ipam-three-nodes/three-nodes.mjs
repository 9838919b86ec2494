// Addresses for three nodes in the three styles @cnikit/ipam speaks:
//   flannel   - each node leases a /24 out of the cluster network (flannel's etcd keys and JSON),
//   host-local - pods on a node get addresses from that node's /24 (host-local's data directory),
//   Calico    - nodes claim /26 blocks of a pool and hand out pod addresses from them.
// Run: npm run build -w @cnikit/ipam && node examples/ipam-three-nodes/three-nodes.mjs
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalicoIpam, FlannelSubnets, HostLocal, MemoryStore } from '@cnikit/ipam';

const nodes = ['node-a', 'node-b', 'node-c'];
const dataDir = mkdtempSync(join(tmpdir(), 'cnikit-ipam-example-'));
try {
  // The first free subnets in order, so the output is the same on every run (flannel picks at random).
  const flannel = new FlannelSubnets(new MemoryStore(), { pick: (free) => free[0] });
  await flannel.writeConfig({ Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } });
  const calico = new CalicoIpam(new MemoryStore(), { cidr: '10.96.0.0/24' });

  for (const [i, node] of nodes.entries()) {
    const lease = await flannel.acquire({
      PublicIP: `192.168.0.${10 + i}`,
      BackendType: 'vxlan',
      BackendData: { VNI: 1, VtepMAC: `0a:58:c0:a8:00:0${i}` },
    });
    const hostLocal = new HostLocal({
      name: 'cbr0',
      ipam: { ranges: [[{ subnet: lease.subnet }]], dataDir: join(dataDir, node) },
    });
    const pods = [];
    for (const pod of ['web', 'db'])
      pods.push((await hostLocal.add({ containerId: `${node}-${pod}`, ifname: 'eth0' })).ips[0].address);
    const files = readdirSync(join(dataDir, node, 'cbr0'))
      .sort()
      .join(' ');
    await hostLocal.close();
    const viaCalico = await calico.assign(node, `${node}-web`);
    console.log(`${node}: flannel lease ${lease.subnet} (key ${lease.key})`);
    console.log(`  host-local pods ${pods.join(', ')}; files: ${files}`);
    console.log(`  calico pod ${viaCalico.address} from block ${viaCalico.block}`);
  }
  const blocks = await calico.blocks();
  console.log(`calico blocks: ${blocks.map((b) => `${b.cidr}=${b.host}`).join(' ')}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
