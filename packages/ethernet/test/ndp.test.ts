import {
  checkNdpOptions,
  encodeIcmpv6,
  ethernetDissectors,
  Icmpv6Message,
  Ipv6Packet,
  type NdpOption,
  ndpOptionsSize,
  readNdpOptions,
  writeNdpOptions,
} from '@cnikit/ethernet';
import { composeDissectors, DecodeError, dissect, findField, formatBytes, formatIpv6 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldValueText } from '../../../test/support/corpus.js';
import { ndpOption } from './fixtures/v6-arbitraries.js';
import { corpusIpv6Packets } from './fixtures/v6-corpus.js';

function corpusMessage(file: string, frame: number): Icmpv6Message {
  for (const p of corpusIpv6Packets((f) => f === file)) {
    if (p.frame !== frame) continue;
    const ip = Ipv6Packet.parse(p.data, p.start);
    return Icmpv6Message.parse(p.data, ip.payloadOffset, ip.end);
  }
  throw new Error(`${file}#${frame} not in corpus`);
}

function decodeErrorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('NDP options (RFC 4861 §4.6, RFC 8106)', () => {
  it('reads the router advertisement options tshark shows in icmpv6.pcap', () => {
    const m = corpusMessage('icmpv6.pcap', 1);
    expect([m.kind, m.curHopLimit, m.managed, m.otherConfig, m.routerLifetime]).toEqual([
      'router-advertisement',
      64,
      false,
      false,
      15,
    ]);
    const options = m.options();
    expect(options.map((o) => (o.kind === 'unknown' ? o.type : o.kind))).toEqual([
      'prefix-information',
      'rdnss',
      31,
      'mtu',
      'source-link-layer-address',
      7,
      8,
    ]);
    const [prefix, rdnss, , mtu, sll] = options;
    expect(prefix).toMatchObject({
      prefixLength: 72,
      onLink: true,
      autonomous: true,
      otherFlags: 0,
      validLifetime: 2592000,
      preferredLifetime: 604800,
    });
    if (prefix.kind === 'prefix-information')
      expect(formatIpv6(prefix.prefix)).toBe('2222:3333:4444:5555:6600::');
    expect(rdnss).toMatchObject({ lifetime: 5 });
    if (rdnss.kind === 'rdnss')
      expect(rdnss.servers.map((s) => formatIpv6(s))).toEqual(['abcd::efef', '1234:5678::1']);
    expect(mtu).toEqual({ kind: 'mtu', reserved: 0, mtu: 100 });
    if (sll.kind === 'source-link-layer-address') expect(formatBytes(sll.address)).toBe('b0:99:28:c8:d6:6c');
  });

  it('round-trips random option lists both ways', () => {
    fc.assert(
      fc.property(fc.array(ndpOption, { maxLength: 6 }), (options: NdpOption[]) => {
        const out = new Uint8Array(ndpOptionsSize(options));
        expect(writeNdpOptions(options, out, 0)).toBe(out.length);
        expect(checkNdpOptions(out, 0, out.length)).toBe(out.length);
        expect(readNdpOptions(out, 0, out.length)).toEqual(options);
        const again = new Uint8Array(out.length);
        writeNdpOptions(readNdpOptions(out, 0, out.length), again, 0);
        expect(again).toEqual(out);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses option length 0 and wrong lengths for decoded options, naming the length octet', () => {
    const zero = decodeErrorOf(() => checkNdpOptions(new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0, 14, 0]), 0, 10));
    expect([zero.code, zero.layer, zero.offset]).toEqual(['bad-option', 'icmpv6', 9]);
    const prefix = decodeErrorOf(() =>
      checkNdpOptions(new Uint8Array(24).fill(3, 0, 1).fill(3, 1, 2), 0, 24),
    );
    expect([prefix.code, prefix.offset]).toEqual(['bad-option', 1]);
    const rdnss = decodeErrorOf(() => checkNdpOptions(new Uint8Array([25, 2, ...new Uint8Array(14)]), 0, 16));
    expect([rdnss.code, rdnss.offset]).toEqual(['bad-option', 1]);
  });

  it('gives truncated at the option that runs past the message, or stops there in partial mode', () => {
    const b = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    const e = decodeErrorOf(() => checkNdpOptions(b, 0, b.length));
    expect([e.code, e.offset]).toEqual(['truncated', 8]);
    expect(checkNdpOptions(b, 0, b.length, true)).toBe(8);
    const lone = decodeErrorOf(() => checkNdpOptions(b, 0, 9));
    expect([lone.code, lone.offset]).toEqual(['truncated', 8]);
  });

  it('writes a neighbor solicitation byte-exact with the one in ipv6-bad-version.pcap', () => {
    for (const p of corpusIpv6Packets((f) => f === 'ipv6-bad-version.pcap')) {
      if (p.frame !== 1) continue;
      const ip = Ipv6Packet.parse(p.data, p.start);
      const m = Icmpv6Message.parse(p.data, ip.payloadOffset, ip.end);
      const h = m.toJSON();
      expect(h.kind).toBe('neighbor-solicitation');
      if (h.kind !== 'neighbor-solicitation') return;
      expect(formatIpv6(h.target)).toBe('fe80::20c:29ff:fe76:6c14');
      const { checksum, ...rest } = h;
      expect(checksum).toBe(0x7906);
      expect(new Uint8Array(encodeIcmpv6(rest, { src: ip.src, dst: ip.dst }))).toEqual(
        new Uint8Array(m.buf.subarray(m.start, m.end)),
      );
    }
  });

  it('dissects the Nonce option (RFC 3971 §5.3.2) as tshark does: icmpv6.opt.nonce', () => {
    // Neighbor solicitations with a 6- and a 14-byte nonce; tshark 4.0.17 shows icmpv6.opt.type 14,
    // icmpv6.opt.length 1 / 2, icmpv6.opt.nonce 01:02:03:04:05:06 / 01:…:0e.
    const frames = [
      '33330000000102005e10000a86dd6000000000203a01fe8000000000000002005efffe10000aff0200000000000000000001ff000020' +
        '8700d7fe0000000020010db80000000000000000000000200e01010203040506',
      '33330000000102005e10000a86dd6000000000283a01fe8000000000000002005efffe10000aff0200000000000000000001ff000020' +
        '8700afc90000000020010db80000000000000000000000200e020102030405060708090a0b0c0d0e',
    ];
    const registry = composeDissectors(ethernetDissectors);
    const options = frames.map((hex) => {
      const d = dissect(registry, Uint8Array.from(Buffer.from(hex, 'hex')));
      const option = findField(d.layers, 'icmpv6.opt');
      return option?.children?.map((c) => [c.field, fieldValueText(c.value ?? '')]);
    });
    expect(options).toEqual([
      [
        ['icmpv6.opt.type', '14'],
        ['icmpv6.opt.length', '1'],
        ['icmpv6.opt.nonce', '01:02:03:04:05:06'],
      ],
      [
        ['icmpv6.opt.type', '14'],
        ['icmpv6.opt.length', '2'],
        ['icmpv6.opt.nonce', '01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e'],
      ],
    ]);
    expect(
      findField(dissect(registry, Uint8Array.from(Buffer.from(frames[0], 'hex'))).layers, 'icmpv6.opt')?.name,
    ).toBe('ICMPv6 Option (Nonce)');
  });
});
