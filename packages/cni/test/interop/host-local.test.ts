/**
 * Our skeleton driving the real host-local (Debian containernetworking-plugins) as its IPAM: the
 * test veth plugin (test/fixtures/veth-plugin.ts, one bundled executable) run exactly as a
 * runtime runs it — CNI_* environment, configuration on stdin, a netns path — inside a "node"
 * namespace the test creates, for a pod namespace the test creates. Also the spec's error cases,
 * each printing the spec's error and leaving nothing behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execPluginRaw } from '@cnikit/cni';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { buildPlugin, DEBIAN_CNI_DIR, FIXTURES } from '../support.js';

const blocker =
  kernelTestBlocker(['nsenter']) ??
  (existsSync(`${DEBIAN_CNI_DIR}/host-local`)
    ? undefined
    : `${DEBIAN_CNI_DIR}/host-local is missing (apt install containernetworking-plugins)`);
announceKernelTestBlocker(blocker, 'cni skeleton + real host-local tests');

describe.skipIf(blocker !== undefined)('our skeleton with the real host-local as IPAM', () => {
  let lab: Lab;
  let node: string;
  let pod: string;
  let binDir: string;
  let dataDir: string;
  const podPath = () => `/var/run/netns/${pod}`;

  beforeAll(async () => {
    lab = new Lab('cnk-cni');
    node = lab.ns('node');
    pod = lab.ns('pod');
    binDir = join(lab.dir, 'bin');
    dataDir = join(lab.dir, 'ipam');
    await buildPlugin(join(FIXTURES, 'veth-plugin.ts'), join(binDir, 'cnk-veth'));
  });
  afterAll(() => lab?.cleanup());

  const config = (over: object = {}) => ({
    cniVersion: '1.0.0',
    name: 'cnk-net',
    type: 'cnk-veth',
    ipam: {
      type: 'host-local',
      dataDir,
      ranges: [[{ subnet: '10.88.0.0/24', gateway: '10.88.0.1' }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
    ...over,
  });
  const env = (command: string, over: Record<string, string> = {}) => ({
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: 'c0ffee01',
    CNI_NETNS: podPath(),
    CNI_IFNAME: 'eth0',
    CNI_PATH: `${binDir}:${DEBIAN_CNI_DIR}`,
    ...over,
  });
  const run = (command: string, stdin: string, over: Record<string, string> = {}) =>
    execPluginRaw(join(binDir, 'cnk-veth'), {
      env: env(command, over),
      stdin,
      launcher: ['ip', 'netns', 'exec', node],
    });
  const reservations = () =>
    existsSync(join(dataDir, 'cnk-net'))
      ? readdirSync(join(dataDir, 'cnk-net'))
          .filter((f) => /^\d/.test(f))
          .sort()
      : [];
  const nodeLinks = () =>
    (JSON.parse(lab.run(node, 'ip -j link show')) as { ifname: string }[]).map((l) => l.ifname).sort();
  const podLinks = () =>
    (JSON.parse(lab.run(pod, 'ip -j link show')) as { ifname: string }[]).map((l) => l.ifname).sort();

  it('ADD: host-local hands out 10.88.0.2; the pod has it on eth0 with the default route; the result says so', async () => {
    const out = await run('ADD', JSON.stringify(config()));
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.cniVersion).toBe('1.0.0');
    expect(result.ips).toEqual([{ address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 1 }]);
    expect(result.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    expect(result.interfaces[1]).toMatchObject({ name: 'eth0', sandbox: podPath() });
    // What the kernel and host-local hold, read independently of our result.
    const addr = JSON.parse(lab.run(pod, 'ip -j addr show dev eth0'))[0];
    expect(addr.address).toBe(result.interfaces[1].mac);
    expect(
      addr.addr_info
        .filter((a: { family: string }) => a.family === 'inet')
        .map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`),
    ).toEqual(['10.88.0.2/24']);
    expect(lab.run(pod, 'ip -4 route show default').trim()).toBe('default via 10.88.0.1 dev eth0 onlink');
    expect(reservations()).toEqual(['10.88.0.2']);
    expect(readFileSync(join(dataDir, 'cnk-net', '10.88.0.2'), 'utf8').split(/\r?\n/)[0]).toBe('c0ffee01');
    expect(nodeLinks()).toContain(result.interfaces[0].name);
  });

  it('CHECK passes, and reports a missing address with our plugin error code', async () => {
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'veth0' }, { name: 'eth0', sandbox: podPath() }],
      ips: [{ address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 1 }],
    };
    const ok = await run('CHECK', JSON.stringify(config({ prevResult })));
    expect([ok.exitCode, ok.stdout]).toEqual([0, '']);
    lab.run(pod, 'ip addr del 10.88.0.2/24 dev eth0');
    const bad = await run('CHECK', JSON.stringify(config({ prevResult })));
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      cniVersion: '1.0.0',
      code: 102,
      msg: 'address 10.88.0.2/24 is missing on eth0',
    });
    lab.run(pod, 'ip addr add 10.88.0.2/24 dev eth0');
  });

  it('DEL releases the address in host-local and removes both ends; a second DEL succeeds too', async () => {
    const del = await run('DEL', JSON.stringify(config()));
    expect([del.exitCode, del.stdout]).toEqual([0, '']);
    expect(reservations()).toEqual([]);
    expect(podLinks()).toEqual(['lo']);
    expect(nodeLinks()).toEqual(['lo']);
    const again = await run('DEL', JSON.stringify(config()), { CNI_NETNS: '' });
    expect([again.exitCode, again.stdout]).toEqual([0, '']);
  });

  it('the spec error cases print the spec error and leave nothing behind', async () => {
    const cases: [string, string, Record<string, string>, object][] = [
      [
        'missing CNI_NETNS',
        JSON.stringify(config()),
        { CNI_NETNS: '' },
        { cniVersion: '1.1.0', code: 4, msg: 'required env variables [CNI_NETNS] missing' },
      ],
      [
        'unknown cniVersion',
        JSON.stringify(config({ cniVersion: '7.0.0' })),
        {},
        {
          cniVersion: '1.1.0',
          code: 1,
          msg: 'incompatible CNI versions',
          details:
            'config is "7.0.0", plugin supports ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]',
        },
      ],
      [
        'malformed JSON',
        '{"cniVersion": "1.0.0", "name": "cnk-net", "type": ',
        {},
        { cniVersion: '1.1.0', code: 6, msg: 'cannot decode network configuration' },
      ],
    ];
    for (const [what, stdin, over, expected] of cases) {
      const out = await run('ADD', stdin, over);
      expect(out.exitCode, what).toBe(1);
      const printed = JSON.parse(out.stdout);
      if (!('details' in expected)) delete printed.details;
      expect(printed, what).toEqual(expected);
      expect(reservations(), what).toEqual([]);
      expect(podLinks(), what).toEqual(['lo']);
      expect(nodeLinks(), what).toEqual(['lo']);
    }
  });

  it('an IPAM failure (exhausted range) is passed on as host-local printed it, with nothing left behind', async () => {
    const tiny = config({
      ipam: {
        type: 'host-local',
        dataDir,
        ranges: [[{ subnet: '10.89.0.0/30', rangeStart: '10.89.0.2', rangeEnd: '10.89.0.2' }]],
      },
    });
    const first = await run('ADD', JSON.stringify(tiny));
    expect(first.exitCode).toBe(0);
    const second = await run('ADD', JSON.stringify(tiny), {
      CNI_CONTAINERID: 'c0ffee02',
      CNI_IFNAME: 'eth1',
    });
    expect(second.exitCode).toBe(1);
    const err = JSON.parse(second.stdout);
    expect(err.code).toBe(999);
    expect(err.msg).toMatch(/no IP addresses available in range set: 10\.89\.0\.2-10\.89\.0\.2/);
    expect(podLinks()).toEqual(['eth0', 'lo']);
    const del = await run('DEL', JSON.stringify(tiny));
    expect(del.exitCode).toBe(0);
    expect(podLinks()).toEqual(['lo']);
  });
});
