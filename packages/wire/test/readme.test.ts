import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';
import { extractReadmeExample, REPO_ROOT } from '../../../test/packaging/readme-runner.js';

describe('packages/wire/README.md', () => {
  it('has an example and the output it prints', () => {
    const { code, expected } = extractReadmeExample(
      readFileSync(`${REPO_ROOT}packages/wire/README.md`, 'utf8'),
    );
    expect(code).toContain("from '@cnikit/wire'");
    expect(code.split('\n').length).toBeLessThanOrEqual(15);
    expect(expected).toBe('2001:db8::1:0:0:1\n10.244.0.0/16 true false\nudp.checksum 0x1976');
  });

  // The FCS example's 0x3864388a is what zlib.crc32 gives for the same 60 bytes.
  itRunsEveryReadmeExample('packages/wire', {
    Example: '2001:db8::1:0:0:1\n10.244.0.0/16 true false\nudp.checksum 0x1976',
    'The Ethernet FCS': 'check value 0xcbf43926\nfcs 0x3864388a good: true\none bit flipped, good: false',
  });
});
