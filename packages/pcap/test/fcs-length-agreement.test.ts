import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  crc32,
  type DissectionNode,
  dissect,
  dissectLayerPath,
  findField,
  LINK_TABLE,
  verifyEthernetFcs,
} from '@cnikit/wire';
import { afterAll, describe, expect } from 'vitest';
import {
  compareFields,
  type FieldValues,
  flattenDissection,
  flattenTshark,
  LINK_TRAILER_FIELDS,
  sameValue,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../test/support/corpus.js';
import { cliDissectors } from '../src/cli/protocols.js';
import { encodePcap, encodePcapng, readCapture } from '../src/index.js';
import { ALLOW_MISSING, compareCliFile, emptyCliReport } from './cli-agreement.js';
import { cnikit, itRequires, TSHARK } from './cli-helpers.js';

/*
 * The FCS length a capture file gives (pcap's FCS bits in the link-type word, pcapng's if_fcslen)
 * replaces the Ethernet dissector's guess, as in Wireshark: 4 → the last 4 bytes are the FCS,
 * 0 → there is none, unknown (or another length) → guessed. Files written by our writers, each
 * frame compared with tshark 4.0.17's JSON of the same file, through `cnikit dissect --json` and
 * through `dissect()`; FCS checks compared with `-o eth.check_fcs:TRUE`.
 */

const MACS = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];

function ipv4Udp(payload: Uint8Array, totalLength?: number): number[] {
  const length = 28 + payload.length;
  const h = [0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  const total = totalLength ?? length;
  h[2] = total >> 8;
  h[3] = total & 0xff;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h[10] = (~sum >> 8) & 0xff;
  h[11] = ~sum & 0xff;
  const udpLength = total - 20;
  return [...h, 0x03, 0xe8, 0x07, 0xd0, udpLength >> 8, udpLength & 0xff, 0, 0, ...payload];
}

const fill = (n: number, byte: number) => new Array<number>(n).fill(byte);
const padTo60 = (f: number[]) => [...f, ...fill(Math.max(0, 60 - f.length), 0)];
/** The frame with its FCS appended (CRC-32 sent least significant byte first). */
function withFcs(f: number[]): number[] {
  const crc = crc32(Uint8Array.from(f));
  return [...f, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
}

const shortIp = padTo60([...MACS, 0x08, 0x00, ...ipv4Udp(Uint8Array.of(0x68, 0x69))]);
const longIpTrailer = [...MACS, 0x08, 0x00, ...ipv4Udp(new Uint8Array(60).fill(0x78)), ...fill(8, 0x11)];
const unknownType = [...MACS, 0x88, 0xb5, ...Array.from({ length: 50 }, (_, i) => i)];
const vlan = [
  ...MACS,
  0x81,
  0x00,
  0x00,
  0x05,
  0x08,
  0x00,
  ...ipv4Udp(new Uint8Array(40).fill(0x79)),
  ...fill(6, 0x22),
];
const ieee8023 = padTo60([...MACS, 0x00, 0x0a, 0x42, 0x42, 0x03, ...fill(7, 0x7a)]);

/** Frames as a link with an FCS would capture them, and one without. */
const FRAMES: readonly { name: string; data: number[] }[] = [
  { name: 'IPv4/UDP padded to 60 + good FCS (64)', data: withFcs(shortIp) },
  { name: 'IPv4/UDP padded to 60 + wrong FCS', data: [...shortIp, 0xde, 0xad, 0xbe, 0xef] },
  { name: '110-byte IPv4/UDP + 8 trailer bytes, no FCS', data: longIpTrailer },
  { name: '110-byte IPv4/UDP + 8 trailer bytes + good FCS', data: withFcs(longIpTrailer) },
  { name: '60-byte padded IPv4/UDP, no FCS', data: shortIp },
  { name: 'unknown EtherType 0x88b5 + good FCS', data: withFcs(unknownType) },
  { name: 'VLAN IPv4/UDP + 6 trailer bytes + good FCS', data: withFcs(vlan) },
  { name: '802.3 length frame (STP LLC) padded + good FCS', data: withFcs(ieee8023) },
  {
    name: 'IPv4 total length running into the last 4 bytes',
    data: [...MACS, 0x08, 0x00, ...ipv4Udp(new Uint8Array(22).fill(0x71))],
  },
];

/** Known disagreements, printed with their reason, not hidden. */
const KNOWN: readonly { file: RegExp; frame: number; field: RegExp; reason: string }[] = [
  {
    // IPv4 claims 4 bytes more than the payload before the FCS (a bogus total length): tshark's UDP
    // dissects the bytes it has (bad length), ours stops with a truncated DecodeError. The same
    // happens without any FCS for any bogus IPv4 total length; not FCS-specific.
    file: /fcs4|fcslen4|fcs2/,
    frame: 9,
    field: /^(udp\.|data\.)/,
    reason: 'UDP after a bogus IPv4 total length: tshark goes on, our UDP stops (pre-existing)',
  },
];

const VARIANTS: readonly {
  file: string;
  encode: (packets: { data: Uint8Array; timestamp: bigint }[]) => Uint8Array;
}[] = [
  { file: 'nofcs.pcap', encode: (p) => encodePcap({ linkType: 1 }, p) },
  { file: 'fcs4.pcap', encode: (p) => encodePcap({ linkType: 1, fcsLength: 4 }, p) },
  { file: 'fcs0.pcap', encode: (p) => encodePcap({ linkType: 1, fcsLength: 0 }, p) },
  { file: 'fcs2.pcap', encode: (p) => encodePcap({ linkType: 1, fcsLength: 2 }, p) },
  { file: 'nofcslen.pcapng', encode: (p) => encodePcapng({ interfaces: [{ linkType: 1 }] }, p) },
  { file: 'fcslen4.pcapng', encode: (p) => encodePcapng({ interfaces: [{ linkType: 1, fcsLength: 4 }] }, p) },
  { file: 'fcslen0.pcapng', encode: (p) => encodePcapng({ interfaces: [{ linkType: 1, fcsLength: 0 }] }, p) },
];

function tsharkJson(path: string, prefs: readonly string[] = []): TsharkLayers[] {
  const out = execFileSync('tshark', ['-r', path, '-T', 'json', '--no-duplicate-keys', ...prefs], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, TZ: 'UTC' },
  });
  return (JSON.parse(out) as { _source: { layers: TsharkLayers } }[]).map((p) => p._source.layers);
}

const TRAILER_AND_DATA = [...LINK_TRAILER_FIELDS, 'data.len'];

/** Our values of the link trailer fields and `data.len` (which the FCS shortens) as text lists. */
function trailerValues(layers: readonly DissectionNode[]): FieldValues {
  const all = flattenDissection(layers, new Set());
  return new Map(TRAILER_AND_DATA.map((f) => [f, all.get(f) ?? []]));
}

describe('the capture file FCS length (pcap FCS bits, pcapng if_fcslen) against tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-fcs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const packets = FRAMES.map((f, i) => ({
    data: Uint8Array.from(f.data),
    timestamp: BigInt(1_700_000_000 + i) * 1_000_000_000n,
  }));
  const paths = VARIANTS.map((v) => {
    const path = join(dir, v.file);
    writeFileSync(path, v.encode(packets));
    return { ...v, path };
  });

  itRequires(
    TSHARK,
    'cnikit dissect --json and dissect() agree with tshark on every file, FCS checks too',
    async () => {
      const report = emptyCliReport();
      const mismatches: string[] = [];
      const allowed: string[] = [];
      let verified = 0;
      const statuses = new Map<string, number>();
      const known = (file: string, frame: number, field: string) =>
        KNOWN.find((k) => k.file.test(file) && k.frame === frame && k.field.test(field));
      for (const { file, path } of paths) {
        const tshark = tsharkJson(path);
        // 1. The CLI (every field, with the corpus test's rules).
        const before = report.mismatches.length;
        await compareCliFile(path, file, tshark, report);
        for (const m of report.mismatches.slice(before)) {
          const frame = Number(m.where.split('#')[1]);
          const k = known(file, frame, m.field);
          const text = `${m.where} ${m.field}[${m.occurrence}]: ours=${m.ours} tshark=${m.theirs ?? '(absent)'}`;
          if (k) allowed.push(`${text} — ${k.reason}`);
          else mismatches.push(`CLI ${text}`);
        }
        // 2. The library: dissect() with the interface's FCS length, every field and, whatever the
        // layers, exactly tshark's padding/trailer/FCS/data.len values.
        const reader = readCapture(new Uint8Array(readFileSync(path)));
        const read = reader.packets();
        const checked = tsharkJson(path, ['-o', 'eth.check_fcs:TRUE']);
        read.forEach((p, i) => {
          const frame = i + 1;
          const info = { fcsLength: reader.interfaces[p.interfaceIndex]?.fcsLength };
          const ours = dissect(
            cliDissectors,
            p.data,
            { table: LINK_TABLE, key: p.linkType },
            0,
            p.data.length,
            p.originalLength,
            info,
          );
          const theirs = flattenTshark(tshark[i]);
          const result = compareFields(flattenDissection(ours.layers), theirs, {
            allowMissing: ALLOW_MISSING,
            theirsStopEarly: true,
          });
          const exact = trailerValues(ours.layers);
          // data.len only where tshark also leaves bytes undecoded (it decodes 802.3's LLC, we do not).
          const exactMismatches = TRAILER_AND_DATA.filter((f) => {
            if (f === 'data.len' && !theirs.has('data.len')) return false;
            const mine = exact.get(f) ?? [];
            const expected = theirs.get(f) ?? [];
            return mine.length !== expected.length || mine.some((v, j) => !sameValue(v, expected[j]));
          }).map((f) => ({
            field: f,
            occurrence: 0,
            ours: String(exact.get(f)),
            theirs: String(theirs.get(f) ?? []),
          }));
          for (const m of [...result.mismatches, ...exactMismatches]) {
            const k = known(file, frame, m.field);
            const text = `${file}#${frame} ${m.field}: ours=${m.ours} tshark=${m.theirs ?? '(absent)'}`;
            if (k) allowed.push(`dissect() ${text} — ${k.reason}`);
            else mismatches.push(`dissect() ${text}`);
          }
          expect(ours.malformed !== undefined, `${file}#${frame} malformed`).toBe(
            tsharkFlagsMalformed(tshark[i], theirs),
          );
          // The layer path (cnikit stats) is the dissection's.
          const path2 = dissectLayerPath(
            cliDissectors,
            p.data,
            { table: LINK_TABLE, key: p.linkType },
            0,
            p.data.length,
            p.originalLength,
            [],
            info,
          );
          expect(path2.layers, `${file}#${frame} layer path`).toEqual(ours.layers.map((l) => l.field));
          // 3. FCS verification: ours (verifyEthernetFcs) against tshark's eth.check_fcs:TRUE.
          const status = flattenTshark(checked[i]).get('eth.fcs.status')?.[0];
          const fcs = findField(ours.layers, 'eth.fcs');
          expect(fcs !== undefined, `${file}#${frame} FCS shown`).toBe(status !== undefined);
          if (fcs && status !== undefined) {
            const good = verifyEthernetFcs(p.data, 0, fcs.offset);
            expect(good ? '1' : '0', `${file}#${frame} FCS check`).toBe(status);
            statuses.set(good ? 'good' : 'bad', (statuses.get(good ? 'good' : 'bad') ?? 0) + 1);
            verified++;
            // Our default, as tshark's: unverified.
            expect(findField(ours.layers, 'eth.fcs.status')?.value).toBe(2);
          }
        });
      }
      console.log(
        [
          `FCS length files vs tshark: ${report.files} files, ${report.packets} packets, ${report.fields} CLI values compared, ` +
            `${mismatches.length} mismatches, ${allowed.length} known; ${verified} FCS checks equal tshark's ` +
            `(${statuses.get('good') ?? 0} good, ${statuses.get('bad') ?? 0} bad)`,
          `  trailer fields compared by the CLI: ${LINK_TRAILER_FIELDS.map((f) => `${f} ${report.comparedByField.get(f) ?? 0}`).join(', ')}`,
          ...mismatches.map((m) => `  MISMATCH ${m}`),
          ...allowed.map((m) => `  KNOWN ${m}`),
        ].join('\n'),
      );
      expect(mismatches).toEqual([]);
      expect(report.packets).toBe(FRAMES.length * VARIANTS.length);
      expect(statuses.get('good') ?? 0).toBeGreaterThan(0);
      expect(statuses.get('bad') ?? 0).toBeGreaterThan(0);
    },
  );

  itRequires(TSHARK, 'the FCS length changes what tshark shows, and ours with it (not a no-op)', async () => {
    const fcs = (file: string) =>
      tsharkJson(join(dir, file)).map((l) => flattenTshark(l).get('eth.fcs')?.length ?? 0);
    // tshark: 0 FCS with if_fcslen 0, one per frame that has room with 4, guessed otherwise.
    expect(fcs('fcs0.pcap').every((n) => n === 0)).toBe(true);
    expect(fcs('fcs4.pcap')[5]).toBe(1);
    expect(fcs('nofcs.pcap')[5]).toBe(0);
    const run = await cnikit(['hexdump', join(dir, 'fcslen4.pcapng'), '-c', '6']);
    expect(run.stdout).toContain('eth.fcs');
    const none = await cnikit(['dissect', join(dir, 'fcslen0.pcapng'), '--json']);
    expect(none.stdout).not.toContain('eth.fcs');
  });
});
