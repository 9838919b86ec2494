import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import {
  AttributeCursor,
  MessageBuilder,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NetlinkClosedError,
  NetlinkError,
  NetlinkSocket,
  NetlinkSystemError,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  SO_RCVBUF,
  SOL_NETLINK,
  SOL_SOCKET,
} from '../../src/index.js';
import { nativeNetlink } from '../../src/native.js';
import { bundleChild, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink native addon tests');

describe.skipIf(blocker)('native socket addon (in a namespace of its own)', () => {
  let lab: Lab;
  let ns: string;
  beforeAll(() => {
    lab = netlinkLab();
    ns = lab.ns('native');
    lab.run(ns, 'ip link add nl0 type veth peer name nl1');
  });
  afterAll(() => lab?.cleanup());

  function getLinkRequest(name: string, flags = NLM_F_REQUEST): Uint8Array {
    const b = new MessageBuilder();
    b.begin(18 /* RTM_GETLINK */, flags);
    b.reserve(16);
    b.string(3 /* IFLA_IFNAME */, name);
    return b.finish();
  }

  it('opens the socket inside the namespace given by path: it sees that namespace links only', async () => {
    const s = NetlinkSocket.open({ netns: nsPath(ns) });
    try {
      expect(s.portId).toBeGreaterThan(0);
      const b = new MessageBuilder();
      b.begin(18, NLM_F_REQUEST | NLM_F_DUMP);
      b.reserve(16);
      const names = await s.request(b.finish(), (m) => {
        const c = new AttributeCursor(m.buf, m.payloadStart + 16, m.end);
        while (c.next()) if (c.type === 3) return c.string();
        return undefined;
      });
      expect(names.sort()).toEqual(['lo', 'nl0', 'nl1']);
    } finally {
      s.close();
    }
  });

  it('opens inside a namespace given by fd, and the calling thread stays in its own namespace', async () => {
    const { openSync, closeSync, readlinkSync } = await import('node:fs');
    const before = readlinkSync('/proc/thread-self/ns/net');
    const fd = openSync(nsPath(ns), 'r');
    try {
      const s = NetlinkSocket.open({ netns: fd });
      expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
      const replies = await s.request(getLinkRequest('nl1'), (m) => m.type);
      expect(replies).toEqual([16]);
      s.close();
    } finally {
      closeSync(fd);
    }
  });

  it('sets and reads socket options (EXT_ACK, GET_STRICT_CHK, SO_RCVBUF)', () => {
    const s = NetlinkSocket.open({ netns: nsPath(ns), receiveBuffer: 1 << 20 });
    try {
      expect(s.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(1);
      expect(s.getOption(SOL_NETLINK, NETLINK_GET_STRICT_CHK)).toBe(1);
      // The kernel doubles the value it was given (socket(7)).
      expect(s.getOption(SOL_SOCKET, SO_RCVBUF)).toBe(2 << 20);
    } finally {
      s.close();
    }
  });

  it('recv without data returns -1 at once (non-blocking), and a reply arrives through uv_poll', async () => {
    const native = nativeNetlink();
    const s = NetlinkSocket.open({ netns: nsPath(ns) });
    try {
      expect(native.recv(s.fd, new Uint8Array(100))).toBe(-1);
      s.send(getLinkRequest('nl0'));
      await s.readable();
      const datagram = s.receiveNow();
      expect(datagram?.length).toBeGreaterThan(100);
    } finally {
      s.close();
    }
  });

  it('a refused request is a NetlinkError with the errno name and the request bytes', async () => {
    const s = NetlinkSocket.open({ netns: nsPath(ns) });
    try {
      const b = new MessageBuilder();
      b.begin(16 /* RTM_NEWLINK */, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
      b.reserve(16);
      b.string(3, 'nl0');
      const req = b.finish();
      const e = await s.request(req).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NetlinkError);
      expect((e as NetlinkError).code).toBe('EEXIST');
      expect((e as NetlinkError).errno).toBe(17);
      expect((e as NetlinkError).request).toEqual(req);
      expect(lab.run(ns, 'ip -o link show').split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      s.close();
    }
  });

  it('a namespace path that does not exist: NetlinkSystemError ENOENT naming the path', () => {
    const missing = `/var/run/netns/cnk-nl-missing-${process.pid}`;
    expect(existsSync(missing)).toBe(false);
    const e = (() => {
      try {
        NetlinkSocket.open({ netns: missing });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(NetlinkSystemError);
    expect((e as NetlinkSystemError).code).toBe('ENOENT');
    expect((e as NetlinkSystemError).path).toBe(missing);
  });

  it('poll handles stopped and garbage-collected in any order: a child doing 300 dumps exits cleanly', async () => {
    const { script, cleanup } = await bundleChild('poll-child.ts');
    try {
      const r = spawnSync(process.execPath, ['--expose-gc', script, nsPath(ns)], {
        encoding: 'utf8',
        env: { ...process.env, MALLOC_PERTURB_: '165' }, // freed memory reads as garbage: a use after free shows
      });
      expect([r.status, r.signal, r.stderr]).toEqual([0, null, '']);
      expect(r.stdout).toBe('300');
    } finally {
      cleanup();
    }
  });

  it('a closed socket throws NetlinkClosedError; a read pending at close rejects with it', async () => {
    const s = NetlinkSocket.open({ netns: nsPath(ns) });
    const pending = s.receive();
    s.close();
    await expect(pending).rejects.toBeInstanceOf(NetlinkClosedError);
    await expect(s.request(getLinkRequest('nl0'))).rejects.toBeInstanceOf(NetlinkClosedError);
    expect(() => s.send(new Uint8Array(16))).toThrow(NetlinkClosedError);
    s.close();
  });
});
