/**
 * The writers' contract (issue #11, bug 5): every writer works with only its required fields,
 * a field left out is written as its obvious default (the same bytes as giving that default),
 * addresses may be given as text, and a value out of range is a RangeError naming the field,
 * never a TypeError.
 */
import {
  ArpPacket,
  EthernetFrame,
  encodeArp,
  encodeEthernet,
  encodeIcmpv4,
  encodeIcmpv6,
  encodeIgmp,
  encodeIpv4,
  encodeIpv6,
  encodeTcp,
  encodeUdp,
  encodeVlanTag,
  Ipv4Packet,
  Ipv6Packet,
  TcpSegment,
  VlanTag,
} from '@cnikit/ethernet';
import { parseIpv4, parseIpv6, parseMac } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ip4 = { family: 4, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2') } as const;
const ip6 = { src: parseIpv6('fe80::1'), dst: parseIpv6('ff02::1') };

interface WriterCase {
  readonly name: string;
  /** The call with only the required fields. */
  readonly required: () => Uint8Array;
  /** The same call with every optional field given its default. */
  readonly explicit: () => Uint8Array;
}

const CASES: readonly WriterCase[] = [
  {
    name: 'encodeEthernet',
    required: () => encodeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', etherType: 0x88b5 }),
    explicit: () =>
      encodeEthernet({
        dst: parseMac('ff:ff:ff:ff:ff:ff'),
        src: parseMac('02:00:00:00:00:01'),
        etherType: 0x88b5,
        payload: new Uint8Array(0),
      }),
  },
  {
    name: 'encodeVlanTag',
    required: () => encodeVlanTag({ vid: 100, etherType: 0x0800 }),
    explicit: () => encodeVlanTag({ pcp: 0, dei: false, vid: 100, etherType: 0x0800 }),
  },
  {
    name: 'encodeArp',
    required: () =>
      encodeArp({
        opcode: 1,
        senderHardware: '02:00:00:00:00:01',
        senderProtocol: '10.0.0.1',
        targetProtocol: '10.0.0.2',
      }),
    explicit: () =>
      encodeArp({
        hardwareType: 1,
        protocolType: 0x0800,
        opcode: 1,
        senderHardware: parseMac('02:00:00:00:00:01'),
        senderProtocol: Uint8Array.of(10, 0, 0, 1),
        targetHardware: new Uint8Array(6),
        targetProtocol: Uint8Array.of(10, 0, 0, 2),
      }),
  },
  {
    name: 'encodeIpv4',
    required: () => encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.1', dst: '10.0.0.2' }),
    explicit: () =>
      encodeIpv4({
        dscp: 0,
        ecn: 0,
        identification: 0,
        reservedFlag: false,
        dontFragment: false,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: 64,
        protocol: 1,
        src: ip4.src,
        dst: ip4.dst,
        options: [],
        payload: new Uint8Array(0),
      }),
  },
  {
    name: 'encodeIpv6',
    required: () => encodeIpv6({ hopLimit: 255, protocol: 58, src: 'fe80::1', dst: 'ff02::1' }),
    explicit: () =>
      encodeIpv6({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 255,
        protocol: 58,
        src: ip6.src,
        dst: ip6.dst,
        extensions: [],
        payload: new Uint8Array(0),
      }),
  },
  {
    name: 'encodeUdp',
    required: () => encodeUdp({ srcPort: 1, dstPort: 2 }, { ip: ip4 }),
    explicit: () => encodeUdp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0) }, { ip: ip4 }),
  },
  {
    name: 'encodeTcp',
    required: () => encodeTcp({ srcPort: 1, dstPort: 2, window: 1024 }, { ip: ip4 }),
    explicit: () =>
      encodeTcp(
        { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 1024, urgentPointer: 0, options: [] },
        { ip: ip4 },
      ),
  },
  {
    name: 'encodeIcmpv4',
    required: () => encodeIcmpv4({ type: 8, code: 0 }),
    explicit: () =>
      encodeIcmpv4({ type: 8, code: 0, identifier: 0, sequence: 0, payload: new Uint8Array(0) }),
  },
  {
    name: 'encodeIcmpv6',
    required: () => encodeIcmpv6({ kind: 'router-solicitation', code: 0, options: [] }, ip6),
    explicit: () => encodeIcmpv6({ kind: 'router-solicitation', code: 0, reserved: 0, options: [] }, ip6),
  },
  {
    name: 'encodeIgmp',
    required: () => encodeIgmp({ type: 0x16 }),
    explicit: () => encodeIgmp({ type: 0x16, maxResponse: 0, group: 0 }),
  },
];

describe('writers called with only their required fields', () => {
  for (const c of CASES) {
    it(`${c.name}: writes the defaults, byte for byte as when they are given`, () => {
      expect(c.required()).toEqual(c.explicit());
    });
  }

  it('encodeIpv4 from the issue: no TypeError, and the view reads the defaults back', () => {
    const payload = encodeIcmpv4({ type: 8, code: 0, identifier: 1, sequence: 1 });
    const p = Ipv4Packet.parse(
      encodeIpv4({ ttl: 64, protocol: 1, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2'), payload }),
    );
    expect([
      p.dscp,
      p.ecn,
      p.identification,
      p.flags,
      p.fragmentOffset,
      p.headerLength,
      p.totalLength,
    ]).toEqual([0, 0, 0, 0, 0, 20, 28]);
    expect(p.verifyChecksum()).toBe(true);
    expect([p.ttl, p.protocol, p.src, p.dst]).toEqual([64, 1, 0x0a000001, 0x0a000002]);
  });

  it('text addresses equal their bytes and numbers', () => {
    const v6 = Ipv6Packet.parse(
      encodeIpv6({ hopLimit: 1, protocol: 59, src: 'fe80::1', dst: '2001:db8::2' }),
    );
    expect([v6.src, v6.dst]).toEqual([parseIpv6('fe80::1'), parseIpv6('2001:db8::2')]);
    const eth = EthernetFrame.parse(
      encodeEthernet({ dst: '0a-58-0a-f4-02-03', src: '0a58.0af4.0102', etherType: 0x0800 }),
    );
    expect([eth.dst, eth.src]).toEqual([parseMac('0a:58:0a:f4:02:03'), parseMac('0a:58:0a:f4:01:02')]);
    const arp = ArpPacket.parse(
      encodeArp({
        opcode: 2,
        senderHardware: '02:00:00:00:00:01',
        senderProtocol: 'fe80::1',
        targetHardware: '02:00:00:00:00:02',
        targetProtocol: 'fe80::2',
      }),
    );
    expect([arp.protocolSize, arp.targetProtocol]).toEqual([16, parseIpv6('fe80::2')]);
    expect(VlanTag.parse(encodeVlanTag({ vid: 7, etherType: 0x86dd })).toJSON()).toEqual({
      pcp: 0,
      dei: false,
      vid: 7,
      etherType: 0x86dd,
    });
    expect(
      TcpSegment.parse(encodeTcp({ srcPort: 1, dstPort: 2, window: 9 }, { ip: ip4 })).toJSON(),
    ).toMatchObject({ seq: 0, ack: 0, flags: 0, urgentPointer: 0, options: [] });
  });

  it('the transport writers and encodeIcmpv6 take the pseudo-header addresses as text too', () => {
    const payload = Uint8Array.of(1, 2, 3);
    expect(
      encodeUdp({ srcPort: 1, dstPort: 2, payload }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }),
    ).toEqual(encodeUdp({ srcPort: 1, dstPort: 2, payload }, { ip: ip4 }));
    const v6 = { family: 6, ...ip6 } as const;
    expect(
      encodeTcp({ srcPort: 1, dstPort: 2, window: 5 }, { ip: { src: 'fe80::1', dst: 'ff02::1' } }),
    ).toEqual(encodeTcp({ srcPort: 1, dstPort: 2, window: 5 }, { ip: v6 }));
    const rs = { kind: 'router-solicitation', code: 0, options: [] } as const;
    expect(encodeIcmpv6(rs, { src: 'fe80::1', dst: 'ff02::1' })).toEqual(encodeIcmpv6(rs, ip6));
    expect(() => encodeUdp({ srcPort: 1, dstPort: 2 }, { ip: { src: '10.0.0.1', dst: '10.0.0' } })).toThrow(
      /^ip\.dst: /,
    );
  });

  it('out of range or not an address: a RangeError naming the field, before writing anything', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.1', dst: '10.0.0.2', dscp: 64 }), /dscp/],
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.1', dst: '10.0.0.2', ecn: 4 }), /ecn/],
      [() => encodeIpv4({ ttl: 256, protocol: 1, src: '10.0.0.1', dst: '10.0.0.2' }), /ttl/],
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.300', dst: '10.0.0.2' }), /^src: /],
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: '10.0.0.1', dst: 2 ** 32 }), /dst/],
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: 1, dst: 2, fragmentOffset: 0x2000 }), /fragmentOffset/],
      [() => encodeIpv4({ ttl: 64, protocol: 1, src: 1, dst: 2, identification: -1 }), /identification/],
      [
        () => encodeIpv6({ hopLimit: 64, protocol: 17, src: 'fe80::1', dst: 'ff02::1', flowLabel: 1 << 20 }),
        /flowLabel/,
      ],
      [() => encodeIpv6({ hopLimit: 64, protocol: 17, src: 'fe80::1::1', dst: 'ff02::1' }), /^src: /],
      [() => encodeEthernet({ dst: '02:00:00:00:00', src: '02:00:00:00:00:01', etherType: 1 }), /^dst: /],
      [() => encodeVlanTag({ vid: 4096, etherType: 0x0800 }), /vid/],
      [() => encodeVlanTag({ pcp: 8, vid: 1, etherType: 0x0800 }), /pcp/],
      [
        () =>
          encodeArp({
            opcode: 1,
            senderHardware: 'x',
            senderProtocol: '10.0.0.1',
            targetProtocol: '10.0.0.2',
          }),
        /senderHardware/,
      ],
      [
        () =>
          encodeArp({
            opcode: 1,
            senderHardware: '02:00:00:00:00:01',
            senderProtocol: '10.0.0.1',
            targetProtocol: '10.0.0',
          }),
        /targetProtocol/,
      ],
      [() => encodeTcp({ srcPort: 1, dstPort: 2, window: 1 << 16 }, { ip: ip4 }), /window/],
      [() => encodeTcp({ srcPort: 1, dstPort: 2, window: 1, seq: -1 }, { ip: ip4 }), /seq/],
    ];
    for (const [call, field] of bad) {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught, String(call)).toBeInstanceOf(RangeError);
      expect((caught as Error).message, String(call)).toMatch(field);
    }
  });

  it('fast-check: leaving out any subset of the IPv4 optional fields equals giving their defaults', () => {
    const defaults = {
      dscp: 0,
      ecn: 0,
      identification: 0,
      reservedFlag: false,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      options: [],
      payload: new Uint8Array(0),
    } as const;
    const keys = Object.keys(defaults) as (keyof typeof defaults)[];
    fc.assert(
      fc.property(
        fc.subarray(keys),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.ipV4(),
        (given, ttl, src, dst) => {
          const partial: Record<string, unknown> = { ttl, protocol: 17, src, dst };
          for (const k of given) partial[k] = defaults[k];
          const full = encodeIpv4({ ...defaults, ttl, protocol: 17, src, dst: parseIpv4(dst) });
          expect(encodeIpv4({ ...(partial as { ttl: number; protocol: number; src: number }), dst })).toEqual(
            full,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
