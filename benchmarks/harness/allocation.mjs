/**
 * Bytes allocated per operation, from the growth of V8's new space over chunks of operations,
 * each run right after a full GC and sized to fit the young generation; the median is reported.
 * Optimized code is measured (after a warm-up), since escape analysis may legitimately remove
 * allocations.
 */

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileDriver } from './measure.mjs';
import { median } from './verdict.mjs';

setFlagsFromString('--expose-gc');
/** @type {() => void} */
const gc = runInNewContext('gc');

const newSpaceUsed = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;

/** Largest allocation one chunk may make: well under the 64 MB young generation the runner gives the worker. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** New-space growth per op over `n` ops, started right after a full GC (so no scavenge runs mid-chunk). */
function chunk(driver, op, n) {
  gc();
  const before = newSpaceUsed();
  driver(op, n);
  return (newSpaceUsed() - before) / n;
}

/**
 * @param {() => number} op
 * @returns {{ bytesPerOp: number, chunks: number, usableChunks: number, opsPerChunk: number }}
 */
export function measureAllocation(op, { chunks = 21, maxOpsPerChunk = 50_000 } = {}) {
  const driver = compileDriver('allocation');
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) driver(op, 10_000); // let TurboFan optimize op and driver
  const pilot = Math.max(0, chunk(driver, op, 1000));
  const opsPerChunk = Math.max(1000, Math.min(maxOpsPerChunk, Math.floor(CHUNK_BYTES / Math.max(pilot, 1))));
  const perOp = [];
  for (let c = 0; c < chunks; c++) {
    const bytes = chunk(driver, op, opsPerChunk);
    if (bytes >= 0) perOp.push(bytes); // a shrinking new space means a scavenge ran: drop the chunk
  }
  return {
    bytesPerOp: perOp.length ? median(perOp) : Number.NaN,
    chunks,
    usableChunks: perOp.length,
    opsPerChunk,
  };
}
