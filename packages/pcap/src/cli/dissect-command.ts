import { type Dissection, type DissectionNode, formatTree, type TreeOptions } from '@cnikit/wire';
import type { CliArgs } from './args.js';
import type { ReadOutcome } from './capture-input.js';
import { collectFields, packetJson } from './fields.js';
import type { PacketFilter } from './filter.js';
import { frameFields, frameNode } from './frame.js';
import { BufferedOutput, type CliIo } from './io.js';
import { forEachSelectedPacket } from './packet-loop.js';
import { cliDissectors } from './protocols.js';

/** `[Malformed Packet: …]`, the line tshark ends a packet with when a dissector gave up. */
export function malformedNode(dissection: Dissection): DissectionNode[] {
  const e = dissection.malformed;
  if (!e) return [];
  return [
    {
      field: '_ws.malformed',
      name: 'Malformed Packet',
      offset: e.offset,
      length: 0,
      display: `[Malformed Packet: ${e.layer}: ${e.reason} (at byte ${e.offset})]`,
    },
  ];
}

/** Value names and generated-field brackets from the composed dissectors' field descriptions. */
const TREE_OPTIONS: TreeOptions = cliDissectors.fields ? { fields: cliDissectors.fields } : {};

/** `cnikit dissect`: a `tshark -V`-like tree per packet, or one NDJSON object per packet. */
export async function dissectCommand(
  args: CliArgs & { file: string },
  filter: PacketFilter | undefined,
  io: CliIo,
): Promise<ReadOutcome> {
  const out = new BufferedOutput(io.stdout);
  const progress = io.stdout.isTTY !== true;
  try {
    return await forEachSelectedPacket(args, filter, io, progress, (p, dissection, collected) => {
      const fields = collected ?? collectFields(dissection);
      if (args.json) {
        out.write(`${JSON.stringify(packetJson(dissection, frameFields(p), fields))}\n`);
      } else {
        const nodes = [frameNode(p, fields.protocols), ...dissection.layers, ...malformedNode(dissection)];
        out.write(`${formatTree(nodes, TREE_OPTIONS)}\n`);
      }
      return out.maybeFlush();
    });
  } finally {
    await out.flush();
  }
}
