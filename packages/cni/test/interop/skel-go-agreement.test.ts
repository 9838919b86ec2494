/**
 * The skeleton's checks of the environment against Go's (pkg/skel, in Debian's host-local): every
 * combination of missing CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH for ADD, DEL and
 * CHECK, and a run without CNI_COMMAND. host-local stops at these checks before it reads its
 * configuration or touches anything, so this needs no root and no namespace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CniPlugin, dispatch } from '@cnikit/cni';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBIAN_CNI_DIR } from '../support.js';

const HOST_LOCAL = `${DEBIAN_CNI_DIR}/host-local`;
const available = existsSync(HOST_LOCAL);
if (!available) {
  const line = '!'.repeat(72);
  const what = `${HOST_LOCAL} is missing (apt install containernetworking-plugins)`;
  if (process.env.CI === 'true')
    throw new Error(`skeleton agreement with Go: ${what}; required when CI=true`);
  console.warn(`\n${line}\n!!! SKIPPED the skeleton's agreement with Go: ${what}\n${line}\n`);
}

const VARIABLES = ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'] as const;
const FULL = {
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/var/run/netns/none',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/nowhere',
};

const ours: CniPlugin = {
  about: 'CNI host-local plugin version unknown',
  supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'],
  add: () => {
    throw new Error('ADD must not run');
  },
  del: () => {
    throw new Error('DEL must not run');
  },
};

describe.skipIf(!available)('the skeleton rejects a missing variable exactly as Go does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnk-cni-skel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const stdin = JSON.stringify({
    cniVersion: '1.0.0',
    name: 'cnk-skel',
    ipam: { type: 'host-local', subnet: '10.93.0.0/24', dataDir: join(dir, 'data') },
  });

  it('ADD/DEL/CHECK with each subset of the variables left out: same code and message', async () => {
    let compared = 0;
    const differences: string[] = [];
    for (const command of ['ADD', 'DEL', 'CHECK']) {
      for (let mask = 1; mask < 1 << VARIABLES.length; mask++) {
        const env: Record<string, string> = { CNI_COMMAND: command, ...FULL };
        const left = VARIABLES.filter((_, i) => mask & (1 << i));
        for (const name of left) delete env[name];
        // DEL needs no CNI_NETNS: leaving only that out is a valid DEL, not a rejection.
        if (command === 'DEL' && left.length === 1 && left[0] === 'CNI_NETNS') continue;
        const go = spawnSync(HOST_LOCAL, { env, input: stdin, encoding: 'utf8' });
        const mine = await dispatch(ours, env, stdin);
        const goError = JSON.parse(go.stdout) as { code: number; msg: string };
        const { code, msg } = JSON.parse(mine.stdout) as { code: number; msg: string };
        compared++;
        if (go.status !== mine.exitCode || goError.code !== code || goError.msg !== msg)
          differences.push(
            `${command} without ${left.join(',')}: Go ${go.stdout.trim()} ours ${mine.stdout.trim()}`,
          );
      }
    }
    console.log(`skeleton vs Go skel: ${compared} environments compared, ${differences.length} differences`);
    expect(differences).toEqual([]);
    expect(compared).toBe(44);
  });

  it('no CNI_COMMAND: the about line and the versions on stderr, nothing on stdout, exit 0', async () => {
    const go = spawnSync(HOST_LOCAL, { env: {}, input: '', encoding: 'utf8' });
    const mine = await dispatch(ours, {}, '');
    expect(go.stderr).toBe(
      'CNI host-local plugin version unknown\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0\n',
    );
    expect(mine).toEqual({ stdout: go.stdout, stderr: go.stderr, exitCode: go.status });
  });
});
