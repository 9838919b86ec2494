import { chmodSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles a plugin source into one executable file (`#!/usr/bin/env node`, CommonJS, Node 20),
 * `@cnikit/*` resolved to the workspace sources, as a plugin author would ship it.
 */
export async function buildPlugin(
  entry: string,
  outfile: string,
  options: { minify?: boolean } = {},
): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: options.minify ?? false,
    logLevel: 'silent',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [
      {
        name: 'cnikit-workspace',
        setup(b) {
          b.onResolve({ filter: /^@cnikit\/[a-z0-9-]+$/ }, (args) => {
            const path = `${PACKAGES}${args.path.slice('@cnikit/'.length)}/src/index.ts`;
            return existsSync(path) ? { path } : undefined;
          });
        },
      },
    ],
  });
  chmodSync(outfile, 0o755);
  return outfile;
}

/** The directory of Debian's containernetworking-plugins. */
export const DEBIAN_CNI_DIR = '/usr/lib/cni';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
