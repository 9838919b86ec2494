import { execFile } from 'node:child_process';
import { describe, expect } from 'vitest';
import { CORPUS, cnikit, corpusFile, itRequires, ndjson, TSHARK } from './cli-helpers.js';

const BOTH = {
  ok: TSHARK.ok && CORPUS.ok,
  missing: TSHARK.ok ? CORPUS.missing : TSHARK.missing,
};

/**
 * Filters and what tshark 4.0.17 does with them on corpus captures (`tshark -r FILE -Y FILTER`):
 * rejects them (exit 2) or keeps this many frames. The first four are issue 11's filters that
 * can never match; the live test below checks every answer against tshark again.
 */
const CASES: readonly (readonly [file: string, filter: string, tshark: 'rejected' | number])[] = [
  ['vxlan.pcap', 'ip.scr == 10.0.0.1', 'rejected'],
  ['vxlan.pcap', 'udp.port == 99999', 'rejected'],
  ['vxlan.pcap', 'ip.src == 300.1.1.1', 'rejected'],
  ['vxlan.pcap', 'icmp.type == echo', 'rejected'],
  ['vxlan.pcap', 'ip.proto == UDP', 10],
  ['vxlan.pcap', 'ip.proto == Udp', 10],
  ['vxlan.pcap', 'ip.proto == "UDP"', 10],
  ['vxlan.pcap', 'ip.proto == udp', 'rejected'],
  ['vxlan.pcap', 'ip.proto == ICMP && icmp.type == 8', 4],
  ['vxlan.pcap', 'eth.type == IPv4', 10],
  ['vxlan.pcap', 'eth.type == ipv4', 10],
  ['vxlan.pcap', 'ip.flags.df == Set', 10],
  ['vxlan.pcap', 'ip.flags.df == "Not set"', 4],
  ['vxlan.pcap', 'ip.flags.df == yes', 'rejected'],
  ['vxlan.pcap', 'ip.checksum.status == Unverified', 10],
  ['vxlan.pcap', 'udp.checksum.status == "Not present"', 10],
  ['vxlan.pcap', 'arp.opcode == request', 1],
  ['vxlan.pcap', 'arp.opcode == reply', 1],
  ['vxlan.pcap', 'ip.ttl == 256', 'rejected'],
  ['vxlan.pcap', 'ip.ttl == 0x100', 'rejected'],
  ['vxlan.pcap', 'ip.ttl == 1.0', 'rejected'],
  ['vxlan.pcap', 'ip.ttl == 64', 9],
  ['vxlan.pcap', 'ip.ttl == -1', 0],
  ['vxlan.pcap', 'vxlan.vni == 16777216', 'rejected'],
  ['vxlan.pcap', 'vxlan.vni == 100', 10],
  ['vxlan.pcap', 'frame.len == 99999999999', 'rejected'],
  ['vxlan.pcap', 'ip.src == 10', 'rejected'],
  ['vxlan.pcap', 'ip.src == 10.0.0', 'rejected'],
  ['vxlan.pcap', 'ip.src == fe80::1', 'rejected'],
  ['vxlan.pcap', 'ip.src == 10.0.0.0/33', 'rejected'],
  ['vxlan.pcap', 'ip.src == 192.168.0.0/16', 10],
  ['vxlan.pcap', 'ipv6.src == 1.2.3.4', 'rejected'],
  ['vxlan.pcap', 'eth.src == 00:16:3e', 'rejected'],
  ['vxlan.pcap', 'eth.src == 00:16:3e:37:f6:04', 5],
  ['vxlan.pcap', 'ip.dsfield.ecn == Not-ECT', 'rejected'],
  ['vxlan.pcap', 'ip.scr', 'rejected'],
  ['vxlan.pcap', 'vxlan && !icmp', 2],
  ['LINKTYPE_IPV6.pcap', 'ipv6.nxt == UDP', 1],
  ['LINKTYPE_IPV6.pcap', 'ipv6.src == 2001:db8::/32', 1],
  ['LINKTYPE_IPV6.pcap', 'ipv6.src == 2001:db8::1/129', 'rejected'],
];

/** Runs tshark; resolves to its exit status and output. */
function tshark(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'tshark',
      args,
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs `fn` over `items`, at most `limit` at a time (tshark's start-up is mostly waiting). */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Frames per filter from one `tshark -q -z io,stat,0,F1,F2,…` run (a bad filter fails it all). */
async function tsharkCounts(file: string, filters: readonly string[]): Promise<number[]> {
  const run = await tshark(['-r', file, '-q', '-z', `io,stat,0,${filters.join(',')}`]);
  if (run.code !== 0) throw new Error(`tshark io,stat on ${file}: ${run.stderr}`);
  const row = run.stdout.split('\n').find((l) => /^\|\s*[0-9.]+ <> /.test(l));
  // A capture whose packets all share one timestamp has no interval row: one run per filter.
  if (!row) return Promise.all(filters.map((f) => tsharkFrameCount(file, f)));
  // | interval | frames | bytes | frames | bytes | …
  const cells = row
    .split('|')
    .slice(2, -1)
    .map((c) => Number(c.trim()));
  return filters.map((_, i) => cells[2 * i]);
}

async function tsharkFrameCount(file: string, filter: string): Promise<number> {
  const run = await tshark(['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  if (run.code !== 0) throw new Error(`tshark -Y '${filter}' on ${file}: ${run.stderr}`);
  return run.stdout.split('\n').filter((l) => l !== '').length;
}

describe('display filters: checked as tshark checks them', () => {
  itRequires(
    CORPUS,
    `${CASES.length} filters are rejected (exit 2) or keep as many frames as with tshark`,
    async () => {
      const differ: string[] = [];
      let rejected = 0;
      for (const [file, filter, expected] of CASES) {
        const run = await cnikit(['dissect', corpusFile(file), '--json', '-Y', filter]);
        const ours = run.code === 2 ? 'rejected' : ndjson(run.stdout).length;
        if (ours !== expected) differ.push(`${file} -Y '${filter}': tshark ${expected}, cnikit ${ours}`);
        if (ours === 'rejected') {
          rejected++;
          // One message: what is wrong, the filter, a caret under the problem.
          expect(run.stderr, filter).toMatch(/^cnikit: bad filter at character \d+: .+\n {2}.+\n {2} *\^\n$/);
        }
      }
      expect(differ).toEqual([]);
      expect(rejected).toBe(20);
    },
  );

  itRequires(BOTH, 'tshark 4.0.17 still gives those answers', async () => {
    const rejectedCases = CASES.filter(([, , expected]) => expected === 'rejected');
    const codes = await mapLimited(rejectedCases, 8, ([file, filter]) =>
      tshark(['-r', corpusFile(file), '-Y', filter, '-c', '1']).then((r) => r.code),
    );
    expect(codes).toEqual(rejectedCases.map(() => 2));
    const accepted = CASES.filter(([, , expected]) => expected !== 'rejected');
    for (const file of new Set(accepted.map(([f]) => f))) {
      const mine = accepted.filter(([f]) => f === file);
      const counts = await tsharkCounts(
        corpusFile(file),
        mine.map(([, filter]) => filter),
      );
      expect(counts, file).toEqual(mine.map(([, , expected]) => expected));
    }
  });
});

describe('filter errors name the field and point at the problem (exit 2)', () => {
  const file = corpusFile('vxlan.pcap');
  itRequires(CORPUS, 'issue 11: filters that can never match', async () => {
    const cases: [string, string][] = [
      [
        'ip.scr == 10.0.0.1',
        'bad filter at character 1: "ip.scr" is not a field or protocol cnikit knows\n  ip.scr == 10.0.0.1\n  ^\n',
      ],
      [
        'udp.port == 99999',
        'bad filter at character 13: "99999" is too big for udp.port (at most 65535)\n  udp.port == 99999\n              ^\n',
      ],
      [
        'ip.src == 300.1.1.1',
        'bad filter at character 11: "300.1.1.1" is not an IPv4 address or prefix (ip.src)\n  ip.src == 300.1.1.1\n            ^\n',
      ],
      [
        'icmp.type == echo',
        'bad filter at character 14: "echo" is not a number (icmp.type is a number field)\n  icmp.type == echo\n               ^\n',
      ],
      [
        'ip.dsfield.ecn == ECT',
        'bad filter at character 19: "ECT" is neither a number nor a value name of ip.dsfield.ecn\n  ip.dsfield.ecn == ECT\n                    ^\n',
      ],
      [
        'ip.proto == udp',
        'bad filter at character 13: ip.proto cannot be compared with the field udp\n  ip.proto == udp\n              ^\n',
      ],
    ];
    for (const [filter, message] of cases) {
      expect(await cnikit(['dissect', file, '-Y', filter])).toEqual({
        code: 2,
        stdout: '',
        stderr: `cnikit: ${message}`,
      });
    }
  });

  itRequires(CORPUS, 'ip.proto == UDP keeps the 10 packets of vxlan.pcap, as in tshark', async () => {
    const run = await cnikit(['dissect', file, '--json', '-Y', 'ip.proto == UDP']);
    expect(run.code).toBe(0);
    const packets = ndjson(run.stdout);
    expect(packets).toHaveLength(10);
    for (const p of packets) expect([p['ip.proto']].flat()).toContain(17);
  });
});
