import {
  BYTES_FIELD,
  DecodeError,
  type DissectContext,
  type Dissection,
  type DissectionNode,
  type DissectorRegistry,
  dataNode,
  dissect,
  dissectLayerPath,
  type FieldDescriptions,
  type FrameInfo,
  formatIpv4,
  formatIpv6,
  type IpContext,
  LABEL_FIELD,
  type LayerDissection,
  type LayerDissector,
  type LayerPath,
  type LayerStep,
  type LayerWalker,
  LINK_TABLE,
  LINKTYPE_ETHERNET,
  PDU_HEADER_CUT,
  type PduFraming,
  readU16,
  readU32,
} from '@cnikit/wire';

/** Limits that keep a reassembler's memory bounded whatever the capture holds. */
export interface TcpReassemblyOptions {
  /** Stream directions followed at once; past it the least recently seen one is forgotten. Default 4,096. */
  readonly maxStreams?: number;
  /**
   * Bytes held for unfinished messages over every stream; past it the least recently seen streams'
   * unfinished messages are dropped. Default 64 MiB.
   */
  readonly maxBufferedBytes?: number;
  /**
   * The longest message reassembled. A longer one is left as it is: its frames are dissected
   * segment by segment and their dissection says so (`StreamDissection.overflow`). Default 1 MiB.
   */
  readonly maxPduBytes?: number;
  /** The name of the TCP layer in the registry. Default `tcp`. */
  readonly tcpLayer?: string;
}

/** Bytes a frame completed from several TCP segments, with the layers dissected from them. */
export interface ReassembledData {
  /** The data source's name as tshark's hex dump prints it: `Reassembled TCP`. */
  readonly name: string;
  readonly data: Uint8Array;
  /** The nodes of the frame's `layers` whose offsets are into `data`, not into the frame. */
  readonly layers: readonly DissectionNode[];
}

/** A frame's dissection with reassembly: `layers` holds its nodes in tshark's order. */
export interface StreamDissection extends Dissection {
  /** Messages this frame completed, each with its own bytes (offsets of their nodes are into them). */
  readonly reassembled?: readonly ReassembledData[];
  /** Set when a message was longer than `maxPduBytes`: this frame's bytes were dissected as they are. */
  readonly overflow?: string;
}

/** One frame for `TcpReassembly`: where it lies in the buffer and what the capture says of it. */
export interface StreamFrameOptions {
  /** The first layer's table and key. Default: `link` 1 (Ethernet). */
  readonly first?: { readonly table: string; readonly key: number };
  readonly start?: number;
  readonly end?: number;
  /** The frame's length on the wire when the capture kept less. */
  readonly originalLength?: number;
  readonly frame?: FrameInfo;
  /** The frame's number in the capture (tshark's `frame.number`), named by `tcp.segment`. Default: counted from 1. */
  readonly number?: number;
}

/** The fields a reassembler adds to a frame, typed as Wireshark 4.0.17 registers them. */
export const TCP_REASSEMBLY_FIELDS: FieldDescriptions = {
  'tcp.segment_data': BYTES_FIELD,
  'tcp.segments': LABEL_FIELD,
  'tcp.segment': { type: 'uint', bits: 32, generated: true },
  'tcp.segment.count': { type: 'uint', bits: 32, generated: true },
  'tcp.reassembled.length': { type: 'uint', bits: 32, generated: true },
  'tcp.reassembled.data': { type: 'bytes', generated: true },
};

const ETHERNET_FIRST = { table: LINK_TABLE, key: LINKTYPE_ETHERNET } as const;
const NO_FRAME_INFO: FrameInfo = Object.freeze({});
const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;
const FLAG_ACK = 0x10;
/** tshark's out-of-order window when the handshake's round trip is unknown: 3 ms. */
const OUT_OF_ORDER_NS = 3_000_000n;

/** A message being reassembled (Wireshark's multi-segment PDU): raw sequence numbers. */
interface Pending {
  /** Sequence number of its first byte. */
  readonly seq: number;
  /** Sequence number it needs to reach (`nxtpdu`); one byte into the next segment when its header was cut. */
  end: number;
  data: Uint8Array;
  /** Bytes held, from `seq` on. */
  length: number;
  /** Frame number and bytes of each segment added, in order. */
  readonly frames: Fragment[];
  /** Its header was cut: the next segment joins whole (tshark's MSP_FLAGS_REASSEMBLE_ENTIRE_SEGMENT). */
  readonly wholeNext: boolean;
}

/** A segment's part of a message, as tshark lists it: frame, offset in the message, bytes. */
interface Fragment {
  readonly number: number;
  readonly offset: number;
  readonly length: number;
}

interface Flow {
  /** The highest sequence number seen plus one (SYN and FIN count one), as tshark's `nextseq`. */
  nextSeq?: number;
  /** When `nextSeq` last moved (ns). */
  nextSeqTime: bigint;
  /** The handshake's round trip (SYN to the ACK after the SYN-ACK), shared by both directions. */
  readonly connection: { synTime?: bigint; synAcked?: boolean; rtt?: bigint };
  /** Messages being reassembled, oldest first (tshark keeps every one; a few are enough to match it). */
  readonly pending: Pending[];
  /** The last few messages completed, [seq, end): tshark's reassembly still knows them. */
  readonly done: { readonly seq: number; readonly end: number }[];
}

/** What the stream layer of one frame makes of its payload. */
interface Outcome {
  readonly nodes: DissectionNode[];
  readonly reassembled: ReassembledData[];
  /** Payload bytes kept for a message that goes on in a later segment: [start, end) in the frame. */
  segmentData?: [number, number];
  malformed?: DecodeError;
  overflow?: string;
}

interface FrameSlot {
  active: boolean;
  number: number;
  /** Where the last TCP header of the frame starts, and what tshark's analysis made of its segment. */
  tcpStart?: number;
  flow?: Flow;
  verdict?: Verdict;
  outcome?: Outcome;
}

/**
 * What tshark's sequence analysis makes of a segment, reduced to what decides the dissection:
 * `in-order`; `out-of-order` (joins reassembly, goes to no dissector); `retransmission` (neither);
 * `keep-alive` (its byte goes to the data dissector).
 */
type Verdict = 'in-order' | 'out-of-order' | 'retransmission' | 'keep-alive';

/** Where the messages in buf[start, end) end, by the framing: `pendingAt` starts one not all there. */
interface Framed {
  readonly pendingAt?: number;
  readonly headerCut?: boolean;
  /** The pending message's length (when its header is there). */
  readonly length?: number;
}

/** Unfinished messages kept per stream direction. */
const MAX_PENDING_PER_FLOW = 4;
const PLACEHOLDER_FIELD = '\u0000stream';
const lt = (a: number, b: number) => ((a - b) | 0) < 0;
const diff = (a: number, b: number) => (a - b) | 0;

/**
 * TCP reassembly for a dissection pipeline, as tshark 4.0.17 does by default
 * (`tcp.desegment_tcp_streams: TRUE`, `tcp.reassemble_out_of_order: FALSE`, `tcp.analyze_sequence_numbers: TRUE`):
 * per stream direction (addresses and ports), in sequence order, for every layer whose set gives a
 * `PduFraming` (BGP's `framings.bgp`). A frame whose messages end in a later segment keeps their
 * bytes as `tcp.segment_data`; the frame that completes one shows `tcp.segments` and the message
 * dissected from the reassembled bytes; a segment with several messages shows each. A segment that
 * does not advance the sequence number (a retransmission or an out-of-order segment, by tshark's
 * analysis) goes to no dissector, as tshark's `tcp.no_subdissector_on_error` does, but may still
 * complete a message. A segment cut by the snap length, inside an ICMP error or a first IP fragment
 * is dissected as it is. One instance follows one capture: feed it every frame, in capture order.
 * Memory is bounded by the options; `dissect` alone (no reassembly) is untouched.
 */
export class TcpReassembly {
  private readonly registry: DissectorRegistry;
  private readonly flows = new Map<string, Flow>();
  /** TCP ports bound to a layer with a framing: only their segments are followed. */
  private readonly streamPorts = new Set<number>();
  private readonly slot: FrameSlot = { active: false, number: 0 };
  private readonly maxStreams: number;
  private readonly maxBufferedBytes: number;
  private readonly maxPduBytes: number;
  private buffered = 0;
  private counted = 0;
  private overflows = 0;

  constructor(registry: DissectorRegistry, options: TcpReassemblyOptions = {}) {
    this.maxStreams = options.maxStreams ?? 4096;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.maxPduBytes = options.maxPduBytes ?? 1024 * 1024;
    const tcpLayer = options.tcpLayer ?? 'tcp';
    const layers = new Map(registry.layers);
    const walkers = new Map(registry.walkers ?? []);
    const tcp = registry.layers.get(tcpLayer);
    if (tcp) {
      layers.set(tcpLayer, (buf, start, end, context) => {
        const result = tcp(buf, start, end, context);
        this.segmentSeen(buf, start, end, context);
        return result;
      });
      const walker = registry.walkers?.get(tcpLayer);
      if (walker) {
        walkers.set(tcpLayer, (buf, start, end, context) => {
          const step = walker(buf, start, end, context);
          this.segmentSeen(buf, start, end, context);
          return step;
        });
      }
    }
    for (const [name, framing] of registry.framings ?? []) {
      const dissector = registry.layers.get(name);
      if (!dissector) continue;
      const stream: LayerDissector = (buf, start, end, context) =>
        this.streamLayer(dissector, framing, buf, start, end, context);
      layers.set(name, stream);
      // A walker would give only names; the stream layer needs the messages, so it dissects.
      const walk: LayerWalker = (buf, start, end, context): LayerStep => {
        const r = stream(buf, start, end, context);
        return r.malformed ? { field: r.node.field, malformed: r.malformed } : { field: r.node.field };
      };
      walkers.set(name, walk);
    }
    this.registry = { ...registry, layers, walkers };
    const ports = registry.tables.get('tcp.port');
    for (const [port, layer] of ports ?? []) if (registry.framings?.has(layer)) this.streamPorts.add(port);
  }

  /** How many stream directions are followed, bytes are held, and messages were too long to reassemble. */
  get stats(): { readonly streams: number; readonly bufferedBytes: number; readonly overflows: number } {
    return { streams: this.flows.size, bufferedBytes: this.buffered, overflows: this.overflows };
  }

  /** Forgets every stream (a new capture). */
  reset(): void {
    this.flows.clear();
    this.buffered = 0;
    this.counted = 0;
    this.overflows = 0;
  }

  /** Dissects the next frame of the capture, as `dissect` does, with TCP reassembly. */
  dissect(buf: Uint8Array, options: StreamFrameOptions = {}): StreamDissection {
    const start = options.start ?? 0;
    const end = options.end ?? buf.length;
    this.begin(options);
    let result: Dissection;
    try {
      result = dissect(
        this.registry,
        buf,
        options.first ?? ETHERNET_FIRST,
        start,
        end,
        options.originalLength ?? end - start,
        options.frame ?? NO_FRAME_INFO,
      );
    } finally {
      this.slot.active = false;
    }
    const outcome = this.slot.outcome;
    if (!outcome) return result;
    const layers = result.layers;
    const at = layers.findIndex((n) => n.field === PLACEHOLDER_FIELD);
    if (at < 0) return result;
    const tcpAt = at - 1;
    if (outcome.segmentData && tcpAt >= 0) {
      const tcp = layers[tcpAt];
      const [s, e] = outcome.segmentData;
      const data: DissectionNode = {
        field: 'tcp.segment_data',
        name: 'TCP segment data',
        offset: s,
        length: e - s,
        value: buf.subarray(s, e),
        display: `TCP segment data (${e - s} byte${e - s === 1 ? '' : 's'})`,
      };
      layers[tcpAt] = { ...tcp, children: [...(tcp.children ?? []), data] };
    }
    layers.splice(at, 1, ...outcome.nodes);
    const malformed = result.malformed ?? outcome.malformed;
    return {
      layers,
      ...(malformed ? { malformed } : {}),
      ...(outcome.reassembled.length > 0 ? { reassembled: outcome.reassembled } : {}),
      ...(outcome.overflow ? { overflow: outcome.overflow } : {}),
    };
  }

  /**
   * The layer names of the next frame for protocol statistics: through the registry's walkers
   * except for the stream layers, which are dissected (their state needs the messages), and named
   * as tshark's `io,phs` counts them (`hierarchyPath`).
   */
  layerPath(buf: Uint8Array, options: StreamFrameOptions & { readonly into?: string[] } = {}): LayerPath {
    const start = options.start ?? 0;
    const end = options.end ?? buf.length;
    this.begin(options);
    let path: LayerPath;
    try {
      path = dissectLayerPath(this.registry, buf, {
        first: options.first ?? ETHERNET_FIRST,
        start,
        end,
        originalLength: options.originalLength ?? end - start,
        frame: options.frame ?? NO_FRAME_INFO,
        ...(options.into ? { into: options.into } : {}),
      });
    } finally {
      this.slot.active = false;
    }
    const outcome = this.slot.outcome;
    if (!outcome) return path;
    const names = path.layers;
    const at = names.indexOf(PLACEHOLDER_FIELD);
    if (at < 0) return path;
    names.splice(at, 1, ...hierarchyPath(outcome.nodes));
    const malformed = path.malformed ?? outcome.malformed;
    return malformed ? { layers: names, malformed } : { layers: names };
  }

  private begin(options: StreamFrameOptions): void {
    this.counted = options.number ?? this.counted + 1;
    this.slot.active = true;
    this.slot.number = this.counted;
    this.slot.tcpStart = undefined;
    this.slot.flow = undefined;
    this.slot.outcome = undefined;
  }

  private streamLayer(
    dissector: LayerDissector,
    framing: PduFraming,
    buf: Uint8Array,
    start: number,
    end: number,
    context: DissectContext,
  ): LayerDissection {
    const slot = this.slot;
    const tcpStart = slot.tcpStart;
    if (
      !slot.active ||
      slot.outcome ||
      tcpStart === undefined ||
      !context.ip ||
      context.quoted ||
      context.fragment ||
      context.claimedEnd !== undefined ||
      tcpStart + 20 > start
    ) {
      return dissector(buf, start, end, context);
    }
    const flow = slot.flow;
    const verdict = slot.verdict;
    if (!flow || !verdict) return dissector(buf, start, end, context);
    const outcome: Outcome = { nodes: [], reassembled: [] };
    slot.outcome = outcome;
    const run = new StreamRun(this, dissector, framing, context, outcome, slot.number);
    const seq = readU32(buf, tcpStart + 4);
    if (verdict === 'keep-alive') {
      // tshark hands a keep-alive's byte to its data dissector.
      outcome.nodes.push(dataNode(buf, start, end));
    } else if (verdict === 'retransmission') {
      // tshark neither reassembles nor dissects a retransmission: its bytes are segment data.
      outcome.segmentData = [start, end];
    } else run.segment(flow, buf, start, end, seq, verdict === 'out-of-order');
    if (outcome.overflow) this.overflows++;
    return { node: { field: PLACEHOLDER_FIELD, name: '', offset: start, length: end - start } };
  }

  /**
   * Follows a TCP segment on a stream port (whatever its payload, SYNs and ACKs too): tshark's
   * sequence analysis, reduced to what decides the dissection of the payload.
   */
  private segmentSeen(buf: Uint8Array, start: number, end: number, context: DissectContext): void {
    const slot = this.slot;
    if (!slot.active || context.quoted || !context.ip || end - start < 20) return;
    const sport = readU16(buf, start);
    const dport = readU16(buf, start + 2);
    if (!this.streamPorts.has(sport) && !this.streamPorts.has(dport)) return;
    slot.tcpStart = start;
    const src = address(context.ip, 'src');
    const dst = address(context.ip, 'dst');
    const reverse = this.flows.get(`${dst} ${dport} ${src} ${sport}`);
    const flow = this.flow(`${src} ${sport} ${dst} ${dport}`, reverse?.connection);
    const seq = readU32(buf, start + 4);
    const flags = readU16(buf, start + 12) & 0x0fff;
    const headerLength = (buf[start + 12] >> 4) * 4;
    const length = Math.max(0, (context.claimedEnd ?? end) - start - headerLength);
    const now = context.frameTime ?? 0n;
    const connection = flow.connection;
    if (flags & FLAG_SYN) {
      if (flags & FLAG_ACK) connection.synAcked = true;
      else connection.synTime = now;
    } else if (
      flags & FLAG_ACK &&
      connection.synTime !== undefined &&
      connection.synAcked &&
      connection.rtt === undefined
    ) {
      // tshark's iRTT: from the SYN to the first ACK after the SYN-ACK, whichever side sends it.
      connection.rtt = now - connection.synTime;
    }
    let verdict: Verdict = 'in-order';
    const next = flow.nextSeq;
    if (next !== undefined && (length > 0 || flags & (FLAG_SYN | FLAG_FIN))) {
      if (length <= 1 && (flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0 && seq === (next - 1) >>> 0) {
        verdict = 'keep-alive';
      } else if (lt(seq, next) && !(length > 1 && seq === (next - 1) >>> 0)) {
        // tshark: one byte before nextseq with more than one byte is new data after a zero-window probe.
        const threshold = connection.rtt ?? OUT_OF_ORDER_NS;
        verdict =
          now - flow.nextSeqTime < threshold && next !== (seq + length) >>> 0
            ? 'out-of-order'
            : 'retransmission';
      }
    }
    const segmentEnd = (seq + length + (flags & FLAG_SYN ? 1 : 0) + (flags & FLAG_FIN ? 1 : 0)) >>> 0;
    if (next === undefined || lt(next, segmentEnd)) {
      flow.nextSeq = segmentEnd;
      flow.nextSeqTime = now;
    }
    slot.flow = flow;
    slot.verdict = verdict;
  }

  private flow(key: string, connection?: Flow['connection']): Flow {
    let flow = this.flows.get(key);
    if (flow) {
      // Most recently seen last: the first entry is the one to forget.
      this.flows.delete(key);
      this.flows.set(key, flow);
      return flow;
    }
    flow = { pending: [], done: [], nextSeqTime: 0n, connection: connection ?? {} };
    this.flows.set(key, flow);
    while (this.flows.size > this.maxStreams) {
      const [oldest, old] = this.flows.entries().next().value as [string, Flow];
      this.drop(old);
      this.flows.delete(oldest);
    }
    return flow;
  }

  /** Forgets one of a flow's unfinished messages, or all of them. */
  drop(flow: Flow, pending?: Pending): void {
    for (let i = flow.pending.length - 1; i >= 0; i--) {
      const p = flow.pending[i];
      if (pending && p !== pending) continue;
      this.buffered -= p.data.length;
      flow.pending.splice(i, 1);
    }
  }

  /** Adds an unfinished message to a flow, forgetting the oldest past a few. */
  keep(flow: Flow, pending: Pending): void {
    flow.pending.push(pending);
    if (flow.pending.length > MAX_PENDING_PER_FLOW) this.drop(flow, flow.pending[0]);
  }

  /** A buffer for a message of `size` bytes, within the limits; undefined (and `overflow` set) past them. */
  reserve(flow: Flow, size: number, outcome: Outcome): Uint8Array | undefined {
    if (size > this.maxPduBytes) {
      outcome.overflow = `a message of ${size} bytes is longer than the reassembly limit of ${this.maxPduBytes} bytes`;
      return undefined;
    }
    for (const [, other] of this.flows) {
      if (this.buffered + size <= this.maxBufferedBytes) break;
      if (other !== flow) this.drop(other);
    }
    if (this.buffered + size > this.maxBufferedBytes) {
      outcome.overflow = `${this.buffered} bytes are held for unfinished messages, the limit is ${this.maxBufferedBytes}`;
      return undefined;
    }
    this.buffered += size;
    return new Uint8Array(size);
  }

  /** Grows a pending message's buffer to `size` bytes (a segment joining one whose header was cut). */
  grow(flow: Flow, pending: Pending, size: number, outcome: Outcome): boolean {
    if (size <= pending.data.length) return true;
    const data = this.reserve(flow, size, outcome);
    if (!data) return false;
    data.set(pending.data);
    this.buffered -= pending.data.length;
    pending.data = data;
    return true;
  }
}

/** One segment's walk through the stream (Wireshark's `desegment_tcp` loop). */
class StreamRun {
  constructor(
    private readonly owner: TcpReassembly,
    private readonly dissector: LayerDissector,
    private readonly framing: PduFraming,
    private readonly context: DissectContext,
    private readonly outcome: Outcome,
    private readonly number: number,
  ) {}

  segment(flow: Flow, buf: Uint8Array, start: number, end: number, seq: number, blocked: boolean): void {
    const length = end - start;
    const nxt = (seq + length) >>> 0;
    const p = lookup(flow.pending, seq);
    if (p) {
      const held = (p.seq + p.length) >>> 0;
      if (lt(p.seq, seq) && !lt(held, seq)) {
        // An out-of-order copy of bytes already held: tshark's reassembly rejects it (overlap).
        if (blocked && !lt(held, nxt)) {
          this.outcome.malformed ??= overlapError(start);
          return;
        }
        // Part of the message being reassembled: tshark 4.0 adds the whole segment to it.
        this.outcome.segmentData = [start, end];
        const rel = diff(seq, p.seq);
        if (!this.owner.grow(flow, p, rel + length, this.outcome)) {
          this.owner.drop(flow, p);
          this.overflow(buf, start, end);
          return;
        }
        const fresh = p.length - rel;
        if (fresh < length)
          p.data.set(buf.subarray(start + Math.max(0, fresh), end), Math.max(p.length, rel));
        p.length = Math.max(p.length, rel + length);
        // tshark lists the bytes up to the message's end (all of them for a cut header).
        const listed = p.wholeNext ? length : Math.min(length, diff(p.end, seq));
        p.frames.push({ number: this.number, offset: rel, length: listed });
        // tshark ends the message at a segment that overlaps bytes it holds (not only at its length).
        if (lt(nxt, p.end) && !(lt(seq, held) && !blocked)) return;
        const total = p.length;
        const data = p.data.slice(0, total);
        const oldLength = held === seq ? total - length : diff(held, p.seq);
        this.owner.drop(flow, p);
        flow.done.push({ seq: p.seq, end: (p.seq + total) >>> 0 });
        if (flow.done.length > MAX_PENDING_PER_FLOW) flow.done.shift();
        const segments = segmentsNode(p, data);
        if (blocked) {
          this.outcome.nodes.push(segments);
          return;
        }
        const framed = frame(this.framing, data, 0, total);
        if (framed.pendingAt !== undefined && framed.pendingAt <= oldLength) {
          // tshark "un-reassembles": the first message still needs more; it goes on from the same start.
          const again = this.owner.reserve(
            flow,
            framed.headerCut ? total : Math.max(total, framed.pendingAt + (framed.length ?? 0)),
            this.outcome,
          );
          if (!again) {
            this.overflow(buf, start, end);
            return;
          }
          again.set(data);
          this.owner.keep(flow, {
            seq: p.seq,
            end: framed.headerCut ? (nxt + 1) >>> 0 : (p.seq + framed.pendingAt + (framed.length ?? 0)) >>> 0,
            data: again,
            length: total,
            frames: p.frames,
            wholeNext: framed.headerCut === true,
          });
          return;
        }
        this.outcome.nodes.push(segments);
        this.dissectRegion(data, 0, framed.pendingAt ?? total, true);
        if (framed.pendingAt !== undefined) {
          const rest = data.subarray(framed.pendingAt);
          this.start(flow, rest, framed, (p.seq + framed.pendingAt) >>> 0);
        }
        return;
      }
      // After a gap (a segment not captured, or still to come out of order) the message ends where
      // this segment starts, as tshark cuts it, and this segment is dissected on its own.
      if (lt(seq, p.end)) p.end = seq;
    }
    // An out-of-order segment that continues no message goes to no dissector and shows nothing,
    // unless it falls inside one already reassembled: tshark reports the overlap.
    if (blocked) {
      const inside = flow.done.some((d) => lt(d.seq, seq) && lt(seq, d.end) && !(p && lt(d.seq, p.seq)));
      if (inside) this.outcome.malformed ??= overlapError(start);
      return;
    }
    const framed = frame(this.framing, buf, start, end);
    if (framed.pendingAt !== undefined) {
      const from = framed.pendingAt;
      if (!this.start(flow, buf.subarray(from, end), framed, (seq + (from - start)) >>> 0)) {
        this.overflow(buf, start, end);
        return;
      }
      this.outcome.segmentData = [from, end];
    }
    this.dissectRegion(buf, start, framed.pendingAt ?? end, false);
  }

  /** Starts a pending message at sequence number `seq` with `bytes`, the rest of a segment. False past the limits. */
  private start(flow: Flow, bytes: Uint8Array, framed: Framed, seq: number): boolean {
    const size = framed.headerCut ? bytes.length : Math.max(framed.length ?? 0, bytes.length);
    const data = this.owner.reserve(flow, size, this.outcome);
    if (!data) return false;
    data.set(bytes);
    this.owner.keep(flow, {
      seq,
      // A cut header takes the whole next segment (tshark: nxtpdu one byte into it).
      end: framed.headerCut ? (seq + bytes.length + 1) >>> 0 : (seq + size) >>> 0,
      data,
      length: bytes.length,
      frames: [{ number: this.number, offset: 0, length: bytes.length }],
      wholeNext: framed.headerCut === true,
    });
    return true;
  }

  /** A message too long to reassemble: the rest of the segment is dissected as it is. */
  private overflow(buf: Uint8Array, from: number, end: number): void {
    this.outcome.segmentData = undefined;
    this.dissectRegion(buf, from, end, false);
  }

  /** Dissects buf[start, end): a continuation before the first message, then the messages. */
  private dissectRegion(buf: Uint8Array, start: number, end: number, reassembled: boolean): void {
    if (end <= start) return;
    const nodes: DissectionNode[] = [];
    const first = this.framing.firstPdu ? this.framing.firstPdu(buf, start, end) : start;
    if (first > start && this.framing.continuation) nodes.push(this.framing.continuation(buf, start, first));
    if (first < end) {
      const context: DissectContext = reassembled
        ? {
            ...(this.context.ip ? { ip: this.context.ip } : {}),
            ...(this.context.frameTime !== undefined ? { frameTime: this.context.frameTime } : {}),
          }
        : this.context;
      try {
        const result = this.dissector(buf, first, end, context);
        nodes.push(result.node);
        if (result.malformed) this.outcome.malformed ??= result.malformed;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.outcome.malformed ??= e;
      }
    }
    this.outcome.nodes.push(...nodes);
    if (reassembled) this.outcome.reassembled.push({ name: 'Reassembled TCP', data: buf, layers: nodes });
  }
}

/** The message a segment at `seq` may continue: the one starting last before it (tshark's lookup). */
function lookup(pending: readonly Pending[], seq: number): Pending | undefined {
  let best: Pending | undefined;
  for (const p of pending) if (lt(p.seq, seq) && (!best || lt(best.seq, p.seq))) best = p;
  return best;
}

/** Where the messages in buf[start, end) end: whole ones, then maybe one that goes on. */
function frame(framing: PduFraming, buf: Uint8Array, start: number, end: number): Framed {
  let at = framing.firstPdu ? framing.firstPdu(buf, start, end) : start;
  while (at < end) {
    const length = framing.pduLength(buf, at, end);
    if (length === PDU_HEADER_CUT) return { pendingAt: at, headerCut: true };
    if (length < 0) return {};
    if (at + length > end) return { pendingAt: at, length };
    at += length;
  }
  return {};
}

function segmentsNode(p: Pending, data: Uint8Array): DissectionNode {
  const children: DissectionNode[] = p.frames.map(({ number, offset, length }) => {
    const node: DissectionNode = {
      field: 'tcp.segment',
      name: 'TCP segment',
      offset: 0,
      length: 0,
      value: number,
      display: `[Frame: ${number}, payload: ${offset}-${offset + length - 1} (${length} byte${length === 1 ? '' : 's'})]`,
    };
    return node;
  });
  children.push(
    { field: 'tcp.segment.count', name: 'Segment count', offset: 0, length: 0, value: p.frames.length },
    {
      field: 'tcp.reassembled.length',
      name: 'Reassembled TCP length',
      offset: 0,
      length: 0,
      value: data.length,
    },
    {
      field: 'tcp.reassembled.data',
      name: 'Reassembled TCP Data',
      offset: 0,
      length: data.length,
      value: data,
      display: `Reassembled TCP Data: ${hexStart(data)}`,
    },
  );
  const list = p.frames.map((f) => `#${f.number}(${f.length})`).join(', ');
  return {
    field: 'tcp.segments',
    name: 'Reassembled TCP Segments',
    offset: 0,
    length: data.length,
    display: `[${p.frames.length} Reassembled TCP Segments (${data.length} bytes): ${list}]`,
    children,
  };
}

/** tshark's "Reassembly error, protocol TCP: New fragment overlaps old data (retransmission?)". */
function overlapError(at: number): DecodeError {
  return new DecodeError(
    'bad-value',
    'tcp',
    at,
    'reassembly error: new fragment overlaps old data (retransmission?)',
  );
}

/**
 * The protocol path of a frame's layers as tshark's `io,phs` counts it: a layer node holding
 * several nodes of its own kind (several BGP messages) once per message, and `tcp.segments` after
 * the messages dissected from the reassembled bytes.
 */
export function hierarchyPath(layers: readonly DissectionNode[]): string[] {
  const names: string[] = [];
  let segments = false;
  for (const node of layers) {
    if (node.field === 'tcp.segments') {
      segments = true;
      continue;
    }
    const repeats = node.children?.filter((c) => c.field === node.field).length ?? 0;
    for (let i = 0; i < Math.max(1, repeats); i++) names.push(node.field);
  }
  if (segments) names.push('tcp.segments');
  return names;
}

/** The first 36 bytes in hex, then `…`: how tshark's tree shows long byte strings. */
function hexStart(data: Uint8Array): string {
  let s = '';
  for (const b of data.subarray(0, 36)) s += b.toString(16).padStart(2, '0');
  return data.length > 36 ? `${s}…` : s;
}

function address(ip: IpContext, which: 'src' | 'dst'): string {
  return ip.family === 4 ? formatIpv4(ip[which]) : formatIpv6(ip[which]);
}
