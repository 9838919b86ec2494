import { describe, expect, it } from 'vitest';
import { formatIpv6, internetChecksum, parseIpv6 } from '@cnikit/wire';

describe('wire smoke', () => {
  it('formats RFC 5952 examples', () => {
    expect(formatIpv6(parseIpv6('2001:0db8:0000:0000:0001:0000:0000:0001'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIpv6('::ffff:192.0.2.1'))).toBe('::ffff:192.0.2.1');
  });
  it('computes the RFC 1071 §3 example sum', () => {
    // words 0001 f203 f4f5 f6f7 sum to 0xddf2 after folding; checksum is its complement
    expect(internetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(
      ~0xddf2 & 0xffff,
    );
  });
});
