import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { itWithTool } from '../../wire/test/tools.js';
import { FileLock, type FlockHelper } from '../src/file-lock.js';
import { FileStore, type HostLocalNetwork } from '../src/index.js';
import { bundleWorker } from './support/bundle.js';
import { cniConfig, HOST_LOCAL, runHostLocal } from './support/host-local-binary.js';

/*
 * The file store's flock against the real host-local binary: our lock (both helpers) holds
 * host-local off, a flock(2) on the same file holds us off, and a killed process of ours leaves
 * nothing locked. strace shows which lock host-local takes.
 */
const itHostLocal = itWithTool(HOST_LOCAL, []);
const itStrace = itWithTool('strace', ['-V']);
const tmp = mkdtempSync(join(tmpdir(), 'cnk-ipam-lock-'));
const children: ChildProcess[] = [];
let worker: { file: string; dispose: () => void } | undefined;
beforeAll(() => {
  worker = bundleWorker(new URL('./support/worker.ts', import.meta.url).pathname);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  worker?.dispose();
  rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
});

let seq = 0;
function network(): HostLocalNetwork {
  return {
    name: 'lk',
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.61.0.0/24' }]], dataDir: join(tmp, `d${seq++}`) },
  };
}
const dirOf = (net: HostLocalNetwork) => join(net.ipam.dataDir!, net.name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts host-local ADD; resolves with its exit code and when it exited. */
function hostLocalAdd(net: HostLocalNetwork, id: string) {
  return runHostLocal(net, { command: 'ADD', containerId: id, ifname: 'eth0' }).then((r) => ({
    ...r,
    at: Date.now(),
  }));
}

describe('file store flock vs the real host-local', () => {
  itStrace('host-local takes flock(LOCK_EX) on <dataDir>/<network>/lock (strace)', () => {
    if (!existsSync(HOST_LOCAL)) return;
    const net = network();
    const r = spawnSync('strace', ['-f', '-e', 'trace=openat,flock', HOST_LOCAL], {
      input: cniConfig(net),
      env: {
        PATH: process.env.PATH,
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'st',
        CNI_NETNS: '/var/run/netns/x',
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/usr/lib/cni',
      },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const lockPath = join(dirOf(net), 'lock');
    const open = new RegExp(`openat\\(AT_FDCWD, "${lockPath}", [^)]*\\) = (\\d+)`).exec(r.stderr);
    expect(open, r.stderr).not.toBeNull();
    // strace -f may split a call of one thread: "flock(3, LOCK_EX <unfinished ...>".
    expect(r.stderr).toMatch(new RegExp(`flock\\(${open![1]}, LOCK_EX[) ]`));
    expect(r.stderr).toMatch(new RegExp(`flock\\(${open![1]}, LOCK_UN[) ]`));
    expect(r.stderr).not.toMatch(/flock\(\d+, LOCK_(SH|NB)/);
  });

  for (const helper of ['perl', 'flock'] as const) {
    itHostLocal(`${helper}: our lock holds host-local ADD off until we unlock`, async () => {
      const net = network();
      const lock = new FileLock(join(dirOf(net), 'lock'), helper);
      mkdirSync(dirOf(net), { recursive: true });
      try {
        await lock.lock();
        expect(lock.helper).toBe(helper);
        const add = hostLocalAdd(net, 'blocked');
        await sleep(700);
        // Still waiting for the lock: nothing written.
        expect(readdirSync(dirOf(net)).sort()).toEqual(['lock']);
        const unlockedAt = Date.now();
        await lock.unlock();
        const r = await add;
        expect(r.code).toBe(0);
        expect(r.at).toBeGreaterThanOrEqual(unlockedAt);
        expect(readdirSync(dirOf(net)).sort()).toEqual(['10.61.0.2', 'last_reserved_ip.0', 'lock']);
        // And again: the lock is taken and dropped once per operation.
        await lock.lock();
        await lock.unlock();
        expect((await hostLocalAdd(net, 'second')).code).toBe(0);
      } finally {
        lock.close();
      }
    });

    itWithTool('flock')(`${helper}: a flock(2) held by another process holds our lock off`, async () => {
      const net = network();
      mkdirSync(dirOf(net), { recursive: true });
      const holder = spawn('flock', ['-x', join(dirOf(net), 'lock'), '-c', 'echo held; sleep 0.8'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(holder);
      await new Promise((r) => holder.stdout!.once('data', r));
      const heldAt = Date.now();
      const lock = new FileLock(join(dirOf(net), 'lock'), helper);
      try {
        await lock.lock();
        // The holder sleeps 0.8 s after saying so.
        expect(Date.now() - heldAt).toBeGreaterThanOrEqual(750);
        await lock.unlock();
      } finally {
        lock.close();
      }
    });

    itHostLocal(
      `${helper}: a process of ours killed with SIGKILL while holding the lock leaves it free`,
      async () => {
        const net = network();
        mkdirSync(dirOf(net), { recursive: true });
        const job = { mode: 'hold-lock', path: join(dirOf(net), 'lock'), helper };
        const child = spawn(process.execPath, [worker!.file, JSON.stringify(job)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        await new Promise((r) => child.stdout!.once('data', r));
        const add = hostLocalAdd(net, 'after-kill');
        await sleep(500);
        expect(readdirSync(dirOf(net)).sort()).toEqual(['lock']);
        const killedAt = Date.now();
        child.kill('SIGKILL');
        const r = await add;
        expect(r.code).toBe(0);
        expect(r.at).toBeGreaterThanOrEqual(killedAt);
        expect(readdirSync(dirOf(net))).toContain('10.61.0.2');
      },
    );
  }

  itWithTool('flock')('auto: falls back to util-linux flock when perl is not on PATH', async () => {
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const flockPath = spawnSync('sh', ['-c', 'command -v flock'], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(flockPath, join(bin, 'flock'));
    const saved = process.env.PATH;
    process.env.PATH = bin;
    const store = new FileStore(join(tmp, 'auto'));
    try {
      expect(store.lockHelper).toBe('auto' satisfies FlockHelper);
      await store.transact((tx) => tx.create('k', 'v'));
      expect(store.lockHelper).toBe('flock');
      expect(store.readKey('k')).toBe('v');
    } finally {
      process.env.PATH = saved;
      await store.close();
    }
  });

  itWithTool('perl', ['-v'])(
    'auto: perl when it is there; a missing lock directory is a typed error',
    async () => {
      const store = new FileStore(join(tmp, 'auto-perl'));
      try {
        await store.transact((tx) => tx.create('k', 'v'));
        expect(store.lockHelper).toBe('perl');
      } finally {
        await store.close();
      }
      const lock = new FileLock(join(tmp, 'no-such-dir', 'lock'));
      const err = await lock.lock().catch((e) => e);
      expect(err.code).toBe('store-unreachable');
      expect(err.input).toBe(join(tmp, 'no-such-dir', 'lock'));
    },
  );
});
