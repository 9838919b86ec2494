import { readU16, writeU16 } from '@cnikit/wire';
import {
  attributeLength,
  attributeType,
  decodeAttributeValue,
  type PathAttribute,
  writeAttribute,
} from './attributes.js';
import { AttrFlag, AttrType, HEADER_LENGTH, MessageType } from './constants.js';
import { type BgpDecodeError, bgpError, type ErrorAction, sessionError } from './errors.js';
import { checkHeader, maxMessageLength, writeHeader } from './header.js';
import { decodeNlri, type Nlri, NlriCursor, nlriLength, writeNlri } from './nlri.js';
import { type BgpSession, DEFAULT_SESSION, hasAddPath } from './session.js';

export interface UpdateMessage {
  readonly type: 'update';
  /** Withdrawn routes field (IPv4 unicast). */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: readonly PathAttribute[];
  /** NLRI field (IPv4 unicast). */
  readonly nlri: readonly Nlri[];
}

const EMPTY = new Uint8Array(0);

/**
 * A zero-copy view of an UPDATE: `bind` checks the header and the two length fields (RFC 4271
 * §6.3 Malformed Attribute List: session reset); the fields are then walked with cursors.
 */
export class UpdateView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  withdrawnStart = 0;
  withdrawnEnd = 0;
  attributesStart = 0;
  attributesEnd = 0;
  session: BgpSession = DEFAULT_SESSION;

  static parse(
    buf: Uint8Array,
    start = 0,
    end = buf.length,
    session: BgpSession = DEFAULT_SESSION,
  ): UpdateView {
    return new UpdateView().bind(buf, start, end, session);
  }

  /** Binds to a whole UPDATE message (header included) starting at `start`. */
  bind(buf: Uint8Array, start = 0, end = buf.length, session: BgpSession = DEFAULT_SESSION): this {
    const length = checkHeader(buf, start, end, session);
    if (buf[start + 18] !== MessageType.Update) {
      throw sessionError(
        'bad-value',
        start + 18,
        `type ${buf[start + 18]} is not UPDATE`,
        1,
        3,
        buf.subarray(start + 18, start + 19),
      );
    }
    return this.bindBody(buf, start + HEADER_LENGTH, start + length, session, start);
  }

  /** Binds to an UPDATE body buf[bodyStart, end) whose header was checked already. */
  bindBody(
    buf: Uint8Array,
    bodyStart: number,
    end: number,
    session: BgpSession = DEFAULT_SESSION,
    start = bodyStart - HEADER_LENGTH,
  ): this {
    const wl = readU16(buf, bodyStart);
    const wEnd = bodyStart + 2 + wl;
    if (wEnd + 2 > end)
      throw sessionError('bad-length', bodyStart, `withdrawn routes length ${wl} overruns the message`, 3, 1);
    const al = readU16(buf, wEnd);
    if (wEnd + 2 + al > end)
      throw sessionError('bad-length', wEnd, `total path attribute length ${al} overruns the message`, 3, 1);
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.withdrawnStart = bodyStart + 2;
    this.withdrawnEnd = wEnd;
    this.attributesStart = wEnd + 2;
    this.attributesEnd = wEnd + 2 + al;
    this.session = session;
    return this;
  }

  get nlriStart(): number {
    return this.attributesEnd;
  }

  /** An End-of-RIB marker for IPv4 unicast (RFC 4724 §2): an UPDATE with nothing in it. */
  get isIpv4EndOfRib(): boolean {
    return (
      this.withdrawnStart === this.withdrawnEnd &&
      this.attributesStart === this.attributesEnd &&
      this.attributesEnd === this.end
    );
  }

  /** Points `cursor` (or a new one) at the withdrawn routes field. */
  withdrawnCursor(cursor: NlriCursor = new NlriCursor()): NlriCursor {
    return cursor.reset(
      this.buf,
      this.withdrawnStart,
      this.withdrawnEnd,
      1,
      1,
      hasAddPath(this.session, 1, 1, true),
    );
  }

  /** Points `cursor` (or a new one) at the NLRI field. */
  nlriCursor(cursor: NlriCursor = new NlriCursor()): NlriCursor {
    return cursor.reset(this.buf, this.attributesEnd, this.end, 1, 1, hasAddPath(this.session, 1, 1, true));
  }

  /** Points `cursor` at the attributes; `cursor.next()` steps through them without decoding values. */
  attributeCursor(cursor: AttributeCursor = new AttributeCursor()): AttributeCursor {
    return cursor.reset(this.buf, this.attributesStart, this.attributesEnd);
  }
}

/** Steps through a path attributes field: flags, type, and the value's offsets. */
export class AttributeCursor {
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  /** Offset of the current attribute's flags octet. */
  at = 0;
  flags = 0;
  type = 0;
  valueStart = 0;
  valueEnd = 0;

  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Next attribute; false at the end. An attribute overrunning the field is treat-as-withdraw (RFC 7606 §4). */
  next(): boolean {
    const b = this.buf;
    const at = this.pos;
    if (at >= this.end) return false;
    if (at + 3 > this.end) throw overrun(b, at, this.end, 'attribute header cut short');
    const flags = b[at];
    const ext = (flags & AttrFlag.ExtendedLength) !== 0;
    if (ext && at + 4 > this.end) throw overrun(b, at, this.end, 'attribute header cut short');
    const length = ext ? readU16(b, at + 2) : b[at + 2];
    const v = at + (ext ? 4 : 3);
    if (v + length > this.end)
      throw overrun(b, at, this.end, `attribute ${b[at + 1]} length ${length} overruns the attributes`);
    this.at = at;
    this.flags = flags;
    this.type = b[at + 1];
    this.valueStart = v;
    this.valueEnd = v + length;
    this.pos = v + length;
    return true;
  }
}

function overrun(b: Uint8Array, at: number, end: number, reason: string): BgpDecodeError {
  return bgpError(
    'bad-length',
    at,
    reason,
    3,
    5,
    'treat-as-withdraw',
    b.subarray(at, end),
    at + 1 < end ? b[at + 1] : undefined,
  );
}

/** What a receiver makes of an UPDATE under RFC 7606. */
export interface UpdateReading {
  /** The message with every attribute that decoded (discarded ones left out). */
  readonly update: UpdateMessage;
  /** Every error found, strongest first. */
  readonly errors: readonly BgpDecodeError[];
  /** The strongest action the errors call for, undefined when there are none. */
  readonly action?: ErrorAction;
  /**
   * With `treat-as-withdraw`: every route of the message (withdrawn, NLRI, MP_REACH, MP_UNREACH)
   * to be withdrawn. Otherwise empty.
   */
  readonly withdrawAll: readonly Nlri[];
}

const ACTION_RANK: Readonly<Record<ErrorAction, number>> = {
  'session-reset': 3,
  'afisafi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

/**
 * Reads an UPDATE body as RFC 7606 asks: session-level errors (the length fields, the base NLRI
 * fields, a repeated MP attribute) throw; attribute errors are collected with their action and
 * the message's routes are still returned, as withdrawals when the action is treat-as-withdraw.
 */
export function readUpdate(view: UpdateView): UpdateReading {
  const { buf, session } = view;
  const withdrawn = decodeNlri(
    buf,
    view.withdrawnStart,
    view.withdrawnEnd,
    1,
    1,
    hasAddPath(session, 1, 1, true),
  );
  const nlri = decodeNlri(buf, view.attributesEnd, view.end, 1, 1, hasAddPath(session, 1, 1, true));
  const attributes: PathAttribute[] = [];
  const errors: BgpDecodeError[] = [];
  const seen = new Set<number>();
  const cursor = view.attributeCursor();
  const salvage: Nlri[] = [];
  try {
    while (cursor.next()) {
      const type = cursor.type;
      if (seen.has(type)) {
        const data = buf.subarray(cursor.at, cursor.valueEnd);
        if (type === AttrType.MpReachNlri || type === AttrType.MpUnreachNlri) {
          throw bgpError(
            'bad-value',
            cursor.at,
            `attribute ${type} repeated`,
            3,
            1,
            'session-reset',
            data,
            type,
          );
        }
        // RFC 7606 §3 g: later copies of any other attribute are discarded.
        errors.push(
          bgpError(
            'bad-value',
            cursor.at,
            `attribute ${type} repeated`,
            3,
            1,
            'attribute-discard',
            data,
            type,
          ),
        );
        continue;
      }
      seen.add(type);
      try {
        attributes.push(
          decodeAttributeValue(
            buf,
            cursor.flags,
            type,
            cursor.valueStart,
            cursor.valueEnd,
            cursor.at,
            session,
          ),
        );
      } catch (e) {
        const err = e as BgpDecodeError;
        if (err.action === 'session-reset') throw err;
        errors.push(err);
        if (type === AttrType.MpUnreachNlri || type === AttrType.MpReachNlri)
          salvage.push(...salvageMp(buf, cursor, session));
      }
    }
  } catch (e) {
    const err = e as BgpDecodeError;
    if (err.action === 'session-reset') throw err;
    errors.push(err);
  }
  const hasRoutes = nlri.length > 0 || attributes.some((a) => a.kind === 'mp-reach');
  if (hasRoutes && !errors.some((e) => e.action === 'treat-as-withdraw')) {
    // RFC 7606 §3 d: a missing well-known mandatory attribute is treat-as-withdraw.
    const missing = [
      AttrType.Origin,
      AttrType.AsPath,
      ...(nlri.length > 0 ? [AttrType.NextHop] : []),
      ...(session.ibgp ? [AttrType.LocalPref] : []),
    ].find((t) => !attributes.some((a) => attributeType(a) === t));
    if (missing !== undefined) {
      errors.push(
        bgpError(
          'bad-value',
          view.attributesStart,
          `missing well-known attribute ${missing}`,
          3,
          3,
          'treat-as-withdraw',
          new Uint8Array([missing]),
        ),
      );
    }
  }
  errors.sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action]);
  const action = errors[0]?.action;
  const update: UpdateMessage = { type: 'update', withdrawn, attributes, nlri };
  const withdrawAll: Nlri[] =
    action === 'treat-as-withdraw'
      ? [
          ...withdrawn,
          ...nlri,
          ...attributes.flatMap((a) =>
            a.kind === 'mp-reach' ? a.nlri : a.kind === 'mp-unreach' ? a.withdrawn : [],
          ),
          ...salvage,
        ]
      : [];
  return action ? { update, errors, action, withdrawAll } : { update, errors, withdrawAll };
}

/** An MP attribute that failed after its NLRI could still be read (e.g. a flags error). */
function salvageMp(buf: Uint8Array, c: AttributeCursor, session: BgpSession): Nlri[] {
  try {
    const v = c.valueStart;
    const afi = readU16(buf, v);
    const safi = buf[v + 2];
    if (c.type === AttrType.MpUnreachNlri)
      return decodeNlri(buf, v + 3, c.valueEnd, afi, safi, hasAddPath(session, afi, safi, true));
    const nh = buf[v + 3];
    return decodeNlri(buf, v + 5 + nh, c.valueEnd, afi, safi, hasAddPath(session, afi, safi, true));
  } catch {
    return [];
  }
}

/**
 * Decodes an UPDATE body strictly: the first error of any kind throws (the strongest when there
 * are several). Missing mandatory attributes are not checked here; `readUpdate` reports them.
 */
export function decodeUpdateBody(
  buf: Uint8Array,
  bodyStart: number,
  end: number,
  session: BgpSession = DEFAULT_SESSION,
): UpdateMessage {
  const view = new UpdateView().bindBody(buf, bodyStart, end, session);
  const reading = readUpdate(view);
  const first = reading.errors.find((e) => e.notification.subcode !== 3);
  if (first) throw first;
  return reading.update;
}

/** Bytes `writeUpdate` writes, header included; checks every field (RangeError). */
export function updateLength(m: UpdateMessage, session: BgpSession = DEFAULT_SESSION): number {
  const addPath = hasAddPath(session, 1, 1, false);
  let n = HEADER_LENGTH + 4 + nlriLength(m.withdrawn, 1, 1, addPath) + nlriLength(m.nlri, 1, 1, addPath);
  for (const a of m.attributes) n += attributeLength(a, session);
  return n;
}

/** Writes an UPDATE (header included) at `offset`; returns the bytes written. */
export function writeUpdate(
  m: UpdateMessage,
  out: Uint8Array,
  offset = 0,
  session: BgpSession = DEFAULT_SESSION,
): number {
  const total = updateLength(m, session);
  if (total > maxMessageLength(session)) {
    throw new RangeError(`bgp UPDATE of ${total} bytes exceeds the session's ${maxMessageLength(session)}`);
  }
  if (offset + total > out.length) throw new RangeError('bgp UPDATE does not fit the output buffer');
  const addPath = hasAddPath(session, 1, 1, false);
  writeHeader(MessageType.Update, total, out, offset);
  let at = offset + HEADER_LENGTH;
  const wl = writeNlri(m.withdrawn, 1, 1, addPath, out, at + 2);
  writeU16(out, at, wl);
  at += 2 + wl;
  const lengthAt = at;
  at += 2;
  for (const a of m.attributes) at += writeAttribute(a, session, out, at);
  writeU16(out, lengthAt, at - lengthAt - 2);
  at += writeNlri(m.nlri, 1, 1, addPath, out, at);
  return total;
}
