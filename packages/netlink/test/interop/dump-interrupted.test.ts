/** NLM_F_DUMP_INTR from the real kernel: a link dump read while links change is reported, never silent. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { DumpInterruptedError, type Link, Netlink } from '../../src/index.js';
import { kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink interrupted dumps');

describe.skipIf(blocker)('a dump the kernel marks NLM_F_DUMP_INTR', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('intr');
    const batch = join(lab.dir, 'links.batch');
    writeFileSync(
      batch,
      Array.from({ length: 100 }, (_, i) => `link add a${i} type veth peer name b${i}`).join('\n'),
    );
    lab.run(ns, `ip -batch ${batch}`);
    nl = await Netlink.open({ netns: nsPath(ns) });
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  it('a streamed dump yields what it read, then throws DumpInterruptedError; the next dump is whole', async () => {
    const seen: Link[] = [];
    let changed = false;
    const e = await (async () => {
      for await (const link of nl.links.dump()) {
        seen.push(link);
        if (!changed) {
          // between the first datagram and the rest, the set of links changes
          lab.run(ns, 'ip link add c0 type veth peer name c1');
          changed = true;
        }
      }
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DumpInterruptedError);
    expect((e as DumpInterruptedError).operation).toBe('RTM_GETLINK dump');
    expect(seen.length).toBeGreaterThan(1);
    const whole = await nl.links.list();
    expect(whole).toHaveLength(1 + 200 + 2);
    expect(nl.socket.ignoredMessages).toBe(0);
  });

  it('leaving a dump early: the rest of its reply is read and dropped, so the next dump is not refused (EBUSY)', async () => {
    const before = nl.socket.ignoredMessages;
    for await (const link of nl.links.dump()) {
      expect(link.index).toBe(1);
      break;
    }
    // the ~202 links not taken and the NLMSG_DONE were read off the socket
    expect(nl.socket.ignoredMessages - before).toBeGreaterThan(150);
    const all = await nl.links.list();
    expect(all).toHaveLength(203);
  });
});
