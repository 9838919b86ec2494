import { NetlinkError } from '../../src/errors.js';
import { GenericNetlink } from '../../src/generic.js';
import { Netlink } from '../../src/netlink.js';
import type { NetlinkTap } from '../../src/socket.js';

/**
 * What a CNI plugin does to a node, through our API in the namespace at `netns`: links (veth,
 * bridge, vxlan), addresses, routes, neighbours, FDB and rules, their dumps, one refused request
 * (EEXIST with the kernel's extended ack), deletions, and a generic netlink family lookup.
 */
export async function cniSession(netns: string, tap: NetlinkTap): Promise<void> {
  const nl = await Netlink.open({ netns, tap });
  try {
    await nl.links.list();
    const br = await nl.links.create({ name: 'br0', kind: 'bridge' });
    const veth = await nl.links.create({ name: 'veth0', kind: 'veth', veth: { peer: { name: 'eth0' } } });
    await nl.links.set('veth0', { up: true, mtu: 1450, master: br.index });
    await nl.links.set('br0', { up: true });
    const vx = await nl.links.create({
      name: 'flannel.1',
      kind: 'vxlan',
      vxlan: { id: 1, local: '192.168.50.1', port: 8472, learning: false },
    });
    await nl.links.set('flannel.1', { up: true });
    await nl.addresses.add({ index: br.index, address: '10.244.1.1/24' });
    await nl.addresses.add({ index: vx.index, address: '10.244.1.0/32' });
    await nl.addresses.add({ index: br.index, address: 'fd00:1::1/64' });
    try {
      await nl.addresses.add({ index: br.index, address: '10.244.1.1/24' });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
    }
    await nl.routes.add({ dst: '10.244.2.0/24', gateway: '10.244.2.0', oif: vx.index, onlink: true });
    await nl.routes.add({ dst: '10.96.0.0/12', gateway: '10.244.1.254', priority: 100, table: 100 });
    await nl.routes.add({ dst: 'fd00:2::/64', gateway: 'fd00:1::2', oif: br.index });
    await nl.neighbours.add({ index: vx.index, dst: '10.244.2.0', lladdr: '02:42:0a:f4:02:00' });
    await nl.fdb.append({ index: vx.index, lladdr: '02:42:0a:f4:02:00', dst: '192.168.50.2' });
    await nl.rules.add({ src: '10.244.1.0/24', table: 100, priority: 1000 });
    await nl.addresses.list();
    await nl.routes.list({ table: 0 });
    await nl.neighbours.list();
    await nl.rules.list();
    await nl.links.get('veth0');
    await nl.routes.delete({ dst: '10.96.0.0/12', table: 100 });
    await nl.links.delete(veth.index);
  } finally {
    nl.close();
  }
  const genl = GenericNetlink.open({ netns, tap });
  try {
    await genl.family('nlctrl');
  } finally {
    genl.close();
  }
}
