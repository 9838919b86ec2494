import {
  checkNdpOption,
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
import {
  composeDissectors,
  DecodeError,
  dissect,
  findField,
  formatBytes,
  formatIpv6,
  parseIpv6,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldValueText } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { ndpOption } from './fixtures/v6-arbitraries.js';
import { corpusIpv6Packets } from './fixtures/v6-corpus.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/ndp.test.ts: 4 tests on corpus captures (icmpv6.pcap, ipv6-bad-version.pcap, icmpv6_opt24.pcap, icmpv6-ra-pref64.pcap)',
);

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
  it.skipIf(!CORPUS)('reads the router advertisement options tshark shows in icmpv6.pcap', () => {
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
      'dnssl',
      'mtu',
      'source-link-layer-address',
      'advertisement-interval',
      'home-agent-information',
    ]);
    const [prefix, rdnss, dnssl, mtu, sll, interval, homeAgent] = options;
    // tshark 4.0.17: Domain Names example.com, example.org, dom1.dom2.tld (lifetime 5), Advertisement
    // Interval 5000, Home Agent Preference 50001 and Lifetime 15 (it labels both "Preference").
    expect(dnssl).toEqual({
      kind: 'dnssl',
      reserved: 0,
      lifetime: 5,
      domains: ['example.com', 'example.org', 'dom1.dom2.tld'],
    });
    expect(interval).toEqual({ kind: 'advertisement-interval', reserved: 0, interval: 5000 });
    expect(homeAgent).toEqual({
      kind: 'home-agent-information',
      reserved: 0,
      preference: 50001,
      lifetime: 15,
    });
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

  it('writes reserved fields and spare flag bits left out as zeros, into a dirty buffer too', () => {
    fc.assert(
      fc.property(fc.array(ndpOption, { maxLength: 6 }), (options: NdpOption[]) => {
        const zeroed = options.map((o) => {
          const z: Record<string, unknown> = { ...o };
          if (typeof z.reserved === 'number') z.reserved = 0;
          if (z.reserved instanceof Uint8Array) z.reserved = new Uint8Array(6);
          if (typeof z.otherFlags === 'number') z.otherFlags = 0;
          return z as unknown as NdpOption;
        });
        const leftOut = options.map((o) => {
          const {
            reserved: _r,
            otherFlags: _f,
            ...rest
          } = o as NdpOption & { reserved?: unknown; otherFlags?: unknown };
          return rest as NdpOption;
        });
        const expected = new Uint8Array(ndpOptionsSize(zeroed));
        writeNdpOptions(zeroed, expected, 0);
        const out = new Uint8Array(expected.length).fill(0xa5);
        expect(writeNdpOptions(leftOut, out, 0)).toBe(out.length);
        expect(out).toEqual(expected);
      }),
      { numRuns: 1000 },
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

  it.skipIf(!CORPUS)(
    'writes a neighbor solicitation byte-exact with the one in ipv6-bad-version.pcap',
    () => {
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
    },
  );

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

  it.skipIf(!CORPUS)(
    'reads Route Information (RFC 4191) and a one-name DNSSL as tshark shows them (icmpv6_opt24.pcap)',
    () => {
      // tshark 4.0.17: Prefix Length 48, Route Preference Medium (0), Route Lifetime 7200,
      // Prefix fd8d:4fb3:5b2e:: from an 8-byte prefix field; DNSSL "lan", lifetime 1800.
      const options = corpusMessage('icmpv6_opt24.pcap', 1).options();
      const route = options.find((o) => o.kind === 'route-information');
      expect(route).toMatchObject({ prefixLength: 48, preference: 0, otherFlags: 0, routeLifetime: 7200 });
      if (route?.kind === 'route-information') {
        expect(route.prefix.length).toBe(8);
        expect(formatIpv6(Uint8Array.from([...route.prefix, ...new Uint8Array(8)]))).toBe('fd8d:4fb3:5b2e::');
      }
      expect(options.find((o) => o.kind === 'dnssl')).toEqual({
        kind: 'dnssl',
        reserved: 0,
        lifetime: 1800,
        domains: ['lan'],
      });
    },
  );

  it.skipIf(!CORPUS)(
    'reads PREF64 (RFC 8781) and refuses an undefined prefix length code as tshark flags it (icmpv6-ra-pref64.pcap)',
    () => {
      // tshark 4.0.17: frame 1 Scaled Lifetime 0, PLC 0 (96 bits), Prefix 2001:db8:1:64:ff9b::;
      // frame 2 PLC 6 with "Invalid Option Length" (Error/Malformed); frame 3 Scaled Lifetime 225.
      const first = corpusMessage('icmpv6-ra-pref64.pcap', 1)
        .options()
        .find((o) => o.kind === 'pref64');
      expect(first).toMatchObject({ kind: 'pref64', scaledLifetime: 0, plc: 0 });
      if (first?.kind === 'pref64') {
        expect(formatIpv6(Uint8Array.from([...first.prefix, 0, 0, 0, 0]))).toBe('2001:db8:1:64:ff9b::');
      }
      expect(
        corpusMessage('icmpv6-ra-pref64.pcap', 3)
          .options()
          .find((o) => o.kind === 'pref64'),
      ).toMatchObject({
        scaledLifetime: 225,
        plc: 0,
      });
      const e = decodeErrorOf(() =>
        checkNdpOptions(Uint8Array.from([38, 2, 0x07, 0x0e, ...new Uint8Array(12)]), 0, 16),
      );
      expect([e.code, e.layer, e.offset]).toEqual(['bad-option', 'icmpv6', 3]);
    },
  );

  it('refuses wrong lengths and unreadable DNSSL names with a DecodeError at the byte', () => {
    const cases: [number[], string, number][] = [
      [[7, 2, ...new Uint8Array(14)], 'bad-option', 1],
      [[8, 2, ...new Uint8Array(14)], 'bad-option', 1],
      [[24, 4, ...new Uint8Array(30)], 'bad-option', 1],
      [[38, 1, 0, 0, 0, 0, 0, 0], 'bad-option', 1],
      [[31, 1, 0, 0, 0, 0, 0, 0], 'bad-option', 1],
      // A compression pointer, and a label running past the option.
      [[31, 2, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 0, 0, 0, 0, 0], 'bad-value', 8],
      [[31, 2, 0, 0, 0, 0, 0, 0, 7, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67], 'truncated', 16],
    ];
    for (const [bytes, code, offset] of cases) {
      const e = decodeErrorOf(() => checkNdpOptions(Uint8Array.from(bytes), 0, bytes.length));
      expect([e.code, e.layer, e.offset], bytes.join(',')).toEqual([code, 'icmpv6', offset]);
    }
  });

  it('keeps a DNSSL the writer would not reproduce (non-zero padding) as raw type 31, byte-exact', () => {
    const raw = Uint8Array.from([31, 2, 0, 0, 0, 0, 0, 60, 3, 0x6c, 0x61, 0x6e, 0, 0, 0, 9]);
    expect(checkNdpOptions(raw, 0, raw.length)).toBe(16);
    const [o] = readNdpOptions(raw, 0, raw.length);
    expect(o).toEqual({ kind: 'unknown', type: 31, data: raw.subarray(2) });
    const out = new Uint8Array(16);
    writeNdpOptions([o], out, 0);
    expect(out).toEqual(raw);
    // The same bytes with zero padding are a plain DNSSL, which must be written by its kind.
    const plain: NdpOption = {
      kind: 'unknown',
      type: 31,
      data: Uint8Array.from([...raw.subarray(2, 15), 0]),
    };
    expect(() => checkNdpOption(plain)).toThrow(/decoded: use its kind/);
  });

  it('writer refuses out-of-range fields of the new options before writing', () => {
    const bad: [NdpOption, RegExp][] = [
      [
        {
          kind: 'route-information',
          prefixLength: 0,
          preference: 4,
          otherFlags: 0,
          routeLifetime: 0,
          prefix: new Uint8Array(0),
        },
        /preference/,
      ],
      [
        {
          kind: 'route-information',
          prefixLength: 0,
          preference: 0,
          otherFlags: 0,
          routeLifetime: 0,
          prefix: new Uint8Array(4),
        },
        /0, 8 or 16 bytes/,
      ],
      [{ kind: 'pref64', scaledLifetime: 0, plc: 6, prefix: new Uint8Array(12) }, /plc/],
      [{ kind: 'pref64', scaledLifetime: 0x2000, plc: 0, prefix: new Uint8Array(12) }, /scaledLifetime/],
      [{ kind: 'dnssl', reserved: 0, lifetime: 0, domains: ['a..b'] }, /label/],
      [{ kind: 'dnssl', reserved: 0, lifetime: 0, domains: [] }, /at least one/],
      [{ kind: 'home-agent-information', reserved: 0, preference: 0x10000, lifetime: 0 }, /preference/],
    ];
    for (const [o, message] of bad) expect(() => checkNdpOption(o)).toThrow(message);
  });

  it('parses any bytes after a type 7, 8, 24, 31 or 38 header or throws DecodeError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(7, 8, 24, 31, 38),
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ maxLength: 40, size: 'max' }),
        (type, units, rest) => {
          const b = Uint8Array.from([type, units, ...rest]);
          try {
            const end = checkNdpOptions(b, 0, b.length);
            const options = readNdpOptions(b, 0, end);
            const out = new Uint8Array(ndpOptionsSize(options));
            writeNdpOptions(options, out, 0);
            expect(out).toEqual(b.subarray(0, end));
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        },
      ),
      { numRuns: 20000 },
    );
  });
});

describe('NDP option dissection (values from tshark 4.0.17 on the same frame)', () => {
  it('shows route information, DNSSL, PREF64, advertisement interval and home agent information', () => {
    const src = parseIpv6('fe80::1');
    const dst = parseIpv6('ff02::1');
    const icmp = encodeIcmpv6(
      {
        kind: 'router-advertisement',
        code: 0,
        curHopLimit: 64,
        managed: false,
        otherConfig: false,
        otherFlags: 0,
        routerLifetime: 0,
        reachableTime: 0,
        retransTimer: 0,
        options: [
          { kind: 'dnssl', reserved: 0, lifetime: 0, domains: ['abcde.fgh'] },
          {
            kind: 'route-information',
            prefixLength: 48,
            preference: 3,
            otherFlags: 0,
            routeLifetime: 0xffffffff,
            prefix: parseIpv6('2001:db8:77::').subarray(0, 8),
          },
          {
            kind: 'pref64',
            scaledLifetime: 0x1fff,
            plc: 5,
            prefix: parseIpv6('2001:db8:1:2:3:4::').subarray(0, 12),
          },
          { kind: 'advertisement-interval', reserved: 0, interval: 60_000 },
          { kind: 'home-agent-information', reserved: 0, preference: 0xffff, lifetime: 1800 },
        ],
      },
      { src, dst },
    );
    const frame = new Uint8Array(54 + icmp.length);
    frame.set([0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0]);
    frame.set([icmp.length >> 8, icmp.length & 0xff, 58, 255], 18);
    frame.set(src, 22);
    frame.set(dst, 38);
    frame.set(icmp, 54);
    const d = dissect(composeDissectors(ethernetDissectors), frame);
    expect(d.malformed).toBeUndefined();
    const options = (findField(d.layers, 'icmpv6')?.children ?? []).filter((c) => c.field === 'icmpv6.opt');
    const shown = options.map((o) =>
      (o.children ?? [])
        .flatMap((c) => [c, ...(c.children ?? [])])
        .map((c) => `${c.field}=${fieldValueText(c.value ?? '')}`),
    );
    expect(shown).toEqual([
      [
        'icmpv6.opt.type=31',
        'icmpv6.opt.length=3',
        'icmpv6.opt.reserved=',
        'icmpv6.opt.dnssl.lifetime=0',
        'icmpv6.opt.dnssl=abcde.fgh',
        'icmpv6.opt.padding=',
      ],
      [
        'icmpv6.opt.type=24',
        'icmpv6.opt.length=2',
        'icmpv6.opt.prefix.length=48',
        'icmpv6.opt.route_info.flag=24',
        'icmpv6.opt.route_info.flag.route_preference=3',
        'icmpv6.opt.route_info.flag.reserved=0',
        'icmpv6.opt.route_lifetime=4294967295',
        'icmpv6.opt.prefix=2001:db8:77::',
      ],
      [
        'icmpv6.opt.type=38',
        'icmpv6.opt.length=2',
        'icmpv6.opt.pref64.scaled_lifetime=8191',
        'icmpv6.opt.pref64.plc=5',
        'icmpv6.opt.pref64.prefix=2001:db8::',
      ],
      [
        'icmpv6.opt.type=7',
        'icmpv6.opt.length=1',
        'icmpv6.opt.reserved=',
        'icmpv6.opt.advertisement_interval=60000',
      ],
      [
        'icmpv6.opt.type=8',
        'icmpv6.opt.length=1',
        'icmpv6.opt.reserved=',
        'icmpv6.opt.home_agent_preference=65535',
        'icmpv6.opt.home_agent_lifetime=1800',
      ],
    ]);
  });
});
