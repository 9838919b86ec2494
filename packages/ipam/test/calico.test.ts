import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalicoIpam, IpamError, MemoryStore } from '../src/index.js';

describe('Calico-style blocks', () => {
  it('host affinity, claiming, borrowing, strict affinity', async () => {
    const store = new MemoryStore();
    const ipam = new CalicoIpam(store, { cidr: '10.0.0.0/25' });
    const a1 = await ipam.assign('node-a', 'pod1');
    const a2 = await ipam.assign('node-a', 'pod2');
    const b1 = await ipam.assign('node-b', 'pod3');
    expect([a1.address, a2.address, b1.address]).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.64']);
    expect([a1.block, b1.block]).toEqual(['10.0.0.0/26', '10.0.0.64/26']);
    const c1 = await ipam.assign('node-c', 'pod4');
    expect(c1).toMatchObject({ address: '10.0.0.2', block: '10.0.0.0/26', borrowed: true });
    const strict = new CalicoIpam(store, { cidr: '10.0.0.0/25', strictAffinity: true });
    await expect(strict.assign('node-c', 'pod5')).rejects.toMatchObject({
      code: 'exhausted',
      input: '10.0.0.0/25',
    });
    expect(await ipam.blocks()).toEqual([
      { cidr: '10.0.0.0/26', host: 'node-a', used: 3 },
      { cidr: '10.0.0.64/26', host: 'node-b', used: 1 },
    ]);
    const raw = JSON.parse(
      (await store.transact((tx) => tx.get('/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26')))!,
    );
    expect(raw.affinity).toBe('host:node-a');
    expect(raw.allocations.slice(0, 4)).toEqual([0, 1, 2, null]);
    expect(raw.attributes.map((x: { handle_id: string }) => x.handle_id)).toEqual(['pod1', 'pod2', 'pod4']);
    expect(
      await store.transact((tx) => tx.get('/calico/ipam/v2/host/node-b/ipv4/block/10.0.0.64-26')),
    ).toBeDefined();
  });

  it('handles release everything of a container; stale releases are refused; empty blocks go', async () => {
    const store = new MemoryStore();
    const ipam = new CalicoIpam(store, { cidr: 'fd00::/120' });
    const x = [
      await ipam.assign('n1', 'ctr-x'),
      await ipam.assign('n1', 'ctr-x'),
      await ipam.assign('n1', 'ctr-y'),
    ];
    expect(x.map((a) => a.address)).toEqual(['fd00::', 'fd00::1', 'fd00::2']);
    expect(x[0].block).toBe('fd00::/122');
    expect(await ipam.releaseHandle('ctr-x')).toEqual(['fd00::', 'fd00::1']);
    const again = await ipam.assign('n1', 'ctr-z');
    expect(again.address).toBe('fd00::3');
    // Handing out ordinals from the front of the free list: fd00:: comes back after the rest.
    await expect(ipam.release('fd00::2', x[0].sequenceNumber)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await ipam.release('fd00::2', x[2].sequenceNumber)).toBe(true);
    expect(await ipam.release('fd00::3', again.sequenceNumber)).toBe(true);
    expect(store.size).toBe(0);
  });

  it('property: never the same address twice; releasing everything empties the store; exhaustion changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            host: fc.integer({ min: 0, max: 2 }),
            handle: fc.integer({ min: 0, max: 9 }),
            release: fc.boolean(),
          }),
          {
            maxLength: 80,
          },
        ),
        async (ops) => {
          const store = new MemoryStore();
          const ipam = new CalicoIpam(store, { cidr: '10.1.0.0/27', blockSize: 29 });
          const live = new Map<string, number>();
          for (const op of ops) {
            if (op.release) {
              for (const a of await ipam.releaseHandle(`h${op.handle}`)) {
                expect(live.get(a)).toBe(op.handle);
                live.delete(a);
              }
              continue;
            }
            const size = store.size;
            try {
              const a = await ipam.assign(`n${op.host}`, `h${op.handle}`);
              expect(live.has(a.address)).toBe(false);
              live.set(a.address, op.handle);
            } catch (e) {
              expect(e).toBeInstanceOf(IpamError);
              expect((e as IpamError).code).toBe('exhausted');
              expect(live.size).toBe(32);
              expect(store.size).toBe(size);
            }
          }
          for (let h = 0; h < 10; h++) await ipam.releaseHandle(`h${h}`);
          expect(store.size).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
