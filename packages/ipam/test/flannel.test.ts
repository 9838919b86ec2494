import { describe, expect, it } from 'vitest';
import { FlannelSubnets, IpamError, MemoryStore, parseFlannelConfig } from '../src/index.js';

function setup(ttlSeconds = 60) {
  let now = 1_000_000;
  const store = new MemoryStore(() => now);
  const flannel = new FlannelSubnets(store, { ttlSeconds, pick: (free) => free[0] });
  return { store, flannel, advance: (s: number) => (now += s * 1000) };
}

const vxlan = (ip: string, mac: string) => ({
  PublicIP: ip,
  BackendType: 'vxlan',
  BackendData: { VNI: 1, VtepMAC: mac },
});

describe('flannel subnet leases', () => {
  it("flannel's defaults: SubnetLen 24, SubnetMin skips the first subnet, SubnetMax the last", () => {
    const c = parseFlannelConfig(JSON.stringify({ Network: '10.244.0.0/16' }));
    expect([c.subnetLen, c.min, c.max]).toEqual([24, 1n, 255n]);
    const small = parseFlannelConfig(JSON.stringify({ Network: '10.0.0.0/24' }));
    expect([small.subnetLen, small.min, small.max]).toEqual([25, 1n, 1n]);
  });

  it('leases per node, the same lease back for the same PublicIP, previous subnet honoured, exact JSON', async () => {
    const { store, flannel } = setup();
    await flannel.writeConfig({ Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } });
    const a = await flannel.acquire(vxlan('192.168.1.10', '0a:00:00:00:00:01'));
    const b = await flannel.acquire(vxlan('192.168.1.11', '0a:00:00:00:00:02'));
    const c = await flannel.acquire(vxlan('192.168.1.12', '0a:00:00:00:00:03'), '10.244.77.0/24');
    expect([a.subnet, b.subnet, c.subnet]).toEqual(['10.244.1.0/24', '10.244.2.0/24', '10.244.77.0/24']);
    expect(a.key).toBe('/coreos.com/network/subnets/10.244.1.0-24');
    expect((await flannel.acquire(vxlan('192.168.1.11', '0a:00:00:00:00:02'))).subnet).toBe('10.244.2.0/24');
    const raw = await store.transact((tx) => tx.get('/coreos.com/network/subnets/10.244.2.0-24'));
    expect(raw).toBe(
      '{"PublicIP":"192.168.1.11","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:02"}}',
    );
  });

  it('TTL: an unrenewed lease expires and its subnet is handed out again; a renewed one stays', async () => {
    const { flannel, advance } = setup(60);
    await flannel.writeConfig({ Network: '10.10.0.0/22', SubnetLen: 24 });
    const a = await flannel.acquire(vxlan('192.168.1.1', '0a:00:00:00:00:01'));
    const b = await flannel.acquire(vxlan('192.168.1.2', '0a:00:00:00:00:02'));
    advance(40);
    await flannel.renew(a);
    advance(40);
    expect((await flannel.leases()).map((l) => l.subnet)).toEqual([a.subnet]);
    const c = await flannel.acquire(vxlan('192.168.1.3', '0a:00:00:00:00:03'));
    expect(c.subnet).toBe(b.subnet);
    await expect(flannel.renew(b)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('exhaustion is typed and changes nothing; a malformed lease value is corrupt-store naming its key', async () => {
    const { store, flannel } = setup();
    await flannel.writeConfig({ Network: '10.10.0.0/22', SubnetLen: 24 });
    for (let i = 1; i <= 3; i++) await flannel.acquire(vxlan(`192.168.1.${i}`, '0a:00:00:00:00:01'));
    const size = store.size;
    const err = await flannel.acquire(vxlan('192.168.1.9', '0a:00:00:00:00:09')).catch((e) => e);
    expect(err).toBeInstanceOf(IpamError);
    expect(err.code).toBe('exhausted');
    expect(store.size).toBe(size);
    await store.transact((tx) => tx.put('/coreos.com/network/subnets/10.10.3.0-24', '{"PublicIP":'));
    const bad = await flannel.acquire(vxlan('192.168.1.9', '0a:00:00:00:00:09')).catch((e) => e);
    expect(bad).toMatchObject({ code: 'corrupt-store', input: '/coreos.com/network/subnets/10.10.3.0-24' });
    expect(store.size).toBe(size);
  });

  it('bad configuration names the field', async () => {
    const { flannel } = setup();
    for (const [cfg, field] of [
      [{ Network: '10.0.0.0/16', SubnetLen: 16 }, 'SubnetLen'],
      [{ Network: '10.0.0.0/16', SubnetMin: '10.1.0.0' }, 'SubnetMin'],
      [{ Network: '10.0.0.0/16', SubnetMax: '10.0.3.7' }, 'SubnetMax'],
      [{ Network: 'nope' }, 'Network'],
    ] as const) {
      await expect(flannel.writeConfig(cfg)).rejects.toMatchObject({ code: 'bad-config', input: field });
    }
  });
});
