// The cnikit tour: dissect a few frames of real traffic, then build a frame and take it apart again.
// Run with `npm start` (which builds the packages first).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEthernet, encodeIpv4, encodeUdp, ethernetDissectors, FrameDecoder } from '@cnikit/ethernet';
import { readCapture, timestampToDate } from '@cnikit/pcap';
import {
  annotatedHexdump,
  composeDissectors,
  dissect,
  formatIpv4,
  formatTree,
  LINK_TABLE,
  parseIpv4,
  parseMac,
} from '@cnikit/wire';

const here = dirname(fileURLToPath(import.meta.url));
const registry = composeDissectors(ethernetDissectors, ...(await optionalDissectors()));

/** VXLAN plugs in when its package is built: the tour, like the CLI, only composes sets. */
async function optionalDissectors() {
  try {
    const vxlan = await import('@cnikit/vxlan');
    // flannel's port as well as IANA's, as `tshark -d udp.port==8472,vxlan` would.
    return vxlan.vxlanDissectorsForPorts ? [vxlan.vxlanDissectorsForPorts([4789, 8472])] : [];
  } catch {
    return [];
  }
}

function heading(text) {
  console.log(`\n${'━'.repeat(78)}\n${text}\n${'━'.repeat(78)}`);
}

function show(bytes, linkType, title) {
  heading(title);
  const result = dissect(registry, bytes, { table: LINK_TABLE, key: linkType });
  process.stdout.write(formatTree(result.layers));
  if (result.malformed) console.log(`[Malformed: ${result.malformed.message}]`);
  console.log('');
  process.stdout.write(annotatedHexdump(bytes, result.layers));
}

/** A capture timestamp (ns since the epoch) as UTC text, to the nanosecond. */
function utc(ns) {
  return `${timestampToDate(ns).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** Dissects the chosen frames (1-based) of a capture file, saying when and where each was captured. */
function showFrames(path, frames) {
  const capture = readCapture(readFileSync(path));
  const packets = capture.packets();
  for (const [number, what] of frames) {
    const packet = packets[number - 1];
    if (!packet) continue;
    const iface =
      capture.format === 'pcapng'
        ? `, interface ${capture.interfaces[packet.interfaceIndex]?.name ?? packet.interfaceIndex}`
        : '';
    show(
      packet.data,
      packet.linkType,
      `${basename(path)}, frame ${number} (${utc(packet.timestamp)}${iface}): ${what}`,
    );
  }
}

// Captures recorded by this repository in network namespaces (examples/captures/README.md).
const own = join(here, 'captures');
showFrames(join(own, 'flannel-vxlan-8472.pcap'), [
  [3, 'flannel VXLAN on UDP 8472: node 1 asks for the peer VTEP, an ARP request inside the tunnel'],
  [
    5,
    'pod 10.244.1.2 pings pod 10.244.2.2 through the tunnel: Ethernet / IPv4 / UDP / VXLAN / Ethernet / IPv4 / ICMP',
  ],
]);
showFrames(join(own, 'tcp-handshake.pcap'), [
  [1, 'TCP SYN as Linux sends it: MSS, SACK permitted, timestamps, window scale'],
]);
showFrames(join(own, 'ipv6-neighbour-discovery.pcap'), [
  [
    14,
    'IPv6 neighbour solicitation to the solicited-node multicast address, with the source link-layer option',
  ],
]);
showFrames(join(own, 'two-interfaces-ns.pcapng'), [
  [6, "pcapng, nanosecond timestamps: the forwarded ping on the router's second interface, TTL one lower"],
]);

// A bigger corpus, when you have one: CNIKIT_CORPUS=/path/to/corpus (with a pcap/ folder).
const corpus = process.env.CNIKIT_CORPUS;
const corpusCaptures = [
  ['802.1ad_QinQ.pcap', 1, 'ARP inside two VLAN tags (802.1ad outer, 802.1Q inner)'],
  ['IGMP_V2.pcap', 1, 'IPv4 with a Router Alert option'],
  ['dns_tcp.pcap', 1, 'TCP handshake: SYN with MSS, SACK-permitted, timestamps, window scale'],
  ['vxlan.pcap', 1, 'VXLAN: an Ethernet frame inside UDP inside Ethernet'],
];
if (corpus && existsSync(join(corpus, 'pcap'))) {
  for (const [file, frameNumber, what] of corpusCaptures) {
    const path = join(corpus, 'pcap', file);
    if (existsSync(path)) showFrames(path, [[frameNumber, what]]);
  }
}

// Build a pod-to-pod UDP frame from plain objects; writers fill in lengths and checksums.
const ip = { family: 4, src: parseIpv4('10.244.1.2'), dst: parseIpv4('10.244.2.3') };
const udp = encodeUdp(
  { srcPort: 40000, dstPort: 53, payload: new TextEncoder().encode('hello, pod') },
  { ip },
);
const packet = encodeIpv4({
  dscp: 0,
  ecn: 0,
  identification: 0x1234,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 17,
  src: ip.src,
  dst: ip.dst,
  options: [],
  payload: udp,
});
const frame = encodeEthernet({
  dst: parseMac('0a:58:0a:f4:02:03'),
  src: parseMac('0a:58:0a:f4:01:02'),
  etherType: 0x0800,
  payload: packet,
});
show(frame, 1, 'A frame we built: Ethernet / IPv4 / UDP, checksums computed by the writers');

const decoder = new FrameDecoder();
decoder.decode(frame);
console.log(
  `\nFrameDecoder (no allocation per frame): ${decoder.layers.slice(0, decoder.layerCount).join(' / ')}, ` +
    `to ${formatIpv4(decoder.ipv4.dst)}:${decoder.udp.dstPort}, IPv4 checksum ${decoder.ipv4.verifyChecksum() ? 'good' : 'bad'}, ` +
    `UDP checksum ${decoder.udp.checksumStatus(ip)}`,
);
