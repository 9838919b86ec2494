import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BgpSpeaker,
  type EvpnRouteSpec,
  evpnKey,
  formatRouteDistinguisher,
  parseRouteDistinguisher,
} from '../../src/index.js';
import { waitFor } from './helpers.js';

// Speakers on loopback (127.0.0.11–.14, ports chosen by the kernel): `a` originates a path and
// gets a second one from `c`; `b` receives both with ADD-PATH, `d` only one (sendMax 1) and the
// EVPN routes over extended messages. No namespace and no root needed.
describe('ADD-PATH send, EVPN and extended messages between BgpSpeakers on loopback', () => {
  let a: BgpSpeaker;
  let b: BgpSpeaker;
  let c: BgpSpeaker;
  let d: BgpSpeaker;
  const rt = { kind: 'route-target', type: 0, subtype: 2, global: 65001, local: 100 } as const;
  const mac: EvpnRouteSpec = {
    type: 2,
    rd: '192.0.2.1:100',
    mac: '02:00:00:00:00:01',
    ip: '10.9.0.5',
    vni: 100,
  };
  const imet: EvpnRouteSpec = { type: 3, rd: '192.0.2.1:100', originatorIp: '127.0.0.11', vni: 100 };

  beforeAll(async () => {
    const at = (asn: number, n: number) =>
      new BgpSpeaker({ asn, routerId: `192.0.2.${n}`, listen: { host: `127.0.0.${10 + n}`, port: 0 } });
    a = at(65001, 1);
    b = at(65002, 2);
    c = at(65003, 3);
    d = at(65004, 4);
    await Promise.all([a.listening, b.listening, c.listening, d.listening]);
    const evpn = ['ipv4-unicast', 'l2vpn-evpn'] as const;
    a.addPeer({ address: '127.0.0.12', asn: 65002, passive: true, addPath: { send: ['ipv4-unicast'] } });
    a.addPeer({ address: '127.0.0.13', asn: 65003, passive: true });
    a.addPeer({
      address: '127.0.0.14',
      asn: 65004,
      passive: true,
      families: evpn,
      extendedMessage: true,
      addPath: { send: ['ipv4-unicast'], sendMax: 1 },
    });
    b.addPeer({ address: '127.0.0.11', asn: 65001, port: a.port, addPath: { receive: ['ipv4-unicast'] } });
    c.addPeer({ address: '127.0.0.11', asn: 65001, port: a.port });
    d.addPeer({
      address: '127.0.0.11',
      asn: 65001,
      port: a.port,
      families: evpn,
      extendedMessage: true,
      addPath: { receive: ['ipv4-unicast'] },
    });
    await waitFor('sessions', () => a.peerInfo().every((p) => p.state === 'Established'));
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close(), d?.close()]);
  });

  it('negotiates ADD-PATH per direction and family, and extended messages only where both offer them', () => {
    expect(a.peerInfo('127.0.0.12')).toMatchObject({ addPathSend: ['ipv4-unicast'], addPathReceive: [] });
    expect(b.peerInfo('127.0.0.11')).toMatchObject({ addPathSend: [], addPathReceive: ['ipv4-unicast'] });
    expect(a.peerInfo('127.0.0.13')).toMatchObject({ addPathSend: [], extendedMessage: false });
    expect(a.peerInfo('127.0.0.14')).toMatchObject({
      families: ['ipv4-unicast', 'l2vpn-evpn'],
      extendedMessage: true,
    });
  });

  it('sends every path with its own path identifier; a withdrawn path leaves the other', async () => {
    c.announce(['10.9.0.0/24'], { med: 7 });
    await waitFor('c path at a', () => a.adjRibIn('127.0.0.13').length === 1);
    a.announce(['10.9.0.0/24'], { med: 3 });
    await waitFor('two paths at b', () => b.adjRibIn('127.0.0.11').length === 2);
    const paths = b
      .adjRibIn('127.0.0.11')
      .map((r) => ({ id: r.pathId, asPath: r.asPath.flatMap((s) => s.asns), med: r.med }))
      .sort((x, y) => x.asPath.length - y.asPath.length);
    expect(paths.map((p) => [p.asPath, p.med])).toEqual([
      [[65001], 3],
      [[65001, 65003], undefined],
    ]);
    expect(new Set(paths.map((p) => p.id)).size).toBe(2);
    expect(paths.every((p) => p.id > 0)).toBe(true);
    // b's Loc-RIB chose the shorter AS path.
    expect(b.bestPath('10.9.0.0/24')?.asPath).toEqual([{ type: 2, asns: [65001] }]);
    // sendMax 1: d gets only the best path.
    await waitFor('d path', () => d.adjRibIn('127.0.0.11').length > 0);
    expect(d.adjRibIn('127.0.0.11').filter((r) => r.prefix === '10.9.0.0/24')).toHaveLength(1);
    expect(
      a
        .adjRibOut('127.0.0.12')
        .map((r) => r.pathId)
        .sort(),
    ).toEqual(paths.map((p) => p.id).sort());
    // A path that is not the best changes: only ADD-PATH send peers hear of it.
    c.announce(['10.9.0.0/24'], { med: 8, communities: [0x00010002] });
    await waitFor('c path updated at b', () =>
      b.adjRibIn('127.0.0.11').some((r) => r.communities.includes(0x00010002)),
    );
    a.withdraw(['10.9.0.0/24']);
    await waitFor('one path at b', () => b.adjRibIn('127.0.0.11').length === 1);
    const left = b.adjRibIn('127.0.0.11')[0];
    expect([left.pathId, left.asPath.flatMap((s) => s.asns)]).toEqual([paths[1].id, [65001, 65003]]);
    c.withdraw(['10.9.0.0/24']);
    await waitFor('none at b', () => b.adjRibIn('127.0.0.11').length === 0);
  });

  it('sends EVPN type 2 and 3 routes to the peer with the family, keyed by RD and route key, and withdraws them', async () => {
    a.announceEvpn([mac, imet], { extendedCommunities: [rt] });
    await waitFor('EVPN at d', () => d.routes().filter((r) => r.family === 'evpn').length === 2);
    const got = d.routes().filter((r) => r.family === 'evpn');
    expect(got.map((r) => r.prefix).sort()).toEqual([
      '[2]:[192.0.2.1:100]:[0]:[48]:[02:00:00:00:00:01]:[32]:[10.9.0.5]',
      '[3]:[192.0.2.1:100]:[0]:[32]:[127.0.0.11]',
    ]);
    const t3 = got.find((r) => r.evpn?.type === 3);
    expect(t3?.evpn).toEqual({ ...imet, ethernetTag: 0 });
    expect(t3?.nextHop).toBe('127.0.0.11');
    const pmsi = t3?.otherAttributes.find((x) => x.kind === 'pmsi-tunnel');
    expect(pmsi).toMatchObject({ kind: 'pmsi-tunnel', tunnelFlags: 0, tunnelType: 6, label: 100 });
    expect(pmsi?.kind === 'pmsi-tunnel' && [...pmsi.tunnelId]).toEqual([127, 0, 0, 11]);
    expect(got[0].extendedCommunities).toEqual([
      { kind: 'route-target', type: 0, subtype: 2, global: 65001, local: 100 },
      { kind: 'encapsulation', type: 3, subtype: 12, tunnelType: 8 },
    ]);
    // b did not negotiate l2vpn-evpn: nothing sent there.
    expect(b.routes().some((r) => r.family === 'evpn')).toBe(false);
    // The same MAC/IP with another VNI is the same route key: it replaces, not adds.
    a.announceEvpn([{ ...mac, vni: 200 }], { extendedCommunities: [rt] });
    await waitFor('VNI 200 at d', () => d.routes().some((r) => r.evpn?.type === 2 && r.evpn.vni === 200));
    expect(d.routes().filter((r) => r.family === 'evpn')).toHaveLength(2);
    a.withdrawEvpn([mac]);
    await waitFor('type 2 gone at d', () => !d.routes().some((r) => r.evpn?.type === 2));
    expect(d.bestPath(evpnKey(imet))?.evpn?.type).toBe(3);
  });

  it('packs 12,000 prefixes into UPDATEs of up to 65,535 octets with extended messages, 4,096 without', async () => {
    const prefixes = Array.from({ length: 12_000 }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.0/24`);
    const before = {
      b: b.peerInfo('127.0.0.11')?.messagesReceived ?? 0,
      d: d.peerInfo('127.0.0.11')?.messagesReceived ?? 0,
    };
    a.announce(prefixes);
    await waitFor('all at b and d', () => b.routes().length >= 12_000 && d.routes().length >= 12_001, 20_000);
    const viaB = (b.peerInfo('127.0.0.11')?.messagesReceived ?? 0) - before.b;
    const viaD = (d.peerInfo('127.0.0.11')?.messagesReceived ?? 0) - before.d;
    // 12,000 × (4 path id + 1 length + 3 address) = 96,000 NLRI octets: 2 extended messages, 24+ plain ones.
    expect(viaD).toBe(2);
    expect(viaB).toBeGreaterThanOrEqual(24);
    expect(viaB).toBeLessThanOrEqual(30);
    a.withdraw(prefixes);
    await waitFor('withdrawn at d', () => d.routes().length === 1, 20_000);
  });

  it('parseRouteDistinguisher is the inverse of formatRouteDistinguisher for the three types; rejects the rest', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }))
            .map(([x, y]) => `${x}:${y}`),
          fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 0xffff })).map(([ip, y]) => `${ip}:${y}`),
          fc
            .tuple(fc.integer({ min: 0x10000, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff }))
            .map(([x, y]) => `${x}:${y}`),
        ),
        (text) => formatRouteDistinguisher(parseRouteDistinguisher(text)) === text,
      ),
      { numRuns: 2000 },
    );
    // RFC 4364 §4.2 type 0 with 65000:100: 00 00 fd e8 00 00 00 64.
    expect([...parseRouteDistinguisher('65000:100')]).toEqual([0, 0, 0xfd, 0xe8, 0, 0, 0, 100]);
    for (const bad of ['', '65000', '1.2.3.256:1', '1.2.3.4:65536', '65536:65536', 'a:1', '65000:4294967296'])
      expect(() => parseRouteDistinguisher(bad), bad).toThrow(RangeError);
  });
});
