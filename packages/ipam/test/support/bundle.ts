import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Bundles a TypeScript entry (importing the package sources) into one .mjs that plain `node` runs,
 * so tests can start real separate processes of our allocator. Returns the file and a cleanup.
 */
export function bundleWorker(entry: string): { file: string; dispose: () => void } {
  // Inside the repository's node_modules, so the bundle's external imports (etcd3) resolve.
  const cache = join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'cnk-ipam-bundle-'));
  const file = join(dir, 'worker.mjs');
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    external: ['etcd3'],
    alias: { '@cnikit/wire': join(root, 'packages/wire/src/index.ts') },
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'error',
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
