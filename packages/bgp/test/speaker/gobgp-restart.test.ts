import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import type { BgpRoute, PeerInfo } from '../../src/index.js';
import { bundleChild, ChildSpeaker, pollUntil, startGobgpd } from './interop-support.js';

// A real peer that dies: GoBGP (passive, graceful restart with a 30 s restart time) is killed with
// SIGKILL while our speaker (active, graceful restart as receiver, ConnectRetry 1 s doubling up to
// 8 s) holds two of its routes. While it is gone our routes stay, stale, and our connection attempts
// back off; when gobgpd comes back with only one of the routes, the session is re-established by
// our next attempt and its End-of-RIB purges the other one, long before the restart time.
const blocker = kernelTestBlocker(['gobgpd', 'gobgp', 'tcpdump']);
announceKernelTestBlocker(blocker, 'BGP speaker: a killed GoBGP restarting, with graceful restart');

const GOBGP_CONF = `
[global.config]
  as = 65100
  router-id = "10.0.0.1"
  port = 179
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "accept-route"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.2"
    peer-as = 65200
  [neighbors.transport.config]
    passive-mode = true
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 30
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
`;

interface State {
  peers: (PeerInfo & { endOfRibReceived: string[] })[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker and a GoBGP that is killed and restarts', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let goNs: string;
  let gobgpd: ReturnType<Lab['spawn']>;

  const gobgp = (args: string) => lab.run(goNs, `gobgp -u 127.0.0.1 -p 50051 ${args}`);
  const state = () => child.call<State>({ cmd: 'state', name: 's' });
  const adjRibIn = () => child.call<BgpRoute[]>({ cmd: 'adjRibIn', name: 's', peer: '10.0.0.1' });
  const until = (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) =>
    pollUntil(what, check, ms);

  beforeAll(async () => {
    lab = new Lab('cnk-spkr');
    try {
      goNs = lab.ns('gobgp');
      const usNs = lab.ns('us');
      lab.run(goNs, `ip link add vg type veth peer name vu netns ${usNs}`);
      lab.run(goNs, 'ip addr add 10.0.0.1/24 dev vg && ip link set vg up');
      lab.run(usNs, 'ip addr add 10.0.0.2/24 dev vu && ip link set vu up');
      gobgpd = await startGobgpd(lab, goNs, lab.dir, GOBGP_CONF);
      gobgp('global rib -a ipv4 add 172.16.1.0/24 nexthop 10.0.0.1');
      gobgp('global rib -a ipv4 add 172.16.2.0/24 nexthop 10.0.0.1');
      child = ChildSpeaker.start(lab, usNs, await bundleChild(lab.dir));
      await child.call({
        cmd: 'speaker',
        name: 's',
        options: { asn: 65200, routerId: '10.0.0.2', listen: false },
        peers: [
          {
            address: '10.0.0.1',
            asn: 65100,
            localAddress: '10.0.0.2',
            gracefulRestart: true,
            holdTime: 9,
            connectRetryTime: 1,
            connectRetryMax: 8,
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
    const dir = lab?.dir;
    lab?.cleanup();
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  it('keeps the routes stale while GoBGP is dead, backs off, and ends the stale routes at its End-of-RIB', async () => {
    await until('both routes', async () => (await adjRibIn()).length === 2);
    const before = await state();
    expect(before.peers[0]).toMatchObject({ state: 'Established', connection: 'outgoing' });

    // Our SYNs to port 179 while gobgpd is down, with tcpdump's own timestamps.
    const syns: number[] = [];
    const dump = lab.spawn(
      goNs,
      "tcpdump -l -n -tt -i vg 'tcp dst port 179 and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0'",
    );
    dump.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (/^\d+\.\d+ IP /.test(line)) syns.push(Number(line.split(' ')[0]));
    });
    await new Promise((r) => setTimeout(r, 1000));

    gobgpd.kill('SIGKILL');
    await until('session down', async () => (await state()).peers[0].state !== 'Established');
    const down = await adjRibIn();
    expect(down.map((r) => [r.prefix, r.stale]).sort()).toEqual([
      ['172.16.1.0/24', true],
      ['172.16.2.0/24', true],
    ]);
    // Stale routes stay usable (RFC 4724 §4.2): still the best paths.
    expect((await state()).routes.map((r) => r.prefix).sort()).toEqual(['172.16.1.0/24', '172.16.2.0/24']);

    await new Promise((r) => setTimeout(r, 15_000));
    const attempts = [...syns];
    // ConnectRetry doubles from 1 s with each failure, the lost session counting as the first (jitter
    // 0.75–1): attempts after 1.5–2 s, then 3–4 s and 6–8 s later, so 3 in 15 s, each gap at least
    // 1.3× the one before (a fixed 1 s retry would make 15).
    expect(attempts.length).toBe(3);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1] * 1.3);

    gobgpd = await startGobgpd(lab, goNs, lab.dir, GOBGP_CONF);
    gobgp('global rib -a ipv4 add 172.16.1.0/24 nexthop 10.0.0.1');
    const restartedAt = Date.now();
    await until('reconnected', async () => (await state()).peers[0].state === 'Established', 20_000);
    await until('172.16.2.0/24 purged by End-of-RIB', async () => {
      const routes = await adjRibIn();
      return routes.length === 1 && routes[0].prefix === '172.16.1.0/24' && !routes[0].stale;
    });
    // Well before GoBGP's 30 s restart time: it was the End-of-RIB, not the timer.
    expect(Date.now() - restartedAt).toBeLessThan(20_000);
    const after = await state();
    expect(after.peers[0].endOfRibReceived).toContain('ipv4-unicast');
    expect(after.routes.map((r) => r.prefix)).toEqual(['172.16.1.0/24']);
  }, 90_000);
});
