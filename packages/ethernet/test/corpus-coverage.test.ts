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
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { tsharkOnlyFields } from './fixtures/tshark-only.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/corpus-coverage.test.ts: coverage of tshark fields on the shared corpus',
);

/**
 * The other half of the agreement test: that one compares every field we emit; this one lists
 * the fields tshark shows inside our layers that we do not emit at all, in every corpus packet
 * up to where we leave the bytes as `data` or either side gives up (a packet that ends in data
 * or is malformed is checked in the layers before that point). Each must be listed here with
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
  'tcp.segment_tree': 'reassembly across packets',
  'tcp.segment.overlap': 'reassembly across packets',
  'tcp.segment.overlap.conflict': 'reassembly across packets',
  'tcp.segment.error': 'reassembly across packets',
  'mptcp.master': 'conversation state: MPTCP connection analysis (which subflow came first)',
  'mptcp.analysis.subflows': 'conversation state: MPTCP connection analysis',
  'mptcp.ack': 'conversation state: the data ACK relative to the initial data sequence number',
  'mptcp.dss.dsn': 'conversation state: the DSN relative to the initial data sequence number',
  'mptcp.expected_token': 'derived: tshark hashes the key (RFC 8684 §3.1), it is not on the wire',
  'mptcp.expected_idsn': 'derived, as mptcp.expected_token',
  'tcp.reassembled.length': 'reassembly across packets',
  'tcp.reassembled.data': 'reassembly across packets',
  'tcp.flags.ace': 'conversation state: the AccECN counter view follows the handshake',
  'icmpv6.data': 'tshark shows undecodable RPL option bytes as data',
  'icmpv6.undecoded.rpl_option': 'RPL (RFC 6550) is not dissected',
  'icmpv6.reserved': 'the reserved octet of RPL DAO messages (type 155), which are not dissected',
  'ip.ttl.lncb': 'expert note: a TTL other than 1 towards the local network control block 224.0.0.0/24',
  'ipv6.plen_zero': 'expert note: payload length 0 without a jumbo payload option',
  'tcp.pdu.size': "the upper protocol's PDU length (DNS over TCP): tshark's view of the payload",
  'tcp.reset_cause': 'heuristic: tshark reads the payload of an RST as a text reason',
  // Bytes after a payload we leave as data: only the upper protocol's dissector knows where it ends.
  'eth.padding':
    "after an EtherType we leave as data (EAPOL, LLDP…): tshark's dissector of it sets its length",
  'eth.trailer': 'as eth.padding',
  'eth.fcs': 'as eth.padding (tshark then takes the last four bytes for an FCS)',
  'eth.fcs.status': 'as eth.fcs',
  // A TCP option whose length runs past the header: tshark shows its kind, length and the first
  // fields (TCP-AO key ids) before it marks the packet cut short; we keep the option bytes raw.
  'tcp.option_kind': 'kind of an option whose length runs past the header (heapoverflow-tcp_print.pcap)',
  'tcp.option_len': 'as tcp.option_kind',
  'tcp.options.unknown': 'as tcp.option_kind',
  'tcp.options.ao': 'TCP-AO (RFC 5925, kind 29) is not dissected; here its length runs past the header too',
  'tcp.options.ao.keyid': 'as tcp.options.ao',
  'tcp.options.ao.rnextkeyid': 'as tcp.options.ao',
};

/** Field-name prefixes of protocols we leave as undecoded option or message bytes, with the reason. */
const NOT_EMITTED_PREFIXES: Record<string, string> = {
  'icmpv6.rpl.': 'RPL (RFC 6550, IoT routing) messages are not dissected',
  'icmp.ext.':
    'ICMP extension structures (RFC 4884) and ICMPv4 extended echo (RFC 8335, types 42/43) are not dissected',
  'icmp.int_ident.':
    'RFC 8335 interface identification objects (inside the ICMP extension structure) are not dissected',
  'icmp.int_info.':
    'RFC 5837 interface information objects (inside the ICMP extension structure) are not dissected',
};

interface Coverage {
  /** Field → packets where tshark shows it (more often than we do) in a layer both decoded. */
  only: Map<string, { packets: number; example: string }>;
  /** Packets checked; of them, with every layer ours and neither side giving up. */
  packets: number;
  allOurs: number;
}

/**
 * For every corpus packet on a link this package reads, the layers we decoded up to where we (or
 * tshark) stopped: the `data` we leave undecoded and a layer that threw are left out, and so is a
 * layer in which tshark gave up. In those layers, each tshark field we do not emit as often.
 */
function corpusCoverage(): Coverage {
  const registry = composeDissectors(ethernetDissectors);
  const coverage: Coverage = { only: new Map(), packets: 0, allOurs: 0 };
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
      coverage.packets++;
      const theirsAll = flattenTshark(theirLayers);
      if (
        !tsharkFlagsMalformed(theirLayers, theirsAll) &&
        !ours.malformed &&
        ours.layers.every((l) => l.field !== 'data')
      ) {
        coverage.allOurs++;
      }
      for (const field of tsharkOnlyFields(ours.layers, theirLayers)) {
        const seen = coverage.only.get(field) ?? { packets: 0, example: `${entry.file}#${packet.index + 1}` };
        seen.packets++;
        coverage.only.set(field, seen);
      }
    }
  }
  return coverage;
}

describe.skipIf(!CORPUS)('coverage of tshark fields on the shared corpus', () => {
  it('every field tshark shows in our layers we emit too, or it is listed with its reason', () => {
    const coverage = corpusCoverage();
    const only = coverage.only;
    const listed = (field: string) =>
      field in NOT_EMITTED || Object.keys(NOT_EMITTED_PREFIXES).some((p) => field.startsWith(p));
    const rows = [...only].sort((a, b) => b[1].packets - a[1].packets);
    console.log(
      `coverage: ${coverage.packets} corpus packets checked (${coverage.allOurs} with every layer ours and well formed)\n` +
        `tshark-only fields in the layers we decoded: ${rows.length} (${rows.filter(([f]) => !listed(f)).length} unlisted)\n` +
        rows.map(([f, s]) => `  ${String(s.packets).padStart(5)} ${f} (${s.example})`).join('\n'),
    );
    const unlisted = rows
      .filter(([f]) => !listed(f))
      .map(([f, s]) => `${f} (${s.packets}, e.g. ${s.example})`);
    expect(unlisted).toEqual([]);
    const stale = [
      ...Object.keys(NOT_EMITTED).filter((f) => !only.has(f)),
      ...Object.keys(NOT_EMITTED_PREFIXES).filter((p) => ![...only.keys()].some((f) => f.startsWith(p))),
    ];
    expect(stale).toEqual([]);
    // Every packet is checked up to where either side stopped, not only those with all layers ours.
    expect(coverage.packets).toBeGreaterThan(7000);
  });
});
