import {
  type CachedAttachment,
  DEFAULT_CNI_CACHE_DIR,
  deleteCachedAttachment,
  listCachedAttachments,
  readCachedAttachment,
  writeCachedAttachment,
} from './cache.js';
import {
  negotiateVersion,
  parseConfList,
  validateContainerId,
  validateInterfaceName,
  validateNetworkName,
} from './config.js';
import { CniError, CniErrorCode } from './errors.js';
import {
  type ExecOptions,
  execPlugin,
  execPluginWithResult,
  findPlugin,
  pluginVersionInfo,
} from './invoke.js';
import { convertResult } from './result.js';
import { type CniEnv, formatCniArgs } from './skeleton.js';
import type {
  CniAttachmentId,
  CniConfList,
  CniPluginEntry,
  CniResult,
  CniVersionInfo,
  JsonObject,
} from './types.js';
import { CNI_SPEC_VERSIONS, versionAtLeast } from './version.js';

/** One container's attachment to a network, as a runtime names it. */
export interface CniAttachment {
  readonly containerId: string;
  /** The pod's namespace path, e.g. /var/run/netns/NAME ('' or absent on a DEL whose namespace is gone). */
  readonly netns?: string;
  readonly ifName: string;
  /** CNI_ARGS pairs, e.g. K8S_POD_NAME. */
  readonly args?: readonly (readonly [string, string])[];
  /** Capability arguments (portMappings, bandwidth, …): each plugin gets those it declares in `capabilities`. */
  readonly capabilityArgs?: JsonObject;
}

export interface CniRuntimeOptions {
  /** Directories searched for plugin executables (CNI_PATH). */
  readonly path: readonly string[];
  /** Where results are cached (libcni's layout); default /var/lib/cni. */
  readonly cacheDir?: string;
  /** A command every plugin is run under, e.g. `['ip', 'netns', 'exec', 'node1']`. */
  readonly launcher?: readonly string[];
  /** The environment plugins inherit besides the CNI_* variables (default: this process's). */
  readonly env?: CniEnv;
  /** Milliseconds a plugin may run before it is killed and its command fails (default: no limit). */
  readonly timeoutMs?: number;
  /** Receives the plugins' stderr (default: discarded). */
  readonly onStderr?: (text: string) => void;
  /** Versions this runtime speaks, for `cniVersions` negotiation (default: all released ones). */
  readonly supportedVersions?: readonly string[];
}

type ListInput = CniConfList | string | Uint8Array;

/**
 * The runtime side of CNI, as containerd and CRI-O drive it through libcni: ADD runs a list's
 * plugins in order (each given the previous one's result as `prevResult`) and caches the last
 * result; DEL runs them in reverse with the cached result; CHECK, STATUS and GC as spec 1.1.0
 * says. Plugins are executables found on `path`, given the CNI_* environment and their
 * configuration on stdin.
 */
export class CniRuntime {
  readonly cacheDir: string;

  constructor(readonly options: CniRuntimeOptions) {
    this.cacheDir = options.cacheDir ?? DEFAULT_CNI_CACHE_DIR;
  }

  private load(input: ListInput): { list: CniConfList; bytes: Uint8Array; version: string } {
    const list = parseConfList(
      typeof input === 'string' || input instanceof Uint8Array ? input : (input as unknown as JsonObject),
    );
    const bytes =
      typeof input === 'string'
        ? new TextEncoder().encode(input)
        : input instanceof Uint8Array
          ? input
          : new TextEncoder().encode(JSON.stringify(input));
    return {
      list,
      bytes,
      version: negotiateVersion(list, this.options.supportedVersions ?? CNI_SPEC_VERSIONS),
    };
  }

  private exec(command: string, att: Partial<CniAttachment>, stdin: JsonObject): ExecOptions {
    return {
      env: {
        ...(this.options.env ?? process.env),
        CNI_COMMAND: command,
        CNI_CONTAINERID: att.containerId ?? '',
        CNI_NETNS: att.netns ?? '',
        CNI_IFNAME: att.ifName ?? '',
        CNI_ARGS: formatCniArgs(att.args ?? []),
        CNI_PATH: this.options.path.join(':'),
      },
      stdin: JSON.stringify(stdin),
      launcher: this.options.launcher,
      onStderr: this.options.onStderr,
      timeoutMs: this.options.timeoutMs,
    };
  }

  /** A plugin's stdin: its entry plus the list's name and version, runtimeConfig and prevResult. */
  pluginConfig(
    list: CniConfList,
    version: string,
    plugin: CniPluginEntry,
    prevResult: CniResult | undefined,
    att: Partial<CniAttachment>,
  ): JsonObject {
    const config: JsonObject = { ...(plugin as JsonObject), cniVersion: version, name: list.name };
    const runtimeConfig: JsonObject = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      const value = att.capabilityArgs?.[cap];
      if (on && value !== undefined) runtimeConfig[cap] = value;
    }
    if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
    if (prevResult) config.prevResult = convertResult(prevResult, version) as unknown as JsonObject;
    return config;
  }

  private validate(list: CniConfList, att: CniAttachment): void {
    validateNetworkName(list.name);
    validateContainerId(att.containerId);
    validateInterfaceName(att.ifName);
  }

  /** ADD: every plugin in order; the last result is cached and returned (in the 1.x form). */
  async add(input: ListInput, att: CniAttachment): Promise<CniResult> {
    const { list, bytes, version } = this.load(input);
    this.validate(list, att);
    let result: CniResult | undefined;
    for (const plugin of list.plugins) {
      const path = findPlugin(plugin.type, this.options.path);
      const stdin = this.pluginConfig(list, version, plugin, result, att);
      result = await execPluginWithResult(path, this.exec('ADD', att, stdin));
    }
    const final = result as CniResult;
    writeCachedAttachment(
      this.cacheDir,
      { ...this.cacheKey(list, att), config: bytes },
      convertResult(final, version),
    );
    return final;
  }

  private cacheKey(list: CniConfList, att: CniAttachment): Omit<CachedAttachment, 'config'> {
    return {
      containerId: att.containerId,
      ifName: att.ifName,
      networkName: list.name,
      ...(att.netns ? { netns: att.netns } : {}),
      ...(att.args?.length ? { cniArgs: att.args } : {}),
      ...(att.capabilityArgs ? { capabilityArgs: att.capabilityArgs } : {}),
    };
  }

  /** The cached result of the last ADD of this attachment (1.x form), or undefined. */
  cachedResult(input: ListInput, att: Pick<CniAttachment, 'containerId' | 'ifName'>): CniResult | undefined {
    const { list } = this.load(input);
    return readCachedAttachment(this.cacheDir, list.name, att.containerId, att.ifName)?.result;
  }

  /** Every cached attachment (of one container if given), as libcni's GetCachedAttachments. */
  cachedAttachments(containerId?: string): CachedAttachment[] {
    return listCachedAttachments(this.cacheDir, containerId);
  }

  /**
   * DEL: every plugin in reverse order, each given the cached result as `prevResult` (0.4.0 and
   * later); the cache entry is removed once all succeeded.
   */
  async del(input: ListInput, att: CniAttachment): Promise<void> {
    const { list, version } = this.load(input);
    this.validate(list, att);
    const cached = versionAtLeast(version, '0.4.0')
      ? readCachedAttachment(this.cacheDir, list.name, att.containerId, att.ifName)
      : undefined;
    for (const plugin of [...list.plugins].reverse()) {
      const path = findPlugin(plugin.type, this.options.path);
      await execPlugin(
        path,
        this.exec('DEL', att, this.pluginConfig(list, version, plugin, cached?.result, att)),
      );
    }
    deleteCachedAttachment(this.cacheDir, list.name, att.containerId, att.ifName);
  }

  /** CHECK (0.4.0 and later; nothing when the list says `disableCheck`): every plugin in order with the cached result. */
  async check(input: ListInput, att: CniAttachment): Promise<void> {
    const { list, version } = this.load(input);
    if (!versionAtLeast(version, '0.4.0')) {
      throw new CniError(
        CniErrorCode.IncompatibleVersion,
        `configuration version ${version} does not support the CHECK command`,
      );
    }
    if (list.disableCheck) return;
    this.validate(list, att);
    const cached = readCachedAttachment(this.cacheDir, list.name, att.containerId, att.ifName);
    if (!cached?.result) {
      throw new CniError(
        CniErrorCode.UnknownContainer,
        `no cached result for ${list.name}/${att.containerId}/${att.ifName}`,
      );
    }
    for (const plugin of list.plugins) {
      const path = findPlugin(plugin.type, this.options.path);
      await execPlugin(
        path,
        this.exec('CHECK', att, this.pluginConfig(list, version, plugin, cached.result, att)),
      );
    }
  }

  /** STATUS (1.1.0 and later; nothing before): every plugin in order; the first failure is thrown. */
  async status(input: ListInput): Promise<void> {
    const { list, version } = this.load(input);
    if (!versionAtLeast(version, '1.1.0')) return;
    for (const plugin of list.plugins) {
      const path = findPlugin(plugin.type, this.options.path);
      await execPlugin(
        path,
        this.exec('STATUS', {}, this.pluginConfig(list, version, plugin, undefined, {})),
      );
    }
  }

  /**
   * GC (as libcni's GCNetworkList): DEL for every cached attachment of this network that is not
   * in `valid`, then (1.1.0 and later) GC on every plugin with `cni.dev/valid-attachments`.
   * Nothing when the list says `disableGC`. Failures are collected and thrown together.
   */
  async gc(input: ListInput, valid: readonly CniAttachmentId[]): Promise<void> {
    const { list, bytes, version } = this.load(input);
    if (list.disableGC) return;
    const keep = new Set(valid.map((a) => `${a.containerID}\u0000${a.ifname}`));
    const errors: Error[] = [];
    for (const a of listCachedAttachments(this.cacheDir)) {
      if (a.networkName !== list.name || keep.has(`${a.containerId}\u0000${a.ifName}`)) continue;
      try {
        await this.del(bytes, {
          containerId: a.containerId,
          ifName: a.ifName,
          ...(a.netns ? { netns: a.netns } : {}),
          ...(a.cniArgs ? { args: a.cniArgs } : {}),
          ...(a.capabilityArgs ? { capabilityArgs: a.capabilityArgs } : {}),
        });
      } catch (e) {
        errors.push(e as Error);
      }
    }
    if (versionAtLeast(version, '1.1.0')) {
      const attachments = valid.map((a) => ({ containerID: a.containerID, ifname: a.ifname }));
      for (const plugin of list.plugins) {
        try {
          const path = findPlugin(plugin.type, this.options.path);
          const stdin = this.pluginConfig(list, version, plugin, undefined, {});
          // libcni sets both keys: an early 1.1.0 draft named it cni.dev/attachments.
          stdin['cni.dev/valid-attachments'] = attachments;
          stdin['cni.dev/attachments'] = attachments;
          await execPlugin(path, this.exec('GC', {}, stdin));
        } catch (e) {
          errors.push(e as Error);
        }
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  }

  /** VERSION of plugin `type`. */
  async versionInfo(type: string): Promise<CniVersionInfo> {
    return pluginVersionInfo(findPlugin(type, this.options.path), {
      launcher: this.options.launcher,
      env: this.options.env ?? process.env,
    });
  }
}
