import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LOCK = join(
  fileURLToPath(new URL('../../', import.meta.url)),
  'node_modules',
  '.cache',
  'cnikit-packaging-build.lock',
);
const STALE_MS = 10 * 60_000;

/**
 * Runs `fn` holding a lock shared by the test files here, so two vitest workers never run tsup
 * (whose `clean` empties dist/) on the same package at once, or read a dist another is rebuilding.
 */
export function withBuildLock<T>(fn: () => T): T {
  mkdirSync(join(LOCK, '..'), { recursive: true });
  const deadline = Date.now() + STALE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // a lock older than that was left behind by a killed run
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_MS)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
