import { bgpDissectors } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors } from '@cnikit/pcap';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { announceCorpusBlocker, bgpCorpusFrames } from './corpus-frames.js';
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
 * Frames tshark decodes without complaint that we reject, each with the reason. Both are payloads
 * that start inside a message another segment began: tshark reassembles the TCP stream and shows the
 * message in this frame; our dissector sees one segment at a time (reassembly is not done).
 */
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
