import { innerFlowHash, SourcePortRange, sourcePortFromHash } from '@cnikit/vxlan';
import { parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Inner Ethernet/IPv4/UDP frame 10.244.1.2:40000 → 10.244.2.3:53, TTL 64. */
function ipv4Udp(srcPort = 40000, dstPort = 53, ttl = 64, id = 1): Uint8Array {
  const f = parseBytes(
    '0a580af40203 0a580af40102 0800 4500001e00014000401100000af401020af40203 9c400035000a0000 6869',
  );
  f[14 + 4] = id >> 8;
  f[14 + 5] = id;
  f[14 + 8] = ttl;
  f[34] = srcPort >> 8;
  f[35] = srcPort;
  f[36] = dstPort >> 8;
  f[37] = dstPort;
  return f;
}

describe('inner flow hash (RFC 7348 §5 source port)', () => {
  it('depends on the 5-tuple only: TTL, IP id and payload leave it unchanged', () => {
    const h = innerFlowHash(ipv4Udp());
    expect(innerFlowHash(ipv4Udp(40000, 53, 3, 999))).toBe(h);
    const other = ipv4Udp();
    other[other.length - 1] ^= 0xff;
    expect(innerFlowHash(other)).toBe(h);
  });

  it('changes with the ports, the addresses and the seed', () => {
    const h = innerFlowHash(ipv4Udp());
    expect(innerFlowHash(ipv4Udp(40001))).not.toBe(h);
    expect(innerFlowHash(ipv4Udp(40000, 54))).not.toBe(h);
    const moved = ipv4Udp();
    moved[14 + 15] = 9;
    expect(innerFlowHash(moved)).not.toBe(h);
    expect(innerFlowHash(ipv4Udp(), 0, undefined, 1)).not.toBe(h);
  });

  it('ignores the ports of a non-first fragment, and hashes MACs for non-IP frames', () => {
    const a = ipv4Udp(1000);
    const b = ipv4Udp(2000);
    for (const f of [a, b]) f[14 + 7] = 8; // fragment offset 64 bytes
    expect(innerFlowHash(a)).toBe(innerFlowHash(b));
    const arp = parseBytes('ffffffffffff 0a580af40102 0806 0001080006040001');
    const arp2 = arp.slice();
    arp2[20] = 2;
    expect(innerFlowHash(arp)).toBe(innerFlowHash(arp2));
    arp2[11] = 3;
    expect(innerFlowHash(arp2)).not.toBe(innerFlowHash(arp));
  });

  it('spreads flows over the whole range, and every port stays inside it', () => {
    for (const range of [SourcePortRange.rfc7348, SourcePortRange.linux, { min: 5000, max: 5003 }]) {
      const seen = new Set<number>();
      for (let p = 0; p < 4000; p++) {
        const port = sourcePortFromHash(innerFlowHash(ipv4Udp(1024 + p)), range);
        expect(port).toBeGreaterThanOrEqual(range.min);
        expect(port).toBeLessThanOrEqual(range.max);
        seen.add(port);
      }
      const size = range.max - range.min + 1;
      // 4000 flows into `size` buckets: close to the expected number of distinct ports
      const expected = size * (1 - (1 - 1 / size) ** 4000);
      expect(seen.size).toBeGreaterThan(expected * 0.9);
    }
  });

  it('maps the extremes of the hash to the ends of the range', () => {
    expect(sourcePortFromHash(0, SourcePortRange.rfc7348)).toBe(49152);
    // 0xffff ^ (0xffff << 16) folds to all ones
    expect(sourcePortFromHash(0x0000ffff, SourcePortRange.rfc7348)).toBe(65535);
    expect(sourcePortFromHash(0x0000ffff, SourcePortRange.linux)).toBe(60999);
  });

  it('never throws and never reads outside the frame, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const h = innerFlowHash(b);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
      { numRuns: 100_000 },
    );
  });
});
