import { HEADER_LENGTH, MessageType } from './constants.js';
import { sessionError } from './errors.js';
import { checkHeader, writeHeader } from './header.js';
import {
  decodeNotification,
  type NotificationMessage,
  notificationLength,
  writeNotification,
} from './notification.js';
import { decodeOpen, type OpenMessage, openLength, writeOpen } from './open.js';
import {
  decodeRouteRefresh,
  type RouteRefreshMessage,
  routeRefreshLength,
  writeRouteRefresh,
} from './route-refresh.js';
import { type BgpSession, DEFAULT_SESSION } from './session.js';
import { decodeUpdateBody, type UpdateMessage, updateLength, writeUpdate } from './update.js';

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** Any BGP message as a plain object. */
export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

/**
 * Decodes the message at buf[start, end) (header included); bytes after the message's length are
 * ignored. Throws BgpDecodeError (a DecodeError with the NOTIFICATION and RFC 7606 action).
 */
export function decodeMessage(
  buf: Uint8Array,
  session: BgpSession = DEFAULT_SESSION,
  start = 0,
  end = buf.length,
): BgpMessage {
  const length = checkHeader(buf, start, end, session);
  const body = start + HEADER_LENGTH;
  const stop = start + length;
  switch (buf[start + 18]) {
    case MessageType.Open:
      return decodeOpen(buf, body, stop);
    case MessageType.Update:
      return decodeUpdateBody(buf, body, stop, session);
    case MessageType.Notification:
      return decodeNotification(buf, body, stop);
    case MessageType.Keepalive:
      return { type: 'keepalive' };
    case MessageType.RouteRefresh:
      return decodeRouteRefresh(buf, body, stop);
    default:
      throw sessionError('bad-value', start + 18, 'message type', 1, 3);
  }
}

/** Bytes `writeMessage` writes. */
export function messageLength(m: BgpMessage, session: BgpSession = DEFAULT_SESSION): number {
  switch (m.type) {
    case 'open':
      return openLength(m);
    case 'update':
      return updateLength(m, session);
    case 'notification':
      return notificationLength(m);
    case 'keepalive':
      return HEADER_LENGTH;
    case 'route-refresh':
      return routeRefreshLength(m);
  }
}

/** Writes any message (header included) at `offset`; returns the bytes written. */
export function writeMessage(
  m: BgpMessage,
  out: Uint8Array,
  offset = 0,
  session: BgpSession = DEFAULT_SESSION,
): number {
  switch (m.type) {
    case 'open':
      return writeOpen(m, out, offset);
    case 'update':
      return writeUpdate(m, out, offset, session);
    case 'notification':
      return writeNotification(m, out, offset);
    case 'keepalive':
      if (offset + HEADER_LENGTH > out.length)
        throw new RangeError('bgp KEEPALIVE does not fit the output buffer');
      return writeHeader(MessageType.Keepalive, HEADER_LENGTH, out, offset);
    case 'route-refresh':
      return writeRouteRefresh(m, out, offset);
  }
}

/** Allocating convenience around `writeMessage`. */
export function encodeMessage(m: BgpMessage, session: BgpSession = DEFAULT_SESSION): Uint8Array {
  const out = new Uint8Array(messageLength(m, session));
  writeMessage(m, out, 0, session);
  return out;
}
