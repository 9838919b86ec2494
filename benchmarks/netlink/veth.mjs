/**
 * Create then delete veth pairs in a namespace of their own (root): ours (`links.createMany`,
 * pipelined, then one `links.deleteMany`) against `ip -batch` (one `link add`, then one `link del`, per
 * pair), `ip -batch` ending in `link del group` (what iproute2 offers for many links at once) and
 * pyroute2, in the same run. Wall-clock ns per whole create + delete of `pairs` pairs.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netlink, Netns } from '@cnikit/netlink';

const PYTHON = '/usr/bin/python3';

export async function measureVeth(pairs) {
  const name = `cnk-nl-bench-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cnk-nl-bench-'));
  const path = Netns.create(name);
  const inNs = (command) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('ip', ['netns', 'exec', name, 'sh', '-c', command], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${command}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0);
  };
  const linkCount = () => {
    const r = spawnSync('ip', ['-n', name, '-j', 'link', 'show'], { encoding: 'utf8' });
    return JSON.parse(r.stdout).length;
  };
  let nl;
  try {
    nl = await Netlink.open({ netns: path });
    const t0 = process.hrtime.bigint();
    await nl.links.createMany(
      Array.from({ length: pairs }, (_, i) => ({
        name: `a${i}`,
        kind: 'veth',
        veth: { peer: { name: `b${i}` } },
      })),
    );
    if (linkCount() !== 1 + 2 * pairs) throw new Error('ours: not every pair was created');
    await nl.links.deleteMany(Array.from({ length: pairs }, (_, i) => `a${i}`));
    const ours = Number(process.hrtime.bigint() - t0);
    if (linkCount() !== 1) throw new Error('ours: not every pair was deleted');

    const add = join(dir, 'add.batch');
    const del = join(dir, 'del.batch');
    writeFileSync(
      add,
      Array.from({ length: pairs }, (_, i) => `link add a${i} type veth peer name b${i}`).join('\n'),
    );
    writeFileSync(del, Array.from({ length: pairs }, (_, i) => `link del a${i}`).join('\n'));
    const iproute2 = inNs(`ip -batch ${add} && ip -batch ${del}`);
    if (linkCount() !== 1) throw new Error('ip -batch: not every pair was deleted');
    const group = join(dir, 'group.batch');
    writeFileSync(
      group,
      [...Array.from({ length: pairs }, (_, i) => `link set a${i} group 4242`), 'link del group 4242'].join(
        '\n',
      ),
    );
    const iproute2Group = inNs(`ip -batch ${add} && ip -batch ${group}`);
    if (linkCount() !== 1) throw new Error('ip link del group: not every pair was deleted');
    const medians = { ours, iproute2, 'iproute2-group': iproute2Group };
    const unavailable = [];
    if (spawnSync(PYTHON, ['-c', 'import pyroute2']).status === 0) {
      medians.pyroute2 = inNs(
        `${PYTHON} -c "from pyroute2 import IPRoute
ipr = IPRoute()
for i in range(${pairs}): ipr.link('add', ifname=f'a{i}', kind='veth', peer=f'b{i}')
for i in range(${pairs}): ipr.link('del', ifname=f'a{i}')"`,
      );
    } else unavailable.push('pyroute2');
    return { medians, unavailable, notes: [`${pairs} pairs, one run each (kernel time dominates)`] };
  } finally {
    nl?.close();
    Netns.delete(name);
    rmSync(dir, { recursive: true, force: true });
  }
}
