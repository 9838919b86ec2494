import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalizeRanges,
  type HostLocalConfig,
  IpamError,
  offsetSetSteps,
  RangePool,
} from '../src/index.js';

const owner = (i: number, ifname = 'eth0') => ({ containerId: `c${i}`, ifname });

function pool(config: HostLocalConfig): RangePool {
  return new RangePool(canonicalizeRanges(config));
}

function snapshot(p: RangePool): string {
  return JSON.stringify([...p.entries()].map((e) => [e.set, e.value.toString(), e.key]).sort(), null, 0);
}

function expectIpamError(f: () => unknown, code: string, input: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IpamError);
    expect((e as IpamError).code).toBe(code);
    expect((e as IpamError).input).toBe(input);
    return;
  }
  throw new Error('expected an IpamError');
}

describe('RangePool: host-local semantics', () => {
  it('skips network, gateway and broadcast; round-robins from the last reserved; wraps across ranges', () => {
    const p = pool({ ranges: [[{ subnet: '10.1.2.0/29' }, { subnet: '10.1.3.0/30' }]] });
    const got = [];
    for (let i = 0; i < 6; i++) got.push(p.allocate(owner(i))[0].address);
    expectIpamError(() => p.allocate(owner(6)), 'exhausted', 'ranges[0]');
    // .1 is the gateway and .7 the broadcast of the /29; the /30 offers only .2 (its .1 is its gateway).
    expect(got).toEqual(['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6', '10.1.3.2']);
  });

  it('after a release the next allocation continues after the last reserved, not at the hole', () => {
    const p = pool({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.10', rangeEnd: '10.0.0.13' }]] });
    expect(p.allocate(owner(1))[0].cidr).toBe('10.0.0.10/24');
    expect(p.allocate(owner(2))[0].address).toBe('10.0.0.11');
    p.release(owner(1));
    expect(p.allocate(owner(3))[0].address).toBe('10.0.0.12');
    expect(p.allocate(owner(4))[0].address).toBe('10.0.0.13');
    expect(p.allocate(owner(5))[0].address).toBe('10.0.0.10');
    expectIpamError(() => p.allocate(owner(6)), 'exhausted', 'ranges[0]');
  });

  it('specific requests, gateway refused, duplicates refused, exclusions honoured', () => {
    const p = pool({
      ranges: [[{ subnet: '10.0.0.0/28', exclude: ['10.0.0.2', '10.0.0.4/31'] }], [{ subnet: 'fd00::/120' }]],
    });
    expect(p.allocate(owner(1)).map((a) => a.address)).toEqual(['10.0.0.3', 'fd00::2']);
    expect(p.allocate(owner(2)).map((a) => a.address)).toEqual(['10.0.0.6', 'fd00::3']);
    expect(p.allocate(owner(3), ['10.0.0.9', 'fd00::99']).map((a) => a.address)).toEqual([
      '10.0.0.9',
      'fd00::99',
    ]);
    expectIpamError(() => p.allocate(owner(4), ['10.0.0.1']), 'unavailable', 'ips[0]');
    expectIpamError(() => p.allocate(owner(4), ['10.0.0.4']), 'unavailable', 'ips[0]');
    expectIpamError(() => p.allocate(owner(4), ['10.0.0.9']), 'unavailable', 'ips[0]');
    expectIpamError(() => p.allocate(owner(4), ['10.9.0.9']), 'unavailable', 'ips[0]');
    expectIpamError(() => p.allocate(owner(1)), 'duplicate', 'ranges[0]');
    expect(p.allocate(owner(1, 'eth1'))[0].address).toBe('10.0.0.10');
  });

  it('an IPv6 /64 uses the sparse set and allocates in order', () => {
    const p = pool({ ranges: [[{ subnet: 'fd00:1::/64' }]] });
    for (let i = 0; i < 1000; i++) p.allocate(owner(i));
    expect(p.allocate(owner(1000))[0].address).toBe('fd00:1::3ea');
    expect(p.freeCount(0)).toBe((1n << 64n) - 1n - 1n - 1001n);
  });
});

describe('RangePool: bad configuration names its input', () => {
  const cases: [HostLocalConfig, string, string][] = [
    [
      { ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.128/25' }]] },
      'ranges[1][0]',
      'overlaps with ranges[0][0]',
    ],
    [
      { ranges: [[{ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }]] },
      'ranges[0][0].gateway',
      'not in network',
    ],
    [
      { ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.1', rangeEnd: '10.0.0.1' }]] },
      'ranges[0][0]',
      'no usable address',
    ],
    [{ ranges: [[{ subnet: '10.0.0.0/31' }]] }, 'ranges[0][0].subnet', 'too small'],
    [
      { ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: 'fd00::/64' }]] },
      'ranges[0][1]',
      'mixed address families',
    ],
    [
      { ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.3' }]] },
      'ranges[0][0].rangeEnd',
      'before start',
    ],
    [{ ranges: [[{ subnet: 'banana' }]] }, 'ranges[0][0].subnet', 'not a CIDR'],
    [{ ranges: [] }, 'ranges', 'non-empty'],
    [{}, 'ranges', 'no IP ranges'],
  ];
  for (const [config, input, text] of cases) {
    it(`${input}: ${text}`, () => {
      expectIpamError(() => canonicalizeRanges(config), 'bad-config', input);
      expect(() => canonicalizeRanges(config)).toThrow(text);
    });
  }
});

describe('RangePool properties (fast-check)', () => {
  const ops = fc.array(
    fc.record({
      release: fc.boolean(),
      who: fc.integer({ min: 0, max: 40 }),
      ask: fc.option(fc.integer({ min: 0, max: 20 })),
    }),
    { maxLength: 200 },
  );

  it('never hands out an address twice; releasing everything leaves it empty; failures change nothing', () => {
    fc.assert(
      fc.property(ops, (script) => {
        const p = pool({
          ranges: [[{ subnet: '10.0.0.0/28' }, { subnet: '10.0.1.0/29' }], [{ subnet: 'fd00::/124' }]],
        });
        const live = new Map<string, string>();
        for (const op of script) {
          const o = owner(op.who);
          if (op.release) {
            for (const a of p.release(o)) {
              expect(live.get(a.address)).toBe(`c${op.who}`);
              live.delete(a.address);
            }
            continue;
          }
          const before = snapshot(p);
          const lastBefore = [p.lastReserved(0), p.lastReserved(1)];
          try {
            const got = p.allocate(o, op.ask === null ? [] : [`10.0.0.${op.ask}`]);
            expect(got.map((a) => a.family)).toEqual([4, 6]);
            for (const a of got) {
              expect(live.has(a.address)).toBe(false);
              live.set(a.address, `c${op.who}`);
            }
          } catch (e) {
            expect(e).toBeInstanceOf(IpamError);
            expect(snapshot(p)).toBe(before);
            expect([p.lastReserved(0), p.lastReserved(1)]).toEqual(lastBefore);
          }
        }
        expect(p.size).toBe(live.size);
        for (let i = 0; i <= 40; i++) p.release(owner(i));
        expect(p.size).toBe(0);
        expect(p.freeCount(0)).toBe(13n + 5n);
        expect(p.freeCount(1)).toBe(14n);
      }),
      { numRuns: 300 },
    );
  });

  it('a dual-stack request that fails on IPv6 leaves IPv4 untouched (and the reverse)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.boolean(), (n, v6small) => {
        // One family has room for 3 addresses, the other for 13: the 4th request fails on the small one.
        const small = v6small
          ? [{ subnet: 'fd00::/125', rangeEnd: 'fd00::4' }]
          : [{ subnet: '10.0.0.0/29', rangeEnd: '10.0.0.4' }];
        const big = v6small ? [{ subnet: '10.0.0.0/28' }] : [{ subnet: 'fd00::/124' }];
        const p = pool({ ranges: v6small ? [big, small] : [small, big] });
        const bigSet = v6small ? 0 : 1;
        for (let i = 0; i < n; i++) {
          const freeBig = p.freeCount(bigSet);
          try {
            p.allocate(owner(i));
          } catch (e) {
            expect((e as IpamError).code).toBe('exhausted');
            expect((e as IpamError).input).toBe(`ranges[${1 - bigSet}]`);
            expect(p.freeCount(bigSet)).toBe(freeBig);
          }
        }
        expect(p.size).toBe(2 * Math.min(n, 3));
      }),
      { numRuns: 100 },
    );
  });
});

describe('RangePool: large exclusions', () => {
  it('an excluded /80 inside an IPv6 /64 is skipped in one step', () => {
    const p = pool({
      ranges: [[{ subnet: 'fd00::/64', rangeStart: 'fd00::1', exclude: ['fd00::/80', 'fd00:0:0:0:1::5'] }]],
    });
    expect(p.allocate(owner(1))[0].address).toBe('fd00::1:0:0:0');
    expectIpamError(() => p.allocate(owner(2), ['fd00::1:0:0:5']), 'unavailable', 'ips[0]');
    // 2^64 - 1 in the range, minus fd00::1..fd00::ffff:ffff:ffff (the gateway among them), one exclusion, one taken.
    expect(p.freeCount(0)).toBe((1n << 64n) - 1n - ((1n << 48n) - 1n) - 1n - 1n);
  });
});

describe('RangePool: owners', () => {
  const v4 = () => pool({ ranges: [[{ subnet: '10.0.0.0/24' }]] });

  it('a container id is trimmed as host-local trims it; interface names keep owners apart', () => {
    const p = v4();
    expect(p.allocate({ containerId: ' c1\t', ifname: 'eth0' })[0].address).toBe('10.0.0.2');
    expect(p.allocate({ containerId: 'c1', ifname: 'net1' })[0].address).toBe('10.0.0.3');
    expectIpamError(() => p.allocate({ containerId: 'c1', ifname: 'eth0' }), 'duplicate', 'ranges[0]');
    expect(p.ownerOf(0, 0x0a000002n)).toBe('c1\r\neth0');
    expect(p.ownerOf(0, 0x0a000003n)).toBe('c1\r\nnet1');
    expect(p.release({ containerId: 'c1', ifname: 'eth0' }).map((a) => a.address)).toEqual(['10.0.0.2']);
    expect(p.held('c1\r\nnet1')).toEqual([{ set: 0, value: 0x0a000003n }]);
    expect(p.size).toBe(1);
  });

  it('keys from files: bare ids, odd characters, and the object and its key are one owner', () => {
    const p = v4();
    expect(p.take(0, 0x0a000009n, 'bare-id')).toBe(true);
    expect(p.take(0, 0x0a000009n, 'other')).toBe(false);
    expect(p.ownerOf(0, 0x0a000009n)).toBe('bare-id');
    const odd = { containerId: 'a\rb', ifname: 'x\r\ny' };
    expect(p.take(0, 0x0a00000an, `a\rb\r\nx\r\ny`)).toBe(true);
    expect(p.held(odd)).toEqual([{ set: 0, value: 0x0a00000an }]);
    expect(p.ownerOf(0, 0x0a00000an)).toBe('a\rb\r\nx\r\ny');
    // A second address of one owner in one set (two files naming the same container) is kept and freed too.
    expect(p.take(0, 0x0a00000bn, 'bare-id')).toBe(true);
    expect(p.held('bare-id').map((h) => h.value)).toEqual([0x0a000009n, 0x0a00000bn]);
    expect(p.free(0, 0x0a000009n)).toBe('bare-id');
    expect(p.held('bare-id').map((h) => h.value)).toEqual([0x0a00000bn]);
    expect(p.releaseValues(odd)).toBe(1);
    expect(p.releaseValues('bare-id')).toBe(1);
    expect(p.size).toBe(0);
    expect([...p.entries()]).toEqual([]);
    expect(p.freeCount(0)).toBe(253n);
  });

  it('slots are reused: entries always name the right owner', () => {
    const p = v4();
    for (let i = 0; i < 5; i++) p.allocate(owner(i));
    p.release(owner(1));
    p.release(owner(3));
    p.allocate(owner(7));
    p.allocate(owner(8));
    expect(snapshot(p)).toBe(
      JSON.stringify(
        [
          [0, '167772162', 'c0\r\neth0'],
          [0, '167772164', 'c2\r\neth0'],
          [0, '167772166', 'c4\r\neth0'],
          [0, '167772167', 'c7\r\neth0'],
          [0, '167772168', 'c8\r\neth0'],
        ].sort(),
      ),
    );
  });

  it('IPv6 offsets beyond 2^53 (a request near the end of a /64) work, and the round-robin goes on from there', () => {
    const p = pool({ ranges: [[{ subnet: 'fd00::/64' }]] });
    expect(p.allocate(owner(1), ['fd00::ffff:ffff:ffff:fffd'])[0].address).toBe('fd00::ffff:ffff:ffff:fffd');
    expect(p.allocate(owner(2))[0].address).toBe('fd00::ffff:ffff:ffff:fffe');
    expect(p.allocate(owner(3))[0].address).toBe('fd00::ffff:ffff:ffff:ffff');
    expect(p.allocate(owner(4))[0].address).toBe('fd00::2'); // wrapped; fd00::1 is the gateway
    expect(p.ownerOf(0, (0xfd00n << 112n) + (1n << 64n) - 2n)).toBe('c2\r\neth0');
    expect(p.lastReserved(0)).toBe((0xfd00n << 112n) + 2n);
    expect(p.releaseValues(owner(2))).toBe(1);
    expect(p.isFree(0, (0xfd00n << 112n) + (1n << 64n) - 2n)).toBe(true);
    for (const i of [1, 3, 4]) p.release(owner(i));
    expect(p.size).toBe(0);
    expect(p.freeCount(0)).toBe((1n << 64n) - 2n);
  });
});

describe('RangePool: allocation cost grows at most with the logarithm of what is taken', () => {
  it('a range of 2^k, all taken but one address in the middle, the cursor at the end: steps ~ k, not ~ 2^k', () => {
    const got: [number, number][] = [];
    for (const k of [6, 10, 14, 17]) {
      const size = 2 ** k;
      const start = 0x0a000010;
      const p = pool({
        ranges: [[{ subnet: '10.0.0.0/8', rangeStart: '10.0.0.16', rangeEnd: ipv4(start + size - 1) }]],
      });
      for (let i = 0; i < size; i++) p.allocateValues(owner(i));
      expectIpamError(() => p.allocate(owner(-1)), 'exhausted', 'ranges[0]');
      p.releaseValues(owner(size / 2));
      const before = offsetSetSteps();
      expect(p.allocate(owner(-1))[0].address).toBe(ipv4(start + size / 2));
      got.push([k, offsetSetSteps() - before]);
    }
    // Bitmap levels: ceil(k / 5); a scan word by word would visit 2^17 / 32 = 4096 words at k = 17.
    for (const [k, steps] of got) expect(steps, `2^${k}`).toBeLessThanOrEqual(4 * Math.ceil(k / 5) + 4);
    expect(got[3][1]).toBeLessThanOrEqual(3 * got[0][1]);
  });
});

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
