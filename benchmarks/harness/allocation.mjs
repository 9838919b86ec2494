/**
 * Bytes allocated per operation, from the growth of the V8 heap over chunks of operations run
 * after a full GC. A chunk during which a GC ran shows a shrinking heap and is ignored; the median
 * of the remaining chunks is reported. Optimized code is measured (run after the timing warm-up),
 * since escape analysis may legitimately remove allocations.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileDriver } from './measure.mjs';
import { median } from './verdict.mjs';

setFlagsFromString('--expose-gc');
/** @type {() => void} */
const gc = runInNewContext('gc');

/**
 * @param {() => number} op
 * @returns {{ bytesPerOp: number, chunks: number, usableChunks: number }}
 */
export function measureAllocation(op, { chunks = 21, opsPerChunk = 50_000 } = {}) {
  const driver = compileDriver('allocation');
  driver(op, opsPerChunk); // warm the driver itself
  const perOp = [];
  gc();
  for (let c = 0; c < chunks; c++) {
    const before = process.memoryUsage().heapUsed;
    driver(op, opsPerChunk);
    const after = process.memoryUsage().heapUsed;
    if (after >= before) perOp.push((after - before) / opsPerChunk);
  }
  return { bytesPerOp: perOp.length ? median(perOp) : Number.NaN, chunks, usableChunks: perOp.length };
}
