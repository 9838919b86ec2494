import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReadmeExample, typecheckReadmeExample } from '../../../test/packaging/readme-runner.js';
import { CORPUS_DIR } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';

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
});
