import { bgpDissectors, bgpFields } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors } from '@cnikit/pcap';
import { composeDissectors, dissect, LINK_TABLE, walkNodes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { flattenTshark } from '../../../test/support/corpus.js';
import { announceCorpusBlocker, bgpCorpusFrames } from './corpus-frames.js';

/** Every bgp.* field tshark shows on the corpus that we never emit, with why. */
const TSHARK_ONLY: Record<string, string> = {
  'bgp.attr.aigp.type': 'tshark expert note (no value), about bytes we show or reject: unknown AIGP TLV type',
  'bgp.cap.gr.helper_mode_only':
    'tshark expert note (no value), about bytes we show or reject: graceful restart without families',
  'bgp.cap.length.bad':
    'tshark expert note (no value), about bytes we show or reject: capability length wrong (we throw)',
  'bgp.continuation':
    'no value (FT_NONE): bytes before the first marker of a segment that continues no message; dissectBgp sees one segment and rejects them, TcpReassembly shows them through bgpPduFraming.continuation (corpus-agreement.test.ts, with reassembly)',
  'bgp.evpn.no_ip':
    'tshark expert note (no value), about bytes we show or reject: MAC/IP route without an IP address',
  'bgp.length.invalid':
    'tshark expert note (no value), about bytes we show or reject: attribute or message length wrong (we throw)',
  'bgp.marker_invalid':
    'tshark expert note (no value), about bytes we show or reject: marker not all ones (we throw)',
  'bgp.next_hop.rd.nonzero':
    'tshark expert note (no value), about bytes we show or reject: VPN next hop with a non-zero route distinguisher',
  'bgp.prefix_length.invalid':
    'tshark expert note (no value), about bytes we show or reject: prefix length over the family maximum (we throw)',
  'bgp.unknown_afi': 'tshark expert note (no value), about bytes we show or reject: unknown AFI',
  'bgp.open.opt.param.unknown':
    'tshark expert note (no value), about bytes we show or reject: unknown optional parameter',
  'bgp.update.path_attributes.unknown':
    'tshark expert note (no value), about bytes we show or reject: unknown path attribute',
  'bgp.route_refresh.orf.type.unknown':
    'tshark expert note (no value), about bytes we show or reject: unknown ORF type',
  'bgp.mp_unreach_nlri_ipv6_prefix':
    'only in bgp-addpath.pcap, which tshark flags malformed: its UPDATE has a path attribute of length 0 (attribute 3), where we stop and show the message’s fields before its path attributes only',
  'bgp.open.opt.param.auth':
    'only in bgp-extended-optional-parameters-length.pcapng, which tshark 4.0.17 misreads (it predates RFC 9072): left out of the comparison',
  'bgp.rd':
    'a family or attribute we keep raw (not in issue #9): the route distinguisher of MPLS VPN NLRI (SAFI 128)',
  'bgp.mcast_vpn_nlri': 'a family or attribute we keep raw (not in issue #9): MCAST-VPN NLRI (SAFI 5)',
  'bgp.mcast_vpn_nlri_length': 'a family or attribute we keep raw (not in issue #9): MCAST-VPN NLRI (SAFI 5)',
  'bgp.mcast_vpn_nlri_route_type':
    'a family or attribute we keep raw (not in issue #9): MCAST-VPN NLRI (SAFI 5)',
  'bgp.community_prefix':
    'a family or attribute we keep raw (not in issue #9): route target constraint NLRI (SAFI 132)',
  'bgp.originating_as':
    'a family or attribute we keep raw (not in issue #9): route target constraint NLRI (SAFI 132)',
  'bgp.update.path_attribute.attr_set.origin_as':
    'a family or attribute we keep raw (not in issue #9): ATTR_SET (type 128, RFC 6368)',
  'bgp.update.path_attribute.bgpsec.sb.algo_id':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.sb.length':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.sp.length':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.sps.as':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.sps.flags':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.sps.pcount':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.ss.length':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.ss.sig':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.bgpsec.ss.ski':
    'a family or attribute we keep raw (not in issue #9): BGPsec_PATH (type 33, RFC 8205)',
  'bgp.update.path_attribute.mp_reach_nlri.snpa':
    'a family or attribute we keep raw (not in issue #9): RFC 2858 SNPAs (a non-zero reserved octet is kept as a number)',
  'bgp.update.path_attribute.mp_reach_nlri.snpa_length':
    'a family or attribute we keep raw (not in issue #9): RFC 2858 SNPAs',
  'bgp.update.path_attribute.mpls_label_value_20bits':
    'the PMSI tunnel label: not shown yet (the codec has it as PmsiTunnel.label); only in a malformed frame',
  'bgp.update.path_attribute.pmsi.rsvp.ext_tunnel_idv4':
    'a family or attribute we keep raw (not in issue #9): PMSI tunnel identifier of RSVP-TE P2MP tunnels (type 1)',
  'bgp.update.path_attribute.pmsi.rsvp.id':
    'a family or attribute we keep raw (not in issue #9): PMSI tunnel identifier of RSVP-TE P2MP tunnels (type 1)',
  'bgp.update.path_attribute.pmsi.rsvp.tunnel_id':
    'a family or attribute we keep raw (not in issue #9): PMSI tunnel identifier of RSVP-TE P2MP tunnels (type 1)',
  'bgp.ext_com.stype_unknown':
    'a family or attribute we keep raw (not in issue #9): extended community types we do not decode',
  'bgp.ext_com.value_raw':
    'a family or attribute we keep raw (not in issue #9): extended community types we do not decode',
  'bgp.route_refresh.orf.flag':
    'a family or attribute we keep raw (not in issue #9): RFC 5291 ORF entries of a ROUTE-REFRESH (RouteRefreshMessage.data)',
  'bgp.route_refresh.orf.length':
    'a family or attribute we keep raw (not in issue #9): RFC 5291 ORF entries of a ROUTE-REFRESH',
  'bgp.route_refresh.orf.type':
    'a family or attribute we keep raw (not in issue #9): RFC 5291 ORF entries of a ROUTE-REFRESH',
};

describe('bgp dissector coverage of tshark’s fields on the corpus', () => {
  const frames = bgpCorpusFrames();
  announceCorpusBlocker(frames.length);

  it.skipIf(frames.length === 0)(
    'each bgp.* field tshark shows is emitted by us or listed with its reason',
    () => {
      const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, bgpDissectors);
      const ours = new Set<string>();
      const theirs = new Map<string, string>();
      for (const frame of frames) {
        const d = dissect(
          registry,
          frame.data,
          { table: LINK_TABLE, key: frame.linkType },
          0,
          frame.data.length,
          frame.originalLength,
        );
        for (const n of walkNodes(d.layers)) ours.add(n.field);
        if (!frame.tshark) continue;
        for (const field of flattenTshark(frame.tshark).keys()) {
          if (field.startsWith('bgp.') && !theirs.has(field))
            theirs.set(field, `${frame.file}#${frame.frame}`);
        }
      }
      const missing = Object.fromEntries(
        [...theirs].filter(([f]) => !ours.has(f)).map(([f, where]) => [f, where]),
      );
      console.log(
        `bgp coverage: tshark shows ${theirs.size} bgp.* fields, we emit ${[...theirs.keys()].filter((f) => ours.has(f)).length} of them`,
      );
      expect(Object.keys(missing).sort()).toEqual(Object.keys(TSHARK_ONLY).sort());
      // Every field we emit is described (type, value names) for the CLI's JSON and filters.
      expect([...ours].filter((f) => (f === 'bgp' || f.startsWith('bgp.')) && !bgpFields[f])).toEqual([]);
    },
  );
});
