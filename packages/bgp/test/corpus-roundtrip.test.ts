import { BgpDecodeError, BgpFramer, type BgpSession, decodeMessage, encodeMessage } from '@cnikit/bgp';
import { DecodeError } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { mutatePacket, seededRandom } from '../../../test/support/corpus.js';
import { announceCorpusBlocker, bgpCorpusFrames } from './corpus-frames.js';

/**
 * A capture holds no record of what its session negotiated; these are tried in order and the
 * first that decodes the message and writes it back byte for byte wins (tshark guesses too).
 */
const SESSIONS: readonly BgpSession[] = [
  { fourOctetAs: true, extendedMessage: true },
  { fourOctetAs: false, extendedMessage: true },
  {
    fourOctetAs: true,
    extendedMessage: true,
    addPath: [
      { afi: 1, safi: 1, direction: 'both' },
      { afi: 2, safi: 1, direction: 'both' },
    ],
  },
];

/** Frames whose payload does not start with whole BGP messages, each with why (tshark flags all of them malformed). */
const NOT_FRAMED: Record<string, string> = {
  'bgp-aigp-oobr.pcap#1': 'second message has a broken marker (fuzzed capture)',
  'bgp-as-path-oobr.pcap#1': 'a message inside has a broken marker (fuzzed capture)',
  'bgp-as-path-oobr.pcap#2': 'continuation segment of a message split across TCP segments',
  'bgp-as-path-oobr.pcap#4': 'continuation segment of a message split across TCP segments',
  'bgp-bgp_capabilities_print-oobr-1.pcap#1':
    'payload does not start with a marker (fuzzed capture, cut by the snap length)',
  'bgp-bgp_capabilities_print-oobr-2.pcap#1':
    'payload does not start with a marker (fuzzed capture, cut by the snap length)',
  'bgp-infinite-loop.pcap#1': 'UPDATE with length 19 (fuzzed capture)',
  'bgp-infinite-loop.pcap#2': 'UPDATE with length 19 (fuzzed capture)',
  'bgp-infinite-loop.pcap#3': 'UPDATE with length 19 (fuzzed capture)',
  'bgp-infinite-loop.pcap#4': 'UPDATE with length 19 (fuzzed capture)',
  'bgp-infinite-loop.pcap#5': 'UPDATE with length 19 (fuzzed capture)',
  'bgp-ub.pcap#1': 'payload does not start with a marker',
  'bgp_mp_reach_nlri-oobr.pcap#1': 'payload does not start with a marker',
  'bgp_mvpn_6_and_7_oobr.pcap#1': 'a message inside has a broken marker (fuzzed capture)',
  'bgp_vpn_rt-oobr.pcap#1': 'a message inside has a broken marker (fuzzed capture)',
};

/** Messages no session decodes, each with the error (both are malformed in tshark's eyes too). */
const REJECTED: Record<string, string> = {
  'bgp-addpath.pcap#1': 'bgp: attribute 14 repeated (at byte 105)',
  'bgp_pmsi_tunnel-oobr.pcap#1': 'bgp: total path attribute length 1714 overruns the message (at byte 24)',
  'tok2str-oobr-1.pcap#1': 'bgp: total path attribute length 1936 overruns the message (at byte 22)',
};

function messagesOf(payload: Uint8Array): Uint8Array[] {
  return new BgpFramer({ extendedMessage: true }).push(payload);
}

function roundTrip(m: Uint8Array): { ok: true; session: BgpSession } | { ok: false; error: string } {
  let error = '';
  for (const session of SESSIONS) {
    try {
      const back = encodeMessage(decodeMessage(m, session), session);
      if (Buffer.from(back).equals(Buffer.from(m))) return { ok: true, session };
      error = 'written back differently';
    } catch (e) {
      if (!(e instanceof BgpDecodeError)) throw e;
      error = e.message;
    }
  }
  return { ok: false, error };
}

describe('corpus BGP messages', () => {
  const frames = bgpCorpusFrames();
  announceCorpusBlocker(frames.length);

  it.skipIf(frames.length === 0)('write(parse(b)) equals b for every whole message', () => {
    let messages = 0;
    let exact = 0;
    const notFramed: Record<string, string> = {};
    const rejected: Record<string, string> = {};
    for (const f of frames) {
      const key = `${f.file}#${f.frame}`;
      let list: Uint8Array[];
      try {
        list = messagesOf(f.data.subarray(f.start, f.end));
      } catch (e) {
        expect(e).toBeInstanceOf(BgpDecodeError);
        notFramed[key] = NOT_FRAMED[key] ?? (e as Error).message;
        continue;
      }
      for (const m of list) {
        messages++;
        const r = roundTrip(m);
        if (r.ok) exact++;
        else rejected[key] = r.error;
      }
    }
    expect(messages).toBe(158);
    expect(exact).toBe(155);
    expect(notFramed).toEqual(NOT_FRAMED);
    expect(rejected).toEqual(REJECTED);
  });

  it.skipIf(frames.length === 0)('truncations and mutations of every message throw only DecodeError', () => {
    const random = seededRandom(179);
    let decoded = 0;
    let thrown = 0;
    const scratch = new Uint8Array(65600);
    for (const f of frames) {
      const payload = f.data.subarray(f.start, f.end);
      for (let cut = 0; cut <= payload.length; cut += Math.max(1, payload.length >> 5)) {
        for (const session of SESSIONS) {
          try {
            decodeMessage(payload.subarray(0, cut), session);
            decoded++;
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            thrown++;
          }
        }
      }
      for (let k = 0; k < 200; k++) {
        const n = mutatePacket(payload, scratch, random);
        const copy = scratch.slice(0, n);
        for (const session of SESSIONS) {
          try {
            decodeMessage(copy, session);
            decoded++;
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            thrown++;
          }
        }
      }
    }
    expect(decoded).toBeGreaterThan(1000);
    expect(thrown).toBeGreaterThan(1000);
  });
});
