import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { corpusFiles, expectedPath, flattenTshark, loadTsharkPackets } from '../../../test/support/corpus.js';
import { collectFields } from '../src/cli/fields.js';
import { dissectPacket } from '../src/cli/packet-loop.js';
import { readCapture } from '../src/index.js';
import { CORPUS, corpusFile, itRequires } from './cli-helpers.js';

const FIELDS = ['icmp.data_time', 'icmp.data_time_relative'] as const;

/**
 * `icmp.data_time`: the timestamp ping puts at the start of an echo's data. tshark 4.0.17 decides
 * from the frame's own time whether the first 8 data bytes are one (network or little-endian
 * order); we must find it in the same packets with the same value, so that the data after it
 * (`data.len`) is the same too.
 */
itRequires(CORPUS, 'icmp.data_time and data.len agree with tshark on every ICMP packet of the corpus', () => {
  const differ: string[] = [];
  let withTime = 0;
  let icmpPackets = 0;
  let dataCompared = 0;
  // Packets whose quoted payload tshark decodes further (Kerberos in an ICMP error): data to us.
  const dataLen56WhereTsharkDecodes: string[] = [];
  for (const file of corpusFiles()) {
    const expected = expectedPath(file);
    if (!expected) continue;
    const theirs = loadTsharkPackets(expected);
    if (!theirs.some((p) => 'icmp' in p)) continue;
    let number = 0;
    try {
      for (const packet of readCapture(new Uint8Array(readFileSync(corpusFile(file))))) {
        number++;
        const tshark = theirs[number - 1];
        if (!tshark || !('icmp' in tshark)) continue;
        const collected = collectFields(dissectPacket({ number, packet, pcapng: false }));
        // Link layers we do not dissect (ARCNET, ERSPAN) never reach our ICMP.
        if (!collected.protocols.includes('icmp')) continue;
        icmpPackets++;
        const ours = collected.fields;
        const flat = flattenTshark(tshark);
        for (const field of FIELDS) {
          const a = JSON.stringify(ours.get(field) ?? []);
          const b = JSON.stringify(flat.get(field) ?? []);
          if (a !== b) differ.push(`${file}#${number} ${field}: ours ${a}, tshark ${b}`);
        }
        if ((flat.get('icmp.data_time') ?? []).length > 0) withTime++;
        // The data after the timestamp: its length is tshark's wherever tshark shows data too.
        const theirLen = flat.get('data.len');
        if (theirLen) {
          dataCompared++;
          const a = JSON.stringify(ours.get('data.len') ?? []);
          if (a !== JSON.stringify(theirLen.map(Number)))
            differ.push(`${file}#${number} data.len: ours ${a}, tshark ${JSON.stringify(theirLen)}`);
        }
        if ((ours.get('data.len') ?? []).includes(56) && !theirLen)
          dataLen56WhereTsharkDecodes.push(`${file}#${number}`);
      }
    } catch {
      // A corrupt capture: the packets before the damage were compared.
    }
  }
  console.log(
    `icmp.data_time: ${icmpPackets} ICMP packets, ${withTime} with a timestamp in tshark's decode; ` +
      `data.len compared in ${dataCompared}`,
  );
  expect(differ).toEqual([]);
  expect(withTime).toBe(17);
  expect(dataCompared).toBe(23);
  // `data.len == 56` now matches only where tshark shows a protocol we leave as data.
  expect(dataLen56WhereTsharkDecodes).toEqual(['afs.pcap#571', 'afs.pcap#577']);
});
