/**
 * Case files: `benchmarks/*.bench.mjs`, each exporting `cases` (see ../README.md for the format).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * @typedef {() => number} Operation
 * @typedef {{ vs: string, max: number, of?: string } | { allocationFree: string }} Target
 * @typedef {{
 *   id: string,
 *   title: string,
 *   setup: () => Record<string, Operation> | Promise<Record<string, Operation>>,
 *   agree?: boolean,
 *   agreeOps?: number,
 *   verify?: () => void | Promise<void>,
 *   allocation?: string[],
 *   peer?: { gopacket?: string },
 *   targets?: Target[],
 *   measure?: () => Promise<{ medians: Record<string, number>, unavailable?: string[], notes?: string[] }>,
 *   blocker?: () => string | undefined,
 *   formats?: boolean,
 * }} BenchCase
 * A case with `measure` (whole operations such as a kernel dump, timed by the case itself) has no
 * `setup`; `blocker` says why it cannot run here (no root): the case is then skipped loudly.
 * `formats: true` times the case once more from the CommonJS builds (the `ours-cjs` column).
 */

/** Case file paths, sorted, relative to benchmarks/. */
export function discoverCaseFiles(dir = BENCH_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.mjs'))
    .sort();
}

/** @returns {Promise<BenchCase[]>} */
export async function loadCases(file, dir = BENCH_DIR) {
  const mod = await import(pathToFileURL(`${dir}${file}`).href);
  if (!Array.isArray(mod.cases)) throw new Error(`${file} exports no \`cases\` array`);
  for (const c of mod.cases) {
    if (typeof c.id !== 'string' || (typeof c.setup !== 'function' && typeof c.measure !== 'function')) {
      throw new Error(`${file}: every case needs an \`id\` string and a \`setup\` (or \`measure\`) function`);
    }
  }
  return mod.cases;
}
