import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { community, decodeRibAttributes, type MrtRecord, readMrtFile } from '@cnikit/bgp';
import { formatPrefix } from '@cnikit/wire';
import { describe, expect } from 'vitest';
import { itWithTool } from '../../../wire/test/tools.js';

/** The records of the first table dump in a file BIRD appends a dump to every period. */
async function firstDump(path: string): Promise<MrtRecord[]> {
  const out: MrtRecord[] = [];
  for await (const r of readMrtFile(path)) {
    if (r.kind === 'peer-index-table' && out.length > 0) break;
    out.push(r);
  }
  return out;
}

describe('MRT interop with BIRD 2 (no BGP sessions, no kernel protocol: static routes dumped by protocol mrt)', () => {
  itWithTool('bird', ['--version'])(
    "BIRD's TABLE_DUMP_V2 files read back to the routes and attributes BIRD was given",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cnk-bgp-bird-'));
      const config = [
        'router id 192.0.2.1;',
        'protocol static s4 { ipv4;',
        '  route 10.7.0.0/16 blackhole { bgp_origin = ORIGIN_IGP; bgp_path.prepend(65002); bgp_med = 10;',
        '    bgp_community.add((65001,100)); bgp_large_community.add((65001,1,2)); };',
        '  route 10.8.1.0/24 blackhole { bgp_local_pref = 200; }; }',
        'protocol static s6 { ipv6; route 2001:db8:7::/48 blackhole { bgp_med = 20; }; }',
        `protocol mrt dump4 { table master4; filename "${join(dir, 'master4.mrt')}"; period 1; }`,
        `protocol mrt dump6 { table master6; filename "${join(dir, 'master6.mrt')}"; period 1; }`,
      ].join('\n');
      writeFileSync(join(dir, 'bird.conf'), config);
      // Foreground, its own control socket; no device/kernel protocol, so nothing touches the host's routes.
      const bird = spawn(
        'bird',
        ['-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')],
        {
          stdio: 'ignore',
        },
      );
      try {
        const size = (f: string) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0);
        for (let i = 0; i < 100 && (size('master4.mrt') === 0 || size('master6.mrt') === 0); i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 300));
        const v4 = await firstDump(join(dir, 'master4.mrt'));
        const v6 = await firstDump(join(dir, 'master6.mrt'));
        expect(v4[0]).toMatchObject({
          kind: 'peer-index-table',
          collectorId: 0xc0000201,
          viewName: 'master4',
        });
        const ribs = v4.filter((r) => r.kind === 'rib');
        expect(
          ribs.map((r) => r.kind === 'rib' && [r.subtype, formatPrefix(r.prefix), r.entries.length]),
        ).toEqual([
          [2, '10.7.0.0/16', 1],
          [2, '10.8.1.0/24', 1],
        ]);
        const first = ribs[0].kind === 'rib' ? decodeRibAttributes(ribs[0].entries[0].attributes) : [];
        const byKind = Object.fromEntries(first.map((a) => [a.kind, a]));
        expect(byKind.origin).toMatchObject({ origin: 0 });
        expect(byKind['as-path']).toMatchObject({ segments: [{ type: 2, asns: [65002] }] });
        expect(byKind.med).toMatchObject({ med: 10 });
        expect(byKind.communities).toMatchObject({ communities: [community(65001, 100)] });
        expect(byKind['large-communities']).toMatchObject({
          communities: [{ global: 65001, local1: 1, local2: 2 }],
        });
        // BIRD 2.0 writes the attribute flags of a RIB entry as 0; they are kept as sent.
        expect(first.map((a) => a.flags)).toEqual(first.map(() => 0));
        const second = ribs[1].kind === 'rib' ? decodeRibAttributes(ribs[1].entries[0].attributes) : [];
        expect(second.find((a) => a.kind === 'local-pref')).toMatchObject({ localPref: 200 });
        const v6ribs = v6.filter((r) => r.kind === 'rib');
        expect(v6ribs.map((r) => r.kind === 'rib' && [r.subtype, formatPrefix(r.prefix)])).toEqual([
          [4, '2001:db8:7::/48'],
        ]);
        const a6 = v6ribs[0].kind === 'rib' ? decodeRibAttributes(v6ribs[0].entries[0].attributes) : [];
        expect(a6.find((a) => a.kind === 'med')).toMatchObject({ med: 20 });
      } finally {
        bird.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 200));
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
