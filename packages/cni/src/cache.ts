import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from './config.js';
import { parseResult } from './result.js';
import type { CniAnyResult, CniResult, JsonObject } from './types.js';

/** libcni's default cache directory. */
export const DEFAULT_CNI_CACHE_DIR = '/var/lib/cni';

/** One cached attachment, as libcni writes it to `<cacheDir>/results/<network>-<containerId>-<ifName>`. */
export interface CachedAttachment {
  readonly containerId: string;
  readonly ifName: string;
  readonly networkName: string;
  readonly netns?: string;
  /** The configuration list the attachment was made with, as given to the runtime. */
  readonly config: Uint8Array;
  readonly cniArgs?: readonly (readonly [string, string])[];
  readonly capabilityArgs?: JsonObject;
  /** The last plugin's ADD result, as printed (in the list's version). */
  readonly result?: CniResult;
}

/** The file of one attachment (libcni's getCacheFilePath). */
export function cacheFilePath(
  cacheDir: string,
  networkName: string,
  containerId: string,
  ifName: string,
): string {
  return join(cacheDir, 'results', `${networkName}-${containerId}-${ifName}`);
}

/** Writes an attachment in libcni's `cniCacheV1` format (directory 0700, file 0600). */
export function writeCachedAttachment(cacheDir: string, a: CachedAttachment, result: CniAnyResult): void {
  const file = cacheFilePath(cacheDir, a.networkName, a.containerId, a.ifName);
  mkdirSync(join(cacheDir, 'results'), { recursive: true, mode: 0o700 });
  const record: Record<string, unknown> = {
    kind: 'cniCacheV1',
    containerId: a.containerId,
    // Go marshals []byte as base64.
    config: Buffer.from(a.config).toString('base64'),
    ifName: a.ifName,
    networkName: a.networkName,
  };
  if (a.netns) record.netns = a.netns;
  if (a.cniArgs?.length) record.cniArgs = a.cniArgs;
  if (a.capabilityArgs && Object.keys(a.capabilityArgs).length) record.capabilityArgs = a.capabilityArgs;
  record.result = result;
  writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
}

function decode(text: string): CachedAttachment | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(o) || o.kind !== 'cniCacheV1') return undefined;
  const { containerId, ifName, networkName } = o;
  if (typeof containerId !== 'string' || typeof ifName !== 'string' || typeof networkName !== 'string')
    return undefined;
  if (ifName === '' || networkName === '') return undefined;
  let result: CniResult | undefined;
  try {
    result = isObject(o.result) ? parseResult(o.result) : undefined;
  } catch {
    result = undefined;
  }
  const a: CachedAttachment = {
    containerId,
    ifName,
    networkName,
    config: typeof o.config === 'string' ? Buffer.from(o.config, 'base64') : new Uint8Array(0),
    ...(typeof o.netns === 'string' && o.netns ? { netns: o.netns } : {}),
    ...(Array.isArray(o.cniArgs) ? { cniArgs: o.cniArgs as [string, string][] } : {}),
    ...(isObject(o.capabilityArgs) ? { capabilityArgs: o.capabilityArgs } : {}),
    ...(result ? { result } : {}),
  };
  return a;
}

/** The cached attachment for (network, container, interface), or undefined. */
export function readCachedAttachment(
  cacheDir: string,
  networkName: string,
  containerId: string,
  ifName: string,
): CachedAttachment | undefined {
  try {
    return decode(readFileSync(cacheFilePath(cacheDir, networkName, containerId, ifName), 'utf8'));
  } catch {
    return undefined;
  }
}

export function deleteCachedAttachment(
  cacheDir: string,
  networkName: string,
  containerId: string,
  ifName: string,
): void {
  rmSync(cacheFilePath(cacheDir, networkName, containerId, ifName), { force: true });
}

/** Every readable `cniCacheV1` attachment, in file-name order (libcni's GetCachedAttachments). */
export function listCachedAttachments(cacheDir: string, containerId?: string): CachedAttachment[] {
  let names: string[];
  try {
    names = readdirSync(join(cacheDir, 'results')).sort();
  } catch {
    return [];
  }
  const out: CachedAttachment[] = [];
  for (const name of names) {
    let a: CachedAttachment | undefined;
    try {
      a = decode(readFileSync(join(cacheDir, 'results', name), 'utf8'));
    } catch {
      continue;
    }
    if (a && (containerId === undefined || a.containerId === containerId)) out.push(a);
  }
  return out;
}
