/**
 * Runs the examples in a package README, so the README cannot go stale.
 *
 * Convention (see packages/wire/README.md): the first ```ts block is the example; the first fenced
 * block after it that follows a line saying "prints" (or "output") is what it prints. Use it as
 *
 *   const r = await runReadmeExample('packages/ethernet');
 *   expect(r.stdout).toBe(r.expected);
 *   expect(typecheckReadmeExample('packages/ethernet')).toBe('');
 *
 * A README may hold more examples, one per section: every ```ts block whose next fenced block
 * follows a line saying "prints" (or "output") is one. Run and type-check them all with
 *
 *   for (const r of await runReadmeExamples('packages/ethernet')) expect(r.stdout, r.title).toBe(r.expected);
 *   for (const t of typecheckReadmeExamples('packages/ethernet')) expect(t.diagnostics, t.title).toBe('');
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

/** One of a README's examples: a ```ts block and the output block right after it. */
export interface NumberedReadmeExample extends ReadmeExample {
  readonly expected: string;
  /** 1-based, in README order among the examples. */
  readonly index: number;
  /** The nearest Markdown heading above the example ('' if none). */
  readonly heading: string;
  /** `#<index> <heading>`, for test messages. */
  readonly title: string;
}

export interface NumberedReadmeRun extends NumberedReadmeExample {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

export interface NumberedReadmeTypecheck extends NumberedReadmeExample {
  /** tsc's diagnostics for this example ('' when clean). */
  readonly diagnostics: string;
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
  /** The text of the last Markdown heading before the fence. */
  readonly heading: string;
}

function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split(/\r?\n/);
  let lead = '';
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) {
      const title = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i]);
      if (title) heading = title[1];
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
    out.push({ lang: lang.toLowerCase(), body: body.join('\n'), lead, heading });
    lead = '';
  }
  return out;
}

const isTypeScript = (f: Fence) => f.lang === 'ts' || f.lang === 'typescript';
const isOutput = (f: Fence) => /\b(prints|output)\b/i.test(f.lead);
const outputText = (f: Fence) => f.body.replace(/\n+$/, '');

/** The README's example and its printed output (see the convention above). */
export function extractReadmeExample(markdown: string): ReadmeExample {
  const all = fences(markdown);
  const at = all.findIndex(isTypeScript);
  if (at < 0) throw new Error('README has no ```ts example');
  const output = all.slice(at + 1).find(isOutput);
  return { code: all[at].body, expected: output ? outputText(output) : undefined };
}

/**
 * Every example of the README, in order: each ```ts block whose next fenced block follows a line
 * saying "prints" (or "output"). A ```ts block without one (a sketch) is not an example.
 */
export function extractReadmeExamples(markdown: string): NumberedReadmeExample[] {
  const all = fences(markdown);
  const out: NumberedReadmeExample[] = [];
  for (let i = 0; i + 1 < all.length; i++) {
    if (!isTypeScript(all[i]) || isTypeScript(all[i + 1]) || !isOutput(all[i + 1])) continue;
    const index = out.length + 1;
    const heading = all[i].heading;
    out.push({
      code: all[i].body,
      expected: outputText(all[i + 1]),
      index,
      heading,
      title: heading === '' ? `#${index}` : `#${index} ${heading}`,
    });
  }
  return out;
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

function packagePath(packageDir: string): string {
  return isAbsolute(packageDir) ? packageDir : resolve(REPO_ROOT, packageDir);
}

function readReadme(dir: string): string {
  return readFileSync(join(dir, 'README.md'), 'utf8');
}

/** Bundles `code` (resolving imports from `dir`) and runs it with node in a temporary directory. */
async function runExampleCode(
  dir: string,
  code: string,
  options: RunOptions,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const bundled = await build({
    stdin: { contents: code, loader: 'ts', resolveDir: dir, sourcefile: 'README.md example' },
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
    return { stdout: r.stdout.replace(/\n+$/, ''), stderr: r.stderr, exitCode: r.status };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Extracts, bundles and runs the README example of `packageDir` (absolute or relative to the repo). */
export async function runReadmeExample(packageDir: string, options: RunOptions = {}): Promise<ReadmeRun> {
  const dir = packagePath(packageDir);
  const example = extractReadmeExample(readReadme(dir));
  return { ...example, ...(await runExampleCode(dir, example.code, options)) };
}

/**
 * Runs every example of the README of `packageDir` (see `extractReadmeExamples`), one after the
 * other, each in its own process and temporary directory. Throws if the README has none.
 */
export async function runReadmeExamples(
  packageDir: string,
  options: RunOptions = {},
): Promise<NumberedReadmeRun[]> {
  const dir = packagePath(packageDir);
  const examples = extractReadmeExamples(readReadme(dir));
  if (examples.length === 0)
    throw new Error(`${packageDir}/README.md has no \`\`\`ts example with a "prints" block`);
  const runs: NumberedReadmeRun[] = [];
  for (const example of examples)
    runs.push({ ...example, ...(await runExampleCode(dir, example.code, options)) });
  return runs;
}

/**
 * Type-checks the README example with the repo's TypeScript (strict, `@cnikit/*` mapped to src),
 * so a README that still runs but no longer type-checks is caught too. Returns tsc's diagnostics
 * ('' when clean).
 */
export function typecheckReadmeExample(packageDir: string): string {
  const { code } = extractReadmeExample(readReadme(packagePath(packageDir)));
  return typecheckCode([code], packageTypes(packageDir))[0];
}

/**
 * Type-checks every example of the README of `packageDir` as `typecheckReadmeExample` does (one
 * tsc run, each example its own module); one result per example with its diagnostics.
 */
export function typecheckReadmeExamples(packageDir: string): NumberedReadmeTypecheck[] {
  const examples = extractReadmeExamples(readReadme(packagePath(packageDir)));
  if (examples.length === 0)
    throw new Error(`${packageDir}/README.md has no \`\`\`ts example with a "prints" block`);
  const diagnostics = typecheckCode(
    examples.map((e) => e.code),
    packageTypes(packageDir),
  );
  return examples.map((e, i) => ({ ...e, diagnostics: diagnostics[i] }));
}

/**
 * Runs tsc (strict) once over `codes`, each written as its own module `example-<n>.ts`; returns
 * each one's diagnostics ('' when clean). Diagnostics tsc does not tie to a file go to every one.
 */
/**
 * The ambient type packages the package itself compiles with (its tsconfig's `types`, e.g. `node`
 * for the Node-only packages), so its examples may use what the package may; none otherwise.
 */
function packageTypes(packageDir: string): string[] {
  try {
    const config = JSON.parse(readFileSync(join(packagePath(packageDir), 'tsconfig.json'), 'utf8'));
    const types = config?.compilerOptions?.types;
    return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function typecheckCode(codes: readonly string[], types: readonly string[] = []): string[] {
  const tmp = mkdtempSync(join(tmpdir(), 'cnikit-readme-tsc-'));
  try {
    const files = codes.map((_, i) => (codes.length === 1 ? 'example.ts' : `example-${i + 1}.ts`));
    codes.forEach((code, i) => {
      writeFileSync(join(tmp, files[i]), `${code}\nexport {};\n`);
    });
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types,
        typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        baseUrl: tmp,
        paths: { '@cnikit/*': [join(REPO_ROOT, 'packages/*/src/index.ts')] },
      },
      files,
    };
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    // Run in tmp so diagnostics name `example-<n>.ts`, not a path through the temporary directory.
    const r = spawnSync(process.execPath, [tsc, '-p', tmp, '--pretty', 'false'], {
      cwd: tmp,
      encoding: 'utf8',
    });
    const output = `${r.stdout}${r.stderr}`.trim();
    if (codes.length === 1) return [output];
    // A diagnostic starts `example-<n>.ts(line,col): …`; indented lines continue the one before.
    const perFile = files.map(() => [] as string[]);
    const general: string[] = [];
    let current: string[] = general;
    for (const line of output === '' ? [] : output.split('\n')) {
      const at = files.findIndex((f) => line.startsWith(`${f}(`) || line.startsWith(`${f}:`));
      if (at >= 0) current = perFile[at];
      else if (!/^\s/.test(line)) current = general;
      current.push(line);
    }
    return perFile.map((lines) => [...general, ...lines].join('\n'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
