import { execFile } from 'node:child_process';
import { describe, expect } from 'vitest';
import { corpusFiles } from '../../../test/support/corpus.js';
import { CORPUS, cnikit, corpusFile, itRequires, ndjson, TSHARK } from './cli-helpers.js';

const BOTH = {
  ok: TSHARK.ok && CORPUS.ok,
  missing: TSHARK.ok ? CORPUS.missing : TSHARK.missing,
};

const FILTERS = ['bgp.type == 2', 'bgp'] as const;

/** The BGP corpus captures (tcpdump's test files, named after the protocol). */
const bgpFiles = () => (CORPUS.ok ? corpusFiles().filter((f) => /^bgp/.test(f)) : []);

/**
 * Errors tshark reports too, in the segment's first BGP header: dissectBgp throws (marker not all
 * ones, a length the type cannot have) and cnikit shows no bgp layer, where tshark shows the
 * header fields it read before its error. (A later error keeps the fields read before it.)
 */
const BAD_FIRST_HEADER =
  'tshark reports an error too, in the first BGP header of the segment: cnikit shows no bgp layer there, tshark the header fields read before its error';
/**
 * `file -Y filter` pairs where cnikit keeps other frames than `tshark -r FILE -Y filter`, each
 * with the reason. Any pair added to or missing from this list fails the test.
 */
const DIFFERENT: Record<string, string> = {
  'bgp-aigp.pcap -Y bgp.type == 2': 'LINKTYPE_JUNIPER_ETHER (178): cnikit does not decode this link type',
  'bgp-aigp.pcap -Y bgp': 'LINKTYPE_JUNIPER_ETHER (178): cnikit does not decode this link type',
  'bgp-infinite-loop.pcap -Y bgp.type == 2': BAD_FIRST_HEADER,
  'bgp-infinite-loop.pcap -Y bgp': BAD_FIRST_HEADER,
  'bgp_vpn_attrset.pcap -Y bgp.type == 2': 'PPP in HDLC-like framing: cnikit does not decode this link type',
  'bgp_vpn_attrset.pcap -Y bgp': 'PPP in HDLC-like framing: cnikit does not decode this link type',
};

/** The frame numbers `tshark -r file -Y filter` keeps. */
function tsharkFrames(file: string, filter: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'tshark',
      ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'],
      { encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`tshark -Y '${filter}' on ${file}: ${stderr}`));
        else
          resolve(
            stdout
              .split('\n')
              .filter((l) => l !== '')
              .map(Number),
          );
      },
    );
  });
}

async function cnikitFrames(file: string, filter: string): Promise<number[]> {
  const run = await cnikit(['dissect', file, '--json', '-Y', filter]);
  expect(run.code, `${file} -Y '${filter}': ${run.stderr}`).toBe(0);
  return ndjson(run.stdout).map((line) => line['frame.number'] as number);
}

describe('cnikit dissect -Y on BGP (TCP 179) keeps the frames tshark keeps', () => {
  itRequires(BOTH, "bgp-4byte-asn.pcap -Y 'bgp.type == 2': the 10 UPDATE frames tshark keeps", async () => {
    const file = corpusFile('bgp-4byte-asn.pcap');
    const ours = await cnikitFrames(file, 'bgp.type == 2');
    expect(ours).toEqual(await tsharkFrames(file, 'bgp.type == 2'));
    expect(ours).toEqual([13, 37, 52, 56, 58, 60, 75, 79, 81, 83]);
  });

  itRequires(
    BOTH,
    `every BGP corpus capture, -Y ${FILTERS.join(' and -Y ')}: same frames or listed`,
    async () => {
      const files = bgpFiles();
      expect(files.length).toBe(37);
      const differ: Record<string, string> = {};
      let same = 0;
      let framesKept = 0;
      for (const file of files) {
        for (const filter of FILTERS) {
          const [ours, theirs] = await Promise.all([
            cnikitFrames(corpusFile(file), filter),
            tsharkFrames(corpusFile(file), filter),
          ]);
          const key = `${file} -Y ${filter}`;
          if (ours.join() === theirs.join()) {
            same++;
            framesKept += ours.length;
          } else differ[key] = DIFFERENT[key] ?? `tshark ${theirs.join()}, cnikit ${ours.join()}`;
        }
      }
      console.log(
        `bgp filters vs tshark: ${files.length} captures × ${FILTERS.length} filters, ${same} with the same frames (${framesKept} frames kept), ${Object.keys(differ).length} listed`,
      );
      expect(differ).toEqual(DIFFERENT);
      expect(framesKept).toBeGreaterThanOrEqual(152);
    },
  );
});
