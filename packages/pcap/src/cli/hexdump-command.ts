import { annotatedHexdump } from '@cnikit/wire';
import type { CliArgs } from './args.js';
import type { ReadOutcome } from './capture-input.js';
import { malformedNode } from './dissect-command.js';
import type { PacketFilter } from './filter.js';
import { frameNode } from './frame.js';
import { BufferedOutput, type CliIo } from './io.js';
import { forEachSelectedPacket } from './packet-loop.js';

/** `cnikit hexdump`: each packet's bytes with the Wireshark field under each byte range. */
export async function hexdumpCommand(
  args: CliArgs & { file: string },
  filter: PacketFilter | undefined,
  io: CliIo,
): Promise<ReadOutcome> {
  const out = new BufferedOutput(io.stdout);
  const progress = io.stdout.isTTY !== true;
  try {
    return await forEachSelectedPacket(args, filter, io, progress, (p, dissection) => {
      const heading = frameNode(p, []).display;
      const malformed = malformedNode(dissection).map((n) => `${n.display}\n`);
      // Nodes dissected from reassembled bytes are dumped under those bytes, as tshark -x does.
      const elsewhere = new Set(dissection.reassembled?.flatMap((r) => r.layers));
      const own = dissection.layers.filter((n) => !elsewhere.has(n) && n.field !== 'tcp.segments');
      let dump = annotatedHexdump(p.packet.data, own);
      for (const r of dissection.reassembled ?? []) {
        dump += `${r.name} (${r.data.length} bytes):\n${annotatedHexdump(r.data, r.layers)}`;
      }
      out.write(`${heading}\n${dump}${malformed.join('')}\n`);
      return out.maybeFlush();
    });
  } finally {
    await out.flush();
  }
}
