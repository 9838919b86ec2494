import {
  type BgpMessage,
  type BgpSession,
  decodeCapabilities,
  decodeMessage,
  decodeNlri,
  encodeMessage,
  messageLength,
  nlriLength,
  writeCapability,
  writeMessage,
  writeNlri,
} from '@cnikit/bgp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityArb, messageArb, nlriArb } from './arbitraries.js';

const ALL_FAMILIES = [
  [1, 1],
  [2, 1],
  [1, 4],
  [2, 4],
  [25, 70],
] as const;

function session(fourOctetAs: boolean, addPath: boolean): BgpSession {
  return {
    fourOctetAs,
    extendedMessage: true,
    ...(addPath
      ? { addPath: ALL_FAMILIES.map(([afi, safi]) => ({ afi, safi, direction: 'both' as const })) }
      : {}),
  };
}

/** What the decoder gives back for a message the writer chose the encoding of. */
function normalise(m: BgpMessage, decoded: BgpMessage): BgpMessage {
  if (m.type === 'open' && decoded.type === 'open' && m.extendedParameters === undefined) {
    return decoded.extendedParameters ? { ...m, extendedParameters: true } : m;
  }
  if (m.type === 'update' && decoded.type === 'update') {
    // A value over 255 bytes makes the writer set Extended Length whatever the flags say.
    const attributes = m.attributes.map((a, i) => {
      const got = decoded.attributes[i]?.flags ?? 0;
      return a.flags !== undefined && (got ^ a.flags) === 0x10 && got & 0x10 ? { ...a, flags: got } : a;
    });
    return { ...m, attributes };
  }
  return m;
}

describe('parse(write(x)) deep-equals x', () => {
  for (const [fourOctetAs, addPath] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ] as const) {
    it(`every message type (4-octet AS ${fourOctetAs}, ADD-PATH ${addPath})`, () => {
      const s = session(fourOctetAs, addPath);
      let written = 0;
      fc.assert(
        fc.property(messageArb(fourOctetAs, addPath), (m) => {
          let bytes: Uint8Array;
          try {
            bytes = encodeMessage(m, s);
          } catch (e) {
            // Only an UPDATE or OPEN too large for one message may be refused, and by RangeError.
            expect(e).toBeInstanceOf(RangeError);
            expect(messageLength(m, s)).toBeGreaterThan(m.type === 'open' ? 4096 : 65535);
            return;
          }
          written++;
          expect(bytes.length).toBe(messageLength(m, s));
          const back = decodeMessage(bytes, s);
          expect(back).toEqual(normalise(m, back));
          // Written at an offset into a dirty buffer: the same bytes.
          const out = new Uint8Array(bytes.length + 7).fill(0xa5);
          expect(writeMessage(back, out, 3, s)).toBe(bytes.length);
          expect(out.subarray(3, 3 + bytes.length)).toEqual(bytes);
        }),
        { numRuns: 1500 },
      );
      expect(written).toBeGreaterThan(1400);
    });
  }

  it('every capability', () => {
    fc.assert(
      fc.property(capabilityArb, (c) => {
        const out = new Uint8Array(300);
        const n = writeCapability(c, out, 0);
        expect(decodeCapabilities(out, 0, n)).toEqual([c]);
      }),
      { numRuns: 3000 },
    );
  });

  for (const [afi, safi] of [...ALL_FAMILIES, [16388, 71] as const]) {
    for (const addPath of [false, true]) {
      it(`NLRI of ${afi}/${safi}${addPath ? ' with path identifiers' : ''}`, () => {
        fc.assert(
          fc.property(nlriArb(afi, safi, addPath && afi !== 16388), (list) => {
            const ap = addPath && afi !== 16388;
            const n = nlriLength(list, afi, safi, ap);
            const out = new Uint8Array(n);
            expect(writeNlri(list, afi, safi, ap, out, 0)).toBe(n);
            expect(decodeNlri(out, 0, n, afi, safi, ap)).toEqual(list);
          }),
          { numRuns: 1000 },
        );
      });
    }
  }
});
