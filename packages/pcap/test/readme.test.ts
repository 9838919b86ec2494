import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LINKTYPE_RAW } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  runReadmeExample,
  runReadmeExamples,
  typecheckReadmeExample,
  typecheckReadmeExamples,
} from '../../../test/packaging/readme-runner.js';
import { CORPUS_DIR } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { pcapFile } from '../../ethernet/test/fixtures/synthetic-pcap.js';
import { runCli } from '../src/cli/run.js';
import { collectingStream } from './cli-helpers.js';
import { bgpStream, cutStream, TCP_SYN, tcpFrame } from './support/tcp-stream.js';

const CORPUS = haveCorpus(
  'packages/pcap/test/readme.test.ts: the README example run on bgp-role.pcapng of the corpus',
);

describe('packages/pcap/README.md', () => {
  // capinfos: 9 packets, first 2022-11-17 20:08:52.541413; tshark frame.time_epoch 1668715732.541413000
  it.skipIf(!CORPUS)('the example prints exactly what the README says on a corpus capture', async () => {
    const r = await runReadmeExample('packages/pcap', {
      files: { 'trace.pcapng': join(CORPUS_DIR, 'pcap', 'bgp-role.pcapng') },
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.expected).toBe('9 packets, first at 1668715732.541413000');
    expect(r.stdout).toBe(r.expected);
  });

  it('the example type-checks (strict)', () => {
    expect(typecheckReadmeExample('packages/pcap')).toBe('');
  });

  it.skipIf(!CORPUS)('the TcpReassembly example prints what the README says on a BGP session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-readme-'));
    try {
      const { bytes } = bgpStream(2000);
      const isn = 7000;
      const frames = [
        tcpFrame({ seq: isn, payload: new Uint8Array(0), flags: TCP_SYN }),
        ...cutStream(bytes, [50, 3000, 6000], isn).map((s) => tcpFrame(s)),
      ];
      writeFileSync(join(dir, 'bgp-session.pcap'), pcapFile(frames, LINKTYPE_RAW));
      const runs = await runReadmeExamples('packages/pcap', {
        files: {
          'trace.pcapng': join(CORPUS_DIR, 'pcap', 'bgp-role.pcapng'),
          'bgp-session.pcap': join(dir, 'bgp-session.pcap'),
        },
      });
      expect(runs.length).toBe(2);
      const r = runs[1];
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.expected).toBe(
        [
          '1: raw ip tcp',
          '2: raw ip tcp bgp',
          '3: raw ip tcp tcp.segments bgp, 2957 bytes reassembled',
          '4: raw ip tcp tcp.segments bgp, 5938 bytes reassembled',
          '5: raw ip tcp tcp.segments bgp, 4096 bytes reassembled',
        ].join('\n'),
      );
      expect(r.stdout).toBe(r.expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every example type-checks (strict)', () => {
    const checks = typecheckReadmeExamples('packages/pcap');
    expect(checks.length).toBe(2);
    for (const c of checks) expect(c.diagnostics, c.title).toBe('');
  });

  it.skipIf(!CORPUS)('every cnikit command in the README prints what the README says', async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sh\n(.+)\n```\n\nprints[^\n]*\n\n```\n([\s\S]*?)\n```/g)];
    expect(blocks.length).toBe(3);
    for (const [, command, expected] of blocks) {
      const piped = /^cat (\S+) \| (.*)$/.exec(command);
      const line = piped ? piped[2] : command;
      const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
      expect(words[0], command).toBe('cnikit');
      const inCorpus = (w: string) => (w.endsWith('.pcap') ? join(CORPUS_DIR, 'pcap', w) : w);
      const stdout = collectingStream();
      const stderr = collectingStream();
      const stdin = piped ? Readable.from([readFileSync(inCorpus(piped[1]))]) : undefined;
      const code = await runCli(words.slice(1).map(inCorpus), { stdout, stderr, stdin });
      expect(`${stdout.text()}${stderr.text()}`.replace(/^\n+|\n+$/g, ''), command).toBe(expected);
      expect(code, command).toBe(expected.startsWith('cnikit: bad filter') ? 2 : 0);
    }
  });
});
