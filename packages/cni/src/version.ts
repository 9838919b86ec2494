/** Every released CNI spec version, oldest first. */
export const CNI_SPEC_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** A released CNI spec version. */
export type CniSpecVersion = (typeof CNI_SPEC_VERSIONS)[number];

/** The newest spec version this package implements. */
export const CNI_LATEST_VERSION: CniSpecVersion = '1.1.0';

/** Whether `v` is one of the released spec versions. */
export function isCniSpecVersion(v: unknown): v is CniSpecVersion {
  return typeof v === 'string' && (CNI_SPEC_VERSIONS as readonly string[]).includes(v);
}

/**
 * `major.minor.patch` (missing parts are 0, as the Go library reads "0.1") to numbers; undefined
 * when `v` is not a version.
 */
export function parseVersionNumbers(v: string): [number, number, number] | undefined {
  const m = /^(0|[1-9][0-9]{0,8})(?:\.(0|[1-9][0-9]{0,8}))?(?:\.(0|[1-9][0-9]{0,8}))?$/.exec(v);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`; throws RangeError on a non-version. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersionNumbers(a);
  const y = parseVersionNumbers(b);
  if (!x) throw new RangeError(`cniVersion: not a version: ${JSON.stringify(a)}`);
  if (!y) throw new RangeError(`cniVersion: not a version: ${JSON.stringify(b)}`);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** `a >= b`; false when either is not a version. */
export function versionAtLeast(a: string, b: string): boolean {
  const x = parseVersionNumbers(a);
  const y = parseVersionNumbers(b);
  if (!x || !y) return false;
  return (x[0] - y[0] || x[1] - y[1] || x[2] - y[2]) >= 0;
}

/** The result format a spec version uses: `legacy` (0.1.0, 0.2.0: ip4/ip6), `0.3` (0.3.x, 0.4.0: ips with version), `1` (1.x). */
export type ResultFormat = 'legacy' | '0.3' | '1';

export function resultFormatOf(version: string): ResultFormat | undefined {
  const n = parseVersionNumbers(version);
  if (!n) return undefined;
  if (n[0] >= 1) return '1';
  if (n[1] >= 3) return '0.3';
  return 'legacy';
}
