import { type CniPlugin, type CniRequest, dispatch, parseCniArgs } from '@cnikit/cni';
import { describe, expect, it } from 'vitest';

const seen: CniRequest[] = [];
const plugin: CniPlugin = {
  supportedVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
  about: 'test plugin',
  add(req) {
    seen.push(req);
    return {
      interfaces: [{ name: req.ifName, sandbox: req.netns, mtu: 1400 }],
      ips: [{ address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 0 }],
      routes: [...(req.prevResult?.routes ?? []), { dst: '0.0.0.0/0', gw: '10.22.0.1' }],
    };
  },
  del(req) {
    seen.push(req);
  },
  status(req) {
    if (req.config.notReady) throw Object.assign(new Error('x'), {});
  },
};

const env = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/var/run/netns/pod',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web-0',
  CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
};
const conf = (o: object = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'net', type: 'test', ...o });
const json = (s: string) => JSON.parse(s);

describe('dispatch', () => {
  it('ADD hands the handler the parsed request and prints the result in the configuration version', async () => {
    const out = await dispatch(
      plugin,
      env,
      conf({ prevResult: { cniVersion: '1.0.0', routes: [{ dst: '10.0.0.0/8' }] } }),
    );
    expect(out.exitCode).toBe(0);
    expect(json(out.stdout)).toEqual({
      cniVersion: '1.0.0',
      // 1.1.0's interface mtu is kept at 1.0.0, as libcni keeps it (one result type for both).
      interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/pod', mtu: 1400 }],
      ips: [{ address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 0 }],
      routes: [{ dst: '10.0.0.0/8' }, { dst: '0.0.0.0/0', gw: '10.22.0.1' }],
    });
    const req = seen.at(-1)!;
    expect(req.args).toEqual([
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'web-0'],
    ]);
    expect(req.path).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
    expect(req.prevResult).toEqual({ cniVersion: '1.0.0', routes: [{ dst: '10.0.0.0/8' }] });
    const v11 = await dispatch(plugin, env, conf({ cniVersion: '1.1.0' }));
    expect(json(v11.stdout).interfaces).toEqual([{ name: 'eth0', sandbox: '/var/run/netns/pod', mtu: 1400 }]);
    const v04 = await dispatch(plugin, env, conf({ cniVersion: '0.4.0' }));
    expect(json(v04.stdout).ips).toEqual([
      { version: '4', address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 0 },
    ]);
  });

  it('a 0.3.1 prevResult reaches the handler in the 1.x form', async () => {
    const prevResult = { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.1.0.2/16' }] };
    await dispatch(plugin, env, conf({ cniVersion: '0.3.1', prevResult }));
    expect(seen.at(-1)!.prevResult).toEqual({ cniVersion: '0.3.1', ips: [{ address: '10.1.0.2/16' }] });
  });

  it('prints the spec error JSON with exit code 1 for each kind of bad input', async () => {
    const cases: [Record<string, string>, string, object][] = [
      [{ ...env, CNI_NETNS: '' }, conf(), { code: 4, msg: 'required env variables [CNI_NETNS] missing' }],
      [
        { ...env, CNI_PATH: '', CNI_IFNAME: '' },
        conf(),
        { code: 4, msg: 'required env variables [CNI_IFNAME,CNI_PATH] missing' },
      ],
      [{ ...env, CNI_COMMAND: 'FROB' }, conf(), { code: 4, msg: 'unknown CNI_COMMAND: FROB' }],
      [
        { ...env, CNI_IFNAME: 'a/b' },
        conf(),
        { code: 4, msg: 'invalid CNI_IFNAME: "a/b" contains / or : or whitespace' },
      ],
      [
        { ...env, CNI_ARGS: 'FOO' },
        conf(),
        { code: 4, msg: 'invalid CNI_ARGS', details: 'not KEY=VALUE: "FOO"' },
      ],
      [
        env,
        conf({ cniVersion: '9.9.9' }),
        {
          code: 1,
          msg: 'incompatible CNI versions',
          details: 'config is "9.9.9", plugin supports ["0.3.1","0.4.0","1.0.0","1.1.0"]',
        },
      ],
      [env, '{"cniVersion": "1.0.0", "name": ', { code: 6, msg: 'cannot decode network configuration' }],
      [
        env,
        conf({ name: '' }),
        { code: 7, msg: 'invalid network configuration: name: missing network name' },
      ],
      [
        { ...env, CNI_COMMAND: 'CHECK' },
        conf({ cniVersion: '0.3.1' }),
        { code: 1, msg: 'config version 0.3.1 does not allow CHECK' },
      ],
      [{ CNI_COMMAND: 'GC' }, conf(), { code: 1, msg: 'config version 1.0.0 does not allow GC' }],
      [
        env,
        conf({ prevResult: { cniVersion: '1.0.0', ips: [{ address: 'x' }] } }),
        { code: 6, msg: 'prevResult: invalid result: ips[0].address: not an address/prefix: "x"' },
      ],
      [{ CNI_COMMAND: 'STATUS' }, conf({ cniVersion: '1.1.0', notReady: true }), { code: 999, msg: 'x' }],
    ];
    for (const [e, stdin, expected] of cases) {
      const out = await dispatch(plugin, e, stdin);
      const printed = json(out.stdout);
      const { details, ...rest } = printed;
      expect(out.exitCode, stdin).toBe(1);
      expect('details' in expected ? printed : rest, JSON.stringify(e)).toEqual({
        cniVersion: expect.any(String),
        ...expected,
      });
      void details;
    }
  });

  it('answers an error in the configuration version when it is one the plugin speaks', async () => {
    const out = await dispatch(plugin, { ...env, CNI_NETNS: '' }, conf({ cniVersion: '0.4.0' }));
    expect(json(out.stdout).cniVersion).toBe('1.1.0'); // the variables are checked before stdin is read
    const bad = await dispatch(plugin, env, conf({ cniVersion: '0.4.0', name: '' }));
    expect(json(bad.stdout)).toEqual({
      cniVersion: '0.4.0',
      code: 7,
      msg: 'invalid network configuration: name: missing network name',
    });
  });

  it('VERSION needs no other variable and ignores stdin; DEL needs no CNI_NETNS; a missing command prints the about line', async () => {
    const v = await dispatch(plugin, { CNI_COMMAND: 'VERSION' }, 'not json');
    expect(json(v.stdout)).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    const del = await dispatch(plugin, { ...env, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, conf());
    expect(del).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    const none = await dispatch(plugin, {}, '');
    expect(none).toEqual({
      stdout: '',
      stderr: 'test plugin\nCNI protocol versions supported: 0.3.1, 0.4.0, 1.0.0, 1.1.0\n',
      exitCode: 0,
    });
    const { about, ...silent } = plugin;
    void about;
    const bare = await dispatch(silent, {}, '');
    expect([bare.exitCode, json(bare.stdout)]).toEqual([
      1,
      { cniVersion: '1.1.0', code: 4, msg: 'required env variables [CNI_COMMAND] missing' },
    ]);
  });

  it('STATUS and GC at 1.1.0; GC hands over the valid attachments', async () => {
    const gcPlugin: CniPlugin = {
      add: () => ({}),
      del: () => {},
      gc(req) {
        seen.push(req);
      },
    };
    const valid = [{ containerID: 'c1', ifname: 'eth0' }];
    const out = await dispatch(
      gcPlugin,
      { CNI_COMMAND: 'GC' },
      conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': valid }),
    );
    expect(out).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(seen.at(-1)!.validAttachments).toEqual(valid);
    expect(
      (await dispatch(gcPlugin, { CNI_COMMAND: 'STATUS' }, conf({ cniVersion: '1.1.0' }))).exitCode,
    ).toBe(0);
  });

  it('parseCniArgs keeps = inside values', () => {
    expect(parseCniArgs('A=b=c;D=')).toEqual([
      ['A', 'b=c'],
      ['D', ''],
    ]);
  });
});
