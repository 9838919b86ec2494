import {
  type DissectionNode,
  type FieldDescriptions,
  I16_FIELD,
  PROTOCOL_FIELD,
  STRING_FIELD,
  TIME_FIELD,
  U32_FIELD,
} from '@cnikit/wire';
import type { CapturePacket } from '../capture-types.js';
import { linkTypeName } from '../link-types.js';
import { formatEpochTime, timestampToDate } from '../timestamp.js';
import type { JsonFieldValue } from './fields.js';

/** A packet as the CLI sees it: its 1-based number in the file and whether the file is pcapng. */
export interface NumberedPacket {
  readonly number: number;
  readonly packet: CapturePacket;
  readonly pcapng: boolean;
  /** FCS bytes at the end of the packet when its interface says (pcap FCS bits, pcapng `if_fcslen`). */
  readonly fcsLength?: number;
}

/**
 * The `frame.*` fields as tshark's JSON has them. `frame.interface_id` only for pcapng, as
 * tshark (a pcap file has no interface ids); `frame.protocols` is added from the layers.
 */
export function frameFields({ number, packet, pcapng }: NumberedPacket): Record<string, JsonFieldValue> {
  const fields: Record<string, JsonFieldValue> = {};
  if (pcapng) fields['frame.interface_id'] = packet.interfaceIndex;
  fields['frame.time_epoch'] = formatEpochTime(packet.timestamp);
  fields['frame.number'] = number;
  fields['frame.len'] = packet.originalLength;
  fields['frame.cap_len'] = packet.captureLength;
  return fields;
}

/** The fields the CLI adds to every packet (`frame.*`, `_ws.malformed`), typed as Wireshark types them. */
export const FRAME_FIELDS: FieldDescriptions = {
  frame: PROTOCOL_FIELD,
  'frame.interface_id': U32_FIELD,
  'frame.time_epoch': TIME_FIELD,
  'frame.number': U32_FIELD,
  'frame.len': U32_FIELD,
  'frame.cap_len': U32_FIELD,
  'frame.protocols': STRING_FIELD,
  'frame.encap_type': I16_FIELD,
  '_ws.malformed': PROTOCOL_FIELD,
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `May 18, 2013 20:21:44.837063000 UTC`, tshark's arrival time with TZ=UTC. */
export function formatArrivalTime(ns: bigint): string {
  const date = timestampToDate(ns);
  const epoch = formatEpochTime(ns);
  const fraction = epoch.slice(epoch.indexOf('.') + 1);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const clock = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${MONTHS[date.getUTCMonth()]} ${day}, ${date.getUTCFullYear()} ${clock}.${fraction} UTC`;
}

/**
 * Wireshark's own encapsulation numbers and names for the link types cnikit dissects (tshark
 * shows these, not the LINKTYPE); other link types are shown by their LINKTYPE name.
 */
const WIRESHARK_ENCAPSULATIONS: Readonly<Record<number, readonly [number, string]>> = {
  0: [15, 'NULL/Loopback'],
  1: [1, 'Ethernet'],
  101: [7, 'Raw IP'],
  108: [174, 'OpenBSD loopback'],
  113: [25, 'Linux cooked-mode capture v1'],
  228: [129, 'Raw IPv4'],
  229: [130, 'Raw IPv6'],
  276: [210, 'Linux cooked-mode capture v2'],
};

/** `Ethernet (1)`, as tshark's `Encapsulation type:` line says it. */
function encapsulationType(linkType: number): string {
  const known = WIRESHARK_ENCAPSULATIONS[linkType];
  return known ? `${known[1]} (${known[0]})` : `${linkTypeName(linkType)} (${linkType})`;
}

const bytesAndBits = (n: number) => `${n} bytes (${n * 8} bits)`;

/** The `Frame N: …` node that heads each packet in `cnikit dissect`, like `tshark -V`. */
export function frameNode(p: NumberedPacket, protocols: readonly string[]): DissectionNode {
  const { packet, number } = p;
  const fields = frameFields(p);
  const child = (field: string, display: string): DissectionNode => ({
    field,
    name: field,
    offset: 0,
    length: 0,
    display,
  });
  const children: DissectionNode[] = [
    child('frame.encap_type', `Encapsulation type: ${encapsulationType(packet.linkType)}`),
    child('frame.time', `Arrival Time: ${formatArrivalTime(packet.timestamp)}`),
    child('frame.time_epoch', `Epoch Time: ${fields['frame.time_epoch']} seconds`),
    child('frame.number', `Frame Number: ${number}`),
    child('frame.len', `Frame Length: ${bytesAndBits(packet.originalLength)}`),
    child('frame.cap_len', `Capture Length: ${bytesAndBits(packet.captureLength)}`),
    child('frame.protocols', `[Protocols in frame: ${protocols.join(':')}]`),
  ];
  const onInterface = p.pcapng ? ` on interface ${packet.interfaceIndex}` : '';
  const wire = packet.originalLength;
  const captured = packet.captureLength;
  return {
    field: 'frame',
    name: 'Frame',
    offset: 0,
    length: 0,
    display: `Frame ${number}: ${wire} bytes on wire (${wire * 8} bits), ${captured} bytes captured (${captured * 8} bits)${onInterface}`,
    children,
  };
}
