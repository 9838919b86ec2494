import {
  dissectExtendedEcho,
  dissectNodeInformation,
  encodeIcmpv6,
  ethernetDissectors,
} from '@cnikit/ethernet';
import {
  composeDissectors,
  DecodeError,
  type DissectionNode,
  dissect,
  findField,
  parseIpv6,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldValueText } from '../../../test/support/corpus.js';

const registry = composeDissectors(ethernetDissectors);
const SRC = parseIpv6('2001:db8:a::10');
const DST = parseIpv6('2001:db8:b::20');

/** An Ethernet + IPv6 frame around an ICMPv6 message of `type`/`code` with raw `body` (checksum computed). */
function frame(type: number, code: number, body: number[]): Uint8Array {
  const icmp = encodeIcmpv6(
    { kind: 'other', type, code, body: Uint8Array.from(body) },
    { src: SRC, dst: DST },
  );
  const f = new Uint8Array(54 + icmp.length);
  f.set([2, 0, 0x5e, 0x10, 0, 0x0b, 2, 0, 0x5e, 0x10, 0, 0x0a, 0x86, 0xdd, 0x60, 0, 0, 0]);
  f.set([icmp.length >> 8, icmp.length & 0xff, 58, 64], 18);
  f.set(SRC, 22);
  f.set(DST, 38);
  f.set(icmp, 54);
  return f;
}

/** `field=value` of every icmpv6 node after the checksum status, flag subtrees flattened. */
function shown(f: Uint8Array): string[] {
  const d = dissect(registry, f);
  expect(d.malformed).toBeUndefined();
  const flat = (n: DissectionNode): DissectionNode[] => [n, ...(n.children ?? []).flatMap(flat)];
  return (findField(d.layers, 'icmpv6')?.children ?? [])
    .slice(4)
    .flatMap(flat)
    .map((n) => `${n.field}=${fieldValueText(n.value ?? '')}`);
}

const NONCE = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
const name = (...labels: string[]) => [
  ...labels.flatMap((l) => [l.length, ...Array.from(l, (c) => c.charCodeAt(0))]),
  0,
];
const flags = (value: number, bits: string) => [
  `icmpv6.ni.flag=${value}`,
  ...['g', 's', 'l', 'c', 'a', 't'].map((b, k) => `icmpv6.ni.flag.${b}=${bits[k]}`),
  `icmpv6.ni.flag.rsv=${value >>> 6}`,
];

// Expected values: tshark 4.0.17 on these frames (also compared live in synthetic-tshark.test.ts).
describe('ICMPv6 Node Information (RFC 4620)', () => {
  it('shows a query with a name subject: qtype, flags, nonce, FQDN subject', () => {
    expect(shown(frame(139, 1, [0, 3, 0, 0x3f, ...NONCE, ...name('host', 'example')]))).toEqual([
      'icmpv6.ni.qtype=3',
      ...flags(0x3f, '111111'),
      'icmpv6.ni.nonce=81985529216486895',
      'icmpv6.ni.query.subject_fqdn=host.example',
    ]);
  });

  it('shows an IPv4 subject, and the reserved flag bits shifted down (0x3ff)', () => {
    expect(shown(frame(139, 2, [0, 4, 0xff, 0xc2, ...NONCE, 192, 0, 2, 1]))).toEqual([
      'icmpv6.ni.qtype=4',
      ...flags(0xffc2, '000010'),
      'icmpv6.ni.nonce=81985529216486895',
      'icmpv6.ni.query.subject_ipv4=192.0.2.1',
    ]);
  });

  it('shows a node name reply: TTL 3600, names until the zero padding', () => {
    const body = [
      0,
      2,
      0,
      0,
      ...NONCE,
      0,
      0,
      0x0e,
      0x10,
      ...name('a', 'example'),
      ...name('b', 'example', 'org'),
    ];
    expect(shown(frame(140, 0, [...body, 0, 0, 0]))).toEqual([
      'icmpv6.ni.qtype=2',
      ...flags(0, '000000'),
      'icmpv6.ni.nonce=81985529216486895',
      'icmpv6.ni.reply.node_ttl=3600',
      'icmpv6.ni.reply.node_name=a.example',
      'icmpv6.ni.reply.node_name=b.example.org',
    ]);
  });

  it('shows a node addresses reply as TTL + address pairs', () => {
    const body = [0, 3, 0, 2, ...NONCE, 0, 0, 0, 60, ...SRC, 0xff, 0xff, 0xff, 0xff, ...DST];
    expect(shown(frame(140, 0, body)).slice(-4)).toEqual([
      'icmpv6.ni.reply.node_ttl=60',
      'icmpv6.ni.reply.node_address=2001:db8:a::10',
      'icmpv6.ni.reply.node_ttl=4294967295',
      'icmpv6.ni.reply.node_address=2001:db8:b::20',
    ]);
  });

  it('is a truncated DecodeError when a field does not fit, and shows what fits when quoted', () => {
    const cut = frame(140, 0, [0, 3, 0, 2, ...NONCE, 0, 0, 0, 60, ...SRC.subarray(0, 8)]);
    const d = dissect(registry, cut);
    expect(d.malformed?.toJSON()).toMatchObject({ code: 'truncated', layer: 'icmpv6', offset: 54 + 20 });
    const short = Uint8Array.from([140, 0, 0, 0, 0, 3, 0, 2, 1, 2, 3]);
    expect(() => dissectNodeInformation(short, 0, short.length)).toThrow(DecodeError);
    expect(dissectNodeInformation(short, 0, short.length, true).map((n) => n.field)).toEqual([
      'icmpv6.ni.qtype',
      'icmpv6.ni.flag',
    ]);
  });
});

describe('ICMPv6 Extended Echo (RFC 8335)', () => {
  it('shows a request: identifier, 8-bit sequence, reserved bits, L bit', () => {
    expect(shown(frame(160, 0, [0xab, 0xcd, 255, 0xfe]))).toEqual([
      'icmpv6.echo.identifier=43981',
      'icmpv6.ext.echo.seq=255',
      'icmpv6.ext.echo.req.res=127',
      'icmpv6.ext.echo.req.local=0',
    ]);
  });

  it('shows a reply: state, reserved, A, 4 and 6 bits', () => {
    expect(shown(frame(161, 0, [0x12, 0x34, 5, 0x45]))).toEqual([
      'icmpv6.echo.identifier=4660',
      'icmpv6.ext.echo.seq=5',
      'icmpv6.ext.echo.rsp.state=2',
      'icmpv6.ext.echo.rsp.res=0',
      'icmpv6.ext.echo.rsp.active=1',
      'icmpv6.ext.echo.rsp.ipv4=0',
      'icmpv6.ext.echo.rsp.ipv6=1',
    ]);
  });

  it('is a truncated DecodeError under 8 bytes, or what fits when quoted', () => {
    const short = Uint8Array.from([161, 0, 0, 0, 0x12, 0x34, 5]);
    expect(() => dissectExtendedEcho(short, 0, short.length)).toThrow(DecodeError);
    expect(dissectExtendedEcho(short, 0, short.length, true).map((n) => n.field)).toEqual([
      'icmpv6.echo.identifier',
      'icmpv6.ext.echo.seq',
    ]);
  });
});

describe('robustness', () => {
  it('dissects any body of types 139, 140, 160, 161 or throws DecodeError only (never when quoted)', () => {
    let namesTried = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(139, 140, 160, 161),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 48, size: 'max' }),
        fc.boolean(),
        (type, code, body, quoted) => {
          const b = Uint8Array.from([type, code, 0, 0, ...body]);
          if (type === 139 && code === 1 && body.length > 12 && body[12] > 63) namesTried++;
          try {
            if (type < 160) dissectNodeInformation(b, 0, b.length, quoted);
            else dissectExtendedEcho(b, 0, b.length, quoted);
          } catch (e) {
            if (!(e instanceof DecodeError) || quoted) throw e;
          }
        },
      ),
      { numRuns: 20000 },
    );
    expect(namesTried).toBeGreaterThan(20);
  });
});
