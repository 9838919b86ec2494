/**
 * The plugin loads only what a command uses: STATUS and VERSION run without node:child_process
 * (no delegation), without the netlink addon (no netlink request), and without node:crypto,
 * node:v8 or perf_hooks; no file but the plugin itself is required. Checked with Node's own
 * record of what it loaded (process.moduleLoadList, require.cache) from a --require hook, and
 * with the plugin's start-up trace (CNK_FLANNEL_TRACE). No root needed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample } from '../build.mjs';

const addonBuilt = existsSync(join(__dirname, '../../../packages/netlink/build/Release/cnikit_netlink.node'));
if (!addonBuilt)
  console.warn('\n!!! SKIPPED the flannel plugin start-up test: the @cnikit/netlink addon is not built\n');

describe.skipIf(!addonBuilt && process.env.CI !== 'true')(
  'the flannel plugin loads what the command uses',
  () => {
    let dir: string;
    let plugin: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cnk-cni-startup-'));
      plugin = (await buildExample()).plugin;
      writeFileSync(
        join(dir, 'subnet.env'),
        'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n',
      );
      writeFileSync(
        join(dir, 'hook.cjs'),
        `process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify({ builtins, files: Object.keys(require.cache) }));
});\n`,
      );
    }, 120_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const command of ['STATUS', 'VERSION']) {
      it(`${command}: no child_process, no addon, no crypto/v8/perf_hooks, one file`, () => {
        const trace = join(dir, `${command}.jsonl`);
        const config = {
          cniVersion: '1.1.0',
          name: 'cbr0',
          type: 'cnk-flannel',
          subnetFile: join(dir, 'subnet.env'),
        };
        const r = spawnSync(process.execPath, ['--require', join(dir, 'hook.cjs'), plugin], {
          input: JSON.stringify(config),
          env: { PATH: process.env.PATH, CNI_COMMAND: command, CNK_FLANNEL_TRACE: trace },
          encoding: 'utf8',
        });
        expect([r.status, r.stderr]).toEqual([0, '']);
        const loaded = JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as {
          builtins: string[];
          files: string[];
        };
        for (const unused of ['child_process', 'crypto', 'v8', 'perf_hooks'])
          expect(loaded.builtins, unused).not.toContain(unused);
        expect(loaded.files).toEqual([join(dir, 'hook.cjs'), plugin]);
        const [line] = readFileSync(trace, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(line).toMatchObject({ command, addon: 0, spawner: 0, netlink: 0, delegate: 0 });
        expect(line.firstLine).toBeLessThanOrEqual(line.modulesReady);
        expect(line.modulesReady).toBeLessThanOrEqual(line.end);
      });
    }
  },
);
