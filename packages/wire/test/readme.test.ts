import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  extractReadmeExample,
  REPO_ROOT,
  runReadmeExample,
  runReadmeExamples,
  typecheckReadmeExample,
  typecheckReadmeExamples,
} from '../../../test/packaging/readme-runner.js';

describe('packages/wire/README.md', () => {
  it('has an example and the output it prints', () => {
    const { code, expected } = extractReadmeExample(
      readFileSync(`${REPO_ROOT}packages/wire/README.md`, 'utf8'),
    );
    expect(code).toContain("from '@cnikit/wire'");
    expect(code.split('\n').length).toBeLessThanOrEqual(15);
    expect(expected).toBe('2001:db8::1:0:0:1\n10.244.0.0/16 true false\nudp.checksum 0x1976');
  });

  it('the example prints exactly what the README says', async () => {
    const r = await runReadmeExample('packages/wire');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(r.expected);
  });

  it('the example type-checks (strict)', () => {
    expect(typecheckReadmeExample('packages/wire')).toBe('');
  });

  it('every further example prints what the README says (the FCS one: zlib.crc32 gives 0x3864388a too)', async () => {
    const runs = await runReadmeExamples('packages/wire');
    expect(runs.map((r) => r.heading)).toEqual(['Example', 'The Ethernet FCS']);
    expect(runs[1].expected).toBe(
      'check value 0xcbf43926\nfcs 0x3864388a good: true\none bit flipped, good: false',
    );
    for (const r of runs) {
      expect(r.stderr, r.title).toBe('');
      expect(r.stdout, r.title).toBe(r.expected);
    }
    for (const c of typecheckReadmeExamples('packages/wire')) expect(c.diagnostics, c.title).toBe('');
  });
});
