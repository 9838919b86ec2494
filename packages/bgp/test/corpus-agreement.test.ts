import { bgpDissectors } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors, TcpReassembly } from '@cnikit/pcap';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { announceCorpusBlocker, bgpCorpusCaptures, bgpCorpusFrames, tsharkTime } from './corpus-frames.js';
import { TSHARK_HANDS_TO_NO_DISSECTOR, TSHARK_WRONG } from './fixtures/corpus-agreement-expected.js';

/** Every layer but ours is left out of the comparison (the Ethernet tests cover them). */
const NOT_OURS = new Set([
  'data',
  'eth',
  'sll',
  'sll2',
  'null',
  'loop',
  'vlan',
  'ieee8021ad',
  'ip',
  'raw',
  'ipv6',
  'tcp',
  'udp',
]);

/**
 * Frames where tshark shows a bgp layer and we show none, with the reason (a change either way fails).
 */
const BGP_ONLY_IN_TSHARK: Record<string, string> = {
  'bgp-aigp.pcap#1': 'LINKTYPE_JUNIPER_ETHER (178): not decoded here',
  'bgp_vpn_attrset.pcap#1': 'PPP in HDLC-like framing (9): not decoded here',
  ...Object.fromEntries(
    [1, 2, 3, 4].map((n) => [
      `bgp-infinite-loop.pcap#${n}`,
      'an UPDATE of length 19 (under its 23-byte minimum) first in the segment: dissectBgp throws (no bgp layer), tshark shows the header fields it read before its error',
    ]),
  ),
};

/** Frames tshark decodes without complaint that we reject, each with the reason: none. */
const WE_REJECT_TSHARK_ACCEPTS: Record<string, string> = {};

describe('bgp dissector vs tshark 4.0.17 on the corpus', () => {
  const frames = bgpCorpusFrames();
  announceCorpusBlocker(frames.length);

  it.skipIf(frames.length === 0)('every value we emit equals tshark’s (0 mismatches)', () => {
    const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);
    const mismatches: (FieldMismatch & { frame: string })[] = [];
    const weReject: Record<string, string> = {};
    const byField = new Map<string, number>();
    let compared = 0;
    let tsharkMalformed = 0;
    const notHandedOn: string[] = [];
    for (const frame of frames) {
      const key = `${frame.file}#${frame.frame}`;
      if (!frame.tshark || TSHARK_WRONG[key]) continue;
      const theirs = flattenTshark(frame.tshark);
      if (
        !('bgp' in frame.tshark) &&
        (theirs.has('tcp.analysis.retransmission') || theirs.has('tcp.analysis.out_of_order'))
      ) {
        // tshark's TCP hands a retransmitted or out-of-order segment to no dissector: stream state.
        notHandedOn.push(key);
        continue;
      }
      const ours = dissect(
        registry,
        frame.data,
        { table: LINK_TABLE, key: frame.linkType },
        0,
        frame.data.length,
        frame.originalLength,
      );
      const stopEarly = tsharkFlagsMalformed(frame.tshark, theirs);
      if (stopEarly) tsharkMalformed++;
      else if (ours.malformed?.layer === 'bgp') weReject[key] = ours.malformed.message;
      const result = compareFields(flattenDissection(ours.layers, NOT_OURS), theirs, {
        allowMissing: new Set(),
        theirsStopEarly: stopEarly,
        comparedByField: byField,
      });
      compared += result.compared;
      for (const m of result.mismatches) mismatches.push({ ...m, frame: key });
    }
    console.log(
      `bgp agreement: ${frames.length} frames, ${compared} values compared over ${byField.size} fields, ${tsharkMalformed} frames tshark flags malformed, ${mismatches.length} mismatches`,
    );
    expect(mismatches.slice(0, 30)).toEqual([]);
    expect(weReject).toEqual(WE_REJECT_TSHARK_ACCEPTS);
    expect(notHandedOn).toEqual(Object.keys(TSHARK_HANDS_TO_NO_DISSECTOR));
    expect(compared).toBeGreaterThanOrEqual(5201);
    for (const field of [
      'bgp.type',
      'bgp.open.myas',
      'bgp.cap.4as',
      'bgp.update.path_attribute.type_code',
      'bgp.nlri_prefix',
      'bgp.mp_reach_nlri_ipv4_prefix',
      'bgp.evpn.nlri.mac_addr',
      'bgp.notify.communication',
      'bgp.large_communities.ga',
      'bgp.ext_com.value_link_bw',
    ]) {
      expect(byField.get(field) ?? 0, field).toBeGreaterThan(0);
    }
  });
});

describe('bgp dissector with TCP reassembly (TcpReassembly, as cnikit does) vs tshark 4.0.17 on the corpus', () => {
  const captures = bgpCorpusCaptures();
  announceCorpusBlocker(captures.length);

  it.skipIf(captures.length === 0)(
    'every value equals tshark’s; the segments tshark hands to no dissector show no bgp either',
    () => {
      const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);
      const mismatches: (FieldMismatch & { frame: string })[] = [];
      const weReject: Record<string, string> = {};
      const presence: Record<string, string> = {};
      const byField = new Map<string, number>();
      let compared = 0;
      let frames = 0;
      for (const { file, packets } of captures) {
        // One reassembler per capture, fed every packet in order (timestamps from tshark's decode).
        const reassembly = new TcpReassembly(registry);
        packets.forEach((p, index) => {
          const key = `${file}#${index + 1}`;
          const timestamp = tsharkTime(p.tshark);
          const ours = reassembly.dissect(p.data, {
            first: { table: LINK_TABLE, key: p.linkType },
            originalLength: p.originalLength,
            number: index + 1,
            ...(timestamp === undefined ? {} : { frame: { timestamp } }),
          });
          if (!p.tshark || TSHARK_WRONG[key]) return;
          const theirs = flattenTshark(p.tshark);
          const oursHasBgp = ours.layers.some((n) => n.field === 'bgp');
          if (oursHasBgp !== 'bgp' in p.tshark)
            presence[key] = BGP_ONLY_IN_TSHARK[key] ?? (oursHasBgp ? 'ours only' : 'tshark only');
          if (!oursHasBgp) return;
          frames++;
          const stopEarly = tsharkFlagsMalformed(p.tshark, theirs);
          if (!stopEarly && ours.malformed?.layer === 'bgp') weReject[key] = ours.malformed.message;
          const result = compareFields(flattenDissection(ours.layers, NOT_OURS), theirs, {
            allowMissing: new Set(),
            theirsStopEarly: stopEarly,
            // Our TCP layer keeps no stream state: only the reassembly's own fields are compared.
            skip: (field) => field.startsWith('tcp.') && !/^tcp\.(segment|segments|reassembled)/.test(field),
            comparedByField: byField,
          });
          compared += result.compared;
          for (const m of result.mismatches) mismatches.push({ ...m, frame: key });
        });
      }
      console.log(
        `bgp agreement with reassembly: ${captures.length} captures, ${frames} frames with bgp, ${compared} values compared over ${byField.size} fields, ${mismatches.length} mismatches`,
      );
      expect(mismatches.slice(0, 30)).toEqual([]);
      expect(weReject).toEqual(WE_REJECT_TSHARK_ACCEPTS);
      // bgp shown in exactly the frames where tshark shows it, the 5 of TSHARK_HANDS_TO_NO_DISSECTOR included.
      expect(presence).toEqual(BGP_ONLY_IN_TSHARK);
      expect(Object.keys(TSHARK_HANDS_TO_NO_DISSECTOR).length).toBe(5);
      expect(compared).toBeGreaterThanOrEqual(5326);
    },
  );
});
