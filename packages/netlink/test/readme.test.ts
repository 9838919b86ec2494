import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReadmeExamples, typecheckReadmeExamples } from '../../../test/packaging/readme-runner.js';
import { kernelBlocker } from './kernel.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: '1 lo - false\n2 veth1 veth false\n3 veth0 veth true\nveth0 10.0.0.1/24',
  'The codec alone': '16 605 84\nvx0 vxlan { id: 42, learning: false, port: 8472 }',
  'Many links at once': "101\n[ 'lo' ]",
  'Watching changes': 'newaddr 10.9.0.1/32 lo',
  'Generic netlink': "nlctrl 16 [ { name: 'notify', id: 16 } ]",
  'Dissecting netlink':
    'netlink-route.nltype 16\nnetlink.hdr_flags.create true\nnetlink-route.ifla_ifname vx0',
  'Recording a capture without nlmon': '1 true',
};
/** Examples that open sockets and make a namespace: they need root and the addon. */
const NEEDS_KERNEL = new Set([
  'Many links at once',
  'Example',
  'Watching changes',
  'Generic netlink',
  'Recording a capture without nlmon',
]);
const blocker = kernelBlocker('netlink README example that makes a namespace');

describe('packages/netlink/README.md', () => {
  it('every example prints exactly what the README says (kernel examples skipped loudly without root)', async () => {
    // The examples run bundled from a temporary directory: point the loader at this package.
    process.env.CNIKIT_NETLINK_ADDON_DIR = join(import.meta.dirname, '..');
    const runs = await runReadmeExamples('packages/netlink');
    expect(runs.map((r) => r.heading)).toEqual(Object.keys(EXPECTED));
    let ran = 0;
    for (const r of runs) {
      if (blocker && NEEDS_KERNEL.has(r.heading)) continue;
      expect(r.stderr, r.title).toBe('');
      expect(r.exitCode, r.title).toBe(0);
      expect(r.expected, r.title).toBe(EXPECTED[r.heading]);
      expect(r.stdout, r.title).toBe(r.expected);
      ran++;
    }
    expect(ran).toBe(blocker ? runs.length - NEEDS_KERNEL.size : runs.length);
  });

  it('every example type-checks (strict)', () => {
    const checks = typecheckReadmeExamples('packages/netlink');
    expect(checks.map((c) => c.heading)).toEqual(Object.keys(EXPECTED));
    for (const c of checks) expect(c.diagnostics, c.title).toBe('');
  });
});
