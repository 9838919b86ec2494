import { ethernetDissectors } from '@cnikit/ethernet';
import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  compareFields,
  corpusPackets,
  expectedPath,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  LINK_TRAILER_FIELDS,
  missingFields,
  readManifest,
  statefulTcpFields,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { tsharkPacketsWithoutReassembly } from '../../../test/support/unreassembled.js';
import { MIN_COMPARED_BY_PROTOCOL, WE_REJECT_TSHARK_ACCEPTS } from './fixtures/corpus-agreement-expected.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/corpus-agreement.test.ts: agreement with tshark on the shared corpus',
);

/** Link types whose frames start with a layer of this package: Ethernet and raw IP. */
const LINK_TYPES = new Set([1, 101, 228, 229]);

/** One field of every layer this package dissects: each must be compared somewhere in the corpus. */
const SENTINELS = [
  'eth.dst',
  'vlan.id',
  'ieee8021ad.id',
  'arp.opcode',
  'ip.ttl',
  'ipv6.hlim',
  'udp.srcport',
  'tcp.srcport',
  'icmp.type',
  'icmpv6.type',
  'igmp.type',
  ...LINK_TRAILER_FIELDS,
];

/**
 * Fields we emit that tshark's JSON does not have at all in that packet, each with its reason.
 * Anything else we emit without a tshark counterpart is a mismatch.
 */
const ALLOW_MISSING = new Set<string>([]);

/**
 * Fields whose tshark value rests on something a dissector of the captured bytes cannot know:
 * earlier packets of the conversation (see statefulTcpFields). They are counted as skipped, not
 * compared. (`tcp.len` in a frame the snap length cut is compared: dissect() is given the frame's
 * original length.)
 */
const notComparable = statefulTcpFields;

interface Report {
  files: number;
  packets: number;
  tsharkMalformed: number;
  /** `file#frame` → our error's layer and message, for packets tshark finds well formed. */
  weThrowTsharkDoesNot: Map<string, { layer: string; message: string }>;
  fields: number;
  unmatched: number;
  reordered: number;
  skipped: number;
  /** Per field, how many values were compared with tshark's. */
  fieldNames: Map<string, number>;
  /** Every field we emitted, compared or not. */
  emitted: Set<string>;
  mismatches: (FieldMismatch & { file: string; frame: number })[];
}

function runAgreement(): Report {
  const registry = composeDissectors(ethernetDissectors);
  const report: Report = {
    files: 0,
    packets: 0,
    tsharkMalformed: 0,
    weThrowTsharkDoesNot: new Map(),
    fields: 0,
    unmatched: 0,
    reordered: 0,
    skipped: 0,
    fieldNames: new Map(),
    emitted: new Set(),
    mismatches: [],
  };
  for (const entry of readManifest(`${CORPUS_DIR}/MANIFEST.tsv`)) {
    const expected = expectedPath(entry.file);
    if (!expected) continue;
    const packets = corpusPackets(entry.file).filter((p) => LINK_TYPES.has(p.linkType));
    if (packets.length === 0) continue;
    // We do not reassemble IP: captures with fragments are compared with tshark's decode without.
    const tshark = tsharkPacketsWithoutReassembly(entry.file, expected);
    if (!tshark) continue;
    report.files++;
    for (const packet of packets) {
      const theirLayers = tshark[packet.index];
      if (!theirLayers) continue;
      const ours = dissect(
        registry,
        packet.data,
        { table: LINK_TABLE, key: packet.linkType },
        0,
        packet.data.length,
        packet.originalLength,
      );
      const theirs = flattenTshark(theirLayers);
      const theirsStopEarly = tsharkFlagsMalformed(theirLayers, theirs);
      report.packets++;
      if (theirsStopEarly) report.tsharkMalformed++;
      else if (ours.malformed) {
        report.weThrowTsharkDoesNot.set(`${entry.file}#${packet.index + 1}`, {
          layer: ours.malformed.layer,
          message: ours.malformed.message,
        });
      }
      const oursFlat = flattenDissection(ours.layers);
      const result = compareFields(oursFlat, theirs, {
        allowMissing: ALLOW_MISSING,
        theirsStopEarly,
        skip: notComparable(theirs),
        comparedByField: report.fieldNames,
      });
      report.fields += result.compared;
      report.unmatched += result.unmatched;
      report.reordered += result.reordered;
      report.skipped += result.skipped;
      for (const field of oursFlat.keys()) report.emitted.add(field);
      // With every layer ours, tshark's padding/trailer/FCS must all be ours too.
      const allOurs = !theirsStopEarly && !ours.malformed && ours.layers.every((l) => l.field !== 'data');
      const missing = allOurs ? missingFields(oursFlat, theirs, LINK_TRAILER_FIELDS) : [];
      for (const m of [...result.mismatches, ...missing]) {
        report.mismatches.push({ ...m, file: entry.file, frame: packet.index + 1 });
      }
    }
  }
  return report;
}

let computed: Report | undefined;
/** One pass over the corpus, shared by the tests below. */
function agreement(): Report {
  computed ??= runAgreement();
  return computed;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/**
 * Values compared per protocol (the field name's first part: `udp.srcport` counts for `udp`).
 * `data.*` is left out: those are the bytes no layer of ours claimed, fewer as dissectors grow.
 */
function comparedByProtocol(r: Report): Map<string, number> {
  const out = new Map<string, number>();
  for (const [field, n] of r.fieldNames) {
    const protocol = field.split('.')[0];
    if (protocol !== 'data') out.set(protocol, (out.get(protocol) ?? 0) + n);
  }
  return out;
}

function printReport(r: Report): void {
  const byLayer = new Map<string, string[]>();
  for (const field of [...r.fieldNames.keys()].sort()) {
    const layer = field.split('.')[0];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), field]);
  }
  const lines = [
    `corpus agreement with tshark: ${r.files} files, ${r.packets} packets compared ` +
      `(${r.tsharkMalformed} flagged malformed/short by tshark), ${r.fields} field values compared, ` +
      `${r.fieldNames.size} distinct fields, ${r.unmatched} values past tshark's stop or allow-listed, ` +
      `${r.skipped} skipped as not comparable (conversation state), ${r.reordered} equal only out of order (merged JSON keys), ${r.mismatches.length} mismatches`,
    `mismatches by field: ${[...countBy(r.mismatches.map((m) => m.field))].map(([f, n]) => `${f} ${n}`).join(', ') || 'none'}`,
    ...[...byLayer].map(([layer, fields]) => `  ${layer} (${fields.length}): ${fields.join(' ')}`),
    `emitted but never compared: ${[...r.emitted].filter((f) => !r.fieldNames.has(f)).join(' ') || 'none'}`,
    `values compared per protocol: ${[...comparedByProtocol(r)].map(([p, n]) => `${p} ${n}`).join(', ')}`,
    `we raise DecodeError where tshark reports no error: ${r.weThrowTsharkDoesNot.size}`,
    ...[...r.weThrowTsharkDoesNot].slice(0, 20).map(([where, e]) => `  ${where}: ${e.message}`),
    ...r.mismatches
      .slice(0, 20)
      .map(
        (m) =>
          `  MISMATCH ${m.file}#${m.frame} ${m.field}[${m.occurrence}]: ours=${m.ours} theirs=${m.theirs}`,
      ),
  ];
  console.log(lines.join('\n'));
}

describe.skipIf(!CORPUS)('agreement with tshark on the shared corpus', () => {
  it('every field we emit for Ethernet and raw-IP frames equals tshark value for value', () => {
    const report = agreement();
    printReport(report);
    expect(report.files).toBeGreaterThan(400);
    expect(report.packets).toBeGreaterThan(7000);
    expect(report.mismatches.slice(0, 20)).toEqual([]);
    for (const field of SENTINELS) expect(report.fieldNames.get(field) ?? 0, field).toBeGreaterThan(0);
  });

  it('rejects exactly the listed packets tshark finds well formed, each at the listed layer', () => {
    const report = agreement();
    const rejected = Object.fromEntries(
      [...report.weThrowTsharkDoesNot].map(([where, e]) => [where, e.layer] as const),
    );
    const listed = Object.fromEntries(
      Object.entries(WE_REJECT_TSHARK_ACCEPTS).map(([where, e]) => [where, e.layer] as const),
    );
    expect(rejected).toEqual(listed);
  });

  it('compares at least as many values of each protocol as it did when the floors were set', () => {
    const compared = comparedByProtocol(agreement());
    const short = Object.entries(MIN_COMPARED_BY_PROTOCOL)
      .filter(([protocol, floor]) => (compared.get(protocol) ?? 0) < floor)
      .map(([protocol, floor]) => `${protocol}: ${compared.get(protocol) ?? 0} < ${floor}`);
    expect(short).toEqual([]);
    // A protocol that appears must get a floor too.
    expect([...compared.keys()].filter((p) => !(p in MIN_COMPARED_BY_PROTOCOL))).toEqual([]);
  });
});
