import {
  EthernetFrame,
  encodeIpv6,
  encodeTcp,
  FrameDecoder,
  Ipv4Packet,
  Ipv6ExtensionCursor,
  Ipv6OptionCursor,
  Ipv6Packet,
  readIpv6Options,
  type TcpOption,
  TcpSegment,
  UdpDatagram,
} from '@cnikit/ethernet';
import { formatMac, formatMac48, parseBytes, readMac48, readU32, writeMac48 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbOptions } from './fixtures/l4-arbitraries.js';
import { ipv6Header } from './fixtures/v6-arbitraries.js';

// benchmarks/frames (gopacket-built, checked with tshark): Eth/IPv4/UDP and Eth/802.1Q/IPv6+HBH/TCP.
const FRAME_A = parseBytes(
  '02420af4020702420af40105080045b8003c1c464000401104c00af401050af402079c401f90002839d9000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
);
const FRAME_B = parseBytes(
  '02420af4020702420af401058100a06486dd6281234500300040fd000010024400010000000000000005fd0000100244000200000000000000070600050200000100a8ca01bb1a2b3c4d00000000a002fd200e6e0000020405b40402080a009a3c210000000001030307',
);

/** What `TcpSegment`'s getters should say, from the allocating `options` (last of a kind wins). */
function expectedTcp(options: readonly TcpOption[]) {
  const e = { mss: -1, windowScale: -1, sackPermitted: false, tsval: -1, tsecr: -1, sack: [] as number[] };
  for (const o of options) {
    if (o.kind === 'mss') e.mss = o.mss;
    else if (o.kind === 'window-scale') e.windowScale = o.shift;
    else if (o.kind === 'sack-permitted') e.sackPermitted = true;
    else if (o.kind === 'timestamps') [e.tsval, e.tsecr] = [o.tsval, o.tsecr];
    else if (o.kind === 'sack') e.sack = o.blocks.flatMap((b) => [b.left, b.right]);
  }
  return e;
}

function actualTcp(t: TcpSegment) {
  const sack: number[] = [];
  for (let i = 0; i < t.sackBlockCount; i++) sack.push(t.sackLeft(i), t.sackRight(i));
  return {
    mss: t.mss,
    windowScale: t.windowScale,
    sackPermitted: t.sackPermitted,
    tsval: t.tsval,
    tsecr: t.tsecr,
    sack,
  };
}

/** Extension headers and their options through the cursors, as plain data. */
function viaCursors(p: Ipv6Packet) {
  const x = new Ipv6ExtensionCursor();
  const o = new Ipv6OptionCursor();
  const out: { type: number; start: number; end: number; options?: { type: number; data: number[] }[] }[] =
    [];
  for (x.reset(p); x.next(); ) {
    const h: (typeof out)[number] = { type: x.type, start: x.start, end: x.end };
    if (x.hasOptions) {
      h.options = [];
      for (o.resetTo(x); o.next(); )
        h.options.push({
          type: o.type,
          data: [...p.buf.subarray(o.dataOffset, o.dataOffset + o.dataLength)],
        });
    }
    out.push(h);
  }
  return out;
}

function viaGenerator(p: Ipv6Packet) {
  return [...p.extensions()].map((e) => ({
    type: e.type,
    start: e.start,
    end: e.end,
    ...(e.type === 0 || e.type === 60
      ? {
          options: readIpv6Options(e.buf, e.start + 2, e.end).map((op) => ({
            type: op.type,
            data: [...op.data],
          })),
        }
      : {}),
  }));
}

describe('allocation-free forms agree with the allocating getters', () => {
  it('frame (a): MACs as numbers, options and payload as offset + length', () => {
    const d = new FrameDecoder();
    expect(d.decode(FRAME_A)).toBe(true);
    const { ethernet: eth, ipv4: ip, udp } = d;
    expect(eth.dstMac).toBe(0x02420af40207);
    expect(eth.srcMac).toBe(0x02420af40105);
    expect(formatMac48(eth.dstMac)).toBe(formatMac(eth.dst));
    expect(formatMac48(eth.srcMac)).toBe('02:42:0a:f4:01:05');
    expect([eth.payloadOffset, eth.payloadLength]).toEqual([14, eth.payload.length]);
    expect([ip.optionsOffset, ip.optionsLength]).toEqual([34, 0]);
    expect(ip.optionBytes.byteOffset).toBe(ip.optionsOffset);
    expect([ip.payloadOffset, ip.payloadLength]).toEqual([34, 40]);
    expect([udp.payloadOffset, udp.payloadLength]).toEqual([42, 32]);
    expect(udp.payload.byteOffset).toBe(udp.payloadOffset);
  });

  it('frame (b): IPv6 words and offsets, hop-by-hop through cursors, TCP known options', () => {
    const d = new FrameDecoder();
    expect(d.decode(FRAME_B)).toBe(true);
    const { ipv6: ip, tcp } = d;
    expect([ip.srcOffset, ip.dstOffset]).toEqual([26, 42]);
    expect([0, 1, 2, 3].map((i) => ip.srcWord(i))).toEqual([0xfd000010, 0x02440001, 0, 5]);
    expect([0, 1, 2, 3].map((i) => ip.dstWord(i))).toEqual([0, 1, 2, 3].map((i) => readU32(ip.dst, 4 * i)));
    expect(ip.upperLayerLength).toBe(ip.payload.length);
    // Hop-by-hop: next header TCP, 8 bytes, Router Alert (value 0), PadN of 0 bytes.
    expect(viaCursors(ip)).toEqual([
      {
        type: 0,
        start: 58,
        end: 66,
        options: [
          { type: 5, data: [0, 0] },
          { type: 1, data: [] },
        ],
      },
    ]);
    expect(viaCursors(ip)).toEqual(viaGenerator(ip));
    // tshark: MSS 1460, SACK permitted, TSval 10107937 TSecr 0, NOP, window scale 7.
    expect(actualTcp(tcp)).toEqual({
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      tsval: 10107937,
      tsecr: 0,
      sack: [],
    });
    expect(actualTcp(tcp)).toEqual(expectedTcp(tcp.options));
    expect([tcp.optionsOffset, tcp.optionsLength]).toEqual([86, 20]);
    expect([tcp.payloadOffset, tcp.payloadLength]).toEqual([106, 0]);
  });

  it('MAC numbers: readMac48 / writeMac48 / formatMac48 agree with the byte forms', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.nat(8), (mac, at) => {
        const buf = new Uint8Array(at + 6);
        buf.set(mac, at);
        const n = readMac48(buf, at);
        expect(formatMac48(n)).toBe(formatMac(mac));
        const out = new Uint8Array(6);
        writeMac48(n, out, 0);
        expect(out).toEqual(mac);
        const frame = new Uint8Array(14);
        frame.set(mac, 6);
        expect(EthernetFrame.parse(frame).srcMac).toBe(n);
      }),
    );
    expect(() => writeMac48(2 ** 48, new Uint8Array(6), 0)).toThrow(RangeError);
    expect(() => formatMac48(-1)).toThrow(RangeError);
  });

  it('TCP getters equal the decoded option list for random option lists', () => {
    fc.assert(
      fc.property(arbOptions, fc.uint8Array({ maxLength: 16 }), (options, payload) => {
        const bytes = encodeTcp({
          srcPort: 1,
          dstPort: 2,
          seq: 3,
          ack: 4,
          flags: 0x10,
          window: 5,
          checksum: 0,
          urgentPointer: 0,
          options,
          payload,
        });
        const t = TcpSegment.parse(bytes);
        expect(actualTcp(t)).toEqual(expectedTcp(t.options));
        expect(t.optionBytes).toEqual(bytes.subarray(t.optionsOffset, t.optionsOffset + t.optionsLength));
        expect(t.payload).toEqual(bytes.subarray(t.payloadOffset, t.payloadOffset + t.payloadLength));
      }),
    );
  });

  it('IPv6 cursors, words and offsets equal extensions(), readIpv6Options and the subarrays for random packets', () => {
    fc.assert(
      fc.property(ipv6Header, (h) => {
        const p = Ipv6Packet.parse(encodeIpv6(h));
        expect(viaCursors(p)).toEqual(viaGenerator(p));
        for (let i = 0; i < 4; i++) {
          expect(p.srcWord(i)).toBe(readU32(p.src, 4 * i));
          expect(p.dstWord(i)).toBe(readU32(p.dst, 4 * i));
        }
        expect(p.buf.subarray(p.srcOffset, p.srcOffset + 16)).toEqual(p.src);
        expect(p.upperLayerLength).toBe(p.payload.length);
      }),
    );
  });

  it('IPv4 and UDP offsets equal the subarray getters for random packets', () => {
    fc.assert(
      fc.property(fc.nat(10), fc.uint8Array({ maxLength: 64 }), (optionWords, data) => {
        const hl = 20 + 4 * optionWords;
        const total = hl + 8 + data.length;
        const b = new Uint8Array(total);
        b[0] = 0x40 | (hl >>> 2);
        b[2] = total >>> 8;
        b[3] = total & 0xff;
        b.fill(1, 20, hl); // NOPs
        b[hl + 4] = (8 + data.length) >>> 8;
        b[hl + 5] = (8 + data.length) & 0xff;
        b.set(data, hl + 8);
        const ip = Ipv4Packet.parse(b);
        expect(b.subarray(ip.optionsOffset, ip.optionsOffset + ip.optionsLength)).toEqual(ip.optionBytes);
        expect(ip.payloadLength).toBe(ip.payload.length);
        const udp = UdpDatagram.parse(b, ip.payloadOffset, ip.end);
        expect(b.subarray(udp.payloadOffset, udp.payloadOffset + udp.payloadLength)).toEqual(udp.payload);
      }),
    );
  });
});

describe('small-integer halves (never boxed): MACs, IPv4 addresses, IPv6 groups', () => {
  it('read the benchmark frames as their text forms say', () => {
    const a = new FrameDecoder();
    expect(a.decode(FRAME_A)).toBe(true);
    // 02:42:0a:f4:02:07 ← 02:42:0a:f4:01:05, 10.244.1.5 → 10.244.2.7
    expect([a.ethernet.dstMacHi, a.ethernet.dstMacLo]).toEqual([0x02420a, 0xf40207]);
    expect([a.ethernet.srcMacHi, a.ethernet.srcMacLo]).toEqual([0x02420a, 0xf40105]);
    const ip = a.ipv4 as Ipv4Packet;
    expect([ip.srcHi, ip.srcLo, ip.dstHi, ip.dstLo]).toEqual([0x0af4, 0x0105, 0x0af4, 0x0207]);
    const b = new FrameDecoder();
    expect(b.decode(FRAME_B)).toBe(true);
    const v6 = b.ipv6 as Ipv6Packet;
    // fd00:10:244:1::5 → fd00:10:244:2::7
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => v6.srcGroup(i))).toEqual([0xfd00, 0x10, 0x244, 1, 0, 0, 0, 5]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => v6.dstGroup(i))).toEqual([0xfd00, 0x10, 0x244, 2, 0, 0, 0, 7]);
  });

  it('fold back to dstMac/srcMac, src/dst and the 32-bit words on random headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), fc.nat(3), (bytes, at) => {
        const buf = new Uint8Array(at + 40);
        buf.set(bytes, at);
        const eth = new EthernetFrame().bind(buf, at);
        expect(eth.dstMacHi * 2 ** 24 + eth.dstMacLo).toBe(eth.dstMac);
        expect(eth.srcMacHi * 2 ** 24 + eth.srcMacLo).toBe(eth.srcMac);
        // The address getters read fixed offsets: the views are pointed at the random bytes directly.
        const ip = new Ipv4Packet();
        ip.buf = buf;
        ip.start = at;
        ip.end = at + 40;
        expect(ip.srcHi * 65536 + ip.srcLo).toBe(ip.src);
        expect(ip.dstHi * 65536 + ip.dstLo).toBe(ip.dst);
        const v6 = new Ipv6Packet();
        v6.buf = buf;
        v6.start = at;
        v6.end = at + 40;
        for (let i = 0; i < 4; i++) {
          expect(v6.srcGroup(2 * i) * 65536 + v6.srcGroup(2 * i + 1)).toBe(v6.srcWord(i));
          expect(v6.dstGroup(2 * i) * 65536 + v6.dstGroup(2 * i + 1)).toBe(v6.dstWord(i));
        }
      }),
      { numRuns: 500 },
    );
  });
});
