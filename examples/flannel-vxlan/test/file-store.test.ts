/**
 * The same network on one machine without etcd: the agents of two node namespaces share a
 * @cnikit/ipam FileStore directory for their flannel leases (as flannel's keys, one file each, with
 * a TTL). Pods on the two nodes ping each other; a node whose agent dies loses its lease when the
 * TTL runs out and disappears from the other node's routes, ARP and FDB.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniRuntime } from '@cnikit/cni';
import { FileStore, FlannelSubnets } from '@cnikit/ipam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab, sleep } from '../../../test/support/netns.js';
import { buildExample } from '../build.mjs';

const blocker =
  kernelTestBlocker(['ping']) ??
  (existsSync('/usr/lib/cni/host-local')
    ? undefined
    : '/usr/lib/cni/host-local is missing (containernetworking-plugins)') ??
  (existsSync(join(__dirname, '../../../packages/netlink/build/Release/cnikit_netlink.node'))
    ? undefined
    : 'the @cnikit/netlink addon is not built');
announceKernelTestBlocker(blocker, 'flannel-vxlan file-store test');

describe.skipIf(blocker !== undefined)('flannel-vxlan on one machine: leases in a shared file store', () => {
  let lab: Lab;
  const nodes: Record<string, string> = {};
  const agents: Record<string, ChildProcess> = {};
  const pods: Record<string, { ns: string; ip: string }> = {};
  let storeDir: string;

  const routes = (n: string) =>
    (
      JSON.parse(lab.run(nodes[n], 'ip -j -4 route show dev flannel.1')) as {
        dst: string;
        gateway?: string;
      }[]
    )
      .filter((r) => r.gateway)
      .map((r) => r.dst);
  async function waitFor(what: string, f: () => boolean, ms = 30_000): Promise<void> {
    for (const until = Date.now() + ms; !f(); await sleep(100)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    }
  }

  beforeAll(async () => {
    lab = new Lab('cnk-cni');
    const built = await buildExample();
    storeDir = join(lab.dir, 'store');
    const subnets = new FlannelSubnets(new FileStore(storeDir));
    await subnets.writeConfig({ Network: '10.245.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } });
    const ul = lab.ns('ul');
    lab.run(ul, 'ip link add br0 type bridge && ip link set br0 up');
    for (const [i, n] of ['a', 'b'].entries()) {
      nodes[n] = lab.ns(n);
      lab.run(
        ul,
        `ip link add ul${n} type veth peer name eth0 netns ${nodes[n]} && ip link set ul${n} master br0 up`,
      );
      lab.run(
        nodes[n],
        `ip addr add 192.168.61.${i + 1}/24 dev eth0 && ip link set eth0 up && sysctl -qw net.ipv4.ip_forward=1`,
      );
      const subnetFile = join(lab.dir, n, 'subnet.env');
      agents[n] = lab.spawn(
        nodes[n],
        `${process.execPath} ${built.agent} --store-dir ${storeDir} --iface eth0 --public-ip 192.168.61.${i + 1} --subnet-file ${subnetFile} --ttl 4`,
      );
      await waitFor(`${n}'s lease`, () => existsSync(subnetFile));
      const runtime = new CniRuntime({
        path: [built.pluginDir, '/usr/lib/cni'],
        cacheDir: join(lab.dir, n, 'cache'),
        launcher: ['ip', 'netns', 'exec', nodes[n]],
      });
      const podNs = lab.ns(`${n}p`);
      const list = {
        cniVersion: '1.1.0',
        name: 'cbr0',
        plugins: [{ type: 'cnk-flannel', subnetFile, dataDir: join(lab.dir, n, 'ipam') }],
      };
      const r = await runtime.add(list, {
        containerId: `ctr-${n}`,
        netns: `/var/run/netns/${podNs}`,
        ifName: 'eth0',
      });
      pods[n] = { ns: podNs, ip: r.ips![0].address.split('/')[0] };
    }
    await waitFor('both nodes programmed', () => routes('a').length === 1 && routes('b').length === 1);
  }, 120_000);
  afterAll(() => lab?.cleanup());

  it("leases are flannel's keys as files in the shared directory; pods on the two nodes ping each other", () => {
    const lease = JSON.parse(
      readFileSync(join(storeDir, 'coreos.com/network/subnets/10.245.1.0-24'), 'utf8'),
    );
    expect(lease).toMatchObject({ PublicIP: '192.168.61.1', BackendType: 'vxlan', BackendData: { VNI: 1 } });
    expect(existsSync(join(storeDir, 'coreos.com/network/subnets/10.245.2.0-24'))).toBe(true);
    expect([pods.a.ip, pods.b.ip]).toEqual(['10.245.1.2', '10.245.2.2']);
    expect(routes('a')).toEqual(['10.245.2.0/24']);
    expect(
      spawnSync('ip', ['netns', 'exec', pods.a.ns, 'ping', '-c', '1', '-W', '2', pods.b.ip]).status,
    ).toBe(0);
    expect(
      spawnSync('ip', ['netns', 'exec', pods.b.ns, 'ping', '-c', '1', '-W', '2', pods.a.ip]).status,
    ).toBe(0);
  });

  it("a dead agent's lease runs out (TTL 4 s) and node b disappears from node a", async () => {
    agents.b.kill('SIGKILL');
    await waitFor('b removed from a', () => routes('a').length === 0, 20_000);
    expect(lab.run(nodes.a, 'bridge fdb show dev flannel.1')).not.toContain('192.168.61.2');
  });
});
