/**
 * The third-party dependencies of our tarballs, served by a registry on loopback so that a consumer
 * installs them as a user would, from the exact versions in the repository's node_modules and with
 * no other network. Packing each into a tarball given to `npm install` worked while every
 * dependency was hoisted; a nested second version (etcd3 → @grpc/grpc-js → @grpc/proto-loader
 * 0.8 beside the top-level 0.7) cannot be given that way, since npm then asks a registry.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The installed package `name` as Node resolves it from `fromDir`, or undefined. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Every installed package directory that the manifests at `roots` need, transitively (ours excluded). */
export function dependencyClosure(roots: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (dir: string, optionalToo: boolean) => {
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const names = [
      ...Object.keys(m.dependencies ?? {}),
      ...(optionalToo ? Object.keys(m.optionalDependencies ?? {}) : []),
      ...Object.keys(m.peerDependencies ?? {}),
    ];
    for (const name of names) {
      if (name.startsWith('@cnikit/')) continue;
      const at = resolvePackageDir(name, dir);
      if (at === undefined) {
        if (m.dependencies?.[name]) throw new Error(`${m.name} needs ${name}, which is not installed`);
        continue; // an optional or peer dependency npm did not install here: the registry lacks it too
      }
      if (found.has(at)) continue;
      found.add(at);
      visit(at, true);
    }
  };
  for (const root of roots) visit(root, false);
  return [...found].sort();
}

export interface LocalRegistry {
  readonly url: string;
  /** How many package versions it serves. */
  readonly versions: number;
  close(): void;
}

/**
 * Tars each package directory as npm would (under `package/`, without its nested node_modules),
 * writes the packuments, and starts a child process serving them on 127.0.0.1.
 */
export async function startLocalRegistry(
  packageDirs: readonly string[],
  workDir: string,
): Promise<LocalRegistry> {
  const files = join(workDir, 'registry');
  mkdirSync(files, { recursive: true });
  const packuments: Record<string, { name: string; versions: Record<string, unknown> }> = {};
  packageDirs.forEach((dir, i) => {
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const file = `${i}.tgz`;
    const tar = spawnSync(
      'tar',
      [
        '-czf',
        join(files, file),
        '--exclude=./node_modules',
        '--transform',
        's,^\\.,package,',
        '-C',
        dir,
        '.',
      ],
      { encoding: 'utf8' },
    );
    if (tar.status !== 0) throw new Error(`tar of ${dir} failed: ${tar.stderr}`);
    const { scripts: _scripts, ...manifest } = m; // install scripts of dependencies are not ours to run
    packuments[m.name] ??= { name: m.name, versions: {} };
    packuments[m.name].versions[m.version] = { ...manifest, dist: { tarball: `@@/-/${file}` } };
  });
  writeFileSync(join(files, 'packuments.json'), JSON.stringify(packuments));
  const server: ChildProcess = spawn(process.execPath, ['-e', SERVER, files], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`local registry exited (${code})`)));
    server.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    versions: packageDirs.length,
    close: () => server.kill(),
  };
}

/** The server: GET /<name> → packument (highest version as latest), GET /-/<file> → tarball. */
const SERVER = `
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[1];
const packuments = JSON.parse(readFileSync(join(dir, 'packuments.json'), 'utf8'));
const byVersion = (a, b) => { const x = a.split(/[.+-]/).map(Number), y = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; };
const server = createServer((req, res) => {
  const path = decodeURIComponent(req.url.split('?')[0]).slice(1);
  if (path.startsWith('-/')) {
    try { res.end(readFileSync(join(dir, path.slice(2).replace(/[^0-9a-z.]/g, '')))); }
    catch { res.statusCode = 404; res.end(); }
    return;
  }
  const p = packuments[path];
  if (!p) { res.statusCode = 404; res.end('{}'); return; }
  const base = 'http://127.0.0.1:' + server.address().port;
  const versions = Object.keys(p.versions).sort(byVersion);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ...p, 'dist-tags': { latest: versions[versions.length - 1] } }).replaceAll('@@/', base + '/'));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;
