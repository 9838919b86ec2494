import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURES, CAPTURES_DIR, check, runs, SENTINELS } from './agreement.js';

const byField = new Map<string, number>();

describe('examples/captures: our own recordings agree with their committed tshark decode', () => {
  it('holds exactly the listed captures, each with its tshark JSON', () => {
    const expected = CAPTURES.flatMap((c) => [c.file, `${c.file}.json.gz`]);
    const files = readdirSync(CAPTURES_DIR).filter(
      (f) => f.endsWith('.pcap') || f.endsWith('.pcapng') || f.endsWith('.gz'),
    );
    expect(files.sort()).toEqual(expected.sort());
  });

  for (const capture of CAPTURES) {
    it(`${capture.file}: every layer and field value as tshark shows it`, () => {
      const r = check(capture.file, CAPTURES_DIR, byField);
      console.log(
        `${capture.file}: ${r.packets} packets, ${r.compared} field values and ${r.frameFacts} frame facts compared, ` +
          `${r.mismatches.length} mismatches, ${r.weThrowTsharkDoesNot.length} rejected where tshark is content`,
      );
      expect(r.mismatches).toEqual([]);
      expect(r.tsharkMalformed).toBe(0);
      expect(r.weThrowTsharkDoesNot).toEqual([]);
      expect(runs(r.paths)).toEqual(capture.paths);
      expect(r.compared).toBeGreaterThanOrEqual(capture.compared);
    });
  }

  it('compares a value of every layer the captures carry', () => {
    const missing = SENTINELS.filter((field) => !byField.get(field));
    expect(missing, [...byField.keys()].join(' ')).toEqual([]);
  });
});
