/**
 * The runtime side against real plugin executables (our recorder plugin, bundled): what each
 * plugin is given (environment, stdin, runtimeConfig, prevResult), the order of ADD/DEL/CHECK,
 * libcni's cache file, GC and STATUS. No root needed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError, CniRuntime, cacheFilePath } from '@cnikit/cni';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, FIXTURES } from './support.js';

let dir: string;
let log: string;
let runtime: CniRuntime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cnk-cni-rt-'));
  log = join(dir, 'log.jsonl');
  await buildPlugin(join(FIXTURES, 'recorder-plugin.ts'), join(dir, 'bin', 'recorder'));
  runtime = new CniRuntime({
    path: [join(dir, 'nothing-here'), join(dir, 'bin')],
    cacheDir: join(dir, 'cache'),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Call {
  command: string;
  env: Record<string, string>;
  config: Record<string, unknown> & { prevResult?: { interfaces?: { name: string }[] } };
}
function calls(): Call[] {
  const text = (() => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  })();
  writeFileSync(log, '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const list = (over: object = {}) => ({
  cniVersion: '1.1.0',
  name: 'cnk-rec',
  plugins: [
    { type: 'recorder', tag: 'a', log: '', capabilities: { portMappings: true, bandwidth: false } },
    { type: 'recorder', tag: 'b', log: '' },
  ],
  ...over,
});
const withLog = (l: ReturnType<typeof list>) => ({ ...l, plugins: l.plugins.map((p) => ({ ...p, log })) });
const att = {
  containerId: 'ctr1',
  netns: '/var/run/netns/cnk-pod',
  ifName: 'eth0',
  args: [['K8S_POD_NAME', 'web-0']] as [string, string][],
  capabilityArgs: {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    bandwidth: { ingressRate: 1 },
  },
};

describe('CniRuntime', () => {
  it('ADD runs the plugins in order, chaining prevResult, with runtimeConfig only for declared capabilities', async () => {
    const conf = withLog(list());
    const result = await runtime.add(conf, att);
    expect(result.interfaces?.map((i) => i.name)).toEqual(['a', 'b']);
    const [a, b] = calls();
    expect([a.command, b.command]).toEqual(['ADD', 'ADD']);
    expect(a.env).toEqual({
      CNI_ARGS: 'K8S_POD_NAME=web-0',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'ctr1',
      CNI_IFNAME: 'eth0',
      CNI_NETNS: '/var/run/netns/cnk-pod',
      CNI_PATH: `${join(dir, 'nothing-here')}:${join(dir, 'bin')}`,
    });
    expect(a.config).toEqual({
      ...conf.plugins[0],
      cniVersion: '1.1.0',
      name: 'cnk-rec',
      runtimeConfig: { portMappings: att.capabilityArgs.portMappings },
    });
    expect(a.config.prevResult).toBeUndefined();
    expect(b.config.runtimeConfig).toBeUndefined();
    expect(b.config.prevResult).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'a', sandbox: att.netns }],
      ips: [{ address: '10.99.0.2/24', gateway: '10.99.0.1', interface: 0 }],
    });
  });

  it('caches the result in libcni layout and format', () => {
    const file = cacheFilePath(join(dir, 'cache'), 'cnk-rec', 'ctr1', 'eth0');
    expect(file).toBe(join(dir, 'cache', 'results', 'cnk-rec-ctr1-eth0'));
    const cached = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(cached)).toEqual([
      'kind',
      'containerId',
      'config',
      'ifName',
      'networkName',
      'netns',
      'cniArgs',
      'capabilityArgs',
      'result',
    ]);
    expect(cached.kind).toBe('cniCacheV1');
    expect(JSON.parse(Buffer.from(cached.config, 'base64').toString())).toEqual(withLog(list()));
    expect(cached.cniArgs).toEqual([['K8S_POD_NAME', 'web-0']]);
    expect(cached.result.interfaces.map((i: { name: string }) => i.name)).toEqual(['a', 'b']);
    expect(runtime.cachedAttachments().map((a) => `${a.networkName}/${a.containerId}/${a.ifName}`)).toEqual([
      'cnk-rec/ctr1/eth0',
    ]);
  });

  it('CHECK runs in order with the cached result; a failing plugin is a CniError saying which', async () => {
    await runtime.check(withLog(list()), att);
    const c = calls();
    expect(c.map((x) => [x.command, x.config.tag])).toEqual([
      ['CHECK', 'a'],
      ['CHECK', 'b'],
    ]);
    expect(c[0].config.prevResult?.interfaces?.map((i) => i.name)).toEqual(['a', 'b']);
    const failing = withLog(list());
    (failing.plugins[1] as Record<string, unknown>).fail = { CHECK: 107 };
    const err = await runtime.check(failing, att).catch((e) => e);
    expect(err).toBeInstanceOf(CniError);
    expect([err.code, err.msg, err.details, err.plugin, err.command]).toEqual([
      107,
      'CHECK failed as configured',
      'b',
      'recorder',
      'CHECK',
    ]);
    calls();
    await runtime.check(withLog(list({ disableCheck: true })), att);
    expect(calls()).toEqual([]);
    await expect(runtime.check(withLog(list({ cniVersion: '0.3.1' })), att)).rejects.toThrow(
      'does not support the CHECK command',
    );
  });

  it('STATUS (1.1.0) asks every plugin with no container variables; a not-ready plugin fails it', async () => {
    await runtime.status(withLog(list()));
    const c = calls();
    expect(c.map((x) => x.command)).toEqual(['STATUS', 'STATUS']);
    expect(c[0].env).toMatchObject({ CNI_CONTAINERID: '', CNI_NETNS: '', CNI_IFNAME: '' });
    const notReady = withLog(list());
    (notReady.plugins[0] as Record<string, unknown>).fail = { STATUS: 50 };
    await expect(runtime.status(notReady)).rejects.toMatchObject({ code: 50 });
    calls();
    await runtime.status(withLog(list({ cniVersion: '1.0.0' })));
    expect(calls()).toEqual([]);
  });

  it('GC: DEL for stale cached attachments, then GC on every plugin with the valid attachments', async () => {
    await runtime.add(withLog(list()), { ...att, containerId: 'ctr2' });
    calls();
    await runtime.gc(withLog(list()), [{ containerID: 'ctr1', ifname: 'eth0' }]);
    const c = calls();
    expect(c.map((x) => [x.command, x.config.tag, x.env.CNI_CONTAINERID])).toEqual([
      ['DEL', 'b', 'ctr2'],
      ['DEL', 'a', 'ctr2'],
      ['GC', 'a', ''],
      ['GC', 'b', ''],
    ]);
    // The stale attachment's DEL carries what was cached: its netns, CNI_ARGS and result.
    expect(c[0].env.CNI_NETNS).toBe(att.netns);
    expect(c[0].env.CNI_ARGS).toBe('K8S_POD_NAME=web-0');
    expect(c[0].config.prevResult?.interfaces?.map((i) => i.name)).toEqual(['a', 'b']);
    expect(c[2].config['cni.dev/valid-attachments']).toEqual([{ containerID: 'ctr1', ifname: 'eth0' }]);
    expect(runtime.cachedAttachments().map((a) => a.containerId)).toEqual(['ctr1']);
    await runtime.gc(withLog(list({ disableGC: true })), []);
    expect(calls()).toEqual([]);
  });

  it('DEL runs in reverse with the cached result and removes the cache entry', async () => {
    await runtime.del(withLog(list()), att);
    const c = calls();
    expect(c.map((x) => [x.command, x.config.tag])).toEqual([
      ['DEL', 'b'],
      ['DEL', 'a'],
    ]);
    expect(c[0].config.prevResult?.interfaces?.map((i) => i.name)).toEqual(['a', 'b']);
    expect(runtime.cachedAttachments()).toEqual([]);
    // DEL without a cached result: no prevResult.
    await runtime.del(withLog(list()), att);
    expect(calls().map((x) => x.config.prevResult)).toEqual([undefined, undefined]);
  });

  it('a 0.4.0 list gets prevResult in 0.4.0 form; ADD failure stops the chain', async () => {
    await runtime.add(withLog(list({ cniVersion: '0.4.0' })), att);
    const [, b] = calls();
    expect(b.config.prevResult).toEqual({
      cniVersion: '0.4.0',
      interfaces: [{ name: 'a', sandbox: att.netns }],
      ips: [{ version: '4', address: '10.99.0.2/24', gateway: '10.99.0.1', interface: 0 }],
    });
    await runtime.del(withLog(list({ cniVersion: '0.4.0' })), att);
    calls();
    const failing = withLog(list());
    (failing.plugins[0] as Record<string, unknown>).fail = { ADD: 11 };
    await expect(runtime.add(failing, att)).rejects.toMatchObject({ code: 11, plugin: 'recorder' });
    expect(calls().map((x) => x.command)).toEqual(['ADD']);
    await expect(
      runtime.add({ ...withLog(list()), plugins: [{ type: 'nonexistent' }] }, att),
    ).rejects.toThrow('failed to find plugin "nonexistent"');
  });

  it('VERSION of a plugin built on the skeleton', async () => {
    expect(await runtime.versionInfo('recorder')).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });
});
