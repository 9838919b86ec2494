import { spawnSync } from 'node:child_process';
import { formatPrefix, type Prefix, parsePrefix } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containsAddress,
  containsPrefix,
  formatIpValue,
  nextPrefix,
  nthAddress,
  nthSubnet,
  parseAddress,
  prefixesOverlap,
  prefixFirst,
  prefixLast,
  splitPrefix,
} from '../src/index.js';

const arbPrefix = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([a, l]) => formatPrefix(parsePrefix(`${formatIpValue(4, BigInt(a))}/${l}`, false))),
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
    .map(([a, l]) => formatPrefix(parsePrefix(`${formatIpValue(6, a)}/${l}`, false))),
);

/** The same questions answered by Python's ipaddress module, one process for the whole batch. */
function askPython(
  cases: { a: string; b: string }[],
): { overlap: boolean; contains: boolean; next: string; last: string; sub0: string }[] {
  const script = `
import ipaddress, json, sys
out = []
for c in json.load(sys.stdin):
    a = ipaddress.ip_network(c['a']); b = ipaddress.ip_network(c['b'])
    same = a.version == b.version
    nxt = a.broadcast_address + 1 if int(a.broadcast_address) + 1 < 2 ** a.max_prefixlen else None
    sub = next(a.subnets(new_prefix=min(a.prefixlen + 2, a.max_prefixlen)))
    out.append({'overlap': same and a.overlaps(b), 'contains': same and b.subnet_of(a),
                'next': f'{int(nxt)}/{a.prefixlen}' if nxt is not None else '',
                'last': str(int(a.broadcast_address)), 'sub0': f'{int(sub.network_address)}/{sub.prefixlen}'})
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('prefix arithmetic', () => {
  it('agrees with Python ipaddress on 2,000 random prefix pairs (overlap, contains, next, last, split)', () => {
    const pairs = fc.sample(fc.tuple(arbPrefix, arbPrefix), { numRuns: 2000, seed: 14 });
    // Half of the pairs made to nest, so containment is exercised, not only disjointness.
    const cases = pairs.map(([a, b], i) => {
      if (i % 2 === 0) return { a, b };
      const p = parsePrefix(a);
      const len = Math.min(p.length + 3, p.family === 4 ? 32 : 128);
      return { a, b: formatPrefix(nthSubnet(p, len, 1 % Number(1n << BigInt(len - p.length)))) };
    });
    const want = askPython(cases);
    let compared = 0;
    cases.forEach(({ a, b }, i) => {
      const pa = parsePrefix(a);
      const pb = parsePrefix(b);
      expect(prefixesOverlap(pa, pb), `${a} ${b}`).toBe(want[i].overlap);
      expect(containsPrefix(pa, pb), `${a} ${b}`).toBe(want[i].contains);
      const n = nextPrefix(pa);
      // Python prints IPv4-compatible IPv6 differently from glibc, so addresses are compared as integers.
      const asInt = (p: Prefix) => `${prefixFirst(p)}/${p.length}`;
      expect(n ? asInt(n) : '').toBe(want[i].next);
      expect(prefixLast(pa).toString()).toBe(want[i].last);
      const len = Math.min(pa.length + 2, pa.family === 4 ? 32 : 128);
      expect(asInt(nthSubnet(pa, len, 0))).toBe(want[i].sub0);
      compared += 5;
    });
    expect(compared).toBe(10_000);
  });

  it('known answers', () => {
    const p = parsePrefix('10.244.0.0/16');
    expect(formatIpValue(4, nthAddress(p, 1))).toBe('10.244.0.1');
    expect(formatIpValue(4, nthAddress(p, -1))).toBe('10.244.255.255');
    expect([...splitPrefix(parsePrefix('10.0.0.0/24'), 26)].map(formatPrefix)).toEqual([
      '10.0.0.0/26',
      '10.0.0.64/26',
      '10.0.0.128/26',
      '10.0.0.192/26',
    ]);
    expect(formatPrefix(nthSubnet(parsePrefix('fd00::/64'), 122, 3))).toBe('fd00::c0/122');
    expect(nextPrefix(parsePrefix('255.255.255.0/24'))).toBeUndefined();
    expect(formatPrefix(nextPrefix(parsePrefix('10.0.0.192/26'))!)).toBe('10.0.1.0/26');
    expect(containsAddress(parsePrefix('fd00::/64'), 'fd00::ffff')).toBe(true);
    expect(containsAddress(parsePrefix('fd00::/64'), '10.0.0.1')).toBe(false);
    expect(() => nthAddress(parsePrefix('10.0.0.0/30'), 4)).toThrow(RangeError);
    expect(parseAddress('::ffff:1.2.3.4').value).toBe(0xffff01020304n);
  });
});
