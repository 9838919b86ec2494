import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { BgpRoute, PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, FRR_BGPD, pollUntil, startFrrBgpd } from './interop-support.js';

// FRR's bgpd (-Z: no zebra) and our speaker in a child process, in two namespaces joined by a
// veth pair, peering over IPv6 only: extended next hop (RFC 8950) carries IPv4 routes with IPv6
// next hops both ways, and extended messages (RFC 8654) let 12,000 prefixes go in one UPDATE.
const blocker =
  kernelTestBlocker(['vtysh']) ?? (existsSync(FRR_BGPD) ? undefined : `${FRR_BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP speaker extended next hop and extended messages with FRR');

const BGPD_CONF = `
frr defaults traditional
hostname frr
router bgp 65100
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor fd00::2 remote-as 65200
 neighbor fd00::2 capability extended-nexthop
 neighbor fd00::2 timers 10 30
 neighbor fd00::2 timers connect 1
 address-family ipv4 unicast
  network 172.16.7.0/24
  neighbor fd00::2 activate
 exit-address-family
 address-family ipv6 unicast
  network fd10:7::/48
  neighbor fd00::2 activate
 exit-address-family
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker extended next hop and extended messages with FRR', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let frrNs: string;
  let dir = '';

  const vtysh = (cmd: string) => lab.run(frrNs, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`);
  const table = () =>
    (JSON.parse(vtysh('show bgp ipv4 unicast json')) as { routes?: Record<string, unknown[]> }).routes ?? {};
  const neighbor = () =>
    (JSON.parse(vtysh('show bgp neighbors fd00::2 json')) as Record<string, Record<string, unknown>>)[
      'fd00::2'
    ];
  const state = () => child.call<State>({ cmd: 'state', name: 'x' });
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
      lab.run(frrNs, 'ip addr add fd00::1/64 dev vfr nodad && ip link set vfr up');
      lab.run(usNs, 'ip addr add fd00::2/64 dev vu nodad && ip link set vu up');
      await startFrrBgpd(lab, frrNs, dir, BGPD_CONF);
      child = ChildSpeaker.start(lab, usNs, await bundleChild(dir));
      await child.call({
        cmd: 'speaker',
        name: 'x',
        options: { asn: 65200, routerId: '10.0.0.2', listen: { host: 'fd00::2', port: 179 } },
        peers: [
          {
            address: 'fd00::1',
            asn: 65100,
            connectRetryTime: 1,
            holdTime: 30,
            extendedMessage: true,
            extendedNextHop: true,
          },
        ],
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

  it('negotiates extended next hop and extended messages over an IPv6 session', async () => {
    await until('Established', async () => (await state()).peers[0].state === 'Established');
    expect((await state()).peers[0]).toMatchObject({
      extendedMessage: true,
      extendedNextHop: true,
      families: ['ipv4-unicast', 'ipv6-unicast'],
    });
    const caps = neighbor().neighborCapabilities as Record<string, unknown>;
    expect(caps.extendedMessage).toBe('advertisedAndReceived');
    expect(JSON.stringify(caps.extendedNexthop)).toContain('advertisedAndReceived');
  });

  it('receives FRR’s IPv4 route with its IPv6 next hop, and sends ours with our IPv6 address as next hop', async () => {
    await until('FRR IPv4 route', async () =>
      (await state()).routes.some((r) => r.prefix === '172.16.7.0/24'),
    );
    const theirs = (await state()).routes.find((r) => r.prefix === '172.16.7.0/24');
    expect(theirs).toMatchObject({ family: 4, nextHop: 'fd00::1', asPath: [{ type: 2, asns: [65100] }] });

    await child.call({ cmd: 'announce', name: 'x', prefixes: ['10.70.0.0/24'], attributes: { med: 9 } });
    await until('ours in FRR', () => '10.70.0.0/24' in table());
    const path = JSON.stringify(table()['10.70.0.0/24']);
    expect(path).toContain('"ip":"fd00::2"');
    expect(path).toContain('"afi":"ipv6"');
    expect(path).toContain('"metric":9');
    expect(path).toContain('"path":"65200"');
  });

  it('sends 12,000 IPv4 prefixes in one UPDATE (48,000 NLRI octets, over 4,096 only as an extended message)', async () => {
    const before = (neighbor().messageStats as Record<string, number>).updatesRecv;
    const since = (await state()).peers[0].establishedSince;
    const prefixes = Array.from({ length: 12_000 }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.0/24`);
    await child.call({ cmd: 'announce', name: 'x', prefixes, attributes: {} });
    const accepted = () =>
      (neighbor().addressFamilyInfo as Record<string, Record<string, number>>).ipv4Unicast
        ?.acceptedPrefixCounter;
    await until('12,000 in FRR', () => accepted() >= 12_001);
    const after = (neighbor().messageStats as Record<string, number>).updatesRecv;
    // The same session throughout (a reset would resend everything and restart FRR's counters).
    expect((await state()).peers[0].establishedSince).toBe(since);
    expect(after - before).toBe(1);
    expect(vtysh('show bgp ipv4 unicast 10.146.223.0/24 json')).toContain('"ip":"fd00::2"');
    await child.call({ cmd: 'withdraw', name: 'x', prefixes });
    await until('withdrawn in FRR', () => accepted() === 1);
    expect(Object.keys(table()).sort()).toEqual(['10.70.0.0/24', '172.16.7.0/24']);
  });
});
