import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore, HostLocal, type HostLocalNetwork, IpamError, MemoryStore } from '../src/index.js';
import { bundleWorker } from './support/bundle.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnk-ipam-fs-'));
/** Allocations the crash test's killed processes must have reported (the 1,000). */
const CRASH_ALLOCS = Number(process.env.CNK_IPAM_CRASH_ALLOCS ?? 1000);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
});

function net(dataDir: string, subnet = '10.50.0.0/21'): HostLocalNetwork {
  return { name: 'crash', ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir } };
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name), 'latin1');
  return out;
}

describe('file store', () => {
  it(`kill -9 at random points of ${CRASH_ALLOCS} allocations leaves a consistent directory`, async () => {
    const dataDir = join(tmp, 'crash');
    const dir = join(dataDir, 'crash');
    const worker = bundleWorker(new URL('./support/worker.ts', import.meta.url).pathname);
    const reported: { containerId: string; ip: string }[] = [];
    let kills = 0;
    let rounds = 0;
    // How long a whole round of 100 took (an estimate until one ran to its end): kills fall anywhere in it.
    let roundMs = 1500;
    try {
      for (let round = 0; reported.length < CRASH_ALLOCS && round < 200; round++) {
        rounds++;
        const startedAt = Date.now();
        const count = Math.min(100, CRASH_ALLOCS - reported.length);
        const job = { mode: 'file-loop', network: net(dataDir), count, prefix: `r${round}` };
        const child = spawn(process.execPath, [worker.file, JSON.stringify(job)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        const exited = new Promise<void>((r) => child.on('close', () => r()));
        // Random point: odd rounds anywhere from start-up on, even rounds inside the allocation loop.
        if (round % 2 === 0) {
          const first = new Promise<void>((r) => child.stdout.once('data', () => r()));
          await Promise.race([exited, first]);
          await Promise.race([exited, new Promise((r) => setTimeout(r, Math.random() * roundMs))]);
        } else await Promise.race([exited, new Promise((r) => setTimeout(r, Math.random() * 1.5 * roundMs))]);
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          kills++;
          await exited;
        } else {
          await exited;
          if (count === 100) roundMs = Date.now() - startedAt;
        }
        for (const line of out.split('\n')) {
          // A line cut by the kill is not a report the caller received.
          if (!line.endsWith('}')) continue;
          const l = JSON.parse(line);
          reported.push({ containerId: l.containerId, ip: l.ips[0].split('/')[0] });
        }
      }
    } finally {
      worker.dispose();
    }
    expect(kills).toBeGreaterThan(0);
    expect(reported.length).toBeGreaterThanOrEqual(CRASH_ALLOCS);
    expect(reported.length).toBeGreaterThan(0);
    const names = readdirSync(dir);
    const debris = names.filter((n) => n.startsWith('.cnikit-tmp-'));
    const addressFiles = names.filter((n) => /^10\.50\./.test(n));
    expect(names.filter((n) => !debris.includes(n) && !addressFiles.includes(n)).sort()).toEqual(
      names.includes('last_reserved_ip.0') ? ['last_reserved_ip.0', 'lock'] : ['lock'],
    );
    // Every address file is whole: `r<round>-<i>\r\neth0`, never empty or cut.
    const owners = new Map<string, string>();
    for (const n of addressFiles) {
      const text = readFileSync(join(dir, n), 'latin1');
      expect(text).toMatch(/^r\d+-\d+\r\neth0$/);
      owners.set(n, text.split('\r\n')[0]);
    }
    // Every allocation a caller heard of is on disk with its owner; at most one unheard-of per kill.
    for (const r of reported) expect(owners.get(r.ip)).toBe(r.containerId);
    expect(addressFiles.length - reported.length).toBeGreaterThanOrEqual(0);
    expect(addressFiles.length - reported.length).toBeLessThanOrEqual(kills);
    // No container holds two addresses.
    expect(new Set(owners.values()).size).toBe(owners.size);
    const ipam = new HostLocal(net(dataDir));
    try {
      const gcReleased = await ipam.gc(reported.map((r) => ({ containerId: r.containerId, ifname: 'eth0' })));
      expect(gcReleased.length).toBe(addressFiles.length - reported.length);
      expect(readdirSync(dir).filter((n) => n.startsWith('.cnikit-tmp-'))).toEqual([]);
      const held = new Set(reported.map((r) => r.ip));
      for (let i = 0; i < 20; i++) {
        const got = (await ipam.add({ containerId: `after-${i}`, ifname: 'eth0' })).ips[0].address.split(
          '/',
        )[0];
        expect(held.has(got)).toBe(false);
        held.add(got);
      }
    } finally {
      await ipam.close();
    }
    console.log(
      `file store crash test: ${rounds} rounds, ${kills} kill -9, ${reported.length} allocations reported, ${debris.length} temp files left and removed by gc`,
    );
  }, 180_000);

  it('a corrupt or truncated address file is a corrupt-store error naming it; nothing changes; gc repairs', async () => {
    const dataDir = join(tmp, 'corrupt');
    const dir = join(dataDir, 'crash');
    const ipam = new HostLocal(net(dataDir, '10.51.0.0/28'));
    try {
      await ipam.add({ containerId: 'good', ifname: 'eth0' });
      for (const bad of ['', 'a\r\nb\r\nc', 'x\u0000y']) {
        writeFileSync(join(dir, '10.51.0.9'), bad);
        const before = files(dir);
        for (const op of [
          () => ipam.add({ containerId: 'new', ifname: 'eth0' }),
          () => ipam.del({ containerId: 'good', ifname: 'eth0' }),
        ]) {
          const err = await op().catch((e) => e);
          expect(err).toBeInstanceOf(IpamError);
          expect(err.code).toBe('corrupt-store');
          expect(err.input).toBe('10.51.0.9');
          expect(files(dir)).toEqual(before);
        }
      }
      expect(await ipam.gc([{ containerId: 'good', ifname: 'eth0' }])).toEqual(['10.51.0.9']);
      expect((await ipam.add({ containerId: 'new', ifname: 'eth0' })).ips[0].address).toBe('10.51.0.3/28');
    } finally {
      await ipam.close();
    }
  });

  it('bad configuration is a bad-config error naming the field; no directory is made, an existing one is untouched', async () => {
    const dataDir = join(tmp, 'badcfg');
    const bad: [HostLocalNetwork['ipam']['ranges'], string][] = [
      [[[{ subnet: '10.54.0.0/24' }], [{ subnet: '10.54.0.128/25' }]], 'ranges[1][0]'],
      [[[{ subnet: '10.54.0.0/24', gateway: '10.54.1.1' }]], 'ranges[0][0].gateway'],
      [[[{ subnet: '10.54.0.0/24', rangeStart: '10.54.0.1', rangeEnd: '10.54.0.1' }]], 'ranges[0][0]'],
    ];
    for (const [ranges, input] of bad) {
      const err = (() => {
        try {
          new HostLocal({ name: 'fresh', ipam: { ranges, dataDir } });
        } catch (e) {
          return e;
        }
      })() as IpamError;
      expect(err).toBeInstanceOf(IpamError);
      expect(err.code).toBe('bad-config');
      expect(err.input).toBe(input);
    }
    expect(() => new HostLocal({ name: '../escape', ipam: { ranges: bad[0][0], dataDir } })).toThrow(
      expect.objectContaining({ code: 'bad-config', input: 'name' }),
    );
    expect(readdirSync(tmp)).not.toContain('escape');
    expect(() => readdirSync(dataDir)).toThrow(/ENOENT/);
    // The same network's directory, already in use, is not touched by a bad configuration of it.
    const good = new HostLocal({ name: 'used', ipam: { ranges: [[{ subnet: '10.54.0.0/24' }]], dataDir } });
    await good.add({ containerId: 'a', ifname: 'eth0' });
    await good.close();
    const before = files(join(dataDir, 'used'));
    for (const [ranges] of bad)
      expect(() => new HostLocal({ name: 'used', ipam: { ranges, dataDir } })).toThrow(IpamError);
    expect(files(join(dataDir, 'used'))).toEqual(before);
    expect(readdirSync(dataDir)).toEqual(['used']);
  });

  it('a garbage last_reserved_ip is ignored as host-local does (the round-robin restarts)', async () => {
    const dataDir = join(tmp, 'cursor');
    const ipam = new HostLocal(net(dataDir, '10.52.0.0/28'));
    try {
      await ipam.add({ containerId: 'a', ifname: 'eth0' });
      writeFileSync(join(dataDir, 'crash', 'last_reserved_ip.0'), 'not an ip');
      expect((await ipam.add({ containerId: 'b', ifname: 'eth0' })).ips[0].address).toBe('10.52.0.3/28');
    } finally {
      await ipam.close();
    }
  });

  it('host-local on the memory store: allocate then release everything leaves it empty', async () => {
    const store = new MemoryStore();
    const ipam = new HostLocal(
      { name: 'm', ipam: { ranges: [[{ subnet: '10.53.0.0/24' }], [{ subnet: 'fd53::/64' }]] } },
      store,
    );
    for (let i = 0; i < 100; i++) await ipam.add({ containerId: `c${i}`, ifname: 'eth0' });
    expect(store.size).toBe(202);
    for (let i = 0; i < 100; i++) await ipam.del({ containerId: `c${i}`, ifname: 'eth0' });
    expect(store.size).toBe(2);
    expect((await ipam.list()).length).toBe(0);
  });

  it('FileStore TTL keys at the top level expire, and a key put again without TTL loses its sidecar, across transactions', async () => {
    let now = 1_000_000;
    const dir = join(tmp, 'ttl');
    const s = new FileStore(dir, { now: () => now });
    try {
      await s.transact((tx) => {
        tx.put('a', '1', { ttlSeconds: 10 });
        tx.put('b', '2');
      });
      expect(await s.transact((tx) => tx.get('a'))).toBe('1');
      expect((await s.transact((tx) => tx.peekKeys(''))).sort()).toEqual(['a', 'b']);
      now += 11_000;
      expect(await s.transact((tx) => tx.get('a'))).toBeUndefined();
      expect(await s.transact((tx) => tx.peekKeys(''))).toEqual(['b']);
      await s.transact((tx) => tx.put('a', '3'));
      now += 60_000;
      expect(await s.transact((tx) => tx.get('a'))).toBe('3');
      expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'lock']);
      await s.transact((tx) => tx.delete('a'));
      expect(readdirSync(dir).sort()).toEqual(['b', 'lock']);
    } finally {
      await s.close();
    }
  });

  it('FileStore refuses keys that would escape or hide in its directory', () => {
    const s = new FileStore(join(tmp, 'keys'));
    for (const k of ['../x', 'a/../../x', '.hidden', 'lock', 'a//b', '']) {
      expect(() => s.path(k), k).toThrow(IpamError);
    }
    expect(s.path('/coreos.com/network/config')).toBe(join(tmp, 'keys', 'coreos.com/network/config'));
  });
});
