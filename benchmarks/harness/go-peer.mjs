/**
 * The Go peer (peers/gopacket): `go test -bench` in GOPATH mode against Debian's gopacket, with
 * the build cache and GOPATH in a temp dir, never in the repo.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './verdict.mjs';

const PEER_DIR = fileURLToPath(new URL('../peers/gopacket/', import.meta.url));
const SYSTEM_GOPATH = '/usr/share/gocode';

/** @returns {string | undefined} `go version` output, or undefined when go is not installed */
export function goVersion() {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Parses `go test -bench` output into ns/op samples per benchmark (the -N GOMAXPROCS suffix dropped).
 * @returns {Record<string, number[]>}
 */
export function parseGoBench(output) {
  const samples = {};
  for (const line of output.split('\n')) {
    const m = /^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/.exec(line);
    if (m) (samples[m[1]] ??= []).push(Number(m[2]));
  }
  return samples;
}

/**
 * Runs the named benchmarks; returns median ns/op per benchmark, or an error text.
 * @param {string[]} names
 * @returns {{ medians: Record<string, number>, samples: Record<string, number[]>, version?: string, error?: string }}
 */
export function runGoPeer(names, { benchtime = '200ms', count = 5 } = {}) {
  if (names.length === 0) return { medians: {}, samples: {} };
  const version = goVersion();
  if (!version)
    return {
      medians: {},
      samples: {},
      error: '`go` not found: install golang-go to get the gopacket column',
    };
  const scratch = join(tmpdir(), 'cnikit-bench-go');
  mkdirSync(join(scratch, 'gopath'), { recursive: true });
  const r = spawnSync(
    'go',
    [
      'test',
      '-run',
      '^$',
      '-bench',
      `^(${names.join('|')})$`,
      `-benchtime=${benchtime}`,
      `-count=${count}`,
      '.',
    ],
    {
      cwd: PEER_DIR,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${join(scratch, 'gopath')}:${SYSTEM_GOPATH}`,
        GOCACHE: join(scratch, 'cache'),
        GOFLAGS: '',
      },
      timeout: 120_000,
    },
  );
  const samples = parseGoBench(r.stdout ?? '');
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const missing = names.filter((n) => !(n in medians));
  const error =
    r.status !== 0 || missing.length
      ? `go test failed (exit ${r.status}${missing.length ? `; no result for ${missing.join(', ')}` : ''}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trim()
      : undefined;
  return { medians, samples, version, error };
}
