import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';
import { REPO_ROOT } from '../../../test/packaging/readme-runner.js';
import { buildPlugin, DEBIAN_CNI_DIR } from './support.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: [
    '0 {"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/pod1"}],"ips":[{"version":"4","address":"10.22.0.5/24","interface":0}]}',
    '1 {"cniVersion":"1.1.0","code":4,"msg":"required env variables [CNI_NETNS] missing"}',
  ].join('\n'),
  'The runtime side': [
    "[ { address: '10.92.0.2/24', gateway: '10.92.0.1' } ]",
    "[ 'demo/pod1/eth0' ]",
    '0',
  ].join('\n'),
};

const hostLocal = existsSync(`${DEBIAN_CNI_DIR}/host-local`);
if (!hostLocal) {
  const line = '!'.repeat(72);
  console.warn(
    `\n${line}\n!!! SKIPPED packages/cni README examples: ${DEBIAN_CNI_DIR}/host-local is missing (apt install containernetworking-plugins)\n${line}\n`,
  );
}

const readme = readFileSync(join(REPO_ROOT, 'packages/cni/README.md'), 'utf8');

/** The fenced block of `lang` that follows heading `heading` (the nth after it). */
function block(heading: string, lang: string): string {
  const at = readme.indexOf(`\n## ${heading}\n`);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``).exec(readme.slice(at));
  if (at < 0 || !m) throw new Error(`README: no ${lang} block under ${heading}`);
  return m[1];
}

describe.skipIf(!hostLocal && process.env.CI !== 'true')('packages/cni/README.md', () => {
  itRunsEveryReadmeExample('packages/cni', EXPECTED);

  const dir = mkdtempSync(join(tmpdir(), 'cnk-cni-readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the minimal plugin is one file that bundles into one executable answering as the README says, with the real host-local', async () => {
    writeFileSync(join(dir, 'ipam-only.ts'), block('A minimal plugin', 'ts'));
    const exe = await buildPlugin(join(dir, 'ipam-only.ts'), join(dir, 'bin', 'ipam-only'), { minify: true });
    const config = {
      cniVersion: '1.0.0',
      name: 'demo',
      type: 'ipam-only',
      ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '10.92.0.0/24' }]] },
    };
    const env = {
      PATH: process.env.PATH,
      CNI_CONTAINERID: 'pod1',
      CNI_NETNS: '/var/run/netns/pod1',
      CNI_IFNAME: 'eth0',
      CNI_PATH: `${join(dir, 'bin')}:${DEBIAN_CNI_DIR}`,
    };
    const stdin = JSON.stringify(config);
    const add = execFileSync(exe, { input: stdin, env: { ...env, CNI_COMMAND: 'ADD' }, encoding: 'utf8' });
    expect(add.trim()).toBe(block('A minimal plugin', 'json'));
    expect(existsSync(join(dir, 'ipam', 'demo', '10.92.0.2'))).toBe(true);
    expect(execFileSync(exe, { input: stdin, env: { ...env, CNI_COMMAND: 'DEL' }, encoding: 'utf8' })).toBe(
      '',
    );
    expect(existsSync(join(dir, 'ipam', 'demo', '10.92.0.2'))).toBe(false);
  });
});
