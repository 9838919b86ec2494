/**
 * Our runtime side driving Debian's real containernetworking-plugins as containerd/CRI-O do:
 * `bridge` + `host-local` for two pods that then ping each other, CHECK, GC and DEL; and a chain
 * of our plugin (the test veth plugin, on the skeleton) followed by the real `tuning` and
 * `portmap`, which must accept our prevResult. Every plugin runs inside a "node" namespace
 * (launcher `ip netns exec`), pods are namespaces the test creates; the root namespace is untouched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, CniRuntime, cacheFilePath } from '@cnikit/cni';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { buildPlugin, DEBIAN_CNI_DIR, FIXTURES } from '../support.js';

const missing = ['bridge', 'host-local', 'tuning', 'portmap'].filter(
  (p) => !existsSync(`${DEBIAN_CNI_DIR}/${p}`),
);
const blocker =
  kernelTestBlocker(['nsenter', 'ping', 'iptables-save']) ??
  (missing.length
    ? `${missing.join(', ')} missing in ${DEBIAN_CNI_DIR} (apt install containernetworking-plugins)`
    : undefined);
announceKernelTestBlocker(blocker, 'cni runtime + Debian bridge/host-local/tuning/portmap tests');

describe.skipIf(blocker !== undefined)('our runtime with Debian containernetworking-plugins', () => {
  let lab: Lab;
  let node: string;
  const pods: Record<string, string> = {};
  let runtime: CniRuntime;
  let dataDir: string;
  let cacheDir: string;

  beforeAll(async () => {
    lab = new Lab('cnk-cni');
    node = lab.ns('node');
    for (const p of ['p1', 'p2', 'p3']) pods[p] = lab.ns(p);
    dataDir = join(lab.dir, 'ipam');
    cacheDir = join(lab.dir, 'cache');
    const bin = join(lab.dir, 'bin');
    await buildPlugin(join(FIXTURES, 'veth-plugin.ts'), join(bin, 'cnk-veth'));
    runtime = new CniRuntime({
      path: [bin, DEBIAN_CNI_DIR],
      cacheDir,
      launcher: ['ip', 'netns', 'exec', node],
    });
  });
  afterAll(() => lab?.cleanup());

  const att = (p: string) => ({
    containerId: `ctr-${p}`,
    netns: `/var/run/netns/${pods[p]}`,
    ifName: 'eth0',
  });
  const reservations = (net: string) =>
    existsSync(join(dataDir, net))
      ? readdirSync(join(dataDir, net))
          .filter((f) => /^\d/.test(f))
          .sort()
      : [];
  const podAddrs = (p: string) =>
    (
      JSON.parse(lab.run(pods[p], 'ip -j -4 addr show')) as {
        addr_info: { local: string; prefixlen: number }[];
      }[]
    )
      .flatMap((l) => l.addr_info)
      .map((a) => `${a.local}/${a.prefixlen}`)
      .filter((a) => !a.startsWith('127.'));

  describe('bridge + host-local', () => {
    const bridgeList = () => ({
      cniVersion: '1.0.0',
      name: 'cnk-bridge',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cnkbr0',
          isGateway: true,
          ipMasq: false,
          ipam: {
            type: 'host-local',
            dataDir,
            ranges: [[{ subnet: '10.90.0.0/24' }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    });

    it('ADD for two pods: addresses, bridge and the cached result; the pods ping each other', async () => {
      const r1 = await runtime.add(bridgeList(), att('p1'));
      const r2 = await runtime.add(bridgeList(), att('p2'));
      expect(r1.ips).toEqual([{ address: '10.90.0.2/24', gateway: '10.90.0.1', interface: 2 }]);
      expect(r2.ips).toEqual([{ address: '10.90.0.3/24', gateway: '10.90.0.1', interface: 2 }]);
      expect(r1.interfaces?.map((i) => i.name)[0]).toBe('cnkbr0');
      expect(r1.interfaces?.[2]).toMatchObject({ name: 'eth0', sandbox: att('p1').netns });
      // The kernel's view, read without our code.
      expect(podAddrs('p1')).toEqual(['10.90.0.2/24']);
      expect(podAddrs('p2')).toEqual(['10.90.0.3/24']);
      expect(lab.run(node, 'ip -j -4 addr show dev cnkbr0')).toContain('"local":"10.90.0.1"');
      expect(reservations('cnk-bridge')).toEqual(['10.90.0.2', '10.90.0.3']);
      lab.run(pods.p1, 'ping -c 1 -W 2 10.90.0.3');
      lab.run(pods.p2, 'ping -c 1 -W 2 10.90.0.2');
      const cached = JSON.parse(
        readFileSync(cacheFilePath(cacheDir, 'cnk-bridge', 'ctr-p1', 'eth0'), 'utf8'),
      );
      expect(cached.kind).toBe('cniCacheV1');
      expect(cached.netns).toBe(att('p1').netns);
      expect(JSON.parse(Buffer.from(cached.config, 'base64').toString())).toEqual(bridgeList());
      expect(cached.result.ips).toEqual(r1.ips);
    });

    it("CHECK passes, and fails with bridge's own error when the pod's address is gone", async () => {
      await runtime.check(bridgeList(), att('p1'));
      lab.run(pods.p1, 'ip addr del 10.90.0.2/24 dev eth0');
      const err = await runtime.check(bridgeList(), att('p1')).catch((e) => e);
      expect(err).toBeInstanceOf(CniError);
      expect(err.plugin).toBe('bridge');
      expect(err.message).toMatch(/10\.90\.0\.2/);
      lab.run(pods.p1, 'ip addr add 10.90.0.2/24 dev eth0');
    });

    it('GC with p1 as the only valid attachment deletes p2 (address released, veth gone, cache gone)', async () => {
      const vethsBefore = lab.run(node, 'ip -o link show type veth').trim().split('\n').length;
      await runtime.gc(bridgeList(), [{ containerID: 'ctr-p1', ifname: 'eth0' }]);
      expect(reservations('cnk-bridge')).toEqual(['10.90.0.2']);
      expect(podAddrs('p2')).toEqual([]);
      expect(lab.run(node, 'ip -o link show type veth').trim().split('\n').length).toBe(vethsBefore - 1);
      expect(runtime.cachedAttachments().map((a) => a.containerId)).toEqual(['ctr-p1']);
    });

    it('DEL removes the pod interface, releases the address and the cache entry', async () => {
      await runtime.del(bridgeList(), att('p1'));
      expect(podAddrs('p1')).toEqual([]);
      expect(lab.run(pods.p1, 'ip -o link show').trim().split('\n').length).toBe(1);
      expect(reservations('cnk-bridge')).toEqual([]);
      expect(runtime.cachedAttachments()).toEqual([]);
      expect(lab.run(node, 'ip -o link show type veth').trim()).toBe('');
    });

    it('VERSION of the Go bridge', async () => {
      const info = await runtime.versionInfo('bridge');
      expect(info.supportedVersions).toContain('1.0.0');
      expect(info.supportedVersions).toContain('0.4.0');
    });
  });

  describe('our plugin, then the real tuning and portmap in the same chain', () => {
    const chain = () => ({
      cniVersion: '1.0.0',
      name: 'cnk-chain',
      plugins: [
        {
          type: 'cnk-veth',
          ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.91.0.0/24', gateway: '10.91.0.1' }]] },
        },
        {
          type: 'tuning',
          mtu: 1300,
          mac: 'c2:11:22:33:44:55',
          sysctl: { 'net.ipv4.conf.eth0.arp_notify': '1' },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: false },
      ],
    });
    const mapping = { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] };
    const nat = () => lab.run(node, 'iptables-save -t nat');

    it('ADD: tuning and portmap accept our prevResult; tuning rewrites the MAC in the result it hands on', async () => {
      const r = await runtime.add(chain(), { ...att('p3'), capabilityArgs: mapping });
      expect(r.ips).toEqual([{ address: '10.91.0.2/24', gateway: '10.91.0.1', interface: 1 }]);
      expect(r.interfaces?.[1]).toEqual({ name: 'eth0', mac: 'c2:11:22:33:44:55', sandbox: att('p3').netns });
      const link = JSON.parse(lab.run(pods.p3, 'ip -j link show dev eth0'))[0];
      expect([link.mtu, link.address]).toEqual([1300, 'c2:11:22:33:44:55']);
      expect(lab.run(pods.p3, 'cat /proc/sys/net/ipv4/conf/eth0/arp_notify').trim()).toBe('1');
      expect(nat()).toMatch(/--dport 18080 -j DNAT --to-destination 10\.91\.0\.2:80/);
    });

    it('CHECK runs through all three', async () => {
      await runtime.check(chain(), att('p3'));
    });

    it('DEL in reverse: portmap rules, our veth and the address are gone', async () => {
      await runtime.del(chain(), { ...att('p3'), capabilityArgs: mapping });
      expect(nat()).not.toMatch(/10\.91\.0\.2/);
      expect(podAddrs('p3')).toEqual([]);
      expect(reservations('cnk-chain')).toEqual([]);
    });
  });
});
