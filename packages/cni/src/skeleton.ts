import { readFileSync, writeSync } from 'node:fs';
import { parseJsonObject, parsePluginConfig, validateContainerId, validateInterfaceName } from './config.js';
import { CniError, CniErrorCode } from './errors.js';
import { convertResult, parseResult } from './result.js';
import type { CniAttachmentId, CniPluginConfig, CniResult, CniVersionInfo } from './types.js';
import { CNI_SPEC_VERSIONS, compareVersions, parseVersionNumbers, versionAtLeast } from './version.js';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** The environment a plugin is run with (`process.env` for a real plugin). */
export type CniEnv = Readonly<Record<string, string | undefined>>;

/** One invocation, as the skeleton hands it to a handler: environment and stdin, read and checked. */
export interface CniRequest {
  readonly command: Exclude<CniCommand, 'VERSION'>;
  /** CNI_CONTAINERID ('' for STATUS and GC). */
  readonly containerId: string;
  /** CNI_NETNS, a path such as /var/run/netns/NAME ('' when not given: DEL may come without it). */
  readonly netns: string;
  /** CNI_IFNAME ('' for STATUS and GC). */
  readonly ifName: string;
  /** CNI_ARGS as key/value pairs, in order. */
  readonly args: readonly (readonly [string, string])[];
  /** CNI_PATH split on `:` (empty entries dropped). */
  readonly path: readonly string[];
  /** The configuration on stdin, checked by parsePluginConfig. */
  readonly config: CniPluginConfig;
  /** `prevResult` converted to the 1.x form (parseResult); undefined when there is none. */
  readonly prevResult: CniResult | undefined;
  /** GC: `cni.dev/valid-attachments` ([] when absent). */
  readonly validAttachments: readonly CniAttachmentId[];
  /** The whole environment, passed on to delegated plugins. */
  readonly env: CniEnv;
  /** stdin as received. */
  readonly stdin: Uint8Array;
}

/** What ADD returns: a 1.x result; `cniVersion` is filled in from the configuration when left out. */
export type CniAddResult = Omit<CniResult, 'cniVersion'> & { cniVersion?: string };

/**
 * A CNI plugin: its handlers and the spec versions it accepts. A handler reports failure by
 * throwing a CniError (its code is printed) or any other error (printed as code 999, as the Go
 * library does). Missing `check`/`status`/`gc` handlers succeed: nothing to check, always ready,
 * nothing to collect.
 */
export interface CniPlugin {
  /** Versions the plugin accepts (default: every released version, 0.1.0 to 1.1.0). */
  readonly supportedVersions?: readonly string[];
  /** A line for humans, printed on stderr when the plugin is run without CNI_COMMAND. */
  readonly about?: string;
  add(request: CniRequest): CniAddResult | Promise<CniAddResult>;
  del(request: CniRequest): void | Promise<void>;
  check?(request: CniRequest): void | Promise<void>;
  status?(request: CniRequest): void | Promise<void>;
  gc?(request: CniRequest): void | Promise<void>;
}

/** What a run printed and how it exited. */
export interface CniOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Variables each command needs, as the Go skeleton (pkg/skel) requires them: the spec's list plus
 * CNI_PATH for ADD, DEL and CHECK (the spec says "may" for DEL's CNI_NETNS, skel does not need it).
 * CNI_COMMAND is always needed.
 */
const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  STATUS: [],
  GC: [],
  VERSION: [],
};

/** The version a command first appeared in. */
const SINCE: Record<CniCommand, string> = {
  ADD: '0.1.0',
  DEL: '0.1.0',
  CHECK: '0.4.0',
  STATUS: '1.1.0',
  GC: '1.1.0',
  VERSION: '0.1.0',
};

/** Go's message for missing variables (code 4), names in the order skel checks them. */
function missingVariables(names: readonly string[]): CniError {
  return new CniError(
    CniErrorCode.InvalidEnvironmentVariables,
    `required env variables [${names.join(',')}] missing`,
  );
}

/** `K1=V1;K2=V2` to pairs; a part without `=` or with an empty key is an invalid variable (4). */
export function parseCniArgs(text: string): [string, string][] {
  if (text === '') return [];
  return text.split(';').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new CniError(
        CniErrorCode.InvalidEnvironmentVariables,
        'invalid CNI_ARGS',
        `not KEY=VALUE: ${JSON.stringify(pair)}`,
      );
    }
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** `KEY=VALUE;…` from pairs (the inverse of parseCniArgs). */
export function formatCniArgs(args: readonly (readonly [string, string])[]): string {
  return args.map(([k, v]) => `${k}=${v}`).join(';');
}

function newest(versions: readonly string[]): string {
  return [...versions].sort(compareVersions).at(-1) ?? '1.1.0';
}

/**
 * Runs `plugin` for one invocation given its environment and stdin, without touching the
 * process: validation as the spec says (missing variables: 4, unsupported version: 1, malformed
 * JSON: 6, a bad configuration: 7), then the handler. ADD's result is printed in the
 * configuration's version; every error is printed as the spec's error JSON with exit code 1.
 */
export async function dispatch(
  plugin: CniPlugin,
  env: CniEnv,
  stdin: Uint8Array | string,
): Promise<CniOutcome> {
  const supported = plugin.supportedVersions ?? CNI_SPEC_VERSIONS;
  let version = newest(supported);
  try {
    const command = env.CNI_COMMAND ?? '';
    if (command === '') {
      // As Go's skeleton: with an about line, a run without a command is a human asking (exit 0).
      if (plugin.about) {
        const stderr = `${plugin.about}\nCNI protocol versions supported: ${supported.join(', ')}\n`;
        return { stdout: '', stderr, exitCode: 0 };
      }
      throw missingVariables(['CNI_COMMAND']);
    }
    if (!(CNI_COMMANDS as readonly string[]).includes(command)) {
      throw new CniError(CniErrorCode.InvalidEnvironmentVariables, `unknown CNI_COMMAND: ${command}`);
    }
    const cmd = command as CniCommand;
    const missing = REQUIRED[cmd].filter((name) => !env[name]);
    if (missing.length > 0) throw missingVariables(missing);
    if (cmd === 'VERSION') {
      const info: CniVersionInfo = { cniVersion: version, supportedVersions: [...supported] };
      return { stdout: `${JSON.stringify(info)}\n`, stderr: '', exitCode: 0 };
    }
    const bytes = typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin;
    const raw = parseJsonObject(bytes);
    // Answer in the configuration's version from here on when it is one we could speak.
    if (typeof raw.cniVersion === 'string' && supported.includes(raw.cniVersion)) version = raw.cniVersion;
    const config = parsePluginConfig(raw);
    if (!supported.includes(config.cniVersion)) {
      throw new CniError(
        CniErrorCode.IncompatibleVersion,
        'incompatible CNI versions',
        `config is ${JSON.stringify(config.cniVersion)}, plugin supports ${JSON.stringify(supported)}`,
      );
    }
    version = config.cniVersion;
    if (!parseVersionNumbers(version) || !versionAtLeast(version, SINCE[cmd])) {
      throw new CniError(CniErrorCode.IncompatibleVersion, `config version ${version} does not allow ${cmd}`);
    }
    const containerId = env.CNI_CONTAINERID ?? '';
    const ifName = env.CNI_IFNAME ?? '';
    if (cmd === 'ADD' || cmd === 'DEL' || cmd === 'CHECK') {
      validateContainerId(containerId);
      validateInterfaceName(ifName);
    }
    const request: CniRequest = {
      command: cmd,
      containerId,
      netns: env.CNI_NETNS ?? '',
      ifName,
      args: parseCniArgs(env.CNI_ARGS ?? ''),
      path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== ''),
      config,
      prevResult: config.prevResult ? parsePrevResult(config) : undefined,
      validAttachments: config['cni.dev/valid-attachments'] ?? [],
      env,
      stdin: bytes,
    };
    switch (cmd) {
      case 'ADD': {
        const result = await plugin.add(request);
        if (!result || typeof result !== 'object') throw new Error('ADD returned no result');
        const checked = parseResult({ ...result, cniVersion: result.cniVersion ?? version } as never);
        const out = convertResult(checked, version);
        return { stdout: `${JSON.stringify(out)}\n`, stderr: '', exitCode: 0 };
      }
      case 'DEL':
        await plugin.del(request);
        break;
      case 'CHECK':
        await plugin.check?.(request);
        break;
      case 'STATUS':
        await plugin.status?.(request);
        break;
      case 'GC':
        await plugin.gc?.(request);
        break;
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  } catch (e) {
    const err =
      e instanceof CniError
        ? e
        : new CniError(CniErrorCode.Internal, e instanceof Error ? e.message : String(e));
    return { stdout: `${JSON.stringify(err.toJSON(version))}\n`, stderr: '', exitCode: 1 };
  }
}

function parsePrevResult(config: CniPluginConfig): CniResult {
  try {
    return parseResult(config.prevResult as NonNullable<CniPluginConfig['prevResult']>);
  } catch (e) {
    if (e instanceof CniError)
      throw new CniError(CniErrorCode.DecodingFailure, `prevResult: ${e.msg}`, e.details);
    throw e;
  }
}

/**
 * The `main` of a plugin executable: reads the environment and stdin of this process, runs
 * `plugin`, writes its output to stdout/stderr and sets the exit code. A plugin file is its
 * handlers and one `runPlugin(plugin)` call.
 */
export async function runPlugin(plugin: CniPlugin): Promise<void> {
  let stdin: Uint8Array = new Uint8Array(0);
  let ioError: CniError | undefined;
  if (process.env.CNI_COMMAND && process.env.CNI_COMMAND !== 'VERSION') {
    try {
      stdin = readFileSync(0);
    } catch (e) {
      // A non-blocking stdin (inherited from some parents) cannot be read synchronously.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') stdin = await readStream(process.stdin);
      else
        ioError = new CniError(
          CniErrorCode.IoFailure,
          'cannot read the configuration from stdin',
          (e as Error).message,
        );
    }
  }
  const outcome = ioError
    ? {
        stdout: `${JSON.stringify(ioError.toJSON(newest(plugin.supportedVersions ?? CNI_SPEC_VERSIONS)))}\n`,
        stderr: '',
        exitCode: 1,
      }
    : await dispatch(plugin, process.env, stdin);
  if (outcome.stdout) writeSync(1, outcome.stdout);
  if (outcome.stderr) writeSync(2, outcome.stderr);
  process.exitCode = outcome.exitCode;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
  return Buffer.concat(chunks);
}
