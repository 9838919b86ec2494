/** Events from the kernel: in order, ENOBUFS surfaced, 10,000 events consumed without growth. */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { Monitor, Netlink, type RtnetlinkEvent } from '../../src/index.js';
import { kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink monitor');

function describeEvent(e: RtnetlinkEvent): string {
  switch (e.kind) {
    case 'newlink':
    case 'dellink':
      return `${e.kind} ${e.link.name}`;
    case 'newaddr':
    case 'deladdr':
      return `${e.kind} ${e.address.local ?? e.address.address}/${e.address.prefixLength}`;
    case 'newroute':
    case 'delroute':
      return `${e.kind} ${e.route.dst ?? 'default'} table ${e.route.table}`;
    case 'newneigh':
    case 'delneigh':
      return `${e.kind} ${e.neighbour.dst}`;
    default:
      return `${e.kind} ${e.rule.priority}`;
  }
}

describe.skipIf(blocker)('monitor', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('monitor');
    nl = await Netlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  it('links, addresses and routes changed with ip arrive as typed events, in order (emitter and iterator)', async () => {
    const m = nl.monitor(['link', 'ipv4-addr', 'ipv4-route']);
    const seen: string[] = [];
    m.on('event', (e) => seen.push(describeEvent(e)));
    const iterated: string[] = [];
    const iterating = (async () => {
      for await (const e of m) {
        iterated.push(describeEvent(e));
        if (e.kind === 'dellink' && e.link.name === 'mon0') break;
      }
    })();
    lab.run(
      ns,
      [
        'ip link add mon0 type veth peer name mon1',
        'ip addr add 10.50.0.1/24 dev mon0',
        'ip link set mon0 up',
        'ip link set mon1 up',
        'ip route add 10.60.0.0/24 via 10.50.0.2',
        'ip route del 10.60.0.0/24',
        'ip addr del 10.50.0.1/24 dev mon0',
        'ip link del mon0',
      ].join(' && '),
    );
    await iterating;
    m.close();
    const order = [
      'newlink mon0',
      'newaddr 10.50.0.1/24',
      'newroute 10.60.0.0/24 table 254',
      'delroute 10.60.0.0/24 table 254',
      'deladdr 10.50.0.1/24',
      'dellink mon0',
    ];
    const positions = order.map((o) => seen.indexOf(o));
    expect(
      positions.every((p) => p >= 0),
      `${order} in ${seen}`,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(iterated).toEqual(seen.slice(0, iterated.length));
    expect(m.received).toBe(seen.length);
  });

  it('ENOBUFS: a burst into a small buffer while the event loop is blocked is reported, not a silent gap', async () => {
    const m = nl.monitor(['ipv4-addr'], { receiveBuffer: 4096 });
    const errors: Error[] = [];
    m.on('error', (e) => errors.push(e));
    let events = 0;
    m.on('event', () => events++);
    const batch = join(lab.dir, 'burst.batch');
    writeFileSync(
      batch,
      Array.from({ length: 400 }, (_, i) => `addr add 10.70.${i >> 8}.${i & 255}/32 dev lo`).join('\n'),
    );
    // spawnSync blocks this thread: nothing drains the socket while ip sends 400 events
    const r = spawnSync('ip', ['-n', ns, '-batch', batch]);
    expect(r.status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors.map((e) => (e as { code?: string }).code)).toContain('ENOBUFS');
    expect(events).toBeLessThan(400);
    // an overrun while an iterator is open ends it with the error
    const iterating = (async () => {
      for await (const _ of m.events()) {
        /* drain until the error */
      }
    })();
    spawnSync('ip', ['-n', ns, '-batch', '-'], {
      input: Array.from({ length: 400 }, (_, i) => `addr del 10.70.${i >> 8}.${i & 255}/32 dev lo`).join(
        '\n',
      ),
    });
    await expect(iterating).rejects.toMatchObject({ name: 'NetlinkSystemError', code: 'ENOBUFS' });
    m.close();
  });

  it('10,000 events (5,000 addresses added and removed by ip) all arrive, memory stays flat', async () => {
    const m = nl.monitor(['ipv4-addr'], { receiveBuffer: 8 << 20 });
    const errors: Error[] = [];
    m.on('error', (e) => errors.push(e));
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`addr add 10.80.${i >> 8}.${i & 255}/32 dev lo`);
    for (let i = 0; i < 5000; i++) lines.push(`addr del 10.80.${i >> 8}.${i & 255}/32 dev lo`);
    const batch = join(lab.dir, 'many.batch');
    writeFileSync(batch, lines.join('\n'));
    const ip = spawn('ip', ['-n', ns, '-batch', batch], { stdio: 'ignore' });
    let added = 0;
    let removed = 0;
    let heapAt1000 = 0;
    for await (const e of m) {
      if (e.kind === 'newaddr') added++;
      else if (e.kind === 'deladdr') removed++;
      if (added + removed === 1000) heapAt1000 = process.memoryUsage().heapUsed;
      if (added + removed === 10_000) break;
    }
    const heapAt10000 = process.memoryUsage().heapUsed;
    await new Promise((resolve) => ip.on('exit', resolve));
    m.close();
    expect([added, removed, errors.length]).toEqual([5000, 5000, 0]);
    expect(m.listenerCount('event')).toBe(0);
    // 9,000 more events, every one decoded into an object: less than 16 MiB more heap
    expect(heapAt10000 - heapAt1000).toBeLessThan(16 << 20);
  });

  it('close() stops delivery, emits close once, and ends an open iterator', async () => {
    const m = Monitor.open(['link'], { netns: nsPath(ns) });
    let closes = 0;
    m.on('close', () => closes++);
    const it = m.events();
    const next = it.next();
    m.close();
    m.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(closes).toBe(1);
  });
});

describe.skipIf(blocker)('monitor with listExisting', () => {
  let lab: Lab;
  let ns: string;
  beforeAll(() => {
    lab = netlinkLab();
    ns = lab.ns('existing');
    lab.run(
      ns,
      'ip link add ex0 type veth peer name ex1 && ip addr add 10.90.0.1/24 dev ex0 && ip link set ex0 up',
    );
  });
  afterAll(() => lab?.cleanup());

  it('emits what exists (links, then addresses, as ip shows them) before the changes that follow', async () => {
    const m = Monitor.open(['link', 'ipv4-addr'], { netns: nsPath(ns), listExisting: true });
    const seen: string[] = [];
    m.on('event', (e) => seen.push(describeEvent(e)));
    await m.ready;
    lab.run(ns, 'ip addr add 10.91.0.1/32 dev lo');
    await new Promise((resolve) => setTimeout(resolve, 300));
    m.close();
    expect(seen.slice(0, 6)).toEqual([
      'newlink lo',
      'newlink ex1',
      'newlink ex0',
      'newaddr 127.0.0.1/8',
      'newaddr 10.90.0.1/24',
      'newaddr 10.91.0.1/32',
    ]);
  });
});
