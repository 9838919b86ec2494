import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { type BgpRoute, community, type PeerInfo } from '../../src/index.js';
import { birdRoutes, bundleChild, ChildSpeaker, pollUntil } from './interop-support.js';

// BIRD 2 in one namespace, our speakers in a child process in another, a veth pair between:
// eBGP (AS 65200 ↔ BIRD's 65100, 10.0.0.2 ↔ .1, hold 3 s) and iBGP (AS 65100, 10.0.0.12 ↔ .11),
// IPv4 and IPv6 unicast on each session.
const blocker = kernelTestBlocker(['bird', 'birdc']);
announceKernelTestBlocker(blocker, 'BGP speaker interop with BIRD 2');

const BIRD_CONF = `
router id 10.0.0.1;
protocol device { scan time 1; }
protocol static s4 { ipv4; route 172.16.1.0/24 blackhole; route 172.16.2.0/24 blackhole; }
protocol static s6 { ipv6; route fd10:1::/48 blackhole; }
filter to_ebgp { if source != RTS_STATIC then reject; bgp_med = 11; bgp_community.add((65100,5)); bgp_large_community.add((65100,1,2)); accept; }
filter to_ibgp { if source != RTS_STATIC then reject; bgp_local_pref = 250; accept; }
protocol bgp bgp_e {
  local 10.0.0.1 as 65100; neighbor 10.0.0.2 as 65200; hold time 3; connect retry time 1;
  ipv4 { import all; export filter to_ebgp; };
  ipv6 { import all; export filter to_ebgp; next hop address fd00::1; };
}
protocol bgp bgp_i {
  local 10.0.0.11 as 65100; neighbor 10.0.0.12 as 65100; direct; connect retry time 1;
  ipv4 { import all; export filter to_ibgp; gateway direct; };
  ipv6 { import all; export filter to_ibgp; gateway direct; next hop address fd00::11; };
}
`;

interface State {
  peers: PeerInfo[];
  routes: BgpRoute[];
}

describe.skipIf(blocker !== undefined)('BgpSpeaker with BIRD 2', () => {
  let lab: Lab;
  let child: ChildSpeaker;
  let birdNs: string;
  let birdPid = 0;
  let sock = '';

  const birdc = (cmd: string) => lab.run(birdNs, `birdc -s ${sock} ${cmd}`);
  const state = (name: string) => child.call<State>({ cmd: 'state', name });
  const established = async (name: string, peer: string): Promise<State> => {
    const end = Date.now() + 20_000;
    for (;;) {
      const s = await state(name);
      if (s.peers.find((p) => p.address === peer)?.state === 'Established') return s;
      if (Date.now() > end)
        throw new Error(`${name}: ${JSON.stringify(s.peers)}\n${birdc('show protocols all')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const until = (what: string, check: () => Promise<boolean> | boolean, ms = 15_000) =>
    pollUntil(what, check, ms);

  beforeAll(async () => {
    lab = new Lab('cnk-spk');
    try {
      birdNs = lab.ns('bird');
      const usNs = lab.ns('us');
      lab.run(birdNs, `ip link add vb type veth peer name vu netns ${usNs}`);
      lab.run(birdNs, 'ip addr add 10.0.0.1/24 dev vb && ip addr add 10.0.0.11/24 dev vb');
      lab.run(
        birdNs,
        'ip addr add fd00::1/64 dev vb nodad && ip addr add fd00::11/64 dev vb nodad && ip link set vb up',
      );
      lab.run(usNs, 'ip addr add 10.0.0.2/24 dev vu && ip addr add 10.0.0.12/24 dev vu');
      lab.run(
        usNs,
        'ip addr add fd00::2/64 dev vu nodad && ip addr add fd00::12/64 dev vu nodad && ip link set vu up',
      );
      const conf = join(lab.dir, 'bird.conf');
      sock = join(lab.dir, 'bird.ctl');
      writeFileSync(conf, BIRD_CONF);
      const bird = lab.spawn(birdNs, `bird -c ${conf} -s ${sock} -P ${join(lab.dir, 'bird.pid')} -f`);
      birdPid = bird.pid ?? 0;
      let birdErr = '';
      bird.stderr?.on('data', (d: Buffer) => {
        birdErr += d.toString();
      });
      await until(
        'BIRD control socket',
        () => {
          if (bird.exitCode !== null) throw new Error(`bird exited ${bird.exitCode}: ${birdErr}`);
          return existsSync(sock);
        },
        10_000,
      );
      child = ChildSpeaker.start(lab, usNs, await bundleChild(lab.dir));
      await child.call({
        cmd: 'speaker',
        name: 'e',
        options: { asn: 65200, routerId: '10.0.0.2', listen: { host: '10.0.0.2', port: 179 } },
        peers: [
          { address: '10.0.0.1', asn: 65100, holdTime: 3, connectRetryTime: 1, nextHop: { ipv6: 'fd00::2' } },
        ],
      });
      await child.call({
        cmd: 'speaker',
        name: 'i',
        options: { asn: 65100, routerId: '10.0.0.12', listen: { host: '10.0.0.12', port: 179 } },
        peers: [{ address: '10.0.0.11', asn: 65100, passive: true, nextHop: { ipv6: 'fd00::12' } }],
      });
    } catch (e) {
      lab.cleanup();
      throw e;
    }
  }, 30_000);

  afterAll(async () => {
    if (birdPid) {
      try {
        process.kill(birdPid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    await child?.call({ cmd: 'close' }, 3000).catch(() => undefined);
    lab?.cleanup();
    // Nothing of ours is left behind.
    const left = lab ? lab.dir : '';
    expect(existsSync(left)).toBe(false);
  });

  it('eBGP and iBGP sessions reach Established with IPv4 and IPv6 unicast', async () => {
    const e = await established('e', '10.0.0.1');
    const i = await established('i', '10.0.0.11');
    expect(e.peers[0]).toMatchObject({
      holdTime: 3,
      keepaliveTime: 1,
      fourOctetAs: true,
      routerId: '10.0.0.1',
      ibgp: false,
    });
    expect(e.peers[0].families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(i.peers[0]).toMatchObject({ ibgp: true, routerId: '10.0.0.1', fourOctetAs: true });
    const protocols = birdc('show protocols');
    expect(protocols).toMatch(/bgp_e\s+BGP\s+---\s+up\s+.*Established/);
    expect(protocols).toMatch(/bgp_i\s+BGP\s+---\s+up\s+.*Established/);
  });

  it("BIRD's routes reach our Loc-RIB with BIRD's attributes", async () => {
    let e: State | undefined;
    await until('BIRD routes at e', async () => {
      e = await state('e');
      return e.routes.length === 3;
    });
    const byPrefix = new Map(e?.routes.map((r) => [r.prefix, r]));
    expect([...byPrefix.keys()].sort()).toEqual(['172.16.1.0/24', '172.16.2.0/24', 'fd10:1::/48']);
    expect(byPrefix.get('172.16.1.0/24')).toMatchObject({
      nextHop: '10.0.0.1',
      med: 11,
      asPath: [{ type: 2, asns: [65100] }],
      communities: [community(65100, 5)],
      largeCommunities: [{ global: 65100, local1: 1, local2: 2 }],
      source: { peer: '10.0.0.1', asn: 65100, ibgp: false },
    });
    expect(byPrefix.get('fd10:1::/48')?.nextHop).toBe('fd00::1');
    let i: State | undefined;
    await until('BIRD routes at i', async () => {
      i = await state('i');
      return i.routes.length === 3;
    });
    const r = i?.routes.find((x) => x.prefix === '172.16.2.0/24');
    expect(r).toMatchObject({ localPref: 250, asPath: [], nextHop: '10.0.0.11', source: { ibgp: true } });
  });

  it('our routes appear in BIRD with the attributes we set, eBGP and iBGP', async () => {
    await child.call({
      cmd: 'announce',
      name: 'e',
      prefixes: ['10.20.0.0/24', '10.20.1.0/24'],
      attributes: {
        med: 33,
        communities: [community(65200, 7)],
        largeCommunities: [{ global: 65200, local1: 1, local2: 1 }],
      },
    });
    await child.call({
      cmd: 'announce',
      name: 'e',
      prefixes: ['fd20::/48'],
      attributes: { asPath: [64999] },
    });
    await child.call({
      cmd: 'announce',
      name: 'i',
      prefixes: ['10.30.0.0/24', 'fd30::/48'],
      attributes: { localPref: 300, communities: [community(65100, 30)] },
    });
    let routes = new Map<string, string>();
    await until('our routes in BIRD', () => {
      routes = birdRoutes(birdc('show route all'));
      return ['10.20.0.0/24', '10.20.1.0/24', 'fd20::/48', '10.30.0.0/24', 'fd30::/48'].every((p) =>
        routes.has(p),
      );
    });
    const e4 = routes.get('10.20.0.0/24') ?? '';
    expect(e4).toContain('[bgp_e ');
    expect(e4).toContain('via 10.0.0.2 on vb');
    expect(e4).toContain('BGP.as_path: 65200\n');
    expect(e4).toContain('BGP.med: 33');
    expect(e4).toContain('BGP.community: (65200,7)');
    expect(e4).toContain('BGP.large_community: (65200, 1, 1)');
    const e6 = routes.get('fd20::/48') ?? '';
    expect(e6).toContain('via fd00::2 on vb');
    expect(e6).toContain('BGP.as_path: 65200 64999');
    const i4 = routes.get('10.30.0.0/24') ?? '';
    expect(i4).toContain('[bgp_i ');
    expect(i4).toContain('BGP.local_pref: 300');
    expect(i4).toContain('BGP.community: (65100,30)');
    expect(i4).toMatch(/BGP\.as_path: *\n/);
    expect(routes.get('fd30::/48') ?? '').toContain('BGP.local_pref: 300');
  });

  it('withdrawals propagate both ways', async () => {
    await child.call({ cmd: 'withdraw', name: 'e', prefixes: ['10.20.1.0/24', 'fd20::/48'] });
    await until('withdrawn in BIRD', () => {
      const r = birdRoutes(birdc('show route all'));
      return !r.has('10.20.1.0/24') && !r.has('fd20::/48') && r.has('10.20.0.0/24');
    });
    birdc('disable s4');
    const fromBird = (s: State) => s.routes.filter((r) => r.source.peer === '10.0.0.1').map((r) => r.prefix);
    await until('BIRD withdrawal at e', async () => fromBird(await state('e')).length === 1);
    expect(fromBird(await state('e'))).toEqual(['fd10:1::/48']);
    expect((await state('e')).routes.map((r) => r.prefix).sort()).toEqual(['10.20.0.0/24', 'fd10:1::/48']);
  });

  it('BIRD frozen with SIGSTOP is declared down within the 3 s hold time', async () => {
    await established('e', '10.0.0.1');
    const stoppedAt = Date.now();
    process.kill(birdPid, 'SIGSTOP');
    await until(
      'peerDown',
      () => child.events.some((ev) => ev.event === 'peerDown' && ev.name === 'e' && ev.at >= stoppedAt),
      8000,
    );
    const down = child.events.find((ev) => ev.event === 'peerDown' && ev.name === 'e' && ev.at >= stoppedAt);
    expect(down).toMatchObject({ reason: 'hold timer expired', code: 4, subcode: 0 });
    expect((down?.at ?? 0) - stoppedAt).toBeLessThanOrEqual(3500);
    // The iBGP session (hold 90 s) is still up, and BIRD's routes left the eBGP speaker's Loc-RIB.
    expect((await state('i')).peers[0].state).toBe('Established');
    expect((await state('e')).routes.filter((r) => r.source.peer !== 'local')).toEqual([]);
    process.kill(birdPid, 'SIGCONT');
  });
});
