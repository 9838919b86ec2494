import { bgpDissectors, encodeMessage } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors, TcpReassembly } from '@cnikit/pcap';
import { composeDissectors, LINK_TABLE, LINKTYPE_RAW } from '@cnikit/wire';
import { describe, expect } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  missingFields,
} from '../../../test/support/corpus.js';
import { tsharkDecode } from '../../ethernet/test/fixtures/synthetic-pcap.js';
import { itWithTool } from '../../wire/test/tools.js';
import { ProtocolHierarchy } from '../src/cli/protocol-hierarchy.js';
import {
  bgpStream,
  cutStream,
  type StreamSegment,
  TCP_ACK,
  TCP_SYN,
  tcpFrame,
  tsharkHierarchyRaw,
} from './support/tcp-stream.js';

const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);

/** Fields compared in both directions: each occurrence tshark shows we must show too. */
const BOTH_WAYS = [
  'bgp.type',
  'bgp.length',
  'bgp.nlri_prefix',
  'tcp.segment',
  'tcp.segment.count',
  'tcp.reassembled.length',
  'tcp.reassembled.data',
  'tcp.segment_data',
];

/** A deterministic PRNG (mulberry32), so the cut points are the same in every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A client's stream (OPEN, KEEPALIVE, `prefixes` prefixes in UPDATEs of 1,000, End-of-RIB,
 * KEEPALIVE) cut at awkward points: inside the marker, one byte short of a header, on message
 * boundaries, one byte, several whole messages in one segment, then pseudo-random lengths.
 */
function cutClientStream(prefixes: number, isn: number, seed: number): StreamSegment[] {
  const { bytes } = bgpStream(prefixes);
  const cuts = new Set([5, 18, 19, 40, 45, 47, 62, 81, 100, 2000, 2001, 2002, 4000]);
  // Several whole UPDATEs in one segment: 4,116 to 12,400.
  for (const c of [4116, 12400, 12401, 12420]) cuts.add(c);
  const next = random(seed);
  for (let at = 12420; at < bytes.length - 1; ) {
    at += 1 + Math.floor(next() * 1448);
    if (at < bytes.length) cuts.add(at);
  }
  return cutStream(
    bytes,
    [...cuts].filter((c) => c < bytes.length).sort((a, b) => a - b),
    isn,
  );
}

/** 1,500 prefixes cut at 300 and 2,000, the second segment starting one byte early. */
function overlapping(): StreamSegment[] {
  const { bytes } = bgpStream(1500);
  const isn = 3000;
  return [
    { seq: isn + 1, payload: bytes.subarray(0, 300) },
    { seq: isn + 300, payload: bytes.subarray(299, 2000) },
    { seq: isn + 2001, payload: bytes.subarray(2000) },
  ];
}

/** The segments in `order` (indexes, repeats are retransmissions). */
function inOrder(segments: readonly StreamSegment[], order: readonly number[]): StreamSegment[] {
  return order.map((i) => segments[i]);
}

describe('TCP reassembly of BGP vs live tshark (default preferences)', () => {
  itWithTool('tshark', ['-v'])(
    'a 5,000-prefix session split at awkward points: every frame shows what tshark shows',
    () => {
      const clientIsn = 0xfffff000; // wraps past 2^32 inside the stream
      const serverIsn = 5000;
      const server = [
        encodeMessage(
          {
            type: 'open',
            version: 4,
            myAs: 65002,
            holdTime: 90,
            bgpId: 0xc0000202,
            parameters: [],
          },
          {},
        ),
        encodeMessage({ type: 'keepalive' }, {}),
      ];
      const serverBytes = new Uint8Array([...server[0], ...server[1], ...server[1]]);
      // Stream A: 5,000 prefixes in order, with two retransmissions (tshark dissects neither).
      const a = cutClientStream(5000, clientIsn, 179);
      const aOrder = [0, 1, 2, 3, 4, 3];
      for (let i = 5; i < a.length; i++) aOrder.push(i);
      aOrder.splice(20, 0, 17);
      // Stream B (another client port): 3,000 prefixes with segments out of order, so that messages
      // are cut where a segment is missing and completed by the late one (shown, not dissected).
      const b = cutClientStream(3000, 77, 4271);
      const bOrder = [0, 1, 2, 3, 4, 5, 6, 7, 9, 8];
      for (let i = 10; i < b.length; i++) bOrder.push(i);
      const late = bOrder.indexOf(12);
      [bOrder[late], bOrder[late + 1]] = [bOrder[late + 1], bOrder[late]];
      const frames: Uint8Array[] = [
        tcpFrame({ seq: clientIsn, payload: new Uint8Array(0), flags: TCP_SYN }),
        reverse(
          tcpFrame({ seq: serverIsn, payload: new Uint8Array(0), flags: TCP_SYN | TCP_ACK }, clientIsn + 1),
        ),
        // The server's OPEN and two KEEPALIVEs in one segment: several messages per segment.
        reverse(tcpFrame({ seq: serverIsn + 1, payload: serverBytes }, clientIsn + 1)),
        ...inOrder(a, aOrder).map((s) => tcpFrame(s, serverIsn + 1)),
        tcpFrame({ seq: 76, payload: new Uint8Array(0), flags: TCP_SYN }, 0, 40180),
        reverse(tcpFrame({ seq: 900, payload: new Uint8Array(0), flags: TCP_SYN | TCP_ACK }, 77, 40180)),
        ...inOrder(b, bOrder).map((s) => tcpFrame(s, 901, 40180)),
        // Stream C: a segment that starts one byte before the end of the last (a resent byte with new
        // data): tshark ends the message being reassembled there.
        ...overlapping().map((s) => tcpFrame(s, 1, 40181)),
      ];
      const tshark = tsharkDecode(frames, [], LINKTYPE_RAW);
      expect(tshark.length).toBe(frames.length);
      const reassembly = new TcpReassembly(registry);
      const mismatches: (FieldMismatch & { frame: number })[] = [];
      const layerDiffs: string[] = [];
      const byField = new Map<string, number>();
      let compared = 0;
      let reassembledFrames = 0;
      let middleFrames = 0;
      let malformedFrames = 0;
      const hierarchy = new ProtocolHierarchy();
      frames.forEach((f, i) => {
        const number = i + 1;
        // The pcap's timestamps (pcapFile: one second apart): tshark's out-of-order test is timed.
        const timestamp = BigInt(1_700_000_000 + i) * 1_000_000_000n;
        const ours = reassembly.dissect(f, {
          first: { table: LINK_TABLE, key: LINKTYPE_RAW },
          number,
          frame: { timestamp },
        });
        const theirs = tshark[i];
        const theirFields = flattenTshark(theirs);
        const mine = flattenDissection(ours.layers, new Set(['raw', 'ip', 'data']));
        const r = compareFields(mine, theirFields, {
          allowMissing: new Set(),
          theirsStopEarly: false,
          // Our TCP layer keeps no stream state (relative numbers, analysis): those are not ours to compare.
          skip: (field) => field.startsWith('tcp.') && !BOTH_WAYS.includes(field),
          comparedByField: byField,
        });
        compared += r.compared;
        for (const m of [...r.mismatches, ...missingFields(mine, theirFields, BOTH_WAYS)]) {
          mismatches.push({ ...m, ours: short(m.ours), theirs: m.theirs && short(m.theirs), frame: number });
        }
        const ourLayers = topLevel(ours.layers.map((n) => n.field));
        const theirLayers = topLevel(
          Object.keys(theirs).filter((k) => k !== 'frame' && k !== '_ws.malformed'),
        );
        if (ourLayers !== theirLayers)
          layerDiffs.push(`frame ${number}: ours ${ourLayers}, tshark ${theirLayers}`);
        if ((ours.malformed !== undefined) !== '_ws.malformed' in theirs) {
          layerDiffs.push(`frame ${number}: malformed ${ours.malformed?.message ?? 'only in tshark'}`);
        }
        if (ours.malformed) malformedFrames++;
        hierarchy.add(ours, f.length);
        if (ours.reassembled) reassembledFrames++;
        else if (!ours.layers.some((n) => n.field === 'bgp')) middleFrames++;
      });
      console.log(
        `tcp reassembly vs tshark: ${frames.length} frames (${reassembledFrames} complete a reassembled message, ${middleFrames} show none), ${compared} values compared over ${byField.size} fields, ${mismatches.length} mismatches`,
      );
      expect(layerDiffs).toEqual([]);
      // Two out-of-order copies of bytes already reassembled: tshark's "Reassembly error".
      expect(malformedFrames).toBe(2);
      // cnikit stats: the same protocol hierarchy as tshark -z io,phs (a level per BGP message).
      expect(hierarchy.format()).toBe(tsharkHierarchyRaw(frames).replace(/^\n+/, ''));
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(byField.get('bgp.nlri_prefix')).toBeGreaterThanOrEqual(5000 + 1000);
      expect(byField.get('tcp.segment_data') ?? 0).toBeGreaterThan(10);
      expect(reassembledFrames).toBeGreaterThanOrEqual(9);
      expect(compared).toBeGreaterThanOrEqual(17_000);
    },
  );
});

/** A long byte string cut to its start and length, for a readable failure. */
function short(value: string): string {
  return value.length > 48 ? `${value.slice(0, 47)}… (${(value.length + 1) / 3} bytes)` : value;
}

/** The layer keys in order, a run of `bgp` counted once (tshark's JSON merges them into one key). */
function topLevel(keys: readonly string[]): string {
  return keys.filter((k, i) => !(k === 'bgp' && keys[i - 1] === 'bgp')).join(',');
}

/** The same frame from 192.0.2.2:179 to 192.0.2.1:40179. */
function reverse(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  f.set(frame.subarray(16, 20), 12);
  f.set(frame.subarray(12, 16), 16);
  f.set(frame.subarray(22, 24), 20);
  f.set(frame.subarray(20, 22), 22);
  return f;
}
