/**
 * Runs the example in a package README, so the README cannot go stale.
 *
 * Convention (see packages/wire/README.md): the first ```ts block is the example; the first fenced
 * block after it that follows a line saying "prints" (or "output") is what it prints. Use it as
 *
 *   const r = await runReadmeExample('packages/ethernet');
 *   expect(r.stdout).toBe(r.expected);
 *   expect(typecheckReadmeExample('packages/ethernet')).toBe('');
 *
 * The example is bundled with esbuild, `@cnikit/<name>` resolving to packages/<name>/src (as vitest
 * does; no build needed) or, with `{ from: 'dist' }`, to the built dist (built first if missing),
 * then run by node in a temporary directory that is always removed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { withBuildLock } from './build-lock.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ReadmeExample {
  /** The source of the first ```ts / ```typescript block. */
  readonly code: string;
  /** The output block after the example, without its trailing newline; undefined if there is none. */
  readonly expected: string | undefined;
}

export interface ReadmeRun extends ReadmeExample {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

export interface RunOptions {
  /** Resolve `@cnikit/*` to `src` (default) or to the built `dist`. */
  readonly from?: 'src' | 'dist';
  /** Milliseconds before the example is killed (default 60 s). */
  readonly timeout?: number;
  /** Files the example reads, copied into its working directory first: name → source path. */
  readonly files?: Readonly<Record<string, string>>;
}

interface Fence {
  readonly lang: string;
  readonly body: string;
  /** The last non-empty line of prose before the fence. */
  readonly lead: string;
}

function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split(/\r?\n/);
  let lead = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== '') lead = lines[i];
      continue;
    }
    const [, indent, marker, lang] = open;
    const close = new RegExp(`^\\s*\\${marker[0]}{${marker.length},}\\s*$`);
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      if (close.test(lines[i])) break;
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
    }
    out.push({ lang: lang.toLowerCase(), body: body.join('\n'), lead });
    lead = '';
  }
  return out;
}

/** The README's example and its printed output (see the convention above). */
export function extractReadmeExample(markdown: string): ReadmeExample {
  const all = fences(markdown);
  const at = all.findIndex((f) => f.lang === 'ts' || f.lang === 'typescript');
  if (at < 0) throw new Error('README has no ```ts example');
  const output = all.slice(at + 1).find((f) => /\b(prints|output)\b/i.test(f.lead));
  return { code: all[at].body, expected: output?.body.replace(/\n+$/, '') };
}

/** esbuild plugin: `@cnikit/<name>` → packages/<name>/src/index.ts or dist/index.js. */
function workspacePackages(from: 'src' | 'dist'): Plugin {
  return {
    name: 'cnikit-workspace',
    setup(b) {
      b.onResolve({ filter: /^@cnikit\/[\w-]+$/ }, (args) => {
        const name = args.path.slice('@cnikit/'.length);
        const dir = join(REPO_ROOT, 'packages', name);
        if (!existsSync(join(dir, 'package.json')))
          return { errors: [{ text: `no workspace package ${args.path}` }] };
        if (from === 'src') return { path: join(dir, 'src', 'index.ts') };
        ensureBuilt(name);
        return { path: join(dir, 'dist', 'index.js') };
      });
    },
  };
}

/** Builds packages/<name> with `npm run build -w` unless its dist already exists. */
export function ensureBuilt(name: string): void {
  withBuildLock(() => ensureBuiltUnlocked(name));
}

function ensureBuiltUnlocked(name: string): void {
  const dir = join(REPO_ROOT, 'packages', name);
  if (existsSync(join(dir, 'dist', 'index.js')) && existsSync(join(dir, 'dist', 'index.cjs'))) return;
  const r = spawnSync('npm', ['run', 'build', '-w', `packages/${name}`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run build -w packages/${name} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Extracts, bundles and runs the README example of `packageDir` (absolute or relative to the repo). */
export async function runReadmeExample(packageDir: string, options: RunOptions = {}): Promise<ReadmeRun> {
  const dir = isAbsolute(packageDir) ? packageDir : resolve(REPO_ROOT, packageDir);
  const example = extractReadmeExample(readFileSync(join(dir, 'README.md'), 'utf8'));
  const bundled = await build({
    stdin: { contents: example.code, loader: 'ts', resolveDir: dir, sourcefile: 'README.md example' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [workspacePackages(options.from ?? 'src')],
  });
  const tmp = mkdtempSync(join(tmpdir(), 'cnikit-readme-'));
  try {
    const file = join(tmp, 'example.mjs');
    writeFileSync(file, bundled.outputFiles[0].text);
    for (const [name, source] of Object.entries(options.files ?? {})) copyFileSync(source, join(tmp, name));
    const r = spawnSync(process.execPath, [file], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: options.timeout ?? 60_000,
    });
    if (r.error) throw r.error;
    return { ...example, stdout: r.stdout.replace(/\n+$/, ''), stderr: r.stderr, exitCode: r.status };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Type-checks the README example with the repo's TypeScript (strict, `@cnikit/*` mapped to src),
 * so a README that still runs but no longer type-checks is caught too. Returns tsc's diagnostics
 * ('' when clean).
 */
export function typecheckReadmeExample(packageDir: string): string {
  const dir = isAbsolute(packageDir) ? packageDir : resolve(REPO_ROOT, packageDir);
  const { code } = extractReadmeExample(readFileSync(join(dir, 'README.md'), 'utf8'));
  const tmp = mkdtempSync(join(tmpdir(), 'cnikit-readme-tsc-'));
  try {
    writeFileSync(join(tmp, 'example.ts'), `${code}\nexport {};\n`);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        baseUrl: tmp,
        paths: { '@cnikit/*': [join(REPO_ROOT, 'packages/*/src/index.ts')] },
      },
      files: ['example.ts'],
    };
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', tmp, '--pretty', 'false'], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
