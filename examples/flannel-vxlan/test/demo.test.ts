/**
 * demo.mjs (what `npm start` runs after the tour) without root says what it would do and how to
 * run it, and exits 0. Its root path is the end-to-end scenario flannel.test.ts checks step by step.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const demo = join(__dirname, '../demo.mjs');

describe('flannel-vxlan demo', () => {
  it('without root it explains itself and how to run it', () => {
    const root = process.getuid?.() === 0;
    const r = root
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, demo], {
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, [demo], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^flannel-vxlan demo: needs root \(network namespaces\)\./);
    expect(r.stdout).toContain('  sudo node examples/flannel-vxlan/demo.mjs');
  });
});
