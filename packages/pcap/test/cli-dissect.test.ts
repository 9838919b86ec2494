import { describe, expect } from 'vitest';
import {
  expectedPath,
  flattenTshark,
  loadTsharkPackets,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { CORPUS, cnikit, corpusFile, itRequires, ndjson } from './cli-helpers.js';

/** tshark's decode of a corpus capture, one flattened packet per frame. */
function tshark(file: string): { layers: TsharkLayers; fields: Map<string, string[]> }[] {
  return loadTsharkPackets(expectedPath(file) ?? '').map((layers) => ({
    layers,
    fields: flattenTshark(layers),
  }));
}

describe('cnikit dissect --json', () => {
  itRequires(
    CORPUS,
    'a field seen more than once (outer and inner headers of VXLAN) is an array in order',
    async () => {
      const run = await cnikit(['dissect', corpusFile('vxlan.pcap'), '--json']);
      expect(run.code).toBe(0);
      const lines = ndjson(run.stdout);
      const expected = tshark('vxlan.pcap');
      expect(lines).toHaveLength(expected.length);
      for (const [i, line] of lines.entries()) {
        const theirs = expected[i].fields;
        // Outer then inner Ethernet and, for IP-in-VXLAN, outer then inner IPv4: as tshark orders them.
        expect(line['eth.src']).toEqual(theirs.get('eth.src'));
        const ipSrc = theirs.get('ip.src') ?? [];
        expect(line['ip.src']).toEqual(ipSrc.length === 1 ? ipSrc[0] : ipSrc);
        // Numbers are JSON numbers; one VXLAN header, so a single value.
        expect(line['vxlan.vni']).toBe(Number(theirs.get('vxlan.vni')?.[0]));
        expect(line['udp.dstport']).toBe(4789);
        expect(line['eth.type']).toEqual(theirs.get('eth.type')?.map((t) => Number.parseInt(t, 16)));
        expect(line['frame.time_epoch']).toBe(theirs.get('frame.time_epoch')?.[0]);
        expect(line['frame.len']).toBe(Number(theirs.get('frame.len')?.[0]));
      }
      expect(lines[0]['ip.src']).toEqual(['192.168.203.1', '192.168.203.3']);
    },
  );

  itRequires(CORPUS, 'VXLAN on flannel’s UDP 8472 is decoded too', async () => {
    const lines = ndjson(
      (await cnikit(['dissect', corpusFile('vxlan_port_8472.pcap'), '--json', '-c', '1'])).stdout,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]['udp.dstport']).toBe(8472);
    expect(lines[0]['vxlan.vni']).toBe(
      Number(tshark('vxlan_port_8472.pcap')[0].fields.get('vxlan.vni')?.[0]),
    );
    expect(lines[0]['frame.protocols']).toBe('eth:ip:udp:vxlan:eth:ip:icmp:data');
  });

  itRequires(CORPUS, 'pcapng packets carry frame.interface_id, as tshark writes it', async () => {
    const [line] = ndjson(
      (await cnikit(['dissect', corpusFile('icmp-length-zero.pcapng'), '--json'])).stdout,
    );
    const theirs = tshark('icmp-length-zero.pcapng')[0].fields;
    expect(line['frame.interface_id']).toBe(Number(theirs.get('frame.interface_id')?.[0]));
    expect(Object.keys(line).slice(0, 5)).toEqual([
      'frame.interface_id',
      'frame.time_epoch',
      'frame.number',
      'frame.len',
      'frame.cap_len',
    ]);
  });

  itRequires(
    CORPUS,
    'a packet cut short keeps the fields before the error and adds _ws.malformed',
    async () => {
      // ICMPv6 with an IPv6 payload length of 0: tshark marks its ICMPv6 layer malformed too.
      const run = await cnikit(['dissect', corpusFile('icmpv6-length-zero.pcapng'), '--json']);
      expect(run.code).toBe(0);
      const [line] = ndjson(run.stdout);
      const theirs = tshark('icmpv6-length-zero.pcapng')[0];
      expect(tsharkFlagsMalformed(theirs.layers, theirs.fields)).toBe(true);
      expect(line['ipv6.src']).toBe(theirs.fields.get('ipv6.src')?.[0]);
      expect(line['ipv6.plen']).toBe(0);
      expect(line['frame.protocols']).toBe('eth:ipv6');
      // Ethernet (14) + IPv6 (40): where the ICMPv6 header should start.
      expect(line['_ws.malformed']).toEqual({
        layer: 'icmpv6',
        offset: 54,
        reason: 'needs 4 bytes, only 0 left',
        code: 'truncated',
      });
    },
  );

  itRequires(
    CORPUS,
    'a link type without a dissector: named once on stderr, packets as data, exit 0',
    async () => {
      const run = await cnikit(['dissect', corpusFile('chdlc-slarp.pcap'), '--json']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        `cnikit: ${corpusFile('chdlc-slarp.pcap')}: link type LINKTYPE_C_HDLC (104) has no dissector; ` +
          'its packets are shown as undecoded data\n',
      );
      const [line] = ndjson(run.stdout);
      const theirs = tshark('chdlc-slarp.pcap')[0].fields;
      expect(line['frame.protocols']).toBe('data');
      expect(line['data.len']).toBe(Number(theirs.get('frame.cap_len')?.[0]));
    },
  );
});

describe('cnikit dissect --filter and -c', () => {
  const numbers = async (argv: string[]) =>
    ndjson((await cnikit(['dissect', corpusFile('vxlan.pcap'), '--json', ...argv])).stdout).map(
      (l) => l['frame.number'],
    );
  /** Frame numbers of vxlan.pcap for which `keep` holds on tshark's decode. */
  const tsharkFrames = (keep: (fields: Map<string, string[]>) => boolean) =>
    tshark('vxlan.pcap').flatMap((p, i) => (keep(p.fields) ? [i + 1] : []));

  itRequires(CORPUS, 'a bare protocol name keeps the packets that have it', async () => {
    const arp = tsharkFrames((f) => f.has('arp.opcode'));
    expect(arp.length).toBeGreaterThan(0);
    expect(await numbers(['--filter', 'arp'])).toEqual(arp);
    expect(await numbers(['--filter', '!arp'])).toEqual(tsharkFrames((f) => !f.has('arp.opcode')));
  });

  itRequires(
    CORPUS,
    'an inner address matches any occurrence; -c counts packets after the filter',
    async () => {
      const inner = tsharkFrames(
        (f) => (f.get('ip.src') ?? []).includes('192.168.203.3') && f.has('icmp.type'),
      );
      expect(inner.length).toBeGreaterThan(2);
      expect(await numbers(['--filter', 'ip.src == 192.168.203.3 && icmp'])).toEqual(inner);
      expect(await numbers(['-Y', 'ip.src == 192.168.203.0/24 and icmp.type == 8', '-c', '2'])).toEqual(
        tsharkFrames(
          (f) => (f.get('ip.src') ?? []).includes('192.168.203.3') && f.get('icmp.type')?.[0] === '8',
        ).slice(0, 2),
      );
    },
  );

  itRequires(
    CORPUS,
    "Wireshark's either-address aliases filter as in tshark: ip.addr, eth.addr",
    async () => {
      const hasValue = (f: Map<string, string[]>, field: string, v: string) =>
        (f.get(field) ?? []).includes(v);
      const ip = tsharkFrames((f) => hasValue(f, 'ip.addr', '192.168.203.3'));
      expect(ip.length).toBeGreaterThan(2);
      expect(ip).not.toEqual(tsharkFrames((f) => hasValue(f, 'ip.src', '192.168.203.3')));
      expect(await numbers(['--filter', 'ip.addr == 192.168.203.3'])).toEqual(ip);
      const mac = tshark('vxlan.pcap')[0].fields.get('eth.src')?.[0] ?? '';
      const eth = tsharkFrames((f) => hasValue(f, 'eth.addr', mac));
      expect(eth.length).toBeGreaterThan(2);
      expect(await numbers(['--filter', `eth.addr == ${mac}`])).toEqual(eth);
    },
  );

  itRequires(CORPUS, 'frame fields can be filtered on', async () => {
    expect(await numbers(['--filter', 'frame.number >= 9'])).toEqual([9, 10]);
    expect(await numbers(['--filter', 'frame.len == 92', '-c', '1'])).toEqual(
      tsharkFrames((f) => f.get('frame.len')?.[0] === '92').slice(0, 1),
    );
  });
});

describe('cnikit dissect (tree)', () => {
  itRequires(CORPUS, 'prints a Frame heading like tshark -V, then each layer and its fields', async () => {
    const run = await cnikit(['dissect', corpusFile('vxlan.pcap'), '-c', '1']);
    expect(run.code).toBe(0);
    const theirs = tshark('vxlan.pcap')[0].fields;
    const len = Number(theirs.get('frame.len')?.[0]);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(
      `Frame 1: ${len} bytes on wire (${len * 8} bits), ${len} bytes captured (${len * 8} bits)`,
    );
    expect(lines).toContain(`    Arrival Time: ${theirs.get('frame.time')?.[0]}`);
    expect(lines).toContain(`    Epoch Time: ${theirs.get('frame.time_epoch')?.[0]} seconds`);
    expect(lines).toContain(`    VXLAN Network Identifier (VNI): ${theirs.get('vxlan.vni')?.[0]}`);
    // Outer and inner Ethernet each start a top-level (unindented) line.
    expect(lines.filter((l) => l.startsWith('Ethernet II'))).toHaveLength(2);
    expect(run.stdout.endsWith('\n\n')).toBe(true);
    expect(run.stdout.match(/^Frame /gm)).toHaveLength(1);
  });

  itRequires(CORPUS, 'a malformed packet ends with [Malformed Packet: …]', async () => {
    const run = await cnikit(['dissect', corpusFile('icmpv6-length-zero.pcapng')]);
    expect(run.stdout).toContain('\n[Malformed Packet: icmpv6: needs 4 bytes, only 0 left (at byte 54)]\n');
    expect(run.stdout).toMatch(/^Frame 1: .* on interface 0$/m);
  });
});
