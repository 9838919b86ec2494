import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

type TestBody = () => unknown;

/** Whether `command probe…` runs and exits 0. */
export function haveTool(command: string, probe: string[] = ['--version']): boolean {
  const r = spawnSync(command, probe, { stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

/**
 * `it` for tests that need an external tool: without the tool they are skipped with a loud
 * printed reason, except under `CI=true`, where they fail instead.
 */
export function itWithTool(command: string, probe: string[] = ['--version']) {
  const available = haveTool(command, probe);
  if (!available && process.env.CI !== 'true') {
    console.warn(`\n*** SKIPPING tests that need \`${command}\`: it is not installed or does not run.\n`);
  }
  return (name: string, body: TestBody, timeout?: number): void => {
    if (!available && process.env.CI === 'true') {
      it(name, () => {
        throw new Error(`\`${command}\` is required when CI=true (install it; see scripts/install-peers.sh)`);
      });
      return;
    }
    it.skipIf(!available)(available ? name : `${name} [needs ${command}]`, body, timeout);
  };
}

/** Runs a command synchronously and returns stdout; throws with stderr when it fails. */
export function run(command: string, args: string[], input?: string | Uint8Array): string {
  const r = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
