import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, FRR_BGPD, startFrrBgpd } from './interop-support.js';

// GTSM (RFC 5082) with FRR's `ttl-security hops 1`: FRR accepts only packets with TTL 255 and sends
// with 255. Our speaker `g` (10.0.0.2, gtsm, setsockopt from the netlink addon) gets a session;
// `plain` (10.0.0.3, no GTSM) never does. TCP-MD5 with FRR's `password`: `md5` (10.0.0.4) has the
// key, `wrongkey` (10.0.0.5) another one.
const blocker =
  kernelTestBlocker(['vtysh']) ?? (existsSync(FRR_BGPD) ? undefined : `${FRR_BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP speaker GTSM and TCP-MD5 with FRR');

const BGPD_CONF = `
frr defaults traditional
hostname frr
router bgp 65100
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.2 remote-as 65200
 neighbor 10.0.0.2 ttl-security hops 1
 neighbor 10.0.0.2 timers connect 1
 neighbor 10.0.0.3 remote-as 65300
 neighbor 10.0.0.3 ttl-security hops 1
 neighbor 10.0.0.3 timers connect 1
 neighbor 10.0.0.4 remote-as 65400
 neighbor 10.0.0.4 password s3cret
 neighbor 10.0.0.4 timers connect 1
 neighbor 10.0.0.5 remote-as 65500
 neighbor 10.0.0.5 password s3cret
 neighbor 10.0.0.5 timers connect 1
 address-family ipv4 unicast
  network 172.16.8.0/24
 exit-address-family
`;

interface State {
  peers: PeerInfo[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker GTSM (RFC 5082) and TCP-MD5 (RFC 2385) with FRR', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let frrNs: string;
  let dir = '';

  const vtysh = (cmd: string) => lab.run(frrNs, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`);
  const state = (name: string) => child.call<State>({ cmd: 'state', name });

  beforeAll(async () => {
    lab = new Lab('cnk-spk');
    dir = lab.dir;
    try {
      chmodSync(dir, 0o777);
      frrNs = lab.ns('frr');
      const usNs = lab.ns('us');
      lab.run(frrNs, `ip link add vfr type veth peer name vu netns ${usNs}`);
      lab.run(frrNs, 'ip addr add 10.0.0.1/24 dev vfr && ip link set vfr up');
      lab.run(
        usNs,
        'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.3/24 dev vu && ip addr add 10.0.0.4/24 dev vu && ip addr add 10.0.0.5/24 dev vu && ip link set vu up',
      );
      await startFrrBgpd(lab, frrNs, dir, BGPD_CONF);
      child = ChildSpeaker.start(lab, usNs, await bundleChild(dir));
      await child.call({
        cmd: 'speaker',
        name: 'g',
        options: {
          asn: 65200,
          routerId: '10.0.0.2',
          listen: { host: '10.0.0.2', port: 179 },
          nativeSetsockopt: true,
        },
        peers: [{ address: '10.0.0.1', asn: 65100, passive: true, gtsm: true }],
      });
      await child.call({
        cmd: 'speaker',
        name: 'plain',
        options: { asn: 65300, routerId: '10.0.0.3', listen: { host: '10.0.0.3', port: 179 } },
        peers: [{ address: '10.0.0.1', asn: 65100, passive: true }],
      });
      for (const [name, n, password] of [
        ['md5', 4, 's3cret'],
        ['wrongkey', 5, 'wrong'],
      ] as const)
        await child.call({
          cmd: 'speaker',
          name,
          options: {
            asn: 65000 + n * 100,
            routerId: `10.0.0.${n}`,
            listen: { host: `10.0.0.${n}`, port: 179 },
            nativeSetsockopt: true,
          },
          peers: [{ address: '10.0.0.1', asn: 65100, passive: true, password }],
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

  it('with GTSM the session comes up and FRR’s route arrives; without it FRR drops our packets', async () => {
    const end = Date.now() + 20_000;
    while ((await state('g')).peers[0].state !== 'Established') {
      if (Date.now() > end) throw new Error(`g not Established\n${vtysh('show bgp summary')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // FRR's connection attempts to `plain` for a few more seconds: its SYN-ACKs leave with TTL 64.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await state('plain')).peers[0].state).not.toBe('Established');
    const summary = JSON.parse(vtysh('show bgp ipv4 unicast summary json')) as {
      peers: Record<string, { state: string }>;
    };
    expect(summary.peers['10.0.0.2'].state).toBe('Established');
    expect(summary.peers['10.0.0.3'].state).not.toBe('Established');
    // FRR's view of the session: ttl-security hops 1.
    const n = JSON.parse(vtysh('show bgp neighbors 10.0.0.2 json'))['10.0.0.2'] as Record<string, unknown>;
    expect(n.externalBgpNbrMaxHopsAway).toBe(1);
  });

  it('TCP-MD5 (RFC 2385): the right key makes a session with FRR’s `password`, a wrong one none', async () => {
    const end = Date.now() + 20_000;
    while ((await state('md5')).peers[0].state !== 'Established') {
      if (Date.now() > end) throw new Error(`md5 not Established\n${vtysh('show bgp summary')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 3000));
    expect((await state('wrongkey')).peers[0].state).not.toBe('Established');
    const summary = JSON.parse(vtysh('show bgp ipv4 unicast summary json')) as {
      peers: Record<string, { state: string }>;
    };
    expect(summary.peers['10.0.0.4'].state).toBe('Established');
    expect(summary.peers['10.0.0.5'].state).not.toBe('Established');
  });
});
