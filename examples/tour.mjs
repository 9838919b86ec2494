// The cnikit tour: dissect a few real captures, then build a frame and take it apart again.
// Run with `npm start` (which builds the packages first).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEthernet, encodeIpv4, encodeUdp, ethernetDissectors, FrameDecoder } from '@cnikit/ethernet';
import { readCapture } from '@cnikit/pcap';
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
const corpus = process.env.CNIKIT_CORPUS ?? resolve(here, '../../shared/corpus');
const registry = composeDissectors(ethernetDissectors, ...(await optionalDissectors()));

/** VXLAN plugs in when its package is built: the tour, like the CLI, only composes sets. */
async function optionalDissectors() {
  try {
    const vxlan = await import('@cnikit/vxlan');
    return vxlan.vxlanDissectors ? [vxlan.vxlanDissectors] : [];
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

const captures = [
  ['802.1ad_QinQ.pcap', 1, 'ARP inside two VLAN tags (802.1ad outer, 802.1Q inner)'],
  ['IGMP_V2.pcap', 1, 'IPv4 with a Router Alert option'],
  ['dns_tcp.pcap', 1, 'TCP handshake: SYN with MSS, SACK-permitted, timestamps, window scale'],
  ['vxlan.pcap', 1, 'VXLAN: an Ethernet frame inside UDP inside Ethernet'],
];

if (!existsSync(join(corpus, 'pcap'))) {
  console.log(`(no capture corpus at ${corpus}; set CNIKIT_CORPUS to dissect real captures)`);
} else {
  for (const [file, frameNumber, what] of captures) {
    const path = join(corpus, 'pcap', file);
    if (!existsSync(path)) continue;
    let n = 0;
    for (const packet of readCapture(readFileSync(path))) {
      if (++n !== frameNumber) continue;
      show(packet.data, packet.linkType, `${file}, frame ${n}: ${what}`);
      break;
    }
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
