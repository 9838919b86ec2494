import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { type BgpRoute, community, type PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, pollUntil, startGobgpd } from './interop-support.js';

// GoBGP in one namespace, our speakers in a child process in another, a veth pair between:
// eBGP (AS 65200 ↔ GoBGP's 65100, ADD-PATH send on GoBGP's side, receive on ours) and iBGP
// (AS 65100), IPv4 and IPv6 unicast.
const blocker = kernelTestBlocker(['gobgpd', 'gobgp']);
announceKernelTestBlocker(blocker, 'BGP speaker interop with GoBGP');

const GOBGP_CONF = `
[global.config]
  as = 65100
  router-id = "10.0.0.1"
  port = 179
  local-address-list = ["10.0.0.1", "10.0.0.11"]
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "accept-route"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.2"
    peer-as = 65200
  [neighbors.transport.config]
    local-address = "10.0.0.1"
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.add-paths.config]
      send-max = 8
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.12"
    peer-as = 65100
  [neighbors.transport.config]
    local-address = "10.0.0.11"
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker with GoBGP', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let goNs: string;
  let dir = '';

  const gobgp = (args: string) => lab.run(goNs, `gobgp -u 127.0.0.1 -p 50051 ${args}`);
  const rib = (family: 'ipv4' | 'ipv6') =>
    JSON.parse(gobgp(`global rib -a ${family} -j`)) as Record<string, unknown[]>;
  const state = (name: string) => child.call<State>({ cmd: 'state', name });
  const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) =>
    pollUntil(what, check, ms, () => `gobgp neighbors:\n${gobgp('neighbor')}`);

  beforeAll(async () => {
    lab = new Lab('cnk-spk');
    dir = lab.dir;
    try {
      goNs = lab.ns('gobgp');
      const usNs = lab.ns('us');
      lab.run(goNs, `ip link add vg type veth peer name vu netns ${usNs}`);
      lab.run(goNs, 'ip addr add 10.0.0.1/24 dev vg && ip addr add 10.0.0.11/24 dev vg');
      lab.run(goNs, 'ip addr add fd00::1/64 dev vg nodad && ip link set vg up');
      lab.run(usNs, 'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.12/24 dev vu');
      lab.run(usNs, 'ip addr add fd00::2/64 dev vu nodad && ip link set vu up');
      await startGobgpd(lab, goNs, lab.dir, GOBGP_CONF);
      // Two paths to one prefix (ADD-PATH identifiers 1 and 2), and plain routes with attributes.
      gobgp('global rib -a ipv4 add 172.16.9.0/24 identifier 1 nexthop 10.0.0.1 med 5');
      gobgp('global rib -a ipv4 add 172.16.9.0/24 identifier 2 nexthop 10.0.0.11 med 6');
      gobgp(
        'global rib -a ipv4 add 172.16.1.0/24 nexthop 10.0.0.1 med 20 community 65100:5 large-community 65100:1:2',
      );
      gobgp('global rib -a ipv6 add fd10:1::/48 nexthop fd00::1');
      child = ChildSpeaker.start(lab, usNs, await bundleChild(lab.dir));
      await child.call({
        cmd: 'speaker',
        name: 'e',
        options: { asn: 65200, routerId: '10.0.0.2', listen: { host: '10.0.0.2', port: 179 } },
        peers: [
          { address: '10.0.0.1', asn: 65100, passive: true, addPath: true, nextHop: { ipv6: 'fd00::2' } },
        ],
      });
      await child.call({
        cmd: 'speaker',
        name: 'i',
        options: { asn: 65100, routerId: '10.0.0.12', listen: { host: '10.0.0.12', port: 179 } },
        peers: [{ address: '10.0.0.11', asn: 65100, connectRetryTime: 1, nextHop: { ipv6: 'fd00::2' } }],
      });
    } catch (e) {
      lab.cleanup();
      throw e;
    }
  }, 40_000);

  afterAll(async () => {
    await child?.call({ cmd: 'close' }, 3000).catch(() => undefined);
    lab?.cleanup();
    expect(existsSync(dir)).toBe(false);
  });

  it('eBGP and iBGP reach Established; ADD-PATH receive is negotiated on eBGP IPv4', async () => {
    await until('e Established', async () => (await state('e')).peers[0].state === 'Established');
    await until('i Established', async () => (await state('i')).peers[0].state === 'Established');
    const e = (await state('e')).peers[0];
    expect(e).toMatchObject({ holdTime: 9, keepaliveTime: 3, fourOctetAs: true, routerId: '10.0.0.1' });
    expect(e.addPathReceive).toEqual(['ipv4-unicast']);
    expect(e.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect((await state('i')).peers[0]).toMatchObject({ ibgp: true, routerId: '10.0.0.1' });
  });

  it("GoBGP's two paths to one prefix stay distinct in our Adj-RIB-In; its attributes arrive", async () => {
    let routes: BgpRoute[] = [];
    await until('GoBGP routes at e', async () => {
      routes = (await child.call<BgpRoute[]>({ cmd: 'adjRibIn', name: 'e', peer: '10.0.0.1' })) ?? [];
      return routes.length >= 4;
    });
    const two = routes
      .filter((r) => r.prefix === '172.16.9.0/24')
      .sort((a, b) => (a.med ?? 0) - (b.med ?? 0));
    expect(two.map((r) => [r.med, r.nextHop])).toEqual([
      [5, '10.0.0.1'],
      [6, '10.0.0.11'],
    ]);
    expect(two[0].pathId).not.toBe(two[1].pathId);
    const best = (await state('e')).routes.find((r) => r.prefix === '172.16.9.0/24');
    expect(best?.med).toBe(5);
    expect(routes.find((r) => r.prefix === '172.16.1.0/24')).toMatchObject({
      med: 20,
      communities: [community(65100, 5)],
      largeCommunities: [{ global: 65100, local1: 1, local2: 2 }],
      asPath: [{ type: 2, asns: [65100] }],
    });
    expect(routes.find((r) => r.prefix === 'fd10:1::/48')?.nextHop).toBe('fd00::1');
  });

  it('our routes appear in GoBGP with the attributes we set; withdrawals propagate both ways', async () => {
    await child.call({
      cmd: 'announce',
      name: 'e',
      prefixes: ['10.20.0.0/24', 'fd20::/48'],
      attributes: { med: 33, communities: [community(65200, 7)] },
    });
    await child.call({
      cmd: 'announce',
      name: 'i',
      prefixes: ['10.30.0.0/24'],
      attributes: { localPref: 300 },
    });
    await until(
      'ours in GoBGP',
      () => '10.20.0.0/24' in rib('ipv4') && '10.30.0.0/24' in rib('ipv4') && 'fd20::/48' in rib('ipv6'),
    );
    const text = JSON.stringify(rib('ipv4')['10.20.0.0/24']);
    expect(text).toContain('"asns":[65200]');
    expect(text).toContain('"metric":33');
    expect(text).toContain(`"communities":[${community(65200, 7)}]`);
    expect(text).toContain('"nexthop":"10.0.0.2"');
    expect(JSON.stringify(rib('ipv4')['10.30.0.0/24'])).toContain('"value":300');
    expect(JSON.stringify(rib('ipv6')['fd20::/48'])).toContain('"nexthop":"fd00::2"');

    await child.call({ cmd: 'withdraw', name: 'e', prefixes: ['10.20.0.0/24'] });
    await until('withdrawn in GoBGP', () => !('10.20.0.0/24' in rib('ipv4')));
    gobgp('global rib -a ipv4 del 172.16.1.0/24');
    await until(
      'GoBGP withdrawal at e',
      async () => !(await state('e')).routes.some((r) => r.prefix === '172.16.1.0/24'),
    );
  });
});
