/**
 * Interleaved timing of asynchronous implementations (`async () => number`): operations that wait
 * for a lock helper, a child process or a daemon, far slower than the synchronous cases. Same plan
 * as measure.mjs: warm-up, iterations calibrated to ~sampleMs, rounds with a rotating first.
 */
import { median } from './verdict.mjs';

export let sink = 0;

async function timeRun(op, n) {
  const t0 = process.hrtime.bigint();
  let s = 0;
  for (let i = 0; i < n; i++) s += await op();
  sink = (sink + s) | 0;
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Iterations that take about `sampleMs` (at least 1). */
async function calibrate(op, sampleMs) {
  let n = 1;
  for (;;) {
    const ns = (await timeRun(op, n)) * n;
    if (ns >= sampleMs * 1e6 || n >= 2 ** 20) return Math.max(1, Math.round((n * sampleMs * 1e6) / ns));
    n *= 2;
  }
}

export async function measureInterleavedAsync(ops, { rounds, sampleMs, warmupMs }) {
  const names = Object.keys(ops);
  const iterations = {};
  for (const name of names) {
    const deadline = performance.now() + warmupMs;
    do iterations[name] = await calibrate(ops[name], sampleMs);
    while (performance.now() < deadline);
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      samples[name].push(await timeRun(ops[name], iterations[name]));
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        medianNs: median(samples[n]),
        minNs: Math.min(...samples[n]),
        maxNs: Math.max(...samples[n]),
        iterations: iterations[n],
        samplesNs: samples[n],
      },
    ]),
  );
}
