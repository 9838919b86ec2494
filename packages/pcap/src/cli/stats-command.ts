import type { CliArgs } from './args.js';
import { type ReadOutcome, readPackets } from './capture-input.js';
import type { PacketFilter } from './filter.js';
import type { CliIo } from './io.js';
import { cliReassembly, forEachSelectedPacket, packetLayerPath } from './packet-loop.js';
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
  let outcome: ReadOutcome;
  if (filter) {
    outcome = await forEachSelectedPacket(args, filter, io, true, (p, dissection) => {
      hierarchy.add(dissection, p.packet.originalLength);
    });
  } else {
    // Without a filter only the protocol path matters: no field trees are kept.
    const limit = args.count ?? Number.POSITIVE_INFINITY;
    const path: string[] = [];
    const reassembly = cliReassembly();
    outcome =
      limit === 0
        ? { packets: 0 }
        : await readPackets(args.file, io, { progress: true }, (p) => {
            const { layers, malformed } = packetLayerPath(reassembly, p, path);
            hierarchy.addPath(layers, malformed !== undefined, p.packet.originalLength);
            return p.number < limit;
          });
  }
  io.stdout.write(`\n${hierarchy.format(args.filter ?? '')}`);
  return outcome;
}
