import { type Dissection, dissect, type FrameInfo, type LayerPath, LINK_TABLE } from '@cnikit/wire';
import { type StreamDissection, TcpReassembly } from '../tcp-reassembly.js';
import type { CliArgs } from './args.js';
import { type ReadOutcome, readPackets } from './capture-input.js';
import { type CollectedFields, collectFields, type FieldMap } from './fields.js';
import type { PacketFilter } from './filter.js';
import { frameFields, type NumberedPacket } from './frame.js';
import type { CliIo } from './io.js';
import { cliDissectors } from './protocols.js';

/** What a command does with one packet that passed the filter. */
export type PacketHandler = (
  packet: NumberedPacket,
  dissection: StreamDissection,
  /** Set when the filter needed them; compute with collectFields otherwise. */
  collected: CollectedFields | undefined,
) => void | Promise<void>;

/**
 * What the capture file says about the packet beyond its bytes: its interface's FCS length and
 * when it was captured (ICMP judges a timestamp in an echo's data by it, as Wireshark does).
 */
function frameInfo({ fcsLength, packet }: NumberedPacket): FrameInfo {
  return fcsLength === undefined
    ? { timestamp: packet.timestamp }
    : { fcsLength, timestamp: packet.timestamp };
}

/** Dissects one captured packet, starting from its link type, with its interface's FCS length. */
export function dissectPacket(p: NumberedPacket): Dissection {
  const { data } = p.packet;
  return dissect(
    cliDissectors,
    data,
    { table: LINK_TABLE, key: p.packet.linkType },
    0,
    data.length,
    p.packet.originalLength,
    frameInfo(p),
  );
}

/** A TCP reassembler over the CLI's dissectors, for one pass over one capture. */
export function cliReassembly(): TcpReassembly {
  return new TcpReassembly(cliDissectors);
}

/** Dissects the next packet of a capture with TCP reassembly (as tshark does by default). */
export function dissectStreamPacket(reassembly: TcpReassembly, p: NumberedPacket): StreamDissection {
  const { data } = p.packet;
  return reassembly.dissect(data, {
    first: { table: LINK_TABLE, key: p.packet.linkType },
    originalLength: p.packet.originalLength,
    frame: frameInfo(p),
    number: p.number,
  });
}

/** The layer names of the next packet of a capture, as `dissectStreamPacket` would name them; reuses `into`. */
export function packetLayerPath(reassembly: TcpReassembly, p: NumberedPacket, into: string[]): LayerPath {
  return reassembly.layerPath(p.packet.data, {
    first: { table: LINK_TABLE, key: p.packet.linkType },
    originalLength: p.packet.originalLength,
    frame: frameInfo(p),
    number: p.number,
    into,
  });
}

/**
 * Reads FILE, dissects each packet, keeps those the filter accepts (frame fields included, so
 * `frame.number <= 10` works) and hands them to `handle`, stopping after `args.count` of them.
 */
export async function forEachSelectedPacket(
  args: CliArgs & { file: string },
  filter: PacketFilter | undefined,
  io: CliIo,
  progress: boolean,
  handle: PacketHandler,
): Promise<ReadOutcome> {
  const limit = args.count ?? Number.POSITIVE_INFINITY;
  let selected = 0;
  if (limit === 0) return { packets: 0 };
  const reassembly = cliReassembly();
  return readPackets(args.file, io, { progress }, (p) => {
    const dissection = dissectStreamPacket(reassembly, p);
    let collected: CollectedFields | undefined;
    if (filter) {
      collected = collectFields(dissection);
      const fields: FieldMap = new Map(collected.fields);
      for (const [name, value] of Object.entries(frameFields(p))) fields.set(name, [value]);
      if (!filter({ fields, protocols: new Set(collected.protocols) })) return true;
    }
    selected++;
    const done = handle(p, dissection, collected);
    if (done) return done.then(() => selected < limit);
    return selected < limit;
  });
}
