import { ethernetDissectors, isMldType } from '@cnikit/ethernet';
import { composeDissectors, dissect } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenDissection, sameValue } from '../../../test/support/corpus.js';

const registry = composeDissectors(ethernetDissectors);

/** Our `icmpv6` layer's fields, one value or an array of them per name, as tshark's JSON writes them. */
function icmpv6Fields(frameHex: string): Record<string, string | string[]> {
  const d = dissect(registry, Uint8Array.from(Buffer.from(frameHex, 'hex')));
  expect(d.malformed).toBeUndefined();
  const layer = d.layers.find((l) => l.field === 'icmpv6');
  if (!layer) throw new Error('no icmpv6 layer');
  const out: Record<string, string | string[]> = {};
  for (const [field, values] of flattenDissection([layer]))
    out[field] = values.length === 1 ? values[0] : values;
  return out;
}

/** Ours equal tshark's value for value (tshark writes some numbers in hex). */
function expectTshark(
  ours: Record<string, string | string[]>,
  tshark: Record<string, string | string[]>,
): void {
  expect(Object.keys(ours)).toEqual(Object.keys(tshark));
  for (const [field, theirs] of Object.entries(tshark)) {
    const mine = [ours[field]].flat();
    const expected = [theirs].flat();
    expect(mine.length, field).toBe(expected.length);
    mine.forEach((v, i) => {
      expect(sameValue(v, expected[i]), `${field}: ${v} vs ${expected[i]}`).toBe(true);
    });
  }
}

/**
 * Ethernet + IPv6 + MLD frames and the fields tshark 4.0.17 shows in their `icmpv6` layer
 * (`tshark -T json --no-duplicate-keys`; a cut message shows what tshark shows before it flags it
 * malformed). The multicast-address-record subtree (`icmpv6.mldr.mar`) is a label, not a value.
 */
const CASES: readonly { name: string; frame: string; tshark: Record<string, string | string[]> }[] = [
  {
    name: 'MLDv1 general query (24 bytes)',
    frame:
      '33330000000102005e10000a86dd6000000000183a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000018200f9fd2710000000000000000000000000000000000000',
    tshark: {
      'icmpv6.type': '130',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0xf9fd',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_delay': '10000',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': '::',
    },
  },
  {
    name: 'MLDv1 multicast-address-specific query',
    frame:
      '33330000000102005e10000a86dd6000000000183a01fe8000000000000002005efffe10000aff020000000000000000' +
      '00000000000182001e1c03e80000ff050000000000000000000000010003',
    tshark: {
      'icmpv6.type': '130',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x1e1c',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_delay': '1000',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': 'ff05::1:3',
    },
  },
  {
    name: 'MLDv1 report',
    frame:
      '33330000000102005e10000a86dd6000000000183a01fe8000000000000002005efffe10000aff050000000000000000' +
      '000000010003830020fe00000000ff050000000000000000000000010003',
    tshark: {
      'icmpv6.type': '131',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x20fe',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_delay': '0',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': 'ff05::1:3',
    },
  },
  {
    name: 'MLDv1 done',
    frame:
      '33330000000102005e10000a86dd6000000000183a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000028400200300000000ff050000000000000000000000010003',
    tshark: {
      'icmpv6.type': '132',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x2003',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_delay': '0',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': 'ff05::1:3',
    },
  },
  {
    name: 'MLDv2 general query: S flag, QRV 2, QQIC 125',
    frame:
      '33330000000102005e10000a86dd60000000001c3a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000018200ef7c27100000000000000000000000000000000000000a7d0000',
    tshark: {
      'icmpv6.type': '130',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0xef7c',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_code': '10000',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': '::',
      'icmpv6.mld.flag': '0x0a',
      'icmpv6.mld.flag.s': '1',
      'icmpv6.mld.flag.qrv': '2',
      'icmpv6.mld.flag.reserved': '0',
      'icmpv6.mld.qqi': '125',
      'icmpv6.mld.nb_sources': '0',
    },
  },
  {
    name: 'MLDv2 query, Maximum Response Code and QQIC in floating-point form, two sources, reserved flag bits set',
    frame:
      '33330000000102005e10000a86dd60000000003c3a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000018200410c8abc0000ff050000000000000000000000010003fa9f000220010db800000000000000000000' +
      '000120010db8000000000000000000000002',
    tshark: {
      'icmpv6.type': '130',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x410c',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_code': '54752',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': 'ff05::1:3',
      'icmpv6.mld.flag': '0xfa',
      'icmpv6.mld.flag.s': '1',
      'icmpv6.mld.flag.qrv': '2',
      'icmpv6.mld.flag.reserved': '15',
      'icmpv6.mld.qqi': '496',
      'icmpv6.mld.nb_sources': '2',
      'icmpv6.mld.source_address': ['2001:db8::1', '2001:db8::2'],
    },
  },
  {
    name: 'MLDv2 report: two records, the second with two sources and one word of auxiliary data',
    frame:
      '33330000000102005e10000a86dd6000000000543a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000168f0018760000000204000000ff0200000000000000000001ff00002001010002ff050000000000000000' +
      '00000001000320010db800000000000000000000000120010db8000000000000000000000002deadbeef',
    tshark: {
      'icmpv6.type': '143',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x1876',
      'icmpv6.checksum.status': '1',
      'icmpv6.reserved': '00:00',
      'icmpv6.mldr.nb_mcast_records': '2',
      'icmpv6.mldr.mar.record_type': ['4', '1'],
      'icmpv6.mldr.mar.aux_data_len': ['0', '1'],
      'icmpv6.mldr.mar.nb_sources': ['0', '2'],
      'icmpv6.mldr.mar.multicast_address': ['ff02::1:ff00:20', 'ff05::1:3'],
      'icmpv6.mldr.mar.source_address': ['2001:db8::1', '2001:db8::2'],
      'icmpv6.mldr.mar.auxiliary_data': 'de:ad:be:ef',
    },
  },
  {
    name: 'MLDv2 report without records',
    frame:
      '33330000000102005e10000a86dd6000000000083a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000168f00140900000000',
    tshark: {
      'icmpv6.type': '143',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x1409',
      'icmpv6.checksum.status': '1',
      'icmpv6.reserved': '00:00',
      'icmpv6.mldr.nb_mcast_records': '0',
    },
  },
  {
    name: 'MLDv2 report cut inside a record (tshark: malformed)',
    frame:
      '33330000000102005e10000a86dd6000000000143a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000168f0010f90000000104000000ff02000000000000',
    tshark: {
      'icmpv6.type': '143',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x10f9',
      'icmpv6.checksum.status': '1',
      'icmpv6.reserved': '00:00',
      'icmpv6.mldr.nb_mcast_records': '1',
      'icmpv6.mldr.mar.record_type': '4',
      'icmpv6.mldr.mar.aux_data_len': '0',
      'icmpv6.mldr.mar.nb_sources': '0',
    },
  },
  {
    name: 'MLDv1 report cut inside the multicast address (tshark: malformed)',
    frame:
      '33330000000102005e10000a86dd60000000000c3a01fe8000000000000002005efffe10000aff020000000000000000' +
      '000000000016830020ff00000000ff050000',
    tshark: {
      'icmpv6.type': '131',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0x20ff',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_delay': '0',
      'icmpv6.reserved': '00:00',
    },
  },
  {
    name: 'MLDv2 query claiming two sources, holding one (tshark: malformed)',
    frame:
      '33330000000102005e10000a86dd60000000002c3a01fe8000000000000002005efffe10000aff020000000000000000' +
      '0000000000018200c1b027100000000000000000000000000000000000000a7d000220010db800000000000000000000' +
      '0001',
    tshark: {
      'icmpv6.type': '130',
      'icmpv6.code': '0',
      'icmpv6.checksum': '0xc1b0',
      'icmpv6.checksum.status': '1',
      'icmpv6.mld.maximum_response_code': '10000',
      'icmpv6.reserved': '00:00',
      'icmpv6.mld.multicast_address': '::',
      'icmpv6.mld.flag': '0x0a',
      'icmpv6.mld.flag.s': '1',
      'icmpv6.mld.flag.qrv': '2',
      'icmpv6.mld.flag.reserved': '0',
      'icmpv6.mld.qqi': '125',
      'icmpv6.mld.nb_sources': '2',
      'icmpv6.mld.source_address': '2001:db8::1',
    },
  },
];

describe('MLD dissection (RFC 2710, RFC 3810)', () => {
  for (const c of CASES) {
    it(`${c.name}: the fields tshark shows`, () => {
      expectTshark(icmpv6Fields(c.frame), c.tshark);
    });
  }

  it('dissects any MLD body without throwing, every node inside the message', () => {
    fc.assert(
      fc.property(fc.constantFrom(130, 131, 132, 143), fc.uint8Array({ maxLength: 120 }), (type, body) => {
        const icmp = Uint8Array.from([type, 0, 0, 0, ...body]);
        const frame = new Uint8Array(54 + icmp.length);
        frame.set([0x86, 0xdd], 12);
        frame.set([0x60, 0, 0, 0, icmp.length >> 8, icmp.length & 0xff, 58, 1], 14);
        frame.set(icmp, 54);
        expect(isMldType(type)).toBe(true);
        const d = dissect(registry, frame);
        expect(d.malformed).toBeUndefined();
        const walk = (nodes: readonly { offset: number; length: number; children?: unknown[] }[]) => {
          for (const n of nodes) {
            expect(n.offset).toBeGreaterThanOrEqual(54);
            expect(n.offset + n.length).toBeLessThanOrEqual(frame.length);
            if (n.children) walk(n.children as typeof nodes);
          }
        };
        walk(d.layers[2].children?.slice(4) ?? []);
      }),
      { numRuns: 10_000 },
    );
  });
});
