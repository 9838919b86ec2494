/**
 * Run by errors.test.ts as an unprivileged user inside a test namespace: tries a change and a
 * namespace switch and prints what it caught as JSON.
 */
import { Netlink, NetlinkSocket } from '../src/index.js';

function describeError(e: unknown): Record<string, unknown> {
  const x = e as { name?: string; code?: string; errno?: number; syscall?: string; message?: string };
  return { name: x.name, code: x.code, errno: x.errno, syscall: x.syscall, message: x.message };
}

const result: Record<string, unknown> = { uid: process.getuid?.() };
const nl = await Netlink.open();
result.links = (await nl.links.list()).map((l) => l.name).sort();
try {
  await nl.links.create({ name: 'eperm0', kind: 'bridge' });
  result.create = 'created';
} catch (e) {
  result.create = describeError(e);
}
nl.close();
try {
  NetlinkSocket.open({ netns: process.argv[2] }).close();
  result.setns = 'opened';
} catch (e) {
  result.setns = describeError(e);
}
process.stdout.write(JSON.stringify(result));
