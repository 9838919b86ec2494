import {
  BgpFramer,
  type BgpSession,
  decodeAttributeValue,
  decodeCapabilities,
  decodeEvpnRoute,
  decodeMessage,
  decodeNlri,
  decodeOpen,
  dissectBgp,
  NlriCursor,
  readUpdate,
  UpdateView,
} from '@cnikit/bgp';
import { DecodeError } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = 100_000;
const SESSIONS: BgpSession[] = [
  {},
  { fourOctetAs: false, ibgp: true },
  {
    addPath: [
      { afi: 1, safi: 1, direction: 'both' },
      { afi: 2, safi: 1, direction: 'receive' },
      { afi: 25, safi: 70, direction: 'both' },
    ],
  },
];

/** Runs `f`; anything thrown must be a DecodeError. Returns whether it threw. */
function onlyDecodeError(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return true;
  }
}

/** A message: a right header (marker, the true length, a type of 1–6) over random bytes, often. */
const message = fc
  .tuple(
    fc.uint8Array({ maxLength: 120 }),
    fc.integer({ min: 0, max: 6 }),
    fc.boolean(),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([body, type, rightHeader, session]) => {
    if (!rightHeader) return { bytes: body, session };
    const b = new Uint8Array(19 + body.length);
    b.fill(0xff, 0, 16);
    b[16] = b.length >> 8;
    b[17] = b.length;
    b[18] = type;
    b.set(body, 19);
    return { bytes: b, session };
  });

/** UPDATE bodies: withdrawn length and attribute length often consistent, then random attributes. */
const mostlyEmpty = fc.oneof(
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 12 }), weight: 1 },
);
const updateBody = fc
  .tuple(
    mostlyEmpty,
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 22, 23, 26, 32, 35, 99),
        fc.uint8Array({ maxLength: 24 }),
      ),
      { maxLength: 5 },
    ),
    mostlyEmpty,
  )
  .map(([withdrawn, attrs, nlri]) => {
    const parts: number[] = [withdrawn.length >> 8, withdrawn.length & 0xff, ...withdrawn];
    const a: number[] = [];
    for (const [flags, type, value] of attrs) {
      if (flags & 0x10) a.push(flags, type, value.length >> 8, value.length & 0xff, ...value);
      else a.push(flags, type, value.length, ...value);
    }
    parts.push(a.length >> 8, a.length & 0xff, ...a, ...nlri);
    return Uint8Array.from(parts);
  });

describe(`random input throws only DecodeError (${RUNS} inputs per entry point)`, () => {
  it('decodeMessage', () => {
    let threw = 0;
    fc.assert(
      fc.property(message, ({ bytes, session }) => {
        if (onlyDecodeError(() => decodeMessage(bytes, SESSIONS[session]))) threw++;
      }),
      { numRuns: RUNS },
    );
    expect(threw).toBeGreaterThan(RUNS / 2);
    expect(threw).toBeLessThan(RUNS);
  });

  it('UpdateView.bindBody + readUpdate (RFC 7606 path)', () => {
    let read = 0;
    fc.assert(
      fc.property(updateBody, fc.integer({ min: 0, max: 2 }), (body, s) => {
        onlyDecodeError(() => {
          const r = readUpdate(new UpdateView().bindBody(body, 0, body.length, SESSIONS[s]));
          read++;
          for (const e of r.errors) expect(e).toBeInstanceOf(DecodeError);
        });
      }),
      { numRuns: RUNS },
    );
    expect(read).toBeGreaterThan(RUNS / 10);
  });

  it('decodeOpen and decodeCapabilities', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        onlyDecodeError(() => decodeOpen(b, 0, b.length));
        onlyDecodeError(() => decodeCapabilities(b, 0, b.length));
      }),
      { numRuns: RUNS },
    );
  });

  it('NLRI cursor and decodeNlri, every family', () => {
    const cursor = new NlriCursor();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 60 }),
        fc.constantFrom([1, 1], [2, 1], [1, 4], [2, 4], [25, 70], [1, 128]),
        fc.boolean(),
        (b, [afi, safi], addPath) => {
          onlyDecodeError(() => decodeNlri(b, 0, b.length, afi, safi, addPath));
          onlyDecodeError(() => {
            cursor.reset(b, 0, b.length, afi, safi, addPath);
            let n = 0;
            while (cursor.next()) expect(++n).toBeLessThanOrEqual(b.length);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('decodeEvpnRoute and decodeAttributeValue', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 2 }),
        (b, type, flags, s) => {
          onlyDecodeError(() => decodeEvpnRoute(b, type % 8, 0, b.length));
          onlyDecodeError(() => decodeAttributeValue(b, flags, type % 40, 0, b.length, 0, SESSIONS[s]));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('dissectBgp over whole segments of random messages', () => {
    let dissected = 0;
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), (msgs) => {
        const seg = Uint8Array.from(msgs.flatMap((m) => [...m.bytes]));
        onlyDecodeError(() => {
          dissectBgp(seg, 0, seg.length, {});
          dissected++;
        });
      }),
      { numRuns: RUNS },
    );
    expect(dissected).toBeGreaterThan(RUNS / 20);
  });

  it('BgpFramer over random chunkings of random streams', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), fc.integer({ min: 1, max: 50 }), (msgs, step) => {
        const stream = new Uint8Array(msgs.reduce((n, m) => n + m.bytes.length, 0));
        let at = 0;
        for (const m of msgs) {
          stream.set(m.bytes, at);
          at += m.bytes.length;
        }
        const framer = new BgpFramer();
        onlyDecodeError(() => {
          let total = 0;
          for (let i = 0; i < stream.length; i += step) {
            for (const m of framer.push(stream.subarray(i, i + step))) total += m.length;
          }
          expect(total + framer.buffered).toBe(stream.length);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
