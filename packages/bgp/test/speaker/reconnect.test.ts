import { afterAll, describe, expect, it } from 'vitest';
import { BgpSpeaker, backoff, jitter, keepaliveInterval } from '../../src/index.js';
import { waitFor } from './helpers.js';

describe('timers', () => {
  it('keepalive is a third of the hold time, none for 0; jitter stays in [0.75, 1]; back-off doubles to its cap', () => {
    expect([
      keepaliveInterval(90),
      keepaliveInterval(3),
      keepaliveInterval(10),
      keepaliveInterval(0),
    ]).toEqual([30_000, 1000, 3000, undefined]);
    expect([jitter(1000, () => 0), jitter(1000, () => 1), jitter(1000, () => 0.5)]).toEqual([750, 1000, 875]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoff(1000, n, 10_000))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});

describe('a peer that goes away is reconnected with back-off', () => {
  const speakers: BgpSpeaker[] = [];
  afterAll(async () => {
    await Promise.all(speakers.map((s) => s.close()));
  });

  it('retries at growing intervals up to the cap and comes back when the peer restarts', async () => {
    const a = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port: 0 } });
    speakers.push(a);
    await a.listening;
    const port = a.port as number;
    a.addPeer({ address: '127.0.0.2', asn: 65002, passive: true });
    const b = new BgpSpeaker({ asn: 65002, routerId: '2.2.2.2', listen: false });
    speakers.push(b);
    const connects: number[] = [];
    let ups = 0;
    b.on('stateChange', (_p, _f, to) => to === 'Connect' && connects.push(Date.now()));
    b.on('peerUp', () => ups++);
    let downAt = 0;
    b.on('peerDown', () => {
      downAt = Date.now();
    });
    b.addPeer({
      address: '127.0.0.1',
      asn: 65001,
      port,
      localAddress: '127.0.0.2',
      connectRetryTime: 0.25,
      connectRetryMax: 1,
    });
    await waitFor('first session', () => ups === 1);
    await a.close('restarting');
    connects.length = 0;
    // With nobody listening every attempt is refused: 0.5 s after the drop, then 1 s (the cap),
    // each jittered ×0.75..1.
    await waitFor('three attempts', () => connects.length >= 3, 5000);
    expect(connects[0] - downAt).toBeGreaterThanOrEqual(350);
    expect(connects[0] - downAt).toBeLessThan(700);
    const gaps = connects.slice(1).map((t, i) => t - connects[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(700);
    expect(gaps[0]).toBeLessThan(1300);
    expect(gaps[1]).toBeGreaterThanOrEqual(700);
    expect(gaps[1]).toBeLessThan(1300);
    expect(b.peerInfo('127.0.0.1')?.state).not.toBe('Established');

    const a2 = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port } });
    speakers.push(a2);
    await a2.listening;
    a2.addPeer({ address: '127.0.0.2', asn: 65002, passive: true });
    a2.announce(['10.9.0.0/16']);
    await waitFor('second session', () => ups === 2, 3000);
    await waitFor('route after the restart', () => b.bestPath('10.9.0.0/16'));
  });
});
