/**
 * Our netlink dissection against tshark 4.0.17, field by field, on a capture of what our library
 * sent and the kernel answered: the committed capture (runs anywhere), and a fresh one recorded in
 * a namespace this test creates (root and tshark).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../../test/support/capture-reader.js';
import type { Lab } from '../../../test/support/netns.js';
import { loadTsharkPackets, type TsharkLayers } from '../../../test/support/tshark-expected.js';
import { itWithTool } from '../../wire/test/tools.js';
import { LINKTYPE_NETLINK, NetlinkRecorder } from '../src/index.js';
import { agreeWithTshark, type NetlinkAgreement, TSHARK_ONLY_FIELDS } from './capture/agreement.js';
import { cniSession } from './capture/session.js';
import { kernelBlocker, netlinkLab, nsPath } from './kernel.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'nlmon-session.pcap');
const FIXTURE_TSHARK = join(import.meta.dirname, 'fixtures', 'nlmon-session.tshark.json.gz');

function framesOf(pcap: Uint8Array): Uint8Array[] {
  return [...readCapture(pcap)].map((p) => {
    expect(p.linkType).toBe(LINKTYPE_NETLINK);
    return p.data;
  });
}

/** What every agreement must show: no mismatch, no field with fewer occurrences, only listed extras. */
function expectAgreement(a: NetlinkAgreement): void {
  expect(a.mismatches).toEqual([]);
  expect(a.fewer).toEqual([]);
  for (const field of a.tsharkOnly.keys()) expect(TSHARK_ONLY_FIELDS, field).toHaveProperty([field]);
  // each part of a message was compared, not just the headers
  for (const field of [
    'netlink.hatype',
    'netlink.hdr_len',
    'netlink.hdr_flags.dump_intr',
    'netlink.error',
    'netlink.attr_len',
    'netlink.attr_data',
    'netlink-route.nltype',
    'netlink-route.ifi_flags.iff_up',
    'netlink-route.ifla_ifname',
    'netlink-route.ifla_linkstats.rxbytes',
    'netlink-route.ifla_map.mem_start',
    'netlink-route.ifa_address.ipv4',
    'netlink-route.ifa_address.ipv6',
    'netlink-route.ifa_flags32',
    'netlink-route.rt_table',
    'netlink-route.rta_oif',
    'netlink-route.nd_state',
  ]) {
    expect(a.comparedByField.get(field) ?? 0, field).toBeGreaterThan(0);
  }
}

describe('netlink dissection agrees with tshark on the committed nlmon capture', () => {
  it('every value of every field we emit equals tshark 4.0.17 decode of the same frames', () => {
    const frames = framesOf(readFileSync(FIXTURE));
    const a = agreeWithTshark(frames, loadTsharkPackets(FIXTURE_TSHARK));
    expect(a.frames).toBe(59);
    expect(a.compared).toBe(COMMITTED_COMPARED);
    expectAgreement(a);
    // what tshark shows that we do not: generic netlink and tshark's data layer, nothing else
    expect([...a.tsharkOnly.keys()].sort()).toEqual(Object.keys(TSHARK_ONLY_FIELDS).sort());
  });
});

/** Values compared on the committed capture (fixed: the capture and our dissector are fixed). */
const COMMITTED_COMPARED = 4410;

const blocker = kernelBlocker('netlink dissector against tshark on a live capture', ['ping']);
const itTshark = itWithTool('tshark', ['-v']);

describe.skipIf(blocker)('netlink dissection agrees with tshark on a fresh capture of our requests', () => {
  itTshark(
    'records a CNI-style session in a new namespace and compares every field',
    async () => {
      let lab: Lab | undefined;
      const dir = mkdtempSync(join(tmpdir(), 'cnk-nl-capture-'));
      try {
        lab = netlinkLab();
        const ns = lab.ns('cap');
        // loopback traffic inside the namespace, so link statistics are not all zero
        lab.run(ns, 'ping -c 3 -i 0.2 -q 127.0.0.1');
        const recorder = new NetlinkRecorder();
        await cniSession(nsPath(ns), recorder.tap);
        const pcap = recorder.pcap();
        const file = join(dir, 'session.pcap');
        writeFileSync(file, pcap);
        const r = spawnSync('tshark', ['-r', file, '-T', 'json', '--no-duplicate-keys'], {
          encoding: 'utf8',
          maxBuffer: 256 << 20,
        });
        expect(r.status, r.stderr).toBe(0);
        const tshark = (JSON.parse(r.stdout) as { _source: { layers: TsharkLayers } }[]).map(
          (p) => p._source.layers,
        );
        const a = agreeWithTshark(framesOf(pcap), tshark);
        expect(a.frames).toBe(recorder.datagrams.length);
        expect(a.compared).toBeGreaterThan(3000);
        expectAgreement(a);
        console.log(
          `netlink dissector vs tshark (live): ${a.frames} frames, ${a.compared} values compared, ` +
            `${a.mismatches.length} mismatches; tshark-only fields: ${[...a.tsharkOnly.keys()].join(', ')}`,
        );
        if (process.env.NL_WRITE_FIXTURE === '1') {
          writeFileSync(FIXTURE, pcap);
          writeFileSync(FIXTURE_TSHARK, gzipSync(r.stdout));
        }
      } finally {
        lab?.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
