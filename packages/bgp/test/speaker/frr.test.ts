import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { type BgpRoute, community, type PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, FRR_BGPD, pollUntil, startFrrBgpd } from './interop-support.js';

// FRR's bgpd alone (-Z: no zebra, -S: no user switch, vty socket in the lab's folder) in one
// namespace, our speaker in a child process in another, a veth pair between: eBGP, IPv4 and IPv6.
const blocker =
  kernelTestBlocker(['vtysh']) ?? (existsSync(FRR_BGPD) ? undefined : `${FRR_BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP speaker interop with FRR');

const BGPD_CONF = `
frr defaults traditional
hostname frr
router bgp 65100
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.2 remote-as 65200
 neighbor 10.0.0.2 timers 1 3
 neighbor 10.0.0.2 timers connect 1
 neighbor 10.0.0.12 remote-as 65100
 neighbor 10.0.0.12 update-source 10.0.0.11
 neighbor 10.0.0.12 timers connect 1
 address-family ipv4 unicast
  neighbor 10.0.0.12 activate
  neighbor 10.0.0.12 route-map LP out
  network 172.16.1.0/24 route-map SET
  neighbor 10.0.0.2 activate
 exit-address-family
 address-family ipv6 unicast
  network fd10:1::/48
  neighbor 10.0.0.2 activate
 exit-address-family
route-map LP permit 10
 set local-preference 250
route-map SET permit 10
 set metric 44
 set community 65100:9
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker with FRR bgpd', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let frrNs: string;
  let dir = '';

  const vtysh = (cmd: string) => lab.run(frrNs, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`);
  const table = (family: 'ipv4' | 'ipv6') =>
    (JSON.parse(vtysh(`show bgp ${family} unicast json`)) as { routes?: Record<string, unknown[]> }).routes ??
    {};
  const state = (name: string) => child.call<State>({ cmd: 'state', name });
  const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) =>
    pollUntil(what, check, ms, () => vtysh('show bgp summary'));

  beforeAll(async () => {
    lab = new Lab('cnk-spk');
    dir = lab.dir;
    try {
      chmodSync(dir, 0o777);
      frrNs = lab.ns('frr');
      const usNs = lab.ns('us');
      lab.run(frrNs, `ip link add vfr type veth peer name vu netns ${usNs}`);
      lab.run(
        frrNs,
        'ip addr add 10.0.0.1/24 dev vfr && ip addr add 10.0.0.11/24 dev vfr && ip addr add fd00::1/64 dev vfr nodad && ip link set vfr up',
      );
      lab.run(
        usNs,
        'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.12/24 dev vu && ip addr add fd00::2/64 dev vu nodad && ip link set vu up',
      );
      await startFrrBgpd(lab, frrNs, dir, BGPD_CONF);
      child = ChildSpeaker.start(lab, usNs, await bundleChild(dir));
      await child.call({
        cmd: 'speaker',
        name: 'e',
        options: { asn: 65200, routerId: '10.0.0.2', listen: { host: '10.0.0.2', port: 179 } },
        peers: [
          { address: '10.0.0.1', asn: 65100, connectRetryTime: 1, holdTime: 3, nextHop: { ipv6: 'fd00::2' } },
        ],
      });
      await child.call({
        cmd: 'speaker',
        name: 'i',
        options: { asn: 65100, routerId: '10.0.0.12', listen: { host: '10.0.0.12', port: 179 } },
        peers: [{ address: '10.0.0.11', asn: 65100, passive: true, families: ['ipv4-unicast'] }],
      });
    } catch (e) {
      lab.cleanup();
      throw e;
    }
  }, 30_000);

  afterAll(async () => {
    await child?.call({ cmd: 'close' }, 3000).catch(() => undefined);
    lab?.cleanup();
    expect(existsSync(dir)).toBe(false);
  });

  it('eBGP reaches Established with IPv4 and IPv6 unicast and a 3 s hold time', async () => {
    await until('Established', async () => (await state('e')).peers[0].state === 'Established');
    const p = (await state('e')).peers[0];
    expect(p).toMatchObject({ holdTime: 3, keepaliveTime: 1, fourOctetAs: true, routerId: '10.0.0.1' });
    expect(p.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
  });

  it("FRR's routes reach our Loc-RIB with MED and community; ours reach FRR; withdrawals both ways", async () => {
    await until('FRR routes', async () => (await state('e')).routes.length === 2);
    const routes = (await state('e')).routes;
    expect(routes.find((r) => r.prefix === '172.16.1.0/24')).toMatchObject({
      med: 44,
      communities: [community(65100, 9)],
      asPath: [{ type: 2, asns: [65100] }],
      nextHop: '10.0.0.1',
    });
    expect(routes.find((r) => r.prefix === 'fd10:1::/48')?.asPath).toEqual([{ type: 2, asns: [65100] }]);

    await child.call({
      cmd: 'announce',
      name: 'e',
      prefixes: ['10.20.0.0/24', 'fd20::/48'],
      attributes: { med: 33, communities: [community(65200, 7)] },
    });
    await until('ours in FRR', () => '10.20.0.0/24' in table('ipv4') && 'fd20::/48' in table('ipv6'));
    const text = JSON.stringify(table('ipv4')['10.20.0.0/24']);
    expect(text).toContain('"path":"65200"');
    expect(text).toContain('"metric":33');
    const detail = vtysh('show bgp ipv4 unicast 10.20.0.0/24');
    expect(detail).toContain('Community: 65200:7');
    expect(detail).toContain('10.0.0.2 from 10.0.0.2');

    await child.call({ cmd: 'withdraw', name: 'e', prefixes: ['10.20.0.0/24'] });
    await until('withdrawn in FRR', () => !('10.20.0.0/24' in table('ipv4')));
    // iBGP: FRR's route with the LOCAL_PREF its route-map sets, ours with the LOCAL_PREF we set.
    await until('iBGP Established', async () => (await state('i')).peers[0].state === 'Established');
    await until('FRR route at i', async () =>
      (await state('i')).routes.some((r) => r.prefix === '172.16.1.0/24'),
    );
    expect((await state('i')).routes.find((r) => r.prefix === '172.16.1.0/24')).toMatchObject({
      localPref: 250,
      asPath: [],
      source: { ibgp: true, asn: 65100 },
    });
    await child.call({
      cmd: 'announce',
      name: 'i',
      prefixes: ['10.30.0.0/24'],
      attributes: { localPref: 300 },
    });
    await until('iBGP route in FRR', () => '10.30.0.0/24' in table('ipv4'));
    expect(JSON.stringify(table('ipv4')['10.30.0.0/24'])).toContain('"locPrf":300');

    vtysh('configure terminal\nrouter bgp 65100\naddress-family ipv4 unicast\nno network 172.16.1.0/24');
    await until(
      'FRR withdrawal',
      async () => !(await state('e')).routes.some((r) => r.prefix === '172.16.1.0/24'),
    );
  });
});
