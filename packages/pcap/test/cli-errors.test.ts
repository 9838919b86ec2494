import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedPath, loadTsharkPackets } from '../../../test/support/corpus.js';
import { CORPUS, cnikit, corpusFile, itRequires, ndjson } from './cli-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'cnikit-cli-errors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('usage errors exit 2 with a message', () => {
  it.each([
    [[], 'a command is needed'],
    [['frobnicate', 'x.pcap'], 'unknown command "frobnicate"'],
    [['dissect'], 'dissect needs a capture FILE (or - for standard input)'],
    [['dissect', 'x.pcap', '--colour'], 'unknown option --colour'],
    [['dissect', 'x.pcap', '-c', 'ten'], '-c needs a packet count, not "ten"'],
    [['stats', 'a.pcap', 'b.pcap'], 'unexpected argument b.pcap'],
  ])('cnikit %j', async (argv, message) => {
    const run = await cnikit(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cnikit: ${message}\n`);
    expect(run.stderr).toContain('usage: cnikit <command> FILE');
    expect(run.stdout).toBe('');
  });

  it('--help documents the exit codes and what undecodable packets do, and exits 0', async () => {
    const run = await cnikit(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}1 {2}the capture file is corrupt/m);
    expect(run.stdout).toMatch(/^ {2}2 {2}usage error, bad filter/m);
    expect(run.stdout).toContain('shown as\nundecoded data');
  });

  it('--version prints the version it is given', async () => {
    expect(await cnikit(['--version'])).toEqual({ code: 0, stdout: 'cnikit test\n', stderr: '' });
  });
});

describe('files that cannot be opened exit 2', () => {
  it('a missing file', async () => {
    const missing = join(scratch, 'no-such.pcap');
    const run = await cnikit(['dissect', missing]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `cnikit: cannot open ${missing}: no such file\n` });
  });

  it('a directory', async () => {
    const run = await cnikit(['stats', scratch]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `cnikit: cannot open ${scratch}: is a directory\n` });
  });
});

describe('a bad filter exits 2 with a caret under the problem', () => {
  it('before opening the file', async () => {
    const run = await cnikit(['dissect', join(scratch, 'no-such.pcap'), '--filter', 'ip.src == 10.0.0.1 &&']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'cnikit: bad filter at character 22: expression expected\n  ip.src == 10.0.0.1 &&\n                       ^\n',
    );
  });
});

describe('corrupt captures exit 1 after the packets before the damage', () => {
  itRequires(CORPUS, 'a pcap cut inside its 4th record: 3 packets, then the record offset', async () => {
    const source = corpusFile('vxlan.pcap');
    const capLens = loadTsharkPackets(expectedPath('vxlan.pcap') ?? '').map((p) =>
      Number((p.frame as Record<string, string>)['frame.cap_len']),
    );
    // pcap: 24-byte file header, then per record a 16-byte header and cap_len bytes.
    const fourth = 24 + capLens.slice(0, 3).reduce((sum, n) => sum + 16 + n, 0);
    const cut = join(scratch, 'cut.pcap');
    writeFileSync(cut, readFileSync(source).subarray(0, fourth + 20));
    const run = await cnikit(['dissect', cut, '--json']);
    expect(run.code).toBe(1);
    expect(ndjson(run.stdout).map((p) => p['frame.number'])).toEqual([1, 2, 3]);
    expect(run.stderr).toMatch(
      new RegExp(`^cnikit: .*cut\\.pcap: corrupt capture after 3 packets: .*\\(at byte ${fourth}\\)\\n$`),
    );
    const stats = await cnikit(['stats', cut]);
    expect(stats.code).toBe(1);
    expect(stats.stdout).toMatch(/^eth +frames:3 bytes:/m);
  });

  it.each([
    [
      'not a capture',
      new TextEncoder().encode('hello, this is text\n'),
      /bad magic 0x68656c6c: not a pcap or pcapng file \(at byte 0\)/,
    ],
    ['an empty file', new Uint8Array(0), /file of 0 bytes has no header \(at byte 0\)/],
  ])('%s', async (_name, bytes, message) => {
    const path = join(scratch, 'bad.pcap');
    writeFileSync(path, bytes);
    const run = await cnikit(['dissect', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/corrupt capture after 0 packets/);
    expect(run.stderr).toMatch(message);
  });
});
