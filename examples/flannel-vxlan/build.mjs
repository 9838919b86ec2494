/**
 * Builds the example's two programs into .build/: the agent (.build/agent.cjs) and the CNI plugin
 * (.build/bin/cnk-flannel, one executable file). The @cnikit packages are bundled from source
 * (netlink's native addon is loaded from packages/netlink/build); etcd3 is required at run time
 * from the repository's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
    // Half the bytes to read and parse on every ADD and DEL.
    minify: true,
    // The time the first line runs, for the start-up split (plugin.ts, CNK_FLANNEL_TRACE).
    banner: { js: '#!/usr/bin/env node\nglobalThis.cnkFirstLine = process.uptime() * 1000;' },
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

/**
 * The plugin as a V8 start-up snapshot (Node 20's `--build-snapshot`): the modules are loaded and
 * initialised at build time, and `.build/snapshot/bin/cnk-flannel` starts Node from the blob
 * (`#!/usr/bin/env -S node --snapshot-blob …`). benchmarks/cni-startup.mjs measures it next to the
 * plain file; it is not the shipped plugin, because here it starts slower (see the README).
 */
export async function buildSnapshot() {
  const { plugin } = await buildExample();
  const dir = join(BUILD_DIR, 'snapshot');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const blob = join(dir, 'cnk-flannel.blob');
  const entry = join(dir, 'entry.cjs');
  // The same bundle without its shebang line, which the snapshot builder does not accept.
  const code = readFileSync(plugin, 'utf8');
  writeFileSync(entry, code.slice(code.indexOf('\n') + 1));
  execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { stdio: 'pipe' });
  const exe = join(dir, 'bin', 'cnk-flannel');
  writeFileSync(exe, `#!/usr/bin/env -S ${process.execPath} --snapshot-blob ${blob}\n`);
  chmodSync(exe, 0o755);
  return { plugin: exe, pluginDir: join(dir, 'bin') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildExample();
  console.log(`built ${out.agent} and ${out.plugin}`);
}
