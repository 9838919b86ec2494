import { execFile } from 'node:child_process';
import { describe, expect } from 'vitest';
import { CORPUS, cnikit, corpusFile, itRequires, TSHARK } from './cli-helpers.js';

const BOTH = { ok: TSHARK.ok && CORPUS.ok, missing: TSHARK.ok ? CORPUS.missing : TSHARK.missing };

/**
 * Corpus frames whose `cnikit dissect` tree is compared line by line with `tshark -V` (4.0.17,
 * bit-pattern prefixes such as `0100 .... = ` taken off, the frame section left out). `differ` is
 * every line of ours that tshark does not print as is, each for a reason:
 * - Ethernet/ARP addresses: tshark adds the vendor from its OUI database (`Xensourc_08:71:cf
 *   (00:16:3e:08:71:cf)`) and an `Address:` line; we print the address only.
 * - Data: tshark nests ICMP's data in the ICMP tree, decodes DNS; we show a `data` layer.
 * - ICMPv6 option summaries, the RA flags summary and the checksum verdict, TCP's option labels
 *   (`TCP Option - Maximum segment size: 1460 bytes`) and its `Seq:` (relative, stateful) are not
 *   written like tshark's yet. `Home Agent Lifetime` is right: tshark 4.0.17 labels that field
 *   `Home Agent Preference` too.
 */
const FRAMES: readonly {
  file: string;
  frame: number;
  what: string;
  lines: number;
  differ: readonly string[];
}[] = [
  {
    file: 'vxlan.pcap',
    frame: 1,
    what: 'IPv4/UDP/VXLAN/ICMP echo',
    lines: 84,
    differ: [
      'Ethernet II, Src: 36:dc:85:1e:b3:40, Dst: 00:16:3e:08:71:cf',
      '    Destination: 00:16:3e:08:71:cf',
      '    Source: 36:dc:85:1e:b3:40',
      'Ethernet II, Src: 00:16:3e:37:f6:04, Dst: 00:30:88:01:00:02',
      '    Destination: 00:30:88:01:00:02',
      '    Source: 00:16:3e:37:f6:04',
      'Data (48 bytes)',
      '    Data: a6:f8:02:00:00:00:00:00:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f:30:31:32:33:34:35:36:37',
      '    Length: 48',
    ],
  },
  {
    file: 'vxlan.pcap',
    frame: 2,
    what: 'ARP inside VXLAN',
    lines: 61,
    differ: [
      'Ethernet II, Src: 00:16:3e:08:71:cf, Dst: 36:dc:85:1e:b3:40',
      '    Destination: 36:dc:85:1e:b3:40',
      '    Source: 00:16:3e:08:71:cf',
      'Ethernet II, Src: 00:30:88:01:00:02, Dst: ff:ff:ff:ff:ff:ff',
      '    Destination: ff:ff:ff:ff:ff:ff',
      '    Source: 00:30:88:01:00:02',
      '    Sender MAC address: 00:30:88:01:00:02',
      '    Target MAC address: 00:00:00:00:00:00',
    ],
  },
  {
    file: 'LINKTYPE_IPV6.pcap',
    frame: 1,
    what: 'IPv6/UDP',
    lines: 20,
    differ: [
      'Data (29 bytes)',
      '    Data: 12:34:01:00:00:01:00:00:00:00:00:00:07:65:78:61:6d:70:6c:65:03:63:6f:6d:00:00:01:00:01',
      '    Length: 29',
    ],
  },
  {
    file: 'icmpv6.pcap',
    frame: 1,
    what: 'IPv6/ICMPv6 router advertisement',
    lines: 85,
    differ: [
      'Ethernet II, Src: b0:99:28:c8:d6:6c, Dst: 33:33:00:00:00:01',
      '    Destination: 33:33:00:00:00:01',
      '    Source: b0:99:28:c8:d6:6c',
      '    Flags: 0x20',
      '    ICMPv6 Option (Prefix information)',
      '        Flag: 0xc0',
      '    ICMPv6 Option (Recursive DNS Server)',
      '    ICMPv6 Option (DNS Search List Option)',
      '    ICMPv6 Option (MTU)',
      '    ICMPv6 Option (Source link-layer address)',
      '        Link-layer address: b0:99:28:c8:d6:6c',
      '        ICMPv6 Option (Source link-layer address): b0:99:28:c8:d6:6c',
      '    ICMPv6 Option (Advertisement Interval)',
      '        Home Agent Lifetime: 15',
    ],
  },
  {
    file: 'accecn_handshake.pcap',
    frame: 1,
    what: 'TCP SYN with AccECN',
    lines: 70,
    differ: [
      'Ethernet II, Src: 00:0c:29:f7:80:12, Dst: 18:fd:74:07:45:cd',
      '    Destination: 18:fd:74:07:45:cd',
      '    Source: 00:0c:29:f7:80:12',
      'Transmission Control Protocol, Src Port: 16433, Dst Port: 80, Len: 0',
      '    Options: (20 bytes)',
      '        Maximum segment size',
      '        No-Operation (NOP)',
      '        Window scale',
      '        SACK permitted',
      '        Timestamps',
    ],
  },
];

/** Our tree of one frame, without the `Frame N:` section and blank lines. */
async function ourTree(file: string, frame: number): Promise<string[]> {
  const run = await cnikit(['dissect', corpusFile(file), '-Y', `frame.number == ${frame}`]);
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  return lines.slice(lines.findIndex((l) => l.startsWith('    [Protocols in frame:')) + 1);
}

function tsharkTree(file: string, frame: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'tshark',
      ['-r', corpusFile(file), '-V', '-Y', `frame.number == ${frame}`],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
      (error, stdout) => {
        if (error) return reject(error);
        const lines = stdout.split('\n');
        const after = lines.slice(lines.findIndex((l) => l.includes('[Protocols in frame:')) + 1);
        resolve(after.map((l) => l.replace(/^( *)[.01 ]+ = /, '$1')));
      },
    );
  });
}

describe('cnikit dissect reads like tshark -V', () => {
  itRequires(
    BOTH,
    `${FRAMES.length} corpus frames: every other line is tshark's, word for word`,
    async () => {
      let same = 0;
      let total = 0;
      const trees = await Promise.all(FRAMES.map(({ file, frame }) => tsharkTree(file, frame)));
      for (const [i, { file, frame, what, lines, differ }] of FRAMES.entries()) {
        const ours = await ourTree(file, frame);
        const theirs = new Set(trees[i]);
        expect(
          ours.filter((l) => !theirs.has(l)),
          `${file}#${frame} (${what})`,
        ).toEqual(differ);
        expect(ours.length, `${file}#${frame}`).toBe(lines);
        same += lines - differ.length;
        total += lines;
      }
      console.log(`tree lines equal to tshark -V: ${same} of ${total}`);
    },
  );

  itRequires(CORPUS, 'names values where tshark does (issue 11)', async () => {
    const vxlan = (await ourTree('vxlan.pcap', 1)).join('\n');
    for (const line of [
      '    Type: IPv4 (0x0800)',
      '    Protocol: UDP (17)',
      '    Protocol: ICMP (1)',
      '        [Checksum Status: Not present]',
      '    [Header checksum status: Unverified]',
      '    [Checksum Status: Good]',
      '    Differentiated Services Field: 0x00 (DSCP: CS0, ECN: Not-ECT)',
      '        Differentiated Services Codepoint: Default (0)',
      "    Flags: 0x2, Don't fragment",
      "        Don't fragment: Set",
      '    Flags: 0x0800, VXLAN Network ID (VNI)',
      '        GBP Extension: Not defined',
      '        VXLAN Network ID (VNI): True',
      '    Type: 8 (Echo (ping) request)',
      '    Timestamp from icmp data: May 18, 2013 20:22:20.000000000 UTC',
      '    [Timestamp from icmp data (relative): -35.162937000 seconds]',
    ]) {
      expect(vxlan).toContain(`\n${line}\n`);
    }
    const ipv6 = await ourTree('LINKTYPE_IPV6.pcap', 1);
    expect(ipv6.filter((l) => l === '    Version: 6')).toHaveLength(1);
    expect(ipv6).toContain('    Traffic Class: 0x00 (DSCP: CS0, ECN: Not-ECT)');
    expect(ipv6).toContain('    Flow Label: 0x00000');
    expect(ipv6).toContain('    Next Header: UDP (17)');
    expect(ipv6).toContain('    [Checksum Status: Unverified]');
    const arp = await ourTree('vxlan.pcap', 2);
    expect(arp).toContain('    Hardware type: Ethernet (1)');
    expect(arp).toContain('    Protocol type: IPv4 (0x0800)');
    expect(arp).toContain('    Opcode: request (1)');
    // tshark names the encapsulation with Wireshark's own numbers, not the LINKTYPE.
    for (const [file, line] of [
      ['vxlan.pcap', '    Encapsulation type: Ethernet (1)'],
      ['LINKTYPE_IPV6.pcap', '    Encapsulation type: Raw IPv6 (130)'],
      ['LINKTYPE_IPV4.pcap', '    Encapsulation type: Raw IPv4 (129)'],
      ['LINKTYPE_RAW_ipv4.pcap', '    Encapsulation type: Raw IP (7)'],
    ]) {
      const run = await cnikit(['dissect', corpusFile(file), '-c', '1']);
      expect(run.stdout.split('\n'), file).toContain(line);
    }
    const tcp = await ourTree('accecn_handshake.pcap', 1);
    expect(tcp).toContain('    Flags: 0x1c2 (SYN, ECE, CWR, AE)');
    expect(tcp).toContain('        [TCP Flags: ···ACE····S·]');
  });
});
