import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CliReport,
  compareCliFile,
  comparedByProtocol,
  emptyCliReport,
} from '../../packages/pcap/test/cli-agreement.js';
import { loadTsharkPackets } from '../../test/support/corpus.js';
import { CAPTURES, CAPTURES_DIR } from './agreement.js';

const MIN_COMPARED: Record<string, number> = {
  frame: 267,
  eth: 885,
  arp: 72,
  ip: 659,
  udp: 56,
  vxlan: 72,
  icmp: 140,
  ipv6: 333,
  icmpv6: 196,
  tcp: 360,
};

// The CLI's whole path (file reader, every dissector it composes, --json writer) against the
// tshark decode committed beside each sample capture, in every clone, without tshark.
describe('cnikit dissect --json on examples/captures', () => {
  it('agrees with tshark field by field, rejecting no packet', async () => {
    const report: CliReport = emptyCliReport();
    for (const { file } of CAPTURES) {
      const tshark = loadTsharkPackets(join(CAPTURES_DIR, `${file}.json.gz`));
      await compareCliFile(join(CAPTURES_DIR, file), file, tshark, report);
    }
    const byProtocol = comparedByProtocol(report);
    console.log(
      `cnikit dissect --json vs tshark on examples/captures: ${report.files} files, ${report.packets} packets, ` +
        `${report.fields} values compared (${[...byProtocol].map(([p, n]) => `${p} ${n}`).join(', ')}), ` +
        `${report.mismatches.length} mismatches`,
    );
    expect(report.mismatches).toEqual([]);
    expect([...report.weRejectTsharkAccepts.keys()]).toEqual([]);
    expect(report.corrupt).toEqual([]);
    expect([report.files, report.packets]).toEqual([4, 51]);
    // At least as many values per protocol as when the floors were set: a dissector that starts
    // rejecting or stops early compares fewer.
    const below = Object.entries(MIN_COMPARED).filter(([p, min]) => (byProtocol.get(p) ?? 0) < min);
    expect(below, JSON.stringify(Object.fromEntries(byProtocol))).toEqual([]);
  });
});
