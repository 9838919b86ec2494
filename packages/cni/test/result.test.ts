import {
  CNI_SPEC_VERSIONS,
  CniError,
  type CniResult,
  compareVersions,
  convertResult,
  parseResult,
} from '@cnikit/cni';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const v4cidr = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`);
const v6cidr = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`);
const cidr = fc.oneof(v4cidr, v6cidr);
const ip = fc.oneof(fc.ipV4(), fc.ipV6());
const text = fc.string({ minLength: 1, maxLength: 12 });
const int = fc.integer({ min: 0, max: 1 << 20 });

const result: fc.Arbitrary<CniResult> = fc
  .record(
    {
      interfaces: fc.array(
        fc.record(
          {
            name: text,
            mac: fc.constant('0a:58:0a:f4:01:02'),
            mtu: int,
            sandbox: text,
            socketPath: text,
            pciID: text,
          },
          { requiredKeys: ['name'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      ips: fc.array(
        fc.record({ address: cidr, gateway: ip, interface: fc.nat(3) }, { requiredKeys: ['address'] }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      routes: fc.array(
        fc.record(
          { dst: cidr, gw: ip, mtu: int, advmss: int, priority: int, table: int, scope: fc.nat(255) },
          { requiredKeys: ['dst'] },
        ),
        { minLength: 1, maxLength: 4 },
      ),
      dns: fc.record(
        {
          nameservers: fc.array(ip, { minLength: 1, maxLength: 2 }),
          domain: text,
          search: fc.array(text, { minLength: 1, maxLength: 2 }),
          options: fc.array(text, { minLength: 1, maxLength: 2 }),
        },
        { requiredKeys: ['nameservers'] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((r) => ({ cniVersion: '1.1.0', ...r }));

/** Through JSON, as a result travels between processes. */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const newestFirst = [...CNI_SPEC_VERSIONS].sort(compareVersions).reverse();

describe('result conversion', () => {
  it('1.1.0 → JSON → parseResult is the identity', () => {
    fc.assert(
      fc.property(result, (r) => {
        expect(parseResult(wire(convertResult(r, '1.1.0')))).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });

  it('1.1.0 → 1.0.0 changes only cniVersion (libcni types/100 convertFrom100: the 1.1.0 fields stay)', () => {
    fc.assert(
      fc.property(result, (r) => {
        expect(wire(convertResult(r, '1.0.0'))).toEqual({ ...wire(r), cniVersion: '1.0.0' });
      }),
      { numRuns: 3000 },
    );
  });

  it('0.3.x/0.4.0 carry each address family as ips[].version and keep only their own fields', () => {
    fc.assert(
      fc.property(result, fc.constantFrom('0.3.0', '0.3.1', '0.4.0'), (r, v) => {
        const out = wire(convertResult(r, v)) as {
          ips?: { version: string; address: string }[];
          interfaces?: object[];
        };
        for (const i of out.ips ?? []) expect(i.version).toBe(i.address.includes(':') ? '6' : '4');
        for (const i of out.interfaces ?? [])
          expect(Object.keys(i).every((k) => ['name', 'mac', 'sandbox'].includes(k))).toBe(true);
        const back = parseResult(out);
        expect(back.ips).toEqual(r.ips);
        expect(back.routes).toEqual(
          r.routes?.map((x) => (x.gw === undefined ? { dst: x.dst } : { dst: x.dst, gw: x.gw })),
        );
        expect(back.dns).toEqual(r.dns);
      }),
      { numRuns: 3000 },
    );
  });

  it('0.1.0/0.2.0 keep the first address of each family as ip4/ip6 with that family routes', () => {
    fc.assert(
      fc.property(result, fc.constantFrom('0.1.0', '0.2.0'), (r, v) => {
        const out = wire(convertResult(r, v)) as {
          ip4?: { ip: string; routes?: { dst: string }[] };
          ip6?: { ip: string };
        };
        expect(out.ip4?.ip).toBe(r.ips?.find((i) => !i.address.includes(':'))?.address);
        expect(out.ip6?.ip).toBe(r.ips?.find((i) => i.address.includes(':'))?.address);
        for (const route of out.ip4?.routes ?? []) expect(route.dst.includes(':')).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('converting down through any newer version equals converting down directly', () => {
    fc.assert(
      fc.property(result, fc.nat(newestFirst.length - 1), fc.nat(newestFirst.length - 1), (r, i, j) => {
        const [via, to] = i <= j ? [newestFirst[i], newestFirst[j]] : [newestFirst[j], newestFirst[i]];
        const through = convertResult(parseResult(wire(convertResult(r, via))), to);
        expect(wire(through)).toEqual(wire(convertResult(r, to)));
      }),
      { numRuns: 5000 },
    );
  });

  it('any JSON value either parses as a result or throws CniError (code 6), nothing else', () => {
    let parsed = 0;
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({
        cniVersion: fc.constantFrom(...CNI_SPEC_VERSIONS),
        ips: fc.jsonValue({ maxDepth: 3 }),
        routes: fc.jsonValue({ maxDepth: 3 }),
        ip4: fc.jsonValue({ maxDepth: 2 }),
      }),
    );
    fc.assert(
      fc.property(value, (v) => {
        try {
          parseResult(JSON.stringify(v));
          parsed++;
        } catch (e) {
          expect(e).toBeInstanceOf(CniError);
          expect((e as CniError).code).toBe(6);
        }
      }),
      { numRuns: 30_000 },
    );
    expect(parsed).toBeGreaterThan(100);
  });

  it('reads the spec 1.1.0 example result', () => {
    const r = parseResult({
      cniVersion: '1.1.0',
      interfaces: [
        { name: 'cni0', mac: '00:11:22:33:44:55' },
        { name: 'veth3243', mac: '55:44:33:22:11:11' },
        { name: 'eth0', mac: '99:88:77:66:55:44', sandbox: '/var/run/netns/blue' },
      ],
      ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.1.0.1'] },
    });
    expect(convertResult(r, '0.4.0')).toEqual({
      cniVersion: '0.4.0',
      interfaces: [
        { name: 'cni0', mac: '00:11:22:33:44:55' },
        { name: 'veth3243', mac: '55:44:33:22:11:11' },
        { name: 'eth0', mac: '99:88:77:66:55:44', sandbox: '/var/run/netns/blue' },
      ],
      ips: [{ version: '4', address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.1.0.1'] },
    });
    expect(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5' }] })).toThrow(
      'ips[0].address: not an address/prefix',
    );
  });
});
