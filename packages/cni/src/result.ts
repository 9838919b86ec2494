import { parseIpv4, parseIpv6, parsePrefix } from '@cnikit/wire';
import { isObject } from './config.js';
import { CniError, CniErrorCode } from './errors.js';
import type {
  CniAnyResult,
  CniDns,
  CniInterface,
  CniIpConfig,
  CniLegacyIp,
  CniResult,
  CniResultLegacy,
  CniResultV03,
  CniRoute,
  JsonObject,
} from './types.js';
import { resultFormatOf } from './version.js';

function bad(field: string, why: string): CniError {
  return new CniError(CniErrorCode.DecodingFailure, `invalid result: ${field}: ${why}`);
}

function optString(o: JsonObject, key: string, at: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(at + key, 'must be a string');
  return v;
}

function optInt(o: JsonObject, key: string, at: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(at + key, 'must be an integer');
  return v;
}

function cidr(o: JsonObject, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw bad(at + key, 'must be an address/prefix string');
  try {
    parsePrefix(v, false);
  } catch {
    throw bad(at + key, `not an address/prefix: ${JSON.stringify(v)}`);
  }
  return v;
}

function optIp(o: JsonObject, key: string, at: string): string | undefined {
  const v = optString(o, key, at);
  if (v === undefined) return undefined;
  try {
    if (v.includes(':')) parseIpv6(v);
    else parseIpv4(v);
  } catch {
    throw bad(at + key, `not an IP address: ${JSON.stringify(v)}`);
  }
  return v;
}

function list(o: JsonObject, key: string): JsonObject[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw bad(key, 'must be a list');
  v.forEach((x, i) => {
    if (!isObject(x)) throw bad(`${key}[${i}]`, 'must be an object');
  });
  return v as JsonObject[];
}

/** Sets `key` on `o` only when `v` is defined, so outputs carry no `undefined` members. */
function put<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) o[key] = v;
}

function readDns(o: JsonObject): CniDns | undefined {
  const v = o.dns;
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad('dns', 'must be an object');
  const dns: CniDns = {};
  for (const k of ['nameservers', 'search', 'options'] as const) {
    const l = v[k];
    if (l === undefined || l === null) continue;
    if (!Array.isArray(l) || !l.every((x) => typeof x === 'string'))
      throw bad(`dns.${k}`, 'must be a list of strings');
    if (l.length > 0) dns[k] = [...(l as string[])];
  }
  put(dns, 'domain', optString(v, 'domain', 'dns.'));
  return Object.keys(dns).length > 0 ? dns : undefined;
}

function readRoute(r: JsonObject, at: string): CniRoute {
  const route: CniRoute = { dst: cidr(r, 'dst', at) };
  put(route, 'gw', optIp(r, 'gw', at));
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) put(route, k, optInt(r, k, at));
  return route;
}

function readInterface(r: JsonObject, at: string): CniInterface {
  const name = r.name;
  if (typeof name !== 'string' || name === '') throw bad(`${at}name`, 'must be a non-empty string');
  const itf: CniInterface = { name };
  put(itf, 'mac', optString(r, 'mac', at));
  put(itf, 'mtu', optInt(r, 'mtu', at));
  put(itf, 'sandbox', optString(r, 'sandbox', at));
  put(itf, 'socketPath', optString(r, 'socketPath', at));
  put(itf, 'pciID', optString(r, 'pciID', at));
  return itf;
}

function readIp(r: JsonObject, at: string): CniIpConfig {
  const ip: CniIpConfig = { address: cidr(r, 'address', at) };
  put(ip, 'gateway', optIp(r, 'gateway', at));
  const index = optInt(r, 'interface', at);
  if (index !== undefined && index < 0) throw bad(`${at}interface`, 'must not be negative');
  put(ip, 'interface', index);
  return ip;
}

function readLegacyIp(v: unknown, at: string, ips: CniIpConfig[], routes: CniRoute[]): void {
  if (v === undefined || v === null) return;
  if (!isObject(v)) throw bad(at, 'must be an object');
  const ip: CniIpConfig = { address: cidr(v, 'ip', `${at}.`) };
  put(ip, 'gateway', optIp(v, 'gateway', `${at}.`));
  ips.push(ip);
  list(v, 'routes')?.forEach((r, i) => {
    routes.push(readRoute(r, `${at}.routes[${i}].`));
  });
}

/**
 * A result in any spec version's format (told by its `cniVersion`) to the 1.x form, checked
 * field by field (addresses parsed; a bad field is a decoding failure, code 6, naming it).
 * 0.3.x/0.4.0 `ips[].version` is dropped (1.x tells the family by the address); 0.1.0/0.2.0
 * `ip4`/`ip6` become `ips` (IPv4 first) and their routes `routes`. The version stays the input's.
 */
export function parseResult(input: string | Uint8Array | JsonObject): CniResult {
  let o: JsonObject;
  if (isObject(input)) o = input;
  else {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new CniError(CniErrorCode.DecodingFailure, 'cannot decode result', (e as Error).message);
    }
    if (!isObject(v)) throw bad('result', 'not a JSON object');
    o = v;
  }
  const cniVersion = o.cniVersion;
  const format = typeof cniVersion === 'string' ? resultFormatOf(cniVersion) : undefined;
  if (typeof cniVersion !== 'string' || !format)
    throw bad('cniVersion', `not a version: ${JSON.stringify(cniVersion)}`);
  const result: CniResult = { cniVersion };
  if (format === 'legacy') {
    const ips: CniIpConfig[] = [];
    const routes: CniRoute[] = [];
    readLegacyIp(o.ip4, 'ip4', ips, routes);
    readLegacyIp(o.ip6, 'ip6', ips, routes);
    if (ips.length) result.ips = ips;
    if (routes.length) result.routes = routes;
  } else {
    const interfaces = list(o, 'interfaces')?.map((r, i) => readInterface(r, `interfaces[${i}].`));
    const ips = list(o, 'ips')?.map((r, i) => {
      const at = `ips[${i}].`;
      const ip = readIp(r, at);
      if (format === '0.3' && r.version !== undefined && r.version !== '4' && r.version !== '6') {
        throw bad(`${at}version`, 'must be "4" or "6"');
      }
      return ip;
    });
    const routes = list(o, 'routes')?.map((r, i) => readRoute(r, `routes[${i}].`));
    if (interfaces?.length) result.interfaces = interfaces;
    if (ips?.length) result.ips = ips;
    if (routes?.length) result.routes = routes;
  }
  put(result, 'dns', readDns(o));
  return result;
}

function familyOf(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

/**
 * A 1.x result in the format of spec version `version`. 1.1.0 → 1.0.0 only relabels, as libcni
 * does (its types/100 serves both versions): interface `mtu`/`socketPath`/`pciID` and route
 * `mtu`/`advmss`/`priority`/`table`/`scope`, which 1.0.0 does not define, are kept. 0.3.x/0.4.0
 * keep only their own fields and add `ips[].version`; 0.1.0/0.2.0 keep the first IPv4 and the
 * first IPv6 address as `ip4`/`ip6`, each with the routes of its family.
 */
export function convertResult(result: CniResult, version: string): CniAnyResult {
  const format = resultFormatOf(version);
  if (!format) {
    throw new CniError(
      CniErrorCode.IncompatibleVersion,
      'incompatible CNI version',
      `cannot convert a result to ${JSON.stringify(version)}`,
    );
  }
  if (format === 'legacy') {
    const out: CniResultLegacy = { cniVersion: version };
    for (const family of ['4', '6'] as const) {
      const ip = result.ips?.find((i) => familyOf(i.address) === family);
      if (!ip) continue;
      const legacy: CniLegacyIp = { ip: ip.address };
      put(legacy, 'gateway', ip.gateway);
      const routes = (result.routes ?? []).filter((r) => familyOf(r.dst) === family).map(basicRoute);
      if (routes.length) legacy.routes = routes;
      out[family === '4' ? 'ip4' : 'ip6'] = legacy;
    }
    put(out, 'dns', copyDns(result.dns));
    return out;
  }
  if (format === '0.3') {
    const out: CniResultV03 = { cniVersion: version };
    if (result.interfaces?.length) {
      out.interfaces = result.interfaces.map((i) => {
        const itf: { name: string; mac?: string; sandbox?: string } = { name: i.name };
        put(itf, 'mac', i.mac);
        put(itf, 'sandbox', i.sandbox);
        return itf;
      });
    }
    if (result.ips?.length) {
      out.ips = result.ips.map((i) => {
        const ip: CniResultV03['ips'] extends (infer T)[] | undefined ? T : never = {
          version: familyOf(i.address),
          address: i.address,
        };
        put(ip, 'gateway', i.gateway);
        put(ip, 'interface', i.interface);
        return ip;
      });
    }
    if (result.routes?.length) out.routes = result.routes.map(basicRoute);
    put(out, 'dns', copyDns(result.dns));
    return out;
  }
  const out: CniResult = { cniVersion: version };
  if (result.interfaces?.length) {
    out.interfaces = result.interfaces.map((i) => {
      const itf: CniInterface = { name: i.name };
      put(itf, 'mac', i.mac);
      put(itf, 'mtu', i.mtu);
      put(itf, 'sandbox', i.sandbox);
      put(itf, 'socketPath', i.socketPath);
      put(itf, 'pciID', i.pciID);
      return itf;
    });
  }
  if (result.ips?.length) {
    out.ips = result.ips.map((i) => {
      const ip: CniIpConfig = { address: i.address };
      put(ip, 'gateway', i.gateway);
      put(ip, 'interface', i.interface);
      return ip;
    });
  }
  if (result.routes?.length) {
    out.routes = result.routes.map((r) => {
      const route = basicRoute(r) as CniRoute;
      for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) put(route, k, r[k]);
      return route;
    });
  }
  put(out, 'dns', copyDns(result.dns));
  return out;
}

function basicRoute(r: CniRoute): { dst: string; gw?: string } {
  const route: { dst: string; gw?: string } = { dst: r.dst };
  put(route, 'gw', r.gw);
  return route;
}

function copyDns(dns: CniDns | undefined): CniDns | undefined {
  if (!dns) return undefined;
  const out: CniDns = {};
  if (dns.nameservers?.length) out.nameservers = [...dns.nameservers];
  put(out, 'domain', dns.domain || undefined);
  if (dns.search?.length) out.search = [...dns.search];
  if (dns.options?.length) out.options = [...dns.options];
  return Object.keys(out).length > 0 ? out : undefined;
}
