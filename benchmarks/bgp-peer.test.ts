// The BGP benchmark cases (bgp.bench.mjs) and their GoBGP peer (peers/gobgp) agree: our encoder
// writes the bytes GoBGP wrote, every implementation of a case computes the same field sum, and
// GoBGP counts the same routes and the same sum on the same bytes. Nothing here is timed.
import { spawnSync } from 'node:child_process';
import { buildUpdate, community, encodeMessage } from '@cnikit/bgp';
import { describe, expect, it } from 'vitest';
import { itWithTool } from '../packages/wire/test/tools.js';
import { cases } from './bgp.bench.mjs';
import { readFrame } from './harness/frames.mjs';
import { buildGoPeer, runGoBenchmark } from './harness/go-peer.mjs';

const ATTRIBUTES = {
  asPath: [65001, 65002, 65003, 65004, 65005],
  med: 50,
  communities: [community(65001, 1), community(65001, 2), community(65001, 3)],
  largeCommunities: [{ global: 65001, local1: 7, local2: 9 }],
};

describe('the frames GoBGP built', () => {
  it('are what our writer makes of the same routes (a: NLRI field, b: MP_REACH_NLRI)', () => {
    const v4 = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const a = encodeMessage(buildUpdate(v4, { nextHop: '192.0.2.1', ...ATTRIBUTES }), { fourOctetAs: true });
    expect(Buffer.from(a).toString('hex')).toBe(
      Buffer.from(readFrame('bgp-update-1000-ipv4')).toString('hex'),
    );
    expect(a.length).toBe(4096);
    const v6 = Array.from({ length: 1000 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
    const b = encodeMessage(buildUpdate(v6, { nextHop: '2001:db8::1', ...ATTRIBUTES }), {
      fourOctetAs: true,
      extendedMessage: true,
    });
    expect(Buffer.from(b).toString('hex')).toBe(
      Buffer.from(readFrame('bgp-update-1000-ipv6-mp')).toString('hex'),
    );
    expect(b.length).toBe(7114);
  });
});

type Case = (typeof cases)[number] & {
  peerCheck(): Record<string, number>;
  peerEnv?(): Record<string, string>;
  verify?(): void;
  teardown?(): void;
};

describe('every implementation of a case computes the same sum', () => {
  for (const c of cases as Case[]) {
    it(c.id, async () => {
      try {
        const ops = await c.setup({ probe: () => {} });
        const sums = Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, op() + op()]));
        expect(Object.keys(sums).length).toBeGreaterThanOrEqual(2);
        expect(new Set(Object.values(sums)).size).toBe(1);
        c.verify?.();
        const check = c.peerCheck();
        expect(check.routes).toBe(c.id === 'bgp-1m-routes' ? 1_000_000 : 1000);
      } finally {
        c.teardown?.();
      }
    }, 120_000);
  }
});

describe('GoBGP on the same bytes', () => {
  const itGo = itWithTool('go', ['version']);

  itGo(
    'reads the same routes and values as ours, and re-serializes the frames unchanged',
    async () => {
      const built = buildGoPeer('gobgp');
      if ('error' in built) throw new Error(built.error);
      const frames = spawnSync(built.binary, ['-test.run', '^TestFramesAreCurrent$', '-test.v'], {
        cwd: built.dir,
        encoding: 'utf8',
      });
      expect(frames.stdout).toContain('--- PASS: TestFramesAreCurrent');
      let compared = 0;
      for (const c of cases as Case[]) {
        try {
          await c.setup({ probe: () => {} });
          const expected = c.peerCheck();
          const line = runGoBenchmark(built, c.peer.gobgp, '1x', c.peerEnv?.() ?? {});
          for (const [unit, value] of Object.entries(expected)) {
            expect(line.metrics[unit], `${c.id} ${unit}`).toBe(value);
            compared++;
          }
        } finally {
          c.teardown?.();
        }
      }
      // routes and sum for (a), (b), (c) and (d), and the byte count of (c)'s Serialize
      expect(compared).toBe(9);
    },
    300_000,
  );
});
