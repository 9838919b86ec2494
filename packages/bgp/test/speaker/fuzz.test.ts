import { DecodeError, formatPrefix, parsePrefix } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BgpSession,
  buildUpdate,
  buildWithdrawal,
  community,
  encodeMessage,
  readUpdate,
  routesOfUpdate,
  UpdateView,
} from '../../src/index.js';

const RUNS = 100_000;
const SOURCE = { peer: '192.0.2.1', asn: 65001, routerId: '192.0.2.1', ibgp: false };
const SESSIONS: BgpSession[] = [
  {},
  { fourOctetAs: false, ibgp: true },
  { addPath: [{ afi: 1, safi: 1, direction: 'both' }] },
];
const SEEDS = [
  encodeMessage(
    buildUpdate(['10.0.0.0/24', '10.1.0.0/16'], {
      nextHop: '192.0.2.1',
      asPath: [65001, 65002],
      med: 5,
      communities: [community(65001, 1)],
      largeCommunities: [{ global: 1, local1: 2, local2: 3 }],
    }),
  ),
  encodeMessage(buildUpdate(['2001:db8::/32'], { nextHop: '2001:db8::1', asPath: [65001] })),
  encodeMessage(buildWithdrawal(['10.0.0.0/24', '2001:db8::/32'])),
];

// What the speaker does with each UPDATE it receives (peer.ts: UpdateView, readUpdate,
// routesOfUpdate): for any bytes it gets a DecodeError (→ NOTIFICATION) or routes it can store.
describe('speaker UPDATE handling on any bytes', () => {
  it(`${RUNS} mutated and random UPDATEs: only DecodeError, and every route it keeps is a well-formed prefix`, () => {
    const seen = { reset: 0, withdraw: 0, routes: 0 };
    const bytes = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...SEEDS),
          fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        )
        .map(([seed, edits]) => {
          const b = seed.slice();
          for (const [at, v] of edits) if (at >= 19 && at < b.length) b[at] = v;
          return b;
        }),
      fc.uint8Array({ maxLength: 120 }).map((body) => {
        const b = new Uint8Array(19 + body.length);
        b.fill(0xff, 0, 16);
        b[16] = b.length >> 8;
        b[17] = b.length & 0xff;
        b[18] = 2;
        b.set(body, 19);
        return b;
      }),
    );
    fc.assert(
      fc.property(bytes, fc.constantFrom(...SESSIONS), (b, session) => {
        let reading: ReturnType<typeof readUpdate>;
        try {
          reading = readUpdate(UpdateView.parse(b, 0, b.length, session));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          seen.reset++;
          return;
        }
        const r = routesOfUpdate(reading, SOURCE, session);
        if (reading.action === 'treat-as-withdraw') seen.withdraw++;
        if (r.announced.length) seen.routes++;
        for (const route of [...r.announced, ...r.withdrawn]) {
          expect(formatPrefix(parsePrefix(route.prefix))).toBe(route.prefix);
          expect(Number.isInteger(route.pathId) && route.pathId >= 0).toBe(true);
        }
        if (reading.action === 'treat-as-withdraw') expect(r.announced).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    console.log(
      `speaker UPDATE fuzz: ${RUNS} inputs, ${seen.reset} session resets, ${seen.withdraw} treat-as-withdraw, ${seen.routes} with routes`,
    );
    // Each outcome happened often enough to mean something.
    expect(seen.reset).toBeGreaterThan(1000);
    expect(seen.withdraw).toBeGreaterThan(1000);
    expect(seen.routes).toBeGreaterThan(1000);
  }, 60_000);
});
