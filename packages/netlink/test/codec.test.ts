/**
 * The codec without a kernel: captured kernel replies (test/fixtures/kernel-replies.json, with what
 * ip -j printed for the same objects) decode to what ip printed; writers and decoders round-trip;
 * any bytes give a result or a DecodeError.
 */
import { readFileSync } from 'node:fs';
import { DecodeError, formatIpv4 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/mutate.js';
import {
  type Address,
  AttributeCursor,
  decodeAttributes,
  decodeGenericFamily,
  decodeRtnetlinkDatagram,
  decodeRtnetlinkMessage,
  encodeLinkCreate,
  formatIpv4At,
  GENL_ID_CTRL,
  type Link,
  MessageBuilder,
  type Neighbour,
  NetlinkMessage,
  NetlinkMessageCursor,
  type Route,
  type RtnetlinkMessage,
  type Rule,
  writeAddressRequest,
  writeNeighbourRequest,
  writeRouteRequest,
  writeRuleRequest,
} from '../src/index.js';
import {
  Agreement,
  addressAsIp,
  bridgeFdbFields,
  fdbAsBridge,
  ipAddressFields,
  ipLinkFields,
  ipNeighbourFields,
  ipRouteFields,
  ipRuleFields,
  linkAsIp,
  neighbourAsIp,
  routeAsIp,
  ruleAsIp,
  shownByIpNeigh,
} from './ip-json.js';

type Json = Record<string, unknown>;
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/kernel-replies.json', import.meta.url), 'utf8'),
) as {
  datagrams: string[];
  ip: Record<string, Json[]>;
};
const datagrams = fixture.datagrams.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const decoded: RtnetlinkMessage[] = datagrams.flatMap((d) => decodeRtnetlinkDatagram(d));
const pick = <K extends RtnetlinkMessage['kind']>(kind: K) =>
  decoded.filter((m): m is Extract<RtnetlinkMessage, { kind: K }> => m.kind === kind);

describe('captured kernel replies decode to what ip -j printed', () => {
  const agreement = new Agreement();
  const links: Link[] = pick('newlink').map((m) => m.link);
  const names = new Map(links.map((l) => [l.index, l.name]));

  it('links, addresses, routes, neighbours, FDB and rules: field by field, none missing', () => {
    expect(links.map((l) => l.name).sort()).toEqual(fixture.ip.link.map((e) => e.ifname as string).sort());
    for (const e of fixture.ip.link) {
      agreement.compare(
        `link ${e.ifname}`,
        linkAsIp(links.find((l) => l.index === e.ifindex)!, names),
        ipLinkFields(e),
      );
    }
    const addresses: Address[] = pick('newaddr').map((m) => m.address);
    const ipAddresses = fixture.ip.addr.flatMap((l) =>
      (l.addr_info as Json[]).map((a) => ({ ...a, ifindex: l.ifindex })),
    );
    expect(addresses).toHaveLength(ipAddresses.length);
    for (const e of ipAddresses) {
      const a = addresses.find((x) => x.index === e.ifindex && (x.local ?? x.address) === e.local)!;
      agreement.compare(`addr ${e.local}`, addressAsIp(a), ipAddressFields(e));
    }
    const routes: Route[] = pick('newroute').map((m) => m.route);
    expect(routes).toHaveLength(fixture.ip.route.length);
    routes.forEach((r, i) => {
      agreement.compare(`route ${r.dst}`, routeAsIp(r, names), ipRouteFields(fixture.ip.route[i]));
    });
    const neighbours: Neighbour[] = pick('newneigh').map((m) => m.neighbour);
    const arp = neighbours.filter((n) => n.family !== 7 && shownByIpNeigh(n));
    expect(arp).toHaveLength(fixture.ip.neigh.length);
    arp.forEach((n, i) => {
      agreement.compare(`neigh ${n.dst}`, neighbourAsIp(n, names), ipNeighbourFields(fixture.ip.neigh[i]));
    });
    const vx0 = links.find((l) => l.name === 'vx0')!.index;
    const fdb = neighbours.filter((n) => n.family === 7 && n.index === vx0);
    expect(fdb).toHaveLength(fixture.ip.fdb.length);
    fdb.forEach((n, i) => {
      agreement.compare(`fdb ${n.lladdr}`, fdbAsBridge(n, 7), bridgeFdbFields(fixture.ip.fdb[i]));
    });
    const rules: Rule[] = pick('newrule').map((m) => m.rule);
    rules.forEach((r, i) => {
      agreement.compare(`rule ${r.priority}`, ruleAsIp(r), ipRuleFields(fixture.ip.rule[i]));
    });
    expect(agreement.mismatches).toEqual([]);
    console.log(`captured replies: ${agreement.compared} values compared with ip -j, 0 mismatches`);
    expect(agreement.compared).toBeGreaterThan(250);
  });

  it('every dump ends in NLMSG_DONE with error 0; the errors carry errno and extended ack', () => {
    expect(pick('done').map((m) => m.result.error)).toEqual([0, 0, 0, 0, 0, 0]);
    const errors = pick('error').map((m) => m.result);
    expect(errors[0]).toEqual({ error: -17, extAck: {} });
    expect(errors[1].error).toBe(-34);
    expect(errors[1].extAck).toEqual({
      message: 'Attribute failed policy validation',
      offset: 44, // after the ifinfomsg (16 + 16) and IFLA_IFNAME "bad0" (12): the 2-byte IFLA_MTU
      policy: { type: 4, minValue: 0, maxValue: 4294967295 },
    });
  });

  it('the message cursor walks every message without allocating a view per message', () => {
    const c = new NetlinkMessageCursor();
    const view = c.message;
    let n = 0;
    for (const d of datagrams) {
      c.reset(d);
      while (c.next()) {
        expect(c.message).toBe(view);
        n++;
      }
    }
    expect(n).toBe(decoded.length);
  });
});

const attribute = fc.record({
  type: fc.integer({ min: 1, max: 0x3fff }),
  value: fc.uint8Array({ maxLength: 40 }),
});

describe('writers and decoders round-trip', () => {
  it('a builder that grows mid-attribute keeps every value (each writer, from a 16-byte start)', () => {
    const b = new MessageBuilder(16).begin(100, 1);
    b.u8(1, 0xab)
      .u16(2, 0x1234)
      .u32(3, 0xdeadbeef)
      .u64(4, 2 ** 40 + 5)
      .be16(5, 0x0102)
      .be32(6, 0x01020304);
    b.string(7, 'eth0').chars(8, 'veth').flag(9);
    const msg = NetlinkMessage.parse(b.finish());
    const c = new AttributeCursor(msg.buf, msg.payloadStart, msg.end);
    const got: unknown[] = [];
    while (c.next())
      got.push([
        c.type,
        c.type === 7 || c.type === 8
          ? c.string()
          : c.type === 9
            ? c.length
            : c.type >= 5
              ? c.type === 5
                ? c.be16()
                : c.be32()
              : c.uint(),
      ]);
    expect(got).toEqual([
      [1, 0xab],
      [2, 0x1234],
      [3, 0xdeadbeef],
      [4, 2 ** 40 + 5],
      [5, 0x0102],
      [6, 0x01020304],
      [7, 'eth0'],
      [8, 'veth'],
      [9, 0],
    ]);
  });

  it('attributes (any types and lengths, padded to 4) read back by the cursor and decodeAttributes', () => {
    fc.assert(
      fc.property(fc.array(attribute, { maxLength: 12 }), (attrs) => {
        const b = new MessageBuilder(16).begin(100, 1);
        for (const a of attrs) b.bytes(a.type, a.value);
        const msg = NetlinkMessage.parse(b.finish());
        expect(msg.length % 4).toBe(0);
        const back = decodeAttributes(msg.buf, msg.payloadStart, msg.end);
        expect(back).toEqual(attrs.map((a) => ({ type: a.type, value: a.value })));
      }),
      { numRuns: 2000 },
    );
  });

  it('nested attributes: lengths cover their children', () => {
    fc.assert(
      fc.property(fc.array(attribute, { maxLength: 6 }), fc.integer({ min: 1, max: 100 }), (inner, type) => {
        const b = new MessageBuilder(16).begin(100, 1);
        const n = b.nestStart(type, true);
        for (const a of inner) b.bytes(a.type, a.value);
        b.nestEnd(n);
        const msg = NetlinkMessage.parse(b.finish());
        const c = new AttributeCursor(msg.buf, msg.payloadStart, msg.end);
        expect(c.next()).toBe(true);
        expect([c.type, c.isNested]).toEqual([type, true]);
        expect(decodeAttributes(c.buf, c.valueStart, c.valueEnd).map((a) => a.type)).toEqual(
          inner.map((a) => a.type),
        );
        expect(c.next()).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) =>
    Buffer.from(b)
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1:'),
  );

  function asMessage(type: number, write: (b: MessageBuilder) => void): NetlinkMessage {
    const b = new MessageBuilder(64).begin(type, 1);
    write(b);
    return NetlinkMessage.parse(b.finish().slice());
  }

  it('links: name, mtu, address, master, alias, vxlan data written by encodeLinkCreate decode back', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/),
        fc.integer({ min: 68, max: 65535 }),
        mac,
        fc.record({
          id: fc.integer({ min: 0, max: 0xffffff }),
          local: ipv4,
          port: fc.integer({ min: 1, max: 65535 }),
          learning: fc.boolean(),
          gbp: fc.boolean(),
          ttl: fc.nat(255),
        }),
        (name, mtu, address, vxlan) => {
          const m = NetlinkMessage.parse(
            encodeLinkCreate({ name, mtu, address, kind: 'vxlan', vxlan }).slice(),
          );
          const l = (decodeRtnetlinkMessage(m) as { link: Link }).link;
          expect([l.name, l.mtu, l.address, l.kind]).toEqual([name, mtu, address, 'vxlan']);
          expect(l.vxlan).toEqual({
            ...vxlan,
            gbp: vxlan.gbp || undefined,
            ...(vxlan.gbp ? {} : { gbp: undefined }),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('routes: dst, gateway, table, priority, metrics, multipath', () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.integer({ min: 0, max: 32 }),
        ipv4,
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.nat(0xffff),
        fc.array(
          fc.record({
            gateway: ipv4,
            oif: fc.integer({ min: 1, max: 1000 }),
            weight: fc.integer({ min: 1, max: 256 }),
          }),
          { maxLength: 3 },
        ),
        (dst, len, gateway, table, mtu, multipath) => {
          const masked = dst.split('.').map(Number);
          const bits = (masked[0] * 2 ** 24 + masked[1] * 2 ** 16 + masked[2] * 2 ** 8 + masked[3]) >>> 0;
          const net = len === 0 ? 0 : (bits & (~0 << (32 - len))) >>> 0;
          const text = `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${len}`;
          const m = asMessage(24, (b) =>
            writeRouteRequest(b, { dst: text, gateway, table, priority: 7, metrics: { mtu }, multipath }),
          );
          const r = (decodeRtnetlinkMessage(m) as { route: Route }).route;
          expect([r.dst, r.gateway, r.table, r.priority, r.metrics]).toEqual([
            text,
            gateway,
            table,
            7,
            { mtu },
          ]);
          expect(r.multipath ?? []).toEqual(multipath.map((h) => ({ flags: 0, ...h })));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('routes of the common shapes (dst + oif, with or without a gateway): exactly these fields', () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.option(ipv4, { nil: undefined }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (dst, gateway, table, oif) => {
          const m = asMessage(24, (b) => writeRouteRequest(b, { dst: `${dst}/32`, gateway, table, oif }));
          const r = (decodeRtnetlinkMessage(m) as { route: Route }).route;
          const expected: Route = {
            family: 2,
            dstLength: 32,
            srcLength: 0,
            tos: 0,
            table,
            protocol: 3,
            scope: gateway === undefined ? 253 : 0,
            type: 1,
            flags: 0,
            dst: `${dst}/32`,
            oif,
          };
          if (gateway !== undefined) expected.gateway = gateway;
          expect(r).toStrictEqual(expected);
          expect(Object.keys(r).sort()).toEqual(Object.keys(expected).sort());
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('IPv4 text of every octet value, as @cnikit/wire formats it', () => {
    const b = new Uint8Array(4);
    for (let v = 0; v < 256; v++) {
      b.set([v, 255 - v, v >> 1, (v * 7) & 255]);
      const wire = formatIpv4(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
      expect(formatIpv4At(b, 0)).toBe(wire);
      expect(formatIpv4At(b, 0, v & 127)).toBe(`${wire}/${v & 127}`);
    }
  });

  it('addresses, neighbours (with VXLAN FDB fields), rules', () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.integer({ min: 0, max: 32 }),
        mac,
        fc.integer({ min: 1, max: 0xffffff }),
        fc.integer({ min: 1, max: 65535 }),
        (ip, len, lladdr, vni, port) => {
          const a = (
            decodeRtnetlinkMessage(
              asMessage(20, (b) => writeAddressRequest(b, { index: 3, address: `${ip}/${len}`, label: 'x' })),
            ) as { address: Address }
          ).address;
          expect([a.local, a.address, a.prefixLength, a.index, a.label]).toEqual([ip, ip, len, 3, 'x']);
          const n = (
            decodeRtnetlinkMessage(
              asMessage(28, (b) =>
                writeNeighbourRequest(b, { index: 4, family: 7, dst: ip, lladdr, vni, port }),
              ),
            ) as { neighbour: Neighbour }
          ).neighbour;
          expect([n.family, n.index, n.dst, n.lladdr, n.vni, n.port, n.state]).toEqual([
            7,
            4,
            ip,
            lladdr,
            vni,
            port,
            0x80,
          ]);
          const r = (
            decodeRtnetlinkMessage(
              asMessage(32, (b) => writeRuleRequest(b, { priority: vni, table: port, fwmark: vni })),
            ) as { rule: Rule }
          ).rule;
          expect([r.priority, r.table, r.fwmark]).toEqual([vni, port, vni]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

function onlyDecodeErrors(bytes: Uint8Array): void {
  try {
    decodeRtnetlinkDatagram(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe('any bytes: a result or a DecodeError, nothing else', () => {
  it('100,000 random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyDecodeErrors(b)),
      { numRuns: 100_000 },
    );
  });

  it('100,000 messages with a valid header, an rtnetlink or control type and random payload', () => {
    const types = [2, 3, 16, 17, 20, 21, 24, 25, 28, 29, 32, 33];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 160 }),
        (type, flags, payload) => {
          const m = new Uint8Array(16 + payload.length);
          m.set(payload, 16);
          new DataView(m.buffer).setUint32(0, m.length, true);
          new DataView(m.buffer).setUint16(4, type, true);
          new DataView(m.buffer).setUint16(6, flags, true);
          onlyDecodeErrors(m);
        },
      ),
      { numRuns: 100_000 },
    );
  });

  it('100,000 random generic netlink controller payloads (decodeGenericFamily)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (payload) => {
        const m = new Uint8Array(16 + payload.length);
        m.set(payload, 16);
        new DataView(m.buffer).setUint32(0, m.length, true);
        new DataView(m.buffer).setUint16(4, GENL_ID_CTRL, true);
        try {
          decodeGenericFamily(NetlinkMessage.parse(m));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 100_000 },
    );
  });

  it('every captured kernel reply truncated at every length and mutated 5,000 times', () => {
    const random = seededRandom(13);
    let inputs = 0;
    for (const d of datagrams) {
      for (let n = 0; n <= d.length; n++) {
        onlyDecodeErrors(d.subarray(0, n));
        inputs++;
      }
      const scratch = new Uint8Array(d.length);
      for (let k = 0; k < 5000; k++) {
        scratch.set(d);
        const edits = 1 + Math.floor(random() * 4);
        for (let e = 0; e < edits; e++) scratch[Math.floor(random() * d.length)] = Math.floor(random() * 256);
        onlyDecodeErrors(scratch.subarray(0, Math.floor(random() * (d.length + 1))));
        onlyDecodeErrors(scratch);
        inputs += 2;
      }
    }
    console.log(`captured replies: ${inputs} truncated or mutated inputs`);
    expect(inputs).toBeGreaterThan(140_000);
  });
});
