import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { BgpRoute, PeerInfo } from '../../src/index.js';
import {
  bundleChild,
  ChildSpeaker,
  FRR_BGPD,
  pollUntil,
  startFrrBgpd,
  startGobgpd,
} from './interop-support.js';

// Our speaker (AS 65100, router id 10.0.1.2, cluster 10.255.0.1) is a route reflector with two
// clients feeding it over iBGP: GoBGP (10.0.1.1) and FRR's bgpd (10.0.2.1), each in its own
// namespace with a veth pair to ours. Each daemon's route is reflected to the other with
// ORIGINATOR_ID and CLUSTER_LIST; a prefix both announce is an ECMP pair in our speaker.
const blocker =
  kernelTestBlocker(['vtysh', 'gobgpd', 'gobgp']) ??
  (existsSync(FRR_BGPD) ? undefined : `${FRR_BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP speaker route reflection and ECMP with GoBGP and FRR');

const GOBGP_CONF = `
[global.config]
  as = 65100
  router-id = "10.0.1.1"
  port = 179
  local-address-list = ["10.0.1.1"]
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "accept-route"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.1.2"
    peer-as = 65100
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`;

const BGPD_CONF = `
frr defaults traditional
hostname frr
router bgp 65100
 bgp router-id 10.0.2.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.2.2 remote-as 65100
 neighbor 10.0.2.2 timers connect 1
 address-family ipv4 unicast
  network 172.16.2.0/24
  network 172.16.50.0/24
 exit-address-family
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)(
  'BgpSpeaker as a route reflector with ECMP, GoBGP and FRR as clients',
  () => {
    let lab: Lab;
    let child: ChildSpeaker;
    let goNs: string;
    let frrNs: string;
    let dir = '';

    const gobgp = (args: string) => lab.run(goNs, `gobgp -u 127.0.0.1 -p 50051 ${args}`);
    const vtysh = (cmd: string) => lab.run(frrNs, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`);
    const state = () => child.call<State>({ cmd: 'state', name: 'rr' });
    const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) =>
      pollUntil(what, check, ms, () => `${gobgp('neighbor')}\n${vtysh('show bgp summary')}`);

    beforeAll(async () => {
      lab = new Lab('cnk-spk');
      dir = lab.dir;
      try {
        chmodSync(dir, 0o777);
        goNs = lab.ns('gobgp');
        frrNs = lab.ns('frr');
        const usNs = lab.ns('us');
        lab.run(goNs, `ip link add vg type veth peer name vug netns ${usNs}`);
        lab.run(frrNs, `ip link add vfr type veth peer name vuf netns ${usNs}`);
        lab.run(goNs, 'ip addr add 10.0.1.1/24 dev vg && ip link set vg up');
        lab.run(frrNs, 'ip addr add 10.0.2.1/24 dev vfr && ip link set vfr up');
        lab.run(
          usNs,
          'ip addr add 10.0.1.2/24 dev vug && ip link set vug up && ip addr add 10.0.2.2/24 dev vuf && ip link set vuf up',
        );
        await startGobgpd(lab, goNs, dir, GOBGP_CONF);
        await startFrrBgpd(lab, frrNs, dir, BGPD_CONF);
        gobgp('global rib -a ipv4 add 172.16.1.0/24 nexthop 10.0.1.1 origin igp');
        gobgp('global rib -a ipv4 add 172.16.50.0/24 nexthop 10.0.1.1 origin igp local-pref 100');
        child = ChildSpeaker.start(lab, usNs, await bundleChild(dir));
        await child.call({
          cmd: 'speaker',
          name: 'rr',
          options: {
            asn: 65100,
            routerId: '10.0.1.2',
            clusterId: '10.255.0.1',
            multipath: true,
            listen: { port: 179 },
          },
          peers: [
            {
              address: '10.0.1.1',
              asn: 65100,
              passive: true,
              routeReflectorClient: true,
              families: ['ipv4-unicast'],
            },
            {
              address: '10.0.2.1',
              asn: 65100,
              passive: true,
              routeReflectorClient: true,
              families: ['ipv4-unicast'],
            },
          ],
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

    it('reflects FRR’s route to GoBGP with ORIGINATOR_ID = FRR and CLUSTER_LIST = [our cluster]', async () => {
      await until('both clients Established', async () =>
        (await state()).peers.every((p) => p.state === 'Established'),
      );
      await until('FRR route in GoBGP', () =>
        gobgp('global rib -a ipv4 172.16.2.0/24').includes('172.16.2.0/24'),
      );
      const text = gobgp('global rib -a ipv4 172.16.2.0/24');
      expect(text).toContain('{Originator: 10.0.2.1}');
      expect(text).toContain('{ClusterList: [10.255.0.1]}');
      expect(text).toMatch(/172\.16\.2\.0\/24\s+10\.0\.2\.1/);
    });

    it('reflects GoBGP’s route to FRR with ORIGINATOR_ID = GoBGP and CLUSTER_LIST = [our cluster]', async () => {
      await until('GoBGP route in FRR', () =>
        vtysh('show bgp ipv4 unicast 172.16.1.0/24').includes('10.0.1.1'),
      );
      const paths = (
        JSON.parse(vtysh('show bgp ipv4 unicast 172.16.1.0/24 json')) as {
          paths: { originatorId?: string; clusterList?: { list: string[] }; nexthops: { ip: string }[] }[];
        }
      ).paths;
      expect(paths.map((p) => [p.originatorId, p.clusterList?.list, p.nexthops[0]?.ip])).toEqual([
        ['10.0.1.1', ['10.255.0.1'], '10.0.1.1'],
      ]);
    });

    it('holds both clients’ paths to 172.16.50.0/24 as an ECMP pair, and drops to one when GoBGP withdraws', async () => {
      let set: BgpRoute[] = [];
      await until('two paths', async () => {
        set = await child.call<BgpRoute[]>({ cmd: 'multipath', name: 'rr', prefix: '172.16.50.0/24' });
        return set.length === 2;
      });
      expect(set.map((r) => r.nextHop).sort()).toEqual(['10.0.1.1', '10.0.2.1']);
      expect(set.every((r) => r.source.ibgp)).toBe(true);
      gobgp('global rib -a ipv4 del 172.16.50.0/24');
      await until('one path', async () => {
        set = await child.call<BgpRoute[]>({ cmd: 'multipath', name: 'rr', prefix: '172.16.50.0/24' });
        return set.length === 1;
      });
      expect(set[0].nextHop).toBe('10.0.2.1');
    });
  },
);
