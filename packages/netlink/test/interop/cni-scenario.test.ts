/**
 * The flannel VXLAN sequence and the CNI bridge and ptp sequences, done with our API only, in
 * namespaces the test creates: node A (bridge plugin pod) and node B (ptp plugin pod) joined by
 * an underlay veth; pods in their own namespaces. The pods must ping each other across VXLAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { Netlink, Netns } from '../../src/index.js';
import { bridgeJson, ipJson, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink flannel + CNI scenario', ['ping']);
type Json = Record<string, unknown>;

describe.skipIf(blocker)(
  'flannel VXLAN + CNI bridge/ptp with our API: pods on two nodes ping each other',
  () => {
    let lab: Lab;
    let nodeA: string;
    let nodeB: string;
    let podA: string;
    let podB: string;
    const handles: Netlink[] = [];
    const open = async (ns: string) => {
      const nl = await Netlink.open({ netns: nsPath(ns) });
      handles.push(nl);
      return nl;
    };

    beforeAll(() => {
      lab = netlinkLab();
      nodeA = lab.ns('nodeA');
      nodeB = lab.ns('nodeB');
      podA = lab.ns('podA');
      podB = lab.ns('podB');
      for (const ns of [nodeA, nodeB]) lab.run(ns, 'sysctl -qw net.ipv4.ip_forward=1');
    });
    afterAll(() => {
      for (const h of handles) h.close();
      lab?.cleanup();
    });

    /** Underlay: a veth between the nodes, 192.168.60.1 and .2. */
    async function underlay(a: Netlink): Promise<void> {
      const fd = Netns.open(nsPath(nodeB));
      try {
        await a.links.create({ name: 'eth0', kind: 'veth', veth: { peer: { name: 'eth0', netns: { fd } } } });
      } finally {
        Netns.close(fd);
      }
    }

    /** flannel's vxlan backend: the device, its /32 address. Returns the VTEP MAC. */
    async function flannelDevice(nl: Netlink, nodeIp: string, subnet: number): Promise<string> {
      const eth0 = await nl.links.get('eth0');
      await nl.addresses.add({ index: eth0.index, address: `${nodeIp}/24` });
      await nl.links.set(eth0.index, { up: true });
      const vx = await nl.links.create({
        name: 'flannel.1',
        kind: 'vxlan',
        vxlan: { id: 1, link: eth0.index, local: nodeIp, port: 8472, learning: false, gbp: false },
        mtu: 1450,
      });
      await nl.addresses.add({ index: vx.index, address: `10.244.${subnet}.0/32` });
      await nl.links.set(vx.index, { up: true });
      return vx.address!;
    }

    /** flannel's per-remote-node programming: ARP entry, FDB entry, onlink route. */
    async function flannelRemote(
      nl: Netlink,
      subnet: number,
      vtepMac: string,
      nodeIp: string,
    ): Promise<void> {
      const vx = await nl.links.get('flannel.1');
      await nl.neighbours.replace({ index: vx.index, dst: `10.244.${subnet}.0`, lladdr: vtepMac });
      await nl.fdb.replace({ index: vx.index, lladdr: vtepMac, dst: nodeIp });
      await nl.routes.replace({
        dst: `10.244.${subnet}.0/24`,
        gateway: `10.244.${subnet}.0`,
        oif: vx.index,
        onlink: true,
      });
    }

    it('builds both nodes, each step visible to iproute2, and the pods ping each other', async () => {
      const a = await open(nodeA);
      const b = await open(nodeB);
      await underlay(a);
      const macA = await flannelDevice(a, '192.168.60.1', 1);
      const macB = await flannelDevice(b, '192.168.60.2', 2);
      await flannelRemote(a, 2, macB, '192.168.60.2');
      await flannelRemote(b, 1, macA, '192.168.60.1');
      expect((ipJson(lab, nodeA, '-d link show dev flannel.1') as Json[])[0].linkinfo).toMatchObject({
        info_kind: 'vxlan',
        info_data: { id: 1, local: '192.168.60.1', port: 8472, learning: false, link: 'eth0' },
      });
      expect(bridgeJson(lab, nodeA, 'fdb show dev flannel.1')).toContainEqual(
        expect.objectContaining({ mac: macB, dst: '192.168.60.2', flags: ['self'], state: 'permanent' }),
      );
      expect(ipJson(lab, nodeA, 'neigh show dev flannel.1')).toContainEqual(
        expect.objectContaining({ dst: '10.244.2.0', lladdr: macB, state: ['PERMANENT'] }),
      );
      expect((ipJson(lab, nodeA, 'route show 10.244.2.0/24') as Json[])[0]).toMatchObject({
        gateway: '10.244.2.0',
        dev: 'flannel.1',
        flags: ['onlink'],
      });

      // Node A, CNI bridge plugin: cni0 with the gateway address, a veth to the pod, hairpin on.
      const br = await a.links.create({ name: 'cni0', kind: 'bridge', up: true });
      await a.addresses.add({ index: br.index, address: '10.244.1.1/24' });
      const podAFd = Netns.open(nsPath(podA));
      try {
        await a.links.create({
          name: 'vethA',
          kind: 'veth',
          veth: { peer: { name: 'eth0', netns: { fd: podAFd } } },
        });
      } finally {
        Netns.close(podAFd);
      }
      await a.links.set('vethA', { master: br.index, up: true });
      await a.links.setBridgePort('vethA', { hairpin: true });
      const pa = await open(podA);
      const podAEth = await pa.links.get('eth0');
      await pa.links.set('lo', { up: true });
      await pa.addresses.add({ index: podAEth.index, address: '10.244.1.2/24' });
      await pa.links.set(podAEth.index, { up: true });
      await pa.routes.add({ dst: 'default', gateway: '10.244.1.1' });

      // Node B, CNI ptp plugin: host veth with the gateway /32, pod /32 with a link-scope route to it.
      const podBFd = Netns.open(nsPath(podB));
      try {
        await b.links.create({
          name: 'vethB',
          kind: 'veth',
          veth: { peer: { name: 'eth0', netns: { fd: podBFd } } },
        });
      } finally {
        Netns.close(podBFd);
      }
      const vethB = await b.links.get('vethB');
      await b.addresses.add({ index: vethB.index, address: '10.244.2.1/32' });
      await b.links.set(vethB.index, { up: true });
      const pb = await open(podB);
      const podBEth = await pb.links.get('eth0');
      await pb.links.set('lo', { up: true });
      await pb.addresses.add({ index: podBEth.index, address: '10.244.2.5/32' });
      await pb.links.set(podBEth.index, { up: true });
      await pb.routes.add({ dst: '10.244.2.1/32', oif: podBEth.index });
      await pb.routes.add({ dst: 'default', gateway: '10.244.2.1', oif: podBEth.index });
      await b.routes.add({ dst: '10.244.2.5/32', oif: vethB.index });

      expect(
        ((ipJson(lab, nodeA, '-d link show dev vethA') as Json[])[0].linkinfo as Json).info_slave_data,
      ).toMatchObject({
        hairpin: true,
      });
      expect((ipJson(lab, podB, 'route show') as Json[]).map((r) => [r.dst, r.gateway ?? r.scope])).toEqual([
        ['default', '10.244.2.1'],
        ['10.244.2.1', 'link'],
      ]);

      const ping = lab.run(podA, 'ping -c 3 -i 0.2 -W 2 10.244.2.5');
      expect(ping).toMatch(/3 packets transmitted, 3 received/);
      const back = lab.run(podB, 'ping -c 2 -i 0.2 -W 2 10.244.1.2');
      expect(back).toMatch(/2 packets transmitted, 2 received/);
      // The echoes crossed the VXLAN devices (their counters, read by us, agree with ip -s).
      const vx = await a.links.get('flannel.1');
      expect(vx.stats64!.txPackets).toBeGreaterThanOrEqual(5);
      const ipStats = (ipJson(lab, nodeA, '-s link show dev flannel.1') as Json[])[0].stats64 as Json;
      expect((ipStats.tx as Json).packets).toBe(vx.stats64!.txPackets);
    });
  },
);
