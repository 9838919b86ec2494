import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test/packaging/readme-runner.js';
import { buildIfNeeded, discoverPackages } from '../test/packaging/workspace.js';
import { CORPUS_DIR, haveCorpus } from '../test/support/corpus.js';

const CORPUS = haveCorpus("examples/tour.test.ts: the tour's frames of the shared corpus (CNIKIT_CORPUS)");

/** Runs the tour as `npm start` does, on the built packages. */
function tour(env: Record<string, string | undefined>): string {
  buildIfNeeded(discoverPackages().included);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'examples/tour.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

// Expected lines checked against `tshark -V` (with -d udp.port==8472,vxlan) of the same frames.
describe('examples/tour.mjs', () => {
  it('dissects frames of the captures in examples/captures and a frame it builds', () => {
    const out = tour({ CNIKIT_CORPUS: undefined });
    expect(out).not.toContain('corpus');
    // flannel-vxlan-8472.pcap frame 3: an ARP request inside VXLAN on UDP 8472
    expect(out).toContain(
      'flannel-vxlan-8472.pcap, frame 3 (2026-12-03T16:39:14.906797000Z): flannel VXLAN on UDP 8472',
    );
    expect(out).toContain('\nVirtual eXtensible Local Area Network\n');
    expect(out).toContain('    VXLAN Network Identifier (VNI): 1\n');
    expect(out).toContain('    Target IP address: 10.244.2.0');
    expect(out).toMatch(/^002e {2}00 00 01 +vxlan\.vni = 1$/m);
    expect(out).toMatch(/^0058 {2}0a f4 02 00 +arp\.dst\.proto_ipv4 = 10\.244\.2\.0$/m);
    // tcp-handshake.pcap frame 1: the SYN's options (WS=1024)
    expect(out).toContain('            MSS Value: 1460');
    expect(out).toContain('            Shift count: 10');
    // ipv6-neighbour-discovery.pcap frame 14: the solicitation's target
    expect(out).toMatch(/^003e {2}fd 00 00 06 (00 ){11}02 +icmpv6\.nd\.ns\.target_address = fd00:6::2$/m);
    // two-interfaces-ns.pcapng frame 6: interface 1 ("right"), nanosecond arrival time, TTL 63
    expect(out).toContain(
      'two-interfaces-ns.pcapng, frame 6 (2026-12-03T16:39:22.467858413Z, interface right)',
    );
    expect(out).toMatch(/frame 6 [^\n]*\n[━]+\n(?:.*\n)*? {4}Time to Live: 63\n/);
    // the frame built from plain objects
    expect(out).toContain('A frame we built: Ethernet / IPv4 / UDP');
    expect(out).toMatch(/^0000 {2}0a 58 0a f4 02 03 +eth\.dst = 0a:58:0a:f4:02:03$/m);
    expect(out).toContain(
      'FrameDecoder (no allocation per frame): eth / ip / udp, to 10.244.2.3:53, IPv4 checksum good, UDP checksum good',
    );
  }, 600_000); // builds every package first when a source changed, as npm start does

  it.skipIf(!CORPUS)('also dissects frames of a bigger corpus named by CNIKIT_CORPUS', () => {
    const out = tour({ CNIKIT_CORPUS: CORPUS_DIR });
    // QinQ ARP, checked against tshark -V of 802.1ad_QinQ.pcap frame 1
    expect(out).toContain('IEEE 802.1ad, PRI: 0, DEI: 0, ID: 200');
    expect(out).toContain('802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 2001');
    expect(out).toContain('    Sender IP address: 172.21.79.97');
    // hex dump lines name the field under the bytes
    expect(out).toMatch(/^0024 {2}ac 15 4f 61 +arp\.src\.proto_ipv4 = 172\.21\.79\.97$/m);
    expect(out).toContain('vxlan.pcap, frame 1');
  });
});
