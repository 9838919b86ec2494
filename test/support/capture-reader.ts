/**
 * A minimal capture reader for tests: classic pcap (either byte order, µs or ns) and pcapng
 * (SHB/IDB/EPB/SPB and the obsolete packet block, either byte order, link type per interface).
 * It stops quietly at the first record that does not fit: corpus files are often cut short.
 * `@cnikit/pcap` will replace it.
 */

export interface CapturedPacket {
  readonly data: Uint8Array;
  /** pcap LINKTYPE, low 16 bits (the upper bits of a pcap header carry FCS information). */
  readonly linkType: number;
  /** Length on the wire (tshark's frame.len); more than `data.length` when the snaplen cut it. */
  readonly originalLength: number;
  /** 0-based position in the file, counting every packet (tshark's frame.number - 1). */
  readonly index: number;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_IDB = 1;
const PCAPNG_OBSOLETE_PB = 2;
const PCAPNG_SPB = 3;
const PCAPNG_EPB = 6;

export function* readCapture(file: Uint8Array): Generator<CapturedPacket> {
  if (file.length < 4) return;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicBE = view.getUint32(0, false);
  if (magicBE === PCAPNG_SHB) {
    yield* readPcapng(file, view);
    return;
  }
  const magicLE = view.getUint32(0, true);
  if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) yield* readPcap(file, view, false);
  else if (magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS) yield* readPcap(file, view, true);
  else throw new Error('not a pcap or pcapng file');
}

function* readPcap(file: Uint8Array, view: DataView, le: boolean): Generator<CapturedPacket> {
  if (file.length < 24) return;
  const linkType = view.getUint32(20, le) & 0xffff;
  let index = 0;
  for (let at = 24; at + 16 <= file.length; index++) {
    const capturedLength = view.getUint32(at + 8, le);
    const originalLength = view.getUint32(at + 12, le);
    const dataStart = at + 16;
    if (dataStart + capturedLength > file.length) return;
    yield { data: file.subarray(dataStart, dataStart + capturedLength), linkType, originalLength, index };
    at = dataStart + capturedLength;
  }
}

function* readPcapng(file: Uint8Array, view: DataView): Generator<CapturedPacket> {
  let le = true;
  let interfaces: number[] = [];
  let index = 0;
  for (let at = 0; at + 12 <= file.length; ) {
    if (view.getUint32(at, false) === PCAPNG_SHB) {
      le = view.getUint32(at + 8, true) === PCAPNG_BYTE_ORDER_MAGIC;
      interfaces = [];
    }
    const type = view.getUint32(at, le);
    const blockLength = view.getUint32(at + 4, le);
    if (blockLength < 12 || blockLength % 4 !== 0 || at + blockLength > file.length) return;
    const bodyEnd = at + blockLength - 4;
    let packet:
      | { iface: number; dataStart: number; capturedLength: number; originalLength: number }
      | undefined;
    if (type === PCAPNG_IDB && at + 10 <= bodyEnd) {
      interfaces.push(view.getUint16(at + 8, le));
    } else if ((type === PCAPNG_EPB || type === PCAPNG_OBSOLETE_PB) && at + 28 <= bodyEnd) {
      const iface = type === PCAPNG_EPB ? view.getUint32(at + 8, le) : view.getUint16(at + 8, le);
      packet = {
        iface,
        dataStart: at + 28,
        capturedLength: view.getUint32(at + 20, le),
        originalLength: view.getUint32(at + 24, le),
      };
    } else if (type === PCAPNG_SPB && at + 12 <= bodyEnd) {
      const originalLength = view.getUint32(at + 8, le);
      packet = {
        iface: 0,
        dataStart: at + 12,
        capturedLength: Math.min(originalLength, bodyEnd - at - 12),
        originalLength,
      };
    }
    if (packet) {
      const { iface, dataStart, capturedLength, originalLength } = packet;
      if (dataStart + capturedLength > bodyEnd || iface >= interfaces.length) return;
      yield {
        data: file.subarray(dataStart, dataStart + capturedLength),
        linkType: interfaces[iface],
        originalLength,
        index,
      };
      index++;
    }
    at += blockLength;
  }
}
