import { describe, expect, it } from 'vitest';
import { runReadmeExamples, typecheckReadmeExamples } from '../../../test/packaging/readme-runner.js';

/** Every example of the README by heading, with what it must print (pinned here too, so a README
 * edit cannot quietly make a wrong output the expected one). */
const EXPECTED: Record<string, string> = {
  Example: '1 192.168.0.1 -> 192.168.0.2 true\n0a:58:0a:f4:01:02 64 4',
  'The VTEP model': [
    '{ vni: 1, groupPolicyId: 100, dontLearn: true, policyApplied: false }',
    'gbp: delivered from 192.168.0.1, policy 100, fdb learned',
    'gbp + honourDontLearn: delivered from 192.168.0.1, policy 100, fdb unchanged',
    'no gbp: dropped, reserved-bits',
  ].join('\n'),
};

describe('packages/vxlan/README.md', () => {
  it('every example prints exactly what the README says', async () => {
    const runs = await runReadmeExamples('packages/vxlan');
    expect(runs.map((r) => r.heading)).toEqual(Object.keys(EXPECTED));
    for (const r of runs) {
      expect(r.stderr, r.title).toBe('');
      expect(r.exitCode, r.title).toBe(0);
      expect(r.expected, r.title).toBe(EXPECTED[r.heading]);
      expect(r.stdout, r.title).toBe(r.expected);
    }
  });

  it('every example type-checks (strict)', () => {
    const checks = typecheckReadmeExamples('packages/vxlan');
    expect(checks.map((c) => c.heading)).toEqual(Object.keys(EXPECTED));
    for (const c of checks) expect(c.diagnostics, c.title).toBe('');
  });
});
