import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { CORPUS, cnikit, collectingStream, corpusFile, itRequires } from './cli-helpers.js';

/** Runs `cnikit argv…` in-process with `input` as standard input, in chunks of `chunk` bytes. */
async function cnikitWithStdin(argv: string[], input: Uint8Array, chunk: number) {
  const stdout = collectingStream();
  const stderr = collectingStream();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(input.subarray(i, i + chunk));
  const code = await runCli(argv, { stdout, stderr, stdin: Readable.from(chunks), version: 'test' });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const BUILT = {
  ok: existsSync(join(packageDir, 'dist', 'cli.js')) && CORPUS.ok,
  missing: CORPUS.ok
    ? 'packages/pcap/dist/cli.js is not built (npm run build -w @cnikit/pcap)'
    : CORPUS.missing,
};

describe('FILE - reads standard input', () => {
  for (const argv of [['dissect'], ['dissect', '--json'], ['hexdump', '-c', '2'], ['stats', '-Y', 'icmp']]) {
    itRequires(CORPUS, `cnikit ${argv.join(' ')} - prints what it prints for the file`, async () => {
      const file = corpusFile('vxlan.pcap');
      const [command, ...options] = argv;
      const fromFile = await cnikit([command, file, ...options]);
      expect(fromFile.code).toBe(0);
      expect(fromFile.stdout.length).toBeGreaterThan(500);
      const bytes = new Uint8Array(readFileSync(file));
      for (const chunk of [1000, 65536]) {
        const fromStdin = await cnikitWithStdin([command, '-', ...options], bytes, chunk);
        expect(fromStdin).toEqual(fromFile);
      }
    });
  }

  itRequires(
    CORPUS,
    'a corrupt capture on standard input ends with status 1 after the packets before it',
    async () => {
      const bytes = new Uint8Array(readFileSync(corpusFile('vxlan.pcap'))).slice(0, 1000);
      const run = await cnikitWithStdin(['stats', '-'], bytes, 300);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^cnikit: -: corrupt capture after \d+ packets: /);
    },
  );

  it('without a standard input, - cannot be opened (exit 2)', async () => {
    const run = await cnikit(['dissect', '-']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'cnikit: cannot open -: no standard input\n' });
  });

  it('the help says so', async () => {
    const run = await cnikit(['--help']);
    expect(run.stdout).toContain('- reads standard\ninput (cat f.pcap | cnikit dissect -)');
  });

  itRequires(BUILT, 'the binary reads a pipe: cat vxlan.pcap | cnikit dissect - --json', async () => {
    const file = corpusFile('vxlan.pcap');
    const bin = join(packageDir, 'bin', 'cnikit.js');
    const piped = spawnSync(process.execPath, [bin, 'dissect', '-', '--json'], {
      input: readFileSync(file),
      encoding: 'utf8',
    });
    const direct = spawnSync(process.execPath, [bin, 'dissect', file, '--json'], { encoding: 'utf8' });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(direct.stdout);
    expect(piped.stdout.split('\n').length).toBeGreaterThan(10);
  });
});

describe('options a command does not take are usage errors (exit 2)', () => {
  it.each([
    [['hexdump', 'x.pcap', '--json'], 'hexdump does not take --json (only dissect does)'],
    [['stats', 'x.pcap', '--json'], 'stats does not take --json (only dissect does)'],
  ])('cnikit %j', async (argv, message) => {
    const run = await cnikit(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`cnikit: ${message}\n`);
  });
});
