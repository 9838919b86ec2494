import {
  type BgpMessage,
  type BgpSession,
  bgpDissectors,
  buildUpdate,
  community,
  encodeMessage,
  hardResetNotification,
  shutdownNotification,
} from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { composeDissectors, dissect, LINK_TABLE, parseBytes, parseIpv6 } from '@cnikit/wire';
import { describe, expect } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { tsharkDecode } from '../../ethernet/test/fixtures/synthetic-pcap.js';
import { itWithTool } from '../../wire/test/tools.js';

const RAW_IP = 101;

/** A raw IPv4 + TCP frame from 192.0.2.1:sport to 192.0.2.2:179 carrying `payload`. */
function frame(payload: Uint8Array, sport: number): Uint8Array {
  const f = new Uint8Array(40 + payload.length);
  f.set([
    0x45,
    0,
    (f.length >> 8) & 255,
    f.length & 255,
    0,
    1,
    0x40,
    0,
    64,
    6,
    0,
    0,
    192,
    0,
    2,
    1,
    192,
    0,
    2,
    2,
  ]);
  f.set([sport >> 8, sport & 255, 0, 179, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0], 20);
  f.set(payload, 40);
  return f;
}

const rd = parseBytes('00 00 fd e8 00 00 00 64');
const esi = parseBytes('00 11 22 33 44 55 66 77 88 99');
const zeroEsi = new Uint8Array(10);
const mac = parseBytes('02 00 00 00 00 01');
const vxlanEncap = { kind: 'encapsulation' as const, type: 3, subtype: 0x0c, tunnelType: 8 };

const MESSAGES: { name: string; m: BgpMessage; session?: BgpSession }[] = [
  {
    name: 'OPEN with every capability',
    m: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpId: 0xc0000201,
      parameters: [
        {
          kind: 'capabilities',
          capabilities: [
            { kind: 'multiprotocol', afi: 1, safi: 1 },
            { kind: 'multiprotocol', afi: 2, safi: 1 },
            { kind: 'multiprotocol', afi: 25, safi: 70 },
            { kind: 'route-refresh' },
            { kind: 'route-refresh-old' },
            { kind: 'enhanced-route-refresh' },
            { kind: 'extended-message' },
            { kind: 'four-octet-as', asn: 4200000001 },
            { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
            {
              kind: 'graceful-restart',
              restartFlags: 8,
              restartTime: 120,
              families: [{ afi: 1, safi: 1, flags: 0x80 }],
            },
            {
              kind: 'long-lived-graceful-restart',
              families: [{ afi: 1, safi: 1, flags: 0, staleTime: 3600 }],
            },
            { kind: 'fqdn', hostname: 'node-1', domain: 'cluster.local' },
            { kind: 'role', role: 3 },
            { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
          ],
        },
      ],
    },
  },
  {
    name: 'IPv4 UPDATE with every common attribute',
    m: {
      type: 'update',
      withdrawn: [{ kind: 'prefix', prefix: { family: 4, address: 0xc6336400, length: 24 } }],
      attributes: [
        { kind: 'origin', origin: 1 },
        {
          kind: 'as-path',
          segments: [
            { type: 2, asns: [65001, 4200000001] },
            { type: 1, asns: [65010, 65011] },
          ],
        },
        { kind: 'next-hop', nextHop: 0xc0000201 },
        { kind: 'med', med: 7 },
        { kind: 'local-pref', localPref: 200 },
        { kind: 'atomic-aggregate' },
        { kind: 'aggregator', asn: 4200000001, address: 0xc0000209 },
        { kind: 'communities', communities: [community(65001, 100), 0xffffff01] },
        { kind: 'originator-id', originatorId: 0x0a000001 },
        { kind: 'cluster-list', clusterIds: [0x0a000002, 0x0a000003] },
        {
          kind: 'extended-communities',
          communities: [
            { kind: 'route-target', type: 0, subtype: 2, global: 65001, local: 100 },
            { kind: 'route-target', type: 1, subtype: 2, global: 0xc0000201, local: 7 },
            { kind: 'route-target', type: 2, subtype: 2, global: 4200000001, local: 8 },
            { kind: 'route-origin', type: 0, subtype: 3, global: 65001, local: 9 },
            { kind: 'link-bandwidth', type: 0x40, subtype: 4, asn: 65001, bandwidth: 1250000 },
          ],
        },
        { kind: 'large-communities', communities: [{ global: 65001, local1: 1, local2: 2 }] },
        { kind: 'aigp', tlvs: [{ type: 1, value: parseBytes('00 00 00 00 00 00 03 e8') }] },
        { kind: 'otc', asn: 65001 },
      ],
      nlri: [
        { kind: 'prefix', prefix: { family: 4, address: 0x0a010100, length: 24 } },
        { kind: 'prefix', prefix: { family: 4, address: 0x0a020000, length: 16 } },
      ],
    },
  },
  {
    name: 'IPv6 MP_REACH with a link-local next hop, MP_UNREACH',
    m: {
      type: 'update',
      withdrawn: [],
      attributes: [
        { kind: 'origin', origin: 0 },
        { kind: 'as-path', segments: [{ type: 2, asns: [65001] }] },
        {
          kind: 'mp-reach',
          afi: 2,
          safi: 1,
          nextHop: new Uint8Array([...parseIpv6('2001:db8::1'), ...parseIpv6('fe80::1')]),
          nlri: [{ kind: 'prefix', prefix: { family: 6, address: parseIpv6('2001:db8:1::'), length: 48 } }],
        },
        {
          kind: 'mp-unreach',
          afi: 2,
          safi: 1,
          withdrawn: [
            { kind: 'prefix', prefix: { family: 6, address: parseIpv6('2001:db8:2::'), length: 64 } },
          ],
        },
      ],
      nlri: [],
    },
  },
  {
    // Path identifiers as GoBGP and FRR send them: 0.0.0.5 before a /48 does not read as prefixes.
    name: 'IPv6 MP_REACH and MP_UNREACH with ADD-PATH path identifiers',
    session: { addPath: [{ afi: 2, safi: 1, direction: 'both' }] },
    m: {
      type: 'update',
      withdrawn: [],
      attributes: [
        { kind: 'origin', origin: 0 },
        { kind: 'as-path', segments: [] },
        { kind: 'local-pref', localPref: 250 },
        {
          kind: 'mp-reach',
          afi: 2,
          safi: 1,
          nextHop: parseIpv6('fd02::3'),
          nlri: [
            { kind: 'prefix', pathId: 5, prefix: { family: 6, address: parseIpv6('fd10:2::'), length: 48 } },
            { kind: 'prefix', pathId: 7, prefix: { family: 6, address: parseIpv6('fd30:1::'), length: 48 } },
          ],
        },
        {
          kind: 'mp-unreach',
          afi: 2,
          safi: 1,
          withdrawn: [
            { kind: 'prefix', pathId: 1, prefix: { family: 6, address: parseIpv6('fd20:2::'), length: 48 } },
          ],
        },
      ],
      nlri: [],
    },
  },
  {
    name: 'EVPN routes 1-5 with VXLAN encapsulation and PMSI ingress replication',
    m: {
      type: 'update',
      withdrawn: [],
      attributes: [
        { kind: 'origin', origin: 0 },
        { kind: 'as-path', segments: [] },
        {
          kind: 'mp-reach',
          afi: 25,
          safi: 70,
          nextHop: parseBytes('c0 00 02 01'),
          nlri: [
            { kind: 'evpn', route: { routeType: 1, rd, esi, ethernetTag: 0, label: 100 } },
            {
              kind: 'evpn',
              route: {
                routeType: 2,
                rd,
                esi: zeroEsi,
                ethernetTag: 0,
                mac,
                ip: new Uint8Array(0),
                label: 100,
              },
            },
            {
              kind: 'evpn',
              route: {
                routeType: 2,
                rd,
                esi: zeroEsi,
                ethernetTag: 0,
                mac,
                ip: parseBytes('0a 00 00 05'),
                label: 100,
                label2: 5000,
              },
            },
            {
              kind: 'evpn',
              route: { routeType: 3, rd, ethernetTag: 0, originatorIp: parseBytes('c0 00 02 01') },
            },
            { kind: 'evpn', route: { routeType: 4, rd, esi, originatorIp: parseBytes('c0 00 02 01') } },
            {
              kind: 'evpn',
              route: {
                routeType: 5,
                rd,
                esi: zeroEsi,
                ethernetTag: 0,
                prefixLength: 24,
                prefix: parseBytes('0a 01 01 00'),
                gateway: new Uint8Array(4),
                label: 5000,
              },
            },
          ],
        },
        {
          kind: 'extended-communities',
          communities: [
            vxlanEncap,
            { kind: 'router-mac', type: 6, subtype: 3, mac },
            { kind: 'mac-mobility', type: 6, subtype: 0, flags: 1, sequence: 3 },
          ],
        },
        {
          kind: 'pmsi-tunnel',
          tunnelFlags: 0,
          tunnelType: 6,
          label: 100,
          tunnelId: parseBytes('c0 00 02 01'),
        },
      ],
      nlri: [],
    },
  },
  {
    name: 'labelled unicast with two labels',
    m: {
      type: 'update',
      withdrawn: [],
      attributes: [
        { kind: 'origin', origin: 0 },
        { kind: 'as-path', segments: [{ type: 2, asns: [65001] }] },
        {
          kind: 'mp-reach',
          afi: 1,
          safi: 4,
          nextHop: parseBytes('c0 00 02 01'),
          nlri: [
            {
              kind: 'prefix',
              prefix: { family: 4, address: 0x0a030000, length: 16 },
              labels: [16000 << 4, (16001 << 4) | 1],
            },
          ],
        },
      ],
      nlri: [],
    },
  },
  {
    name: 'AS4_PATH and AS4_AGGREGATOR on a 2-octet session',
    session: { fourOctetAs: false },
    m: {
      type: 'update',
      withdrawn: [],
      attributes: [
        { kind: 'origin', origin: 2 },
        { kind: 'as-path', segments: [{ type: 2, asns: [65001, 23456] }] },
        { kind: 'next-hop', nextHop: 0xc0000201 },
        { kind: 'aggregator', asn: 23456, address: 0xc0000201 },
        { kind: 'as4-path', segments: [{ type: 2, asns: [65001, 4200000001] }] },
        { kind: 'as4-aggregator', asn: 4200000001, address: 0xc0000201 },
      ],
      nlri: [{ kind: 'prefix', prefix: { family: 4, address: 0x0a040000, length: 16 } }],
    },
  },
  {
    name: 'NOTIFICATION OPEN / Bad Peer AS',
    m: { type: 'notification', code: 2, subcode: 2, data: parseBytes('fd e8') },
  },
  {
    name: 'NOTIFICATION UPDATE / Attribute Length Error',
    m: { type: 'notification', code: 3, subcode: 5, data: parseBytes('40 01 02 00 00') },
  },
  { name: 'NOTIFICATION Cease / Shutdown with a communication', m: shutdownNotification('maintenance') },
  {
    name: 'NOTIFICATION Cease / Hard Reset',
    m: hardResetNotification({ type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) }),
  },
  {
    name: 'ROUTE-REFRESH BoRR',
    m: { type: 'route-refresh', afi: 2, subtype: 1, safi: 1, data: new Uint8Array(0) },
  },
  { name: 'KEEPALIVE', m: { type: 'keepalive' } },
  {
    name: 'End-of-RIB and an UPDATE built by buildUpdate in one segment',
    m: buildUpdate(['10.9.0.0/16'], {
      nextHop: '192.0.2.1',
      asPath: [65001],
      communities: [community(65001, 1)],
    }),
  },
];

/** Known disagreements, each with its reason; anything else is a failure. */
const KNOWN: Record<string, string> = {};

describe('bgp dissector vs live tshark on messages the corpus lacks', () => {
  itWithTool('tshark', ['-v'])('every value we emit equals tshark’s', () => {
    const frames = MESSAGES.map(({ m, session }, i) => frame(encodeMessage(m, session ?? {}), 40000 + i));
    const tshark = tsharkDecode(
      frames,
      ['-o', 'tcp.desegment_tcp_streams:FALSE', '-o', 'tcp.analyze_sequence_numbers:FALSE'],
      RAW_IP,
    );
    const registry = composeDissectors(ethernetDissectors, bgpDissectors);
    const mismatches: (FieldMismatch & { name: string })[] = [];
    let compared = 0;
    const fields = new Map<string, number>();
    MESSAGES.forEach(({ name }, i) => {
      const ours = dissect(registry, frames[i], { table: LINK_TABLE, key: RAW_IP });
      expect(ours.malformed, name).toBeUndefined();
      const theirs = flattenTshark(tshark[i]);
      expect(tsharkFlagsMalformed(tshark[i], theirs), name).toBe(false);
      const r = compareFields(flattenDissection(ours.layers, new Set(['raw', 'ip', 'tcp'])), theirs, {
        allowMissing: new Set(),
        theirsStopEarly: false,
        comparedByField: fields,
      });
      compared += r.compared;
      for (const m of r.mismatches) if (!KNOWN[`${name}: ${m.field}`]) mismatches.push({ ...m, name });
    });
    console.log(
      `bgp synthetic: ${MESSAGES.length} messages, ${compared} values compared over ${fields.size} fields`,
    );
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(687);
    for (const field of [
      'bgp.cap.enh.nhafi',
      'bgp.update.path_attribute.aggregator_as',
      'bgp.update.path_attribute.community_wellknown',
      'bgp.path_attribute.cluster_id',
      'bgp.ext_com.value_as4',
      'bgp.ext_com.value_link_bw',
      'bgp.mp_reach_nlri_ipv6_prefix',
      'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local',
      'bgp.mp_unreach_nlri_ipv6_prefix',
      'bgp.nlri_path_id',
      'bgp.evpn.nlri.mpls_ls2',
      'bgp.evpn.nlri.ipv4.gtw_addr',
      'bgp.update.path_attribute.pmsi.ingress_rep_ip',
      'bgp.ext_com_evpn.mmac.seq',
      'bgp.label_stack',
      'bgp.update.path_attribute.as_path_segment.as2',
      'bgp.notify.error_open.bad_peer_as',
      'bgp.notify.communication',
      'bgp.route_refresh.subtype',
    ]) {
      expect(fields.get(field) ?? 0, field).toBeGreaterThan(0);
    }
  });
});
