import { CniError, CniErrorCode, invalidConfig } from './errors.js';
import type { CniAttachmentId, CniConfList, CniPluginConfig, JsonObject } from './types.js';
import { CNI_SPEC_VERSIONS, compareVersions, parseVersionNumbers } from './version.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** JSON text or bytes to an object; malformed JSON or a non-object is a decoding failure (6). */
export function parseJsonObject(input: string | Uint8Array, what = 'network configuration'): JsonObject {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CniError(CniErrorCode.DecodingFailure, `cannot decode ${what}`, (e as Error).message);
  }
  if (!isObject(value)) {
    throw new CniError(CniErrorCode.DecodingFailure, `cannot decode ${what}`, 'not a JSON object');
  }
  return value;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A network name: an alphanumeric, then alphanumerics, `_`, `.` or `-` (spec 1.1.0); else code 7. */
export function validateNetworkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalidConfig('name', 'missing network name');
  if (!NAME.test(name)) throw invalidConfig('name', `invalid characters in ${JSON.stringify(name)}`);
  return name;
}

/** CNI_CONTAINERID: same rule as a network name; else code 4. */
export function validateContainerId(id: string): string {
  if (id === '') throw badEnv('CNI_CONTAINERID', 'empty');
  if (!NAME.test(id)) throw badEnv('CNI_CONTAINERID', `invalid characters in ${JSON.stringify(id)}`);
  return id;
}

/** CNI_IFNAME: not empty, not `.`/`..`, under 16 bytes, no `/`, `:` or whitespace; else code 4. */
export function validateInterfaceName(name: string): string {
  if (name === '') throw badEnv('CNI_IFNAME', 'empty');
  if (name === '.' || name === '..') throw badEnv('CNI_IFNAME', `${JSON.stringify(name)} is not allowed`);
  if (new TextEncoder().encode(name).length > 15) {
    throw badEnv('CNI_IFNAME', `${JSON.stringify(name)} is longer than 15 bytes`);
  }
  if (/[/:\s]/.test(name))
    throw badEnv('CNI_IFNAME', `${JSON.stringify(name)} contains / or : or whitespace`);
  return name;
}

function badEnv(variable: string, why: string): CniError {
  return new CniError(CniErrorCode.InvalidEnvironmentVariables, `invalid ${variable}: ${why}`);
}

function checkString(o: JsonObject, key: string, at: string, required: boolean): void {
  const v = o[key];
  if (v === undefined) {
    if (required) throw invalidConfig(at + key, 'missing');
    return;
  }
  if (typeof v !== 'string' || v === '') throw invalidConfig(at + key, 'must be a non-empty string');
}

function checkStringList(v: unknown, field: string): void {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw invalidConfig(field, 'must be a list of strings');
  }
}

function checkBoolean(o: JsonObject, key: string, at: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'boolean')
    throw invalidConfig(at + key, 'must be true or false');
}

function checkObject(o: JsonObject, key: string, at: string): void {
  if (o[key] !== undefined && !isObject(o[key])) throw invalidConfig(at + key, 'must be an object');
}

function checkDns(v: unknown, at: string): void {
  if (v === undefined) return;
  if (!isObject(v)) throw invalidConfig(`${at}dns`, 'must be an object');
  for (const k of ['nameservers', 'search', 'options']) {
    if (v[k] !== undefined) checkStringList(v[k], `${at}dns.${k}`);
  }
  if (v.domain !== undefined && typeof v.domain !== 'string') {
    throw invalidConfig(`${at}dns.domain`, 'must be a string');
  }
}

/** The well-known keys of a plugin object (spec 1.1.0 "Plugin configuration objects"), by type. */
function checkPluginFields(o: JsonObject, at: string): void {
  checkString(o, 'type', at, true);
  const caps = o.capabilities;
  if (caps !== undefined) {
    if (!isObject(caps)) throw invalidConfig(`${at}capabilities`, 'must be an object');
    for (const [k, v] of Object.entries(caps)) {
      if (typeof v !== 'boolean') throw invalidConfig(`${at}capabilities.${k}`, 'must be true or false');
    }
  }
  checkObject(o, 'runtimeConfig', at);
  checkObject(o, 'args', at);
  checkBoolean(o, 'ipMasq', at);
  if (o.ipam !== undefined) {
    if (!isObject(o.ipam)) throw invalidConfig(`${at}ipam`, 'must be an object');
    checkString(o.ipam, 'type', `${at}ipam.`, true);
  }
  checkDns(o.dns, at);
}

function checkVersionField(o: JsonObject, key: string, at: string): void {
  const v = o[key];
  if (typeof v !== 'string' || !parseVersionNumbers(v)) {
    throw new CniError(
      CniErrorCode.IncompatibleVersion,
      `incompatible CNI version`,
      `${at}${key} ${JSON.stringify(v)} is not a version`,
    );
  }
}

/**
 * A plugin's stdin configuration, checked: `name`, `type`, and each well-known key of the right
 * type (code 7 naming the key). A missing `cniVersion` reads as 0.1.0, as in the Go library.
 * Whether the version is supported is the caller's question (the skeleton answers it).
 */
export function parsePluginConfig(input: string | Uint8Array | JsonObject): CniPluginConfig {
  const o = typeof input === 'string' || input instanceof Uint8Array ? parseJsonObject(input) : { ...input };
  if (o.cniVersion === undefined || o.cniVersion === '') o.cniVersion = '0.1.0';
  if (typeof o.cniVersion !== 'string') throw invalidConfig('cniVersion', 'must be a string');
  validateNetworkName(o.name);
  checkPluginFields(o, '');
  checkObject(o, 'prevResult', '');
  const valid = o['cni.dev/valid-attachments'];
  if (valid !== undefined) parseAttachments(valid, 'cni.dev/valid-attachments');
  return o as CniPluginConfig;
}

function parseAttachments(v: unknown, field: string): CniAttachmentId[] {
  if (!Array.isArray(v)) throw invalidConfig(field, 'must be a list');
  v.forEach((a, i) => {
    if (!isObject(a) || typeof a.containerID !== 'string' || typeof a.ifname !== 'string') {
      throw invalidConfig(`${field}[${i}]`, 'must be {"containerID": string, "ifname": string}');
    }
  });
  return v as CniAttachmentId[];
}

/**
 * A configuration list, checked: a version (`cniVersion`, and `cniVersions` if given), a valid
 * `name`, `disableCheck`/`disableGC` booleans (libcni also reads "true"/"false" strings; so do we),
 * and at least one plugin, each with its `type` and well-known keys of the right type.
 */
export function parseConfList(input: string | Uint8Array | JsonObject): CniConfList {
  const o =
    typeof input === 'string' || input instanceof Uint8Array
      ? parseJsonObject(input, 'network configuration list')
      : { ...input };
  if (o.cniVersions !== undefined) {
    checkStringList(o.cniVersions, 'cniVersions');
    for (const v of o.cniVersions as string[]) {
      if (!parseVersionNumbers(v)) {
        throw new CniError(
          CniErrorCode.IncompatibleVersion,
          'incompatible CNI version',
          `cniVersions: ${JSON.stringify(v)} is not a version`,
        );
      }
    }
    if (o.cniVersion === undefined) o.cniVersion = newest(o.cniVersions as string[]) ?? '';
  }
  checkVersionField(o, 'cniVersion', '');
  validateNetworkName(o.name);
  for (const key of ['disableCheck', 'disableGC']) {
    if (o[key] === 'true' || o[key] === 'false') o[key] = o[key] === 'true';
    checkBoolean(o, key, '');
  }
  if (!Array.isArray(o.plugins) || o.plugins.length === 0) {
    throw invalidConfig('plugins', 'must be a non-empty list');
  }
  o.plugins.forEach((p, i) => {
    if (!isObject(p)) throw invalidConfig(`plugins[${i}]`, 'must be an object');
    checkPluginFields(p, `plugins[${i}].`);
  });
  return o as unknown as CniConfList;
}

/**
 * A single network configuration (a plugin object with `cniVersion` and `name`) as a list of one,
 * as libcni's ConfListFromConf does.
 */
export function confListFromConfig(input: string | Uint8Array | JsonObject): CniConfList {
  const c = parsePluginConfig(input);
  const { cniVersion, name, ...plugin } = c;
  return parseConfList({ cniVersion, name, plugins: [plugin as JsonObject] });
}

function newest(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareVersions).at(-1);
}

/**
 * The version to run a list with (spec 1.1.0): the newest of `cniVersions` that `supported`
 * holds, else `cniVersion`.
 */
export function negotiateVersion(
  list: Pick<CniConfList, 'cniVersion' | 'cniVersions'>,
  supported: readonly string[] = CNI_SPEC_VERSIONS,
): string {
  const usable = (list.cniVersions ?? []).filter((v) => supported.includes(v));
  return newest(usable) ?? list.cniVersion;
}
