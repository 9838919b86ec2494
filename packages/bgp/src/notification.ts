import {
  HEADER_LENGTH,
  MessageType,
  NOTIFICATION_CODE_NAMES,
  NOTIFICATION_SUBCODE_NAMES,
} from './constants.js';
import { writeHeader } from './header.js';

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

const CEASE = 6;
const ADMIN_SHUTDOWN = 2;
const ADMIN_RESET = 4;
const HARD_RESET = 9;

export function decodeNotification(buf: Uint8Array, start: number, end: number): NotificationMessage {
  return {
    type: 'notification',
    code: buf[start],
    subcode: buf[start + 1],
    data: buf.subarray(start + 2, end),
  };
}

export function notificationLength(m: NotificationMessage): number {
  return HEADER_LENGTH + 2 + m.data.length;
}

export function writeNotification(m: NotificationMessage, out: Uint8Array, offset = 0): number {
  for (const [f, v] of [
    ['code', m.code],
    ['subcode', m.subcode],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw new RangeError(`bgp NOTIFICATION ${f} must be an integer in 0..255, got ${v}`);
  }
  const total = notificationLength(m);
  if (total > 65535 || offset + total > out.length)
    throw new RangeError('bgp NOTIFICATION does not fit the output buffer');
  writeHeader(MessageType.Notification, total, out, offset);
  out[offset + HEADER_LENGTH] = m.code;
  out[offset + HEADER_LENGTH + 1] = m.subcode;
  out.set(m.data, offset + HEADER_LENGTH + 2);
  return total;
}

/** "Cease / Administrative Shutdown" and friends, from the IANA registry. */
export function notificationName(code: number, subcode: number): string {
  const c = NOTIFICATION_CODE_NAMES[code] ?? `Unknown code ${code}`;
  const s = NOTIFICATION_SUBCODE_NAMES[code]?.[subcode];
  return s ? `${c} / ${s}` : subcode === 0 ? c : `${c} / subcode ${subcode}`;
}

const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/**
 * The RFC 9003 shutdown communication of a Cease / Administrative Shutdown or Reset: undefined
 * when there is none or its length or UTF-8 is invalid (RFC 9003 §2: ignore it then).
 */
export function shutdownCommunication(m: NotificationMessage): string | undefined {
  const inner = m.code === CEASE && m.subcode === HARD_RESET ? hardResetCause(m) : m;
  if (!inner || inner.code !== CEASE || (inner.subcode !== ADMIN_SHUTDOWN && inner.subcode !== ADMIN_RESET))
    return undefined;
  const d = inner.data;
  if (d.length === 0 || d[0] === 0 || 1 + d[0] > d.length) return undefined;
  try {
    return utf8.decode(d.subarray(1, 1 + d[0]));
  } catch {
    return undefined;
  }
}

/** RFC 8538: the NOTIFICATION carried in a Cease / Hard Reset's data (its code, subcode, data). */
export function hardResetCause(m: NotificationMessage): NotificationMessage | undefined {
  if (m.code !== CEASE || m.subcode !== HARD_RESET || m.data.length < 2) return undefined;
  return decodeNotification(m.data, 0, m.data.length);
}

/** A Cease / Administrative Shutdown (or Reset, subcode 4) with an RFC 9003 message of ≤ 255 UTF-8 bytes. */
export function shutdownNotification(text: string, subcode: 2 | 4 = ADMIN_SHUTDOWN): NotificationMessage {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > 255)
    throw new RangeError(`bgp shutdown communication must be at most 255 bytes, got ${bytes.length}`);
  const data = new Uint8Array(1 + bytes.length);
  data[0] = bytes.length;
  data.set(bytes, 1);
  return { type: 'notification', code: CEASE, subcode, data };
}

/** RFC 8538 §3: a Cease / Hard Reset wrapping `cause`. */
export function hardResetNotification(cause: NotificationMessage): NotificationMessage {
  const data = new Uint8Array(2 + cause.data.length);
  data[0] = cause.code;
  data[1] = cause.subcode;
  data.set(cause.data, 2);
  return { type: 'notification', code: CEASE, subcode: HARD_RESET, data };
}
