/** links.deleteMany: many links in one kernel operation (RTM_DELLINK by a link group), seen by iproute2. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { Netlink, NetlinkError } from '../../src/index.js';
import { ipJson, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink links.deleteMany checked with iproute2');
type Json = Record<string, unknown>;

describe.skipIf(blocker)('links.createMany and links.deleteMany', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;
  const names = () => (ipJson(lab, ns, 'link show') as Json[]).map((l) => l.ifname as string).sort();

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('delmany');
    nl = await Netlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  it('deletes 100 veth pairs (by name and by index) and leaves every other link, in any group', async () => {
    const batch = join(lab.dir, 'veth.batch');
    writeFileSync(
      batch,
      Array.from({ length: 100 }, (_, i) => `link add a${i} type veth peer name b${i}`).join('\n'),
    );
    lab.run(ns, `ip -batch ${batch}`);
    lab.run(
      ns,
      'ip link add keep0 type veth peer name keep1 && ip link set keep0 group 7 && ip link add br0 type bridge',
    );
    expect(names()).toHaveLength(1 + 200 + 3);
    const byIndex = (ipJson(lab, ns, 'link show dev a1') as Json[])[0].ifindex as number;
    // a0 by name, a1 by index, both ends of pair 2, the rest by name
    const refs = ['a0', byIndex, 'a2', 'b2', ...Array.from({ length: 97 }, (_, i) => `a${i + 3}`)];
    await nl.links.deleteMany(refs);
    expect(names()).toEqual(['br0', 'keep0', 'keep1', 'lo']);
    expect((ipJson(lab, ns, 'link show dev keep0') as Json[])[0].group).toBe('7');
  });

  it('a name that does not exist fails with ENODEV before anything is deleted', async () => {
    lab.run(ns, 'ip link add c0 type veth peer name d0');
    const e = await nl.links.deleteMany(['c0', 'nosuch0']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).code).toBe('ENODEV');
    expect(names()).toContain('c0');
    expect((ipJson(lab, ns, 'link show dev c0') as Json[])[0].group).toBe('default');
    await nl.links.deleteMany(['c0']);
    expect(names()).not.toContain('c0');
    expect(names()).not.toContain('d0');
    await nl.links.deleteMany([]);
  });

  it('createMany makes 100 pairs pipelined; a taken name is refused on its own, the others exist', async () => {
    lab.run(ns, 'ip link add p7 type veth peer name q7');
    const links = Array.from({ length: 100 }, (_, i) => ({
      name: `p${i}`,
      kind: 'veth' as const,
      veth: { peer: { name: `q${i}` } },
    }));
    const e = await nl.links.createMany(links).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetlinkError);
    expect([(e as NetlinkError).code, (e as NetlinkError).operation]).toEqual(['EEXIST', 'RTM_NEWLINK p7']);
    const shown = ipJson(lab, ns, '-d link show') as Json[];
    const veths = shown.filter((l) => /^[pq]\d+$/.test(l.ifname as string));
    expect(veths).toHaveLength(200);
    const p3 = shown.find((l) => l.ifname === 'p3') as Json;
    expect([(p3.linkinfo as Json).info_kind, p3.link]).toEqual(['veth', 'q3']);
    await nl.links.deleteMany(links.map((l) => l.name));
    expect(names()).not.toContain('q99');
    expect(nl.socket.ignoredMessages).toBe(0);
  });
});
