import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runReadmeExample, typecheckReadmeExample } from '../../../test/packaging/readme-runner.js';
import { CORPUS_DIR } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { runCli } from '../src/cli/run.js';
import { collectingStream } from './cli-helpers.js';

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
