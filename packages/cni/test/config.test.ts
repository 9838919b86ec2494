import {
  CniError,
  CniErrorCode,
  confListFromConfig,
  negotiateVersion,
  parseConfList,
  parsePluginConfig,
  validateContainerId,
  validateInterfaceName,
} from '@cnikit/cni';
import { describe, expect, it } from 'vitest';

function codeOf(f: () => unknown): [number, string] {
  try {
    f();
  } catch (e) {
    if (e instanceof CniError) return [e.code, e.msg];
    throw e;
  }
  throw new Error('did not throw');
}

const bridge = {
  cniVersion: '1.0.0',
  name: 'dbnet',
  type: 'bridge',
  bridge: 'cni0',
  ipam: { type: 'host-local', subnet: '10.1.0.0/16' },
};

describe('parsePluginConfig', () => {
  it('keeps plugin-specific keys and reads a missing cniVersion as 0.1.0', () => {
    const c = parsePluginConfig(JSON.stringify(bridge));
    expect(c.bridge).toBe('cni0');
    expect(c.ipam?.subnet).toBe('10.1.0.0/16');
    expect(parsePluginConfig({ name: 'n', type: 't' }).cniVersion).toBe('0.1.0');
  });

  it('names the field at fault with code 7, and malformed JSON is code 6', () => {
    expect(codeOf(() => parsePluginConfig('{"cniVersion":"1.0.0","name":'))[0]).toBe(
      CniErrorCode.DecodingFailure,
    );
    expect(codeOf(() => parsePluginConfig('[1]'))[0]).toBe(CniErrorCode.DecodingFailure);
    expect(codeOf(() => parsePluginConfig({ type: 'x' }))).toEqual([
      7,
      'invalid network configuration: name: missing network name',
    ]);
    expect(codeOf(() => parsePluginConfig({ name: 'a b', type: 'x' }))[1]).toContain(
      'name: invalid characters',
    );
    expect(codeOf(() => parsePluginConfig({ name: 'n' }))[1]).toBe(
      'invalid network configuration: type: missing',
    );
    expect(codeOf(() => parsePluginConfig({ name: 'n', type: 'x', ipam: {} }))[1]).toBe(
      'invalid network configuration: ipam.type: missing',
    );
    expect(
      codeOf(() => parsePluginConfig({ name: 'n', type: 'x', dns: { nameservers: '1.1.1.1' } }))[1],
    ).toBe('invalid network configuration: dns.nameservers: must be a list of strings');
    expect(
      codeOf(() => parsePluginConfig({ name: 'n', type: 'x', capabilities: { portMappings: 'yes' } }))[1],
    ).toBe('invalid network configuration: capabilities.portMappings: must be true or false');
    expect(
      codeOf(() =>
        parsePluginConfig({ name: 'n', type: 'x', 'cni.dev/valid-attachments': [{ containerID: 'a' }] }),
      )[1],
    ).toBe(
      'invalid network configuration: cni.dev/valid-attachments[0]: must be {"containerID": string, "ifname": string}',
    );
  });
});

describe('parseConfList', () => {
  const list = {
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }],
  };

  it('accepts a list and reads libcni-style "true" strings', () => {
    const l = parseConfList({ ...list, disableCheck: 'true' });
    expect(l.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(l.disableCheck).toBe(true);
  });

  it('rejects what the spec does not allow, naming the field', () => {
    expect(codeOf(() => parseConfList({ ...list, plugins: [] }))).toEqual([
      7,
      'invalid network configuration: plugins: must be a non-empty list',
    ]);
    expect(codeOf(() => parseConfList({ ...list, plugins: [{ type: 'a' }, { name: 'b' }] }))[1]).toBe(
      'invalid network configuration: plugins[1].type: missing',
    );
    expect(codeOf(() => parseConfList({ ...list, cniVersion: 'one' }))[0]).toBe(
      CniErrorCode.IncompatibleVersion,
    );
    expect(codeOf(() => parseConfList({ ...list, disableGC: 1 }))[1]).toBe(
      'invalid network configuration: disableGC: must be true or false',
    );
  });

  it('negotiates the newest of cniVersions the runtime speaks (spec 1.1.0)', () => {
    const l = parseConfList({ ...list, cniVersions: ['0.4.0', '1.0.0', '1.1.0', '2.0.0'] });
    expect(negotiateVersion(l)).toBe('1.1.0');
    expect(negotiateVersion(l, ['0.4.0', '1.0.0'])).toBe('1.0.0');
    expect(negotiateVersion(parseConfList(list), ['0.4.0'])).toBe('1.0.0');
  });

  it('turns a single configuration into a list of one', () => {
    const l = confListFromConfig(bridge);
    expect(l).toEqual({
      cniVersion: '1.0.0',
      name: 'dbnet',
      plugins: [{ type: 'bridge', bridge: 'cni0', ipam: bridge.ipam }],
    });
  });
});

describe('names', () => {
  it('checks container ids and interface names as the spec says (code 4)', () => {
    expect(validateContainerId('a1_b.c-d')).toBe('a1_b.c-d');
    for (const bad of ['', '-a', 'a/b', 'a b']) expect(codeOf(() => validateContainerId(bad))[0]).toBe(4);
    expect(validateInterfaceName('eth0')).toBe('eth0');
    expect(validateInterfaceName('a23456789012345')).toBe('a23456789012345');
    for (const bad of ['', '.', '..', 'a234567890123456', 'a/b', 'a:b', 'a b', 'a\tb']) {
      expect(codeOf(() => validateInterfaceName(bad))[0], bad).toBe(4);
    }
  });
});
