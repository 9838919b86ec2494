import { execFileSync } from 'node:child_process';
import { describe, expect } from 'vitest';
import { CORPUS, cnikit, corpusFile, itRequires, TSHARK } from './cli-helpers.js';

const BOTH = { ok: CORPUS.ok && TSHARK.ok, missing: CORPUS.ok ? TSHARK.missing : CORPUS.missing };

/**
 * Every `field_raw` entry of `tshark -T json -x` ([hex, offset, length, bitmask, type]): field →
 * offset of each occurrence, and its bytes unless it is a bit field (whose entry holds the value).
 */
function tsharkRawFields(file: string, frame: number): Map<string, { hex?: string; offset: number }[]> {
  const json = execFileSync(
    'tshark',
    ['-r', file, '-Y', `frame.number == ${frame}`, '-T', 'json', '-x', '--no-duplicate-keys'],
    { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const out = new Map<string, { hex?: string; offset: number }[]>();
  const isRaw = (v: unknown): v is [string, number, number, number, number] =>
    Array.isArray(v) && v.length === 5 && typeof v[0] === 'string' && typeof v[1] === 'number';
  const visit = (key: string, value: unknown) => {
    if (key.endsWith('_raw') && isRaw(value)) {
      const field = key.slice(0, -'_raw'.length);
      const hex = value[3] === 0 ? value[0] : undefined;
      out.set(field, [...(out.get(field) ?? []), { hex, offset: value[1] }]);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(key, v);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(k, v);
    }
  };
  visit('', JSON.parse(json));
  return out;
}

describe('cnikit hexdump', () => {
  itRequires(
    BOTH,
    'each annotated line starts where tshark says its field starts, with its bytes',
    async () => {
      const file = corpusFile('vxlan.pcap');
      const run = await cnikit(['hexdump', file, '-c', '1']);
      expect(run.code).toBe(0);
      const [heading, ...lines] = run.stdout.trimEnd().split('\n');
      expect(heading).toMatch(/^Frame 1: 148 bytes on wire/);
      const raw = tsharkRawFields(file, 1);
      let checked = 0;
      let covered = 0;
      for (const line of lines) {
        const m = /^([0-9a-f]{4}) {2}((?:[0-9a-f]{2} )+)(…)? +(\S+)?/.exec(line);
        expect(m, line).not.toBeNull();
        const [, offsetHex, bytesText, , field] = m as RegExpExecArray;
        const offset = Number.parseInt(offsetHex, 16);
        const bytes = bytesText.trim().split(' ').join('');
        // Lines follow each other without gaps or overlaps.
        expect(offset, line).toBe(covered);
        covered = offset + (m?.[3] ? Number(/\((\d+) bytes\)/.exec(line)?.[1]) : bytes.length / 2);
        // data.* is the bytes past our last layer, where tshark may still decode fields (ICMP's timestamp).
        if (!field || field.startsWith('data.')) continue;
        const occurrences = raw.get(field) ?? [];
        const here = occurrences.find((o) => o.offset === offset);
        expect(
          here,
          `${line}: tshark has ${field} at ${occurrences.map((o) => o.offset).join(', ')}`,
        ).toBeDefined();
        if (here?.hex !== undefined) expect(here.hex.startsWith(bytes), line).toBe(true);
        checked++;
      }
      expect(covered).toBe(148);
      expect(checked).toBeGreaterThan(30);
      expect(lines).toContain(
        `002e  00 00 64${' '.repeat(41)} vxlan.vni = ${Number.parseInt(raw.get('vxlan.vni')?.[0].hex ?? '', 16)}`,
      );
    },
  );

  itRequires(CORPUS, 'a malformed packet is dumped up to the end, with the error after it', async () => {
    const run = await cnikit(['hexdump', corpusFile('icmpv6-length-zero.pcapng')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\n[Malformed Packet: icmpv6: needs 4 bytes, only 0 left (at byte 54)]\n');
  });
});
