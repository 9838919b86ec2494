/** A JSON value, as read from a configuration or a result. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `dns` in a configuration or a result. */
export type CniDns = {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
};

/** `ipam` in a plugin configuration: `type` names the IPAM plugin; the rest is that plugin's. */
export interface CniIpamConfig {
  type: string;
  [key: string]: JsonValue | undefined;
}

/** One `cni.dev/valid-attachments` entry (GC, spec 1.1.0). */
export type CniAttachmentId = {
  containerID: string;
  ifname: string;
};

/**
 * A plugin configuration as a plugin reads it on stdin (spec 1.1.0 "Plugin configuration
 * objects"): the list's `cniVersion` and `name` inserted by the runtime, `runtimeConfig` for the
 * capabilities it asked for, `prevResult` when chained. Plugin-specific keys stay as they came.
 */
export interface CniPluginConfig {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  runtimeConfig?: JsonObject;
  args?: JsonObject;
  ipMasq?: boolean;
  ipam?: CniIpamConfig;
  dns?: CniDns;
  /** As received (any version's format); the skeleton hands a plugin the 1.x form separately. */
  prevResult?: JsonObject;
  'cni.dev/valid-attachments'?: CniAttachmentId[];
  [key: string]: unknown;
}

/** One plugin of a configuration list, before the runtime inserts `cniVersion`, `name` and the rest. */
export interface CniPluginEntry {
  type: string;
  capabilities?: Record<string, boolean>;
  args?: JsonObject;
  ipMasq?: boolean;
  ipam?: CniIpamConfig;
  dns?: CniDns;
  [key: string]: unknown;
}

/** A network configuration list (a "conflist"; spec 1.1.0 "Configuration format"). */
export interface CniConfList {
  cniVersion: string;
  /** Spec 1.1.0: every version this list may be run with; the runtime picks the newest it supports. */
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: CniPluginEntry[];
}

/** `interfaces[]` of a result. `mtu`, `socketPath` and `pciID` are 1.1.0 fields. */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

/** `ips[]` of a 1.x result: `interface` is an index into `interfaces`. */
export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

/** `routes[]` of a result. `mtu`, `advmss`, `priority`, `table` and `scope` are 1.1.0 fields. */
export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** A 1.x result (1.0.0 and 1.1.0), the form every handler of this package works with. */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** `ips[]` of a 0.3.0/0.3.1/0.4.0 result: 1.x's plus the address family. */
export interface CniIpConfigV03 extends CniIpConfig {
  version: '4' | '6';
}

/** A 0.3.0, 0.3.1 or 0.4.0 result. */
export interface CniResultV03 {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: CniIpConfigV03[];
  routes?: { dst: string; gw?: string }[];
  dns?: CniDns;
}

/** `ip4` / `ip6` of a 0.1.0/0.2.0 result. */
export interface CniLegacyIp {
  ip: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
}

/** A 0.1.0 or 0.2.0 result. */
export interface CniResultLegacy {
  cniVersion: string;
  ip4?: CniLegacyIp;
  ip6?: CniLegacyIp;
  dns?: CniDns;
}

/** A result in any spec version's format. */
export type CniAnyResult = CniResult | CniResultV03 | CniResultLegacy;

/** What VERSION prints. */
export interface CniVersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}
