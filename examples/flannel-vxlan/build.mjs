/**
 * Builds the example's two programs into .build/: the agent (.build/agent.cjs) and the CNI plugin
 * (.build/bin/cnk-flannel, one executable file). The @cnikit packages are bundled from source
 * (netlink's native addon is loaded from packages/netlink/build); etcd3 is required at run time
 * from the repository's node_modules.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));
export const BUILD_DIR = join(HERE, '.build');
export const AGENT = join(BUILD_DIR, 'agent.cjs');
export const PLUGIN_DIR = join(BUILD_DIR, 'bin');
export const PLUGIN = join(PLUGIN_DIR, 'cnk-flannel');

const workspace = {
  name: 'cnikit-workspace-src',
  setup(b) {
    b.onResolve({ filter: /^@cnikit\/(cni|wire|netlink|ipam)$/ }, (a) => ({
      path: join(PACKAGES, a.path.slice(8), 'src/index.ts'),
    }));
  },
};

export async function buildExample() {
  if (!existsSync(join(PACKAGES, 'netlink/build/Release/cnikit_netlink.node'))) {
    throw new Error('the @cnikit/netlink addon is not built (npm install builds it)');
  }
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    external: ['etcd3'],
    // @cnikit/netlink finds its native addon (build/Release) from its own location.
    define: {
      'import.meta.url': JSON.stringify(pathToFileURL(join(PACKAGES, 'netlink/src/native.ts')).href),
    },
    plugins: [workspace],
  };
  // Written beside and renamed into place: tests building at the same time never run half a file.
  const tmp = (file) => `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const agentTmp = tmp(AGENT);
  const pluginTmp = tmp(PLUGIN);
  await build({ ...common, entryPoints: [join(HERE, 'agent.ts')], outfile: agentTmp });
  await build({
    ...common,
    entryPoints: [join(HERE, 'plugin.ts')],
    outfile: pluginTmp,
    banner: { js: '#!/usr/bin/env node' },
  });
  chmodSync(pluginTmp, 0o755);
  // The plugin file has no extension: without this the repository's "type": "module" makes it ESM.
  mkdirSync(BUILD_DIR, { recursive: true });
  const pkgTmp = tmp(join(BUILD_DIR, 'package.json'));
  writeFileSync(pkgTmp, '{ "type": "commonjs" }\n');
  renameSync(pkgTmp, join(BUILD_DIR, 'package.json'));
  renameSync(agentTmp, AGENT);
  renameSync(pluginTmp, PLUGIN);
  return { agent: AGENT, plugin: PLUGIN, pluginDir: PLUGIN_DIR };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildExample();
  console.log(`built ${out.agent} and ${out.plugin}`);
}
