import {
  AS_TRANS,
  attributesToPassOn,
  BgpDecodeError,
  BgpFramer,
  buildEndOfRib,
  buildOpen,
  buildUpdate,
  buildWithdrawal,
  decodeMessage,
  encodeMessage,
  endOfRibFamily,
  formatAsPath,
  formatCommunity,
  hardResetCause,
  hardResetNotification,
  mergeAs4Path,
  mpNextHop,
  NlriCursor,
  negotiateSession,
  notificationName,
  openAsn,
  readUpdate,
  shutdownCommunication,
  shutdownNotification,
  UpdateView,
} from '@cnikit/bgp';
import { formatIpv6, formatPrefix, parseBytes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

const MARKER = 'ff'.repeat(16);
/** A whole message from its type and body hex (the header written here by hand). */
function msg(type: number, body: string): Uint8Array {
  const b = parseBytes(body.replace(/\s+/g, ''));
  const len = 19 + b.length;
  return parseBytes(
    MARKER +
      len.toString(16).padStart(4, '0') +
      type.toString(16).padStart(2, '0') +
      Buffer.from(b).toString('hex'),
  );
}

function thrown(f: () => unknown): BgpDecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BgpDecodeError);
    return e as BgpDecodeError;
  }
  throw new Error('did not throw');
}

describe('byte layouts the RFCs give (bytes written here from the RFC figures)', () => {
  it('RFC 9072 §2: extended optional parameters (Non-Ext OP Len 255, Non-Ext OP Type 255, 2-octet lengths)', () => {
    // version 4, AS 65000, hold 90, id 192.0.2.1, 255 255, ext length 9, param 2 of 6: 4-octet AS 65000
    const b = msg(1, '04 fde8 005a c0000201 ff ff 0009 02 0006 41 04 0000fde8');
    const m = decodeMessage(b);
    expect(m).toEqual({
      type: 'open',
      version: 4,
      myAs: 65000,
      holdTime: 90,
      bgpId: 0xc0000201,
      parameters: [{ kind: 'capabilities', capabilities: [{ kind: 'four-octet-as', asn: 65000 }] }],
      extendedParameters: true,
    });
    expect(encodeMessage(m)).toEqual(b);
    // The same OPEN without the flag is written the RFC 4271 way, as §2 says it SHOULD be.
    const plain = encodeMessage({ ...m, extendedParameters: undefined } as typeof m);
    expect(Buffer.from(plain).toString('hex')).toBe(`${MARKER}00250104fde8005ac000020108020641040000fde8`);
  });

  it('RFC 9234 §4.1 BGP Role capability (code 9, length 1) and §5 OTC attribute (35, optional transitive, 4 octets)', () => {
    const open = msg(1, '04 fde8 00b4 c0000202 05 02 03 09 01 03');
    const m = decodeMessage(open);
    expect(m.type === 'open' && m.parameters).toEqual([
      { kind: 'capabilities', capabilities: [{ kind: 'role', role: 3 }] },
    ]);
    // UPDATE: ORIGIN IGP, AS_PATH {65001}, NEXT_HOP 192.0.2.1, OTC 65001, NLRI 198.51.100.0/24
    const update = msg(
      2,
      '0000 001b 40010100 400206 0201 0000fde9 40030 4c0000201 c0230400 00fde9 18c63364'.replace(/\s/g, ''),
    );
    const u = decodeMessage(update);
    expect(u.type === 'update' && u.attributes.find((a) => a.kind === 'otc')).toEqual({
      flags: 0xc0,
      kind: 'otc',
      asn: 65001,
    });
    expect(encodeMessage(u)).toEqual(update);
    // OTC of 3 octets is malformed: treat-as-withdraw (RFC 9234 §5).
    const bad = msg(2, '0000 001a 40010100 400206 0201 0000fde9 400304 c0000201 c02303 00fde9 18c63364');
    const r = readUpdate(UpdateView.parse(bad));
    expect(r.action).toBe('treat-as-withdraw');
    expect(r.withdrawAll.map((n) => n.kind === 'prefix' && formatPrefix(n.prefix))).toEqual([
      '198.51.100.0/24',
    ]);
    expect(notificationName(2, 11)).toBe('OPEN Message Error / Role Mismatch');
  });

  it('RFC 7911 §4 ADD-PATH capability and §3 NLRI with a path identifier', () => {
    const open = msg(1, '04 fde8 00b4 c0000203 08 02 06 45 04 0001 01 03');
    const m = decodeMessage(open);
    expect(m.type === 'open' && m.parameters[0]).toEqual({
      kind: 'capabilities',
      capabilities: [{ kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] }],
    });
    const session = negotiateSession(m as never, m as never, false);
    expect(session.addPath).toEqual([{ afi: 1, safi: 1, direction: 'both' }]);
    // Withdrawn: path 1 10.0.1.0/24 and path 2 10.0.1.0/24 (same prefix, two paths).
    const update = msg(2, '0010 00000001 180a0001 00000002 180a0001 0000');
    const u = decodeMessage(update, session);
    expect(
      u.type === 'update' &&
        u.withdrawn.map((n) => n.kind === 'prefix' && [n.pathId, formatPrefix(n.prefix)]),
    ).toEqual([
      [1, '10.0.1.0/24'],
      [2, '10.0.1.0/24'],
    ]);
    expect(encodeMessage(u, session)).toEqual(update);
    // Without ADD-PATH the same bytes read as ten other prefixes (0.0.0.0/0, 24.0.0.0/1, …): the context matters.
    const wrong = decodeMessage(update);
    expect(
      wrong.type === 'update' && wrong.withdrawn.map((n) => n.kind === 'prefix' && n.prefix.length),
    ).toEqual([0, 0, 0, 1, 10, 0, 0, 0, 2, 10]);
  });

  it('RFC 7432 §7.2 MAC/IP Advertisement route, RFC 8365 §5.1.3 VNI in the label field', () => {
    // MP_REACH: AFI 25 SAFI 70, next hop 192.0.2.9, route type 2 of 37 bytes:
    // RD type 0 65000:100, ESI 0, tag 0, MAC len 48, 00:11:22:33:44:55, IP len 32 10.0.0.1, label 100 (VNI).
    const route = '0000fde800000064 00000000000000000000 00000000 30 001122334455 20 0a000001 000064';
    const value = `0019 46 04 c0000209 00 02 25 ${route}`;
    const attr = `900e${(value.replace(/\s/g, '').length / 2).toString(16).padStart(4, '0')}${value}`;
    const body = `0000${(attr.replace(/\s/g, '').length / 2 + 11).toString(16).padStart(4, '0')}40010100 400200 ${attr}`;
    // origin + empty AS_PATH + MP_REACH
    const fixedBody = body.replace(
      /^0000..../,
      `0000${(4 + 3 + attr.replace(/\s/g, '').length / 2).toString(16).padStart(4, '0')}`,
    );
    const b = msg(2, fixedBody);
    const u = decodeMessage(b);
    if (u.type !== 'update') throw new Error('not an UPDATE');
    const mp = u.attributes.find((a) => a.kind === 'mp-reach');
    if (mp?.kind !== 'mp-reach') throw new Error('no MP_REACH');
    expect(mp.nlri).toHaveLength(1);
    const n = mp.nlri[0];
    if (n.kind !== 'evpn' || n.route.routeType !== 2) throw new Error('not a type 2 route');
    expect(Buffer.from(n.route.mac).toString('hex')).toBe('001122334455');
    expect(Array.from(n.route.ip)).toEqual([10, 0, 0, 1]);
    expect(n.route.label).toBe(100);
    expect(n.route.label2).toBeUndefined();
    expect(encodeMessage(u)).toEqual(b);
  });

  it('RFC 8092 §3 LARGE_COMMUNITY (optional transitive, 12 octets each)', () => {
    const b = msg(2, '0000 0016 40010100 400200 c0200c 0000fbf0 ffffffff 00000002');
    const u = decodeMessage(b);
    expect(u.type === 'update' && u.attributes[2]).toEqual({
      flags: 0xc0,
      kind: 'large-communities',
      communities: [{ global: 64496, local1: 4294967295, local2: 2 }],
    });
    // 13 octets is not a multiple of 12: treat-as-withdraw (RFC 8092 §6).
    const bad = msg(2, '0000 0017 40010100 400200 c0200d 0000fbf0 ffffffff 00000002 00');
    expect(readUpdate(UpdateView.parse(bad)).action).toBe('treat-as-withdraw');
  });
});

describe('RFC 4271 §6 NOTIFICATIONs and RFC 7606 actions', () => {
  it('header errors: 1/1 bad marker, 1/2 bad length with the length as data, 1/3 bad type', () => {
    const k = msg(4, '');
    const badMarker = k.slice();
    badMarker[3] = 0;
    expect(thrown(() => decodeMessage(badMarker)).notification).toMatchObject({ code: 1, subcode: 1 });
    const short = k.slice();
    short[17] = 18;
    const e = thrown(() => decodeMessage(short));
    expect([e.notification.code, e.notification.subcode, Array.from(e.notification.data), e.action]).toEqual([
      1,
      2,
      [0, 18],
      'session-reset',
    ]);
    const type = k.slice();
    type[18] = 9;
    expect(thrown(() => decodeMessage(type)).notification).toMatchObject({
      code: 1,
      subcode: 3,
      data: Uint8Array.of(9),
    });
    expect(thrown(() => decodeMessage(msg(4, '00'))).notification.subcode).toBe(2);
    // 4,097 bytes is over the limit unless extended messages were negotiated (RFC 8654).
    const big = msg(3, `0602${'00'.repeat(4076)}`);
    expect(big.length).toBe(4097);
    expect(thrown(() => decodeMessage(big)).notification.subcode).toBe(2);
    expect(decodeMessage(big, { extendedMessage: true }).type).toBe('notification');
  });

  it('UPDATE length fields: 3/1 Malformed Attribute List, session reset', () => {
    const e = thrown(() => decodeMessage(msg(2, '0005 0000')));
    expect([e.notification.code, e.notification.subcode, e.action]).toEqual([3, 1, 'session-reset']);
    const f = thrown(() => decodeMessage(msg(2, '0000 0009 400101')));
    expect([f.notification.subcode, f.action]).toEqual([1, 'session-reset']);
  });

  it('an NLRI prefix longer than 32 bits: 3/10 Invalid Network Field, session reset (RFC 7606 §5.3)', () => {
    const e = thrown(() => decodeMessage(msg(2, '0000 0000 21 0a000001 00')));
    expect([e.notification.code, e.notification.subcode, e.action]).toEqual([3, 10, 'session-reset']);
  });

  it('bad ORIGIN length: treat-as-withdraw with 3/5 and the attribute as data; the routes come back as withdrawn', () => {
    const b = msg(2, '0002 08 0a 000f 40010200 00 400200 400304 c0000201 18c0a801 10ac10');
    const e = thrown(() => decodeMessage(b));
    expect([e.notification.code, e.notification.subcode, e.action, e.attributeType]).toEqual([
      3,
      5,
      'treat-as-withdraw',
      1,
    ]);
    expect(Buffer.from(e.notification.data).toString('hex')).toBe('4001020000');
    const r = readUpdate(UpdateView.parse(b));
    expect(r.action).toBe('treat-as-withdraw');
    expect(r.withdrawAll.map((n) => n.kind === 'prefix' && formatPrefix(n.prefix))).toEqual([
      '10.0.0.0/8',
      '192.168.1.0/24',
      '172.16.0.0/16',
    ]);
  });

  it('bad LOCAL_PREF: attribute-discard from an eBGP peer, treat-as-withdraw from an iBGP peer (RFC 7606 §7.5)', () => {
    const b = msg(2, '0000 0014 40010100 400200 400304 c0000201 400503 000064 18c0a801');
    const ebgp = readUpdate(UpdateView.parse(b, 0, b.length, { ibgp: false }));
    expect(ebgp.action).toBe('attribute-discard');
    expect(ebgp.update.attributes.map((a) => a.kind)).toEqual(['origin', 'as-path', 'next-hop']);
    expect(ebgp.withdrawAll).toEqual([]);
    expect(ebgp.update.nlri).toHaveLength(1);
    const ibgp = readUpdate(UpdateView.parse(b, 0, b.length, { ibgp: true }));
    expect(ibgp.action).toBe('treat-as-withdraw');
    expect(ibgp.withdrawAll).toHaveLength(1);
  });

  it('ATOMIC_AGGREGATE with a value and a repeated MED: attribute-discard, the rest kept', () => {
    const b = msg(
      2,
      '0000 0020 40010100 400200 400304 c0000201 40060100 80040400000001 80040400000002 18c0a801',
    );
    const r = readUpdate(UpdateView.parse(b));
    expect(r.action).toBe('attribute-discard');
    expect(r.errors.map((e) => [e.attributeType, e.notification.subcode])).toEqual([
      [6, 5],
      [4, 1],
    ]);
    expect(r.update.attributes.map((a) => a.kind)).toEqual(['origin', 'as-path', 'next-hop', 'med']);
  });

  it('MP_REACH_NLRI twice: session reset with 3/1 (RFC 7606 §3 g)', () => {
    const one = `800e15 0002 01 10 ${'20010db8000000000000000000000001'} 00`;
    const b = msg(2, `0000 0030 ${one} ${one}`);
    const e = thrown(() => readUpdate(UpdateView.parse(b)));
    expect([e.notification.subcode, e.action]).toEqual([1, 'session-reset']);
  });

  it('a missing well-known attribute: 3/3 with the type as data, treat-as-withdraw (RFC 7606 §3 d)', () => {
    const b = msg(2, '0000 000a 400200 400304 c0000201 18c0a801');
    const r = readUpdate(UpdateView.parse(b));
    expect(r.errors.map((e) => [e.notification.subcode, Array.from(e.notification.data), e.action])).toEqual([
      [3, [1], 'treat-as-withdraw'],
    ]);
    // decodeMessage checks syntax only: the message decodes.
    expect(decodeMessage(b).type).toBe('update');
  });

  it('an attribute overrunning the attributes field: treat-as-withdraw (RFC 7606 §4)', () => {
    const b = msg(2, '0000 0004 400109 00 18c0a801');
    expect(readUpdate(UpdateView.parse(b)).action).toBe('treat-as-withdraw');
  });

  it('RFC 9003 shutdown communication and RFC 8538 hard reset', () => {
    const n = shutdownNotification('maintenance, back at 20:00 ⚙');
    const b = encodeMessage(n);
    const d = decodeMessage(b);
    if (d.type !== 'notification') throw new Error('not a NOTIFICATION');
    expect(shutdownCommunication(d)).toBe('maintenance, back at 20:00 ⚙');
    expect(notificationName(d.code, d.subcode)).toBe('Cease / Administrative Shutdown');
    const hard = hardResetNotification(d);
    expect(notificationName(hard.code, hard.subcode)).toBe('Cease / Hard Reset');
    expect(hardResetCause(hard)).toEqual(n);
    expect(shutdownCommunication(hard)).toBe('maintenance, back at 20:00 ⚙');
    // A length past the data: no communication (RFC 9003 §2), the NOTIFICATION still decodes.
    expect(
      shutdownCommunication({ type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(5, 0x41) }),
    ).toBeUndefined();
  });
});

describe('passing attributes on (RFC 4271 §5, §9.1.2.2)', () => {
  it('keeps known and unknown optional transitive attributes (Partial set), drops unknown non-transitive ones', () => {
    const b = msg(2, '0000 0014 40010100 400200 c0630201ff 80640100 e0650100');
    const u = decodeMessage(b);
    if (u.type !== 'update') throw new Error('not an UPDATE');
    expect(u.attributes.map((a) => (a.kind === 'unknown' ? [a.type, a.flags] : a.kind))).toEqual([
      'origin',
      'as-path',
      [99, 0xc0],
      [100, 0x80],
      [101, 0xe0],
    ]);
    const on = attributesToPassOn(u.attributes);
    expect(on.map((a) => (a.kind === 'unknown' ? [a.type, a.flags] : a.kind))).toEqual([
      'origin',
      'as-path',
      [99, 0xe0],
      [101, 0xe0],
    ]);
    // Written back: the unknown attribute's bytes are unchanged but for the Partial bit.
    const out = encodeMessage({ ...u, attributes: on });
    expect(Buffer.from(out).toString('hex')).toContain('e0630201ff');
    expect(formatCommunity(0xfde90064)).toBe('65001:100');
    expect(formatCommunity(0xffffff01)).toBe('NO_EXPORT');
    expect(formatCommunity(0xffff029a)).toBe('BLACKHOLE');
  });
});

describe('AS4_PATH merge (RFC 6793 §4.2.3)', () => {
  it('keeps the leading ASes of AS_PATH the AS4_PATH does not cover', () => {
    const merged = mergeAs4Path(
      [{ type: 2, asns: [65001, AS_TRANS, AS_TRANS] }],
      [{ type: 2, asns: [4200000001, 4200000002] }],
    );
    expect(formatAsPath(merged)).toBe('65001 4200000001 4200000002');
    // AS4_PATH longer than AS_PATH: ignored.
    expect(formatAsPath(mergeAs4Path([{ type: 2, asns: [AS_TRANS] }], [{ type: 2, asns: [1, 2] }]))).toBe(
      String(AS_TRANS),
    );
    // An AGGREGATOR that is not AS_TRANS with an AS4_AGGREGATOR: AS4_PATH ignored.
    expect(
      formatAsPath(
        mergeAs4Path([{ type: 2, asns: [AS_TRANS] }], [{ type: 2, asns: [7] }], {
          asn: 65001,
          hasAs4Aggregator: true,
        }),
      ),
    ).toBe(String(AS_TRANS));
    expect(
      formatAsPath([
        { type: 3, asns: [1, 2] },
        { type: 2, asns: [3] },
        { type: 1, asns: [4, 5] },
      ]),
    ).toBe('(1 2) 3 {4,5}');
  });
});

describe('framer', () => {
  const a = msg(4, '');
  const b = encodeMessage(buildUpdate(['10.0.0.0/8'], { nextHop: '192.0.2.1', asPath: [65001] }));
  it('returns subarrays of the chunk when messages lie inside it, copies across chunks', () => {
    const stream = new Uint8Array([...a, ...b, ...a]);
    const framer = new BgpFramer();
    const whole = framer.push(stream);
    expect(whole.map((m) => m.length)).toEqual([19, b.length, 19]);
    expect(whole.every((m) => m.buffer === stream.buffer)).toBe(true);
    for (const cut of [1, 18, 19, 20, 25, stream.length - 1]) {
      const f = new BgpFramer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(got.map((m) => Buffer.from(m).toString('hex'))).toEqual(
        whole.map((m) => Buffer.from(m).toString('hex')),
      );
      expect(f.buffered).toBe(0);
    }
    // Byte by byte: each message still arrives whole and stays intact after later pushes.
    const f = new BgpFramer();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...f.push(stream.subarray(i, i + 1)));
    expect(Buffer.concat(got)).toEqual(Buffer.from(stream));
  });

  it('a bad marker mid-stream: DecodeError 1/1, and the framer stays failed', () => {
    const f = new BgpFramer();
    const bad = a.slice();
    bad[0] = 0;
    f.push(a);
    const e = thrown(() => f.push(bad));
    expect(e.notification.subcode).toBe(1);
    expect(() => f.push(a)).toThrow(BgpDecodeError);
  });
});

describe('builders', () => {
  it('an UPDATE announcing IPv4 and IPv6 prefixes, a withdrawal, End-of-RIB, an OPEN', () => {
    const v4 = buildUpdate(['10.1.0.0/16', '10.2.0.0/16'], {
      nextHop: '192.0.2.1',
      asPath: [65001, 65002],
      med: 10,
      communities: [0xfde90064],
      largeCommunities: [{ global: 65001, local1: 1, local2: 2 }],
    });
    const b4 = encodeMessage(v4);
    expect(Buffer.from(b4).toString('hex')).toBe(
      `${MARKER}005202` +
        '0000' +
        '0035' +
        '40010100' +
        '40020a02020000fde90000fdea' +
        '400304c0000201' +
        '8004040000000a' +
        'c00804fde90064' +
        'c0200c0000fde90000000100000002' +
        '100a01100a02',
    );
    const v6 = buildUpdate(['2001:db8:1::/48'], { nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' });
    const u6 = decodeMessage(encodeMessage(v6));
    const mp = u6.type === 'update' ? u6.attributes.find((a) => a.kind === 'mp-reach') : undefined;
    expect(mp?.kind === 'mp-reach' && [mp.afi, mp.safi, mp.nextHop.length]).toEqual([2, 1, 32]);
    const hops = mp?.kind === 'mp-reach' ? mpNextHop(mp.nextHop) : {};
    expect([hops.global && formatIpv6(hops.global), hops.linkLocal && formatIpv6(hops.linkLocal)]).toEqual([
      '2001:db8::1',
      'fe80::1',
    ]);
    // RFC 8950: IPv4 prefixes with an IPv6 next hop go in MP_REACH_NLRI with AFI 1.
    const v4v6 = decodeMessage(encodeMessage(buildUpdate(['10.5.0.0/16'], { nextHop: '2001:db8::5' })));
    const mp8950 = v4v6.type === 'update' ? v4v6.attributes.find((a) => a.kind === 'mp-reach') : undefined;
    expect(
      mp8950?.kind === 'mp-reach' && [
        mp8950.afi,
        formatIpv6(mpNextHop(mp8950.nextHop).global ?? new Uint8Array(16)),
        mp8950.nlri.length,
      ],
    ).toEqual([1, '2001:db8::5', 1]);
    expect(mpNextHop(Uint8Array.of(192, 0, 2, 1)).ipv4).toBe(0xc0000201);
    const w = decodeMessage(encodeMessage(buildWithdrawal(['10.1.0.0/16', '2001:db8:1::/48'])));
    expect(w.type === 'update' && [w.withdrawn.length, w.attributes[0]?.kind]).toEqual([1, 'mp-unreach']);
    expect(encodeMessage(buildEndOfRib()).length).toBe(23);
    const eor = decodeMessage(encodeMessage(buildEndOfRib(25, 70)));
    expect(eor.type === 'update' && endOfRibFamily(eor)).toEqual({ afi: 25, safi: 70 });
    const open = buildOpen({
      asn: 4200000000,
      bgpId: '192.0.2.1',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }],
    });
    const o = decodeMessage(encodeMessage(open));
    expect(o.type === 'open' && [o.myAs, openAsn(o)]).toEqual([AS_TRANS, 4200000000]);
  });

  it('the NLRI cursor walks 1,000 prefixes without materialising them', () => {
    const prefixes = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const b = encodeMessage(buildUpdate(prefixes, { nextHop: '192.0.2.1', asPath: [65001] }));
    const view = UpdateView.parse(b);
    const cursor = view.nlriCursor(new NlriCursor());
    let n = 0;
    let sum = 0;
    while (cursor.next()) {
      n++;
      sum = (sum + cursor.ipv4()) >>> 0;
      expect(cursor.length).toBe(24);
    }
    expect(n).toBe(1000);
    expect(sum).toBe(
      prefixes.reduce((s, _, i) => (s + ((10 << 24) | ((i >> 8) << 16) | ((i & 255) << 8))) >>> 0, 0),
    );
  });
});
