import { execFileSync, spawnSync } from 'node:child_process';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../test/support/netns.js';
import { netlinkAvailable } from '../src/native.js';

/** Why the kernel tests of this package cannot run here (printed loudly; a failure under CI=true). */
export function netlinkTestBlocker(extraTools: readonly string[] = []): string | undefined {
  const blocker = kernelTestBlocker(extraTools);
  if (blocker) return blocker;
  if (!netlinkAvailable()) return 'the native addon is not built (npm rebuild @cnikit/netlink)';
  return undefined;
}

export function kernelBlocker(what: string, extraTools: readonly string[] = []): string | undefined {
  const blocker = netlinkTestBlocker(extraTools);
  announceKernelTestBlocker(blocker, what);
  return blocker;
}

/** A Lab whose namespaces are named cnk-nl-<random>-<role>. */
export function netlinkLab(): Lab {
  return new Lab('cnk-nl');
}

export function nsPath(ns: string): string {
  return `/var/run/netns/${ns}`;
}

/** `ip -j …` inside a namespace, parsed. */
export function ipJson<T = Record<string, unknown>[]>(lab: Lab, ns: string, args: string): T {
  const out = lab.run(ns, `ip -j ${args}`);
  return JSON.parse(out || '[]') as T;
}

export function bridgeJson<T = Record<string, unknown>[]>(lab: Lab, ns: string, args: string): T {
  const out = lab.run(ns, `bridge -j ${args}`);
  return JSON.parse(out || '[]') as T;
}

export { execFileSync, spawnSync };

/**
 * Bundles a test child script (TypeScript, importing ../src) into a fresh directory inside the
 * package (so node-gyp-build finds the addon one level up) readable by any user; returns the
 * script's path and a cleanup function.
 */
export async function bundleChild(entry: string): Promise<{ script: string; cleanup: () => void }> {
  const { build } = await import('esbuild');
  const { chmodSync, mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const here = import.meta.dirname;
  const dir = mkdtempSync(join(here, '..', '.test-child-'));
  chmodSync(dir, 0o755);
  const script = join(dir, 'child.mjs');
  await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: script,
    external: ['node-gyp-build'],
    alias: { '@cnikit/wire': join(here, '..', '..', 'wire', 'src', 'index.ts') },
    logLevel: 'silent',
  });
  return { script, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
