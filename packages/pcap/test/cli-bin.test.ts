import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect } from 'vitest';
import { CORPUS, cnikit, corpusFile, itRequires, repeatPcap } from './cli-helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(packageDir, 'bin', 'cnikit.js');
const BUILT = {
  ok: existsSync(join(packageDir, 'dist', 'cli.js')) && CORPUS.ok,
  missing: CORPUS.ok
    ? 'packages/pcap/dist/cli.js is not built (npm run build -w @cnikit/pcap)'
    : CORPUS.missing,
};

function runBin(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the installed cnikit binary (bin/cnikit.js → dist/cli.js)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cnikit-cli-bin-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  itRequires(BUILT, 'is what package.json "bin" names, and prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ cnikit: './bin/cnikit.js' });
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(runBin(['--version'])).toEqual({ code: 0, stdout: `cnikit ${pkg.version}\n`, stderr: '' });
  });

  itRequires(BUILT, 'prints what runCli prints and exits with its status', async () => {
    const args = ['dissect', corpusFile('vxlan.pcap'), '--json', '--filter', 'icmp', '-c', '3'];
    const inProcess = await cnikit(args);
    const viaBin = runBin(args);
    expect(viaBin.code).toBe(0);
    expect(viaBin.stdout).toBe(inProcess.stdout);
    expect(viaBin.stdout.split('\n')).toHaveLength(4);
    const missing = runBin(['stats', join(scratch, 'missing.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`cnikit: cannot open ${join(scratch, 'missing.pcap')}: no such file\n`);
  });

  itRequires(
    BUILT,
    'ends quietly with status 0 when its reader goes away (cnikit dissect … | head)',
    async () => {
      const big = join(scratch, 'big.pcap');
      repeatPcap(corpusFile('vxlan.pcap'), 4 * 1024 * 1024, big);
      const child = spawn(process.execPath, [bin, 'dissect', big], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
  );
});
