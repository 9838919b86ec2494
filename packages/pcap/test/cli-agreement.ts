import { expect } from 'vitest';
import {
  compareFields,
  type FieldMismatch,
  type FieldValues,
  flattenTshark,
  LINK_TRAILER_FIELDS,
  missingFields,
  statefulTcpFields,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { cnikit, ndjson } from './cli-helpers.js';

/**
 * How `cnikit dissect --json` output is compared with tshark's JSON, shared by the corpus test
 * and the test on traffic the kernel generates (test/interop).
 */

/**
 * Fields we emit that tshark's JSON lacks by design. Empty: every field we write has a tshark
 * counterpart. (`data.*` and `frame.protocols` get the rules of `notComparable` below instead.)
 */
export const ALLOW_MISSING = new Set<string>([]);

/**
 * `frame.protocols`: ours (minus a trailing `data`, the bytes nothing of ours claimed) must be an
 * in-order subsequence of tshark's, which also lists pseudo-layers (`ethertype`, `ipv6.hopopts`)
 * and decodes deeper; when tshark gave up on the packet, only up to where it stopped. tshark
 * leaves some layers it decoded out of the list (VXLAN-GPE's `vxlan`): those must be among its
 * layers instead.
 */
export function protocolsAgree(
  ours: string,
  theirLayers: TsharkLayers,
  theirs: FieldValues,
  stopEarly: boolean,
): boolean {
  const mine = ours === '' ? [] : ours.split(':');
  if (mine.at(-1) === 'data') mine.pop();
  const wire = (theirs.get('frame.protocols')?.[0] ?? '').split(':');
  let j = 0;
  for (const p of mine) {
    const found = wire.indexOf(p, j);
    if (found >= 0) j = found + 1;
    else if (!(p in theirLayers)) return stopEarly;
  }
  return true;
}

/**
 * `data.data` is the bytes past our last layer; tshark's layer there may claim a few more as
 * fields (ICMP's echo timestamp), so ours must end with tshark's when both end in `data` after
 * the same layer. (`data.len` is its length, checked by this.)
 */
export function dataAgrees(ours: string, theirs: string): boolean {
  return ours.endsWith(theirs);
}

/**
 * Which of our fields compareFields leaves out. `frame.protocols` and `data.*` have their own
 * rules; `data.*` is not comparable unless tshark also ends in `data` right after our last layer.
 * tshark prints a pcap timestamp whose microseconds field is ≥ 10^6 as garbage
 * (`-0.2078753920`). TCP SACK edges and the AccECN flags are shown by tshark relative to earlier
 * packets of the connection (stateful).
 */
export function notComparable(theirs: FieldValues): (field: string) => boolean {
  const stateful = statefulTcpFields(theirs);
  const badTime = !/^-?[0-9]+\.[0-9]{9}$/.test(theirs.get('frame.time_epoch')?.[0] ?? '');
  return (field) =>
    field === 'frame.protocols' ||
    field.startsWith('data.') ||
    (badTime && field === 'frame.time_epoch') ||
    stateful(field);
}

/** `values` without the fields of `layer` (`bgp.type` and the like). */
function withoutLayer(values: FieldValues, layer: string): FieldValues {
  return new Map([...values].filter(([field]) => !field.startsWith(`${layer}.`)));
}

/** Whether both dissections end in `data` after the same layer. */
export function sameDataLayer(ours: string, theirs: FieldValues): boolean {
  const mine = ours.split(':');
  const wire = (theirs.get('frame.protocols')?.[0] ?? '').split(':');
  return mine.at(-1) === 'data' && wire.at(-1) === 'data' && mine.at(-2) === wire.at(-2);
}

/** An NDJSON object as field → values in text, the shape flattenTshark gives tshark's JSON. */
export function flattenLine(line: Record<string, unknown>): FieldValues {
  const out: FieldValues = new Map();
  for (const [field, value] of Object.entries(line)) {
    if (field === '_ws.malformed') continue;
    out.set(field, (Array.isArray(value) ? value : [value]).map(String));
  }
  return out;
}

export function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** The first 20 mismatches, but at least one of each field, so one noisy field hides no other. */
export function firstMismatches<T extends { field: string }>(all: readonly T[]): T[] {
  const seen = new Set<string>();
  return all.filter((m, i) => {
    const first = !seen.has(m.field);
    seen.add(m.field);
    return i < 20 || first;
  });
}

/**
 * Values compared per protocol (the field name's first part: `udp.srcport` counts for `udp`).
 * `data.*` is left out: the bytes no layer of ours claimed, fewer as dissectors grow.
 */
export function comparedByProtocol(report: CliReport): Map<string, number> {
  const out = new Map<string, number>();
  for (const [field, n] of report.comparedByField) {
    const protocol = field.split('.')[0];
    if (protocol !== 'data') out.set(protocol, (out.get(protocol) ?? 0) + n);
  }
  return out;
}

/** What compareCliFile adds up over the files it is given. */
export interface CliReport {
  files: number;
  packets: number;
  fields: number;
  skipped: number;
  unmatched: number;
  corrupt: string[];
  distinct: Set<string>;
  /** Per field, how many of its values were compared with tshark's. */
  comparedByField: Map<string, number>;
  /** `file#frame` → the layer of our `_ws.malformed`, for packets tshark finds well formed. */
  weRejectTsharkAccepts: Map<string, { layer: string; reason: string }>;
  /** `file#frame` → the layer left out of the comparison there (see compareCliFile's `skipLayer`). */
  layersSkipped: Map<string, string>;
  mismatches: (FieldMismatch & { where: string })[];
}

export function emptyCliReport(): CliReport {
  return {
    files: 0,
    packets: 0,
    fields: 0,
    skipped: 0,
    unmatched: 0,
    corrupt: [],
    distinct: new Set(),
    comparedByField: new Map(),
    weRejectTsharkAccepts: new Map(),
    layersSkipped: new Map(),
    mismatches: [],
  };
}

/**
 * Runs `cnikit dissect PATH --json` and compares every packet with tshark's decode of the file
 * (`file` names it in the report): every field value with compareFields, `frame.protocols` and
 * `data.data` by their own rules, and in packets whose layers are all ours, the padding, trailer
 * and FCS fields tshark shows. `skipLayer` names packets (`file#frame`) where one layer is left
 * out: its fields on both sides, its name in `frame.protocols`, and our malformed mark at it.
 */
export async function compareCliFile(
  path: string,
  file: string,
  tshark: readonly TsharkLayers[],
  report: CliReport,
  skipLayer: Readonly<Record<string, { readonly layer: string }>> = {},
): Promise<void> {
  const run = await cnikit(['dissect', path, '--json']);
  // 0: read to the end; 1: the capture is cut short or corrupt, and stderr says where.
  expect([0, 1], `${file}: ${run.stderr}`).toContain(run.code);
  if (run.code === 1) {
    expect(run.stderr).toMatch(/corrupt capture after \d+ packets: .*\(at byte \d+\)/);
    report.corrupt.push(file);
  }
  const lines = ndjson(run.stdout);
  if (run.code === 0) expect(lines.length, `${file}: packets`).toBe(tshark.length);
  report.files++;
  for (const line of lines) {
    const number = line['frame.number'] as number;
    const where = `${file}#${number}`;
    const theirLayers = tshark[number - 1];
    if (!theirLayers) {
      report.mismatches.push({
        where,
        field: 'frame.number',
        occurrence: 0,
        ours: String(number),
        theirs: undefined,
      });
      continue;
    }
    report.packets++;
    const skipped = skipLayer[where]?.layer;
    let ours = flattenLine(line);
    let theirs = flattenTshark(theirLayers);
    let protocols = String(line['frame.protocols']);
    const theirProtocols = theirs.get('frame.protocols')?.[0] ?? '';
    const theirsStopEarly = tsharkFlagsMalformed(theirLayers, theirs);
    const malformed = line['_ws.malformed'] as { layer: string; reason: string } | undefined;
    const present = (layer: string) =>
      protocols.split(':').includes(layer) ||
      malformed?.layer === layer ||
      [...ours.keys()].some((field) => field.startsWith(`${layer}.`)) ||
      layer in theirLayers;
    if (skipped !== undefined && present(skipped)) {
      report.layersSkipped.set(where, skipped);
      ours = withoutLayer(ours, skipped);
      theirs = withoutLayer(theirs, skipped);
      protocols = protocols
        .split(':')
        .filter((p) => p !== skipped)
        .join(':');
    }
    if (malformed && !theirsStopEarly && malformed.layer !== report.layersSkipped.get(where)) {
      report.weRejectTsharkAccepts.set(where, { layer: malformed.layer, reason: malformed.reason });
    }
    const own = (field: string, ok: boolean, theirValue: string) => {
      report.fields++;
      report.comparedByField.set(field, (report.comparedByField.get(field) ?? 0) + 1);
      const value = ours.get(field)?.[0] ?? '';
      if (!ok) report.mismatches.push({ where, field, occurrence: 0, ours: value, theirs: theirValue });
    };
    own('frame.protocols', protocolsAgree(protocols, theirLayers, theirs, theirsStopEarly), theirProtocols);
    const ourData = ours.get('data.data');
    const theirData = theirs.get('data.data');
    if (ourData && theirData && sameDataLayer(protocols, theirs)) {
      own('data.data', dataAgrees(ourData[0], theirData.at(-1) ?? ''), theirData.at(-1) ?? '');
    }
    const result = compareFields(ours, theirs, {
      allowMissing: ALLOW_MISSING,
      theirsStopEarly,
      skip: notComparable(theirs),
      comparedByField: report.comparedByField,
    });
    report.fields += result.compared;
    report.skipped += result.skipped;
    report.unmatched += result.unmatched;
    for (const field of ours.keys()) report.distinct.add(field);
    // With every layer ours, tshark's padding/trailer/FCS must all be ours too.
    const allOurs = !theirsStopEarly && !('_ws.malformed' in line) && !protocols.split(':').includes('data');
    const missing = allOurs ? missingFields(ours, theirs, LINK_TRAILER_FIELDS) : [];
    for (const m of [...result.mismatches, ...missing]) report.mismatches.push({ ...m, where });
  }
}
