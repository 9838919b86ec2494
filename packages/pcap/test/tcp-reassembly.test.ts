import { bgpDissectors, bgpPduFraming } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors, TcpReassembly } from '@cnikit/pcap';
import {
  composeDissectors,
  DecodeError,
  type DissectionNode,
  LINK_TABLE,
  LINKTYPE_RAW,
  PDU_HEADER_CUT,
  PDU_INVALID,
  walkNodes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bgpStream, cutStream, TCP_ACK, TCP_PSH, TCP_SYN, tcpFrame } from './support/tcp-stream.js';

const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);
const RAW = { table: LINK_TABLE, key: LINKTYPE_RAW } as const;

/** Every BGP message's (type, length) that the frames show, in order, and the NLRI prefixes. */
function messagesShown(frames: readonly Uint8Array[], reassembly = new TcpReassembly(registry)) {
  const messages: string[] = [];
  let prefixes = 0;
  let malformed = 0;
  frames.forEach((f, i) => {
    const d = reassembly.dissect(f, { first: RAW, frame: { timestamp: BigInt(i) * 1_000_000n } });
    if (d.malformed) malformed++;
    const bgp = d.layers.filter((n) => n.field === 'bgp');
    for (const node of walkNodes(bgp)) {
      if (node.field !== 'bgp') continue;
      const type = node.children?.find((c) => c.field === 'bgp.type')?.value;
      const length = node.children?.find((c) => c.field === 'bgp.length')?.value;
      if (type !== undefined) messages.push(`${type}/${length}`);
    }
    for (const node of walkNodes(bgp)) if (node.field === 'bgp.nlri_prefix') prefixes++;
  });
  return { messages, prefixes, malformed };
}

/** Type/length of each message of the stream, read from the bytes. */
function expectedMessages(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = (bytes[at + 16] << 8) | bytes[at + 17];
    out.push(`${bytes[at + 18]}/${length}`);
    at += length;
  }
  return out;
}

describe('bgpPduFraming (the hook the reassembler reads)', () => {
  it('header cut, invalid length, length, first marker', () => {
    const header = new Uint8Array(19).fill(0xff);
    header[16] = 0;
    header[17] = 45;
    header[18] = 2;
    expect(bgpPduFraming.pduLength(header, 0, 18)).toBe(PDU_HEADER_CUT);
    expect(bgpPduFraming.pduLength(header, 0, 19)).toBe(45);
    header[17] = 18;
    expect(bgpPduFraming.pduLength(header, 0, 19)).toBe(PDU_INVALID);
    const bytes = new Uint8Array([1, 2, 3, ...new Array(16).fill(0xff), 0, 19, 4]);
    expect(bgpPduFraming.firstPdu?.(bytes, 0, bytes.length)).toBe(3);
    // A partial marker running to the end counts as the start of a message.
    expect(bgpPduFraming.firstPdu?.(new Uint8Array([7, 0xff, 0xff]), 0, 3)).toBe(1);
    expect(bgpPduFraming.firstPdu?.(new Uint8Array([7, 8]), 0, 2)).toBe(2);
  });
});

describe('TcpReassembly', () => {
  const { bytes } = bgpStream(2500);
  const messages = expectedMessages(bytes);

  it('random segmentations of a valid stream always show the same messages and prefixes', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (cuts, isn) => {
          runs++;
          const segments = cutStream(
            bytes,
            [...cuts].sort((a, b) => a - b),
            isn,
          );
          const frames = [
            tcpFrame({ seq: isn, payload: new Uint8Array(0), flags: TCP_SYN }),
            ...segments.map((s) => tcpFrame(s)),
          ];
          const shown = messagesShown(frames);
          expect(shown.messages).toEqual(messages);
          expect(shown.prefixes).toBe(2500);
          expect(shown.malformed).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
    expect(runs).toBe(150);
  });

  it('a retransmitted segment changes nothing that is shown', () => {
    const segments = cutStream(bytes, [10, 30, 100, 5000, 5001, 9000], 41);
    const frames = segments.map((s) => tcpFrame(s));
    frames.splice(4, 0, tcpFrame(segments[2]));
    expect(messagesShown(frames).messages).toEqual(messages);
  });

  it('random bytes in random segments throw nothing but DecodeError (dissect reports them)', () => {
    let frames = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            payload: fc.uint8Array({ minLength: 0, maxLength: 300 }),
            seq: fc.integer({ min: 0, max: 0xffffffff }),
            flags: fc.constantFrom(TCP_ACK | TCP_PSH, TCP_SYN, TCP_ACK, 0x01 | TCP_ACK, 0x04),
            sport: fc.constantFrom(179, 40179, 40180),
            // Stream-looking bytes: a marker now and then, so lengths and cut headers are reached.
            marker: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40, size: 'medium' },
        ),
        (segments) => {
          const reassembly = new TcpReassembly(registry, { maxPduBytes: 4096, maxBufferedBytes: 16384 });
          for (const s of segments) {
            const payload = s.payload.slice();
            if (s.marker && payload.length >= 16) payload.fill(0xff, 0, 16);
            const d = reassembly.dissect(tcpFrame({ seq: s.seq, payload, flags: s.flags }, 1, s.sport), {
              first: RAW,
            });
            frames++;
            if (d.malformed) expect(d.malformed).toBeInstanceOf(DecodeError);
            expect(reassembly.stats.bufferedBytes).toBeLessThanOrEqual(16384);
          }
        },
      ),
      { numRuns: 2500 },
    );
    console.log(`tcp reassembly fuzz: ${frames} random segments`);
    expect(frames).toBeGreaterThan(20_000);
  });

  it('memory stays bounded: too long a message, too many bytes held, too many streams', () => {
    // A header claiming 60,000 bytes with a 1,000-byte limit: not reassembled, said so.
    const header = new Uint8Array(40).fill(0xff);
    header[16] = 0xea;
    header[17] = 0x60;
    header[18] = 2;
    const small = new TcpReassembly(registry, { maxPduBytes: 1000 });
    const d = small.dissect(tcpFrame({ seq: 1, payload: header }), { first: RAW });
    expect(d.overflow).toBe('a message of 60000 bytes is longer than the reassembly limit of 1000 bytes');
    expect(small.stats).toEqual({ streams: 1, bufferedBytes: 0, overflows: 1 });

    // 100 streams each holding the start of a 4,000-byte message, 64 KiB for all: old ones dropped.
    header[16] = 0x0f;
    header[17] = 0xa0;
    const capped = new TcpReassembly(registry, { maxBufferedBytes: 65536, maxStreams: 50 });
    for (let port = 1000; port < 1100; port++) {
      capped.dissect(tcpFrame({ seq: 1, payload: header }, 1, port), { first: RAW });
      expect(capped.stats.bufferedBytes).toBeLessThanOrEqual(65536);
      expect(capped.stats.streams).toBeLessThanOrEqual(50);
    }
    expect(capped.stats.streams).toBe(50);
    expect(capped.stats.bufferedBytes).toBe(16 * 4000);
  });

  it('the frame that completes a message shows tcp.segments and the message; the others segment data', () => {
    const keepalive = new Uint8Array(19).fill(0xff);
    keepalive[16] = 0;
    keepalive[17] = 19;
    keepalive[18] = 4;
    const two = new Uint8Array([...keepalive, ...keepalive]);
    const segments = cutStream(two, [7, 25], 100);
    const reassembly = new TcpReassembly(registry);
    const shown = segments.map((s, i) =>
      reassembly.dissect(tcpFrame(s), { first: RAW, number: i + 1 }).layers.map((n) => n.field),
    );
    expect(shown).toEqual([
      ['raw', 'ip', 'tcp'],
      ['raw', 'ip', 'tcp', 'tcp.segments', 'bgp'],
      ['raw', 'ip', 'tcp', 'tcp.segments', 'bgp'],
    ]);
    const second = new TcpReassembly(registry);
    second.dissect(tcpFrame(segments[0]), { first: RAW, number: 1 });
    const done = second.dissect(tcpFrame(segments[1]), { first: RAW, number: 2 });
    const values = (field: string) =>
      [...walkNodes(done.layers as DissectionNode[])].filter((n) => n.field === field).map((n) => n.value);
    expect(values('tcp.segment')).toEqual([1, 2]);
    expect(values('tcp.reassembled.length')).toEqual([25]);
    expect(values('tcp.segment_data').map((v) => (v as Uint8Array).length)).toEqual([18]);
    expect(done.reassembled?.map((r) => r.data.length)).toEqual([25]);
  });
});
