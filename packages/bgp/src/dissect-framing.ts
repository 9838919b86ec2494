import { type DissectionNode, PDU_HEADER_CUT, PDU_INVALID, type PduFraming, readU16 } from '@cnikit/wire';
import { HEADER_LENGTH } from './constants.js';

const MARKER_LENGTH = 16;

/**
 * Where BGP messages end on a TCP stream, as Wireshark 4.0.17's `dissect_bgp` tells its TCP
 * reassembly: a header cut short waits for the next segment, a length under 19 stops reassembly
 * (the dissector reports it), any other length is taken as it is (no marker, type or maximum check,
 * as there). Stream bytes that do not continue a message being reassembled start at the first
 * marker, or at 1 to 15 bytes of ones running to the end; those before it are a continuation.
 */
export const bgpPduFraming: PduFraming = {
  pduLength(buf, at, end) {
    if (end - at < HEADER_LENGTH) return PDU_HEADER_CUT;
    const length = readU16(buf, at + MARKER_LENGTH);
    return length < HEADER_LENGTH ? PDU_INVALID : length;
  },
  firstPdu(buf, start, end) {
    for (let at = start; at < end; at++) {
      const n = Math.min(MARKER_LENGTH, end - at);
      let i = 0;
      while (i < n && buf[at + i] === 0xff) i++;
      if (i === n) return at;
    }
    return end;
  },
  continuation(_buf, start, end): DissectionNode {
    return {
      field: 'bgp',
      name: 'Border Gateway Protocol',
      offset: start,
      length: end - start,
      children: [{ field: 'bgp.continuation', name: 'Continuation', offset: start, length: end - start }],
    };
  },
};
