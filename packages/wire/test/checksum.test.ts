import {
  foldSum,
  internetChecksum,
  ipv4PseudoHeaderSum,
  ipv6PseudoHeaderSum,
  parseBytes,
  readU16,
  readU32,
  sumWords,
  updateChecksum,
  updateChecksum32,
  verifyChecksum,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Real packets from ../shared/corpus/pcap, copied from `tshark -r FILE -x` (link headers removed).
 * TShark 4.0.17 with `-o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE`
 * reports every checksum here as good (status 1) except the one marked otherwise.
 */
const corpus = {
  /** LINKTYPE_IPV4.pcap frame 1: IPv4 (ip.checksum 0xa695) + UDP DNS query, UDP length 37 (odd). */
  ipv4Udp: parseBytes(`
    45 00 00 39 00 01 00 00 40 11 a6 95 c0 a8 01 64
    09 09 09 09 30 39 00 35 00 25 19 76 12 34 01 00
    00 01 00 00 00 00 00 00 07 65 78 61 6d 70 6c 65
    03 63 6f 6d 00 00 01 00 01`),
  /** LINKTYPE_IPV6.pcap frame 1: IPv6 + UDP DNS query, UDP length 37, udp.checksum 0x98b3. */
  ipv6Udp: parseBytes(`
    60 00 00 00 00 25 11 40 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 01 26 20 00 fe 00 00 00 00
    00 00 00 00 00 00 00 09 30 39 00 35 00 25 98 b3
    12 34 01 00 00 01 00 00 00 00 00 00 07 65 78 61
    6d 70 6c 65 03 63 6f 6d 00 00 01 00 01`),
  /** dns_tcp.pcap frame 4 (Ethernet header removed): IPv4 (0x134e) + TCP DNS, tcp.checksum 0x7796. */
  ipv4Tcp: parseBytes(`
                                          45 00
    00 62 9b 2a 40 00 40 06 13 4e c0 a8 01 0b d1 57
    f9 12 83 f3 00 35 23 fe c8 0d 79 d2 49 14 50 18
    fa f0 77 96 00 00 00 38 43 19 01 20 00 01 00 00
    00 00 00 01 03 77 77 77 07 74 63 70 64 75 6d 70
    03 6f 72 67 00 00 01 00 01 00 00 29 10 00 00 00
    00 00 00 0c 00 0a 00 08 8f 06 be 7d 69 14 42 f0`),
  /** bgp-enhanced-route-refresh-subtype.pcapng frame 2 (SLL header removed): IPv6 + TCP BGP,
   * payload length 55 (odd), tcp.checksum 0xcbcd. */
  ipv6Tcp: parseBytes(`
    6c 0b 25 82 00 37 06 01 2a 02 0a bc 00 00 00 00
    00 00 00 00 00 00 01 23 2a 02 0a bc 00 00 00 00
    00 00 00 00 00 00 00 17 00 b3 93 7a 2c 40 d0 7f
    ec dc 6f c6 80 18 01 f5 cb cd 00 00 01 01 08 0a
    6c 49 2c 06 58 18 59 15 ff ff ff ff ff ff ff ff
    ff ff ff ff ff ff ff ff 00 17 05 00 01 01 01`),
  /** Same file, frame 1, captured on the sender before checksum offload: TShark calls 0x6af3 bad.
   * Linux (CHECKSUM_PARTIAL) leaves the folded, uncomplemented pseudo-header sum for the NIC. */
  ipv6TcpOffloaded: parseBytes(`
    6c 08 b0 71 00 37 06 01 2a 02 0a bc 00 00 00 00
    00 00 00 00 00 00 00 17 2a 02 0a bc 00 00 00 00
    00 00 00 00 00 00 01 23 93 7a 00 b3 ec dc 6f af
    2c 40 d0 7f 80 18 01 f5 6a f3 00 00 01 01 08 0a
    58 18 59 15 6c 49 1f 41 ff ff ff ff ff ff ff ff
    ff ff ff ff ff ff ff ff 00 17 05 00 01 00 01`),
  /** icmpv6_nodeinfo_queryipv6.pcap frame 1: IPv6 + ICMPv6 node information query, icmpv6.checksum 0x0725. */
  ipv6Icmp: parseBytes(`
    60 00 00 00 00 20 3a 40 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 01 8b 00 07 25 00 03 00 02
    6c 60 3d ed ca 75 ca fb 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 01`),
};

/** The upper-layer checksum of an IPv4 packet with a 20-byte header, recomputed with the field zeroed. */
function recomputeIpv4Upper(pkt: Uint8Array, checksumAt: number): number {
  const copy = pkt.slice();
  writeU16(copy, 20 + checksumAt, 0);
  const length = readU16(copy, 2) - 20;
  const initial = ipv4PseudoHeaderSum(readU32(copy, 12), readU32(copy, 16), copy[9], length);
  return internetChecksum(copy, 20, 20 + length, initial);
}

function recomputeIpv6Upper(pkt: Uint8Array, checksumAt: number): number {
  const copy = pkt.slice();
  writeU16(copy, 40 + checksumAt, 0);
  const length = readU16(copy, 4);
  const initial = ipv6PseudoHeaderSum(copy, copy, copy[6], length, 8, 24);
  return internetChecksum(copy, 40, 40 + length, initial);
}

describe('internet checksum: known answers', () => {
  it('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
    const b = parseBytes('00 01 f2 03 f4 f5 f6 f7');
    expect(sumWords(b, 0, 8)).toBe(0x2ddf0); // unfolded: 0001 + f203 + f4f5 + f6f7
    expect(foldSum(sumWords(b, 0, 8))).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
    const withChecksum = parseBytes('00 01 f2 03 f4 f5 f6 f7 22 0d');
    expect(verifyChecksum(withChecksum)).toBe(true);
  });

  it('IPv4 header checksums of real packets', () => {
    for (const [pkt, expected] of [
      [corpus.ipv4Udp, 0xa695],
      [corpus.ipv4Tcp, 0x134e],
    ] as const) {
      expect(verifyChecksum(pkt, 0, 20)).toBe(true);
      const copy = pkt.slice(0, 20);
      writeU16(copy, 10, 0);
      expect(internetChecksum(copy)).toBe(expected);
      copy[8] -= 1; // TTL decremented: the checksum must change
      expect(internetChecksum(copy)).not.toBe(expected);
    }
  });

  it('UDP over IPv4 with the RFC 768 pseudo-header (odd length)', () => {
    const pkt = corpus.ipv4Udp;
    expect(recomputeIpv4Upper(pkt, 6)).toBe(0x1976);
    const initial = ipv4PseudoHeaderSum(0xc0a80164, 0x09090909, 17, 37);
    expect(verifyChecksum(pkt, 20, 57, initial)).toBe(true);
    expect(verifyChecksum(pkt, 20, 57)).toBe(false); // without the pseudo-header it does not verify
    expect(verifyChecksum(pkt, 20, 57, ipv4PseudoHeaderSum(0xc0a80164, 0x09090908, 17, 37))).toBe(false);
  });

  it('TCP over IPv4 with the RFC 9293 pseudo-header', () => {
    expect(recomputeIpv4Upper(corpus.ipv4Tcp, 16)).toBe(0x7796);
    const initial = ipv4PseudoHeaderSum(0xc0a8010b, 0xd157f912, 6, 78);
    expect(verifyChecksum(corpus.ipv4Tcp, 20, 98, initial)).toBe(true);
  });

  it('UDP, TCP and ICMPv6 over IPv6 with the RFC 8200 §8.1 pseudo-header', () => {
    expect(recomputeIpv6Upper(corpus.ipv6Udp, 6)).toBe(0x98b3);
    expect(recomputeIpv6Upper(corpus.ipv6Tcp, 16)).toBe(0xcbcd); // 55 bytes: odd
    expect(recomputeIpv6Upper(corpus.ipv6Icmp, 2)).toBe(0x0725);
    const p = corpus.ipv6Tcp;
    expect(verifyChecksum(p, 40, 95, ipv6PseudoHeaderSum(p.subarray(8, 24), p.subarray(24, 40), 6, 55))).toBe(
      true,
    );
  });

  it('a checksum left for the NIC is the folded pseudo-header sum (Linux CHECKSUM_PARTIAL)', () => {
    const p = corpus.ipv6TcpOffloaded;
    expect(foldSum(ipv6PseudoHeaderSum(p, p, 6, 55, 8, 24))).toBe(0x6af3);
    expect(readU16(p, 56)).toBe(0x6af3);
    expect(verifyChecksum(p, 40, 95, ipv6PseudoHeaderSum(p, p, 6, 55, 8, 24))).toBe(false);
  });

  it('pseudo-header sums equal the sum over the explicit RFC 768 / RFC 8200 layouts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        (src, dst, protocol, length) => {
          const ph = new Uint8Array(12); // src, dst, zero, protocol, length
          writeU32(ph, 0, src);
          writeU32(ph, 4, dst);
          ph[9] = protocol;
          writeU16(ph, 10, length);
          expect(foldSum(ipv4PseudoHeaderSum(src, dst, protocol, length))).toBe(foldSum(sumWords(ph, 0, 12)));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 40, maxLength: 40 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffffffff }), // jumbogram lengths (RFC 2675) use all 32 bits
        (addrs, next, length) => {
          const ph = new Uint8Array(40); // src, dst, 32-bit length, 3 zero bytes, next header
          ph.set(addrs.subarray(4, 36));
          writeU32(ph, 32, length);
          ph[39] = next;
          expect(foldSum(ipv6PseudoHeaderSum(addrs, addrs, next, length, 4, 20))).toBe(
            foldSum(sumWords(ph, 0, 40)),
          );
          expect(
            foldSum(ipv6PseudoHeaderSum(addrs.subarray(4, 20), addrs.subarray(20, 36), next, length)),
          ).toBe(foldSum(sumWords(ph, 0, 40)));
        },
      ),
    );
  });
});

describe('RFC 1624 incremental update', () => {
  it('§4 example: HC 0xdd2f, m 0x5555 → 0x3285 gives 0x0000 (eqn. 3), not 0xffff (eqn. 2)', () => {
    expect(updateChecksum(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it('rewriting a real packet (NAT: new source address) equals full recomputation', () => {
    const pkt = corpus.ipv4Udp.slice();
    const oldSrc = readU32(pkt, 12);
    const newSrc = 0xcb007107; // 203.0.113.7
    const ipCs = updateChecksum32(readU16(pkt, 10), oldSrc, newSrc);
    const udpCs = updateChecksum32(readU16(pkt, 26), oldSrc, newSrc);
    writeU32(pkt, 12, newSrc);
    writeU16(pkt, 10, ipCs);
    writeU16(pkt, 26, udpCs);
    expect(verifyChecksum(pkt, 0, 20)).toBe(true);
    expect(ipCs).toBe(
      internetChecksum(Uint8Array.from([...pkt.subarray(0, 10), 0, 0, ...pkt.subarray(12, 20)])),
    );
    expect(udpCs).toBe(recomputeIpv4Upper(pkt, 6));
    expect(ipCs).not.toBe(0xa695);
    // TTL decrement as a router does it (RFC 1624 §5 discusses exactly this case)
    const ttlProto = readU16(pkt, 8);
    const cs = updateChecksum(readU16(pkt, 10), ttlProto, ttlProto - 0x100);
    writeU16(pkt, 8, ttlProto - 0x100);
    writeU16(pkt, 10, cs);
    expect(verifyChecksum(pkt, 0, 20)).toBe(true);
  });

  /** Random data (even or odd length) whose checksum covers everything but a 16-bit field at `at`. */
  const edit = fc
    .tuple(fc.uint8Array({ minLength: 4, maxLength: 99 }), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([data, pick, value]) => ({ data, at: 2 * (pick % Math.floor((data.length - 2) / 2)), value }));

  it('updateChecksum equals full recomputation for random 16-bit edits (odd lengths too)', () => {
    fc.assert(
      fc.property(edit, ({ data, at, value }) => {
        const before = internetChecksum(data);
        const oldWord = readU16(data, at);
        const after = data.slice();
        writeU16(after, at, value & 0xffff);
        // The one disagreement RFC 1624 §3 leaves: all-zero data, whose sum is +0, not -0.
        fc.pre(after.some((x) => x !== 0));
        expect(updateChecksum(before, oldWord, value & 0xffff)).toBe(internetChecksum(after));
      }),
      { numRuns: 10_000 },
    );
  });

  it('updateChecksum32 equals full recomputation for random 32-bit edits', () => {
    fc.assert(
      fc.property(edit, ({ data, at, value }) => {
        fc.pre(at + 4 <= data.length);
        const before = internetChecksum(data);
        const oldValue = readU32(data, at);
        const after = data.slice();
        writeU32(after, at, value);
        fc.pre(after.some((x) => x !== 0));
        expect(updateChecksum32(before, oldValue, value)).toBe(internetChecksum(after));
      }),
      { numRuns: 10_000 },
    );
  });

  it('a chain of updates keeps the stored checksum verifying', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 22, maxLength: 22 }),
        fc.array(fc.tuple(fc.nat(9), fc.integer({ min: 0, max: 0xffff })), { maxLength: 20 }),
        (data, edits) => {
          data[0] = 0x45; // never all-zero, like any IPv4 header
          writeU16(data, 20, 0);
          writeU16(data, 20, internetChecksum(data));
          for (const [word, v] of edits) {
            const at = 2 * word; // words 0..9; the checksum field (word 10) is never edited
            writeU16(data, 20, updateChecksum(readU16(data, 20), readU16(data, at), v));
            writeU16(data, at, v);
            expect(verifyChecksum(data)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('internet checksum: properties', () => {
  it('equals the RFC 1071 §2(B) byte-swapped little-endian sum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        let le = 0;
        for (let i = 0; i < b.length; i += 2) le += b[i] | ((b[i + 1] ?? 0) << 8);
        while (le > 0xffff) le = (le & 0xffff) + (le >>> 16);
        const swapped = ((le & 0xff) << 8) | (le >>> 8);
        expect(foldSum(sumWords(b, 0, b.length))).toBe(swapped);
        expect(internetChecksum(b)).toBe(~swapped & 0xffff);
      }),
    );
  });

  it('verify(data with compute(data) inserted) is true, at any even position, odd lengths too', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 301 }),
        fc.nat(),
        fc.nat(0xffffff),
        (b, pick, initial) => {
          const at = 2 * (pick % Math.floor(b.length / 2));
          writeU16(b, at, 0);
          writeU16(b, at, internetChecksum(b, 0, b.length, initial));
          expect(verifyChecksum(b, 0, b.length, initial)).toBe(true);
          // flipping any single bit breaks it
          const bit = pick % (8 * b.length);
          b[bit >> 3] ^= 1 << (bit & 7);
          expect(verifyChecksum(b, 0, b.length, initial)).toBe(false);
        },
      ),
    );
  });

  it('an odd final byte is padded with zero (RFC 1071 §4.1)', () => {
    expect(sumWords(parseBytes('ab'), 0, 1)).toBe(0xab00);
    expect(internetChecksum(parseBytes('00 01 f2'))).toBe(~(0x0001 + 0xf200) & 0xffff);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 99 }), (b) => {
        fc.pre(b.length % 2 === 1);
        const padded = new Uint8Array(b.length + 1);
        padded.set(b);
        expect(internetChecksum(b)).toBe(internetChecksum(padded));
      }),
    );
  });

  it('respects start/end and the initial sum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), fc.nat(), (b, x, y) => {
        const start = x % (b.length + 1);
        const end = start + (y % (b.length - start + 1));
        const inner = b.slice(start, end);
        expect(internetChecksum(b, start, end)).toBe(internetChecksum(inner));
        expect(sumWords(b, start, end)).toBe(sumWords(inner, 0, inner.length));
        // splitting at an even boundary and chaining through `initial` changes nothing
        const mid = start + 2 * Math.floor((end - start) / 4);
        expect(internetChecksum(b, mid, end, sumWords(b, start, mid))).toBe(internetChecksum(inner));
      }),
    );
  });

  it('empty input: checksum 0xffff', () => {
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
    expect(sumWords(new Uint8Array(4), 2, 2, 7)).toBe(7);
  });

  it('foldSum performs the end-around carry, even for sums of huge packets', () => {
    expect(foldSum(0)).toBe(0);
    expect(foldSum(0xffff)).toBe(0xffff);
    expect(foldSum(0x10000)).toBe(1);
    expect(foldSum(0x1fffe)).toBe(0xffff);
    expect(foldSum(0x2ddf0)).toBe(0xddf2);
    expect(foldSum(0xffff * 0xffff)).toBe(0xffff); // 0xfffe0001 → fffe + 0001
    expect(foldSum(2 ** 40 + 5)).toBe(foldSum(foldSum(2 ** 40) + 5));
    expect(foldSum(2 ** 48)).toBe(1); // 2^48 ≡ 1 (mod 0xffff)
    // A 1 MiB run of 0xff bytes: 2^19 words of 0xffff ≡ 0 (mod 0xffff), non-zero → 0xffff
    const big = new Uint8Array(1 << 20).fill(0xff);
    expect(foldSum(sumWords(big, 0, big.length))).toBe(0xffff);
    expect(internetChecksum(big)).toBe(0);
  });
});
