import { DecodeError } from './decode-error.js';
import { DATA_FIELDS, type FieldDescription, type FieldDescriptions } from './field-description.js';
import { dataNode } from './field-node.js';

/** A field value as decoded: numbers stay numbers, addresses are text as Wireshark writes them. */
export type FieldValue = number | bigint | string | boolean | Uint8Array;

/**
 * One node of a dissection tree. `field` is the Wireshark display-filter name (`ip.ttl`); a
 * protocol's own node uses the protocol name (`ip`). Offsets are from the start of the frame.
 */
export interface DissectionNode {
  readonly field: string;
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly value?: FieldValue;
  /** How the value is shown in a tree when the default rendering is not what Wireshark shows. */
  readonly display?: string;
  /**
   * A field Wireshark fills but does not show in its tree (`eth.addr`, `tcp.port`, `eth.lg`):
   * present in `--json` output and filters, left out of `formatTree` and the hex dump.
   */
  readonly hidden?: boolean;
  readonly children?: DissectionNode[];
}

/** Addresses of the enclosing IP header, for checksums over a pseudo-header. */
export type IpContext =
  | { readonly family: 4; readonly src: number; readonly dst: number }
  | { readonly family: 6; readonly src: Uint8Array; readonly dst: Uint8Array };

/** Where a layer hands over: look `keys` up, in order, in the named `table`. */
export interface NextLayer {
  readonly table: string;
  readonly keys: readonly number[];
  readonly start: number;
  readonly end: number;
  readonly ip?: IpContext;
  /**
   * Set by ICMP/ICMPv6 errors for the datagram they quote: later layers may be cut short
   * (a quoted IPv4 total length beyond the bytes present is normal), so dissectors parse leniently.
   */
  readonly quoted?: boolean;
  /**
   * Where the enclosing header says this layer ends, when that is past `end` because the capture
   * was cut (snaplen): the next layer decodes what is there and may report lengths from the claim,
   * as Wireshark's `tcp.len` does. Applies to the next layer only.
   */
  readonly claimedEnd?: number;
  /**
   * Set by IPv4/IPv6 for the payload of a first fragment (offset 0, more to come): the next layer
   * holds the start of a longer datagram, as Wireshark's `pinfo->fragmented` with reassembly off.
   * Its length fields may reach past `end` and its checksum cannot be checked. Next layer only.
   */
  readonly fragment?: boolean;
}

/** The frame a dissection walks: where it starts, where its captured bytes end, where it ended on the wire. */
export interface FrameBounds {
  readonly start: number;
  readonly end: number;
  /** `start` + the frame's length on the wire (pcap's orig_len); equals `end` when nothing was cut. */
  readonly reportedEnd: number;
}

/**
 * What a trailer made of its bytes when they turned out malformed part way: the nodes before that
 * point (Wireshark's tree keeps the items added before its exception) and the error.
 */
export interface TrailerDissection {
  readonly nodes: readonly DissectionNode[];
  readonly malformed: DecodeError;
}

/**
 * The nodes of the bytes a layer owns after its payload (Ethernet padding, trailer and FCS), given
 * where its payload ends: the `end` of the layer it handed over to, else the `next.end` it handed
 * that layer. When that layer threw, its error's `layerEnd` stands for its `end`. `payloadEnd` may
 * lie past the captured bytes. When its bytes turn out malformed (bytes its layer claims are
 * missing) it returns the nodes it could make with the error (`TrailerDissection`), or throws a
 * DecodeError (no nodes): the later layers are still dissected and `dissect` reports the error as
 * `malformed` unless a layer's own error came first.
 */
export type LayerTrailer = (
  payloadEnd: number,
  frame: FrameBounds,
) => readonly DissectionNode[] | TrailerDissection;

export interface LayerDissection {
  readonly node: DissectionNode;
  readonly next?: NextLayer;
  /**
   * Where this layer ends by its own length fields (IPv4 total length, IPv6 payload length + 40,
   * ARP's address sizes), when that can be before the `end` it was handed; past the captured
   * bytes when the snap length cut the frame. Unset: the layer takes everything it was handed.
   * Only the `trailer` of the layer that handed over reads it.
   */
  readonly end?: number;
  /**
   * Set by a layer whose payload may be followed by bytes of its own: once the next layer has
   * been dissected (and before any later one), `dissect` appends what this returns to `node`'s
   * children. When the next layer throws a DecodeError it is called too, with the error's
   * `layerEnd` if the layer set one (it knew its length before it failed), else the end it was
   * handed; the frame stays `malformed` with that error. Not called when there is no next layer;
   * `dissectLayerPath` never calls it.
   */
  readonly trailer?: LayerTrailer;
  /**
   * Set when the layer's bytes turned out malformed part way: `node` holds the fields that fit
   * (Wireshark's tree keeps the items added before its exception) and `dissect` stops after it,
   * reporting this error as the frame's `malformed`, as if the layer had thrown it. `next` is
   * ignored; the previous layer's trailer runs as for a thrown error.
   */
  readonly malformed?: DecodeError;
}

export interface DissectContext {
  readonly ip?: IpContext;
  readonly quoted?: boolean;
  /** The enclosing header's claimed end of this layer, past the captured `end` (see NextLayer). */
  readonly claimedEnd?: number;
  /** The layer starts a datagram of several IP fragments (see NextLayer.fragment). */
  readonly fragment?: boolean;
  /**
   * Where the frame ended on the wire, when the capture kept less of it (pcap's original length).
   * A length field may claim bytes up to here; past it, the claim is bogus, not a cut capture.
   */
  readonly reportedEnd?: number;
  /**
   * Bytes of frame check sequence at the end of the frame, as the capture file says
   * (`FrameInfo.fcsLength`): 0 none, undefined not said (a dissector may guess, as Wireshark does).
   * Given to the first layer only (the link layer the capture describes).
   */
  readonly fcsLength?: number;
  /** When the frame was captured (`FrameInfo.timestamp`), for every layer; absent when not given. */
  readonly frameTime?: bigint;
}

/**
 * What the capture says about a frame besides its bytes and lengths, passed to `dissect` and
 * `dissectLayerPath` (from a pcap header's FCS bits or a pcapng interface's `if_fcslen`).
 */
export interface FrameInfo {
  /** Bytes of FCS at the end of the frame: 0 none; absent when the capture does not say. */
  readonly fcsLength?: number;
  /**
   * When the frame was captured, in nanoseconds since the Unix epoch (pcap's timestamp): a layer
   * may judge its own bytes by it, as Wireshark's ICMP does for a timestamp in an echo's data.
   */
  readonly timestamp?: bigint;
}

/** Dissects one layer from buf[start, end). Throws DecodeError on bad input. */
export type LayerDissector = (
  buf: Uint8Array,
  start: number,
  end: number,
  context: DissectContext,
) => LayerDissection;

/** What a layer walker finds: the layer's protocol field name (`ip`) and where it hands over. */
export interface LayerStep {
  readonly field: string;
  readonly next?: NextLayer;
  /** As `LayerDissection.malformed`: the layer counts, then the walk stops with this error. */
  readonly malformed?: DecodeError;
}

/**
 * Optional fast twin of a LayerDissector for `dissectLayerPath`: the same checks, the same
 * `node.field` and `next`, the same DecodeErrors, but no field nodes (no strings, no trees).
 */
export type LayerWalker = (buf: Uint8Array, start: number, end: number, context: DissectContext) => LayerStep;

/** `PduFraming.pduLength` when the header is not all there yet: wait for the next segment. */
export const PDU_HEADER_CUT = 0;
/** `PduFraming.pduLength` when the bytes are no header: stop reassembling, dissect them as they are. */
export const PDU_INVALID = -1;

/**
 * How a protocol carried on a TCP stream delimits its messages, for a TCP reassembler (what
 * Wireshark's `desegment_offset`/`desegment_len` tell its TCP). A single-frame `dissect` never
 * reads it.
 */
export interface PduFraming {
  /**
   * The length of the message starting at buf[at], from its header: a length of at least 1 (the
   * message may run past `end`), `PDU_HEADER_CUT` when fewer bytes than its header are left before
   * `end`, or `PDU_INVALID` when the header is not one.
   */
  readonly pduLength: (buf: Uint8Array, at: number, end: number) => number;
  /**
   * Where the first message starts in stream bytes that do not continue a message being
   * reassembled (BGP: at the first marker); the bytes before it end a message this capture did not
   * see start. Absent: at `start`.
   */
  readonly firstPdu?: (buf: Uint8Array, start: number, end: number) => number;
  /** The node shown for those bytes, buf[start, end) (BGP: `bgp.continuation`). Absent: none. */
  readonly continuation?: (buf: Uint8Array, start: number, end: number) => DissectionNode;
}

/** What a protocol package exports: its layer dissectors and which table keys lead to them. */
export interface DissectorSet {
  readonly layers: Readonly<Record<string, LayerDissector>>;
  readonly bindings: readonly { readonly table: string; readonly key: number; readonly layer: string }[];
  /** Walkers for some of `layers` (by the same name); a layer without one is walked by its dissector. */
  readonly walkers?: Readonly<Record<string, LayerWalker>>;
  /** Every field (and protocol) the layers can emit, by display-filter name: types and value names. */
  readonly fields?: FieldDescriptions;
  /** How some of `layers` (by the same name) delimit messages on a TCP stream, for reassembly. */
  readonly framings?: Readonly<Record<string, PduFraming>>;
}

/** Link-layer table keys are pcap LINKTYPE values. */
export const LINK_TABLE = 'link';
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

export interface DissectorRegistry {
  readonly layers: ReadonlyMap<string, LayerDissector>;
  readonly tables: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** Layer walkers, each belonging to the dissector of the same name in `layers`. */
  readonly walkers?: ReadonlyMap<string, LayerWalker>;
  /** The sets' field descriptions merged (a later set's description of a name wins). */
  readonly fields?: ReadonlyMap<string, FieldDescription>;
  /** Stream framings, each belonging to the dissector of the same name in `layers`. */
  readonly framings?: ReadonlyMap<string, PduFraming>;
}

/** Merges dissector sets into one registry; a later set's binding of the same key wins. */
export function composeDissectors(...sets: DissectorSet[]): DissectorRegistry {
  const layers = new Map<string, LayerDissector>();
  const tables = new Map<string, Map<number, string>>();
  const walkers = new Map<string, LayerWalker>();
  const framings = new Map<string, PduFraming>();
  // `dissect` itself adds the `data` node, whatever the sets.
  const fields = new Map<string, FieldDescription>(Object.entries(DATA_FIELDS));
  for (const set of sets) {
    if (set.fields)
      for (const [name, description] of Object.entries(set.fields)) fields.set(name, description);
    for (const [name, fn] of Object.entries(set.layers)) {
      layers.set(name, fn);
      // A walker belongs to its own set's dissector: a replaced dissector loses the old walker.
      const walker = set.walkers?.[name];
      if (walker) walkers.set(name, walker);
      else walkers.delete(name);
      const framing = set.framings?.[name];
      if (framing) framings.set(name, framing);
      else framings.delete(name);
    }
    for (const b of set.bindings) {
      let t = tables.get(b.table);
      if (!t) tables.set(b.table, (t = new Map()));
      t.set(b.key, b.layer);
    }
  }
  return { layers, tables, walkers, fields, framings };
}

export interface Dissection {
  /** One protocol node per decoded layer, outermost first. */
  readonly layers: DissectionNode[];
  /** Set when a layer threw: the layers before it are kept. */
  readonly malformed?: DecodeError;
}

const MAX_LAYERS = 64;

/** An empty context shared by every frame that needs none (frozen: dissectors only read it). */
const NO_CONTEXT: DissectContext = Object.freeze({});
const NO_FRAME_INFO: FrameInfo = Object.freeze({});
/** The field of the node `dataNode` builds for bytes no layer claims. */
const DATA_FIELD = 'data';

/**
 * Dissects a frame starting with the layer that `table`/`key` names (by default, a pcap LINKTYPE).
 * Bytes that no registered layer claims become a `data` node, as in Wireshark. `originalLength`
 * is the frame's length on the wire when the capture kept less (pcap's orig_len). `frame` carries
 * what the capture file says beyond that (its FCS length), for the first layer.
 */
export function dissect(
  registry: DissectorRegistry,
  buf: Uint8Array,
  first: { table: string; key: number } = { table: LINK_TABLE, key: LINKTYPE_ETHERNET },
  start = 0,
  end = buf.length,
  originalLength = end - start,
  frame: FrameInfo = NO_FRAME_INFO,
): Dissection {
  const layers: DissectionNode[] = [];
  const malformed = walkLayers(registry, buf, first, start, end, originalLength, frame, layers, undefined);
  return malformed ? { layers, malformed } : { layers };
}

/** The protocol path of a frame: what `dissect` gives, reduced to the layers' field names. */
export interface LayerPath {
  /** `field` of each layer node `dissect` would return, outermost first (`eth`, `ip`, `udp`, `data`). */
  readonly layers: string[];
  /** The same error `dissect` would report. */
  readonly malformed?: DecodeError;
}

/** Where and how `dissectLayerPath` starts, every part optional (the defaults of `dissect`). */
export interface LayerPathOptions {
  /** The first layer's table and key. Default: `link` 1 (Ethernet). */
  readonly first?: { readonly table: string; readonly key: number };
  /** The frame is buf[start, end). Default: the whole buffer. */
  readonly start?: number;
  readonly end?: number;
  /** The frame's length on the wire when the capture kept less. Default: end - start. */
  readonly originalLength?: number;
  /** An array to reuse across frames: cleared and returned as `layers`. */
  readonly into?: string[];
  /** What the capture file says about the frame (its FCS length). */
  readonly frame?: FrameInfo;
}

const NO_PATH_OPTIONS: LayerPathOptions = Object.freeze({});
const ETHERNET_FIRST: { readonly table: string; readonly key: number } = Object.freeze({
  table: LINK_TABLE,
  key: LINKTYPE_ETHERNET,
});

/**
 * Like `dissect`, but keeps only each layer's name: for statistics (`tshark -z io,phs`) over many
 * frames. The layers run as in `dissect` (same path, same errors), through their `LayerWalker`
 * where the registry has one; no `data` node is built and layer nodes are dropped at once.
 * `dissectLayerPath(registry, buf, { first, start, end, originalLength, into, frame })`; the
 * positional form `(registry, buf, first, start, end, originalLength, into, frame)` still works.
 */
export function dissectLayerPath(
  registry: DissectorRegistry,
  buf: Uint8Array,
  options?: LayerPathOptions,
): LayerPath;
/** The positional form, kept for existing callers; prefer the options object. */
export function dissectLayerPath(
  registry: DissectorRegistry,
  buf: Uint8Array,
  first?: { table: string; key: number },
  start?: number,
  end?: number,
  originalLength?: number,
  into?: string[],
  frame?: FrameInfo,
): LayerPath;
export function dissectLayerPath(
  registry: DissectorRegistry,
  buf: Uint8Array,
  firstOrOptions?: { table: string; key: number } | LayerPathOptions,
  start?: number,
  end?: number,
  originalLength?: number,
  into?: string[],
  frame?: FrameInfo,
): LayerPath {
  let first: { readonly table: string; readonly key: number };
  const positional =
    (firstOrOptions !== undefined && 'table' in firstOrOptions) ||
    start !== undefined ||
    end !== undefined ||
    originalLength !== undefined ||
    into !== undefined ||
    frame !== undefined;
  if (positional) {
    first = firstOrOptions !== undefined && 'table' in firstOrOptions ? firstOrOptions : ETHERNET_FIRST;
  } else {
    const o = firstOrOptions ?? NO_PATH_OPTIONS;
    first = o.first ?? ETHERNET_FIRST;
    start = o.start;
    end = o.end;
    originalLength = o.originalLength;
    into = o.into;
    frame = o.frame;
  }
  const s = start ?? 0;
  const e = end ?? buf.length;
  const names = into ?? [];
  names.length = 0;
  const malformed = walkLayers(
    registry,
    buf,
    first,
    s,
    e,
    originalLength ?? e - s,
    frame ?? NO_FRAME_INFO,
    undefined,
    names,
  );
  return malformed ? { layers: names, malformed } : { layers: names };
}

/**
 * The layer loop behind `dissect` and `dissectLayerPath`: appends each layer's node to `nodes`
 * and/or its field name to `names`; returns the DecodeError that ended it, if one did.
 */
function walkLayers(
  registry: DissectorRegistry,
  buf: Uint8Array,
  first: { table: string; key: number },
  start: number,
  end: number,
  originalLength: number,
  frame: FrameInfo,
  nodes: DissectionNode[] | undefined,
  names: string[] | undefined,
): DecodeError | undefined {
  let next: NextLayer | undefined = { table: first.table, keys: [first.key], start, end };
  const reportedEnd = start + originalLength > end ? start + originalLength : undefined;
  let context: DissectContext =
    frame.timestamp !== undefined
      ? { reportedEnd, frameTime: frame.timestamp }
      : reportedEnd === undefined
        ? NO_CONTEXT
        : { reportedEnd };
  // The capture's FCS length is the first (link) layer's alone.
  const firstContext: DissectContext =
    frame.fcsLength === undefined ? context : { ...context, fcsLength: frame.fcsLength };
  // The previous layer's trailer, waiting for where the layer it handed over to ends.
  let trailer: PendingTrailer | undefined;
  // A trailer that found its bytes malformed: reported once the layers are done, as Wireshark does.
  const trailerError: { error?: DecodeError } = {};
  try {
    for (let depth = 0; next && depth < MAX_LAYERS; depth++) {
      const layerName = lookup(registry, next);
      const dissector = layerName ? registry.layers.get(layerName) : undefined;
      if (!dissector) {
        if (next.end > next.start) {
          nodes?.push(dataNode(buf, next.start, next.end));
          names?.push(DATA_FIELD);
        }
        if (trailer && nodes) addTrailer(nodes, trailer, next.end, start, end, reportedEnd, trailerError);
        return trailerError.error;
      }
      if (
        next.ip ||
        next.quoted ||
        next.claimedEnd !== undefined ||
        context.claimedEnd !== undefined ||
        next.fragment ||
        context.fragment
      ) {
        context = {
          ip: next.ip ?? context.ip,
          quoted: next.quoted || context.quoted,
          claimedEnd:
            next.claimedEnd !== undefined && next.claimedEnd > next.end ? next.claimedEnd : undefined,
          reportedEnd,
          frameTime: context.frameTime,
          fragment: next.fragment === true,
        };
      }
      const layerContext = depth === 0 ? firstContext : context;
      let field: string;
      const walker = nodes || !layerName ? undefined : registry.walkers?.get(layerName);
      let partial: DecodeError | undefined;
      if (walker) {
        const step = walker(buf, next.start, next.end, layerContext);
        field = step.field;
        next = step.next;
        partial = step.malformed;
      } else {
        const handedEnd = next.end;
        let result: LayerDissection;
        try {
          result = dissector(buf, next.start, handedEnd, layerContext);
        } catch (e) {
          // Wireshark's ethertype dissector catches its payload's exception and still adds the
          // trailer, after whatever length the payload had set before it failed.
          if (trailer && nodes && e instanceof DecodeError) {
            addTrailer(nodes, trailer, e.layerEnd ?? handedEnd, start, end, reportedEnd, trailerError);
          }
          throw e;
        }
        field = result.node.field;
        next = result.next;
        partial = result.malformed;
        if (nodes) {
          nodes.push(result.node);
          if (trailer) {
            const layerEnd = result.end ?? partial?.layerEnd ?? handedEnd;
            addTrailer(nodes, trailer, layerEnd, start, end, reportedEnd, trailerError);
          }
          trailer = result.trailer && { at: nodes.length - 1, of: result.trailer };
        }
      }
      names?.push(field);
      if (partial) return partial;
      if (next && (next.start < start || next.end > end || next.start > next.end)) {
        throw new DecodeError('bad-length', field, next.start, 'layer hands over an out-of-range payload');
      }
    }
    if (next) {
      throw new DecodeError('too-deep', 'frame', next.start, `more than ${MAX_LAYERS} layers`);
    }
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  return trailerError.error;
}

interface PendingTrailer {
  /** Index of the layer's node in the node list. */
  readonly at: number;
  readonly of: LayerTrailer;
}

/**
 * Appends a layer's trailer nodes to its node (a new node object, only when there are some). A
 * trailer's DecodeError (thrown or returned with its nodes) is kept in `failed` (the first one)
 * and the layers go on.
 */
function addTrailer(
  nodes: DissectionNode[],
  trailer: PendingTrailer,
  payloadEnd: number,
  start: number,
  end: number,
  reportedEnd: number | undefined,
  failed: { error?: DecodeError },
): void {
  let result: readonly DissectionNode[] | TrailerDissection;
  try {
    result = trailer.of(payloadEnd, { start, end, reportedEnd: reportedEnd ?? end });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    failed.error ??= e;
    return;
  }
  let extra: readonly DissectionNode[];
  if (isTrailerDissection(result)) {
    failed.error ??= result.malformed;
    extra = result.nodes;
  } else extra = result;
  if (extra.length === 0) return;
  const node = nodes[trailer.at];
  nodes[trailer.at] = { ...node, children: [...(node.children ?? []), ...extra] };
}

function isTrailerDissection(r: readonly DissectionNode[] | TrailerDissection): r is TrailerDissection {
  return !Array.isArray(r);
}

function lookup(registry: DissectorRegistry, next: NextLayer): string | undefined {
  const table = registry.tables.get(next.table);
  if (!table) return undefined;
  for (const k of next.keys) {
    const name = table.get(k);
    if (name) return name;
  }
  return undefined;
}

/** Depth-first walk over a tree (or forest), parents before children. */
export function* walkNodes(nodes: readonly DissectionNode[]): Generator<DissectionNode> {
  for (const n of nodes) {
    yield n;
    if (n.children) yield* walkNodes(n.children);
  }
}

/** The first node with this field name, or undefined. */
export function findField(nodes: readonly DissectionNode[], field: string): DissectionNode | undefined {
  for (const n of walkNodes(nodes)) if (n.field === field) return n;
  return undefined;
}
