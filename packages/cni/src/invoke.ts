import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isObject } from './config.js';
import { CniError, CniErrorCode } from './errors.js';
import { convertResult, parseResult } from './result.js';
import type { CniEnv } from './skeleton.js';
import type { CniResult, CniVersionInfo, JsonObject } from './types.js';

type ChildProcessModule = typeof import('node:child_process');
let childProcess: ChildProcessModule | undefined;

/**
 * node:child_process, loaded on the first exec: it brings net, dgram and more, 15-35 ms of a
 * plugin's start-up here, which a plugin run that delegates nothing (STATUS, VERSION) never pays.
 */
function spawner(): ChildProcessModule {
  childProcess ??= createRequire(`${process.cwd()}/`)('node:child_process') as ChildProcessModule;
  return childProcess;
}

/** The path of plugin `type` in the first of `dirs` holding an executable file of that name. */
export function findPlugin(type: string, dirs: readonly string[]): string {
  if (type === '' || type.includes('/')) {
    throw new CniError(CniErrorCode.InvalidNetworkConfig, `invalid plugin type ${JSON.stringify(type)}`);
  }
  if (dirs.length === 0) {
    throw new CniError(
      CniErrorCode.InvalidEnvironmentVariables,
      `cannot find plugin ${JSON.stringify(type)}: CNI_PATH is empty`,
    );
  }
  for (const dir of dirs) {
    const file = join(dir, type);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      /* not here */
    }
  }
  throw new CniError(
    CniErrorCode.InvalidNetworkConfig,
    `failed to find plugin ${JSON.stringify(type)} in path ${JSON.stringify(dirs)}`,
  );
}

/** How to run a plugin executable. */
export interface ExecOptions {
  /** The CNI_* variables (and anything else) for the plugin; nothing else is inherited unless given. */
  readonly env: CniEnv;
  /** The configuration, written to the plugin's stdin. */
  readonly stdin: string | Uint8Array;
  /**
   * A command the plugin is run under, e.g. `['ip', 'netns', 'exec', 'node1']` to run it inside a
   * network namespace, or `['nsenter', '--net=/proc/42/ns/net']`.
   */
  readonly launcher?: readonly string[];
  /** Where the plugin's stderr goes (default: discarded into `stderr` of the error). */
  readonly onStderr?: (text: string) => void;
  /** Milliseconds after which the plugin is killed (SIGKILL) and counts as failed; none by default. */
  readonly timeoutMs?: number;
}

/** What a plugin printed and how it exited. */
export interface ExecOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs a plugin executable once and returns what it printed. "Text file busy" (a plugin just
 * written by another process) is retried a few times, as the Go library's invoke package does.
 */
export async function execPluginRaw(pluginPath: string, options: ExecOptions): Promise<ExecOutcome> {
  const [cmd, ...pre] = [...(options.launcher ?? []), pluginPath];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<ExecOutcome>((resolve, reject) => {
        const child = spawner().spawn(cmd, pre, {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => {
          err.push(d);
          options.onStderr?.(d.toString());
        });
        child.on('error', reject);
        child.stdin.on('error', () => {
          /* a plugin that exits before reading stdin (VERSION) closes the pipe */
        });
        child.on('close', (code, signal) =>
          resolve({
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(err).toString(),
            exitCode: code ?? (signal ? 128 : 1),
          }),
        );
        child.stdin.end(options.stdin);
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ETXTBSY' && attempt < 5) {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      throw new CniError(CniErrorCode.IoFailure, `cannot run plugin ${pluginPath}`, (e as Error).message);
    }
  }
}

/**
 * Runs a plugin and turns a failure into the CniError it printed (code, msg, details as the
 * plugin said; `plugin` and `command` set). A failing plugin that printed no error JSON gives an
 * Internal (999) error carrying its stderr.
 */
export async function execPlugin(pluginPath: string, options: ExecOptions): Promise<string> {
  const outcome = await execPluginRaw(pluginPath, options);
  if (outcome.exitCode === 0) return outcome.stdout;
  let err: CniError;
  try {
    const o: unknown = JSON.parse(outcome.stdout);
    if (!isObject(o) || typeof o.code !== 'number' || typeof o.msg !== 'string')
      throw new Error('not an error');
    err = new CniError(
      o.code,
      o.msg,
      typeof o.details === 'string' && o.details !== '' ? o.details : undefined,
    );
  } catch {
    const text = (outcome.stderr || outcome.stdout).trim();
    err = new CniError(
      CniErrorCode.Internal,
      `plugin ${pluginPath} failed (exit ${outcome.exitCode})`,
      text === '' ? undefined : text,
    );
  }
  err.plugin = pluginPath.split('/').at(-1);
  err.command = options.env.CNI_COMMAND;
  throw err;
}

/** Runs ADD and reads its result in the 1.x form; no output is a decoding failure (6). */
export async function execPluginWithResult(pluginPath: string, options: ExecOptions): Promise<CniResult> {
  const stdout = await execPlugin(pluginPath, options);
  if (stdout.trim() === '') {
    throw new CniError(CniErrorCode.DecodingFailure, `plugin ${pluginPath} printed no result`);
  }
  return parseResult(stdout);
}

/** Asks a plugin which versions it supports (VERSION, with `{"cniVersion": version}` on stdin). */
export async function pluginVersionInfo(
  pluginPath: string,
  options: Omit<ExecOptions, 'stdin' | 'env'> & { env?: CniEnv; version?: string } = {},
): Promise<CniVersionInfo> {
  const stdout = await execPlugin(pluginPath, {
    ...options,
    env: { ...(options.env ?? {}), CNI_COMMAND: 'VERSION' },
    stdin: JSON.stringify({ cniVersion: options.version ?? '1.1.0' }),
  });
  let o: unknown;
  try {
    o = JSON.parse(stdout);
  } catch (e) {
    throw new CniError(CniErrorCode.DecodingFailure, 'cannot decode version info', (e as Error).message);
  }
  if (!isObject(o))
    throw new CniError(CniErrorCode.DecodingFailure, 'cannot decode version info', 'not an object');
  // 0.1.0 plugins print no supportedVersions.
  const versions = Array.isArray(o.supportedVersions)
    ? o.supportedVersions.filter((v) => typeof v === 'string')
    : ['0.1.0'];
  return {
    cniVersion: typeof o.cniVersion === 'string' ? o.cniVersion : '0.1.0',
    supportedVersions: versions as string[],
  };
}

/** A delegated plugin's configuration: any JSON object (often the delegating plugin's own). */
export type DelegateConfig = Readonly<Record<string, unknown>>;

/** Where a delegated plugin is looked for and what it inherits: the delegating plugin's request. */
export interface DelegateContext {
  readonly env: CniEnv;
  readonly path: readonly string[];
  readonly launcher?: readonly string[];
}

function delegateOptions(ctx: DelegateContext, command: string, config: DelegateConfig): ExecOptions {
  return {
    env: { ...ctx.env, CNI_COMMAND: command },
    stdin: JSON.stringify(config),
    launcher: ctx.launcher,
    onStderr: (t) => process.stderr.write(t),
  };
}

/**
 * Runs plugin `type` (found on the request's CNI_PATH) with ADD, the request's environment and
 * `config` on stdin, as the Go library's invoke.DelegateAdd does — typically the IPAM plugin,
 * given the plugin's own configuration. Returns its result in the 1.x form, its version set to
 * the configuration's.
 */
export async function delegateAdd(
  type: string,
  config: DelegateConfig,
  ctx: DelegateContext,
): Promise<CniResult> {
  const result = await execPluginWithResult(findPlugin(type, ctx.path), delegateOptions(ctx, 'ADD', config));
  const version = typeof config.cniVersion === 'string' ? config.cniVersion : result.cniVersion;
  return parseResult(convertResult(result, version) as unknown as JsonObject);
}

/** DEL on a delegated plugin (invoke.DelegateDel). */
export async function delegateDel(type: string, config: DelegateConfig, ctx: DelegateContext): Promise<void> {
  await execPlugin(findPlugin(type, ctx.path), delegateOptions(ctx, 'DEL', config));
}

/** CHECK on a delegated plugin (invoke.DelegateCheck). */
export async function delegateCheck(
  type: string,
  config: DelegateConfig,
  ctx: DelegateContext,
): Promise<void> {
  await execPlugin(findPlugin(type, ctx.path), delegateOptions(ctx, 'CHECK', config));
}

/** STATUS on a delegated plugin (invoke.DelegateStatus). */
export async function delegateStatus(
  type: string,
  config: DelegateConfig,
  ctx: DelegateContext,
): Promise<void> {
  await execPlugin(findPlugin(type, ctx.path), delegateOptions(ctx, 'STATUS', config));
}

/** GC on a delegated plugin (invoke.DelegateGC). */
export async function delegateGc(type: string, config: DelegateConfig, ctx: DelegateContext): Promise<void> {
  await execPlugin(findPlugin(type, ctx.path), delegateOptions(ctx, 'GC', config));
}
