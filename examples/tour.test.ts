import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test/packaging/readme-runner.js';
import { buildIfNeeded, discoverPackages } from '../test/packaging/workspace.js';
import { CORPUS_DIR } from '../test/support/corpus.js';

// `npm start` runs this tour on the built packages; run it the same way.
describe('examples/tour.mjs', () => {
  it('dissects real captures and a frame it builds, printing trees and annotated hex dumps', () => {
    buildIfNeeded(discoverPackages().included);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'examples/tour.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, CNIKIT_CORPUS: CORPUS_DIR },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    if (existsSync(join(CORPUS_DIR, 'pcap'))) {
      // QinQ ARP, checked against tshark -V of 802.1ad_QinQ.pcap frame 1
      expect(out).toContain('IEEE 802.1ad, PRI: 0, DEI: 0, ID: 200');
      expect(out).toContain('802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 2001');
      expect(out).toContain('    Sender IP address: 172.21.79.97');
      // dns_tcp.pcap frame 1: the SYN's options
      expect(out).toContain('            MSS Value: 1460');
      expect(out).toContain('            Shift count: 7');
      // hex dump lines name the field under the bytes
      expect(out).toMatch(/^0024 {2}ac 15 4f 61 +arp\.src\.proto_ipv4 = 172\.21\.79\.97$/m);
    } else {
      expect(process.env.CI, `corpus missing at ${CORPUS_DIR}`).not.toBe('true');
      expect(out).toContain('no capture corpus');
    }
    expect(out).toContain('A frame we built: Ethernet / IPv4 / UDP');
    expect(out).toMatch(/^0000 {2}0a 58 0a f4 02 03 +eth\.dst = 0a:58:0a:f4:02:03$/m);
    expect(out).toContain(
      'FrameDecoder (no allocation per frame): eth / ip / udp, to 10.244.2.3:53, IPv4 checksum good, UDP checksum good',
    );
  });
});
