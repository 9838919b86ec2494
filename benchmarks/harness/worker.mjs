/**
 * Runs one case in a fresh process, so each case starts with cold, unpolluted JIT feedback:
 *   node worker.mjs <case file> <case id> time|alloc|heap|measure '<options json>'
 * and sends its result to the parent over IPC. In `time` mode, the peer columns named in
 * options.peers are sampled by the parent between JS samples: the worker asks for one sample
 * ({ peerSample: column }) and waits for the answer.
 */
import { measureAllocation } from './allocation.mjs';
import { loadCases } from './case-file.mjs';
import { measurePeakHeap } from './heap.mjs';
import { measureInterleaved, sink } from './measure.mjs';
import { measureInterleavedAsync } from './measure-async.mjs';

const [file, id, mode, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson);

/** @type {Map<string, (m: { ns?: number, error?: string }) => void>} */
const waiting = new Map();
process.on('message', (m) => {
  const resolve = waiting.get(m?.peerSampleOf);
  if (resolve) {
    waiting.delete(m.peerSampleOf);
    resolve(m);
  }
});

/** One sample of a peer column, taken by the parent while this process waits. */
function peerSample(column, env) {
  return new Promise((resolve, reject) => {
    waiting.set(column, (m) => (m.error ? reject(new Error(m.error)) : resolve(m.ns)));
    process.send?.({ peerSample: column, env });
  });
}

let benchCase;
try {
  benchCase = (await loadCases(file)).find((c) => c.id === id);
  if (!benchCase) throw new Error(`${file} has no case ${id}`);
  if (mode === 'heap') {
    reply({ ok: true, heap: await measurePeakHeap(benchCase) });
  } else if (mode === 'measure') {
    // A case that times whole operations itself (see README.md) has no setup().
    reply({ ok: true, measured: await benchCase.measure() });
  } else {
    const ops = await benchCase.setup({ probe: () => {} });
    if (mode === 'time') {
      // Asynchronous cases (processes, daemons) agree through verify() only.
      const agreement = benchCase.async ? {} : checkAgreement(benchCase, ops);
      await benchCase.verify?.();
      const peerCheck = benchCase.peerCheck?.();
      const env = benchCase.peerEnv?.() ?? {};
      const extras = Object.fromEntries(
        (options.peers ?? []).map((col) => [col, () => peerSample(col, env)]),
      );
      const timing = benchCase.async
        ? await measureInterleavedAsync(ops, options)
        : await measureInterleaved(ops, options, extras);
      reply({ ok: true, timing, agreement, peerCheck, sink });
    } else {
      const allocation = {};
      for (const name of benchCase.allocation ?? []) {
        if (!ops[name]) throw new Error(`allocation: no implementation ${name}`);
        allocation[name] = measureAllocation(ops[name], { maxOpsPerChunk: benchCase.allocationOpsPerChunk });
      }
      reply({ ok: true, allocation });
    }
  }
} catch (error) {
  reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
} finally {
  await benchCase?.teardown?.();
}

/** The result, then the IPC channel closed (the message listener above would keep it open). */
function reply(message) {
  if (process.send) process.send(message, () => process.disconnect());
}

/**
 * Every implementation must compute the same field sum over the same frames: evidence that the
 * references read the same fields as ours. Throws when they differ (unless the case sets agree: false).
 * The sums are folded to int32 as the timing driver folds them, so an op may return its sum `| 0`
 * (a sum of 48-bit MACs returned from a call that is not inlined would be a heap number): equal
 * modulo 2^32 over agreeOps frames at different offsets.
 */
function checkAgreement(benchCase, ops) {
  const n = benchCase.agreeOps ?? 256;
  const sums = {};
  for (const [name, op] of Object.entries(ops)) {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + op()) | 0;
    sums[name] = s;
  }
  if (benchCase.agree !== false && new Set(Object.values(sums)).size > 1) {
    throw new Error(`implementations disagree over ${n} ops: ${JSON.stringify(sums)}`);
  }
  return sums;
}
