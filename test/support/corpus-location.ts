import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the shared capture corpus is, for every suite: `$CNIKIT_CORPUS` when set, else
 * `../shared/corpus` beside the clone. A fresh clone has neither; the captures recorded by the
 * project itself live in `examples/captures` and are always there.
 */

/** The repository's root folder. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export const CORPUS_DIR = process.env.CNIKIT_CORPUS ?? resolve(REPO_ROOT, '../shared/corpus');
export const CORPUS_PCAP_DIR = join(CORPUS_DIR, 'pcap');
export const CORPUS_EXPECTED_DIR = join(CORPUS_DIR, 'expected');

/** What the corpus holds (its README): the tcpdump test captures and tshark's decode of each readable one under 2 MiB. */
export const CORPUS_CAPTURES = 490;
export const CORPUS_EXPECTED = 487;

/** How a user gets the corpus, said in every skip line. */
export const CORPUS_HOWTO =
  'put the shared capture corpus at ../shared/corpus beside the clone or set CNIKIT_CORPUS=/path/to/corpus (CI has it)';

/** True when the corpus directory is there at all (complete or not). */
export function corpusPresent(): boolean {
  return existsSync(join(CORPUS_DIR, 'MANIFEST.tsv'));
}

/**
 * What is wrong with the corpus at `dir` (empty when it is whole): MANIFEST.tsv must name exactly
 * the captures in `pcap/`, `counts.captures` of them, with `counts.expected` tshark decodes in
 * `expected/`, each of a listed capture.
 */
export function corpusProblems(
  dir: string,
  counts: { readonly captures: number; readonly expected: number } = {
    captures: CORPUS_CAPTURES,
    expected: CORPUS_EXPECTED,
  },
): string[] {
  const problems: string[] = [];
  const manifestPath = join(dir, 'MANIFEST.tsv');
  const manifest = existsSync(manifestPath)
    ? readFileSync(manifestPath, 'utf8')
        .split('\n')
        .slice(1)
        .filter((line) => line !== '')
        .map((line) => line.split('\t')[0])
    : [];
  const pcapDir = join(dir, 'pcap');
  const expectedDir = join(dir, 'expected');
  const captures = existsSync(pcapDir) ? readdirSync(pcapDir) : [];
  const expected = existsSync(expectedDir) ? readdirSync(expectedDir) : [];
  const listed = new Set(manifest);
  const present = new Set(captures);
  const some = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  const missing = manifest.filter((f) => !present.has(f));
  const extra = captures.filter((f) => !listed.has(f));
  const stray = expected.filter(
    (f) => !f.endsWith('.json.gz') || !listed.has(f.slice(0, -'.json.gz'.length)),
  );
  if (missing.length > 0)
    problems.push(`${missing.length} captures MANIFEST.tsv lists are missing (${some(missing)})`);
  if (extra.length > 0) problems.push(`${extra.length} captures are not in MANIFEST.tsv (${some(extra)})`);
  if (stray.length > 0) problems.push(`expected/ has files of no listed capture (${some(stray)})`);
  if (manifest.length !== counts.captures) {
    problems.push(`MANIFEST.tsv lists ${manifest.length} captures, not ${counts.captures}`);
  }
  if (captures.length !== counts.captures)
    problems.push(`pcap/ holds ${captures.length} files, not ${counts.captures}`);
  if (expected.length !== counts.expected) {
    problems.push(`expected/ holds ${expected.length} decodes, not ${counts.expected}`);
  }
  return problems;
}

type CorpusCounts = { readonly captures: number; readonly expected: number };

const whole = new Set<string>();

/** Throws naming what is missing or extra unless the corpus at `dir` is whole (checked once per folder and run), so a lost file fails the suites instead of shrinking them. */
export function assertCorpusComplete(dir = CORPUS_DIR, counts?: CorpusCounts): void {
  if (!counts && whole.has(dir)) return;
  const problems = corpusProblems(dir, counts);
  if (problems.length > 0) {
    throw new Error(`the capture corpus at ${dir} is incomplete: ${problems.join('; ')}`);
  }
  if (!counts) whole.add(dir);
}

/** Where and under which rules haveCorpus looks; the defaults are this run's. */
export interface CorpusCheck {
  readonly dir?: string;
  readonly counts?: CorpusCounts;
  /** Default: `CI` is `true` in the environment. */
  readonly ci?: boolean;
  readonly warn?: (line: string) => void;
}

/**
 * Whether the suite `what` can read the corpus. Present: checks it is whole (throws if not) and
 * returns true. Missing: under `CI=true` throws (CI always has it); otherwise prints one loud line
 * naming what is skipped and how to get the corpus, and returns false. Use it to skip:
 * `describe.skipIf(!haveCorpus('…'))(…)`.
 */
export function haveCorpus(what: string, check: CorpusCheck = {}): boolean {
  const dir = check.dir ?? CORPUS_DIR;
  if (existsSync(join(dir, 'MANIFEST.tsv'))) {
    assertCorpusComplete(dir, check.counts);
    return true;
  }
  const why = `no capture corpus at ${dir}`;
  if (check.ci ?? process.env.CI === 'true') {
    throw new Error(`CI=true and ${why}: ${what} must run (${CORPUS_HOWTO})`);
  }
  (check.warn ?? console.warn)(`!!! SKIPPED ${what}: ${why}; ${CORPUS_HOWTO}`);
  return false;
}
