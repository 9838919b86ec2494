import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { BgpRoute, PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, FRR_BGPD, pollUntil, startFrrBgpd } from './interop-support.js';

// FRR's bgpd (AS 65100, -Z: no zebra) and three speakers of ours in a child process, two
// namespaces joined by a veth pair. BGP roles (RFC 9234, FRR's `local-role`): `cust` (AS 65200)
// is FRR's customer, `prov` (AS 65300) its provider, `bad` (AS 65400) claims a role FRR refuses.
// Enhanced route refresh (RFC 7313) both ways between FRR and `cust`.
const blocker =
  kernelTestBlocker(['vtysh']) ?? (existsSync(FRR_BGPD) ? undefined : `${FRR_BGPD} is not installed`);
announceKernelTestBlocker(blocker, 'BGP speaker roles, OTC and enhanced route refresh with FRR');

const BGPD_CONF = `
frr defaults traditional
hostname frr
router bgp 65100
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.2 remote-as 65200
 neighbor 10.0.0.2 local-role provider
 neighbor 10.0.0.2 timers connect 1
 neighbor 10.0.0.3 remote-as 65300
 neighbor 10.0.0.3 local-role customer
 neighbor 10.0.0.3 timers connect 1
 neighbor 10.0.0.4 remote-as 65400
 neighbor 10.0.0.4 local-role peer strict-mode
 neighbor 10.0.0.4 timers connect 1
 address-family ipv4 unicast
  network 172.16.5.0/24
 exit-address-family
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker roles, OTC and enhanced route refresh with FRR', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let frrNs: string;
  let dir = '';

  const vtysh = (cmd: string) => lab.run(frrNs, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`);
  const neighbor = (a: string) =>
    (JSON.parse(vtysh(`show bgp neighbors ${a} json`)) as Record<string, Record<string, unknown>>)[a];
  const state = (name: string) => child.call<State>({ cmd: 'state', name });
  const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) =>
    pollUntil(what, check, ms, () => vtysh('show bgp summary'));
  const speaker = (name: string, asn: number, n: number, role: string, strictRole = false) =>
    child.call({
      cmd: 'speaker',
      name,
      options: { asn, routerId: `10.0.0.${n}`, listen: { host: `10.0.0.${n}`, port: 179 } },
      peers: [
        {
          address: '10.0.0.1',
          asn: 65100,
          connectRetryTime: 1,
          families: ['ipv4-unicast'],
          role,
          strictRole,
        },
      ],
    });

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
        'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.3/24 dev vu && ip addr add 10.0.0.4/24 dev vu && ip link set vu up',
      );
      await startFrrBgpd(lab, frrNs, dir, BGPD_CONF);
      child = ChildSpeaker.start(lab, usNs, await bundleChild(dir));
      await speaker('cust', 65200, 2, 'customer');
      await speaker('prov', 65300, 3, 'provider');
      await speaker('bad', 65400, 4, 'customer');
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

  it('reaches Established where the roles pair (customer–provider both ways) and FRR agrees', async () => {
    await until('cust and prov Established', async () =>
      [await state('cust'), await state('prov')].every((s) => s.peers[0].state === 'Established'),
    );
    expect((await state('cust')).peers[0]).toMatchObject({
      remoteRole: 'provider',
      enhancedRouteRefresh: true,
    });
    expect((await state('prov')).peers[0]).toMatchObject({ remoteRole: 'customer' });
    expect(JSON.stringify(neighbor('10.0.0.2'))).toContain('"remoteRole":"customer"');
    expect(JSON.stringify(neighbor('10.0.0.3'))).toContain('"remoteRole":"provider"');
  });

  it('a role that does not pair ends in OPEN error / Role Mismatch (2/11)', async () => {
    // Both sides check the pair on the OPEN they get: the NOTIFICATION is ours or FRR's, 2/11 either way.
    await until('bad peer refused with 2/11', async () => {
      const n = (await state('bad')).peers[0].lastNotification;
      return n?.code === 2 && n.subcode === 11;
    });
    expect((await state('bad')).peers[0].lastError).toMatch(/role mismatch|NOTIFICATION received/);
    expect(child.events.some((e) => e.name === 'bad' && e.event === 'peerUp')).toBe(false);
  });

  it('OTC: a provider’s route gets OTC = its AS on the way in; routes we send to our customer carry OTC = our AS', async () => {
    await until('FRR route at cust', async () =>
      (await state('cust')).routes.some((r) => r.prefix === '172.16.5.0/24'),
    );
    const fromProvider = (await state('cust')).routes.find((r) => r.prefix === '172.16.5.0/24');
    // FRR, the provider, marks what it sends its customer itself (RFC 9234 §5 egress): we keep its mark.
    expect(fromProvider?.otherAttributes).toMatchObject([{ kind: 'otc', asn: 65100 }]);
    // prov is FRR's provider: what it sends FRR is Only To Customer, marked with AS 65300.
    await child.call({ cmd: 'announce', name: 'prov', prefixes: ['10.33.0.0/24'], attributes: {} });
    await until('prov route in FRR', () => vtysh('show bgp ipv4 unicast 10.33.0.0/24').includes('65300'));
    expect(vtysh('show bgp ipv4 unicast 10.33.0.0/24 json')).toContain('"otc":65300');
    // FRR may pass an OTC route down to its customer cust, which keeps FRR's mark.
    await until('prov route at cust', async () =>
      (await state('cust')).routes.some((r) => r.prefix === '10.33.0.0/24'),
    );
    const passed = (await state('cust')).routes.find((r) => r.prefix === '10.33.0.0/24');
    expect(passed?.otherAttributes).toMatchObject([{ kind: 'otc', asn: 65300 }]);
    // cust, a customer, announces to its provider FRR without OTC; FRR accepts it.
    await child.call({ cmd: 'announce', name: 'cust', prefixes: ['10.22.0.0/24'], attributes: {} });
    await until('cust route in FRR', () => vtysh('show bgp ipv4 unicast 10.22.0.0/24').includes('65200'));
    expect(vtysh('show bgp ipv4 unicast 10.22.0.0/24 json')).not.toContain('"otc"');
  });

  it('enhanced route refresh: FRR’s soft-in request is answered inside BoRR/EoRR (FRR counts both); FRR gets our request', async () => {
    const stats = () => neighbor('10.0.0.2').messageStats as Record<string, number>;
    const before = stats();
    vtysh('clear bgp ipv4 unicast 10.0.0.2 soft in');
    await until('FRR got BoRR and EoRR', () => stats().routeRefreshRecv >= before.routeRefreshRecv + 2);
    expect(stats().routeRefreshSent).toBe(before.routeRefreshSent + 1);
    await until('the request event', () =>
      child.events.some((e) => e.name === 'cust' && e.event === 'routeRefresh' && e.reason === 'request'),
    );
    expect(vtysh('show bgp ipv4 unicast 10.22.0.0/24')).toContain('65200');

    // Our request reaches FRR as a ROUTE-REFRESH it counts. (FRR 8.4 re-sent nothing to it in
    // this setup, so the BoRR/EoRR receive side is checked with a hand-driven peer in
    // role-refresh.test.ts.)
    const asked = stats().routeRefreshRecv;
    expect(await child.call({ cmd: 'refresh', name: 'cust', peer: '10.0.0.1' })).toBe(true);
    await until('FRR got our request', () => stats().routeRefreshRecv === asked + 1);
  });
});
