import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { BgpRoute, OutgoingRoute, PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, pollUntil, startGobgpd } from './interop-support.js';

// GoBGP (AS 65100) in one namespace; in another, a child process with our speaker `e` (AS 65200,
// 10.0.0.2) and a second speaker of ours, `src` (AS 65300, 10.0.0.3), that feeds `e` a path.
// `e` sends GoBGP both paths of 10.50.0.0/24 (its own and src's) with ADD-PATH, and exchanges
// EVPN type 2 and type 3 routes (VXLAN) with GoBGP both ways.
const blocker = kernelTestBlocker(['gobgpd', 'gobgp']);
announceKernelTestBlocker(blocker, 'BGP speaker ADD-PATH send and EVPN with GoBGP');

const GOBGP_CONF = `
[global.config]
  as = 65100
  router-id = "10.0.0.1"
  port = 179
  local-address-list = ["10.0.0.1"]
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
      receive = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

interface GoPath {
  nlri: { prefix?: string; type?: number; value?: Record<string, unknown> };
  id?: number;
  attrs: {
    type: number;
    metric?: number;
    value?: unknown;
    nexthop?: string;
    as_paths?: { asns: number[] }[];
  }[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker ADD-PATH send and EVPN with GoBGP', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let goNs: string;
  let dir = '';

  const gobgp = (args: string) => lab.run(goNs, `gobgp -u 127.0.0.1 -p 50051 ${args}`);
  const adjIn = (family: 'ipv4' | 'evpn') =>
    JSON.parse(gobgp(`neighbor 10.0.0.2 adj-in -a ${family} -j`) || '{}') as Record<string, GoPath[]>;
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
      lab.run(goNs, 'ip addr add 10.0.0.1/24 dev vg && ip link set vg up');
      lab.run(usNs, 'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.3/24 dev vu && ip link set vu up');
      await startGobgpd(lab, goNs, lab.dir, GOBGP_CONF);
      gobgp(
        'global rib -a evpn add macadv aa:bb:cc:00:00:01 10.1.1.1 etag 0 label 100 rd 65100:100 rt 65100:100 encap vxlan',
      );
      gobgp(
        'global rib -a evpn add multicast 10.0.0.1 etag 0 rd 65100:100 rt 65100:100 encap vxlan pmsi ingress-repl 100 10.0.0.1',
      );
      child = ChildSpeaker.start(lab, usNs, await bundleChild(lab.dir));
      await child.call({
        cmd: 'speaker',
        name: 'e',
        options: { asn: 65200, routerId: '10.0.0.2', listen: { host: '10.0.0.2', port: 179 } },
        peers: [
          {
            address: '10.0.0.1',
            asn: 65100,
            connectRetryTime: 1,
            families: ['ipv4-unicast', 'l2vpn-evpn'],
            addPath: { send: ['ipv4-unicast'] },
          },
          { address: '10.0.0.3', asn: 65300, passive: true, families: ['ipv4-unicast'] },
        ],
      });
      await child.call({
        cmd: 'speaker',
        name: 'src',
        options: { asn: 65300, routerId: '10.0.0.3', listen: { host: '10.0.0.3', port: 179 } },
        peers: [{ address: '10.0.0.2', asn: 65200, connectRetryTime: 1, families: ['ipv4-unicast'] }],
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

  it('negotiates ADD-PATH send for IPv4 unicast and the EVPN family with GoBGP', async () => {
    await until('e Established with GoBGP and src', async () =>
      (await state('e')).peers.every((p) => p.state === 'Established'),
    );
    const go = (await state('e')).peers.find((p) => p.address === '10.0.0.1');
    expect(go?.families).toEqual(['ipv4-unicast', 'l2vpn-evpn']);
    expect(go?.addPathSend).toEqual(['ipv4-unicast']);
    expect(go?.addPathReceive).toEqual([]);
  });

  it('two paths we send for one prefix stay distinct in GoBGP’s Adj-RIB-In; withdrawing one leaves the other', async () => {
    await child.call({ cmd: 'announce', name: 'src', prefixes: ['10.50.0.0/24'], attributes: { med: 10 } });
    await until('src path at e', async () =>
      (await state('e')).routes.some((r) => r.prefix === '10.50.0.0/24'),
    );
    await child.call({ cmd: 'announce', name: 'e', prefixes: ['10.50.0.0/24'], attributes: { med: 20 } });
    // `gobgp neighbor … adj-in` lists every path GoBGP holds from us, with the path identifier we sent (ID).
    const rows = () =>
      gobgp('neighbor 10.0.0.2 adj-in -a ipv4')
        .split('\n')
        .map((l) => /^\s*(\d+)\s+10\.50\.0\.0\/24\s+(\S+)\s+([\d ]+?)\s+\d\d:\d\d:\d\d\s+(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ id: Number(m[1]), nextHop: m[2], asPath: m[3].trim(), attrs: m[4] }));
    await until('two paths in GoBGP', () => rows().length === 2);
    const two = rows().sort((a, b) => a.asPath.length - b.asPath.length);
    // Ours (the best: locally originated) with MED 20; src's, passed on over eBGP, without its MED.
    expect(two.map((r) => [r.asPath, r.nextHop])).toEqual([
      ['65200', '10.0.0.2'],
      ['65200 65300', '10.0.0.2'],
    ]);
    expect(two[0].attrs).toContain('{Med: 20}');
    expect(two[1].attrs).not.toContain('Med');
    expect(two[0].id).not.toBe(two[1].id);
    expect((adjIn('ipv4')['10.50.0.0/24'] ?? []).length).toBe(2);
    const out = await child.call<OutgoingRoute[]>({ cmd: 'adjRibOut', name: 'e', peer: '10.0.0.1' });
    const sent = out.filter((r) => r.prefix === '10.50.0.0/24');
    expect(sent.map((r) => [r.asPath[0]?.asns, r.pathId])).toEqual(
      expect.arrayContaining([
        [[65200], two[0].id],
        [[65200, 65300], two[1].id],
      ]),
    );
    expect(sent).toHaveLength(2);

    await child.call({ cmd: 'withdraw', name: 'e', prefixes: ['10.50.0.0/24'] });
    await until('one path left in GoBGP', () => rows().length === 1);
    expect(rows()).toEqual([{ ...two[1] }]);
  });

  it('receives GoBGP’s EVPN type 2 and type 3 routes keyed by RD and route key, with VNI and route target', async () => {
    await until(
      'EVPN routes at e',
      async () => (await state('e')).routes.filter((r) => r.family === 'evpn').length >= 2,
    );
    const evpn = (await state('e')).routes.filter((r) => r.family === 'evpn');
    const t2 = evpn.find((r) => r.evpn?.type === 2);
    const t3 = evpn.find((r) => r.evpn?.type === 3);
    expect(t2?.prefix).toBe('[2]:[65100:100]:[0]:[48]:[aa:bb:cc:00:00:01]:[32]:[10.1.1.1]');
    expect(t2?.evpn).toEqual({
      type: 2,
      rd: '65100:100',
      ethernetTag: 0,
      mac: 'aa:bb:cc:00:00:01',
      ip: '10.1.1.1',
      vni: 100,
    });
    expect(t2?.nextHop).toBe('10.0.0.1');
    expect(t2?.extendedCommunities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'route-target', global: 65100, local: 100 }),
        expect.objectContaining({ kind: 'encapsulation', tunnelType: 8 }),
      ]),
    );
    expect(t3?.prefix).toBe('[3]:[65100:100]:[0]:[32]:[10.0.0.1]');
    expect(t3?.evpn).toEqual({
      type: 3,
      rd: '65100:100',
      ethernetTag: 0,
      originatorIp: '10.0.0.1',
      vni: 100,
    });

    gobgp('global rib -a evpn del macadv aa:bb:cc:00:00:01 10.1.1.1 etag 0 label 100 rd 65100:100');
    await until(
      'type 2 withdrawn at e',
      async () => !(await state('e')).routes.some((r) => r.evpn?.type === 2),
    );
  });

  it('sends EVPN type 2 and type 3 routes that GoBGP reads back with our RD, MAC, IP, VNI, PMSI and next hop; withdraws them', async () => {
    const rt = { kind: 'route-target', type: 0, subtype: 2, global: 65200, local: 100 };
    await child.call({
      cmd: 'announceEvpn',
      name: 'e',
      routes: [
        { type: 2, rd: '10.0.0.2:100', mac: '02:00:00:00:00:02', ip: '10.1.1.2', vni: 100 },
        { type: 3, rd: '10.0.0.2:100', originatorIp: '10.0.0.2', vni: 100 },
      ],
      attributes: { extendedCommunities: [rt] },
    });
    let got: Record<string, GoPath[]> = {};
    await until('our EVPN routes in GoBGP', () => {
      got = adjIn('evpn');
      return Object.keys(got).length === 2;
    });
    const text = gobgp('neighbor 10.0.0.2 adj-in -a evpn');
    expect(text).toContain('[type:macadv][rd:10.0.0.2:100][etag:0][mac:02:00:00:00:00:02][ip:10.1.1.2]');
    expect(text).toContain('[type:multicast][rd:10.0.0.2:100][etag:0][ip:10.0.0.2]');
    expect(text).toMatch(/\[100\]\s+10\.0\.0\.2/);
    expect(text).toContain('Pmsi: type: ingress-repl, label: 100, tunnel-id: 10.0.0.2');
    expect(text).toContain('65200:100');
    expect(text).toContain('[VXLAN]');

    await child.call({
      cmd: 'withdrawEvpn',
      name: 'e',
      routes: [{ type: 2, rd: '10.0.0.2:100', mac: '02:00:00:00:00:02', ip: '10.1.1.2', vni: 100 }],
    });
    await until('type 2 withdrawn in GoBGP', () => Object.keys(adjIn('evpn')).length === 1);
    expect(gobgp('neighbor 10.0.0.2 adj-in -a evpn')).toContain('[type:multicast][rd:10.0.0.2:100]');
  });
});
