import type { CliArgs } from './args.js';
import type { ReadOutcome } from './capture-input.js';
import type { PacketFilter } from './filter.js';
import type { CliIo } from './io.js';
import { forEachSelectedPacket } from './packet-loop.js';
import { ProtocolHierarchy } from './protocol-hierarchy.js';

/**
 * `cnikit stats`: frames and bytes (on the wire) per protocol path, like `tshark -q -z io,phs`.
 * Streams the file, so memory stays bounded whatever its size; the table is printed even when
 * the capture turns out corrupt part-way (covering the packets before the error).
 */
export async function statsCommand(
  args: CliArgs & { file: string },
  filter: PacketFilter | undefined,
  io: CliIo,
): Promise<ReadOutcome> {
  const hierarchy = new ProtocolHierarchy();
  const outcome = await forEachSelectedPacket(args, filter, io, true, (p, dissection) => {
    hierarchy.add(dissection, p.packet.originalLength);
  });
  io.stdout.write(`\n${hierarchy.format(args.filter ?? '')}`);
  return outcome;
}
