import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethernetDissectors } from '@cnikit/ethernet';
import { formatEpochTime, readCapture } from '@cnikit/pcap';
import { vxlanDissectorsForPorts } from '@cnikit/vxlan';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { expect } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  LINK_TRAILER_FIELDS,
  loadTsharkPackets,
  missingFields,
  REPO_ROOT,
  statefulTcpFields,
  tsharkFlagsMalformed,
} from '../../test/support/corpus.js';

// The captures recorded by scripts/record-captures.mjs, checked against the tshark 4.0.17 decode
// committed beside each, so every clone checks agreement on real traffic without tshark or the
// shared corpus.
export const CAPTURES_DIR = join(REPO_ROOT, 'examples/captures');

/**
 * Each capture, its packets, tshark's protocol path of every packet (frame.protocols without
 * Wireshark's `ethertype` pseudo-layer, run-length: [path, how many in a row]), and at least how
 * many field values are compared (the count when the floors were set; a decoder that rejects or
 * stops early compares fewer).
 */
export const CAPTURES = [
  {
    file: 'flannel-vxlan-8472.pcap',
    paths: [
      ['eth:arp', 2],
      ['eth:ip:udp:vxlan:eth:arp', 2],
      ['eth:ip:udp:vxlan:eth:ip:icmp', 6],
    ],
    compared: 762,
  },
  {
    file: 'ipv6-neighbour-discovery.pcap',
    paths: [['eth:ipv6:icmpv6', 19]],
    compared: 841,
  },
  {
    file: 'tcp-handshake.pcap',
    paths: [['eth:ip:tcp', 10]],
    compared: 710,
  },
  {
    file: 'two-interfaces-ns.pcapng',
    paths: [
      ['eth:arp', 2],
      ['eth:ip:icmp', 1],
      ['eth:arp', 2],
      ['eth:ip:icmp', 7],
    ],
    compared: 440,
  },
] as const;

/** One field of each layer the captures carry: each must be compared in some packet. */
export const SENTINELS = [
  'eth.dst',
  'arp.opcode',
  'ip.ttl',
  'ipv6.hlim',
  'ipv6.hopopts.nxt',
  'udp.dstport',
  'vxlan.vni',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.flags.fin',
  'icmp.type',
  'icmpv6.type',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.mldr.nb_mcast_records',
];

const registry = composeDissectors(ethernetDissectors, vxlanDissectorsForPorts([4789, 8472]));

export interface CaptureReport {
  packets: number;
  /** tshark's frame.time_epoch, frame.len, frame.cap_len and frame.interface_id, equal to the reader's. */
  frameFacts: number;
  paths: string[];
  compared: number;
  tsharkMalformed: number;
  weThrowTsharkDoesNot: string[];
  mismatches: (FieldMismatch & { frame: number })[];
}

/** Compares one capture in `dir` with the tshark JSON beside it; adds compared values per field to `byField`. */
export function check(file: string, dir = CAPTURES_DIR, byField = new Map<string, number>()): CaptureReport {
  const packets = readCapture(new Uint8Array(readFileSync(join(dir, file)))).packets();
  const tshark = loadTsharkPackets(join(dir, `${file}.json.gz`));
  const report: CaptureReport = {
    packets: packets.length,
    frameFacts: 0,
    paths: [],
    compared: 0,
    tsharkMalformed: 0,
    weThrowTsharkDoesNot: [],
    mismatches: [],
  };
  expect(packets.length, `${file}: packets read vs tshark frames`).toBe(tshark.length);
  packets.forEach((packet, i) => {
    const theirLayers = tshark[i];
    const frame = theirLayers.frame as Record<string, string>;
    const facts = (f: Record<string, string | undefined>) => [
      f['frame.time_epoch'],
      f['frame.len'],
      f['frame.cap_len'],
      f['frame.interface_id'],
    ];
    expect(
      facts({
        'frame.time_epoch': formatEpochTime(packet.timestamp),
        'frame.len': String(packet.originalLength),
        'frame.cap_len': String(packet.captureLength),
        'frame.interface_id': file.endsWith('.pcapng') ? String(packet.interfaceIndex) : undefined,
      }),
      `${file}#${i + 1} frame facts`,
    ).toEqual(facts(frame));
    report.frameFacts += file.endsWith('.pcapng') ? 4 : 3;
    const ours = dissect(
      registry,
      packet.data,
      { table: LINK_TABLE, key: packet.linkType },
      0,
      packet.data.length,
      packet.originalLength,
    );
    // Wireshark lists an `ethertype` pseudo-layer and IPv6 extension headers as layers of their
    // own (`ipv6.hopopts`); they are fields of eth/ipv6 here. Where undissected bytes are a
    // layer differs too (tshark: tcp.payload, `data` under icmpv6; here the reverse), so a
    // trailing `data` is left out of both paths; data.len is compared as a field.
    const theirPath = frame['frame.protocols']
      .split(':')
      .filter((l) => l !== 'ethertype' && !l.startsWith('ipv6.'))
      .join(':')
      .replace(/:data$/, '');
    report.paths.push(theirPath);
    const ourPath = ours.layers
      .map((l) => l.field)
      .join(':')
      .replace(/:data$/, '');
    expect(ourPath, `${file}#${i + 1}: our layers vs tshark's frame.protocols`).toBe(theirPath);
    const theirs = flattenTshark(theirLayers);
    const theirsStopEarly = tsharkFlagsMalformed(theirLayers, theirs);
    if (theirsStopEarly) report.tsharkMalformed++;
    else if (ours.malformed) report.weThrowTsharkDoesNot.push(`${file}#${i + 1}: ${ours.malformed.message}`);
    const oursFlat = flattenDissection(ours.layers);
    const result = compareFields(oursFlat, theirs, {
      allowMissing: new Set(),
      theirsStopEarly,
      skip: statefulTcpFields(theirs),
      comparedByField: byField,
    });
    report.compared += result.compared;
    const missing = missingFields(oursFlat, theirs, LINK_TRAILER_FIELDS);
    for (const m of [...result.mismatches, ...missing]) report.mismatches.push({ ...m, frame: i + 1 });
  });
  return report;
}

/** [path, n] runs of equal consecutive paths. */
export function runs(paths: readonly string[]): [string, number][] {
  const out: [string, number][] = [];
  for (const p of paths) {
    const last = out[out.length - 1];
    if (last && last[0] === p) last[1]++;
    else out.push([p, 1]);
  }
  return out;
}
