import {
  DecodeError,
  type DissectContext,
  type DissectionNode,
  type FrameBounds,
  fieldNode,
  hex,
  type LayerTrailer,
  readU32,
  type TrailerDissection,
} from '@cnikit/wire';

/** The shortest Ethernet frame without its FCS: senders pad shorter ones up to it. */
const ETHERNET_MIN_FRAME_LENGTH = 60;
const FCS_LENGTH = 4;
/** A frame this long (FCS included) needs no padding, so a trailer of 4 bytes or more may end in an FCS. */
const FCS_GUESS_MIN_LENGTH = ETHERNET_MIN_FRAME_LENGTH + FCS_LENGTH;

/** Where a layer's payload sits and what its bytes after the payload are called. */
export interface TrailerLayer {
  /** Start of the layer (Ethernet header, VLAN tag). */
  readonly start: number;
  /** End of the layer's captured bytes (the `end` it was handed). */
  readonly end: number;
  /** Where the layer ends on the wire (past `end` when the snap length cut the frame). */
  readonly reportedEnd: number;
  /** Field of trailer bytes that are neither padding nor FCS: `eth.trailer`, `vlan.trailer`, `ieee8021ah.trailer`. */
  readonly trailerField: string;
  /** Whether the last 4 bytes may be a frame check sequence (only for the frame's own Ethernet header). */
  readonly mayHaveFcs: boolean;
  /**
   * The capture file says the last 4 bytes are an FCS (`fcsLength` 4): taken whatever the length,
   * as Wireshark does with the file's FCS length (needs `mayHaveFcs`).
   */
  readonly fcsPresent?: boolean;
}

/**
 * Where the payload after an Ethernet header may run to, given the capture file's FCS length
 * (`context.fcsLength`, the link layer's only): Wireshark's ethertype and 802.3 dissectors take
 * a positive FCS length off the payload's length on the wire (when it is that long) and cut the
 * captured payload to it. Without one, `end`.
 */
export function payloadEndBeforeFcs(payloadStart: number, end: number, context: DissectContext): number {
  const fcs = context.fcsLength;
  if (fcs === undefined || fcs <= 0) return end;
  return Math.min(end, reportedEndBeforeFcs(payloadStart, context.reportedEnd ?? end, fcs));
}

/**
 * Where bytes from `from` run to on the wire once the capture file's FCS length is taken off:
 * Wireshark takes it off only a length that has room for it, and only a positive one.
 */
function reportedEndBeforeFcs(from: number, reportedEnd: number, fcsLength: number | undefined): number {
  return fcsLength !== undefined && fcsLength > 0 && reportedEnd - from >= fcsLength
    ? reportedEnd - fcsLength
    : reportedEnd;
}

/**
 * The bytes after a layer's payload as Wireshark 4.0's Ethernet dissector shows them with default
 * preferences (`add_ethernet_trailer`; padding of zeros, FCS guessed, not verified):
 *
 * - Nothing unless some of them were captured (`payloadEnd` < `end`).
 * - `eth.padding`: when the frame (on the wire) is at least 60 bytes but less than 60 without
 *   these bytes, the first `60 − that` of them, if all are zero. When they run past the captured
 *   bytes tshark stops here (the frame is reported short), and so does this.
 * - An FCS is guessed for the frame's own Ethernet header when the layer is at least 64 bytes on
 *   the wire and 4 or more bytes remain: the last 4 (on the wire) are `eth.fcs` (unverified, status
 *   2), shown only when captured. When the capture file gives the FCS length, 4 means the last 4
 *   bytes are the FCS whatever the frame's length (fewer than 4 left after the padding: the
 *   padding node with a DecodeError, where tshark's trailer code throws), 0 means there is none (other lengths: guessed).
 *   The status stays unverified as with tshark's default `eth.check_fcs: FALSE`;
 *   `verifyEthernetFcs` (`@cnikit/wire`) gives the real answer.
 * - What remains between is the trailer (`eth.trailer`, or the tag's own field under a VLAN tag).
 *
 * Frame length is the whole frame's, as Wireshark's `pkt_len`, also for a layer inside it.
 */
export function ethernetTrailer(
  buf: Uint8Array,
  layer: TrailerLayer,
  payloadEnd: number,
  frame: FrameBounds,
): DissectionNode[] | TrailerDissection {
  const at = payloadEnd;
  if (at >= layer.end) return [];
  let captured = layer.end - at;
  let reported = layer.reportedEnd - at;
  const frameLength = frame.reportedEnd - frame.start;
  let padding = 0;
  if (frameLength >= ETHERNET_MIN_FRAME_LENGTH && frameLength - reported < ETHERNET_MIN_FRAME_LENGTH) {
    padding = ETHERNET_MIN_FRAME_LENGTH - (frameLength - reported);
    for (let i = 0; i < padding; i++) {
      // Zeros up to the end of the capture: tshark gives up on the frame (reported short) here.
      if (i >= captured) return [];
      if (buf[at + i] !== 0) {
        padding = 0;
        break;
      }
    }
  }
  const out: DissectionNode[] = [];
  if (padding > 0) {
    out.push(fieldNode('eth.padding', 'Padding', at, padding, buf.subarray(at, at + padding)));
    captured -= padding;
    reported -= padding;
  }
  const present = layer.mayHaveFcs && layer.fcsPresent === true;
  if (present && reported < FCS_LENGTH) {
    // tshark has shown the padding when its trailer code throws here.
    const malformed = new DecodeError(
      'truncated',
      'eth',
      at + padding,
      `the capture file says the frame ends in a ${FCS_LENGTH}-byte FCS, but only ${reported} bytes follow the payload and padding`,
    );
    return { nodes: out, malformed };
  }
  const hasFcs =
    present ||
    (layer.mayHaveFcs && layer.reportedEnd - layer.start >= FCS_GUESS_MIN_LENGTH && reported >= FCS_LENGTH);
  if (hasFcs) {
    reported -= FCS_LENGTH;
    captured = Math.min(captured, reported);
  }
  const trailerAt = at + padding;
  if (captured > 0) {
    out.push(
      fieldNode(
        layer.trailerField,
        'Trailer',
        trailerAt,
        captured,
        buf.subarray(trailerAt, trailerAt + captured),
      ),
    );
  }
  const fcsAt = trailerAt + captured;
  if (hasFcs && fcsAt + FCS_LENGTH <= layer.end) {
    const fcs = readU32(buf, fcsAt);
    out.push(
      fieldNode(
        'eth.fcs',
        'Frame check sequence',
        fcsAt,
        FCS_LENGTH,
        fcs,
        `Frame check sequence: ${hex(fcs, 8)} [unverified]`,
      ),
      fieldNode('eth.fcs.status', 'FCS Status', fcsAt, 0, 2, 'FCS Status: Unverified'),
    );
  }
  return out;
}

/**
 * The `trailer` of a layer handed buf[start, end) (an Ethernet header or a VLAN tag). Its payload
 * ends where the next layer says (`payloadEnd`), or for an 802.3 length frame where the length field
 * says (`lengthEnd`, cut to the layer's end on the wire), as in Wireshark's `dissect_802_3`.
 */
export function layerTrailer(
  buf: Uint8Array,
  start: number,
  end: number,
  context: DissectContext,
  trailerField: string,
  /**
   * Guess an FCS (when the layer starts the frame): Wireshark does for the link layer only. The
   * capture file's FCS length (`context.fcsLength`) replaces the guess: 4 present, 0 absent.
   */
  guessFcs: boolean,
  lengthEnd?: number,
): LayerTrailer {
  const fcsLength = context.fcsLength;
  return (payloadEnd, frame) => {
    // A layer running to the end of the captured frame ends where the frame ended on the wire;
    // one inside it (VXLAN's inner frame) where its enclosing header claims.
    const reportedEnd = end === frame.end ? frame.reportedEnd : (context.claimedEnd ?? end);
    // An 802.3 length may not claim the FCS the capture file says is there (dissect_802_3).
    const dataEnd =
      lengthEnd === undefined
        ? payloadEnd
        : Math.min(lengthEnd, reportedEndBeforeFcs(start, reportedEnd, fcsLength));
    const layer = {
      start,
      end,
      reportedEnd,
      trailerField,
      mayHaveFcs: guessFcs && start === frame.start && fcsLength !== 0,
      fcsPresent: fcsLength === FCS_LENGTH,
    };
    return ethernetTrailer(buf, layer, dataEnd, frame);
  };
}
