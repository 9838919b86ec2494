/**
 * Ratios and pass/fail, with no timing in here, so the bench-harness test can check the rules on
 * synthetic numbers.
 *
 * A ratio target `{ vs: 'loop', max: 1.5 }` reads "ours ns/op / loop ns/op ≤ 1.5". "5× faster than
 * binary-parser" is `{ vs: 'binary-parser', max: 0.2 }`; `of: 'ours-decoded'` judges another
 * implementation than `ours`. An allocation target `{ allocationFree: 'ours' }` reads "that
 * implementation allocates < 1 byte per op". `{ maxMs: 1000 }` bounds the median time of one op of
 * `ours` (or `of`); `{ peakHeapMiB: 64 }` bounds the peak heap of the case's `heap.impl` while it runs.
 */

/** How far past its bound a ratio may be before `--check` fails the run (20%). */
export const TOLERANCE = 0.2;

/** Below this many bytes per op an implementation counts as allocation-free (any real per-op
 *  allocation is at least one 16-byte object; this leaves room for measurement overhead). */
export const ALLOCATION_FREE_BYTES = 1;

/** @typedef {{ vs: string, max: number, of?: string }} RatioTarget */
/** @typedef {{ allocationFree: string }} AllocationTarget */
/** @typedef {{ maxMs: number, of?: string }} TimeTarget */
/** @typedef {{ peakHeapMiB: number, of?: string }} HeapTarget */
/** @typedef {RatioTarget | AllocationTarget | TimeTarget | HeapTarget} Target */
/**
 * @typedef {'pass' | 'near' | 'fail' | 'missing' | 'skipped'} Status
 * near = missed, but within TOLERANCE; missing = not measured (fails --check); skipped = the
 * reference is a peer tool that is not installed (a loud note, not a failure).
 */
/** @typedef {{ target: Target, label: string, actual: number | undefined, status: Status }} Verdict */

/** ours / reference, or undefined when either is missing or not positive. */
export function ratio(oursNs, referenceNs) {
  if (!(oursNs > 0) || !(referenceNs > 0)) return undefined;
  return oursNs / referenceNs;
}

/** @returns {Status} */
export function ratioStatus(actual, max, tolerance = TOLERANCE) {
  if (actual === undefined || Number.isNaN(actual)) return 'missing';
  if (actual <= max) return 'pass';
  if (actual <= max * (1 + tolerance) + 1e-9) return 'near';
  return 'fail';
}

/** @returns {Status} */
export function allocationStatus(bytesPerOp) {
  if (bytesPerOp === undefined || Number.isNaN(bytesPerOp)) return 'missing';
  return bytesPerOp < ALLOCATION_FREE_BYTES ? 'pass' : 'fail';
}

/** Human form of a target: "≤1.5× loop", "≥5× faster than binary-parser", "ours alloc-free". */
export function targetLabel(target) {
  if ('allocationFree' in target) return `${target.allocationFree} alloc-free`;
  const of = target.of && target.of !== 'ours' ? `${target.of} ` : '';
  if ('maxMs' in target) return `${of || 'ours '}≤${formatNumber(target.maxMs)} ms per op`;
  if ('peakHeapMiB' in target) return `${of || 'ours '}peak heap ≤${formatNumber(target.peakHeapMiB)} MiB`;
  if (target.max < 1) return `${of}≥${formatNumber(1 / target.max)}× faster than ${target.vs}`;
  return `${of}≤${formatNumber(target.max)}× ${target.vs}`;
}

/**
 * Judges one case.
 * @param {Target[]} targets
 * @param {Record<string, number>} medians ns/op by implementation name (must include `ours`)
 * @param {Record<string, number>} bytesPerOp allocation by implementation name
 * @param {Iterable<string>} unavailable references that could not run here (a missing peer tool)
 * @param {Record<string, number>} peakHeapBytes peak heap by implementation name
 * @returns {Verdict[]}
 */
export function judge(targets, medians, bytesPerOp = {}, unavailable = [], peakHeapBytes = {}) {
  const skip = new Set(unavailable);
  return targets.map((target) => {
    if ('allocationFree' in target) {
      const actual = bytesPerOp[target.allocationFree];
      return { target, label: targetLabel(target), actual, status: allocationStatus(actual) };
    }
    const of = target.of ?? 'ours';
    if ('maxMs' in target) {
      const ns = medians[of];
      const actual = ns > 0 ? ns / 1e6 : undefined;
      return { target, label: targetLabel(target), actual, status: ratioStatus(actual, target.maxMs) };
    }
    if ('peakHeapMiB' in target) {
      const bytes = peakHeapBytes[of];
      const actual = bytes >= 0 ? bytes / 2 ** 20 : undefined;
      return { target, label: targetLabel(target), actual, status: ratioStatus(actual, target.peakHeapMiB) };
    }
    const actual = ratio(medians[of], medians[target.vs]);
    const status = actual === undefined && skip.has(target.vs) ? 'skipped' : ratioStatus(actual, target.max);
    return { target, label: targetLabel(target), actual, status };
  });
}

/** What `--check` decides: failed when any verdict failed or could not be measured. */
export function checkFailed(verdicts) {
  return verdicts.some((v) => v.status === 'fail' || v.status === 'missing');
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function formatNumber(n) {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, '');
}
