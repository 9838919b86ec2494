import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/packaging/readme-runner.js';
import { buildIfNeeded, discoverPackages } from '../../test/packaging/workspace.js';
import { announceKernelTestBlocker, kernelTestBlocker } from '../../test/support/netns.js';
import { CAPTURES, check, runs } from './agreement.js';

const blocker = kernelTestBlocker(['ping', 'tshark']);
announceKernelTestBlocker(
  blocker,
  'examples/captures/record-captures.test.ts: re-recording the sample captures',
);

const namespaces = () =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith('cnikit-cap-'));

// `npm run captures` in a temporary folder: the kernel still sends the kinds of traffic the
// committed captures hold, in the same order, tshark's fresh decode agrees with ours value for
// value, and the script leaves no namespace behind.
describe.skipIf(blocker !== undefined)('scripts/record-captures.mjs', () => {
  const out = mkdtempSync(join(tmpdir(), 'cnikit-captures-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('records the same scenes again, small, agreeing with tshark, and cleans up', () => {
    buildIfNeeded(discoverPackages().included);
    const before = namespaces();
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/record-captures.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, CNIKIT_CAPTURES_OUT: out },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(namespaces()).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(CAPTURES.flatMap((c) => [c.file, `${c.file}.json.gz`]).sort());
    for (const capture of CAPTURES) {
      expect(statSync(join(out, capture.file)).size, capture.file).toBeLessThan(16 * 1024);
      const report = check(capture.file, out);
      expect(report.mismatches, capture.file).toEqual([]);
      expect(report.weThrowTsharkDoesNot, capture.file).toEqual([]);
      // How many MLD reports and solicitations a link sends depends on timing: compare the order
      // of the kinds of packet, not how many of each.
      expect(
        runs(report.paths).map(([path]) => path),
        capture.file,
      ).toEqual(capture.paths.map(([path]) => path));
      expect(report.compared, capture.file).toBeGreaterThan(report.packets * 20);
    }
  }, 300_000);
});
