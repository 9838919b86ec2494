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
import { runGoPeer } from './harness/go-peer.mjs';
import { formatTable } from './harness/report.mjs';
import { checkFailed, judge, TOLERANCE } from './harness/verdict.mjs';

const WORKER = fileURLToPath(new URL('./harness/worker.mjs', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../.bench-results/', import.meta.url));
const ALLOCATION_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];

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

const peerNames = [...new Set(selected.flatMap(({ c }) => (c?.peer?.gopacket ? [c.peer.gopacket] : [])))];
let peer = { medians: {}, samples: {} };
if (options.peer && peerNames.length) {
  log(`gopacket peer: ${peerNames.join(', ')}`);
  peer = runGoPeer(peerNames, options.quick ? { benchtime: '100ms', count: 3 } : {});
  if (peer.error) log(`\n${'!'.repeat(72)}\n!!! gopacket column skipped: ${peer.error}\n${'!'.repeat(72)}\n`);
}
const peerUnavailable = peer.error || !options.peer ? ['gopacket'] : [];

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
  try {
    const timing = await runWorker(file, c.id, 'time', options.cpuProf ? cpuProfFlags() : []);
    for (const [name, t] of Object.entries(timing.timing)) medians[name] = t.medianNs;
    result.timing = timing.timing;
    result.agreement = timing.agreement;
    if (c.allocation?.length) {
      const alloc = await runWorker(file, c.id, 'alloc', ALLOCATION_FLAGS);
      result.allocation = alloc.allocation;
      for (const [name, a] of Object.entries(alloc.allocation)) bytesPerOp[name] = a.bytesPerOp;
    }
  } catch (error) {
    result.error = String(error instanceof Error ? error.message : error);
  }
  const peerName = c.peer?.gopacket;
  if (peerName && peer.medians[peerName] !== undefined) {
    medians.gopacket = peer.medians[peerName];
    result.peer = { gopacket: { benchmark: peerName, samplesNs: peer.samples[peerName] } };
  }
  result.verdicts = judge(c.targets ?? [], medians, bytesPerOp, peerUnavailable);
  return result;
}

/** A case that times whole operations itself (`measure`) in its worker. */
async function runMeasuredCase(file, c, result) {
  try {
    const { measured } = await runWorker(file, c.id, 'measure', ['--expose-gc']);
    Object.assign(result.medians, measured.medians);
    result.notes = measured.notes ?? [];
    result.verdicts = judge(c.targets ?? [], result.medians, {}, measured.unavailable ?? []);
  } catch (error) {
    result.error = String(error instanceof Error ? error.message : error);
  }
  return result;
}

function runWorker(file, id, mode, execArgv) {
  const workerOptions = { rounds: options.rounds, sampleMs: options.sampleMs, warmupMs: options.warmupMs };
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [file, id, mode, JSON.stringify(workerOptions)], {
      cwd: BENCH_DIR,
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message;
    child.on('message', (m) => {
      message = m;
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
      peer,
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
    warmupMs: 300,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--check') o.check = true;
    else if (a === '--quick') Object.assign(o, { quick: true, rounds: 7, sampleMs: 10, warmupMs: 100 });
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--cpu-prof') o.cpuProf = true;
    else if (a === '--filter') o.filter = args[++i] ?? '';
    else if (a === '--rounds') o.rounds = Number(args[++i]);
    else if (a === '--sample-ms') o.sampleMs = Number(args[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node benchmarks/run.mjs [--check] [--quick] [--no-peer] [--cpu-prof] [--filter TEXT]',
      );
      console.log(
        '                               [--rounds N] [--sample-ms MS]   (see benchmarks/README.md)',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return o;
}

function log(text) {
  process.stderr.write(`${text}\n`);
}
