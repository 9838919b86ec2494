import {
  BlockType,
  type CaptureBlock,
  encodePcap,
  encodePcapng,
  formatEpochTime,
  nanosecondsToTicks,
  PcapngWriter,
  readCapture,
  ticksPerSecond,
  ticksToNanoseconds,
} from '@cnikit/pcap';
import { DecodeError } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const packetArb = (interfaces: number) =>
  fc.record({
    data: fc.uint8Array({ maxLength: 80 }),
    timestamp: fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000_000n }),
    extra: fc.nat({ max: 1000 }),
    interfaceIndex: fc.nat({ max: interfaces - 1 }),
  });

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError');
}

describe('timestamps', () => {
  it('formats as tshark prints frame.time_epoch', () => {
    expect(formatEpochTime(1575842394599412000n)).toBe('1575842394.599412000');
    expect(formatEpochTime(5n)).toBe('0.000000005');
    expect(formatEpochTime(-1_500_000_000n)).toBe('-1.500000000');
    expect(formatEpochTime(1575842394599412345n, 6)).toBe('1575842394.599412');
  });

  it('ticks ↔ ns is exact for every resolution down to 1 ns (10^-n and 2^-n)', () => {
    const resolutions = [0, 1, 3, 6, 9, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 29];
    fc.assert(
      fc.property(
        fc.constantFrom(...resolutions),
        fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }),
        (r, ticks) => {
          const perSecond = ticksPerSecond(r)!;
          expect(nanosecondsToTicks(ticksToNanoseconds(ticks, perSecond), perSecond)).toBe(ticks);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(ticksToNanoseconds(3n, 1n << 20n)).toBe(2861n); // floor(3e9 / 2^20)
    expect(ticksPerSecond(20)).toBeUndefined();
  });
});

describe('pcap and pcapng round trips', () => {
  it('pcap: read(encode(packets)) gives the packets (µs truncation, both byte orders)', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb(1), { maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        (ps, nanosecond, littleEndian) => {
          const input = ps.map((p) => ({ ...p, originalLength: p.data.length + p.extra }));
          const read = readCapture(encodePcap({ linkType: 113, nanosecond, littleEndian }, input)).packets();
          expect(read.length).toBe(input.length);
          read.forEach((r, i) => {
            expect(r.data).toEqual(input[i].data);
            expect(r.originalLength).toBe(input[i].originalLength);
            expect(r.linkType).toBe(113);
            expect(r.timestamp).toBe(
              nanosecond ? input[i].timestamp : input[i].timestamp - (input[i].timestamp % 1000n),
            );
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pcapng: several interfaces with their own resolutions/offsets, both byte orders', () => {
    fc.assert(
      fc.property(fc.array(packetArb(3), { maxLength: 12 }), fc.boolean(), (ps, littleEndian) => {
        const interfaces = [
          { linkType: 1, timestampResolution: 9 },
          { linkType: 276, timestampResolution: 0x80 | 24, timestampOffset: -5n },
          { linkType: 0 },
        ];
        const input = ps.map((p) => ({
          ...p,
          timestamp: p.timestamp + 5_000_000_000n,
          originalLength: p.data.length + p.extra,
        }));
        const reader = readCapture(encodePcapng({ interfaces, littleEndian }, input));
        const read = reader.packets();
        expect(reader.interfaces.map((i) => i.linkType)).toEqual([1, 276, 0]);
        read.forEach((r, i) => {
          const p = input[i];
          expect(r.interfaceIndex).toBe(p.interfaceIndex);
          expect(r.linkType).toBe(interfaces[p.interfaceIndex].linkType);
          expect(r.data).toEqual(p.data);
          expect(r.originalLength).toBe(p.originalLength);
          const expected = p.interfaceIndex === 2 ? p.timestamp - (p.timestamp % 1000n) : p.timestamp;
          if (p.interfaceIndex !== 1) expect(r.timestamp).toBe(expected);
          else expect(p.timestamp - r.timestamp >= 0n && p.timestamp - r.timestamp < 60n).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('copies several sections of both byte orders and unknown blocks byte for byte', () => {
    const custom = new Uint8Array([0, 0, 0x0b, 0xad, 0, 0, 0, 20, 0, 0, 0x7e, 0xd9, 1, 2, 3, 4, 0, 0, 0, 20]);
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter((c) => void chunks.push(c), {
      littleEndian: false,
      interfaces: [{ linkType: 1 }],
    });
    w.write({ data: Uint8Array.of(1, 2, 3), timestamp: 1_000_000_000n });
    w.writeBlock({
      kind: 'other',
      offset: 0,
      blockType: BlockType.Custom,
      littleEndian: false,
      bytes: custom,
    });
    w.startSection(true);
    w.addInterface({ linkType: 113, timestampResolution: 9 });
    w.write({ data: Uint8Array.of(9), timestamp: 7n });
    w.flush();
    const file = new Uint8Array(Buffer.concat(chunks));
    const blocks = [...readCapture(file).blocks()];
    expect(blocks.map((b) => b.kind)).toEqual([
      'section',
      'interface',
      'packet',
      'other',
      'section',
      'interface',
      'packet',
    ]);
    const other = blocks[3] as Extract<CaptureBlock, { kind: 'other' }>;
    expect(other.blockType).toBe(0xbad);
    expect(other.bytes).toEqual(custom);
    const copy: Uint8Array[] = [];
    const c = new PcapngWriter((x) => void copy.push(x));
    for (const b of blocks) c.writeBlock(b);
    c.flush();
    expect(Buffer.concat(copy).equals(Buffer.from(file))).toBe(true);
    const packets = readCapture(file).packets();
    expect(packets.map((p) => [p.linkType, p.timestamp])).toEqual([
      [1, 1_000_000_000n],
      [113, 7n],
    ]);
  });

  it('writers refuse out-of-range values with RangeError before writing', () => {
    expect(() => encodePcap({ linkType: 1 }, [{ data: new Uint8Array(1), timestamp: -1n }])).toThrow(
      RangeError,
    );
    expect(() => encodePcap({ linkType: 70000 }, [])).toThrow(RangeError);
    expect(() =>
      encodePcapng({ interfaces: [{ linkType: 1 }] }, [
        { data: new Uint8Array(1), timestamp: 0n, interfaceIndex: 1 },
      ]),
    ).toThrow(RangeError);
  });
});

describe('malformed files: DecodeError with the offset of the bad block', () => {
  const ng = () =>
    encodePcapng({ interfaces: [{ linkType: 1 }] }, [{ data: new Uint8Array(5), timestamp: 0n }]);
  // SHB 28 bytes at 0, IDB 20 bytes at 28, EPB 40 bytes at 48
  it('bad magic', () => {
    const e = decodeError(() => readCapture(new Uint8Array(32)).packets());
    expect([e.code, e.layer, e.offset]).toEqual(['bad-value', 'pcap', 0]);
  });
  it('block length not a multiple of 4 / below 12 / trailing mismatch / beyond the bound', () => {
    const cases: [number, number, string][] = [
      [52, 42, 'not a multiple of 4'],
      [52, 8, 'less than 12'],
      [84, 44, 'trailing'],
    ];
    for (const [at, value, reason] of cases) {
      const b = ng();
      new DataView(b.buffer).setUint32(at, value, true);
      const e = decodeError(() => readCapture(b).packets());
      expect([e.layer, e.offset, e.code]).toEqual(['pcapng', 48, 'bad-length']);
      expect(e.reason).toContain(reason);
    }
    const huge = ng();
    new DataView(huge.buffer).setUint32(52, 0x7ffffff0, true);
    expect(decodeError(() => readCapture(huge).packets()).reason).toContain('exceeds');
  });
  it('interface id without an IDB, and a truncated block', () => {
    const b = ng();
    new DataView(b.buffer).setUint32(56, 3, true);
    expect(decodeError(() => readCapture(b).packets()).offset).toBe(48);
    const t = decodeError(() => readCapture(ng().subarray(0, 70)).packets());
    expect([t.code, t.offset]).toEqual(['truncated', 48]);
  });
  it('pcap caplen beyond max(snaplen, 262144) and a truncated record', () => {
    const b = encodePcap({ linkType: 1, snapLength: 100 }, [
      { data: new Uint8Array(4), timestamp: 0n },
      { data: new Uint8Array(4), timestamp: 0n },
    ]);
    new DataView(b.buffer).setUint32(24 + 20 + 8, 262145, true);
    const e = decodeError(() => readCapture(b).packets());
    expect([e.code, e.layer, e.offset]).toEqual(['bad-length', 'pcap', 44]);
    const t = decodeError(() => readCapture(b.subarray(0, 50)).packets());
    expect([t.code, t.offset]).toEqual(['truncated', 44]);
  });
});
