import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  CORPUS_PCAP_DIR,
  compareFields,
  corpusFiles,
  corpusPackets,
  corpusProblems,
  flattenDissection,
  flattenTshark,
  haveCorpus,
  missingFields,
  REPO_ROOT,
  readManifest,
  sameValue,
} from './corpus.js';

const CORPUS = haveCorpus(
  'test/support/corpus.test.ts: 2 checks of the shared corpus (file set, packets per file)',
);

describe('corpus test support', () => {
  it.skipIf(!CORPUS)(
    'the corpus holds exactly the 490 captures MANIFEST.tsv lists and 487 tshark decodes',
    () => {
      expect(corpusProblems(CORPUS_DIR)).toEqual([]);
      expect(corpusFiles()).toHaveLength(490);
    },
  );

  it('names every way a corpus can be incomplete', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-corpus-'));
    try {
      mkdirSync(join(dir, 'pcap'));
      mkdirSync(join(dir, 'expected'));
      writeFileSync(join(dir, 'MANIFEST.tsv'), 'file\tsource\na.pcap\tx\nb.pcap\tx\n');
      writeFileSync(join(dir, 'pcap', 'a.pcap'), '');
      writeFileSync(join(dir, 'pcap', 'c.pcap'), '');
      writeFileSync(join(dir, 'expected', 'a.pcap.json.gz'), '');
      writeFileSync(join(dir, 'expected', 'd.pcap.json.gz'), '');
      expect(corpusProblems(dir, { captures: 2, expected: 1 })).toEqual([
        '1 captures MANIFEST.tsv lists are missing (b.pcap)',
        '1 captures are not in MANIFEST.tsv (c.pcap)',
        'expected/ has files of no listed capture (d.pcap.json.gz)',
        'expected/ holds 2 decodes, not 1',
      ]);
      rmSync(join(dir, 'pcap', 'c.pcap'));
      expect(corpusProblems(dir, { captures: 2, expected: 1 })).toContain('pcap/ holds 1 files, not 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a corpus: one loud line naming what is skipped and how to get it, or an error under CI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-corpus-'));
    try {
      const lines: string[] = [];
      const absent = join(dir, 'corpus');
      expect(haveCorpus('the X suite', { dir: absent, ci: false, warn: (l) => lines.push(l) })).toBe(false);
      expect(lines).toEqual([
        `!!! SKIPPED the X suite: no capture corpus at ${absent}; put the shared capture corpus at ../shared/corpus beside the clone or set CNIKIT_CORPUS=/path/to/corpus (CI has it)`,
      ]);
      expect(() => haveCorpus('the X suite', { dir: absent, ci: true })).toThrow(
        `CI=true and no capture corpus at ${absent}: the X suite must run`,
      );
      // Present but with a capture gone: an error whatever CI says.
      mkdirSync(join(dir, 'pcap'));
      mkdirSync(join(dir, 'expected'));
      writeFileSync(join(dir, 'MANIFEST.tsv'), 'file\tsource\na.pcap\tx\nb.pcap\tx\n');
      writeFileSync(join(dir, 'pcap', 'a.pcap'), '');
      writeFileSync(join(dir, 'expected', 'a.pcap.json.gz'), '');
      const counts = { captures: 2, expected: 1 };
      expect(() => haveCorpus('the X suite', { dir, ci: false, counts })).toThrow(
        `the capture corpus at ${dir} is incomplete: 1 captures MANIFEST.tsv lists are missing (b.pcap); pcap/ holds 1 files, not 2`,
      );
      writeFileSync(join(dir, 'pcap', 'b.pcap'), '');
      expect(haveCorpus('the X suite', { dir, ci: true, counts })).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreadable capture is an error naming the file, never an empty packet list', () => {
    const notACapture = relative(CORPUS_PCAP_DIR, join(REPO_ROOT, 'package.json'));
    expect(() => corpusPackets(notACapture)).toThrow(
      `cannot read corpus capture ${join(REPO_ROOT, 'package.json')}: not a pcap or pcapng file`,
    );
    expect(() => corpusPackets('no-such-capture.pcap')).toThrow(/no-such-capture\.pcap.*ENOENT/);
  });

  it.skipIf(!CORPUS)(
    'reads as many packets, of the link type, as MANIFEST.tsv lists for every capture',
    () => {
      const wrong: string[] = [];
      let packets = 0;
      for (const entry of readManifest(`${CORPUS_DIR}/MANIFEST.tsv`)) {
        const read = corpusPackets(entry.file);
        packets += read.length;
        const types = new Set(read.map((p) => p.linkType));
        if (read.length !== entry.packets || (read.length > 0 && !types.has(entry.linkType))) {
          wrong.push(
            `${entry.file}: ${read.length} packets of ${[...types]}, manifest ${entry.packets} of ${entry.linkType}`,
          );
        }
        if (read.some((p, i) => p.index !== i)) wrong.push(`${entry.file}: indexes out of order`);
      }
      expect(wrong).toEqual([]);
      expect(packets).toBe(7572);
    },
  );

  it('flattens tshark layers in document order, expanding merged repeats and subtrees', () => {
    const fields = flattenTshark({
      eth: {
        'eth.dst': 'ff:ff:ff:ff:ff:ff',
        'eth.dst_tree': { 'eth.addr': 'ff:ff:ff:ff:ff:ff' },
        'eth.type': '0x8100',
      },
      vlan: [{ 'vlan.id': '10' }, { 'vlan.id': '20' }],
      ip: { 'Options: (4 bytes)': { 'ip.opt.type': '148' }, 'ip.addr': ['1.2.3.4', '5.6.7.8'] },
    });
    expect(Object.fromEntries(fields)).toEqual({
      'eth.dst': ['ff:ff:ff:ff:ff:ff'],
      'eth.addr': ['ff:ff:ff:ff:ff:ff'],
      'eth.type': ['0x8100'],
      'vlan.id': ['10', '20'],
      'ip.opt.type': ['148'],
      'ip.addr': ['1.2.3.4', '5.6.7.8'],
    });
  });

  it('flattens our nodes as tshark writes values, leaving out data layers', () => {
    const fields = flattenDissection([
      {
        field: 'ip',
        name: 'IPv4',
        offset: 0,
        length: 20,
        children: [
          { field: 'ip.flags.df', name: 'DF', offset: 6, length: 1, value: true },
          { field: 'ip.id', name: 'ID', offset: 4, length: 2, value: 0x1234 },
          { field: 'ip.opt', name: 'Opt', offset: 20, length: 2, value: new Uint8Array([1, 0xab]) },
        ],
      },
      {
        field: 'data',
        name: 'Data',
        offset: 20,
        length: 1,
        children: [{ field: 'data.len', name: 'L', offset: 20, length: 0, value: 1 }],
      },
    ]);
    expect(Object.fromEntries(fields)).toEqual({
      'ip.flags.df': ['1'],
      'ip.id': ['4660'],
      'ip.opt': ['01:ab'],
    });
  });

  it('compares numbers with hex text, and nothing else loosely', () => {
    expect([sameValue('2048', '0x0800'), sameValue('1', '1'), sameValue('10.0.0.1', '10.0.0.1')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([sameValue('2048', '0x0801'), sameValue('ab', '0xab'), sameValue('1', 'True')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('reports mismatches, extra values, and tolerates deeper tshark layers and merged-key order', () => {
    const theirs = new Map([
      ['ip.ttl', ['64', '1']],
      ['tcp.option_kind', ['1', '1', '8']],
    ]);
    const ok = compareFields(
      new Map([
        ['ip.ttl', ['64']],
        ['tcp.option_kind', ['1', '8', '1']],
      ]),
      theirs,
      { allowMissing: new Set(), theirsStopEarly: false },
    );
    expect([ok.compared, ok.reordered, ok.mismatches]).toEqual([4, 3, []]);
    const bad = compareFields(
      new Map([
        ['ip.ttl', ['63']],
        ['ip.new', ['1']],
      ]),
      theirs,
      { allowMissing: new Set(), theirsStopEarly: false },
    );
    expect(bad.mismatches.map((m) => [m.field, m.ours, m.theirs])).toEqual([
      ['ip.ttl', '63', '64'],
      ['ip.new', '1', undefined],
    ]);
  });

  it('lists the occurrences of required fields tshark has beyond ours', () => {
    const theirs = new Map([
      ['eth.padding', ['00:00']],
      ['eth.trailer', ['01:02', '03:04']],
      ['ip.ttl', ['64']],
    ]);
    const ours = new Map([['eth.trailer', ['01:02']]]);
    expect(missingFields(ours, theirs, ['eth.padding', 'eth.trailer', 'eth.fcs'])).toEqual([
      { field: 'eth.padding', occurrence: 0, ours: '(absent)', theirs: '00:00' },
      { field: 'eth.trailer', occurrence: 1, ours: '(absent)', theirs: '03:04' },
    ]);
  });
});
