import { describe, expect, it } from 'vitest';
import { BgpSpeaker } from '../../src/index.js';

describe('bestPathChanges()', () => {
  it('yields every best-path change in order and ends when the speaker closes', async () => {
    const a = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: { host: '127.0.0.1', port: 0 } });
    const b = new BgpSpeaker({ asn: 65002, routerId: '2.2.2.2', listen: { host: '127.0.0.2', port: 0 } });
    try {
      await Promise.all([a.listening, b.listening]);
      a.addPeer({ address: '127.0.0.2', asn: 65002, passive: true });
      b.addPeer({ address: '127.0.0.1', asn: 65001, port: a.port });
      const seen: string[] = [];
      const loop = (async () => {
        for await (const c of b.bestPathChanges()) {
          seen.push(`${c.prefix} ${c.best ? `via ${c.best.nextHop}` : 'gone'}`);
          if (seen.length === 2) a.withdraw(['10.1.0.0/24']);
          if (seen.length === 3) void b.close();
        }
        return 'ended';
      })();
      a.announce(['10.1.0.0/24', '10.2.0.0/24']);
      expect(await loop).toBe('ended');
      expect(seen).toEqual(['10.1.0.0/24 via 127.0.0.1', '10.2.0.0/24 via 127.0.0.1', '10.1.0.0/24 gone']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('ends when the signal aborts', async () => {
    const s = new BgpSpeaker({ asn: 65001, routerId: '1.1.1.1', listen: false });
    const ac = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const c of s.bestPathChanges(ac.signal)) {
        got.push(c.prefix);
        ac.abort();
      }
    })();
    s.announce(['192.0.2.0/24']);
    await loop;
    s.announce(['198.51.100.0/24']);
    expect(got).toEqual(['192.0.2.0/24']);
    await s.close();
  });
});
