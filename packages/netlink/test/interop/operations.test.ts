/** Every operation of the API, done by us and checked independently with `ip -j -d` / `bridge -j`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { Netlink, Netns, NUD } from '../../src/index.js';
import { bridgeJson, ipJson, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink operations checked with iproute2');
type Json = Record<string, unknown>;

describe.skipIf(blocker)('operations done with our API, seen by iproute2', () => {
  let lab: Lab;
  let ns: string;
  let other: string;
  let nl: Netlink;
  const link = (name: string) => (ipJson(lab, ns, `-d link show dev ${name}`) as Json[])[0];
  const info = (name: string) => ((link(name).linkinfo as Json).info_data ?? {}) as Json;

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('ops');
    other = lab.ns('other');
    nl = await Netlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  it('links.create veth with the peer in another namespace, named there; get returns what ip shows', async () => {
    const fd = Netns.open(nsPath(other));
    try {
      const created = await nl.links.create({
        name: 'veth0',
        mtu: 1450,
        address: '02:00:00:00:01:01',
        kind: 'veth',
        veth: { peer: { name: 'eth0', netns: { fd }, mtu: 1450, address: '02:00:00:00:01:02' } },
      });
      const ip = link('veth0');
      expect([created.index, created.name, created.mtu, created.address, created.kind]).toEqual([
        ip.ifindex,
        'veth0',
        1450,
        '02:00:00:00:01:01',
        'veth',
      ]);
      const peer = (ipJson(lab, other, '-d link show dev eth0') as Json[])[0];
      expect([peer.mtu, peer.address, (peer.linkinfo as Json).info_kind]).toEqual([
        1450,
        '02:00:00:00:01:02',
        'veth',
      ]);
      expect(ipJson(lab, ns, 'link show').map((l) => l.ifname)).not.toContain('eth0');
    } finally {
      Netns.close(fd);
    }
  });

  it('links.set: up, mtu, alias, address, txqlen, rename and back', async () => {
    await nl.links.set('veth0', {
      up: true,
      mtu: 1400,
      alias: 'to pod',
      txqlen: 500,
      address: '02:00:00:00:01:03',
    });
    let ip = link('veth0');
    expect((ip.flags as string[]).includes('UP')).toBe(true);
    expect([ip.mtu, ip.ifalias, ip.txqlen, ip.address]).toEqual([1400, 'to pod', 500, '02:00:00:00:01:03']);
    await nl.links.set('veth0', { name: 'veth1' });
    expect(ipJson(lab, ns, 'link show').map((l) => l.ifname)).toContain('veth1');
    await nl.links.set('veth1', { up: false, name: 'veth0' });
    ip = link('veth0');
    expect((ip.flags as string[]).includes('UP')).toBe(false);
  });

  it('links.set: IFF_* flags by mask (promisc, noarp), and a move to the namespace of a process by pid', async () => {
    await nl.links.create({ name: 'mv9', kind: 'veth', veth: { peer: { name: 'mv9p' } } });
    await nl.links.set('mv9', { flags: { set: 0x100 | 0x80, mask: 0x100 | 0x80 } }); // IFF_PROMISC | IFF_NOARP
    expect(link('mv9').flags).toEqual(expect.arrayContaining(['NOARP', 'PROMISC']));
    await nl.links.set('mv9', { flags: { set: 0, mask: 0x80 } });
    expect(link('mv9').flags).not.toContain('NOARP');
    const holder = lab.spawn(other, 'sleep 30');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // `ip netns exec` execs sleep, so this pid lives in the other namespace
    await nl.links.set('mv9', { netns: { pid: holder.pid! } });
    expect(ipJson(lab, ns, 'link show').map((l) => l.ifname)).not.toContain('mv9');
    expect(ipJson(lab, other, 'link show').map((l) => l.ifname)).toContain('mv9');
    holder.kill('SIGKILL');
  });

  it('bridge with options, a port attached (master), hairpin and learning set, detached (master 0)', async () => {
    const br = await nl.links.create({
      name: 'cni0',
      kind: 'bridge',
      bridge: { forwardDelay: 300, stpState: 0, priority: 8192 },
      up: true,
    });
    const d = info('cni0');
    expect([d.forward_delay, d.stp_state, d.priority]).toEqual([300, 0, 8192]);
    await nl.links.create({ name: 'vb0', kind: 'veth', veth: { peer: { name: 'vb1' } } });
    await nl.links.set('vb0', { master: br.index });
    expect(link('vb0').master).toBe('cni0');
    await nl.links.setBridgePort('vb0', { hairpin: true, learning: false, cost: 7 });
    const port = (link('vb0').linkinfo as Json).info_slave_data as Json;
    expect([port.hairpin, port.learning, port.cost]).toEqual([true, false, 7]);
    await nl.links.setBridgePort('vb0', { hairpin: false });
    expect(((link('vb0').linkinfo as Json).info_slave_data as Json).hairpin).toBe(false);
    await nl.links.set('vb0', { master: 0 });
    expect(link('vb0').master).toBeUndefined();
  });

  it('vxlan (v4 with every attribute flannel sets, v6) and macvlan read back by ip -d; links.delete', async () => {
    const uplink = await nl.links.get('vb1');
    const vx = await nl.links.create({
      name: 'flannel.1',
      kind: 'vxlan',
      vxlan: {
        id: 1,
        link: uplink.index,
        local: '192.168.50.1',
        port: 8472,
        portRange: { low: 30000, high: 40000 },
        ttl: 64,
        tos: 0,
        learning: false,
        proxy: true,
        l2miss: true,
        l3miss: true,
        gbp: true,
        udpCsum: false,
        ageing: 200,
      },
      mtu: 1450,
    });
    const d = info('flannel.1');
    expect(d).toMatchObject({
      id: 1,
      link: 'vb1',
      local: '192.168.50.1',
      port: 8472,
      port_range: { low: 30000, high: 40000 },
      ttl: 64,
      learning: false,
      proxy: true,
      l2miss: true,
      l3miss: true,
      gbp: true,
      udp_csum: false,
      ageing: 200,
    });
    expect(vx.vxlan).toMatchObject({ id: 1, local: '192.168.50.1', port: 8472, gbp: true, l3miss: true });
    const vx6 = await nl.links.create({
      name: 'vx6',
      kind: 'vxlan',
      vxlan: { id: 9, local: 'fd00::1', group: 'fd00::2', port: 4789, udpZeroCsum6Tx: true },
    });
    expect(info('vx6')).toMatchObject({
      id: 9,
      local6: 'fd00::1',
      remote6: 'fd00::2',
      udp_zero_csum6_tx: true,
    });
    expect(vx6.vxlan?.group).toBe('fd00::2');
    await nl.links.create({ name: 'mv0', link: uplink.index, kind: 'macvlan', macvlan: { mode: 'bridge' } });
    expect(info('mv0').mode).toBe('bridge');
    expect(link('mv0').link).toBe('vb1');
    await nl.links.delete('mv0');
    await nl.links.delete('vx6');
    expect(ipJson(lab, ns, 'link show').map((l) => l.ifname)).not.toContain('mv0');
  });

  it('addresses: add IPv4 with broadcast/label/lifetimes and IPv6 nodad; replace; delete', async () => {
    const { index } = await nl.links.get('vb0');
    await nl.addresses.add({ index, address: '10.22.0.1/24', broadcast: '10.22.0.255', label: 'vb0:a' });
    await nl.addresses.add({ index, address: '10.23.0.1/32', validLifetime: 1000, preferredLifetime: 500 });
    await nl.addresses.add({ index, address: 'fd22::1/64', flags: 0x02 /* IFA_F_NODAD */ });
    const shown = (ipJson(lab, ns, 'addr show dev vb0') as Json[])[0].addr_info as Json[];
    expect(shown.find((a) => a.local === '10.22.0.1')).toMatchObject({
      prefixlen: 24,
      broadcast: '10.22.0.255',
      label: 'vb0:a',
    });
    const timed = shown.find((a) => a.local === '10.23.0.1')!;
    expect(Number(timed.valid_life_time)).toBeGreaterThan(990);
    expect(Number(timed.preferred_life_time)).toBeLessThanOrEqual(500);
    expect(shown.find((a) => a.local === 'fd22::1')).toMatchObject({ prefixlen: 64, nodad: true });
    await nl.addresses.replace({ index, address: '10.23.0.1/32' });
    const replaced = ((ipJson(lab, ns, 'addr show dev vb0') as Json[])[0].addr_info as Json[]).find(
      (a) => a.local === '10.23.0.1',
    )!;
    expect(replaced.valid_life_time).toBe(4294967295);
    await nl.addresses.delete({ index, address: '10.23.0.1/32' });
    const after = ((ipJson(lab, ns, 'addr show dev vb0') as Json[])[0].addr_info as Json[]).map(
      (a) => a.local,
    );
    expect(after).not.toContain('10.23.0.1');
    expect(after).toContain('10.22.0.1');
  });

  it('routes: gateway + metric + metrics, table 100, multipath, onlink, IPv6; replace; delete', async () => {
    const { index } = await nl.links.get('vb0');
    await nl.links.set(index, { up: true });
    await nl.links.set('vb1', { up: true });
    await nl.routes.add({
      dst: '10.30.0.0/16',
      gateway: '10.22.0.2',
      priority: 20,
      metrics: { mtu: 1300, advmss: 1260 },
    });
    await nl.routes.add({ dst: '10.31.0.0/24', oif: index, table: 100 });
    await nl.routes.add({
      dst: '10.32.0.0/24',
      multipath: [{ gateway: '10.22.0.2', weight: 2 }, { gateway: '10.22.0.3' }],
    });
    await nl.routes.add({ dst: '10.33.0.0/24', gateway: '172.16.0.1', oif: index, onlink: true });
    await nl.routes.add({ dst: 'fd33::/64', gateway: 'fd22::2', priority: 5 });
    await nl.routes.add({ dst: 'default', gateway: '10.22.0.1' });
    const main = ipJson(lab, ns, '-d route show') as Json[];
    const byDst = (d: string) => main.find((r) => r.dst === d)!;
    expect(byDst('10.30.0.0/16')).toMatchObject({
      gateway: '10.22.0.2',
      metric: 20,
      metrics: [{ mtu: 1300, advmss: 1260 }],
    });
    expect((byDst('10.32.0.0/24').nexthops as Json[]).map((h) => [h.gateway, h.weight])).toEqual([
      ['10.22.0.2', 2],
      ['10.22.0.3', 1],
    ]);
    expect(byDst('10.33.0.0/24')).toMatchObject({ gateway: '172.16.0.1', dev: 'vb0' });
    expect(byDst('10.33.0.0/24').flags).toContain('onlink');
    expect(byDst('default')).toMatchObject({ gateway: '10.22.0.1' });
    expect(ipJson(lab, ns, 'route show table 100').map((r) => r.dst)).toEqual(['10.31.0.0/24']);
    expect((ipJson(lab, ns, '-6 route show') as Json[]).find((r) => r.dst === 'fd33::/64')).toMatchObject({
      gateway: 'fd22::2',
      metric: 5,
    });
    await nl.routes.replace({ dst: '10.30.0.0/16', gateway: '10.22.0.3', priority: 20 });
    expect((ipJson(lab, ns, 'route show') as Json[]).find((r) => r.dst === '10.30.0.0/16')).toMatchObject({
      gateway: '10.22.0.3',
    });
    for (const dst of ['10.30.0.0/16', '10.32.0.0/24', '10.33.0.0/24', 'default'])
      await nl.routes.delete({ dst });
    await nl.routes.delete({ dst: '10.31.0.0/24', table: 100 });
    await nl.routes.delete({ dst: 'fd33::/64' });
    const left = (ipJson(lab, ns, 'route show table all') as Json[]).map((r) => r.dst);
    for (const dst of ['10.30.0.0/16', '10.31.0.0/24', '10.32.0.0/24', '10.33.0.0/24', 'default'])
      expect(left).not.toContain(dst);
  });

  it('neighbours: ARP and NDP entries added, replaced and deleted', async () => {
    const { index } = await nl.links.get('vb0');
    await nl.neighbours.add({ index, dst: '10.22.0.50', lladdr: '02:00:00:00:00:50' });
    await nl.neighbours.add({ index, dst: 'fd22::50', lladdr: '02:00:00:00:00:51', state: NUD.REACHABLE });
    let shown = ipJson(lab, ns, 'neigh show dev vb0') as Json[];
    expect(shown.find((n) => n.dst === '10.22.0.50')).toMatchObject({
      lladdr: '02:00:00:00:00:50',
      state: ['PERMANENT'],
    });
    expect(shown.find((n) => n.dst === 'fd22::50')).toMatchObject({
      lladdr: '02:00:00:00:00:51',
      state: ['REACHABLE'],
    });
    await nl.neighbours.replace({ index, dst: '10.22.0.50', lladdr: '02:00:00:00:00:52' });
    shown = ipJson(lab, ns, 'neigh show dev vb0') as Json[];
    expect(shown.find((n) => n.dst === '10.22.0.50')?.lladdr).toBe('02:00:00:00:00:52');
    await nl.neighbours.delete({ index, dst: '10.22.0.50' });
    await nl.neighbours.delete({ index, dst: 'fd22::50' });
    shown = ipJson(lab, ns, 'neigh show dev vb0') as Json[];
    expect(shown.map((n) => n.dst)).not.toContain('10.22.0.50');
  });

  it('fdb: VXLAN entries with NDA_DST, NDA_VNI, NDA_PORT (append, replace), bridge port entry with master; delete', async () => {
    const vx = await nl.links.get('flannel.1');
    await nl.fdb.append({ index: vx.index, lladdr: '00:00:00:00:00:00', dst: '192.168.50.2' });
    await nl.fdb.append({
      index: vx.index,
      lladdr: '00:00:00:00:00:00',
      dst: '192.168.50.3',
      vni: 100,
      port: 4790,
    });
    await nl.fdb.replace({ index: vx.index, lladdr: '02:00:00:00:00:77', dst: '192.168.50.7' });
    let fdb = bridgeJson(lab, ns, 'fdb show dev flannel.1') as Json[];
    const flood = fdb.filter((e) => e.mac === '00:00:00:00:00:00').map((e) => [e.dst, e.vni, e.port]);
    expect(flood.sort()).toEqual([
      ['192.168.50.2', undefined, undefined],
      ['192.168.50.3', 100, 4790],
    ]);
    expect(fdb.find((e) => e.mac === '02:00:00:00:00:77')).toMatchObject({
      dst: '192.168.50.7',
      flags: ['self'],
      state: 'permanent',
    });
    await nl.fdb.delete({ index: vx.index, lladdr: '02:00:00:00:00:77', dst: '192.168.50.7' });
    await nl.fdb.delete({ index: vx.index, lladdr: '00:00:00:00:00:00', dst: '192.168.50.2' });
    fdb = bridgeJson(lab, ns, 'fdb show dev flannel.1') as Json[];
    expect(fdb.map((e) => e.dst)).toEqual(['192.168.50.3']);
    const br = await nl.links.get('cni0');
    const port = await nl.links.get('vb0');
    await nl.links.set(port.index, { master: br.index });
    await nl.fdb.add({
      index: port.index,
      lladdr: '02:00:00:00:00:88',
      flags: 0x04 /* NTF_MASTER */,
      master: br.index,
    });
    fdb = bridgeJson(lab, ns, 'fdb show dev vb0') as Json[];
    expect(fdb.find((e) => e.mac === '02:00:00:00:00:88')).toMatchObject({
      master: 'cni0',
      state: 'permanent',
    });
  });

  it('rules: add by source, destination + iif, fwmark; delete', async () => {
    await nl.rules.add({ src: '10.244.1.0/24', table: 100, priority: 1000 });
    await nl.rules.add({ dst: '10.96.0.0/12', iifname: 'vb0', table: 200, priority: 1001 });
    await nl.rules.add({ fwmark: 0x200, fwmask: 0xf00, table: 300, priority: 1002 });
    await nl.rules.add({ family: 6, src: 'fd00::/8', table: 100, priority: 1003 });
    const rules = ipJson(lab, ns, 'rule show') as Json[];
    expect(rules.find((r) => r.priority === 1000)).toMatchObject({
      src: '10.244.1.0',
      srclen: 24,
      table: '100',
    });
    expect(rules.find((r) => r.priority === 1001)).toMatchObject({
      dst: '10.96.0.0',
      dstlen: 12,
      iif: 'vb0',
      table: '200',
    });
    expect(rules.find((r) => r.priority === 1002)).toMatchObject({
      fwmark: '0x200',
      fwmask: '0xf00',
      table: '300',
    });
    expect((ipJson(lab, ns, '-6 rule show') as Json[]).find((r) => r.priority === 1003)).toMatchObject({
      src: 'fd00::',
      srclen: 8,
    });
    await nl.rules.delete({ priority: 1000 });
    await nl.rules.delete({ priority: 1001 });
    await nl.rules.delete({ priority: 1002 });
    await nl.rules.delete({ family: 6, priority: 1003 });
    expect((ipJson(lab, ns, 'rule show') as Json[]).map((r) => r.priority)).toEqual([0, 32766, 32767]);
  });
});
