import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeNull,
  encodePcap,
  encodeSll,
  encodeSll2,
  LinkType,
  NullPacket,
  pcapLinkDissectors,
  readCapture,
  Sll2Packet,
  SllPacket,
} from '@cnikit/pcap';
import { composeDissectors, type DissectionNode, dissect, formatBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  corpusPackets,
  expectedPath,
  flattenTshark,
  loadTsharkPackets,
  readManifest,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { assertRejectsOnlyWithDecodeError } from '../../ethernet/test/fixtures/decode-property.js';
import { CORPUS_DIR, corpusBytes, corpusFiles, requireTool } from './support/corpus.js';

/** Frames of corpus captures with link type `linkType` that tshark decodes without an error. */
function validCorpusFrames(linkType: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const manifest = `${CORPUS_DIR}/MANIFEST.tsv`;
  if (!existsSync(manifest)) return frames;
  for (const entry of readManifest(manifest)) {
    const expected = entry.linkType === linkType ? expectedPath(entry.file) : undefined;
    if (!expected) continue;
    const tshark = loadTsharkPackets(expected);
    for (const p of corpusPackets(entry.file)) {
      const layers = tshark[p.index];
      if (
        layers &&
        p.data.length === p.originalLength &&
        !tsharkFlagsMalformed(layers, flattenTshark(layers))
      )
        frames.push(new Uint8Array(p.data));
    }
  }
  return frames;
}

const CORPUS = haveCorpus(
  'packages/pcap/test/link-layers.test.ts: SLL agreement with tshark on the corpus SLL frames',
);

const registry = composeDissectors(pcapLinkDissectors);
const ipv4 = Uint8Array.from(Buffer.from('450000140001000040000000c0000201c0000202', 'hex'));

/** Our first layer's leaf fields as tshark's JSON writes them (strings; hex fields as 0x…). */
function ourFields(frame: Uint8Array, linkType: number): Record<string, string> {
  const d = dissect(registry, frame, { table: 'link', key: linkType });
  const out: Record<string, string> = {};
  for (const n of d.layers[0].children ?? []) out[n.field] = text(n);
  return out;
}

function text(n: DissectionNode): string {
  if (n.value instanceof Uint8Array) return formatBytes(n.value);
  if (n.field.endsWith('type') && n.field !== 'sll.pkttype' && n.field !== 'sll.hatype') {
    return `0x${(n.value as number).toString(16).padStart(4, '0')}`;
  }
  return String(n.value);
}

function tsharkLayer(frames: Uint8Array[], linkType: number, layer: string): Record<string, string>[] {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-link-'));
  const path = join(dir, `${linkType}.pcap`);
  writeFileSync(
    path,
    encodePcap(
      { linkType },
      frames.map((data) => ({ data, timestamp: 0n })),
    ),
  );
  const json = JSON.parse(
    execFileSync('tshark', ['-r', path, '-T', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as {
    _source: { layers: Record<string, Record<string, string>> };
  }[];
  return json.map((f) => f._source.layers[layer]);
}

const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('SLL, SLL2, NULL/LOOP link layers', () => {
  it.skipIf(!CORPUS)('SLL fields agree with tshark on every SLL frame of the corpus (expected JSON)', () => {
    let compared = 0;
    for (const name of corpusFiles()) {
      const packets = readCapture(corpusBytes(name)).packets();
      if (!packets.some((p) => p.linkType === LinkType.LINUX_SLL)) continue;
      const expected = JSON.parse(
        execFileSync('sh', ['-c', `zcat '${CORPUS_DIR}/expected/${name}.json.gz'`], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        }),
      ) as { _source: { layers: Record<string, Record<string, string>> } }[];
      packets.forEach((p, i) => {
        if (p.linkType !== LinkType.LINUX_SLL) return;
        expect(ourFields(p.data, p.linkType), `${name}#${i + 1}`).toEqual(expected[i]._source.layers.sll);
        compared++;
      });
    }
    console.log(`SLL: ${compared} corpus frames agree with tshark`);
    expect(compared).toBe(22); // every SLL frame of the 8 SLL captures
  });

  it.runIf(requireTool('tshark', 'SLL2/NULL/LOOP field agreement'))(
    'SLL v1/v2 and NULL/LOOP fields agree with tshark on generated frames',
    () => {
      const sll = [
        cat(
          encodeSll({
            packetType: 4,
            addressType: 1,
            address: Uint8Array.of(0, 17, 34, 51, 68, 85),
            protocol: 0x0800,
          }),
          ipv4,
        ),
        cat(
          encodeSll({
            packetType: 0,
            addressType: 778,
            address: Uint8Array.of(10, 0, 0, 1),
            protocol: 0x0800,
          }),
          ipv4,
        ),
        cat(
          encodeSll({ packetType: 1, addressType: 772, address: new Uint8Array(0), protocol: 0x0004 }),
          ipv4,
        ),
        cat(
          encodeSll({
            packetType: 3,
            addressType: 32,
            address: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
            protocol: 0x86dd,
          }),
          ipv4,
        ),
      ];
      const sll2 = [
        cat(
          encodeSll2({
            protocol: 0x0800,
            interfaceIndex: 7,
            addressType: 1,
            packetType: 4,
            address: Uint8Array.of(0, 17, 34, 51, 68, 85),
          }),
          ipv4,
        ),
        cat(
          encodeSll2({
            protocol: 0x86dd,
            interfaceIndex: 0xfffffffe,
            addressType: 772,
            packetType: 0,
            address: new Uint8Array(0),
          }),
          ipv4,
        ),
      ];
      const nul = [2, 24, 28, 30].flatMap((family) => [
        cat(encodeNull({ family }), ipv4),
        cat(encodeNull({ family, littleEndian: false }), ipv4),
      ]);
      const loop = [2, 24].map((family) => cat(encodeNull({ family, littleEndian: false }), ipv4));
      const groups: [Uint8Array[], number, string][] = [
        [sll, LinkType.LINUX_SLL, 'sll'],
        [sll2, LinkType.LINUX_SLL2, 'sll'],
        [nul, LinkType.NULL, 'null'],
        [loop, LinkType.LOOP, 'null'],
      ];
      for (const [frames, linkType, layer] of groups) {
        const theirs = tsharkLayer(frames, linkType, layer);
        frames.forEach((f, i) => {
          expect(ourFields(f, linkType), `${linkType}#${i}`).toEqual(theirs[i]);
        });
      }
    },
  );

  it('hands over to ethertype: NULL maps AF_INET → IPv4 and 24/28/30 → IPv6', () => {
    for (const [family, ethertype] of [
      [2, 0x0800],
      [24, 0x86dd],
      [28, 0x86dd],
      [30, 0x86dd],
    ] as const) {
      for (const littleEndian of [true, false]) {
        const r = registry.layers.get('null')!(cat(encodeNull({ family, littleEndian }), ipv4), 0, 24, {});
        expect(r.next).toEqual({ table: 'ethertype', keys: [ethertype], start: 4, end: 24 });
      }
    }
    expect(
      registry.layers.get('null')!(cat(encodeNull({ family: 7 }), ipv4), 0, 24, {}).next,
    ).toBeUndefined();
    const s = registry.layers.get('sll')!(
      cat(encodeSll({ packetType: 0, addressType: 1, address: new Uint8Array(6), protocol: 0x86dd })),
      0,
      16,
      {},
    );
    expect(s.next).toEqual({ table: 'ethertype', keys: [0x86dd], start: 16, end: 16 });
    expect(registry.tables.get('link')).toEqual(
      new Map([
        [113, 'sll'],
        [276, 'sll2'],
        [0, 'null'],
        [108, 'loop'],
      ]),
    );
  });

  it('parse(write(x)) = x for SLL, SLL2 and NULL', () => {
    const addr = fc.uint8Array({ maxLength: 8 });
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffff }),
        addr,
        fc.nat({ max: 0xffff }),
        (packetType, addressType, address, protocol) => {
          const h = { packetType, addressType, addressLength: address.length, address, protocol };
          expect(SllPacket.parse(encodeSll(h)).toJSON()).toEqual(h);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xff }),
        addr,
        (protocol, interfaceIndex, packetType, address) => {
          const h = {
            protocol,
            reserved: 0,
            interfaceIndex,
            addressType: 1,
            packetType,
            addressLength: address.length,
            address,
          };
          expect(Sll2Packet.parse(encodeSll2(h)).toJSON()).toEqual(h);
        },
      ),
    );
    fc.assert(
      fc.property(fc.nat({ max: 0xffff }), fc.boolean(), (family, littleEndian) => {
        const p = NullPacket.parse(encodeNull({ family, littleEndian }));
        expect(p.family).toBe(family);
      }),
    );
  });

  it('100,000 random byte strings: each link dissector returns or throws DecodeError; known-valid headers decode', () => {
    const names = ['sll', 'sll2', 'null', 'loop'];
    const layers = names.map((n) => registry.layers.get(n)!);
    // Known-valid: the corpus SLL frames tshark finds well formed, and one header of each kind
    // (the corpus has no SLL2, NULL or LOOP capture) built by our writers before an IPv4 header.
    const valid: [Uint8Array, number][] = [
      ...validCorpusFrames(113).map((f): [Uint8Array, number] => [f, 0]),
      [
        cat(
          encodeSll2({
            protocol: 0x0800,
            reserved: 0,
            interfaceIndex: 2,
            addressType: 1,
            packetType: 0,
            addressLength: 6,
            address: new Uint8Array(6),
          }),
          ipv4,
        ),
        1,
      ],
      [cat(encodeNull({ family: 2, littleEndian: true }), ipv4), 2],
      [cat(encodeNull({ family: 2, littleEndian: false }), ipv4), 3],
    ];
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, number]>({
      random: fc.tuple(fc.uint8Array({ maxLength: 40, size: 'max' }), fc.nat({ max: 3 })),
      valid,
      decode: ([b, i]) => {
        const r = layers[i](b, 0, b.length, {});
        if (r.next && (r.next.start > r.next.end || r.next.end > b.length)) throw new Error('bad handover');
      },
    });
    console.log(`link layer property: ${JSON.stringify(counts)}, ${valid.length} known-valid frames`);
  });
});
