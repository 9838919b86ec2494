import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { it } from 'vitest';
import {
  assertCorpusComplete,
  CORPUS_DIR,
  CORPUS_HOWTO,
  CORPUS_PCAP_DIR,
  corpusPresent,
  expectedPath,
  loadTsharkPackets,
} from '../../../test/support/corpus.js';
import { type CliIo, runCli } from '../src/cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what is written, optionally claiming to be a terminal. */
export function collectingStream(isTTY = false) {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 80,
    write(s: string) {
      chunks.push(s);
      return true;
    },
    text: () => chunks.join(''),
  };
}

/** Runs `cnikit argv…` in-process and collects its output and exit status. */
export async function cnikit(
  argv: string[],
  tty: { stdout?: boolean; stderr?: boolean } = {},
): Promise<CliRun> {
  const stdout = collectingStream(tty.stdout);
  const stderr = collectingStream(tty.stderr);
  const io: CliIo = { stdout, stderr, version: 'test' };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** NDJSON output → one object per line. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export const corpusFile = (name: string) => join(CORPUS_PCAP_DIR, name);

export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `it` for tests that run tshark (or need the corpus): skipped with a printed reason when the
 * prerequisite is missing, but failing when CI=true, where it must run.
 */
export function itRequires(
  prerequisite: { readonly ok: boolean; readonly missing: string },
  name: string,
  fn: () => void | Promise<void>,
): void {
  it(name, async (context) => {
    if (!prerequisite.ok) {
      if (process.env.CI === 'true')
        throw new Error(`${prerequisite.missing}, and CI=true requires "${name}"`);
      console.warn(`SKIPPED "${name}": ${prerequisite.missing}`);
      context.skip(prerequisite.missing);
    }
    await fn();
  });
}

export const TSHARK = { ok: HAVE_TSHARK, missing: 'tshark is not installed (apt-get install tshark)' };
function corpusReady(): boolean {
  if (!corpusPresent()) return false;
  assertCorpusComplete();
  return true;
}

/** The shared corpus; when it is there it must be whole (assertCorpusComplete throws naming what is missing). */
export const CORPUS = {
  ok: corpusReady(),
  missing: `no capture corpus at ${CORPUS_DIR}; ${CORPUS_HOWTO}`,
};

/**
 * Writes `dest`: the pcap file `source` with its records repeated until the file is at least
 * `minBytes` long (for progress and streaming tests). Returns how many packets it holds.
 */
export function repeatPcap(source: string, minBytes: number, dest: string): number {
  const file = readFileSync(source);
  const records = file.subarray(24);
  const perCopy = tsharkFrameCount(source);
  const copies = Math.ceil((minBytes - 24) / records.length);
  const fd = openSync(dest, 'w');
  try {
    writeSync(fd, file.subarray(0, 24));
    for (let i = 0; i < copies; i++) writeSync(fd, records);
  } finally {
    closeSync(fd);
  }
  return copies * perCopy;
}

/** Frames in a corpus capture, from tshark's decode of it. */
export function tsharkFrameCount(path: string): number {
  const expected = expectedPath(basename(path));
  if (!expected) throw new Error(`no tshark decode of ${path}`);
  return loadTsharkPackets(expected).length;
}
