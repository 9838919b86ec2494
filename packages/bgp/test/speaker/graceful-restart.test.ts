import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BgpSpeaker, buildEndOfRib, buildOpen, buildUpdate, type Capability } from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

const GR: Capability = {
  kind: 'graceful-restart',
  restartFlags: 8,
  restartTime: 2,
  families: [{ afi: 1, safi: 1, flags: 0x80 }],
};

describe('graceful restart, receiving speaker (RFC 4724)', () => {
  let a: BgpSpeaker;
  const raws: RawPeer[] = [];
  beforeAll(async () => {
    a = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port: 0 } });
    await a.listening;
    a.addPeer({ address: '127.0.0.8', asn: 65008, passive: true, gracefulRestart: true });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await a.close();
  });

  async function session(): Promise<RawPeer> {
    await waitFor('Active', () => a.peerInfo('127.0.0.8')?.state === 'Active');
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.8');
    raws.push(raw);
    raw.send(buildOpen({ asn: 65008, bgpId: '8.8.8.8', capabilities: [GR] }));
    raw.send({ type: 'keepalive' });
    await waitFor('Established', () => a.peerInfo('127.0.0.8')?.state === 'Established');
    return raw;
  }

  it('offers the capability; routes of a peer whose TCP session dies stay, stale, until its End-of-RIB', async () => {
    const raw = await session();
    const ours = raw
      .of('open')[0]
      .parameters.flatMap((p) => (p.kind === 'capabilities' ? p.capabilities : []));
    expect(ours.find((c) => c.kind === 'graceful-restart')).toMatchObject({
      restartFlags: 0,
      restartTime: 120,
    });
    raw.send(buildUpdate(['10.8.1.0/24', '10.8.2.0/24'], { nextHop: '127.0.0.8', asPath: [65008] }));
    await waitFor('two routes', () => a.adjRibIn('127.0.0.8').length === 2);
    raw.close();
    await waitFor('session gone', () => a.peerInfo('127.0.0.8')?.state !== 'Established');
    expect(a.adjRibIn('127.0.0.8').map((r) => [r.prefix, r.stale])).toEqual([
      ['10.8.1.0/24', true],
      ['10.8.2.0/24', true],
    ]);
    expect(a.bestPath('10.8.2.0/24')).toBeDefined();

    const again = await session();
    again.send(buildUpdate(['10.8.1.0/24'], { nextHop: '127.0.0.8', asPath: [65008] }));
    again.send(buildEndOfRib());
    await waitFor('stale route purged', () => a.bestPath('10.8.2.0/24') === undefined);
    expect(a.adjRibIn('127.0.0.8').map((r) => [r.prefix, r.stale])).toEqual([['10.8.1.0/24', undefined]]);
  });

  it('stale routes go when the restart time (2 s) passes without the peer', async () => {
    raws[raws.length - 1].close();
    await waitFor('session gone', () => a.peerInfo('127.0.0.8')?.state !== 'Established');
    expect(a.bestPath('10.8.1.0/24')?.prefix).toBe('10.8.1.0/24');
    const t0 = Date.now();
    await waitFor('purged', () => a.bestPath('10.8.1.0/24') === undefined, 4000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
  });

  it('a NOTIFICATION ends the session without keeping routes', async () => {
    const raw = await session();
    raw.send(buildUpdate(['10.8.3.0/24'], { nextHop: '127.0.0.8', asPath: [65008] }));
    await waitFor('route', () => a.bestPath('10.8.3.0/24'));
    raw.send({ type: 'notification', code: 6, subcode: 4, data: new Uint8Array(0) });
    await waitFor('dropped at once', () => a.bestPath('10.8.3.0/24') === undefined, 1000);
  });
});
