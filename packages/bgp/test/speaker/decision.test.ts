import { describe, expect, it } from 'vitest';
import { type BgpRoute, bestRoute, compareRoutes } from '../../src/index.js';

function route(
  over: Partial<BgpRoute> & {
    peer?: string;
    ibgp?: boolean;
    asn?: number;
    routerId?: string;
    path?: number[];
  },
): BgpRoute {
  const { peer = '192.0.2.1', ibgp = false, asn = 65001, routerId = '9.9.9.9', path = [asn], ...rest } = over;
  return {
    prefix: '10.0.0.0/24',
    family: 4,
    pathId: 0,
    source: { peer, asn, routerId, ibgp },
    nextHop: peer,
    origin: 0,
    asPath: path.length ? [{ type: 2, asns: path }] : [],
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    otherAttributes: [],
    ...rest,
  };
}

// Each case: two routes that differ in one §9.1.2.2 step (earlier steps equal); the first must win.
const CASES: [string, BgpRoute, BgpRoute][] = [
  ['higher LOCAL_PREF', route({ localPref: 200, path: [1, 2, 3] }), route({ localPref: 100 })],
  ['missing LOCAL_PREF counts as 100', route({ localPref: 101, path: [1, 2] }), route({})],
  ['shorter AS_PATH', route({ path: [65001] }), route({ path: [65001, 65002] })],
  [
    'an AS_SET counts one',
    route({
      asPath: [
        { type: 2, asns: [65001] },
        { type: 1, asns: [1, 2, 3] },
      ],
    }),
    route({ path: [65001, 2, 3] }),
  ],
  ['lower ORIGIN', route({ origin: 0, med: 99 }), route({ origin: 2, med: 0 })],
  ['lower MED from the same neighbour AS', route({ med: 5, peer: '192.0.2.9' }), route({ med: 10 })],
  ['missing MED counts as 0', route({ peer: '192.0.2.9', routerId: '9.9.9.10' }), route({ med: 1 })],
  [
    'MED ignored between neighbour ASes: eBGP over iBGP decides',
    route({ med: 50, asn: 65001 }),
    route({ med: 1, peer: '192.0.2.2', ibgp: true, asn: 64512, path: [65009] }),
  ],
  [
    'eBGP over iBGP',
    route({ peer: '192.0.2.9', routerId: '9.9.9.99' }),
    route({ ibgp: true, peer: '192.0.2.1' }),
  ],
  ['lower BGP Identifier', route({ peer: '192.0.2.9', routerId: '1.0.0.1' }), route({ routerId: '1.0.0.2' })],
  ['lower peer address', route({ peer: '192.0.2.1' }), route({ peer: '192.0.2.10' })],
  [
    'locally originated first',
    route({ peer: 'local', localPref: 10, path: [1, 2, 3] }),
    route({ localPref: 500 }),
  ],
];

describe('RFC 4271 §9.1.2.2 decision process', () => {
  it.each(CASES)('%s', (_name, winner, loser) => {
    expect(compareRoutes(winner, loser)).toBeLessThan(0);
    expect(compareRoutes(loser, winner)).toBeGreaterThan(0);
    expect(bestRoute([loser, winner])).toBe(winner);
    expect(bestRoute([winner, loser])).toBe(winner);
  });

  it('no candidates: no best path', () => {
    expect(bestRoute([])).toBeUndefined();
  });
});
