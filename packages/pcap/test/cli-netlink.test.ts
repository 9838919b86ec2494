/** `cnikit` on an nlmon capture (LINKTYPE_NETLINK): the netlink dissectors of @cnikit/netlink in the CLI. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cnikit, ndjson } from './cli-helpers.js';

/** A capture of what @cnikit/netlink sent and the kernel answered, committed with tshark's decode. */
const NLMON = join(import.meta.dirname, '..', '..', 'netlink', 'test', 'fixtures', 'nlmon-session.pcap');

describe('cnikit on LINKTYPE_NETLINK captures', () => {
  it('dissect --json: every frame decoded as netlink, with tshark field names', async () => {
    const run = await cnikit(['dissect', NLMON, '--json']);
    expect(run.code).toBe(0);
    const packets = ndjson(run.stdout);
    expect(packets).toHaveLength(59);
    const protocols = new Set(packets.map((p) => p['frame.protocols']));
    expect([...protocols].sort()).toEqual(['netlink:genl', 'netlink:netlink-route']);
    expect(packets[0]['netlink-route.nltype']).toBe(18);
    expect(packets[0]['netlink.hdr_flags']).toEqual([769, 769]);
  });

  it('a display filter on netlink fields finds the one refused request (EEXIST)', async () => {
    const run = await cnikit(['dissect', NLMON, '--json', '--filter', 'netlink.error < 0']);
    expect(run.code).toBe(0);
    const packets = ndjson(run.stdout);
    expect(packets.map((p) => p['netlink.error'])).toEqual([-17]);
  });

  it('stats: the protocol hierarchy of the capture', async () => {
    const run = await cnikit(['stats', NLMON]);
    expect(run.stdout).toMatch(/netlink\s+frames:59/);
    expect(run.stdout).toMatch(/netlink-route\s+frames:57/);
    expect(run.stdout).toMatch(/genl\s+frames:2/);
  });
});
