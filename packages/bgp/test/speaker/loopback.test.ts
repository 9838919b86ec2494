import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BestPathChange,
  BgpSpeaker,
  buildOpen,
  buildUpdate,
  community,
  encodeMessage,
  type PeerState,
  shutdownCommunication,
} from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

// Two speakers on loopback (127.0.0.1 and 127.0.0.2, ports chosen by the kernel) and hand-driven
// peers from 127.0.0.3/.4: no namespace and no root needed.
describe('two BgpSpeakers on loopback', () => {
  let a: BgpSpeaker;
  let b: BgpSpeaker;
  const aStates: PeerState[] = [];
  const bStates: PeerState[] = [];
  const bChanges: BestPathChange[] = [];
  const raws: RawPeer[] = [];

  beforeAll(async () => {
    a = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port: 0 } });
    b = new BgpSpeaker({ asn: 4200000002, routerId: '2.2.2.2', listen: { host: '127.0.0.2', port: 0 } });
    await Promise.all([a.listening, b.listening]);
    a.on('stateChange', (p, _f, to) => p.address === '127.0.0.2' && aStates.push(to));
    b.on('stateChange', (_p, _f, to) => bStates.push(to));
    b.on('bestPathChange', (c) => bChanges.push(c));
    a.addPeer({ address: '127.0.0.2', asn: 4200000002, passive: true, holdTime: 9 });
    a.addPeer({ address: '127.0.0.3', asn: 65003, passive: true, holdTime: 3 });
    a.addPeer({
      address: '127.0.0.4',
      asn: 65004,
      passive: true,
      addPath: true,
      exportPolicy: (r) =>
        r.prefix === '10.1.1.0/24' ? false : { med: 77, communities: [community(65001, 99)] },
    });
    a.addPeer({ address: '127.0.0.5', asn: 65005, passive: true, maxPrefixes: { limit: 2 } });
    a.addPeer({
      address: '127.0.0.6',
      asn: 65006,
      passive: true,
      maxPrefixes: { limit: 1, warningOnly: true },
    });
    b.addPeer({ address: '127.0.0.1', asn: 65001, port: a.port, holdTime: 30 });
    await waitFor('Established', () => a.peerInfo('127.0.0.2')?.state === 'Established');
  });

  afterAll(async () => {
    for (const r of raws) r.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('walks the RFC 4271 §8 states on both sides and negotiates hold time, families and 4-octet AS', async () => {
    await waitFor('B Established', () => b.peerInfo('127.0.0.1')?.state === 'Established');
    expect(bStates).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(aStates).toEqual(['Active', 'OpenSent', 'OpenConfirm', 'Established']);
    const pa = a.peerInfo('127.0.0.2');
    expect(pa).toMatchObject({
      holdTime: 9,
      keepaliveTime: 3,
      fourOctetAs: true,
      routeRefresh: true,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      routerId: '2.2.2.2',
      ibgp: false,
    });
    // B's AS needs 4 octets: its OPEN carries AS_TRANS in My AS and the real AS in the capability.
    expect(pa?.remoteOpen?.myAs).toBe(23456);
    expect(b.peerInfo('127.0.0.1')?.remoteOpen?.myAs).toBe(65001);
  });

  it('announces IPv4 and IPv6 routes with their attributes and withdraws them', async () => {
    a.announce(['10.1.0.0/24', '10.1.1.0/24'], {
      med: 50,
      communities: [community(65001, 7)],
      largeCommunities: [{ global: 65001, local1: 1, local2: 2 }],
    });
    a.announce(['2001:db8:1::/48'], { nextHop: '2001:db8::1', asPath: [65010] });
    const r = await waitFor('routes at B', () => b.bestPath('10.1.1.0/24'));
    expect(r).toMatchObject({
      prefix: '10.1.1.0/24',
      nextHop: '127.0.0.1',
      med: 50,
      origin: 0,
      communities: [community(65001, 7)],
      largeCommunities: [{ global: 65001, local1: 1, local2: 2 }],
      source: { peer: '127.0.0.1', asn: 65001, routerId: '1.1.1.1', ibgp: false },
    });
    expect(r.asPath).toEqual([{ type: 2, asns: [65001] }]);
    const v6 = await waitFor('IPv6 at B', () => b.bestPath('2001:db8:1::/48'));
    expect(v6.nextHop).toBe('2001:db8::1');
    expect(v6.asPath).toEqual([{ type: 2, asns: [65001, 65010] }]);
    expect(
      b
        .adjRibIn('127.0.0.1')
        .map((x) => x.prefix)
        .sort(),
    ).toEqual(['10.1.0.0/24', '10.1.1.0/24', '2001:db8:1::/48']);
    expect([...(b.peerInfo('127.0.0.1')?.endOfRibReceived ?? [])].sort()).toEqual([
      'ipv4-unicast',
      'ipv6-unicast',
    ]);

    a.withdraw(['10.1.0.0/24', '2001:db8:1::/48']);
    await waitFor(
      'withdrawal at B',
      () => b.bestPath('10.1.0.0/24') === undefined && b.bestPath('2001:db8:1::/48') === undefined,
    );
    expect(b.routes().map((x) => x.prefix)).toEqual(['10.1.1.0/24']);
    const gone = bChanges
      .filter((c) => c.best === undefined)
      .map((c) => c.prefix)
      .sort();
    expect(gone).toEqual(['10.1.0.0/24', '2001:db8:1::/48']);
  });

  it("routes from B reach A with B's 4-octet AS; A does not send them back", async () => {
    b.announce(['192.0.2.0/24'], { communities: [community(1, 1)] });
    const r = await waitFor('B route at A', () => a.bestPath('192.0.2.0/24'));
    expect(r.asPath).toEqual([{ type: 2, asns: [4200000002] }]);
    expect(r.nextHop).toBe('127.0.0.2');
    // A does not send B's route back to B.
    expect(a.adjRibOut('127.0.0.2').map((x) => x.prefix)).toEqual(['10.1.1.0/24']);
  });

  it('ROUTE-REFRESH: B asks, A sends its IPv4 routes again', async () => {
    const again: string[] = [];
    b.on('update', (p, r) => p.address === '127.0.0.1' && again.push(...r.announced.map((x) => x.prefix)));
    expect(b.requestRefresh('127.0.0.1', 'ipv4-unicast')).toBe(true);
    await waitFor('refreshed routes', () => again.length > 0);
    expect(again).toEqual(['10.1.1.0/24']);
    // No such session: nothing is sent.
    expect(b.requestRefresh('192.0.2.99')).toBe(false);
  });

  it('RFC 7606: a bad ORIGIN withdraws the routes of that UPDATE and the session stays up; a bad NLRI length resets it with 3/10', async () => {
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.3');
    raws.push(raw);
    raw.send(buildOpen({ asn: 65003, bgpId: '3.3.3.3', holdTime: 30, capabilities: [] }));
    raw.send({ type: 'keepalive' });
    await waitFor('raw Established', () => a.peerInfo('127.0.0.3')?.state === 'Established');
    // A offered hold 3, we 30: 3 s negotiated; the raw peer saw A's OPEN with hold 3.
    expect(raw.of('open')[0].holdTime).toBe(3);
    raw.send(buildUpdate(['198.51.100.0/24'], { nextHop: '127.0.0.3', asPath: [65003] }));
    await waitFor('raw route', () => a.bestPath('198.51.100.0/24'));
    const bad = encodeMessage(buildUpdate(['198.51.100.0/24'], { nextHop: '127.0.0.3', asPath: [65003] }));
    bad[26] = 7; // ORIGIN value 7 (the first attribute's value octet)
    raw.sendBytes(bad);
    await waitFor('treat-as-withdraw', () => a.bestPath('198.51.100.0/24') === undefined);
    expect(a.peerInfo('127.0.0.3')?.state).toBe('Established');
    expect(raw.of('notification')).toEqual([]);

    // NLRI field with a /33: Invalid Network Field, session reset.
    const nlri = encodeMessage(buildUpdate(['198.51.100.0/24'], { nextHop: '127.0.0.3', asPath: [65003] }));
    nlri[nlri.length - 4] = 33;
    raw.sendBytes(nlri);
    const n = await waitFor('NOTIFICATION', () => raw.of('notification')[0]);
    expect([n.code, n.subcode]).toEqual([3, 10]);
    await waitFor('raw closed', () => raw.closed);
    // The other session did not notice.
    expect(a.peerInfo('127.0.0.2')?.state).toBe('Established');
    expect(b.peerInfo('127.0.0.1')?.state).toBe('Established');
  });

  it('bytes that are not BGP get NOTIFICATION 1/1 (Connection Not Synchronized)', async () => {
    await waitFor('peer .3 back to Active', () => a.peerInfo('127.0.0.3')?.state === 'Active');
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.3');
    raws.push(raw);
    raw.sendBytes(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const n = await waitFor('NOTIFICATION', () => raw.of('notification')[0]);
    expect([n.code, n.subcode]).toEqual([1, 1]);
    expect(a.peerInfo('127.0.0.2')?.state).toBe('Established');
  });

  it('a silent peer is declared down when the negotiated 3 s hold time runs out (NOTIFICATION 4/0)', async () => {
    await waitFor('peer .3 back to Active', () => a.peerInfo('127.0.0.3')?.state === 'Active');
    const downs: { reason: string; code?: number }[] = [];
    a.on('peerDown', (p, reason, n) => p.address === '127.0.0.3' && downs.push({ reason, code: n?.code }));
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.3');
    raws.push(raw);
    raw.send(buildOpen({ asn: 65003, bgpId: '3.3.3.3', holdTime: 3, capabilities: [] }));
    raw.send({ type: 'keepalive' });
    await waitFor('Established', () => a.peerInfo('127.0.0.3')?.state === 'Established');
    const up = Date.now();
    const n = await waitFor('hold timer NOTIFICATION', () => raw.of('notification')[0], 6000);
    const took = Date.now() - up;
    expect([n.code, n.subcode]).toEqual([4, 0]);
    expect(took).toBeGreaterThanOrEqual(2500);
    expect(took).toBeLessThan(4500);
    expect(downs).toEqual([{ reason: 'hold timer expired', code: 4 }]);
    // A kept sending KEEPALIVEs (every ~1 s with jitter) while the raw peer said nothing.
    expect(raw.of('keepalive').length).toBeGreaterThanOrEqual(3);
  });

  it('ADD-PATH receive: two paths to one prefix stay distinct in the Adj-RIB-In', async () => {
    const session = { addPath: [{ afi: 1, safi: 1, direction: 'send' as const }] };
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.4', session);
    raws.push(raw);
    raw.send(
      buildOpen({
        asn: 65004,
        bgpId: '4.4.4.4',
        capabilities: [{ kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 2 }] }],
      }),
    );
    raw.send({ type: 'keepalive' });
    await waitFor('Established', () => a.peerInfo('127.0.0.4')?.state === 'Established');
    expect(a.peerInfo('127.0.0.4')?.addPathReceive).toEqual(['ipv4-unicast']);
    raw.send(buildUpdate(['203.0.113.0/24'], { nextHop: '127.0.0.4', asPath: [65004], pathId: 1, med: 5 }));
    raw.send(buildUpdate(['203.0.113.0/24'], { nextHop: '127.0.0.4', asPath: [65004, 65005], pathId: 2 }));
    await waitFor('two paths', () => a.adjRibIn('127.0.0.4').length === 2);
    const paths = a.adjRibIn('127.0.0.4').sort((x, y) => x.pathId - y.pathId);
    expect(paths.map((p) => [p.pathId, p.asPath[0].asns.length, p.med])).toEqual([
      [1, 1, 5],
      [2, 2, undefined],
    ]);
    // The shorter AS_PATH wins.
    expect(a.bestPath('203.0.113.0/24')?.pathId).toBe(1);
    // The export policy kept 10.1.1.0/24 from this peer and rewrote MED and communities of B's route.
    const sent = raw.of('update').filter((u) => u.nlri.length > 0);
    expect(sent.map((u) => u.nlri.map((n) => n.kind === 'prefix' && n.prefix.length))).toEqual([[24]]);
    expect(sent[0].attributes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'med', med: 77 }),
        expect.objectContaining({ kind: 'communities', communities: [community(65001, 99)] }),
        expect.objectContaining({ kind: 'as-path', segments: [{ type: 2, asns: [65001, 4200000002] }] }),
      ]),
    );
    raw.close();
  });

  it('max-prefix: over the limit the session is closed with Cease 6/1 (AFI, SAFI, limit); with warningOnly an error event', async () => {
    const errors: string[] = [];
    a.on('error', (e, p) => errors.push(`${p?.address}: ${e.message}`));
    const hard = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.5');
    const soft = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.6');
    raws.push(hard, soft);
    hard.send(buildOpen({ asn: 65005, bgpId: '5.5.5.5', capabilities: [] }));
    hard.send({ type: 'keepalive' });
    soft.send(buildOpen({ asn: 65006, bgpId: '6.6.6.6', capabilities: [] }));
    soft.send({ type: 'keepalive' });
    await waitFor('both Established', () =>
      ['127.0.0.5', '127.0.0.6'].every((x) => a.peerInfo(x)?.state === 'Established'),
    );
    hard.send(buildUpdate(['100.64.0.0/24', '100.64.1.0/24'], { nextHop: '127.0.0.5', asPath: [65005] }));
    await waitFor('two routes', () => a.adjRibIn('127.0.0.5').length === 2);
    hard.send(buildUpdate(['100.64.2.0/24'], { nextHop: '127.0.0.5', asPath: [65005] }));
    const n = await waitFor('Cease', () => hard.of('notification')[0]);
    expect([n.code, n.subcode, [...n.data]]).toEqual([6, 1, [0, 1, 1, 0, 0, 0, 2]]);
    await waitFor('routes gone', () => a.bestPath('100.64.0.0/24') === undefined);

    soft.send(buildUpdate(['100.65.0.0/24', '100.65.1.0/24'], { nextHop: '127.0.0.6', asPath: [65006] }));
    soft.send(buildUpdate(['100.65.2.0/24'], { nextHop: '127.0.0.6', asPath: [65006] }));
    await waitFor('three routes', () => a.adjRibIn('127.0.0.6').length === 3);
    expect(errors).toEqual(['127.0.0.6: peer 127.0.0.6 sent more than 1 prefixes']);
    expect(a.peerInfo('127.0.0.6')?.state).toBe('Established');
    expect(soft.of('notification')).toEqual([]);
  });

  it('close() sends Cease / Administrative Shutdown with the RFC 9003 message and releases every handle', async () => {
    const before = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
    const downs: { code?: number; subcode?: number; text?: string; sent: boolean }[] = [];
    b.on('peerDown', (_p, _r, n, sent) =>
      downs.push({ code: n?.code, subcode: n?.subcode, text: n && shutdownCommunication(n), sent }),
    );
    await a.close('maintenance window 42');
    await waitFor('B saw the Cease', () => downs.length > 0);
    expect(downs[0]).toEqual({ code: 6, subcode: 2, text: 'maintenance window 42', sent: false });
    expect(a.peerInfo().map((p) => p.state)).toEqual(['Idle', 'Idle', 'Idle', 'Idle', 'Idle']);
    // A's routes left B's Loc-RIB with the session.
    expect(b.bestPath('10.1.1.0/24')).toBeUndefined();
    await b.close();
    await new Promise((r) => setTimeout(r, 50));
    const after = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
    expect(before).toBeGreaterThan(after);
    expect(after).toBe(0);
  });
});
