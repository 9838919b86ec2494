import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BgpSpeaker, buildOpen } from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

describe('DelayOpen (RFC 4271 §8.1.1)', () => {
  let a: BgpSpeaker;
  const raws: RawPeer[] = [];
  beforeAll(async () => {
    a = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port: 0 } });
    await a.listening;
    a.addPeer({ address: '127.0.0.7', asn: 65007, passive: true, delayOpen: 0.6 });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await a.close();
  });

  it('a peer that sends its OPEN at once gets OPEN and KEEPALIVE at once', async () => {
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.7');
    raws.push(raw);
    const t0 = Date.now();
    raw.send(buildOpen({ asn: 65007, bgpId: '7.7.7.7', capabilities: [] }));
    await waitFor('OPEN and KEEPALIVE', () => raw.received.length >= 2);
    expect(Date.now() - t0).toBeLessThan(400);
    expect(raw.received.map((m) => m.type)).toEqual(['open', 'keepalive']);
    expect(a.peerInfo('127.0.0.7')?.state).toBe('OpenConfirm');
    raw.send({ type: 'keepalive' });
    await waitFor('Established', () => a.peerInfo('127.0.0.7')?.state === 'Established');
    raw.close();
    await waitFor('back to Active', () => a.peerInfo('127.0.0.7')?.state === 'Active');
  });

  it('a silent peer gets our OPEN only when the DelayOpen timer fires', async () => {
    const raw = await RawPeer.connect('127.0.0.1', a.port as number, '127.0.0.7');
    raws.push(raw);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    expect(raw.received).toEqual([]);
    expect(a.peerInfo('127.0.0.7')?.state).toBe('Active');
    const open = await waitFor('OPEN', () => raw.of('open')[0], 2000);
    expect(open.holdTime).toBe(90);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(550);
    expect(waited).toBeLessThan(1200);
    expect(a.peerInfo('127.0.0.7')?.state).toBe('OpenSent');
  });
});
