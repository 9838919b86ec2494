import { expect, it } from 'vitest';
import { runReadmeExamples, typecheckReadmeExamples } from './readme-runner.js';

/**
 * The two tests every package README gets: each example (by heading, in order) prints exactly the
 * output pinned in `expected` — pinned here as well as in the README, so an edit cannot quietly make
 * a wrong output the expected one — and each type-checks under strict settings.
 */
export function itRunsEveryReadmeExample(packageDir: string, expected: Record<string, string>): void {
  it('every example prints exactly what the README says', async () => {
    const runs = await runReadmeExamples(packageDir);
    expect(runs.map((r) => r.heading)).toEqual(Object.keys(expected));
    for (const r of runs) {
      expect(r.stderr, r.title).toBe('');
      expect(r.exitCode, r.title).toBe(0);
      expect(r.expected, r.title).toBe(expected[r.heading]);
      expect(r.stdout, r.title).toBe(r.expected);
    }
  });

  it('every example type-checks (strict)', () => {
    const checks = typecheckReadmeExamples(packageDir);
    expect(checks.map((c) => c.heading)).toEqual(Object.keys(expected));
    for (const c of checks) expect(c.diagnostics, c.title).toBe('');
  });
}
