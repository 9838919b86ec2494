/** The publishable workspace packages, and building them when their dist is missing or stale. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { REPO_ROOT } from './readme-runner.js';

export interface WorkspacePackage {
  /** `@cnikit/wire` */
  readonly name: string;
  /** `wire` */
  readonly dirName: string;
  /** Absolute path of packages/<dirName>. */
  readonly dir: string;
  readonly manifest: { readonly name: string; readonly version: string; readonly [key: string]: unknown };
}

export interface Discovery {
  readonly included: WorkspacePackage[];
  readonly skipped: { readonly name: string; readonly reason: string }[];
}

/**
 * Every non-private package under packages/, except those whose src/index.ts is still the
 * `export {};` placeholder (they have nothing to publish yet).
 */
export function discoverPackages(): Discovery {
  const included: WorkspacePackage[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const root = join(REPO_ROOT, 'packages');
  for (const dirName of readdirSync(root).sort()) {
    const dir = join(root, dirName);
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private === true) {
      skipped.push({ name: manifest.name, reason: 'private: true' });
      continue;
    }
    const index = join(dir, 'src', 'index.ts');
    const source = existsSync(index) ? readFileSync(index, 'utf8') : '';
    if (/^\s*export\s*\{\s*\}\s*;?\s*$/.test(source)) {
      skipped.push({ name: manifest.name, reason: 'src/index.ts is still the `export {};` stub' });
      continue;
    }
    included.push({ name: manifest.name, dirName, dir, manifest });
  }
  return { included, skipped };
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why packages/<dirName> needs a build, or undefined when dist is present and newer than its inputs. */
export function staleReason(pkg: WorkspacePackage): string | undefined {
  const outputs = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((f) => join(pkg.dir, 'dist', f));
  const missing = outputs.find((f) => !existsSync(f));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const inputs = [
    join(pkg.dir, 'src'),
    join(pkg.dir, 'package.json'),
    join(pkg.dir, 'tsup.config.ts'),
    join(REPO_ROOT, 'tsup.config.base.ts'),
  ];
  const changed = Math.max(...inputs.filter(existsSync).map(newestMtime));
  return changed > built ? 'src/ is newer than dist/' : undefined;
}

/** Builds, in dependency order (the order given), every package whose dist is missing or stale. */
export function buildIfNeeded(packages: readonly WorkspacePackage[]): string[] {
  return withBuildLock(() => buildUnlocked(packages));
}

function buildUnlocked(packages: readonly WorkspacePackage[]): string[] {
  const log: string[] = [];
  // wire first: the others' .d.ts builds read its declarations
  const ordered = [...packages].sort((a, b) => (a.dirName === 'wire' ? -1 : b.dirName === 'wire' ? 1 : 0));
  for (const pkg of ordered) {
    const reason = staleReason(pkg);
    if (!reason) continue;
    log.push(`building ${pkg.name}: ${reason}`);
    const r = spawnSync('npm', ['run', 'build', '-w', `packages/${pkg.dirName}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new Error(`npm run build -w packages/${pkg.dirName} failed:\n${r.stdout}\n${r.stderr}`);
  }
  return log;
}
