/** Failures as typed errors, nothing half-created; named namespaces made and removed as ip netns does. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import {
  encodeLinkCreate,
  IFLA_IFNAME,
  IFLA_MTU,
  MessageBuilder,
  Netlink,
  NetlinkClosedError,
  NetlinkError,
  NetlinkSystemError,
  Netns,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_NEWLINK,
} from '../../src/index.js';
import { bundleChild, ipJson, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink error handling', ['setpriv']);
type Json = Record<string, unknown>;

async function failure(p: Promise<unknown>): Promise<NetlinkError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(NetlinkError);
  return e as NetlinkError;
}

describe.skipIf(blocker)('errors from the kernel and the system, typed', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;
  const names = () => (ipJson(lab, ns, 'link show') as Json[]).map((l) => l.ifname).sort();

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('errors');
    lab.run(ns, 'ip link add p0 type veth peer name p1 && ip link add vx1 type vxlan id 42 dstport 4789');
    nl = await Netlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  it('EEXIST: a taken name; a veth whose peer name is taken leaves neither end behind', async () => {
    const before = names();
    const e = await failure(nl.links.create({ name: 'p0', kind: 'bridge' }));
    expect([e.code, e.errno]).toEqual(['EEXIST', 17]);
    const sent = e.request!.slice().fill(0, 8, 12); // the sequence number is the socket's
    expect(sent).toEqual(encodeLinkCreate({ name: 'p0', kind: 'bridge' }));
    const peer = await failure(
      nl.links.create({ name: 'new0', kind: 'veth', veth: { peer: { name: 'p1' } } }),
    );
    expect(peer.code).toBe('EEXIST');
    expect(names()).toEqual(before);
  });

  it('EEXIST with the kernel message: a second VXLAN device with the same VNI and port', async () => {
    const e = await failure(nl.links.create({ name: 'vx2', kind: 'vxlan', vxlan: { id: 42, port: 4789 } }));
    expect(e.code).toBe('EEXIST');
    expect(e.extAck.message).toBe('A VXLAN device with the specified VNI already exists');
    expect(e.message).toBe('RTM_NEWLINK vx2: EEXIST: A VXLAN device with the specified VNI already exists');
    expect(names()).not.toContain('vx2');
  });

  it('ENODEV: get, delete and set of a link that is not there, an address on a missing index', async () => {
    expect((await failure(nl.links.get('nope0'))).code).toBe('ENODEV');
    expect((await failure(nl.links.delete('nope0'))).code).toBe('ENODEV');
    expect((await failure(nl.links.set(9999, { mtu: 1400 }))).code).toBe('ENODEV');
    expect((await failure(nl.addresses.add({ index: 9999, address: '10.9.9.9/24' }))).code).toBe('ENODEV');
  });

  it('EINVAL with extended-ack text: a prefix with host bits set', async () => {
    const e = await failure(nl.routes.add({ dst: '10.1.2.3/24', oif: 2 }));
    expect(e.code).toBe('EINVAL');
    expect(e.extAck.message).toBe('Invalid prefix for given prefix length');
    expect((ipJson(lab, ns, 'route show') as Json[]).map((r) => r.dst)).not.toContain('10.1.2.0/24');
  });

  it('ERANGE with the offending attribute offset and its policy: an IFLA_MTU of two bytes', async () => {
    const b = new MessageBuilder().begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    b.reserve(16);
    b.string(IFLA_IFNAME, 'bad0');
    const mtuAt = b.pos;
    b.u16(IFLA_MTU, 1400);
    const e = await failure(nl.socket.request(b.finish()));
    expect(e.code).toBe('ERANGE');
    expect(e.extAck).toMatchObject({ message: 'Attribute failed policy validation', offset: mtuAt });
    expect(e.extAck.policy?.type).toBe(4); // NLA_U32
    expect(e.request![e.extAck.offset! + 2]).toBe(IFLA_MTU);
    expect(names()).not.toContain('bad0');
  });

  it('ESRCH: deleting a route that does not exist; EADDRNOTAVAIL: deleting a missing address', async () => {
    expect((await failure(nl.routes.delete({ dst: '10.77.0.0/16' }))).code).toBe('ESRCH');
    const p0 = await nl.links.get('p0');
    expect((await failure(nl.addresses.delete({ index: p0.index, address: '10.77.0.1/24' }))).code).toBe(
      'EADDRNOTAVAIL',
    );
  });

  it('a namespace path that does not exist, and an fd that is not a namespace: NetlinkSystemError', async () => {
    const missing = await Netlink.open({ netns: '/var/run/netns/cnk-nl-does-not-exist' }).catch(
      (x: unknown) => x,
    );
    expect(missing).toBeInstanceOf(NetlinkSystemError);
    expect(missing).toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
      path: '/var/run/netns/cnk-nl-does-not-exist',
    });
    const dir = mkdtempSync('/tmp/cnk-nl-');
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    try {
      const notNs = await Netlink.open({ netns: file }).catch((x: unknown) => x);
      expect(notNs).toMatchObject({ name: 'NetlinkSystemError', code: 'EINVAL', syscall: 'setns' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a closed handle: every call rejects with NetlinkClosedError, close twice is harmless', async () => {
    const h = await Netlink.open({ netns: nsPath(ns) });
    h.close();
    h.close();
    await expect(h.links.list()).rejects.toBeInstanceOf(NetlinkClosedError);
    await expect(h.routes.add({ dst: '10.0.0.0/8', oif: 1 })).rejects.toBeInstanceOf(NetlinkClosedError);
  });

  it('a non-root caller (uid 65534, no capabilities) gets EPERM for a change and for entering a namespace', async () => {
    const { script: out, cleanup } = await bundleChild('eperm-child.ts');
    try {
      const r = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          ns,
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          process.execPath,
          out,
          nsPath(ns),
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout) as Json;
      expect(got.uid).toBe(65534);
      expect(got.links).toEqual(names());
      expect(got.create).toMatchObject({ name: 'NetlinkError', code: 'EPERM', errno: 1 });
      expect(got.setns).toMatchObject({ name: 'NetlinkSystemError', code: 'EPERM', syscall: 'setns' });
      expect(names()).not.toContain('eperm0');
    } finally {
      cleanup();
    }
  });

  it('Netns: create, list, open by name and by pid, delete, as ip netns sees them; EEXIST on a taken name', async () => {
    const name = `${lab.prefix}-${lab.id}-named`;
    try {
      const path = Netns.create(name);
      expect(path).toBe(`/var/run/netns/${name}`);
      expect(Netns.list()).toContain(name);
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).toContain(name);
      const inside = await Netlink.open({ netns: path });
      expect((await inside.links.list()).map((l) => l.name)).toEqual(['lo']);
      await inside.links.create({ name: 'made0', kind: 'bridge' });
      inside.close();
      expect(spawnSync('ip', ['-n', name, '-j', 'link', 'show'], { encoding: 'utf8' }).stdout).toContain(
        '"made0"',
      );
      expect(() => Netns.create(name)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      const fd = Netns.open(name);
      const viaFd = await Netlink.open({ netns: fd });
      expect((await viaFd.links.list()).map((l) => l.name).sort()).toEqual(['lo', 'made0']);
      viaFd.close();
      Netns.close(fd);
      const self = Netns.openPid(process.pid);
      Netns.close(self);
    } finally {
      try {
        Netns.delete(name);
      } catch {
        spawnSync('ip', ['netns', 'del', name]);
      }
    }
    expect(Netns.list()).not.toContain(name);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(name);
  });
});
