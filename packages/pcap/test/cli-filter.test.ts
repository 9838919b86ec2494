import { describe, expect, it } from 'vitest';
import type { JsonFieldValue } from '../src/cli/fields.js';
import { compileFilter, FilterSyntaxError, parseFilter } from '../src/cli/filter.js';

function packet(fields: Record<string, JsonFieldValue[]>, protocols: string[]) {
  return { fields: new Map(Object.entries(fields)), protocols: new Set(protocols) };
}

// An outer/inner VXLAN packet: two ip.src values, as tshark has them.
const vxlan = packet(
  {
    'eth.dst': ['00:11:22:33:44:55', 'aa:bb:cc:dd:ee:ff'],
    'ip.src': ['192.168.0.1', '10.244.1.2'],
    'ip.ttl': [64, 63],
    'udp.dstport': [4789, 53],
    'vxlan.vni': [42],
    'ipv6.dst': [],
  },
  ['eth', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'udp'],
);
const v6 = packet({ 'ipv6.dst': ['2001:db8::1'], 'tcp.flags.syn': [1] }, ['eth', 'ipv6', 'tcp']);

describe('display filter subset', () => {
  it.each([
    ['vxlan', true, false],
    ['tcp', false, true],
    ['ip.src == 10.244.1.2', true, false],
    ['ip.src == 10.244.0.0/16', true, false],
    ['ip.src == 10.245.0.0/16', false, false],
    ['vxlan.vni == 42 && udp.dstport == 53', true, false],
    ['vxlan.vni == 0x2a', true, false],
    ['vxlan.vni == 43 || ipv6.dst == 2001:DB8:0::1', false, true],
    ['!vxlan', false, true],
    ['not (vxlan and ip.ttl > 63)', false, true],
    ['ip.ttl < 64', true, false],
    ['ip.ttl >= 65', false, false],
    ['ip.src != 192.168.0.1', false, false],
    ['ip.src != 1.2.3.4', true, false],
    ['eth.dst == AA-BB-CC-DD-EE-FF', true, false],
    ['tcp.flags.syn == true', false, true],
    ['vxlan.vni eq 42 and not ip.ttl lt 10', true, false],
  ])('%s', (filter, onVxlan, onV6) => {
    const f = compileFilter(filter);
    expect(f(vxlan)).toBe(onVxlan);
    expect(f(v6)).toBe(onV6);
  });

  it('binds && tighter than ||', () => {
    expect(parseFilter('a || b && c')).toEqual({
      kind: 'or',
      left: { kind: 'present', field: 'a' },
      right: { kind: 'and', left: { kind: 'present', field: 'b' }, right: { kind: 'present', field: 'c' } },
    });
  });

  it.each([
    ['ip.src ==', 9, 'value expected'],
    ['(vxlan', 6, 'expected )'],
    ['ip.src == 1 ip', 12, 'unexpected ip'],
    ['ip.src = 1', 7, 'unexpected character "="'],
    ['', 0, 'expression expected'],
    ['"x"', 0, 'unexpected x'],
    ['ip.src == "abc', 10, 'unterminated string'],
  ])('rejects %j at its position', (filter, position, reason) => {
    try {
      parseFilter(filter);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FilterSyntaxError);
      expect((e as FilterSyntaxError).position).toBe(position);
      expect((e as FilterSyntaxError).message).toContain(reason);
    }
  });
});
