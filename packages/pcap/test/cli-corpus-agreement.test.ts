import { expect } from 'vitest';
import { corpusFiles, expectedPath, LINK_TRAILER_FIELDS } from '../../../test/support/corpus.js';
import { tsharkPacketsWithoutReassembly } from '../../../test/support/unreassembled.js';
import {
  type CliReport,
  compareCliFile,
  comparedByProtocol,
  countBy,
  emptyCliReport,
  firstMismatches,
} from './cli-agreement.js';
import { CORPUS, corpusFile, itRequires } from './cli-helpers.js';
import {
  LAYER_SKIPPED,
  MIN_COMPARED_BY_PROTOCOL,
  WE_REJECT_TSHARK_ACCEPTS,
} from './fixtures/cli-corpus-expected.js';

itRequires(
  CORPUS,
  'cnikit dissect --json agrees with tshark field by field on the whole corpus',
  async () => {
    const report: CliReport = emptyCliReport();
    for (const file of corpusFiles()) {
      const expected = expectedPath(file);
      // We do not reassemble IP: captures with fragments are compared with tshark's decode without.
      const tshark = expected && tsharkPacketsWithoutReassembly(file, expected);
      if (tshark) await compareCliFile(corpusFile(file), file, tshark, report, LAYER_SKIPPED);
    }
    console.log(
      [
        `cnikit dissect --json vs tshark: ${report.files} files, ${report.packets} packets, ` +
          `${report.fields} field values compared (${report.distinct.size} distinct fields), ` +
          `${report.skipped} left to their own rules or skipped (frame.protocols, data.*, stateful TCP, bad tshark timestamps), ` +
          `${report.unmatched} past a point where tshark gave up, ${report.mismatches.length} mismatches`,
        `files cut short or corrupt (exit 1 after their packets): ${report.corrupt.length}`,
        `values compared per protocol: ${[...comparedByProtocol(report)].map(([p, n]) => `${p} ${n}`).join(', ')}`,
        `layer left out of the comparison: ${report.layersSkipped.size}`,
        ...[...report.layersSkipped].map(
          ([where, layer]) => `  ${where}: ${layer}: ${LAYER_SKIPPED[where]?.reason}`,
        ),
        `marked malformed where tshark reports no error: ${report.weRejectTsharkAccepts.size}`,
        ...[...report.weRejectTsharkAccepts]
          .slice(0, 20)
          .map(([where, e]) => `  ${where}: ${e.layer}: ${e.reason}`),
        `mismatches by field: ${[...countBy(report.mismatches.map((m) => m.field))].map(([f, n]) => `${f} ${n}`).join(', ') || 'none'}`,
        ...firstMismatches(report.mismatches).map(
          (m) => `  MISMATCH ${m.where} ${m.field}[${m.occurrence}]: ours=${m.ours} tshark=${m.theirs}`,
        ),
      ].join('\n'),
    );
    expect(report.files).toBeGreaterThan(480);
    expect(report.packets).toBeGreaterThan(7000);
    expect(report.mismatches.slice(0, 20)).toEqual([]);
    // Fields of every layer and of the frame were compared value for value, not just emitted.
    for (const field of [
      'frame.time_epoch',
      'frame.interface_id',
      'eth.src',
      'ip.src',
      'ipv6.dst',
      'udp.dstport',
      'tcp.flags.syn',
      'vxlan.vni',
      'arp.opcode',
      'bgp.type',
      'bgp.update.path_attribute.type_code',
    ]) {
      expect(report.comparedByField.get(field) ?? 0, field).toBeGreaterThan(0);
    }
    // The bytes after the upper layer: compared value for value, not just emitted.
    for (const field of LINK_TRAILER_FIELDS) {
      expect(report.comparedByField.get(field) ?? 0, field).toBeGreaterThan(0);
    }
    // A decoder that rejects valid packets: every packet we mark malformed and tshark does not is
    // listed, at the listed layer, and no protocol has fewer values compared than its floor.
    expect(
      Object.fromEntries([...report.weRejectTsharkAccepts].map(([where, e]) => [where, e.layer] as const)),
    ).toEqual(
      Object.fromEntries(
        Object.entries(WE_REJECT_TSHARK_ACCEPTS).map(([where, e]) => [where, e.layer] as const),
      ),
    );
    // Exactly the listed packets had a layer left out, each the listed layer.
    expect(Object.fromEntries(report.layersSkipped)).toEqual(
      Object.fromEntries(Object.entries(LAYER_SKIPPED).map(([where, e]) => [where, e.layer] as const)),
    );
    const compared = comparedByProtocol(report);
    const short = Object.entries(MIN_COMPARED_BY_PROTOCOL)
      .filter(([protocol, floor]) => (compared.get(protocol) ?? 0) < floor)
      .map(([protocol, floor]) => `${protocol}: ${compared.get(protocol) ?? 0} < ${floor}`);
    expect(short).toEqual([]);
    expect([...compared.keys()].filter((p) => !(p in MIN_COMPARED_BY_PROTOCOL))).toEqual([]);
  },
);
