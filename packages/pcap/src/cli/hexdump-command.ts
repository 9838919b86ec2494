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
      out.write(`${heading}\n${annotatedHexdump(p.packet.data, dissection.layers)}${malformed.join('')}\n`);
      return out.maybeFlush();
    });
  } finally {
    await out.flush();
  }
}
