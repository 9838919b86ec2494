/**
 * Interleaved timing of several implementations of one case in one process.
 *
 * Every implementation is `() => number`: it does one operation (decodes the next frame, …) and
 * returns a number the harness sums into a sink, so the work cannot be dropped as dead code. Each
 * implementation gets its own compiled driver loop (a distinct `new Function`), so the call in
 * the loop stays monomorphic and TurboFan inlines the operation, as it would in a caller's code.
 */
import { median } from './verdict.mjs';

/** @typedef {() => number} Operation */
/** @typedef {(op: Operation, n: number) => number} Driver */

let driverCount = 0;
/** Written by every run and read at the end, so no driver's result is dead. */
export let sink = 0;

/** @returns {Driver} a driver loop of its own (the unique comment defeats V8's eval cache). */
export function compileDriver(name) {
  const id = `${++driverCount}:${String(name).replace(/\*\//g, '')}`;
  return /** @type {Driver} */ (
    new Function(
      'op',
      'n',
      `'use strict'; /* driver ${id} */ let s = 0; for (let i = 0; i < n; i++) s = (s + op()) | 0; return s;`,
    )
  );
}

/** Runs `n` operations and returns nanoseconds per operation. */
export function timeRun(driver, op, n) {
  const t0 = process.hrtime.bigint();
  sink = (sink + driver(op, n)) | 0;
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Iterations that take about `sampleMs`, found by doubling (this also warms the code up). */
export function calibrate(driver, op, sampleMs) {
  // An operation that alone outlasts a sample (a whole file, say) is timed one at a time.
  if (timeRun(driver, op, 1) >= sampleMs * 1e6) return 1;
  let n = 64;
  for (;;) {
    const ns = timeRun(driver, op, n) * n;
    if (ns >= sampleMs * 1e6 || n >= 2 ** 30) return Math.max(1, Math.round((n * sampleMs * 1e6) / ns));
    n *= 2;
  }
}

/**
 * @param {Record<string, Operation>} ops
 * @param {{ rounds: number, sampleMs: number, warmupMs: number }} options
 * @param {Record<string, () => Promise<number>>} [extras] other columns sampled once per round, in
 *   the same rotation (a Go peer run by the parent process): each call returns ns/op of one sample
 * @returns {Promise<Record<string, { medianNs: number, minNs: number, maxNs: number, iterations: number, samplesNs: number[] }>>}
 */
export async function measureInterleaved(ops, { rounds, sampleMs, warmupMs }, extras = {}) {
  const names = Object.keys(ops);
  const drivers = Object.fromEntries(names.map((n) => [n, compileDriver(n)]));
  const iterations = {};
  for (const name of names) {
    const deadline = performance.now() + warmupMs;
    do iterations[name] = calibrate(drivers[name], ops[name], sampleMs);
    while (performance.now() < deadline);
  }
  const slots = [...names, ...Object.keys(extras)];
  const samples = Object.fromEntries(slots.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first each round, so slow drift of the machine hits every implementation.
    for (let k = 0; k < slots.length; k++) {
      const name = slots[(r + k) % slots.length];
      if (name in ops) samples[name].push(timeRun(drivers[name], ops[name], iterations[name]));
      else samples[name].push(await extras[name]());
    }
  }
  return Object.fromEntries(
    slots.map((n) => [
      n,
      {
        medianNs: median(samples[n]),
        minNs: Math.min(...samples[n]),
        maxNs: Math.max(...samples[n]),
        iterations: iterations[n] ?? 0,
        samplesNs: samples[n],
      },
    ]),
  );
}
