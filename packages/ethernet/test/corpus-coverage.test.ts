import { ethernetDissectors } from '@cnikit/ethernet';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  corpusPackets,
  expectedPath,
  flattenTshark,
  loadTsharkPackets,
  readManifest,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { fieldCounts } from '../../../test/support/dissection-fields.js';
import { TSHARK_DERIVED } from '../../../test/support/field-agreement.js';

/**
 * The other half of the agreement test: that one compares every field we emit; this one lists
 * the fields tshark shows inside our layers that we do not emit at all, in corpus packets whose
 * layers are all ours (no undecoded data, neither side gave up). Each must be listed here with
 * its reason, so a dissector that stops emitting a field fails, and so does a stale entry.
 */
const NOT_EMITTED: Record<string, string> = {
  // tshark's expert notes and conversation state, not fields of the bytes.
  'eth.padding_bad': 'expert note: padding bytes that are not zero (shown as eth.trailer)',
  'eth.src_not_group': 'expert note',
  'arp.duplicate-address-frame': 'conversation state: an earlier frame with the same address',
  'arp.duplicate-address-detected': 'conversation state',
  'arp.seconds-since-duplicate-address-frame': 'conversation state',
  'ipv6.routing.deprecated': 'expert note on routing header type 0',
  'tcp.options.sack.dsack': 'derived: tshark compares the first SACK block with the ACK number',
  'tcp.options.sack.dsack_le': 'derived, as tcp.options.sack.dsack',
  'tcp.options.sack.dsack_re': 'derived, as tcp.options.sack.dsack',
  'tcp.options.mss.absent': 'expert note: a SYN without MSS',
  'tcp.nop': 'expert note: four NOPs in a row ("a router may have removed some options")',
  'tcp.segment': 'reassembly across packets',
  'tcp.segment.count': 'reassembly across packets',
  'tcp.reassembled.length': 'reassembly across packets',
  'tcp.reassembled.data': 'reassembly across packets',
  'tcp.flags.ace': 'conversation state: the AccECN counter view follows the handshake',
  'icmpv6.data': 'tshark shows undecodable RPL option bytes as data',
  'icmpv6.undecoded.rpl_option': 'RPL (RFC 6550) is not dissected',
  'icmpv6.reserved': 'the reserved octet of RPL DAO messages (type 155), which are not dissected',
};

/** Field-name prefixes of protocols we leave as undecoded option or message bytes, with the reason. */
const NOT_EMITTED_PREFIXES: Record<string, string> = {
  'icmpv6.rpl.': 'RPL (RFC 6550, IoT routing) messages are not dissected',
};

function tsharkOnlyFields(): Map<string, { packets: number; example: string }> {
  const registry = composeDissectors(ethernetDissectors);
  const only = new Map<string, { packets: number; example: string }>();
  for (const entry of readManifest(`${CORPUS_DIR}/MANIFEST.tsv`)) {
    const expected = expectedPath(entry.file);
    if (!expected) continue;
    const packets = corpusPackets(entry.file).filter((p) => [1, 101, 228, 229].includes(p.linkType));
    if (packets.length === 0) continue;
    const tshark = loadTsharkPackets(expected);
    for (const packet of packets) {
      const theirLayers = tshark[packet.index];
      if (!theirLayers) continue;
      const ours = dissect(
        registry,
        packet.data,
        { table: LINK_TABLE, key: packet.linkType },
        0,
        packet.data.length,
        packet.originalLength,
      );
      const theirs = flattenTshark(theirLayers);
      if (tsharkFlagsMalformed(theirLayers, theirs) || ours.malformed) continue;
      if (ours.layers.some((l) => l.field === 'data')) continue;
      const counts = fieldCounts(ours.layers);
      const layers = new Set(ours.layers.map((l) => l.field));
      for (const [field, values] of theirs) {
        if (!layers.has(field.split('.')[0]) || layers.has(field) || TSHARK_DERIVED.test(field)) continue;
        if (values.length <= (counts.get(field) ?? 0)) continue;
        const seen = only.get(field) ?? { packets: 0, example: `${entry.file}#${packet.index + 1}` };
        seen.packets++;
        only.set(field, seen);
      }
    }
  }
  return only;
}

describe('coverage of tshark fields on the shared corpus', () => {
  it('every field tshark shows in our layers we emit too, or it is listed with its reason', () => {
    const only = tsharkOnlyFields();
    const listed = (field: string) =>
      field in NOT_EMITTED || Object.keys(NOT_EMITTED_PREFIXES).some((p) => field.startsWith(p));
    const rows = [...only].sort((a, b) => b[1].packets - a[1].packets);
    console.log(
      `tshark-only fields in all-ours corpus packets: ${rows.length} (${rows.filter(([f]) => !listed(f)).length} unlisted)\n` +
        rows.map(([f, s]) => `  ${String(s.packets).padStart(5)} ${f} (${s.example})`).join('\n'),
    );
    const unlisted = rows
      .filter(([f]) => !listed(f))
      .map(([f, s]) => `${f} (${s.packets}, e.g. ${s.example})`);
    expect(unlisted).toEqual([]);
    const stale = Object.keys(NOT_EMITTED).filter((f) => !only.has(f));
    expect(stale).toEqual([]);
  });
});
