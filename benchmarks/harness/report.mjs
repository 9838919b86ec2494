/** The ratio table printed at the end of a run (pure: results in, text out). */

/**
 * @typedef {import('./verdict.mjs').Verdict} Verdict
 * @typedef {{
 *   file: string, id: string, title: string,
 *   medians: Record<string, number>,
 *   bytesPerOp: Record<string, number>,
 *   verdicts: Verdict[],
 *   error?: string,
 * }} CaseResult
 */

const STATUS_TEXT = { pass: 'pass', near: 'NEAR', fail: 'FAIL', missing: 'MISSING', skipped: 'skipped' };

/** Worst status of a case, for its one-word result column. */
export function caseStatus(result) {
  if (result.error) return 'ERROR';
  for (const s of ['fail', 'missing', 'near', 'pass']) {
    if (result.verdicts.some((v) => v.status === s)) return STATUS_TEXT[s];
  }
  return result.verdicts.length ? 'skipped' : '-';
}

/** "1.23×"; with `explain`, "0.08× (12.5× faster)" when ours is faster. */
export function formatRatio(r, explain = false) {
  if (r === undefined || Number.isNaN(r)) return '-';
  const text = `${r.toFixed(r < 0.1 ? 3 : 2)}×`;
  return explain && r < 1 ? `${text} (${(1 / r).toFixed(1)}× faster)` : text;
}

function formatNs(ns) {
  if (ns === undefined || Number.isNaN(ns)) return '-';
  return ns < 100 ? ns.toFixed(1) : ns.toFixed(0);
}

function formatVerdictActual(v) {
  if (v.actual === undefined) return '-';
  if ('allocationFree' in v.target) return `${v.actual.toFixed(2)} B/op`;
  if ('maxMs' in v.target) return `${v.actual.toFixed(0)} ms`;
  if ('peakHeapMiB' in v.target) return `${v.actual.toFixed(1)} MiB`;
  return formatRatio(v.actual, true);
}

/** @param {CaseResult[]} results */
export function formatTable(results) {
  const impls = [];
  for (const r of results)
    for (const name of Object.keys(r.medians)) if (!impls.includes(name)) impls.push(name);
  impls.sort((a, b) => (a === 'ours' ? -1 : b === 'ours' ? 1 : 0));
  const refs = impls.filter((n) => n !== 'ours');
  const header = ['case', ...impls, ...refs.map((n) => `÷${n}`), 'B/op', 'result'];
  const rows = results.map((r) => [
    r.title,
    ...impls.map((n) => formatNs(r.medians[n])),
    ...refs.map((n) => formatRatio(r.medians.ours / r.medians[n])),
    r.bytesPerOp.ours === undefined ? '-' : r.bytesPerOp.ours.toFixed(2),
    caseStatus(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    'ns/op (median) per implementation, ratios ours ÷ reference, B/op = bytes ours allocates per op',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    'targets:',
  ];
  for (const r of results) {
    if (r.error) out.push(`  ${r.title}: ERROR ${r.error.split('\n')[0]}`);
    for (const note of r.notes ?? []) out.push(`  ${r.title}: ${note}`);
    for (const v of r.verdicts) {
      out.push(`  ${r.title}: ${v.label}: ${formatVerdictActual(v)} ${STATUS_TEXT[v.status]}`);
    }
  }
  return out.join('\n');
}
