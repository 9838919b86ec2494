import {
  FrameDecoder,
  type FrameLayer,
  writeArp,
  writeEthernet,
  writeIcmpv4,
  writeIcmpv6,
  writeIpv4,
  writeIpv6,
  writeTcp,
  writeUdp,
  writeVlanTag,
} from '@cnikit/ethernet';
import { DecodeError, formatBytes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusPackets } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/corpus-roundtrip.test.ts: write(parse(b)) equals b on every corpus packet',
);

/**
 * write(parse(b)) equals b for every layer FrameDecoder finds valid in the corpus: each view's
 * toJSON() goes through its writer into a fresh buffer (pre-filled with 0xa5 so a byte the writer
 * skips shows), with checksums and length fields as captured, and must give back the captured bytes.
 */
const DECODABLE_LINK_TYPES = new Set([1, 101, 228, 229]);
const FILL = 0xa5;

interface Written {
  /** Bytes the writer wrote. */
  readonly length: number;
  /** Where those bytes sit in the captured frame. */
  readonly start: number;
}

/** Writes layer `i` of the decoded frame from its plain object. */
function rewrite(d: FrameDecoder, layer: FrameLayer, vlanIndex: number, out: Uint8Array): Written {
  switch (layer) {
    case 'eth':
      return { start: d.ethernet.start, length: writeEthernet(d.ethernet.toJSON(), out, 0) };
    case 'vlan':
    case 'ieee8021ad': {
      const tag = d.vlans[vlanIndex];
      return { start: tag.start, length: writeVlanTag(tag.toJSON(), out, 0) };
    }
    case 'arp':
      return { start: d.arp.start, length: writeArp(d.arp.toJSON(), out, 0) };
    case 'ip':
      return { start: d.ipv4.start, length: writeIpv4(d.ipv4.toJSON(), out, 0, { keepChecksum: true }) };
    case 'ipv6':
      return { start: d.ipv6.start, length: writeIpv6(d.ipv6.toJSON(), out, 0) };
    case 'udp':
      return { start: d.udp.start, length: writeUdp(d.udp.toJSON(), out, 0) };
    case 'tcp':
      return { start: d.tcp.start, length: writeTcp(d.tcp.toJSON(), out, 0) };
    case 'icmp':
      return { start: d.icmpv4.start, length: writeIcmpv4(d.icmpv4.toJSON(), out, 0) };
    case 'icmpv6':
      return { start: d.icmpv6.start, length: writeIcmpv6(d.icmpv6.toJSON(), out, 0) };
  }
}

/** How many bytes each layer's writer must give back: up to the view's end (a VLAN tag: its 4 bytes). */
function expectedLength(d: FrameDecoder, layer: FrameLayer): number {
  switch (layer) {
    case 'eth':
      return d.ethernet.end - d.ethernet.start;
    case 'vlan':
    case 'ieee8021ad':
      return 4;
    case 'arp':
      return d.arp.end - d.arp.start;
    case 'ip':
      return d.ipv4.end - d.ipv4.start;
    case 'ipv6':
      return d.ipv6.end - d.ipv6.start;
    case 'udp':
      return d.udp.end - d.udp.start;
    case 'tcp':
      return d.tcp.end - d.tcp.start;
    case 'icmp':
      return d.icmpv4.end - d.icmpv4.start;
    case 'icmpv6':
      return d.icmpv6.end - d.icmpv6.start;
  }
}

/** A name for the variable-length parts a layer carries, counted apart. */
function withOptions(d: FrameDecoder, layer: FrameLayer): string | undefined {
  if (layer === 'ip' && d.ipv4.headerLength > 20) return 'ip with options';
  if (layer === 'ipv6' && d.ipv6.extensionCount > 0) return 'ipv6 with extension headers';
  if (layer === 'tcp' && d.tcp.headerLength > 20) return 'tcp with options';
  return undefined;
}

/** Index of the first byte that differs, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

const hexAt = (b: Uint8Array, i: number) => formatBytes(b.subarray(i, i + 4));

describe.skipIf(!CORPUS)('corpus round trip: write(parse(b)) equals b', () => {
  it('for every valid layer of every Ethernet and raw-IP corpus packet', () => {
    const decoder = new FrameDecoder({ maxVlanTags: 8 });
    const counts = new Map<string, number>();
    const failures: string[] = [];
    const invalid: string[] = [];
    let packets = 0;
    for (const file of corpusFiles()) {
      for (const p of corpusPackets(file)) {
        if (!DECODABLE_LINK_TYPES.has(p.linkType)) continue;
        packets++;
        decoder.decode(p.data, 0, p.data.length, p.linkType);
        let vlanIndex = 0;
        // Layers before a malformed one are valid, and are round-tripped too.
        for (let i = 0; i < decoder.layerCount; i++) {
          const layer = decoder.layers[i];
          const tagIndex = layer === 'vlan' || layer === 'ieee8021ad' ? vlanIndex++ : 0;
          const out = new Uint8Array(p.data.length + 64).fill(FILL);
          const where = `${file}#${p.index + 1} ${layer}`;
          try {
            const { start, length } = rewrite(decoder, layer, tagIndex, out);
            const want = expectedLength(decoder, layer);
            const captured = p.data.subarray(start, start + want);
            if (length !== want) failures.push(`${where}: wrote ${length} bytes, captured ${want}`);
            else if (firstDifference(out.subarray(0, length), captured) >= 0) {
              const i = firstDifference(out.subarray(0, length), captured);
              failures.push(
                `${where}: byte ${i} of the layer: wrote ${hexAt(out, i)}…, captured ${hexAt(captured, i)}…`,
              );
            } else {
              counts.set(layer, (counts.get(layer) ?? 0) + 1);
              const detail = withOptions(decoder, layer);
              if (detail) counts.set(detail, (counts.get(detail) ?? 0) + 1);
            }
          } catch (e) {
            // bind checks layout only; a malformed part it leaves to a getter (IPv4 options)
            // makes toJSON throw: that layer is not valid, and is listed rather than failed.
            if (e instanceof DecodeError) invalid.push(`${where}: ${e.message}`);
            else failures.push(`${where}: ${String(e)}`);
          }
        }
      }
    }
    console.log(
      `round trip: ${packets} packets; layers byte-exact: ${[...counts].map(([l, n]) => `${l} ${n}`).join(', ')}; ` +
        `failures ${failures.length}; not valid past bind (toJSON threw DecodeError) ${invalid.length}`,
    );
    for (const f of invalid.slice(0, 10)) console.log(`  not valid: ${f}`);
    for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
    expect(failures.slice(0, 20)).toEqual([]);
    for (const layer of [
      'eth',
      'vlan',
      'ieee8021ad',
      'arp',
      'ip',
      'ipv6',
      'udp',
      'tcp',
      'icmp',
      'icmpv6',
    ] as const) {
      expect(counts.get(layer) ?? 0, layer).toBeGreaterThan(0);
    }
    for (const part of ['ip with options', 'ipv6 with extension headers', 'tcp with options']) {
      expect(counts.get(part) ?? 0, part).toBeGreaterThan(0);
    }
  });
});
