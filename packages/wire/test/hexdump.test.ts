import { join } from 'node:path';
import { annotatedHexdump, type DissectionNode, formatTree, hexdump, parseBytes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { CORPUS_PCAP_DIR, haveCorpus } from '../../../test/support/corpus-location.js';
import { itWithTool, run } from './tools.js';

/** The first 20 bytes are the IPv4 header of LINKTYPE_IPV4.pcap; TShark shows "E..9....@......d". */
const ipv4 = parseBytes('45 00 00 39 00 01 00 00 40 11 a6 95 c0 a8 01 64 09 09 09 09');

describe('hexdump', () => {
  it('prints 16 bytes a line: offset, two groups of 8, printable ASCII', () => {
    expect(hexdump(ipv4)).toBe(
      '0000  45 00 00 39 00 01 00 00  40 11 a6 95 c0 a8 01 64  E..9....@......d\n' +
        `0010  09 09 09 09${' '.repeat(39)}....\n`,
    );
  });

  it('shows 0x20..0x7e as text and everything else as a dot', () => {
    const b = Uint8Array.from([0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0xff, 0x00, 0x7a]);
    expect(hexdump(b)).toBe(`0000  1f 20 41 7e 7f 80 ff 00  7a${' '.repeat(23)}. A~....z\n`);
  });

  it('counts offsets from start, and stops at end', () => {
    expect(hexdump(ipv4, 12, 16)).toBe(`0000  c0 a8 01 64${' '.repeat(39)}...d\n`);
    const long = new Uint8Array(40).map((_, i) => 0x30 + (i % 10));
    expect(hexdump(long, 3).split('\n')).toEqual([
      '0000  33 34 35 36 37 38 39 30  31 32 33 34 35 36 37 38  3456789012345678',
      '0010  39 30 31 32 33 34 35 36  37 38 39 30 31 32 33 34  9012345678901234',
      `0020  35 36 37 38 39${' '.repeat(36)}56789`,
      '',
    ]);
  });

  it('an exact multiple of 16 has no extra line; nothing prints nothing', () => {
    expect(hexdump(ipv4, 0, 16).split('\n')).toHaveLength(2);
    expect(hexdump(new Uint8Array(0))).toBe('');
    expect(hexdump(ipv4, 5, 5)).toBe('');
  });

  const itTshark = itWithTool('tshark', ['-v']);
  itTshark('has the same offsets, bytes and ASCII as `tshark -x` on a real capture', () => {
    if (!haveCorpus('packages/wire/test/hexdump.test.ts: the tshark -x comparison on dns_tcp.pcap')) return;
    const file = join(CORPUS_PCAP_DIR, 'dns_tcp.pcap');
    const out = run('tshark', ['-r', file, '-Y', 'frame.number == 6', '-x']);
    const lines = out.split('\n').filter((l) => /^[0-9a-f]{4} {2}/.test(l));
    expect(lines.length).toBeGreaterThan(16); // a 280-byte frame
    const bytes = parseBytes(lines.map((l) => l.slice(6, 6 + 16 * 3)).join(' '));
    expect(bytes.length).toBe(280);
    const ours = hexdump(bytes).trimEnd().split('\n');
    expect(ours).toHaveLength(lines.length);
    ours.forEach((line, i) => {
      // TShark: no gap between the 8-byte groups, three spaces before the text column
      const [offset, ...rest] = lines[i].split('  ');
      const theirs = { offset, hex: lines[i].slice(6, 6 + 47).trim(), text: rest.at(-1)?.trim() };
      expect(line.slice(0, 4)).toBe(theirs.offset);
      expect(line.slice(6, 55).replace(/ {2}/, ' ').trim()).toBe(theirs.hex);
      expect(line.slice(56).trim()).toBe(theirs.text);
    });
  });
});

describe('annotatedHexdump', () => {
  // 08 00 | 45 | ff | de ad be ef 01 02 | 03 04
  const b = parseBytes('08 00 45 ff de ad be ef 01 02 03 04');
  const layers: DissectionNode[] = [
    {
      field: 'x',
      name: 'X',
      offset: 0,
      length: 10,
      children: [
        { field: 'x.type', name: 'Type', offset: 0, length: 2, value: 0x0800 },
        {
          field: 'x.flags',
          name: 'Flags',
          offset: 2,
          length: 1,
          value: 0x45,
          children: [
            { field: 'x.flags.a', name: 'A', offset: 2, length: 1, value: true },
            { field: 'x.flags.b', name: 'B', offset: 2, length: 1, value: false },
          ],
        },
        { field: 'x.payload', name: 'Payload', offset: 4, length: 6, value: b.subarray(4, 10) },
        { field: 'x.len', name: 'Length', offset: 4, length: 0, value: 6 },
      ],
    },
  ];

  it('one line per field in offset order; gaps and the tail unannotated; long fields cut', () => {
    expect(annotatedHexdump(b, layers, 4)).toBe(
      [
        '0000  08 00         x.type = 2048',
        '0002  45            x.flags = 69', // a field with a value is shown whole, not its bits
        '0003  ff            ', // no field covers byte 3
        '0004  de ad be ef … x.payload = (6 bytes)', // zero-length x.len is not shown
        '000a  03 04         ',
        '',
      ].join('\n'),
    );
  });

  it('pads to 16 bytes by default and labels fields without a value by name', () => {
    const nodes: DissectionNode[] = [
      {
        field: 'p',
        name: 'P',
        offset: 0,
        length: 3,
        children: [{ field: 'p.hdr', name: 'Hdr', offset: 0, length: 3 }],
      },
    ];
    expect(annotatedHexdump(b.subarray(0, 3), nodes)).toBe(`0000  08 00 45${' '.repeat(41)} p.hdr\n`);
  });

  it('a field overlapping one already shown continues after it', () => {
    const nodes: DissectionNode[] = [
      { field: 'a', name: 'A', offset: 0, length: 3, value: 'x' },
      { field: 'b', name: 'B', offset: 2, length: 3, value: 'y' },
    ];
    expect(annotatedHexdump(b.subarray(0, 5), nodes, 4)).toBe(
      '0000  08 00 45      a = x\n' + // 3 bytes
        '0003  ff de         b = y\n',
    );
  });
});

describe('annotatedHexdump and formatTree with hidden and shared-byte fields', () => {
  const b = parseBytes('45 00 08 00');
  const layers: DissectionNode[] = [
    {
      field: 'ip',
      name: 'IP',
      offset: 0,
      length: 4,
      display: 'Internet Protocol',
      children: [
        { field: 'ip.version', name: 'Version', offset: 0, length: 1, value: 4 },
        {
          field: 'ip.hdr_len',
          name: 'Header Length',
          offset: 0,
          length: 1,
          value: 20,
          display: 'Header Length: 20 bytes (5)',
        },
        { field: 'ip.addr', name: 'Address', offset: 1, length: 1, value: 0, hidden: true },
        { field: 'eth.type', name: 'Type', offset: 2, length: 2, value: 0x0800, display: 'Type: 0x0800' },
        { field: 'x.high', name: 'High byte', offset: 2, length: 1, value: 8 },
      ],
    },
  ];

  it('puts fields over the same bytes on one line, shows display values, leaves hidden fields out', () => {
    expect(annotatedHexdump(b, layers, 2)).toBe(
      [
        '0000  45      ip.version = 4, ip.hdr_len = 20 bytes (5)',
        '0001  00      ',
        '0002  08 00   eth.type = 0x0800, x.high = 8',
        '',
      ].join('\n'),
    );
  });

  it('formatTree leaves hidden fields out', () => {
    expect(formatTree(layers)).toBe(
      'Internet Protocol\n    Version: 4\n    Header Length: 20 bytes (5)\n    Type: 0x0800\n    High byte: 8\n',
    );
  });
});

describe('annotatedHexdump labels fields starting at the same byte in tree order', () => {
  it('ip.flags (1 byte) before ip.frag_offset (2 bytes), as the tree lists them', () => {
    const b = parseBytes('40 00');
    const nodes: DissectionNode[] = [
      { field: 'ip.flags', name: 'Flags', offset: 0, length: 1, value: 2, display: 'Flags: 0x02' },
      { field: 'ip.frag_offset', name: 'Fragment Offset', offset: 0, length: 2, value: 0 },
    ];
    expect(annotatedHexdump(b, nodes, 2)).toBe('0000  40 00   ip.flags = 0x02, ip.frag_offset = 0\n');
  });
});
