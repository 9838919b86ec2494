/**
 * A plugin is one bundled file that loads only what its commands use: the smallest plugin on the
 * skeleton bundles without the runtime side, the cache, child_process or the delegation code; one
 * that delegates brings child_process and invoke, still not the runtime side.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/packaging/readme-runner.js';
import { buildPlugin } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'cnk-cni-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plugin bundles', () => {
  it('the noop plugin (benchmarks/cni-startup/noop-plugin.ts) bundles the skeleton alone', async () => {
    const file = await buildPlugin(
      join(REPO_ROOT, 'benchmarks/cni-startup/noop-plugin.ts'),
      join(dir, 'noop'),
      { minify: true },
    );
    const code = readFileSync(file, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(code).not.toMatch(/child_process/);
    expect(code).not.toMatch(/cniCacheV1/);
    expect(code).not.toMatch(/failed to find plugin/);
    expect(code).not.toMatch(/import\(/); // a dynamic import would start Node's ESM loader
    expect(code).toMatch(/required env variables \[/);
    expect(code.length).toBeLessThan(20_000);
  });

  it('a delegating plugin brings invoke (child_process) but not the runtime side', async () => {
    const src = join(dir, 'delegating.ts');
    writeFileSync(
      src,
      "import { delegateAdd, delegateDel, runPlugin } from '@cnikit/cni';\nvoid runPlugin({ add: (r) => delegateAdd('host-local', r.config, r), del: (r) => delegateDel('host-local', r.config, r) });\n",
    );
    const code = readFileSync(await buildPlugin(src, join(dir, 'delegating'), { minify: true }), 'utf8');
    expect(code).toMatch(/child_process/);
    expect(code).toMatch(/failed to find plugin/);
    expect(code).not.toMatch(/cniCacheV1/);
  });
});
