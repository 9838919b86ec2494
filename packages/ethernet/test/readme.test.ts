import { describe, expect, it } from 'vitest';
import { runReadmeExamples, typecheckReadmeExamples } from '../../../test/packaging/readme-runner.js';

/** Every example of the README by heading, with what it must print (pinned here too, so a README
 * edit cannot quietly make a wrong output the expected one). */
const EXPECTED: Record<string, string> = {
  Example: 'eth/ip/udp 10.244.2.3 53\nchecksums ok: true good',
  'NDP options: a router advertisement': [
    'router-advertisement 152 bytes, checksum ok: true',
    'prefix-information fd00:10:244:1::/64 SLAAC true',
    'rdnss fd00:10:96::a 1800',
    'dnssl default.svc.cluster.local svc.cluster.local 1800',
    'route-information fd00:10:96::/112 preference 1',
  ].join('\n'),
  'TCP options: Multipath TCP and Fast Open': [
    'mss sack-permitted timestamps nop window-scale mptcp fast-open nop nop',
    'mp-capable v1 flags 0x01',
    'fast-open cookie 8f:3a:1c:2b:4d:5e:6f:70',
  ].join('\n'),
};

describe('packages/ethernet/README.md', () => {
  it('every example prints exactly what the README says', async () => {
    const runs = await runReadmeExamples('packages/ethernet');
    expect(runs.map((r) => r.heading)).toEqual(Object.keys(EXPECTED));
    for (const r of runs) {
      expect(r.stderr, r.title).toBe('');
      expect(r.exitCode, r.title).toBe(0);
      expect(r.expected, r.title).toBe(EXPECTED[r.heading]);
      expect(r.stdout, r.title).toBe(r.expected);
    }
  });

  it('every example type-checks (strict)', () => {
    const checks = typecheckReadmeExamples('packages/ethernet');
    expect(checks.map((c) => c.heading)).toEqual(Object.keys(EXPECTED));
    for (const c of checks) expect(c.diagnostics, c.title).toBe('');
  });
});
