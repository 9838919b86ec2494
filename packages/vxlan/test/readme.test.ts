import { describe, expect, it } from 'vitest';
import { runReadmeExample, typecheckReadmeExample } from '../../../test/packaging/readme-runner.js';

describe('packages/vxlan/README.md', () => {
  it('the example prints exactly what the README says', async () => {
    const r = await runReadmeExample('packages/vxlan');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.expected).toBe('1 192.168.0.1 -> 192.168.0.2 true\n0a:58:0a:f4:01:02 64 4');
    expect(r.stdout).toBe(r.expected);
  });

  it('the example type-checks (strict)', () => {
    expect(typecheckReadmeExample('packages/vxlan')).toBe('');
  });
});
