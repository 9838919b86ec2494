/**
 * Peak heap of one implementation while it runs: the case's setup receives a `probe` that the
 * operation calls every so often (between messages, say); the probe records V8's used heap, and
 * the peak is reported above the used heap after setup and a full GC (the input, already loaded,
 * is not counted; buffers' backing stores are outside V8's heap and reported apart as external).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** @type {() => void} */
const gc = runInNewContext('gc');

/**
 * @param {import('./case-file.mjs').BenchCase} benchCase with `heap: { impl, ops? }`
 * @returns {Promise<{ impl: string, ops: number, peakBytes: number, baselineBytes: number, probes: number, externalGrowthBytes: number }>}
 */
export async function measurePeakHeap(benchCase) {
  const { impl, ops: runs = 3 } = benchCase.heap ?? {};
  let peak = 0;
  let probes = 0;
  const probe = () => {
    const used = getHeapStatistics().used_heap_size;
    if (used > peak) peak = used;
    probes++;
  };
  const ops = await benchCase.setup({ probe });
  const op = ops[impl];
  if (!op) throw new Error(`heap: no implementation ${impl}`);
  gc();
  const before = getHeapStatistics();
  const baselineBytes = before.used_heap_size;
  peak = baselineBytes;
  let maxExternal = before.external_memory;
  for (let i = 0; i < runs; i++) {
    op();
    maxExternal = Math.max(maxExternal, getHeapStatistics().external_memory);
  }
  return {
    impl,
    ops: runs,
    peakBytes: peak - baselineBytes,
    baselineBytes,
    probes,
    externalGrowthBytes: maxExternal - before.external_memory,
  };
}
