import type {
  BgpMessage,
  Capability,
  EvpnRoute,
  ExtendedCommunity,
  Nlri,
  OpenMessage,
  PathAttribute,
  UpdateMessage,
} from '@cnikit/bgp';
import fc from 'fast-check';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const family = fc.record({ afi: u16, safi: u8 });

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ kind: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
  fc.record({
    kind: fc.constant('multiprotocol' as const),
    afi: u16,
    safi: u8,
    reserved: fc.integer({ min: 1, max: 255 }),
  }),
  fc.constantFrom<Capability>(
    { kind: 'route-refresh' },
    { kind: 'route-refresh-old' },
    { kind: 'extended-message' },
    { kind: 'enhanced-route-refresh' },
  ),
  fc.record({
    kind: fc.constant('extended-next-hop' as const),
    entries: fc.array(fc.record({ afi: u16, safi: u16, nextHopAfi: u16 }), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('role' as const), role: u8 }),
  fc.record({
    kind: fc.constant('graceful-restart' as const),
    restartFlags: fc.integer({ min: 0, max: 15 }),
    restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(fc.record({ afi: u16, safi: u8, flags: u8 }), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('four-octet-as' as const), asn: u32 }),
  fc.record({
    kind: fc.constant('add-path' as const),
    families: fc.array(fc.record({ afi: u16, safi: u8, sendReceive: u8 }), { maxLength: 5 }),
  }),
  fc.record({
    kind: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(fc.record({ afi: u16, safi: u8, flags: u8, staleTime: u24 }), { maxLength: 5 }),
  }),
  fc.record({
    kind: fc.constant('fqdn' as const),
    hostname: fc.string({ maxLength: 20 }),
    domain: fc.string({ maxLength: 20 }),
  }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => ![1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128].includes(c)),
    value: bytes(0, 30),
  }),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc.record(
  {
    type: fc.constant('open' as const),
    version: u8,
    myAs: u16,
    holdTime: u16,
    bgpId: u32,
    parameters: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('capabilities' as const),
          capabilities: fc.array(capabilityArb, { maxLength: 6 }),
        }),
        fc.record({
          kind: fc.constant('unknown' as const),
          type: u8.filter((t) => t !== 2 && t !== 255),
          value: bytes(0, 20),
        }),
      ),
      { maxLength: 4 },
    ),
    extendedParameters: fc.constant(true),
  },
  { requiredKeys: ['type', 'version', 'myAs', 'holdTime', 'bgpId', 'parameters'] },
);

/** An IPv4 prefix whose address has no bits past the bytes its length sends. */
const ipv4Prefix = fc.integer({ min: 0, max: 32 }).chain((length) =>
  u32.map((a) => {
    const bytes = (length + 7) >> 3;
    const mask = bytes === 0 ? 0 : (0xffffffff << (32 - 8 * bytes)) >>> 0;
    return { family: 4 as const, address: (a & mask) >>> 0, length };
  }),
);
const ipv6Prefix = fc.integer({ min: 0, max: 128 }).chain((length) =>
  fixed(16).map((a) => {
    a.fill(0, (length + 7) >> 3);
    return { family: 6 as const, address: a, length };
  }),
);

export const evpnRouteArb: fc.Arbitrary<EvpnRoute> = fc.oneof(
  fc.record({
    routeType: fc.constant(1 as const),
    rd: fixed(8),
    esi: fixed(10),
    ethernetTag: u32,
    label: u24,
  }),
  fc.record(
    {
      routeType: fc.constant(2 as const),
      rd: fixed(8),
      esi: fixed(10),
      ethernetTag: u32,
      mac: fixed(6),
      ip: fc.oneof(fixed(0), fixed(4), fixed(16)),
      label: u24,
      label2: u24,
    },
    { requiredKeys: ['routeType', 'rd', 'esi', 'ethernetTag', 'mac', 'ip', 'label'] },
  ),
  fc.record({
    routeType: fc.constant(3 as const),
    rd: fixed(8),
    ethernetTag: u32,
    originatorIp: fc.oneof(fixed(4), fixed(16)),
  }),
  fc.record({
    routeType: fc.constant(4 as const),
    rd: fixed(8),
    esi: fixed(10),
    originatorIp: fc.oneof(fixed(4), fixed(16)),
  }),
  fc.constantFrom(4, 16).chain((size) =>
    fc.record({
      routeType: fc.constant(5 as const),
      rd: fixed(8),
      esi: fixed(10),
      ethernetTag: u32,
      prefixLength: fc.integer({ min: 0, max: size * 8 }),
      prefix: fixed(size),
      gateway: fixed(size),
      label: u24,
    }),
  ),
  fc.record({ routeType: fc.integer({ min: 6, max: 255 }), value: bytes(0, 40) }),
);

/** A label stack: entries without the bottom bit, then one with it. */
const labels = fc
  .tuple(
    fc.array(
      u24.map((l) => (l & ~1) >>> 0).filter((l) => l !== 0 && l !== 0x800000),
      { maxLength: 2 },
    ),
    u24,
  )
  .map(([top, last]) => [...top, last | 1]);

/** NLRI of one family (AFI/SAFI) with or without path identifiers. */
export function nlriArb(afi: number, safi: number, addPath: boolean): fc.Arbitrary<Nlri[]> {
  const pathId = addPath ? { pathId: u32 } : {};
  let one: fc.Arbitrary<Nlri>;
  if (afi === 25) one = fc.record({ kind: fc.constant('evpn' as const), route: evpnRouteArb, ...pathId });
  else if (safi === 4) {
    const prefix = (afi === 2 ? ipv6Prefix : ipv4Prefix).filter((p) => p.length <= 255 - 72);
    one = fc.record({ kind: fc.constant('prefix' as const), prefix, labels, ...pathId });
  } else if (afi === 1 || afi === 2) {
    one = fc.record({
      kind: fc.constant('prefix' as const),
      prefix: afi === 2 ? ipv6Prefix : ipv4Prefix,
      ...pathId,
    });
  } else {
    return fc.oneof(
      fc.constant([]),
      bytes(1, 30).map((b) => [{ kind: 'raw' as const, bytes: b }]),
    );
  }
  return fc.array(one, { maxLength: 6 });
}

const FAMILIES = [
  [1, 1],
  [2, 1],
  [1, 4],
  [2, 4],
  [25, 70],
  [16388, 71],
] as const;

export const extendedCommunityArb: fc.Arbitrary<ExtendedCommunity> = fc.oneof(
  fc
    .record({
      kind: fc.constantFrom('route-target' as const, 'route-origin' as const),
      type: fc.constantFrom(0x00, 0x40),
      global: u16,
      local: u32,
    })
    .map((c) => ({ ...c, subtype: c.kind === 'route-target' ? 2 : 3 })),
  fc
    .record({
      kind: fc.constantFrom('route-target' as const, 'route-origin' as const),
      type: fc.constantFrom(0x01, 0x41, 0x02, 0x42),
      global: u32,
      local: u16,
    })
    .map((c) => ({ ...c, subtype: c.kind === 'route-target' ? 2 : 3 })),
  fc.record({
    kind: fc.constant('encapsulation' as const),
    type: fc.constant(3),
    subtype: fc.constant(0x0c),
    tunnelType: u16,
  }),
  fc.record({
    kind: fc.constant('mac-mobility' as const),
    type: fc.constant(6),
    subtype: fc.constant(0),
    flags: u8,
    sequence: u32,
  }),
  fc.record({
    kind: fc.constant('esi-label' as const),
    type: fc.constant(6),
    subtype: fc.constant(1),
    flags: u8,
    label: u24,
  }),
  fc.record({
    kind: fc.constant('router-mac' as const),
    type: fc.constant(6),
    subtype: fc.constant(3),
    mac: fixed(6),
  }),
  fc.record({
    kind: fc.constant('link-bandwidth' as const),
    type: fc.constantFrom(0x00, 0x40),
    subtype: fc.constant(4),
    asn: u16,
    bandwidth: fc.float({ noNaN: true, noDefaultInfinity: false }).filter((f) => !Object.is(f, -0) || true),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    type: fc.constantFrom(0x80, 0x81, 0x08, 0x43),
    subtype: u8,
    value: fixed(6),
  }),
);

const segments = (asMax: number, confed: boolean) =>
  fc.array(
    fc.record({
      type: confed ? fc.integer({ min: 1, max: 4 }) : fc.integer({ min: 1, max: 2 }),
      asns: fc.array(fc.integer({ min: 0, max: asMax }), { minLength: 1, maxLength: 8 }),
    }),
    { maxLength: 4 },
  );

/** Every known attribute, decoded flags (Optional/Transitive as required, Partial either way, Extended Length either way). */
export function attributeArb(fourOctetAs: boolean, addPath: boolean): fc.Arbitrary<PathAttribute> {
  const asMax = fourOctetAs ? 0xffffffff : 0xffff;
  const f = (base: number) =>
    fc.tuple(fc.boolean(), fc.boolean()).map(([p, e]) => base | (p ? 0x20 : 0) | (e ? 0x10 : 0));
  const mp = fc.constantFrom(...FAMILIES).chain(([afi, safi]) =>
    fc.record({
      flags: f(0x80),
      kind: fc.constant('mp-reach' as const),
      afi: fc.constant(afi),
      safi: fc.constant(safi),
      nextHop: fc.oneof(fixed(4), fixed(16), fixed(32)),
      nlri: nlriArb(afi, safi, addPath && afi !== 16388),
    }),
  );
  const mpu = fc.constantFrom(...FAMILIES).chain(([afi, safi]) =>
    fc.record({
      flags: f(0x80),
      kind: fc.constant('mp-unreach' as const),
      afi: fc.constant(afi),
      safi: fc.constant(safi),
      withdrawn: nlriArb(afi, safi, addPath && afi !== 16388),
    }),
  );
  return fc.oneof(
    fc.record({
      flags: f(0x40),
      kind: fc.constant('origin' as const),
      origin: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ flags: f(0x40), kind: fc.constant('as-path' as const), segments: segments(asMax, true) }),
    fc.record({ flags: f(0x40), kind: fc.constant('next-hop' as const), nextHop: u32 }),
    fc.record({ flags: f(0x80), kind: fc.constant('med' as const), med: u32 }),
    fc.record({ flags: f(0x40), kind: fc.constant('local-pref' as const), localPref: u32 }),
    fc.record({ flags: f(0x40), kind: fc.constant('atomic-aggregate' as const) }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('aggregator' as const),
      asn: fc.integer({ min: 0, max: asMax }),
      address: u32,
    }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('communities' as const),
      communities: fc.array(u32, { minLength: 1, maxLength: 8 }),
    }),
    fc.record({ flags: f(0x80), kind: fc.constant('originator-id' as const), originatorId: u32 }),
    fc.record({
      flags: f(0x80),
      kind: fc.constant('cluster-list' as const),
      clusterIds: fc.array(u32, { minLength: 1, maxLength: 5 }),
    }),
    mp,
    mpu,
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('extended-communities' as const),
      communities: fc.array(extendedCommunityArb, { minLength: 1, maxLength: 5 }),
    }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('as4-path' as const),
      segments: segments(0xffffffff, false),
    }),
    fc.record({ flags: f(0xc0), kind: fc.constant('as4-aggregator' as const), asn: u32, address: u32 }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('pmsi-tunnel' as const),
      tunnelFlags: u8,
      tunnelType: u8,
      label: u24,
      tunnelId: bytes(0, 16),
    }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('tunnel-encapsulation' as const),
      tunnels: fc.array(
        fc.record({
          tunnelType: u16,
          subTlvs: fc.array(fc.record({ type: u8, value: bytes(0, 12) }), { maxLength: 4 }),
        }),
        { maxLength: 3 },
      ),
    }),
    fc.record({
      flags: f(0x80),
      kind: fc.constant('aigp' as const),
      tlvs: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant(1), value: fixed(8) }),
          fc.record({ type: fc.integer({ min: 2, max: 255 }), value: bytes(0, 10) }),
        ),
        { maxLength: 3 },
      ),
    }),
    fc.record({
      flags: f(0xc0),
      kind: fc.constant('large-communities' as const),
      communities: fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
    fc.record({ flags: f(0xc0), kind: fc.constant('otc' as const), asn: u32 }),
    fc.record({
      kind: fc.constant('unknown' as const),
      type: fc.constantFrom(0, 11, 12, 13, 19, 20, 21, 24, 25, 27, 28, 29, 30, 31, 33, 34, 36, 40, 128, 255),
      flags: u8.map((x) => x | 0x80),
      value: bytes(0, 40),
    }),
  );
}

/** An UPDATE with attributes of distinct types (a repeat is an error). */
export function updateArb(fourOctetAs: boolean, addPath: boolean): fc.Arbitrary<UpdateMessage> {
  return fc.record({
    type: fc.constant('update' as const),
    withdrawn: nlriArb(1, 1, addPath),
    attributes: fc.uniqueArray(attributeArb(fourOctetAs, addPath), {
      maxLength: 8,
      selector: (a) => (a.kind === 'unknown' ? `u${a.type}` : a.kind),
    }),
    nlri: nlriArb(1, 1, addPath),
  });
}

export function messageArb(fourOctetAs: boolean, addPath: boolean): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    openArb,
    updateArb(fourOctetAs, addPath),
    fc.record({ type: fc.constant('notification' as const), code: u8, subcode: u8, data: bytes(0, 40) }),
    fc.constant({ type: 'keepalive' as const }),
    fc.record({
      type: fc.constant('route-refresh' as const),
      afi: u16,
      subtype: u8,
      safi: u8,
      data: bytes(0, 20),
    }),
  );
}

export { family };
