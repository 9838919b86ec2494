/**
 * Our result conversions against Go's: the real host-local prints the same allocation in every
 * spec version it speaks (0.1.0 … 1.0.0). Converting its 1.0.0 result with convertResult must give
 * exactly what host-local printed for each other version, and parseResult of each must give back
 * the 1.0.0 content.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertResult, parseResult } from '@cnikit/cni';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab } from '../../../../test/support/netns.js';
import { DEBIAN_CNI_DIR } from '../support.js';

const blocker =
  kernelTestBlocker() ??
  (spawnSync(`${DEBIAN_CNI_DIR}/host-local`).error ? `${DEBIAN_CNI_DIR}/host-local is missing` : undefined);
announceKernelTestBlocker(blocker, 'cni result conversion agreement with host-local');

const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];

function leaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + leaves(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + leaves(x), 0);
  return 1;
}

describe.skipIf(blocker !== undefined)('result conversions agree with Go (host-local 1.1.1)', () => {
  let lab: Lab;
  let dir: string;
  const printed: Record<string, unknown> = {};

  beforeAll(() => {
    lab = new Lab('cnk-cni');
    const pod = lab.ns('pod');
    dir = mkdtempSync(join(tmpdir(), 'cnk-cni-hl-'));
    const resolv = join(dir, 'resolv.conf');
    writeFileSync(
      resolv,
      'nameserver 10.92.0.53\nnameserver fd00:92::53\ndomain cluster.local\nsearch a.example b.example\noptions ndots:5 edns0\n',
    );
    for (const [i, v] of VERSIONS.entries()) {
      const config = {
        cniVersion: v,
        name: 'cnk-hl',
        type: 'unused',
        ipam: {
          type: 'host-local',
          dataDir: join(dir, 'data'),
          resolvConf: resolv,
          ranges: [
            [
              {
                subnet: '10.92.0.0/24',
                gateway: '10.92.0.1',
                rangeStart: '10.92.0.9',
                rangeEnd: '10.92.0.9',
              },
            ],
            [{ subnet: 'fd00:92::/64', rangeStart: 'fd00:92::9', rangeEnd: 'fd00:92::9' }],
          ],
          routes: [
            { dst: '0.0.0.0/0' },
            { dst: '10.10.0.0/16', gw: '10.92.0.254' },
            { dst: '::/0' },
            { dst: 'fd00:10::/48', gw: 'fd00:92::fe' },
          ],
        },
      };
      const env = {
        CNI_CONTAINERID: `ctr${i}`,
        CNI_NETNS: `/var/run/netns/${pod}`,
        CNI_IFNAME: 'eth0',
        CNI_PATH: DEBIAN_CNI_DIR,
      };
      const stdin = JSON.stringify(config);
      printed[v] = JSON.parse(
        execFileSync(`${DEBIAN_CNI_DIR}/host-local`, {
          input: stdin,
          env: { ...env, CNI_COMMAND: 'ADD' },
          encoding: 'utf8',
        }),
      );
      execFileSync(`${DEBIAN_CNI_DIR}/host-local`, { input: stdin, env: { ...env, CNI_COMMAND: 'DEL' } });
    }
  });
  afterAll(() => {
    lab?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('convertResult(1.0.0 result, v) equals what host-local printed for v, for every v', () => {
    const reference = parseResult(printed['1.0.0'] as object);
    expect(reference.ips?.map((i) => i.address)).toEqual(['10.92.0.9/24', 'fd00:92::9/64']);
    expect(reference.dns).toEqual({
      nameservers: ['10.92.0.53', 'fd00:92::53'],
      domain: 'cluster.local',
      search: ['a.example', 'b.example'],
      options: ['ndots:5', 'edns0'],
    });
    let compared = 0;
    for (const v of VERSIONS) {
      const ours = JSON.parse(JSON.stringify(convertResult(reference, v)));
      expect(ours, v).toEqual(printed[v]);
      compared += leaves(printed[v]);
    }
    console.log(
      `host-local agreement: ${VERSIONS.length} versions, ${compared} values compared, 0 differences`,
    );
    expect(compared).toBe(114);
  });

  it('parseResult of every version gives back the 1.0.0 content', () => {
    const reference = parseResult(printed['1.0.0'] as object);
    for (const v of VERSIONS)
      expect(parseResult(printed[v] as object), v).toEqual({ ...reference, cniVersion: v });
  });
});
