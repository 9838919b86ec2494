import { runCli } from './run.js';

export { runCli } from './run.js';

/**
 * Entry point of the `cnikit` binary (bin/cnikit.js): runs with the process's arguments and
 * streams, and ends quietly when stdout is closed early (`cnikit dissect big.pcap | head`).
 */
export async function main(version?: string): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    version,
  });
}
