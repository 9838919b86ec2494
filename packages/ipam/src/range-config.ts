import { formatPrefix, type Prefix, parsePrefix } from '@cnikit/wire';
import { badConfig } from './errors.js';
import { type Family, formatIpValue, parseAddress, prefixFirst, prefixLast } from './prefix-math.js';

/** One range as host-local's configuration writes it. */
export interface RangeConfig {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
  /** Not host-local: addresses or prefixes never handed out (Whereabouts' `exclude`). */
  exclude?: string[];
}

export interface RouteConfig {
  dst: string;
  gw?: string;
}

/** The `ipam` section of a CNI network configuration for host-local. */
export interface HostLocalConfig {
  type?: string;
  /** Range sets: one address is allocated from each set. */
  ranges?: RangeConfig[][];
  routes?: RouteConfig[];
  dataDir?: string;
  resolvConf?: string;
  /** host-local's older single-range form. */
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/** A range after host-local's canonicalisation, as integers. */
export interface RangeSpec {
  readonly family: Family;
  readonly subnet: Prefix;
  readonly start: bigint;
  readonly end: bigint;
  readonly gateway: bigint;
  /** Sorted, disjoint [lo, hi] runs inside [start, end] never handed out (gateway included). */
  readonly excluded: ReadonlyArray<readonly [bigint, bigint]>;
  /** Configuration path, e.g. `ranges[1][0]`. */
  readonly input: string;
}

export type RangeSetSpec = readonly RangeSpec[];

function parseIn(input: string, text: unknown): bigint {
  if (typeof text !== 'string')
    throw badConfig(input, `must be an address string, got ${JSON.stringify(text)}`);
  try {
    return parseAddress(text).value;
  } catch {
    throw badConfig(input, `not an IP address: ${JSON.stringify(text)}`);
  }
}

function familyOf(text: string): Family {
  return text.includes(':') ? 6 : 4;
}

/** host-local's Range.Canonicalize, plus our exclusions and an empty-range check. */
export function canonicalizeRange(r: RangeConfig, input: string): RangeSpec {
  if (typeof r !== 'object' || r === null) throw badConfig(input, 'must be an object');
  if (typeof r.subnet !== 'string') throw badConfig(`${input}.subnet`, 'missing');
  let subnet: Prefix;
  try {
    subnet = parsePrefix(r.subnet, false);
  } catch {
    throw badConfig(`${input}.subnet`, `not a CIDR prefix: ${JSON.stringify(r.subnet)}`);
  }
  const family = subnet.family;
  const bits = family === 4 ? 32 : 128;
  if (subnet.length > bits - 2) {
    throw badConfig(`${input}.subnet`, `network ${formatPrefix(subnet)} too small to allocate from`);
  }
  const first = prefixFirst(subnet);
  const last = prefixLast(subnet);
  const inSubnet = (field: string, text: string | undefined): bigint | undefined => {
    if (text === undefined) return undefined;
    const v = parseIn(`${input}.${field}`, text);
    if (familyOf(text) !== family || v < first || v > last) {
      throw badConfig(`${input}.${field}`, `${text} not in network ${formatPrefix(subnet)}`);
    }
    return v;
  };
  const gateway = inSubnet('gateway', r.gateway) ?? first + 1n;
  const start = inSubnet('rangeStart', r.rangeStart) ?? first + 1n;
  const end = inSubnet('rangeEnd', r.rangeEnd) ?? (family === 4 ? last - 1n : last);
  if (end < start) {
    throw badConfig(
      `${input}.rangeEnd`,
      `${r.rangeEnd ?? formatIpValue(family, end)} is before start ${formatIpValue(family, start)}`,
    );
  }
  const runs: [bigint, bigint][] = [];
  if (gateway >= start && gateway <= end) runs.push([gateway, gateway]);
  (r.exclude ?? []).forEach((text, i) => {
    const at = `${input}.exclude[${i}]`;
    if (typeof text !== 'string') throw badConfig(at, 'must be a string');
    let lo: bigint;
    let hi: bigint;
    if (text.includes('/')) {
      let p: Prefix;
      try {
        p = parsePrefix(text, false);
      } catch {
        throw badConfig(at, `not an address or prefix: ${JSON.stringify(text)}`);
      }
      if (p.family !== family) throw badConfig(at, `${text} is not IPv${family}`);
      lo = prefixFirst(p);
      hi = prefixLast(p);
    } else {
      lo = hi = parseIn(at, text);
      if (familyOf(text) !== family) throw badConfig(at, `${text} is not IPv${family}`);
    }
    if (lo < start) lo = start;
    if (hi > end) hi = end;
    if (lo <= hi) runs.push([lo, hi]);
  });
  runs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const excluded: [bigint, bigint][] = [];
  for (const run of runs) {
    const prev = excluded[excluded.length - 1];
    if (prev && run[0] <= prev[1] + 1n) {
      if (run[1] > prev[1]) prev[1] = run[1];
    } else excluded.push([run[0], run[1]]);
  }
  let usable = end - start + 1n;
  for (const [lo, hi] of excluded) usable -= hi - lo + 1n;
  if (usable <= 0n) {
    throw badConfig(
      input,
      `range ${formatIpValue(family, start)}-${formatIpValue(family, end)} has no usable address`,
    );
  }
  return { family, subnet, start, end, gateway, excluded, input };
}

function overlaps(a: RangeSpec, b: RangeSpec): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/**
 * Validates a host-local `ipam` section into range sets: each range canonicalised, one family per
 * set, no two ranges anywhere overlapping (host-local's checks), each error naming its input.
 */
export function canonicalizeRanges(config: HostLocalConfig): RangeSetSpec[] {
  let sets: RangeConfig[][];
  let base = 'ranges';
  if (config.ranges !== undefined) {
    if (!Array.isArray(config.ranges) || config.ranges.length === 0)
      throw badConfig('ranges', 'must be a non-empty array of range sets');
    sets = config.ranges;
  } else if (config.subnet !== undefined) {
    base = 'legacy';
    sets = [
      [
        {
          subnet: config.subnet,
          rangeStart: config.rangeStart,
          rangeEnd: config.rangeEnd,
          gateway: config.gateway,
        },
      ],
    ];
  } else throw badConfig('ranges', 'no IP ranges specified');
  const specs = sets.map((set, i) => {
    if (!Array.isArray(set) || set.length === 0)
      throw badConfig(`${base}[${i}]`, 'must be a non-empty array of ranges');
    const ranges = set.map((r, j) =>
      canonicalizeRange(r, base === 'legacy' ? 'ipam' : `${base}[${i}][${j}]`),
    );
    for (const r of ranges) {
      if (r.family !== ranges[0].family) throw badConfig(r.input, 'mixed address families in one range set');
    }
    return ranges;
  });
  const all = specs.flat();
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (overlaps(all[i], all[j])) throw badConfig(all[j].input, `overlaps with ${all[i].input}`);
    }
  }
  return specs;
}
