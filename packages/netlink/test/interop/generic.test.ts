/** Generic netlink family resolution, checked against `genl ctrl list` (iproute2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { GenericNetlink, NetlinkError } from '../../src/index.js';
import { kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('generic netlink', ['genl']);

interface GenlText {
  name: string;
  id: number;
  version: number;
  headerSize: number;
  maxAttribute: number;
  groups: { name: string; id: number }[];
}

/** Parses `genl ctrl list`. */
function parseGenl(text: string): GenlText[] {
  const out: GenlText[] = [];
  for (const block of text.split(/\n(?=Name: )/)) {
    const name = /Name: (\S+)/.exec(block)?.[1];
    const m = /ID: 0x([0-9a-f]+)\s+Version: 0x([0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(
      block,
    );
    if (!name || !m) continue;
    const groups = [...block.matchAll(/ID-0x([0-9a-f]+)\s+name: (\S+)/g)].map((g) => ({
      name: g[2],
      id: Number.parseInt(g[1], 16),
    }));
    out.push({
      name,
      id: Number.parseInt(m[1], 16),
      version: Number.parseInt(m[2], 16),
      headerSize: Number(m[3]),
      maxAttribute: Number(m[4]),
      groups,
    });
  }
  return out;
}

describe.skipIf(blocker)('generic netlink controller', () => {
  let lab: Lab;
  let ns: string;
  let genl: GenericNetlink;
  beforeAll(() => {
    lab = netlinkLab();
    ns = lab.ns('genl');
    genl = GenericNetlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    genl?.close();
    lab?.cleanup();
  });

  it('the family dump equals genl ctrl list: names, ids, versions, header sizes, max attributes, multicast groups', async () => {
    const theirs = parseGenl(lab.run(ns, 'genl ctrl list'));
    const ours = await genl.families();
    expect(theirs.length).toBeGreaterThan(3);
    expect(ours.map((f) => f.name)).toEqual(theirs.map((f) => f.name));
    for (const t of theirs) {
      const f = ours.find((x) => x.name === t.name)!;
      expect({
        name: f.name,
        id: f.id,
        version: f.version,
        headerSize: f.headerSize,
        maxAttribute: f.maxAttribute,
        groups: f.multicastGroups,
      }).toEqual(t);
    }
  });

  it('resolves one family by name (nlctrl is 0x10 with group notify), and a missing one is ENOENT', async () => {
    const ctrl = await genl.family('nlctrl');
    expect([ctrl.id, ctrl.multicastGroups]).toEqual([0x10, [{ name: 'notify', id: 0x10 }]]);
    expect(ctrl.operations.map((o) => o.id)).toContain(3);
    const e = await genl.family('cnknofamily').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).code).toBe('ENOENT');
  });
});
