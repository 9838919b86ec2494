import { readFileSync } from 'node:fs';
import type { FieldDescription } from '@cnikit/wire';
import { expect } from 'vitest';
import { corpusFiles } from '../../../test/support/corpus.js';
import { collectFields } from '../src/cli/fields.js';
import { FRAME_FIELDS } from '../src/cli/frame.js';
import { dissectPacket } from '../src/cli/packet-loop.js';
import { cliDissectors } from '../src/cli/protocols.js';
import { readCapture } from '../src/index.js';
import { CORPUS, corpusFile, itRequires } from './cli-helpers.js';

/** Whether a JSON value has the shape the field's type promises (numbers for numeric types). */
function fits(description: FieldDescription, value: number | string): boolean {
  switch (description.type) {
    case 'uint':
    case 'int':
    case 'boolean':
      // 64-bit values past 2^53 come out as decimal text.
      return typeof value === 'number' || /^[0-9]+$/.test(value);
    case 'ipv4':
      return typeof value === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(value);
    case 'ipv6':
      return typeof value === 'string' && value.includes(':');
    case 'ether':
      return typeof value === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(value);
    case 'bytes':
      return typeof value === 'string' && /^([0-9a-f]{2}(:[0-9a-f]{2})*)?$/.test(value);
    default:
      return true;
  }
}

itRequires(CORPUS, 'every field emitted on the corpus is described, with a type its values fit', () => {
  const fields = cliDissectors.fields ?? new Map();
  const undescribed = new Map<string, string>();
  const misfit = new Map<string, string>();
  const seen = new Set<string>();
  let values = 0;
  for (const file of corpusFiles()) {
    let number = 0;
    try {
      for (const packet of readCapture(new Uint8Array(readFileSync(corpusFile(file))))) {
        number++;
        const collected = collectFields(dissectPacket({ number, packet, pcapng: false }));
        for (const p of collected.protocols) {
          seen.add(p);
          if (fields.get(p)?.type !== 'protocol') undescribed.set(p, `${file}#${number} (protocol)`);
        }
        for (const [name, list] of collected.fields) {
          seen.add(name);
          const d = fields.get(name);
          if (!d) undescribed.set(name, `${file}#${number}`);
          else
            for (const v of list) {
              values++;
              if (!fits(d, v)) misfit.set(name, `${file}#${number}: ${JSON.stringify(v)} for ${d.type}`);
            }
        }
      }
    } catch {
      // A corrupt capture: the packets before the damage were looked at.
    }
  }
  console.log(
    `field descriptions: ${seen.size} distinct fields seen on the corpus, ${values} values checked`,
  );
  expect(Object.fromEntries(undescribed)).toEqual({});
  expect(Object.fromEntries(misfit)).toEqual({});
  expect(seen.size).toBeGreaterThan(300);
  // The CLI's own frame fields are described too.
  for (const name of ['frame.number', 'frame.len', 'frame.cap_len', 'frame.time_epoch']) {
    expect(FRAME_FIELDS[name], name).toBeDefined();
  }
});
