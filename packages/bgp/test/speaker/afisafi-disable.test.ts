import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BgpSpeaker, buildOpen, buildUpdate, encodeMessage } from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

// RFC 7606 §3 / RFC 4760 §7: an MP_REACH_NLRI whose NLRI cannot be parsed disables its family on
// the session instead of resetting it. A speaker on 127.0.0.61, a hand-driven peer from .62.
describe('afisafi-disable: a broken MP_REACH_NLRI disables its family, the session stays up', () => {
  let a: BgpSpeaker;
  let raw: RawPeer;
  const errors: string[] = [];

  beforeAll(async () => {
    a = new BgpSpeaker({ asn: 65001, routerId: '192.0.2.61', listen: { host: '127.0.0.61', port: 0 } });
    await a.listening;
    a.on('error', (e) => errors.push(e.message));
    a.addPeer({ address: '127.0.0.62', asn: 65062, passive: true });
    raw = await RawPeer.connect('127.0.0.61', a.port as number, '127.0.0.62');
    raw.send(
      buildOpen({
        asn: 65062,
        bgpId: '10.0.0.62',
        holdTime: 30,
        capabilities: [
          { kind: 'multiprotocol', afi: 1, safi: 1 },
          { kind: 'multiprotocol', afi: 2, safi: 1 },
        ],
      }),
    );
    raw.send({ type: 'keepalive' });
    await waitFor('Established', () => a.peerInfo('127.0.0.62')?.state === 'Established');
  });

  afterAll(async () => {
    raw?.close();
    await a?.close();
  });

  it('drops the family’s routes and ignores it from then on; IPv4 keeps working', async () => {
    raw.send(buildUpdate(['10.62.0.0/24'], { nextHop: '127.0.0.62', asPath: [65062] }));
    raw.send(buildUpdate(['2001:db8:62::/48'], { nextHop: '2001:db8::62', asPath: [65062] }));
    await waitFor('both routes', () => a.routes().length === 2);
    a.announce(['2001:db8:61::/48'], { nextHop: '2001:db8::61' });
    await waitFor('our IPv6 route sent', () => a.adjRibOut('127.0.0.62').length === 1);

    // The same IPv6 UPDATE with the NLRI's prefix length octet (48) set to 200.
    const bad = encodeMessage(
      buildUpdate(['2001:db8:63::/48'], { nextHop: '2001:db8::62', asPath: [65062] }),
    );
    expect(bad[bad.length - 7]).toBe(48);
    bad[bad.length - 7] = 200;
    raw.sendBytes(bad);
    await waitFor('IPv6 route gone', () => !a.bestPath('2001:db8:62::/48'));
    const info = a.peerInfo('127.0.0.62');
    expect(info).toMatchObject({
      state: 'Established',
      families: ['ipv4-unicast'],
      disabledFamilies: ['ipv6-unicast'],
    });
    expect(errors.length).toBe(1);
    expect(raw.of('notification')).toEqual([]);
    // Our IPv6 routes are no longer sent there; IPv6 from the peer is ignored; IPv4 still flows.
    expect(a.adjRibOut('127.0.0.62')).toEqual([]);
    raw.send(buildUpdate(['2001:db8:64::/48'], { nextHop: '2001:db8::62', asPath: [65062] }));
    raw.send(buildUpdate(['10.64.0.0/24'], { nextHop: '127.0.0.62', asPath: [65062] }));
    await waitFor('new IPv4 route', () => a.bestPath('10.64.0.0/24'));
    expect(a.bestPath('2001:db8:64::/48')).toBeUndefined();
    expect(
      a
        .adjRibIn('127.0.0.62')
        .map((r) => r.prefix)
        .sort(),
    ).toEqual(['10.62.0.0/24', '10.64.0.0/24']);
    // A second broken IPv6 UPDATE changes nothing either.
    raw.sendBytes(bad);
    raw.send(buildUpdate(['10.65.0.0/24'], { nextHop: '127.0.0.62', asPath: [65062] }));
    await waitFor('another IPv4 route', () => a.bestPath('10.65.0.0/24'));
    expect(a.peerInfo('127.0.0.62')?.state).toBe('Established');
    expect(raw.of('notification')).toEqual([]);
  });
});
