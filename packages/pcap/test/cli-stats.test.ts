import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CORPUS, cnikit, corpusFile, itRequires, repeatPcap, TSHARK } from './cli-helpers.js';

const BOTH = { ok: CORPUS.ok && TSHARK.ok, missing: CORPUS.ok ? TSHARK.missing : CORPUS.missing };

/** `tshark -q -z io,phs`-style text → protocol path (`eth/ip/udp`) → frames and bytes. */
function parseHierarchy(text: string): Map<string, { frames: number; bytes: number }> {
  const rows = new Map<string, { frames: number; bytes: number }>();
  const path: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^( *)(\S+) +frames:(\d+) bytes:(\d+)$/.exec(line);
    if (!m) continue;
    path.length = m[1].length / 2;
    path.push(m[2]);
    rows.set(path.join('/'), { frames: Number(m[3]), bytes: Number(m[4]) });
  }
  return rows;
}

const FILES = [
  'vxlan.pcap', // VXLAN: the inner eth/ip/icmp and eth/arp under udp/vxlan
  'dcb_ets.pcap', // IPv6 + hop-by-hop options, IPv4/UDP, LLDP
  'bgp-role.pcapng', // Linux cooked capture (SLL) in pcapng
  'icmp-length-zero.pcapng',
  'tcp_header_heapoverflow.pcap',
];

describe('cnikit stats', () => {
  itRequires(
    BOTH,
    `frames and bytes per protocol agree with tshark -q -z io,phs on ${FILES.length} captures`,
    async () => {
      let compared = 0;
      for (const file of FILES) {
        const path = corpusFile(file);
        const run = await cnikit(['stats', path]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/^\n={67}\nProtocol Hierarchy Statistics\nFilter: \n\n/);
        const ours = parseHierarchy(run.stdout);
        const theirs = parseHierarchy(
          execFileSync('tshark', ['-r', path, '-q', '-z', 'io,phs'], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          }),
        );
        // Top-level protocols (the link layer): the same set, the same counts.
        const top = (rows: typeof ours) => [...rows].filter(([p]) => !p.includes('/'));
        expect(top(ours), file).toEqual(top(theirs));
        // Below: every path of ours ending in a protocol we decode exists in tshark's with the same
        // counts. (`data` is what we leave undecoded, where tshark goes deeper.)
        for (const [p, counts] of ours) {
          if (/(^|\/)(data|_ws\.malformed)$/.test(p)) continue;
          expect(theirs.get(p), `${file}: ${p}`).toEqual(counts);
          compared++;
        }
      }
      console.log(
        `cnikit stats vs tshark -z io,phs: ${FILES.length} files, ${compared} protocol paths equal`,
      );
      expect(compared).toBeGreaterThan(20);
    },
  );

  itRequires(CORPUS, '--filter restricts the packets counted and is shown in the heading', async () => {
    const run = await cnikit(['stats', corpusFile('vxlan.pcap'), '--filter', 'arp']);
    const rows = parseHierarchy(run.stdout);
    expect(run.stdout).toContain('\nFilter: arp\n');
    expect(rows.get('eth')?.frames).toBe(rows.get('eth/ip/udp/vxlan/eth/arp')?.frames);
    expect(rows.get('eth/ip/udp/vxlan/eth/ip')).toBeUndefined();
  });
});

describe('progress bar', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cnikit-cli-progress-'));
  const big = join(scratch, 'big.pcap');
  beforeAll(() => {
    // Over the 16 MiB threshold; -c keeps each run short (the bar is drawn on the first chunk).
    if (CORPUS.ok) repeatPcap(corpusFile('vxlan.pcap'), 17 * 1024 * 1024, big);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  itRequires(CORPUS, 'drawn on a terminal stderr for a large file, never when stderr is piped', async () => {
    const onTerminal = await cnikit(['stats', big, '-c', '1000'], { stderr: true });
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stderr).toMatch(/^\r.*big\.pcap \[[#.]+\] +[0-9.]+% /);
    expect(onTerminal.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(parseHierarchy(onTerminal.stdout).get('eth')?.frames).toBe(1000);

    const piped = await cnikit(['stats', big, '-c', '1000']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(onTerminal.stdout);
  });

  itRequires(CORPUS, 'not drawn while dissect writes packets to the same terminal', async () => {
    const toTerminal = await cnikit(['dissect', big, '-c', '1'], { stdout: true, stderr: true });
    expect(toTerminal.stderr).toBe('');
    const toPipe = await cnikit(['dissect', big, '-c', '1'], { stdout: false, stderr: true });
    expect(toPipe.stderr).toContain('%');
  });

  itRequires(CORPUS, 'not drawn for a small file', async () => {
    expect((await cnikit(['stats', corpusFile('vxlan.pcap')], { stderr: true })).stderr).toBe('');
  });
});
