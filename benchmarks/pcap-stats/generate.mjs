import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture, writePcapFileHeader, writePcapRecord } from '@cnikit/pcap';

/**
 * Corpus captures whose Ethernet packets are the templates: VXLAN overlay traffic (ICMP, ARP),
 * AFS over UDP (real traffic, ~850-byte packets), IPv6/ICMPv6 + DHCP + LLDP, TCP.
 */
const TEMPLATE_FILES = ['vxlan.pcap', 'afs.pcap', 'dcb_ets.pcap', 'print-flags.pcap'];

/** Every packet of the template files, as byte arrays. */
export function loadTemplates(corpusDir) {
  const templates = [];
  for (const file of TEMPLATE_FILES) {
    for (const p of readCapture(readFileSync(join(corpusDir, 'pcap', file)))) {
      if (p.linkType === 1) templates.push(p.data.slice());
    }
  }
  return templates;
}

/**
 * Writes a pcap of at least `bytes` bytes to `path`, cycling through the templates with
 * timestamps 10 µs apart. Resolves to the number of packets written.
 */
export async function generateCapture(path, bytes, templates) {
  const out = createWriteStream(path);
  const chunk = new Uint8Array(4 * 1024 * 1024);
  let at = writePcapFileHeader({ linkType: 1 }, chunk, 0);
  let written = 0;
  let packets = 0;
  let timestamp = 1_700_000_000_000_000_000n;
  const flush = async () => {
    if (!out.write(chunk.slice(0, at))) await new Promise((resolve) => out.once('drain', resolve));
    written += at;
    at = 0;
  };
  while (written + at < bytes) {
    const data = templates[packets % templates.length];
    if (at + 16 + data.length > chunk.length) await flush();
    at += writePcapRecord({ data, timestamp }, { linkType: 1 }, chunk, at);
    timestamp += 10_000n;
    packets++;
  }
  await flush();
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  return packets;
}
