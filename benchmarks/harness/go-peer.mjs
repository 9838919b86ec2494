/**
 * The Go peers (peers/<name>/: gopacket, gobgp): each is compiled once into a test binary
 * (`go test -c`, GOPATH mode against Debian's Go packages, GOPATH and build cache in a temp dir,
 * never in the repo), and then sampled many times, one short `-test.benchtime=<N>x` run per JS
 * round, so that the Go column is a median over the same minutes as the JS columns.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEERS_DIR = fileURLToPath(new URL('../peers/', import.meta.url));
const SYSTEM_GOPATH = '/usr/share/gocode';
const SCRATCH = join(tmpdir(), 'cnikit-bench-go');

/** @returns {string | undefined} `go version` output, or undefined when go is not installed */
export function goVersion() {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * @typedef {{ name: string, iterations: number, nsPerOp: number, metrics: Record<string, number> }} GoBenchLine
 */

/**
 * Parses `go test -bench` output, one entry per result line (the -N GOMAXPROCS suffix dropped);
 * `metrics` holds every other "value unit" pair (B/op, allocs/op, b.ReportMetric's units).
 * @returns {GoBenchLine[]}
 */
export function parseGoBenchLines(output) {
  const lines = [];
  for (const line of output.split('\n')) {
    const m = /^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const metrics = {};
    for (const [, value, unit] of m[3].matchAll(/([\d.e+-]+) (\S+)/g)) metrics[unit] = Number(value);
    if (metrics['ns/op'] === undefined) continue;
    const nsPerOp = metrics['ns/op'];
    delete metrics['ns/op'];
    lines.push({ name: m[1], iterations: Number(m[2]), nsPerOp, metrics });
  }
  return lines;
}

/**
 * ns/op samples per benchmark.
 * @returns {Record<string, number[]>}
 */
export function parseGoBench(output) {
  const samples = {};
  for (const l of parseGoBenchLines(output)) (samples[l.name] ??= []).push(l.nsPerOp);
  return samples;
}

function goEnv(extra = {}) {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: `${join(SCRATCH, 'gopath')}:${SYSTEM_GOPATH}`,
    GOCACHE: join(SCRATCH, 'cache'),
    GOFLAGS: '',
    ...extra,
  };
}

/**
 * Compiles peers/<peer> into a test binary (in the temp scratch dir).
 * @returns {{ binary: string, dir: string, version: string } | { error: string }}
 */
export function buildGoPeer(peer) {
  const version = goVersion();
  if (!version) return { error: `\`go\` not found: install golang-go to get the ${peer} column` };
  const dir = join(PEERS_DIR, peer);
  if (!existsSync(dir)) return { error: `no peer directory benchmarks/peers/${peer}` };
  mkdirSync(join(SCRATCH, 'gopath'), { recursive: true });
  const binary = join(SCRATCH, `${peer}.test`);
  const r = spawnSync('go', ['test', '-c', '-o', binary, '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: goEnv(),
    timeout: 300_000,
  });
  if (r.status !== 0)
    return { error: `go test -c failed in peers/${peer}:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trim() };
  return { binary, dir, version };
}

/**
 * One run of one benchmark of a built peer: `-test.benchtime` is a duration ("50ms", Go
 * calibrates) or a fixed count ("800x").
 * @returns {GoBenchLine}
 */
export function runGoBenchmark(built, name, benchtime, env = {}) {
  const r = spawnSync(
    built.binary,
    [
      '-test.run',
      '^$',
      '-test.bench',
      `^${name}$`,
      `-test.benchtime=${benchtime}`,
      '-test.count=1',
      '-test.benchmem',
    ],
    { cwd: built.dir, encoding: 'utf8', env: goEnv(env), timeout: 120_000 },
  );
  const line = parseGoBenchLines(r.stdout ?? '').find((l) => l.name === name);
  if (r.status !== 0 || !line) {
    throw new Error(
      `${name} gave no result (exit ${r.status}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trim(),
    );
  }
  return line;
}

/**
 * Samples one Go benchmark repeatedly with the same iteration count, found on the first call
 * (one Go-calibrated run of `sampleMs`, not used as a sample).
 */
export class GoSampler {
  /** @param {{ binary: string, dir: string }} built */
  constructor(built, name, sampleMs, env = {}) {
    this.built = built;
    this.name = name;
    this.sampleMs = sampleMs;
    this.env = env;
    this.iterations = 0;
    /** @type {number[]} */
    this.samplesNs = [];
    /** @type {GoBenchLine | undefined} the last run's line, with its metrics */
    this.last = undefined;
  }

  /** @returns {number} ns/op of one more sample */
  sample() {
    if (this.iterations === 0) {
      const pilot = runGoBenchmark(this.built, this.name, `${this.sampleMs}ms`, this.env);
      this.iterations = Math.max(1, Math.round((this.sampleMs * 1e6) / pilot.nsPerOp));
    }
    this.last = runGoBenchmark(this.built, this.name, `${this.iterations}x`, this.env);
    this.samplesNs.push(this.last.nsPerOp);
    // Go's calibration can end on a slow short run (a first GC, a cold cache) and ask for too few
    // iterations: grow the count when a sample came out shorter than sampleMs (never shrink it).
    this.iterations = Math.max(this.iterations, Math.round((this.sampleMs * 1e6) / this.last.nsPerOp));
    return this.last.nsPerOp;
  }
}
