import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostLocal, IpamError, MemoryStore } from '../src/index.js';

async function dump(store: MemoryStore): Promise<string> {
  const m = await store.transact((tx) => tx.list(''));
  return JSON.stringify([...m].sort());
}

describe('HostLocal over a store (fast-check)', () => {
  it('no address twice, failures change nothing in the store, dual-stack all or nothing, release-all leaves only cursors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 15 }),
            del: fc.boolean(),
            ask4: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
            ask6: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
          }),
          { maxLength: 60 },
        ),
        async (ops) => {
          const store = new MemoryStore();
          // IPv4 has 5 usable addresses, IPv6 13: IPv4 runs out first and must leave IPv6 alone.
          const ipam = new HostLocal(
            {
              name: 'p',
              ipam: {
                ranges: [[{ subnet: '10.9.0.0/29', rangeStart: '10.9.0.2' }], [{ subnet: 'fd09::/124' }]],
              },
            },
            store,
          );
          const live = new Map<string, string>();
          for (const op of ops) {
            const owner = { containerId: `c${op.who}`, ifname: 'eth0' };
            if (op.del) {
              for (const a of await ipam.del(owner)) {
                expect(live.get(a)).toBe(owner.containerId);
                live.delete(a);
              }
              continue;
            }
            const ips = [
              ...(op.ask4 === undefined ? [] : [`10.9.0.${op.ask4}`]),
              ...(op.ask6 === undefined ? [] : [`fd09::${op.ask6.toString(16)}`]),
            ];
            const before = await dump(store);
            try {
              const r = await ipam.add({ ...owner, ips });
              expect(r.ips.length).toBe(2);
              for (const ip of r.ips) {
                const a = ip.address.split('/')[0];
                expect(live.has(a), a).toBe(false);
                live.set(a, owner.containerId);
              }
            } catch (e) {
              expect(e).toBeInstanceOf(IpamError);
              expect(['exhausted', 'unavailable', 'duplicate', 'bad-config']).toContain(
                (e as IpamError).code,
              );
              expect(await dump(store)).toBe(before);
            }
          }
          for (let i = 0; i <= 15; i++) await ipam.del({ containerId: `c${i}`, ifname: 'eth0' });
          const left = [...(await store.transact((tx) => tx.list(''))).keys()];
          expect(left.every((k) => k.startsWith('last_reserved_ip.'))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
