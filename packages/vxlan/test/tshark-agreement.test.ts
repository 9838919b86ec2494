import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethernetDissectors } from '@cnikit/ethernet';
import {
  type EncapsulateOptions,
  encodeEncapsulated,
  GpeNextProtocol,
  vxlanDissectors,
  vxlanDissectorsForPorts,
  writeVxlanGpe,
} from '@cnikit/vxlan';
import { composeDissectors, type DissectorRegistry, dissect, findField, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  corpusPackets,
  expectedPath,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  loadTsharkPackets,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { arpRequest, icmpEchoRequest, type PodEndpoints, udpDatagram } from './inner-frames.js';
import { pcapFile } from './pcap-file.js';

const CORPUS = haveCorpus(
  'packages/vxlan/test/tshark-agreement.test.ts: agreement with tshark on the VXLAN captures of the corpus',
);

const CI = process.env.CI === 'true';

/** Every capture in the corpus with VXLAN in it (by tshark's protocol list or by name). */
const VXLAN_CORPUS = [
  'vxlan.pcap',
  'vxlan_port_8472.pcap',
  'gso-ipv4-vxlan-ipv4.pcap',
  'gso-ipv4-vxlan-ipv6.pcap',
  'gso-ipv6-vxlan-ipv4.pcap',
  'gso-ipv6-vxlan-ipv6.pcap',
  'nsh-over-vxlan-gpe.pcap',
  'bigtcp-ipv4-vxlan-ipv4.pcap',
  'bigtcp-ipv4-vxlan-ipv6.pcap',
  'bigtcp-ipv6-vxlan-ipv4.pcap',
  'bigtcp-ipv6-vxlan-ipv6.pcap',
];

const DEFAULT_REGISTRY = composeDissectors(ethernetDissectors, vxlanDissectors);
const WITH_8472 = composeDissectors(ethernetDissectors, vxlanDissectorsForPorts([4789, 8472]));

interface Agreement {
  packets: number;
  compared: Map<string, number>;
  mismatches: (FieldMismatch & { where: string })[];
}

function agree(
  registry: DissectorRegistry,
  frames: readonly Uint8Array[],
  tshark: readonly TsharkLayers[],
  label: string,
) {
  const result: Agreement = { packets: 0, compared: new Map(), mismatches: [] };
  frames.forEach((frame, i) => {
    const theirLayers = tshark[i];
    if (!theirLayers) throw new Error(`${label}: tshark has no frame ${i + 1}`);
    const ours = dissect(registry, frame, { table: LINK_TABLE, key: 1 });
    const theirs = flattenTshark(theirLayers);
    const r = compareFields(flattenDissection(ours.layers), theirs, {
      allowMissing: new Set(),
      theirsStopEarly: tsharkFlagsMalformed(theirLayers, theirs),
      comparedByField: result.compared,
    });
    result.packets++;
    for (const m of r.mismatches) result.mismatches.push({ ...m, where: `${label}#${i + 1}` });
  });
  return result;
}

function vxlanFieldsCompared(a: Agreement): string[] {
  return [...a.compared.keys()].filter((f) => f.startsWith('vxlan.')).sort();
}

describe.skipIf(!CORPUS)('agreement with tshark on the VXLAN captures of the corpus', () => {
  for (const file of VXLAN_CORPUS) {
    const expected = expectedPath(file);
    it(`${file}: every field we emit equals tshark's`, () => {
      if (!expected) throw new Error(`corpus decode missing for ${file}`);
      const packets = corpusPackets(file);
      expect(packets.length).toBeGreaterThan(0);
      const registry = file === 'vxlan_port_8472.pcap' ? WITH_8472 : DEFAULT_REGISTRY;
      const tshark = loadTsharkPackets(expected);
      const frames = packets.map((p) => p.data);
      const a = agree(
        registry,
        frames,
        packets.map((p) => tshark[p.index]),
        file,
      );
      expect(a.mismatches).toEqual([]);
      const tsharkHasVxlan = tshark.some((l) => 'vxlan' in l);
      if (tsharkHasVxlan) {
        expect(a.compared.get('vxlan.vni') ?? 0).toBe(tshark.filter((l) => 'vxlan' in l).length);
        if (file.includes('gpe')) {
          expect(a.compared.get('vxlan.next_proto') ?? 0).toBe(packets.length);
        } else {
          // inner layers too: the inner Ethernet is the second eth.src of each frame
          expect(a.compared.get('eth.src') ?? 0).toBe(2 * packets.length);
        }
      }
    });
  }
});

const tsharkMissing = spawnSync('tshark', ['-v']).status !== 0;
if (tsharkMissing) {
  console.warn(
    `\n${'!'.repeat(72)}\n!!! SKIPPED vxlan tshark agreement on built frames: tshark is not installed\n${'!'.repeat(72)}\n`,
  );
}

function tsharkDecode(frames: readonly Uint8Array[], extra: string[] = []): TsharkLayers[] {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-vx-tshark-'));
  try {
    const file = join(dir, 'built.pcap');
    writeFileSync(file, pcapFile(frames));
    const r = spawnSync('tshark', ['-r', file, '-T', 'json', '--no-duplicate-keys', ...extra], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, TZ: 'UTC' },
    });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { _source: { layers: TsharkLayers } }[]).map((p) => p._source.layers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const POD_A: PodEndpoints = {
  srcMac: '0a:58:0a:f4:01:05',
  dstMac: '0a:58:0a:f4:02:07',
  srcIp: '10.244.1.5',
  dstIp: '10.244.2.7',
};
const DATA = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
const INNER_FRAMES = [
  icmpEchoRequest(POD_A, 0x1e2f, 3, DATA),
  udpDatagram(POD_A, 40000, 8080, DATA),
  arpRequest(POD_A),
];
const OUTER_V4: EncapsulateOptions = {
  srcMac: '52:54:00:12:34:01',
  dstMac: '52:54:00:12:34:02',
  src: '192.168.50.1',
  dst: '192.168.50.2',
  vni: 4096,
};
const OUTER_V6: EncapsulateOptions = { ...OUTER_V4, src: 'fd00:50::1', dst: 'fd00:50::2', vni: 0xffffff };

/** Frames we build, across the options that change bytes on the wire. */
function builtFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const inner of INNER_FRAMES) {
    frames.push(encodeEncapsulated(inner, OUTER_V4));
    frames.push(
      encodeEncapsulated(inner, { ...OUTER_V4, udpChecksum: true, ttl: 3, tos: 'inherit', df: true }),
    );
    frames.push(
      encodeEncapsulated(inner, { ...OUTER_V4, port: 8472, srcPortRange: { min: 32768, max: 60999 } }),
    );
    frames.push(encodeEncapsulated(inner, OUTER_V6));
    frames.push(encodeEncapsulated(inner, { ...OUTER_V6, udpChecksum: false, flowLabel: 0x12345 }));
    frames.push(
      encodeEncapsulated(inner, {
        ...OUTER_V4,
        gbp: { groupPolicyId: 0xbeef, dontLearn: true, policyApplied: true },
      }),
    );
  }
  // VXLAN-GPE on 4790 carrying Ethernet, and carrying the inner IPv4 packet directly.
  const gpeEth = encodeEncapsulated(INNER_FRAMES[0], { ...OUTER_V4, port: 4790 });
  writeVxlanGpe({ vni: 77, nextProtocol: GpeNextProtocol.Ethernet }, gpeEth, 42);
  frames.push(gpeEth);
  const gpeIp = encodeEncapsulated(INNER_FRAMES[1], { ...OUTER_V4, port: 4790 });
  writeVxlanGpe({ vni: 78, nextProtocol: GpeNextProtocol.IPv4, flags: 0x0d }, gpeIp, 42);
  // the GPE payload is the inner IPv4 packet: drop the inner Ethernet header
  const ipOnly = new Uint8Array(gpeIp.length - 14);
  ipOnly.set(gpeIp.subarray(0, 50));
  ipOnly.set(gpeIp.subarray(64), 50);
  ipOnly[17] -= 14; // IPv4 total length (fits in the low byte here)
  ipOnly[39] -= 14; // UDP length
  ipOnly.set(recomputeIpv4Checksum(ipOnly.subarray(14, 34)), 24);
  frames.push(ipOnly);
  return frames;
}

function recomputeIpv4Checksum(header: Uint8Array): Uint8Array {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) if (i !== 10) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  return Uint8Array.of(c >> 8, c & 0xff);
}

describe.skipIf(tsharkMissing && !CI)('agreement with tshark on frames we build', () => {
  it('outer and inner fields of every built frame equal tshark -T json', () => {
    const frames = builtFrames();
    const tshark = tsharkDecode(frames, ['-d', 'udp.port==8472,vxlan']);
    expect(tshark.length).toBe(frames.length);
    const a = agree(WITH_8472, frames, tshark, 'built');
    expect(a.mismatches).toEqual([]);
    expect(a.packets).toBe(frames.length);
    // every frame was seen as VXLAN by tshark and compared field by field
    expect(a.compared.get('vxlan.vni')).toBe(frames.length);
    expect(vxlanFieldsCompared(a)).toEqual([
      'vxlan.flag_a',
      'vxlan.flag_d',
      'vxlan.flag_g',
      'vxlan.flag_i',
      'vxlan.flags',
      'vxlan.flags_reserved',
      'vxlan.gbp',
      'vxlan.i_bit',
      'vxlan.next_proto',
      'vxlan.o_bit',
      'vxlan.p_bit',
      'vxlan.reserved8',
      'vxlan.reserved_16',
      'vxlan.ver',
      'vxlan.vni',
    ]);
    // checksums we computed are the ones tshark computes (it verifies when asked)
    for (const field of [
      'ip.checksum',
      'udp.checksum',
      'icmp.checksum',
      'udp.length',
      'ip.len',
      'ipv6.plen',
    ]) {
      expect(a.compared.get(field) ?? 0, field).toBeGreaterThan(0);
    }
    const dissection = dissect(WITH_8472, frames[frames.length - 1]);
    expect(findField(dissection.layers, 'vxlan.next_proto')?.value).toBe(GpeNextProtocol.IPv4);
  });

  it('tshark finds every checksum we compute good', () => {
    const frames = builtFrames();
    const tshark = tsharkDecode(frames, [
      '-d',
      'udp.port==8472,vxlan',
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
    ]);
    let checked = 0;
    tshark.forEach((layers, i) => {
      const flat = flattenTshark(layers);
      for (const field of ['ip.checksum.status', 'udp.checksum.status', 'icmp.checksum.status']) {
        for (const status of flat.get(field) ?? []) {
          // 1 = good; 2 = unverified (zero UDP checksum over IPv4)
          expect([`frame ${i + 1} ${field}`, status]).not.toEqual([`frame ${i + 1} ${field}`, '0']);
          if (status === '1') checked++;
        }
      }
    });
    expect(checked).toBeGreaterThan(frames.length * 2);
  });
});
