import { parseIpv4 } from '@cnikit/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BestPathChange,
  type BgpRoute,
  BgpSpeaker,
  buildOpen,
  buildUpdate,
  compareRoutes,
  type UpdateMessage,
} from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

// A route reflector on 127.0.0.51 (AS 65001, cluster 10.255.0.9, ECMP on) and hand-driven iBGP
// peers: .52 a client, .53 and .54 non-clients.
describe('route reflection (RFC 4456) and ECMP with hand-driven iBGP peers', () => {
  let a: BgpSpeaker;
  const raws = new Map<string, RawPeer>();
  const changes: BestPathChange[] = [];
  const CLUSTER = parseIpv4('10.255.0.9') >>> 0;

  const got = (from: string, prefix: string): UpdateMessage | undefined =>
    raws
      .get(from)
      ?.of('update')
      .find((u) =>
        u.nlri.some(
          (n) => n.kind === 'prefix' && (n.prefix.address as number) === parseIpv4(prefix.split('/')[0]),
        ),
      );
  const send = (from: string, prefix: string, extra: UpdateMessage['attributes'] = [], nextHop = from) => {
    const u = buildUpdate([prefix], { nextHop, localPref: 100 });
    raws.get(from)?.send({ ...u, attributes: [...u.attributes, ...extra] });
  };

  beforeAll(async () => {
    a = new BgpSpeaker({
      asn: 65001,
      routerId: '192.0.2.51',
      clusterId: '10.255.0.9',
      multipath: true,
      listen: { host: '127.0.0.51', port: 0 },
    });
    await a.listening;
    a.on('bestPathChange', (c) => changes.push(c));
    for (const n of [52, 53, 54])
      a.addPeer({
        address: `127.0.0.${n}`,
        asn: 65001,
        passive: true,
        routeReflectorClient: n === 52,
        families: ['ipv4-unicast'],
      });
    for (const n of [52, 53, 54]) {
      const raw = await RawPeer.connect('127.0.0.51', a.port as number, `127.0.0.${n}`);
      raws.set(`127.0.0.${n}`, raw);
      raw.send(buildOpen({ asn: 65001, bgpId: `10.0.0.${n}`, holdTime: 30, capabilities: [] }));
      raw.send({ type: 'keepalive' });
    }
    await waitFor('Established', () => a.peerInfo().every((p) => p.state === 'Established'));
  });

  afterAll(async () => {
    for (const r of raws.values()) r.close();
    await a?.close();
  });

  it('reflects a client’s route to every iBGP peer with ORIGINATOR_ID and CLUSTER_LIST', async () => {
    send('127.0.0.52', '10.52.0.0/24');
    await waitFor(
      'reflected to .53 and .54',
      () => got('127.0.0.53', '10.52.0.0/24') && got('127.0.0.54', '10.52.0.0/24'),
    );
    for (const to of ['127.0.0.53', '127.0.0.54']) {
      const attrs = got(to, '10.52.0.0/24')?.attributes ?? [];
      expect(attrs.find((x) => x.kind === 'originator-id')).toMatchObject({
        originatorId: parseIpv4('10.0.0.52') >>> 0,
      });
      expect(attrs.find((x) => x.kind === 'cluster-list')).toMatchObject({ clusterIds: [CLUSTER] });
      expect(attrs.find((x) => x.kind === 'next-hop')).toMatchObject({
        nextHop: parseIpv4('127.0.0.52') >>> 0,
      });
    }
    expect(got('127.0.0.52', '10.52.0.0/24')).toBeUndefined();
  });

  it('reflects a non-client’s route to clients only, keeping an ORIGINATOR_ID and prepending to the CLUSTER_LIST', async () => {
    send('127.0.0.53', '10.53.0.0/24', [
      { kind: 'originator-id', originatorId: parseIpv4('10.9.9.9') >>> 0 },
      { kind: 'cluster-list', clusterIds: [parseIpv4('10.255.0.7') >>> 0] },
    ]);
    await waitFor('reflected to the client', () => got('127.0.0.52', '10.53.0.0/24'));
    const attrs = got('127.0.0.52', '10.53.0.0/24')?.attributes ?? [];
    expect(attrs.find((x) => x.kind === 'originator-id')).toMatchObject({
      originatorId: parseIpv4('10.9.9.9') >>> 0,
    });
    expect(attrs.find((x) => x.kind === 'cluster-list')).toMatchObject({
      clusterIds: [CLUSTER, parseIpv4('10.255.0.7') >>> 0],
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got('127.0.0.54', '10.53.0.0/24')).toBeUndefined();
  });

  it('drops routes that carry our router id as ORIGINATOR_ID or our CLUSTER_ID (loops)', async () => {
    send('127.0.0.52', '10.60.0.0/24', [
      { kind: 'originator-id', originatorId: parseIpv4('192.0.2.51') >>> 0 },
    ]);
    send('127.0.0.52', '10.61.0.0/24', [{ kind: 'cluster-list', clusterIds: [1, CLUSTER] }]);
    send('127.0.0.52', '10.62.0.0/24');
    await waitFor('the clean one', () => a.bestPath('10.62.0.0/24'));
    expect(a.bestPath('10.60.0.0/24')).toBeUndefined();
    expect(a.bestPath('10.61.0.0/24')).toBeUndefined();
  });

  it('ECMP: two equal iBGP paths with other next hops make a multipath set, reported in bestPathChange', async () => {
    send('127.0.0.53', '10.70.0.0/24', [], '127.0.0.53');
    await waitFor('first path', () => a.bestPath('10.70.0.0/24'));
    send('127.0.0.54', '10.70.0.0/24', [], '127.0.0.54');
    const change = await waitFor('multipath change', () =>
      changes.find((c) => c.prefix === '10.70.0.0/24' && (c.multipath?.length ?? 0) === 2),
    );
    // The best stays (lower BGP Identifier 10.0.0.53); only the set changed.
    expect(change.best?.source.peer).toBe('127.0.0.53');
    expect(change.multipath?.map((r) => r.nextHop)).toEqual(['127.0.0.53', '127.0.0.54']);
    expect(a.multipath('10.70.0.0/24').map((r) => r.source.peer)).toEqual(['127.0.0.53', '127.0.0.54']);
    // A worse path (higher MED… from a different neighbour AS it would not count; here a lower LOCAL_PREF) is not in the set.
    const u = buildUpdate(['10.70.0.0/24'], { nextHop: '127.0.0.54', localPref: 50 });
    raws.get('127.0.0.54')?.send(u);
    await waitFor('set of one', () => a.multipath('10.70.0.0/24').length === 1);
    expect(changes.at(-1)?.multipath?.map((r) => r.source.peer)).toEqual(['127.0.0.53']);
  });

  it('the decision process uses ORIGINATOR_ID as the BGP Identifier and prefers the shorter CLUSTER_LIST (RFC 4456 §9)', () => {
    const r = (routerId: string, other: BgpRoute['otherAttributes'], peer = '192.0.2.1'): BgpRoute => ({
      prefix: '10.0.0.0/24',
      family: 4,
      pathId: 0,
      source: { peer, asn: 65001, routerId, ibgp: true },
      nextHop: peer,
      origin: 0,
      asPath: [],
      communities: [],
      largeCommunities: [],
      extendedCommunities: [],
      otherAttributes: other,
    });
    // Peer router id 1.1.1.1 would win, but its ORIGINATOR_ID 9.9.9.9 loses to 5.5.5.5.
    expect(
      compareRoutes(
        r('1.1.1.1', [{ kind: 'originator-id', originatorId: parseIpv4('9.9.9.9') >>> 0 }]),
        r('5.5.5.5', []),
      ),
    ).toBeGreaterThan(0);
    // Same identifier: the shorter CLUSTER_LIST wins before the peer address.
    expect(
      compareRoutes(
        r('5.5.5.5', [{ kind: 'cluster-list', clusterIds: [1, 2] }], '192.0.2.1'),
        r('5.5.5.5', [{ kind: 'cluster-list', clusterIds: [1] }], '192.0.2.9'),
      ),
    ).toBeGreaterThan(0);
  });
});
