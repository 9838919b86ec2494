/**
 * Runs one case in a fresh process, so each case starts with cold, unpolluted JIT feedback:
 *   node worker.mjs <case file> <case id> time|alloc|measure '<options json>'
 * and sends its result to the parent over IPC.
 */
import { measureAllocation } from './allocation.mjs';
import { loadCases } from './case-file.mjs';
import { measureInterleaved, sink } from './measure.mjs';
import { measureInterleavedAsync } from './measure-async.mjs';

const [file, id, mode, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson);

let benchCase;
try {
  benchCase = (await loadCases(file)).find((c) => c.id === id);
  if (!benchCase) throw new Error(`${file} has no case ${id}`);
  // A case that times whole operations itself (see README.md) has no setup().
  const ops = mode === 'measure' ? {} : await benchCase.setup();
  if (mode === 'measure') {
    process.send?.({ ok: true, measured: await benchCase.measure() });
  } else if (mode === 'time') {
    // Asynchronous cases (processes, daemons) agree through verify() only.
    const agreement = benchCase.async ? {} : checkAgreement(benchCase, ops);
    await benchCase.verify?.();
    const timing = benchCase.async
      ? await measureInterleavedAsync(ops, options)
      : measureInterleaved(ops, options);
    process.send?.({ ok: true, timing, agreement, sink });
  } else {
    const allocation = {};
    for (const name of benchCase.allocation ?? []) {
      if (!ops[name]) throw new Error(`allocation: no implementation ${name}`);
      allocation[name] = measureAllocation(ops[name]);
    }
    process.send?.({ ok: true, allocation });
  }
} catch (error) {
  process.send?.({
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
} finally {
  await benchCase?.teardown?.();
}

/**
 * Every implementation must compute the same field sum over the same frames: evidence that the
 * references read the same fields as ours. Throws when they differ (unless the case sets agree: false).
 */
function checkAgreement(benchCase, ops) {
  const n = benchCase.agreeOps ?? 256;
  const sums = {};
  for (const [name, op] of Object.entries(ops)) {
    let s = 0;
    for (let i = 0; i < n; i++) s += op();
    sums[name] = s;
  }
  if (benchCase.agree !== false && new Set(Object.values(sums)).size > 1) {
    throw new Error(`implementations disagree over ${n} ops: ${JSON.stringify(sums)}`);
  }
  return sums;
}
