import type { NetlinkTap, TappedDatagram } from '../socket.js';

/** pcap LINKTYPE_NETLINK: each record a 16-byte cooked header, then the datagram (nlmon's format). */
export const LINKTYPE_NETLINK = 253;
/** The cooked header's link-layer address type (ARPHRD_NETLINK). */
export const ARPHRD_NETLINK = 824;
/** sll_pkttype of a datagram a socket sent (PACKET_OUTGOING); received ones carry PACKET_HOST (0). */
const PACKET_OUTGOING = 4;
const PACKET_HOST = 0;
const NETLINK_COOKED_LENGTH = 16;
const PCAP_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

/** A datagram recorded with the time it was seen (nanoseconds since the Unix epoch). */
export interface RecordedDatagram extends TappedDatagram {
  readonly time: bigint;
}

/**
 * Keeps a copy of every datagram a socket's `tap` sees and writes them as a LINKTYPE_NETLINK pcap,
 * the capture an nlmon device would make of that socket, for `cnikit dissect` and Wireshark:
 * `Netlink.open({ netns, tap: recorder.tap })`, then `writeFileSync(file, recorder.pcap())`.
 */
export class NetlinkRecorder {
  readonly datagrams: RecordedDatagram[] = [];

  readonly tap: NetlinkTap = (d) => {
    this.datagrams.push({
      direction: d.direction,
      protocol: d.protocol,
      bytes: d.bytes.slice(),
      time: process.hrtime.bigint() + this.epochOffset,
    });
  };

  private readonly epochOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

  /** The recorded datagrams as a classic pcap file (nanosecond timestamps, little-endian). */
  pcap(): Uint8Array {
    return encodeNetlinkPcap(this.datagrams);
  }
}

/** Writes `datagrams` as a classic pcap file of LINKTYPE_NETLINK (nanosecond timestamps). */
export function encodeNetlinkPcap(datagrams: readonly RecordedDatagram[]): Uint8Array {
  let size = PCAP_HEADER_LENGTH;
  for (const d of datagrams) size += RECORD_HEADER_LENGTH + NETLINK_COOKED_LENGTH + d.bytes.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b23c4d, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 0x40000, true);
  v.setUint32(20, LINKTYPE_NETLINK, true);
  let at = PCAP_HEADER_LENGTH;
  for (const d of datagrams) {
    const length = NETLINK_COOKED_LENGTH + d.bytes.length;
    v.setUint32(at, Number(d.time / 1_000_000_000n), true);
    v.setUint32(at + 4, Number(d.time % 1_000_000_000n), true);
    v.setUint32(at + 8, length, true);
    v.setUint32(at + 12, length, true);
    at += RECORD_HEADER_LENGTH;
    v.setUint16(at, d.direction === 'sent' ? PACKET_OUTGOING : PACKET_HOST);
    v.setUint16(at + 2, ARPHRD_NETLINK);
    v.setUint16(at + 14, d.protocol);
    out.set(d.bytes, at + NETLINK_COOKED_LENGTH);
    at += length;
  }
  return out;
}
