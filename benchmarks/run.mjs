#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench` (table) and `npm run bench:check` (also exits 1 when a target
 * is missed by more than 20%). See README.md for the case-file format and the options.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, discoverCaseFiles, loadCases } from './harness/case-file.mjs';
import { buildGoPeer, GoSampler } from './harness/go-peer.mjs';
import { formatTable } from './harness/report.mjs';
import { checkFailed, judge, TOLERANCE } from './harness/verdict.mjs';

const WORKER = fileURLToPath(new URL('./harness/worker.mjs', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../.bench-results/', import.meta.url));
const ALLOCATION_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];
/** A worker whose `@cnikit/*` imports load the CommonJS builds (harness/cjs-build.mjs). */
const CJS_FLAGS = ['--import', fileURLToPath(new URL('./harness/cjs-build.mjs', import.meta.url))];

const options = parseArgs(process.argv.slice(2));
const startedAt = new Date();

const selected = [];
for (const file of discoverCaseFiles()) {
  try {
    for (const c of await loadCases(file)) {
      if (!options.filter || `${file} ${c.id} ${c.title}`.includes(options.filter))
        selected.push({ file, c });
    }
  } catch (error) {
    selected.push({ file, loadError: String(error instanceof Error ? error.message : error) });
  }
}

// Peer columns (a Go benchmark per case, in benchmarks/peers/<column>/): each peer is compiled
// once; the timing workers then ask for one Go sample per JS round (see harness/go-peer.mjs).
const peerColumns = [...new Set(selected.flatMap(({ c }) => Object.keys(c?.peer ?? {})))];
/** @type {Record<string, { binary: string, dir: string, version: string } | { error: string }>} */
const peers = {};
for (const column of options.peer ? peerColumns : []) {
  log(`building the ${column} peer`);
  peers[column] = buildGoPeer(column);
  const error = peers[column].error;
  if (error) log(`\n${'!'.repeat(72)}\n!!! ${column} column skipped: ${error}\n${'!'.repeat(72)}\n`);
}
const peerUnavailable = peerColumns.filter((column) => !options.peer || peers[column]?.error);

const results = [];
for (const { file, c, loadError } of selected) {
  if (loadError) {
    results.push({ file, id: '-', title: file, medians: {}, bytesPerOp: {}, verdicts: [], error: loadError });
    continue;
  }
  log(`${file} ${c.id}: ${c.title}`);
  results.push(await runCase(file, c));
}

console.log(`\n${formatTable(results)}\n`);
console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? '?'} ×${cpus().length}; ${options.rounds} interleaved rounds of ~${options.sampleMs} ms per implementation, median ns/op. ` +
    `Go peer columns: one run of ~${options.goSampleMs} ms per round, interleaved with the JS samples, median. ` +
    `NEAR = target missed by ≤${TOLERANCE * 100}% (passes --check); FAIL = missed by more.`,
);
writeResults();

const failed = results.some((r) => r.error || checkFailed(r.verdicts)) || results.length === 0;
if (options.check) {
  console.log(failed ? 'bench:check FAILED' : 'bench:check passed');
  process.exitCode = failed ? 1 : 0;
}

async function runCase(file, c) {
  const medians = {};
  const bytesPerOp = {};
  const peakHeapBytes = {};
  const result = { file, id: c.id, title: c.title, medians, bytesPerOp, verdicts: [] };
  const blocker = await c.blocker?.();
  if (blocker) {
    log(`\n${'!'.repeat(72)}\n!!! ${c.id} skipped: ${blocker}\n${'!'.repeat(72)}\n`);
    result.skipped = blocker;
    result.verdicts = judge(
      c.targets ?? [],
      medians,
      bytesPerOp,
      (c.targets ?? []).map((t) => t.vs),
    );
    return result;
  }
  if (c.measure) return runMeasuredCase(file, c, result);
  const samplers = {};
  for (const [column, benchmark] of Object.entries(c.peer ?? {})) {
    const built = peers[column];
    if (built && !built.error) samplers[column] = new GoSampler(built, benchmark, options.goSampleMs);
  }
  try {
    const timing = await runWorker(file, c, 'time', options.cpuProf ? cpuProfFlags() : [], samplers);
    for (const [name, t] of Object.entries(timing.timing)) medians[name] = t.medianNs;
    result.timing = timing.timing;
    result.agreement = timing.agreement;
    if (c.formats) {
      // The same case from the CommonJS builds, in a worker of its own: `ours` above is the ESM build.
      // The two workers run one after the other, so the machine's load may differ between them:
      // when both timed the hand-written loop (no @cnikit code, the same in both), the CJS figure
      // is scaled by the ratio of the two loop medians (the raw medians stay in timingCjs).
      const cjs = await runWorker(file, c, 'time', CJS_FLAGS);
      const drift =
        medians.loop > 0 && cjs.timing.loop?.medianNs > 0 ? medians.loop / cjs.timing.loop.medianNs : 1;
      medians['ours-cjs'] = cjs.timing.ours.medianNs * drift;
      result.timingCjs = cjs.timing;
      result.cjsLoadScale = drift;
    }
    if (Object.keys(samplers).length) {
      result.peer = {};
      for (const [column, s] of Object.entries(samplers)) {
        result.peer[column] = {
          benchmark: s.name,
          iterations: s.iterations,
          samplesNs: s.samplesNs,
          metrics: s.last?.metrics,
        };
        checkPeerAgreement(column, s, timing.peerCheck);
      }
    }
    if (c.allocation?.length) {
      const alloc = await runWorker(file, c, 'alloc', ALLOCATION_FLAGS);
      result.allocation = alloc.allocation;
      for (const [name, a] of Object.entries(alloc.allocation)) bytesPerOp[name] = a.bytesPerOp;
    }
    if (c.heap) {
      const heap = await runWorker(file, c, 'heap', []);
      result.heap = heap.heap;
      peakHeapBytes[heap.heap.impl] = heap.heap.peakBytes;
    }
  } catch (error) {
    result.error = String(error instanceof Error ? error.message : error);
  }
  result.verdicts = judge(c.targets ?? [], medians, bytesPerOp, peerUnavailable, peakHeapBytes);
  return result;
}

/** A case that times whole operations itself (`measure`) in its worker. */
async function runMeasuredCase(file, c, result) {
  try {
    const { measured } = await runWorker(file, c, 'measure', ['--expose-gc']);
    Object.assign(result.medians, measured.medians);
    result.notes = measured.notes ?? [];
    result.verdicts = judge(c.targets ?? [], result.medians, {}, measured.unavailable ?? []);
  } catch (error) {
    result.error = String(error instanceof Error ? error.message : error);
  }
  return result;
}

/**
 * The peer's benchmark reports what it counted as metrics (b.ReportMetric: routes, sum, bytes);
 * each must equal the value the case computed with our decoder for the same bytes.
 */
function checkPeerAgreement(column, sampler, expected) {
  if (!expected) return;
  const got = sampler.last?.metrics ?? {};
  const differ = Object.entries(expected).filter(([unit, value]) => got[unit] !== value);
  if (differ.length) {
    throw new Error(
      `${column} ${sampler.name} disagrees with ours: ${differ.map(([u, v]) => `${u} ${got[u]} ≠ ${v}`).join(', ')}`,
    );
  }
}

function runWorker(file, c, mode, execArgv, samplers = {}) {
  const workerOptions = {
    rounds: c.rounds ?? options.rounds,
    sampleMs: options.sampleMs,
    warmupMs: options.warmupMs,
    peers: Object.keys(samplers),
  };
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [file, c.id, mode, JSON.stringify(workerOptions)], {
      cwd: BENCH_DIR,
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message;
    child.on('message', (m) => {
      if (m?.peerSample === undefined) {
        message = m;
        return;
      }
      // The worker waits while the Go sample runs (spawnSync), so the two never overlap.
      const sampler = samplers[m.peerSample];
      try {
        sampler.env = m.env ?? {};
        child.send({ peerSampleOf: m.peerSample, ns: sampler.sample() });
      } catch (error) {
        child.send({
          peerSampleOf: m.peerSample,
          error: String(error instanceof Error ? error.message : error),
        });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message?.ok) resolve(message);
      else reject(new Error(message?.error ?? `${mode} worker exited with code ${code}`));
    });
  });
}

function cpuProfFlags() {
  const dir = `${RESULTS_DIR}profiles`;
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

function writeResults() {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model,
      options,
      peers,
      results,
    },
    null,
    2,
  );
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${RESULTS_DIR}bench-${stamp}.json`, json);
  writeFileSync(`${RESULTS_DIR}latest.json`, json);
  console.log(`results: .bench-results/bench-${stamp}.json (and latest.json)`);
}

function parseArgs(args) {
  const o = {
    check: false,
    quick: false,
    peer: true,
    cpuProf: false,
    filter: '',
    rounds: 41,
    sampleMs: 10,
    goSampleMs: 50,
    warmupMs: 300,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--check') o.check = true;
    else if (a === '--quick')
      Object.assign(o, { quick: true, rounds: 7, sampleMs: 10, goSampleMs: 20, warmupMs: 100 });
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--cpu-prof') o.cpuProf = true;
    else if (a === '--filter') o.filter = args[++i] ?? '';
    else if (a === '--rounds') o.rounds = Number(args[++i]);
    else if (a === '--sample-ms') o.sampleMs = Number(args[++i]);
    else if (a === '--go-sample-ms') o.goSampleMs = Number(args[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node benchmarks/run.mjs [--check] [--quick] [--no-peer] [--cpu-prof] [--filter TEXT]',
      );
      console.log(
        '                               [--rounds N] [--sample-ms MS] [--go-sample-ms MS]   (see benchmarks/README.md)',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return o;
}

function log(text) {
  process.stderr.write(`${text}\n`);
}
