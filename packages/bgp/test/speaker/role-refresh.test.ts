import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BgpRole,
  type BgpRoute,
  BgpSpeaker,
  buildOpen,
  buildUpdate,
  type Capability,
  otcIngress,
  type UpdateMessage,
} from '../../src/index.js';
import { RawPeer, waitFor } from './helpers.js';

// One speaker on 127.0.0.41 and hand-driven peers from 127.0.0.42–.46: enhanced route refresh
// (RFC 7313) markers and the stale sweep, and the RFC 9234 role check and OTC rules.
describe('enhanced route refresh and BGP roles with hand-driven peers', () => {
  let a: BgpSpeaker;
  const raws: RawPeer[] = [];
  const events: string[] = [];

  const open = async (from: string, asn: number, capabilities: Capability[]) => {
    const raw = await RawPeer.connect('127.0.0.41', a.port as number, from);
    raws.push(raw);
    raw.send(buildOpen({ asn, bgpId: from, holdTime: 30, capabilities }));
    raw.send({ type: 'keepalive' });
    return raw;
  };
  const ERR: Capability[] = [{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }];
  const withOtc = (m: UpdateMessage, asn: number): UpdateMessage => ({
    ...m,
    attributes: [...m.attributes, { kind: 'otc', asn }],
  });
  const prefixesOf = (raw: RawPeer) =>
    raw.of('update').flatMap((u) => u.nlri.map((n) => n.kind === 'prefix' && n.prefix));

  beforeAll(async () => {
    a = new BgpSpeaker({ asn: 65001, routerId: '192.0.2.41', listen: { host: '127.0.0.41', port: 0 } });
    await a.listening;
    a.on('routeRefresh', (p, f, kind) => events.push(`${p.address} ${f} ${kind}`));
    a.addPeer({ address: '127.0.0.42', asn: 65042, passive: true, families: ['ipv4-unicast'] });
    // We are 43's provider, 44's customer, 45's peer; 46 must announce a role (strict).
    a.addPeer({
      address: '127.0.0.43',
      asn: 65043,
      passive: true,
      role: 'provider',
      families: ['ipv4-unicast'],
    });
    a.addPeer({
      address: '127.0.0.44',
      asn: 65044,
      passive: true,
      role: 'customer',
      families: ['ipv4-unicast'],
    });
    a.addPeer({ address: '127.0.0.45', asn: 65045, passive: true, role: 'peer', families: ['ipv4-unicast'] });
    a.addPeer({
      address: '127.0.0.46',
      asn: 65046,
      passive: true,
      role: 'customer',
      strictRole: true,
      families: ['ipv4-unicast'],
    });
  });

  afterAll(async () => {
    for (const r of raws) r.close();
    await a?.close();
  });

  it('a refresh framed by BoRR/EoRR sweeps the routes the peer did not repeat', async () => {
    const raw = await open('127.0.0.42', 65042, ERR);
    await waitFor('Established', () => a.peerInfo('127.0.0.42')?.state === 'Established');
    expect(a.peerInfo('127.0.0.42')?.enhancedRouteRefresh).toBe(true);
    expect(raw.of('open')[0].parameters).toEqual([
      expect.objectContaining({ capabilities: expect.arrayContaining([{ kind: 'enhanced-route-refresh' }]) }),
    ]);
    raw.send(buildUpdate(['10.42.1.0/24', '10.42.2.0/24'], { nextHop: '127.0.0.42', asPath: [65042] }));
    await waitFor('two routes', () => a.adjRibIn('127.0.0.42').length === 2);
    expect(a.requestRefresh('127.0.0.42')).toBe(true);
    await waitFor('our ROUTE-REFRESH', () => raw.of('route-refresh').length === 1);
    expect(raw.of('route-refresh')[0]).toMatchObject({ afi: 1, safi: 1, subtype: 0 });

    raw.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 1, data: new Uint8Array(0) });
    await waitFor('BoRR seen', () => events.includes('127.0.0.42 ipv4-unicast begin'));
    expect(a.adjRibIn('127.0.0.42').map((r) => r.stale)).toEqual([true, true]);
    raw.send(buildUpdate(['10.42.1.0/24'], { nextHop: '127.0.0.42', asPath: [65042] }));
    raw.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 2, data: new Uint8Array(0) });
    await waitFor('EoRR seen', () => events.includes('127.0.0.42 ipv4-unicast end'));
    expect(a.adjRibIn('127.0.0.42').map((r) => [r.prefix, r.stale])).toEqual([['10.42.1.0/24', undefined]]);
    expect(a.bestPath('10.42.2.0/24')).toBeUndefined();

    // Its request is answered with BoRR, the routes, EoRR, in that order.
    a.announce(['10.41.0.0/24']);
    await waitFor('our route', () => prefixesOf(raw).length > 0);
    const seen = raw.received.length;
    raw.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0, data: new Uint8Array(0) });
    await waitFor('EoRR from us', () =>
      raw.received.slice(seen).some((m) => m.type === 'route-refresh' && m.subtype === 2),
    );
    const answer = raw.received.slice(seen).filter((m) => m.type !== 'keepalive');
    expect(answer.map((m) => (m.type === 'route-refresh' ? `rr${m.subtype}` : m.type))).toEqual([
      'rr1',
      'update',
      'rr2',
    ]);
    expect(events).toContain('127.0.0.42 ipv4-unicast request');
  });

  it('roles: the pair is checked on OPEN (2/11), strict mode wants one, and the OTC rules hold both ways', async () => {
    const customer = await open('127.0.0.43', 65043, [{ kind: 'role', role: BgpRole.Customer }]);
    const provider = await open('127.0.0.44', 65044, [{ kind: 'role', role: BgpRole.Provider }]);
    // 45 is our peer but claims to be our customer: Role Mismatch.
    const wrong = await open('127.0.0.45', 65045, [{ kind: 'role', role: BgpRole.Customer }]);
    const silent = await open('127.0.0.46', 65046, []);
    for (const [raw, name] of [
      [wrong, 'wrong role'],
      [silent, 'no role, strict'],
    ] as const) {
      const n = await waitFor(name, () => raw.of('notification')[0]);
      expect([n.code, n.subcode], name).toEqual([2, 11]);
    }
    await waitFor('Established', () =>
      ['127.0.0.43', '127.0.0.44'].every((p) => a.peerInfo(p)?.state === 'Established'),
    );
    expect(a.peerInfo('127.0.0.43')?.remoteRole).toBe('customer');
    // Our OPEN carried our role towards each.
    const roleOf = (raw: RawPeer) =>
      raw
        .of('open')[0]
        .parameters.flatMap((p) => (p.kind === 'capabilities' ? p.capabilities : []))
        .find((c) => c.kind === 'role');
    expect(roleOf(customer)).toEqual({ kind: 'role', role: BgpRole.Provider });
    expect(roleOf(provider)).toEqual({ kind: 'role', role: BgpRole.Customer });

    // Ingress: a customer's route with OTC is a leak (dropped), without it kept unmarked;
    // a provider's route without OTC gets OTC = the provider's AS.
    customer.send(withOtc(buildUpdate(['10.43.1.0/24'], { nextHop: '127.0.0.43', asPath: [65043] }), 65099));
    customer.send(buildUpdate(['10.43.2.0/24'], { nextHop: '127.0.0.43', asPath: [65043] }));
    provider.send(buildUpdate(['10.44.1.0/24'], { nextHop: '127.0.0.44', asPath: [65044] }));
    await waitFor('routes in', () => a.bestPath('10.43.2.0/24') && a.bestPath('10.44.1.0/24'));
    expect(a.bestPath('10.43.1.0/24')).toBeUndefined();
    expect(a.bestPath('10.43.2.0/24')?.otherAttributes).toEqual([]);
    expect(a.bestPath('10.44.1.0/24')?.otherAttributes).toEqual([{ kind: 'otc', asn: 65044 }]);

    // Egress: the provider's (OTC-marked) route goes to our customer, not back up to a provider;
    // our customer's route goes to the provider unmarked; to the customer ours are marked OTC = 65001.
    a.announce(['10.41.9.0/24']);
    const toCustomer = () => customer.of('update').filter((u) => u.nlri.length);
    const toProvider = () => provider.of('update').filter((u) => u.nlri.length);
    await waitFor('customer got ours and the provider’s', () =>
      ['10.41.9.0/24', '10.44.1.0/24'].every((p) => find(toCustomer(), p)),
    );
    await waitFor('provider got ours and the customer’s', () =>
      ['10.41.9.0/24', '10.43.2.0/24'].every((p) => find(toProvider(), p)),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(otcOf(find(toCustomer(), '10.41.9.0/24') as UpdateMessage)).toMatchObject({
      kind: 'otc',
      asn: 65001,
    });
    expect(otcOf(find(toCustomer(), '10.44.1.0/24') as UpdateMessage)).toMatchObject({
      kind: 'otc',
      asn: 65044,
    });
    expect(find(toProvider(), '10.44.1.0/24')).toBeUndefined();
    expect(otcOf(find(toProvider(), '10.43.2.0/24') as UpdateMessage)).toBeUndefined();
    expect(otcOf(find(toProvider(), '10.41.9.0/24') as UpdateMessage)).toBeUndefined();
  });

  it('otcIngress follows RFC 9234 §5 for every role', () => {
    const route = (otc?: number): BgpRoute => ({
      prefix: '10.0.0.0/8',
      family: 4,
      pathId: 0,
      source: { peer: '127.0.0.9', asn: 65009, routerId: '9.9.9.9', ibgp: false },
      nextHop: '127.0.0.9',
      origin: 0,
      asPath: [],
      communities: [],
      largeCommunities: [],
      extendedCommunities: [],
      otherAttributes: otc === undefined ? [] : [{ kind: 'otc', asn: otc }],
    });
    const verdict = (role: Parameters<typeof otcIngress>[1], otc?: number) => {
      const r = otcIngress(route(otc), role, 65009);
      return r === undefined
        ? 'leak'
        : ((r.otherAttributes.find((x) => x.kind === 'otc') as { asn: number } | undefined)?.asn ?? 'none');
    };
    expect(
      (['provider', 'rs', 'rs-client', 'customer', 'peer'] as const).map((role) => [
        role,
        verdict(role),
        verdict(role, 65009),
        verdict(role, 65111),
      ]),
    ).toEqual([
      ['provider', 65009, 65009, 65111],
      ['rs', 65009, 65009, 65111],
      ['rs-client', 'none', 'leak', 'leak'],
      ['customer', 'none', 'leak', 'leak'],
      ['peer', 65009, 65009, 'leak'],
    ]);
  });
});

function otcOf(u: UpdateMessage) {
  return u.attributes.find((x) => x.kind === 'otc');
}

function find(list: UpdateMessage[], p: string): UpdateMessage | undefined {
  return list.find((u) => u.nlri.some((n) => n.kind === 'prefix' && textOf(n) === p));
}

function textOf(n: { prefix: { address: number | Uint8Array; length: number } }): string {
  const a = n.prefix.address as number;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${n.prefix.length}`;
}
