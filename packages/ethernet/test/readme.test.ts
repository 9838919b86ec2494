import { describe, expect, it } from 'vitest';
import { runReadmeExample, typecheckReadmeExample } from '../../../test/packaging/readme-runner.js';

describe('packages/ethernet/README.md', () => {
  it('the example prints exactly what the README says', async () => {
    const r = await runReadmeExample('packages/ethernet');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.expected).toBe('eth/ip/udp 10.244.2.3 53\nchecksums ok: true good');
    expect(r.stdout).toBe(r.expected);
  });

  it('the example type-checks (strict)', () => {
    expect(typecheckReadmeExample('packages/ethernet')).toBe('');
  });
});
