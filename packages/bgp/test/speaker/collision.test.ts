import { describe, expect, it } from 'vitest';
import { BgpSpeaker } from '../../src/index.js';
import { waitFor } from './helpers.js';

// Both speakers connect to each other in the same tick, so each sees a second connection while
// the first is in OpenSent/OpenConfirm (RFC 4271 §6.8).
describe('connection collision (RFC 4271 §6.8)', () => {
  it('keeps the connection opened by the higher BGP Identifier, on both sides, every time', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 5; round++) {
      const a = new BgpSpeaker({ asn: 65001, routerId: '10.0.0.1', listen: { host: '127.0.0.1', port: 0 } });
      const b = new BgpSpeaker({ asn: 65002, routerId: '10.0.0.2', listen: { host: '127.0.0.2', port: 0 } });
      try {
        await Promise.all([a.listening, b.listening]);
        let ups = 0;
        const ceases: string[] = [];
        for (const s of [a, b]) {
          s.on('peerUp', () => ups++);
          s.on('peerDown', (_p, reason) => ceases.push(reason));
        }
        a.addPeer({ address: '127.0.0.2', asn: 65002, port: b.port, connectRetryTime: 5 });
        b.addPeer({ address: '127.0.0.1', asn: 65001, port: a.port, connectRetryTime: 5 });
        await waitFor('both Established', () => ups === 2, 4000);
        await new Promise((r) => setTimeout(r, 200));
        expect(ceases).toEqual([]);
        expect(ups).toBe(2);
        outcomes.push(`${a.peerInfo('127.0.0.2')?.connection}/${b.peerInfo('127.0.0.1')?.connection}`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
    // B (10.0.0.2) has the higher identifier: its outgoing connection is the one both keep.
    expect(outcomes).toEqual(Array(5).fill('incoming/outgoing'));
  });
});
